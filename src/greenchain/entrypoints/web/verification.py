"""The verifier's workspace on the web (``ui_router``): its engagements, for each the run under
review with its lines, the suppliers' evidence, samples with what was checked, findings sent to
the organisation, and the way to the ledger entry it signs. The JSON of the same use cases is
under ``api_router`` (/api/v1/orgs/{verifier}/engagements...)."""

from __future__ import annotations

import functools
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from greenchain.adapters.exports import XLSX_MEDIA_TYPE as XLSX
from greenchain.adapters.exports import csv_text, xlsx_bytes
from greenchain.domain.access import Principal
from greenchain.domain.errors import InvalidDataError, NotFoundError
from greenchain.domain.verification import (
    CHECK_RESULTS,
    DEFAULT_CONFIDENCE,
    DEFAULT_MATERIALITY,
    SEVERITIES,
)
from greenchain.entrypoints.web.api import ERRORS
from greenchain.entrypoints.web.deps import CtxDep, PrincipalDep, RowId
from greenchain.entrypoints.web.run_lines import PER_PAGE, Lines, lines_file, lines_response
from greenchain.entrypoints.web.ui import Csrf, _can_edit, form_result, render
from greenchain.services import verification as service
from greenchain.services.context import Context

api_router = APIRouter(prefix="/api/v1", tags=["verification"])
ui_router = APIRouter(include_in_schema=False)
Slug = Annotated[str, Query(min_length=2, max_length=63)]


def _percent(text: str, label: str, default: float) -> float:
    """A share typed in percent (``5`` or ``5 %``); empty is the default."""
    raw = text.strip().rstrip("%").strip().replace(",", ".")
    if not raw:
        return default
    try:
        return float(raw) / 100
    except ValueError:
        raise InvalidDataError(f"{label}: '{text}' is not a percentage") from None


# --- pages ---------------------------------------------------------------------------------------


@ui_router.get("/orgs/{verifier}/engagements")
def engagements_page(
    request: Request, verifier: str, ctx: CtxDep, principal: PrincipalDep
) -> Response:
    member = principal.membership(verifier)
    return render(
        request,
        "engagements.html",
        title=f"Engagements – {member.org_name}",
        active="engagements",
        principal=principal,
        member=member,
        org=verifier,
        engagements=service.engagements(ctx, principal, verifier),
    )


def _engagement_page(
    request: Request,
    ctx: Context,
    principal: Principal,
    verifier: str,
    org: str,
    *,
    status_code: int = 200,
    error: str | None = None,
    notice: str | None = None,
) -> Response:
    member = principal.membership(verifier)
    found = service.engagement(ctx, principal, verifier, org)
    return render(
        request,
        "engagement.html",
        status_code=status_code,
        title=f"{found['org_name']} {found['year'] or ''} – {member.org_name}",
        active="engagements",
        principal=principal,
        member=member,
        org=verifier,
        subject=org,
        e=found,
        can_edit=_can_edit(member),
        severities=SEVERITIES,
        default_materiality=DEFAULT_MATERIALITY,
        default_confidence=DEFAULT_CONFIDENCE,
        error=error,
        notice=notice,
    )


@ui_router.get("/orgs/{verifier}/engagements/{org}")
def engagement_page(
    request: Request, verifier: str, org: str, ctx: CtxDep, principal: PrincipalDep
) -> Response:
    return _engagement_page(request, ctx, principal, verifier, org)


