"""Green supplier qualification, audits, climate scorecards, requirements and sourcing tiers.

The rules are in ``greenchain.domain.qualification`` (the case state machine, audits) and
``greenchain.domain.scorecards`` (indicators, ratings, requirements, tiers); this module
stores through a ``QualificationStore``, reads the suppliers' reported data from the
workspace, and records every qualification transition in the transparency log (kind
``qualification_transition``) when the log is wired. Everything is the buyer
organisation's: every read and write is filtered by its id, and a supplier id names a
supplier in the buyer's list.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from greenchain.domain.access import Principal, Role
from greenchain.domain.errors import GreenchainError, InvalidDataError, NotFoundError
from greenchain.domain.qualification import (
    DECIDED,
    DEFAULT_STAGES,
    DEFAULT_VALIDITY_DAYS,
    DEFAULT_WINDOW_DAYS,
    ActionStatus,
    CaseStatus,
    CorrectiveAction,
    Evidence,
    Finding,
    Outcome,
    Program,
    QualificationCase,
    Severity,
    Stage,
    Transition,
    advance,
    audit_verdict,
    check_findings,
    decide,
    expire,
    get_checklist,
    open_case,
    requalify,
    score_audit,
)
from greenchain.domain.qualification import reminders as due_reminders
from greenchain.domain.scorecards import (
    DEFAULT_WEIGHTS,
    INDICATOR_KEYS,
    RATINGS,
    TIER_RULES,
    AppliesTo,
    Condition,
    Inputs,
    MissingPolicy,
    Requirement,
    Scorecard,
    ScorecardConfig,
    Standing,
    SupplierAttributes,
    SupplierReport,
    Tier,
    check_requirement,
    indicator,
    rate,
    sourcing_tier,
)
from greenchain.services.context import Context
from greenchain.services.ports import OrganisationRecord, QualificationStore

LEDGER_KIND = "qualification_transition"
ATTRIBUTE_FIELDS: tuple[str, ...] = (
    "iso_14001",
    "iso_14001_expires_on",
    "iso_50001",
    "iso_50001_expires_on",
    "rba_member",
    "training_completion_share",
    "participation_share",
    "takeback_reuse_share",
    "recycling_share",
)
INCENTIVE_KINDS: tuple[str, ...] = (
    "preferred_volume",
    "innovation_incentive",
    "longer_contract",
    "faster_payment",
    "joint_development",
    "recognition",
)
#: Columns of the tier export, in order.
TIER_COLUMNS: tuple[str, ...] = (
    "supplier_id",
    "name",
    "strategic",
    "score",
    "rating",
    "coverage",
    "qualification",
    "tier",
    "reason",
    "unmet_requirements",
    "overdue_requirements",
    "spend_usd",
    "t_co2e",
    "incentives",
)


def _org(ctx: Context, org_slug: str) -> OrganisationRecord:
    return ctx.workspace.get_org(org_slug)


def _today(ctx: Context) -> dt.date:
    return ctx.clock.now().date()


def _iso(moment: dt.datetime | dt.date | None) -> str | None:
    if moment is None:
        return None
    if isinstance(moment, dt.datetime):
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return moment.astimezone(dt.UTC).isoformat(timespec="seconds")
    return moment.isoformat()


def _date(value: Any) -> dt.date | None:
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    if isinstance(value, dt.datetime):
        return value.date()
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InvalidDataError(f"'{value}' is not a date (YYYY-MM-DD)") from None


def _supplier(ctx: Context, org_id: int, supplier_id: str) -> dict[str, Any]:
    return ctx.workspace.get_supplier(org_id, supplier_id.strip())


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
    org = _org(ctx, org_slug)
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
    org = _org(ctx, org_slug)
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


def _case(store: QualificationStore, org_id: int, case_id: int) -> QualificationCase:
    row = store.case(org_id, case_id)
    if row is None:
        raise NotFoundError(f"qualification case {case_id} not found")
    program_row = store.program_by_id(org_id, int(row["program_id"]))
    assert program_row is not None
    return QualificationCase(
        supplier_id=row["supplier_id"],
        program=_program(program_row),
        opened_on=_date(row["opened_on"]) or dt.date.min,
        stage=row["stage"],
        status=CaseStatus(row["status"]),
        cycle=int(row["cycle"]),
        decided_on=_date(row["decided_on"]),
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
        "when": _iso(step.when),
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
    case = _case(store, org.id, case_id)
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
    org = _org(ctx, org_slug)
    supplier = _supplier(ctx, org.id, supplier_id)
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
            and (_date(a["audited_on"]) or dt.date.min) >= case.opened_on
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
        rated_year = year or _today(ctx).year
        card = _rate_one(ctx, store, org, case.supplier_id, rated_year)
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
    org = _org(ctx, org_slug)
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
    org = _org(ctx, org_slug)
    case = _current(ctx, store, org, case_id)
    actions = [
        CorrectiveAction(
            description=str(a.get("description", "")),
            owner=str(a.get("owner", "")),
            due_on=_required_date(a.get("due_on"), "a corrective action's due date"),
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


def _required_date(value: Any, what: str) -> dt.date:
    found = _date(value)
    if found is None:
        raise InvalidDataError(f"{what} is missing")
    return found


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
    org = _org(ctx, org_slug)
    case = _current(ctx, store, org, case_id)
    after = requalify(case, who, ctx.clock.now(), why, on_demand=on_demand)
    seqs = _save(ctx, store, org, case, after)
    return get_case(ctx, store, org_slug, case_id) | {"ledger_seq": seqs[-1]}


def expire_cases(ctx: Context, store: QualificationStore, org_slug: str) -> list[dict[str, Any]]:
    """Mark every case whose window passed without a decision expired (stored and logged)."""
    org = _org(ctx, org_slug)
    now = ctx.clock.now()
    expired = []
    for row in store.cases(org.id):
        case = _case(store, org.id, int(row["id"]))
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


def _action(row: Mapping[str, Any], today: dt.date) -> dict[str, Any]:
    due = _date(row["due_on"])
    return {
        "id": row["id"],
        "supplier_id": row["supplier_id"],
        "case_id": row["case_id"],
        "finding_id": row["finding_id"],
        "description": row["description"],
        "owner": row["owner"],
        "due_on": _iso(due),
        "status": row["status"],
        "overdue": row["status"] != ActionStatus.DONE.value and due is not None and today > due,
    }


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
        "opened_on": _iso(case.opened_on),
        "deadline": _iso(case.deadline),
        "days_left": case.days_left(today) if status is CaseStatus.IN_PROGRESS else None,
        "decided_on": _iso(case.decided_on),
        "valid_until": _iso(valid),
        "updated_at": _iso(row.get("updated_at")) if row else None,
    }


def get_case(
    ctx: Context, store: QualificationStore, org_slug: str, case_id: int
) -> dict[str, Any]:
    """A case with its transitions (who, when, why, evidence), audits and corrective actions,
    and what the current stage still requires."""
    org = _org(ctx, org_slug)
    case = _case(store, org.id, case_id)
    today = _today(ctx)
    result = _public_case(case, store.case(org.id, case_id), today)
    result["transitions"] = [
        {
            "cycle": s["cycle"],
            "from": s["from_stage"],
            "to": s["to_stage"],
            "who": s["who"],
            "when": _iso(s["at"]),
            "why": s["why"],
            "evidence": s["evidence"],
            "ledger_seq": s["ledger_seq"],
        }
        for s in store.transitions(org.id, case_id)
    ]
    result["requirements"] = (
        case.program.stage(case.stage).describe() if result["status"] == "in_progress" else []
    )
    result["audits"] = _audits(store, org.id, case_id=case_id)
    result["corrective_actions"] = [
        _action(a, today) for a in store.corrective_actions(org.id, case_id=case_id)
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
    org = _org(ctx, org_slug)
    today = _today(ctx)
    found = []
    for row in store.cases(org.id):
        case = _case(store, org.id, int(row["id"]))
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
    org = _org(ctx, org_slug)
    today = _today(ctx)
    cases = [_case(store, org.id, int(row["id"])) for row in store.cases(org.id)]
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
        due = _date(action["due_on"])
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
    org = _org(ctx, org_slug)
    supplier = _supplier(ctx, org.id, supplier_id)
    if case_id is not None:
        case = _case(store, org.id, case_id)
        if case.supplier_id != supplier["supplier_id"]:
            raise InvalidDataError(
                f"case {case_id} is the qualification of '{case.supplier_id}', "
                f"not of '{supplier['supplier_id']}'"
            )
    if audited_on > _today(ctx):
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
            "auditor": _nonempty(auditor, "the auditor"),
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
        for a in _audits(store, org.id, supplier_id=supplier["supplier_id"])
        if a["id"] == audit_id
    )
    return audit | {"by_pillar": dict(scored.by_pillar)}


def _nonempty(value: str, what: str) -> str:
    if not value.strip():
        raise InvalidDataError(f"{what} must not be empty")
    return value.strip()


def _finding(values: Mapping[str, Any]) -> Finding:
    action = None
    if values.get("owner") or values.get("due_on") or values.get("action_description"):
        action = CorrectiveAction(
            description=str(values.get("action_description") or values.get("description", "")),
            owner=str(values.get("owner", "")),
            due_on=_required_date(values.get("due_on"), "a corrective action's due date"),
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


def _audits(
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
                "audited_on": _iso(_date(audit["audited_on"])),
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


def list_audits(
    ctx: Context, store: QualificationStore, org_slug: str, supplier_id: str | None = None
) -> list[dict[str, Any]]:
    org = _org(ctx, org_slug)
    return _audits(store, org.id, supplier_id=supplier_id)


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
    org = _org(ctx, org_slug)
    row = store.set_action_status(org.id, action_id, value.value, ctx.clock.now())
    return _action(row, _today(ctx))


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
    org = _org(ctx, org_slug)
    today = _today(ctx)
    names = ctx.workspace.supplier_names(org.id)
    chosen = set(supplier_ids) if supplier_ids else None
    messages = []
    for row in store.cases(org.id):
        case = _case(store, org.id, int(row["id"]))
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
        audits = _audits(store, org.id, case_id=case.case_id)
        latest = audits[-1] if audits else None
        actions = [
            _action(a, today)
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


# --- supplier attributes ------------------------------------------------------------------------


def set_supplier_attributes(
    ctx: Context,
    store: QualificationStore,
    org_slug: str,
    supplier_id: str,
    **values: Any,
) -> dict[str, Any]:
    """Record what the buyer knows of a supplier (only the fields given change): ISO 14001 /
    ISO 50001 certificates (bool) and their expiry dates, RBA membership (bool), and shares
    0..1 of training completed, program activities attended, take-back reuse and recycling."""
    unknown = sorted(set(values) - set(ATTRIBUTE_FIELDS))
    if unknown:
        raise InvalidDataError(
            f"unknown supplier attribute(s) {', '.join(unknown)} "
            f"(known: {', '.join(ATTRIBUTE_FIELDS)})"
        )
    org = _org(ctx, org_slug)
    supplier = _supplier(ctx, org.id, supplier_id)
    cleaned: dict[str, Any] = {}
    for key, value in values.items():
        if key.endswith("_expires_on"):
            cleaned[key] = _date(value)
        elif key.endswith("_share"):
            cleaned[key] = None if value is None else float(value)
        else:
            cleaned[key] = None if value is None else bool(value)
    current = store.attributes(org.id).get(supplier["supplier_id"], {})
    merged = {k: current.get(k) for k in ATTRIBUTE_FIELDS} | cleaned
    _attributes(merged)  # checks the shares are fractions
    store.set_attributes(org.id, supplier["supplier_id"], cleaned, ctx.clock.now())
    return {"supplier_id": supplier["supplier_id"], **_public_attributes(merged)}


def _public_attributes(values: Mapping[str, Any]) -> dict[str, Any]:
    return {
        k: _iso(_date(values.get(k))) if k.endswith("_on") else values.get(k)
        for k in ATTRIBUTE_FIELDS
    }


def _attributes(values: Mapping[str, Any] | None) -> SupplierAttributes:
    if not values:
        return SupplierAttributes()

    def flag(key: str) -> bool | None:
        value = values.get(key)
        return None if value is None else bool(value)

    def share(key: str) -> float | None:
        value = values.get(key)
        return None if value is None else float(value)

    return SupplierAttributes(
        iso_14001=flag("iso_14001"),
        iso_14001_expires_on=_date(values.get("iso_14001_expires_on")),
        iso_50001=flag("iso_50001"),
        iso_50001_expires_on=_date(values.get("iso_50001_expires_on")),
        rba_member=flag("rba_member"),
        training_completion_share=share("training_completion_share"),
        participation_share=share("participation_share"),
        takeback_reuse_share=share("takeback_reuse_share"),
        recycling_share=share("recycling_share"),
    )


def list_supplier_attributes(
    ctx: Context, store: QualificationStore, org_slug: str
) -> list[dict[str, Any]]:
    org = _org(ctx, org_slug)
    return [
        {"supplier_id": s, **_public_attributes(v)}
        for s, v in sorted(store.attributes(org.id).items())
    ]


# --- scorecards ----------------------------------------------------------------------------------


def _config(store: QualificationStore, org_id: int) -> ScorecardConfig:
    rows = store.weights(org_id)
    return ScorecardConfig(
        weights={r["indicator"]: float(r["weight"]) for r in rows},
        missing={r["indicator"]: MissingPolicy(r["missing_policy"]) for r in rows},
    )


def set_weights(
    ctx: Context,
    store: QualificationStore,
    org_slug: str,
    weights: Mapping[str, float],
    missing: Mapping[str, str] | None = None,
    *,
    reset: bool = False,
) -> list[dict[str, Any]]:
    """Set the buyer's weights (any scale >= 0) and missing-data policies (``zero`` or
    ``exclude``) per indicator; others keep theirs. ``reset`` goes back to the defaults
    first. Only this buyer's ratings change."""
    org = _org(ctx, org_slug)
    given = {k.strip(): float(v) for k, v in weights.items()}
    policies_given = {k.strip(): v.strip().lower() for k, v in (missing or {}).items()}
    for key, policy in policies_given.items():
        if policy not in {p.value for p in MissingPolicy}:
            raise InvalidDataError(
                f"missing-data policy '{policy}' of '{key}' is not zero or exclude"
            )
    if reset:
        store.clear_weights(org.id)
    current = _config(store, org.id)
    weights_now = dict(current.weights) | given
    policies = {k: current.policy(k).value for k in INDICATOR_KEYS} | policies_given
    ScorecardConfig(weights=weights_now, missing={k: MissingPolicy(v) for k, v in policies.items()})
    store.set_weights(
        org.id,
        {k: (weights_now[k], policies[k]) for k in set(given) | set(policies_given)},
        ctx.clock.now(),
    )
    return get_weights(ctx, store, org_slug)


