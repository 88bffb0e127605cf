"""Fluorinated gases fed to semiconductor processes: what leaves the tool.

What: a kg of gas fed to a process (etch, chamber clean) is not all emitted: the process
uses part of it (utilisation U) and turns part into other fluorinated by-products (B). The
emissions of one kg fed are (1 - U) kg of the gas itself plus B kg of each by-product, less
what abatement destroys: 40 CFR 98.93(a)(2), equations I-8 and I-9, with the abatement
fraction (destruction efficiency x share of the gas treated) applied to the gas and its
by-products alike.

Why: process gases (NF3, CF4, C2F6, CHF3, SF6...) are the largest Scope 1 source of a fab;
most fabs know the kg bought and fed per process, not stack measurements.

Source: 40 CFR Part 98, subpart I, Table I-20 "Reference emission factors (1-Uij) for gas
utilization rates (Uij) and by-product formation rates (Bijk) for semiconductor manufacturing
for 300 mm wafer sizes" (89 FR 31923, Apr. 25, 2024). By-products without a GWP100 in the
seven-gas families (C4F6, C5F8, C4F8O) are left out; their GWP100 is below 2.
"""

from __future__ import annotations

import re

from greenchain.domain.errors import InvalidDataError
from greenchain.domain.factors import EmissionFactor, FactorKind, FactorSetInfo
from greenchain.domain.ghg import GwpSet, gwp, species_from_name

SUBPART_I_SET = "40cfr98-subpart-i"

SUBPART_I_INFO = FactorSetInfo(
    key=SUBPART_I_SET,
    name="40 CFR 98 subpart I, Table I-20 (300 mm wafers)",
    version="89 FR 31923 (2024-04-25)",
    publisher="US EPA",
    source_url="https://www.ecfr.gov/current/title-40/chapter-I/subchapter-C/part-98/subpart-I",
    licence="US Government work, public domain",
    gwp_basis=GwpSet.AR5,
    reference_year=2024,
)

#: Table I-20, per process type and gas fed: the emitted fraction (1 - U) and by-product kg
#: per kg fed. Species keys as ``ghg`` names them: CHF3 = HFC23, CH2F2 = HFC32, CH3F = HFC41,
#: C4F8 = cC4F8.
TABLE_I_20: dict[str, dict[str, tuple[float, dict[str, float]]]] = {
    # "Etching/Wafer Cleaning" rows 1-Ui, BCF4, BC2F6, BC4F8, BCHF3, BCH2F2, BCH3F
    "etch": {
        "CF4": (
            0.68,
            {"C2F6": 0.041, "cC4F8": 0.0051, "HFC23": 0.0056, "HFC32": 0.014, "HFC41": 0.00057},
        ),
        "C2F6": (0.80, {"CF4": 0.21}),
        "HFC23": (
            0.35,
            {"CF4": 0.073, "C2F6": 0.040, "cC4F8": 0.00061, "HFC32": 0.0026, "HFC41": 0.12},
        ),
        "HFC32": (0.15, {"CF4": 0.020, "C2F6": 0.0065, "HFC23": 0.033}),
        "HFC41": (
            0.34,
            {"CF4": 0.038, "C2F6": 0.0064, "cC4F8": 0.0070, "HFC23": 0.0049, "HFC32": 0.0023},
        ),
        "C3F8": (0.30, {"CF4": 0.21, "C2F6": 0.18, "HFC23": 0.012, "HFC41": 0.00073}),
        "cC4F8": (0.16, {"CF4": 0.045, "C2F6": 0.030, "HFC23": 0.029, "HFC32": 0.0014}),
        "NF3": (0.17, {"CF4": 0.035, "C2F6": 0.038, "HFC23": 0.0065, "HFC32": 0.00086}),
        "SF6": (
            0.28,
            {"CF4": 0.0072, "C2F6": 0.0017, "HFC23": 0.0012, "HFC32": 0.000020, "HFC41": 0.0082},
        ),
    },
    # "Chamber Cleaning / In situ plasma cleaning"
    "chamber_clean": {"NF3": (0.20, {"CF4": 0.037})},
    # "Chamber Cleaning / Remote plasma cleaning"
    "remote_plasma_clean": {
        "C3F8": (0.063, {}),
        "NF3": (0.018, {"CF4": 0.038, "HFC23": 0.000059, "HFC32": 0.0016, "HFC41": 0.0028}),
    },
    # "Chamber Cleaning / In situ thermal cleaning"
    "thermal_clean": {"NF3": (0.28, {"CF4": 0.010})},
}

PROCESSES = tuple(TABLE_I_20)


def process_gas_factor_id(gas: str, process: str | None, abatement: float | None) -> str:
    """The id of the per-kg-fed factor of ``gas`` in ``process`` with ``abatement``."""
    if not process:
        raise InvalidDataError(
            f"process_gas needs the process column: one of {', '.join(PROCESSES)}"
        )
    if process not in TABLE_I_20:
        raise InvalidDataError(f"unknown process '{process}'; use one of {', '.join(PROCESSES)}")
    species = species_from_name(gas)
    if species not in TABLE_I_20[process]:
        known = ", ".join(TABLE_I_20[process])
        raise InvalidDataError(
            f"40 CFR 98 Table I-20 has no default for {gas} in {process} (it has {known}); "
            "report the measured emission as fgas_emission"
        )
    return f"I-20:{process}:{species}:abated-{abatement or 0:g}"


def process_gas_factor(factor_id: str) -> EmissionFactor:
    """kg of each species emitted per kg of gas fed, from a ``process_gas_factor_id``."""
    found = re.fullmatch(r"I-20:(\w+):(\w+):abated-([0-9.e-]+)", factor_id)
    if not found or found.group(1) not in TABLE_I_20:
        raise InvalidDataError(f"factor '{factor_id}' not in factor set '{SUBPART_I_SET}'")
    process, species, abatement = found.group(1), found.group(2), float(found.group(3))
    if species not in TABLE_I_20[process] or not 0 <= abatement <= 1:
        raise InvalidDataError(f"factor '{factor_id}' not in factor set '{SUBPART_I_SET}'")
    emitted, by_products = TABLE_I_20[process][species]
    kept = 1.0 - abatement
    gases = {species: emitted * kept}
    for other, share in by_products.items():
        gases[other] = gases.get(other, 0.0) + share * kept
    kg_co2e = sum(m * gwp(s, SUBPART_I_INFO.gwp_basis) for s, m in gases.items())
    return EmissionFactor(
        factor_id,
        f"{species} fed to {process.replace('_', ' ')} (Table I-20: 1-U = {emitted:g}"
        + (
            f", by-products {', '.join(f'{k} {v:g}' for k, v in by_products.items())}"
            if by_products
            else ""
        )
        + f"), abatement {abatement:g}",
        "kg",
        kg_co2e,
        FactorKind.REFRIGERANT,
        None,
        "1",
        gases,
    )
