"""What burning a fuel gives besides its Scope 1 emissions: the biogenic CO2 of biomass, kept
out of the scopes, and the energy content of the fuel, for the energy consumption and mix.

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

from greenchain.domain.errors import InvalidDataError
from greenchain.domain.factors import EmissionFactor
from greenchain.domain.units import normalise_unit

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
