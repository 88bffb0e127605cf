"""ESRS E1 climate disclosure from a stored calculation run: the quantitative datapoints of
E1-6 (gross Scopes 1, 2 and 3, totals, intensity per net revenue), E1-5 (purchased electricity
and its renewable share), E1-4 (targets with base year, values and progress) and E1-7
(carbon credits), each named by its paragraph of ESRS E1 (Commission Delegated Regulation
(EU) 2023/2772, Annex I), and the take-back of sold products for ESRS E5-5 (resource
outflows) where the year has take-back records.

Why from a stored run: a disclosed figure must stay the figure that was calculated and
recorded. Every figure here comes from the run's stored report, never from a live query,
and the document names the run and the ledger entry that records it, so a reader (or the
verifier) can trace each number to the signed entry and from there to its lines.

Source: ESRS E1 "Climate change", disclosure requirements E1-4 (para. 30-34), E1-5
(para. 35-43), E1-6 (para. 44-55, intensity para. 53-55) and E1-7 (para. 56-61).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from greenchain.domain.energy import FOSSIL_GROUPS, RENEWABLE_FUELS
from greenchain.domain.errors import NotFoundError
from greenchain.domain.inventory import SCOPE3_CATEGORY_NAMES, InventoryReport
from greenchain.domain.targets import CREDIT_FIELDS
from greenchain.services import targets as target_service
from greenchain.services.context import Context
from greenchain.services.disclosure_basis import basis, run_entry
from greenchain.services.inventory import get_inventory_report
from greenchain.services.progress_report import KIND_LABELS, SCOPE_LABELS

#: What this disclosure does not report yet, with the reason given to the reader.
NOT_REPORTED = {
    "nuclear_energy_mwh": (
        "E1-5 para. 37(b): purchased electricity is not split by the grid's generation sources"
    ),
    "self_generated_renewable_mwh": (
        "E1-5 para. 37(c)(iii): no activity records self-generated non-fuel renewable energy"
    ),
}


def _not_kept_by(report: InventoryReport) -> dict[str, str]:
    """The datapoints a run stored before the accounting kept them cannot give, with why."""
    before = f"run {report.run_id} was calculated before the accounting kept"
    again = "; calculate the year again to report it"
    missing: dict[str, str] = {}
    if report.scope_1_regulated_ets_t is None:
        missing["scope_1_regulated_ets_share"] = (
            f"E1-6 para. 48(b): {before} the regulated-ETS flag of activity rows{again}"
        )
    if report.biogenic_co2_t is None:
        missing["biogenic_co2_t"] = f"E1-6 AR 43(c): {before} the biogenic CO2 of biomass{again}"
    if report.fuel_energy_mwh is None:
        missing["fossil_energy_mwh"] = f"E1-5 para. 37(a): {before} the energy of fuels{again}"
    return missing


def _credit_splits(retired: list[dict[str, Any]]) -> dict[str, Any]:
    """The retired tonnes with and without a corresponding adjustment and from projects in and
    outside the EU, with their shares (ESRS E1-7 para. 59-60, AR 62); a block that does not
    say is counted under ``..._not_known_t``."""

    def tonnes(field: str, value: object) -> float:
        return float(sum(c["quantity_t"] for c in retired if c.get(field) == value))

    total = float(sum(c["quantity_t"] for c in retired))
    splits = {
        "with_corresponding_adjustment_t": tonnes("corresponding_adjustment", True),
        "without_corresponding_adjustment_t": tonnes("corresponding_adjustment", False),
        "corresponding_adjustment_not_known_t": tonnes("corresponding_adjustment", None),
        "from_eu_projects_t": tonnes("location", "EU"),
        "from_non_eu_projects_t": tonnes("location", "non-EU"),
        "location_not_known_t": tonnes("location", None),
    }
    return {
        **splits,
        "share_with_corresponding_adjustment": (
            round(splits["with_corresponding_adjustment_t"] / total, 6) if total else None
        ),
        "share_from_eu_projects": (
            round(splits["from_eu_projects_t"] / total, 6) if total else None
        ),
    }


def _e1_5(report: InventoryReport) -> dict[str, Any]:
    """Energy consumption and mix (ESRS E1-5 para. 37-38, AR 34): the fuels burnt, fossil by
    group and renewable, and the purchased electricity with its part covered by instruments.
    The fuels' MWh come from the run (``greenchain.domain.energy``); the electricity not
    covered by instruments stays in the total, unsplit by the grid's sources."""
    electricity = report.electricity_mwh
    share = report.renewable_electricity_share
    renewable_electricity = electricity * share if share is not None else None
    fuels = report.fuel_energy_mwh
    fossil = report.fossil_fuel_energy_mwh
    renewable_fuels = fuels.get(RENEWABLE_FUELS, 0.0) if fuels is not None else None
    total = None
    if fossil is not None and renewable_fuels is not None:
        total = round(fossil + renewable_fuels + electricity, 3)
    return {
        "purchased_electricity_mwh": electricity,
        "renewable_purchased_with_instruments_mwh": renewable_electricity,
        "share_renewable_electricity": share,
        "fossil_energy_mwh": fossil,
        "fossil_energy_by_group_mwh": (
            {g: fuels.get(g, 0.0) for g in FOSSIL_GROUPS} if fuels is not None else None
        ),
        "nuclear_energy_mwh": None,
        "renewable_fuels_mwh": renewable_fuels,
        "self_generated_renewable_mwh": None,
        "total_energy_mwh": total,
        "share_renewable_energy": (
            round(((renewable_fuels or 0.0) + (renewable_electricity or 0.0)) / total, 6)
            if total
            else None
        ),
    }


