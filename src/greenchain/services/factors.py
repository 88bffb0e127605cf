"""Use cases of the factor library."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from greenchain.domain.activities import FACTOR_SETS
from greenchain.domain.errors import InvalidDataError
from greenchain.domain.factors import EmissionFactor, FactorKind, FactorSetData, FactorSetInfo
from greenchain.domain.ghg import GwpSet
from greenchain.domain.records import CUSTOM_FACTORS
from greenchain.services.context import Context
from greenchain.services.reference_files import read_whole_file


@dataclass(frozen=True)
class ImportedFactorSet:
    key: str
    name: str
    version: str
    factor_count: int
    sha256: str


def import_factor_sets(ctx: Context, sources: list[str] | None = None) -> list[ImportedFactorSet]:
    """Read public factor files and store each as a versioned set (re-import replaces it)."""
    known = list(ctx.factor_files.sources())
    chosen = sources or known
    unknown = [s for s in chosen if s not in known]
    if unknown:
        raise InvalidDataError(
            f"unknown factor source(s) {', '.join(unknown)}; known: {', '.join(known)}"
        )
    imported: list[ImportedFactorSet] = []
    with ctx.progress("Importing factor sets") as step:
        for source in chosen:
            data, sha256 = ctx.factor_files.read(source)
            ctx.workspace.save_factor_set(data, sha256, ctx.clock.now())
            imported.append(
                ImportedFactorSet(
                    data.info.key, data.info.name, data.info.version, len(data.factors), sha256
                )
            )
            step(source)
    return imported


def list_factor_sets(ctx: Context) -> list[dict[str, Any]]:
    return ctx.workspace.list_factor_sets()


#: The activity of a regional spend-based factor: kg CO2e per USD of its year, for one NAICS
#: sector, used for suppliers in its country before the US EEIO factor.
SPEND_ACTIVITY = "spend"

#: A custom set's key: lowercase letters, digits and dashes, not a built-in set's.
_SET_KEY = re.compile(r"[a-z][a-z0-9-]{1,39}")


@dataclass(frozen=True)
class ImportedCustomSet:
    key: str
    version: str
    factor_count: int
    activities: tuple[str, ...]
    countries: tuple[str, ...]


def import_custom_factors(
    ctx: Context,
    path: Path,
    *,
    set_key: str,
    version: str = "1",
    source: str = "",
    licence: str = "",
    file_name: str | None = None,
) -> ImportedCustomSet:
    """Store a factor set of your own from a CSV or XLSX file (see ``CUSTOM_FACTORS``); an
    import of the same key replaces the set (runs name the version they used). A file with
    a bad row is rejected whole."""
    shown = file_name or path.name
    key = set_key.strip().lower()
    if not _SET_KEY.fullmatch(key):
        raise InvalidDataError(
            f"set name '{set_key}': 2 to 40 lowercase letters, digits or dashes, starting "
            "with a letter (e.g. tw-moea-grid)"
        )
    if key in FACTOR_SETS:
        raise InvalidDataError(f"'{key}' is a built-in factor set; name your set otherwise")
    version = version.strip()
    if not 1 <= len(version) <= 40:
        raise InvalidDataError("the version must have 1 to 40 characters")
    with ctx.progress(f"Importing custom factors from {shown}") as step:
        rows, sha256 = read_whole_file(ctx, path, CUSTOM_FACTORS, {}, shown)
        for number, row in enumerate(rows, start=2):
            if str(row["activity"]).strip().lower() == SPEND_ACTIVITY and (
                row.get("naics_code") is None or str(row["unit"]).upper() != "USD"
            ):
                raise InvalidDataError(
                    f"{shown}: row {number}: a spend factor needs a naics_code and the unit "
                    "USD (kg CO2e per US dollar of its year)"
                )
        factors = tuple(_custom_factor(row) for row in rows)
        info = FactorSetInfo(
            key=key,
            name=f"custom: {key}",
            version=version,
            publisher=" ".join(source.split())[:200] or shown,
            source_url="",
            licence=" ".join(licence.split())[:200] or "not stated",
            gwp_basis=GwpSet.AR5,
            reference_year=max(int(r["year"]) for r in rows),
        )
        ctx.workspace.save_factor_set(
            FactorSetData(info, factors, (shown,)), sha256, ctx.clock.now()
        )
        step("stored")
    return ImportedCustomSet(
        key,
        version,
        len(factors),
        tuple(sorted({str(r["activity"]) for r in rows})),
        tuple(sorted({str(r["country"]) for r in rows})),
    )


def _custom_factor(row: dict[str, Any]) -> EmissionFactor:
    """One row of a custom factor file as a factor: its region is the country; the year,
    Scope 3 category and basis (1 = life-cycle) ride in ``extra``."""
    gases = {
        species: float(row[column])
        for species, column in (("CO2", "kg_co2"), ("CH4", "kg_ch4"), ("N2O", "kg_n2o"))
        if row.get(column) is not None
    }
    extra: dict[str, float] = {"year": float(row["year"])}
    if row.get("scope3_category") is not None:
        extra["scope3_category"] = float(row["scope3_category"])
    extra["lifecycle"] = 1.0 if row.get("basis") == "lifecycle" else 0.0
    if row.get("naics_code") is not None:
        extra["naics"] = float(row["naics_code"])
    return EmissionFactor(
        str(row["factor_id"]),
        str(row["activity"]).strip().lower(),
        str(row["unit"]),
        float(row["kg_co2e"]),
        FactorKind.OTHER,
        str(row["country"]),
        row.get("scope"),
        gases,
        extra,
    )


def custom_set_keys(ctx: Context) -> list[str]:
    """The keys of the imported factor sets that are not built in."""
    return [str(s["key"]) for s in ctx.workspace.list_factor_sets() if s["key"] not in FACTOR_SETS]


def waste_options(ctx: Context) -> dict[str, list[str]]:
    """DEFRA 2025's waste materials with the treatments it has a factor for (what the
    ``material`` and ``treatment`` columns of waste rows take)."""
    _, factors = ctx.workspace.get_factor_set("defra-2025")
    options: dict[str, list[str]] = {}
    for f in factors:
        parts = f.name.split(" / ")
        if parts[0] == "Waste disposal" and len(parts) >= 4:
            options.setdefault(parts[2], []).append(parts[3])
    return {m: sorted(set(t)) for m, t in sorted(options.items())}


def material_options(ctx: Context) -> list[tuple[str, float]]:
    """DEFRA 2025's material-use materials with their primary-production factor (kg CO2e per
    tonne): what the ``material`` column of purchase lines takes."""
    _, factors = ctx.workspace.get_factor_set("defra-2025")
    return sorted(
        (f.name.split(" / ")[2], f.kg_co2e_per_unit)
        for f in factors
        if f.name.startswith("Material use / ") and f.name.endswith("/ Primary material production")
    )
