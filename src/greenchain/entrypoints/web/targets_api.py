"""The JSON API of targets (``api_router``): targets with their SBTi checks and progress, the
emissions history, carbon credits, the what-if roadmap and its saved scenarios."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from greenchain.domain.access import Role
from greenchain.domain.targets import (
    EngagementBasis,
    ProjectType,
    Scope,
    TargetKind,
)
from greenchain.entrypoints.web.api import ERRORS
from greenchain.entrypoints.web.deps import CtxDep, PrincipalDep
from greenchain.entrypoints.web.roadmap import (
    RoadmapLevers,
    roadmap,
)
from greenchain.entrypoints.web.targets import YearQuery, _member, _this_year
from greenchain.services import targets as target_service

api_router = APIRouter(prefix="/api/v1", tags=["targets"])

# --- bodies ----------------------------------------------------------------------------------


class MilestoneIn(BaseModel):
    year: int = Field(ge=1990, le=2100)
    value: float = Field(ge=0, le=1, description="Reduction or share reached by the year, 0..1")


class TargetIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    kind: TargetKind
    scopes: list[Scope] = Field(min_length=1, max_length=3)
    base_year: int = Field(ge=1990, le=2100)
    target_year: int = Field(ge=1990, le=2100)
    reduction: float | None = Field(
        None, gt=0, le=1, description="Fraction cut from the base year (0.42 = 42 %)"
    )
    target_share: float | None = Field(
        None, gt=0, le=1, description="Share to reach (supplier engagement, renewables)"
    )
    denominator: str | None = Field(
        None, min_length=1, max_length=100, description="'revenue' or a physical unit"
    )
    coverage: float = Field(1.0, gt=0, le=1, description="Share of the scopes' emissions")
    engagement_basis: EngagementBasis | None = None
    base_share: float = Field(0.0, ge=0, lt=1)
    neutralise_residual: bool = False
    submitted_year: int | None = Field(None, ge=1990, le=2100)
    milestones: list[MilestoneIn] = Field(default_factory=list, max_length=50)


class HistoryIn(BaseModel):
    year: int = Field(ge=1990, le=2100)
    scope: Scope
    t_co2e: float = Field(ge=0, le=1e12, description="The scope's total, t CO2e")
    source: str = Field("entered", max_length=200, description="Where the figure comes from")


class RevenueIn(BaseModel):
    year: int = Field(ge=1990, le=2100)
    revenue: float = Field(gt=0, le=1e15, description="In currency units, not millions")
    currency: str = Field(pattern="^[A-Za-z]{3}$", description="ISO 4217 code, e.g. USD")


class CreditIn(BaseModel):
    registry: str = Field(min_length=1, max_length=100)
    serial_start: int = Field(ge=0, le=10**15)
    serial_end: int = Field(ge=0, le=10**15)
    vintage: int = Field(ge=1990, le=2100)
    project_type: ProjectType
    standard: str = Field(min_length=1, max_length=100, description="e.g. VCS, Gold Standard")
    quantity_t: float = Field(ge=0.001, le=1e12, description="t CO2e (1 credit = 1 t)")
    retired_for: str = Field(min_length=1, max_length=500, description="Beneficiary or claim")
    corresponding_adjustment: bool | None = Field(
        default=None, description="The host country applied a corresponding adjustment"
    )
    location: str | None = Field(
        default=None, max_length=20, description="EU, non-EU, or the project's country (ISO)"
    )
    cancelled_on: dt.date | None = Field(
        default=None,
        description="Date the registry cancelled the block (default today); ESRS E1-7 "
        "reports the credits cancelled in the reporting year",
    )


# --- API -------------------------------------------------------------------------------------


@api_router.get("/orgs/{org}/targets", responses=ERRORS)
def targets_list(
    org: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    include_removed: Annotated[bool, Query(description="Also withdrawn targets")] = False,
) -> list[dict[str, Any]]:
    """The organisation's current targets (fractions 0..1), oldest first."""
    store = _member(ctx, principal, org)
    return target_service.list_targets(ctx, store, org, include_removed=include_removed)


@api_router.post("/orgs/{org}/targets", status_code=201, responses=ERRORS)
def targets_add(org: str, body: TargetIn, ctx: CtxDep, principal: PrincipalDep) -> dict[str, Any]:
    """Set a target (analysts); it is recorded in the transparency log."""
    store = _member(ctx, principal, org, Role.ANALYST)
    return target_service.add_target(
        ctx,
        store,
        org,
        name=body.name,
        kind=body.kind.value,
        scopes=[s.value for s in body.scopes],
        base_year=body.base_year,
        target_year=body.target_year,
        reduction=body.reduction,
        target_share=body.target_share,
        denominator=body.denominator,
        coverage=body.coverage,
        engagement_basis=body.engagement_basis.value if body.engagement_basis else None,
        base_share=body.base_share,
        neutralise_residual=body.neutralise_residual,
        submitted_year=body.submitted_year,
        milestones=[(m.year, m.value) for m in body.milestones],
    )


@api_router.delete("/orgs/{org}/targets", responses=ERRORS)
def targets_remove(
    org: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    name: Annotated[str, Query(min_length=1, max_length=200, description="Target name")],
) -> dict[str, Any]:
    """Withdraw a current target (analysts); the record is kept with its removal time.

    The name travels in the query (``?name=``) because target names are free text.
    """
    store = _member(ctx, principal, org, Role.ANALYST)
    return target_service.remove_target(ctx, store, org, name)


@api_router.get("/orgs/{org}/targets/check", responses=ERRORS)
def targets_check(
    org: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    submitted_year: Annotated[
        int | None, Query(ge=1990, le=2100, description="Default: the current year")
    ] = None,
) -> list[dict[str, Any]]:
    """Each current target checked against the SBTi criteria (the version is in each result)."""
    store = _member(ctx, principal, org)
    when = submitted_year if submitted_year is not None else _this_year(ctx)
    return target_service.check_targets(ctx, store, org, when)


