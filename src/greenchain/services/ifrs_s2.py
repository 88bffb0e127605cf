"""IFRS S2 cross-industry greenhouse gas metrics (para. 29(a)) from a stored run.

What: absolute gross Scope 1, Scope 2 (location-based, with the contractual instruments that
inform the market-based figure beside it) and Scope 3 in t CO2e (29(a)(i), (v)); the statement
that they were measured with the GHG Protocol Corporate Standard (29(a)(ii)); the measurement
approach, inputs and assumptions, why they were chosen and what changed in the period
(29(a)(iii)); Scope 1 and 2 of the consolidated group apart from other investees (29(a)(iv));
the Scope 3 categories included (29(a)(vi)(1)); and the Scope 3 measurement framework's
characteristics of the data (para. B38-B57: direct measurement, data from value-chain
partners, verified data).

Why: investors read IFRS S2 beside the financial statements; its GHG metrics must be the same
figures as the company's other disclosures. They are taken from the run's stored report, like
the ESRS E1 and GHG Protocol documents, and name the run and its ledger entry.

Source: IFRS S2 Climate-related Disclosures (ISSB, June 2023), para. 29(a) and Appendix B,
para. B19-B57.
"""

from __future__ import annotations

from typing import Any

from greenchain.services import disclosure
from greenchain.services.context import Context
from greenchain.services.ghg_protocol import change_text, ghg_protocol

#: Cross-industry metrics of para. 29(b)-(g) that rest on financial data the platform does not
#: hold; each is named with why it is not reported here.
OTHER_METRICS = {
    "29(b) transition risks": "assets and business activities vulnerable to transition risks "
    "are not held in the platform",
    "29(c) physical risks": "assets exposed to physical risks are not held in the platform",
    "29(d) climate-related opportunities": "revenue aligned with opportunities is not held",
    "29(e) capital deployment": "capital expenditure data is not held",
    "29(f) internal carbon prices": "no internal carbon price is recorded",
    "29(g) remuneration": "remuneration linked to climate is not recorded",
}


def ifrs_s2(
    ctx: Context,
    org_slug: str,
    year: int,
    run_id: int | None = None,
    *,
    consolidation: str = "operational control",
) -> dict[str, Any]:
    """The IFRS S2 para. 29(a) metrics of ``org_slug`` for ``year`` from a stored run."""
    ghg = ghg_protocol(ctx, org_slug, year, run_id, consolidation=consolidation)
    esrs = disclosure.esrs_e1(ctx, org_slug, year, ghg["basis"]["run_id"])
    e = ghg["emissions"]
    cats = ghg["scope_3"]["categories"]
    included = [c for c in cats if c["status"] == "included"]
    energy = esrs["E1-5"]
    b = ghg["basis"]
    return {
        "standard": "IFRS S2 Climate-related Disclosures (2023), para. 29(a)",
        "org": org_slug,
        "org_name": ghg["org_name"],
        "year": year,
        "basis": b,
        "29(a)(i)": {
            "scope_1_t": e["scope_1_t"],
            "scope_2_location_t": e["scope_2_location_t"],
            "scope_3_t": e["scope_3_t"],
            "total_t": e["scope_1_t"] + e["scope_2_location_t"] + e["scope_3_t"],
        },
        "29(a)(ii)": (
            "Measured in accordance with the GHG Protocol Corporate Standard (2004) and, for "
            "Scope 3, the Corporate Value Chain (Scope 3) Standard (2011)."
        ),
        "29(a)(iii)": {
            "measurement_approach": (
                f"{ghg['boundaries']['consolidation_approach'].capitalize()} consolidation; "
                "Scope 1 from fuel, process and refrigerant activity data with published "
                "factors; Scope 2 location-based from grid factors of the country (or grid "
                "region) of each site and market-based from contractual instruments and "
                "residual mixes; Scope 3 by the method hierarchy per purchase line "
                "(supplier product footprints, then suppliers' allocated emissions, then "
                "average-data factors, then spend-based input-output factors)."
            ),
            "inputs": {
                "gwp_set": b["gwp_set_name"],
                "factor_sets": b["factor_sets"],
                "share_of_scope_3_from_value_chain_partners": (
                    ghg["scope_3"]["share_from_value_chain_partners"]
                ),
                "data_quality_score": ghg["scope_3"]["data_quality_score"],
            },
            "assumptions": [
                "spend in other currencies is converted at the year's average rate and "
                "deflated to the factor set's price year",
                "Scope 2 market-based uses the residual mix where no instrument covers the "
                "electricity",
                "a supplier's product footprint replaces the spend-based estimate of the "
                "purchase lines it covers",
            ],
            "reason_for_choice": (
                "the most specific data available for each line is used, so that supplier "
                "data replaces averages as suppliers provide it"
            ),
            "changes_in_period": ghg["restatements_in_this_run"],
        },
        "29(a)(iv)": {
            "consolidated_group_scope_1_t": e["scope_1_t"],
            "consolidated_group_scope_2_location_t": e["scope_2_location_t"],
            "other_investees_scope_1_and_2_t": None,
            "note": "the inventory holds no associates, joint ventures or unconsolidated "
            "subsidiaries",
        },
        "29(a)(v)": {
            "scope_2_location_t": e["scope_2_location_t"],
            "scope_2_market_t": e["scope_2_market_t"],
            "contractual_instruments_mwh": energy.get("renewable_purchased_with_instruments_mwh"),
            "purchased_electricity_mwh": energy.get("purchased_electricity_mwh"),
        },
        "29(a)(vi)": {
            "categories_included": [
                {"category": c["category"], "name": c["name"], "t_co2e": c["t_co2e"]}
                for c in included
            ],
            "categories_not_included": [
                {"category": c["category"], "name": c["name"], "reason": c["justification"]}
                for c in cats
                if c["status"] != "included"
            ],
        },
        "B38-B57": [
            {
                "category": c["category"],
                "share_from_value_chain_partners": c["share_from_value_chain_partners"],
                "data_types": c["data_types"],
                "verified": b["verification"] is not None,
            }
            for c in included
        ],
        "other_metrics_not_reported": OTHER_METRICS,
    }


