"""The dashboard of an organisation's year: Scope 1, 2 and 3, the categories and methods, the
gases, the suppliers that weigh most, circularity and assurance, with its charts as plain data
for ``static/app.js``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from greenchain.domain.inventory import SCOPE3_CATEGORY_NAMES, InventoryReport
from greenchain.entrypoints.web.deps import CtxDep, PrincipalDep
from greenchain.entrypoints.web.ui import METHOD_LABELS, render
from greenchain.services import inventory as inventory_service
from greenchain.services import ledger as ledger_service
from greenchain.services import ui_queries

ui_router = APIRouter(include_in_schema=False)
GAS_LABELS = {
    "co2": "CO₂",
    "ch4": "CH₄",
    "n2o": "N₂O",
    "hfcs": "HFCs",
    "pfcs": "PFCs",
    "sf6": "SF₆",
    "nf3": "NF₃",
    "unspecified": "Not split by gas",
}
PARETO_SUPPLIERS = 25
TOP_SUPPLIERS = 10


def _share(part: float, whole: float) -> float:
    return part / whole if whole else 0.0


def _dashboard_charts(report: InventoryReport) -> dict[str, Any]:
    """The three dashboard charts as plain data for ``static/app.js``."""
    scope_labels = ["Scope 1", "Scope 2 (market-based)", "Scope 3"]
    scope_datasets: list[dict[str, Any]] = [
        {"label": "Scope 1", "data": [report.by_scope.get("1", 0.0), None, None]},
        {
            "label": "Scope 2 (market-based)",
            "data": [None, report.by_scope.get("2_market", 0.0), None],
        },
    ]
    for key, value in report.by_category.items():
        if value:
            scope_datasets.append(
                {
                    "label": f"3.{key} {SCOPE3_CATEGORY_NAMES[int(key)]}",
                    "data": [None, None, value],
                }
            )
    top = report.by_supplier[:PARETO_SUPPLIERS]
    scope3 = report.by_scope.get("3", 0.0)
    cumulative, running = [], 0.0
    for s in top:
        running += s.t_co2e
        cumulative.append(round(_share(running, scope3), 4))
    return {
        "charts": [
            {
                "canvas": "chart-scopes",
                "kind": "stacked-bar",
                "labels": scope_labels,
                "datasets": scope_datasets,
                "unit": "t CO2e",
            },
            {
                "canvas": "chart-pareto",
                "kind": "pareto",
                "labels": [s.name or s.supplier_id for s in top],
                "ids": [s.supplier_id for s in top],
                "values": [s.t_co2e for s in top],
                "cumulative": cumulative,
                "unit": "t CO2e",
            },
            {
                "canvas": "chart-methods",
                "kind": "doughnut",
                "labels": [METHOD_LABELS.get(k, k) for k in report.by_method],
                "values": list(report.by_method.values()),
                "unit": "t CO2e",
            },
        ]
    }


def _top_suppliers(report: InventoryReport) -> list[dict[str, Any]]:
    scope3 = report.by_scope.get("3", 0.0)
    rows, running = [], 0.0
    for rank, s in enumerate(report.by_supplier[:TOP_SUPPLIERS], start=1):
        running += s.t_co2e
        rows.append(
            {
                "rank": rank,
                "supplier_id": s.supplier_id,
                "name": s.name or s.supplier_id,
                "method": s.method,
                "t_co2e": s.t_co2e,
                "share": _share(s.t_co2e, scope3),
                "cumulative": _share(running, scope3),
            }
        )
    return rows


@ui_router.get("/orgs/{org}/dashboard")
def dashboard(
    request: Request,
    org: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
) -> Response:
    view = ui_queries.get_dashboard(ctx, principal, org, year, dt.date.today().year - 1)
    report, previous = view.report, view.previous
    context: dict[str, Any] = {}
    if report is not None:
        scope3 = report.by_scope.get("3", 0.0)
        context = {
            "scope3_share": _share(scope3, report.total_t_co2e),
            "categories": [
                (
                    int(k),
                    SCOPE3_CATEGORY_NAMES[int(k)],
                    v,
                    _share(v, scope3),
                    ", ".join(
                        METHOD_LABELS.get(m, m)
                        for m, t in report.category_methods.get(k, {}).items()
                        if t
                    ),
                )
                for k, v in sorted(report.by_category.items(), key=lambda kv: -kv[1])
                if v
            ],
            "exclusions": [
                (e.category, SCOPE3_CATEGORY_NAMES[e.category], e.reason) for e in report.exclusions
            ],
            "circularity": report.circularity,
            "methods": [
                (METHOD_LABELS.get(k, k), v, _share(v, report.total_t_co2e))
                for k, v in sorted(report.by_method.items(), key=lambda kv: -kv[1])
            ],
            "gases": [
                (GAS_LABELS.get(k, k), v)
                for k, v in sorted(report.by_gas.items(), key=lambda kv: -kv[1])
                if v
            ],
            "top_suppliers": _top_suppliers(report),
            "restatement_reasons": inventory_service.summarise_restatements(report),
            "chart_data": _dashboard_charts(report),
            "assurance": ledger_service.run_assurance(
                ctx, principal, org, report.run_id, view.year
            ),
        }
    return render(
        request,
        "dashboard.html",
        title=f"Dashboard {view.year} – {view.member.org_name}",
        active="dashboard",
        principal=principal,
        member=view.member,
        org=org,
        year=view.year,
        years=view.years,
        report=report,
        previous=previous,
        change=view.change_fraction,
        **context,
    )
