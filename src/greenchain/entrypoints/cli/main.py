"""The ``greenchain`` command line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from greenchain.config import Settings
from greenchain.domain.errors import InvalidDataError
from greenchain.domain.ghg import GwpSet
from greenchain.domain.inventory import SCOPE3_CATEGORY_NAMES, InventoryReport
from greenchain.domain.records import MAX_ROW_ID, SCHEMAS
from greenchain.entrypoints.cli.categories import category_app
from greenchain.entrypoints.cli.common import (
    OrgOption,
    YearOption,
    console,
    open_context,
    parse_date,
    parse_share,
    print_json,
    read_json,
    sql_engine,
)
from greenchain.entrypoints.cli.disclosure import add_disclosure_commands
from greenchain.entrypoints.cli.engagement import program_app, request_app
from greenchain.entrypoints.cli.errors import err_console, guarded
from greenchain.entrypoints.cli.export import write_inventory_csv, write_inventory_xlsx
from greenchain.entrypoints.cli.fx import fx_app
from greenchain.entrypoints.cli.line_proofs import add_line_proof_commands
from greenchain.entrypoints.cli.pact import pact_app
from greenchain.entrypoints.cli.qualification import (
    qualification_app,
    requirement_app,
    scorecard_app,
    tier_app,
)
from greenchain.entrypoints.cli.secrets import announce_secrets, secrets_app
from greenchain.entrypoints.cli.targets import credit_app, history_app, target_app
from greenchain.services import demo as demo_service
from greenchain.services import factors as factor_service
from greenchain.services import imports as import_service
from greenchain.services import inventory as inventory_service
from greenchain.services import orgs as org_service
from greenchain.services.context import Context, Step

app = typer.Typer(
    name="greenchain",
    help="Greenchain: GHG Protocol Scope 1-2-3 inventories from purchase and supplier data.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
org_app = typer.Typer(help="Organisations (tenants).", no_args_is_help=True)
factors_app = typer.Typer(help="The emission factor library.", no_args_is_help=True)
import_app = typer.Typer(
    help="Import spreadsheets (CSV or XLSX); see docs/formats.md.", no_args_is_help=True
)
report_app = typer.Typer(help="Reports of stored calculation runs.", no_args_is_help=True)
runs_app = typer.Typer(help="Calculation runs and their restatements.", no_args_is_help=True)
user_app = typer.Typer(help="Users and their roles.", no_args_is_help=True)
token_app = typer.Typer(help="API bearer tokens.", no_args_is_help=True)
mail_app = typer.Typer(help="The mail outbox.", no_args_is_help=True)
ledger_app = typer.Typer(help="The transparency log (RFC 9162 Merkle tree).", no_args_is_help=True)
app.add_typer(secrets_app, name="secrets")
app.add_typer(org_app, name="org")
app.add_typer(factors_app, name="factors")
app.add_typer(fx_app, name="fx")
app.add_typer(category_app, name="category")
app.add_typer(import_app, name="import")
add_disclosure_commands(report_app)
app.add_typer(report_app, name="report")
app.add_typer(runs_app, name="runs")
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.add_typer(mail_app, name="mail")
app.add_typer(ledger_app, name="ledger")
add_line_proof_commands(ledger_app)
app.add_typer(history_app, name="history")
app.add_typer(request_app, name="request")
app.add_typer(program_app, name="program")
app.add_typer(pact_app, name="pact")
app.add_typer(qualification_app, name="qualification")
app.add_typer(scorecard_app, name="scorecard")
app.add_typer(requirement_app, name="requirement")
app.add_typer(tier_app, name="tier")
supplier_app = typer.Typer(
    help="Supplier organisations on the platform (the supplier side).", no_args_is_help=True
)
app.add_typer(supplier_app, name="supplier")
app.add_typer(target_app, name="target")
app.add_typer(credit_app, name="credit")


@contextmanager
def rich_progress(label: str) -> Iterator[Step]:
    if not err_console.is_terminal:
        yield lambda _name: None
        return
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as progress:
        task = progress.add_task(label, total=None)

        def step(name: str) -> None:
            progress.update(task, description=f"{label}: {name}")

        yield step


def _ctx() -> Context:
    return open_context(progress=rich_progress)[0]


@app.command()
@guarded
def init() -> None:
    """Create or upgrade the database (GREENCHAIN_DB, default ./greenchain.db) and make the
    workspace's secrets once (GREENCHAIN_DB.secrets, readable by you only)."""
    _, settings = open_context(require_secrets=False)
    console.print(f"Database ready: {settings.database_url}")
    announce_secrets(settings)
    console.print(f"Factor data folder: {settings.factors_dir}")


@org_app.command("add")
@guarded
def org_add(
    slug: Annotated[str, typer.Argument(help="Short id, e.g. acme-semis.")],
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
) -> None:
    """Add an organisation."""
    org = org_service.add_organisation(_ctx(), slug, name)
    console.print(f"Organisation {org.slug} added ({org.name}).")


@org_app.command("list")
@guarded
def org_list() -> None:
    """List organisations."""
    table = Table("id", "name")
    for org in org_service.list_organisations(_ctx()):
        table.add_row(org.slug, org.name)
    console.print(table)