def ifrs_s2_sheets(doc: dict[str, Any]) -> list[tuple[str, list[list[Any]]]]:
    """The workbook (and HTML tables) of the IFRS S2 metrics."""
    i = doc["29(a)(i)"]
    iii = doc["29(a)(iii)"]
    v = doc["29(a)(v)"]
    partners = iii["inputs"]["share_of_scope_3_from_value_chain_partners"]
    metrics: list[list[Any]] = [
        ["Metric", "Paragraph", "Value"],
        ["Scope 1 (t CO2e)", "29(a)(i)(1)", i["scope_1_t"]],
        ["Scope 2 location-based (t CO2e)", "29(a)(i)(2), 29(a)(v)", i["scope_2_location_t"]],
        ["Scope 3 (t CO2e)", "29(a)(i)(3)", i["scope_3_t"]],
        ["Total (t CO2e)", "29(a)(i)", i["total_t"]],
        ["Scope 2 market-based (t CO2e)", "29(a)(v)", v["scope_2_market_t"]],
        ["Purchased electricity (MWh)", "29(a)(v)", v["purchased_electricity_mwh"]],
        ["Covered by contractual instruments (MWh)", "29(a)(v)", v["contractual_instruments_mwh"]],
        ["Measurement standard", "29(a)(ii)", doc["29(a)(ii)"]],
        ["Measurement approach", "29(a)(iii)(1)", iii["measurement_approach"]],
        ["Share of Scope 3 from value-chain partners", "29(a)(iii)(1), B40", partners],
        *[["Assumption", "29(a)(iii)(1)", a] for a in iii["assumptions"]],
        ["Reason for the approach", "29(a)(iii)(2)", iii["reason_for_choice"]],
        *[["Change in the period", "29(a)(iii)(3)", change_text(c)]
          for c in iii["changes_in_period"]],
        ["Other investees (Scope 1 and 2)", "29(a)(iv)(2)", doc["29(a)(iv)"]["note"]],
    ]  # fmt: skip
    categories = [
        ["Category", "Name", "t CO2e", "Share from value-chain partners", "Data types"],
        *[
            [c["category"], c["name"], c["t_co2e"], m["share_from_value_chain_partners"],
             m["data_types"]]
            for c, m in zip(doc["29(a)(vi)"]["categories_included"], doc["B38-B57"], strict=True)
        ],
        *[[c["category"], c["name"], None, None, f"not included: {c['reason']}"]
          for c in doc["29(a)(vi)"]["categories_not_included"]],
    ]  # fmt: skip
    other = [["Metric", "Why not reported"], *doc["other_metrics_not_reported"].items()]
    return [
        ("29(a) GHG emissions", metrics),
        ("29(a)(vi) Scope 3", categories),
        ("29(b)-(g) not reported", [list(r) for r in other]),
    ]
