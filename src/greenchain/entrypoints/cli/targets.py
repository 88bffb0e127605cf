"""``greenchain history``, ``target`` and ``credit``: climate targets and carbon credits."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from greenchain.adapters.db.targets import SqlTargets
from greenchain.domain.errors import InvalidDataError
from greenchain.entrypoints.cli.common import (
    FormatOption,
    OrgOption,
    OutputFormat,
    YearOption,
    console,
    open_context,
    parse_date,
    parse_share,
    print_json,
    sql_engine,
)
from greenchain.entrypoints.cli.errors import guarded
from greenchain.services import targets as target_service
from greenchain.services.context import Context

history_app = typer.Typer(
    help="Emission and revenue history entered by hand (years without a calculation run).",
    no_args_is_help=True,
)
target_app = typer.Typer(
    help="Climate targets: SBTi criteria checks and progress.", no_args_is_help=True
)
credit_app = typer.Typer(
    help="Carbon credits (never counted towards reduction targets).", no_args_is_help=True
)


def _ctx() -> tuple[Context, SqlTargets]:
    ctx, _ = open_context()
    return ctx, SqlTargets(sql_engine(ctx))


def _number(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


# --- history -------------------------------------------------------------------------------------


@history_app.command("add")
@guarded
def history_add(
    org: OrgOption,
    year: YearOption,
    scope: Annotated[
        str | None, typer.Option(help="Scope of the total: 1, 2_market, 2_location or 3.")
    ] = None,
    t_co2e: Annotated[
        float | None, typer.Option("--t-co2e", help="The scope's total, t CO2e.")
    ] = None,
    source: Annotated[str, typer.Option(help="Where the figure comes from.")] = "entered",
    revenue: Annotated[
        float | None, typer.Option(help="The year's revenue (in currency units, not millions).")
    ] = None,
    currency: Annotated[str | None, typer.Option(help="Currency of --revenue, e.g. USD.")] = None,
) -> None:
    """Enter a year's total for one scope (--scope, --t-co2e) or its revenue (--revenue,
    --currency)."""
    emissions = scope is not None or t_co2e is not None
    money = revenue is not None or currency is not None
    if emissions == money:
        raise InvalidDataError("give either --scope and --t-co2e, or --revenue and --currency")
    ctx, store = _ctx()
    if emissions:
        if scope is None or t_co2e is None:
            raise InvalidDataError("--scope and --t-co2e go together")
        result = target_service.add_history_total(ctx, store, org, year, scope, t_co2e, source)
        verb = "replaced" if result["replaced"] else "entered"
        console.print(
            f"{org} {year} Scope {result['scope']}: {result['t_co2e']:,.1f} t CO2e {verb} "
            f"({result['source']})."
        )
        return
    if revenue is None or currency is None:
        raise InvalidDataError("--revenue and --currency go together")
    result = target_service.add_history_revenue(ctx, store, org, year, revenue, currency)
    verb = "replaced" if result["replaced"] else "entered"
    console.print(f"{org} {year} revenue: {result['revenue']:,.0f} {result['currency']} {verb}.")


@history_app.command("import")
@guarded
def history_import(
    file: Annotated[Path, typer.Argument(help="CSV with columns year, scope, t_co2e, source.")],
    org: OrgOption,
) -> None:
    """Import yearly totals per scope (e.g. base years before the platform); all or nothing."""
    if not file.is_file():
        raise InvalidDataError(f"{file}: file not found")
    try:
        with file.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InvalidDataError(f"{file.name}: not a readable UTF-8 CSV file ({exc})") from None
    ctx, store = _ctx()
    done = target_service.import_history_totals(ctx, store, org, file.name, rows)
    console.print(f"imported {done['rows']} yearly totals from {file.name} into {org}")


@history_app.command("flags")
@guarded
def history_flags(
    org: OrgOption,
    threshold: Annotated[
        float, typer.Option(help="Significance threshold (fraction of the base year).")
    ] = 0.05,
    format: FormatOption = OutputFormat.TABLE,
) -> None:
    """Targets whose base year needs recalculating: a structural or method change above the
    significance threshold."""
    ctx, store = _ctx()
    flags = target_service.base_year_flags(ctx, store, org, threshold)
    if format is OutputFormat.JSON:
        print_json(flags)
        return
    if not flags:
        console.print(f"No base year needs recalculating (threshold {threshold:.0%}).")
        return
    for flag in flags:
        console.print(
            f"[bold]{flag['target']}[/bold] (base year {flag['base_year']}): {flag['reason']}"
        )


@history_app.command("list")
@guarded
def history_list(org: OrgOption, format: FormatOption = OutputFormat.TABLE) -> None:
    """The yearly history targets are measured on: calculation runs, else entered totals."""
    ctx, store = _ctx()
    rows = target_service.list_history(ctx, store, org)
    if format is OutputFormat.JSON:
        print_json(rows)
        return
    table = Table(title=f"Emission history, t CO2e ({org})")
    table.add_column("year", justify="right")
    for scope in target_service.SCOPES:
        table.add_column(f"Scope {scope}", justify="right")
    table.add_column("revenue", justify="right")
    table.add_column("sources")
    for row in rows:
        sources = sorted(set(row["sources"].values()))
        revenue = f"{row['revenue']:,.0f} {row['currency']}" if row["revenue"] is not None else "-"
        table.add_row(
            str(row["year"]),
            *(_number(row["emissions"].get(s)) for s in target_service.SCOPES),
            revenue,
            ", ".join(sources),
        )
    console.print(table)


# --- targets -------------------------------------------------------------------------------------


def _milestone(text: str) -> tuple[int, float]:
    year, sep, value = text.partition(":")
    try:
        if not sep:
            raise ValueError
        return int(year), parse_share(value, "--milestone")[0]
    except ValueError:
        raise InvalidDataError(
            f"milestone '{text}' must be YEAR:SHARE, e.g. 2025:20% (or 2025:0.2) by 2025"
        ) from None


@target_app.command("add")
@guarded
def target_add(
    org: OrgOption,
    name: Annotated[str, typer.Option(help="A name for the target.")],
    kind: Annotated[
        str,
        typer.Option(
            help="absolute, intensity, supplier_engagement, renewable_electricity or net_zero."
        ),
    ],
    scopes: Annotated[
        str, typer.Option(help="Comma-separated scopes: 1, 2_market, 2_location, 3.")
    ],
    base_year: Annotated[int, typer.Option(help="Base year.")],
    target_year: Annotated[int, typer.Option(help="Target year.")],
    reduction: Annotated[
        str | None, typer.Option(help="Cut from the base year: 42% (or the fraction 0.42).")
    ] = None,
    target_share: Annotated[
        str | None, typer.Option(help="Share to reach (share targets): 80% or 0.8.")
    ] = None,
    denominator: Annotated[
        str | None, typer.Option(help="Intensity denominator: revenue or a physical unit.")
    ] = None,
    coverage: Annotated[
        str, typer.Option(help="Share of the scopes' emissions in the boundary: 95% or 0.95.")
    ] = "100%",
    basis: Annotated[
        str | None, typer.Option(help="Supplier engagement basis: emissions or spend.")
    ] = None,
    base_share: Annotated[
        str, typer.Option(help="Share in the base year (share targets): 20% or 0.2.")
    ] = "0%",
    submitted_year: Annotated[
        int | None, typer.Option(help="Year the target is submitted to the SBTi.")
    ] = None,
    milestone: Annotated[
        list[str] | None,
        typer.Option(help="Interim milestone YEAR:SHARE, e.g. 2025:20% (repeatable)."),
    ] = None,
    neutralise_residual: Annotated[
        bool,
        typer.Option(
            "--neutralise-residual", help="Net zero: neutralise residual emissions with removals."
        ),
    ] = False,
) -> None:
    """Set a climate target (validated; recorded in the ledger). Shares are percentages (42%)
    or fractions (0.42); the command says how it read each."""
    milestones = [_milestone(m) for m in milestone or []]
    read: list[str] = []

    def share(text: str | None, option: str) -> float | None:
        if text is None:
            return None
        value, how = parse_share(text, option)
        if text.strip() not in ("100%", "0%"):  # defaults need no word
            read.append(how)
        return value

    reduction_share = share(reduction, "--reduction")
    target_value = share(target_share, "--target-share")
    coverage_share = share(coverage, "--coverage") or 0.0
    base_value = share(base_share, "--base-share") or 0.0
    ctx, store = _ctx()
    result = target_service.add_target(
        ctx,
        store,
        org,
        name=name,
        kind=kind,
        scopes=[s for s in scopes.split(",") if s.strip()],
        base_year=base_year,
        target_year=target_year,
        reduction=reduction_share,
        target_share=target_value,
        denominator=denominator,
        coverage=coverage_share,
        engagement_basis=basis,
        base_share=base_value,
        neutralise_residual=neutralise_residual,
        submitted_year=submitted_year,
        milestones=milestones,
    )
    ledger = f" (ledger entry {result['ledger_seq']})" if result["ledger_seq"] is not None else ""
    for how in read:
        console.print(how)
    console.print(f"Target '{result['name']}' added{ledger}.")


def _ambition(row: dict[str, Any]) -> str:
    if row["reduction"] is not None:
        return f"-{row['reduction']:.0%}"
    return f"{row['base_share']:.0%} -> {row['target_share']:.0%}"


@target_app.command("list")
@guarded
def target_list(org: OrgOption, format: FormatOption = OutputFormat.TABLE) -> None:
    """The organisation's current targets."""
    ctx, store = _ctx()
    rows = target_service.list_targets(ctx, store, org)
    if format is OutputFormat.JSON:
        print_json(rows)
        return
    table = Table("name", "kind", "scopes", "base", "target", "ambition", "unit", "milestones")
    for row in rows:
        table.add_row(
            row["name"],
            row["kind"],
            "+".join(row["scopes"]),
            str(row["base_year"]),
            str(row["target_year"]),
            _ambition(row),
            row["unit"],
            ", ".join(f"{y}:{v:g}" for y, v in row["milestones"]),
        )
    console.print(table)


