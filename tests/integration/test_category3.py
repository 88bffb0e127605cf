"""Scope 3 category 3 (fuel- and energy-related activities) from the Scope 1 fuel and Scope 2
electricity rows: the well-to-tank of the fuels and, of electricity, the well-to-tank of its
generation, its transmission and distribution losses and their well-to-tank (DEFRA 2025);
outside the UK the same factors are proxies and the line says so."""

from __future__ import annotations

from pathlib import Path

import pytest

from greenchain.services.context import Context
from greenchain.services.imports import import_records
from greenchain.services.inventory import calculate_inventory, get_run_lines
from greenchain.services.orgs import add_organisation
from tests.factories import activity, write_csv

#: DEFRA 2025 flat file, kg CO2e per unit: "WTT- fuels / Gaseous fuels / Natural gas" kWh
#: (Gross CV) 0.03021; "WTT- fuels / Liquid fuels / Diesel (average biofuel blend)" litres
#: 0.61101; "WTT- UK electricity (generation)" kWh 0.0459; "T&D- UK electricity" kWh 0.01853;
#: "WTT- UK electricity (T&D)" kWh 0.00397.
WTT_GAS, WTT_DIESEL, WTT_GEN, TD, WTT_TD = 0.03021, 0.61101, 0.0459, 0.01853, 0.00397


def _org(ctx: Context, tmp_path: Path, rows: list[dict[str, object]]) -> dict[str, dict]:
    add_organisation(ctx, "acme")
    write_csv(tmp_path / "a.csv", "activity", rows)
    import_records(ctx, "acme", "activity", tmp_path / "a.csv")
    report = calculate_inventory(ctx, "acme", 2024)
    lines = get_run_lines(ctx, "acme", report.run_id).to_pylist()
    return {"report": report, **{f"{r['source_id']}/{r['scope']}": r for r in lines}}


def test_uk_electricity_and_gas_bring_their_category_3_lines(ctx: Context, tmp_path: Path):
    found = _org(
        ctx,
        tmp_path,
        [
            activity("E1", amount="10000", unit="kWh", country="GB"),
            activity("N1", activity="natural_gas", amount="5000", unit="kWh", country="GB"),
        ],
    )
    expected = 10000 * (WTT_GEN + TD + WTT_TD) + 5000 * WTT_GAS
    assert found["report"].by_category["3"] == pytest.approx(expected / 1000, abs=1e-6)
    assert found["E1#td/3"]["kg_co2e"] == pytest.approx(10000 * TD)
    assert found["E1#td/3"]["source"] == "upstream"
    assert found["N1#wtt/3"]["kg_co2e"] == pytest.approx(5000 * WTT_GAS)
    assert "proxy" not in found["N1#wtt/3"]["note"]
    assert found["report"].lines == 2  # input rows, not the derived lines
    assert found["report"].by_scope["1"] == pytest.approx(5000 * 0.18296 / 1000, abs=1e-6)


def test_outside_the_uk_the_factors_are_proxies_and_a_life_cycle_grid_adds_no_generation_wtt(
    ctx: Context, tmp_path: Path
):
    found = _org(
        ctx,
        tmp_path,
        [
            activity("E1", amount="1000", unit="MWh", country="TW"),
            activity("D1", activity="diesel", amount="100", unit="gallon", country="US"),
            activity("D2", activity="diesel", amount="100", unit="litres", country="GB"),
        ],
    )
    assert "E1#wtt/3" not in found  # the world grid factor is life-cycle: upstream included
    assert found["E1#td/3"]["kg_co2e"] == pytest.approx(1_000_000 * TD)
    assert "UK factor used as a proxy for TW" in found["E1#td/3"]["note"]
    litres = 100 * 3.785411784
    assert found["D1#wtt/3"]["kg_co2e"] == pytest.approx(litres * WTT_DIESEL)
    # a proxy rates worse on geography than the same factor where it was published
    assert found["D1#wtt/3"]["dq_geographical"] > found["D2#wtt/3"]["dq_geographical"]
