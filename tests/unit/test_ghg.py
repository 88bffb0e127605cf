"""GHG core: species, gas families and CO2e by named GWP set (IPCC values via the
``globalwarmingpotentials`` package)."""

import pytest

from greenchain.domain.errors import InvalidDataError
from greenchain.domain.ghg import (
    DEFAULT_GWP_SET,
    KYOTO_GASES,
    Gas,
    GwpSet,
    gas_of_species,
    gwp,
    species_from_name,
    to_co2e_kg,
)


def test_the_seven_ghg_protocol_gases_are_reported():
    assert [g.value for g in KYOTO_GASES] == ["CO2", "CH4", "N2O", "HFCs", "PFCs", "SF6", "NF3"]


def test_default_gwp_set_is_ar5_like_the_epa_and_defra_factor_sets():
    assert DEFAULT_GWP_SET is GwpSet.AR5


@pytest.mark.parametrize(
    ("species", "gwp_set", "expected"),
    [
        # IPCC AR4 WG1 table 2.14, AR5 WG1 table 8.A.1, AR6 WG1 table 7.15 (GWP100)
        ("CH4", GwpSet.AR4, 25.0),
        ("CH4", GwpSet.AR5, 28.0),
        ("CH4", GwpSet.AR6, 27.9),
        ("N2O", GwpSet.AR5, 265.0),
        ("N2O", GwpSet.AR6, 273.0),
        ("SF6", GwpSet.AR5, 23500.0),
        ("NF3", GwpSet.AR5, 16100.0),
        ("HFC134a", GwpSet.AR5, 1300.0),
        ("CF4", GwpSet.AR6, 7380.0),
        ("CO2", GwpSet.AR6, 1.0),
    ],
)
def test_gwp100_values_come_from_the_named_ipcc_assessment(species, gwp_set, expected):
    assert gwp(species, gwp_set) == expected


def test_species_belong_to_their_reporting_family():
    assert gas_of_species("HFC134a") is Gas.HFCS
    assert gas_of_species("C2F6") is Gas.PFCS
    assert gas_of_species("cC4F8") is Gas.PFCS
    assert gas_of_species("NF3") is Gas.NF3
    assert gas_of_species("CO2e") is Gas.UNSPECIFIED


def test_publisher_gas_names_are_normalised_to_species():
    assert species_from_name("Carbon dioxide") == "CO2"
    assert species_from_name("HFC-134a") == "HFC134a"
    assert species_from_name("Perfluorocyclobutane") == "cC4F8"
    assert species_from_name("HFCs and PFCs, unspecified") == "CO2e"


def test_unknown_gas_name_is_a_clear_error():
    with pytest.raises(InvalidDataError, match="unknown greenhouse gas 'Argon'"):
        species_from_name("Argon")


def test_co2e_conversion_applies_the_chosen_set_per_species():
    masses = {"CO2": 1000.0, "CH4": 1.0, "N2O": 0.1, "CO2e": 5.0}
    ar5 = to_co2e_kg(masses, GwpSet.AR5)
    ar6 = to_co2e_kg(masses, GwpSet.AR6)
    assert ar5[Gas.CH4] == 28.0
    assert ar6[Gas.CH4] == pytest.approx(27.9)
    assert ar5[Gas.N2O] == pytest.approx(26.5)
    assert ar6[Gas.N2O] == pytest.approx(27.3)
    assert ar5[Gas.UNSPECIFIED] == ar6[Gas.UNSPECIFIED] == 5.0
    assert ar5[Gas.CO2] == ar6[Gas.CO2] == 1000.0


def test_gwp_set_parses_common_spellings_and_rejects_others():
    assert GwpSet.parse("ar6") is GwpSet.AR6
    assert GwpSet.parse("AR5GWP100") is GwpSet.AR5
    with pytest.raises(InvalidDataError, match="unknown GWP set"):
        GwpSet.parse("AR7")
