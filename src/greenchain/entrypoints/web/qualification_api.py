"""The JSON API of green supplier qualification (``api_router``): programs, cases through their
stages, audits and announcements for a buyer; its own cases and rating for a supplier."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from greenchain.domain.access import Role
from greenchain.domain.errors import NotFoundError
from greenchain.domain.qualification import (
    DEFAULT_VALIDITY_DAYS,
    DEFAULT_WINDOW_DAYS,
    GREEN_SUPPLY_CHAIN,
)
from greenchain.entrypoints.web.api import ERRORS
from greenchain.entrypoints.web.deps import CtxDep, PrincipalDep
from greenchain.entrypoints.web.qualification import (
    YearQuery,
    _case_of,
    _member,
    _store,
    _supplier_side,
    _year,
)
from greenchain.services import audits as audit_service
from greenchain.services import qualification as service
from greenchain.services import scorecards as scorecard_service
from greenchain.services import sourcing as sourcing_service

api_router = APIRouter(prefix="/api/v1", tags=["qualification"])

# --- bodies --------------------------------------------------------------------------------------


class StageIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    documents: list[str] = Field(default_factory=list, max_length=50)
    audit_checklist: str | None = Field(None, max_length=100)
    training_required: bool = False
    minimum_score: float | None = Field(None, ge=0, le=100)


class ProgramIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    stages: list[StageIn] | None = Field(
        None,
        max_length=20,
        description="Default: application, preliminary_audit, training, final_evaluation, decision",
    )
    window_days: int = Field(DEFAULT_WINDOW_DAYS, ge=1, le=3660)
    validity_days: int = Field(DEFAULT_VALIDITY_DAYS, ge=1, le=36600)


class OpenIn(BaseModel):
    supplier_id: str = Field(min_length=1, max_length=64)
    program: str | None = Field(None, max_length=200)
    why: str = Field("application received", min_length=1, max_length=2000)
    applied_on: dt.date | None = None


class AdvanceIn(BaseModel):
    to_stage: str = Field(min_length=1, max_length=100, description="The next stage only")
    why: str = Field(min_length=1, max_length=2000)
    program: str | None = Field(None, max_length=200)
    documents: list[str] = Field(default_factory=list, max_length=50)
    training_completed: bool | None = Field(
        None, description="Default: the supplier's recorded training completion is 100 %"
    )
    score: float | None = Field(None, ge=0, le=100, description="Evaluation score 0..100")
    references: list[str] = Field(default_factory=list, max_length=50)
    year: int | None = Field(None, ge=1990, le=2100, description="Scorecard year for the score")


class ActionIn(BaseModel):
    description: str = Field(min_length=1, max_length=2000)
    owner: str = Field(min_length=1, max_length=200)
    due_on: dt.date


class DecideIn(BaseModel):
    outcome: str = Field(description="qualified, conditionally_qualified or rejected")
    why: str = Field(min_length=1, max_length=2000)
    program: str | None = Field(None, max_length=200)
    corrective_actions: list[ActionIn] = Field(default_factory=list, max_length=100)
    documents: list[str] = Field(default_factory=list, max_length=50)
    score: float | None = Field(None, ge=0, le=100)
    references: list[str] = Field(default_factory=list, max_length=50)
    year: int | None = Field(None, ge=1990, le=2100)


class RequalifyIn(BaseModel):
    why: str = Field(min_length=1, max_length=2000)
    program: str | None = Field(None, max_length=200)
    on_demand: bool = Field(False, description="Before the qualification's validity ends")


class FindingIn(BaseModel):
    item_code: str = Field(min_length=1, max_length=20)
    severity: str = Field(description="minor, major or critical")
    description: str = Field(min_length=1, max_length=2000)
    action_description: str | None = Field(None, max_length=2000)
    owner: str | None = Field(None, max_length=200)
    due_on: dt.date | None = None


class AuditIn(BaseModel):
    supplier_id: str = Field(min_length=1, max_length=64)
    audited_on: dt.date
    results: dict[str, bool] = Field(description="Every checklist item: passed or not")
    findings: list[FindingIn] = Field(default_factory=list, max_length=200)
    evidence: list[str] = Field(default_factory=list, max_length=100)
    auditor: str | None = Field(None, max_length=200, description="Default: you")
    program: str | None = Field(None, max_length=200, description="The case audited")
    checklist: str = Field("green_supply_chain", max_length=100)


class AnnounceIn(BaseModel):
    program: str | None = Field(None, max_length=200)
    supplier_ids: list[str] | None = Field(None, max_length=5000)


class AttributesIn(BaseModel):
    """Only the fields given change; null clears a field (not recorded)."""

    iso_14001: bool | None = None
    iso_14001_expires_on: dt.date | None = None
    iso_50001: bool | None = None
    iso_50001_expires_on: dt.date | None = None
    rba_member: bool | None = None
    training_completion_share: float | None = Field(None, ge=0, le=1)
    participation_share: float | None = Field(None, ge=0, le=1)
    takeback_reuse_share: float | None = Field(None, ge=0, le=1)
    recycling_share: float | None = Field(None, ge=0, le=1)


# --- API: programs, cases, audits ----------------------------------------------------------------


@api_router.get("/orgs/{org}/qualification/programs", responses=ERRORS)
def programs_list(org: str, ctx: CtxDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    return service.list_programs(ctx, _member(ctx, principal, org), org)


@api_router.post("/orgs/{org}/qualification/programs", status_code=201, responses=ERRORS)
def programs_add(org: str, body: ProgramIn, ctx: CtxDep, principal: PrincipalDep) -> dict[str, Any]:
    """Set up a qualification program (analysts): stages, window and validity in days."""
    return service.add_program_for(
        ctx,
        principal,
        _store(ctx),
        org,
        name=body.name,
        stages=[s.model_dump() for s in body.stages] if body.stages else None,
        window_days=body.window_days,
        validity_days=body.validity_days,
    )


@api_router.get("/orgs/{org}/qualification/cases", responses=ERRORS)
def cases_list(
    org: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    status: Annotated[str | None, Query(max_length=40)] = None,
    stage: Annotated[str | None, Query(max_length=100)] = None,
    supplier_id: Annotated[str | None, Query(max_length=64)] = None,
) -> list[dict[str, Any]]:
    """The cases with their status as of today (``expired`` once the window passed)."""
    return service.list_cases_for(
        ctx, principal, _store(ctx), org, status=status, stage=stage, supplier_id=supplier_id
    )


@api_router.post("/orgs/{org}/qualification/cases", status_code=201, responses=ERRORS)
def cases_open(org: str, body: OpenIn, ctx: CtxDep, principal: PrincipalDep) -> dict[str, Any]:
    """Open a supplier's qualification at the program's first stage (analysts)."""
    return service.open_qualification_for(
        ctx,
        principal,
        _store(ctx),
        org,
        supplier_id=body.supplier_id,
        who=principal.email,
        program=body.program,
        why=body.why,
        applied_on=body.applied_on,
    )


@api_router.get("/orgs/{org}/qualification/suppliers/{supplier_id}", responses=ERRORS)
def supplier_cases(
    org: str, supplier_id: str, ctx: CtxDep, principal: PrincipalDep
) -> dict[str, Any]:
    """A supplier's qualification cases, each with its transitions (who, when, why, evidence),
    audits, corrective actions and what the current stage still requires."""
    store = _member(ctx, principal, org)
    org_id = ctx.workspace.get_org(org).id
    found = ctx.workspace.get_supplier(org_id, supplier_id)
    cases = service.list_cases(ctx, store, org, supplier_id=found["supplier_id"])
    return {
        "supplier_id": found["supplier_id"],
        "name": found.get("name", found["supplier_id"]),
        "cases": [service.get_case(ctx, store, org, int(c["id"])) for c in cases],
    }


@api_router.post("/orgs/{org}/qualification/suppliers/{supplier_id}/advance", responses=ERRORS)
def supplier_advance(
    org: str, supplier_id: str, body: AdvanceIn, ctx: CtxDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Move the supplier's case to its next stage (no skipping; the current stage's
    requirements are checked). You are recorded as who made the change."""
    store = _member(ctx, principal, org, Role.ANALYST)
    case_id = _case_of(ctx, store, org, supplier_id, body.program)
    return service.advance_case_for(
        ctx,
        principal,
        store,
        org,
        case_id,
        to_stage=body.to_stage,
        who=principal.email,
        why=body.why,
        documents=body.documents,
        training_completed=body.training_completed,
        score=body.score,
        references=body.references,
        year=body.year,
    )


