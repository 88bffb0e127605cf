"""The HTML UI (Jinja2 + HTMX): rendering with the navigation of each kind of organisation, CSRF,
the shape of a form handler, the error page; and the suppliers, uploads and runs pages. The
login and account pages are in ``web.account_pages``, the dashboard in ``web.dashboard``.

Pages carry no inline script or style (the Content Security Policy forbids both): chart data
travels in ``<script type="application/json">`` blocks that ``static/app.js`` reads. Every form
POST carries the session's CSRF token; the routes check it with :func:`check_csrf`.
"""

from __future__ import annotations

import datetime as dt
import functools
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from greenchain.domain.access import Membership, Principal, Role
from greenchain.domain.errors import (
    ConflictError,
    FieldsRejectedError,
    GreenchainError,
    InvalidDataError,
    NotFoundError,
    PermissionDeniedError,
)
from greenchain.domain.ghg import DEFAULT_GWP_SET, GwpSet
from greenchain.domain.records import SCHEMAS
from greenchain.entrypoints.web.deps import (
    CtxDep,
    PrincipalDep,
    RowId,
    session_principal,
)
from greenchain.services import campaigns as campaign_service
from greenchain.services import jobs as job_service
from greenchain.services import queries, ui_queries
from greenchain.services.context import Context

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))

METHOD_LABELS = {
    "product_level": "Product footprints",
    "supplier_specific": "Supplier-specific",
    "average_data": "Average data",
    "spend_based": "Spend-based",
}
UPLOAD_KINDS = {
    "suppliers": "Suppliers",
    "purchases": "Purchases (spend)",
    "supplier-data": "Supplier-reported emissions",
    "activity": "Activity data (energy, F-gases, travel, freight, waste, sold products)",
    "product-footprints": "Product footprints",
    "energy-attributes": "Energy attribute certificates and PPAs",
    "take-back": "Take-back of sold products",
}
# The main navigation as (path under /orgs/{org}/, label). An organisation that takes part only
# as a supplier sees what it uses; a buyer, or a company that is both, sees everything.
MAIN_NAV = (
    ("dashboard", "Dashboard"),
    ("suppliers", "Suppliers"),
    ("uploads", "Uploads"),
    ("runs", "Runs"),
    ("programs", "Programs"),
    ("requests", "Requests"),
    ("portal", "Portal"),
    ("qualification", "Qualification"),
    ("pact", "PACT"),
    ("targets", "Targets"),
    ("reports", "Reports"),
    ("ledger", "Ledger"),
)
SUPPLIER_NAV = (
    ("portal", "Portal"),
    ("qualification", "Qualification"),
    ("pact", "PACT"),
    ("ledger", "Ledger"),
)
ENGAGEMENTS = ("engagements", "Engagements")
VERIFIER_NAV = (ENGAGEMENTS, ("ledger", "Ledger"))
MAX_UPLOAD_BYTES = 100 * 1024 * 1024
SUPPLIERS_PER_PAGE = 25


# --- CSRF -----------------------------------------------------------------------------------


