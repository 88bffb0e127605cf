"""The annual progress report of an organisation, as HTML and PDF.

``build_progress_report`` gathers what a reader of a climate progress report expects into one
plain dict of numbers, labels and lists (the document model): the inventory of the year by
scope, Scope 3 category and method with the primary-data share and data quality, the yearly
history, each target's path and actuals, supplier engagement coverage, the renewable share,
and the carbon credits retired and what they were retired for (credits are reported beside the
inventory, never netted off it). ``create_progress_report`` renders the model through a
``ReportRenderer``, stores both documents through a ``ReportStore`` and records the PDF's
SHA-256 in the transparency log, so that a copy handed around can be checked against it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from greenchain.domain.access import Principal, Role
from greenchain.domain.errors import GreenchainError, InvalidDataError, NotFoundError
from greenchain.domain.inventory import SCOPE3_CATEGORY_NAMES, InventoryReport
from greenchain.domain.methods import Method
from greenchain.domain.targets import (
    EngagementBasis,
    Target,
    TargetKind,
    YearData,
    expected_value,
    path_points,
    value_for,
)
from greenchain.services import targets as target_service
from greenchain.services.context import Context
from greenchain.services.inventory import get_inventory_report
from greenchain.services.ports import ReportRenderer, ReportStore, TargetStore

SCOPE_LABELS: Mapping[str, str] = {
    "1": "Scope 1",
    "2_market": "Scope 2 (market-based)",
    "2_location": "Scope 2 (location-based)",
    "3": "Scope 3",
}
METHOD_LABELS: Mapping[str, str] = {
    Method.PRODUCT_LEVEL.value: "Product footprints",
    Method.SUPPLIER_SPECIFIC.value: "Supplier-specific",
    Method.AVERAGE_DATA.value: "Average data",
    Method.SPEND_BASED.value: "Spend-based",
}
KIND_LABELS: Mapping[str, str] = {
    "absolute": "Absolute",
    "intensity": "Intensity",
    "supplier_engagement": "Supplier engagement",
    "renewable_electricity": "Renewable electricity",
    "net_zero": "Net zero",
}
#: Methods that rest on data from the supplier itself (primary data).
PRIMARY_METHODS = frozenset({Method.PRODUCT_LEVEL.value, Method.SUPPLIER_SPECIFIC.value})
TOP_SUPPLIERS = 10
LEDGER_KIND = "progress_report"
FIRST_YEAR, LAST_YEAR = 1990, 2100


def _iso(moment: dt.datetime | None) -> str | None:
    """ISO 8601 in UTC (SQLite hands back naive datetimes of the UTC times stored)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def _share(part: float, whole: float) -> float:
    return part / whole if whole > 0 else 0.0


def _total(emissions: Mapping[str, float]) -> float:
    """Scope 1 + Scope 2 market-based (else location-based) + Scope 3, t CO2e."""
    scope2 = emissions.get("2_market", emissions.get("2_location", 0.0))
    return emissions.get("1", 0.0) + scope2 + emissions.get("3", 0.0)


def _target(row: Mapping[str, Any]) -> Target:
    basis = row.get("engagement_basis")
    return Target(
        name=row["name"],
        kind=TargetKind(row["kind"]),
        scopes=tuple(row["scopes"]),
        base_year=int(row["base_year"]),
        target_year=int(row["target_year"]),
        reduction=row.get("reduction"),
        target_share=row.get("target_share"),
        denominator=row.get("denominator"),
        coverage=float(row.get("coverage", 1.0)),
        engagement_basis=EngagementBasis(basis) if basis else None,
        base_share=float(row.get("base_share", 0.0)),
        neutralise_residual=bool(row.get("neutralise_residual", False)),
        submitted_year=row.get("submitted_year"),
        milestones=tuple((int(y), float(v)) for y, v in row.get("milestones", [])),
    )


def _unit_label(unit: str) -> str:
    if unit == "fraction":
        return "%"
    return unit.replace("t_co2e", "t CO2e").replace("_", " ")


def _value(target: Target, data: YearData | None) -> float | None:
    if data is None:
        return None
    try:
        return value_for(target, data)
    except GreenchainError:
        return None


def _trajectory(target: Target, years: Mapping[int, YearData], year: int) -> dict[str, Any] | None:
    """The target's linear path (through milestones) and the actual values by year, from the
    base year to the later of the target year and the report year; None without a base value."""
    base = _value(target, years.get(target.base_year))
    if base is None:
        base = None if target.is_emission_target else target.base_share
    if base is None or (target.is_emission_target and base <= 0):
        return None
    points = path_points(target, base)
    last = max(target.target_year, year)
    span = range(target.base_year, last + 1)
    return {
        "years": list(span),
        "path": [round(expected_value(points, y), 6) for y in span],
        "actual": [_value(target, years.get(y)) if y <= year else None for y in span],
        "points": [[y, v] for y, v in points],
    }