def _e1_6(report: InventoryReport, revenue: tuple[float, str] | None) -> dict[str, Any]:
    scope = report.by_scope
    s1, s2_loc, s2_mkt, s3 = (
        scope.get("1", 0.0),
        scope.get("2_location", 0.0),
        scope.get("2_market", 0.0),
        scope.get("3", 0.0),
    )
    total_loc, total_mkt = s1 + s2_loc + s3, s1 + s2_mkt + s3
    per_million = revenue[0] / 1e6 if revenue else None
    return {
        "gross_scope_1_t": s1,
        "scope_1_regulated_ets_t": report.scope_1_regulated_ets_t,
        "scope_1_regulated_ets_share": report.scope_1_regulated_ets_share,
        "gross_scope_2_location_t": s2_loc,
        "gross_scope_2_market_t": s2_mkt,
        "gross_scope_3_t": s3,
        "scope_3_by_category_t": {
            str(c): report.by_category.get(str(c), 0.0) for c in range(1, 16)
        },
        "total_location_t": total_loc,
        "total_market_t": total_mkt,
        "intensity_location_t_per_million_revenue": (
            total_loc / per_million if per_million else None
        ),
        "intensity_market_t_per_million_revenue": (
            total_mkt / per_million if per_million else None
        ),
        "revenue_million": per_million,
        "revenue_currency": revenue[1] if revenue else None,
        "biogenic_co2_t": report.biogenic_co2_t,
        "gwp": report.gwp,
        "run_id": report.run_id,
    }


def _base_from_history(
    ctx: Context, org_slug: str, year: int, revenues: dict[int, tuple[float, str]]
) -> dict[str, Any] | None:
    """The base year's scope totals as entered in the organisation's history (a year before
    the first calculation run), without a category split."""
    assert ctx.targets is not None
    data = target_service.history(ctx, ctx.targets, org_slug).get(year)
    if data is None:
        return None
    e = data.emissions
    s1, s3 = e.get("1", 0.0), e.get("3", 0.0)
    loc, mkt = e.get("2_location"), e.get("2_market", 0.0)
    revenue = revenues.get(year)
    per_million = revenue[0] / 1e6 if revenue else None
    total_mkt = s1 + mkt + s3
    total_loc = None if loc is None else s1 + loc + s3
    return {
        "year": year,
        "source": "entered history",
        "gross_scope_1_t": s1,
        "gross_scope_2_location_t": loc,
        "gross_scope_2_market_t": mkt,
        "gross_scope_3_t": s3,
        "total_location_t": total_loc,
        "total_market_t": total_mkt,
        "intensity_location_t_per_million_revenue": (
            total_loc / per_million if per_million and total_loc is not None else None
        ),
        "intensity_market_t_per_million_revenue": (
            total_mkt / per_million if per_million else None
        ),
        "revenue_million": per_million,
        "revenue_currency": revenue[1] if revenue else None,
    }


def _base_year_figures(
    ctx: Context,
    org_slug: str,
    year: int,
    targets: list[dict[str, Any]],
    revenues: dict[int, tuple[float, str]],
) -> dict[str, Any] | None:
    """E1-6's base-year column: the figures of the base year most of the targets name (the
    earlier on a tie) that has figures, from its calculation run or else the entered history.
    A target whose base year has no figures (a year before any data) does not blank the
    column for the others."""
    counts = Counter(int(t["base_year"]) for t in targets if t["base_year"] != year)
    for base_year, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        try:
            base_report = get_inventory_report(ctx, org_slug, base_year)
            return {"year": base_year, **_e1_6(base_report, revenues.get(base_year))}
        except NotFoundError:
            entered = _base_from_history(ctx, org_slug, base_year, revenues)
            if entered is not None:
                return entered
    return None


