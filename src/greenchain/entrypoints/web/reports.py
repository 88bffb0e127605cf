"""Annual progress reports on the web: the JSON API (``api_router``, under /api/v1) with the
PDF and HTML downloads, and the reports page (``ui_router``).

Every route checks the caller's membership first (analyst or more to create a report; a
non-member, or a report of another organisation, gets 404), then calls the use cases of
``greenchain.services.progress_report`` with the report store and renderer built here from
the workspace's database engine.
"""

from __future__ import annotations

import datetime as dt
import functools
from functools import cache
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import Engine

from greenchain.adapters.db.reports import SqlReports
from greenchain.adapters.report_render import ReportRenderer
from greenchain.domain.access import Principal, Role
from greenchain.domain.errors import NotFoundError
from greenchain.domain.records import MAX_ROW_ID
from greenchain.entrypoints.web import disclosures as disclosures_web
from greenchain.entrypoints.web.api import ERRORS
from greenchain.entrypoints.web.deps import CtxDep, PrincipalDep, RowId
from greenchain.entrypoints.web.ui import Csrf, _can_edit, form_result, render
from greenchain.services import progress_report as report_service
from greenchain.services.context import Context
from greenchain.services.ports import ReportStore

api_router = APIRouter(prefix="/api/v1", tags=["progress reports"])
ui_router = APIRouter(include_in_schema=False)

#: The stored HTML carries inline styles (print CSS, chart styles) and no scripts: it is
#: served with a policy of its own that allows exactly that.
HTML_REPORT_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'; sandbox"
)


@cache
def _renderer() -> ReportRenderer:
    return ReportRenderer()


def _store(ctx: Context) -> ReportStore:
    engine = getattr(ctx.workspace, "engine", None)
    if not isinstance(engine, Engine):  # pragma: no cover - wiring error
        raise NotFoundError("progress reports are not available in this deployment")
    return SqlReports(engine)


def _file_name(org: str, report: dict[str, Any], suffix: str) -> str:
    return f"{org}-progress-report-{report['year']}-{report['id']}.{suffix}"


def _pdf(org: str, report: dict[str, Any]) -> Response:
    return Response(
        report["pdf"],
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{_file_name(org, report, "pdf")}"',
            "X-Content-SHA256": report["pdf_sha256"],
        },
    )


def _html(org: str, report: dict[str, Any]) -> Response:
    return Response(
        report["html"],
        media_type="text/html; charset=utf-8",
        headers={
            "Content-Disposition": f'inline; filename="{_file_name(org, report, "html")}"',
            "Content-Security-Policy": HTML_REPORT_POLICY,
        },
    )


class ReportIn(BaseModel):
    year: int = Field(ge=1990, le=2100, description="Reporting year")


# --- API -------------------------------------------------------------------------------------


@api_router.post("/orgs/{org}/progress-reports", status_code=201, responses=ERRORS)
def reports_create(
    org: str, body: ReportIn, ctx: CtxDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Build, render (HTML and PDF), store and log the progress report of ``year`` (analysts).

    The answer has the report id, the PDF's SHA-256 (recorded in the transparency log as
    ``ledger_seq``) and the download URLs.
    """
    return report_service.create_progress_report_for(
        ctx, principal, _store(ctx), org, body.year, renderer=_renderer()
    )


@api_router.get("/orgs/{org}/progress-reports", responses=ERRORS)
def reports_list(org: str, ctx: CtxDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    """The organisation's stored progress reports, newest first."""
    return report_service.list_reports_for(ctx, principal, _store(ctx), org)


@api_router.get(
    "/orgs/{org}/progress-reports/{report_id}.pdf",
    responses={**ERRORS, 200: {"content": {"application/pdf": {}}}},
    response_class=Response,
)
def reports_pdf(org: str, report_id: RowId, ctx: CtxDep, principal: PrincipalDep) -> Response:
    """The stored PDF (its SHA-256 is in the ``X-Content-SHA256`` header and the ledger)."""
    report = report_service.get_report_for(ctx, principal, _store(ctx), org, report_id)
    return _pdf(org, report)


@api_router.get(
    "/orgs/{org}/progress-reports/{report_id}.html",
    responses={**ERRORS, 200: {"content": {"text/html": {}}}},
    response_class=Response,
)
def reports_html(org: str, report_id: RowId, ctx: CtxDep, principal: PrincipalDep) -> Response:
    """The stored HTML of the report (print-ready, charts inline, no scripts)."""
    report = report_service.get_report_for(ctx, principal, _store(ctx), org, report_id)
    return _html(org, report)


# --- page ------------------------------------------------------------------------------------


def reports_page_for(
    request: Request,
    ctx: Context,
    principal: Principal,
    org: str,
    *,
    status_code: int = 200,
    error: str | None = None,
    notice: str | None = None,
    year: int | None = None,
) -> Response:
    member = principal.membership(org)
    return render(
        request,
        "reports.html",
        status_code=status_code,
        title=f"Reports – {member.org_name}",
        active="reports",
        principal=principal,
        member=member,
        org=org,
        reports=report_service.list_reports_for(ctx, principal, _store(ctx), org),
        **disclosures_web.page_context(ctx, principal, org),
        can_edit=_can_edit(member),
        default_year=year or dt.date.today().year - 1,
        error=error,
        notice=notice,
    )


@ui_router.get("/orgs/{org}/reports")
def reports_page(
    request: Request,
    org: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    created: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
    issued: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
) -> Response:
    notice = f"Progress report {created} created and recorded in the ledger" if created else None
    if issued:
        notice = f"Disclosure {issued} issued, stored and recorded in the ledger"
    return reports_page_for(request, ctx, principal, org, notice=notice)


@ui_router.post("/orgs/{org}/reports", dependencies=[Csrf])
def reports_create_form(
    request: Request,
    org: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    year: Annotated[int, Form(ge=1990, le=2100)],
) -> Response:
    """Create a report from the page's form (analysts); a year without data is shown as an
    error on the page (422)."""
    principal.membership(org, Role.ANALYST)
    page = functools.partial(reports_page_for, request, ctx, principal, org, year=year)
    return form_result(
        page,
        lambda: report_service.create_progress_report_for(
            ctx, principal, _store(ctx), org, year, renderer=_renderer()
        ),
        lambda created: RedirectResponse(
            f"/orgs/{org}/reports?created={created['id']}", status_code=303
        ),
    )


@ui_router.get("/orgs/{org}/reports/{report_id}.pdf")
def reports_pdf_page(org: str, report_id: RowId, ctx: CtxDep, principal: PrincipalDep) -> Response:
    report = report_service.get_report_for(ctx, principal, _store(ctx), org, report_id)
    return _pdf(org, report)


@ui_router.get("/orgs/{org}/reports/{report_id}.html")
def reports_html_page(org: str, report_id: RowId, ctx: CtxDep, principal: PrincipalDep) -> Response:
    report = report_service.get_report_for(ctx, principal, _store(ctx), org, report_id)
    return _html(org, report)
