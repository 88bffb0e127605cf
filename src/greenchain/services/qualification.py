"""Green supplier qualification: programs, cases through their stages, decisions,
requalification and reminders. Audits and the announcement of preliminary results are in
``services.audits``.

The rules are in ``greenchain.domain.qualification`` (the case state machine, audits); this
module stores through a ``QualificationStore`` and records every qualification transition in
the transparency log (kind ``qualification_transition``) when the log is wired. Scorecards are
in ``services.scorecards``; requirements, sourcing tiers and incentives in
``services.sourcing``. Everything is the buyer organisation's: every read and write is
filtered by its id, and a supplier id names a supplier in the buyer's list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from greenchain.domain.access import Principal, Role
from greenchain.domain.errors import InvalidDataError, NotFoundError
from greenchain.domain.qualification import (
    DECIDED,
    DEFAULT_STAGES,
    DEFAULT_VALIDITY_DAYS,
    DEFAULT_WINDOW_DAYS,
    ActionStatus,
    CaseStatus,
    CorrectiveAction,
    Evidence,
    Outcome,
    Program,
    QualificationCase,
    Stage,
    Transition,
    advance,
    decide,
    expire,
    open_case,
    requalify,
)
from greenchain.domain.qualification import reminders as due_reminders
from greenchain.services.context import Context
from greenchain.services.ports import OrganisationRecord, QualificationStore
from greenchain.services.qualification_common import (
    action_row,
    as_date,
    as_iso,
    audit_rows,
    buyer_org,
    required_date,
    supplier_of,
    today_of,
)
from greenchain.services.scorecards import rate_one

LEDGER_KIND = "qualification_transition"
#: Columns of the tier export, in order.


# --- programs ------------------------------------------------------------------------------------


def _program(row: Mapping[str, Any]) -> Program:
    return Program(
        name=row["name"],
        stages=tuple(Stage.from_dict(s) for s in row["stages"]),
        window_days=int(row["window_days"]),
        validity_days=int(row["validity_days"]),
    )


def _public_program(row: Mapping[str, Any]) -> dict[str, Any]:
    program = _program(row)
    return {
        "id": row["id"],
        "name": program.name,
        "stages": [s.to_dict() | {"requirements": s.describe()} for s in program.stages],
        "window_days": program.window_days,
        "validity_days": program.validity_days,
    }


def add_program(
    ctx: Context,
    store: QualificationStore,
    org_slug: str,
    *,
    name: str,
    stages: Sequence[Mapping[str, Any]] | None = None,
    window_days: int = DEFAULT_WINDOW_DAYS,
    validity_days: int = DEFAULT_VALIDITY_DAYS,
) -> dict[str, Any]:
    """Set up a qualification program. ``stages`` are dicts of ``Stage`` fields (name,
    documents, audit_checklist, training_required, minimum_score); default the five stages
    application, preliminary_audit, training, final_evaluation, decision."""
    program = Program(
        name=name,
        stages=tuple(Stage.from_dict(s) for s in stages) if stages else DEFAULT_STAGES,
        window_days=window_days,
        validity_days=validity_days,
    )
    org = buyer_org(ctx, org_slug)
    values = {
        "org_id": org.id,
        "name": program.name,
        "stages": [s.to_dict() for s in program.stages],
        "window_days": program.window_days,
        "validity_days": program.validity_days,
        "created_at": ctx.clock.now(),
    }
    program_id = store.add_program(values)
    return _public_program({**values, "id": program_id})


def list_programs(ctx: Context, store: QualificationStore, org_slug: str) -> list[dict[str, Any]]:
    org = buyer_org(ctx, org_slug)
    return [_public_program(row) for row in store.programs(org.id)]


def _program_row(store: QualificationStore, org_id: int, name: str | None) -> dict[str, Any]:
    if name is None:
        rows = store.programs(org_id)
        if len(rows) != 1:
            raise InvalidDataError(
                "name the program (--program)"
                if rows
                else "no qualification program yet: add one first"
            )
        return rows[0]
    row = store.program(org_id, name.strip())
    if row is None:
        raise NotFoundError(f"qualification program '{name}' not found")
    return row


# --- cases ---------------------------------------------------------------------------------------


def load_case(store: QualificationStore, org_id: int, case_id: int) -> QualificationCase:
    row = store.case(org_id, case_id)
    if row is None:
        raise NotFoundError(f"qualification case {case_id} not found")
    program_row = store.program_by_id(org_id, int(row["program_id"]))
    assert program_row is not None
    return QualificationCase(
        supplier_id=row["supplier_id"],
        program=_program(program_row),
        opened_on=as_date(row["opened_on"]) or dt.date.min,
        stage=row["stage"],
        status=CaseStatus(row["status"]),
        cycle=int(row["cycle"]),
        decided_on=as_date(row["decided_on"]),
        case_id=int(row["id"]),
    )


def _save(
    ctx: Context,
    store: QualificationStore,
    org: OrganisationRecord,
    before: QualificationCase,
    after: QualificationCase,
    actions: Sequence[CorrectiveAction] = (),
) -> list[int | None]:
    """Store the case's new state and transitions; log each transition. Returns the ledger
    sequence numbers (None without a ledger)."""
    assert after.case_id is not None
    steps = after.transitions[len(before.transitions) :]
    now = ctx.clock.now()
    ids = store.save_case_step(
        org.id,
        after.case_id,
        {
            "stage": after.stage,
            "status": after.status.value,
            "cycle": after.cycle,
            "opened_on": after.opened_on,
            "decided_on": after.decided_on,
            "updated_at": now,
        },
        [
            {
                "cycle": s.cycle,
                "from_stage": s.from_stage,
                "to_stage": s.to_stage,
                "who": s.who,
                "at": s.when,
                "why": s.why,
                "evidence": dict(s.evidence),
            }
            for s in steps
        ],
        [
            {
                "supplier_id": after.supplier_id,
                "case_id": after.case_id,
                "description": a.description,
                "owner": a.owner,
                "due_on": a.due_on,
                "status": a.status.value,
                "created_at": now,
            }
            for a in actions
        ],
    )
    return [
        _log(ctx, store, org, after, step_id, step)
        for step_id, step in zip(ids, steps, strict=True)
    ]


def _log(
    ctx: Context,
    store: QualificationStore,
    org: OrganisationRecord,
    case: QualificationCase,
    step_id: int,
    step: Transition,
) -> int | None:
    if ctx.ledger is None:
        return None
    from greenchain.services import ledger

    payload = {
        "case_id": case.case_id,
        "supplier_id": case.supplier_id,
        "program": case.program.name,
        "cycle": step.cycle,
        "from": step.from_stage,
        "to": step.to_stage,
        "who": step.who,
        "when": as_iso(step.when),
        "why": step.why,
        "evidence": dict(step.evidence),
    }
    seq = ledger.record(ctx, org.id, org.slug, LEDGER_KIND, payload)
    store.set_transition_ledger_seq(org.id, step_id, seq)
    return seq


def _current(
    ctx: Context, store: QualificationStore, org: OrganisationRecord, case_id: int
) -> QualificationCase:
    """The case, marked expired (stored and logged) when its window has passed."""
    case = load_case(store, org.id, case_id)
    now = ctx.clock.now()
    if case.is_expired(now):
        expired = expire(case, now)
        _save(ctx, store, org, case, expired)
        return expired
    return case


def open_qualification(
    ctx: Context,
    store: QualificationStore,
    org_slug: str,
    *,
    supplier_id: str,
    who: str,
    program: str | None = None,
    why: str = "application received",
    applied_on: dt.date | None = None,
) -> dict[str, Any]:
    """Open a supplier's case at the program's first stage (the window counts from
    ``applied_on``, default today). One case per supplier and program: later cycles are
    re-qualifications of the same case."""
    org = buyer_org(ctx, org_slug)
    supplier = supplier_of(ctx, org.id, supplier_id)
    program_row = _program_row(store, org.id, program)
    now = ctx.clock.now()
    if applied_on is not None and applied_on > now.date():
        raise InvalidDataError(f"application date {applied_on.isoformat()} is in the future")
    case = open_case(
        supplier["supplier_id"], _program(program_row), who, now, why, opened_on=applied_on
    )
    step = case.transitions[0]
    case_id = store.add_case(
        {
            "org_id": org.id,
            "program_id": program_row["id"],
            "supplier_id": case.supplier_id,
            "cycle": case.cycle,
            "stage": case.stage,
            "status": case.status.value,
            "opened_on": case.opened_on,
            "decided_on": None,
            "created_at": now,
            "updated_at": now,
        },
        {
            "cycle": step.cycle,
            "from_stage": step.from_stage,
            "to_stage": step.to_stage,
            "who": step.who,
            "at": step.when,
            "why": step.why,
            "evidence": {},
        },
    )
    case = replace(case, case_id=case_id)
    steps = store.transitions(org.id, case_id)
    _log(ctx, store, org, case, int(steps[-1]["id"]), step)
    return get_case(ctx, store, org_slug, case_id)


def _evidence(
    ctx: Context,
    store: QualificationStore,
    org: OrganisationRecord,
    case: QualificationCase,
    *,
    documents: Sequence[str],
    training_completed: bool | None,
    score: float | None,
    references: Sequence[str],
    year: int | None,
) -> Evidence:
    """The evidence for leaving the current stage: what was given, completed from the store
    when left out (the case's latest audit on the stage's checklist in this cycle, the
    supplier's recorded training completion, its scorecard score)."""
    stage = case.program.stage(case.stage)
    refs = list(references)
    audit_score: float | None = None
    if stage.audit_checklist is not None:
        audits = [
            a
            for a in store.audits(org.id, case_id=case.case_id)
            if a["checklist"] == stage.audit_checklist
            and (as_date(a["audited_on"]) or dt.date.min) >= case.opened_on
        ]
        if audits:
            latest = audits[-1]
            audit_score = float(latest["score"])
            refs.append(f"audit {latest['id']} ({latest['audited_on']})")
    trained = training_completed
    if trained is None:
        share = store.attributes(org.id).get(case.supplier_id, {}).get("training_completion_share")
        trained = share is not None and float(share) >= 1.0 - 1e-9
    if score is None and stage.minimum_score is not None and stage.audit_checklist is None:
        rated_year = year or today_of(ctx).year
        card = rate_one(ctx, store, org, case.supplier_id, rated_year)
        score = card.score
        refs.append(f"scorecard {rated_year}: {card.score:.1f} ({card.rating})")
    return Evidence(
        documents=tuple(d.strip() for d in documents if d.strip()),
        audit_score=audit_score,
        training_completed=bool(trained),
        score=score,
        references=tuple(refs),
    )


def advance_case(
    ctx: Context,
    store: QualificationStore,
    org_slug: str,
    case_id: int,
    *,
    to_stage: str,
    who: str,
    why: str,
    documents: Sequence[str] = (),
    training_completed: bool | None = None,
    score: float | None = None,
    references: Sequence[str] = (),
    year: int | None = None,
) -> dict[str, Any]:
    """Move a case to its next stage (no skipping). The current stage's requirements are
    checked on the evidence: ``documents`` handed in, the latest audit of the case on the
    stage's checklist, training completed (given, or the supplier's recorded completion is
    100 %), an evaluation ``score`` (given, or the supplier's scorecard score for ``year``).
    A case whose window has passed is marked expired and the change refused."""
    org = buyer_org(ctx, org_slug)
    case = _current(ctx, store, org, case_id)
    evidence = (
        _evidence(
            ctx,
            store,
            org,
            case,
            documents=documents,
            training_completed=training_completed,
            score=score,
            references=references,
            year=year,
        )
        if case.status is CaseStatus.IN_PROGRESS
        else None
    )
    after = advance(case, to_stage, who, ctx.clock.now(), why, evidence)
    seqs = _save(ctx, store, org, case, after)
    return get_case(ctx, store, org_slug, case_id) | {"ledger_seq": seqs[-1]}


def decide_case(
    ctx: Context,
    store: QualificationStore,
    org_slug: str,
    case_id: int,
    *,
    outcome: str,
    who: str,
    why: str,
    corrective_actions: Sequence[Mapping[str, Any]] = (),
    documents: Sequence[str] = (),
    score: float | None = None,
    references: Sequence[str] = (),
    year: int | None = None,
) -> dict[str, Any]:
    """Decide a case: ``qualified``, ``conditionally_qualified`` (with corrective actions:
    dicts of description, owner, due_on) or ``rejected`` (at any stage)."""
    org = buyer_org(ctx, org_slug)
    case = _current(ctx, store, org, case_id)
    actions = [
        CorrectiveAction(
            description=str(a.get("description", "")),
            owner=str(a.get("owner", "")),
            due_on=required_date(a.get("due_on"), "a corrective action's due date"),
        )
        for a in corrective_actions
    ]
    evidence = None
    if case.status is CaseStatus.IN_PROGRESS and outcome != Outcome.REJECTED.value:
        evidence = _evidence(
            ctx,
            store,
            org,
            case,
            documents=documents,
            training_completed=None,
            score=score,
            references=references,
            year=year,
        )
    after = decide(case, outcome, who, ctx.clock.now(), why, evidence, actions)
    seqs = _save(ctx, store, org, case, after, actions)
    return get_case(ctx, store, org_slug, case_id) | {"ledger_seq": seqs[-1]}


def requalify_case(
    ctx: Context,
    store: QualificationStore,
    org_slug: str,
    case_id: int,
    *,
    who: str,
    why: str,
    on_demand: bool = False,
) -> dict[str, Any]:
    """Start the case's next cycle (after the validity period, on demand, or after a
    rejection or expiry)."""
    org = buyer_org(ctx, org_slug)
    case = _current(ctx, store, org, case_id)
    after = requalify(case, who, ctx.clock.now(), why, on_demand=on_demand)
    seqs = _save(ctx, store, org, case, after)
    return get_case(ctx, store, org_slug, case_id) | {"ledger_seq": seqs[-1]}


def expire_cases(ctx: Context, store: QualificationStore, org_slug: str) -> list[dict[str, Any]]:
    """Mark every case whose window passed without a decision expired (stored and logged)."""
    org = buyer_org(ctx, org_slug)
    now = ctx.clock.now()
    expired = []
    for row in store.cases(org.id):
        case = load_case(store, org.id, int(row["id"]))
        if case.is_expired(now):
            _save(ctx, store, org, case, expire(case, now))
            expired.append(
                {
                    "case_id": case.case_id,
                    "supplier_id": case.supplier_id,
                    "program": case.program.name,
                    "deadline": case.deadline.isoformat(),
                }
            )
    return expired


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


# --- for a signed-in principal -------------------------------------------------------------------


def add_program_for(
    ctx: Context, principal: Principal, store: QualificationStore, org_slug: str, **kwargs: Any
) -> dict[str, Any]:
    principal.membership(org_slug, Role.ANALYST)
    return add_program(ctx, store, org_slug, **kwargs)


def open_qualification_for(
    ctx: Context, principal: Principal, store: QualificationStore, org_slug: str, **kwargs: Any
) -> dict[str, Any]:
    principal.membership(org_slug, Role.ANALYST)
    return open_qualification(ctx, store, org_slug, **kwargs)


def advance_case_for(
    ctx: Context,
    principal: Principal,
    store: QualificationStore,
    org_slug: str,
    case_id: int,
    **kwargs: Any,
) -> dict[str, Any]:
    principal.membership(org_slug, Role.ANALYST)
    return advance_case(ctx, store, org_slug, case_id, **kwargs)


def decide_case_for(
    ctx: Context,
    principal: Principal,
    store: QualificationStore,
    org_slug: str,
    case_id: int,
    **kwargs: Any,
) -> dict[str, Any]:
    principal.membership(org_slug, Role.ANALYST)
    return decide_case(ctx, store, org_slug, case_id, **kwargs)


def list_cases_for(
    ctx: Context, principal: Principal, store: QualificationStore, org_slug: str, **kwargs: Any
) -> list[dict[str, Any]]:
    principal.membership(org_slug)
    return list_cases(ctx, store, org_slug, **kwargs)
