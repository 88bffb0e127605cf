"""Climate scorecards, requirements, sourcing tiers and incentives on the web: the JSON API
(``api_router``) and the scorecards and sourcing pages (``ui_router``) of a buyer."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from greenchain.adapters.exports import XLSX_MEDIA_TYPE as XLSX_TYPE
from greenchain.adapters.exports import csv_text, xlsx_bytes
from greenchain.domain.access import Principal, Role
from greenchain.domain.scorecards import (
    CONDITION_HELP,
    INDICATORS,
    MIN_ASSESSED_COVERAGE,
    RATINGS,
    TIER_MEANINGS,
    Tier,
)
from greenchain.entrypoints.web import fields
from greenchain.entrypoints.web.api import ERRORS
from greenchain.entrypoints.web.deps import CtxDep, PrincipalDep
from greenchain.entrypoints.web.qualification import (
    YearQuery,
    _member,
    _page_common,
    _store,
    _year,
)
from greenchain.entrypoints.web.ui import Csrf, form_result, render
from greenchain.services import scorecards as scorecard_service
from greenchain.services import sourcing as sourcing_service
from greenchain.services.context import Context

api_router = APIRouter(prefix="/api/v1", tags=["scorecards and sourcing"])
ui_router = APIRouter(include_in_schema=False)


class WeightsIn(BaseModel):
    weights: dict[str, float] = Field(default_factory=dict, description="Indicator: weight >= 0")
    missing: dict[str, str] = Field(default_factory=dict, description="Indicator: zero|exclude")
    reset: bool = Field(False, description="Back to the default weights first")


class RequirementIn(BaseModel):
    name: str = Field(min_length=1, max_length=300)
    conditions: list[str] = Field(min_length=1, max_length=20, description="e.g. sbt:validated")
    due_on: dt.date
    applies_to: str = Field("strategic", description="strategic or all")


class IncentiveIn(BaseModel):
    supplier_id: str = Field(min_length=1, max_length=64)
    kind: str = Field(
        min_length=1, max_length=40, description=", ".join(sourcing_service.INCENTIVE_KINDS)
    )
    reason: str = Field(min_length=1, max_length=2000)
    amount: float | None = Field(None, ge=0)
    currency: str | None = Field(None, max_length=3)
    granted_on: dt.date | None = None


# --- API: scorecards, requirements, tiers, incentives --------------------------------------------


@api_router.get("/orgs/{org}/scorecards", responses=ERRORS)
def scorecards(
    org: str, ctx: CtxDep, principal: PrincipalDep, year: YearQuery = None
) -> list[dict[str, Any]]:
    """Every supplier's scorecard: score, rating A-E, each indicator's value, points, weight
    and contribution (they add up to the score), data gaps and what would raise it."""
    return scorecard_service.rate_suppliers_for(ctx, principal, _store(ctx), org, _year(ctx, year))


@api_router.get("/orgs/{org}/scorecards/weights", responses=ERRORS)
def weights_get(org: str, ctx: CtxDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    return scorecard_service.get_weights(ctx, _member(ctx, principal, org), org)


@api_router.put("/orgs/{org}/scorecards/weights", responses=ERRORS)
def weights_set(
    org: str, body: WeightsIn, ctx: CtxDep, principal: PrincipalDep
) -> list[dict[str, Any]]:
    """Change this organisation's weights and missing-data policies (analysts)."""
    store = _member(ctx, principal, org, Role.ANALYST)
    return scorecard_service.set_weights(
        ctx, store, org, body.weights, body.missing, reset=body.reset
    )


