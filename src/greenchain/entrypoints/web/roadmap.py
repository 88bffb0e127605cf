"""The what-if roadmap of the targets pages and API: the levers as people type them (percent,
empty fields at their defaults), and the projection of the latest year's emissions under them
against each target's path."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlencode

from greenchain.domain.errors import (
    GreenchainError,
    InvalidDataError,
    NotFoundError,
)
from greenchain.domain.targets import (
    Efficiency,
    Lever,
    ReductionProject,
    RenewableShare,
    SupplierTargets,
    Target,
    TargetKind,
    YearData,
    expected_value,
    path_points,
    project,
    value_for,
)
from greenchain.entrypoints.web import fields
from greenchain.services import reductions as reduction_service
from greenchain.services import targets as target_service
from greenchain.services.context import Context
from greenchain.services.ports import TargetStore

# --- roadmap ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoadmapLevers:
    """The what-if levers of the roadmap form and query (fractions 0..1)."""

    until: int = 2030
    supplier_share: float = 0.0
    supplier_rate: float = 0.0
    renewable_share: float = 0.0
    renewable_by: int | None = None
    renewable_current: float = 0.0
    efficiency_rate: float = 0.0
    projects: bool = False  # the organisation's recorded reduction projects, from next year

    @property
    def any(self) -> bool:
        return bool(
            (self.supplier_share and self.supplier_rate)
            or self.renewable_share
            or self.efficiency_rate
            or self.projects
        )


#: The roadmap levers that are shares or rates: percent on the page and in its links.
PERCENT_LEVERS: tuple[str, ...] = (
    "efficiency_rate",
    "renewable_current",
    "renewable_share",
    "supplier_share",
    "supplier_rate",
)
LEVER_LABELS: Mapping[str, str] = {
    "until": "Project until",
    "efficiency_rate": "Efficiency gain",
    "renewable_current": "Renewable share in the latest year",
    "renewable_share": "Renewable share to reach",
    "renewable_by": "Reached by",
    "supplier_share": "Share of Scope 3 from suppliers with targets",
    "supplier_rate": "Their annual reduction",
}


def levers_from_text(given: Mapping[str, str]) -> RoadmapLevers:
    """The levers as typed on the page: shares and rates in percent (``3`` or ``3 %``), years,
    empty fields left at their default. A field that cannot be read is named."""
    shares: dict[str, float] = {}
    for key in PERCENT_LEVERS:
        value = fields.number(given.get(key, ""), LEVER_LABELS[key], percent=True)
        limit = 0.999 if key == "renewable_current" else 1.0
        if value is not None and not 0 <= value <= limit:
            raise InvalidDataError(
                f"{LEVER_LABELS[key]}: {value * 100:g} % is not between 0 and {limit * 100:g} %"
            )
        shares[key] = value or 0.0
    until = fields.optional_year(given.get("until", ""), LEVER_LABELS["until"]) or 2030
    by = fields.optional_year(given.get("renewable_by", ""), LEVER_LABELS["renewable_by"])
    for label, value in (("until", until), ("renewable_by", by)):
        if value is not None and not 1990 <= value <= 2100:
            raise InvalidDataError(
                f"{LEVER_LABELS[label]}: {value} is not a year from 1990 to 2100"
            )
    return RoadmapLevers(
        until=until,
        renewable_by=by,
        projects=given.get("projects", "").strip().lower() in ("1", "true", "on", "yes"),
        **shares,
    )


def levers_as_text(levers: RoadmapLevers | Mapping[str, Any]) -> dict[str, str]:
    """The levers as the page shows and links them: percent for shares and rates."""
    values = asdict(levers) if isinstance(levers, RoadmapLevers) else dict(levers)
    shown: dict[str, str] = {}
    for key, value in values.items():
        if key == "projects":
            shown[key] = "true" if value else ""
        elif value is None:
            shown[key] = ""
        elif key in PERCENT_LEVERS:
            shown[key] = f"{float(value) * 100:.4g}"
        else:
            shown[key] = str(int(value))
    return shown


def _levers(params: RoadmapLevers, latest_year: int, latest: Mapping[str, float]) -> list[Lever]:
    start = latest_year + 1
    scope2 = "2_market" if "2_market" in latest else "2_location"
    levers: list[Lever] = []
    if params.efficiency_rate > 0:
        levers.append(Efficiency("1", params.efficiency_rate, start, "efficiency (Scope 1)"))
        levers.append(Efficiency(scope2, params.efficiency_rate, start, "efficiency (Scope 2)"))
    if params.renewable_share > 0:
        levers.append(
            RenewableShare(
                target_share=params.renewable_share,
                by_year=params.renewable_by or params.until,
                current_share=params.renewable_current,
            )
        )
    if params.supplier_share > 0 and params.supplier_rate > 0:
        levers.append(SupplierTargets(params.supplier_share, params.supplier_rate, start))
    return levers


def _value(target: Target, data: YearData | None) -> float | None:
    if data is None:
        return None
    try:
        return value_for(target, data)
    except GreenchainError:
        return None


def _path(target: Target, years: Mapping[int, YearData]) -> tuple[tuple[int, float], ...] | None:
    """The target's path points, or None when the base year has no data for it."""
    base = _value(target, years.get(target.base_year))
    if base is None or (target.is_emission_target and base <= 0):
        return None
    return path_points(target, base)


