"""The built-in activity catalogue: activity names users write in activity files, mapped to
factors of the DEFRA 2025 and EPA Emission Factors Hub 2025 sets by region and unit.

Air travel and air freight use DEFRA's factors without radiative forcing (the Kyoto gases the
inventory reports); the RF uplift is outside GHG Protocol scopes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from greenchain.domain.errors import InvalidDataError, UnsupportedConversionError
from greenchain.domain.factors import EmissionFactor, FactorKind
from greenchain.domain.fgases import SUBPART_I_SET, process_gas_factor_id
from greenchain.domain.ghg import species_from_name
from greenchain.domain.units import convert

ANY_REGION = "*"
FACTOR_SETS = (
    "epa-supply-chain-v1.3",
    "defra-2025",
    "epa-hub-2025",
    "world-grid-ember",
    SUBPART_I_SET,
)

#: Grid electricity of every country (life-cycle basis): the fallback where no more specific
#: location-based factor (eGRID, DEFRA UK, an imported national factor) exists.
WORLD_GRID_SET = "world-grid-ember"


@dataclass(frozen=True)
class FactorRef:
    set_key: str
    factor_id: str
    unit: str
    region: str = ANY_REGION


@dataclass(frozen=True)
class ActivityDefinition:
    name: str
    description: str
    scope: str
    scope3_category: int | None
    factors: tuple[FactorRef, ...]


@dataclass(frozen=True)
class ResolvedActivity:
    """What an (activity, region, unit) triple resolves to; ``scope`` None: take the factor's."""

    factor: FactorRef
    scope: str | None
    scope3_category: int | None


def _defra(factor_id: str, unit: str, region: str = ANY_REGION) -> FactorRef:
    return FactorRef("defra-2025", factor_id, unit, region)


def _hub(factor_id: str, unit: str, region: str = ANY_REGION) -> FactorRef:
    return FactorRef("epa-hub-2025", factor_id, unit, region)


EGRID_SUBREGIONS = (
    "AKGD",
    "AKMS",
    "AZNM",
    "CAMX",
    "ERCT",
    "FRCC",
    "HIMS",
    "HIOA",
    "MROE",
    "MROW",
    "NEWE",
    "NWPP",
    "NYCW",
    "NYLI",
    "NYUP",
    "PRMS",
    "RFCE",
    "RFCM",
    "RFCW",
    "RMPA",
    "SPNO",
    "SPSO",
    "SRMV",
    "SRMW",
    "SRSO",
    "SRTV",
    "SRVC",
)

#: DEFRA 2025 hotel stay factors (kg CO2e per room per night), by ISO 3166 alpha-2 country.
HOTEL_FACTORS = {
    "GB": "29_600_4000_13",
    "AU": "29_600_4003_13",
    "BE": "29_600_4005_13",
    "BR": "29_600_4006_13",
    "CA": "29_600_4007_13",
    "CL": "29_600_4008_13",
    "CN": "29_600_4009_13",
    "CO": "29_600_4010_13",
    "CR": "29_600_4011_13",
    "EG": "29_600_4013_13",
    "FR": "29_600_4016_13",
    "DE": "29_600_4017_13",
    "HK": "29_600_4019_13",
    "IN": "29_600_4020_13",
    "ID": "29_600_4021_13",
    "IT": "29_600_4024_13",
    "JP": "29_600_4025_13",
    "JO": "29_600_4026_13",
    "KR": "29_600_4028_13",
    "MY": "29_600_4030_13",
    "MV": "29_600_4031_13",
    "MX": "29_600_4032_13",
    "NL": "29_600_4033_13",
    "OM": "29_600_4035_13",
    "PH": "29_600_4038_13",
    "PT": "29_600_4040_13",
    "QA": "29_600_4041_13",
    "RU": "29_600_4043_13",
    "SA": "29_600_4044_13",
    "SG": "29_600_4045_13",
    "ZA": "29_600_4046_13",
    "ES": "29_600_4047_13",
    "CH": "29_600_4048_13",
    "TH": "29_600_4050_13",
    "TR": "29_600_4051_13",
    "AE": "29_600_4052_13",
    "US": "29_600_4053_13",
    "VN": "29_600_4054_13",
}