def get_weights(ctx: Context, store: QualificationStore, org_slug: str) -> list[dict[str, Any]]:
    """Every indicator with the buyer's weight, its share of the total, the missing-data
    policy and how values are normalised."""
    org = _org(ctx, org_slug)
    config = _config(store, org.id)
    total = sum(config.weights.values())
    return [
        {
            "indicator": key,
            "label": indicator(key).label,
            "weight": config.weights[key],
            "default_weight": DEFAULT_WEIGHTS[key],
            "weight_share": config.weights[key] / total,
            "missing_policy": config.policy(key).value,
            "normalisation": indicator(key).normalisation,
        }
        for key in INDICATOR_KEYS
    ]


def _reports(
    ctx: Context,
    org_id: int,
    supplier_id: str,
    rows: Sequence[Mapping[str, Any]] | None = None,
) -> list[SupplierReport]:
    """The supplier's reports with revenue in millions of USD (None when the currency has no
    rate for the year: intensity is then missing, never guessed)."""
    found = []
    if rows is None:
        rows = ctx.workspace.supplier_reports(org_id, supplier_id)
    for row in rows:
        year = int(row["year"])
        revenue: float | None
        try:
            rate_usd = ctx.conversions.usd_per_unit(str(row["currency"]), year)
            revenue = float(row["revenue"]) * rate_usd / 1e6
        except GreenchainError:
            revenue = None
        share, reuse, recycling = (
            None if row.get(k) is None else float(row[k])
            for k in ("renewable_share", "takeback_reuse_share", "recycling_share")
        )
        found.append(
            SupplierReport(
                year=year,
                revenue_million=revenue,
                scope1_t=float(row["scope1_t"]),
                scope2_market_t=float(row["scope2_market_t"]),
                verified=bool(row["verified"]),
                sbt_status=row.get("sbt_status") or "none",
                renewable_share=share,
                takeback_reuse_share=reuse,
                recycling_share=recycling,
            )
        )
    return found


