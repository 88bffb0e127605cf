"""Custom factor sets in a calculation: which activity rows they calculate.

A custom factor (``greenchain factors import-custom``) for an activity and country wins over
the built-in factors: the one of the reporting year, else of the latest earlier year (its
year rates the line's temporal quality). A row can also name one as ``<set>:<factor id>``.
``electricity_residual_mix`` factors are the residual mix of their country for market-based
Scope 2 (GHG Protocol Scope 2 Guidance, 6.11: electricity no instrument covers).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from greenchain.domain.activities import CATALOGUE, USE_PHASE_ACTIVITIES
from greenchain.domain.errors import InvalidDataError, NotFoundError
from greenchain.domain.factors import EmissionFactor, FactorSetInfo
from greenchain.services.context import Context
from greenchain.services.factors import SPEND_ACTIVITY, custom_set_keys

RESIDUAL_MIX = "electricity_residual_mix"


@dataclass(frozen=True)
class CustomChoice:
    info: FactorSetInfo
    factor: EmissionFactor
    scope: str
    scope3_category: int | None
    year: int


@dataclass
class CustomFactors:
    """The custom sets of the workspace, indexed by activity and country."""

    sets: dict[str, tuple[FactorSetInfo, dict[str, EmissionFactor]]] = field(default_factory=dict)
    by_place: dict[tuple[str, str], list[tuple[FactorSetInfo, EmissionFactor]]] = field(
        default_factory=dict
    )

    @classmethod
    def load(cls, ctx: Context) -> CustomFactors:
        found = cls()
        for key in custom_set_keys(ctx):
            info, factors = ctx.workspace.get_factor_set(key)
            found.sets[key] = (info, {f.factor_id: f for f in factors})
            for f in factors:
                place = (f.name, (f.region or "*").upper())
                found.by_place.setdefault(place, []).append((info, f))
        return found

    def named(self, activity: str) -> tuple[FactorSetInfo, EmissionFactor] | None:
        """The factor a row names as ``<custom set>:<factor id>``, if it names one."""
        set_key, _, factor_id = activity.strip().partition(":")
        if set_key not in self.sets or not factor_id:
            return None
        info, by_id = self.sets[set_key]
        if factor_id not in by_id:
            raise NotFoundError(f"factor '{factor_id}' not in factor set '{set_key}'")
        return info, by_id[factor_id]

    def for_place(
        self, activity: str, country: str, year: int
    ) -> tuple[FactorSetInfo, EmissionFactor] | None:
        """The custom factor of ``activity`` in ``country`` (or its country of a subregion,
        or anywhere) for ``year``: that year's, else the latest earlier one."""
        country = country.upper()
        for place in (country, country.split("-")[0], "*"):
            usable = [
                (info, f)
                for info, f in self.by_place.get((activity, place), [])
                if int(f.extra.get("year", 0)) <= year
            ]
            if usable:
                return max(usable, key=lambda pair: pair[1].extra.get("year", 0))
        return None

    def choose(self, activity: str, country: str, year: int) -> CustomChoice | None:
        """The custom factor an activity row is calculated with, or None for the built-ins."""
        named = self.named(activity)
        name = activity.strip().lower()
        if named is None:
            if not self.by_place:
                return None
            # sold products use the electricity of their country
            lookup = "electricity" if name in USE_PHASE_ACTIVITIES else name
            named = self.for_place(lookup, country, year)
            if named is None:
                return None
        info, factor = named
        given = factor.extra.get("scope3_category")
        category = int(given) if given is not None else None
        # the built-in activity of the row, or of the factor a row names directly
        builtin = CATALOGUE.get(name) or CATALOGUE.get(factor.name)
        if name in USE_PHASE_ACTIVITIES:
            scope, category = "3", CATALOGUE[name].scope3_category
        elif factor.scope:
            scope = factor.scope
        elif builtin is not None:
            scope = builtin.scope
        else:
            raise InvalidDataError(
                f"custom factor '{factor.factor_id}' has no scope; give its scope column"
            )
        if scope == "3" and category is None and builtin is not None:
            category = builtin.scope3_category
        return CustomChoice(
            info,
            factor,
            scope,
            category if scope == "3" else None,
            int(factor.extra.get("year", 0)) or (info.reference_year or year),
        )

    def spend_factors(self, year: int) -> list[tuple[FactorSetInfo, EmissionFactor]]:
        """The regional spend-based factors for ``year``: per country and NAICS code, that
        year's factor, else the latest earlier one."""
        best: dict[tuple[str, int], tuple[FactorSetInfo, EmissionFactor]] = {}
        for (activity, country), found in self.by_place.items():
            if activity != SPEND_ACTIVITY:
                continue
            for info, factor in found:
                factor_year = int(factor.extra.get("year", 0))
                naics = int(factor.extra.get("naics", 0))
                if factor_year > year or not naics:
                    continue
                held = best.get((country, naics))
                if held is None or factor_year > int(held[1].extra.get("year", 0)):
                    best[(country, naics)] = (info, factor)
        return [best[k] for k in sorted(best)]

    def residual_mix(self, country: str, year: int) -> tuple[FactorSetInfo, EmissionFactor] | None:
        return self.for_place(RESIDUAL_MIX, country, year)