CATALOGUE: dict[str, ActivityDefinition] = {
    a.name: a
    for a in (
        ActivityDefinition(
            "electricity",
            "Purchased grid electricity (location-based grid factor)",
            "2",
            None,
            (
                _defra("7_400_4000_5", "kWh", "GB"),
                _hub("egrid:US", "kWh", "US"),
                *(_hub(f"egrid:{s}", "kWh", f"US-{s}") for s in EGRID_SUBREGIONS),
            ),
        ),
        ActivityDefinition(
            "natural_gas",
            "Natural gas burnt on site",
            "1",
            None,
            (
                _defra("1_100_1004_6", "kWh"),
                _hub("stationary:natural-gas:scf", "scf"),
                _hub("stationary:natural-gas:mmbtu", "mmBtu"),
            ),
        ),
        ActivityDefinition(
            "diesel",
            "Diesel (average biofuel blend) burnt in own equipment and vehicles",
            "1",
            None,
            (_defra("1_101_1011_8", "litres"), _hub("mobile:diesel-fuel:gallon", "gallon")),
        ),
        ActivityDefinition(
            "petrol",
            "Petrol / motor gasoline burnt in own vehicles",
            "1",
            None,
            (_defra("1_101_1017_8", "litres"), _hub("mobile:motor-gasoline:gallon", "gallon")),
        ),
        # Biomass burnt in own boilers, generators and vehicles (DEFRA 2025 "Bioenergy", EPA
        # Hub 2025 Table 1 "Biomass Fuels"): only their CH4 and N2O are Scope 1; the CO2 of
        # the biomass is biogenic, reported apart (DEFRA's "Outside of scopes" row of the same
        # fuel and unit, the EPA's CO2 column of the fuel)
        ActivityDefinition(
            "wood_pellets",
            "Wood pellets burnt on site (biomass boiler); biogenic CO2 reported apart",
            "1",
            None,
            (
                _defra("2_104_1045_15", "tonnes"),
                _defra("2_104_1045_5", "kWh"),
                _hub("stationary:wood-and-wood-residuals:short-ton", "short ton"),
                _hub("stationary:wood-and-wood-residuals:mmbtu", "mmBtu"),
            ),
        ),
        ActivityDefinition(
            "wood_chips",
            "Wood chips burnt on site (biomass boiler); biogenic CO2 reported apart",
            "1",
            None,
            (
                _defra("2_104_1044_15", "tonnes"),
                _defra("2_104_1044_5", "kWh"),
                _hub("stationary:wood-and-wood-residuals:short-ton", "short ton"),
                _hub("stationary:wood-and-wood-residuals:mmbtu", "mmBtu"),
            ),
        ),
        ActivityDefinition(
            "biodiesel",
            "Biodiesel (100 %, methyl ester) burnt in own generators and vehicles; biogenic "
            "CO2 reported apart",
            "1",
            None,
            (
                _defra("2_103_1032_8", "litres"),
                _defra("2_103_1032_3", "kg"),
                _defra("2_103_1032_2", "GJ"),
                _hub("stationary:biodiesel-100:gallon", "gallon"),
            ),
        ),
        ActivityDefinition(
            "bioethanol",
            "Bioethanol (100 %) burnt in own equipment and vehicles; biogenic CO2 reported apart",
            "1",
            None,
            (
                _defra("2_103_1031_8", "litres"),
                _defra("2_103_1031_3", "kg"),
                _defra("2_103_1031_2", "GJ"),
                _hub("stationary:ethanol-100:gallon", "gallon"),
            ),
        ),
        ActivityDefinition(
            "biogas",
            "Biogas (anaerobic digestion) burnt on site; biogenic CO2 reported apart",
            "1",
            None,
            (
                _defra("2_105_1047_5", "kWh"),
                _defra("2_105_1047_15", "tonnes"),
                _hub("stationary:other-biomass-gases:scf", "scf"),
            ),
        ),
        ActivityDefinition(
            "biomethane",
            "Biomethane (compressed) burnt on site or in own vehicles; biogenic CO2 reported apart",
            "1",
            None,
            (_defra("2_103_1033_2", "GJ"), _defra("2_103_1033_3", "kg")),
        ),
        ActivityDefinition(
            "air_travel_short_haul",
            "Flights, short haul, average passenger",
            "3",
            6,
            (
                _defra("21_316_3163_11", "passenger.km"),
                _hub("travel:air-travel-short-haul:passenger-mile", "passenger-mile"),
            ),
        ),
        ActivityDefinition(
            "air_travel_medium_haul",
            "Flights, medium haul, average passenger",
            "3",
            6,
            (
                _defra("21_316_3163_11", "passenger.km"),
                _hub("travel:air-travel-medium-haul:passenger-mile", "passenger-mile"),
            ),
        ),
        ActivityDefinition(
            "air_travel_long_haul",
            "Flights, long haul, average passenger",
            "3",
            6,
            (
                _defra("21_316_3169_11", "passenger.km"),
                _hub("travel:air-travel-long-haul:passenger-mile", "passenger-mile"),
            ),
        ),
        ActivityDefinition(
            "rail_travel",
            "Rail travel",
            "3",
            6,
            (
                _defra("25_315_3147_11", "passenger.km"),
                _hub("travel:intercity-rail-national-average:passenger-mile", "passenger-mile"),
            ),
        ),
        ActivityDefinition(
            "car_travel",
            "Car travel, average car, unknown fuel",
            "3",
            6,
            (
                _defra("25_301_3074_4", "km"),
                _hub("travel:passenger-car:vehicle-mile", "vehicle-mile"),
            ),
        ),
        ActivityDefinition(
            "hotel_night",
            "Hotel stay, per room per night, by country",
            "3",
            6,
            tuple(_defra(fid, "room-night", iso) for iso, fid in HOTEL_FACTORS.items()),
        ),
        ActivityDefinition(
            "road_freight",
            "Road freight, all HGVs, average laden",
            "3",
            4,
            (
                _defra("27_304_3140_14", "tonne.km"),
                _hub("freight:medium-and-heavy-duty-truck:short-ton-mile", "short ton-mile"),
            ),
        ),
        ActivityDefinition(
            "rail_freight",
            "Rail freight",
            "3",
            4,
            (
                _defra("27_315_3151_14", "tonne.km"),
                _hub("freight:rail:short-ton-mile", "short ton-mile"),
            ),
        ),
        ActivityDefinition(
            "sea_freight",
            "Sea freight, container ship, average",
            "3",
            4,
            (
                _defra("27_320_3235_14", "tonne.km"),
                _hub("freight:waterborne-craft:short-ton-mile", "short ton-mile"),
            ),
        ),
        ActivityDefinition(
            "refrigerant_leak",
            "Refrigerant leaked (or topped up to replace a leak), mass of the species or ASHRAE "
            "blend in the gas column; blends split by EPA Hub Table 12",
            "1",
            None,
            (),
        ),
        ActivityDefinition(
            "fgas_emission",
            "Measured emission of one species (NF3, CF4, C2F6, C3F8, c-C4F8, CHF3, SF6, N2O...) "
            "named in the gas column",
            "1",
            None,
            (),
        ),
        ActivityDefinition(
            "process_gas",
            "Fluorinated gas fed to a semiconductor process (kg; gas, process and optional "
            "abatement columns); emissions by 40 CFR 98 subpart I Table I-20",
            "1",
            None,
            (),
        ),
        ActivityDefinition(
            "sold_product_use",
            "Use of sold products: units sold (unit 'unit') in the country of use, with "
            "kwh_per_unit_year and lifetime_years; direct use-phase electricity x that "
            "country's grid factor",
            "3",
            11,
            (),
        ),
        ActivityDefinition(
            "waste",
            "Waste generated in operations: tonnes by DEFRA material and treatment (material "
            "and treatment columns)",
            "3",
            5,
            (),
        ),
        ActivityDefinition(
            "sold_product_end_of_life",
            "End of life of sold products: tonnes by DEFRA material and treatment",
            "3",
            12,
            (),
        ),
        ActivityDefinition(
            "homeworking",
            "Homeworking of employees (office equipment and heating), FTE working hours",
            "3",
            7,
            (_defra("32_603_9999_12", "per FTE Working Hour"),),
        ),
        ActivityDefinition(
            "air_freight",
            "Air freight, international",
            "3",
            4,
            (
                _defra("27_317_3159_14", "tonne.km"),
                _hub("freight:aircraft:short-ton-mile", "short ton-mile"),
            ),
        ),
    )
}


