"""The GHG inventory report that the GHG Protocol asks a company to publish, from a stored run.

What: the required information of the Corporate Standard, chapter 9 ("Reporting GHG
emissions"): the organisational boundary and consolidation approach, the operational boundary
(scopes), the reporting period, Scope 1 and Scope 2 (both methods) apart, emissions by gas in
tonnes of gas and t CO2e, the base year with the recalculation policy and the recalculations
made, biogenic CO2 apart from the scopes, methodologies and exclusions; and of the Scope 3
Standard, chapter 11 ("Reporting"): Scope 3 per category with the methods, the types of data,
the share calculated from data obtained from suppliers or other value-chain partners, and the
categories excluded with their justification.

Why from a stored run: the published inventory must stay the one that was calculated, recorded
and (where it was) verified. Every figure comes from the run's stored report and the document
names the run and its ledger entry.

Source: GHG Protocol, A Corporate Accounting and Reporting Standard (revised edition, 2004),
ch. 5 (base year, recalculation) and ch. 9 ("Required information"); Corporate Value Chain
(Scope 3) Accounting and Reporting Standard (2011), ch. 11.1 ("Required information").
"""

from __future__ import annotations

from typing import Any

from greenchain.domain.errors import InvalidDataError
from greenchain.domain.ghg import KYOTO_GASES, Gas, GwpSet, gwp
from greenchain.domain.inventory import SCOPE3_CATEGORY_NAMES, InventoryReport
from greenchain.services import disclosure
from greenchain.services import targets as target_service
from greenchain.services.context import Context
from greenchain.services.disclosure_basis import (
    CONSOLIDATION_APPROACHES,
    basis,
    method_text,
    partner_share,
)
from greenchain.services.inventory import get_inventory_report

#: Base-year emissions are recalculated when a structural or methodology change moves them by
#: more than this share (Corporate Standard ch. 5, "significance threshold"; SBTi criteria
#: C14 recommend 5 %).
RECALCULATION_THRESHOLD = 0.05
RECALCULATION_POLICY = (
    "Base-year emissions are recalculated when structural changes (acquisitions, divestments, "
    "outsourcing or insourcing), changes in calculation methodology or emission factors, or "
    "discovered errors change them by more than 5 % of the base-year total on a target's "
    "scopes (GHG Protocol Corporate Standard ch. 5). Organic growth or decline does not "
    "trigger a recalculation."
)
#: Single species whose mass follows from its CO2e by one GWP; HFCs and PFCs are families of
#: gases of different GWPs and are reported in t CO2e only.
SINGLE_SPECIES = {Gas.CO2: "CO2", Gas.CH4: "CH4", Gas.N2O: "N2O", Gas.SF6: "SF6", Gas.NF3: "NF3"}
DATA_TYPES = {
    "product_level": "primary: product carbon footprints exchanged by suppliers (PACT)",
    "supplier_specific": "primary: suppliers' allocated Scope 1 and 2 emissions",
    "average_data": "secondary: activity data with published emission factors",
    "spend_based": "secondary: purchase spend with environmentally-extended input-output factors",
}


def _stored_report(ctx: Context, org: str, year: int, run_id: int | None) -> InventoryReport:
    report = get_inventory_report(ctx, org, year, run_id)
    if report.year != year:
        raise InvalidDataError(f"run {report.run_id} is the inventory of {report.year}, not {year}")
    return report


def _gases(report: InventoryReport) -> list[dict[str, Any]]:
    gwp_set = GwpSet.parse(report.gwp)
    rows = []
    for gas in (*KYOTO_GASES, Gas.UNSPECIFIED):
        t_co2e = report.by_gas.get(gas.value, 0.0)
        if gas is Gas.UNSPECIFIED and not t_co2e:
            continue
        species = SINGLE_SPECIES.get(gas)
        by_scope = report.by_scope_gas or {}
        rows.append(
            {
                "gas": gas.value if gas is not Gas.UNSPECIFIED else "CO2e without gas split",
                **{
                    f"scope_{key}_t": by_scope[key].get(gas.value, 0.0) if by_scope else None
                    for key in ("1", "2_location", "2_market", "3")
                },
                "t_co2e": t_co2e,
                "t_gas": t_co2e / gwp(species, gwp_set) if species else None,
            }
        )
    return rows


