"""``greenchain fx``: exchange rates beyond the bundled ECB reference rates (e.g. TWD)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from greenchain.entrypoints.cli.common import (
    FormatOption,
    OutputFormat,
    YearOption,
    console,
    open_context,
    print_json,
)
from greenchain.entrypoints.cli.errors import guarded
from greenchain.services import fx as fx_service

fx_app = typer.Typer(
    help="Exchange rates to US dollars: import the ones the bundled ECB rates lack (e.g. TWD).",
    no_args_is_help=True,
)


@fx_app.command("import")
@guarded
def fx_import(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            help="CSV or XLSX with columns currency, year, usd_per_unit and an optional month.",
        ),
    ],
    source: Annotated[
        str, typer.Option(help="Where the rates come from, shown on every line that uses them.")
    ] = "",
) -> None:
    """Import annual (or monthly) average rates; they win over the ECB rates for their
    currency and year. A rate of the same currency, year and month is replaced."""
    ctx, _ = open_context(require_secrets=False)
    done = fx_service.import_rates(ctx, file, source=source)
    console.print(
        f"{done.file_name}: {done.rows} rates imported for {', '.join(done.currencies)} "
        f"({', '.join(str(y) for y in done.years)})"
    )


@fx_app.command("list")
@guarded
def fx_list(year: YearOption, output: FormatOption = OutputFormat.TABLE) -> None:
    """The rate each currency is converted with for a reporting year, and its source."""
    ctx, _ = open_context(require_secrets=False)
    rates = fx_service.rates_for_year(ctx, year)
    if output is OutputFormat.JSON:
        print_json(
            [
                {
                    "currency": r.currency,
                    "usd_per_unit": r.usd_per_unit,
                    "monthly_rates": r.months,
                    "source": r.source,
                }
                for r in rates
            ]
        )
        return
    table = Table("currency", f"USD per unit ({year})", "monthly rates", "source")
    for r in rates:
        shown = "-" if r.usd_per_unit is None else f"{r.usd_per_unit:.6g}"
        table.add_row(r.currency, shown, str(r.months or ""), r.source)
    console.print(table)
