"""What the qualification, scorecard and sourcing use cases share: the buyer organisation, today,
dates as given, and a supplier of the buyer's list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from greenchain.domain.errors import InvalidDataError
from greenchain.domain.qualification import ActionStatus
from greenchain.services.context import Context
from greenchain.services.ports import OrganisationRecord, QualificationStore


def buyer_org(ctx: Context, org_slug: str) -> OrganisationRecord:
    return ctx.workspace.get_org(org_slug)


def today_of(ctx: Context) -> dt.date:
    return ctx.clock.now().date()


def as_iso(moment: dt.datetime | dt.date | None) -> str | None:
    if moment is None:
        return None
    if isinstance(moment, dt.datetime):
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return moment.astimezone(dt.UTC).isoformat(timespec="seconds")
    return moment.isoformat()


def as_date(value: Any) -> dt.date | None:
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    if isinstance(value, dt.datetime):
        return value.date()
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InvalidDataError(f"'{value}' is not a date (YYYY-MM-DD)") from None


def supplier_of(ctx: Context, org_id: int, supplier_id: str) -> dict[str, Any]:
    return ctx.workspace.get_supplier(org_id, supplier_id.strip())


def required_date(value: Any, what: str) -> dt.date:
    found = as_date(value)
    if found is None:
        raise InvalidDataError(f"{what} is missing")
    return found


def nonempty(value: str, what: str) -> str:
    if not value.strip():
        raise InvalidDataError(f"{what} must not be empty")
    return value.strip()


def check_year(year: int) -> None:
    if not 1990 <= year <= 2100:
        raise InvalidDataError(f"year {year} is not a plausible year (1990-2100)")


def action_row(row: Mapping[str, Any], today: dt.date) -> dict[str, Any]:
    due = as_date(row["due_on"])
    return {
        "id": row["id"],
        "supplier_id": row["supplier_id"],
        "case_id": row["case_id"],
        "finding_id": row["finding_id"],
        "description": row["description"],
        "owner": row["owner"],
        "due_on": as_iso(due),
        "status": row["status"],
        "overdue": row["status"] != ActionStatus.DONE.value and due is not None and today > due,
    }


def audit_rows(
    store: QualificationStore,
    org_id: int,
    *,
    supplier_id: str | None = None,
    case_id: int | None = None,
) -> list[dict[str, Any]]:
    audits = store.audits(org_id, supplier_id=supplier_id, case_id=case_id)
    findings = store.findings(org_id, [int(a["id"]) for a in audits])
    result = []
    for audit in audits:
        result.append(
            {
                "id": audit["id"],
                "case_id": audit["case_id"],
                "supplier_id": audit["supplier_id"],
                "checklist": audit["checklist"],
                "auditor": audit["auditor"],
                "audited_on": as_iso(as_date(audit["audited_on"])),
                "score": float(audit["score"]),
                "verdict": audit["verdict"],
                "passed_items": [c for c, ok in audit["results"].items() if ok],
                "failed_items": [c for c, ok in audit["results"].items() if not ok],
                "evidence": list(audit["evidence"]),
                "findings": [
                    {
                        "id": f["id"],
                        "item_code": f["item_code"],
                        "severity": f["severity"],
                        "description": f["description"],
                    }
                    for f in findings
                    if f["audit_id"] == audit["id"]
                ],
            }
        )
    return result
