"""A deterministic demo workspace: Lumen Semiconductor, a chip maker, and its supply chain.

Everything comes from ``random.Random(seed)``: the same seed writes byte-identical files.
Company names are invented. NAICS codes all exist in the EPA supply-chain factors v1.3.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import random
import re
import uuid
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from greenchain.domain.records import (
    ACTIVITY,
    ENERGY_ATTRIBUTES,
    PRODUCT_FOOTPRINTS,
    PURCHASES,
    SUPPLIER_DATA,
    SUPPLIERS,
    TAKE_BACK,
)

#: (NAICS code, weight, scope 3 category, descriptions) — what a chip maker buys.
CATEGORIES: tuple[tuple[str, float, int, tuple[str, ...]], ...] = (
    (
        "325120",
        9,
        1,
        ("NF3 cylinder refill", "high-purity nitrogen", "argon bulk supply"),
    ),  # industrial gases
    (
        "325180",
        8,
        1,
        ("hydrofluoric acid 49%", "sulfuric acid UHP", "hydrogen peroxide"),
    ),  # other basic inorganic chemicals
    (
        "325199",
        6,
        1,
        ("photoresist", "developer TMAH", "solvent blend"),
    ),  # all other basic organic chemicals
    ("325998", 4, 1, ("CMP slurry", "wet-clean chemistry")),  # other misc. chemical products
    (
        "331410",
        3,
        1,
        ("high-purity copper targets", "tantalum sputter target"),
    ),  # nonferrous smelting and refining
    ("327215", 2, 1, ("quartz ware", "fused silica parts")),  # glass product from purchased glass
    (
        "334413",
        10,
        1,
        ("silicon wafers 300 mm", "SOI wafers", "epitaxial wafers"),
    ),  # semiconductors
    ("334412", 3, 1, ("probe card PCB", "test board")),  # bare printed circuit boards
    ("334417", 2, 1, ("connectors", "cable assemblies")),  # electronic connectors
    ("326199", 3, 1, ("wafer carrier FOUP", "PFA tubing", "cleanroom consumables")),  # plastics
    ("332710", 2, 1, ("precision machined parts", "chamber liners")),  # machine shops
    (
        "333242",
        12,
        2,
        ("etch chamber", "deposition tool", "lithography tool service kit"),
    ),  # semiconductor machinery
    ("333415", 2, 2, ("chiller", "cleanroom HVAC unit")),  # AC and refrigeration equipment
    (
        "334516",
        2,
        2,
        ("metrology tool", "analytical instrument"),
    ),  # analytical laboratory instruments
    (
        "541330",
        3,
        1,
        ("fab engineering services", "process engineering support"),
    ),  # engineering services
    ("541512", 2, 1, ("MES integration", "IT systems design")),  # computer systems design
    ("511210", 1, 1, ("EDA software licences", "ERP subscription")),  # software publishers
    ("561320", 2, 1, ("temporary technicians", "contract operators")),  # temporary help services
    ("561720", 1, 1, ("cleanroom janitorial services",)),  # janitorial services
    ("561612", 1, 1, ("site security services",)),  # security guards
    (
        "484121",
        2,
        4,
        ("freight Phoenix-Austin", "truckload inbound"),
    ),  # general freight trucking, long-distance
    (
        "481112",
        2,
        4,
        ("air freight Hsinchu-Phoenix", "air charter spares"),
    ),  # scheduled air freight
    ("483111", 1, 4, ("ocean freight Kaohsiung-Long Beach",)),  # deep sea freight
    ("493110", 1, 4, ("warehousing Chandler",)),  # general warehousing
    ("562211", 1, 5, ("hazardous waste treatment",)),  # hazardous waste treatment and disposal
    ("561510", 1, 6, ("travel agency services",)),  # travel agencies
    ("424120", 1, 1, ("office supplies",)),  # stationery merchant wholesalers
)

COUNTRIES: tuple[tuple[str, str, float], ...] = (
    ("TW", "USD", 22),
    ("JP", "JPY", 16),
    ("US", "USD", 24),
    ("KR", "KRW", 8),
    ("DE", "EUR", 7),
    ("NL", "EUR", 5),
    ("CN", "CNY", 5),
    ("SG", "SGD", 4),
    ("MY", "MYR", 3),
    ("IE", "EUR", 2),
    ("IT", "EUR", 2),
    ("FR", "EUR", 1),
    ("GB", "GBP", 1),
)

PLACES = {
    "TW": ("Hsinchu", "Taichung", "Tainan", "Kaohsiung"),
    "JP": ("Kyushu", "Osaka", "Nagoya", "Sendai"),
    "US": ("Chandler", "Austin", "Portland", "Albany"),
    "KR": ("Pyeongtaek", "Icheon", "Suwon"),
    "DE": ("Rhein", "Dresden", "Jena"),
    "NL": ("Veldhoven", "Eindhoven"),
    "CN": ("Suzhou", "Wuxi"),
    "SG": ("Jurong", "Woodlands"),
    "MY": ("Penang", "Kulim"),
    "IE": ("Leixlip", "Cork"),
    "IT": ("Agrate", "Catania"),
    "FR": ("Crolles", "Grenoble"),
    "GB": ("Newport", "Cambridge"),
}
WORDS = (
    "Precision",
    "Specialty",
    "Advanced",
    "Quantum",
    "Micro",
    "Nano",
    "Clean",
    "Pure",
    "Vector",
    "Apex",
    "Silicon",
    "Crystal",
    "Photon",
    "Vacuum",
    "Process",
)
NOUNS = (
    "Materials",
    "Gases",
    "Chemicals",
    "Systems",
    "Technologies",
    "Components",
    "Solutions",
    "Industries",
    "Engineering",
    "Logistics",
    "Services",
)
EU = {"DE", "NL", "IE", "IT", "FR"}
USD_PER_UNIT = {
    "USD": 1.0,
    "JPY": 0.0068,
    "KRW": 0.00073,
    "EUR": 1.08,
    "CNY": 0.139,
    "SGD": 0.745,
    "MYR": 0.22,
    "GBP": 1.27,
}


@dataclass(frozen=True)
class DemoFiles:
    folder: Path
    suppliers: Path
    purchases: Path
    supplier_data: Path
    activity: Path
    product_footprints: Path
    counts: Mapping[str, int]
    energy_attributes: Path | None = None


@dataclass(frozen=True)
class _Supplier:
    supplier_id: str
    name: str
    country: str
    currency: str
    naics: str
    weight: float
    strategic: bool


def _contact(supplier_id: str, name: str) -> tuple[str, str]:
    """The climate contact of most demo suppliers (about one in eight has none on record yet),
    chosen from the id so the other generated figures stay as they are."""
    if zlib.crc32(supplier_id.encode()) % 8 == 0:
        return "", ""
    domain = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return "Sustainability team", f"climate@{domain}.example"


def _write(path: Path, header: Sequence[str], rows: Sequence[Sequence[object]]) -> int:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return len(rows)


def write_pact_footprints(folder: Path, supplier_id: str, company: str) -> Path:
    """PACT v3 product footprints the demo supplier publishes for the four products the demo
    buyer buys from it: primary data newer than the footprints the buyer had, about 15 % lower.
    The buyer's product ids are the last segment of each product URN."""
    with (folder / "product_footprints.csv").open(encoding="utf-8", newline="") as handle:
        known = [r for r in csv.DictReader(handle) if r["supplier_id"] == supplier_id]
    slug = re.sub(r"[^a-z0-9]+", "-", company.lower()).strip("-")
    items = []
    for n, row in enumerate(known, start=1):
        value = float(row["kg_co2e_per_unit"]) * 0.85
        items.append(
            {
                "id": str(uuid.UUID(int=(zlib.crc32(row["product_id"].encode()) << 64) | n)),
                "specVersion": "3.0.3",
                "created": "2025-06-30T00:00:00Z",
                "status": "Active",
                "validityPeriodStart": "2025-01-01T00:00:00Z",
                "validityPeriodEnd": "2027-12-31T00:00:00Z",
                "companyName": company,
                "companyIds": [f"urn:pact:company:{slug}"],
                "productDescription": f"{company} product {n} (semiconductor grade)",
                "productIds": [f"urn:pact:{slug}:product:{row['product_id']}"],
                "productClassifications": ["urn:pact:productclassification:un-cpc:3424"],
                "productNameCompany": f"{company} product {n}",
                "comment": "Cradle-to-gate, primary data from the producing plant (2024).",
                "pcf": {
                    "declaredUnitOfMeasurement": "piece",
                    "declaredUnitAmount": "1",
                    "productMassPerDeclaredUnit": "12.5",
                    "referencePeriodStart": "2024-01-01T00:00:00Z",
                    "referencePeriodEnd": "2024-12-31T00:00:00Z",
                    "geographyCountry": "TW",
                    "boundaryProcessesDescription": "Raw materials, purification, filling.",
                    "pcfExcludingBiogenicUptake": f"{value:.3f}",
                    "pcfIncludingBiogenicUptake": f"{value:.3f}",
                    "fossilCarbonContent": "0",
                    "biogenicCarbonContent": "0",
                    "recycledCarbonContent": "0",
                    "fossilGhgEmissions": f"{value:.3f}",
                    "landUseChangeGhgEmissions": "0",
                    "landCarbonLeakage": "0",
                    "landManagementFossilGhgEmissions": "0",
                    "landManagementBiogenicCO2Emissions": "0",
                    "landManagementBiogenicCO2Removals": "0",
                    "biogenicCO2Uptake": "0",
                    "biogenicNonCO2Emissions": "0",
                    "landAreaOccupation": "0",
                    "aircraftGhgEmissions": "0",
                    "packagingEmissionsIncluded": True,
                    "ipccCharacterizationFactors": ["AR6"],
                    "crossSectoralStandards": ["GHGP-Product", "PACT-3.0"],
                    "productOrSectorSpecificRules": [
                        {"operator": "PEF", "ruleNames": ["Semiconductor PCR 2024"]}
                    ],
                    "exemptedEmissionsPercent": "0",
                    "allocationRulesDescription": "Mass allocation",
                    "secondaryEmissionFactorSources": [{"name": "Ecoinvent", "version": "3.10"}],
                    "primaryDataShare": "64.0",
                    "dqi": {
                        "technologicalDQR": "1.4",
                        "geographicalDQR": "1.2",
                        "temporalDQR": "1.5",
                    },
                },
            }
        )
    path = folder / "pact_footprints.json"
    path.write_text(json.dumps(items, indent=1) + "\n", encoding="utf-8")
    return path


