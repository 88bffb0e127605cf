"""Scope 3 category 11, use of sold products: units sold x the electricity one unit uses a year
x its lifetime, at the location-based grid factor of the country of use (the direct
use-phase emissions of the GHG Protocol Scope 3 Standard, ch. 5, category 11)."""

from __future__ import annotations

from pathlib import Path

import pytest

from greenchain.domain.errors import FileRejectedError
from greenchain.services.context import Context
from greenchain.services.imports import import_records
from greenchain.services.inventory import calculate_inventory, get_run_lines
from greenchain.services.orgs import add_organisation
from tests.factories import activity, write_csv

#: g CO2e/kWh: DEFRA 2025 "Electricity: UK" 0.177 kg; world grid (codecarbon 3.3.2
#: global_energy_mix.json, row "DEU", 2023) 380.95 g.
UK, GERMANY = 0.177, 0.38095


def _sold(activity_id: str, country: str, units: str, **extra: object) -> dict[str, object]:
    return activity(
        activity_id,
        activity="sold_product_use",
        amount=units,
        unit="unit",
        country=country,
        date="2024-06-30",
        **extra,
    )


def test_sold_inverters_emit_their_lifetime_electricity_at_the_grid_of_use(
    ctx: Context, tmp_path: Path
):
    add_organisation(ctx, "acme")
    rows = [
        _sold("DE-1", "DE", "10000", kwh_per_unit_year="12", lifetime_years="5"),
        _sold("GB-1", "GB", "2000", kwh_per_unit_year="8.5", lifetime_years="10"),
    ]
    write_csv(tmp_path / "a.csv", "activity", rows)
    import_records(ctx, "acme", "activity", tmp_path / "a.csv")
    report = calculate_inventory(ctx, "acme", 2024)
    germany_kwh, uk_kwh = 10000 * 12 * 5, 2000 * 8.5 * 10
    expected = germany_kwh * GERMANY + uk_kwh * UK
    assert report.by_category["11"] == pytest.approx(expected / 1000, abs=1e-6)
    assert report.by_scope["3"] == report.by_category["11"]
    assert report.by_scope["2_location"] == 0  # sold products are not the company's electricity
    lines = {r["source_id"]: r for r in get_run_lines(ctx, "acme", report.run_id).to_pylist()}
    assert lines["DE-1"]["activity_amount"] == germany_kwh
    assert lines["DE-1"]["activity_unit"] == "kWh"
    assert lines["DE-1"]["note"].startswith("use phase: 10000 units x 12 kWh a year x 5 years")


def test_a_use_phase_row_needs_both_figures_and_units(ctx: Context, tmp_path: Path):
    add_organisation(ctx, "acme")
    write_csv(tmp_path / "bad.csv", "activity", [_sold("X", "DE", "1", kwh_per_unit_year="3")])
    with pytest.raises(FileRejectedError, match="field 'lifetime_years': a value is required"):
        import_records(ctx, "acme", "activity", tmp_path / "bad.csv")
    rows = [
        _sold("A", "DE", "10"),
        {**_sold("B", "DE", "10", kwh_per_unit_year="3", lifetime_years="2"), "unit": "kg"},
    ]
    write_csv(tmp_path / "a.csv", "activity", rows)
    import_records(ctx, "acme", "activity", tmp_path / "a.csv")
    report = calculate_inventory(ctx, "acme", 2024)
    why = {
        r["source_id"]: r["reject_reason"]
        for r in get_run_lines(ctx, "acme", report.run_id, with_rejected=True).to_pylist()
    }
    assert why["A"] == "sold_product_use needs kwh_per_unit_year and lifetime_years"
    assert "use the unit 'unit', not 'kg'" in why["B"]
