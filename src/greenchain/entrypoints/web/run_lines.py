"""The lines of a calculation run on the web: a page to follow each figure to its input line,
factor, exchange rate and rule, filtered and paged, with CSV and XLSX downloads of what the
filter shows (``ui_router``). The JSON lines stay on the API
(``/api/v1/orgs/{org}/runs/{id}/lines``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from greenchain.adapters.exports import XLSX_MEDIA_TYPE as XLSX
from greenchain.adapters.exports import table_csv_bytes, table_rows, xlsx_bytes
from greenchain.domain.errors import InvalidDataError
from greenchain.domain.inventory import SCOPE3_CATEGORY_NAMES
from greenchain.entrypoints.web.deps import CtxDep, PrincipalDep, RowId
from greenchain.entrypoints.web.ui import page_url, render
from greenchain.services import queries
from greenchain.services import run_lines as svc

ui_router = APIRouter(include_in_schema=False)
PER_PAGE = 100

Scope = Annotated[str, Query(max_length=12)]
Category = Annotated[str, Query(max_length=2)]
Source = Annotated[str, Query(max_length=20)]
MethodName = Annotated[str, Query(max_length=20)]
Text = Annotated[str, Query(alias="q", max_length=200)]
Rejected = Annotated[bool, Query()]


def line_filter(
    scope: str, category: str, source: str, method: str, text: str, rejected: bool
) -> svc.LineFilter:
    """The page's query as a filter; what cannot be read is an error the page shows."""
    if category.strip() and not category.strip().isdigit():
        raise InvalidDataError(f"Scope 3 category '{category}' is not a number from 1 to 15")
    return svc.LineFilter(
        scope=scope,
        category=int(category) if category.strip() else None,
        source=source,
        method=method,
        text=text,
        rejected=rejected,
    )


@ui_router.get("/orgs/{org}/runs/{run_id}/lines")
def lines_page(
    request: Request,
    org: str,
    run_id: RowId,
    ctx: CtxDep,
    principal: PrincipalDep,
    scope: Scope = "",
    category: Category = "",
    source: Source = "",
    method: MethodName = "",
    q: Text = "",
    rejected: Rejected = False,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> Response:
    member = principal.membership(org)
    report = queries.get_inventory_report(ctx, principal, org, 0, run_id)
    query = {"scope": scope, "category": category, "source": source, "method": method, "q": q,
             "rejected": rejected}  # fmt: skip
    error = None
    try:
        flt = line_filter(scope, category, source, method, q, rejected)
        found = svc.lines_page(ctx, principal, org, run_id, flt, page, PER_PAGE)
    except InvalidDataError as exc:
        error = exc.message
        flt = svc.LineFilter()
        found = svc.lines_page(ctx, principal, org, run_id, flt, 1, PER_PAGE)
    return render(
        request,
        "run_lines.html",
        status_code=422 if error else 200,
        title=f"Lines of run {run_id} ({report.year}) – {member.org_name}",
        active="runs",
        principal=principal,
        member=member,
        org=org,
        report=report,
        found=found,
        flt=flt,
        query=query,
        lines_path=f"/orgs/{org}/runs/{run_id}/lines",
        crumbs=[("Calculation runs", f"/orgs/{org}/runs")],
        suppliers_linked=True,
        url=lambda suffix="", **changes: page_url(
            f"/orgs/{org}/runs/{run_id}/lines{suffix}", **(query | changes)
        ),
        error=error,
        sources=svc.SOURCES,
        methods=svc.METHODS,
        categories=SCOPE3_CATEGORY_NAMES,
    )


def _download(
    ctx: CtxDep,
    principal: PrincipalDep,
    org: str,
    run_id: int,
    flt: svc.LineFilter,
    suffix: str,
) -> Response:
    table = svc.filtered_lines(ctx, principal, org, run_id, flt)
    name = f"{org}-run-{run_id}-{'rejected-' if flt.rejected else ''}lines.{suffix}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if suffix == "csv":
        return Response(table_csv_bytes(table), media_type="text/csv", headers=headers)
    return Response(xlsx_bytes([("Lines", table_rows(table))]), media_type=XLSX, headers=headers)


@ui_router.get("/orgs/{org}/runs/{run_id}/lines.csv")
def lines_csv(
    org: str,
    run_id: RowId,
    ctx: CtxDep,
    principal: PrincipalDep,
    scope: Scope = "",
    category: Category = "",
    source: Source = "",
    method: MethodName = "",
    q: Text = "",
    rejected: Rejected = False,
) -> Response:
    flt = line_filter(scope, category, source, method, q, rejected)
    return _download(ctx, principal, org, run_id, flt, "csv")


@ui_router.get("/orgs/{org}/runs/{run_id}/lines.xlsx")
def lines_xlsx(
    org: str,
    run_id: RowId,
    ctx: CtxDep,
    principal: PrincipalDep,
    scope: Scope = "",
    category: Category = "",
    source: Source = "",
    method: MethodName = "",
    q: Text = "",
    rejected: Rejected = False,
) -> Response:
    flt = line_filter(scope, category, source, method, q, rejected)
    return _download(ctx, principal, org, run_id, flt, "xlsx")