@api_router.get("/orgs/{org}/targets/progress", responses=ERRORS)
def targets_progress(
    org: str, year: YearQuery, ctx: CtxDep, principal: PrincipalDep
) -> list[dict[str, Any]]:
    """Where each current target stands in ``year`` against its linear (milestone) path."""
    store = _member(ctx, principal, org)
    return target_service.target_progress(ctx, store, org, year)


@api_router.get("/orgs/{org}/history", responses=ERRORS)
def history_list(org: str, ctx: CtxDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    """Yearly emissions (calculation runs merged with entered totals) with their sources."""
    store = _member(ctx, principal, org)
    return target_service.list_history(ctx, store, org)


@api_router.post("/orgs/{org}/history", status_code=201, responses=ERRORS)
def history_add(org: str, body: HistoryIn, ctx: CtxDep, principal: PrincipalDep) -> dict[str, Any]:
    """Enter a year's total for one scope (analysts); entering it again replaces it."""
    store = _member(ctx, principal, org, Role.ANALYST)
    return target_service.add_history_total(
        ctx, store, org, body.year, body.scope.value, body.t_co2e, body.source
    )


@api_router.post("/orgs/{org}/history/revenue", status_code=201, responses=ERRORS)
def history_revenue(
    org: str, body: RevenueIn, ctx: CtxDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Enter a year's revenue for intensity targets (analysts)."""
    store = _member(ctx, principal, org, Role.ANALYST)
    return target_service.add_history_revenue(
        ctx, store, org, body.year, body.revenue, body.currency
    )


@api_router.get("/orgs/{org}/credits", responses=ERRORS)
def credits_list(org: str, ctx: CtxDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    """Retired carbon credits; they never count towards reduction targets."""
    store = _member(ctx, principal, org)
    return target_service.list_credits(ctx, store, org)


@api_router.post("/orgs/{org}/credits", status_code=201, responses=ERRORS)
def credits_retire(
    org: str, body: CreditIn, ctx: CtxDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Record a retired block of credits (analysts); a serial is never retired twice (409)."""
    store = _member(ctx, principal, org, Role.ANALYST)
    return target_service.retire_credit(
        ctx,
        store,
        org,
        registry=body.registry,
        serial_start=body.serial_start,
        serial_end=body.serial_end,
        vintage=body.vintage,
        project_type=body.project_type.value,
        standard=body.standard,
        quantity_t=body.quantity_t,
        retired_for=body.retired_for,
        corresponding_adjustment=body.corresponding_adjustment,
        location=body.location,
        cancelled_on=body.cancelled_on,
    )


@api_router.get("/orgs/{org}/roadmap", responses=ERRORS)
def roadmap_api(
    org: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    until: Annotated[int, Query(ge=1990, le=2100, description="Last projected year")] = 2030,
    supplier_share: Annotated[
        float, Query(ge=0, le=1, description="Share of Scope 3 from suppliers with targets")
    ] = 0.0,
    supplier_rate: Annotated[
        float, Query(ge=0, le=1, description="Their annual reduction rate")
    ] = 0.0,
    renewable_share: Annotated[
        float, Query(ge=0, le=1, description="Renewable electricity share to reach")
    ] = 0.0,
    renewable_by: Annotated[
        int | None, Query(ge=1990, le=2100, description="Year to reach it (default: until)")
    ] = None,
    renewable_current: Annotated[
        float, Query(ge=0, lt=1, description="Renewable share in the latest year")
    ] = 0.0,
    efficiency_rate: Annotated[
        float, Query(ge=0, le=1, description="Annual efficiency gain on Scope 1 and 2")
    ] = 0.0,
    projects: Annotated[
        bool, Query(description="Count the recorded reduction projects' annual savings")
    ] = False,
) -> dict[str, Any]:
    """What-if projection of the latest year of history under reduction levers, t CO2e."""
    store = _member(ctx, principal, org)
    params = RoadmapLevers(
        until,
        supplier_share,
        supplier_rate,
        renewable_share,
        renewable_by,
        renewable_current,
        efficiency_rate,
        projects,
    )
    return roadmap(ctx, store, org, params)


class ScenarioIn(BaseModel):
    name: str = Field(min_length=1, max_length=200, description="Scenario name")
    levers: dict[str, float] = Field(
        default_factory=dict,
        description="Roadmap levers: until, supplier_share, supplier_rate, renewable_share, "
        "renewable_by, renewable_current, efficiency_rate (as the roadmap route takes them)",
    )


@api_router.get("/orgs/{org}/roadmap/scenarios", responses=ERRORS)
def scenarios_list(org: str, ctx: CtxDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    """The saved what-if scenarios of the organisation."""
    store = _member(ctx, principal, org)
    return target_service.list_scenarios(ctx, store, org)


@api_router.post("/orgs/{org}/roadmap/scenarios", status_code=201, responses=ERRORS)
def scenarios_save(
    org: str, body: ScenarioIn, ctx: CtxDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Save a what-if scenario (the same name again replaces it; analysts)."""
    store = _member(ctx, principal, org, Role.ANALYST)
    return target_service.save_scenario(ctx, store, org, body.name, body.levers)


@api_router.delete("/orgs/{org}/roadmap/scenarios", status_code=204, responses=ERRORS)
def scenarios_delete(
    org: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    name: Annotated[str, Query(min_length=1, max_length=200)],
) -> Response:
    store = _member(ctx, principal, org, Role.ANALYST)
    target_service.delete_scenario(ctx, store, org, name)
    return Response(status_code=204)


__all__ = ["api_router"]