@factors_app.command("import")
@guarded
def factors_import(
    sources: Annotated[
        list[str] | None,
        typer.Argument(help="epa-supply-chain-v1.3, defra-2025, epa-hub-2025 (default: all)."),
    ] = None,
) -> None:
    """Import public factor sets from the data folder (GREENCHAIN_DATA_DIR)."""
    for item in factor_service.import_factor_sets(_ctx(), sources or None):
        console.print(f"{item.key}: {item.factor_count} factors ({item.name} {item.version})")


@factors_app.command("import-custom")
@guarded
def factors_import_custom(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            help="CSV or XLSX: factor_id, activity, unit, country, year, kg_co2e (see docs).",
        ),
    ],
    set_name: Annotated[str, typer.Option("--set", help="Name of the set, e.g. tw-moea-grid.")],
    version: Annotated[str, typer.Option(help="Version; runs name the one they used.")] = "1",
    source: Annotated[str, typer.Option(help="Publisher or document the factors come from.")] = "",
    licence: Annotated[str, typer.Option(help="Terms the factors may be used under.")] = "",
) -> None:
    """Import a factor set of your own (national grid factors, residual mixes, utility rates);
    its factors win over the built-in ones for their activity, country and year."""
    ctx, _ = open_context(require_secrets=False)
    done = factor_service.import_custom_factors(
        ctx, file, set_key=set_name, version=version, source=source, licence=licence
    )
    console.print(
        f"{done.key} {done.version}: {done.factor_count} factors for "
        f"{', '.join(done.activities)} in {', '.join(done.countries)}"
    )


@factors_app.command("waste")
@guarded
def factors_waste() -> None:
    """The waste materials and treatments of DEFRA 2025 (material and treatment columns of
    waste and sold_product_end_of_life rows)."""
    table = Table("material", "treatments")
    for material, treatments in factor_service.waste_options(_ctx()).items():
        table.add_row(material, ", ".join(treatments))
    console.print(table)
    console.print(
        "Treatment words: landfill, incineration, open-loop (or recycling), closed-loop, "
        "composting, anaerobic digestion"
    )


@factors_app.command("materials")
@guarded
def factors_materials() -> None:
    """The materials of DEFRA 2025 (material column of purchase lines: category 1
    average-data with quantity and a mass unit)."""
    table = Table("material", "kg CO2e per tonne (primary production)")
    for material, kg in factor_service.material_options(_ctx()):
        table.add_row(material, f"{kg:,.1f}")
    console.print(table)


@factors_app.command("activities")
def factors_activities() -> None:
    """The built-in activity names for activity files, with their scope and factors."""
    from greenchain.domain.activities import list_activities

    table = Table("activity", "scope", "category", "units", "regions", "description")
    for item in list_activities():
        units = sorted({f.unit for f in item.factors})
        regions = sorted({f.region for f in item.factors})
        shown = ", ".join(regions[:6]) + (f" (+{len(regions) - 6})" if len(regions) > 6 else "")
        table.add_row(
            item.name,
            item.scope,
            str(item.scope3_category or ""),
            ", ".join(units),
            shown,
            item.description,
        )
    console.print(table)
    console.print(
        "Or name a factor directly: <factor set>:<factor id>, e.g. "
        "epa-hub-2025:stationary:propane:gallon"
    )


@factors_app.command("list")
@guarded
def factors_list() -> None:
    """List the imported factor sets with provenance."""
    table = Table("key", "version", "factors", "GWP", "currency/year", "licence", "publisher")
    for fs in factor_service.list_factor_sets(_ctx()):
        money = f"{fs['currency']} {fs['price_year']}" if fs["currency"] else "-"
        table.add_row(
            fs["key"],
            fs["version"],
            str(fs["factor_count"]),
            fs["gwp_basis"],
            money,
            fs["licence"],
            fs["publisher"],
        )
    console.print(table)


def _import(kind: str, file: Path, org: str, skip_invalid: bool, rejected_out: Path | None) -> None:
    summary = import_service.import_records(
        _ctx(), org, kind, file, skip_invalid=skip_invalid, rejected_out=rejected_out
    )
    note = " (this file was imported before; rows replaced, nothing counted twice)"
    console.print(
        f"{summary.file_name}: {summary.total_rows} rows, {summary.inserted} new, "
        f"{summary.updated} updated, {summary.rejected} rejected"
        + (note if summary.already_imported else "")
    )
    if summary.rejected_report:
        console.print(f"Rejected rows written to {summary.rejected_report}")


def _make_import_command(kind: str) -> None:
    schema = SCHEMAS[kind]

    @guarded
    def command(
        file: Annotated[Path, typer.Argument(help="CSV or XLSX file.")],
        org: OrgOption,
        skip_invalid: Annotated[
            bool, typer.Option(help="Import the good rows; write the bad ones to a file.")
        ] = False,
        rejected_out: Annotated[
            Path | None, typer.Option(help="Where to write rejected rows (with --skip-invalid).")
        ] = None,
    ) -> None:
        _import(kind, file, org, skip_invalid, rejected_out)

    command.__doc__ = f"{schema.description} Columns: {', '.join(schema.column_names)}."
    import_app.command(kind)(command)


for _kind in SCHEMAS:
    _make_import_command(_kind)


class GwpChoice(StrEnum):
    AR4 = "AR4"
    AR5 = "AR5"
    AR6 = "AR6"


class EngineChoice(StrEnum):
    DUCKDB = "duckdb"
    SPARK = "spark"


