"""``qualification``, ``scorecard``, ``requirement`` and ``tier``: green supplier qualification,
climate scorecards, requirements for suppliers and sourcing tiers."""

from __future__ import annotations

import datetime as dt
import json
import sys
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from greenchain.adapters.db.qualification import SqlQualification
from greenchain.adapters.exports import csv_text, write_csv, write_xlsx
from greenchain.domain.errors import InvalidDataError
from greenchain.domain.qualification import GREEN_SUPPLY_CHAIN
from greenchain.domain.records import MAX_ROW_ID
from greenchain.domain.scorecards import CONDITION_HELP
from greenchain.entrypoints.cli.common import (
    FormatOption,
    OutputFormat,
    console,
    open_context,
    parse_date,
    parse_share,
    print_json,
    read_json,
    sql_engine,
)
from greenchain.entrypoints.cli.errors import guarded
from greenchain.services import audits as audit_service
from greenchain.services import qualification as service
from greenchain.services import scorecards as scorecard_service
from greenchain.services import sourcing as sourcing_service
from greenchain.services.context import Context

qualification_app = typer.Typer(
    help="Green supplier qualification: programs, cases, audits, reminders.",
    no_args_is_help=True,
)
program_app = typer.Typer(help="Qualification programs (stages, window).", no_args_is_help=True)
case_app = typer.Typer(help="Qualification cases of suppliers.", no_args_is_help=True)
audit_app = typer.Typer(help="Supplier audits on a checklist.", no_args_is_help=True)
attributes_app = typer.Typer(
    help="What the buyer records about suppliers (certificates, RBA, training, circularity).",
    no_args_is_help=True,
)
qualification_app.add_typer(program_app, name="program")
qualification_app.add_typer(case_app, name="case")
qualification_app.add_typer(audit_app, name="audit")
qualification_app.add_typer(attributes_app, name="attributes")

scorecard_app = typer.Typer(
    help="Supplier climate scorecards: weights and ratings.", no_args_is_help=True
)
weights_app = typer.Typer(help="The buyer's indicator weights.", no_args_is_help=True)
scorecard_app.add_typer(weights_app, name="weights")

requirement_app = typer.Typer(
    help="Requirements for suppliers and who meets them.", no_args_is_help=True
)
tier_app = typer.Typer(help="Sourcing tiers and incentives.", no_args_is_help=True)


OrgOption = Annotated[str, typer.Option("--org", help="Buyer organisation id (slug).")]
YearOption = Annotated[int, typer.Option("--year", help="Year rated.", min=1990, max=2100)]
WhoOption = Annotated[str, typer.Option("--who", help="Who makes the change.")]
WhyOption = Annotated[str, typer.Option("--why", help="Why (kept with the transition).")]
CaseOption = Annotated[int, typer.Option("--case", help="Case id.", min=1, max=MAX_ROW_ID)]


class ScorecardFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


class ExportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    JSON = "json"


SCORECARD_CSV_COLUMNS = (
    "supplier_id",
    "score",
    "rating",
    "tier",
    "indicator",
    "value",
    "points",
    "weight",
    "weight_share",
    "contribution",
    "status",
)


def _ctx() -> tuple[Context, SqlQualification]:
    ctx, _ = open_context()
    return ctx, SqlQualification(sql_engine(ctx))


def _date(text: str | None, what: str) -> dt.date | None:
    return None if text is None else parse_date(text, what)


def _split(values: list[str] | None) -> list[str]:
    return [item.strip() for value in values or [] for item in value.split(",") if item.strip()]


def _seq(result: dict[str, Any]) -> str:
    seq = result.get("ledger_seq")
    return f" (ledger entry {seq})" if seq is not None else ""


# --- programs ------------------------------------------------------------------------------------


