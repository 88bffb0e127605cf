"""Currency and price-year conversion from bundled public data, offline.

* FX: ECB euro reference rates bundled in ``currencyconverter``; a year's rate is the mean over
  the calendar days of that year of the daily cross rate (days without a publication are
  interpolated linearly by the package), so 2024 EUR -> USD is 1.0820.
* Prices: US BLS CPI-U annual averages bundled in ``cpi``.
"""

from __future__ import annotations

import datetime as dt
import warnings
from functools import cache
from typing import Any

from greenchain.domain.errors import UnsupportedConversionError


@cache
def _converter() -> Any:
    from currency_converter import CurrencyConverter

    return CurrencyConverter(fallback_on_missing_rate=True, fallback_on_wrong_date=False)


@cache
def _cpi_module() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import cpi

    return cpi


class BundledConversions:
    """FX rates (annual means) and CPI-U deflators from bundled public data."""

    def currencies(self) -> frozenset[str]:
        return frozenset(str(c) for c in _converter().currencies)

    @cache  # noqa: B019 - one instance lives for the process; the data never changes
    def iso_currencies(self) -> frozenset[str]:
        """Every ISO 4217 currency code (pycountry), with or without a bundled rate."""
        import pycountry

        return frozenset(str(c.alpha_3) for c in pycountry.currencies) | self.currencies()

    @cache  # noqa: B019 - one instance lives for the process; the data never changes
    def usd_per_unit(self, currency: str, year: int) -> float:
        """Mean over ``year`` of the daily rate: US dollars for one unit of ``currency``."""
        currency = currency.upper()
        if currency == "USD":
            return 1.0
        converter = _converter()
        if currency not in converter.currencies:
            raise UnsupportedConversionError(
                f"no exchange rate for currency '{currency}' in {year}: the bundled ECB "
                "reference rates do not cover it"
            )
        first = max(
            dt.date(year, 1, 1),
            converter.bounds[currency].first_date,
            converter.bounds["USD"].first_date,
        )
        last = min(
            dt.date(year, 12, 31),
            converter.bounds[currency].last_date,
            converter.bounds["USD"].last_date,
        )
        values: list[float] = []
        day = first
        while day <= last:
            values.append(float(converter.convert(1.0, currency, "USD", day)))
            day += dt.timedelta(days=1)
        if not values:
            raise UnsupportedConversionError(
                f"no {currency}/USD reference rates for {year} in the bundled ECB data"
            )
        return sum(values) / len(values)

    @cache  # noqa: B019
    def cpi_index(self, year: int) -> tuple[float, int]:
        """CPI-U annual average for ``year``; the latest published year stands in for later ones.

        Returns the index and the year it belongs to, so lineage can say when a proxy was used.
        """
        cpi = _cpi_module()
        try:
            return float(cpi.get(year)), year
        except Exception:
            latest = self.latest_cpi_year()
            if year > latest:
                return float(cpi.get(latest)), latest
            raise UnsupportedConversionError(f"no US CPI-U annual average for {year}") from None

    @cache  # noqa: B019
    def latest_cpi_year(self) -> int:
        cpi = _cpi_module()
        year = dt.date.today().year
        while year > 1990:
            try:
                cpi.get(year)
                return year
            except Exception:
                year -= 1
        raise UnsupportedConversionError("the bundled CPI-U series is empty")
