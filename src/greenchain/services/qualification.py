"""Green supplier qualification: programs, cases through their stages, decisions and
requalification. Reading cases (one case, the list, the reminders due) is in
``services.qualification_cases`` and part of this module's API; audits and the announcement of
preliminary results are in ``services.audits``.

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
    DEFAULT_STAGES,
    DEFAULT_VALIDITY_DAYS,
    DEFAULT_WINDOW_DAYS,
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
from greenchain.services.context import Context
from greenchain.services.ports import OrganisationRecord, QualificationStore
from greenchain.services.qualification_cases import (
    get_case,
    list_cases,
    list_reminders,
    load_case,
    program_from_row,
)
from greenchain.services.qualification_common import (
    as_date,
    as_iso,
    buyer_org,
    required_date,
    supplier_of,
    today_of,
)
from greenchain.services.scorecards import rate_one

LEDGER_KIND = "qualification_transition"


# --- programs ------------------------------------------------------------------------------------


def _public_program(row: Mapping[str, Any]) -> dict[str, Any]:
    program = program_from_row(row)
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
        supplier["supplier_id"], program_from_row(program_row), who, now, why, opened_on=applied_on
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


__all__ = [
    "LEDGER_KIND",
    "add_program",
    "add_program_for",
    "advance_case",
    "advance_case_for",
    "decide_case",
    "decide_case_for",
    "expire_cases",
    "get_case",
    "list_cases",
    "list_cases_for",
    "list_programs",
    "list_reminders",
    "load_case",
    "open_qualification",
    "open_qualification_for",
    "requalify_case",
]