@program_app.command("add")
@guarded
def program_add(
    org: OrgOption,
    name: Annotated[str, typer.Option(help="Program name.")],
    stages_file: Annotated[
        Path | None,
        typer.Option(
            help="JSON list of stages ({name, documents, audit_checklist, training_required, "
            "minimum_score}); default application, preliminary_audit, training, "
            "final_evaluation, decision."
        ),
    ] = None,
    window_days: Annotated[int, typer.Option(help="Days from application to decision.")] = 183,
    validity_days: Annotated[int, typer.Option(help="Days a qualification is valid.")] = 1095,
) -> None:
    """Set up a qualification program."""
    stages = None
    if stages_file is not None:
        stages = read_json(stages_file, "JSON list of stages")
        if not isinstance(stages, list):
            raise InvalidDataError(f"{stages_file}: not a JSON list of stages")
    ctx, store = _ctx()
    result = service.add_program(
        ctx,
        store,
        org,
        name=name,
        stages=stages,
        window_days=window_days,
        validity_days=validity_days,
    )
    console.print(
        f"Program '{result['name']}' added: {' -> '.join(s['name'] for s in result['stages'])} "
        f"within {result['window_days']} days."
    )


@program_app.command("list")
@guarded
def program_list(org: OrgOption, format: FormatOption = OutputFormat.TABLE) -> None:
    """The buyer's qualification programs and what each stage requires."""
    ctx, store = _ctx()
    rows = service.list_programs(ctx, store, org)
    if format is OutputFormat.JSON:
        print_json(rows)
        return
    for row in rows:
        table = Table(
            "stage",
            "requirements",
            title=f"{row['name']} (window {row['window_days']} days, "
            f"valid {row['validity_days']} days)",
        )
        for stage in row["stages"]:
            table.add_row(stage["name"], "; ".join(stage["requirements"]) or "-")
        console.print(table)


# --- cases ---------------------------------------------------------------------------------------


@case_app.command("open")
@guarded
def case_open(
    org: OrgOption,
    supplier: Annotated[str, typer.Option(help="Supplier id.")],
    who: WhoOption,
    program: Annotated[str | None, typer.Option(help="Program (if there are several).")] = None,
    why: Annotated[str, typer.Option(help="Why.")] = "application received",
    applied_on: Annotated[
        str | None, typer.Option(help="Application date YYYY-MM-DD (default today).")
    ] = None,
) -> None:
    """Open a supplier's qualification at the program's first stage."""
    ctx, store = _ctx()
    result = service.open_qualification(
        ctx,
        store,
        org,
        supplier_id=supplier,
        who=who,
        program=program,
        why=why,
        applied_on=_date(applied_on, "application date"),
    )
    console.print(
        f"Case {result['id']} opened for {result['supplier_id']} at stage '{result['stage']}'; "
        f"decision due by {result['deadline']}."
    )


@case_app.command("advance")
@guarded
def case_advance(
    org: OrgOption,
    case: CaseOption,
    to: Annotated[str, typer.Option("--to", help="The next stage.")],
    who: WhoOption,
    why: WhyOption,
    document: Annotated[
        list[str] | None, typer.Option(help="Document handed in (repeatable or comma-separated).")
    ] = None,
    training_completed: Annotated[
        bool | None,
        typer.Option(
            "--training-completed/--training-not-completed",
            help="Training status (default: the supplier's recorded completion).",
        ),
    ] = None,
    score: Annotated[
        float | None, typer.Option(help="Evaluation score 0..100 (default: the scorecard).")
    ] = None,
    reference: Annotated[list[str] | None, typer.Option(help="Evidence reference.")] = None,
    year: Annotated[int | None, typer.Option(help="Year of the scorecard used.")] = None,
) -> None:
    """Move a case to its next stage (stages cannot be skipped)."""
    ctx, store = _ctx()
    result = service.advance_case(
        ctx,
        store,
        org,
        case,
        to_stage=to,
        who=who,
        why=why,
        documents=_split(document),
        training_completed=training_completed,
        score=score,
        references=reference or [],
        year=year,
    )
    console.print(f"Case {case} ({result['supplier_id']}) is at '{result['stage']}'{_seq(result)}.")