@target_app.command("remove")
@guarded
def target_remove(
    org: OrgOption, name: Annotated[str, typer.Option(help="The target's name.")]
) -> None:
    """Withdraw a target (kept in the history and recorded in the ledger)."""
    ctx, store = _ctx()
    result = target_service.remove_target(ctx, store, org, name)
    console.print(f"Target '{result['name']}' removed.")


def _verdict(passed: bool | None) -> str:
    return {True: "[green]pass[/]", False: "[red]FAIL[/]", None: "[yellow]n/a[/]"}[passed]


@target_app.command("check")
@guarded
def target_check(
    org: OrgOption,
    submitted_year: Annotated[
        int | None,
        typer.Option(
            help="Year of submission for targets that do not record one (default: this year)."
        ),
    ] = None,
    format: FormatOption = OutputFormat.TABLE,
) -> None:
    """Check each target against the SBTi criteria."""
    year = submitted_year if submitted_year is not None else dt.date.today().year
    ctx, store = _ctx()
    results = target_service.check_targets(ctx, store, org, year)
    if format is OutputFormat.JSON:
        print_json(results)
        return
    if not results:
        console.print(f"No targets for {org}; add one with 'target add'.")
        return
    for result in results:
        table = Table(
            "criterion",
            "result",
            "reason",
            title=f"{result['name']} ({result['kind']}): "
            f"{'meets the criteria checked' if result['meets_all'] else 'does NOT meet'}",
        )
        for criterion in result["criteria"]:
            table.add_row(criterion["name"], _verdict(criterion["passed"]), criterion["reason"])
        console.print(table)
    console.print(f"Criteria: {results[0]['criteria_version']}")


