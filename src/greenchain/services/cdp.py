"""The emissions, methodology, verification and target answers of the CDP climate
questionnaire, numbered as CDP numbers them, from a stored run.

What: C0.2 (reporting year), C0.5 (reporting boundary), C4.1a/C4.1b (absolute and intensity
targets), C5.2 (base year and base-year emissions), C5.3 (standard used), C6.1 (Scope 1), C6.2
(Scope 2 approach), C6.3 (Scope 2), C6.4/C6.4a (exclusions), C6.5 (Scope 3 per category with
evaluation status, method, share from suppliers or value-chain partners and explanation), C6.7
(biogenic CO2), C6.10 (intensity per revenue), C8.2a (energy), C10.1/C10.1a-c (verification
status), C11.2a (credits cancelled) and, for a supplier, SC1.1 (emissions allocated to each
requesting customer).

Why: a CDP response repeats the inventory in CDP's own layout; building it from the same stored
run as every other disclosure keeps the figures equal and traceable to the ledger.

Source: CDP Climate Change 2023 Questionnaire (CDP Worldwide, version 1.3), modules C0, C4,
C5, C6, C8, C10, C11 and SC (SC1.1); the question numbers are that edition's (the 2024 integrated
questionnaire asks the same in its module 7 under other numbers).
"""

from __future__ import annotations

from typing import Any

from greenchain.services import disclosure
from greenchain.services.allocation import allocations_of_year
from greenchain.services.context import Context
from greenchain.services.ghg_protocol import ghg_protocol
from greenchain.services.progress_report import SCOPE_LABELS

QUESTIONNAIRE = "CDP Climate Change 2023 Questionnaire"
#: CDP's C6.5 "Emissions calculation methodology" options for each method of the platform.
CDP_METHODS = {
    "product_level": "Supplier-specific method",
    "supplier_specific": "Hybrid method",
    "average_data": "Average data method",
    "spend_based": "Spend-based method",
}


def _status(category: dict[str, Any]) -> str:
    """C6.5 column 1, "Evaluation status": calculated categories are relevant; a category the
    organisation excluded with its reason is "not relevant, explanation provided"; one without
    data and without an exclusion has not been evaluated (having no data is not a reason)."""
    if category["status"] == "included":
        return "Relevant, calculated"
    if category["status"] == "excluded":
        return "Not relevant, explanation provided"
    return "Not evaluated"


def _progress(target: dict[str, Any]) -> float | None:
    """C4.1a "% of target achieved relative to base year"."""
    base, goal, actual = target["base_value"], target["target_value"], target["actual_value"]
    if base is None or goal is None or actual is None or base == goal:
        return None
    return float(base - actual) / float(base - goal)


def _target(number: int, prefix: str, t: dict[str, Any]) -> dict[str, Any]:
    return {
        "target_reference_number": f"{prefix} {number}",
        "name": t["name"],
        "scopes": t["scopes"],
        "base_year": t["base_year"],
        "base_year_value": t["base_value"],
        "target_year": t["target_year"],
        "targeted_reduction_from_base_year": t["reduction"],
        "target_year_value": t["target_value"],
        "reporting_year_value": t["actual_value"],
        "share_of_target_achieved": _progress(t),
        "status": "Underway" if t["on_track"] is not None else "New",
    }