@case_app.command("decide")
@guarded
def case_decide(
    org: OrgOption,
    case: CaseOption,
    outcome: Annotated[str, typer.Option(help="qualified, conditionally_qualified or rejected.")],
    who: WhoOption,
    why: WhyOption,
    action: Annotated[
        list[str] | None,
        typer.Option(
            help="Corrective action DESCRIPTION|OWNER|YYYY-MM-DD (repeatable; needed for a "
            "conditional qualification)."
        ),
    ] = None,
    score: Annotated[float | None, typer.Option(help="Evaluation score 0..100.")] = None,
) -> None:
    """Decide a case."""
    actions = []
    for text in action or []:
        parts = [p.strip() for p in text.split("|")]
        if len(parts) != 3:
            raise InvalidDataError(f"corrective action '{text}' must be DESCRIPTION|OWNER|DATE")
        actions.append({"description": parts[0], "owner": parts[1], "due_on": parts[2]})
    ctx, store = _ctx()
    result = service.decide_case(
        ctx,
        store,
        org,
        case,
        outcome=outcome,
        who=who,
        why=why,
        corrective_actions=actions,
        score=score,
    )
    valid = f", valid until {result['valid_until']}" if result["valid_until"] else ""
    console.print(
        f"Case {case} ({result['supplier_id']}): {result['status']}{valid}{_seq(result)}."
    )


@case_app.command("requalify")
@guarded
def case_requalify(
    org: OrgOption,
    case: CaseOption,
    who: WhoOption,
    why: WhyOption,
    on_demand: Annotated[
        bool, typer.Option("--on-demand", help="Before the validity period ends.")
    ] = False,
) -> None:
    """Start a re-qualification cycle."""
    ctx, store = _ctx()
    result = service.requalify_case(ctx, store, org, case, who=who, why=why, on_demand=on_demand)
    console.print(
        f"Case {case} ({result['supplier_id']}): cycle {result['cycle']} at '{result['stage']}', "
        f"decision due by {result['deadline']}."
    )


@case_app.command("show")
@guarded
def case_show(org: OrgOption, case: CaseOption, format: FormatOption = OutputFormat.TABLE) -> None:
    """A case with every transition (who, when, why), audits and corrective actions."""
    ctx, store = _ctx()
    result = service.get_case(ctx, store, org, case)
    if format is OutputFormat.JSON:
        print_json(result)
        return
    console.print(
        f"Case {result['id']}: {result['supplier_id']} in {result['program']}, cycle "
        f"{result['cycle']}, stage '{result['stage']}', {result['standing']}; window "
        f"{result['opened_on']} .. {result['deadline']}"
    )
    if result["requirements"]:
        console.print("To leave this stage: " + "; ".join(result["requirements"]))
    table = Table("cycle", "from", "to", "who", "when", "why", title="Transitions")
    for step in result["transitions"]:
        table.add_row(
            str(step["cycle"]), step["from"], step["to"], step["who"], step["when"], step["why"]
        )
    console.print(table)
    for audit in result["audits"]:
        console.print(
            f"Audit {audit['id']} on {audit['audited_on']}: {audit['score']:.1f} "
            f"({audit['verdict']}), {len(audit['findings'])} finding(s)"
        )
    for item in result["corrective_actions"]:
        console.print(
            f"Action {item['id']}: {item['description']} - {item['owner']}, due "
            f"{item['due_on']} ({item['status']}{', OVERDUE' if item['overdue'] else ''})"
        )


@case_app.command("list")
@guarded
def case_list(
    org: OrgOption,
    status: Annotated[str | None, typer.Option(help="Filter by status.")] = None,
    stage: Annotated[str | None, typer.Option(help="Filter by stage.")] = None,
    supplier: Annotated[str | None, typer.Option(help="Filter by supplier.")] = None,
    format: FormatOption = OutputFormat.TABLE,
) -> None:
    """The buyer's qualification cases."""
    ctx, store = _ctx()
    rows = service.list_cases(ctx, store, org, status=status, stage=stage, supplier_id=supplier)
    if format is OutputFormat.JSON:
        print_json(rows)
        return
    table = Table("case", "supplier", "program", "cycle", "stage", "status", "deadline", "left")
    for row in rows:
        table.add_row(
            str(row["id"]),
            row["supplier_id"],
            row["program"],
            str(row["cycle"]),
            row["stage"],
            row["standing"],
            row["deadline"],
            "-" if row["days_left"] is None else str(row["days_left"]),
        )
    console.print(table)