@api_router.get("/orgs/{org}/requirements", responses=ERRORS)
def requirements_list(org: str, ctx: CtxDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    return sourcing_service.list_requirements(ctx, _member(ctx, principal, org), org)


@api_router.post("/orgs/{org}/requirements", status_code=201, responses=ERRORS)
def requirements_add(
    org: str, body: RequirementIn, ctx: CtxDep, principal: PrincipalDep
) -> dict[str, Any]:
    """A rule such as conditions ``sbt:validated`` and ``rba_member`` for strategic
    suppliers due 2026-12-31."""
    store = _member(ctx, principal, org, Role.ANALYST)
    return sourcing_service.add_requirement(
        ctx,
        store,
        org,
        name=body.name,
        conditions=body.conditions,
        due_on=body.due_on,
        applies_to=body.applies_to,
    )


@api_router.get("/orgs/{org}/requirements/compliance", responses=ERRORS)
def requirements_compliance(
    org: str, ctx: CtxDep, principal: PrincipalDep, year: YearQuery = None
) -> list[dict[str, Any]]:
    """Who meets each requirement, who does not, and why."""
    return sourcing_service.compliance_for(ctx, principal, _store(ctx), org, _year(ctx, year))


@api_router.get("/orgs/{org}/sourcing/tiers", responses=ERRORS)
def tiers(
    org: str, ctx: CtxDep, principal: PrincipalDep, year: YearQuery = None
) -> list[dict[str, Any]]:
    """Each supplier's sourcing tier (preferred, approved, conditional, blocked) and why."""
    return sourcing_service.tiers_for(ctx, principal, _store(ctx), org, _year(ctx, year))


def tier_csv(rows: Sequence[Mapping[str, Any]]) -> bytes:
    return csv_text(sourcing_service.tier_table(rows)).encode("utf-8")


def tier_xlsx(rows: Sequence[Mapping[str, Any]], year: int) -> bytes:
    return xlsx_bytes(sourcing_service.tier_sheets(rows, year))


def _download(data: bytes, media_type: str, name: str) -> Response:
    return Response(
        data,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@api_router.get(
    "/orgs/{org}/sourcing/tiers.csv",
    responses={**ERRORS, 200: {"content": {"text/csv": {}}}},
    response_class=Response,
)
def tiers_csv(org: str, ctx: CtxDep, principal: PrincipalDep, year: YearQuery = None) -> Response:
    """The tier export for procurement, one row per supplier."""
    when = _year(ctx, year)
    rows = sourcing_service.tiers_for(ctx, principal, _store(ctx), org, when)
    return _download(tier_csv(rows), "text/csv; charset=utf-8", f"{org}-tiers-{when}.csv")


@api_router.get(
    "/orgs/{org}/sourcing/tiers.xlsx",
    responses={**ERRORS, 200: {"content": {XLSX_TYPE: {}}}},
    response_class=Response,
)
def tiers_xlsx(org: str, ctx: CtxDep, principal: PrincipalDep, year: YearQuery = None) -> Response:
    """The tier export as a workbook (a sheet of tiers, a sheet of the rules)."""
    when = _year(ctx, year)
    rows = sourcing_service.tiers_for(ctx, principal, _store(ctx), org, when)
    return _download(tier_xlsx(rows, when), XLSX_TYPE, f"{org}-tiers-{when}.xlsx")


@api_router.get("/orgs/{org}/sourcing/overview", responses=ERRORS)
def sourcing_overview(
    org: str, ctx: CtxDep, principal: PrincipalDep, year: YearQuery = None
) -> dict[str, Any]:
    """Suppliers per rating; suppliers, spend and emissions per tier."""
    store = _member(ctx, principal, org)
    return sourcing_service.sourcing_overview(ctx, store, org, _year(ctx, year))


@api_router.get("/orgs/{org}/incentives", responses=ERRORS)
def incentives_list(org: str, ctx: CtxDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    return sourcing_service.list_incentives(ctx, _member(ctx, principal, org), org)


@api_router.post("/orgs/{org}/incentives", status_code=201, responses=ERRORS)
def incentives_add(
    org: str, body: IncentiveIn, ctx: CtxDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Record an incentive granted (preferred volume, innovation incentive for CO2 cuts...)."""
    return sourcing_service.grant_incentive_for(
        ctx,
        principal,
        _store(ctx),
        org,
        supplier_id=body.supplier_id,
        kind=body.kind,
        reason=body.reason,
        amount=body.amount,
        currency=body.currency,
        granted_on=body.granted_on,
    )


# --- pages: scorecards ---------------------------------------------------------------------------


def _scorecards_page(
    request: Request,
    ctx: Context,
    principal: Principal,
    org: str,
    *,
    year: int | None = None,
    rating: str | None = None,
    status_code: int = 200,
    error: str | None = None,
    notice: str | None = None,
) -> Response:
    member = principal.membership(org)
    store = _store(ctx)
    when = _year(ctx, year)
    cards = scorecard_service.rate_suppliers(ctx, store, org, when)
    distribution = dict.fromkeys(RATINGS, 0)
    for card in cards:
        distribution[card["rating"]] += 1
    shown = [c for c in cards if rating is None or c["rating"] == rating]
    return render(
        request,
        "scorecards.html",
        status_code=status_code,
        title=f"Scorecards {when} – {member.org_name}",
        **_page_common(member, principal, org),
        year=when,
        rating=rating,
        ratings=RATINGS,
        distribution=distribution,
        total=len(cards),
        cards=shown,
        weights=scorecard_service.get_weights(ctx, store, org),
        error=error,
        notice=notice,
    )


@ui_router.get("/orgs/{org}/scorecards")
def scorecards_page(
    request: Request,
    org: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    year: YearQuery = None,
    rating: Annotated[str | None, Query(max_length=1)] = None,
) -> Response:
    return _scorecards_page(
        request, ctx, principal, org, year=year, rating=rating if rating in RATINGS else None
    )


@ui_router.post("/orgs/{org}/scorecards/weights", dependencies=[Csrf])
async def weights_form(
    request: Request, org: str, ctx: CtxDep, principal: PrincipalDep
) -> Response:
    """Change the weights and missing-data policies from the page (analysts)."""
    store = _member(ctx, principal, org, Role.ANALYST)
    form = await request.form()

    def save() -> None:
        weights: dict[str, float] = {}
        missing: dict[str, str] = {}
        for ind in INDICATORS:
            raw = form.get(f"weight_{ind.key}")
            value = fields.number(raw if isinstance(raw, str) else "", f"weight of {ind.label}")
            if value is not None:
                weights[ind.key] = value
            policy = form.get(f"missing_{ind.key}")
            if isinstance(policy, str) and policy:
                missing[ind.key] = policy
        scorecard_service.set_weights(ctx, store, org, weights, missing)

    page = functools.partial(_scorecards_page, request, ctx, principal, org)
    return form_result(
        page, save, lambda _: page(notice="Weights saved: the ratings below use them")
    )


# --- pages: sourcing -----------------------------------------------------------------------------


def _sourcing_page(
    request: Request,
    ctx: Context,
    principal: Principal,
    org: str,
    *,
    year: int | None = None,
    tier: str | None = None,
    status_code: int = 200,
    error: str | None = None,
    notice: str | None = None,
) -> Response:
    member = principal.membership(org)
    store = _store(ctx)
    when = _year(ctx, year)
    rows = sourcing_service.tiers(ctx, store, org, when)
    by_tier: dict[str, dict[str, float]] = {
        t.value: {"suppliers": 0, "spend_usd": 0.0, "t_co2e": 0.0} for t in Tier
    }
    for row in rows:
        bucket = by_tier[row["tier"]]
        bucket["suppliers"] += 1
        bucket["spend_usd"] += float(row["spend_usd"] or 0.0)
        bucket["t_co2e"] += float(row["t_co2e"] or 0.0)
    compliance = sourcing_service.compliance(ctx, store, org, when)
    requirements = sourcing_service.list_requirements(ctx, store, org)
    summary = {
        r["name"]: {
            "meets": sum(1 for c in compliance if c["requirement"] == r["name"] and c["meets"]),
            "does_not": sum(
                1 for c in compliance if c["requirement"] == r["name"] and not c["meets"]
            ),
        }
        for r in requirements
    }
    return render(
        request,
        "sourcing.html",
        status_code=status_code,
        title=f"Sourcing tiers {when} – {member.org_name}",
        **_page_common(member, principal, org),
        year=when,
        tier=tier,
        tiers=[t.value for t in Tier],
        tier_meanings=TIER_MEANINGS,
        min_coverage=MIN_ASSESSED_COVERAGE,
        by_tier=by_tier,
        rows=[r for r in rows if tier is None or r["tier"] == tier],
        total=len(rows),
        rules=sourcing_service.tier_rules(),
        requirements=requirements,
        summary=summary,
        compliance=compliance,
        condition_help=CONDITION_HELP,
        incentives=sourcing_service.list_incentives(ctx, store, org),
        incentive_kinds=sourcing_service.INCENTIVE_KINDS,
        names=ctx.workspace.supplier_names(member.org_id),
        error=error,
        notice=notice,
    )


@ui_router.get("/orgs/{org}/sourcing")
def sourcing_page(
    request: Request,
    org: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    year: YearQuery = None,
    tier: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    chosen = tier if tier in {t.value for t in Tier} else None
    return _sourcing_page(request, ctx, principal, org, year=year, tier=chosen)


@ui_router.post("/orgs/{org}/requirements", dependencies=[Csrf])
def requirement_add_form(
    request: Request,
    org: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    name: Annotated[str, Form(max_length=300)] = "",
    conditions: Annotated[str, Form(max_length=2000)] = "",
    due_on: Annotated[str, Form(max_length=20)] = "",
    applies_to: Annotated[str, Form(max_length=20)] = "strategic",
) -> Response:
    store = _member(ctx, principal, org, Role.ANALYST)
    page = functools.partial(_sourcing_page, request, ctx, principal, org)
    return form_result(
        page,
        lambda: sourcing_service.add_requirement(
            ctx,
            store,
            org,
            name=name,
            conditions=fields.lines(conditions.replace(",", "\n")),
            due_on=fields.date(due_on, "due date"),
            applies_to=applies_to,
        ),
        lambda added: page(notice=f"Requirement '{added['name']}' added"),
    )


@ui_router.post("/orgs/{org}/incentives", dependencies=[Csrf])
def incentive_add_form(
    request: Request,
    org: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    supplier_id: Annotated[str, Form(max_length=64)] = "",
    kind: Annotated[str, Form(max_length=40)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
    amount: Annotated[str, Form(max_length=30)] = "",
    currency: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    store = _member(ctx, principal, org, Role.ANALYST)
    page = functools.partial(_sourcing_page, request, ctx, principal, org)
    return form_result(
        page,
        lambda: sourcing_service.grant_incentive(
            ctx,
            store,
            org,
            supplier_id=supplier_id,
            kind=kind,
            reason=reason,
            amount=fields.number(amount, "amount"),
            currency=currency.strip() or None,
        ),
        lambda granted: page(
            notice=f"Incentive {granted['kind'].replace('_', ' ')} granted to "
            f"{granted['supplier_id']}"
        ),
    )


__all__ = ["api_router", "tier_csv", "tier_xlsx", "ui_router"]