def _as_of(ctx: Context, year: int) -> dt.date:
    """Certificates are judged at the end of the year rated, or today if earlier."""
    return min(_today(ctx), dt.date(year, 12, 31))


def _check_year(year: int) -> None:
    if not 1990 <= year <= 2100:
        raise InvalidDataError(f"year {year} is not a plausible year (1990-2100)")


def _rate_one(
    ctx: Context,
    store: QualificationStore,
    org: OrganisationRecord,
    supplier_id: str,
    year: int,
    config: ScorecardConfig | None = None,
    attributes: Mapping[str, Mapping[str, Any]] | None = None,
    reports: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
) -> Scorecard:
    attrs = attributes if attributes is not None else store.attributes(org.id)
    data = Inputs(
        reports=_reports(
            ctx, org.id, supplier_id, reports.get(supplier_id, []) if reports is not None else None
        ),
        attributes=_attributes(attrs.get(supplier_id)),
        year=year,
        as_of=_as_of(ctx, year),
    )
    return rate(supplier_id, data, config or _config(store, org.id))


def _card_dict(card: Scorecard, supplier: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "supplier_id": card.supplier_id,
        "name": supplier.get("name", card.supplier_id),
        "strategic": bool(supplier.get("strategic", False)),
        "year": card.year,
        "score": card.score,
        "rating": card.rating,
        "coverage": card.coverage,
        "assessed": card.assessed,
        "missing": card.missing,
        "indicators": [
            {
                "indicator": i.key,
                "label": i.label,
                "value": i.value,
                "unit": i.unit,
                "note": i.note,
                "points": i.points,
                "weight": i.weight,
                "weight_share": i.weight_share,
                "contribution": i.contribution,
                "status": i.status,
            }
            for i in card.indicators
        ],
        "improvements": card.improvements(),
    }