def _write_partner_inventory(folder: Path, years: Sequence[int], seed: int) -> tuple[int, int]:
    """The partner company's own inventory data: monthly purchases from each of its suppliers
    (larger from the 40 it shares with the demo buyer) and the electricity and gas of its
    assembly-and-test plant in Penang, Malaysia, so that a joint program shows its figures."""
    rng = random.Random(seed + 2)
    with (folder / "partner_suppliers.csv").open(encoding="utf-8", newline="") as handle:
        suppliers = list(csv.DictReader(handle))
    purchases: list[tuple[object, ...]] = []
    activity: list[tuple[object, ...]] = []
    width = len(ACTIVITY.column_names)
    for year in years:
        n = 0
        for month in range(1, 13):
            end = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
            for index, row in enumerate(suppliers):
                if index >= 40 and month % 3:
                    continue  # its local suppliers bill quarterly
                n += 1
                usd = rng.lognormvariate(10.4 if index < 40 else 8.8, 0.6)
                purchases.append(
                    (
                        f"KAT-PO-{year}-{n:05d}",
                        row["supplier_id"],
                        end.isoformat(),
                        f"{usd:.2f}",
                        "USD",
                        row["naics_code"],
                        "assembly and test supplies",
                        "",
                        "",
                        "",
                        "",
                        "",
                    )
                )
            for kind, amount, unit in (
                ("electricity", rng.uniform(4.0e6, 5.2e6), "kWh"),
                ("natural_gas", rng.uniform(2.0e5, 3.0e5), "kWh"),
            ):
                activity.append(
                    (
                        f"KAT-ACT-{year}-{month:02d}-{kind}",
                        end.isoformat(),
                        kind,
                        f"{amount:.1f}",
                        unit,
                        "MY",
                    )
                    + ("",) * (width - 6)
                )
    return (
        _write(folder / "partner_purchases.csv", PURCHASES.column_names, purchases),
        _write(folder / "partner_activity.csv", ACTIVITY.column_names, activity),
    )


