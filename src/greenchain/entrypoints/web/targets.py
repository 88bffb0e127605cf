"""Climate targets on the web: the target pages (``ui_router``): targets with their checks and
progress, emissions history, the what-if roadmap and carbon credits. The JSON API is in
``web.targets_api``, the roadmap's levers and projection in ``web.roadmap``.

Every route that names an organisation checks the caller's membership first (analyst or more
to change anything; a non-member gets 404 as if the organisation did not exist), then calls
the use cases of ``greenchain.services.targets``. The what-if roadmap projects the latest
year of the organisation's history with ``greenchain.domain.targets.project``.

The page draws its charts with the locally served Chart.js and ``static/targets-charts.js``,
which turns the page's JSON block into line and waterfall charts (no inline script: CSP).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from greenchain.domain.access import Membership, Principal, Role
from greenchain.domain.errors import GreenchainError, InvalidDataError, NotFoundError
from greenchain.domain.targets import CRITERIA_VERSION, TargetKind
from greenchain.entrypoints.web import fields
from greenchain.entrypoints.web.deps import CtxDep, PrincipalDep
from greenchain.entrypoints.web.roadmap import (
    RoadmapLevers,
    levers_as_text,
    levers_from_text,
    roadmap,
    scenario_query,
)
from greenchain.entrypoints.web.target_charts import UNIT_LABELS, _roadmap_charts, _target_chart
from greenchain.entrypoints.web.ui import Csrf, _can_edit, form_result, render
from greenchain.services import targets as target_service
from greenchain.services.context import Context
from greenchain.services.ports import TargetStore

ui_router = APIRouter(include_in_schema=False)

SCOPE_LABELS = {
    "1": "Scope 1",
    "2_market": "Scope 2 (market-based)",
    "2_location": "Scope 2 (location-based)",
    "3": "Scope 3",
}
KIND_LABELS = {
    "absolute": "Absolute",
    "intensity": "Intensity",
    "supplier_engagement": "Supplier engagement",
    "renewable_electricity": "Renewable electricity",
    "net_zero": "Net zero",
}
YearQuery = Annotated[int, Query(ge=1990, le=2100, description="Reporting year")]
Share = Annotated[float, Query(ge=0, le=1, description="Fraction 0..1")]


# --- access ----------------------------------------------------------------------------------


def _store(ctx: Context) -> TargetStore:
    if ctx.targets is None:
        raise NotFoundError("targets are not available in this deployment")
    return ctx.targets


def _member(ctx: Context, principal: Principal, org: str, role: Role = Role.VIEWER) -> TargetStore:
    """Check that the caller may act on ``org`` (404 for non-members, 403 for too low a role)
    and hand back the target store."""
    principal.membership(org, role)
    return _store(ctx)


def _this_year(ctx: Context) -> int:
    return ctx.clock.now().year


# --- page ------------------------------------------------------------------------------------


def _describe(row: Mapping[str, Any]) -> str:
    """The target in words: '-42 % t CO2e by 2030 from 2020' or 'share 80 % by 2027'."""
    unit = UNIT_LABELS.get(row["unit"], str(row["unit"]).replace("_", " "))
    if row["reduction"] is not None:
        return f"−{row['reduction'] * 100:g} % {unit}"
    return f"{row['base_share'] * 100:g} % → {(row['target_share'] or 0) * 100:g} %"


@dataclass
class FormValues:
    """What the add-target form showed (kept on a failed submission)."""

    name: str = ""
    kind: str = "absolute"
    scopes: tuple[str, ...] = ("1", "2_market")
    base_year: str = ""
    target_year: str = ""
    reduction_pct: str = ""
    target_share_pct: str = ""
    base_share_pct: str = ""
    coverage_pct: str = "100"
    denominator: str = ""
    engagement_basis: str = ""
    submitted_year: str = ""
    neutralise_residual: bool = False


def _page(
    request: Request,
    ctx: Context,
    principal: Principal,
    org: str,
    *,
    year: int | None = None,
    levers: RoadmapLevers | None = None,
    status_code: int = 200,
    error: str | None = None,
    notice: str | None = None,
    form: FormValues | None = None,
    roadmap_error: str | None = None,
    lever_text: Mapping[str, str] | None = None,
    section: str = "targets",
) -> Response:
    """One of the target pages (``SECTIONS``): the targets with their checks, progress and
    paths; the emissions history; the what-if roadmap; the carbon credits."""
    member: Membership = principal.membership(org)
    store = _store(ctx)
    levers = levers or RoadmapLevers()
    targets = target_service.list_targets(ctx, store, org)
    this_year = _this_year(ctx)
    checks = {c["name"]: c for c in target_service.check_targets(ctx, store, org, this_year)}
    history_rows = target_service.list_history(ctx, store, org)
    years_map = target_service.history(ctx, store, org)
    data_years = [r["year"] for r in history_rows if r["emissions"]]
    if year is None:
        year = max(data_years) if data_years else this_year - 1
    progress = target_service.target_progress(ctx, store, org, year) if targets else []
    charts: list[dict[str, Any]] = []
    target_charts: list[dict[str, Any]] = []
    for index, row in enumerate(targets):
        if row["kind"] in (
            k.value for k in (TargetKind.ABSOLUTE, TargetKind.INTENSITY, TargetKind.NET_ZERO)
        ):
            chart = _target_chart(index, target_service.target_from_row(row), years_map)
            target_charts.append(
                {"name": row["name"], "canvas": chart["canvas"], "unit": chart["unit"]}
            )
            if section == "targets":
                charts.append(chart)
    plan: dict[str, Any] | None = None
    plan_error: str | None = None
    if section == "roadmap":
        try:
            plan = roadmap(ctx, store, org, levers)
        except GreenchainError as exc:
            plan_error = exc.message
        if plan is not None:
            charts.extend(_roadmap_charts(plan))
    return render(
        request,
        "targets.html",
        status_code=status_code,
        title=f"{SECTIONS[section]} – {member.org_name}",
        section=section,
        sections=SECTIONS,
        active="targets",
        principal=principal,
        member=member,
        org=org,
        can_edit=_can_edit(member),
        targets=targets,
        checks=checks,
        criteria_version=CRITERIA_VERSION,
        describe=_describe,
        kind_labels=KIND_LABELS,
        scope_labels=SCOPE_LABELS,
        unit_labels=UNIT_LABELS,
        history=history_rows,
        year=year,
        progress_years=sorted(set(data_years) | {year}),
        progress=progress,
        target_charts=target_charts,
        plan=plan,
        plan_error=plan_error,
        roadmap_error=roadmap_error,
        levers=levers,
        lever_text=lever_text or levers_as_text(levers),
        credits=target_service.list_credits(ctx, store, org),
        scenarios=[
            {**sc, "query": scenario_query(sc["levers"])}
            for sc in target_service.list_scenarios(ctx, store, org)
        ],
        chart_data={"charts": charts},
        this_year=this_year,
        form=form or FormValues(),
        kinds=[k.value for k in TargetKind],
        error=error,
        notice=notice,
    )


LeverText = Annotated[str, Query(max_length=30)]
#: The target pages: path under /orgs/{org}/ and title.
SECTIONS: Mapping[str, str] = {
    "targets": "Targets",
    "history": "Emissions history",
    "roadmap": "What-if roadmap",
    "credits": "Carbon credits",
}


@ui_router.get("/orgs/{org}/targets")
def targets_page(
    request: Request,
    org: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
) -> Response:
    """The targets with their SBTi checks, progress in a year and paths, and the form to add
    one."""
    return _page(request, ctx, principal, org, year=year)


@ui_router.get("/orgs/{org}/targets/history")
def history_page(request: Request, org: str, ctx: CtxDep, principal: PrincipalDep) -> Response:
    return _page(request, ctx, principal, org, section="history")


@ui_router.get("/orgs/{org}/targets/credits")
def credits_page(request: Request, org: str, ctx: CtxDep, principal: PrincipalDep) -> Response:
    return _page(request, ctx, principal, org, section="credits")


@ui_router.get("/orgs/{org}/targets/roadmap")
def roadmap_page(
    request: Request,
    org: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    until: LeverText = "",
    supplier_share: LeverText = "",
    supplier_rate: LeverText = "",
    renewable_share: LeverText = "",
    renewable_by: LeverText = "",
    renewable_current: LeverText = "",
    efficiency_rate: LeverText = "",
    projects: LeverText = "",
) -> Response:
    """The what-if roadmap; the levers come as typed in its form (percent, empty fields at
    their defaults) and a lever that cannot be read is shown next to the form."""
    principal.membership(org)
    typed = {
        "until": until,
        "supplier_share": supplier_share,
        "supplier_rate": supplier_rate,
        "renewable_share": renewable_share,
        "renewable_by": renewable_by,
        "renewable_current": renewable_current,
        "efficiency_rate": efficiency_rate,
        "projects": projects,
    }
    return form_result(
        _roadmap_error_page(request, ctx, principal, org, typed),
        lambda: levers_from_text(typed),
        lambda levers: _page(request, ctx, principal, org, levers=levers, section="roadmap"),
    )


def _roadmap_error_page(
    request: Request, ctx: Context, principal: Principal, org: str, typed: Mapping[str, str]
) -> Callable[..., Response]:
    """The roadmap again with the levers as typed and why they cannot be read."""

    def page(*, status_code: int, error: str) -> Response:
        return _page(
            request,
            ctx,
            principal,
            org,
            status_code=status_code,
            roadmap_error=error,
            lever_text=typed,
            section="roadmap",
        )

    return page


@ui_router.post("/orgs/{org}/targets", dependencies=[Csrf])
def targets_add_form(
    request: Request,
    org: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    name: Annotated[str, Form(max_length=200)] = "",
    kind: Annotated[str, Form(max_length=40)] = "absolute",
    scopes: Annotated[list[str] | None, Form(max_length=3)] = None,
    base_year: Annotated[str, Form(max_length=10)] = "",
    target_year: Annotated[str, Form(max_length=10)] = "",
    reduction_pct: Annotated[str, Form(max_length=20)] = "",
    target_share_pct: Annotated[str, Form(max_length=20)] = "",
    base_share_pct: Annotated[str, Form(max_length=20)] = "",
    coverage_pct: Annotated[str, Form(max_length=20)] = "100",
    denominator: Annotated[str, Form(max_length=100)] = "",
    engagement_basis: Annotated[str, Form(max_length=20)] = "",
    submitted_year: Annotated[str, Form(max_length=10)] = "",
    neutralise_residual: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Add a target from the page's form (analysts); errors are shown on the page (422)."""
    principal.membership(org, Role.ANALYST)
    store = _store(ctx)
    form = FormValues(
        name=name,
        kind=kind,
        scopes=tuple(scopes or ()),
        base_year=base_year,
        target_year=target_year,
        reduction_pct=reduction_pct,
        target_share_pct=target_share_pct,
        base_share_pct=base_share_pct,
        coverage_pct=coverage_pct,
        denominator=denominator,
        engagement_basis=engagement_basis,
        submitted_year=submitted_year,
        neutralise_residual=bool(neutralise_residual),
    )

    def add() -> dict[str, Any]:
        coverage = fields.number(coverage_pct, "coverage", percent=True)
        base_share = fields.number(base_share_pct, "base share", percent=True)
        return target_service.add_target(
            ctx,
            store,
            org,
            name=name,
            kind=kind,
            scopes=list(scopes or ()),
            base_year=fields.year(base_year, "base year"),
            target_year=fields.year(target_year, "target year"),
            reduction=fields.number(reduction_pct, "reduction", percent=True),
            target_share=fields.number(target_share_pct, "target share", percent=True),
            denominator=denominator.strip() or None,
            coverage=1.0 if coverage is None else coverage,
            engagement_basis=engagement_basis.strip() or None,
            base_share=0.0 if base_share is None else base_share,
            neutralise_residual=bool(neutralise_residual),
            submitted_year=fields.optional_year(submitted_year, "submitted year"),
        )

    page = functools.partial(_page, request, ctx, principal, org)
    return form_result(
        functools.partial(page, form=form),
        add,
        lambda added: page(
            notice=f"Target '{added['name']}' added (ledger entry {added['ledger_seq']})"
        ),
        conflict_status=409,
    )