def _inventory(ctx: Context, org_slug: str, year: int) -> InventoryReport | None:
    try:
        return get_inventory_report(ctx, org_slug, year)
    except NotFoundError:
        return None


def _inventory_section(report: InventoryReport) -> dict[str, Any]:
    total = report.total_t_co2e
    scope3 = report.by_scope.get("3", 0.0)
    methods_total = sum(report.by_method.values())
    return {
        "run_id": report.run_id,
        "gwp": report.gwp,
        "calculated_at": report.created_at,
        "total_t_co2e": total,
        "by_scope": [
            {
                "scope": key,
                "label": SCOPE_LABELS.get(key, key),
                "t_co2e": report.by_scope.get(key, 0.0),
                "counted": key != "2_location",
            }
            for key in ("1", "2_market", "2_location", "3")
        ],
        "by_category": [
            {
                "category": int(key),
                "name": SCOPE3_CATEGORY_NAMES[int(key)],
                "t_co2e": value,
                "share_of_scope3": _share(value, scope3),
            }
            for key, value in sorted(report.by_category.items(), key=lambda kv: int(kv[0]))
            if value > 0
        ],
        "by_method": [
            {
                "method": key,
                "label": METHOD_LABELS.get(key, key),
                "t_co2e": value,
                "share": _share(value, methods_total),
                "is_primary": key in PRIMARY_METHODS,
            }
            for key, value in report.by_method.items()
        ],
        "primary_data_share": report.primary_data_share,
        "data_quality_score": report.data_quality_score,
        "lines": report.lines,
        "rejected_lines": report.rejected_lines,
        "factor_sets": list(report.factor_sets),
        "top_suppliers": [
            {
                "supplier_id": s.supplier_id,
                "name": s.name or s.supplier_id,
                "t_co2e": s.t_co2e,
                "share_of_scope3": _share(s.t_co2e, scope3),
                "method": METHOD_LABELS.get(s.method, s.method),
            }
            for s in report.by_supplier[:TOP_SUPPLIERS]
        ],
        "restatements": len(report.restatements),
    }


def _supplier_coverage(report: InventoryReport | None) -> dict[str, Any]:
    """Which share of suppliers (by count and by their Scope 3 emissions) report their own data
    (product footprints or supplier-specific emissions) rather than being estimated."""
    if report is None:
        return {"suppliers": 0}
    suppliers = report.by_supplier
    engaged = [s for s in suppliers if s.method in PRIMARY_METHODS]
    total_t = sum(s.t_co2e for s in suppliers)
    engaged_t = sum(s.t_co2e for s in engaged)
    return {
        "suppliers": len(suppliers),
        "with_primary_data": len(engaged),
        "share_by_count": _share(len(engaged), len(suppliers)),
        "share_by_emissions": _share(engaged_t, total_t),
        "supplier_t_co2e": total_t,
        "primary_t_co2e": engaged_t,
    }


def _credits(
    ctx: Context, store: TargetStore, org_slug: str, org_name: str, year: int
) -> dict[str, Any]:
    credits = target_service.list_credits(ctx, store, org_slug)
    retired = [c for c in credits if c["retired_for"]]
    by_use: dict[str, float] = {}
    for credit in retired:
        by_use[credit["retired_for"]] = (
            by_use.get(credit["retired_for"], 0.0) + credit["quantity_t"]
        )
    statement: dict[str, Any] | None
    try:
        statement = target_service.neutralisation_statement(ctx, store, org_slug, year, org_name)
    except NotFoundError:
        statement = None
    return {
        "items": credits,
        "retired_t": sum(c["quantity_t"] for c in retired),
        "removals_t": sum(c["quantity_t"] for c in retired if c["project_type"] == "removal"),
        "avoidance_t": sum(c["quantity_t"] for c in retired if c["project_type"] == "avoidance"),
        "by_use": [{"retired_for": k, "t": v} for k, v in sorted(by_use.items())],
        "statement": statement,
        "statement_scopes": [SCOPE_LABELS.get(s, s) for s in statement["scopes"]]
        if statement
        else [],
    }