@qualification_app.command("reminders")
@guarded
def reminders(
    org: OrgOption,
    within: Annotated[int, typer.Option(help="Days ahead.", min=0)] = 30,
    format: FormatOption = OutputFormat.TABLE,
) -> None:
    """Mark cases past their window expired, then list windows, validity periods and
    corrective actions ending within --within days."""
    ctx, store = _ctx()
    expired = service.expire_cases(ctx, store, org)
    rows = service.list_reminders(ctx, store, org, within)
    if format is OutputFormat.JSON:
        print_json({"expired": expired, "reminders": rows})
        return
    for item in expired:
        console.print(
            f"Case {item['case_id']} ({item['supplier_id']}) expired: window ended "
            f"{item['deadline']}."
        )
    table = Table("due", "days left", "kind", "supplier", "case", "what")
    for row in rows:
        table.add_row(
            row["due_on"],
            str(row["days_left"]),
            row["kind"],
            row["supplier_id"],
            str(row["case_id"] or "-"),
            row["what"],
        )
    console.print(table)


@qualification_app.command("announce")
@guarded
def announce(
    org: OrgOption,
    program: Annotated[str | None, typer.Option(help="Only this program.")] = None,
    format: FormatOption = OutputFormat.TABLE,
) -> None:
    """Preliminary results for every supplier past its audit, with the further requirements."""
    ctx, store = _ctx()
    messages = audit_service.announce_preliminary_results(ctx, store, org, program=program)
    if format is OutputFormat.JSON:
        print_json(messages)
        return
    for message in messages:
        console.print(f"[bold]To {message['name']}: {message['subject']}[/]")
        console.print(message["body"], markup=False)
        console.print()
    console.print(f"{len(messages)} message(s).")


@qualification_app.command("action")
@guarded
def action_status(
    org: OrgOption,
    action: Annotated[
        int, typer.Option("--id", help="Corrective action id.", min=1, max=MAX_ROW_ID)
    ],
    status: Annotated[str, typer.Option(help="open, in_progress or done.")],
) -> None:
    """Update a corrective action's status."""
    ctx, store = _ctx()
    result = audit_service.set_action_status(ctx, store, org, action, status)
    console.print(f"Corrective action {result['id']}: {result['status']}.")


# --- audits --------------------------------------------------------------------------------------


def _finding(text: str) -> dict[str, Any]:
    parts = [p.strip() for p in text.split("|")]
    if len(parts) not in (3, 5):
        raise InvalidDataError(
            f"finding '{text}' must be ITEM|SEVERITY|DESCRIPTION[|OWNER|YYYY-MM-DD]"
        )
    found: dict[str, Any] = {"item_code": parts[0], "severity": parts[1], "description": parts[2]}
    if len(parts) == 5:
        found |= {"owner": parts[3], "due_on": parts[4]}
    return found


