"""What burning a fuel gives besides its Scope 1 emissions: the biogenic CO2 of biomass, kept
out of the scopes, and the energy content of the fuel, for the energy consumption and mix.

Energy content: ESRS E1-5 (para. 37-38, AR 34) asks for the energy consumed from fossil
sources by group (coal and coal products, crude oil and petroleum products, natural gas,
other fossil sources) and from renewable sources (biomass fuels, renewable electricity). A
fuel's amount becomes MWh with the default net calorific values of the IPCC 2006 Guidelines
(Vol. 2, ch. 1, Table 1.2; the DEFRA 2025 flat file has no fuel-properties rows), volumes
with the density DEFRA's own per-litre and per-tonne factors imply; an amount already in an
energy unit counts as given.

Biogenic CO2: the CO2 of burning biomass (wood, biofuels, biogas, and the biofuel part of
forecourt diesel and petrol) is reported apart from the scopes; only the CH4 and N2O of the
combustion count in Scope 1 (GHG Protocol Corporate Standard, ch. 9 "Reporting GHG
emissions", optional information; ESRS E1-6 AR 43(c)). DEFRA 2025 publishes it as the
"Outside of scopes" row of each fuel and unit (ID 99_...: wood pellets 1,677.18 kg CO2 per
tonne, ID 99_104_1045_15_2), beside the Scope 1 "Bioenergy" row that holds only CH4 and N2O
(ID 2_104_1045_15_1: 55.19389 kg CO2e per tonne); the EPA Emission Factors Hub 2025 gives the
CO2 of its biomass fuels in Table 1 ("Biomass Fuels") and Table 2, kept by the importer in the
factor's ``extra["biogenic_co2_kg"]``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from greenchain.domain.errors import InvalidDataError, UnsupportedConversionError
from greenchain.domain.factors import EmissionFactor
from greenchain.domain.units import SCF_M3, convert, normalise_unit

#: DEFRA's Level 1 heading of the biogenic CO2 rows, and of the biomass fuels' Scope 1 rows.
OUTSIDE_OF_SCOPES = "Outside of scopes"
BIOENERGY = "Bioenergy"

#: The key of a DEFRA fuel for its companion rows: the fuel (Level 3) and the unit.
FuelKey = tuple[str, str]


def fuel_key(factor: EmissionFactor) -> FuelKey | None:
    """(fuel, unit) of a DEFRA factor named "<Level 1> / <Level 2> / <fuel>...", case aside."""
    parts = factor.name.split(" / ")
    if len(parts) < 3:
        return None
    return parts[2].strip().casefold(), normalise_unit(factor.unit)


def outside_of_scopes(factors: Iterable[EmissionFactor]) -> dict[FuelKey, EmissionFactor]:
    """DEFRA's "Outside of scopes" factors by (fuel, unit)."""
    found: dict[FuelKey, EmissionFactor] = {}
    for factor in factors:
        key = fuel_key(factor)
        if key is not None and factor.name.startswith(f"{OUTSIDE_OF_SCOPES} / "):
            found[key] = factor
    return found


def biogenic_co2_kg_per_unit(
    factor: EmissionFactor, companions: Mapping[FuelKey, EmissionFactor]
) -> float:
    """kg of biogenic CO2 per unit of ``factor``'s activity (0 for a fossil fuel).

    An EPA Hub biomass factor carries it (``extra["biogenic_co2_kg"]``); a DEFRA factor takes
    the "Outside of scopes" row of the same fuel and unit (the biofuel part of "Diesel
    (average biofuel blend)": 0.14 kg CO2 per litre, ID 99_604_1011_8_2). A DEFRA "Bioenergy"
    factor without that row is refused: its CO2 would go unreported (a factor set stored
    before the rows were imported; import the factor sets again)."""
    carried = factor.extra.get("biogenic_co2_kg")
    if carried is not None:
        return float(carried)
    key = fuel_key(factor)
    companion = companions.get(key) if key is not None else None
    if companion is not None:
        return float(companion.kg_co2e_per_unit)
    if factor.name.startswith(f"{BIOENERGY} / "):
        raise InvalidDataError(
            f"the biogenic CO2 of '{factor.name}' ({factor.unit}) is not in the stored factor "
            "set (its 'Outside of scopes' row); run 'greenchain factors import' again"
        )
    return 0.0


# --- Energy content of fuels -----------------------------------------------------------------

