"""What every disclosure states about where its figures come from: the stored calculation run,
the ledger entry that records it, the GWP set and factor sets (with their versions) used, and
the verification statement on that run if a verifier signed one.

Why one place: each standard (ESRS E1, CDP, GHG Protocol, IFRS S2) asks for the same basis in
its own words (GHG Protocol Corporate Standard ch. 9 "methodologies and emission factors used";
IFRS S2 para. 29(a)(iii) "measurement approach, inputs and assumptions"; ESRS 1 para. 133
on assurance). Reading it once keeps the four documents consistent with each other and with
the run the verifier saw.

Source: the run's stored report (``InventoryReport``) and the ledger (entries of kind
``calculation_run`` and ``verification_statement``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from greenchain.domain.inventory import InventoryReport
from greenchain.domain.methods import Method
from greenchain.services.context import Context

#: How each calculation method is named in a disclosure (Scope 3 Standard, 11.1 "methodologies").
METHOD_NAMES: Mapping[str, str] = {
    Method.PRODUCT_LEVEL.value: "Product footprints from suppliers (PACT)",
    Method.SUPPLIER_SPECIFIC.value: "Supplier-specific (supplier's allocated emissions)",
    Method.AVERAGE_DATA.value: "Average-data (activity x emission factor)",
    Method.SPEND_BASED.value: "Spend-based (spend x EEIO factor)",
}
#: Methods whose figures rest on data from suppliers or other value-chain partners.
PARTNER_DATA_METHODS = frozenset({Method.PRODUCT_LEVEL.value, Method.SUPPLIER_SPECIFIC.value})
#: The GWP sets by the IPCC report they come from (100-year horizon).
GWP_NAMES: Mapping[str, str] = {
    "AR4": "IPCC Fourth Assessment Report (AR4), 100-year GWP",
    "AR5": "IPCC Fifth Assessment Report (AR5), 100-year GWP",
    "AR6": "IPCC Sixth Assessment Report (AR6), 100-year GWP",
}
CONSOLIDATION_APPROACHES = ("operational control", "financial control", "equity share")


def run_entry(ctx: Context, org_id: int, run_id: int) -> int | None:
    """The sequence number of the ledger entry that records the run (None without a ledger)."""
    if ctx.ledger is None:
        return None
    for item in ctx.ledger.entries_of(org_id):
        if item["kind"] != "calculation_run":
            continue
        if json.loads(item["entry"])["payload"].get("run_id") == run_id:
            return int(item["seq"])
    return None


def verification_of(ctx: Context, entry: int | None) -> dict[str, Any] | None:
    """The newest verification statement on the run's entry: verifier, date, assurance level,
    standard and opinion (None when no verifier signed the run)."""
    if entry is None or ctx.ledger is None:
        return None
    from greenchain.services.ledger import statements

    found = statements(ctx, [entry]).get(entry) or []
    if not found:
        return None
    newest = found[-1]
    return {
        "verifier": newest["verifier"],
        "date": newest["date"],
        "assurance_level": newest["assurance"],
        "standard": newest["standard"],
        "opinion": newest["opinion"],
        "ledger_entry": newest["seq"],
    }


def basis(ctx: Context, org_id: int, report: InventoryReport) -> dict[str, Any]:
    """The run, its ledger entry, GWP set, factor sets and verification of a disclosure."""
    entry = run_entry(ctx, org_id, report.run_id)
    return {
        "run_id": report.run_id,
        "ledger_entry": entry,
        "calculated_at": report.created_at,
        "gwp_set": report.gwp,
        "gwp_set_name": GWP_NAMES.get(report.gwp, report.gwp),
        "factor_sets": list(report.factor_sets),
        "verification": verification_of(ctx, entry),
    }


def partner_share(methods: Mapping[str, float]) -> float | None:
    """The share of a category's tonnes calculated with data from suppliers or other
    value-chain partners (None when the category has no emissions)."""
    total = sum(methods.values())
    if total <= 0:
        return None
    return sum(t for m, t in methods.items() if m in PARTNER_DATA_METHODS) / total


def method_text(methods: Mapping[str, float]) -> str:
    """The methods of a category, largest first, with their share: "Spend-based (...) 80 %; ..."."""
    total = sum(methods.values())
    if total <= 0:
        return ""
    parts = sorted(methods.items(), key=lambda kv: -kv[1])
    return "; ".join(f"{METHOD_NAMES.get(m, m)} {t / total:.0%}" for m, t in parts if t > 0)


def basis_rows(doc: Mapping[str, Any]) -> list[list[Any]]:
    """The basis as the first rows of a workbook sheet or an HTML table."""
    b = doc["basis"]
    v = b.get("verification")
    return [
        ["Organisation", doc["org_name"]],
        ["Reporting year", doc["year"]],
        ["Calculation run", b["run_id"]],
        ["Ledger entry of the run", b["ledger_entry"]],
        ["Calculated at", b["calculated_at"]],
        ["GWP set", b["gwp_set_name"]],
        ["Factor sets", ", ".join(b["factor_sets"])],
        [
            "Verification",
            (
                f"{v['assurance_level']} assurance by {v['verifier']} on {v['date']} "
                f"({v['standard']}; ledger entry {v['ledger_entry']})"
                if v
                else "not verified"
            ),
        ],
    ]
