"""Grid electricity of every country: where no more specific location-based factor exists
(eGRID for the US, DEFRA for the UK), the world grid set from the life-cycle intensities that
ship in codecarbon 3.3.2 (``codecarbon/data/private_infra/global_energy_mix.json``: Ember and
Energy Institute data via Our World in Data) calculates the line, named on it."""

from __future__ import annotations

from pathlib import Path

import pytest

from greenchain.adapters.importers.factor_files import read_world_grid, world_grid_path
from greenchain.services.context import Context
from greenchain.services.imports import import_records
from greenchain.services.inventory import calculate_inventory, get_run_lines
from greenchain.services.orgs import add_organisation
from tests.factories import activity, write_csv

#: g CO2e/kWh in global_energy_mix.json (codecarbon 3.3.2), key "carbon_intensity" of the
#: rows "MYS" (2022), "TWN" (2023) and "DEU" (2023).
MALAYSIA, TAIWAN, GERMANY = 605.831, 642.378, 380.95


def test_the_world_grid_set_has_a_factor_for_the_countries_of_an_electronics_supply_chain():
    data = read_world_grid(world_grid_path())
    by_id = {f.factor_id: f for f in data.factors}
    assert len(by_id) > 180
    assert by_id["grid:MY"].kg_co2e_per_unit == pytest.approx(MALAYSIA / 1000)
    assert by_id["grid:TW"].kg_co2e_per_unit == pytest.approx(TAIWAN / 1000)
    assert by_id["grid:DE"].kg_co2e_per_unit == pytest.approx(GERMANY / 1000)
    assert {"grid:CN", "grid:KR", "grid:PH"} <= set(by_id)


def test_electricity_in_malaysia_is_calculated_with_the_world_grid_and_says_so(
    ctx: Context, tmp_path: Path
):
    add_organisation(ctx, "acme")
    rows = [
        activity(
            "E-MY",
            activity="electricity",
            amount="1200000",
            unit="kWh",
            country="MY",
            date="2024-06-30",
        ),
        activity(
            "E-TW",
            activity="electricity",
            amount="1000",
            unit="MWh",
            country="TW",
            date="2024-06-30",
        ),
        activity(
            "E-GB",
            activity="electricity",
            amount="1000",
            unit="kWh",
            country="GB",
            date="2024-06-30",
        ),
    ]
    write_csv(tmp_path / "a.csv", "activity", rows)
    import_records(ctx, "acme", "activity", tmp_path / "a.csv")
    report = calculate_inventory(ctx, "acme", 2024)
    assert report.rejected_lines == 0
    lines = {r["source_id"]: r for r in get_run_lines(ctx, "acme", report.run_id).to_pylist()}
    assert lines["E-MY"]["factor_set"] == "world-grid-ember"
    assert lines["E-MY"]["factor_id"] == "grid:MY"
    assert lines["E-MY"]["kg_co2e"] == pytest.approx(1_200_000 * MALAYSIA / 1000)
    assert lines["E-TW"]["kg_co2e"] == pytest.approx(1_000_000 * TAIWAN / 1000)
    assert lines["E-GB"]["factor_set"] == "defra-2025"  # the more specific factor wins
    located = next(
        r
        for r in get_run_lines(ctx, "acme", report.run_id).to_pylist()
        if r["source_id"] == "E-MY" and r["scope"] == "2_location"
    )
    assert "world grid fallback" in located["note"]
    assert "life-cycle intensity" in located["note"]
    location = (1_200_000 * MALAYSIA + 1_000_000 * TAIWAN) / 1e6
    assert report.by_scope["2_location"] >= location