#: The fuel groups of ESRS E1 AR 34 (energy consumption and mix): four fossil ones and the
#: fuels from renewable sources (biomass, biofuels, biogas).
COAL = "coal_and_coal_products"
OIL = "crude_oil_and_petroleum_products"
NATURAL_GAS = "natural_gas"
OTHER_FOSSIL = "other_fossil"
RENEWABLE_FUELS = "renewable_fuels"
FOSSIL_GROUPS = (COAL, OIL, NATURAL_GAS, OTHER_FOSSIL)
ENERGY_GROUPS = (*FOSSIL_GROUPS, RENEWABLE_FUELS)


@dataclass(frozen=True)
class FuelEnergy:
    """The energy content of a catalogue fuel.

    ``ncv_mj_per_kg``: the default net calorific value of the IPCC 2006 Guidelines, Vol. 2
    (Energy), ch. 1, Table 1.2 (TJ/Gg = MJ/kg), row ``ipcc_row``. ``kg_per_litre``: the
    density, from the DEFRA 2025 flat file: the fuel's factor per litre (or cubic metre, / 1000)
    over its factor per kg (or tonne, / 1000), the density DEFRA converted with.
    """

    group: str
    ncv_mj_per_kg: float
    ipcc_row: str
    kg_per_litre: float | None = None


FUEL_ENERGY: Mapping[str, FuelEnergy] = {
    # 2.06672 kg per m3 / 2575.46441 kg per t (IDs 1_100_1004_1_1, 1_100_1004_15_1)
    "natural_gas": FuelEnergy(NATURAL_GAS, 48.0, "Natural Gas", 0.00080247),
    # 2.57082 / 3087.94462 x 1000 (IDs 1_101_1011_8_1, 1_101_1011_15_1); the average biofuel
    # blend counted as petroleum product (its biogenic CO2 is reported apart)
    "diesel": FuelEnergy(OIL, 43.0, "Gas/Diesel Oil", 0.83254),
    # 2.06916 / 2772.97935 x 1000 (IDs 1_101_1017_8_1, 1_101_1017_15_1)
    "petrol": FuelEnergy(OIL, 44.3, "Motor Gasoline", 0.74619),
    "wood_pellets": FuelEnergy(RENEWABLE_FUELS, 15.6, "Wood/Wood Waste"),
    "wood_chips": FuelEnergy(RENEWABLE_FUELS, 15.6, "Wood/Wood Waste"),
    # 0.16751 / 0.18822 (IDs 2_103_1032_8_1, 2_103_1032_3_1, per kg)
    "biodiesel": FuelEnergy(RENEWABLE_FUELS, 27.0, "Biodiesels", 0.88997),
    # 0.00901 / 0.01135 (IDs 2_103_1031_8_1, 2_103_1031_3_1, per kg)
    "bioethanol": FuelEnergy(RENEWABLE_FUELS, 27.0, "Biogasoline", 0.79383),
    "biogas": FuelEnergy(RENEWABLE_FUELS, 50.4, "Other Biogas"),
    "biomethane": FuelEnergy(RENEWABLE_FUELS, 50.4, "Other Biogas"),
}

_MJ_PER_MWH = 3600.0


def fuel_energy_mwh_per_unit(activity: str, unit: str) -> tuple[str, float] | None:
    """(ESRS AR 34 group, MWh per ``unit``) of a catalogue fuel; None for what is not a fuel
    of the catalogue or a unit its energy cannot be told from.

    An amount in an energy unit (kWh, MWh, GJ, mmBtu, therm) is its energy as given; a mass
    x the net calorific value; a volume x the density, then x the net calorific value
    (1,000 litres of diesel: 832.54 kg x 43.0 MJ/kg = 35,799 MJ = 9.944 MWh)."""
    fuel = FUEL_ENERGY.get(activity.strip().lower())
    if fuel is None:
        return None
    for target, per_kg in (("MWh", None), ("kg", 1.0), ("litre", fuel.kg_per_litre)):
        try:
            amount = convert(1.0, unit, target)
        except UnsupportedConversionError:
            continue
        if target == "MWh":
            return fuel.group, amount
        if per_kg is not None:
            return fuel.group, amount * per_kg * fuel.ncv_mj_per_kg / _MJ_PER_MWH
    if fuel.kg_per_litre is not None and normalise_unit(unit) == "scf":
        litres = SCF_M3 * 1000.0
        return fuel.group, litres * fuel.kg_per_litre * fuel.ncv_mj_per_kg / _MJ_PER_MWH
    return None