def rate_suppliers(
    ctx: Context, store: QualificationStore, org_slug: str, year: int
) -> list[dict[str, Any]]:
    """Every supplier's scorecard for ``year`` with the buyer's weights: score 0..100, rating
    A-E, each indicator's value, points, weight and contribution (contributions add up to the
    score), data gaps, and what would raise the rating. Best first."""
    _check_year(year)
    org = _org(ctx, org_slug)
    config = _config(store, org.id)
    attributes = store.attributes(org.id)
    reports = ctx.workspace.all_supplier_reports(org.id)
    cards = [
        _card_dict(
            _rate_one(ctx, store, org, s["supplier_id"], year, config, attributes, reports), s
        )
        for s in ctx.workspace.list_suppliers(org.id)
    ]
    return sorted(cards, key=lambda c: (-c["score"], c["supplier_id"]))


def supplier_scorecard(
    ctx: Context, store: QualificationStore, org_slug: str, supplier_id: str, year: int
) -> dict[str, Any]:
    _check_year(year)
    org = _org(ctx, org_slug)
    supplier = _supplier(ctx, org.id, supplier_id)
    return _card_dict(_rate_one(ctx, store, org, supplier["supplier_id"], year), supplier)


# --- requirements --------------------------------------------------------------------------------


def _requirement(row: Mapping[str, Any]) -> Requirement:
    return Requirement(
        name=row["name"],
        applies_to=AppliesTo(row["applies_to"]),
        conditions=tuple(Condition.parse(c) for c in row["conditions"]),
        due_on=_required_date(row["due_on"], "due date"),
    )


