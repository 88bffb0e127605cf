"""Demo data for green supplier qualification: a program with suppliers at every stage, audits
with findings and corrective actions, supplier attributes, the strategic-supplier requirement
and incentives. Deterministic (no randomness); only the qualification use cases are called."""

from __future__ import annotations

import datetime as dt
from typing import Any

from greenchain.domain.errors import NotFoundError
from greenchain.domain.qualification import GREEN_SUPPLY_CHAIN
from greenchain.services import audits as audit_service
from greenchain.services import qualification as service
from greenchain.services import scorecards as scorecard_service
from greenchain.services import sourcing as sourcing_service
from greenchain.services.context import Context
from greenchain.services.ports import QualificationStore

PROGRAM = "Green supply chain"
WHO = "procurement@demo"
DOCS = ("company profile", "environmental policy")
# Items passed per audit profile: 13/16 (81.25) and 10/16 (62.5); a failing one 6/16 (37.5).
STRONG_FAILS = {"GS4", "GM4", "ED2"}
FAIR_PASSES = {"GD1", "GD2", "GD3", "GD4", "GS1", "GS2", "GM1", "GM2", "GM3", "ED1"}
WEAK_PASSES = {"GD1", "GD2", "GS1", "GM2", "GM3", "ED1"}
# Stage reached by the suppliers of each slot, in the order of the buyer's supplier list.
PLAN: tuple[tuple[str, int], ...] = (
    ("application", 2),
    ("preliminary_audit", 3),
    ("training", 2),
    ("final_evaluation", 2),
    ("decision", 1),
    ("qualified", 3),
    ("conditionally_qualified", 2),
    ("rejected", 2),
)


def _results(passes: set[str] | None = None, fails: set[str] | None = None) -> dict[str, bool]:
    codes = GREEN_SUPPLY_CHAIN.codes
    if passes is not None:
        return {c: c in passes for c in codes}
    return {c: c not in (fails or set()) for c in codes}


def _attributes(index: int) -> dict[str, Any]:
    """A deterministic mix of certificates, memberships and rates for the index-th supplier."""
    values: dict[str, Any] = {
        "iso_14001": index % 3 != 2,
        "iso_50001": index % 4 == 0,
        "rba_member": index % 2 == 0,
        "training_completion_share": (1.0, 0.75, 0.5, 1.0, 0.25)[index % 5],
        "participation_share": (1.0, 0.5, 0.0, 0.75)[index % 4],
    }
    if values["iso_14001"]:
        values["iso_14001_expires_on"] = dt.date(2027 + index % 3, 6, 30)
    if values["iso_50001"]:
        values["iso_50001_expires_on"] = dt.date(2026 + index % 2, 12, 31)
    if index % 3 == 0:
        values["takeback_reuse_share"] = 0.1 + 0.05 * (index % 7)
        values["recycling_share"] = 0.4 + 0.05 * (index % 9)
    return values


def _audit(
    ctx: Context,
    store: QualificationStore,
    buyer: str,
    case: dict[str, Any],
    number: int,
    on: dt.date,
) -> None:
    """A passing preliminary audit: every other one with a major finding and its action."""
    findings: list[dict[str, Any]] = [
        {
            "item_code": "ED2",
            "severity": "minor",
            "description": "emissions data not yet verified by a third party",
        }
    ]
    if number % 2 == 0:
        findings.append(
            {
                "item_code": "GM4",
                "severity": "major",
                "description": "no renewable electricity purchased",
                "action_description": "sign a renewable electricity contract (PPA or EACs)",
                "owner": "plant energy manager",
                "due_on": on + dt.timedelta(days=120),
            }
        )
    audit_service.record_audit(
        ctx,
        store,
        buyer,
        supplier_id=case["supplier_id"],
        auditor="Green Audit Partners",
        audited_on=on,
        results=_results(fails=STRONG_FAILS) if number % 2 else _results(passes=FAIR_PASSES),
        findings=findings,
        evidence=[f"audit-{case['supplier_id']}.pdf"],
        case_id=int(case["id"]),
    )