@audit_app.command("record")
@guarded
def audit_record(
    org: OrgOption,
    supplier: Annotated[str, typer.Option(help="Supplier id.")],
    auditor: Annotated[str, typer.Option(help="Who audited.")],
    passed: Annotated[
        list[str] | None,
        typer.Option(help="Checklist items passed (e.g. GD1,GM2); every other item failed."),
    ] = None,
    audited_on: Annotated[str | None, typer.Option(help="Audit date (default today).")] = None,
    case: Annotated[
        int | None, typer.Option("--case", help="Qualification case id.", min=1, max=MAX_ROW_ID)
    ] = None,
    finding: Annotated[
        list[str] | None,
        typer.Option(help="Finding ITEM|SEVERITY|DESCRIPTION[|OWNER|YYYY-MM-DD] (repeatable)."),
    ] = None,
    evidence: Annotated[list[str] | None, typer.Option(help="Evidence reference.")] = None,
    format: FormatOption = OutputFormat.TABLE,
) -> None:
    """Record an audit on the green supply chain checklist."""
    ok = {code.upper() for code in _split(passed)}
    unknown = sorted(ok - set(GREEN_SUPPLY_CHAIN.codes))
    if unknown:
        raise InvalidDataError(
            f"unknown checklist item(s) {', '.join(unknown)} "
            f"(items: {', '.join(GREEN_SUPPLY_CHAIN.codes)})"
        )
    ctx, store = _ctx()
    result = audit_service.record_audit(
        ctx,
        store,
        org,
        supplier_id=supplier,
        auditor=auditor,
        audited_on=_date(audited_on, "audit date") or ctx.clock.now().date(),
        results={code: code in ok for code in GREEN_SUPPLY_CHAIN.codes},
        findings=[_finding(f) for f in finding or []],
        evidence=evidence or [],
        case_id=case,
    )
    if format is OutputFormat.JSON:
        print_json(result)
        return
    console.print(
        f"Audit {result['id']} of {result['supplier_id']}: {result['score']:.1f}/100 "
        f"({result['verdict']})."
    )
    for pillar, share in result["by_pillar"].items():
        console.print(f"  {pillar.replace('_', ' ')}: {share:.0%} of items passed")


@audit_app.command("checklist")
@guarded
def audit_checklist() -> None:
    """The built-in green supply chain checklist."""
    table = Table("item", "pillar", "text")
    for item in GREEN_SUPPLY_CHAIN.items:
        table.add_row(item.code, item.pillar.value.replace("_", " "), item.text)
    console.print(table)


# --- supplier attributes -------------------------------------------------------------------------


@attributes_app.command("set")
@guarded
def attributes_set(
    org: OrgOption,
    supplier: Annotated[str, typer.Option(help="Supplier id.")],
    iso_14001: Annotated[
        bool | None, typer.Option("--iso-14001/--no-iso-14001", help="ISO 14001 certified.")
    ] = None,
    iso_14001_expires: Annotated[str | None, typer.Option(help="Expiry YYYY-MM-DD.")] = None,
    iso_50001: Annotated[
        bool | None, typer.Option("--iso-50001/--no-iso-50001", help="ISO 50001 certified.")
    ] = None,
    iso_50001_expires: Annotated[str | None, typer.Option(help="Expiry YYYY-MM-DD.")] = None,
    rba: Annotated[bool | None, typer.Option("--rba/--no-rba", help="Member of the RBA.")] = None,
    training: Annotated[
        str | None, typer.Option(help="Training completed: 75% (or the fraction 0.75).")
    ] = None,
    participation: Annotated[
        str | None, typer.Option(help="Program activities attended: 50% or 0.5.")
    ] = None,
    takeback_reuse: Annotated[
        str | None, typer.Option(help="Take-back reuse rate: 28% or 0.28.")
    ] = None,
    recycling: Annotated[str | None, typer.Option(help="Recycling rate: 99% or 0.99.")] = None,
) -> None:
    """Record certificates, RBA membership, training and circularity of a supplier (only the
    options given change). Shares are percentages or fractions; the command says how it read
    each."""
    shares: dict[str, float | None] = {}
    for option, text in (
        ("--training", training),
        ("--participation", participation),
        ("--takeback-reuse", takeback_reuse),
        ("--recycling", recycling),
    ):
        if text is None:
            shares[option] = None
            continue
        shares[option], how = parse_share(text, option)
        console.print(how)
    training_share, participation_share, reuse_share, recycling_share = shares.values()
    given: dict[str, Any] = {
        "iso_14001": iso_14001,
        "iso_14001_expires_on": iso_14001_expires,
        "iso_50001": iso_50001,
        "iso_50001_expires_on": iso_50001_expires,
        "rba_member": rba,
        "training_completion_share": training_share,
        "participation_share": participation_share,
        "takeback_reuse_share": reuse_share,
        "recycling_share": recycling_share,
    }
    values = {k: v for k, v in given.items() if v is not None}
    if not values:
        raise InvalidDataError("give at least one attribute to set")
    ctx, store = _ctx()
    result = scorecard_service.set_supplier_attributes(ctx, store, org, supplier, **values)
    console.print(f"Attributes of {result['supplier_id']} recorded.")


