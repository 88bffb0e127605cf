"""The energy content of the catalogue fuels: as given in an energy unit, a mass x the IPCC
2006 default net calorific value (Vol. 2, ch. 1, Table 1.2), a volume x DEFRA's density."""

import pytest

from greenchain.domain.energy import fuel_energy_mwh_per_unit
from greenchain.domain.units import GALLON_L, SCF_M3


def test_an_amount_in_an_energy_unit_counts_as_given():
    assert fuel_energy_mwh_per_unit("natural_gas", "kWh") == ("natural_gas", 0.001)
    assert fuel_energy_mwh_per_unit("biomethane", "GJ") == pytest.approx(
        ("renewable_fuels", 1 / 3.6)
    )


def test_a_mass_takes_the_ipcc_net_calorific_value():
    # Table 1.2, "Wood/Wood Waste": 15.6 TJ/Gg; 1 t = 15,600 MJ = 4.333 MWh
    group, mwh = fuel_energy_mwh_per_unit("wood_pellets", "tonnes") or ("", 0.0)
    assert group == "renewable_fuels"
    assert mwh == pytest.approx(15600 / 3600)


def test_a_volume_takes_the_density_then_the_net_calorific_value():
    # a US gallon of diesel: 3.785 l x 0.83254 kg/l x 43.0 MJ/kg ("Gas/Diesel Oil")
    per_gallon = GALLON_L * 0.83254 * 43.0 / 3600
    assert fuel_energy_mwh_per_unit("diesel", "gallon") == pytest.approx(
        ("crude_oil_and_petroleum_products", per_gallon)
    )
    # a standard cubic foot of natural gas: 28.3 l x 0.00080247 kg/l x 48.0 MJ/kg
    per_scf = SCF_M3 * 1000 * 0.00080247 * 48.0 / 3600
    assert fuel_energy_mwh_per_unit("natural_gas", "scf") == pytest.approx(("natural_gas", per_scf))


def test_what_is_not_a_fuel_or_has_no_known_density_has_no_energy_content():
    assert fuel_energy_mwh_per_unit("electricity", "kWh") is None
    assert fuel_energy_mwh_per_unit("biogas", "scf") is None