@app.command()
@guarded
def calc(
    org: OrgOption,
    year: YearOption,
    gwp: Annotated[GwpChoice, typer.Option(help="GWP100 set for CO2e.")] = GwpChoice.AR5,
    engine: Annotated[
        EngineChoice | None,
        typer.Option(
            help="Where the calculation runs: duckdb (in process) or spark (the cluster of "
            "GREENCHAIN_SPARK_MASTER, else local); default GREENCHAIN_ENGINE, else duckdb."
        ),
    ] = None,
) -> None:
    """Calculate and store the inventory of a reporting year (an immutable run)."""
    overrides = {"engine": engine.value} if engine else None
    ctx = open_context(progress=rich_progress, overrides=overrides)[0]
    report = inventory_service.calculate_inventory(ctx, org, year, GwpSet(gwp.value))
    _print_summary(report)


class ReportFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


@supplier_app.command("link")
@guarded
def supplier_link(
    org: OrgOption,
    supplier: Annotated[str, typer.Option(help="The buyer's supplier id.")],
    to: Annotated[str, typer.Option("--to", help="The supplier's own organisation (slug).")],
) -> None:
    """Ask the organisation that is this supplier on the platform to operate the supplier
    record; the link exists once its admin accepts ('supplier accept-link')."""
    from greenchain.services import portal

    done = portal.invite_supplier_link(_ctx(), org, supplier, to)
    console.print(done["message"])


@supplier_app.command("link-invitations")
@guarded
def supplier_link_invitations(org: OrgOption) -> None:
    """The customers asking this organisation to operate their supplier record."""
    from greenchain.services import portal

    table = Table("id", "customer", "name", "knows you as", "asked on")
    for i in portal.link_invitations(_ctx(), org):
        table.add_row(
            str(i["id"]),
            i["buyer"],
            i["buyer_name"],
            f"{i['supplier_id']} ({i['supplier_name'] or '?'})",
            (i["invited_at"] or "")[:10],
        )
    console.print(table)


@supplier_app.command("accept-link")
@guarded
def supplier_accept_link(
    org: OrgOption,
    invitation: Annotated[
        int, typer.Argument(help="The invitation id (see link-invitations).", min=1, max=MAX_ROW_ID)
    ],
) -> None:
    """Accept a customer's request: this organisation then operates its supplier record."""
    from greenchain.services import portal

    done = portal.decide_supplier_link(_ctx(), org, invitation, True)
    console.print(f"{org} is now supplier {done['supplier_id']} of {done['buyer']}.")


@supplier_app.command("decline-link")
@guarded
def supplier_decline_link(
    org: OrgOption,
    invitation: Annotated[
        int, typer.Argument(help="The invitation id (see link-invitations).", min=1, max=MAX_ROW_ID)
    ],
) -> None:
    """Decline a customer's request to link its supplier record to this organisation."""
    from greenchain.services import portal

    done = portal.decide_supplier_link(_ctx(), org, invitation, False)
    console.print(f"Declined the request of {done['buyer']} ({done['supplier_id']}).")


@supplier_app.command("customers")
@guarded
def supplier_customers(org: OrgOption) -> None:
    """The customers of a supplier organisation and the ids they know it by."""
    from greenchain.services import portal

    table = Table("customer", "name", "supplier id", "linked")
    for c in portal.customers(_ctx(), org):
        table.add_row(c["buyer"], c["buyer_name"], c["supplier_id"], (c["linked_at"] or "")[:10])
    console.print(table)


@report_app.command("progress")
@guarded
def report_progress(
    org: OrgOption,
    year: YearOption,
    out: Annotated[
        Path | None, typer.Option(help="Also write the report to FILE (.pdf or .html).")
    ] = None,
) -> None:
    """Create the annual progress report (HTML and PDF with charts), store it and record it in
    the ledger."""
    from greenchain.adapters.db.reports import SqlReports
    from greenchain.adapters.report_render import ReportRenderer
    from greenchain.domain.errors import InvalidDataError
    from greenchain.services import progress_report

    if out is not None and out.suffix.lower() not in (".pdf", ".html"):
        raise InvalidDataError(f"{out}: write the report to a .pdf or .html file")
    ctx = _ctx()
    store = SqlReports(sql_engine(ctx))
    with rich_progress(f"Progress report {org} {year}") as step:
        made = progress_report.create_progress_report(
            ctx, store, org, year, renderer=ReportRenderer()
        )
        step("rendered")
    if out is not None:
        stored = progress_report.get_report(ctx, store, org, made["id"])
        content = stored["pdf"] if out.suffix.lower() == ".pdf" else stored["html"].encode()
        out.write_bytes(content)
    console.print(
        f"Progress report {made['id']} for {org} {year}: {made['pdf_bytes']:,} bytes of PDF "
        f"(SHA-256 {made['pdf_sha256'][:16]}…), ledger entry {made['ledger_seq']}"
        + (f"; written to {out}" if out else "")
    )


@report_app.command("inventory")
@guarded
def report_inventory(
    org: OrgOption,
    year: YearOption,
    format: Annotated[ReportFormat, typer.Option("--format", help="Output format.")] = (
        ReportFormat.TABLE
    ),
    out: Annotated[Path | None, typer.Option(help="Write to this file.")] = None,
    run: Annotated[
        int | None, typer.Option(help="A specific run id (default latest).", min=1, max=MAX_ROW_ID)
    ] = None,
) -> None:
    """Show the inventory of the latest (or a given) calculation run."""
    ctx = _ctx()
    report = inventory_service.get_inventory_report(ctx, org, year, run)
    if format is ReportFormat.JSON:
        text = json.dumps(report.to_dict(), indent=2, sort_keys=False)
        if out:
            out.write_text(text + "\n", encoding="utf-8")
            console.print(f"Written {out}")
        else:
            print(text)
    elif format is ReportFormat.TABLE:
        _print_report(report)
    else:
        lines = inventory_service.get_run_lines(
            ctx, org, report.run_id, with_rejected=format is ReportFormat.CSV
        )
        if format is ReportFormat.CSV:
            write_inventory_csv(lines, out)
            if out:
                console.print(f"Written {out}")
        else:
            if out is None:
                raise typer.BadParameter("--format xlsx needs --out FILE.xlsx")
            write_inventory_xlsx(report, lines, out)
            console.print(f"Written {out}")


