"""Unit conversion (NIST exact definitions) and the activity catalogue."""

import pytest

from greenchain.domain.activities import resolve_activity
from greenchain.domain.errors import InvalidDataError, UnsupportedConversionError
from greenchain.domain.units import convert, normalise_unit


@pytest.mark.parametrize(
    ("amount", "source", "target", "expected"),
    [
        (1, "mile", "km", 1.609344),
        (1, "gallon", "litres", 3.785411784),
        (1, "MWh", "kWh", 1000),
        (1, "mmBtu", "kWh", 293.07107017),
        (1, "short ton", "kg", 907.18474),
        (1, "passenger-mile", "passenger.km", 1.609344),
        (1, "short ton-mile", "tonne.km", 0.90718474 * 1.609344),
        (2, "Room per night", "room-night", 2),
    ],
)
def test_units_convert_by_exact_definitions(amount, source, target, expected):
    assert convert(amount, source, target) == pytest.approx(expected)


def test_defra_heating_value_suffixes_are_understood():
    assert normalise_unit("kWh (Gross CV)") == "kwh"


def test_incompatible_units_are_refused_with_their_dimensions():
    with pytest.raises(UnsupportedConversionError, match=r"cannot convert kWh \(energy\)"):
        convert(1, "kWh", "litre")


def test_uk_electricity_resolves_to_defra_and_us_subregions_to_egrid():
    assert resolve_activity("electricity", "GB", "kWh").factor.factor_id == "7_400_4000_5"
    assert resolve_activity("electricity", "US-AZNM", "MWh").factor.factor_id == "egrid:AZNM"
    assert resolve_activity("electricity", "US", "kWh").scope == "2"


def test_the_unit_picks_between_defra_and_epa_factors():
    assert resolve_activity("diesel", "US", "litre").factor.set_key == "defra-2025"
    assert resolve_activity("diesel", "US", "gallon").factor.set_key == "epa-hub-2025"


def test_hotel_nights_use_the_country_factor():
    resolved = resolve_activity("hotel_night", "JP", "room-night")
    assert resolved.factor.factor_id == "29_600_4025_13"
    assert resolved.scope3_category == 6


def test_electricity_in_a_country_without_a_national_factor_falls_back_to_the_world_grid():
    resolved = resolve_activity("electricity", "FR", "kWh")
    assert (resolved.factor.set_key, resolved.factor.factor_id) == ("world-grid-ember", "grid:FR")
    assert resolved.scope == "2"


def test_unknown_activity_and_region_are_clear_errors():
    with pytest.raises(InvalidDataError, match="unknown activity 'teleport'"):
        resolve_activity("teleport", "GB", "km")
    with pytest.raises(InvalidDataError, match="no electricity factor for region 'FRANCE'"):
        resolve_activity("electricity", "France", "kWh")
    with pytest.raises(UnsupportedConversionError, match="cannot be measured in 'kg'"):
        resolve_activity("electricity", "GB", "kg")


def test_a_factor_can_be_named_directly():
    resolved = resolve_activity("epa-hub-2025:stationary:propane:gallon", "US", "gallon")
    assert (resolved.factor.set_key, resolved.factor.factor_id) == (
        "epa-hub-2025",
        "stationary:propane:gallon",
    )
    assert resolved.scope is None


def test_a_factor_outside_the_scopes_or_without_a_category_is_an_error_not_a_silent_drop():
    from greenchain.domain.activities import scope_of_factor
    from greenchain.domain.factors import EmissionFactor, FactorKind

    biogenic = EmissionFactor(
        "x", "Outside of scopes / Biomass", "kWh", 0.1, FactorKind.OTHER, scope="Outside of Scopes"
    )
    with pytest.raises(InvalidDataError, match="outside the scopes"):
        scope_of_factor(biogenic)
    other = EmissionFactor("y", "Something / else", "kg", 1.0, FactorKind.OTHER, scope="3")
    with pytest.raises(InvalidDataError, match="give the row a scope3_category"):
        scope_of_factor(other)
    assert scope_of_factor(other, 12) == ("3", 12)
    freight = EmissionFactor(
        "z", "Freighting goods / HGV", "tonne.km", 0.1, FactorKind.FREIGHT, scope="3"
    )
    assert scope_of_factor(freight) == ("3", 4)
    assert scope_of_factor(freight, 9) == ("3", 9)
