"""The buyer's qualification cases as read: a case as stored, one case with its transitions,
audits, corrective actions and what its stage still requires, the list of cases with each one's
status as of today, and the reminders of windows, validity and corrective actions due. How cases
are opened and moved on is in ``services.qualification``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from greenchain.domain.errors import NotFoundError
from greenchain.domain.qualification import (
    DECIDED,
    ActionStatus,
    CaseStatus,
    Program,
    QualificationCase,
    Stage,
)
from greenchain.domain.qualification import reminders as due_reminders
from greenchain.services.context import Context
from greenchain.services.ports import QualificationStore
from greenchain.services.qualification_common import (
    action_row,
    as_date,
    as_iso,
    audit_rows,
    buyer_org,
    today_of,
)


def program_from_row(row: Mapping[str, Any]) -> Program:
    return Program(
        name=row["name"],
        stages=tuple(Stage.from_dict(s) for s in row["stages"]),
        window_days=int(row["window_days"]),
        validity_days=int(row["validity_days"]),
    )


def load_case(store: QualificationStore, org_id: int, case_id: int) -> QualificationCase:
    row = store.case(org_id, case_id)
    if row is None:
        raise NotFoundError(f"qualification case {case_id} not found")
    program_row = store.program_by_id(org_id, int(row["program_id"]))
    assert program_row is not None
    return QualificationCase(
        supplier_id=row["supplier_id"],
        program=program_from_row(program_row),
        opened_on=as_date(row["opened_on"]) or dt.date.min,
        stage=row["stage"],
        status=CaseStatus(row["status"]),
        cycle=int(row["cycle"]),
        decided_on=as_date(row["decided_on"]),
        case_id=int(row["id"]),
    )


def _public_case(
    case: QualificationCase, row: Mapping[str, Any] | None, today: dt.date
) -> dict[str, Any]:
    status = case.status_at(today)
    valid = case.valid_until
    if status in DECIDED and valid is not None and today > valid:
        standing = "lapsed"
    else:
        standing = status.value
    return {
        "id": case.case_id,
        "supplier_id": case.supplier_id,
        "program": case.program.name,
        "cycle": case.cycle,
        "stage": case.stage,
        "status": status.value,
        "standing": standing,
        "next_stage": case.next_stage if status is CaseStatus.IN_PROGRESS else None,
        "opened_on": as_iso(case.opened_on),
        "deadline": as_iso(case.deadline),
        "days_left": case.days_left(today) if status is CaseStatus.IN_PROGRESS else None,
        "decided_on": as_iso(case.decided_on),
        "valid_until": as_iso(valid),
        "updated_at": as_iso(row.get("updated_at")) if row else None,
    }


def get_case(
    ctx: Context, store: QualificationStore, org_slug: str, case_id: int
) -> dict[str, Any]:
    """A case with its transitions (who, when, why, evidence), audits and corrective actions,
    and what the current stage still requires."""
    org = buyer_org(ctx, org_slug)
    case = load_case(store, org.id, case_id)
    today = today_of(ctx)
    result = _public_case(case, store.case(org.id, case_id), today)
    result["transitions"] = [
        {
            "cycle": s["cycle"],
            "from": s["from_stage"],
            "to": s["to_stage"],
            "who": s["who"],
            "when": as_iso(s["at"]),
            "why": s["why"],
            "evidence": s["evidence"],
            "ledger_seq": s["ledger_seq"],
        }
        for s in store.transitions(org.id, case_id)
    ]
    result["requirements"] = (
        case.program.stage(case.stage).describe() if result["status"] == "in_progress" else []
    )
    result["audits"] = audit_rows(store, org.id, case_id=case_id)
    result["corrective_actions"] = [
        action_row(a, today) for a in store.corrective_actions(org.id, case_id=case_id)
    ]
    return result


def list_cases(
    ctx: Context,
    store: QualificationStore,
    org_slug: str,
    *,
    status: str | None = None,
    stage: str | None = None,
    supplier_id: str | None = None,
) -> list[dict[str, Any]]:
    """The buyer's cases with their status as of today (``expired`` once the window passed,
    ``standing`` ``lapsed`` once a qualification's validity passed), filtered."""
    org = buyer_org(ctx, org_slug)
    today = today_of(ctx)
    found = []
    for row in store.cases(org.id):
        case = load_case(store, org.id, int(row["id"]))
        item = _public_case(case, row, today)
        if status and status not in (item["status"], item["standing"]):
            continue
        if stage and item["stage"] != stage:
            continue
        if supplier_id and item["supplier_id"] != supplier_id:
            continue
        found.append(item)
    return found


def list_reminders(
    ctx: Context, store: QualificationStore, org_slug: str, within_days: int = 30
) -> list[dict[str, Any]]:
    """Cases whose window (or qualification validity) ends within ``within_days`` days, and
    corrective actions overdue or due within that time."""
    org = buyer_org(ctx, org_slug)
    today = today_of(ctx)
    cases = [load_case(store, org.id, int(row["id"])) for row in store.cases(org.id)]
    rows: list[dict[str, Any]] = [
        {
            "kind": r.kind,
            "case_id": r.case.case_id,
            "supplier_id": r.case.supplier_id,
            "program": r.case.program.name,
            "stage": r.case.stage,
            "due_on": r.due_on.isoformat(),
            "days_left": r.days_left,
            "what": (
                f"qualification window ends; next stage {r.case.next_stage or 'decision'}"
                if r.kind == "window"
                else "qualification validity ends: start a re-qualification cycle"
            ),
        }
        for r in due_reminders(cases, today, within_days)
    ]
    for action in store.corrective_actions(org.id):
        due = as_date(action["due_on"])
        if action["status"] == ActionStatus.DONE.value or due is None:
            continue
        left = (due - today).days
        if left <= within_days:
            rows.append(
                {
                    "kind": "corrective_action",
                    "case_id": action["case_id"],
                    "supplier_id": action["supplier_id"],
                    "program": None,
                    "stage": None,
                    "due_on": due.isoformat(),
                    "days_left": left,
                    "what": f"{action['description']} (owner {action['owner']})",
                }
            )
    return sorted(rows, key=lambda r: (r["due_on"], r["supplier_id"]))