@dataclass(frozen=True)
class UpstreamPart:
    """One Scope 3 category 3 line an activity brings (fuel- and energy-related activities
    not in Scope 1 or 2): ``part`` names it on the line (``<activity id>#<part>``)."""

    part: str
    label: str
    factors: tuple[FactorRef, ...]


#: Category 3 of the Scope 1 fuels and the Scope 2 electricity (GHG Protocol Scope 3 Standard,
#: ch. 5, category 3 a-c): the well-to-tank emissions of the fuels (extraction, refining,
#: transport) and, of electricity, the well-to-tank of its generation, the transmission and
#: distribution losses and their well-to-tank. DEFRA 2025 publishes them for the UK
#: ("WTT- fuels", "WTT- UK electricity", "Transmission and distribution"); elsewhere they
#: are proxies and the line says so.
UPSTREAM: dict[str, tuple[UpstreamPart, ...]] = {
    "natural_gas": (
        UpstreamPart(
            "wtt",
            "well-to-tank of natural gas",
            (_defra("11_100_1004_6", "kWh"), _defra("11_100_1004_1", "cubic metres")),
        ),
    ),
    "diesel": (
        UpstreamPart("wtt", "well-to-tank of diesel", (_defra("11_101_1011_8", "litres"),)),
    ),
    "petrol": (
        UpstreamPart("wtt", "well-to-tank of petrol", (_defra("11_101_1017_8", "litres"),)),
    ),
    "electricity": (
        UpstreamPart(
            "wtt",
            "well-to-tank of the fuels generating the electricity",
            (_defra("15_917_4000_5", "kWh"),),
        ),
        UpstreamPart(
            "td",
            "transmission and distribution losses",
            (_defra("13_402_4000_5", "kWh"),),
        ),
        UpstreamPart(
            "wtt-td",
            "well-to-tank of the transmission and distribution losses",
            (_defra("15_918_4000_5", "kWh"),),
        ),
    ),
}