def cdp(
    ctx: Context,
    org_slug: str,
    year: int,
    run_id: int | None = None,
    *,
    consolidation: str = "operational control",
) -> dict[str, Any]:
    """The CDP climate answers of ``org_slug`` for ``year`` from a stored run."""
    ghg = ghg_protocol(ctx, org_slug, year, run_id, consolidation=consolidation)
    org_id = ctx.workspace.get_org(org_slug).id
    run = ghg["basis"]["run_id"]
    esrs = disclosure.esrs_e1(ctx, org_slug, year, run)
    e16, e15, e14, e17 = esrs["E1-6"], esrs["E1-5"], esrs["E1-4"], esrs["E1-7"]
    e = ghg["emissions"]
    v = ghg["basis"]["verification"]
    base = e16.get("base_year") or {}
    absolute = [t for t in e14["targets"] if t["kind"] == "absolute"]
    intensity = [t for t in e14["targets"] if t["kind"] == "intensity"]
    verified = "Third-party verification or assurance process in place"
    not_verified = "No third-party verification or assurance"

    def verification(scope: str, share: float) -> dict[str, Any] | None:
        if v is None:
            return None
        return {
            "scope": scope,
            "verification_cycle": "Annual process",
            "status_in_reporting_year": "Complete",
            "type": f"{v['assurance_level'].capitalize()} assurance",
            "verifier": v["verifier"],
            "date": v["date"],
            "relevant_standard": v["standard"],
            "proportion_verified": share,
            "ledger_entry": v["ledger_entry"],
        }

    scope1_plus_2 = e["scope_1_t"] + e["scope_2_market_t"]
    revenue = e16.get("revenue_million")
    return {
        "standard": QUESTIONNAIRE,
        "org": org_slug,
        "org_name": ghg["org_name"],
        "year": year,
        "basis": ghg["basis"],
        "C0.2": {"start_date": f"{year}-01-01", "end_date": f"{year}-12-31"},
        "C0.5": ghg["boundaries"]["consolidation_approach"].capitalize(),
        "C4.1a": [_target(i, "Abs", t) for i, t in enumerate(absolute, 1)],
        "C4.1b": [_target(i, "Int", t) for i, t in enumerate(intensity, 1)],
        "C5.2": {
            "base_year": base.get("year"),
            "scope_1_t": base.get("gross_scope_1_t"),
            "scope_2_location_t": base.get("gross_scope_2_location_t"),
            "scope_2_market_t": base.get("gross_scope_2_market_t"),
            "scope_3_t": base.get("gross_scope_3_t"),
        },
        "C5.3": [
            "The Greenhouse Gas Protocol: A Corporate Accounting and Reporting Standard "
            "(Revised Edition)",
            "The Greenhouse Gas Protocol: Scope 2 Guidance",
            "The Greenhouse Gas Protocol: Corporate Value Chain (Scope 3) Standard",
        ],
        "C6.1": {"gross_global_scope_1_t": e["scope_1_t"]},
        "C6.2": {
            "scope_2_location_based": "We are reporting a Scope 2, location-based figure",
            "scope_2_market_based": "We are reporting a Scope 2, market-based figure",
        },
        "C6.3": {
            "scope_2_location_t": e["scope_2_location_t"],
            "scope_2_market_t": e["scope_2_market_t"],
        },
        "C6.4": [
            {
                "source": f"Scope 3 category {c['category']} ({c['name']})",
                "explanation": c["justification"],
            }
            for c in ghg["scope_3"]["categories"]
            if c["status"] == "excluded"
        ],
        "C6.5": [
            {
                "category": c["category"],
                "name": c["name"],
                "evaluation_status": _status(c),
                "emissions_t": c["t_co2e"] if c["status"] == "included" else None,
                "methodology": "; ".join(
                    CDP_METHODS.get(m, m)
                    for m, t in sorted(c["t_by_method"].items(), key=lambda kv: -kv[1])
                    if t > 0
                ),
                "share_from_suppliers_or_value_chain_partners": (
                    c["share_from_value_chain_partners"]
                ),
                "explanation": c["justification"] or c["data_types"],
            }
            for c in ghg["scope_3"]["categories"]
        ],
        "C6.7": {
            "biogenic_co2_relevant": bool(e.get("biogenic_co2_t")),
            "biogenic_co2_t": e.get("biogenic_co2_t"),
        },
        "C6.10": {
            "intensity_figure": scope1_plus_2 / (revenue * 1e6) if revenue else None,
            "intensity_t_per_million_revenue": scope1_plus_2 / revenue if revenue else None,
            "metric_numerator_t": scope1_plus_2,
            "metric_denominator": "unit total revenue",
            "metric_denominator_unit_total": revenue * 1e6 if revenue else None,
            "revenue_currency": e16.get("revenue_currency"),
            "scope_2_figure_used": "Market-based",
        },
        "C8.2a": {
            "purchased_electricity_mwh": e15.get("purchased_electricity_mwh"),
            "renewable_electricity_with_instruments_mwh": e15.get(
                "renewable_purchased_with_instruments_mwh"
            ),
            "fuel_mwh_non_renewable": e15.get("fossil_energy_mwh"),
        },
        "C10.1": {
            "Scope 1": verified if v else not_verified,
            "Scope 2": verified if v else not_verified,
            "Scope 3": verified if v else not_verified,
        },
        "C10.1a": verification("Scope 1", 1.0),
        "C10.1b": verification("Scope 2 (location-based and market-based)", 1.0),
        "C10.1c": verification("Scope 3", 1.0),
        "SC1.1": [
            {
                "requesting_member": x["buyer"],
                "requesting_member_name": x["buyer_name"],
                "scope_of_emissions": "Scope 1 and 2"
                + (" and upstream Scope 3" if x["include_upstream"] else ""),
                "allocation_level": "Company wide",
                "emissions_t": x["allocated_t"],
                "uncertainty_pct": x["uncertainty_pct"],
                "allocation_method": x["method_label"],
                "market_value_or_quantity": x["customer_value"],
                "unit": x["unit"],
                "share_of_total": x["share"],
                "request_status": x["status"],
            }
            for x in allocations_of_year(ctx, org_id, year)
        ],
        "C11.2a": [
            {
                "credit_origination_or_purchase": "Credit purchase",
                "project_type": c["project_type"],
                "verified_to_standard": c["standard"],
                "registry": c["registry"],
                "serials": f"{c['serial_start']}-{c['serial_end']}",
                "vintage": c["vintage"],
                "credits_cancelled_t": c["quantity_t"],
                "purpose": "Voluntary offsetting",
            }
            for c in e17["credits"]
            if c.get("retired_for")
        ],
    }


