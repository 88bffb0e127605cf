"""Read-side use cases for the web: inventories, hotspots, suppliers with their figures, runs,
lines, audit trail. Every function takes the acting principal and checks its membership
first: the web entry points read tenant data only through here."""

from __future__ import annotations

from typing import Any

from greenchain.domain.access import Principal, Role
from greenchain.domain.errors import NotFoundError
from greenchain.domain.inventory import InventoryReport
from greenchain.domain.lines import LineSelection
from greenchain.services import inventory as inventory_service
from greenchain.services.context import Context


def list_suppliers(
    ctx: Context,
    principal: Principal,
    org_slug: str,
    *,
    query: str = "",
    sort: str = "emissions",
    descending: bool = True,
    page: int = 1,
    per_page: int = 25,
) -> tuple[list[dict[str, Any]], int]:
    """One page of suppliers with spend and emissions of the latest run of any year."""
    member = principal.membership(org_slug)
    rows = ctx.workspace.list_suppliers(member.org_id)
    latest = _latest_figures(ctx, member.org_id)
    for row in rows:
        figures = latest.get(row["supplier_id"], {})
        row["t_co2e"] = figures.get("t_co2e", 0.0)
        row["method"] = figures.get("method")
    needle = query.strip().lower()
    if needle:
        rows = [
            r for r in rows if needle in r["supplier_id"].lower() or needle in r["name"].lower()
        ]
    keys = {"name": "name", "country": "country", "id": "supplier_id", "emissions": "t_co2e"}
    key = keys.get(sort, "t_co2e")
    rows.sort(key=lambda r: (r[key] is None, r[key]), reverse=descending)
    total = len(rows)
    start = (max(page, 1) - 1) * per_page
    return rows[start : start + per_page], total


def _latest_figures(ctx: Context, org_id: int) -> dict[str, dict[str, Any]]:
    runs = ctx.workspace.list_runs(org_id)
    if not runs:
        return {}
    latest_year = max(r.year for r in runs)
    run = [r for r in runs if r.year == latest_year][-1]
    return {s["supplier_id"]: s for s in run.summary.get("by_supplier", [])}


def get_supplier(
    ctx: Context, principal: Principal, org_slug: str, supplier_id: str
) -> dict[str, Any]:
    """A supplier with its emissions by year and method (latest run per year) and the data
    it reported."""
    member = principal.membership(org_slug)
    supplier = ctx.workspace.get_supplier(member.org_id, supplier_id)
    by_year: dict[int, dict[str, Any]] = {}
    for run in ctx.workspace.list_runs(member.org_id):
        for s in run.summary.get("by_supplier", []):
            if s["supplier_id"] == supplier_id:
                by_year[run.year] = {
                    "year": run.year,
                    "run_id": run.id,
                    "t_co2e": s["t_co2e"],
                    "method": s["method"],
                }
    supplier["emissions_by_year"] = [by_year[y] for y in sorted(by_year)]
    supplier["reported"] = ctx.workspace.supplier_reports(member.org_id, supplier_id)
    supplier["spend_by_year"] = ctx.workspace.supplier_spend(member.org_id, supplier_id)
    return supplier


def list_runs(
    ctx: Context, principal: Principal, org_slug: str, year: int | None = None
) -> list[dict[str, Any]]:
    member = principal.membership(org_slug)
    return [
        {
            "id": r.id,
            "year": r.year,
            "gwp": r.gwp_set,
            "previous_run_id": r.previous_run_id,
            "created_at": r.created_at,
            "total_t_co2e": r.summary.get("total_t_co2e", 0.0),
            "lines": r.summary.get("lines", 0),
            "rejected_lines": r.summary.get("rejected_lines", 0),
            "restatements": r.summary.get("restatements", []),
        }
        for r in ctx.workspace.list_runs(member.org_id, year)
    ]


def get_run_lines_page(
    ctx: Context, principal: Principal, org_slug: str, run_id: int, page: int, per_page: int
) -> tuple[list[dict[str, Any]], int]:
    member = principal.membership(org_slug)
    start = (max(page, 1) - 1) * per_page
    found = ctx.workspace.select_run_lines(
        member.org_id, run_id, LineSelection(), offset=start, limit=per_page, tonnes=False
    )
    if start >= found.total and found.total:
        raise NotFoundError(f"page {page} is beyond the {found.total} lines of run {run_id}")
    rows: list[dict[str, Any]] = found.rows.to_pylist()
    return rows, found.total


def get_audit_trail(ctx: Context, principal: Principal, org_slug: str) -> list[dict[str, Any]]:
    member = principal.membership(org_slug, Role.ADMIN)
    accounts, _ = ctx.require_accounts()
    return accounts.audit_trail(member.org_id)


def get_inventory_report(
    ctx: Context, principal: Principal, org_slug: str, year: int, run_id: int | None = None
) -> InventoryReport:
    principal.membership(org_slug)
    return inventory_service.get_inventory_report(ctx, org_slug, year, run_id)


def get_inventory_json(
    ctx: Context, principal: Principal, org_slug: str, year: int, run_id: int | None = None
) -> bytes:
    principal.membership(org_slug)
    return inventory_service.get_inventory_json(ctx, org_slug, year, run_id)[1]


def get_hotspots(
    ctx: Context, principal: Principal, org_slug: str, year: int, share: float | None
) -> inventory_service.Hotspots:
    principal.membership(org_slug)
    return inventory_service.get_hotspots(ctx, org_slug, year, share)


def get_run_years(ctx: Context, principal: Principal, org_slug: str) -> list[int]:
    member = principal.membership(org_slug)
    return ctx.workspace.run_years(member.org_id)
