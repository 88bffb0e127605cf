"""Green supplier qualification on the web: the pages (``ui_router``) of programs, cases and
audits, and a supplier's view of its own. The JSON API is in ``web.qualification_api``;
scorecards, requirements, tiers and incentives in ``web.sourcing``.

The buyer's routes check the caller's membership of the buyer organisation first (analyst or
more to change anything; a non-member gets 404 as if the organisation did not exist), then
call the use cases of ``greenchain.services.qualification``. A supplier's routes
(``/orgs/{org}/customers/...``) find the record the supplier organisation operates for that
customer (``portal.supplier_record_for``) and show only that record's case and scorecard.

API paths name a supplier's qualification by the supplier id (one case per supplier and
program; ``program`` tells them apart when a buyer runs several programs); the pages name
cases by their id.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from greenchain.domain.access import Membership, Principal, Role
from greenchain.domain.errors import InvalidDataError, NotFoundError
from greenchain.domain.qualification import (
    DEFAULT_WINDOW_DAYS,
    GREEN_SUPPLY_CHAIN,
    Pillar,
)
from greenchain.entrypoints.web import fields
from greenchain.entrypoints.web.deps import CtxDep, PrincipalDep, RowId
from greenchain.entrypoints.web.ui import Csrf, _can_edit, form_result, render
from greenchain.services import audits as audit_service
from greenchain.services import portal as portal_service
from greenchain.services import qualification as service
from greenchain.services import sourcing as sourcing_service
from greenchain.services.context import Context
from greenchain.services.ports import QualificationStore

ui_router = APIRouter(include_in_schema=False)

YearQuery = Annotated[int | None, Query(ge=1990, le=2100, description="Year rated (default: last)")]
SupplierId = Annotated[str, Query(min_length=1, max_length=64)]
STAGE_LABELS = {
    "application": "Application",
    "preliminary_audit": "Preliminary audit",
    "training": "Training",
    "final_evaluation": "Final evaluation",
    "decision": "Decision",
}
STATUS_LABELS = {
    "in_progress": "In progress",
    "qualified": "Qualified",
    "conditionally_qualified": "Conditionally qualified",
    "rejected": "Rejected",
    "expired": "Expired",
    "lapsed": "Lapsed",
}
PILLAR_LABELS = {
    Pillar.GREEN_DESIGN_AND_RECYCLING.value: "Green design and recycling",
    Pillar.GREEN_SUPPLIER_MANAGEMENT.value: "Green supplier management",
    Pillar.GREEN_MANUFACTURING.value: "Green manufacturing",
    Pillar.ENVIRONMENTAL_DATA_DISCLOSURE.value: "Environmental data disclosure",
}


# --- access --------------------------------------------------------------------------------------


def _store(ctx: Context) -> QualificationStore:
    if ctx.qualification is None:
        raise NotFoundError("qualification is not available in this deployment")
    return ctx.qualification


def _member(
    ctx: Context, principal: Principal, org: str, role: Role = Role.VIEWER
) -> QualificationStore:
    """Check that the caller may act on ``org`` (404 for non-members, 403 for too low a role)
    and hand back the qualification store."""
    principal.membership(org, role)
    return _store(ctx)


def _year(ctx: Context, year: int | None) -> int:
    """The year rated: given, or last calendar year (the latest full year of reported data)."""
    return year if year is not None else ctx.clock.now().year - 1


def _case_of(
    ctx: Context, store: QualificationStore, org: str, supplier_id: str, program: str | None
) -> int:
    """The id of the supplier's case (in ``program`` when given; else its only case, or its
    most recently changed one)."""
    org_id = ctx.workspace.get_org(org).id
    found = ctx.workspace.get_supplier(org_id, supplier_id.strip())
    cases = service.list_cases(ctx, store, org, supplier_id=found["supplier_id"])
    if program is not None:
        cases = [c for c in cases if c["program"] == program.strip()]
    if not cases:
        suffix = f" in program '{program}'" if program else ""
        raise NotFoundError(f"supplier '{found['supplier_id']}' has no qualification{suffix}")
    if len(cases) > 1 and program is None:
        raise InvalidDataError(
            f"supplier '{found['supplier_id']}' is in several programs "
            f"({', '.join(c['program'] for c in cases)}): name the program"
        )
    return int(cases[0]["id"])


def _supplier_side(
    ctx: Context, principal: Principal, org: str, buyer: str
) -> tuple[QualificationStore, str]:
    """For a supplier organisation's user: the store and the supplier id its customer
    ``buyer`` knows it by (404 unless ``org`` operates a record of ``buyer``)."""
    _, supplier_id = portal_service.supplier_record_for(ctx, principal, org, buyer)
    return _store(ctx), supplier_id


# --- pages: helpers ------------------------------------------------------------------------------


def _page_common(member: Membership, principal: Principal, org: str) -> dict[str, Any]:
    return {
        "active": "qualification",
        "principal": principal,
        "member": member,
        "org": org,
        "can_edit": _can_edit(member),
        "stage_labels": STAGE_LABELS,
        "status_labels": STATUS_LABELS,
    }


# --- pages: qualification overview and cases ----------------------------------------------------


def _overview(
    request: Request,
    ctx: Context,
    principal: Principal,
    org: str,
    *,
    stage: str | None = None,
    status: str | None = None,
    status_code: int = 200,
    error: str | None = None,
    notice: str | None = None,
    messages: list[dict[str, Any]] | None = None,
    form: Mapping[str, str] | None = None,
) -> Response:
    member = principal.membership(org)
    store = _store(ctx)
    programs = service.list_programs(ctx, store, org)
    cases = service.list_cases(ctx, store, org)
    names = ctx.workspace.supplier_names(member.org_id)
    stage_names: list[str] = []
    for program in programs:
        for s in program["stages"]:
            if s["name"] not in stage_names:
                stage_names.append(s["name"])
    in_progress = [c for c in cases if c["status"] == "in_progress"]
    by_stage = {name: sum(1 for c in in_progress if c["stage"] == name) for name in stage_names}
    by_status: dict[str, int] = {}
    for case in cases:
        by_status[case["standing"]] = by_status.get(case["standing"], 0) + 1
    shown = [
        c
        for c in cases
        if (stage is None or (c["stage"] == stage and c["status"] == "in_progress"))
        and (status is None or status in (c["status"], c["standing"]))
    ]
    order = {name: i for i, name in enumerate(stage_names)}
    shown.sort(key=lambda c: (c["status"] != "in_progress", order.get(c["stage"], 99), c["id"]))
    customers = ctx.workspace.customers_of(member.org_id)
    return render(
        request,
        "qualification.html",
        status_code=status_code,
        title=f"Qualification – {member.org_name}",
        **_page_common(member, principal, org),
        programs=programs,
        cases=shown,
        total=len(cases),
        names=names,
        stage_names=stage_names,
        by_stage=by_stage,
        by_status=by_status,
        stage=stage,
        status=status,
        customers=customers,
        messages=messages or [],
        form=form or {},
        error=error,
        notice=notice,
    )


@ui_router.get("/orgs/{org}/qualification")
def qualification_page(
    request: Request,
    org: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    stage: Annotated[str | None, Query(max_length=100)] = None,
    status: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    return _overview(request, ctx, principal, org, stage=stage or None, status=status or None)


@ui_router.post("/orgs/{org}/qualification/programs", dependencies=[Csrf])
def program_add_form(
    request: Request,
    org: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    name: Annotated[str, Form(max_length=200)] = "",
    window_days: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Set up a program with the default stages (analysts)."""
    store = _member(ctx, principal, org, Role.ANALYST)

    def add() -> dict[str, Any]:
        days = fields.number(window_days, "window (days)")
        if days is not None and days != int(days):
            raise InvalidDataError(f"window (days): '{window_days}' is not a whole number")
        return service.add_program(
            ctx,
            store,
            org,
            name=name,
            window_days=int(days) if days is not None else DEFAULT_WINDOW_DAYS,
        )

    page = functools.partial(_overview, request, ctx, principal, org)
    return form_result(page, add, lambda added: page(notice=f"Program '{added['name']}' set up"))