@attributes_app.command("list")
@guarded
def attributes_list(org: OrgOption, format: FormatOption = OutputFormat.TABLE) -> None:
    """What the buyer recorded per supplier."""
    ctx, store = _ctx()
    rows = scorecard_service.list_supplier_attributes(ctx, store, org)
    if format is OutputFormat.JSON:
        print_json(rows)
        return
    columns = ["supplier_id", *scorecard_service.ATTRIBUTE_FIELDS]
    table = Table(*columns)
    for row in rows:
        table.add_row(*("-" if row[c] is None else str(row[c]) for c in columns))
    console.print(table)


# --- scorecards ----------------------------------------------------------------------------------


@weights_app.command("set")
@guarded
def weights_set(
    org: OrgOption,
    weight: Annotated[
        list[str] | None,
        typer.Option(help="INDICATOR=WEIGHT (repeatable), e.g. rba_membership=10."),
    ] = None,
    missing: Annotated[
        list[str] | None,
        typer.Option(help="INDICATOR=zero|exclude: how missing data counts (repeatable)."),
    ] = None,
    reset: Annotated[bool, typer.Option("--reset", help="Back to the defaults first.")] = False,
) -> None:
    """Set the buyer's indicator weights and missing-data policies."""
    weights: dict[str, float] = {}
    for text in _split(weight):
        key, sep, value = text.partition("=")
        try:
            if not sep:
                raise ValueError
            weights[key.strip()] = float(value)
        except ValueError:
            raise InvalidDataError(f"weight '{text}' must be INDICATOR=NUMBER") from None
    policies: dict[str, str] = {}
    for text in _split(missing):
        key, sep, value = text.partition("=")
        if not sep:
            raise InvalidDataError(f"'{text}' must be INDICATOR=zero or INDICATOR=exclude")
        policies[key.strip()] = value.strip()
    ctx, store = _ctx()
    scorecard_service.set_weights(ctx, store, org, weights, policies, reset=reset)
    console.print(f"Scorecard weights of {org} updated.")


@weights_app.command("show")
@guarded
def weights_show(org: OrgOption, format: FormatOption = OutputFormat.TABLE) -> None:
    """The buyer's weights, shares, missing-data policies and normalisation rules."""
    ctx, store = _ctx()
    rows = scorecard_service.get_weights(ctx, store, org)
    if format is OutputFormat.JSON:
        print_json(rows)
        return
    table = Table("indicator", "weight", "share", "missing", "normalisation")
    for row in rows:
        table.add_row(
            row["indicator"],
            f"{row['weight']:g}",
            f"{row['weight_share']:.1%}",
            row["missing_policy"],
            row["normalisation"],
        )
    console.print(table)


def _value(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.3g}"
    return str(value)