def csrf_token(request: Request) -> str:
    """The browser's CSRF token (created on first use; kept in the signed cookie of the session
    middleware, which proves no identity: logins are server-side sessions, see ``deps``)."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def check_csrf(request: Request) -> None:
    """Every form POST carries the session's CSRF token (field ``csrf_token``); a missing or
    wrong token is refused with 403."""
    form = await request.form()
    sent = form.get("csrf_token")
    expected = request.session.get("csrf")
    if not (
        isinstance(sent, str)
        and isinstance(expected, str)
        and secrets.compare_digest(sent.encode(), expected.encode())
    ):
        raise PermissionDeniedError(
            "the form expired or did not come from this site; reload the page and try again"
        )


Csrf = Depends(check_csrf)


# --- rendering --------------------------------------------------------------------------------


def _roles(request: Request, principal: Principal, org: str) -> dict[str, bool]:
    """What ``org`` does here (``ui_queries.org_roles``); asked once per request."""
    cache: dict[str, dict[str, bool]] | None = getattr(request.state, "org_roles", None)
    if cache is None:
        cache = {}
        request.state.org_roles = cache
    if org not in cache:
        cache[org] = ui_queries.org_roles(request.app.state.ctx, principal, org)
    return cache[org]


def _landing(request: Request, principal: Principal, org: str) -> str:
    """Where an organisation's pages start: the portal for a supplier, the engagements for a
    verifier, else the dashboard."""
    roles = _roles(request, principal, org)
    page = "dashboard"
    if not roles["buys"] and roles["supplies"]:
        page = "portal"
    elif not roles["buys"] and roles["verifies"]:
        page = "engagements"
    return f"/orgs/{org}/{page}"


def _navigation(request: Request, context: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """The pages each organisation uses: a buyer's without the portal unless it also
    supplies; a supplier's portal pages; a verifier's engagements and the ledger."""
    principal, member = context["principal"], context["member"]
    if not isinstance(principal, Principal) or not isinstance(member, Membership):
        return MAIN_NAV
    roles = _roles(request, principal, member.org_slug)
    extra = (ENGAGEMENTS,) if roles["verifies"] else ()
    if not roles["buys"] and roles["supplies"]:
        return SUPPLIER_NAV + extra
    if not roles["buys"] and roles["verifies"]:
        return VERIFIER_NAV
    main = tuple(item for item in MAIN_NAV if item[0] != "portal" or roles["supplies"])
    return main + extra


#: Form fields never sent back to the page (secrets and the request's own token).
_NOT_REFILLED = ("csrf_token", "password", "new_password", "current_password", "token", "secret")


def submitted_form(request: Request) -> dict[str, Any] | None:
    """What a refused form held, for the page to put back in its fields (``app.js``): the
    path it was posted to and each field's values, files and secrets left out. ``None`` when
    the request was not a form post (its form is the one FastAPI already read and keeps)."""
    form = getattr(request, "_form", None)
    if request.method != "POST" or form is None:
        return None
    fields: dict[str, list[str]] = {}
    for name, value in form.multi_items():
        if isinstance(value, str) and not any(word in name for word in _NOT_REFILLED):
            fields.setdefault(name, []).append(value)
    return {"action": request.url.path, "fields": fields}


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    """A page; when it answers a refused form (a 4xx to a POST), with what the form held so
    the page's form shows it again instead of empty fields."""
    if status_code >= 400:
        context.setdefault("submitted_form", submitted_form(request))
    context.setdefault("principal", None)
    context.setdefault("member", None)
    context.setdefault("active", "")
    context["nav"] = _navigation(request, context)
    context["supplier_only"] = context["nav"][0][0] == "portal"
    context["csrf_token"] = csrf_token(request)
    context["method_labels"] = METHOD_LABELS
    return templates.TemplateResponse(request, template, context, status_code=status_code)


def form_result(
    page: Callable[..., Response],
    action: Callable[[], Any],
    done: Callable[[Any], Response],
    *,
    status_code: int = 422,
    conflict_status: int | None = None,
    fields: Callable[[FieldsRejectedError], Response] | None = None,
) -> Response:
    """The one shape of a form handler: run ``action`` (the use case, called with the
    principal); a rule it breaks re-renders ``page`` with the message and 422, nothing
    written; otherwise ``done(result)`` redirects or renders the next page.

    ``status_code`` is the status of that re-rendered page and ``conflict_status`` the one of a
    ``ConflictError`` where it differs (409 where the thing's state moved on); ``fields``, when
    given, renders a ``FieldsRejectedError`` with each problem at its field."""
    try:
        result = action()
    except (InvalidDataError, NotFoundError, ConflictError) as exc:
        if fields is not None and isinstance(exc, FieldsRejectedError):
            return fields(exc)
        if conflict_status is not None and isinstance(exc, ConflictError):
            return page(status_code=conflict_status, error=exc.message)
        return page(status_code=status_code, error=exc.message)
    return done(result)


def _session_principal(request: Request) -> Principal | None:
    """The logged-in user for the error page's header; never fails."""
    try:
        return session_principal(request)
    except GreenchainError:
        return None


def error_page(request: Request, status: int, message: str) -> Response:
    """A friendly error page: a title, the message of the error, a way back (no trace)."""
    titles = {
        400: "Bad request",
        403: "Not allowed",
        404: "Not found",
        405: "Not allowed",
        409: "Conflict",
        422: "Check your input",
        429: "Slow down",
    }
    return render(
        request,
        "error.html",
        status_code=status,
        status=status,
        title=titles.get(status, "Something went wrong"),
        message=message,
        principal=_session_principal(request),
    )


def _can_edit(member: Membership) -> bool:
    return member.role.rank >= Role.ANALYST.rank


# --- suppliers -------------------------------------------------------------------------------

SORT_KEYS = {"emissions": "t CO2e", "name": "Name", "country": "Country", "id": "Id"}


