"""Exchange rates: those the workspace imported, over the ECB rates bundled with the code.

Why: the bundled ECB reference rates cover about 40 currencies; a chip supply chain also
pays in Taiwanese dollars (TWD), Vietnamese dong and others the ECB does not publish.
``greenchain fx import`` stores a rate per currency and year (or month); an imported rate
wins for its currency and year, the ECB mean fills the rest.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Engine, delete, insert, select, tuple_

from greenchain.adapters.conversions import BundledConversions
from greenchain.adapters.db import tables as t
from greenchain.domain.errors import UnsupportedConversionError

IMPORT_HINT = (
    "import one with 'greenchain fx import FILE' (columns currency, year, usd_per_unit and an "
    "optional month)"
)


class SqlConversions:
    """The ``Conversions`` of a workspace: imported rates first, then the bundled ECB rates.

    A year's imported rates are read once and kept for ``CACHE_S`` seconds (a calculation or
    a rating asks for a rate per currency or per supplier report); this process's imports
    clear them at once, another process's are seen within that time."""

    CACHE_S = 5.0

    def __init__(self, engine: Engine, bundled: BundledConversions | None = None) -> None:
        self.engine = engine
        self.bundled = bundled or BundledConversions()
        self._by_year: dict[int | None, tuple[float, list[dict[str, Any]]]] = {}

    # what the workspace imported --------------------------------------------------------
    def _imported(self, year: int | None = None) -> list[dict[str, Any]]:
        kept = self._by_year.get(year)
        if kept is not None and time.monotonic() - kept[0] < self.CACHE_S:
            return kept[1]
        query = select(t.fx_rates).order_by(
            t.fx_rates.c.currency, t.fx_rates.c.year, t.fx_rates.c.month
        )
        if year is not None:
            query = query.where(t.fx_rates.c.year == year)
        with self.engine.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(query)]
        self._by_year[year] = (time.monotonic(), rows)
        return rows

    def imported_rates(self, year: int | None = None) -> list[dict[str, Any]]:
        return self._imported(year)

    def save_rates(
        self, rows: Sequence[Mapping[str, Any]], source: str, sha256: str, now: dt.datetime
    ) -> int:
        """Store ``rows`` in one transaction, replacing rates of the same currency, year and
        month."""
        values = [
            {
                "currency": str(r["currency"]),
                "year": int(r["year"]),
                "month": int(r["month"] or 0),
                "usd_per_unit": float(r["usd_per_unit"]),
                "source": source,
                "file_sha256": sha256,
                "imported_at": now,
            }
            for r in rows
        ]
        keys = [(v["currency"], v["year"], v["month"]) for v in values]
        c = t.fx_rates.c
        with self.engine.begin() as conn:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                same = tuple_(c.currency, c.year, c.month).in_(chunk)
                conn.execute(delete(t.fx_rates).where(same))
            if values:
                conn.execute(insert(t.fx_rates), values)
        self._by_year.clear()
        return len(values)

    # the Conversions port ---------------------------------------------------------------
    def iso_currencies(self) -> frozenset[str]:
        return self.bundled.iso_currencies()

    def currencies(self) -> frozenset[str]:
        imported = {str(r["currency"]) for r in self._imported()}
        return self.bundled.currencies() | imported

    def monthly_rates(self, year: int) -> dict[tuple[str, int], float]:
        """Imported monthly rates of ``year``: (currency, month) -> USD per unit."""
        return {
            (str(r["currency"]), int(r["month"])): float(r["usd_per_unit"])
            for r in self._imported(year)
            if r["month"]
        }

    def rate_source(self, currency: str, year: int) -> str:
        """Where the annual rate of ``currency`` for ``year`` comes from, for the line's note."""
        rows = [r for r in self._imported(year) if r["currency"] == currency.upper()]
        if not rows:
            return "ECB reference rates (bundled), mean of the year"
        annual = [r for r in rows if not r["month"]]
        months = len(rows) - len(annual)
        monthly = f"{months} monthly rate(s) for lines dated in their month"
        if annual and months:
            return f"imported annual rate and {monthly} ({annual[0]['source']})"
        if annual:
            return f"imported annual rate ({annual[0]['source']})"
        return f"imported {monthly}, their mean for the year ({rows[0]['source']})"

    def usd_per_unit(self, currency: str, year: int) -> float:
        """US dollars for one unit of ``currency``, average of ``year``: an imported annual
        rate, else the mean of the imported months of that year, else the ECB mean."""
        currency = currency.upper()
        rows = [r for r in self._imported(year) if r["currency"] == currency]
        annual = [float(r["usd_per_unit"]) for r in rows if not r["month"]]
        if annual:
            return annual[0]
        if rows:
            return sum(float(r["usd_per_unit"]) for r in rows) / len(rows)
        try:
            return self.bundled.usd_per_unit(currency, year)
        except UnsupportedConversionError as exc:
            raise UnsupportedConversionError(f"{exc.message}; {IMPORT_HINT}") from None

    def cpi_index(self, year: int) -> tuple[float, int]:
        return self.bundled.cpi_index(year)

    def latest_cpi_year(self) -> int:
        return self.bundled.latest_cpi_year()