@app.command()
@guarded
def hotspots(
    org: OrgOption,
    year: YearOption,
    top: Annotated[int, typer.Option(help="Rows to show.", min=1)] = 20,
    share: Annotated[
        str | None,
        typer.Option(help="Cumulative Scope 3 share to cover: 67% (or 0.67, the default)."),
    ] = None,
    format: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """Pareto of Scope 3 by supplier and category; the suppliers where engagement starts."""
    cutoff = None
    if share is not None:
        cutoff, how = parse_share(share, "--share")
        if cutoff <= 0:
            raise InvalidDataError("--share: cover more than 0 % of Scope 3")
        if format != "json":
            console.print(how)
    result = inventory_service.get_hotspots(_ctx(), org, year, cutoff)
    if format == "json":
        print_json(result.to_dict(top))
        return
    table = Table(
        title=f"Supplier hotspots, Scope 3 {year} ({org})",
        caption="share: of the Scope 3 tonnes attributed to suppliers (the dashboard's share "
        "is of all Scope 3)",
    )
    numeric = ("#", "t CO2e", "share", "cumulative")
    for col in ("#", "supplier", "name", "t CO2e", "share", "cumulative", "engage"):
        table.add_column(col, justify="right" if col in numeric else "left")
    for i, row in enumerate(result.suppliers[:top], start=1):
        table.add_row(
            str(i),
            row.key,
            row.label,
            f"{row.t_co2e:,.1f}",
            f"{row.share:.1%}",
            f"{row.cumulative_share:.1%}",
            "yes" if row.in_hotspot else "",
        )
    console.print(table)
    console.print(
        f"{len(result.engagement_set)} of {len(result.suppliers)} suppliers cover "
        f"{result.cutoff_share:.0%} of supplier Scope 3: start engagement with them."
    )
    cats = Table(title="Scope 3 categories")
    for col in ("category", "t CO2e", "share", "cumulative"):
        cats.add_column(col, justify="left" if col == "category" else "right")
    for row in result.categories:
        cats.add_row(
            f"{row.key}. {row.label}",
            f"{row.t_co2e:,.1f}",
            f"{row.share:.1%}",
            f"{row.cumulative_share:.1%}",
        )
    console.print(cats)


@runs_app.command("list")
@guarded
def runs_list(
    org: OrgOption, year: Annotated[int | None, typer.Option(help="Reporting year.")] = None
) -> None:
    """List calculation runs with their totals and restatements."""
    ctx = _ctx()
    org_record = ctx.workspace.get_org(org)
    table = Table("run", "year", "GWP", "created", "t CO2e", "lines", "restatements")
    for run in ctx.workspace.list_runs(org_record.id, year):
        s = run.summary
        table.add_row(
            str(run.id),
            str(run.year),
            run.gwp_set,
            s.get("created_at", ""),
            f"{s.get('total_t_co2e', 0):,.1f}",
            str(s.get("lines", 0)),
            str(len(s.get("restatements", []))),
        )
    console.print(table)


@app.command()
@guarded
def demo(
    folder: Annotated[Path, typer.Option(help="Where to write the demo files.")] = Path(
        "demo-data"
    ),
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same files).")] = 2025,
    fresh: Annotated[bool, typer.Option(help="Drop the demo organisation first.")] = False,
) -> None:
    """Build the demo workspace: a semiconductor buyer, ~300 suppliers, 22,000 purchase lines."""
    from greenchain.adapters.db.reports import SqlReports
    from greenchain.adapters.report_render import ReportRenderer
    from greenchain.services import progress_report

    ctx, settings = open_context(progress=rich_progress, require_secrets=False)
    announce_secrets(settings)
    result = demo_service.build_demo_workspace(ctx, folder, seed=seed, fresh=fresh)
    latest = result.reports[-1]
    made = progress_report.create_progress_report(
        ctx,
        SqlReports(sql_engine(ctx)),
        latest.org,
        latest.year,
        renderer=ReportRenderer(),
    )
    for item in result.imports:
        console.print(f"imported {item.kind}: {item.total_rows} rows ({item.inserted} new)")
    for report in result.reports:
        console.print(
            f"{report.org} {report.year}: {report.total_t_co2e:,.0f} t CO2e, "
            f"{report.lines} lines, run {report.run_id}, "
            f"{len(report.restatements)} restatement(s)"
        )
    console.print(
        f"progress report {latest.year}: report {made['id']} ({made['pdf_bytes']:,} bytes)"
    )
    from greenchain.entrypoints.cli.pact import run_demo_exchange

    console.print(run_demo_exchange(ctx, settings, folder, latest.org, latest.year))
    console.print(f"Demo files in {result.folder}; organisation '{demo_service.DEMO_ORG}'.")


