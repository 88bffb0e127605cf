"""The public factor files read as published (check values from shared/data/README.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from greenchain.adapters.importers.factor_files import (
    read_defra_2025,
    read_epa_hub_2025,
    read_epa_supply_chain,
)
from greenchain.domain.activities import CATALOGUE
from greenchain.domain.errors import InvalidDataError
from greenchain.domain.factors import FactorKind, FactorSetData
from greenchain.domain.ghg import GwpSet, gwp
from greenchain.domain.units import convert


@pytest.fixture(scope="module")
def epa(factors_dir: Path) -> FactorSetData:
    return read_epa_supply_chain(factors_dir / "epa-supply-chain-v1.3")


@pytest.fixture(scope="module")
def defra(factors_dir: Path) -> FactorSetData:
    return read_defra_2025(factors_dir / "defra-2025/ghg-conversion-factors-2025-flat-format.csv")


@pytest.fixture(scope="module")
def hub(factors_dir: Path) -> FactorSetData:
    return read_epa_hub_2025(factors_dir / "epa-hub-2025/ghg-emission-factors-hub-2025.xlsx")


def test_epa_set_has_every_naics_code_in_2022_usd(epa: FactorSetData):
    assert len(epa.factors) == 1016
    assert (epa.info.currency, epa.info.price_year, epa.info.gwp_basis) == ("USD", 2022, GwpSet.AR5)


def test_epa_iron_and_steel_mills_is_0_787_with_margins(epa: FactorSetData):
    steel = next(f for f in epa.factors if f.factor_id == "331110")
    assert steel.kg_co2e_per_unit == 0.787
    assert steel.extra["without_margins"] + steel.extra["margins"] == pytest.approx(0.787, abs=1e-3)


def test_epa_by_gas_times_ar5_reproduces_published_co2e_for_every_code(epa: FactorSetData):
    for factor in epa.factors:
        recomputed = factor.kg_co2e_per_unit_with(GwpSet.AR5, GwpSet.AR5)
        assert recomputed == pytest.approx(factor.kg_co2e_per_unit, abs=0.005), factor.factor_id


def test_under_ar5_every_naics_code_keeps_its_published_co2e_with_margins(epa: FactorSetData):
    # The by-gas file is rounded to three significant figures: x AR5 it is more than 0.1 % off
    # the CO2e file for 557 of the 1,016 codes, so the CO2e file's value is the AR5 factor.
    rounded_off = [
        f.factor_id
        for f in epa.factors
        if abs(
            sum(m * gwp(s, GwpSet.AR5) for s, m in f.gases_kg_per_unit.items()) / f.kg_co2e_per_unit
            - 1
        )
        > 0.001
    ]
    assert len(rounded_off) == 557
    for factor in epa.factors:
        by_species = factor.kg_co2e_by_species(GwpSet.AR5, GwpSet.AR5)
        assert sum(by_species.values()) == pytest.approx(factor.kg_co2e_per_unit, rel=1e-12)
        assert factor.kg_co2e_per_unit_with(GwpSet.AR5, GwpSet.AR5) == pytest.approx(
            factor.kg_co2e_per_unit, rel=1e-12
        ), factor.factor_id


def test_another_gwp_set_reweights_the_published_co2e_by_the_gas_split(epa: FactorSetData):
    steel = next(f for f in epa.factors if f.factor_id == "331110")
    # EPA v1.3 by-gas rows of NAICS 331110 (with margins): CO2 7.38e-01, methane 1.30e-03,
    # N2O 2.08e-05, HFCs and PFCs unspecified 1.20e-03 kg CO2e, ... x AR5 = 0.787487 and
    # x AR6 = 0.788214 kg CO2e/USD; the CO2e file gives 0.787 (AR5).
    expected_ar6 = 0.787 * 0.78821403513 / 0.78748690147
    assert steel.kg_co2e_per_unit_with(GwpSet.AR6, GwpSet.AR5) == pytest.approx(
        expected_ar6, rel=1e-9
    )
    shares = steel.kg_co2e_by_species(GwpSet.AR5, GwpSet.AR5)
    assert shares["CO2"] / 0.787 == pytest.approx(0.738 / 0.78748690147, rel=1e-9)


def test_epa_gas_breakdown_has_seventeen_species_plus_the_unspecified_mix(epa: FactorSetData):
    species = set(epa.factors[0].gases_kg_per_unit)
    assert {"CO2", "CH4", "N2O", "SF6", "NF3", "HFC134a", "CF4", "CO2e"} <= species
    assert len(species) == 18


def test_defra_uk_grid_electricity_is_0_177(defra: FactorSetData):
    grid = next(f for f in defra.factors if f.factor_id == "7_400_4000_5")
    assert grid.kg_co2e_per_unit == pytest.approx(0.177)
    assert grid.unit == "kWh"
    assert grid.kind is FactorKind.ELECTRICITY
    assert grid.kg_co2e_per_unit_with(GwpSet.AR5, GwpSet.AR5) == pytest.approx(0.177, rel=1e-4)


def test_defra_has_one_factor_per_published_value(defra: FactorSetData):
    assert 2000 < len(defra.factors) < 7029
    assert len({f.factor_id for f in defra.factors}) == len(defra.factors)


def test_defra_outside_of_scopes_rows_are_read_as_biogenic_co2_outside_the_scopes(
    defra: FactorSetData,
):
    # DEFRA 2025 flat file, ID 99_104_1045_15_2: "Outside of scopes / Biomass / Wood pellets",
    # tonnes, 1,677.18 kg CO2e of CO2 per unit (no total row)
    pellets = next(f for f in defra.factors if f.factor_id == "99_104_1045_15")
    assert pellets.scope == "Outside of Scopes"
    assert pellets.kg_co2e_per_unit == pytest.approx(1677.18)
    assert pellets.gases_kg_per_unit == {"CO2": pytest.approx(1677.18)}


def test_hub_biomass_co2_is_kept_apart_and_peat_stays_fossil(hub: FactorSetData):
    by_id = {f.factor_id: f for f in hub.factors}
    # Table 1, "Biomass Fuels - Solid / Wood and Wood Residuals": 1,640 kg CO2, 126 g CH4 and
    # 63 g N2O per short ton; only the CH4 and N2O are Scope 1
    wood = by_id["stationary:wood-and-wood-residuals:short-ton"]
    assert wood.extra["biogenic_co2_kg"] == 1640
    assert "CO2" not in wood.gases_kg_per_unit
    assert wood.kg_co2e_per_unit == pytest.approx((126 * 28 + 63 * 265) / 1000)
    # Table 2, "Biodiesel (100%)": 9.45 kg CO2 per gallon, all biogenic
    assert by_id["mobile:biodiesel-100:gallon"].extra["biogenic_co2_kg"] == 9.45
    assert by_id["stationary:peat:short-ton"].gases_kg_per_unit["CO2"] == 895


def test_hub_reads_egrid_subregions_in_kg_per_kwh(hub: FactorSetData):
    camx = next(f for f in hub.factors if f.factor_id == "egrid:CAMX")
    # eGRID2023 CAMX: 436.655 lb CO2, 0.025 lb CH4, 0.003 lb N2O per MWh
    lb = 0.45359237
    expected = (436.655 + 0.025 * 28 + 0.003 * 265) * lb / 1000
    assert camx.kg_co2e_per_unit == pytest.approx(expected, rel=1e-9)
    assert camx.region == "US-CAMX"


def test_hub_natural_gas_per_scf_from_table_1(hub: FactorSetData):
    gas = next(f for f in hub.factors if f.factor_id == "stationary:natural-gas:scf")
    assert gas.gases_kg_per_unit["CO2"] == pytest.approx(0.05444)
    assert gas.gases_kg_per_unit["CH4"] == pytest.approx(0.00103 / 1000)


def test_hub_has_business_travel_and_freight(hub: FactorSetData):
    ids = {f.factor_id for f in hub.factors}
    assert "travel:air-travel-long-haul:passenger-mile" in ids
    assert "freight:rail:short-ton-mile" in ids


def test_every_catalogue_activity_points_at_a_real_factor_with_a_convertible_unit(
    defra: FactorSetData, hub: FactorSetData
):
    by_set = {
        "defra-2025": {f.factor_id: f for f in defra.factors},
        "epa-hub-2025": {f.factor_id: f for f in hub.factors},
    }
    for activity in CATALOGUE.values():
        for ref in activity.factors:
            factor = by_set[ref.set_key].get(ref.factor_id)
            assert factor is not None, (activity.name, ref)
            assert convert(1.0, ref.unit, factor.unit) == pytest.approx(1.0), (activity.name, ref)


def test_a_missing_factor_file_is_a_clear_error(tmp_path: Path):
    with pytest.raises(InvalidDataError, match="factor file not found"):
        read_epa_supply_chain(tmp_path)


def test_a_malformed_value_names_file_row_and_field(tmp_path: Path, factors_dir: Path):
    source = factors_dir / "defra-2025/ghg-conversion-factors-2025-flat-format.csv"
    broken = tmp_path / "defra.csv"
    lines = source.read_text(encoding="utf-8-sig").splitlines()
    lines[1] = lines[1].rsplit(",", 1)[0] + ",n/a"
    broken.write_text("\n".join(lines[:5]) + "\n", encoding="utf-8")
    with pytest.raises(InvalidDataError, match=r"defra.csv: row 2, field 'GHG Conversion"):
        read_defra_2025(broken)