def _walk(
    ctx: Context,
    store: QualificationStore,
    buyer: str,
    supplier_id: str,
    target: str,
    number: int,
) -> None:
    """Open a case for the supplier and take it to ``target`` (a stage or an outcome)."""
    today = ctx.clock.now().date()
    applied = today - dt.timedelta(days=20 + 7 * (number % 12))
    case = service.open_qualification(
        ctx, store, buyer, supplier_id=supplier_id, who=WHO, applied_on=applied
    )
    case_id = int(case["id"])
    if target == "application":
        return
    if target == "rejected" and number % 2 == 0:
        audit_service.record_audit(
            ctx,
            store,
            buyer,
            supplier_id=supplier_id,
            auditor="Green Audit Partners",
            audited_on=today,
            results=_results(passes=WEAK_PASSES),
            findings=[
                {
                    "item_code": "GM2",
                    "severity": "critical",
                    "description": "wastewater discharged without a permit",
                    "action_description": "stop the discharge and apply for a permit",
                    "owner": "site director",
                    "due_on": today + dt.timedelta(days=30),
                }
            ],
            case_id=case_id,
        )
        service.decide_case(
            ctx,
            store,
            buyer,
            case_id,
            outcome="rejected",
            who=WHO,
            why="critical finding in the preliminary audit",
        )
        return
    service.advance_case(
        ctx,
        store,
        buyer,
        case_id,
        to_stage="preliminary_audit",
        who=WHO,
        why="application complete",
        documents=DOCS,
    )
    _audit(ctx, store, buyer, case, number, today)
    if target == "preliminary_audit":
        return
    if target == "rejected":
        service.decide_case(
            ctx,
            store,
            buyer,
            case_id,
            outcome="rejected",
            who=WHO,
            why="did not take part in the training",
        )
        return
    service.advance_case(
        ctx, store, buyer, case_id, to_stage="training", who=WHO, why="preliminary audit passed"
    )
    if target == "training":
        return
    service.advance_case(
        ctx,
        store,
        buyer,
        case_id,
        to_stage="final_evaluation",
        who=WHO,
        why="green supply chain training completed",
        training_completed=True,
    )
    if target == "final_evaluation":
        return
    score = 62.0 + 3 * (number % 8)
    service.advance_case(
        ctx,
        store,
        buyer,
        case_id,
        to_stage="decision",
        who=WHO,
        why="final evaluation passed",
        score=score,
    )
    if target == "decision":
        return
    if target == "qualified":
        service.decide_case(
            ctx, store, buyer, case_id, outcome="qualified", who=WHO, why="all requirements met"
        )
        return
    service.decide_case(
        ctx,
        store,
        buyer,
        case_id,
        outcome="conditionally_qualified",
        who=WHO,
        why="qualified once the corrective actions are done",
        corrective_actions=[
            {
                "description": "publish a verified Scope 1 and 2 inventory",
                "owner": "sustainability lead",
                "due_on": today + dt.timedelta(days=180),
            }
        ],
    )


def seed_qualification_demo(ctx: Context, buyer_slug: str, supplier_org_slug: str) -> None:
    """The buyer's default program with suppliers at every stage and outcome, attributes for
    about 40 suppliers, the strategic-supplier requirement, incentives and the preliminary
    results; the supplier record operated by ``supplier_org_slug`` (if linked) gets a case and
    attributes so that its users see something."""
    store = ctx.qualification
    if store is None:
        return
    buyer = ctx.workspace.get_org(buyer_slug)
    suppliers = sorted(s["supplier_id"] for s in ctx.workspace.list_suppliers(buyer.id))
    linked = None
    try:
        supplier_org = ctx.workspace.get_org(supplier_org_slug)
        linked = next(
            (
                str(c["supplier_id"])
                for c in ctx.workspace.customers_of(supplier_org.id)
                if c["buyer"] == buyer_slug
            ),
            None,
        )
    except NotFoundError:
        linked = None
    if not service.list_programs(ctx, store, buyer_slug):
        service.add_program(ctx, store, buyer_slug, name=PROGRAM)
    ordered = ([linked] if linked in suppliers else []) + [s for s in suppliers if s != linked]
    slots = [target for target, count in PLAN for _ in range(count)]
    # The linked supplier is at the training stage: a case with an audit, findings and a
    # corrective action, and requirements still ahead.
    if linked in suppliers:
        slots.insert(0, "training")
    outcome = dict(zip(ordered, slots, strict=False))
    for index, supplier_id in enumerate(ordered[:40]):
        values = _attributes(index)
        if outcome.get(supplier_id) in ("qualified", "conditionally_qualified"):
            # a supplier that passed the audit holds what the audit checked
            values |= {"iso_14001": True, "iso_14001_expires_on": dt.date(2028, 6, 30),
                       "iso_50001": True, "iso_50001_expires_on": dt.date(2028, 6, 30),
                       "rba_member": True, "training_completion_share": 1.0,
                       "participation_share": 1.0}  # fmt: skip
        scorecard_service.set_supplier_attributes(ctx, store, buyer_slug, supplier_id, **values)
    for number, (supplier_id, target) in enumerate(zip(ordered, slots, strict=False)):
        _walk(ctx, store, buyer_slug, supplier_id, target, number)
    sourcing_service.add_requirement(
        ctx,
        store,
        buyer_slug,
        name="Strategic suppliers: validated science-based target and RBA membership",
        conditions=["sbt:validated", "rba_member"],
        due_on=dt.date(2026, 12, 31),
        applies_to="strategic",
    )
    qualified = [s for s, t in zip(ordered, slots, strict=False) if t == "qualified"]
    if qualified:
        # more volume goes to the best-rated qualified supplier
        year = ctx.clock.now().year - 1
        qualified.sort(
            key=lambda s: (
                -scorecard_service.supplier_scorecard(ctx, store, buyer_slug, s, year)["score"]
            )
        )
        sourcing_service.grant_incentive(
            ctx,
            store,
            buyer_slug,
            supplier_id=qualified[0],
            kind="preferred_volume",
            reason="qualified in the green supply chain: 10 % more volume in the next tender",
        )
        sourcing_service.grant_incentive(
            ctx,
            store,
            buyer_slug,
            supplier_id=qualified[-1],
            kind="innovation_incentive",
            reason="CO2 reduction of its wafer cleaning process",
            amount=50_000.0,
            currency="USD",
        )


__all__ = ["seed_qualification_demo"]