@user_app.command("add")
@guarded
def user_add(
    email: Annotated[str, typer.Argument(help="The user's email address.")],
    org: OrgOption,
    role: Annotated[str, typer.Option(help="admin, analyst or viewer.")] = "analyst",
) -> None:
    """Add a user to an organisation; the password is read from standard input."""
    import sys

    from greenchain.domain.access import Role
    from greenchain.services import accounts as account_service

    parsed = Role.parse(role)
    if sys.stdin.isatty():
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\n")
    principal = account_service.add_user(_ctx(), email, password, org, parsed)
    console.print(f"{principal.email} is {parsed.value} of {org}.")


@user_app.command("invite")
@guarded
def user_invite(
    email: Annotated[str, typer.Argument(help="Who to invite.")],
    org: OrgOption,
    by: Annotated[str, typer.Option("--by", help="Email of the inviting admin.")],
    role: Annotated[str, typer.Option(help="admin, analyst or viewer.")] = "viewer",
) -> None:
    """Invite someone to an organisation by email (queued in the outbox; see 'mail send')."""
    from greenchain.domain.access import Role
    from greenchain.services import accounts as account_service

    ctx = _ctx()
    accounts, _ = ctx.require_accounts()
    inviter_row = accounts.find_user(by.strip().lower())
    if inviter_row is None:
        from greenchain.domain.errors import NotFoundError

        raise NotFoundError(f"user '{by}' not found")
    inviter = accounts.principal(int(inviter_row["id"]))
    account_service.invite(ctx, inviter, org, email, Role.parse(role), Settings().base_url)
    console.print(f"Invitation for {email} queued; deliver it with 'greenchain mail send'.")


@user_app.command("role")
@guarded
def user_role(
    email: Annotated[str, typer.Argument(help="The member's email address.")],
    org: OrgOption,
    role: Annotated[str, typer.Option(help="admin, analyst or viewer.")],
) -> None:
    """Change a member's role; the member's browser sessions end."""
    from greenchain.domain.access import Role
    from greenchain.services import accounts as account_service

    account_service.set_role(_ctx(), email, org, Role.parse(role))
    console.print(f"{email} is {Role.parse(role).value} of {org}; their sessions were ended.")


@user_app.command("remove")
@guarded
def user_remove(
    email: Annotated[str, typer.Argument(help="The member's email address.")],
    org: OrgOption,
) -> None:
    """Remove a user from an organisation; the user's browser sessions end."""
    from greenchain.services import accounts as account_service

    account_service.remove_member(_ctx(), email, org)
    console.print(f"{email} is no longer a member of {org}; their sessions were ended.")


@user_app.command("disable")
@guarded
def user_disable(email: Annotated[str, typer.Argument(help="The user's email address.")]) -> None:
    """Disable a user: sessions end at once; password logins and API tokens stop working."""
    from greenchain.services import accounts as account_service

    account_service.set_user_active(_ctx(), email, False)
    console.print(f"{email} is disabled; their sessions were ended.")


@user_app.command("enable")
@guarded
def user_enable(email: Annotated[str, typer.Argument(help="The user's email address.")]) -> None:
    """Enable a disabled user again."""
    from greenchain.services import accounts as account_service

    account_service.set_user_active(_ctx(), email, True)
    console.print(f"{email} is enabled.")


@token_app.command("create")
@guarded
def token_create(
    user: Annotated[str, typer.Option("--user", help="Email of the token's user.")],
    name: Annotated[str, typer.Option(help="What the token is for.")] = "cli",
    days: Annotated[int, typer.Option(help="Validity in days.")] = 90,
) -> None:
    """Create an API token (shown once; only its hash is stored)."""
    from greenchain.services import accounts as account_service

    issued = account_service.create_api_token(_ctx(), user, name, days)
    err_console.print(
        f"Token {issued.id} valid until {issued.expires_at:%Y-%m-%d}; "
        "store it now, it is not shown again:"
    )
    print(issued.token)


@token_app.command("revoke")
@guarded
def token_revoke(
    token_id: Annotated[int, typer.Argument(help="Token id.", min=1, max=MAX_ROW_ID)],
    user: Annotated[str, typer.Option("--user", help="Email of the token's user.")],
) -> None:
    """Revoke an API token."""
    from greenchain.services import accounts as account_service

    account_service.revoke_api_token(_ctx(), user, token_id)
    console.print(f"Token {token_id} revoked.")


@mail_app.command("send")
@guarded
def mail_send() -> None:
    """Deliver queued mail through the SMTP server (GREENCHAIN_SMTP_HOST, _PORT)."""
    from greenchain.services import accounts as account_service

    sent, failed = account_service.deliver_mail(_ctx())
    console.print(f"{sent} sent, {failed} failed")


def served_address(
    given: str | None, scheme: str, host: str, port: int | None
) -> tuple[int, str, str | None]:
    """The port to serve on, the public address (``GREENCHAIN_BASE_URL`` when it was given,
    else the address served) and a warning when they disagree."""
    from urllib.parse import urlparse

    if given is None:
        port = port or 8000
        return port, f"{scheme}://{host}:{port}", None
    wanted = urlparse(given).port
    port = port or wanted or 8000
    warning = None
    if wanted not in (None, port):
        warning = (
            f"GREENCHAIN_BASE_URL is {given} while serving on port {port}: links and PACT "
            "events use GREENCHAIN_BASE_URL (a proxy in front is expected)"
        )
    return port, given, warning


