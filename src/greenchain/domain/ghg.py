"""Greenhouse gases, their species and global warming potentials (GWP100).

The GHG Protocol Corporate Standard covers seven gases or gas families: CO2, CH4, N2O,
hydrofluorocarbons (HFCs), perfluorocarbons (PFCs), SF6 and NF3. Emissions are reported by
species where known and converted to CO2-equivalent with a *named* GWP set. The GWP tables come
from the ``globalwarmingpotentials`` package (IPCC AR4, AR5 and AR6 100-year values); AR5 is the
default because the EPA and DEFRA factor sets are published on it.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

import globalwarmingpotentials

from greenchain.domain.errors import InvalidDataError


class Gas(StrEnum):
    """The seven Kyoto gases or families, plus CO2e reported without a gas breakdown."""

    CO2 = "CO2"
    CH4 = "CH4"
    N2O = "N2O"
    HFCS = "HFCs"
    PFCS = "PFCs"
    SF6 = "SF6"
    NF3 = "NF3"
    UNSPECIFIED = "unspecified"


KYOTO_GASES: tuple[Gas, ...] = tuple(g for g in Gas if g is not Gas.UNSPECIFIED)


class GwpSet(StrEnum):
    AR4 = "AR4"
    AR5 = "AR5"
    AR6 = "AR6"

    @classmethod
    def parse(cls, text: str) -> GwpSet:
        cleaned = text.strip().upper().removesuffix("GWP100").removesuffix("-GWP100")
        try:
            return cls(cleaned)
        except ValueError:
            names = ", ".join(s.value for s in cls)
            raise InvalidDataError(f"unknown GWP set '{text}'; use one of {names}") from None


DEFAULT_GWP_SET = GwpSet.AR5

#: Species already expressed in kg CO2e by their publisher (no GWP applies).
CO2E_SPECIES = "CO2e"

_PFC_SPECIES = frozenset(
    {"CF4", "C2F6", "C3F8", "C4F10", "cC4F8", "C5F12", "C6F14", "C7F16", "C8F18", "C10F18", "cC3F6"}
)


@functools.cache
def gas_of_species(species: str) -> Gas:
    """The reporting gas family of one species (``HFC134a`` -> HFCs, ``CF4`` -> PFCs)."""
    if species == "CO2":
        return Gas.CO2
    if species in ("CH4", "N2O", "SF6", "NF3"):
        return Gas(species)
    if species.startswith("HFC"):
        return Gas.HFCS
    if species in _PFC_SPECIES:
        return Gas.PFCS
    if species == CO2E_SPECIES:
        return Gas.UNSPECIFIED
    raise InvalidDataError(f"species '{species}' is not one of the seven GHG Protocol gases")


#: Common names used by the EPA and DEFRA files, mapped to the package's species keys.
SPECIES_BY_NAME: Mapping[str, str] = MappingProxyType(
    {
        "carbon dioxide": "CO2",
        "co2": "CO2",
        "methane": "CH4",
        "ch4": "CH4",
        "nitrous oxide": "N2O",
        "n2o": "N2O",
        "sulfur hexafluoride": "SF6",
        "sulphur hexafluoride": "SF6",
        "sf6": "SF6",
        "nitrogen trifluoride": "NF3",
        "nf3": "NF3",
        "carbon tetrafluoride": "CF4",
        "hexafluoroethane": "C2F6",
        "perfluoropropane": "C3F8",
        "perfluorobutane": "C4F10",
        "perfluorocyclobutane": "cC4F8",
        "perfluoropentane": "C5F12",
        "perfluorohexane": "C6F14",
        # the PFC industrial designations (EPA Emission Factors Hub 2025, Table 11)
        "pfc-14": "CF4",
        "pfc-116": "C2F6",
        "pfc-218": "C3F8",
        "pfc-318": "cC4F8",
        "pfc-31-10": "C4F10",
        "pfc-41-12": "C5F12",
        "pfc-51-14": "C6F14",
        "pfc-91-18": "C10F18",
        "c-c4f8": "cC4F8",
        "chf3": "HFC23",
        "hfcs and pfcs, unspecified": CO2E_SPECIES,
    }
)


def species_from_name(name: str) -> str:
    """Normalise a publisher's gas name (``"HFC-134a"``, ``"Methane"``) to a species key."""
    key = name.strip().lower()
    if key in SPECIES_BY_NAME:
        return SPECIES_BY_NAME[key]
    compact = name.strip().replace("-", "").replace(" ", "")
    if compact.upper().startswith("HFC"):
        return "HFC" + compact[3:]
    if compact in _PFC_SPECIES:
        return compact
    raise InvalidDataError(f"unknown greenhouse gas '{name}'")


@functools.cache  # a calculation asks for the same few species thousands of times
def gwp(species: str, gwp_set: GwpSet) -> float:
    """100-year GWP of ``species`` in ``gwp_set`` (kg CO2e per kg of gas)."""
    if species in ("CO2", CO2E_SPECIES):
        return 1.0
    table = globalwarmingpotentials.data[f"{gwp_set.value}GWP100"]
    value = table.get(species)
    if value is None:
        raise InvalidDataError(f"no {gwp_set.value} GWP100 value for species '{species}'")
    return float(value)


def gwp_table(gwp_set: GwpSet, species: set[str] | frozenset[str]) -> dict[str, float]:
    """GWP100 of each species in ``species`` (CO2 and pre-converted CO2e count 1)."""
    return {s: gwp(s, gwp_set) for s in species}


def to_co2e_kg(gases_kg: Mapping[str, float], gwp_set: GwpSet) -> dict[Gas, float]:
    """Convert masses by species (kg gas) into kg CO2e by reporting gas family.

    ``CO2e`` entries are already CO2-equivalent and land in ``Gas.UNSPECIFIED``.
    """
    result: dict[Gas, float] = dict.fromkeys(Gas, 0.0)
    for species, mass_kg in gases_kg.items():
        result[gas_of_species(species)] += mass_kg * gwp(species, gwp_set)
    return result
