"""Unit conversion for activity data.

Exact definitions (NIST SP 811, Appendix B): 1 mile = 1.609344 km; 1 US gallon = 3.785411784
litres; 1 lb = 0.45359237 kg; 1 short ton = 2000 lb; 1 Btu (IT) = 1055.05585262 J, so 1 mmBtu
= 293.07107017 kWh; 1 therm = 100,000 Btu. 1 kWh = 3.6 MJ.
"""

from __future__ import annotations

import re

from greenchain.domain.errors import UnsupportedConversionError

MILE_KM = 1.609344
GALLON_L = 3.785411784
LB_KG = 0.45359237
SHORT_TON_KG = 2000 * LB_KG
MMBTU_KWH = 1055.05585262e6 / 3.6e6
THERM_KWH = MMBTU_KWH / 10
SCF_M3 = 0.028316846592

#: unit -> (dimension, size in the dimension's base unit)
_UNITS: dict[str, tuple[str, float]] = {
    "kwh": ("energy", 1.0),
    "mwh": ("energy", 1000.0),
    "gwh": ("energy", 1e6),
    "gj": ("energy", 1000 / 3.6),
    "mj": ("energy", 1 / 3.6),
    "mmbtu": ("energy", MMBTU_KWH),
    "therm": ("energy", THERM_KWH),
    "litre": ("volume", 1.0),
    "liter": ("volume", 1.0),
    "l": ("volume", 1.0),
    "gallon": ("volume", GALLON_L),
    "m3": ("volume", 1000.0),
    "cubic metre": ("volume", 1000.0),
    "scf": ("gas volume", SCF_M3),
    "kg": ("mass", 1.0),
    "tonne": ("mass", 1000.0),
    "t": ("mass", 1000.0),
    "short ton": ("mass", SHORT_TON_KG),
    "lb": ("mass", LB_KG),
    "km": ("distance", 1.0),
    "mile": ("distance", MILE_KM),
    "vehicle-km": ("distance", 1.0),
    "vehicle-mile": ("distance", MILE_KM),
    "passenger-km": ("passenger distance", 1.0),
    "passenger-mile": ("passenger distance", MILE_KM),
    "tonne-km": ("freight", 1.0),
    "short ton-mile": ("freight", SHORT_TON_KG / 1000 * MILE_KM),
    "room-night": ("room nights", 1.0),
    "usd": ("money", 1.0),
}

_ALIASES = {
    # DEFRA's homeworking unit
    "per fte working hour": "fte working hour",
    "fte hour": "fte working hour",
    "fte hours": "fte working hour",
    "fte working hours": "fte working hour",
    "litres": "litre",
    "liters": "litre",
    "gallons": "gallon",
    "us gallon": "gallon",
    "tonnes": "tonne",
    "metric ton": "tonne",
    "short tons": "short ton",
    "kgs": "kg",
    "miles": "mile",
    "kilometre": "km",
    "kilometres": "km",
    "kilometer": "km",
    "passenger.km": "passenger-km",
    "pkm": "passenger-km",
    "passenger km": "passenger-km",
    "passenger-kilometre": "passenger-km",
    "passenger.mile": "passenger-mile",
    "passenger mile": "passenger-mile",
    "tonne.km": "tonne-km",
    "t.km": "tonne-km",
    "tkm": "tonne-km",
    "tonne km": "tonne-km",
    "short ton-mile": "short ton-mile",
    "ton-mile": "short ton-mile",
    "room per night": "room-night",
    "room nights": "room-night",
    "room-nights": "room-night",
    "night": "room-night",
    "nights": "room-night",
    "therms": "therm",
    "cubic metres": "m3",
    "m³": "m3",
    "vehicle mile": "vehicle-mile",
}


def normalise_unit(unit: str) -> str:
    """Canonical spelling: case, plurals and DEFRA's "(Gross CV)" style suffixes removed."""
    text = re.sub(r"\s*\((gross|net) cv\)|\s*\(net\)|\s*\(gross\)", "", unit.strip().lower())
    text = re.sub(r"\s+", " ", text)
    return _ALIASES.get(text, text)


def convert(amount: float, from_unit: str, to_unit: str) -> float:
    """``amount`` in ``from_unit`` expressed in ``to_unit``."""
    source, target = normalise_unit(from_unit), normalise_unit(to_unit)
    if source == target:
        return amount
    if source not in _UNITS or target not in _UNITS:
        unknown = from_unit if source not in _UNITS else to_unit
        raise UnsupportedConversionError(f"unknown unit '{unknown}'")
    (dim_a, size_a), (dim_b, size_b) = _UNITS[source], _UNITS[target]
    if dim_a != dim_b:
        raise UnsupportedConversionError(
            f"cannot convert {from_unit} ({dim_a}) to {to_unit} ({dim_b})"
        )
    return amount * size_a / size_b
