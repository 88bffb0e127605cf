"""Unit conversion for activity data.

Every unit belongs to one dimension and has a size in that dimension's base unit; converting is
``amount x size(from) / size(to)`` and only works within a dimension.

=====================  ===============  =====================================================
dimension              base unit        other units
=====================  ===============  =====================================================
energy                 kWh              Wh, MWh, GWh, MJ, GJ, Btu, mmBtu, therm
volume                 litre            m3, million litres, US gallon, imperial gallon, scf
mass                   kg               g, tonne (t), lb, short ton
distance               km               m, mile (vehicle-km and vehicle-mile are distances)
passenger distance     passenger-km     passenger-mile
freight                tonne-km         short ton-mile
room nights            room-night
=====================  ===============  =====================================================

Conversion constants are exact definitions (NIST Special Publication 811, 2008 edition,
Appendix B, and NIST Handbook 44 Appendix C):

* 1 international mile = 1609.344 m; 1 foot = 0.3048 m, so 1 cubic foot = 0.028316846592 m3;
* 1 US gallon = 231 cubic inches = 3.785411784 litres; 1 imperial gallon = 4.54609 litres;
* 1 avoirdupois pound = 0.45359237 kg; 1 short ton = 2000 lb = 907.18474 kg;
* 1 Btu (International Table) = 1055.05585262 J, so 1 mmBtu = 10^6 Btu = 293.07107017... kWh;
  1 therm = 100,000 Btu (IT) (the definition US gas utilities and the UK use);
* 1 kWh = 3.6 MJ.

``scf`` (standard cubic foot) converts as a geometric cubic foot; the standard conditions of EPA
(60 degF) and of DEFRA's cubic metres (15 degC) differ by 0.2 %, which this ignores.

Spelling is normalised before lookup: case, plurals (``litres``, ``miles``), separators
(``tonne.km``, ``tonne km``, ``tonne-km``), and the heating-value suffixes DEFRA writes after
energy units (``kWh (Gross CV)``, ``kWh (Net CV)``, ``kWh (net)``) are understood as the bare
unit. A gross-CV and a net-CV kWh are *not* the same amount of fuel: choose a factor on the same
basis as the activity data (the activity catalogue uses gross CV, as EPA's HHV factors do).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from greenchain.domain.errors import UnsupportedConversionError

MILE_KM = 1.609344
FOOT_M = 0.3048
CUBIC_FOOT_LITRE = 28.316846592  # 0.3048 m cubed, in litres
US_GALLON_LITRE = 3.785411784
IMPERIAL_GALLON_LITRE = 4.54609
LB_KG = 0.45359237
SHORT_TON_KG = 2000 * LB_KG  # 907.18474
BTU_J = 1055.05585262
KWH_J = 3.6e6
MMBTU_KWH = BTU_J * 1e6 / KWH_J  # 293.07107017...
THERM_KWH = BTU_J * 1e5 / KWH_J  # 29.307107017...


@dataclass(frozen=True)
class Unit:
    """One known unit: display ``name``, ``dimension`` and ``size`` in the base unit."""

    name: str
    dimension: str
    size: float


_ENERGY, _VOLUME, _MASS = "energy", "volume", "mass"
_DISTANCE, _PASSENGER, _FREIGHT, _ROOMS = (
    "distance",
    "passenger distance",
    "freight",
    "room nights",
)

_KNOWN: tuple[tuple[Unit, tuple[str, ...]], ...] = (
    # (unit, other spellings after normalisation)
    (Unit("kWh", _ENERGY, 1.0), ("kilowatt-hour",)),
    (Unit("Wh", _ENERGY, 1e-3), ("watt-hour",)),
    (Unit("MWh", _ENERGY, 1e3), ("megawatt-hour",)),
    (Unit("GWh", _ENERGY, 1e6), ("gigawatt-hour",)),
    (Unit("MJ", _ENERGY, 1e6 / KWH_J), ("megajoule",)),
    (Unit("GJ", _ENERGY, 1e9 / KWH_J), ("gigajoule",)),
    (Unit("Btu", _ENERGY, BTU_J / KWH_J), ()),
    (Unit("mmBtu", _ENERGY, MMBTU_KWH), ("million-btu",)),
    (Unit("therm", _ENERGY, THERM_KWH), ("thm",)),
    (Unit("litre", _VOLUME, 1.0), ("liter", "l")),
    (Unit("m3", _VOLUME, 1000.0), ("cubic-metre", "cubic-meter", "m³")),
    (Unit("million litres", _VOLUME, 1e6), ("million-liter",)),
    (Unit("gallon", _VOLUME, US_GALLON_LITRE), ("us-gallon", "gallon-us", "gal")),
    (Unit("imperial gallon", _VOLUME, IMPERIAL_GALLON_LITRE), ("uk-gallon", "gallon-imperial")),
    (Unit("scf", _VOLUME, CUBIC_FOOT_LITRE), ("standard-cubic-foot", "ft3", "cubic-foot")),
    (Unit("kg", _MASS, 1.0), ("kilogram",)),
    (Unit("g", _MASS, 1e-3), ("gram",)),
    (Unit("tonne", _MASS, 1000.0), ("t", "metric-ton", "metric-tonne")),
    (Unit("lb", _MASS, LB_KG), ("pound", "lbs")),
    (Unit("short ton", _MASS, SHORT_TON_KG), ("ton-short", "us-ton")),
    (Unit("km", _DISTANCE, 1.0), ("kilometre", "kilometer", "vehicle-km", "vkm")),
    (Unit("m", _DISTANCE, 1e-3), ("metre", "meter")),
    (Unit("mile", _DISTANCE, MILE_KM), ("mi", "vehicle-mile")),
    (Unit("passenger-km", _PASSENGER, 1.0), ("pkm", "p-km", "passenger-kilometre")),
    (Unit("passenger-mile", _PASSENGER, MILE_KM), ("pmi", "passenger-mi")),
    (Unit("tonne-km", _FREIGHT, 1.0), ("t-km", "tkm", "tonne-kilometre")),
    (
        Unit("short ton-mile", _FREIGHT, SHORT_TON_KG / 1000.0 * MILE_KM),
        ("ton-mile", "short-ton-mi"),
    ),
    (Unit("room-night", _ROOMS, 1.0), ("room-per-night", "night", "room", "hotel-night")),
)

_BY_KEY: Mapping[str, Unit] = MappingProxyType(
    {
        key: unit
        for unit, aliases in _KNOWN
        for key in (re.sub(r"[\s._]+", "-", unit.name.lower()), *aliases)
    }
)

_HEATING_VALUE = re.compile(r"\(\s*(?:(?:gross|net)(?:\s+cv)?|[hl]hv)\s*\)")
_NOT_PLURAL = frozenset({"us", "gas", "lbs"})


def _key(unit: str) -> str:
    text = _HEATING_VALUE.sub(" ", unit.strip().lower())
    text = text.replace("(us)", "us").replace("(imperial)", "imperial")
    return re.sub(r"[\s._/]+", "-", text).strip("-")


def _singular(word: str) -> str:
    if len(word) > 2 and word.endswith("s") and word not in _NOT_PLURAL:
        return word[:-1]
    return word


def _lookup(unit: str) -> Unit | None:
    key = _key(unit)
    if key in _BY_KEY:
        return _BY_KEY[key]
    # plurals: "litres", "short tons", "passenger-miles", "room-nights", "gallons (US)"
    return _BY_KEY.get("-".join(_singular(w) for w in key.split("-")))


def normalise_unit(unit: str) -> str:
    """Canonical lower-case key of ``unit`` (``"kWh (Gross CV)"`` -> ``"kwh"``).

    Units outside the table keep their own normalised spelling, so two spellings of the same
    unknown unit still compare equal.
    """
    found = _lookup(unit)
    return found.name.lower() if found is not None else _key(unit)


def find_unit(unit: str) -> Unit | None:
    """The known unit ``unit`` spells, or None."""
    return _lookup(unit)


def known_units() -> list[str]:
    """Display names of every unit :func:`convert` understands."""
    return [unit.name for unit, _ in _KNOWN]


def can_convert(from_unit: str, to_unit: str) -> bool:
    """Whether :func:`convert` turns ``from_unit`` into ``to_unit``."""
    if normalise_unit(from_unit) == normalise_unit(to_unit):
        return True
    source, target = _lookup(from_unit), _lookup(to_unit)
    return source is not None and target is not None and source.dimension == target.dimension


def convert(amount: float, from_unit: str, to_unit: str) -> float:
    """``amount`` of ``from_unit`` expressed in ``to_unit`` (exact NIST definitions).

    Identical spellings (after normalisation) convert one to one even when the unit is not in
    the table (``USD``, ``per FTE Working Hour``). Raises :class:`UnsupportedConversionError`
    for an unknown unit or units of different dimensions.
    """
    if normalise_unit(from_unit) == normalise_unit(to_unit):
        return amount
    source, target = _lookup(from_unit), _lookup(to_unit)
    for given, found in ((from_unit, source), (to_unit, target)):
        if found is None:
            raise UnsupportedConversionError(
                f"unknown unit '{given}'; known units: {', '.join(known_units())}"
            )
    assert source is not None and target is not None
    if source.dimension != target.dimension:
        raise UnsupportedConversionError(
            f"cannot convert {from_unit} ({source.dimension}) to {to_unit} ({target.dimension})"
        )
    return amount * source.size / target.size