def _targets(
    ctx: Context, store: TargetStore, org_slug: str, year: int, years: Mapping[int, YearData]
) -> list[dict[str, Any]]:
    progress = {
        row["name"]: row for row in target_service.target_progress(ctx, store, org_slug, year)
    }
    checks = {row["name"]: row for row in target_service.check_targets(ctx, store, org_slug, year)}
    result = []
    for row in target_service.list_targets(ctx, store, org_slug):
        target = _target(row)
        at = progress.get(target.name, {})
        check = checks.get(target.name)
        result.append(
            {
                "name": target.name,
                "kind": target.kind.value,
                "kind_label": KIND_LABELS.get(target.kind.value, target.kind.value),
                "scopes": list(target.scopes),
                "scope_labels": [SCOPE_LABELS.get(s, s) for s in target.scopes],
                "base_year": target.base_year,
                "target_year": target.target_year,
                "reduction": target.reduction,
                "target_share": target.target_share,
                "unit": target.unit,
                "unit_label": _unit_label(target.unit),
                "is_emission_target": target.is_emission_target,
                "base_value": at.get("base_value"),
                "target_value": at.get("target_value"),
                "actual_value": at.get("actual_value"),
                "expected_value": at.get("expected_value"),
                "on_track": at.get("on_track"),
                "gap": at.get("gap"),
                "required_annual_reduction": at.get("required_annual_reduction"),
                "meets_sbti_criteria": check["meets_all"] if check else None,
                "trajectory": _trajectory(target, years, year),
            }
        )
    return result


def build_progress_report(ctx: Context, org_slug: str, year: int) -> dict[str, Any]:
    """The document model of ``org_slug``'s progress report for ``year`` (t CO2e, fractions).

    The inventory section comes from the latest calculation run of the year; history, targets,
    supplier and renewable shares and credits from ``greenchain.services.targets`` when a
    target store is wired. A year with neither a run nor entered history is NotFoundError.
    """
    org = ctx.workspace.get_org(org_slug)
    report = _inventory(ctx, org_slug, year)
    store = ctx.targets
    years: dict[int, YearData] = (
        target_service.history(ctx, store, org_slug) if store is not None else {}
    )
    if report is None and year not in years:
        raise NotFoundError(
            f"nothing to report for '{org_slug}' {year}: run the inventory or enter the year's "
            "totals first"
        )
    history = [
        {
            "year": y,
            "by_scope": {s: data.emissions.get(s) for s in SCOPE_LABELS},
            "total_t_co2e": _total(data.emissions),
            "renewable_share": data.renewable_share,
            "supplier_sbt_share_by_emissions": data.supplier_sbt_share_by_emissions,
        }
        for y, data in sorted(years.items())
        if y <= year and data.emissions
    ]
    this_year = years.get(year)
    if report is not None:
        total = report.total_t_co2e
    else:
        total = _total(this_year.emissions) if this_year is not None else 0.0
    targets = _targets(ctx, store, org_slug, year, years) if store is not None else []
    share_targets = {
        kind: [t for t in targets if t["kind"] == kind]
        for kind in (
            TargetKind.SUPPLIER_ENGAGEMENT.value,
            TargetKind.RENEWABLE_ELECTRICITY.value,
        )
    }
    if report is not None:
        scope2: Mapping[str, float] = report.by_scope
    else:
        scope2 = this_year.emissions if this_year is not None else {}
    return {
        "org": {"slug": org.slug, "name": org.name},
        "year": year,
        "generated_at": ctx.clock.now().isoformat(timespec="seconds"),
        "total_t_co2e": total,
        "inventory": _inventory_section(report) if report is not None else None,
        "history": history,
        "targets": targets,
        "supplier_engagement": {
            **_supplier_coverage(report),
            "sbt_share_by_emissions": (
                this_year.supplier_sbt_share_by_emissions if this_year else None
            ),
            "sbt_share_by_spend": this_year.supplier_sbt_share_by_spend if this_year else None,
            "targets": share_targets[TargetKind.SUPPLIER_ENGAGEMENT.value],
        },
        "renewable_electricity": {
            "share": this_year.renewable_share if this_year else None,
            "scope2_market_t_co2e": scope2.get("2_market"),
            "scope2_location_t_co2e": scope2.get("2_location"),
            "targets": share_targets[TargetKind.RENEWABLE_ELECTRICITY.value],
        },
        "credits": (
            _credits(ctx, store, org_slug, org.name, year)
            if store is not None
            else {"items": [], "retired_t": 0.0, "by_use": [], "statement": None}
        ),
    }


