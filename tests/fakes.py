"""Fakes for the ports, for domain- and service-level tests."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar


class FixedClock:
    def __init__(self, start: dt.datetime | None = None) -> None:
        self.current = start or dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)

    def now(self) -> dt.datetime:
        self.current += dt.timedelta(seconds=1)
        return self.current


class StoppedClock:
    """A clock that stands still until told to move (``advance``)."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self.current = start or dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)

    def now(self) -> dt.datetime:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += dt.timedelta(seconds=seconds)


class FixedConversions:
    """Round numbers so that expected values can be worked out by hand.

    1 EUR = 1.10 USD and 1 JPY = 0.007 USD in every year; CPI-U 2022 = 292.655 and 2024 =
    313.689, 2025 = 321.943 (the published BLS annual averages).
    """

    RATES: ClassVar[dict[str, float]] = {"USD": 1.0, "EUR": 1.10, "JPY": 0.007}
    CPI: ClassVar[dict[int, float]] = {2022: 292.655, 2023: 304.702, 2024: 313.689, 2025: 321.943}

    def currencies(self) -> frozenset[str]:
        return frozenset(self.RATES)

    def usd_per_unit(self, currency: str, year: int) -> float:
        return self.RATES[currency]

    def cpi_index(self, year: int) -> tuple[float, int]:
        latest = max(self.CPI)
        return (self.CPI[year], year) if year in self.CPI else (self.CPI[latest], latest)
