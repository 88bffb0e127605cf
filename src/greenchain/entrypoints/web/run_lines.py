"""The lines of a calculation run on the web: a page to follow each figure to its input line,
factor, exchange rate and rule, filtered and paged, with CSV and XLSX downloads of what the
filter shows (``ui_router``). The JSON lines stay on the API
(``/api/v1/orgs/{org}/runs/{id}/lines``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from greenchain.adapters.exports import XLSX_MEDIA_TYPE as XLSX
from greenchain.adapters.exports import table_csv_bytes, table_rows, xlsx_bytes
from greenchain.domain.access import Principal
from greenchain.domain.errors import InvalidDataError
from greenchain.domain.inventory import SCOPE3_CATEGORY_NAMES, InventoryReport
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


class LineQuery:
    """The filter of a lines page or download as its query parameters."""

    def __init__(
        self,
        scope: Scope = "",
        category: Category = "",
        source: Source = "",
        method: MethodName = "",
        q: Text = "",
        rejected: Rejected = False,
    ) -> None:
        self.values: dict[str, Any] = {"scope": scope, "category": category, "source": source,
                                       "method": method, "q": q, "rejected": rejected}  # fmt: skip

    def filter(self) -> svc.LineFilter:
        v = self.values
        return line_filter(v["scope"], v["category"], v["source"], v["method"], v["q"],
                           v["rejected"])  # fmt: skip


Lines = Annotated[LineQuery, Depends()]


def lines_response(
    request: Request,
    principal: Principal,
    org: str,
    *,
    report: InventoryReport,
    title: str,
    active: str,
    path: str,
    crumbs: Sequence[tuple[str, str]],
    suppliers_linked: bool,
    params: LineQuery,
    page: int,
    fetch: Callable[[svc.LineFilter, int], dict[str, Any]],
) -> Response:
    """A page of a run's lines at ``path``; ``fetch(filter, page)`` reads them (the caller
    decides whose and checks access). A filter that cannot be read is named (422)."""
    member = principal.membership(org)
    error = None
    try:
        flt = params.filter()
        found = fetch(flt, page)
    except InvalidDataError as exc:
        error, flt = exc.message, svc.LineFilter()
        found = fetch(flt, 1)
    return render(
        request,
        "run_lines.html",
        status_code=422 if error else 200,
        title=f"{title} – {member.org_name}",
        active=active,
        principal=principal,
        member=member,
        org=org,
        report=report,
        found=found,
        flt=flt,
        query=params.values,
        lines_path=path,
        crumbs=list(crumbs),
        suppliers_linked=suppliers_linked,
        url=lambda suffix="", **changes: page_url(f"{path}{suffix}", **(params.values | changes)),
        error=error,
        sources=svc.SOURCES,
        methods=svc.METHODS,
        categories=SCOPE3_CATEGORY_NAMES,
    )


def lines_file(table: Any, stem: str, flt: svc.LineFilter, suffix: str) -> Response:
    """Lines as a CSV or XLSX download named ``<stem>-[rejected-]lines.<suffix>``."""
    name = f"{stem}-{'rejected-' if flt.rejected else ''}lines.{suffix}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if suffix == "csv":
        return Response(table_csv_bytes(table), media_type="text/csv", headers=headers)
    return Response(xlsx_bytes([("Lines", table_rows(table))]), media_type=XLSX, headers=headers)


@ui_router.get("/orgs/{org}/runs/{run_id}/lines")
def lines_page(
    request: Request,
    org: str,
    run_id: RowId,
    ctx: CtxDep,
    principal: PrincipalDep,
    params: Lines,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> Response:
    report = queries.get_inventory_report(ctx, principal, org, 0, run_id)
    return lines_response(
        request,
        principal,
        org,
        report=report,
        title=f"Lines of run {run_id} ({report.year})",
        active="runs",
        path=f"/orgs/{org}/runs/{run_id}/lines",
        crumbs=[("Calculation runs", f"/orgs/{org}/runs")],
        suppliers_linked=True,
        params=params,
        page=page,
        fetch=lambda flt, at: svc.lines_page(ctx, principal, org, run_id, flt, at, PER_PAGE),
    )


@ui_router.get("/orgs/{org}/runs/{run_id}/lines.{suffix}")
def lines_download(
    org: str,
    run_id: RowId,
    suffix: Annotated[str, Path(pattern="^(csv|xlsx)$")],
    ctx: CtxDep,
    principal: PrincipalDep,
    params: Lines,
) -> Response:
    flt = params.filter()
    table = svc.filtered_lines(ctx, principal, org, run_id, flt)
    return lines_file(table, f"{org}-run-{run_id}", flt, suffix)