@app.command()
@guarded
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[
        int | None, typer.Option(help="Port (default: the port of GREENCHAIN_BASE_URL, 8000).")
    ] = None,
    workers: Annotated[int, typer.Option(help="Web worker processes.", min=1)] = 1,
    certfile: Annotated[Path | None, typer.Option(help="TLS certificate (PEM).")] = None,
    keyfile: Annotated[Path | None, typer.Option(help="TLS private key (PEM).")] = None,
) -> None:
    """Serve the web app and the JSON API (uvicorn). Links in emails, PACT sources and events
    addresses use GREENCHAIN_BASE_URL; without it, the address served here."""
    import os

    import uvicorn

    _, settings = open_context()  # refuse without secrets; migrate once before workers start
    scheme = "https" if certfile else "http"
    given = settings.base_url if "GREENCHAIN_BASE_URL" in os.environ else None
    port, base_url, warning = served_address(given, scheme, host, port)
    os.environ["GREENCHAIN_BASE_URL"] = base_url  # read by the app's settings in each worker
    if warning:
        err_console.print(warning)
    err_console.print(f"Greenchain on {scheme}://{host}:{port}  (Ctrl+C to stop)")
    uvicorn.run(
        "greenchain.entrypoints.web.main:app",
        host=host,
        port=port,
        workers=workers,
        ssl_certfile=str(certfile) if certfile else None,
        ssl_keyfile=str(keyfile) if keyfile else None,
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
        log_level="warning",
    )


@app.command()
@guarded
def worker(
    once: Annotated[bool, typer.Option(help="Run queued jobs, then stop.")] = False,
) -> None:
    """Run background jobs (uploads, calculations) from the queue."""
    from greenchain.services import jobs as job_service

    ctx = _ctx()
    if once:
        console.print(f"{job_service.run_until_empty(ctx)} job(s) run")
        return
    thread = job_service.WorkerThread(ctx)
    thread.start()
    err_console.print("Worker running (Ctrl+C to stop)")
    try:
        thread.join()
    except KeyboardInterrupt:
        thread.stop()


@ledger_app.command("head")
@guarded
def ledger_head() -> None:
    """The latest signed tree head."""
    from greenchain.services import ledger

    print_json(ledger.get_head(_ctx()))


@ledger_app.command("show")
@guarded
def ledger_show(
    seq: Annotated[int, typer.Argument(help="Entry number (from 0).", min=0, max=MAX_ROW_ID)],
) -> None:
    """One entry with its hash, signature and signing key."""
    from greenchain.services import ledger

    print_json(ledger.show(_ctx(), seq))


@ledger_app.command("prove")
@guarded
def ledger_prove(
    seq: Annotated[int, typer.Argument(help="Entry number.", min=0, max=MAX_ROW_ID)],
    size: Annotated[int | None, typer.Option(help="Tree size (default: the whole log).")] = None,
) -> None:
    """Inclusion proof of an entry (RFC 9162 2.1.3): leaf_index, tree_size, leaf_hash, path."""
    from greenchain.services import ledger

    print_json(ledger.prove(_ctx(), seq, size))


@ledger_app.command("consistency")
@guarded
def ledger_consistency(
    first: Annotated[int, typer.Argument(help="Earlier tree size.", min=1)],
    second: Annotated[int, typer.Argument(help="Later tree size.", min=1)],
) -> None:
    """Consistency proof between two tree sizes (RFC 9162 2.1.4)."""
    from greenchain.services import ledger

    print_json(ledger.consistency(_ctx(), first, second))


@ledger_app.command("export")
@guarded
def ledger_export(out: Annotated[Path, typer.Option(help="Bundle file to write.")]) -> None:
    """Write entries, signatures, tree heads and public keys for offline checking."""
    from greenchain.services import ledger

    bundle = ledger.export_bundle(_ctx())
    out.write_text(json.dumps(bundle, indent=1) + "\n", encoding="utf-8")
    console.print(f"{len(bundle['entries'])} entries written to {out}")


@ledger_app.command("verify")
@guarded
def ledger_verify(
    bundle: Annotated[
        Path | None, typer.Option(help="Check an exported bundle offline (no database).")
    ] = None,
) -> None:
    """Re-check every entry, signature, tree head and the rows the entries describe."""
    from greenchain.bootstrap import signature_verifier as verify_signature
    from greenchain.domain.errors import InvalidDataError
    from greenchain.services import ledger

    if bundle is not None:
        data = read_json(bundle, "bundle")
        try:
            problems = ledger.verify_bundle(data, verify_signature)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InvalidDataError(
                f"{bundle}: not a ledger bundle (bad or missing {exc})"
            ) from None
        count = len(data.get("entries", []))
    else:
        ctx = _ctx()
        problems = ledger.verify(ctx, verify_signature)
        count = ledger.get_head(ctx)["tree_size"]
    for problem in problems[1:50]:  # the first one is the error's message
        err_console.print(f"  {problem}")
    ledger.require_valid(problems)
    console.print(
        f"OK: {count} entries, their signatures, tree heads, the rows they describe and every "
        "data row verify."
    )


@ledger_app.command("commit-rows")
@guarded
def ledger_commit_rows(org: OrgOption) -> None:
    """Record the current state of the organisation's data tables (for a workspace upgraded
    from a version without row commitments: hashes the rows stored before it)."""
    from greenchain.services import ledger

    done = ledger.commit_rows(_ctx(), org)
    hashed = sum(done["hashed_rows"].values())
    console.print(
        f"Entry {done['seq']}: the state of {org}'s data tables recorded ({hashed:,} older "
        "row(s) hashed)."
    )