#: The region the category 3 factors are published for; elsewhere they are proxies.
UPSTREAM_REGION = "GB"


def upstream_parts(activity: str, unit: str) -> list[tuple[UpstreamPart, FactorRef]]:
    """The category 3 parts of an activity with the factor of each its ``unit`` converts to
    (a part without one is left out)."""
    chosen: list[tuple[UpstreamPart, FactorRef]] = []
    for part in UPSTREAM.get(activity.strip().lower(), ()):
        usable = [f for f in part.factors if _convertible(unit, f.unit)]
        if usable:
            chosen.append((part, usable[0]))
    return chosen


def list_activities() -> list[ActivityDefinition]:
    return list(CATALOGUE.values())


def _convertible(unit: str, factor_unit: str) -> bool:
    try:
        convert(1.0, unit, factor_unit)
    except UnsupportedConversionError:
        return False
    return True


#: Activities of units sold whose emissions are their lifetime electricity (amount x
#: kwh_per_unit_year x lifetime_years) at the grid factor of the country of use.
USE_PHASE_ACTIVITIES = frozenset({"sold_product_use"})
SOLD_UNITS = frozenset({"unit", "units", "pcs", "pieces"})

#: Activities whose factor is DEFRA's "Waste disposal" factor of their material and treatment.
WASTE_ACTIVITIES = frozenset({"waste", "sold_product_end_of_life"})

