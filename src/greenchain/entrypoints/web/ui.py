"""The HTML UI (Jinja2 + HTMX): login, dashboard with charts, suppliers, uploads, runs."""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from greenchain.domain.access import Principal, Role
from greenchain.domain.errors import (
    GreenchainError,
    InvalidDataError,
    NotFoundError,
    PermissionDeniedError,
)
from greenchain.domain.ghg import GwpSet
from greenchain.domain.inventory import SCOPE3_CATEGORY_NAMES, InventoryReport
from greenchain.domain.records import SCHEMAS
from greenchain.entrypoints.web.deps import CtxDep, PrincipalDep, optional_principal
from greenchain.services import accounts as account_service
from greenchain.services import jobs as job_service
from greenchain.services import queries

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
METHOD_LABELS = {
    "product_level": "Product footprints",
    "supplier_specific": "Supplier-specific",
    "average_data": "Average data",
    "spend_based": "Spend-based",
}


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def check_csrf(request: Request) -> None:
    """Every form POST carries the session's CSRF token (field ``csrf_token``)."""
    form = await request.form()
    sent = form.get("csrf_token")
    expected = request.session.get("csrf")
    if not isinstance(sent, str) or not expected or not secrets.compare_digest(sent, expected):
        raise PermissionDeniedError("the form expired or did not come from this site; reload it")


Csrf = Depends(check_csrf)


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    context.setdefault("principal", None)
    context["csrf_token"] = csrf_token(request)
    context["method_labels"] = METHOD_LABELS
    return templates.TemplateResponse(request, template, context, status_code=status_code)


def error_page(request: Request, status: int, message: str) -> Response:
    titles = {403: "Not allowed", 404: "Not found", 422: "Check your input", 429: "Slow down"}
    return render(
        request,
        "error.html",
        status_code=status,
        status=status,
        title=titles.get(status, "Something went wrong"),
        message=message,
    )


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _safe_next(target: str | None) -> str:
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", title="Log in", next=_safe_next(next), error=None)


@router.post("/login", dependencies=[Csrf])
def login(
    request: Request,
    ctx: CtxDep,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=500)],
    next: Annotated[str, Form()] = "/",
) -> Response:
    try:
        principal = account_service.authenticate(ctx, email, password, _client(request))
    except PermissionDeniedError as exc:
        return render(
            request,
            "login.html",
            status_code=401,
            title="Log in",
            error=exc.message,
            next=_safe_next(next),
            email=email,
        )
    request.session.clear()
    request.session["user_id"] = principal.user_id
    account_service.record(ctx, principal, None, "login", principal.email)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout", dependencies=[Csrf])
def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/password-reset")
def reset_request_form(request: Request) -> Response:
    return render(request, "reset_request.html", title="Reset password", sent=False)


@router.post("/password-reset", dependencies=[Csrf])
def reset_request(
    request: Request, ctx: CtxDep, email: Annotated[str, Form(max_length=320)]
) -> Response:
    account_service.request_password_reset(ctx, email, request.app.state.settings.base_url)
    return render(request, "reset_request.html", title="Reset password", sent=True)


@router.get("/password-reset/{token}")
def reset_form(request: Request, token: str) -> Response:
    return render(
        request, "reset_form.html", title="Choose a new password", token=token, error=None
    )


@router.post("/password-reset/{token}", dependencies=[Csrf])
def reset(
    request: Request, ctx: CtxDep, token: str, password: Annotated[str, Form(max_length=500)]
) -> Response:
    try:
        account_service.reset_password(ctx, token, password)
    except InvalidDataError as exc:
        return render(
            request,
            "reset_form.html",
            status_code=422,
            title="Choose a new password",
            token=token,
            error=exc.message,
        )
    return RedirectResponse("/login", status_code=303)


@router.get("/invitations/{token}")
def invitation_form(request: Request, token: str) -> Response:
    return render(request, "invitation.html", title="Accept invitation", token=token, error=None)


@router.post("/invitations/{token}", dependencies=[Csrf])
def accept(
    request: Request, ctx: CtxDep, token: str, password: Annotated[str, Form(max_length=500)] = ""
) -> Response:
    try:
        principal = account_service.accept_invitation(ctx, token, password or None)
    except InvalidDataError as exc:
        return render(
            request,
            "invitation.html",
            status_code=422,
            title="Accept invitation",
            token=token,
            error=exc.message,
        )
    request.session.clear()
    request.session["user_id"] = principal.user_id
    return RedirectResponse("/", status_code=303)