@ui_router.post("/orgs/{org}/targets/remove", dependencies=[Csrf])
def targets_remove_form(
    request: Request,
    org: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    name: Annotated[str, Form(min_length=1, max_length=200)],
) -> Response:
    principal.membership(org, Role.ANALYST)
    removed = target_service.remove_target(ctx, _store(ctx), org, name)
    return _page(request, ctx, principal, org, notice=f"Target '{removed['name']}' withdrawn")


@ui_router.post("/orgs/{org}/history", dependencies=[Csrf])
def history_add_form(
    request: Request,
    org: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    year: Annotated[str, Form(max_length=10)] = "",
    scope: Annotated[str, Form(max_length=20)] = "",
    t_co2e: Annotated[str, Form(max_length=40)] = "",
    source: Annotated[str, Form(max_length=200)] = "entered",
) -> Response:
    """Enter a year's total for one scope from the page (analysts)."""
    principal.membership(org, Role.ANALYST)

    def enter() -> dict[str, Any]:
        when = fields.year(year, "year")
        amount = fields.number(t_co2e, "t CO2e")
        if amount is None:
            raise InvalidDataError("t CO2e: a figure is needed")
        return target_service.add_history_total(ctx, _store(ctx), org, when, scope, amount, source)

    def entered(row: dict[str, Any]) -> Response:
        verb = "replaced" if row["replaced"] else "entered"
        label = SCOPE_LABELS.get(row["scope"], row["scope"])
        return page(notice=f"{label} {row['year']} {verb}")

    page = functools.partial(_page, request, ctx, principal, org, section="history")
    return form_result(page, enter, entered)