def _project_levers(
    ctx: Context, org: str, latest_year: int, latest: Mapping[str, float]
) -> list[Lever]:
    """The organisation's recorded reduction project results (ledger claims, incl. joint
    projects with suppliers) as levers: each saves its measured annual tonnes from the year
    after the latest inventory."""
    scope2 = "2_market" if "2_market" in latest else "2_location"
    levers: list[Lever] = []
    for claim in reduction_service.list_claims(ctx, org):
        if claim["kind"] != "project_result":
            continue
        scope = scope2 if claim["scope"] == "2" else claim["scope"]
        levers.append(
            ReductionProject(scope, float(claim["t_co2e"]), latest_year + 1, claim["name"])
        )
    return levers


def roadmap(ctx: Context, store: TargetStore, org: str, params: RoadmapLevers) -> dict[str, Any]:
    """Project the latest year of history to ``params.until`` under the levers.

    Returns per-year totals by scope (t CO2e; total = Scope 1 + Scope 2 market-based, else
    location-based, + Scope 3), the baseline (the latest year held flat), the savings of each
    lever in each year and in the last year, and for each absolute or net-zero target its path
    next to the projection on its scopes.
    """
    years = target_service.history(ctx, store, org)
    with_emissions = [y for y, data in years.items() if data.emissions]
    if not with_emissions:
        raise NotFoundError("no emissions recorded yet: enter history or run the inventory")
    latest_year = max(with_emissions)
    latest = dict(years[latest_year].emissions)
    levers = _levers(params, latest_year, latest)
    if params.projects:
        levers += _project_levers(ctx, org, latest_year, latest)
    projection = project(latest_year, latest, levers, params.until)
    counted = {"1", "3", "2_market" if "2_market" in latest else "2_location"}
    rows = [
        {
            "year": p.year,
            "by_scope": dict(p.by_scope),
            "total_t_co2e": p.total_t_co2e,
            "baseline_total_t_co2e": p.baseline_total_t_co2e,
            "saved_t_co2e": p.saved_t_co2e,
            "savings": [
                {
                    "label": c.label,
                    "scope": c.scope,
                    "saved_t_co2e": c.saved_t_co2e,
                    "counted": c.scope in counted,
                }
                for c in p.contributions
            ],
        }
        for p in projection
    ]
    final = rows[-1]
    targets = []
    for row in target_service.list_targets(ctx, store, org):
        if row["kind"] not in (TargetKind.ABSOLUTE.value, TargetKind.NET_ZERO.value):
            continue
        target = target_service.target_from_row(row)
        points = _path(target, years)
        if points is None or any(s not in latest for s in target.scopes):
            continue
        projected = [
            {"year": p.year, "t_co2e": sum(p.by_scope[s] for s in target.scopes)}
            for p in projection
        ]
        at_target = next((p for p in projected if p["year"] == target.target_year), None)
        targets.append(
            {
                "name": target.name,
                "scopes": list(target.scopes),
                "target_year": target.target_year,
                "target_t_co2e": points[-1][1],
                "path": [
                    {"year": p.year, "t_co2e": expected_value(points, p.year)} for p in projection
                ],
                "projected": projected,
                "meets_target": (
                    None if at_target is None else at_target["t_co2e"] <= points[-1][1] * (1 + 1e-9)
                ),
            }
        )
    return {
        "latest_year": latest_year,
        "until": params.until,
        "latest": latest,
        "levers": [{"label": c.label, "scope": c.scope} for c in projection[-1].contributions],
        "baseline_total_t_co2e": final["baseline_total_t_co2e"],
        "projected_total_t_co2e": final["total_t_co2e"],
        "savings_by_lever": final["savings"],
        "years": rows,
        "targets": targets,
    }


def scenario_query(levers: Mapping[str, Any]) -> str:
    """A saved scenario's levers as the roadmap page's query (percent)."""
    return urlencode({k: v for k, v in levers_as_text(levers).items() if v})