def esrs_e1(ctx: Context, org_slug: str, year: int, run_id: int | None = None) -> dict[str, Any]:
    """The ESRS E1 datapoints of ``org_slug`` for ``year`` from a stored run (the latest of the
    year unless ``run_id``), with the base year's beside them where a target names one."""
    org = ctx.workspace.get_org(org_slug)
    report = get_inventory_report(ctx, org_slug, year, run_id)
    store = ctx.targets
    revenues: dict[int, tuple[float, str]] = {}
    targets: list[dict[str, Any]] = []
    credits: list[dict[str, Any]] = []
    if store is not None:
        for row in store.history_revenue(org.id):
            revenues[int(row["year"])] = (float(row["revenue"]), str(row["currency"]))
        progress = {
            p["name"]: p for p in target_service.target_progress(ctx, store, org_slug, year)
        }
        for row in target_service.list_targets(ctx, store, org_slug):
            at = progress.get(row["name"], {})
            targets.append(
                {
                    "name": row["name"],
                    "kind": row["kind"],
                    "scopes": list(row["scopes"]),
                    "denominator": row.get("denominator"),
                    "base_year": row["base_year"],
                    "target_year": row["target_year"],
                    "reduction": row["reduction"],
                    "base_value": at.get("base_value"),
                    "target_value": at.get("target_value"),
                    "actual_value": at.get("actual_value"),
                    "on_track": at.get("on_track"),
                }
            )
        credits = target_service.list_credits(ctx, store, org_slug)
    base = _base_year_figures(ctx, org_slug, year, targets, revenues)
    # ESRS E1-7 para. 59: the credits cancelled in the reporting year (not the register)
    cancelled = [c for c in credits if target_service.credit_cancellation_year(c) == year]
    retired = [c for c in cancelled if c.get("retired_for")]
    return {
        "standard": "ESRS E1 (Commission Delegated Regulation (EU) 2023/2772)",
        "org": org_slug,
        "year": year,
        "org_name": org.name,
        "basis": basis(ctx, org.id, report),
        "run_id": report.run_id,
        "ledger_entry": run_entry(ctx, org.id, report.run_id),
        "calculated_at": report.created_at,
        "E1-6": {**_e1_6(report, revenues.get(year)), "base_year": base},
        "E1-5": _e1_5(report),
        "E1-4": {"targets": targets},
        "E1-7": {
            "credits_retired_t": sum(c["quantity_t"] for c in retired),
            "removals_t": sum(c["quantity_t"] for c in retired if c["project_type"] == "removal"),
            "reductions_t": sum(
                c["quantity_t"] for c in retired if c["project_type"] == "avoidance"
            ),
            **_credit_splits(retired),
            "credits": [{k: c.get(k) for k in CREDIT_FIELDS} for c in cancelled],
            "credits_cancelled_in_other_years": len(credits) - len(cancelled),
        },
        "E5-5": _e5_5(report),
        "not_reported": {**NOT_REPORTED, **_not_kept_by(report)},
        "category_names": {str(k): v for k, v in SCOPE3_CATEGORY_NAMES.items()},
    }


def _e5_5(report: InventoryReport) -> dict[str, Any] | None:
    """ESRS E5-5 (resource outflows, products and materials): what came back of the products
    sold, from the run's take-back records; reported beside E1 and never netted against
    emissions. None when the year has no take-back records."""
    c = report.circularity
    if not c:
        return None
    return {
        "products_taken_back_t": c["tonnes_returned"],
        "products_taken_back_units": c.get("units_returned"),
        "share_reused_or_refurbished": c["reuse_rate"],
        "share_recycled_of_the_rest": c.get("recycling_rate"),
        "by_product_line": [
            {
                "product_line": p["product_line"],
                "taken_back_t": p["tonnes_returned"],
                "share_reused_or_refurbished": p["reuse_rate"],
                "share_recycled_of_the_rest": p.get("recycling_rate"),
            }
            for p in c.get("product_lines", [])
        ],
    }


#: The paragraph of ESRS E1 each E1-5 datapoint answers.
_E1_5_PARAGRAPHS = {
    "purchased_electricity_mwh": "37(a)(iv), 37(c)(ii)",
    "renewable_purchased_with_instruments_mwh": "37(c)(ii)",
    "share_renewable_electricity": "37(c)(ii)",
    "fossil_energy_mwh": "37(a)",
    "coal_and_coal_products": "38(a)",
    "crude_oil_and_petroleum_products": "38(b)",
    "natural_gas": "38(c)",
    "other_fossil": "38(d)",
    "nuclear_energy_mwh": "37(b)",
    "renewable_fuels_mwh": "37(c)(i)",
    "self_generated_renewable_mwh": "37(c)(iii)",
    "total_energy_mwh": "37",
    "share_renewable_energy": "AR 34",
}


