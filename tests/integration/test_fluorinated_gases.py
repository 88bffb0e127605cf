"""Fluorinated gases, the largest Scope 1 source of a fab: refrigerant leaks split into species
by the EPA Emission Factors Hub 2025 Table 12 blend compositions, measured emissions of one
species (Table 11), and gases fed to semiconductor processes with the default utilisation and
by-product rates of 40 CFR 98 subpart I Table I-20 (300 mm), less abatement. Each species is
weighted with the run's GWP set and reported under its gas family."""

from __future__ import annotations

from pathlib import Path

import pytest

from greenchain.domain.ghg import GwpSet
from greenchain.services.context import Context
from greenchain.services.imports import import_records
from greenchain.services.inventory import calculate_inventory, get_run_lines
from greenchain.services.orgs import add_organisation
from tests.factories import activity, write_csv

#: IPCC GWP100: AR5 (WG1 ch. 8, Table 8.A.1, as EPA Hub Table 11) and AR6 (WG1 ch. 7,
#: Table 7.SM.7) of the species used below.
AR5 = {"HFC32": 677, "HFC125": 3170, "NF3": 16100, "CF4": 6630, "HFC23": 12400, "HFC41": 116}
AR6 = {"HFC32": 771, "HFC125": 3740}


def _fab(ctx: Context, tmp_path: Path, rows: list[dict[str, object]]) -> None:
    add_organisation(ctx, "fab")
    write_csv(tmp_path / "a.csv", "activity", rows)
    import_records(ctx, "fab", "activity", tmp_path / "a.csv")


def _gas(activity_id: str, kind: str, kg: str, gas: str, **extra: object) -> dict[str, object]:
    return activity(
        activity_id, activity=kind, amount=kg, unit="kg", country="TW", gas=gas, **extra
    )


def _lines(ctx: Context, run_id: int) -> dict[str, dict[str, object]]:
    rows = get_run_lines(ctx, "fab", run_id, with_rejected=True).to_pylist()
    return {str(r["source_id"]): r for r in rows}


def test_a_refrigerant_blend_leak_is_split_into_its_species_and_follows_the_gwp_set(
    ctx: Context, tmp_path: Path
):
    _fab(ctx, tmp_path, [_gas("R1", "refrigerant_leak", "12", "R-410A")])
    ar5 = calculate_inventory(ctx, "fab", 2024)
    # Table 12, row R-410A: 100-year GWP 1924; 50 % HFC-32, 50 % HFC-125
    assert ar5.by_scope["1"] == pytest.approx(12 * 1924 / 1000)
    assert ar5.by_gas["HFCs"] == ar5.by_scope["1"]
    ar6 = calculate_inventory(ctx, "fab", 2024, GwpSet.AR6)
    # AR6: the same split at AR6 GWPs; the published 1924 is the AR5 sum 1923.5 rounded, and
    # the split stays proportional to it
    blend_ar6 = 0.5 * AR6["HFC32"] + 0.5 * AR6["HFC125"]
    published_ratio = 1924 / (0.5 * AR5["HFC32"] + 0.5 * AR5["HFC125"])
    assert ar6.by_scope["1"] == pytest.approx(12 * blend_ar6 * published_ratio / 1000)
    line = _lines(ctx, ar6.run_id)["R1"]
    assert line["factor_id"] == "refrigerant:R-410A"
    assert "50 % HFC32 + 50 % HFC125, each at AR6 GWP100" in str(line["note"])


def test_a_measured_nf3_emission_is_scope_1_under_nf3(ctx: Context, tmp_path: Path):
    _fab(ctx, tmp_path, [_gas("F1", "fgas_emission", "100", "NF3")])
    report = calculate_inventory(ctx, "fab", 2024)
    # Table 11, row "Nitrogen trifluoride": 16,100
    assert report.by_gas["NF3"] == pytest.approx(100 * AR5["NF3"] / 1000)
    assert report.by_scope["1"] == report.total_t_co2e == report.by_gas["NF3"]


def test_nf3_fed_to_remote_plasma_cleaning_emits_the_table_i_20_shares_less_abatement(
    ctx: Context, tmp_path: Path
):
    row = _gas("P1", "process_gas", "1000", "NF3", process="remote_plasma_clean")
    row["abatement"] = "0.9"
    _fab(ctx, tmp_path, [row])
    report = calculate_inventory(ctx, "fab", 2024)
    # Table I-20, "Remote plasma cleaning", column NF3: 1-U 0.018, B(CF4) 0.038,
    # B(CHF3) 0.000059, B(CH2F2) 0.0016, B(CH3F) 0.0028; 10 % escapes abatement
    kept = 1000 * (1 - 0.9)
    nf3 = kept * 0.018 * AR5["NF3"]
    cf4 = kept * 0.038 * AR5["CF4"]
    hfcs = kept * (0.000059 * AR5["HFC23"] + 0.0016 * AR5["HFC32"] + 0.0028 * AR5["HFC41"])
    assert report.by_gas["NF3"] == pytest.approx(nf3 / 1000)
    assert report.by_gas["PFCs"] == pytest.approx(cf4 / 1000)
    assert report.by_gas["HFCs"] == pytest.approx(hfcs / 1000)
    assert report.by_scope["1"] == pytest.approx((nf3 + cf4 + hfcs) / 1000)
    note = str(_lines(ctx, report.run_id)["P1"]["note"])
    assert "Table I-20" in note
    assert "abatement 0.9" in note


def test_gas_rows_that_cannot_be_calculated_say_why(ctx: Context, tmp_path: Path):
    _fab(
        ctx,
        tmp_path,
        [
            _gas("A", "fgas_emission", "1", "R-404A"),
            _gas("B", "refrigerant_leak", "1", ""),
            _gas("C", "process_gas", "1", "NF3"),
            _gas("D", "process_gas", "1", "SF6", process="chamber_clean"),
            _gas("E", "fgas_emission", "1", "unobtainium"),
            activity("F", activity="fgas_emission", amount="1", unit="kWh", gas="NF3"),
        ],
    )
    report = calculate_inventory(ctx, "fab", 2024)
    why = {k: str(v["reject_reason"]) for k, v in _lines(ctx, report.run_id).items()}
    assert "'R-404A' is a refrigerant blend; a measured emission names one species" in why["A"]
    assert "refrigerant_leak needs the gas column" in why["B"]
    assert "process_gas needs the process column: one of etch, chamber_clean" in why["C"]
    assert "Table I-20 has no default for SF6 in chamber_clean" in why["D"]
    assert "unknown gas 'unobtainium'" in why["E"]
    assert "fgas_emission is a mass of gas; 'kWh' is not one" in why["F"]