@target_app.command("progress")
@guarded
def target_progress(
    org: OrgOption, year: YearOption, format: FormatOption = OutputFormat.TABLE
) -> None:
    """Where each target stands in a year against its linear path (credits never count)."""
    ctx, store = _ctx()
    rows = target_service.target_progress(ctx, store, org, year)
    if format is OutputFormat.JSON:
        print_json(rows)
        return
    table = Table(title=f"Target progress {year} ({org})")
    for col in ("target", "base", "target value", "actual", "expected", "gap", "status", "unit"):
        table.add_column(col, justify="left" if col in ("target", "status", "unit") else "right")
    for row in rows:
        digits = 3 if row["unit"] == "fraction" else 1
        if row["on_track"] is None:
            status = "[yellow]no data[/]"
        else:
            status = "[green]on track[/]" if row["on_track"] else "[red]behind[/]"
        table.add_row(
            row["name"],
            _number(row["base_value"], digits),
            _number(row["target_value"], digits),
            _number(row["actual_value"], digits),
            _number(row["expected_value"], digits),
            _number(row["gap"], digits),
            status,
            row["unit"],
        )
    console.print(table)


# --- carbon credits ------------------------------------------------------------------------------


@credit_app.command("retire")
@guarded
def credit_retire(
    org: OrgOption,
    registry: Annotated[str, typer.Option(help="Registry, e.g. Verra or Gold Standard.")],
    serial_start: Annotated[int, typer.Option(help="First serial of the block.")],
    serial_end: Annotated[int, typer.Option(help="Last serial of the block.")],
    vintage: Annotated[int, typer.Option(help="Vintage year.")],
    project_type: Annotated[str, typer.Option(help="avoidance or removal.")],
    standard: Annotated[str, typer.Option(help="Standard, e.g. VCS.")],
    quantity: Annotated[float, typer.Option(help="Tonnes CO2e (1 credit = 1 t).")],
    retired_for: Annotated[str, typer.Option(help="Beneficiary or claim of the retirement.")],
    corresponding_adjustment: Annotated[
        bool | None,
        typer.Option(
            "--corresponding-adjustment/--no-corresponding-adjustment",
            help="Whether the host country applied a corresponding adjustment (ESRS E1-7); "
            "not given: not known.",
        ),
    ] = None,
    location: Annotated[
        str | None,
        typer.Option(help="EU, non-EU, or the project's country (ISO alpha-2, e.g. BR)."),
    ] = None,
    cancelled_on: Annotated[
        str | None,
        typer.Option(
            help="Date the registry cancelled the block, YYYY-MM-DD (default today); ESRS "
            "E1-7 reports the credits cancelled in the reporting year."
        ),
    ] = None,
) -> None:
    """Record a retired block of carbon credits (a serial can be retired only once)."""
    ctx, store = _ctx()
    result = target_service.retire_credit(
        ctx,
        store,
        org,
        registry=registry,
        serial_start=serial_start,
        serial_end=serial_end,
        vintage=vintage,
        project_type=project_type,
        standard=standard,
        quantity_t=quantity,
        retired_for=retired_for,
        corresponding_adjustment=corresponding_adjustment,
        location=location,
        cancelled_on=None if cancelled_on is None else parse_date(cancelled_on, "--cancelled-on"),
    )
    console.print(
        f"{result['quantity_t']:,.1f} t of {result['project_type']} credits "
        f"{result['serial_start']}-{result['serial_end']} ({result['registry']}) retired for "
        f"{result['retired_for']}, cancelled on {result['cancelled_on']}."
    )


@credit_app.command("list")
@guarded
def credit_list(org: OrgOption, format: FormatOption = OutputFormat.TABLE) -> None:
    """The organisation's carbon credits."""
    ctx, store = _ctx()
    rows = target_service.list_credits(ctx, store, org)
    if format is OutputFormat.JSON:
        print_json(rows)
        return
    table = Table("registry", "serials", "vintage", "type", "standard", "t CO2e", "retired for")
    for row in rows:
        table.add_row(
            row["registry"],
            f"{row['serial_start']}-{row['serial_end']}",
            str(row["vintage"]),
            row["project_type"],
            row["standard"],
            f"{row['quantity_t']:,.1f}",
            row["retired_for"] or "",
        )
    console.print(table)
