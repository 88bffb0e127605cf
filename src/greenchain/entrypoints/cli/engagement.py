"""``greenchain request`` and ``greenchain program``: data requests to suppliers and engagement
programs, for scripting."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from greenchain.adapters.exports import write_csv
from greenchain.domain.errors import InvalidDataError
from greenchain.domain.records import MAX_ROW_ID
from greenchain.entrypoints.cli.common import (
    admin_of,
    console,
    open_context,
    parse_date,
    print_json,
)
from greenchain.entrypoints.cli.errors import guarded
from greenchain.services import engagement, programs

request_app = typer.Typer(
    help="Climate data requests to suppliers (answered in the supplier portal).",
    no_args_is_help=True,
)
OrgOption = Annotated[str, typer.Option("--org", help="The buyer organisation (slug).")]


def _recipients(to: list[str], file: Path | None) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for item in to:
        supplier_id, sep, email = item.partition("=")
        if not sep or not supplier_id.strip() or not email.strip():
            raise InvalidDataError(f"--to '{item}': write SUPPLIER_ID=email")
        pairs.append((supplier_id.strip(), email.strip()))
    if file is not None:
        if not file.is_file():
            raise InvalidDataError(f"{file}: file not found")
        with file.open(encoding="utf-8-sig", newline="") as handle:
            for number, row in enumerate(csv.DictReader(handle), start=2):
                supplier_id = (row.get("supplier_id") or "").strip()
                email = (row.get("email") or "").strip()
                if not supplier_id or not email:
                    raise InvalidDataError(
                        f"{file.name}: row {number}: supplier_id and email are needed"
                    )
                pairs.append((supplier_id, email))
    return pairs


@request_app.command("send")
@guarded
def request_send(
    org: OrgOption,
    year: Annotated[int, typer.Option(help="Reporting year asked for.", min=1990, max=2100)],
    deadline: Annotated[str, typer.Option(help="Answer by (YYYY-MM-DD).")],
    to: Annotated[list[str] | None, typer.Option(help="SUPPLIER_ID=email (repeatable).")] = None,
    file: Annotated[Path | None, typer.Option(help="CSV with columns supplier_id, email.")] = None,
    message: Annotated[str, typer.Option(help="A note to the suppliers.")] = "",
) -> None:
    """Send the climate questionnaire; suppliers not on the platform get a sign-up link."""
    due = parse_date(deadline, "--deadline")
    ctx, settings = open_context()
    sent = engagement.send_request(
        ctx,
        org,
        year=year,
        deadline=due,
        recipients=_recipients(to or [], file),
        message=message,
        base_url=settings.base_url,
    )
    console.print(
        f"Request {sent['id']} for {year} sent to {sent['sent']} supplier(s), due {due}; "
        "the emails go out with 'greenchain mail send'."
    )


@request_app.command("list")
@guarded
def request_list(org: OrgOption) -> None:
    """The organisation's requests with their response rate."""
    ctx, _ = open_context()
    table = Table("id", "year", "deadline", "suppliers", "answered", "statuses")
    for r in engagement.list_requests(ctx, org):
        statuses = ", ".join(f"{k} {v}" for k, v in sorted(r["counts"].items()))
        table.add_row(
            str(r["id"]),
            str(r["year"]),
            r["deadline"],
            str(r["recipients"]),
            f"{r['response_rate']:.0%}",
            statuses,
        )
    console.print(table)


@request_app.command("show")
@guarded
def request_show(
    request_id: Annotated[int, typer.Argument(help="Request id.", min=1, max=MAX_ROW_ID)],
    org: OrgOption,
) -> None:
    """A request with each supplier's status and the answers shared with you (JSON)."""
    ctx, _ = open_context()
    print_json(engagement.request_detail(ctx, org, request_id))


@request_app.command("remind")
@guarded
def request_remind(org: OrgOption) -> None:
    """Remind suppliers that have not answered (at most every three days each)."""
    ctx, settings = open_context()
    count = engagement.remind(ctx, org, settings.base_url)
    console.print(f"{count} reminder(s) queued")


@request_app.command("accept")
@guarded
def request_accept(
    recipient: Annotated[
        int, typer.Argument(help="The supplier's line of the request (id).", min=1, max=MAX_ROW_ID)
    ],
    org: OrgOption,
) -> None:
    """Accept a shared answer: the next inventory run uses it for that supplier."""
    ctx, _ = open_context()
    done = engagement.accept(ctx, org, recipient)
    console.print(f"Accepted: {done['supplier_data']['year']} data of the supplier is in use")