#: Treatment words users write, to DEFRA 2025's "Waste disposal" treatment headings.
TREATMENTS = {
    "landfill": "Landfill",
    "incineration": "Incineration with Energy Recovery",
    "incineration with energy recovery": "Incineration with Energy Recovery",
    "open-loop": "Open-loop",
    "open-loop recycling": "Open-loop",
    "recycling": "Open-loop",
    "closed-loop": "Closed-loop",
    "closed-loop recycling": "Closed-loop",
    "composting": "Composting",
    "anaerobic digestion": "Anaerobic digestion",
}


def waste_factor_id(factors: Iterable[EmissionFactor], material: str, treatment: str) -> str:
    """The DEFRA 2025 "Waste disposal / <group> / <material> / <treatment>" factor: the
    material matched whole (case aside), else as the one material that contains the text."""
    heading = TREATMENTS.get(" ".join(treatment.lower().split()))
    if heading is None:
        raise InvalidDataError(
            f"unknown waste treatment '{treatment}'; use one of {', '.join(sorted(TREATMENTS))}"
        )
    waste = [f for f in factors if f.name.startswith("Waste disposal / ")]
    chosen = _material(waste, material, "waste", "greenchain factors waste")
    for f in waste:
        parts = f.name.split(" / ")
        if len(parts) >= 4 and parts[2] == chosen and parts[3] == heading:
            return f.factor_id
    offered = sorted({f.name.split(" / ")[3] for f in waste if f.name.split(" / ")[2] == chosen})
    raise InvalidDataError(
        f"DEFRA has no '{heading}' factor for {chosen}; it has {', '.join(offered)}"
    )


def _material(factors: list[EmissionFactor], material: str, kind: str, listing: str) -> str:
    """The DEFRA material (third part of the factor names) ``material`` names: matched whole
    (case aside), else the one material that contains the text."""
    materials = sorted({f.name.split(" / ")[2] for f in factors if f.name.count(" / ") >= 3})
    wanted = " ".join(material.lower().split())
    chosen = [m for m in materials if m.lower() == wanted] or [
        m for m in materials if wanted in m.lower()
    ]
    if len(chosen) != 1:
        hint = ", ".join(chosen[:8]) if chosen else ", ".join(materials[:12]) + ", ..."
        what = "matches several materials" if chosen else f"is not a DEFRA {kind} material"
        raise InvalidDataError(f"'{material}' {what}: {hint} ({listing} lists all)")
    return chosen[0]


def material_factor_id(factors: Iterable[EmissionFactor], material: str) -> str:
    """The DEFRA 2025 "Material use / <group> / <material> / Primary material production"
    factor (cradle-to-gate of the virgin material, kg CO2e per tonne): category 1
    average-data of a purchase line that gives its material and quantity."""
    used = [
        f
        for f in factors
        if f.name.startswith("Material use / ") and f.name.endswith("/ Primary material production")
    ]
    chosen = _material(used, material, "material-use", "greenchain factors materials")
    return next(f.factor_id for f in used if f.name.split(" / ")[2] == chosen)


#: Activities whose factor is the gas they name (``gas`` column): 1 kg of it emitted.
GAS_ACTIVITIES = frozenset({"refrigerant_leak", "fgas_emission", "process_gas"})

#: ASHRAE numbers of pure refrigerants that are not HFC-<number> (ASHRAE Standard 34).
_PURE_REFRIGERANTS = {"R-14": "CF4", "R-116": "C2F6", "R-218": "C3F8", "R-C318": "cC4F8"}


