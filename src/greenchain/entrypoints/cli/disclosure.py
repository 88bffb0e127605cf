"""``greenchain report esrs-e1 | cdp | ghg-protocol | ifrs-s2``: disclosures from a stored run.

Each command builds the document from the stored run (the year's latest unless ``--run``),
renders it in the chosen format, stores the file and records its SHA-256 in a signed ledger
entry, then writes it to ``--out`` (JSON without ``--out`` goes to standard output).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from greenchain.domain.errors import InvalidDataError
from greenchain.domain.records import MAX_ROW_ID
from greenchain.entrypoints.cli.common import OrgOption, YearOption, open_context, sql_engine
from greenchain.entrypoints.cli.errors import guarded

#: Messages go to standard error, so that JSON on standard output stays clean.
notes = Console(stderr=True, highlight=False)


class DisclosureFormat(StrEnum):
    JSON = "json"
    XLSX = "xlsx"
    HTML = "html"
    PDF = "pdf"


class Consolidation(StrEnum):
    OPERATIONAL = "operational control"
    FINANCIAL = "financial control"
    EQUITY = "equity share"


FormatOpt = Annotated[DisclosureFormat, typer.Option("--format", help="json, xlsx, html or pdf.")]
OutOpt = Annotated[Path | None, typer.Option(help="Write the file here (needed but for json).")]
RunOpt = Annotated[
    int | None,
    typer.Option(help="A specific run of the year (default: the latest).", min=1, max=MAX_ROW_ID),
]
ConsolidationOpt = Annotated[
    Consolidation,
    typer.Option(help="Consolidation approach of the inventory boundary (GHG Protocol ch. 3)."),
]


def _issue(
    kind: str,
    org: str,
    year: int,
    fmt: DisclosureFormat,
    out: Path | None,
    run: int | None,
    consolidation: Consolidation,
) -> None:
    from greenchain.adapters.db.disclosures import SqlDisclosures
    from greenchain.adapters.disclosure_render import DisclosureRenderer
    from greenchain.services import disclosures

    if out is None and fmt is not DisclosureFormat.JSON:
        raise InvalidDataError(f"--format {fmt.value} needs --out FILE.{fmt.value}")
    ctx = open_context()[0]
    made = disclosures.issue(
        ctx,
        SqlDisclosures(sql_engine(ctx)),
        org,
        kind,
        year,
        fmt.value,
        renderer=DisclosureRenderer(),
        run_id=run,
        consolidation=consolidation.value,
    )
    if out is None:
        sys.stdout.write(made["content"].decode())
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(made["content"])
    notes.print(
        f"{made['title']} {org} {year} from run {made['run_id']}: disclosure {made['id']} "
        f"({made['size']:,} bytes, SHA-256 {made['sha256'][:16]}…), ledger entry "
        f"{made['ledger_seq']}" + (f"; written to {out}" if out else "")
    )


def _command(kind: str, doc: str) -> Callable[..., None]:
    def command(
        org: OrgOption,
        year: YearOption,
        format: FormatOpt = DisclosureFormat.JSON,
        out: OutOpt = None,
        run: RunOpt = None,
        consolidation: ConsolidationOpt = Consolidation.OPERATIONAL,
    ) -> None:
        _issue(kind, org, year, format, out, run, consolidation)

    command.__doc__ = doc
    command.__name__ = f"report_{kind.replace('-', '_')}"
    return guarded(command)


COMMANDS: dict[str, Callable[..., None]] = {
    "esrs-e1": _command(
        "esrs-e1",
        "ESRS E1 climate datapoints (E1-4 targets, E1-5 energy, E1-6 GHG emissions, E1-7 "
        "credits, E5-5 outflows) from a stored run; stored and recorded in the ledger.",
    ),
    "cdp": _command(
        "cdp",
        "CDP climate answers (emissions, methodology, verification, targets, credits) as the "
        "CDP Climate Change 2023 questionnaire numbers them; stored and recorded.",
    ),
    "ghg-protocol": _command(
        "ghg-protocol",
        "GHG Protocol inventory report (Corporate Standard ch. 9, Scope 3 Standard ch. 11) "
        "from a stored run; stored and recorded in the ledger.",
    ),
    "ifrs-s2": _command(
        "ifrs-s2",
        "IFRS S2 para. 29(a) greenhouse gas metrics with the measurement approach, inputs and "
        "assumptions; stored and recorded in the ledger.",
    ),
}


def add_disclosure_commands(report_app: typer.Typer) -> None:
    for name, command in COMMANDS.items():
        report_app.command(name)(command)