def page_url(path: str, **params: Any) -> str:
    """``path`` with the query of the non-empty ``params`` (for links of lists and filters)."""
    clean = {k: v for k, v in params.items() if v not in ("", None, False)}
    return path + (f"?{urlencode(clean)}" if clean else "")


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
    items, total = queries.list_suppliers(
        ctx,
        principal,
        org,
        query=q,
        sort=sort,
        descending=order == "desc",
        page=page,
        per_page=SUPPLIERS_PER_PAGE,
    )
    pages = max(1, -(-total // SUPPLIERS_PER_PAGE))
    first = (page - 1) * SUPPLIERS_PER_PAGE + 1 if items else 0

    def url(**changes: Any) -> str:
        params: dict[str, Any] = {"q": q, "sort": sort, "order": order, "page": page}
        params.update(changes)
        if params["page"] == 1:
            params["page"] = None
        return page_url(f"/orgs/{org}/suppliers", **params)

    if page > pages:  # past the last page (a link kept from a longer list): the last one
        return RedirectResponse(url(page=pages), status_code=303)

    def sort_url(key: str) -> str:
        default = "desc" if key == "emissions" else "asc"
        flipped = "asc" if order == "desc" else "desc"
        return url(sort=key, order=flipped if key == sort else default, page=1)

    return render(
        request,
        "suppliers.html",
        title=f"Suppliers – {member.org_name}",
        active="suppliers",
        principal=principal,
        member=member,
        org=org,
        items=items,
        total=total,
        first=first,
        last=first + len(items) - 1 if items else 0,
        q=q,
        sort=sort,
        order=order,
        page=page,
        pages=pages,
        sort_keys=SORT_KEYS,
        url=url,
        sort_url=sort_url,
    )


def _supplier_chart(by_year: list[dict[str, Any]]) -> dict[str, Any]:
    methods = [m for m in METHOD_LABELS if any(m in y["by_method"] for y in by_year)]
    return {
        "charts": [
            {
                "canvas": "chart-supplier",
                "kind": "stacked-bar",
                "labels": [str(y["year"]) for y in by_year],
                "datasets": [
                    {
                        "label": METHOD_LABELS[m],
                        "data": [y["by_method"].get(m) for y in by_year],
                    }
                    for m in methods
                ],
                "unit": "t CO2e",
            }
        ]
    }


def _supplier_page(
    request: Request,
    ctx: Context,
    principal: Principal,
    org: str,
    supplier_id: str,
    *,
    status_code: int = 200,
    error: str | None = None,
    notice: str | None = None,
) -> Response:
    member = principal.membership(org)
    supplier = queries.get_supplier(ctx, principal, org, supplier_id)
    by_year = ui_queries.get_supplier_emissions_by_method(ctx, principal, org, supplier_id)
    methods = [m for m in METHOD_LABELS if any(m in y["by_method"] for y in by_year)]
    return render(
        request,
        "supplier.html",
        status_code=status_code,
        title=f"{supplier['name']} – {member.org_name}",
        active="suppliers",
        principal=principal,
        member=member,
        org=org,
        supplier=supplier,
        by_year=by_year,
        methods=methods,
        chart_data=_supplier_chart(by_year) if by_year else None,
        can_edit=_can_edit(member),
        error=error,
        notice=notice,
    )


@router.get("/orgs/{org}/suppliers/{supplier_id:path}")
def supplier_page(
    request: Request, org: str, supplier_id: str, ctx: CtxDep, principal: PrincipalDep
) -> Response:
    return _supplier_page(request, ctx, principal, org, supplier_id)


@router.post("/orgs/{org}/supplier-contact", dependencies=[Csrf])
def supplier_contact_form(
    request: Request,
    org: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    supplier_id: Annotated[str, Form(min_length=1, max_length=64)],
    contact_name: Annotated[str, Form(max_length=200)] = "",
    contact_email: Annotated[str, Form(max_length=320)] = "",
) -> Response:
    """Record who answers climate data requests at the supplier (analysts)."""
    page = functools.partial(_supplier_page, request, ctx, principal, org, supplier_id)
    return form_result(
        page,
        lambda: campaign_service.set_contact(
            ctx, principal, org, supplier_id, name=contact_name, email=contact_email
        ),
        lambda _: page(notice="Contact for data requests saved"),
    )


# --- uploads and jobs ------------------------------------------------------------------------


def _import_jobs(ctx: Context, principal: Principal, org: str) -> list[dict[str, Any]]:
    return [j for j in job_service.list_jobs(ctx, principal, org) if j["kind"] == "import"]


def _uploads(
    request: Request,
    ctx: Context,
    principal: Principal,
    member: Membership,
    org: str,
    *,
    status_code: int = 200,
    error: str | None = None,
) -> Response:
    return render(
        request,
        "uploads.html",
        status_code=status_code,
        title=f"Uploads – {member.org_name}",
        active="uploads",
        principal=principal,
        member=member,
        org=org,
        jobs=_import_jobs(ctx, principal, org),
        kinds=UPLOAD_KINDS,
        schemas=SCHEMAS,
        can_edit=_can_edit(member),
        error=error,
    )


@router.get("/orgs/{org}/uploads")
def uploads_page(request: Request, org: str, ctx: CtxDep, principal: PrincipalDep) -> Response:
    member = principal.membership(org)
    return _uploads(request, ctx, principal, member, org)


@router.post("/orgs/{org}/uploads", dependencies=[Csrf])
async def upload(
    request: Request,
    org: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    kind: Annotated[str, Form(max_length=40)],
    file: Annotated[UploadFile, File()],
    skip_invalid: Annotated[str | None, Form(max_length=10)] = None,
) -> Response:
    member = principal.membership(org, Role.ANALYST)
    name = Path(file.filename or "").name
    data = await file.read(MAX_UPLOAD_BYTES + 1)

    def store() -> None:
        if kind not in SCHEMAS:
            raise InvalidDataError(f"choose what the file holds ({', '.join(SCHEMAS)})")
        if Path(name).suffix.lower() not in (".csv", ".xlsx"):
            raise InvalidDataError(f"'{name or 'the file'}' is not a .csv or .xlsx file")
        if len(data) > MAX_UPLOAD_BYTES:
            raise InvalidDataError("the file is larger than 100 MB; split it or use the CLI")
        if not data:
            raise InvalidDataError(f"'{name}' is empty")
        folder = Path(request.app.state.settings.upload_dir) / str(member.org_id)
        folder.mkdir(parents=True, exist_ok=True)
        stored = (
            folder / f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(4)}"
            f"{Path(name).suffix.lower()}"
        )
        stored.write_bytes(data)
        job_service.submit_import(ctx, principal, org, kind, stored, name, skip_invalid is not None)

    return form_result(
        functools.partial(_uploads, request, ctx, principal, member, org),
        store,
        lambda _: RedirectResponse(f"/orgs/{org}/uploads", status_code=303),
    )


@router.get("/orgs/{org}/jobs/{job_id}")
def job_fragment(
    request: Request, org: str, job_id: RowId, ctx: CtxDep, principal: PrincipalDep
) -> Response:
    """One job's table row; HTMX polls it until the job is done or failed. A finished
    calculation reloads the page, whose list of stored runs then includes the new run."""
    job = job_service.get_job(ctx, principal, org, job_id)
    response = render(request, "_job.html", org=org, job=job)
    if request.headers.get("hx-request") and job["kind"] == "calculate" and job["status"] == "done":
        response.headers["HX-Refresh"] = "true"
    return response


@router.get("/orgs/{org}/jobs/{job_id}/rejected-rows")
def rejected_download(org: str, job_id: RowId, ctx: CtxDep, principal: PrincipalDep) -> Response:
    job = job_service.get_job(ctx, principal, org, job_id)
    report = (job.get("result") or {}).get("rejected_report")
    if not report or not Path(report).is_file():
        raise NotFoundError(f"job {job_id} has no rejected rows")
    return FileResponse(report, media_type="text/csv", filename=f"rejected-rows-job-{job_id}.csv")


# --- calculation runs ------------------------------------------------------------------------


def _runs(
    request: Request,
    ctx: Context,
    principal: Principal,
    member: Membership,
    org: str,
    *,
    status_code: int = 200,
    error: str | None = None,
    year: int | None = None,
) -> Response:
    runs = sorted(queries.list_runs(ctx, principal, org), key=lambda r: -int(r["id"]))
    jobs = [j for j in job_service.list_jobs(ctx, principal, org) if j["kind"] == "calculate"]
    return render(
        request,
        "runs.html",
        status_code=status_code,
        title=f"Calculation runs – {member.org_name}",
        active="runs",
        principal=principal,
        member=member,
        org=org,
        runs=runs,
        jobs=jobs[:10],
        default_year=year or dt.date.today().year - 1,
        gwp_sets=[g.value for g in GwpSet],
        default_gwp=DEFAULT_GWP_SET.value,
        can_edit=_can_edit(member),
        error=error,
    )


@router.get("/orgs/{org}/runs")
def runs_page(request: Request, org: str, ctx: CtxDep, principal: PrincipalDep) -> Response:
    member = principal.membership(org)
    return _runs(request, ctx, principal, member, org)


@router.post("/orgs/{org}/runs", dependencies=[Csrf])
def start_run(
    request: Request,
    org: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    year: Annotated[int, Form(ge=1990, le=2100)],
    gwp: Annotated[str, Form(max_length=10)] = DEFAULT_GWP_SET.value,
) -> Response:
    member = principal.membership(org, Role.ANALYST)
    return form_result(
        functools.partial(_runs, request, ctx, principal, member, org, year=year),
        lambda: job_service.submit_calculation(ctx, principal, org, year, GwpSet.parse(gwp)),
        lambda _: RedirectResponse(f"/orgs/{org}/runs", status_code=303),
    )