def _public_requirement(row: Mapping[str, Any]) -> dict[str, Any]:
    req = _requirement(row)
    return {
        "id": row["id"],
        "name": req.name,
        "applies_to": req.applies_to.value,
        "conditions": [str(c) for c in req.conditions],
        "due_on": req.due_on.isoformat(),
    }


def add_requirement(
    ctx: Context,
    store: QualificationStore,
    org_slug: str,
    *,
    name: str,
    conditions: Sequence[str],
    due_on: dt.date,
    applies_to: str = "strategic",
) -> dict[str, Any]:
    """A rule for ``strategic`` (or ``all``) suppliers, e.g. conditions ``sbt:validated`` and
    ``rba_member`` due 2026-12-31 (see ``CONDITION_HELP``)."""
    try:
        scope = AppliesTo(applies_to.strip().lower())
    except ValueError:
        raise InvalidDataError(
            f"a requirement applies to 'all' or 'strategic' suppliers, not '{applies_to}'"
        ) from None
    requirement = Requirement(
        name=name.strip(),
        applies_to=scope,
        conditions=tuple(Condition.parse(c) for c in conditions if c.strip()),
        due_on=due_on,
    )
    org = _org(ctx, org_slug)
    values = {
        "org_id": org.id,
        "name": requirement.name,
        "applies_to": requirement.applies_to.value,
        "conditions": [str(c) for c in requirement.conditions],
        "due_on": requirement.due_on,
        "created_at": ctx.clock.now(),
    }
    requirement_id = store.add_requirement(values)
    return _public_requirement({**values, "id": requirement_id})


def list_requirements(
    ctx: Context, store: QualificationStore, org_slug: str
) -> list[dict[str, Any]]:
    org = _org(ctx, org_slug)
    return [_public_requirement(row) for row in store.requirements(org.id)]


def remove_requirement(ctx: Context, store: QualificationStore, org_slug: str, name: str) -> None:
    org = _org(ctx, org_slug)
    store.remove_requirement(org.id, name.strip())