@ui_router.post("/orgs/{org}/credits", dependencies=[Csrf])
def credit_retire_form(
    request: Request,
    org: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    registry: Annotated[str, Form(max_length=100)] = "",
    serial_start: Annotated[str, Form(max_length=20)] = "",
    serial_end: Annotated[str, Form(max_length=20)] = "",
    vintage: Annotated[str, Form(max_length=10)] = "",
    project_type: Annotated[str, Form(max_length=20)] = "",
    standard: Annotated[str, Form(max_length=100)] = "",
    quantity_t: Annotated[str, Form(max_length=40)] = "",
    retired_for: Annotated[str, Form(max_length=500)] = "",
    corresponding_adjustment: Annotated[str, Form(max_length=10)] = "",
    location: Annotated[str, Form(max_length=20)] = "",
    cancelled_on: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Record a block of retired credits from the page (analysts); a serial already retired
    in the registry is refused."""
    principal.membership(org, Role.ANALYST)

    def retire() -> dict[str, Any]:
        first = fields.whole_number(serial_start, "first serial")
        last = fields.whole_number(serial_end, "last serial")
        vintage_year = fields.year(vintage, "vintage")
        quantity = fields.number(quantity_t, "t CO2e")
        if quantity is None:
            raise InvalidDataError("t CO2e and vintage are needed")
        return target_service.retire_credit(
            ctx,
            _store(ctx),
            org,
            registry=registry,
            serial_start=first,
            serial_end=last,
            vintage=vintage_year,
            project_type=project_type,
            standard=standard,
            quantity_t=quantity,
            retired_for=retired_for,
            corresponding_adjustment={"yes": True, "no": False}.get(corresponding_adjustment),
            location=location or None,
            cancelled_on=fields.optional_date(cancelled_on, "cancelled on"),
        )

    page = functools.partial(_page, request, ctx, principal, org, section="credits")
    return form_result(
        page,
        retire,
        lambda retired: page(
            notice=f"{retired['quantity_t']:,.1f} t of credits recorded as retired for "
            f"{retired['retired_for']}"
        ),
    )


# --- roadmap scenarios --------------------------------------------------------------------------


@ui_router.post("/orgs/{org}/roadmap/scenarios", dependencies=[Csrf])
def scenario_save_form(
    request: Request,
    org: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    name: Annotated[str, Form(max_length=200)],
    until: Annotated[str, Form(max_length=10)] = "",
    supplier_share: Annotated[str, Form(max_length=30)] = "",
    supplier_rate: Annotated[str, Form(max_length=30)] = "",
    renewable_share: Annotated[str, Form(max_length=30)] = "",
    renewable_by: Annotated[str, Form(max_length=10)] = "",
    renewable_current: Annotated[str, Form(max_length=30)] = "",
    efficiency_rate: Annotated[str, Form(max_length=30)] = "",
    projects: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    store = _member(ctx, principal, org, Role.ANALYST)
    given = {
        "until": until,
        "supplier_share": supplier_share,
        "supplier_rate": supplier_rate,
        "renewable_share": renewable_share,
        "renewable_by": renewable_by,
        "renewable_current": renewable_current,
        "efficiency_rate": efficiency_rate,
        "projects": projects,
    }

    def saved_page(saved: dict[str, Any]) -> Response:
        verb = "replaced" if saved["replaced"] else "saved"
        levers = {**saved["levers"], "projects": bool(saved["levers"].get("projects"))}
        return _page(
            request,
            ctx,
            principal,
            org,
            levers=RoadmapLevers(**levers),
            notice=f"Scenario '{saved['name']}' {verb}",
            section="roadmap",
        )

    return form_result(
        _roadmap_error_page(request, ctx, principal, org, given),
        lambda: target_service.save_scenario(
            ctx, store, org, name, asdict(levers_from_text(given))
        ),
        saved_page,
    )


__all__ = ["ui_router"]
