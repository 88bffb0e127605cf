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
        """CO2e per unit under ``gwp_set``: recomputed from gases when they are known.

        Without a gas breakdown the published value (on ``basis``) is the only one there is.
        """
        if not self.has_gas_breakdown:
            return self.kg_co2e_per_unit
        return sum(m * gwp(s, gwp_set) for s, m in self.gases_kg_per_unit.items())


@dataclass(frozen=True)
class FactorSetData:
    """What an importer reads from a publisher's file."""

    info: FactorSetInfo
    factors: tuple[EmissionFactor, ...]
    source_files: tuple[str, ...] = ()
