"""``greenchain request``: climate data requests to suppliers, for scripting."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from greenchain.bootstrap import bootstrap
from greenchain.config import Settings
from greenchain.domain.errors import InvalidDataError
from greenchain.entrypoints.cli.errors import guarded
from greenchain.services import engagement
from greenchain.services.context import Context

request_app = typer.Typer(
    help="Climate data requests to suppliers (answered in the supplier portal).",
    no_args_is_help=True,
)
console = Console(highlight=False)
OrgOption = Annotated[str, typer.Option("--org", help="The buyer organisation (slug).")]


def _ctx() -> tuple[Context, Settings]:
    settings = Settings()
    return bootstrap(settings), settings


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
    try:
        due = dt.date.fromisoformat(deadline)
    except ValueError:
        raise InvalidDataError(f"--deadline '{deadline}' is not a date (YYYY-MM-DD)") from None
    ctx, settings = _ctx()
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
    ctx, _ = _ctx()
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
    request_id: Annotated[int, typer.Argument(help="Request id.")], org: OrgOption
) -> None:
    """A request with each supplier's status and the answers shared with you (JSON)."""
    ctx, _ = _ctx()
    print(json.dumps(engagement.request_detail(ctx, org, request_id), indent=2, default=str))


@request_app.command("remind")
@guarded
def request_remind(org: OrgOption) -> None:
    """Remind suppliers that have not answered (at most every three days each)."""
    ctx, settings = _ctx()
    count = engagement.remind(ctx, org, settings.base_url)
    console.print(f"{count} reminder(s) queued")


@request_app.command("accept")
@guarded
def request_accept(
    recipient: Annotated[int, typer.Argument(help="The supplier's line of the request (id).")],
    org: OrgOption,
) -> None:
    """Accept a shared answer: the next inventory run uses it for that supplier."""
    ctx, _ = _ctx()
    done = engagement.accept(ctx, org, recipient)
    console.print(f"Accepted: {done['supplier_data']['year']} data of the supplier is in use")


@request_app.command("return")
@guarded
def request_return(
    recipient: Annotated[int, typer.Argument(help="The supplier's line of the request (id).")],
    org: OrgOption,
    comment: Annotated[str, typer.Option(help="What needs correcting.")],
) -> None:
    """Return an answer to the supplier for correction."""
    ctx, settings = _ctx()
    engagement.return_for_correction(ctx, org, recipient, comment, settings.base_url)
    console.print("Returned for correction; the supplier is told by email")