def _scope3_methods(report: InventoryReport) -> dict[str, float]:
    """Scope 3 tonnes by method, over all categories."""
    total: dict[str, float] = {}
    for methods in report.category_methods.values():
        for method, tonnes in methods.items():
            total[method] = total.get(method, 0.0) + tonnes
    return total


def _categories(report: InventoryReport) -> list[dict[str, Any]]:
    excluded = {e.category: e for e in report.exclusions}
    rows = []
    for number, name in SCOPE3_CATEGORY_NAMES.items():
        key = str(number)
        tonnes = report.by_category.get(key, 0.0)
        methods = report.category_methods.get(key, {})
        if number in excluded:
            status = "excluded"
            why = excluded[number].reason
        elif tonnes > 0:
            status = "included"
            why = ""
        else:
            status = "no emissions calculated"
            why = "no purchase or activity data of the organisation falls in this category"
        rows.append(
            {
                "category": number,
                "name": name,
                "status": status,
                "t_co2e": tonnes,
                "methods": method_text(methods),
                "t_by_method": dict(methods),
                "data_types": "; ".join(
                    DATA_TYPES[m] for m in sorted(methods) if m in DATA_TYPES and methods[m] > 0
                ),
                "share_from_value_chain_partners": partner_share(methods),
                "justification": why,
            }
        )
    return rows


def _restatements(report: InventoryReport) -> list[dict[str, Any]]:
    """What this run changed against the previous run of the year, by reason: how many
    suppliers' figures and the tonnes before and after."""
    by_reason: dict[str, dict[str, Any]] = {}
    for r in report.restatements:
        row = by_reason.setdefault(
            r.reason, {"reason": r.reason, "suppliers": 0, "previous_t": 0.0, "new_t": 0.0}
        )
        row["suppliers"] += 1
        row["previous_t"] += r.previous_t_co2e
        row["new_t"] += r.new_t_co2e
    return list(by_reason.values())


def change_text(change: dict[str, Any]) -> str:
    """A restatement by reason in words: "reason: 3 supplier(s), 1,200.0 to 950.0 t CO2e"."""
    return (
        f"{change['reason']}: {change['suppliers']} supplier(s), "
        f"{change['previous_t']:,.1f} to {change['new_t']:,.1f} t CO2e"
    )


def ghg_protocol(
    ctx: Context,
    org_slug: str,
    year: int,
    run_id: int | None = None,
    *,
    consolidation: str = "operational control",
) -> dict[str, Any]:
    """The GHG Protocol inventory report of ``org_slug`` for ``year`` from a stored run."""
    if consolidation not in CONSOLIDATION_APPROACHES:
        raise InvalidDataError(
            f"consolidation approach '{consolidation}': use one of "
            + ", ".join(CONSOLIDATION_APPROACHES)
        )
    org = ctx.workspace.get_org(org_slug)
    report = _stored_report(ctx, org_slug, year, run_id)
    esrs = disclosure.esrs_e1(ctx, org_slug, year, report.run_id)
    e16 = esrs["E1-6"]
    flags: list[dict[str, Any]] = []
    if ctx.targets is not None:
        flags = target_service.base_year_flags(ctx, ctx.targets, org_slug, RECALCULATION_THRESHOLD)
    return {
        "standard": (
            "GHG Protocol Corporate Standard (2004) ch. 9 and Scope 3 Standard (2011) ch. 11"
        ),
        "org": org_slug,
        "org_name": org.name,
        "year": year,
        "basis": basis(ctx, org.id, report),
        "boundaries": {
            "consolidation_approach": consolidation,
            "reporting_period": f"{year}-01-01 to {year}-12-31",
            "scopes_included": ["Scope 1", "Scope 2", "Scope 3"],
            "scope_2_methods": ["location-based", "market-based"],
        },
        "emissions": {
            "scope_1_t": e16["gross_scope_1_t"],
            "scope_2_location_t": e16["gross_scope_2_location_t"],
            "scope_2_market_t": e16["gross_scope_2_market_t"],
            "scope_3_t": e16["gross_scope_3_t"],
            "total_market_t": e16["total_market_t"],
            "total_location_t": e16["total_location_t"],
            "biogenic_co2_t": e16.get("biogenic_co2_t"),
            "by_gas": _gases(report),
        },
        "scope_3": {
            "categories": _categories(report),
            # the categories' shares over all of Scope 3 (one definition for both)
            "share_from_value_chain_partners": partner_share(_scope3_methods(report)),
            # the part from suppliers' own (primary) data: their secondary data left out
            "primary_data_share": report.primary_data_share,
            "data_quality_score": report.data_quality_score,
        },
        "base_year": {
            "figures": e16.get("base_year"),
            "policy": RECALCULATION_POLICY,
            "recalculations_flagged": [
                {"target": f["target"], "compared": f["compared"], "reason": f["reason"]}
                for f in flags
            ],
        },
        "restatements_in_this_run": _restatements(report),
        "not_reported": {k: v for k, v in esrs["not_reported"].items() if k in ("biogenic_co2_t",)},
    }


