"""Supplier audits in a qualification: the checklist scored item by item, findings with their
severity and corrective actions and their follow-up, and the announcement of preliminary
results to every supplier past its preliminary audit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from greenchain.domain.access import Principal, Role
from greenchain.domain.errors import InvalidDataError
from greenchain.domain.qualification import (
    ActionStatus,
    CaseStatus,
    CorrectiveAction,
    Finding,
    Severity,
    audit_verdict,
    check_findings,
    get_checklist,
    score_audit,
)
from greenchain.services.context import Context
from greenchain.services.ports import QualificationStore
from greenchain.services.qualification_cases import load_case
from greenchain.services.qualification_common import (
    action_row,
    audit_rows,
    buyer_org,
    nonempty,
    required_date,
    supplier_of,
    today_of,
)

# --- audits --------------------------------------------------------------------------------------


def record_audit(
    ctx: Context,
    store: QualificationStore,
    org_slug: str,
    *,
    supplier_id: str,
    auditor: str,
    audited_on: dt.date,
    results: Mapping[str, bool],
    findings: Sequence[Mapping[str, Any]] = (),
    evidence: Sequence[str] = (),
    case_id: int | None = None,
    checklist: str = "green_supply_chain",
) -> dict[str, Any]:
    """Record an audit of a supplier on a checklist: every item passed or not
    (``results``), findings (item_code, severity, description, and for major or critical
    ones a corrective action: action_description, owner, due_on) and evidence references.
    The score is the pillar-weighted share of items passed (0..100)."""
    org = buyer_org(ctx, org_slug)
    supplier = supplier_of(ctx, org.id, supplier_id)
    if case_id is not None:
        case = load_case(store, org.id, case_id)
        if case.supplier_id != supplier["supplier_id"]:
            raise InvalidDataError(
                f"case {case_id} is the qualification of '{case.supplier_id}', "
                f"not of '{supplier['supplier_id']}'"
            )
    if audited_on > today_of(ctx):
        raise InvalidDataError(f"audit date {audited_on.isoformat()} is in the future")
    checklist_def = get_checklist(checklist)
    scored = score_audit(checklist_def, results)
    parsed = [_finding(f) for f in findings]
    check_findings(checklist_def, parsed, audited_on)
    verdict = audit_verdict(scored.score, parsed)
    now = ctx.clock.now()
    audit_id = store.add_audit(
        {
            "org_id": org.id,
            "case_id": case_id,
            "supplier_id": supplier["supplier_id"],
            "checklist": checklist_def.name,
            "auditor": nonempty(auditor, "the auditor"),
            "audited_on": audited_on,
            "results": {code: bool(results[code]) for code in checklist_def.codes},
            "score": scored.score,
            "verdict": verdict,
            "evidence": [e.strip() for e in evidence if e.strip()],
            "created_at": now,
        },
        [
            {
                "item_code": f.item_code,
                "severity": f.severity.value,
                "description": f.description,
                "action": None
                if f.action is None
                else {
                    "description": f.action.description,
                    "owner": f.action.owner,
                    "due_on": f.action.due_on,
                    "status": f.action.status.value,
                    "created_at": now,
                },
            }
            for f in parsed
        ],
    )
    audit = next(
        a
        for a in audit_rows(store, org.id, supplier_id=supplier["supplier_id"])
        if a["id"] == audit_id
    )
    return audit | {"by_pillar": dict(scored.by_pillar)}


def _finding(values: Mapping[str, Any]) -> Finding:
    action = None
    if values.get("owner") or values.get("due_on") or values.get("action_description"):
        action = CorrectiveAction(
            description=str(values.get("action_description") or values.get("description", "")),
            owner=str(values.get("owner", "")),
            due_on=required_date(values.get("due_on"), "a corrective action's due date"),
        )
    try:
        severity = Severity(str(values.get("severity", "")))
    except ValueError:
        raise InvalidDataError(
            f"severity '{values.get('severity')}' is not one of minor, major, critical"
        ) from None
    return Finding(
        item_code=str(values.get("item_code", "")).strip().upper(),
        severity=severity,
        description=str(values.get("description", "")),
        action=action,
    )


def list_audits(
    ctx: Context, store: QualificationStore, org_slug: str, supplier_id: str | None = None
) -> list[dict[str, Any]]:
    org = buyer_org(ctx, org_slug)
    return audit_rows(store, org.id, supplier_id=supplier_id)


def set_action_status(
    ctx: Context, store: QualificationStore, org_slug: str, action_id: int, status: str
) -> dict[str, Any]:
    """Update a corrective action: open, in_progress or done."""
    try:
        value = ActionStatus(status.strip())
    except ValueError:
        raise InvalidDataError(
            f"status '{status}' is not one of {', '.join(s.value for s in ActionStatus)}"
        ) from None
    org = buyer_org(ctx, org_slug)
    row = store.set_action_status(org.id, action_id, value.value, ctx.clock.now())
    return action_row(row, today_of(ctx))


def _send_announcements(ctx: Context, org_id: int, messages: list[dict[str, Any]]) -> None:
    """Mail each message to the supplier's contact of record (the address its latest data
    request went to); ``sent_to`` says where it went, or None when no contact is known."""
    contacts: dict[str, str] = {}
    if ctx.engagement is not None:
        for r in ctx.engagement.recipients(org_id):
            contacts[str(r["supplier_id"])] = str(r["email"])
    for message in messages:
        email = contacts.get(message["supplier_id"])
        message["sent_to"] = email
        if email and ctx.accounts is not None:
            ctx.accounts.queue_mail(email, message["subject"], message["body"], ctx.clock.now())


def announce_preliminary_results(
    ctx: Context,
    store: QualificationStore,
    org_slug: str,
    *,
    program: str | None = None,
    supplier_ids: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """One message per supplier whose case in progress has passed its audit stage: the audit
    score and findings, the open corrective actions (owner, due date), and what the
    remaining stages require for the final qualification, with the deadline."""
    org = buyer_org(ctx, org_slug)
    today = today_of(ctx)
    names = ctx.workspace.supplier_names(org.id)
    chosen = set(supplier_ids) if supplier_ids else None
    messages = []
    for row in store.cases(org.id):
        case = load_case(store, org.id, int(row["id"]))
        if program is not None and case.program.name != program:
            continue
        if chosen is not None and case.supplier_id not in chosen:
            continue
        if case.status_at(today) is not CaseStatus.IN_PROGRESS:
            continue
        stages = case.program.stage_names
        audit_stages = [i for i, s in enumerate(case.program.stages) if s.audit_checklist]
        current = stages.index(case.stage)
        if not audit_stages or current <= audit_stages[0]:
            continue
        audits = audit_rows(store, org.id, case_id=case.case_id)
        latest = audits[-1] if audits else None
        actions = [
            action_row(a, today)
            for a in store.corrective_actions(org.id, case_id=case.case_id)
            if a["status"] != ActionStatus.DONE.value
        ]
        further = [
            f"{stage.name}: {need}"
            for stage in case.program.stages[current:]
            for need in stage.describe()
        ]
        further += [
            f"corrective action: {a['description']} (owner {a['owner']}, due {a['due_on']})"
            for a in actions
        ]
        name = names.get(case.supplier_id, case.supplier_id)
        lines = [f"Dear {name},", ""]
        if latest is not None:
            lines.append(
                f"the preliminary audit of {latest['audited_on']} scored "
                f"{latest['score']:.1f}/100 ({latest['verdict']})."
            )
            for finding in latest["findings"]:
                lines.append(
                    f"- {finding['severity']} finding on {finding['item_code']}: "
                    f"{finding['description']}"
                )
        lines.append("")
        lines.append(
            f"To be qualified by {case.deadline.isoformat()} ({case.program.name}), please:"
        )
        lines += [f"- {item}" for item in further] or ["- nothing further: await the decision"]
        messages.append(
            {
                "case_id": case.case_id,
                "supplier_id": case.supplier_id,
                "name": name,
                "stage": case.stage,
                "audit_score": latest["score"] if latest else None,
                "deadline": case.deadline.isoformat(),
                "further_requirements": further,
                "corrective_actions": actions,
                "subject": f"{case.program.name}: preliminary results and next steps",
                "body": "\n".join(lines),
            }
        )
    _send_announcements(ctx, org.id, messages)
    return messages


def record_audit_for(
    ctx: Context, principal: Principal, store: QualificationStore, org_slug: str, **kwargs: Any
) -> dict[str, Any]:
    principal.membership(org_slug, Role.ANALYST)
    return record_audit(ctx, store, org_slug, **kwargs)


def announce_preliminary_results_for(
    ctx: Context, principal: Principal, store: QualificationStore, org_slug: str, **kwargs: Any
) -> list[dict[str, Any]]:
    principal.membership(org_slug, Role.ANALYST)
    return announce_preliminary_results(ctx, store, org_slug, **kwargs)
