"""A supplier's own Scope 3 activity (its freight in tonne-km) replaces, not adds to, the
estimate of that supplier's purchase lines of the same category; both lines say so."""

from __future__ import annotations

from pathlib import Path

import pytest

from greenchain.services.context import Context
from greenchain.services.imports import import_records
from greenchain.services.inventory import calculate_inventory, get_run_lines
from greenchain.services.orgs import add_organisation
from tests.factories import activity, purchase, supplier, write_csv

#: DEFRA 2025 "Freighting goods / HGV (all diesel) / All HGVs / Average laden" tonne.km:
#: 0.10163 kg CO2e (27_304_3140_14)
HGV_PER_TKM = 0.10163


def test_a_carriers_freight_activity_replaces_its_spend_estimate(ctx: Context, tmp_path: Path):
    add_organisation(ctx, "acme")
    suppliers = [supplier("TRUCKS", naics_code="484121"), supplier("S2")]
    write_csv(tmp_path / "s.csv", "suppliers", suppliers)
    import_records(ctx, "acme", "suppliers", tmp_path / "s.csv")
    lines = [
        purchase("F1", "TRUCKS", naics_code="484121", scope3_category="4", amount="50000"),
        purchase("F2", "TRUCKS", naics_code="484121", scope3_category="4", amount="25000"),
        purchase("P1", "TRUCKS", naics_code="484121", scope3_category="1", amount="1000"),
        purchase("X1", "S2", naics_code="484121", scope3_category="4", amount="1000"),
    ]
    write_csv(tmp_path / "p.csv", "purchases", lines)
    import_records(ctx, "acme", "purchases", tmp_path / "p.csv")
    freight = activity(
        "T1", activity="road_freight", amount="100000", unit="tonne.km", supplier_id="TRUCKS"
    )
    write_csv(tmp_path / "a.csv", "activity", [freight])
    import_records(ctx, "acme", "activity", tmp_path / "a.csv")

    report = calculate_inventory(ctx, "acme", 2024)
    found = {r["source_id"]: r for r in get_run_lines(ctx, "acme", report.run_id).to_pylist()}
    assert found["F1"]["kg_co2e"] == 0
    assert found["F2"]["kg_co2e"] == 0
    assert "replaced by the supplier's activity data (T1, same category)" in found["F1"]["note"]
    assert found["P1"]["kg_co2e"] > 0  # another category of the same supplier stays
    assert found["X1"]["kg_co2e"] > 0  # another supplier's freight stays
    assert found["T1"]["supplier_id"] == "TRUCKS"
    assert found["T1"]["kg_co2e"] == pytest.approx(100000 * HGV_PER_TKM, rel=1e-4)
    assert "supplier TRUCKS's own activity: replaces the estimate" in found["T1"]["note"]
    trucks = next(s for s in report.by_supplier if s.supplier_id == "TRUCKS")
    assert trucks.t_co2e == pytest.approx(
        (100000 * HGV_PER_TKM + found["P1"]["kg_co2e"]) / 1000, abs=1e-6
    )
    assert trucks.spend_usd == pytest.approx(76000)  # the spend still counts