def gas_factor_id(gas: str, *, blends: bool = True) -> str:
    """The EPA Hub factor of 1 kg of ``gas`` emitted: ``refrigerant:R-410A`` for a blend
    (ASHRAE 400 and 500 series), ``gas:<species>`` for one species (``NF3``, ``HFC-134a``,
    ``R-134a``, ``PFC-14``...)."""
    text = gas.strip()
    ashrae = re.fullmatch(r"R-?(C?\d{2,3})([A-Za-z]{0,2})", text, flags=re.IGNORECASE)
    if ashrae:
        number, suffix = ashrae.group(1).upper(), ashrae.group(2)
        if number[0] in "45" and len(number) == 3:
            if not blends:
                raise InvalidDataError(
                    f"'{text}' is a refrigerant blend; a measured emission names one species "
                    "(use refrigerant_leak for a blend)"
                )
            return f"refrigerant:R-{number}{suffix.upper()}"
        pure = _PURE_REFRIGERANTS.get(f"R-{number}")
        return f"gas:{pure or species_from_name(f'HFC-{number}{suffix.lower()}')}"
    try:
        return f"gas:{species_from_name(text)}"
    except InvalidDataError:
        raise InvalidDataError(
            f"unknown gas '{text}'; name a species (NF3, CF4, C2F6, C3F8, c-C4F8, CHF3, SF6, "
            "N2O, HFC-134a...) or an ASHRAE refrigerant blend (R-410A, R-404A...)"
        ) from None


def _resolve_gas(
    definition: ActivityDefinition,
    gas: str | None,
    unit: str,
    process: str | None,
    abatement: float | None,
) -> ResolvedActivity:
    if not gas or not gas.strip():
        raise InvalidDataError(f"{definition.name} needs the gas column (e.g. NF3 or R-410A)")
    if definition.name == "process_gas":
        ref = FactorRef(SUBPART_I_SET, process_gas_factor_id(gas, process, abatement), "kg")
    else:
        factor_id = gas_factor_id(gas, blends=definition.name == "refrigerant_leak")
        ref = FactorRef("epa-hub-2025", factor_id, "kg")
    if not _convertible(unit, "kg"):
        raise UnsupportedConversionError(
            f"{definition.name} is a mass of gas; '{unit}' is not one (use kg, g, lb or t)"
        )
    return ResolvedActivity(ref, definition.scope, None)


def resolve_activity(
    activity: str,
    region: str,
    unit: str,
    gas: str | None = None,
    process: str | None = None,
    abatement: float | None = None,
) -> ResolvedActivity:
    """The factor for ``activity`` happening in ``region`` measured in ``unit``.

    Region-specific factors win over region-free ones; among those, a factor whose unit equals
    ``unit`` wins over one it converts to. ``<set>:<factor id>`` names a factor directly. The
    gas activities take the factor of the ``gas`` they name (process_gas: in ``process``, less
    ``abatement``).
    """
    name = activity.strip()
    region = region.strip().upper()
    set_key, _, factor_id = name.partition(":")
    if set_key in FACTOR_SETS and factor_id:
        return ResolvedActivity(FactorRef(set_key, factor_id, unit), None, None)
    definition = CATALOGUE.get(name.lower())
    if definition is None:
        known = ", ".join(CATALOGUE)
        raise InvalidDataError(
            f"unknown activity '{activity}'; use one of {known}, or '<factor set>:<factor id>'"
        )
    if definition.name in GAS_ACTIVITIES:
        return _resolve_gas(definition, gas, unit, process, abatement)
    if definition.name in USE_PHASE_ACTIVITIES:
        if unit.strip().lower() not in SOLD_UNITS:
            raise UnsupportedConversionError(
                f"{definition.name} counts units sold; use the unit 'unit', not '{unit}'"
            )
        grid = resolve_activity("electricity", region, "kWh").factor
        return ResolvedActivity(grid, definition.scope, definition.scope3_category)
    regional = [f for f in definition.factors if f.region == region]
    general = [f for f in definition.factors if f.region == ANY_REGION]
    if definition.name == "electricity" and not regional and re.fullmatch(r"[A-Z]{2}", region):
        regional = [FactorRef(WORLD_GRID_SET, f"grid:{region}", "kWh", region)]
    if not regional and not general:
        regions = sorted({f.region for f in definition.factors})
        raise InvalidDataError(
            f"no {definition.name} factor for region '{region}'; known regions: "
            f"{', '.join(regions)}"
        )
    for candidates in (regional, general):
        convertible = [f for f in candidates if _convertible(unit, f.unit)]
        if convertible:
            exact = [f for f in convertible if convert(1.0, unit, f.unit) == 1.0]
            chosen = (exact or convertible)[0]
            return ResolvedActivity(chosen, definition.scope, definition.scope3_category)
    units = sorted({f.unit for f in regional + general})
    raise UnsupportedConversionError(
        f"{definition.name} cannot be measured in '{unit}'; use one of {', '.join(units)}"
    )