#: Target kinds whose values are shares (0..1) rather than tonnes.
SHARE_TARGET_KINDS = frozenset({"supplier_engagement", "renewable_electricity"})


def _target_unit(kind: str, denominator: str | None) -> str:
    """The unit of a target's values as the E1-4 table states it ("share" marks shares)."""
    if kind in SHARE_TARGET_KINDS:
        return "share"
    if kind == "intensity":  # per unit of its denominator, else per million of revenue
        return f"t CO2e per {denominator or 'million of revenue'}"
    return "t CO2e"


def esrs_e1_sheets(doc: dict[str, Any]) -> list[tuple[str, list[list[Any]]]]:
    """The workbook of an ESRS E1 document: one sheet per disclosure requirement."""
    e16 = doc["E1-6"]
    header = [
        ["Organisation", doc["org"]],
        ["Reporting year", doc["year"]],
        ["Calculation run", doc["run_id"]],
        ["Ledger entry", doc["ledger_entry"]],
        ["GWP set", e16["gwp"]],
    ]
    base = e16.get("base_year") or {}
    rows: list[list[Any]] = [
        *header,
        [],
        ["Datapoint (E1-6)", "Paragraph", f"{doc['year']}", f"Base year {base.get('year', '')}"],
    ]
    for key, para in (
        ("gross_scope_1_t", "48(a)"),
        ("scope_1_regulated_ets_t", "48(b)"),
        ("scope_1_regulated_ets_share", "48(b)"),
        ("gross_scope_2_location_t", "49(a)"),
        ("gross_scope_2_market_t", "49(b)"),
        ("gross_scope_3_t", "51"),
        ("total_location_t", "52(a)"),
        ("total_market_t", "52(b)"),
        ("intensity_location_t_per_million_revenue", "53"),
        ("intensity_market_t_per_million_revenue", "53"),
        ("revenue_million", "AR 55"),
        ("revenue_currency", "AR 55"),
        ("biogenic_co2_t", "AR 43(c)"),
    ):
        rows.append([key, para, e16[key], base.get(key)])
    for cat, value in e16["scope_3_by_category_t"].items():
        rows.append(
            [
                f"scope_3_category_{cat}_t ({doc['category_names'][cat]})",
                "51",
                value,
                (base.get("scope_3_by_category_t") or {}).get(cat),
            ]
        )
    energy: list[list[Any]] = [["Datapoint (E1-5)", "Paragraph", "Value"]]
    for key, value in doc["E1-5"].items():
        if isinstance(value, dict):
            energy += [[f"{key}.{g}", _E1_5_PARAGRAPHS.get(g, "38"), v] for g, v in value.items()]
        else:
            energy.append([key, _E1_5_PARAGRAPHS.get(key, "37"), value])
    targets: list[list[Any]] = [
        ["Target", "Kind", "Scopes", "Unit", "Base year", "Target year",
         "Targeted reduction from base year", "Base-year value", "Target value",
         "Reporting-year value", "On track"],
        *[[t["name"], KIND_LABELS.get(t["kind"], t["kind"]),
           ", ".join(SCOPE_LABELS.get(s, s) for s in t["scopes"]),
           _target_unit(t["kind"], t.get("denominator")),
           t["base_year"], t["target_year"], t["reduction"], t["base_value"],
           t["target_value"], t["actual_value"], t["on_track"]]
          for t in doc["E1-4"]["targets"]],
    ]  # fmt: skip
    e17 = doc["E1-7"]
    credits = [
        ["Datapoint (E1-7)", "Value"],
        *[[k, v] for k, v in e17.items() if k != "credits"],
        [],
        list(e17["credits"][0].keys()) if e17["credits"] else ["credits"],
        *[list(c.values()) for c in e17["credits"]],
    ]
    notes = [["Datapoint", "Why not reported"], *[[k, v] for k, v in doc["not_reported"].items()]]
    sheets = [
        ("E1-6 GHG emissions", rows),
        ("E1-5 Energy", energy),
        ("E1-4 Targets", targets),
        ("E1-7 Credits", credits),
    ]
    e55 = doc.get("E5-5")
    if e55:
        outflows: list[list[Any]] = [
            ["Product line", "Taken back (t)", "Reused or refurbished (share)",
             "Recycled of the rest (share)"],
            *[[p["product_line"], p["taken_back_t"], p["share_reused_or_refurbished"],
               p["share_recycled_of_the_rest"]] for p in e55["by_product_line"]],
            ["All", e55["products_taken_back_t"], e55["share_reused_or_refurbished"],
             e55["share_recycled_of_the_rest"]],
        ]  # fmt: skip
        sheets.append(("E5-5 Outflows", outflows))
    return [*sheets, ("Not reported", notes)]