@api_router.post("/orgs/{org}/qualification/suppliers/{supplier_id}/decide", responses=ERRORS)
def supplier_decide(
    org: str, supplier_id: str, body: DecideIn, ctx: CtxDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Decide: qualified, conditionally_qualified (with corrective actions) or rejected."""
    store = _member(ctx, principal, org, Role.ANALYST)
    case_id = _case_of(ctx, store, org, supplier_id, body.program)
    return service.decide_case_for(
        ctx,
        principal,
        store,
        org,
        case_id,
        outcome=body.outcome,
        who=principal.email,
        why=body.why,
        corrective_actions=[a.model_dump() for a in body.corrective_actions],
        documents=body.documents,
        score=body.score,
        references=body.references,
        year=body.year,
    )


@api_router.post("/orgs/{org}/qualification/suppliers/{supplier_id}/requalify", responses=ERRORS)
def supplier_requalify(
    org: str, supplier_id: str, body: RequalifyIn, ctx: CtxDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Start the next cycle (after the validity, on demand, or after a rejection or expiry)."""
    store = _member(ctx, principal, org, Role.ANALYST)
    case_id = _case_of(ctx, store, org, supplier_id, body.program)
    return service.requalify_case(
        ctx, store, org, case_id, who=principal.email, why=body.why, on_demand=body.on_demand
    )


@api_router.put("/orgs/{org}/qualification/suppliers/{supplier_id}/attributes", responses=ERRORS)
def supplier_attributes_set(
    org: str, supplier_id: str, body: AttributesIn, ctx: CtxDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Record certificates, RBA membership, training, participation and circularity rates."""
    store = _member(ctx, principal, org, Role.ANALYST)
    return scorecard_service.set_supplier_attributes(
        ctx, store, org, supplier_id, **body.model_dump(exclude_unset=True)
    )


@api_router.get("/orgs/{org}/qualification/attributes", responses=ERRORS)
def attributes_list(org: str, ctx: CtxDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    return scorecard_service.list_supplier_attributes(ctx, _member(ctx, principal, org), org)


def _checklist() -> dict[str, Any]:
    return {
        "name": GREEN_SUPPLY_CHAIN.name,
        "pillar_weights": {p.value: w for p, w in GREEN_SUPPLY_CHAIN.pillar_weights.items()},
        "items": [
            {"code": i.code, "pillar": i.pillar.value, "text": i.text}
            for i in GREEN_SUPPLY_CHAIN.items
        ],
    }


@api_router.get("/orgs/{org}/qualification/checklist", responses=ERRORS)
def checklist(org: str, ctx: CtxDep, principal: PrincipalDep) -> dict[str, Any]:
    """The built-in green supply chain audit checklist (four pillars of four items)."""
    _member(ctx, principal, org)
    return _checklist()


@api_router.get("/orgs/{org}/qualification/audits", responses=ERRORS)
def audits_list(
    org: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    supplier_id: Annotated[str | None, Query(max_length=64)] = None,
) -> list[dict[str, Any]]:
    return audit_service.list_audits(ctx, _member(ctx, principal, org), org, supplier_id)


@api_router.post("/orgs/{org}/qualification/audits", status_code=201, responses=ERRORS)
def audits_record(org: str, body: AuditIn, ctx: CtxDep, principal: PrincipalDep) -> dict[str, Any]:
    """Record an audit on a checklist with findings and their corrective actions; the audit
    counts for the supplier's case (in ``program`` when it has several)."""
    store = _member(ctx, principal, org, Role.ANALYST)
    case_id: int | None
    try:
        case_id = _case_of(ctx, store, org, body.supplier_id, body.program)
    except NotFoundError:
        if body.program is not None:
            raise
        case_id = None
    return audit_service.record_audit_for(
        ctx,
        principal,
        store,
        org,
        supplier_id=body.supplier_id,
        auditor=body.auditor or principal.email,
        audited_on=body.audited_on,
        results=body.results,
        findings=[f.model_dump(exclude_none=True) for f in body.findings],
        evidence=body.evidence,
        case_id=case_id,
        checklist=body.checklist,
    )


@api_router.post("/orgs/{org}/qualification/announcements", responses=ERRORS)
def announcements(
    org: str, body: AnnounceIn, ctx: CtxDep, principal: PrincipalDep
) -> list[dict[str, Any]]:
    """Preliminary results for every supplier past its audit stage (or those named): the
    audit score and findings, open corrective actions and what final qualification needs."""
    return audit_service.announce_preliminary_results_for(
        ctx, principal, _store(ctx), org, program=body.program, supplier_ids=body.supplier_ids
    )


# --- API: the supplier's own view ----------------------------------------------------------------

Buyer = Annotated[str, Query(min_length=2, max_length=63, description="The customer (slug)")]


@api_router.get("/orgs/{org}/customers/qualification", responses=ERRORS)
def my_qualification(
    org: str, buyer: Buyer, ctx: CtxDep, principal: PrincipalDep, year: YearQuery = None
) -> dict[str, Any]:
    """For a supplier organisation: its qualification with the customer ``buyer`` (cases with
    transitions, requirements it meets or not, tier, incentives); never another supplier's."""
    store, supplier_id = _supplier_side(ctx, principal, org, buyer)
    view = sourcing_service.supplier_view(ctx, store, buyer, supplier_id, _year(ctx, year))
    return {"buyer": buyer} | {k: v for k, v in view.items() if k != "scorecard"}


@api_router.get("/orgs/{org}/customers/rating", responses=ERRORS)
def my_rating(
    org: str, buyer: Buyer, ctx: CtxDep, principal: PrincipalDep, year: YearQuery = None
) -> dict[str, Any]:
    """For a supplier organisation: its own scorecard with the customer ``buyer`` (each
    indicator's contribution, data gaps, what would raise the rating)."""
    store, supplier_id = _supplier_side(ctx, principal, org, buyer)
    card = scorecard_service.supplier_scorecard(ctx, store, buyer, supplier_id, _year(ctx, year))
    return {"buyer": buyer} | card


__all__ = ["api_router"]
