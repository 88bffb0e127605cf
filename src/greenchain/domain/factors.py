"""Emission factors and versioned factor sets.

A factor converts one unit of activity data (a USD of purchases, a kWh, a passenger-mile) into
emissions. Where the publisher gives a gas breakdown we keep the mass of each species per unit
so that any GWP set can be applied; ``kg_co2e_per_unit`` keeps the published CO2e value on the
set's own GWP basis.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from greenchain.domain.ghg import CO2E_SPECIES, GwpSet, gwp


class FactorKind(StrEnum):
    EEIO = "eeio"  # environmentally extended input-output: kg CO2e per currency unit
    FUEL = "fuel"
    ELECTRICITY = "electricity"
    STEAM = "steam"
    TRAVEL = "travel"
    FREIGHT = "freight"
    WASTE = "waste"
    MATERIAL = "material"
    REFRIGERANT = "refrigerant"
    OTHER = "other"


@dataclass(frozen=True)
class FactorSetInfo:
    """Provenance of a published factor set.

    ``currency`` and ``price_year`` apply to spend-based (EEIO) sets: spend must be converted to
    that currency and deflated to that year before the factor applies.
    """

    key: str
    name: str
    version: str
    publisher: str
    source_url: str
    licence: str
    gwp_basis: GwpSet
    currency: str | None = None
    price_year: int | None = None
    price_basis: str | None = None
    reference_year: int | None = None


_EMPTY: Mapping[str, float] = MappingProxyType({})


@dataclass(frozen=True)
class EmissionFactor:
    """One factor: emissions per ``unit`` of activity data.

    ``gases_kg_per_unit`` maps species (``CO2``, ``CH4``, ``HFC134a``...) to kg of gas per unit;
    the species ``CO2e`` holds amounts the publisher gave only as CO2e. ``extra`` keeps other
    published columns (for the EPA set: ``without_margins`` and ``margins``).
    """

    factor_id: str
    name: str
    unit: str
    kg_co2e_per_unit: float
    kind: FactorKind
    region: str | None = None
    scope: str | None = None
    gases_kg_per_unit: Mapping[str, float] = field(default_factory=lambda: _EMPTY)
    extra: Mapping[str, float] = field(default_factory=lambda: _EMPTY)

    @property
    def has_gas_breakdown(self) -> bool:
        return any(s != CO2E_SPECIES for s in self.gases_kg_per_unit)

    def kg_co2e_per_unit_with(self, gwp_set: GwpSet, basis: GwpSet) -> float:
        """CO2e per unit under ``gwp_set``.

        On the set's own GWP ``basis`` this is the published value. Under another GWP set the
        gas breakdown re-weights it: the published value times (gases x ``gwp_set``) / (gases x
        ``basis``), so a rounded breakdown never moves the published figure (EPA v1.3 publishes
        the by-gas file rounded: 557 of its 1,016 NAICS codes sum to more than 0.1 % off the
        CO2e file). Without a gas breakdown the published value is the only one there is.
        """
        return sum(self.kg_co2e_by_species(gwp_set, basis).values())

    def kg_co2e_by_species(self, gwp_set: GwpSet, basis: GwpSet) -> dict[str, float]:
        """kg CO2e per unit by species under ``gwp_set``, proportional to the published CO2e.

        Each species' mass x GWP is scaled by published CO2e / (gases x ``basis`` GWPs), so on
        ``basis`` the parts add up to the published value exactly and under another set they
        are re-weighted from it. Without a gas breakdown: all of it under ``CO2e``.
        """
        if not self.has_gas_breakdown:
            return {CO2E_SPECIES: self.kg_co2e_per_unit}
        on_basis = sum(m * gwp(s, basis) for s, m in self.gases_kg_per_unit.items())
        scale = self.kg_co2e_per_unit / on_basis if on_basis else 1.0
        return {s: m * gwp(s, gwp_set) * scale for s, m in self.gases_kg_per_unit.items()}


@dataclass(frozen=True)
class FactorSetData:
    """What an importer reads from a publisher's file."""

    info: FactorSetInfo
    factors: tuple[EmissionFactor, ...]
    source_files: tuple[str, ...] = ()
