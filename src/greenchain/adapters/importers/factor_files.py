"""Readers of the public factor files: EPA supply-chain factors v1.3, DEFRA 2025 flat file and
the EPA GHG Emission Factors Hub 2025 workbook. Each returns a :class:`FactorSetData`."""

from __future__ import annotations

import csv
import json
import re
import warnings
from collections import defaultdict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from greenchain.domain.errors import InvalidDataError
from greenchain.domain.factors import EmissionFactor, FactorKind, FactorSetData, FactorSetInfo
from greenchain.domain.ghg import CO2E_SPECIES, GwpSet, gwp, species_from_name

EPA_CO2E_FILE = "SupplyChainGHGEmissionFactors_v1.3.0_NAICS_CO2e_USD2022.csv"
EPA_BY_GAS_FILE = "SupplyChainGHGEmissionFactors_v1.3.0_NAICS_byGHG_USD2022.csv"
WITH_MARGINS = "Supply Chain Emission Factors with Margins"
WITHOUT_MARGINS = "Supply Chain Emission Factors without Margins"
MARGINS = "Margins of Supply Chain Emission Factors"


def _rows(path: Path, required: Sequence[str]) -> Iterator[tuple[int, dict[str, str]]]:
    if not path.is_file():
        raise InvalidDataError(f"{path}: factor file not found")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise InvalidDataError(f"{path.name}: missing column(s) {', '.join(missing)}")
        yield from enumerate(reader, start=2)


