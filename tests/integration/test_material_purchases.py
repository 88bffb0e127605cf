"""Category 1 average-data: a purchase line that gives its material and quantity (a mass) is
calculated with DEFRA 2025's material-use factor of that material, before spend-based (the
method hierarchy: product-level, supplier-specific, average-data, spend-based)."""

from __future__ import annotations

from pathlib import Path

import pytest

from greenchain.services.context import Context
from greenchain.services.imports import import_records
from greenchain.services.inventory import calculate_inventory, get_run_lines
from greenchain.services.orgs import add_organisation
from tests.factories import purchase, supplier, supplier_report, write_csv

#: DEFRA 2025, kg CO2e per tonne, "Material use / Plastic / Plastics: average plastics /
#: Primary material production" 3172.49932 (19_505_5120_15); "... Plastics: HDPE (incl.
#: forming) / Primary material production" 3095.15524 (19_505_5132_15).
AVERAGE_PLASTICS, HDPE = 3172.49932, 3095.15524


def _lines(ctx: Context, tmp_path: Path, rows: list[dict[str, object]]) -> dict[str, dict]:
    add_organisation(ctx, "acme")
    write_csv(tmp_path / "s.csv", "suppliers", [supplier("S1"), supplier("S2")])
    import_records(ctx, "acme", "suppliers", tmp_path / "s.csv")
    write_csv(tmp_path / "p.csv", "purchases", rows)
    import_records(ctx, "acme", "purchases", tmp_path / "p.csv")
    report = calculate_inventory(ctx, "acme", 2024)
    return {r["source_id"]: r for r in get_run_lines(ctx, "acme", report.run_id).to_pylist()}


def _bought(line_id: str, material: str, quantity: str, unit: str, **extra: object) -> dict:
    return purchase(line_id, quantity=quantity, unit=unit, material=material, **extra)


def test_a_line_with_a_material_and_mass_is_average_data_before_spend(ctx: Context, tmp_path: Path):
    lines = _lines(
        ctx,
        tmp_path,
        [
            _bought("M1", "Plastics: average plastics", "2000", "kg"),
            _bought("M2", "hdpe", "2", "tonnes"),
            purchase("S"),
        ],
    )
    assert lines["M1"]["method"] == "average_data"
    assert lines["M1"]["kg_co2e"] == pytest.approx(2 * AVERAGE_PLASTICS)
    assert lines["M1"]["factor_id"] == "19_505_5120_15"
    assert lines["M2"]["kg_co2e"] == pytest.approx(2 * HDPE)
    assert lines["S"]["method"] == "spend_based"


def test_supplier_data_still_wins_and_an_unknown_material_stays_spend_based_saying_why(
    ctx: Context, tmp_path: Path
):
    add_rows = [
        _bought("M1", "Plastics: average plastics", "2", "tonnes"),
        _bought("M2", "plastics", "2", "tonnes", supplier_id="S2"),
    ]
    add_organisation(ctx, "acme")
    write_csv(tmp_path / "sd.csv", "supplier-data", [supplier_report("S1")])
    write_csv(tmp_path / "s.csv", "suppliers", [supplier("S1"), supplier("S2")])
    import_records(ctx, "acme", "suppliers", tmp_path / "s.csv")
    import_records(ctx, "acme", "supplier-data", tmp_path / "sd.csv")
    write_csv(tmp_path / "p.csv", "purchases", add_rows)
    import_records(ctx, "acme", "purchases", tmp_path / "p.csv")
    report = calculate_inventory(ctx, "acme", 2024)
    lines = {r["source_id"]: r for r in get_run_lines(ctx, "acme", report.run_id).to_pylist()}
    assert lines["M1"]["method"] == "supplier_specific"
    assert lines["M2"]["method"] == "spend_based"
    assert "material not used: 'plastics' matches several materials" in lines["M2"]["note"]
