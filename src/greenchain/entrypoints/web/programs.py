"""Engagement programs on the web: JSON API under /api/v1 and the program pages. Every route goes
through ``greenchain.services.programs``, which checks that the caller's organisation sponsors
the program and shows it only its own members, projects and monitoring."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from greenchain.adapters.exports import XLSX_MEDIA_TYPE as XLSX
from greenchain.adapters.exports import csv_text, xlsx_bytes
from greenchain.domain.access import Principal
from greenchain.domain.errors import InvalidDataError
from greenchain.domain.programs import ACTIVITY_KINDS, PROJECT_TYPES, ProjectStatus
from greenchain.entrypoints.web.api import ERRORS
from greenchain.entrypoints.web.deps import CtxDep, PrincipalDep, RowId
from greenchain.entrypoints.web.ui import Csrf, _can_edit, form_result, render
from greenchain.services import programs as prog
from greenchain.services.context import Context

api_router = APIRouter(prefix="/api/v1", tags=["programs"])
ui_router = APIRouter(include_in_schema=False)


class ProgramIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    goals: str = Field("", max_length=5000)
    start: dt.date
    end: dt.date
    co_sponsors: list[str] = Field(default_factory=list, max_length=20)


@api_router.post("/orgs/{org}/programs", status_code=201, responses=ERRORS)
def programs_create(
    org: str, body: ProgramIn, ctx: CtxDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Create a program; co-sponsors are invited and must accept (a joint program)."""
    return prog.create_program(
        ctx,
        principal,
        org,
        name=body.name,
        goals=body.goals,
        start=body.start,
        end=body.end,
        co_sponsors=body.co_sponsors,
    )