@ui_router.post("/orgs/{org}/qualification/cases", dependencies=[Csrf])
def case_open_form(
    request: Request,
    org: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    supplier_id: Annotated[str, Form(max_length=64)] = "",
    program: Annotated[str, Form(max_length=200)] = "",
    why: Annotated[str, Form(max_length=2000)] = "",
    applied_on: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Open a supplier's qualification (analysts) and go to its page."""
    store = _member(ctx, principal, org, Role.ANALYST)
    form = {"supplier_id": supplier_id, "why": why, "applied_on": applied_on}
    return form_result(
        functools.partial(_overview, request, ctx, principal, org, form=form),
        lambda: service.open_qualification(
            ctx,
            store,
            org,
            supplier_id=supplier_id,
            who=principal.email,
            program=program.strip() or None,
            why=why.strip() or "application received",
            applied_on=fields.optional_date(applied_on, "application date"),
        ),
        lambda opened: RedirectResponse(
            f"/orgs/{org}/qualification/cases/{opened['id']}", status_code=303
        ),
        conflict_status=409,
    )


@ui_router.post("/orgs/{org}/qualification/announce", dependencies=[Csrf])
def announce_form(
    request: Request,
    org: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    program: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Announce the preliminary results to every supplier past its audit stage (analysts)."""
    store = _member(ctx, principal, org, Role.ANALYST)
    messages = audit_service.announce_preliminary_results(
        ctx, store, org, program=program.strip() or None
    )
    return _overview(
        request,
        ctx,
        principal,
        org,
        notice=f"Preliminary results announced to {len(messages)} supplier(s)",
        messages=messages,
    )


def _case_page(
    request: Request,
    ctx: Context,
    principal: Principal,
    org: str,
    case_id: int,
    *,
    status_code: int = 200,
    error: str | None = None,
    notice: str | None = None,
) -> Response:
    member = principal.membership(org)
    store = _store(ctx)
    case = service.get_case(ctx, store, org, case_id)
    program = next(
        (p for p in service.list_programs(ctx, store, org) if p["name"] == case["program"]), None
    )
    names = ctx.workspace.supplier_names(member.org_id)
    pillars = [
        (PILLAR_LABELS[p.value], [i for i in GREEN_SUPPLY_CHAIN.items if i.pillar is p])
        for p in Pillar
    ]
    return render(
        request,
        "qualification_case.html",
        status_code=status_code,
        title=f"Qualification of {names.get(case['supplier_id'], case['supplier_id'])} "
        f"– {member.org_name}",
        **_page_common(member, principal, org),
        case=case,
        program=program,
        supplier_name=names.get(case["supplier_id"], case["supplier_id"]),
        pillars=pillars,
        today=ctx.clock.now().date().isoformat(),
        error=error,
        notice=notice,
    )


@ui_router.get("/orgs/{org}/qualification/cases/{case_id}")
def case_page(
    request: Request, org: str, case_id: RowId, ctx: CtxDep, principal: PrincipalDep
) -> Response:
    return _case_page(request, ctx, principal, org, case_id)


@ui_router.post("/orgs/{org}/qualification/cases/{case_id}/advance", dependencies=[Csrf])
def case_advance_form(
    request: Request,
    org: str,
    case_id: RowId,
    ctx: CtxDep,
    principal: PrincipalDep,
    to_stage: Annotated[str, Form(max_length=100)] = "",
    why: Annotated[str, Form(max_length=2000)] = "",
    documents: Annotated[str, Form(max_length=5000)] = "",
    training_completed: Annotated[str, Form(max_length=10)] = "",
    score: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    store = _member(ctx, principal, org, Role.ANALYST)
    page = functools.partial(_case_page, request, ctx, principal, org, case_id)
    return form_result(
        page,
        lambda: service.advance_case(
            ctx,
            store,
            org,
            case_id,
            to_stage=to_stage,
            who=principal.email,
            why=why,
            documents=fields.lines(documents),
            training_completed=True if training_completed else None,
            score=fields.number(score, "evaluation score"),
        ),
        lambda done: page(notice=f"Moved to {STAGE_LABELS.get(done['stage'], done['stage'])}"),
        conflict_status=409,
    )


@ui_router.post("/orgs/{org}/qualification/cases/{case_id}/decide", dependencies=[Csrf])
def case_decide_form(
    request: Request,
    org: str,
    case_id: RowId,
    ctx: CtxDep,
    principal: PrincipalDep,
    outcome: Annotated[str, Form(max_length=40)] = "",
    why: Annotated[str, Form(max_length=2000)] = "",
    score: Annotated[str, Form(max_length=20)] = "",
    action_description: Annotated[str, Form(max_length=2000)] = "",
    action_owner: Annotated[str, Form(max_length=200)] = "",
    action_due_on: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    store = _member(ctx, principal, org, Role.ANALYST)

    def decide() -> dict[str, Any]:
        actions = []
        if action_description.strip() or action_owner.strip() or action_due_on.strip():
            actions.append(
                {
                    "description": action_description,
                    "owner": action_owner,
                    "due_on": fields.date(action_due_on, "corrective action due date"),
                }
            )
        return service.decide_case(
            ctx,
            store,
            org,
            case_id,
            outcome=outcome,
            who=principal.email,
            why=why,
            corrective_actions=actions,
            score=fields.number(score, "evaluation score"),
        )

    page = functools.partial(_case_page, request, ctx, principal, org, case_id)
    return form_result(
        page,
        decide,
        lambda done: page(notice=f"Decided: {STATUS_LABELS.get(done['status'], done['status'])}"),
        conflict_status=409,
    )


@ui_router.post("/orgs/{org}/qualification/cases/{case_id}/requalify", dependencies=[Csrf])
def case_requalify_form(
    request: Request,
    org: str,
    case_id: RowId,
    ctx: CtxDep,
    principal: PrincipalDep,
    why: Annotated[str, Form(max_length=2000)] = "",
    on_demand: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    store = _member(ctx, principal, org, Role.ANALYST)
    page = functools.partial(_case_page, request, ctx, principal, org, case_id)
    return form_result(
        page,
        lambda: service.requalify_case(
            ctx, store, org, case_id, who=principal.email, why=why, on_demand=bool(on_demand)
        ),
        lambda done: page(notice=f"Cycle {done['cycle']} started"),
        conflict_status=409,
    )


@ui_router.post("/orgs/{org}/qualification/cases/{case_id}/audits", dependencies=[Csrf])
async def case_audit_form(
    request: Request, org: str, case_id: RowId, ctx: CtxDep, principal: PrincipalDep
) -> Response:
    """Record an audit from the page: a checkbox per checklist item passed, up to three
    findings (item, severity, description, corrective action with owner and due date)."""
    store = _member(ctx, principal, org, Role.ANALYST)
    form = await request.form()

    def text(key: str) -> str:
        value = form.get(key)
        return value.strip()[:2000] if isinstance(value, str) else ""

    def record() -> dict[str, Any]:
        case = service.get_case(ctx, store, org, case_id)
        passed = {str(v) for v in form.getlist("passed")}
        findings = []
        for n in range(1, 4):
            item = text(f"finding{n}_item")
            description = text(f"finding{n}_description")
            if not (item or description):
                continue
            finding: dict[str, Any] = {
                "item_code": item,
                "severity": text(f"finding{n}_severity") or "minor",
                "description": description,
            }
            owner, due = text(f"finding{n}_owner"), text(f"finding{n}_due_on")
            if owner or due or text(f"finding{n}_action"):
                finding |= {
                    "action_description": text(f"finding{n}_action") or description,
                    "owner": owner,
                    "due_on": fields.date(due, f"finding {n}: due date"),
                }
            findings.append(finding)
        return audit_service.record_audit(
            ctx,
            store,
            org,
            supplier_id=case["supplier_id"],
            auditor=text("auditor") or principal.email,
            audited_on=fields.date(text("audited_on"), "audit date"),
            results={code: code in passed for code in GREEN_SUPPLY_CHAIN.codes},
            findings=findings,
            evidence=fields.lines(text("evidence")),
            case_id=case_id,
        )

    page = functools.partial(_case_page, request, ctx, principal, org, case_id)
    return form_result(
        page,
        record,
        lambda audit: page(notice=f"Audit recorded: {audit['score']:.1f}/100 ({audit['verdict']})"),
    )


# --- pages: the supplier -------------------------------------------------------------------------


@ui_router.get("/orgs/{org}/customers/{buyer}/qualification")
def supplier_qualification_page(
    request: Request,
    org: str,
    buyer: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    year: YearQuery = None,
) -> Response:
    """A supplier's own qualification with one customer: status, what is still required, its
    rating with each indicator's contribution and what would raise it."""
    member = principal.membership(org)
    store, supplier_id = _supplier_side(ctx, principal, org, buyer)
    when = _year(ctx, year)
    view = sourcing_service.supplier_view(ctx, store, buyer, supplier_id, when)
    buyer_name = next(
        (c["buyer_name"] for c in ctx.workspace.customers_of(member.org_id) if c["buyer"] == buyer),
        buyer,
    )
    return render(
        request,
        "qualification_supplier.html",
        title=f"Qualification with {buyer_name} – {member.org_name}",
        **_page_common(member, principal, org),
        buyer=buyer,
        buyer_name=buyer_name,
        year=when,
        view=view,
        card=view["scorecard"],
    )


__all__ = ["ui_router"]