@request_app.command("return")
@guarded
def request_return(
    recipient: Annotated[
        int, typer.Argument(help="The supplier's line of the request (id).", min=1, max=MAX_ROW_ID)
    ],
    org: OrgOption,
    comment: Annotated[str, typer.Option(help="What needs correcting.")],
) -> None:
    """Return an answer to the supplier for correction."""
    ctx, settings = open_context()
    engagement.return_for_correction(ctx, org, recipient, comment, settings.base_url)
    console.print("Returned for correction; the supplier is told by email")


program_app = typer.Typer(
    help="Supplier engagement programs (joint with partner companies).", no_args_is_help=True
)


@program_app.command("create")
@guarded
def program_create(
    org: OrgOption,
    name: Annotated[str, typer.Option(help="Program name.")],
    start: Annotated[str, typer.Option(help="Start date.")],
    end: Annotated[str, typer.Option(help="End date.")],
    goals: Annotated[str, typer.Option(help="Goals, e.g. '60 % ... by 2027'.")] = "",
    co_sponsor: Annotated[
        list[str] | None, typer.Option(help="Partner organisation (repeatable).")
    ] = None,
) -> None:
    """Create a program; co-sponsors must accept it before it starts."""
    ctx, _ = open_context()
    made = programs.create_program(
        ctx,
        admin_of(ctx, org),
        org,
        name=name,
        goals=goals,
        start=parse_date(start, "--start"),
        end=parse_date(end, "--end"),
        co_sponsors=co_sponsor or [],
    )
    console.print(
        f"Program {made['id']} created ({'active' if made['active'] else 'awaiting sponsors'})"
    )


@program_app.command("accept")
@guarded
def program_accept(
    program: Annotated[int, typer.Argument(help="Program id.", min=1, max=MAX_ROW_ID)],
    org: OrgOption,
) -> None:
    """Accept the sponsorship of a joint program."""
    ctx, _ = open_context()
    shown = programs.accept_sponsorship(ctx, admin_of(ctx, org), org, program)
    console.print(f"{org} accepted; program {'active' if shown['active'] else 'awaiting sponsors'}")


@program_app.command("members")
@guarded
def program_members(
    program: Annotated[int, typer.Argument(help="Program id.", min=1, max=MAX_ROW_ID)],
    org: OrgOption,
    supplier: Annotated[list[str] | None, typer.Option(help="Supplier id (repeatable).")] = None,
    hotspots: Annotated[
        int | None, typer.Option(help="Add the hotspot suppliers of this year.")
    ] = None,
) -> None:
    ctx, _ = open_context()
    done = programs.add_members(ctx, admin_of(ctx, org), org, program, supplier or [], hotspots)
    console.print(f"{done['added']} member(s) added; {done['members']} in all")


@program_app.command("match")
@guarded
def program_match(
    program: Annotated[int, typer.Argument(help="Program id.", min=1, max=MAX_ROW_ID)],
    org: OrgOption,
) -> None:
    """Find the suppliers the sponsors share; list them with their status."""
    ctx, _ = open_context()
    principal = admin_of(ctx, org)
    found = programs.find_common_suppliers(ctx, principal, org, program)
    table = Table("match", "supplier", "partner", "their name", "basis", "score", "status")
    for m in programs.shared_suppliers(ctx, principal, org, program):
        table.add_row(
            str(m["id"]),
            f"{m['supplier_id']} {m['name']}",
            m["partner"],
            m["partner_name"],
            m["basis"],
            f"{m['score']:.0f}",
            m["status"],
        )
    console.print(table)
    console.print(f"{found['confirmed']} confirmed, {found['pending']} to review")


@program_app.command("decide")
@guarded
def program_decide(
    program: Annotated[int, typer.Argument(help="Program id.", min=1, max=MAX_ROW_ID)],
    match: Annotated[int, typer.Argument(help="Match id.", min=1, max=MAX_ROW_ID)],
    org: OrgOption,
    reject: Annotated[bool, typer.Option(help="Reject instead of confirming.")] = False,
) -> None:
    ctx, _ = open_context()
    done = programs.decide_match(ctx, admin_of(ctx, org), org, program, match, not reject)
    console.print(f"{done['supplier_id']}: {done['status']}")


@program_app.command("monitor")
@guarded
def program_monitor(
    program: Annotated[int, typer.Argument(help="Program id.", min=1, max=MAX_ROW_ID)],
    org: OrgOption,
    out: Annotated[Path | None, typer.Option(help="Write the member table as CSV.")] = None,
) -> None:
    """Response rate and shares of members with data, targets, training and projects."""
    ctx, _ = open_context()
    report = programs.monitoring(ctx, admin_of(ctx, org), org, program)
    if out is not None:
        write_csv(out, programs.monitoring_rows(report))
    print_json({k: v for k, v in report.items() if k != "rows"})