def _public(row: Mapping[str, Any], org_slug: str) -> dict[str, Any]:
    created = row.get("created_at")
    report_id = int(row["id"])
    return {
        "id": report_id,
        "year": int(row["year"]),
        "pdf_sha256": row["pdf_sha256"],
        "pdf_bytes": row.get("pdf_bytes"),
        "created_at": _iso(created),
        "pdf_url": f"/api/v1/orgs/{org_slug}/progress-reports/{report_id}.pdf",
        "html_url": f"/api/v1/orgs/{org_slug}/progress-reports/{report_id}.html",
    }


def create_progress_report(
    ctx: Context,
    store: ReportStore,
    org_slug: str,
    year: int,
    *,
    renderer: ReportRenderer,
) -> dict[str, Any]:
    """Build, render (HTML, then PDF from it), store and log the report of ``year``.

    The ledger entry (kind ``progress_report``) carries the year, the report id and the PDF's
    SHA-256 when the ledger is wired; ``ledger_seq`` is its sequence number (else None).
    """
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidDataError(f"year {year} is not a plausible year ({FIRST_YEAR}-{LAST_YEAR})")
    org = ctx.workspace.get_org(org_slug)
    model = build_progress_report(ctx, org_slug, year)
    html = renderer.html(model)
    pdf = renderer.pdf(html)
    digest = hashlib.sha256(pdf).hexdigest()
    now = ctx.clock.now()
    report_id = store.add_report(
        {
            "org_id": org.id,
            "year": year,
            "html": html,
            "pdf": pdf,
            "pdf_sha256": digest,
            "created_at": now,
        }
    )
    seq: int | None = None
    if ctx.ledger is not None:
        from greenchain.services import ledger

        seq = ledger.record(
            ctx,
            org.id,
            org.slug,
            LEDGER_KIND,
            {
                "year": year,
                "report_id": report_id,
                "pdf_sha256": digest,
                "run_id": (model["inventory"] or {}).get("run_id"),
            },
            row=("progress_reports", report_id),
        )
    row = {"id": report_id, "year": year, "pdf_sha256": digest, "created_at": now}
    return {
        **_public({**row, "pdf_bytes": len(pdf)}, org.slug),
        "total_t_co2e": model["total_t_co2e"],
        "ledger_seq": seq,
    }


def list_reports(ctx: Context, store: ReportStore, org_slug: str) -> list[dict[str, Any]]:
    """The organisation's stored reports, newest first (without the documents), each with
    the calculation run it rests on (``run_id``, from its ledger entry) and, when a newer run
    of its year exists, ``superseded_by`` that run."""
    org = ctx.workspace.get_org(org_slug)
    runs: dict[int, int | None] = {}
    if ctx.ledger is not None:
        for item in ctx.ledger.entries_of(org.id):
            if item["kind"] == LEDGER_KIND:
                payload = json.loads(item["entry"])["payload"]
                runs[int(payload["report_id"])] = payload.get("run_id")
    latest: dict[int, int | None] = {}
    listed = []
    for row in store.reports(org.id):
        public = _public(row, org.slug)
        year = public["year"]
        if year not in latest:
            latest[year] = ctx.workspace.latest_run_id(org.id, year)
        run_id = runs.get(public["id"])
        public["run_id"] = run_id
        public["superseded_by"] = (
            latest[year] if run_id is not None and latest[year] not in (None, run_id) else None
        )
        listed.append(public)
    return listed


def get_report(ctx: Context, store: ReportStore, org_slug: str, report_id: int) -> dict[str, Any]:
    """A stored report with its ``html`` (str) and ``pdf`` (bytes); another organisation's
    report, or none, is NotFoundError."""
    org = ctx.workspace.get_org(org_slug)
    row = store.report(org.id, report_id)
    if row is None:
        raise NotFoundError(f"progress report {report_id} not found")
    return {
        **_public({**row, "pdf_bytes": len(row["pdf"])}, org.slug),
        "html": row["html"],
        "pdf": row["pdf"],
    }


def create_progress_report_for(
    ctx: Context,
    principal: Principal,
    store: ReportStore,
    org_slug: str,
    year: int,
    *,
    renderer: ReportRenderer,
) -> dict[str, Any]:
    principal.membership(org_slug, Role.ANALYST)
    return create_progress_report(ctx, store, org_slug, year, renderer=renderer)


def list_reports_for(
    ctx: Context, principal: Principal, store: ReportStore, org_slug: str
) -> list[dict[str, Any]]:
    principal.membership(org_slug)
    return list_reports(ctx, store, org_slug)


def get_report_for(
    ctx: Context, principal: Principal, store: ReportStore, org_slug: str, report_id: int
) -> dict[str, Any]:
    principal.membership(org_slug)
    return get_report(ctx, store, org_slug, report_id)