def _write_supplier_inventory(folder: Path, years: Sequence[int], seed: int) -> int:
    """The demo supplier's own plant in Tainan, Taiwan (wafer materials): its monthly
    electricity and the natural gas of its furnaces and boilers, and in the last year the
    I-RECs of its rooftop solar and PPA (about a third of its electricity), so that it
    calculates its own inventory, answers its customers from it and allocates it to them."""
    _write(
        folder / "supplier_energy_attributes.csv",
        ENERGY_ATTRIBUTES.column_names,
        [(f"IREC-{years[-1]}-TM", "I-REC", 7_900, f"{years[-1]}-01-01", f"{years[-1]}-12-31",
          "TW", "Evident I-REC Registry", f"TW-{years[-1]}-0398", "solar")],
    )  # fmt: skip
    rng = random.Random(seed + 3)
    width = len(ACTIVITY.column_names)
    rows: list[tuple[object, ...]] = []
    for year in years:
        for month in range(1, 13):
            end = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
            for kind, amount in (
                ("electricity", rng.uniform(1.9e6, 2.2e6)),
                ("natural_gas", rng.uniform(1.3e6, 1.6e6)),
            ):
                rows.append(
                    (f"TM-ACT-{year}-{month:02d}-{kind}", end.isoformat(), kind, f"{amount:.1f}",
                     "kWh", "TW") + ("",) * (width - 6)
                )  # fmt: skip
    return _write(folder / "supplier_activity.csv", ACTIVITY.column_names, rows)


