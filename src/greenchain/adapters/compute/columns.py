"""The columns and input tables of the calculation: gas columns of every result line, the
data-quality columns, the Arrow schemas of the maps the services hand to the engine."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa

from greenchain.domain.ghg import Gas

GAS_COLUMNS: tuple[tuple[Gas, str], ...] = (
    (Gas.CO2, "kg_co2"),
    (Gas.CH4, "kg_ch4"),
    (Gas.N2O, "kg_n2o"),
    (Gas.HFCS, "kg_hfcs"),
    (Gas.PFCS, "kg_pfcs"),
    (Gas.SF6, "kg_sf6"),
    (Gas.NF3, "kg_nf3"),
    (Gas.UNSPECIFIED, "kg_unspecified"),
)
GAS_COLS = [c for _, c in GAS_COLUMNS]
MAX_YEAR_GAP = 11

RESULT_COLUMNS = [
    "source",
    "source_id",
    "supplier_id",
    "scope",
    "scope3_category",
    "method",
    "factor_set",
    "factor_id",
    "activity_amount",
    "activity_unit",
    "fx_usd_per_unit",
    "cpi_ratio",
    "kg_co2e",
    "primary_kg_co2e",
    *GAS_COLS,
    "dq_technological",
    "dq_geographical",
    "dq_temporal",
    "dq_completeness",
    "dq_reliability",
    "is_primary",
    "note",
    "regulated_ets",
    "kg_biogenic_co2",
]

DQ_COLUMNS = (
    "dq_technological",
    "dq_geographical",
    "dq_temporal",
    "dq_completeness",
    "dq_reliability",
)


def table(rows: Sequence[Mapping[str, Any]], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pylist([dict(r) for r in rows], schema=schema)


EEIO_SCHEMA = pa.schema([("naics_code", pa.string())] + [(c, pa.float64()) for c in GAS_COLS])
FX_SCHEMA = pa.schema([("currency", pa.string()), ("usd_per_unit", pa.float64())])
FX_MONTH_SCHEMA = pa.schema(
    [("currency", pa.string()), ("month", pa.int64()), ("usd_per_unit", pa.float64())]
)
#: The columns that key an activity row to its factor (``_key_join``).
ACTIVITY_KEY_FIELDS = [
    ("activity", pa.string()),
    ("country", pa.string()),
    ("unit", pa.string()),
    ("gas", pa.string()),
    ("process", pa.string()),
    ("abatement", pa.float64()),
    ("material", pa.string()),
    ("treatment", pa.string()),
]
ACTIVITY_MAP_SCHEMA = pa.schema(
    [
        *ACTIVITY_KEY_FIELDS,
        ("note", pa.string()),
        ("scope", pa.string()),
        ("scope3_category", pa.int32()),
        ("factor_set", pa.string()),
        ("factor_id", pa.string()),
        ("factor_unit", pa.string()),
        ("multiplier", pa.float64()),
        ("use_phase", pa.bool_()),
        ("region_matches", pa.bool_()),
        ("factor_year", pa.int32()),
        ("error", pa.string()),
        ("category_error", pa.string()),
        *[(c, pa.float64()) for c in GAS_COLS],
        ("kg_biogenic_co2", pa.float64()),
        ("energy_group", pa.string()),
        ("energy_mwh_per_unit", pa.float64()),
    ]
)

REGIONAL_EEIO_SCHEMA = pa.schema(
    [
        ("country", pa.string()),
        ("naics_code", pa.string()),
        ("factor_set", pa.string()),
        ("factor_id", pa.string()),
        ("factor_year", pa.int32()),
        ("cpi_ratio", pa.float64()),
        *[(c, pa.float64()) for c in GAS_COLS],
    ]
)
MATERIAL_MAP_SCHEMA = pa.schema(
    [
        ("material", pa.string()),
        ("unit", pa.string()),
        ("factor_set", pa.string()),
        ("factor_id", pa.string()),
        ("factor_year", pa.int32()),
        ("error", pa.string()),
    ]
    + [(c, pa.float64()) for c in GAS_COLS]
)
RESIDUAL_SCHEMA = pa.schema(
    [("market", pa.string()), ("factor_set", pa.string()), ("factor_id", pa.string())]
    + [(c, pa.float64()) for c in GAS_COLS]
)
UPSTREAM_MAP_SCHEMA = pa.schema(
    [
        *ACTIVITY_KEY_FIELDS,
        ("part", pa.string()),
        ("factor_set", pa.string()),
        ("factor_id", pa.string()),
        ("factor_unit", pa.string()),
        ("multiplier", pa.float64()),
        ("region_matches", pa.bool_()),
        ("factor_year", pa.int32()),
        ("note", pa.string()),
        *[(c, pa.float64()) for c in GAS_COLS],
    ]
)

_GAS_INPUT_COLUMNS = (
    ("gas", pa.string()),
    ("process", pa.string()),
    ("abatement", pa.float64()),
    ("kwh_per_unit_year", pa.float64()),
    ("lifetime_years", pa.float64()),
    ("material", pa.string()),
    ("treatment", pa.string()),
    ("supplier_id", pa.string()),
    ("regulated_ets", pa.bool_()),
)


def with_gas_columns(activities: pa.Table) -> pa.Table:
    """Activity rows with the fluorinated-gas columns (empty where a table has none)."""
    for name, kind in _GAS_INPUT_COLUMNS:
        if name not in activities.column_names:
            activities = activities.append_column(name, pa.nulls(activities.num_rows, kind))
    return activities


#: The columns of a calculated line before it is rated (``purchase_results``,
#: ``activity_results``), with the SQL type a branch that has no value for one gives its NULL.
WORK_COLUMNS: dict[str, str] = {
    "source": "VARCHAR",
    "source_id": "VARCHAR",
    "supplier_id": "VARCHAR",
    "scope": "VARCHAR",
    "scope3_category": "INTEGER",
    "method": "VARCHAR",
    "factor_set": "VARCHAR",
    "factor_id": "VARCHAR",
    "activity_amount": "DOUBLE",
    "activity_unit": "VARCHAR",
    "fx_usd_per_unit": "DOUBLE",
    "spend_usd": "DOUBLE",
    "cpi_ratio": "DOUBLE",
    **dict.fromkeys(GAS_COLS, "DOUBLE"),
    "primary_kg_co2e": "DOUBLE",
    "q_verified": "BOOLEAN",
    "q_region": "BOOLEAN",
    "q_partial": "BOOLEAN",
    "q_gap": "INTEGER",
    "is_primary": "BOOLEAN",
    **dict.fromkeys((f"pf_{d}" for d in DQ_COLUMNS), "INTEGER"),
    "input_amount": "DOUBLE",
    "input_unit": "VARCHAR",
    "regulated_ets": "BOOLEAN",
    "kg_biogenic_co2": "DOUBLE",
    "energy_group": "VARCHAR",
    "energy_mwh": "DOUBLE",
    "electricity_mwh": "DOUBLE",
    "covered_mwh": "DOUBLE",
    "note": "VARCHAR",
    "reject_reason": "VARCHAR",
}


def select_list(expressions: Mapping[str, str], *, complete: bool = True) -> str:
    """``expr AS name, ...``: with ``complete`` every column of ``WORK_COLUMNS`` in its order
    (a typed NULL where ``expressions`` has none), so that branches unite by position."""
    names = list(WORK_COLUMNS) if complete else list(expressions)
    unknown = set(expressions) - set(WORK_COLUMNS)
    if unknown:
        raise ValueError(f"not a result column: {sorted(unknown)}")
    return ",\n               ".join(
        f"{expressions.get(n) or f'CAST(NULL AS {WORK_COLUMNS[n]})'} AS {n}" for n in names
    )