@ui_router.post("/orgs/{verifier}/engagements/{org}/samples", dependencies=[Csrf])
def draw_sample_form(
    request: Request,
    verifier: str,
    org: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    materiality: Annotated[str, Form(max_length=20)] = "",
    confidence: Annotated[str, Form(max_length=20)] = "",
    seed: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    page = functools.partial(_engagement_page, request, ctx, principal, verifier, org)
    return form_result(
        page,
        lambda: service.draw_sample(
            ctx,
            principal,
            verifier,
            org,
            materiality=_percent(materiality, "Materiality", DEFAULT_MATERIALITY),
            confidence=_percent(confidence, "Confidence", DEFAULT_CONFIDENCE),
            seed=int(seed) if seed.strip().isdigit() else None,
        ),
        lambda drawn: RedirectResponse(
            f"/orgs/{verifier}/engagements/{org}/samples/{drawn['sample_id']}", status_code=303
        ),
    )


@ui_router.post("/orgs/{verifier}/engagements/{org}/findings", dependencies=[Csrf])
def finding_form(
    request: Request,
    verifier: str,
    org: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    severity: Annotated[str, Form(max_length=10)] = "",
    description: Annotated[str, Form(max_length=4000)] = "",
    source_id: Annotated[str, Form(max_length=160)] = "",
) -> Response:
    page = functools.partial(_engagement_page, request, ctx, principal, verifier, org)
    return form_result(
        page,
        lambda: service.add_finding(
            ctx,
            principal,
            verifier,
            org,
            severity=severity,
            description=description,
            source_id=source_id,
        ),
        lambda sent: page(
            notice=f"Finding sent to {ctx.workspace.get_org(org).name} "
            f"({sent['severity']}, run {sent['run_id']})"
        ),
    )


def _sample_page(
    request: Request,
    ctx: Context,
    principal: Principal,
    verifier: str,
    org: str,
    sample_id: int,
    *,
    status_code: int = 200,
    error: str | None = None,
    notice: str | None = None,
) -> Response:
    member = principal.membership(verifier)
    sample = service.sample_lines(ctx, principal, verifier, org, sample_id)
    return render(
        request,
        "verification_sample.html",
        status_code=status_code,
        title=f"Sample {sample_id} of run {sample['run_id']} – {member.org_name}",
        active="engagements",
        principal=principal,
        member=member,
        org=verifier,
        subject=org,
        sample=sample,
        results=CHECK_RESULTS,
        can_edit=_can_edit(member),
        error=error,
        notice=notice,
    )


# the downloads first: '/samples/{sample_id}' would also match '/samples/5.csv'
def _sample_rows(sample: dict[str, Any]) -> list[list[Any]]:
    return [
        list(service.SAMPLE_COLUMNS),
        *([line.get(k) for k in service.SAMPLE_COLUMNS] for line in sample["lines"]),
    ]


@ui_router.get("/orgs/{verifier}/engagements/{org}/samples/{sample_id}.csv")
def sample_csv(
    verifier: str, org: str, sample_id: RowId, ctx: CtxDep, principal: PrincipalDep
) -> Response:
    sample = service.sample_lines(ctx, principal, verifier, org, sample_id)
    return Response(
        csv_text(_sample_rows(sample)),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{org}-sample-{sample_id}.csv"'},
    )


@ui_router.get("/orgs/{verifier}/engagements/{org}/samples/{sample_id}.xlsx")
def sample_xlsx(
    verifier: str, org: str, sample_id: RowId, ctx: CtxDep, principal: PrincipalDep
) -> Response:
    sample = service.sample_lines(ctx, principal, verifier, org, sample_id)
    return Response(
        xlsx_bytes([("Sample", _sample_rows(sample))]),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{org}-sample-{sample_id}.xlsx"'},
    )


@ui_router.get("/orgs/{verifier}/engagements/{org}/samples/{sample_id}")
def sample_page(
    request: Request,
    verifier: str,
    org: str,
    sample_id: RowId,
    ctx: CtxDep,
    principal: PrincipalDep,
) -> Response:
    return _sample_page(request, ctx, principal, verifier, org, sample_id)


@ui_router.post(
    "/orgs/{verifier}/engagements/{org}/samples/{sample_id}/checks", dependencies=[Csrf]
)
def check_form(
    request: Request,
    verifier: str,
    org: str,
    sample_id: RowId,
    ctx: CtxDep,
    principal: PrincipalDep,
    source: Annotated[str, Form(max_length=20)],
    source_id: Annotated[str, Form(max_length=160)],
    result: Annotated[str, Form(max_length=20)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    page = functools.partial(_sample_page, request, ctx, principal, verifier, org, sample_id)
    return form_result(
        page,
        lambda: service.record_check(
            ctx,
            principal,
            verifier,
            org,
            sample_id,
            source=source,
            source_id=source_id,
            result=result,
            note=note,
        ),
        lambda _: page(notice=f"{source_id}: {result} recorded"),
    )


@ui_router.get("/orgs/{verifier}/engagements/{org}/runs/{run_id}/lines")
def lines_page(
    request: Request,
    verifier: str,
    org: str,
    run_id: RowId,
    ctx: CtxDep,
    principal: PrincipalDep,
    params: Lines,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> Response:
    """The lines of the run under review, as the organisation sees them."""
    found = service.engagement(ctx, principal, verifier, org)
    report = found["report"]
    if report is None or report.run_id != run_id:
        raise NotFoundError(f"calculation run {run_id} is not under review")
    return lines_response(
        request,
        principal,
        verifier,
        report=report,
        title=f"Lines of {found['org_name']} run {run_id}",
        active="engagements",
        path=f"/orgs/{verifier}/engagements/{org}/runs/{run_id}/lines",
        crumbs=[
            ("Engagements", f"/orgs/{verifier}/engagements"),
            (found["org_name"], f"/orgs/{verifier}/engagements/{org}"),
        ],
        suppliers_linked=False,
        params=params,
        page=page,
        fetch=lambda flt, at: service.lines_page(
            ctx, principal, verifier, org, run_id, flt, at, PER_PAGE
        ),
    )


@ui_router.get("/orgs/{verifier}/engagements/{org}/runs/{run_id}/lines.{suffix}")
def lines_download(
    verifier: str,
    org: str,
    run_id: RowId,
    suffix: Annotated[str, Path(pattern="^(csv|xlsx)$")],
    ctx: CtxDep,
    principal: PrincipalDep,
    params: Lines,
) -> Response:
    flt = params.filter()
    table = service.filtered_lines(ctx, principal, verifier, org, run_id, flt)
    return lines_file(table, f"{org}-run-{run_id}", flt, suffix)


@ui_router.get("/orgs/{verifier}/engagements/{org}/evidence/{response_id}/{evidence_id}")
def evidence_download(
    verifier: str,
    org: str,
    response_id: RowId,
    evidence_id: RowId,
    ctx: CtxDep,
    principal: PrincipalDep,
) -> Response:
    found = service.evidence_file(ctx, principal, verifier, org, response_id, evidence_id)
    name = str(found["file_name"]).replace('"', "")
    return Response(
        bytes(found["data"]),
        media_type=str(found["content_type"]),
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-SHA256": str(found["sha256"]),
        },
    )


# --- API -----------------------------------------------------------------------------------------


@api_router.get("/orgs/{org}/engagements", responses=ERRORS)
def engagements_api(org: str, ctx: CtxDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    """The verifier ``org``'s engagements with the run under review and whether it signed."""
    return service.engagements(ctx, principal, org)


@api_router.get("/orgs/{org}/engagements/{subject}/samples/{sample_id}", responses=ERRORS)
def sample_api(
    org: str, subject: str, sample_id: RowId, ctx: CtxDep, principal: PrincipalDep
) -> dict[str, Any]:
    """A sample the verifier ``org`` drew of ``subject``'s run: its parameters and lines
    (drawn again from the stored run) with what was checked."""
    sample = service.sample_lines(ctx, principal, org, subject, sample_id)
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in sample.items()}