@api_router.get("/orgs/{org}/programs", responses=ERRORS)
def programs_list(org: str, ctx: CtxDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    return prog.list_programs(ctx, principal, org)


@api_router.get("/orgs/{org}/programs/{program_id}", responses=ERRORS)
def programs_show(
    org: str, program_id: RowId, ctx: CtxDep, principal: PrincipalDep
) -> dict[str, Any]:
    return prog.show_program(ctx, principal, org, program_id)


@api_router.post("/orgs/{org}/programs/{program_id}/accept", responses=ERRORS)
def programs_accept(
    org: str, program_id: RowId, ctx: CtxDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Accept the sponsorship of a joint program (admins)."""
    return prog.accept_sponsorship(ctx, principal, org, program_id)


class MembersIn(BaseModel):
    supplier_ids: list[str] = Field(default_factory=list, max_length=5000)
    hotspots_year: int | None = Field(None, ge=1990, le=2100)


@api_router.post("/orgs/{org}/programs/{program_id}/members", responses=ERRORS)
def programs_members(
    org: str, program_id: RowId, body: MembersIn, ctx: CtxDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Add member suppliers by hand or from the hotspots of a year."""
    return prog.add_members(ctx, principal, org, program_id, body.supplier_ids, body.hotspots_year)


class AreasIn(BaseModel):
    improvement_areas: str = Field(max_length=5000)


@api_router.put(
    "/orgs/{org}/programs/{program_id}/members/{supplier_id}/improvement-areas", responses=ERRORS
)
def programs_improvement_areas(
    org: str,
    program_id: RowId,
    supplier_id: str,
    body: AreasIn,
    ctx: CtxDep,
    principal: PrincipalDep,
) -> dict[str, Any]:
    """The improvement areas agreed with a member supplier."""
    return prog.note_improvement_areas(
        ctx, principal, org, program_id, supplier_id, body.improvement_areas
    )


@api_router.post("/orgs/{org}/programs/{program_id}/matching", responses=ERRORS)
def programs_matching(
    org: str, program_id: RowId, ctx: CtxDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Find the suppliers the sponsors share (identifiers, then name and country)."""
    return prog.find_common_suppliers(ctx, principal, org, program_id)


@api_router.get("/orgs/{org}/programs/{program_id}/shared-suppliers", responses=ERRORS)
def programs_shared(
    org: str, program_id: RowId, ctx: CtxDep, principal: PrincipalDep
) -> list[dict[str, Any]]:
    return prog.shared_suppliers(ctx, principal, org, program_id)


class DecisionIn(BaseModel):
    confirm: bool


@api_router.post("/orgs/{org}/programs/{program_id}/matches/{match_id}", responses=ERRORS)
def programs_decide(
    org: str,
    program_id: RowId,
    match_id: RowId,
    body: DecisionIn,
    ctx: CtxDep,
    principal: PrincipalDep,
) -> dict[str, Any]:
    """Confirm or reject a candidate in the review queue."""
    return prog.decide_match(ctx, principal, org, program_id, match_id, body.confirm)


class ActivityIn(BaseModel):
    kind: str = Field(pattern="^(" + "|".join(ACTIVITY_KINDS) + ")$")
    title: str = Field(min_length=1, max_length=200)
    date: dt.date
    agenda: str = Field("", max_length=5000)
    materials: str = Field("", max_length=5000)
    invite: list[str] = Field(default_factory=list, max_length=5000)


@api_router.get("/orgs/{org}/programs/{program_id}/activities", responses=ERRORS)
def programs_activities(
    org: str, program_id: RowId, ctx: CtxDep, principal: PrincipalDep
) -> list[dict[str, Any]]:
    return prog.activities(ctx, principal, org, program_id)


@api_router.post("/orgs/{org}/programs/{program_id}/activities", status_code=201, responses=ERRORS)
def programs_add_activity(
    org: str, program_id: RowId, body: ActivityIn, ctx: CtxDep, principal: PrincipalDep
) -> dict[str, Any]:
    return prog.add_activity(ctx, principal, org, program_id, **body.model_dump())


class AttendanceIn(BaseModel):
    attended: list[str] = Field(default_factory=list, max_length=5000)


@api_router.post(
    "/orgs/{org}/programs/{program_id}/activities/{activity_id}/attendance", responses=ERRORS
)
def programs_attendance(
    org: str,
    program_id: RowId,
    activity_id: RowId,
    body: AttendanceIn,
    ctx: CtxDep,
    principal: PrincipalDep,
) -> dict[str, Any]:
    return prog.record_attendance(ctx, principal, org, program_id, activity_id, body.attended)


class ProjectIn(BaseModel):
    supplier_id: str = Field(min_length=1, max_length=64)
    type: str = Field(pattern="^(" + "|".join(PROJECT_TYPES) + ")$")
    title: str = Field(min_length=1, max_length=200)
    baseline_t: float = Field(ge=0, le=1e12)
    expected_t: float = Field(ge=0, le=1e12)
    incentive: str = Field("", max_length=300)


@api_router.get("/orgs/{org}/programs/{program_id}/projects", responses=ERRORS)
def programs_projects(
    org: str, program_id: RowId, ctx: CtxDep, principal: PrincipalDep
) -> list[dict[str, Any]]:
    return prog.projects(ctx, principal, org, program_id)


@api_router.post("/orgs/{org}/programs/{program_id}/projects", status_code=201, responses=ERRORS)
def programs_add_project(
    org: str, program_id: RowId, body: ProjectIn, ctx: CtxDep, principal: PrincipalDep
) -> dict[str, Any]:
    return prog.add_project(ctx, principal, org, program_id, **body.model_dump())


class ProjectUpdateIn(BaseModel):
    status: str = Field(pattern="^(" + "|".join(s.value for s in ProjectStatus) + ")$")
    measured_t: float | None = Field(None, ge=0, le=1e12)
    evidence: str = Field("", max_length=5000)


@api_router.post("/orgs/{org}/programs/{program_id}/projects/{project_id}", responses=ERRORS)
def programs_update_project(
    org: str,
    program_id: RowId,
    project_id: RowId,
    body: ProjectUpdateIn,
    ctx: CtxDep,
    principal: PrincipalDep,
) -> dict[str, Any]:
    """Move a project on; a completed one is recorded as a reduction claim in the ledger."""
    return prog.update_project(
        ctx,
        principal,
        org,
        program_id,
        project_id,
        status=body.status,
        measured_t=body.measured_t,
        evidence=body.evidence,
    )


@api_router.get("/orgs/{org}/programs/{program_id}/monitoring", responses=ERRORS)
def programs_monitoring(
    org: str, program_id: RowId, ctx: CtxDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Response rate and the shares of the caller's members (by emissions and by spend) with
    reported data, science-based targets, training and projects; intensity over the years."""
    return prog.monitoring(ctx, principal, org, program_id)


@api_router.get(
    "/orgs/{org}/programs/{program_id}/monitoring.csv",
    responses={**ERRORS, 200: {"content": {"text/csv": {}}}},
    response_class=Response,
)
def programs_monitoring_csv(
    org: str, program_id: RowId, ctx: CtxDep, principal: PrincipalDep
) -> Response:
    report = prog.monitoring(ctx, principal, org, program_id)
    return Response(
        csv_text(prog.monitoring_rows(report)),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="program-{program_id}.csv"'},
    )


# --- pages --------------------------------------------------------------------------------------


def _programs_page(
    request: Request,
    ctx: Context,
    principal: Principal,
    org: str,
    *,
    status_code: int = 200,
    error: str | None = None,
) -> Response:
    member = principal.membership(org)
    return render(
        request,
        "programs.html",
        status_code=status_code,
        title=f"Programs – {member.org_name}",
        active="programs",
        principal=principal,
        member=member,
        org=org,
        programs=prog.list_programs(ctx, principal, org),
        # the programs it takes part in as a supplier (run in its portal)
        taking_part=prog.programs_for_supplier(ctx, principal, org),
        can_edit=_can_edit(member),
        today=dt.date.today().isoformat(),
        error=error,
    )


@ui_router.get("/orgs/{org}/programs")
def programs_page(request: Request, org: str, ctx: CtxDep, principal: PrincipalDep) -> Response:
    return _programs_page(request, ctx, principal, org)


@ui_router.post("/orgs/{org}/programs", dependencies=[Csrf])
def programs_create_form(
    request: Request,
    org: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    name: Annotated[str, Form(max_length=200)] = "",
    goals: Annotated[str, Form(max_length=5000)] = "",
    start: Annotated[str, Form(max_length=20)] = "",
    end: Annotated[str, Form(max_length=20)] = "",
    co_sponsors: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    def create() -> dict[str, Any]:
        try:
            begin, finish = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
        except ValueError:
            raise InvalidDataError("fields 'start' and 'end': give dates") from None
        return prog.create_program(
            ctx,
            principal,
            org,
            name=name,
            goals=goals,
            start=begin,
            end=finish,
            co_sponsors=[s.strip() for s in co_sponsors.replace("\n", ",").split(",") if s.strip()],
        )

    return form_result(
        functools.partial(_programs_page, request, ctx, principal, org),
        create,
        lambda made: RedirectResponse(f"/orgs/{org}/programs/{made['id']}", status_code=303),
    )


def _program_page(
    request: Request,
    org: str,
    program_id: int,
    ctx: Context,
    principal: Principal,
    *,
    status_code: int = 200,
    error: str | None = None,
    notice: str | None = None,
) -> Response:
    member = principal.membership(org)
    program = prog.show_program(ctx, principal, org, program_id)
    return render(
        request,
        "program.html",
        status_code=status_code,
        title=f"{program['name']} – {member.org_name}",
        active="programs",
        principal=principal,
        member=member,
        org=org,
        program=program,
        shared=prog.shared_suppliers(ctx, principal, org, program_id),
        activities=prog.activities(ctx, principal, org, program_id),
        projects=prog.projects(ctx, principal, org, program_id),
        library=prog.library(ctx, principal, org, program_id),
        report=prog.monitoring(ctx, principal, org, program_id),
        is_sponsor_pending=any(s["org"] == org and not s["accepted"] for s in program["sponsors"]),
        can_edit=_can_edit(member),
        error=error,
        notice=notice,
    )


@ui_router.get("/orgs/{org}/programs/{program_id}")
def program_page(
    request: Request, org: str, program_id: RowId, ctx: CtxDep, principal: PrincipalDep
) -> Response:
    return _program_page(request, org, program_id, ctx, principal)


@ui_router.post("/orgs/{org}/programs/{program_id}/accept", dependencies=[Csrf])
def program_accept_form(
    request: Request, org: str, program_id: RowId, ctx: CtxDep, principal: PrincipalDep
) -> Response:
    page = functools.partial(_program_page, request, org, program_id, ctx, principal)
    return form_result(
        page,
        lambda: prog.accept_sponsorship(ctx, principal, org, program_id),
        lambda _: page(notice="Sponsorship accepted"),
        conflict_status=409,
    )


@ui_router.post("/orgs/{org}/programs/{program_id}/matching", dependencies=[Csrf])
def program_matching_form(
    request: Request, org: str, program_id: RowId, ctx: CtxDep, principal: PrincipalDep
) -> Response:
    found = prog.find_common_suppliers(ctx, principal, org, program_id)
    return _program_page(
        request,
        org,
        program_id,
        ctx,
        principal,
        notice=f"{found['confirmed']} shared suppliers confirmed by identifier, "
        f"{found['pending']} to review",
    )


@ui_router.post("/orgs/{org}/programs/{program_id}/matches/{match_id}", dependencies=[Csrf])
def program_decide_form(
    request: Request,
    org: str,
    program_id: RowId,
    match_id: RowId,
    ctx: CtxDep,
    principal: PrincipalDep,
    decision: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    decided = prog.decide_match(ctx, principal, org, program_id, match_id, decision == "confirm")
    return _program_page(
        request,
        org,
        program_id,
        ctx,
        principal,
        notice=f"{decided['name'] or decided['supplier_id']}: {decided['status']}",
    )


@ui_router.get("/orgs/{org}/programs/{program_id}/monitoring.csv")
def program_monitoring_download(
    org: str, program_id: RowId, ctx: CtxDep, principal: PrincipalDep
) -> Response:
    return programs_monitoring_csv(org, program_id, ctx, principal)


@api_router.get(
    "/orgs/{org}/programs/{program_id}/monitoring.xlsx",
    responses={**ERRORS, 200: {"content": {XLSX: {}}}},
    response_class=Response,
)
def programs_monitoring_xlsx(
    org: str, program_id: RowId, ctx: CtxDep, principal: PrincipalDep
) -> Response:
    report = prog.monitoring(ctx, principal, org, program_id)
    return Response(
        xlsx_bytes(prog.monitoring_sheets(report)),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="program-{program_id}.xlsx"'},
    )


@ui_router.get("/orgs/{org}/programs/{program_id}/monitoring.xlsx")
def program_monitoring_xlsx_download(
    org: str, program_id: RowId, ctx: CtxDep, principal: PrincipalDep
) -> Response:
    return programs_monitoring_xlsx(org, program_id, ctx, principal)