@ledger_app.command("rotate-key")
@guarded
def ledger_rotate_key(
    org: Annotated[
        str | None, typer.Option("--org", help="Organisation whose key to rotate.")
    ] = None,
    log: Annotated[bool, typer.Option("--log", help="Rotate the log's own key.")] = False,
) -> None:
    """Retire a signing key and create a new one; the old public key stays published."""
    from greenchain.domain.errors import InvalidDataError
    from greenchain.services import ledger

    if (org is None) == (not log):
        raise InvalidDataError("give either --org ORG or --log")
    ctx = _ctx()
    org_id = None if log else ctx.workspace.get_org(org or "").id
    result = ledger.rotate_key(ctx, org_id)
    console.print(f"New key {result['public_key']} (retired {result['retired'] or 'none'})")


@ledger_app.command("witness")
@guarded
def ledger_witness(org: OrgOption) -> None:
    """Co-sign the newest tree head as a witness organisation, after checking it is consistent
    with the last head this organisation signed."""
    from greenchain.bootstrap import signature_verifier as verify_signature
    from greenchain.services import ledger

    ctx = _ctx()
    result = ledger.witness(ctx, ctx.workspace.get_org(org).id, verify_signature)
    checked = result["checked_consistency_from"]
    console.print(
        f"{org} co-signed tree head {result['tree_size']} ({result['root_hash'][:16]}…)"
        + (f", consistent with tree head {checked}" if checked else "")
    )


@ledger_app.command("engage-verifier")
@guarded
def ledger_engage_verifier(
    org: OrgOption,
    verifier: Annotated[str, typer.Option(help="The verifier organisation (slug).")],
    year: Annotated[
        int | None, typer.Option(help="Reporting year to verify (default: the latest run).")
    ] = None,
    scope: Annotated[str, typer.Option(help="What is verified.")] = "",
    assurance: Annotated[str, typer.Option(help="Level of assurance: limited or reasonable.")] = (
        "limited"
    ),
    deadline: Annotated[str | None, typer.Option(help="Deadline, YYYY-MM-DD.")] = None,
) -> None:
    """Engage a verifier organisation: it may read this organisation's runs, their lines and
    the evidence of supplier answers for the year, draw samples, send findings and sign a
    statement in the ledger."""
    from greenchain.services import verification

    terms = verification.engage(
        _ctx(),
        org,
        verifier,
        year=year,
        scope=scope,
        assurance_level=assurance,
        deadline=parse_date(deadline, "--deadline") if deadline else None,
    )
    what = f"the {year} inventory" if year else "the latest inventory"
    console.print(
        f"{verifier} is engaged to verify {what} of {org} ({terms['assurance_level']} "
        "assurance)" + (f", due {terms['deadline']}" if terms["deadline"] else "")
    )


class Assurance(StrEnum):
    limited = "limited"
    reasonable = "reasonable"


class Opinion(StrEnum):
    unmodified = "unmodified"
    modified = "modified"
    adverse = "adverse"


@ledger_app.command("attest")
@guarded
def ledger_attest(
    seq: Annotated[int, typer.Argument(help="The entry reviewed.", min=0, max=MAX_ROW_ID)],
    verifier: Annotated[str, typer.Option(help="The verifier organisation (slug).")],
    scope: Annotated[str, typer.Option(help="What was reviewed, e.g. 'Scope 3 cat. 1 2024'.")],
    standard: Annotated[str, typer.Option(help="Verification standard.")] = "ISO 14064-3:2019",
    assurance: Annotated[Assurance, typer.Option(help="Level of assurance.")] = Assurance.limited,
    opinion: Annotated[Opinion, typer.Option(help="The verifier's opinion.")] = Opinion.unmodified,
    findings: Annotated[str, typer.Option(help="Findings, free text.")] = "",
) -> None:
    """Sign a verification statement on an entry; the statement is itself an entry."""
    from greenchain.services import ledger

    ctx = _ctx()
    review = ledger.Review(scope, standard, assurance.value, findings, opinion.value)
    statement = ledger.attest(ctx, verifier, seq, review)
    shown = ledger.statements(ctx, [seq])[seq][-1]
    console.print(f"Entry {seq} {shown['text']} (statement: entry {statement})")


reduction_app = typer.Typer(
    help="Reduction activities and project results, recorded in the ledger.", no_args_is_help=True
)
app.add_typer(reduction_app, name="reduction")


class ClaimKind(StrEnum):
    activity = "activity"
    project_result = "project_result"


@reduction_app.command("add")
@guarded
def reduction_add(
    org: OrgOption,
    name: Annotated[str, typer.Option(help="Activity or project name.")],
    scope: Annotated[str, typer.Option(help="Scope reduced: 1, 2 or 3.")],
    year: YearOption,
    t_co2e: Annotated[float, typer.Option("--t-co2e", help="Tonnes CO2e reduced in the year.")],
    kind: Annotated[ClaimKind, typer.Option(help="What is claimed.")] = ClaimKind.project_result,
    description: Annotated[str, typer.Option(help="How the reduction was obtained.")] = "",
    supplier: Annotated[
        str | None, typer.Option(help="Supplier id, for a joint project with a supplier.")
    ] = None,
) -> None:
    """Record a reduction activity or a project result (signed entry in the ledger)."""
    from greenchain.services import reductions

    claim = reductions.Claim(name, scope, year, t_co2e, description, kind.value, supplier)
    result = reductions.add_claim(_ctx(), org, claim)
    console.print(
        f"Reduction claim {result['id']} recorded as ledger entry {result['ledger_seq']}: "
        f"{result['name']}, {result['t_co2e']:,.1f} t CO2e in {result['year']}"
    )


