"""Use cases of exchange rates: import the rates the bundled ECB data lacks, and list the rate
each currency will be converted with.

Why: spend-based factors are per US dollar; a purchase in a currency without a rate cannot be
calculated. The ECB publishes ~40 currencies; Taiwanese dollars (TWD) and others come from the
company's treasury or a central bank, as annual or monthly averages.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from greenchain.domain.errors import InvalidDataError, UnsupportedConversionError
from greenchain.domain.records import FX_RATES, Reference
from greenchain.services.context import Context
from greenchain.services.reference_files import read_whole_file

MAX_SOURCE = 300


@dataclass(frozen=True)
class FxImport:
    file_name: str
    rows: int
    currencies: tuple[str, ...]
    years: tuple[int, ...]


def import_rates(
    ctx: Context, path: Path, *, source: str = "", file_name: str | None = None
) -> FxImport:
    """Store the rates of a CSV or XLSX file (columns ``currency, year, usd_per_unit`` and an
    optional ``month``). A file with any bad row is rejected whole; a rate of the same currency,
    year and month is replaced."""
    shown = file_name or path.name
    source = " ".join(source.split()) or shown
    if len(source) > MAX_SOURCE:
        raise InvalidDataError(f"the source may have at most {MAX_SOURCE} characters")
    references = {Reference.CURRENCY: ctx.conversions.iso_currencies()}
    with ctx.progress(f"Importing exchange rates from {shown}") as step:
        rows, sha256 = read_whole_file(ctx, path, FX_RATES, references, shown)
        count = ctx.conversions.save_rates(rows, source, sha256, ctx.clock.now())
        step("stored")
    return FxImport(
        shown,
        count,
        tuple(sorted({str(r["currency"]) for r in rows})),
        tuple(sorted({int(r["year"]) for r in rows})),
    )


@dataclass(frozen=True)
class RateInUse:
    currency: str
    usd_per_unit: float | None
    source: str
    months: int


def rates_for_year(ctx: Context, year: int) -> list[RateInUse]:
    """The annual rate each currency with a rate is converted with for ``year``, and where it
    comes from; currencies the bundled data holds but not for that year say so."""
    monthly = ctx.conversions.monthly_rates(year)
    out: list[RateInUse] = []
    for currency in sorted(ctx.conversions.currencies()):
        months = sum(1 for c, _ in monthly if c == currency)
        try:
            rate: float | None = ctx.conversions.usd_per_unit(currency, year)
            source = ctx.conversions.rate_source(currency, year)
        except UnsupportedConversionError:
            rate, source = None, f"none for {year}: import one with 'greenchain fx import'"
        out.append(RateInUse(currency, rate, source, months))
    return out


def imported_rates(ctx: Context) -> list[dict[str, Any]]:
    return ctx.conversions.imported_rates()