def _qualifications(store: QualificationStore, org_id: int, today: dt.date) -> dict[str, str]:
    """Each supplier's qualification as of today, from its most recently changed case:
    in_progress, qualified, conditionally_qualified, rejected, expired, or lapsed (validity
    passed)."""
    found: dict[str, tuple[Any, str]] = {}
    for row in store.cases(org_id):
        case = _case(store, org_id, int(row["id"]))
        status = case.status_at(today).value
        if case.needs_requalification(today):
            status = "lapsed"
        key = row["updated_at"]
        previous = found.get(case.supplier_id)
        if previous is None or key >= previous[0]:
            found[case.supplier_id] = (key, status)
    return {s: status for s, (_, status) in found.items()}


def _standings(
    ctx: Context,
    store: QualificationStore,
    org: OrganisationRecord,
    year: int,
    cards: Mapping[str, Mapping[str, Any]],
) -> list[tuple[Mapping[str, Any], Standing]]:
    today = _today(ctx)
    attributes = store.attributes(org.id)
    qualifications = _qualifications(store, org.id, today)
    all_reports = ctx.workspace.all_supplier_reports(org.id)
    result: list[tuple[Mapping[str, Any], Standing]] = []
    for supplier in ctx.workspace.list_suppliers(org.id):
        sid = supplier["supplier_id"]
        reports = [
            r for r in _reports(ctx, org.id, sid, all_reports.get(sid, [])) if r.year <= year
        ]
        latest = max(reports, key=lambda r: r.year) if reports else None
        attrs = _attributes(attributes.get(sid))
        result.append(
            (
                supplier,
                Standing(
                    supplier_id=sid,
                    strategic=bool(supplier.get("strategic")),
                    sbt_status=latest.sbt_status if latest else None,
                    rba_member=attrs.rba_member,
                    iso_14001=attrs.certificate_valid("iso_14001", today),
                    iso_50001=attrs.certificate_valid("iso_50001", today),
                    verified=latest.verified if latest else None,
                    renewable_share=latest.renewable_share if latest else None,
                    qualification=qualifications.get(sid),
                    rating=cards[sid]["rating"] if sid in cards else None,
                ),
            )
        )
    return result


