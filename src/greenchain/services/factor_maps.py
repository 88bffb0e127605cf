"""The factor maps of a calculation: per distinct activity key, material, market and sector,
the factor, scope and kg CO2e per unit by gas column that the engine joins to the rows.

Built-in factors (DEFRA, EPA, the world grid), the workspace's custom sets and the fixed
tables in the code (40 CFR 98 Table I-20, DEFRA waste and material names) are resolved here
once per key, so a million rows need only as many resolutions as they have distinct keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from greenchain.domain.activities import (
    CATALOGUE,
    GAS_ACTIVITIES,
    SOLD_UNITS,
    UPSTREAM_REGION,
    USE_PHASE_ACTIVITIES,
    WASTE_ACTIVITIES,
    WORLD_GRID_SET,
    material_factor_id,
    resolve_activity,
    scope_of_factor,
    upstream_parts,
    waste_factor_id,
)
from greenchain.domain.energy import (
    FuelKey,
    biogenic_co2_kg_per_unit,
    fuel_energy_mwh_per_unit,
    outside_of_scopes,
)
from greenchain.domain.errors import (
    GreenchainError,
    InvalidDataError,
    NotFoundError,
)
from greenchain.domain.factors import EmissionFactor, FactorSetInfo
from greenchain.domain.fgases import SUBPART_I_INFO, SUBPART_I_SET, process_gas_factor
from greenchain.domain.ghg import Gas, GwpSet, gas_of_species
from greenchain.domain.units import convert
from greenchain.services.context import Context
from greenchain.services.custom_factors import CustomFactors

#: What distinguishes activity rows for their factor: activity, country, unit, gas, process,
#: abatement, material and treatment ('' and 0.0 where a row has none).
ActivityKey = tuple[str, str, str, str, str, float, str, str]

_GAS_COLUMN = {
    Gas.CO2: "kg_co2",
    Gas.CH4: "kg_ch4",
    Gas.N2O: "kg_n2o",
    Gas.HFCS: "kg_hfcs",
    Gas.PFCS: "kg_pfcs",
    Gas.SF6: "kg_sf6",
    Gas.NF3: "kg_nf3",
    Gas.UNSPECIFIED: "kg_unspecified",
}


def factor_gas_columns(
    factor: EmissionFactor, gwp_set: GwpSet, basis: GwpSet = GwpSet.AR5
) -> dict[str, float]:
    """kg CO2e per unit of ``factor`` by gas column under ``gwp_set``.

    On the factor set's GWP ``basis`` the columns add up to the published CO2e value; under
    another set the gas breakdown re-weights it, the split staying proportional to the
    published value (``EmissionFactor.kg_co2e_by_species``). Without a breakdown the published
    value is all there is and goes under ``unspecified``.
    """
    columns = dict.fromkeys(_GAS_COLUMN.values(), 0.0)
    for species, kg in factor.kg_co2e_by_species(gwp_set, basis).items():
        columns[_GAS_COLUMN[gas_of_species(species)]] += kg
    return columns


@dataclass
class _FactorCache:
    ctx: Context
    sets: dict[str, tuple[FactorSetInfo, dict[str, EmissionFactor]]]
    #: DEFRA's "Outside of scopes" factors by (fuel, unit), read once when first needed
    outside: dict[FuelKey, EmissionFactor] | None = None

    def factors(self, set_key: str) -> list[EmissionFactor]:
        """Every factor of a set."""
        if set_key not in self.sets:
            info, factors = self.ctx.workspace.get_factor_set(set_key)
            self.sets[set_key] = (info, {f.factor_id: f for f in factors})
        return list(self.sets[set_key][1].values())

    def biogenic_co2(self, info: FactorSetInfo, factor: EmissionFactor) -> float:
        """kg of biogenic CO2 per unit of a built-in factor (0 for a fossil fuel)."""
        companions = {}
        if info.key == "defra-2025":
            if self.outside is None:
                self.outside = outside_of_scopes(self.factors("defra-2025"))
            companions = self.outside
        return biogenic_co2_kg_per_unit(factor, companions)

    def get(self, set_key: str, factor_id: str) -> tuple[FactorSetInfo, EmissionFactor]:
        if set_key == SUBPART_I_SET:  # built from 40 CFR 98 Table I-20 in the code
            return SUBPART_I_INFO, process_gas_factor(factor_id)
        if set_key not in self.sets:
            info, factors = self.ctx.workspace.get_factor_set(set_key)
            self.sets[set_key] = (info, {f.factor_id: f for f in factors})
        info, by_id = self.sets[set_key]
        if factor_id not in by_id:
            if set_key == WORLD_GRID_SET:
                region = factor_id.partition(":")[2]
                raise NotFoundError(
                    f"no grid electricity factor for '{region}': no location-based factor for "
                    "it and none in the world grid set; import a national factor"
                )
            raise NotFoundError(f"factor '{factor_id}' not in factor set '{set_key}'")
        return info, by_id[factor_id]


def activity_map(
    ctx: Context, keys: list[ActivityKey], gwp_set: GwpSet, year: int, custom: CustomFactors
) -> tuple[list[dict[str, Any]], set[str]]:
    """Per distinct (activity, country, unit, gas, process, abatement) of the year's activity
    rows: the factor, scope and kg CO2e per unit by gas column, or why there is none."""
    cache = _FactorCache(ctx, {})
    rows: list[dict[str, Any]] = []
    used_sets: set[str] = set()
    for activity, country, unit, gas, process, abatement, material, treatment in keys:
        row: dict[str, Any] = {
            "activity": activity,
            "country": country,
            "unit": unit,
            "gas": gas,
            "process": process,
            "abatement": abatement,
            "material": material,
            "treatment": treatment,
            "note": None,
        }
        name = activity.strip().lower()
        use_phase = name in USE_PHASE_ACTIVITIES
        try:
            choice = None if name in GAS_ACTIVITIES else custom.choose(activity, country, year)
            if choice is not None:
                if use_phase and unit.strip().lower() not in SOLD_UNITS:
                    raise InvalidDataError(f"{name} counts units sold; use the unit 'unit'")
                info, factor = choice.info, choice.factor
                # a use-phase row is per unit sold: the engine multiplies by its lifetime kWh
                multiplier = 1.0 if use_phase else convert(1.0, unit, factor.unit)
                scope, category, factor_year = choice.scope, choice.scope3_category, choice.year
                biogenic = 0.0  # a custom factor is taken as given
                category_error = (
                    f"{activity}: custom factor '{factor.factor_id}' is Scope 3 without a "
                    "category; give it or the row a scope3_category (1 to 15)"
                    if scope == "3" and category is None
                    else None
                )
            else:
                info, factor, scope, category, category_error = _builtin(
                    cache, activity, country, unit, gas, process, abatement, material, treatment
                )
                multiplier = 1.0 if use_phase else convert(1.0, unit, factor.unit)
                factor_year = info.reference_year or year
                biogenic = 0.0 if scope != "1" else cache.biogenic_co2(info, factor)
        except GreenchainError as exc:
            what = f"{country}, {unit}, {gas}" if gas else f"{country}, {unit}"
            row["error"] = f"{activity} ({what}): {exc.message}"
            rows.append(row)
            continue
        used_sets.add(f"{info.key} {info.version}")
        region = (factor.region or "").upper()
        row.update(
            scope=scope,
            scope3_category=category,
            factor_set=info.key,
            factor_id=factor.factor_id,
            factor_unit=factor.unit,
            multiplier=multiplier,
            use_phase=use_phase,
            lifecycle=bool(factor.extra.get("lifecycle")) or info.key == WORLD_GRID_SET,
            region_matches=bool(region) and (country == region or country.startswith(region)),
            factor_year=factor_year,
            error=None,
            category_error=category_error,
            note=(
                _gas_note(factor, info, gwp_set)
                if name in GAS_ACTIVITIES
                else _world_grid_note(factor)
                if info.key == WORLD_GRID_SET
                else None
            ),
            **factor_gas_columns(factor, gwp_set, info.gwp_basis),
            kg_biogenic_co2=biogenic,
            **_energy_columns(activity, unit),
        )
        rows.append(row)
    return rows, used_sets


def _energy_columns(activity: str, unit: str) -> dict[str, Any]:
    """The ESRS AR 34 fuel group of an activity and the MWh one unit of it holds (none for
    what is not a fuel)."""
    found = fuel_energy_mwh_per_unit(activity, unit)
    group, per_unit = found if found is not None else (None, None)
    return {"energy_group": group, "energy_mwh_per_unit": per_unit}


def _builtin(
    cache: _FactorCache,
    activity: str,
    country: str,
    unit: str,
    gas: str,
    process: str,
    abatement: float,
    material: str,
    treatment: str,
) -> tuple[FactorSetInfo, EmissionFactor, str, int | None, str | None]:
    """The built-in factor of an activity key: its set, factor, scope, category and, for a
    Scope 3 factor whose category the row must give, why it has none."""
    name = activity.strip().lower()
    if name in WASTE_ACTIVITIES:
        if not material or not treatment:
            raise InvalidDataError(f"{name} needs the material and treatment columns")
        factor_id = waste_factor_id(cache.factors("defra-2025"), material, treatment)
        info, factor = cache.get("defra-2025", factor_id)
        definition = CATALOGUE[name]
        return info, factor, definition.scope, definition.scope3_category, None
    resolved = resolve_activity(activity, country, unit, gas or None, process or None, abatement)
    info, factor = cache.get(resolved.factor.set_key, resolved.factor.factor_id)
    if resolved.scope is not None:
        return info, factor, resolved.scope, resolved.scope3_category, None
    # a factor named directly reports under its own scope
    try:
        scope, category = scope_of_factor(factor)
    except InvalidDataError as exc:
        if (factor.scope or "").strip() != "3":
            raise
        # a row that gives its scope3_category is calculated; the others not
        return info, factor, "3", None, f"{activity}: {exc.message}"
    return info, factor, scope, category, None


def regional_eeio(
    ctx: Context, gwp_set: GwpSet, year: int, custom: CustomFactors
) -> tuple[list[dict[str, Any]], set[str]]:
    """Imported regional spend-based factors (country x NAICS, kg CO2e per USD of their
    year), each with its CPI ratio to ``year``: used for suppliers of that country before
    the US EEIO factor."""
    rows: list[dict[str, Any]] = []
    used: set[str] = set()
    cpi_spend, _ = ctx.conversions.cpi_index(year)
    for info, factor in custom.spend_factors(year):
        factor_year = int(factor.extra["year"])
        cpi_factor, _ = ctx.conversions.cpi_index(factor_year)
        used.add(f"{info.key} {info.version}")
        rows.append(
            {
                "country": str(factor.region),
                "naics_code": str(int(factor.extra["naics"])),
                "factor_set": info.key,
                "factor_id": factor.factor_id,
                "factor_year": factor_year,
                "cpi_ratio": cpi_factor / cpi_spend,
                **factor_gas_columns(factor, gwp_set, info.gwp_basis),
            }
        )
    return rows, used


def material_map(
    ctx: Context, keys: list[tuple[str, str]], gwp_set: GwpSet
) -> tuple[list[dict[str, Any]], set[str]]:
    """Per (material, unit) of the purchase lines: the DEFRA material-use factor per unit by
    gas column, or why the material cannot be used (the line stays spend-based, saying so)."""
    cache = _FactorCache(ctx, {})
    rows: list[dict[str, Any]] = []
    used: set[str] = set()
    for material, unit in keys:
        row: dict[str, Any] = {"material": material, "unit": unit}
        try:
            factor_id = material_factor_id(cache.factors("defra-2025"), material)
            info, factor = cache.get("defra-2025", factor_id)
            per_unit = convert(1.0, unit, factor.unit)
        except GreenchainError as exc:
            rows.append(row | {"error": exc.message})
            continue
        used.add(f"{info.key} {info.version}")
        gases = factor_gas_columns(factor, gwp_set, info.gwp_basis)
        rows.append(
            row
            | {
                "factor_set": info.key,
                "factor_id": factor.factor_id,
                "factor_year": info.reference_year,
                "error": None,
            }
            | {column: value * per_unit for column, value in gases.items()}
        )
    return rows, used


def residual_mix(
    ctx: Context,
    activity_map: list[dict[str, Any]],
    gwp_set: GwpSet,
    year: int,
    custom: CustomFactors,
) -> tuple[list[dict[str, Any]], set[str]]:
    """The imported residual mix of each market the year's Scope 2 electricity is in, per
    kWh by gas column."""
    markets = sorted({str(m["country"]).upper()[:2] for m in activity_map if m.get("scope") == "2"})
    rows: list[dict[str, Any]] = []
    used: set[str] = set()
    for market in markets:
        found = custom.residual_mix(market, year)
        if found is None:
            continue
        info, factor = found
        per_kwh = convert(1.0, "kWh", factor.unit)
        used.add(f"{info.key} {info.version}")
        gases = factor_gas_columns(factor, gwp_set, info.gwp_basis)
        rows.append(
            {"market": market, "factor_set": info.key, "factor_id": factor.factor_id}
            | {column: value * per_kwh for column, value in gases.items()}
        )
    return rows, used


def upstream_map(
    ctx: Context, activity_map: list[dict[str, Any]], gwp_set: GwpSet, year: int
) -> tuple[list[dict[str, Any]], set[str]]:
    """The category 3 lines of the calculated fuel and electricity activities: per activity
    key and part, the DEFRA factor per unit of the activity (a proxy outside the UK)."""
    cache = _FactorCache(ctx, {})
    rows: list[dict[str, Any]] = []
    used: set[str] = set()
    for mapped in activity_map:
        if mapped.get("error") or mapped.get("scope") not in ("1", "2"):
            continue
        country = str(mapped["country"]).upper()
        for part, ref in upstream_parts(str(mapped["activity"]), str(mapped["unit"])):
            if part.part == "wtt" and mapped.get("lifecycle"):
                continue  # a life-cycle grid factor holds the generation's upstream already
            try:
                info, factor = cache.get(ref.set_key, ref.factor_id)
            except GreenchainError:
                continue  # the DEFRA set is not imported: no category 3 line
            used.add(f"{info.key} {info.version}")
            local = country == UPSTREAM_REGION
            where = "" if local else f"; UK factor used as a proxy for {country}"
            rows.append(
                {
                    key: mapped[key]
                    for key in (
                        "activity",
                        "country",
                        "unit",
                        "gas",
                        "process",
                        "abatement",
                        "material",
                        "treatment",
                    )
                }
                | {
                    "part": part.part,
                    "factor_set": info.key,
                    "factor_id": factor.factor_id,
                    "factor_unit": factor.unit,
                    "multiplier": convert(1.0, str(mapped["unit"]), factor.unit),
                    "region_matches": local,
                    "factor_year": info.reference_year or year,
                    "note": f"category 3: {part.label} ({factor.name}, DEFRA 2025){where}",
                    **factor_gas_columns(factor, gwp_set, info.gwp_basis),
                }
            )
    return rows, used


def _world_grid_note(factor: EmissionFactor) -> str:
    """Why a line on the world grid is less exact than a national factor."""
    return (
        f"{factor.name}: world grid fallback (Ember and Energy Institute data via Our World "
        "in Data, as shipped in codecarbon); life-cycle intensity, so it includes upstream "
        "emissions a combustion-only Scope 2 factor leaves out; import a national factor "
        "with 'greenchain factors import-custom' to replace it"
    )


def _gas_note(factor: EmissionFactor, info: FactorSetInfo, gwp_set: GwpSet) -> str:
    """What a kg of a fluorinated-gas line is made of and where that comes from, for the line's
    lineage."""
    gases = factor.gases_kg_per_unit
    source = f"{info.publisher}, {info.name} {info.version}"
    weighted = f"at {gwp_set.value} GWP100 ({source})"
    if info.key == SUBPART_I_SET:
        emitted = ", ".join(f"{s} {m:.4g}" for s, m in gases.items())
        return f"{factor.name}; kg emitted per kg fed: {emitted}, {weighted}"
    if len(gases) == 1:
        return f"{factor.name}, {weighted}"
    if not gases:
        return f"{factor.name}: no HFC or PFC constituent, counted as 0 ({source})"
    shares = " + ".join(f"{share * 100:g} % {name}" for name, share in gases.items())
    return f"{factor.name}: {shares}, each {weighted}"