def _number(path: Path, row: int, field: str, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise InvalidDataError(
            f"{path.name}: row {row}, field '{field}': not a number (value '{text}')"
        ) from None


def read_epa_supply_chain(folder: Path) -> FactorSetData:
    """EPA Supply Chain GHG Emission Factors v1.3.0 by 2017 NAICS-6, kg per 2022 USD."""
    co2e_path, gas_path = folder / EPA_CO2E_FILE, folder / EPA_BY_GAS_FILE
    cols = ["2017 NAICS Code", "2017 NAICS Title", "GHG", WITH_MARGINS]
    gases: dict[str, dict[str, float]] = defaultdict(dict)
    for n, row in _rows(gas_path, cols):
        code = row["2017 NAICS Code"].strip()
        species = species_from_name(row["GHG"])
        gases[code][species] = gases[code].get(species, 0.0) + _number(
            gas_path, n, WITH_MARGINS, row[WITH_MARGINS]
        )
    factors: list[EmissionFactor] = []
    for n, row in _rows(co2e_path, [*cols, WITHOUT_MARGINS, MARGINS]):
        code = row["2017 NAICS Code"].strip()
        if not re.fullmatch(r"\d{6}", code):
            raise InvalidDataError(
                f"{co2e_path.name}: row {n}, field '2017 NAICS Code': "
                f"not a 6-digit code (value '{code}')"
            )
        factors.append(
            EmissionFactor(
                factor_id=code,
                name=row["2017 NAICS Title"].strip(),
                unit="USD",
                kg_co2e_per_unit=_number(co2e_path, n, WITH_MARGINS, row[WITH_MARGINS]),
                kind=FactorKind.EEIO,
                region="US",
                scope="3",
                gases_kg_per_unit=gases.get(code, {}),
                extra={
                    "without_margins": _number(co2e_path, n, WITHOUT_MARGINS, row[WITHOUT_MARGINS]),
                    "margins": _number(co2e_path, n, MARGINS, row[MARGINS]),
                },
            )
        )
    info = FactorSetInfo(
        key="epa-supply-chain-v1.3",
        name="Supply Chain GHG Emission Factors for US Commodities and Industries",
        version="1.3.0",
        publisher="US EPA (USEEIO v2.2 GHG model)",
        source_url="https://catalog.data.gov/dataset/supply-chain-greenhouse-gas-emission-factors-v1-3-by-naics-6",
        licence="US Government work, public domain",
        gwp_basis=GwpSet.AR5,
        currency="USD",
        price_year=2022,
        price_basis="purchaser",
        reference_year=2022,
    )
    return FactorSetData(info, tuple(factors), (EPA_CO2E_FILE, EPA_BY_GAS_FILE))


_DEFRA_GAS = {
    "kg CO2e of CO2 per unit": "CO2",
    "kg CO2e of CH4 per unit": "CH4",
    "kg CO2e of N2O per unit": "N2O",
}
_DEFRA_KIND = {
    "UK electricity": FactorKind.ELECTRICITY,
    "Fuels": FactorKind.FUEL,
    "Bioenergy": FactorKind.FUEL,
    "Business travel- air": FactorKind.TRAVEL,
    "Business travel- land": FactorKind.TRAVEL,
    "Business travel- sea": FactorKind.TRAVEL,
    "Hotel stay": FactorKind.TRAVEL,
    "Passenger vehicles": FactorKind.TRAVEL,
    "Freighting goods": FactorKind.FREIGHT,
    "Delivery vehicles": FactorKind.FREIGHT,
    "Waste disposal": FactorKind.WASTE,
    "Material use": FactorKind.MATERIAL,
    "Refrigerant & other": FactorKind.REFRIGERANT,
    "Heat and steam": FactorKind.STEAM,
}
#: DEFRA hotel countries -> ISO 3166 alpha-2
HOTEL_COUNTRIES = {
    "UK": "GB",
    "UK (London)": "GB-LND",
    "Australia": "AU",
    "Belgium": "BE",
    "Brazil": "BR",
    "Canada": "CA",
    "Chile": "CL",
    "China": "CN",
    "Colombia": "CO",
    "Costa Rica": "CR",
    "Egypt": "EG",
    "France": "FR",
    "Germany": "DE",
    "Hong Kong, China": "HK",
    "India": "IN",
    "Indonesia": "ID",
    "Italy": "IT",
    "Japan": "JP",
    "Jordan": "JO",
    "Korea": "KR",
    "Malaysia": "MY",
    "Maldives": "MV",
    "Mexico": "MX",
    "Netherlands": "NL",
    "Oman": "OM",
    "Philippines": "PH",
    "Portugal": "PT",
    "Qatar": "QA",
    "Russian Federation": "RU",
    "Saudi Arabia": "SA",
    "Singapore": "SG",
    "South Africa": "ZA",
    "Spain": "ES",
    "Switzerland": "CH",
    "Thailand": "TH",
    "Turkey": "TR",
    "United Arab Emirates": "AE",
    "United States": "US",
    "Vietnam": "VN",
}


def read_defra_2025(path: Path) -> FactorSetData:
    """UK Government GHG Conversion Factors for Company Reporting 2025 (flat file).

    One factor per ID stem (the ID without its trailing gas index); gases from the "kg CO2e
    of X per unit" rows, turned back into kg of gas with the AR5 GWPs DEFRA used.

    The "Outside of scopes" rows (Level 1 "Outside of scopes": the biogenic CO2 of burning
    bioenergy and of the biofuel part of forecourt fuels, e.g. ID 99_104_1045_15_2, wood
    pellets, 1,677.18 kg CO2 per tonne) have a CO2 row and no total; each becomes a factor of
    scope "Outside of Scopes" whose value is that CO2. They are never counted in the scopes:
    the calculation reports them apart, beside the Scope 1 factor of the same fuel.
    """
    value_col = "GHG Conversion Factor 2025"
    cols = [
        "ID",
        "Scope",
        "Level 1",
        "Level 2",
        "Level 3",
        "Level 4",
        "Column Text",
        "UOM",
        "GHG/Unit",
        value_col,
    ]
    totals: dict[str, tuple[dict[str, str], float]] = {}
    gases: dict[str, dict[str, float]] = defaultdict(dict)
    order: list[str] = []
    for n, row in _rows(path, cols):
        text = row[value_col].strip()
        if not text:
            continue
        stem = row["ID"].strip().rsplit("_", 1)[0]
        value = _number(path, n, value_col, text)
        unit = row["GHG/Unit"].strip()
        if unit == "kg CO2e":
            totals[stem] = (row, value)
            order.append(stem)
        elif unit in _DEFRA_GAS:
            species = _DEFRA_GAS[unit]
            gases[stem][species] = value / gwp(species, GwpSet.AR5)
            if row["Level 1"].strip() == "Outside of scopes" and stem not in totals:
                totals[stem] = (row, value)  # biogenic CO2 only: no total row
                order.append(stem)
    factors: list[EmissionFactor] = []
    for stem in order:
        row, total = totals[stem]
        gas = dict(gases.get(stem, {}))
        if gas:
            rest = total - sum(m * gwp(s, GwpSet.AR5) for s, m in gas.items())
            if abs(rest) > 0.005 * abs(total) and abs(rest) > 1e-9:
                gas[CO2E_SPECIES] = rest
        level1 = row["Level 1"].strip()
        names = [
            row[c].strip()
            for c in ("Level 1", "Level 2", "Level 3", "Level 4", "Column Text")
            if row[c].strip()
        ]
        region = "GB"
        if level1 == "Hotel stay":
            region = HOTEL_COUNTRIES.get(row["Level 3"].strip(), row["Level 3"].strip())
        factors.append(
            EmissionFactor(
                factor_id=stem,
                name=" / ".join(names),
                unit=row["UOM"].strip(),
                kg_co2e_per_unit=total,
                kind=_DEFRA_KIND.get(level1, FactorKind.OTHER),
                region=region,
                scope=row["Scope"].strip().removeprefix("Scope ").strip() or None,
                gases_kg_per_unit=gas,
            )
        )
    info = FactorSetInfo(
        key="defra-2025",
        name="UK Government GHG Conversion Factors for Company Reporting",
        version="2025",
        publisher="UK DESNZ / DEFRA",
        source_url="https://www.gov.uk/government/publications/greenhouse-gas-reporting-conversion-factors-2025",
        licence="Open Government Licence v3.0",
        gwp_basis=GwpSet.AR5,
        reference_year=2025,
    )
    return FactorSetData(info, tuple(factors), (path.name,))


def _slug(text: str) -> str:
    cleaned = re.sub(r"(\s|(?<=[a-z]))[A-E]$", "", text.strip())
    cleaned = re.sub(r"[<>=]+\s*\d[^)]*", "", cleaned)
    return re.sub(r"[^a-z0-9]+", "-", cleaned.lower()).strip("-")


def _hub_factor(
    factor_id: str,
    name: str,
    unit: str,
    co2_kg: float,
    ch4_g: float,
    n2o_g: float,
    kind: FactorKind,
    region: str | None,
    scope: str,
    biogenic: bool = False,
) -> EmissionFactor:
    """A factor from its kg CO2 and g CH4 and N2O per unit. ``biogenic``: a biomass fuel, whose
    CO2 is kept apart (``extra["biogenic_co2_kg"]``) and only its CH4 and N2O count."""
    gases = {"CO2": co2_kg, "CH4": ch4_g / 1000.0, "N2O": n2o_g / 1000.0}
    extra: dict[str, float] = {}
    if biogenic:
        extra["biogenic_co2_kg"] = gases.pop("CO2")
    total = sum(m * gwp(s, GwpSet.AR5) for s, m in gases.items())
    return EmissionFactor(factor_id, name, unit, total, kind, region, scope, gases, extra)


#: EPA Hub 2025 Table 1 headings of biomass fuels, and the biomass fuels of Table 2: their CO2
#: is biogenic, reported outside the scopes (GHG Protocol Corporate Standard ch. 9; the Hub's
#: note sends the reader to the EPA's stationary combustion guidance for how to include
#: biomass). Peat, listed by the EPA under "Biomass Fuels - Solid", is a fossil fuel in the
#: IPCC 2006 Guidelines (Vol. 2, ch. 1, 1.4.1.3): its CO2 stays in Scope 1.
_HUB_BIOMASS_HEADINGS = ("Biomass Fuels",)
_HUB_BIOMASS_FUELS = frozenset({"Biodiesel (100%)", "Ethanol (100%)"})
_HUB_FOSSIL_IN_BIOMASS = frozenset({"Peat"})


def _is_num(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _hub_gases(tables: dict[str, list[tuple[Any, ...]]]) -> list[EmissionFactor]:
    """Fluorinated gases and refrigerants, 1 kg emitted: Table 11 (GWP of each species) gives
    ``gas:<species>``, Table 12 (blended refrigerants: ASHRAE number, GWP, composition) gives
    ``refrigerant:<ASHRAE number>`` with the blend's HFC and PFC constituents as gas masses,
    so another GWP set re-weights them. Like the EPA, a blend's HCFCs and hydrocarbons count
    for nothing (they are outside the seven gases; Table 12's note)."""
    factors: list[EmissionFactor] = []
    for cells in tables.get("Table 11", []):
        if len(cells) == 3 and isinstance(cells[0], str) and _is_num(cells[2]):
            try:
                species = species_from_name(str(cells[0]))
            except InvalidDataError:
                species = species_from_name(str(cells[1]))
            if species in ("CO2", "CH4"):
                continue
            factors.append(
                EmissionFactor(
                    f"gas:{species}",
                    f"{str(cells[0]).strip()} ({str(cells[1]).strip()}) emitted, Table 11",
                    "kg",
                    float(cells[2]),
                    FactorKind.REFRIGERANT,
                    None,
                    "1",
                    {species: 1.0},
                )
            )
    for cells in tables.get("Table 12", []):
        if len(cells) == 3 and isinstance(cells[0], str) and _is_num(cells[1]):
            name, composition = cells[0].strip(), str(cells[2])
            gases: dict[str, float] = {}
            for part in composition.split(","):
                share, _, constituent = part.strip().partition("%")
                constituent = constituent.strip()
                if constituent.upper().startswith(("HFC", "PFC")):
                    species = species_from_name(constituent)
                    gases[species] = gases.get(species, 0.0) + float(share) / 100.0
            factors.append(
                EmissionFactor(
                    f"refrigerant:{name}",
                    f"Refrigerant blend {name} ({composition.strip()}), Table 12",
                    "kg",
                    float(cells[1]),
                    FactorKind.REFRIGERANT,
                    None,
                    "1",
                    gases,
                )
            )
    return factors


def read_epa_hub_2025(path: Path) -> FactorSetData:
    """EPA GHG Emission Factors Hub 2025: stationary and mobile combustion, eGRID electricity,
    steam, transport (Scope 3 cat. 4/9) and business travel (cat. 6/7), by gas."""
    if not path.is_file():
        raise InvalidDataError(f"{path}: factor file not found")
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
            rows = [tuple(r) for r in book.worksheets[0].iter_rows(values_only=True)]
            book.close()
    except Exception as exc:
        raise InvalidDataError(f"{path.name}: not a readable workbook ({exc})") from None
    tables: dict[str, list[tuple[Any, ...]]] = {}
    current: str | None = None
    for row in rows:
        cells = tuple(c for c in row if c is not None and c != "")
        if cells and isinstance(cells[0], str) and re.fullmatch(r"Table \d+", cells[0].strip()):
            current = cells[0].strip()
            tables[current] = []
        elif current is not None and cells:
            tables[current].append(cells)
    for needed in ("Table 1", "Table 2", "Table 6", "Table 8", "Table 10"):
        if needed not in tables:
            raise InvalidDataError(f"{path.name}: '{needed}' not found")
    factors: list[EmissionFactor] = []
    # Table 1: stationary combustion; unit from the last "mmBtu per X" header seen.
    unit = "short ton"
    heading = ""
    for cells in tables["Table 1"]:
        first = cells[0]
        if isinstance(first, str) and first.startswith("mmBtu per"):
            unit = first.removeprefix("mmBtu per").strip()
            continue
        if isinstance(first, str) and first.startswith("Source"):
            break
        if len(cells) == 1 and isinstance(first, str):
            heading = first.strip()
            continue
        if len(cells) == 8 and all(_is_num(c) for c in cells[1:]):
            name = str(first).strip()
            biogenic = heading.startswith(_HUB_BIOMASS_HEADINGS) and (
                name not in _HUB_FOSSIL_IN_BIOMASS
            )
            _, co2_mm, ch4_mm, n2o_mm, co2_u, ch4_u, n2o_u = cells[1:]
            base = f"stationary:{_slug(name)}"
            factors.append(
                _hub_factor(
                    f"{base}:{_slug(unit)}",
                    f"Stationary combustion / {name}",
                    unit,
                    co2_u,
                    ch4_u,
                    n2o_u,
                    FactorKind.FUEL,
                    "US",
                    "1",
                    biogenic,
                )
            )
            factors.append(
                _hub_factor(
                    f"{base}:mmbtu",
                    f"Stationary combustion / {name}",
                    "mmBtu",
                    co2_mm,
                    ch4_mm,
                    n2o_mm,
                    FactorKind.FUEL,
                    "US",
                    "1",
                    biogenic,
                )
            )
    # Table 2: mobile combustion CO2 per unit of fuel.
    for cells in tables["Table 2"]:
        if len(cells) == 3 and _is_num(cells[1]) and isinstance(cells[2], str):
            name, co2, fuel_unit = str(cells[0]).strip(), float(cells[1]), cells[2].strip()
            factors.append(
                _hub_factor(
                    f"mobile:{_slug(name)}:{_slug(fuel_unit)}",
                    f"Mobile combustion (CO2) / {name}",
                    fuel_unit,
                    co2,
                    0.0,
                    0.0,
                    FactorKind.FUEL,
                    "US",
                    "1",
                    name in _HUB_BIOMASS_FUELS,
                )
            )
    # Table 6: eGRID total output emission rates, lb per MWh -> kg per kWh.
    lb = 0.45359237
    for cells in tables["Table 6"]:
        if len(cells) >= 8 and isinstance(cells[0], str) and all(_is_num(c) for c in cells[2:5]):
            acronym, name = cells[0].strip(), str(cells[1]).strip()
            co2, ch4, n2o = (float(c) * lb / 1000.0 for c in cells[2:5])
            region = "US" if acronym == "US Average" else f"US-{acronym}"
            ident = "US" if acronym == "US Average" else acronym
            factors.append(
                _hub_factor(
                    f"egrid:{ident}",
                    f"Electricity (eGRID2023) / {name}",
                    "kWh",
                    co2,
                    ch4 * 1000,
                    n2o * 1000,
                    FactorKind.ELECTRICITY,
                    region,
                    "2",
                )
            )
    for table, prefix, kind, scope in (
        ("Table 8", "freight", FactorKind.FREIGHT, "3"),
        ("Table 10", "travel", FactorKind.TRAVEL, "3"),
    ):
        for cells in tables[table]:
            if (
                len(cells) == 5
                and all(_is_num(c) for c in cells[1:4])
                and isinstance(cells[4], str)
            ):
                name, per = str(cells[0]).strip(), cells[4].strip()
                factors.append(
                    _hub_factor(
                        f"{prefix}:{_slug(name)}:{_slug(per)}",
                        f"{prefix.title()} / {name}",
                        per,
                        float(cells[1]),
                        float(cells[2]),
                        float(cells[3]),
                        kind,
                        "US",
                        scope,
                    )
                )
    factors += _hub_gases(tables)
    unique = list({f.factor_id: f for f in reversed(factors)}.values())[::-1]
    info = FactorSetInfo(
        key="epa-hub-2025",
        name="GHG Emission Factors Hub",
        version="2025",
        publisher="US EPA Center for Corporate Climate Leadership",
        source_url="https://www.epa.gov/climateleadership/ghg-emission-factors-hub",
        licence="US Government work, public domain",
        gwp_basis=GwpSet.AR5,
        reference_year=2025,
    )
    return FactorSetData(info, tuple(unique), (path.name,))


WORLD_GRID_FILE = "data/private_infra/global_energy_mix.json"


def world_grid_path() -> Path:
    """The Ember/Our World in Data grid intensities that ship inside the ``codecarbon``
    package, found without importing the package (its import starts telemetry machinery)."""
    import importlib.util

    spec = importlib.util.find_spec("codecarbon")
    if spec is None or not spec.submodule_search_locations:
        raise InvalidDataError("the codecarbon package is not installed (it holds the world grid)")
    return Path(next(iter(spec.submodule_search_locations))) / WORLD_GRID_FILE


def read_world_grid(path: Path) -> FactorSetData:
    """Location-based grid electricity for every country: the life-cycle carbon intensity of
    each country's generation (g CO2e/kWh, Ember and Energy Institute data compiled by Our
    World in Data, as shipped in codecarbon 3.3.2's ``global_energy_mix.json``).

    Why: eGRID covers the US and DEFRA the UK; a chip or solar supply chain buys electricity
    in Taiwan, China, Korea, Malaysia, the Philippines and Germany. This set is the world
    fallback: more specific factors (eGRID subregions, DEFRA UK, an imported national factor)
    win where present. Its basis is life-cycle (upstream fuel chains included), wider than the
    combustion-only Scope 2 factors; lines calculated with it say so and rate lower.
    """
    if not path.is_file():
        raise InvalidDataError(f"{path}: world grid file not found")
    import pycountry

    data = json.loads(path.read_text(encoding="utf-8"))
    factors = []
    years = set()
    for iso3, row in sorted(data.items()):
        country = pycountry.countries.get(alpha_3=iso3)
        intensity = row.get("carbon_intensity")
        if country is None or not _is_num(intensity) or intensity <= 0:
            continue
        years.add(int(row.get("year") or 0))
        factors.append(
            EmissionFactor(
                f"grid:{country.alpha_2}",
                f"Grid electricity, {row.get('country_name') or country.name} "
                f"({row.get('year')}, life-cycle)",
                "kWh",
                float(intensity) / 1000.0,
                FactorKind.ELECTRICITY,
                country.alpha_2,
                "2",
            )
        )
    info = FactorSetInfo(
        key="world-grid-ember",
        name="World grid electricity carbon intensity (life-cycle basis)",
        version="codecarbon-3.3.2",
        publisher="Ember and Energy Institute via Our World in Data, as shipped in codecarbon",
        source_url="https://github.com/mlco2/codecarbon/blob/master/codecarbon/data/private_infra/global_energy_mix.json",
        licence="CC BY 4.0 (Our World in Data, Ember); codecarbon MIT",
        gwp_basis=GwpSet.AR5,
        reference_year=max(years) if years else None,
    )
    return FactorSetData(info, tuple(factors), (str(path),))