#: Scope 3 category of factors by their publisher's heading (DEFRA 2025 "Level 1"; the EPA Hub
#: transport tables), after the category definitions of the GHG Protocol Scope 3 Standard
#: (ch. 5, table 5.4): well-to-tank and T&D losses of the company's own fuel and electricity are
#: category 3, those of transport follow the transport.
_CATEGORY_OF_HEADING: dict[str, int] = {
    "WTT- fuels": 3,
    "WTT- bioenergy": 3,
    "WTT- UK electricity": 3,
    "WTT- heat and steam": 3,
    "Transmission and distribution": 3,
    "UK electricity T&D for EVs": 3,
    "Material use": 1,
    "Water supply": 1,
    "Freighting goods": 4,
    "WTT- delivery vehs & freight": 4,
    "Freight": 4,
    "Waste disposal": 5,
    "Water treatment": 5,
    "Business travel- air": 6,
    "Business travel- land": 6,
    "Business travel- sea": 6,
    "Hotel stay": 6,
    "WTT- business travel- air": 6,
    "WTT- business travel- sea": 6,
    "WTT- pass vehs & travel- land": 6,
    "Travel": 6,
    "Homeworking": 7,
    "Managed assets- electricity": 8,
    "Managed assets- vehicles": 8,
}
_CATEGORY_OF_KIND = {
    FactorKind.EEIO: 1,
    FactorKind.MATERIAL: 1,
    FactorKind.FREIGHT: 4,
    FactorKind.WASTE: 5,
    FactorKind.TRAVEL: 6,
}
GHG_SCOPES = ("1", "2", "3")


def scope_of_factor(
    factor: EmissionFactor, scope3_category: int | None = None
) -> tuple[str, int | None]:
    """The scope and Scope 3 category a factor named directly (``<set>:<id>``) reports under.

    The scope is the publisher's; the category is ``scope3_category`` when the row gives one
    (freight can be category 4 or 9, car travel 6 or 7), otherwise the one the factor's heading
    or kind implies. Raises :class:`InvalidDataError` when either cannot be known, so the line
    is rejected with that reason instead of dropping out of the totals.
    """
    scope = (factor.scope or "").strip()
    if scope not in GHG_SCOPES:
        raise InvalidDataError(
            f"factor '{factor.factor_id}' ({factor.name}) is reported outside the scopes "
            f"('{factor.scope or 'no scope'}'), not in the inventory totals"
        )
    if scope != "3":
        return scope, None
    if scope3_category is not None:
        return scope, scope3_category
    heading = factor.name.split(" / ", 1)[0].strip()
    category = _CATEGORY_OF_HEADING.get(heading, _CATEGORY_OF_KIND.get(factor.kind))
    if category is None:
        raise InvalidDataError(
            f"factor '{factor.factor_id}' ({factor.name}) is Scope 3 but its category is not "
            f"known; give the row a scope3_category (1 to 15)"
        )
    return scope, category
