"""Scope 3 categories 5, 7 and 12 from activity rows: waste generated in operations and the
end of life of sold products by DEFRA 2025 "Waste disposal" material and treatment, and
homeworking by FTE working hour."""

from __future__ import annotations

from pathlib import Path

import pytest

from greenchain.services.context import Context
from greenchain.services.imports import import_records
from greenchain.services.inventory import calculate_inventory, get_run_lines
from greenchain.services.orgs import add_organisation
from tests.factories import activity, write_csv

#: DEFRA 2025 flat file, kg CO2e per tonne: "Waste disposal / Refuse / Commercial and
#: industrial waste / Landfill" 520.5327 (20_507_5313_15); "Waste disposal / Electrical items /
#: WEEE - small / Landfill" 8.98311 (20_503_5341_15). Per FTE working hour: "Homeworking /
#: Homeworking (office equipment + heating)" 0.33378 (32_603_9999_12).
C_AND_I_LANDFILL, WEEE_SMALL_LANDFILL, HOMEWORKING = 520.5327, 8.98311, 0.33378


def _rows(ctx: Context, tmp_path: Path, rows: list[dict[str, object]]) -> dict[str, dict]:
    add_organisation(ctx, "acme")
    write_csv(tmp_path / "a.csv", "activity", rows)
    import_records(ctx, "acme", "activity", tmp_path / "a.csv")
    report = calculate_inventory(ctx, "acme", 2024)
    lines = get_run_lines(ctx, "acme", report.run_id, with_rejected=True).to_pylist()
    return {"report": report, **{str(r["source_id"]): r for r in lines}}


def _waste(activity_id: str, kind: str, tonnes: str, material: str, treatment: str) -> dict:
    return activity(
        activity_id,
        activity=kind,
        amount=tonnes,
        unit="tonnes",
        country="TW",
        material=material,
        treatment=treatment,
    )


def test_waste_end_of_life_and_homeworking_land_in_categories_5_12_and_7(
    ctx: Context, tmp_path: Path
):
    found = _rows(
        ctx,
        tmp_path,
        [
            _waste("W1", "waste", "12", "Commercial and industrial waste", "landfill"),
            _waste("E1", "sold_product_end_of_life", "40", "weee - small", "Landfill"),
            activity("H1", activity="homeworking", amount="20000", unit="FTE hours"),
        ],
    )
    report = found["report"]
    assert report.by_category["5"] == pytest.approx(12 * C_AND_I_LANDFILL / 1000, abs=1e-6)
    assert report.by_category["12"] == pytest.approx(40 * WEEE_SMALL_LANDFILL / 1000, abs=1e-6)
    assert report.by_category["7"] == pytest.approx(20000 * HOMEWORKING / 1000, abs=1e-6)
    assert found["W1"]["factor_id"] == "20_507_5313_15"
    assert found["E1"]["factor_id"] == "20_503_5341_15"


def test_a_waste_row_names_what_is_wrong_with_its_material_or_treatment(
    ctx: Context, tmp_path: Path
):
    found = _rows(
        ctx,
        tmp_path,
        [
            _waste("A", "waste", "1", "plastics", "landfill"),
            _waste("B", "waste", "1", "Wood", "teleport"),
            _waste("C", "waste", "1", "unobtainium", "landfill"),
            _waste("D", "waste", "1", "Asbestos", "composting"),
            activity("E", activity="waste", amount="1", unit="tonnes"),
        ],
    )
    assert "'plastics' matches several materials: Plastics: HDPE" in found["A"]["reject_reason"]
    assert "unknown waste treatment 'teleport'; use one of" in found["B"]["reject_reason"]
    assert "'unobtainium' is not a DEFRA waste material" in found["C"]["reject_reason"]
    assert (
        "DEFRA has no 'Composting' factor for Asbestos; it has Landfill"
        in (found["D"]["reject_reason"])
    )
    assert "waste needs the material and treatment columns" in found["E"]["reject_reason"]