@router.get("/")
def home(
    request: Request, principal: Annotated[Principal | None, Depends(optional_principal)]
) -> Response:
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    if not principal.memberships:
        return render(
            request,
            "error.html",
            status=200,
            title="No organisation",
            message="You are not a member of any organisation yet.",
            principal=principal,
        )
    first = next(iter(principal.memberships))
    return RedirectResponse(f"/orgs/{first}/dashboard", status_code=303)


def _chart_data(report: InventoryReport, previous: InventoryReport | None) -> dict[str, Any]:
    top = report.by_supplier[:20]
    scope3 = report.by_scope["3"] or 1.0
    cumulative, running = [], 0.0
    for s in top:
        running += s.t_co2e
        cumulative.append(round(running / scope3, 4))
    return {
        "scopes": {
            "labels": ["Scope 1", "Scope 2 (market)", "Scope 3"],
            "values": [report.by_scope["1"], report.by_scope["2_market"], report.by_scope["3"]],
        },
        "categories": {
            "labels": [
                f"{k}. {SCOPE3_CATEGORY_NAMES[int(k)]}" for k, v in report.by_category.items() if v
            ],
            "values": [v for v in report.by_category.values() if v],
        },
        "pareto": {
            "labels": [s.supplier_id for s in top],
            "values": [s.t_co2e for s in top],
            "cumulative": cumulative,
        },
        "methods": {
            "labels": [METHOD_LABELS[k] for k in report.by_method],
            "values": list(report.by_method.values()),
        },
        "previous": previous.total_t_co2e if previous else None,
    }


@router.get("/orgs/{org}/dashboard")
def dashboard(
    request: Request,
    org: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
) -> Response:
    member = principal.membership(org)
    years = queries.get_run_years(ctx, principal, org)
    chosen = year or (years[0] if years else dt.date.today().year - 1)
    report = previous = None
    if chosen in years:
        report = queries.get_inventory_report(ctx, principal, org, chosen)
        if chosen - 1 in years:
            previous = queries.get_inventory_report(ctx, principal, org, chosen - 1)
    change = None
    if report and previous and previous.total_t_co2e:
        change = report.total_t_co2e / previous.total_t_co2e - 1
    return render(
        request,
        "dashboard.html",
        title=f"Dashboard {chosen} – {member.org_name}",
        principal=principal,
        member=member,
        org=org,
        year=chosen,
        years=years,
        report=report,
        previous=previous,
        change=change,
        categories=SCOPE3_CATEGORY_NAMES,
        chart_data=_chart_data(report, previous) if report else None,
    )