def _write_partner_suppliers(folder: Path, sups: Sequence[_Supplier], seed: int) -> int:
    """The supplier list of the demo's partner company (an assembly-and-test provider): 40 of
    the demo buyer's largest suppliers, written the way another company's ERP would have them
    (same LEI where both know it, names in capitals and with other legal forms), and 20 of its
    own. Read back from suppliers.csv so that identifiers agree."""
    rng = random.Random(seed + 1)
    with (folder / "suppliers.csv").open(encoding="utf-8", newline="") as handle:
        known = {row["supplier_id"]: row for row in csv.DictReader(handle)}
    ranked = sorted(sups, key=lambda s: -s.weight)[:40]
    rows: list[tuple[object, ...]] = []
    for n, s in enumerate(ranked, start=1):
        row = known[s.supplier_id]
        name = row["name"]
        if n % 2 == 0:
            name = name.upper().replace(" CO.", " CO").replace(" LTD.", " LIMITED")
        rows.append(
            (
                f"KAT-{n:04d}",
                name,
                row["country"],
                row["naics_code"],
                row["lei"] if n % 3 == 0 else "",
                "",
                "",
                "true" if n <= 8 else "false",
                "",
                "",
            )
        )
    for n in range(41, 61):
        other = sups[rng.randrange(len(sups))]
        rows.append(
            (
                f"KAT-{n:04d}",
                f"Keystone Local Supplier {n}",
                other.country,
                other.naics,
                "",
                "",
                "",
                "false",
                "",
                "",
            )
        )
    return _write(folder / "partner_suppliers.csv", SUPPLIERS.column_names, rows)


def _sbt_status(supplier_id: str, year: int, latest: int) -> str:
    """A supplier's science-based target status, fixed by its id (not by the random stream, so
    the other demo figures stay as they are); some suppliers move up in the latest year."""
    statuses = ("validated", "targets_set", "committed", "none", "none")
    status = statuses[zlib.crc32(supplier_id.encode()) % len(statuses)]
    if year < latest and status == "validated":
        return "targets_set" if zlib.crc32(supplier_id.encode()) % 2 else "committed"
    return status