def ghg_protocol_sheets(doc: dict[str, Any]) -> list[tuple[str, list[list[Any]]]]:
    """The workbook (and the HTML tables) of a GHG Protocol report."""
    e = doc["emissions"]
    b = doc["boundaries"]
    s3 = doc["scope_3"]
    summary: list[list[Any]] = [
        ["Item", "Value"],
        ["Consolidation approach", b["consolidation_approach"]],
        ["Reporting period", b["reporting_period"]],
        ["Scopes included", ", ".join(b["scopes_included"])],
        ["Scope 1 (t CO2e)", e["scope_1_t"]],
        ["Scope 2 location-based (t CO2e)", e["scope_2_location_t"]],
        ["Scope 2 market-based (t CO2e)", e["scope_2_market_t"]],
        ["Scope 3 (t CO2e)", e["scope_3_t"]],
        ["Total, Scope 2 market-based (t CO2e)", e["total_market_t"]],
        ["Total, Scope 2 location-based (t CO2e)", e["total_location_t"]],
        ["Biogenic CO2 outside the scopes (t CO2)", e["biogenic_co2_t"]],
        ["Scope 3 share from value-chain partners' data", s3["share_from_value_chain_partners"]],
        ["Scope 3 share from suppliers' own primary data", s3["primary_data_share"]],
        ["Data quality score (1 best - 5 worst)", s3["data_quality_score"]],
    ]  # fmt: skip
    gases = [
        ["Gas", "Scope 1 (t CO2e)", "Scope 2 location-based (t CO2e)",
         "Scope 2 market-based (t CO2e)", "Scope 3 (t CO2e)",
         "Total, Scope 2 market-based (t CO2e)", "Total (t of gas)"],
        *[[g["gas"], g["scope_1_t"], g["scope_2_location_t"], g["scope_2_market_t"],
           g["scope_3_t"], g["t_co2e"], g["t_gas"]] for g in e["by_gas"]],
    ]  # fmt: skip
    categories = [
        ["Category", "Name", "Status", "t CO2e", "Methods", "Data types",
         "Share from value-chain partners", "Justification of exclusion"],
        *[[c["category"], c["name"], c["status"], c["t_co2e"], c["methods"], c["data_types"],
           c["share_from_value_chain_partners"], c["justification"]]
          for c in doc["scope_3"]["categories"]],
    ]  # fmt: skip
    base = doc["base_year"]
    figures = base["figures"] or {}
    base_rows: list[list[Any]] = [
        ["Item", "Value"],
        ["Base year", figures.get("year")],
        ["Base-year Scope 1 (t CO2e)", figures.get("gross_scope_1_t")],
        ["Base-year Scope 2 market-based (t CO2e)", figures.get("gross_scope_2_market_t")],
        ["Base-year Scope 3 (t CO2e)", figures.get("gross_scope_3_t")],
        ["Recalculation policy", base["policy"]],
        *[["Recalculation flagged", r["reason"]] for r in base["recalculations_flagged"]],
        *[
            [f"Restated in run {doc['basis']['run_id']}", change_text(r)]
            for r in doc["restatements_in_this_run"]
        ],
    ]
    return [
        ("Inventory", summary),
        ("Emissions by gas", gases),
        ("Scope 3 categories", categories),
        ("Base year", base_rows),
    ]