@scorecard_app.command("rate")
@guarded
def scorecard_rate(
    org: OrgOption,
    year: YearOption,
    supplier: Annotated[str | None, typer.Option(help="Only this supplier.")] = None,
    format: Annotated[
        ScorecardFormat, typer.Option("--format", help="Output format.")
    ] = ScorecardFormat.TABLE,
) -> None:
    """Rate suppliers: score, rating, tier, and per indicator value, points, weight and
    contribution."""
    ctx, store = _ctx()
    cards = scorecard_service.rate_suppliers(ctx, store, org, year)
    tiers = {r["supplier_id"]: r for r in sourcing_service.tiers(ctx, store, org, year)}
    if supplier is not None:
        cards = [c for c in cards if c["supplier_id"] == supplier]
    for card in cards:
        card["tier"] = tiers[card["supplier_id"]]["tier"]
    if format is ScorecardFormat.JSON:
        print_json(cards)
        return
    if format is ScorecardFormat.CSV:
        rows: list[list[Any]] = [list(SCORECARD_CSV_COLUMNS)]
        for card in cards:
            for i in card["indicators"]:
                rows.append(
                    [
                        card["supplier_id"],
                        Decimal(f"{card['score']:.2f}"),
                        card["rating"],
                        card["tier"],
                        i["indicator"],
                        i["value"],
                        None if i["points"] is None else Decimal(f"{i['points']:.2f}"),
                        i["weight"],
                        Decimal(f"{i['weight_share']:.4f}"),
                        Decimal(f"{i['contribution']:.2f}"),
                        i["status"],
                    ]
                )
        write_csv(None, rows)
        return
    summary = Table("supplier", "score", "rating", "tier", "missing", title=f"Ratings {year}")
    for card in cards:
        summary.add_row(
            card["supplier_id"],
            f"{card['score']:.1f}",
            card["rating"],
            card["tier"],
            ", ".join(card["missing"]) or "-",
        )
    console.print(summary)
    if supplier is not None:
        for card in cards:
            table = Table("indicator", "value", "points", "share", "contribution", "note")
            for i in card["indicators"]:
                table.add_row(
                    i["label"],
                    _value(i["value"]),
                    "-" if i["points"] is None else f"{i['points']:.0f}",
                    f"{i['weight_share']:.1%}",
                    f"{i['contribution']:.2f}",
                    i["note"] if i["status"] == "scored" else f"{i['status']}: {i['note']}",
                )
            console.print(table)
            for line in card["improvements"]:
                console.print(f"- {line}")


# --- requirements --------------------------------------------------------------------------------


@requirement_app.command("add")
@guarded
def requirement_add(
    org: OrgOption,
    name: Annotated[str, typer.Option(help="Requirement name.")],
    condition: Annotated[
        list[str],
        typer.Option(
            help="Condition (repeatable or comma-separated): " + "; ".join(CONDITION_HELP)
        ),
    ],
    due: Annotated[str, typer.Option(help="Due date YYYY-MM-DD.")],
    applies_to: Annotated[str, typer.Option(help="strategic or all.")] = "strategic",
) -> None:
    """Add a requirement, e.g. --condition sbt:validated,rba_member --due 2026-12-31."""
    due_on = _date(due, "due date")
    assert due_on is not None
    ctx, store = _ctx()
    result = sourcing_service.add_requirement(
        ctx,
        store,
        org,
        name=name,
        conditions=_split(condition),
        due_on=due_on,
        applies_to=applies_to,
    )
    console.print(
        f"Requirement '{result['name']}' for {result['applies_to']} suppliers: "
        f"{', '.join(result['conditions'])} by {result['due_on']}."
    )


@requirement_app.command("list")
@guarded
def requirement_list(org: OrgOption, format: FormatOption = OutputFormat.TABLE) -> None:
    """The buyer's requirements."""
    ctx, store = _ctx()
    rows = sourcing_service.list_requirements(ctx, store, org)
    if format is OutputFormat.JSON:
        print_json(rows)
        return
    table = Table("name", "applies to", "conditions", "due")
    for row in rows:
        table.add_row(row["name"], row["applies_to"], ", ".join(row["conditions"]), row["due_on"])
    console.print(table)


@requirement_app.command("remove")
@guarded
def requirement_remove(
    org: OrgOption, name: Annotated[str, typer.Option(help="Requirement name.")]
) -> None:
    """Remove a requirement."""
    ctx, store = _ctx()
    sourcing_service.remove_requirement(ctx, store, org, name)
    console.print(f"Requirement '{name}' removed.")