def _suppliers(rng: random.Random, count: int) -> list[_Supplier]:
    result = []
    names: set[str] = set()
    for i in range(1, count + 1):
        country, currency, _ = rng.choices(COUNTRIES, weights=[c[2] for c in COUNTRIES])[0]
        naics = rng.choices(CATEGORIES, weights=[c[1] for c in CATEGORIES])[0][0]
        name = ""
        while not name or name in names:
            name = f"{rng.choice(PLACES[country])} {rng.choice(WORDS)} {rng.choice(NOUNS)}"
        names.add(name)
        weight = min(rng.paretovariate(1.4), 80.0)
        result.append(_Supplier(f"SUP-{i:04d}", name, country, currency, naics, weight, False))
    ranked = sorted(result, key=lambda s: -s.weight)
    strategic = {s.supplier_id for s in ranked[: max(1, count // 10)]}
    return [
        _Supplier(
            s.supplier_id,
            s.name,
            s.country,
            s.currency,
            s.naics,
            s.weight,
            s.supplier_id in strategic,
        )
        for s in result
    ]


def _category(naics: str) -> tuple[str, float, int, tuple[str, ...]]:
    return next(c for c in CATEGORIES if c[0] == naics)


def generate_purchase_lines(
    n: int, *, seed: int, supplier_ids: Sequence[str], naics_codes: Sequence[str], year: int
) -> Iterator[tuple[str, ...]]:
    """``n`` plausible purchase lines (columns of the purchases format), Pareto-distributed
    over ``supplier_ids``; used by benchmarks with synthetic suppliers. Lines are made as they
    are read (the suppliers drawn 100,000 at a time), so a hundred million take no memory."""
    rng = random.Random(seed)
    weights = [rng.paretovariate(1.1) for _ in supplier_ids]
    draw = random.Random(seed + 1)
    cumulative = list(itertools.accumulate(weights))

    def suppliers() -> Iterator[int]:
        for first in range(0, n, 100_000):
            k = min(100_000, n - first)
            yield from draw.choices(range(len(supplier_ids)), cum_weights=cumulative, k=k)

    start = dt.date(year, 1, 1).toordinal()
    days = dt.date(year, 12, 31).toordinal() - start + 1
    currencies = ("USD", "USD", "USD", "EUR", "JPY")
    for i, s in enumerate(suppliers(), start=1):
        date = dt.date.fromordinal(start + rng.randrange(days)).isoformat()
        yield (
            f"PO-{year}-{i:07d}",
            supplier_ids[s],
            date,
            f"{rng.lognormvariate(8, 1.2):.2f}",
            currencies[s % len(currencies)],
            naics_codes[s % len(naics_codes)],
            "purchase",
            "1",
            "",
            "",
            "",
        )


def _waste_and_people_rows(years: Sequence[int], seed: int) -> list[tuple[object, ...]]:
    """The fab's waste by DEFRA material and treatment (category 5), the end of life of the
    modules sold (category 12), homeworking and commuting (category 7)."""
    rng = random.Random(seed + 13)
    rows: list[tuple[object, ...]] = []
    waste = (
        ("waste", "Commercial and industrial waste", "incineration", 120, 180),
        ("waste", "Commercial and industrial waste", "landfill", 20, 40),
        ("waste", "WEEE - mixed", "open-loop", 8, 15),
        ("waste", "Plastics: average plastics", "closed-loop", 30, 55),
        ("waste", "Paper and board: mixed", "closed-loop", 15, 25),
        ("sold_product_end_of_life", "WEEE - small", "open-loop", 60, 80),
        ("sold_product_end_of_life", "WEEE - small", "landfill", 15, 25),
    )
    for year in years:
        end = f"{year}-12-31"
        for n, (kind, material, treatment, low, high) in enumerate(waste, start=1):
            country = "DE" if kind == "sold_product_end_of_life" else "TW"
            rows.append(
                (
                    f"WASTE-{year}-{n:02d}",
                    end,
                    kind,
                    f"{rng.uniform(low, high):.1f}",
                    "tonnes",
                    country,
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    material,
                    treatment,
                )
            )
        rows.append(
            (
                f"HOME-{year}",
                end,
                "homeworking",
                f"{rng.uniform(1.5e5, 2.2e5):.0f}",
                "FTE hours",
                "GB",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
            )
        )
        rows.append(
            (
                f"COMMUTE-{year}",
                end,
                "car_travel",
                f"{rng.uniform(2.0e6, 2.8e6):.0f}",
                "km",
                "GB",
                7,
                "",
                "",
                "",
                "",
                "",
                "",
                "",
            )
        )
    return rows


def write_take_back(folder: Path, years: Sequence[int], seed: int) -> int:
    """The take-back programme of the modules sold: what came back and what became of it."""
    rng = random.Random(seed + 17)
    rows = []
    for year in years:
        for line, tonnes in (("power modules", 70.0), ("evaluation boards", 9.0)):
            reused = round(rng.uniform(0.18, 0.24), 4)
            refurbished = round(rng.uniform(0.04, 0.07), 4)
            landfilled = round(rng.uniform(0.0003, 0.001), 4)
            rows.append(
                (
                    f"TB-{year}-{line.split()[0].upper()}",
                    year,
                    line,
                    round(tonnes * rng.uniform(900, 1100)),
                    f"{tonnes * rng.uniform(0.9, 1.1):.2f}",
                    f"{reused:.4f}",
                    f"{refurbished:.4f}",
                    f"{1 - reused - refurbished - landfilled - 0.00005:.4f}",
                    "0",
                    f"{landfilled:.4f}",
                )
            )
    return _write(folder / "take_back.csv", TAKE_BACK.column_names, rows)


def _sold_product_rows(years: Sequence[int], seed: int) -> list[tuple[object, ...]]:
    """Power-management modules the buyer sold, by country of use: each draws about 4 kWh a
    year over a 7-year life (category 11, use of sold products)."""
    rng = random.Random(seed + 11)
    rows: list[tuple[object, ...]] = []
    for year in years:
        for country, base in (("US", 220_000), ("DE", 140_000), ("CN", 310_000), ("JP", 90_000)):
            units = round(base * rng.uniform(0.9, 1.15))
            kwh = rng.uniform(3.5, 4.5)
            rows.append(
                (
                    f"SOLD-{year}-{country}",
                    f"{year}-12-31",
                    "sold_product_use",
                    units,
                    "unit",
                    country,
                    "",
                    "",
                    "",
                    "",
                    f"{kwh:.2f}",
                    7,
                )
            )
    return rows


def _european_site_rows(years: Sequence[int], seed: int) -> list[tuple[object, ...]]:
    """The Dresden assembly and test site: its gas-fired boilers are an EU ETS installation
    (natural gas, regulated_ets yes), forklifts and a standby generator on diesel, and a wood
    pellet boiler for the offices; a biodiesel standby generator at the UK office. Biomass
    CO2 is biogenic (reported apart), the fuels' energy goes to the energy mix."""
    rng = random.Random(seed + 29)
    rows: list[tuple[object, ...]] = []
    columns = ACTIVITY.column_names
    for year in years:
        end = f"{year}-12-31"
        site = (
            ("GAS", "natural_gas", rng.uniform(8.5e6, 1.1e7), "kWh", "DE", "yes"),
            ("DIESEL", "diesel", rng.uniform(5_000, 8_000), "litres", "DE", "no"),
            ("PELLETS", "wood_pellets", rng.uniform(220, 320), "tonnes", "DE", "no"),
            ("BIODIESEL", "biodiesel", rng.uniform(2_500, 4_500), "litres", "GB", "no"),
        )
        for name, activity, amount, unit, country, ets in site:
            values = {
                "activity_id": f"EU-{year}-{name}",
                "date": end,
                "activity": activity,
                "amount": f"{amount:.1f}",
                "unit": unit,
                "country": country,
                "regulated_ets": ets,
            }
            rows.append(tuple(values.get(c, "") for c in columns))
    return rows


def _taiwan_fab_rows(years: Sequence[int], seed: int) -> list[tuple[object, ...]]:
    """The buyer's wafer fab in Hsinchu: grid electricity in Taiwan and the fluorinated gases of
    a fab (NF3 to remote plasma chamber cleaning, CF4 and C2F6 to etch, both abated; measured
    SF6; refrigerant leaks of the chillers), from their own random stream so the other demo
    data stay as they were."""
    rng = random.Random(seed + 7)
    rows: list[tuple[object, ...]] = []
    for year in years:
        n = 0
        for month in range(1, 13):
            end = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
            monthly: list[tuple[str, float, str, str, str, str]] = [
                ("electricity", rng.uniform(2.0e6, 2.6e6), "kWh", "", "", ""),
                ("process_gas", rng.uniform(800, 1100), "kg", "NF3", "remote_plasma_clean", "0.9"),
                ("process_gas", rng.uniform(120, 180), "kg", "CF4", "etch", "0.85"),
                ("process_gas", rng.uniform(40, 70), "kg", "C2F6", "etch", "0.85"),
                ("fgas_emission", rng.uniform(1.0, 3.0), "kg", "SF6", "", ""),
            ]
            if month % 3 == 0:
                monthly.append(("refrigerant_leak", rng.uniform(5, 15), "kg", "R-410A", "", ""))
            if month == 12:
                monthly.append(("refrigerant_leak", rng.uniform(2, 6), "kg", "R-404A", "", ""))
            for activity, amount, unit, gas, process, abatement in monthly:
                n += 1
                rows.append(
                    (
                        f"FAB-TW-{year}-{n:03d}",
                        end.isoformat(),
                        activity,
                        f"{amount:.1f}",
                        unit,
                        "TW",
                        "",
                        gas,
                        process,
                        abatement,
                        "",
                        "",
                    )
                )
    return rows


def write_demo_workspace(
    folder: Path,
    *,
    seed: int = 2025,
    suppliers: int = 300,
    lines_per_year: int = 11000,
    years: tuple[int, ...] = (2024, 2025),
) -> DemoFiles:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    sups = _suppliers(rng, suppliers)
    counts: dict[str, int] = {}

    counts["suppliers"] = _write(
        folder / "suppliers.csv",
        SUPPLIERS.column_names,
        [
            (
                s.supplier_id,
                s.name,
                s.country,
                s.naics,
                "".join(rng.choices("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", k=20))
                if rng.random() < 0.4
                else "",
                f"{rng.randrange(10**8, 10**9)}" if rng.random() < 0.6 else "",
                f"{s.country}{rng.randrange(10**8, 10**9)}" if s.country in EU else "",
                "true" if s.strategic else "false",
                *_contact(s.supplier_id, s.name),
            )
            for s in sups
        ],
    )

    ranked = sorted(sups, key=lambda s: -s.weight)
    catalogue_sellers = [s for s in ranked if s.naics in ("325120", "334413")][:5]
    products: list[tuple[str, str, str, float, int, str]] = []
    for s in catalogue_sellers:
        for k in range(1, 5):
            unit = "kg" if s.naics == "325120" else "unit"
            value = rng.uniform(2, 40) if unit == "kg" else rng.uniform(30, 120)
            products.append(
                (
                    f"{s.supplier_id}-P{k}",
                    s.supplier_id,
                    unit,
                    round(value, 3),
                    2024,
                    "true" if rng.random() < 0.5 else "false",
                )
            )
    counts["product_footprints"] = _write(
        folder / "product_footprints.csv", PRODUCT_FOOTPRINTS.column_names, products
    )
    by_seller = {
        s.supplier_id: [p for p in products if p[1] == s.supplier_id] for s in catalogue_sellers
    }

    weights = [s.weight for s in sups]
    purchase_rows: list[tuple[object, ...]] = []
    spend_usd: dict[tuple[str, int], float] = {}
    for year in years:
        start = dt.date(year, 1, 1).toordinal()
        days = dt.date(year, 12, 31).toordinal() - start + 1
        picks = rng.choices(sups, weights=weights, k=lines_per_year)
        for i, s in enumerate(picks, start=1):
            naics = s.naics if rng.random() < 0.9 else rng.choice(CATEGORIES)[0]
            _, _, category, descriptions = _category(naics)
            usd = rng.lognormvariate(9.2, 1.3) * (3 if category == 2 else 1)
            amount = usd / USD_PER_UNIT[s.currency]
            quantity = unit = product = ""
            if s.supplier_id in by_seller and rng.random() < 0.6:
                product_row = rng.choice(by_seller[s.supplier_id])
                product, unit = product_row[0], product_row[2]
                quantity = f"{usd / (25 if unit == 'kg' else 400):.1f}"
                naics = s.naics
                category = 1
            date = dt.date.fromordinal(start + rng.randrange(days)).isoformat()
            purchase_rows.append(
                (
                    f"PO-{year}-{i:06d}",
                    s.supplier_id,
                    date,
                    f"{amount:.2f}",
                    s.currency,
                    naics,
                    rng.choice(descriptions),
                    category,
                    quantity,
                    unit,
                    product,
                )
            )
            spend_usd[(s.supplier_id, year)] = spend_usd.get((s.supplier_id, year), 0.0) + usd
    counts["purchases"] = _write(folder / "purchases.csv", PURCHASES.column_names, purchase_rows)

    pool = ranked[:90]
    first = rng.sample(pool, 20)
    later = first + rng.sample([s for s in pool if s not in first], 12)
    reporters = {years[0]: first, **dict.fromkeys(years[1:], later)}
    sd_rows = []
    for year in years:
        for s in reporters[year]:
            spent = spend_usd.get((s.supplier_id, year), 0.0)
            revenue_usd = max(spent * rng.uniform(20, 200), 2e7)
            intensity = rng.uniform(80, 500)  # t CO2e per million USD of revenue
            total_t = revenue_usd / 1e6 * intensity
            scope1 = total_t * rng.uniform(0.1, 0.35)
            scope2 = total_t * rng.uniform(0.15, 0.4)
            upstream = total_t - scope1 - scope2
            sd_rows.append(
                (
                    s.supplier_id,
                    year,
                    f"{revenue_usd / USD_PER_UNIT[s.currency]:.0f}",
                    s.currency,
                    f"{scope1:.1f}",
                    f"{scope2:.1f}",
                    f"{scope2 * rng.uniform(1.0, 1.3):.1f}",
                    f"{upstream:.1f}" if rng.random() < 0.8 else "",
                    "true" if rng.random() < 0.6 else "false",
                    _sbt_status(s.supplier_id, year, years[-1]),
                    "",
                )
            )
    counts["supplier_data"] = _write(
        folder / "supplier_data.csv", SUPPLIER_DATA.column_names, sd_rows
    )

    act_rows: list[tuple[object, ...]] = []
    hotels = ("GB", "US", "JP", "DE", "FR", "NL", "SG", "KR")
    for year in years:
        n = 0
        for month in range(1, 13):
            end = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
            monthly = [
                ("electricity", rng.uniform(3.0e6, 4.5e6), "kWh", "US-AZNM"),
                ("electricity", rng.uniform(1.5e5, 2.5e5), "kWh", "US-CAMX"),
                ("electricity", rng.uniform(2.0e4, 3.5e4), "kWh", "GB"),
                ("natural_gas", rng.uniform(6e5, 9e5), "kWh", "US"),
                ("diesel", rng.uniform(800, 2500), "litre", "US"),
                ("air_travel_long_haul", rng.uniform(1e5, 2.5e5), "passenger-km", "GB"),
                ("air_travel_medium_haul", rng.uniform(2e4, 6e4), "passenger-km", "GB"),
                ("air_travel_short_haul", rng.uniform(5e3, 2e4), "passenger-km", "GB"),
                ("hotel_night", rng.randint(60, 220), "room-night", rng.choice(hotels)),
                ("road_freight", rng.uniform(1e5, 3e5), "tonne.km", "GB"),
                ("sea_freight", rng.uniform(5e5, 1.5e6), "tonne.km", "GB"),
                ("air_freight", rng.uniform(2e4, 8e4), "tonne.km", "GB"),
            ]
            for activity, amount, unit, country in monthly:
                n += 1
                act_rows.append(
                    (
                        f"ACT-{year}-{n:04d}",
                        end.isoformat(),
                        activity,
                        f"{amount:.1f}",
                        unit,
                        country,
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                    )
                )
    act_rows += _taiwan_fab_rows(years, seed)
    act_rows += _european_site_rows(years, seed)
    act_rows += _sold_product_rows(years, seed)
    act_rows += _waste_and_people_rows(years, seed)
    width = len(ACTIVITY.column_names)  # rows leave the optional columns they do not use
    act_rows = [row + ("",) * (width - len(row)) for row in act_rows]
    counts["activity"] = _write(folder / "activity.csv", ACTIVITY.column_names, act_rows)
    counts["take_back"] = write_take_back(folder, years, seed)
    # Renewable electricity: unbundled RECs for the US fabs, a GO for the UK office, I-RECs
    # for the Taiwan fab.
    eac_rows = [
        (
            f"REC-{year}-US",
            "REC",
            mwh,
            f"{year}-01-01",
            f"{year}-12-31",
            "US",
            "M-RETS",
            f"MR-{year}-0417",
            "wind",
        )
        for year, mwh in zip(years, (5_000, 12_000), strict=False)
    ]
    eac_rows.append(
        (
            f"GO-{years[-1]}-GB",
            "GO",
            300,
            f"{years[-1]}-01-01",
            f"{years[-1]}-12-31",
            "GB",
            "AIB",
            f"GB-{years[-1]}-77",
            "hydro",
        )
    )
    # The Taiwan fab's first renewable purchase: T-RECs traded as I-RECs (solar).
    eac_rows.append(
        (
            f"IREC-{years[-1]}-TW",
            "I-REC",
            6_000,
            f"{years[-1]}-01-01",
            f"{years[-1]}-12-31",
            "TW",
            "Evident I-REC Registry",
            f"TW-{years[-1]}-0112",
            "solar",
        )
    )
    counts["energy_attributes"] = _write(
        folder / "energy_attributes.csv", ENERGY_ATTRIBUTES.column_names, eac_rows
    )
    counts["partner_suppliers"] = _write_partner_suppliers(folder, sups, seed)
    counts["partner_purchases"], counts["partner_activity"] = _write_partner_inventory(
        folder, years, seed
    )
    counts["supplier_activity"] = _write_supplier_inventory(folder, years, seed)
    return DemoFiles(
        folder,
        folder / "suppliers.csv",
        folder / "purchases.csv",
        folder / "supplier_data.csv",
        folder / "activity.csv",
        folder / "product_footprints.csv",
        counts,
        folder / "energy_attributes.csv",
    )