@reduction_app.command("list")
@guarded
def reduction_list(org: OrgOption) -> None:
    """The organisation's reduction claims."""
    from greenchain.services import reductions

    table = Table("id", "kind", "name", "scope", "year", "t CO2e", "supplier")
    for c in reductions.list_claims(_ctx(), org):
        table.add_row(
            str(c["id"]),
            c["kind"],
            c["name"],
            c["scope"],
            str(c["year"]),
            f"{c['t_co2e']:,.1f}",
            c["supplier_id"] or "",
        )
    console.print(table)


def _print_summary(report: InventoryReport) -> None:
    console.print(
        f"Run {report.run_id}: {report.org} {report.year} ({report.gwp}) "
        f"total {report.total_t_co2e:,.1f} t CO2e from {report.lines} lines, "
        f"{report.rejected_lines} rejected; primary data {report.primary_data_share:.1%} of Scope 3"
    )
    _print_rejected(report)
    if report.restatements:
        console.print(
            f"{len(report.restatements)} restatement(s) against run {report.previous_run_id}:"
        )
        for reason, count in inventory_service.summarise_restatements(report).items():
            console.print(f"  {count} supplier(s): {reason}")


def _print_rejected(report: InventoryReport) -> None:
    """Why lines were not calculated, one line per reason."""
    for group in report.rejected:
        console.print(f"  not calculated: {group.describe()}", markup=False, highlight=False)


def _share(part: float, whole: float) -> str:
    return f"{part / whole:.1%}" if whole else "-"


def _print_report(report: InventoryReport) -> None:
    total = report.total_t_co2e
    console.print(
        f"[bold]{report.org}[/] inventory {report.year}, run {report.run_id}, GWP {report.gwp}: "
        f"[bold]{total:,.1f} t CO2e[/] (Scope 1 + Scope 2 market-based + Scope 3)"
    )
    scopes = Table(title="By scope")
    scopes.add_column("scope")
    scopes.add_column("t CO2e", justify="right")
    scopes.add_column("share", justify="right")
    labels = {
        "1": "Scope 1",
        "2_location": "Scope 2 (location-based)",
        "2_market": "Scope 2 (market-based)",
        "3": "Scope 3",
    }
    for key, value in report.by_scope.items():
        scopes.add_row(
            labels[key], f"{value:,.1f}", "" if key == "2_location" else _share(value, total)
        )
    console.print(scopes)
    cats = Table(title="Scope 3 by category")
    cats.add_column("category")
    cats.add_column("t CO2e", justify="right")
    cats.add_column("methods")
    excluded = {e.category: e for e in report.exclusions}
    for key, value in report.by_category.items():
        by_method = report.category_methods.get(key, {})
        how = ", ".join(
            f"{name.replace('_', ' ')} {tonnes:,.1f}"
            for name, tonnes in by_method.items()
            if tonnes
        )
        if int(key) in excluded:
            how = f"excluded: {excluded[int(key)].reason}"
        if value or int(key) in excluded:
            cats.add_row(f"{key}. {SCOPE3_CATEGORY_NAMES[int(key)]}", f"{value:,.1f}", how)
    console.print(cats)
    mix = Table(title="By method and gas")
    mix.add_column("method")
    mix.add_column("t CO2e", justify="right")
    mix.add_column("gas")
    mix.add_column("t CO2e ", justify="right")
    methods = list(report.by_method.items())
    gases = list(report.by_gas.items())
    for i in range(max(len(methods), len(gases))):
        m = methods[i] if i < len(methods) else ("", None)
        g = gases[i] if i < len(gases) else ("", None)
        mix.add_row(
            m[0],
            "" if m[1] is None else f"{m[1]:,.1f}",
            g[0],
            "" if g[1] is None else f"{g[1]:,.1f}",
        )
    console.print(mix)
    top = Table(title="Top suppliers (Scope 3)")
    for col in ("supplier", "name", "t CO2e", "method"):
        top.add_column(col, justify="right" if col == "t CO2e" else "left")
    for s in report.by_supplier[:10]:
        top.add_row(s.supplier_id, s.name, f"{s.t_co2e:,.1f}", s.method)
    console.print(top)
    if report.circularity:
        c = report.circularity
        recycled = c["recycling_rate"]
        console.print(
            f"Take-back (not netted against emissions): {c['tonnes_returned']:,.1f} t returned; "
            f"{c['reuse_rate']:.1%} reused or refurbished; "
            + ("-" if recycled is None else f"{recycled:.1%}")
            + " of the rest recycled."
        )
    console.print(
        f"Primary data share of Scope 3: {report.primary_data_share:.1%}; emissions-weighted "
        f"data quality {report.data_quality_score:.2f} (1 best .. 5 worst); "
        f"{report.lines} lines, {report.rejected_lines} rejected."
    )
    _print_rejected(report)
    if report.restatements:
        console.print(f"Restatements against run {report.previous_run_id}:")
        for reason, count in inventory_service.summarise_restatements(report).items():
            console.print(f"  {count} supplier(s): {reason}")


if __name__ == "__main__":  # pragma: no cover
    app()