def compliance(
    ctx: Context,
    store: QualificationStore,
    org_slug: str,
    year: int | None = None,
    *,
    cards: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Who meets each requirement, who does not, and why: one row per requirement and
    supplier it applies to (reported data up to ``year``, default this year; certificates
    and memberships as recorded today; ratings of ``year``, given as ``cards`` by supplier
    when the caller has them)."""
    year = year or _today(ctx).year
    _check_year(year)
    org = _org(ctx, org_slug)
    requirements = [_requirement(r) for r in store.requirements(org.id)]
    if not requirements:
        return []
    if cards is None:
        cards = {c["supplier_id"]: c for c in rate_suppliers(ctx, store, org_slug, year)}
    today = _today(ctx)
    standings = _standings(ctx, store, org, year, cards)
    rows = []
    for requirement in requirements:
        for supplier, standing in standings:
            result = check_requirement(requirement, standing, today)
            if result is None:
                continue
            rows.append(
                {
                    "requirement": result.requirement,
                    "supplier_id": result.supplier_id,
                    "name": supplier.get("name", result.supplier_id),
                    "strategic": standing.strategic,
                    "status": result.status,
                    "meets": result.meets,
                    "reasons": list(result.reasons),
                    "due_on": result.due_on.isoformat(),
                    "overdue": result.overdue,
                }
            )
    return rows


# --- sourcing tiers and incentives ---------------------------------------------------------------


def tiers(
    ctx: Context, store: QualificationStore, org_slug: str, year: int
) -> list[dict[str, Any]]:
    """The sourcing tier of every supplier (``TIER_RULES``: rating, qualification, overdue
    requirements) with spend and emissions from the year's calculation run, for export
    (keys ``TIER_COLUMNS``). Incentives granted are listed by kind."""
    _check_year(year)
    org = _org(ctx, org_slug)
    cards = {c["supplier_id"]: c for c in rate_suppliers(ctx, store, org_slug, year)}
    return _tiers(ctx, store, org, year, cards, compliance(ctx, store, org_slug, year, cards=cards))


def _tiers(
    ctx: Context,
    store: QualificationStore,
    org: OrganisationRecord,
    year: int,
    cards: Mapping[str, Mapping[str, Any]],
    requirement_rows: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    today = _today(ctx)
    qualifications = _qualifications(store, org.id, today)
    unmet: dict[str, int] = {}
    overdue: dict[str, int] = {}
    for row in requirement_rows:
        if not row["meets"]:
            unmet[row["supplier_id"]] = unmet.get(row["supplier_id"], 0) + 1
            if row["overdue"]:
                overdue[row["supplier_id"]] = overdue.get(row["supplier_id"], 0) + 1
    run = ctx.workspace.latest_run(org.id, year)
    by_supplier = {s["supplier_id"]: s for s in (run.summary.get("by_supplier", []) if run else [])}
    incentives: dict[str, list[str]] = {}
    for item in store.incentives(org.id):
        incentives.setdefault(item["supplier_id"], []).append(item["kind"])
    rows = []
    for supplier in ctx.workspace.list_suppliers(org.id):
        sid = supplier["supplier_id"]
        card = cards[sid]
        qualification = qualifications.get(sid)
        tier, reason = sourcing_tier(
            card["rating"], qualification, overdue.get(sid, 0), card["coverage"]
        )
        emissions = by_supplier.get(sid, {})
        rows.append(
            {
                "supplier_id": sid,
                "name": supplier.get("name", sid),
                "strategic": bool(supplier.get("strategic")),
                "score": round(card["score"], 2),
                "rating": card["rating"],
                "coverage": round(card["coverage"], 4),
                "qualification": qualification or "none",
                "tier": tier.value,
                "reason": reason,
                "unmet_requirements": unmet.get(sid, 0),
                "overdue_requirements": overdue.get(sid, 0),
                "spend_usd": emissions.get("spend_usd"),
                "t_co2e": emissions.get("t_co2e"),
                "incentives": ", ".join(sorted(set(incentives.get(sid, [])))),
            }
        )
    order = {t.value: i for i, t in enumerate(Tier)}
    return sorted(rows, key=lambda r: (order[r["tier"]], -r["score"], r["supplier_id"]))


def tier_rules() -> list[dict[str, str]]:
    """The tier rule table, first match wins."""
    return [{"qualification": q, "ratings": r, "tier": t.value} for q, r, t in TIER_RULES]


def tier_table(rows: Sequence[Mapping[str, Any]]) -> list[list[Any]]:
    """The tier export, header first, one row per supplier (columns ``TIER_COLUMNS``)."""
    return [list(TIER_COLUMNS), *([row[k] for k in TIER_COLUMNS] for row in rows)]


def tier_sheets(rows: Sequence[Mapping[str, Any]], year: int) -> list[tuple[str, list[list[Any]]]]:
    """The sheets of the tier workbook: the tiers of ``year`` and the rule table."""
    rules: list[list[Any]] = [["qualification", "ratings", "tier"]]
    rules += [[r["qualification"], r["ratings"], r["tier"]] for r in tier_rules()]
    return [(f"Tiers {year}", tier_table(rows)), ("Rules", rules)]


def sourcing_overview(
    ctx: Context, store: QualificationStore, org_slug: str, year: int
) -> dict[str, Any]:
    """For charts: suppliers per rating, and suppliers, spend (USD) and emissions (t CO2e) per
    tier."""
    rows = tiers(ctx, store, org_slug, year)
    ratings = dict.fromkeys(RATINGS, 0)
    by_tier: dict[str, dict[str, float]] = {
        t.value: {"suppliers": 0, "spend_usd": 0.0, "t_co2e": 0.0} for t in Tier
    }
    for row in rows:
        ratings[row["rating"]] += 1
        bucket = by_tier[row["tier"]]
        bucket["suppliers"] += 1
        bucket["spend_usd"] += float(row["spend_usd"] or 0.0)
        bucket["t_co2e"] += float(row["t_co2e"] or 0.0)
    return {"year": year, "ratings": ratings, "tiers": by_tier}


def grant_incentive(
    ctx: Context,
    store: QualificationStore,
    org_slug: str,
    *,
    supplier_id: str,
    kind: str,
    reason: str,
    amount: float | None = None,
    currency: str | None = None,
    granted_on: dt.date | None = None,
) -> dict[str, Any]:
    """Record an incentive granted to a supplier (e.g. preferred_volume, or an
    innovation_incentive for a CO2 reduction) with its amount and reason."""
    kind = kind.strip().lower()
    if kind not in INCENTIVE_KINDS:
        raise InvalidDataError(
            f"incentive kind '{kind}' is not one of {', '.join(INCENTIVE_KINDS)}"
        )
    if amount is not None and not (math.isfinite(amount) and amount >= 0):
        raise InvalidDataError(f"amount {amount} must be >= 0")
    code = currency.strip().upper() if currency else None
    if code is not None and (len(code) != 3 or not code.isalpha()):
        raise InvalidDataError(f"currency '{currency}' is not an ISO 4217 code such as USD")
    if amount is not None and code is None and kind != "preferred_volume":
        raise InvalidDataError("give the currency of the amount")
    org = _org(ctx, org_slug)
    supplier = _supplier(ctx, org.id, supplier_id)
    values = {
        "org_id": org.id,
        "supplier_id": supplier["supplier_id"],
        "kind": kind,
        "amount": amount,
        "currency": code,
        "reason": _nonempty(reason, "the reason"),
        "granted_on": granted_on or _today(ctx),
        "created_at": ctx.clock.now(),
    }
    incentive_id = store.add_incentive(values)
    return _public_incentive({**values, "id": incentive_id})


def _public_incentive(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "supplier_id": row["supplier_id"],
        "kind": row["kind"],
        "amount": row["amount"],
        "currency": row["currency"],
        "reason": row["reason"],
        "granted_on": _iso(_date(row["granted_on"])),
    }


def list_incentives(
    ctx: Context, store: QualificationStore, org_slug: str, supplier_id: str | None = None
) -> list[dict[str, Any]]:
    org = _org(ctx, org_slug)
    return [_public_incentive(r) for r in store.incentives(org.id, supplier_id)]


# --- a supplier's own view -----------------------------------------------------------------------


def supplier_view(
    ctx: Context, store: QualificationStore, org_slug: str, supplier_id: str, year: int
) -> dict[str, Any]:
    """What one supplier of the buyer may see: its own cases, scorecard with gaps and what
    would raise it, requirement results and tier; nothing about other suppliers."""
    org = _org(ctx, org_slug)
    supplier = _supplier(ctx, org.id, supplier_id)
    sid = supplier["supplier_id"]
    cases = [
        get_case(ctx, store, org_slug, int(c["id"]))
        for c in store.cases(org.id)
        if c["supplier_id"] == sid
    ]
    _check_year(year)
    cards = {c["supplier_id"]: c for c in rate_suppliers(ctx, store, org_slug, year)}
    requirement_rows = compliance(ctx, store, org_slug, year, cards=cards)
    tier = next(
        r for r in _tiers(ctx, store, org, year, cards, requirement_rows) if r["supplier_id"] == sid
    )
    return {
        "supplier_id": sid,
        "name": supplier.get("name", sid),
        "cases": cases,
        "scorecard": supplier_scorecard(ctx, store, org_slug, sid, year),
        "requirements": [r for r in requirement_rows if r["supplier_id"] == sid],
        "tier": {k: tier[k] for k in ("tier", "reason")},
        "incentives": list_incentives(ctx, store, org_slug, sid),
    }


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


def record_audit_for(
    ctx: Context, principal: Principal, store: QualificationStore, org_slug: str, **kwargs: Any
) -> dict[str, Any]:
    principal.membership(org_slug, Role.ANALYST)
    return record_audit(ctx, store, org_slug, **kwargs)


def set_weights_for(
    ctx: Context,
    principal: Principal,
    store: QualificationStore,
    org_slug: str,
    weights: Mapping[str, float],
    missing: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    principal.membership(org_slug, Role.ANALYST)
    return set_weights(ctx, store, org_slug, weights, missing)


def list_cases_for(
    ctx: Context, principal: Principal, store: QualificationStore, org_slug: str, **kwargs: Any
) -> list[dict[str, Any]]:
    principal.membership(org_slug)
    return list_cases(ctx, store, org_slug, **kwargs)


def rate_suppliers_for(
    ctx: Context, principal: Principal, store: QualificationStore, org_slug: str, year: int
) -> list[dict[str, Any]]:
    principal.membership(org_slug)
    return rate_suppliers(ctx, store, org_slug, year)


def compliance_for(
    ctx: Context,
    principal: Principal,
    store: QualificationStore,
    org_slug: str,
    year: int | None = None,
) -> list[dict[str, Any]]:
    principal.membership(org_slug)
    return compliance(ctx, store, org_slug, year)


def tiers_for(
    ctx: Context, principal: Principal, store: QualificationStore, org_slug: str, year: int
) -> list[dict[str, Any]]:
    principal.membership(org_slug)
    return tiers(ctx, store, org_slug, year)


def grant_incentive_for(
    ctx: Context, principal: Principal, store: QualificationStore, org_slug: str, **kwargs: Any
) -> dict[str, Any]:
    principal.membership(org_slug, Role.ANALYST)
    return grant_incentive(ctx, store, org_slug, **kwargs)


def announce_preliminary_results_for(
    ctx: Context, principal: Principal, store: QualificationStore, org_slug: str, **kwargs: Any
) -> list[dict[str, Any]]:
    principal.membership(org_slug, Role.ANALYST)
    return announce_preliminary_results(ctx, store, org_slug, **kwargs)