@router.get("/orgs/{org}/suppliers")
def suppliers_page(
    request: Request,
    org: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    q: Annotated[str, Query(max_length=100)] = "",
    sort: Annotated[str, Query(pattern="^(name|country|id|emissions)$")] = "emissions",
    order: Annotated[str, Query(pattern="^(asc|desc)$")] = "desc",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    member = principal.membership(org)
    per_page = 25
    items, total = queries.list_suppliers(
        ctx,
        principal,
        org,
        query=q,
        sort=sort,
        descending=order == "desc",
        page=page,
        per_page=per_page,
    )
    pages = max(1, -(-total // per_page))
    return render(
        request,
        "suppliers.html",
        title=f"Suppliers – {member.org_name}",
        principal=principal,
        member=member,
        org=org,
        items=items,
        total=total,
        q=q,
        sort=sort,
        order=order,
        page=page,
        pages=pages,
    )


@router.get("/orgs/{org}/suppliers/{supplier_id}")
def supplier_page(
    request: Request, org: str, supplier_id: str, ctx: CtxDep, principal: PrincipalDep
) -> Response:
    member = principal.membership(org)
    supplier = queries.get_supplier(ctx, principal, org, supplier_id)
    return render(
        request,
        "supplier.html",
        title=f"{supplier['name']} – {member.org_name}",
        principal=principal,
        member=member,
        org=org,
        supplier=supplier,
    )


@router.get("/orgs/{org}/uploads")
def uploads_page(request: Request, org: str, ctx: CtxDep, principal: PrincipalDep) -> Response:
    member = principal.membership(org)
    jobs = [j for j in job_service.list_jobs(ctx, principal, org) if j["kind"] == "import"]
    return render(
        request,
        "uploads.html",
        title=f"Uploads – {member.org_name}",
        principal=principal,
        member=member,
        org=org,
        jobs=jobs,
        kinds=list(SCHEMAS),
        error=None,
    )


@router.post("/orgs/{org}/uploads", dependencies=[Csrf])
async def upload(
    request: Request,
    org: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    kind: Annotated[str, Form()],
    file: Annotated[UploadFile, File()],
    skip_invalid: Annotated[str | None, Form()] = None,
) -> Response:
    member = principal.membership(org, Role.ANALYST)
    name = Path(file.filename or "").name
    try:
        if kind not in SCHEMAS:
            raise InvalidDataError(f"choose what the file holds ({', '.join(SCHEMAS)})")
        if Path(name).suffix.lower() not in (".csv", ".xlsx"):
            raise InvalidDataError(f"'{name or 'the file'}' is not a .csv or .xlsx file")
        data = await file.read(100 * 1024 * 1024 + 1)
        if len(data) > 100 * 1024 * 1024:
            raise InvalidDataError("the file is larger than 100 MB")
    except InvalidDataError as exc:
        jobs = [j for j in job_service.list_jobs(ctx, principal, org) if j["kind"] == "import"]
        return render(
            request,
            "uploads.html",
            status_code=422,
            title="Uploads",
            principal=principal,
            member=member,
            org=org,
            jobs=jobs,
            kinds=list(SCHEMAS),
            error=exc.message,
        )
    folder = Path(request.app.state.settings.upload_dir) / str(member.org_id)
    folder.mkdir(parents=True, exist_ok=True)
    stored = (
        folder / f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(4)}"
        f"{Path(name).suffix.lower()}"
    )
    stored.write_bytes(data)
    job_service.submit_import(ctx, principal, org, kind, stored, name, skip_invalid is not None)
    return RedirectResponse(f"/orgs/{org}/uploads", status_code=303)


@router.get("/orgs/{org}/jobs/{job_id}")
def job_fragment(
    request: Request, org: str, job_id: int, ctx: CtxDep, principal: PrincipalDep
) -> Response:
    """One job's status row; HTMX polls it until the job is done or failed."""
    job = job_service.get_job(ctx, principal, org, job_id)
    return render(request, "_job.html", org=org, job=job)


@router.get("/orgs/{org}/jobs/{job_id}/rejected-rows")
def rejected_download(org: str, job_id: int, ctx: CtxDep, principal: PrincipalDep) -> Response:
    job = job_service.get_job(ctx, principal, org, job_id)
    report = (job.get("result") or {}).get("rejected_report")
    if not report or not Path(report).is_file():
        raise NotFoundError(f"job {job_id} has no rejected rows")
    return FileResponse(report, media_type="text/csv", filename=f"rejected-rows-job-{job_id}.csv")


@router.get("/orgs/{org}/runs")
def runs_page(request: Request, org: str, ctx: CtxDep, principal: PrincipalDep) -> Response:
    member = principal.membership(org)
    runs = list(reversed(queries.list_runs(ctx, principal, org)))
    jobs = [j for j in job_service.list_jobs(ctx, principal, org) if j["kind"] == "calculate"]
    return render(
        request,
        "runs.html",
        title=f"Calculation runs – {member.org_name}",
        principal=principal,
        member=member,
        org=org,
        runs=runs,
        jobs=jobs[:5],
        default_year=dt.date.today().year - 1,
        error=None,
    )


@router.post("/orgs/{org}/runs", dependencies=[Csrf])
def start_run(
    request: Request,
    org: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    year: Annotated[int, Form(ge=1990, le=2100)],
    gwp: Annotated[str, Form()] = "AR5",
) -> Response:
    try:
        job_service.submit_calculation(ctx, principal, org, year, GwpSet.parse(gwp))
    except (InvalidDataError, GreenchainError) as exc:
        if isinstance(exc, NotFoundError | PermissionDeniedError):
            raise
        return error_page(request, 422, exc.message)
    return RedirectResponse(f"/orgs/{org}/runs", status_code=303)