def cdp_sheets(doc: dict[str, Any]) -> list[tuple[str, list[list[Any]]]]:
    """The workbook (and HTML tables): one row per question and column, as CDP lays them out."""
    base = doc["C5.2"]
    i = doc["C6.10"]
    energy = doc["C8.2a"]
    renewable = energy["renewable_electricity_with_instruments_mwh"]
    emissions: list[list[Any]] = [
        ["Question", "Column", "Answer"],
        ["C0.2", "Start date", doc["C0.2"]["start_date"]],
        ["C0.2", "End date", doc["C0.2"]["end_date"]],
        ["C0.5", "Reporting boundary (consolidation approach)", doc["C0.5"]],
        ["C5.2", "Base year", base["base_year"]],
        ["C5.2", "Scope 1 base-year emissions (t CO2e)", base["scope_1_t"]],
        ["C5.2", "Scope 2 location-based base-year emissions (t CO2e)", base["scope_2_location_t"]],
        ["C5.2", "Scope 2 market-based base-year emissions (t CO2e)", base["scope_2_market_t"]],
        ["C5.2", "Scope 3 base-year emissions (t CO2e)", base["scope_3_t"]],
        *[["C5.3", "Standard", s] for s in doc["C5.3"]],
        ["C6.1", "Gross global Scope 1 emissions (t CO2e)", doc["C6.1"]["gross_global_scope_1_t"]],
        ["C6.2", "Scope 2, location-based", doc["C6.2"]["scope_2_location_based"]],
        ["C6.2", "Scope 2, market-based", doc["C6.2"]["scope_2_market_based"]],
        ["C6.3", "Scope 2, location-based (t CO2e)", doc["C6.3"]["scope_2_location_t"]],
        ["C6.3", "Scope 2, market-based (t CO2e)", doc["C6.3"]["scope_2_market_t"]],
        *[["C6.4a", s["source"], s["explanation"]] for s in doc["C6.4"]],
        ["C6.7", "Biogenic CO2 relevant", "Yes" if doc["C6.7"]["biogenic_co2_relevant"] else "No"],
        ["C6.7a", "Biogenic CO2 (t CO2)", doc["C6.7"]["biogenic_co2_t"]],
        ["C6.10", "Intensity figure (t CO2e per unit total revenue)", i["intensity_figure"]],
        ["C6.10", "Metric numerator: Scope 1 + 2 (t CO2e)", i["metric_numerator_t"]],
        ["C6.10", "The same per million of revenue (t CO2e)", i["intensity_t_per_million_revenue"]],
        ["C6.10", "Metric denominator: unit total revenue", i["metric_denominator_unit_total"]],
        ["C6.10", "Currency", i["revenue_currency"]],
        ["C6.10", "Scope 2 figure used", i["scope_2_figure_used"]],
        ["C8.2a", "Purchased electricity (MWh)", energy["purchased_electricity_mwh"]],
        ["C8.2a", "Of which renewable with instruments (MWh)", renewable],
        ["C8.2a", "Fuel, non-renewable (MWh)", energy["fuel_mwh_non_renewable"]],
        *[["C10.1", scope, status] for scope, status in doc["C10.1"].items()],
    ]  # fmt: skip
    for question in ("C10.1a", "C10.1b", "C10.1c"):
        detail = doc[question]
        if detail:
            emissions.extend([question, k, val] for k, val in detail.items())
    scope3 = [
        ["Category", "Name", "Evaluation status", "Emissions (t CO2e)",
         "Emissions calculation methodology",
         "Share calculated using data from suppliers or value chain partners", "Please explain"],
        *[[c["category"], c["name"], c["evaluation_status"], c["emissions_t"], c["methodology"],
           c["share_from_suppliers_or_value_chain_partners"], c["explanation"]]
          for c in doc["C6.5"]],
    ]  # fmt: skip
    target_head = ["Question", "Target reference number", "Name", "Scopes", "Base year",
                   "Base-year value", "Target year", "Targeted reduction from base year",
                   "Target-year value", "Reporting-year value", "Share of target achieved",
                   "Status"]  # fmt: skip
    targets: list[list[Any]] = [target_head]
    for question in ("C4.1a", "C4.1b"):
        targets.extend(
            [question, t["target_reference_number"], t["name"],
             ", ".join(SCOPE_LABELS.get(s, s) for s in t["scopes"]),
             t["base_year"], t["base_year_value"], t["target_year"],
             t["targeted_reduction_from_base_year"], t["target_year_value"],
             t["reporting_year_value"], t["share_of_target_achieved"], t["status"]]
            for t in doc[question]
        )  # fmt: skip
    credits = [
        ["Project type", "Standard", "Registry", "Serials", "Vintage", "Credits cancelled (t CO2e)",
         "Purpose"],
        *[[c["project_type"], c["verified_to_standard"], c["registry"], c["serials"],
           c["vintage"], c["credits_cancelled_t"], c["purpose"]] for c in doc["C11.2a"]],
    ]  # fmt: skip
    allocations = [
        ["Requesting member", "Scope of emissions", "Allocation level", "Emissions (t CO2e)",
         "Uncertainty (±%)", "Allocation method", "Market value or quantity", "Unit",
         "Share of the total"],
        *[[x["requesting_member_name"], x["scope_of_emissions"], x["allocation_level"],
           x["emissions_t"], x["uncertainty_pct"], x["allocation_method"],
           x["market_value_or_quantity"], x["unit"], x["share_of_total"]]
          for x in doc.get("SC1.1", [])],
    ]  # fmt: skip
    tables = [
        ("C0-C10 Emissions", emissions),
        ("C6.5 Scope 3", scope3),
        ("C4.1 Targets", targets),
        ("C11.2a Credits", credits),
    ]
    if len(allocations) > 1:
        tables.append(("SC1.1 Allocation to customers", allocations))
    return tables