@requirement_app.command("check")
@guarded
def requirement_check(
    org: OrgOption,
    year: Annotated[int | None, typer.Option(help="Year of reported data (default now).")] = None,
    format: FormatOption = OutputFormat.TABLE,
) -> None:
    """Who meets each requirement, who does not, and why."""
    ctx, store = _ctx()
    rows = sourcing_service.compliance(ctx, store, org, year)
    if format is OutputFormat.JSON:
        print_json(rows)
        return
    table = Table("requirement", "supplier", "status", "due", "why")
    for row in rows:
        if row["meets"]:
            status = "[green]meets[/]"
        else:
            status = "[red]OVERDUE[/]" if row["overdue"] else "[yellow]does not meet[/]"
        table.add_row(
            row["requirement"], row["supplier_id"], status, row["due_on"], "; ".join(row["reasons"])
        )
    console.print(table)


# --- tiers and incentives ------------------------------------------------------------------------


@tier_app.command("export")
@guarded
def tier_export(
    org: OrgOption,
    year: YearOption,
    format: Annotated[ExportFormat, typer.Option("--format", help="Export format.")] = (
        ExportFormat.CSV
    ),
    out: Annotated[
        Path | None, typer.Option(help="Output file (standard output for CSV and JSON).")
    ] = None,
) -> None:
    """Each supplier's sourcing tier (preferred, approved, conditional, blocked) for
    procurement."""
    if format is ExportFormat.XLSX and out is None:
        raise InvalidDataError("an XLSX export needs --out")
    ctx, store = _ctx()
    rows = sourcing_service.tiers(ctx, store, org, year)
    if format is ExportFormat.XLSX:
        assert out is not None
        write_xlsx(out, sourcing_service.tier_sheets(rows, year))
        console.print(f"{len(rows)} supplier(s) written to {out}.")
        return
    text = (
        csv_text(sourcing_service.tier_table(rows))
        if format is ExportFormat.CSV
        else json.dumps(rows, indent=2) + "\n"
    )
    if out is None:
        sys.stdout.write(text)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    console.print(f"{len(rows)} supplier(s) written to {out}.")


@tier_app.command("rules")
@guarded
def tier_rules() -> None:
    """The tier rule table (first match wins)."""
    table = Table("qualification", "ratings", "tier")
    for rule in sourcing_service.tier_rules():
        table.add_row(rule["qualification"], rule["ratings"], rule["tier"])
    console.print(table)
    console.print(
        "A preferred or approved supplier with an overdue unmet requirement: conditional."
    )


@tier_app.command("incentive")
@guarded
def tier_incentive(
    org: OrgOption,
    supplier: Annotated[str, typer.Option(help="Supplier id.")],
    kind: Annotated[str, typer.Option(help=", ".join(sourcing_service.INCENTIVE_KINDS))],
    reason: Annotated[str, typer.Option(help="Why it is granted.")],
    amount: Annotated[float | None, typer.Option(help="Amount (money or volume share).")] = None,
    currency: Annotated[str | None, typer.Option(help="Currency of the amount.")] = None,
    granted_on: Annotated[str | None, typer.Option(help="Date YYYY-MM-DD (default today).")] = (
        None
    ),
) -> None:
    """Record an incentive granted to a supplier."""
    ctx, store = _ctx()
    result = sourcing_service.grant_incentive(
        ctx,
        store,
        org,
        supplier_id=supplier,
        kind=kind,
        reason=reason,
        amount=amount,
        currency=currency,
        granted_on=_date(granted_on, "grant date"),
    )
    console.print(f"Incentive {result['kind']} granted to {result['supplier_id']}.")


@tier_app.command("incentives")
@guarded
def tier_incentives(
    org: OrgOption,
    supplier: Annotated[str | None, typer.Option(help="Only this supplier.")] = None,
    format: FormatOption = OutputFormat.TABLE,
) -> None:
    """Incentives granted."""
    ctx, store = _ctx()
    rows = sourcing_service.list_incentives(ctx, store, org, supplier)
    if format is OutputFormat.JSON:
        print_json(rows)
        return
    table = Table("date", "supplier", "kind", "amount", "reason")
    for row in rows:
        amount = "-" if row["amount"] is None else f"{row['amount']:,.2f} {row['currency'] or ''}"
        table.add_row(row["granted_on"], row["supplier_id"], row["kind"], amount, row["reason"])
    console.print(table)
