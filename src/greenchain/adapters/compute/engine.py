"""Bulk calculation of an inventory on DuckDB, vectorised over Arrow tables.

The formulas are those of ``greenchain.domain.methods.formulas``; here they run on whole columns
(one SQL statement over all purchase lines), which is what makes a million lines take seconds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import product
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from greenchain.domain.ghg import Gas
from greenchain.domain.methods import Method
from greenchain.domain.quality import rate_line

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
]


@dataclass(frozen=True)
class CalculationOutput:
    lines: pa.Table
    rejected: pa.Table
    kg_by_scope: dict[str, float]
    kg_by_category: dict[int, float]
    kg_by_method: dict[str, float]
    kg_by_gas: dict[str, float]
    suppliers: list[tuple[str, float, str, float]]  # supplier_id, kg, dominant method, spend USD
    primary_scope3_kg: float
    data_quality_score: float
    line_count: int
    electricity_mwh: float = 0.0  # purchased electricity of the year (Scope 2 lines)
    instrument_mwh: float = 0.0  # of which covered by contractual instruments
    #: Scope 3 kg per category and method (what the report lists per category)
    kg_by_category_method: dict[int, dict[str, float]] = field(default_factory=dict)
    #: per reason and input unit: reason, lines, input amount, unit, first five line ids
    rejected_summary: list[tuple[str, int, float, str, list[str]]] = field(default_factory=list)


def _quality_table() -> pa.Table:
    rows: dict[str, list[Any]] = {
        k: []
        for k in (
            "q_method",
            "q_verified",
            "q_region",
            "q_gap",
            "q_partial",
            "dq_technological",
            "dq_geographical",
            "dq_temporal",
            "dq_completeness",
            "dq_reliability",
        )
    }
    for method in Method:
        for verified in (False, True):
            for region in (False, True):
                for gap, partial in product(range(MAX_YEAR_GAP + 1), (False, True)):
                    q = rate_line(
                        method,
                        verified=verified,
                        region_matches=region,
                        year_gap=gap,
                        upstream_estimated=partial,
                    )
                    for key, value in (
                        ("q_method", method.value),
                        ("q_verified", verified),
                        ("q_region", region),
                        ("q_gap", gap),
                        ("q_partial", partial),
                        ("dq_technological", q.technological),
                        ("dq_geographical", q.geographical),
                        ("dq_temporal", q.temporal),
                        ("dq_completeness", q.completeness),
                        ("dq_reliability", q.reliability),
                    ):
                        rows[key].append(value)
    return pa.table(rows)


def _table(rows: Sequence[Mapping[str, Any]], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pylist([dict(r) for r in rows], schema=schema)


DQ_COLUMNS = (
    "dq_technological",
    "dq_geographical",
    "dq_temporal",
    "dq_completeness",
    "dq_reliability",
)


def _line_rating(column: str) -> str:
    """A line's rating: the footprint's own where it declares one (for temporal the worse of it
    and the age of the footprint against the reporting year), otherwise the method's."""
    own = f"COALESCE(r.pf_{column}, q.{column})"
    return (
        f"greatest({own}, q.{column}) AS {column}"
        if column == "dq_temporal"
        else (f"{own} AS {column}")
    )


def _pact_ratings() -> str:
    """The data quality ratings a product footprint declares (PACT v3 ``dqi``: DQRs from 1 best
    to 3, PACT Methodology table 9) on this model's scale of 1 best to 5 (GHG Protocol Scope 3
    Standard table 7.6), linearly: 1 -> 1, 2 -> 3, 3 -> 5; NULL where not declared."""
    return ", ".join(
        f"CAST(CASE WHEN pf.dqr_{d.removeprefix('dq_')} IS NOT NULL THEN least(5, greatest(1, "
        f"round(1 + (pf.dqr_{d.removeprefix('dq_')} - 1) * 2))) END AS INTEGER) AS pf_{d}"
        for d in DQ_COLUMNS
    )


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
    ]
)


def calculate(
    *,
    year: int,
    purchases: pa.Table,
    suppliers: pa.Table,
    supplier_data: pa.Table,
    product_footprints: pa.Table,
    activities: pa.Table,
    activity_map: Sequence[Mapping[str, Any]],
    eeio: Sequence[Mapping[str, Any]],
    fx: Mapping[str, float],
    cpi_ratio: float,
    eeio_set_key: str,
    eeio_data_year: int,
    spend_note: str,
    instruments: pa.Table | None = None,
    supplier_data_max_age_years: int = 0,
    fx_monthly: Mapping[tuple[str, int], float] | None = None,
    upstream_map: Sequence[Mapping[str, Any]] = (),
    residual_mix: Sequence[Mapping[str, Any]] = (),
    material_map: Sequence[Mapping[str, Any]] = (),
    regional_eeio: Sequence[Mapping[str, Any]] = (),
) -> CalculationOutput:
    """Calculate every purchase and activity line of one reporting ``year``.

    ``instruments``: energy attribute certificates and PPAs; their MWh, pro-rated to the part
    of their generation period inside ``year``, cover the year's electricity of their market
    (country) in the market-based Scope 2 (GHG Protocol Scope 2 Guidance, chapter 6).

    ``eeio``: kg CO2e per factor-year USD by gas column (GWP already applied) per NAICS code;
    ``fx``: USD per currency unit, mean of ``year``; ``fx_monthly``: (currency, month) -> USD
    per unit, used for a purchase line dated in that month before the annual mean (supplier
    revenue, a yearly figure, always uses the annual mean); ``cpi_ratio``: CPI(factor year) /
    CPI(``year``); ``activity_map``: per (activity, country, unit) the factor resolution.

    ``regional_eeio``: imported spend-based factors per (country, NAICS code), kg CO2e per
    USD of their year with the CPI ratio to ``year``: a supplier of that country is
    calculated with them before the US EEIO factor.

    ``material_map``: per (material, unit) of purchase lines, kg CO2e per unit by gas column
    of the material's DEFRA material-use factor (or why there is none): category 1
    average-data, used before spend-based.

    ``residual_mix``: per market (country), kg CO2e per kWh by gas column of its residual
    mix: market-based Scope 2 of the electricity no instrument covers.

    ``upstream_map``: per activity key, the category 3 parts (well-to-tank, T&D losses) of
    fuel and electricity activities: each calculated activity row gets one more line per
    part, source ``upstream``, id ``<activity id>#<part>``.

    ``supplier_data_max_age_years``: a supplier that did not report for ``year`` is allocated
    with its latest report of up to that many years before (temporal rating by the gap, GHG
    Protocol Scope 3 Standard table 7.6; the line says which year), with the revenue at the
    exchange rate of ``year``.
    """
    con = duckdb.connect()
    try:
        con.register("suppliers", suppliers)
        con.register("supplier_data", supplier_data)
        con.register("product_footprints", product_footprints)
        con.register("activities", _with_gas_columns(activities))
        con.register("instruments", instruments if instruments is not None else _no_instruments())
        con.register("activity_map", _table(activity_map, ACTIVITY_MAP_SCHEMA))
        con.register("upstream_map", _table(upstream_map, UPSTREAM_MAP_SCHEMA))
        con.register("residual", _table(residual_mix, RESIDUAL_SCHEMA))
        con.register("material_map", _table(material_map, MATERIAL_MAP_SCHEMA))
        con.register("eeio_regional", _table(regional_eeio, REGIONAL_EEIO_SCHEMA))
        if "material" not in purchases.column_names:  # inputs from before the column
            purchases = purchases.append_column(
                "material", pa.nulls(purchases.num_rows, pa.string())
            )
        con.register("purchases", purchases)
        con.register("eeio", _table(eeio, EEIO_SCHEMA))
        fx_rows = [{"currency": k, "usd_per_unit": v} for k, v in sorted(fx.items())]
        con.register("fx", _table(fx_rows, FX_SCHEMA))
        monthly = [
            {"currency": c, "month": m, "usd_per_unit": v}
            for (c, m), v in sorted((fx_monthly or {}).items())
        ]
        if monthly:
            con.register("fx_month", _table(monthly, FX_MONTH_SCHEMA))
        con.register("quality", _quality_table())
        con.execute(
            _purchase_sql(
                year,
                cpi_ratio,
                eeio_set_key,
                eeio_data_year,
                spend_note,
                max_age=supplier_data_max_age_years,
                monthly_fx=bool(monthly),
            )
        )
        con.execute(_activity_sql(year))
        return _collect(con)

    finally:
        con.close()


_GAS_INPUT_COLUMNS = (
    ("gas", pa.string()),
    ("process", pa.string()),
    ("abatement", pa.float64()),
    ("kwh_per_unit_year", pa.float64()),
    ("lifetime_years", pa.float64()),
    ("material", pa.string()),
    ("treatment", pa.string()),
    ("supplier_id", pa.string()),
)


def _with_gas_columns(activities: pa.Table) -> pa.Table:
    """Activity rows with the fluorinated-gas columns (empty where a table has none)."""
    for name, kind in _GAS_INPUT_COLUMNS:
        if name not in activities.column_names:
            activities = activities.append_column(name, pa.nulls(activities.num_rows, kind))
    return activities


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


def _key_join(alias: str) -> str:
    """Join condition of an activity row ``a`` and a map row on the activity key."""
    return (
        f"ON {alias}.activity = a.activity AND {alias}.country = a.country "
        f"AND {alias}.unit = a.unit AND {alias}.gas = COALESCE(a.gas, '') "
        f"AND {alias}.process = COALESCE(a.process, '') "
        f"AND {alias}.abatement = COALESCE(a.abatement, 0)::DOUBLE "
        f"AND {alias}.material = COALESCE(a.material, '') "
        f"AND {alias}.treatment = COALESCE(a.treatment, '')"
    )


def _plain(column: str) -> str:
    """SQL text of a number without a trailing '.0' (12.0 -> 12, 2.5 -> 2.5)."""
    return f"regexp_replace(CAST({column} AS VARCHAR), '\\.0$', '')"


def _gas_expr(prefix: str, factor: str) -> str:
    return ", ".join(f"{factor} * {prefix}{c} AS {c}" for c in GAS_COLS)


def _purchase_sql(
    year: int,
    cpi_ratio: float,
    eeio_key: str,
    eeio_year: int,
    spend_note: str,
    max_age: int = 0,
    monthly_fx: bool = False,
) -> str:
    note = spend_note.replace("'", "''")
    fx_rate, fx_month_join = "fx.usd_per_unit", ""
    if monthly_fx:
        fx_rate = "COALESCE(fm.usd_per_unit, fx.usd_per_unit)"
        fx_month_join = (
            "\n        LEFT JOIN fx_month fm ON fm.currency = p.currency AND fm.month = p.month"
        )
    e_total = "nullif(" + " + ".join(f"e_{c}" for c in GAS_COLS) + ", 0)"
    spend_gases = ", ".join(
        f"CASE WHEN method = 'spend_based' THEN spend_fusd * e_{c} "
        f"WHEN method = 'supplier_specific' THEN upstream_fill_kg * e_{c} / ({e_total}) "
        f"WHEN method = 'average_data' THEN quantity * mat_{c} "
        f"ELSE 0 END AS {c}"
        for c in GAS_COLS[:-1]
    )
    return f"""
    CREATE TEMP TABLE purchase_results AS
    WITH p AS (
        SELECT p.line_id, p.supplier_id, p.amount::DOUBLE AS amount, p.currency,
               p.naics_code, p.scope3_category::INTEGER AS scope3_category,
               p.quantity::DOUBLE AS quantity, p.unit, p.product_id, p.material,
               s.country AS supplier_country, {fx_rate} AS fx_rate
        FROM purchases p
        LEFT JOIN suppliers s ON s.supplier_id = p.supplier_id
        LEFT JOIN fx ON fx.currency = p.currency{fx_month_join}
    ),
    sd AS (
        SELECT d.supplier_id, d.revenue * fx.usd_per_unit AS revenue_usd,
               (d.scope1_t + d.scope2_market_t + COALESCE(d.scope3_upstream_t, 0)) * 1000.0
                   AS supplier_kg,
               d.scope3_upstream_t IS NULL AS upstream_missing,
               d.verified::BOOLEAN AS verified, d.year AS data_year
        FROM supplier_data d JOIN fx ON fx.currency = d.currency
        WHERE d.year BETWEEN {year - max_age} AND {year}
        QUALIFY row_number() OVER (PARTITION BY d.supplier_id ORDER BY d.year DESC) = 1
    ),
    e AS (SELECT naics_code, {", ".join(f"{c} AS e_{c}" for c in GAS_COLS)} FROM eeio),
    er AS (
        SELECT country, naics_code, factor_set AS reg_set, factor_id AS reg_id,
               factor_year AS reg_year, cpi_ratio AS reg_cpi,
               {", ".join(f"{c} AS er_{c}" for c in GAS_COLS)}
        FROM eeio_regional
    ),
    -- a supplier's own Scope 3 activity (its freight) replaces the estimate of its purchase
    -- lines of the same category
    replaced AS (
        SELECT a.supplier_id,
               COALESCE(a.scope3_category, am.scope3_category)::INTEGER AS category,
               string_agg(a.activity_id, ', ' ORDER BY a.activity_id) AS activity_ids
        FROM activities a JOIN activity_map am {_key_join("am")}
        WHERE a.supplier_id IS NOT NULL AND am.error IS NULL AND am.scope = '3'
        GROUP BY 1, 2
    ),
    m AS (
        SELECT p.*, pf.kg_co2e_per_unit AS pcf, pf.verified::BOOLEAN AS pcf_verified,
               pf.reference_year AS pcf_year, pf.primary_data_share AS pcf_primary_share,
               {_pact_ratings()}, sd.revenue_usd, sd.supplier_kg,
               sd.upstream_missing, sd.verified AS sd_verified, sd.data_year,
               COALESCE(e.naics_code, er.naics_code) AS e_naics,
               {", ".join(f"COALESCE(er.er_{c}, e.e_{c}) AS e_{c}" for c in GAS_COLS)},
               er.reg_set, er.reg_id, er.reg_year, er.reg_cpi,
               mm.factor_set AS mat_set, mm.factor_id AS mat_id, mm.error AS mat_error,
               mm.factor_year AS mat_year,
               {", ".join(f"mm.{c} AS mat_{c}" for c in GAS_COLS)},
               CASE WHEN pf.product_id IS NOT NULL AND p.amount > 0 THEN 'product_level'
                    WHEN sd.supplier_id IS NOT NULL AND p.fx_rate IS NOT NULL
                         THEN 'supplier_specific'
                    WHEN mm.factor_id IS NOT NULL AND mm.error IS NULL AND p.amount > 0
                         THEN 'average_data'
                    WHEN COALESCE(e.naics_code, er.naics_code) IS NOT NULL
                         AND p.fx_rate IS NOT NULL THEN 'spend_based'
               END AS method,
               p.amount * p.fx_rate * COALESCE(er.reg_cpi, {cpi_ratio!r}) AS spend_fusd,
               p.amount * p.fx_rate / sd.revenue_usd * sd.supplier_kg AS allocated_kg
        FROM p
        LEFT JOIN product_footprints pf
               ON pf.product_id = p.product_id AND pf.supplier_id = p.supplier_id
              AND lower(pf.declared_unit) = lower(p.unit) AND p.quantity IS NOT NULL
        LEFT JOIN sd ON sd.supplier_id = p.supplier_id
        LEFT JOIN e ON e.naics_code = p.naics_code
        LEFT JOIN er ON er.naics_code = p.naics_code AND er.country = p.supplier_country
        LEFT JOIN material_map mm ON mm.material = p.material AND mm.unit = p.unit
    ),
    mr AS (
        SELECT m.*, rp.activity_ids AS replaced_by
        FROM m LEFT JOIN replaced rp
               ON rp.supplier_id = m.supplier_id AND rp.category = m.scope3_category
              AND m.method IN ('spend_based', 'supplier_specific')
    ),
    h AS (
        -- Hybrid (GHG Protocol Scope 3 Calculation Guidance, ch. 1, category 1): a supplier's
        -- reported Scope 1 + 2 allocated by spend / revenue is primary; an upstream Scope 3 it
        -- did not report is filled with a secondary estimate, the line's spend-based EEIO
        -- cradle-to-gate emissions less the supplier's own (what the sector's supply chain adds
        -- before the supplier's gate), split by gas like the EEIO factor.
        SELECT mr.*,
               CASE WHEN method = 'supplier_specific' AND upstream_missing
                    -- a credit note (negative spend) takes back the fill of its amount
                    THEN sign(spend_fusd) * greatest(
                        abs(COALESCE(spend_fusd * ({e_total}), 0)) - abs(allocated_kg), 0)
                    ELSE 0 END
                   AS upstream_fill_kg
        FROM mr
    ),
    r AS (
        SELECT 'purchase' AS source, line_id AS source_id, supplier_id, '3' AS scope,
               scope3_category, method,
               CASE method WHEN 'spend_based' THEN COALESCE(reg_set, '{eeio_key}')
                           WHEN 'average_data' THEN mat_set END AS factor_set,
               CASE method WHEN 'spend_based' THEN COALESCE(reg_id, naics_code)
                           WHEN 'average_data' THEN mat_id
                           WHEN 'product_level' THEN product_id END AS factor_id,
               CASE WHEN method IN ('product_level', 'average_data') THEN quantity
                    ELSE amount END AS activity_amount,
               CASE WHEN method IN ('product_level', 'average_data') THEN unit
                    ELSE currency END AS activity_unit,
               fx_rate AS fx_usd_per_unit, amount * fx_rate AS spend_usd,
               CASE method WHEN 'spend_based' THEN COALESCE(reg_cpi, {cpi_ratio!r})
               END AS cpi_ratio,
               {spend_gases},
               CASE method
                   WHEN 'product_level' THEN quantity * pcf
                   WHEN 'supplier_specific'
                        THEN allocated_kg
                             + COALESCE(upstream_fill_kg * e_kg_unspecified / ({e_total}), 0)
                   WHEN 'spend_based' THEN spend_fusd * e_kg_unspecified
                   WHEN 'average_data' THEN quantity * mat_kg_unspecified
                   ELSE 0 END AS kg_unspecified,
               CASE method WHEN 'product_level'
                                THEN quantity * pcf * COALESCE(pcf_primary_share, 1.0)
                           WHEN 'supplier_specific' THEN allocated_kg
                           ELSE 0 END AS primary_kg_co2e,
               CASE method WHEN 'product_level' THEN pcf_verified
                           WHEN 'supplier_specific' THEN sd_verified ELSE false END AS q_verified,
               CASE method WHEN 'spend_based' THEN supplier_country = 'US' OR reg_id IS NOT NULL
                           WHEN 'average_data' THEN supplier_country = 'GB' ELSE true END
                   AS q_region,
               method = 'supplier_specific' AND upstream_missing AS q_partial,
               least(greatest(CASE method
                   WHEN 'product_level' THEN abs({year} - COALESCE(pcf_year, {year}))
                   WHEN 'supplier_specific' THEN {year} - data_year
                   WHEN 'average_data' THEN abs({year} - COALESCE(mat_year, {year}))
                   ELSE abs({year} - COALESCE(reg_year, {eeio_year})) END, 0), {MAX_YEAR_GAP})
                   AS q_gap,
               method IN ('product_level', 'supplier_specific') AS is_primary,
               {", ".join(f"pf_{d}" for d in DQ_COLUMNS)},
               CASE method
                   WHEN 'spend_based' THEN CASE WHEN reg_id IS NULL THEN '{note}' ELSE
                        'spend x mean {year} FX to USD x CPI-U ' || reg_year || '/{year} x the '
                        || 'regional spend-based factor of ' || supplier_country || ' for NAICS '
                        || naics_code || ' (' || reg_set || ':' || reg_id || ')' END
                   WHEN 'supplier_specific' THEN CASE WHEN upstream_missing THEN
                        'hybrid: supplier scope 1 + 2 market allocated by spend / supplier '
                        || 'revenue (primary); upstream scope 3 not reported, filled with the '
                        || 'spend-based EEIO cradle-to-gate estimate of the line less the '
                        || 'supplier''s own (secondary; GHG Protocol Scope 3 Calculation '
                        || 'Guidance ch. 1, hybrid method)'
                        ELSE 'allocated by spend / supplier revenue '
                        || '(scope 1 + 2 market + reported upstream scope 3)' END
                        || CASE WHEN data_year < {year} THEN '; supplier data of '
                           || data_year || ' (' || ({year} - data_year) || ' year(s) before '
                           || 'the reporting year, none reported for {year}; temporal '
                           || 'rating lowered)' ELSE '' END
                   WHEN 'average_data' THEN 'quantity x DEFRA 2025 material-use factor (primary '
                        || 'material production, cradle-to-gate) of ' || material
                   WHEN 'product_level' THEN 'quantity x product footprint'
                        || CASE WHEN pcf_primary_share IS NOT NULL THEN '; primary data '
                           || round(pcf_primary_share * 100, 1) || ' % of it (PACT '
                           || 'primaryDataShare)' ELSE '' END
                        || CASE WHEN pf_dq_technological IS NOT NULL
                                  OR pf_dq_reliability IS NOT NULL
                           THEN '; data quality from the footprint''s PACT DQRs' ELSE '' END
                   WHEN NULL THEN NULL END
                   || CASE WHEN amount < 0 THEN '; credit note: the negative amount reduces '
                      || 'the spend and emissions of its supplier and category' ELSE '' END
                   || CASE WHEN mat_error IS NOT NULL AND method = 'spend_based'
                      THEN '; material not used: ' || mat_error ELSE '' END
                   || CASE WHEN replaced_by IS NOT NULL
                      THEN '; replaced by the supplier''s activity data (' || replaced_by
                      || ', same category): counted there, 0 here' ELSE '' END
                   AS note,
               replaced_by,
               amount AS input_amount, currency AS input_unit,
               CASE WHEN method IS NULL THEN
                   CASE WHEN fx_rate IS NULL THEN 'no exchange rate for ' || currency
                            || ' in {year}; import one with ''greenchain fx import'''
                        ELSE 'no spend-based factor for NAICS ' || naics_code END
               END AS reject_reason
        FROM h
    )
    SELECT * EXCLUDE (replaced_by) REPLACE (
        {", ".join(f"CASE WHEN replaced_by IS NULL THEN {c} ELSE 0 END AS {c}" for c in GAS_COLS)},
        CASE WHEN replaced_by IS NULL THEN primary_kg_co2e ELSE 0 END AS primary_kg_co2e
    ) FROM r
    """


def _no_instruments() -> pa.Table:
    return pa.table(
        {
            "instrument_id": pa.array([], pa.string()),
            "instrument": pa.array([], pa.string()),
            "mwh": pa.array([], pa.float64()),
            "period_start": pa.array([], pa.date32()),
            "period_end": pa.array([], pa.date32()),
            "country": pa.array([], pa.string()),
        }
    )


def _activity_sql(year: int) -> str:
    # a use-phase row (units sold) counts its lifetime kWh: units x kWh/year x years
    quantity = (
        "a.amount::DOUBLE * am.multiplier * CASE WHEN am.use_phase "
        "THEN COALESCE(a.kwh_per_unit_year * a.lifetime_years, 0) ELSE 1 END"
    )
    gases = ", ".join(f"{quantity} * am.{c} AS {c}" for c in GAS_COLS)
    # electricity no instrument covers: at the market's residual mix where one is imported,
    # else at the location-based grid factor (GHG Protocol Scope 2 Guidance, 6.11)
    uncovered = ", ".join(
        f"CASE WHEN rm.market IS NOT NULL "
        f"THEN e.mwh * 1000.0 * (1 - COALESCE(c.coverage, 0)) * rm.{c} "
        f"ELSE b.{c} * (1 - COALESCE(c.coverage, 0)) END AS {c}"
        for c in GAS_COLS
    )
    rest = (
        "CASE WHEN rm.market IS NOT NULL THEN 'the residual mix of ' || rm.market || ' ('"
        " || rm.factor_set || ':' || rm.factor_id || ')' "
        "ELSE 'the location-based grid factor (no residual mix imported for ' "
        "|| e.market || ')' END"
    )
    upstream_gases = ", ".join(f"a.amount * um.multiplier * um.{c} AS {c}" for c in GAS_COLS)
    key_join = _key_join

    first, last = f"DATE '{year}-01-01'", f"DATE '{year}-12-31'"
    return f"""
    CREATE TEMP TABLE activity_results AS
    WITH base AS (
        SELECT 'activity' AS source, a.activity_id AS source_id,
               CASE WHEN am.scope = '3' THEN a.supplier_id END AS supplier_id,
               am.scope AS scope,
               CASE WHEN am.scope = '3' THEN COALESCE(a.scope3_category, am.scope3_category) END
                   AS scope3_category,
               CASE WHEN am.error IS NULL AND am.factor_id IS NOT NULL THEN 'average_data' END
                   AS method,
               am.factor_set, am.factor_id,
               {quantity} AS activity_amount, am.factor_unit AS activity_unit,
               NULL::DOUBLE AS fx_usd_per_unit, NULL::DOUBLE AS cpi_ratio, {gases},
               false AS q_verified, COALESCE(am.region_matches, false) AS q_region,
               false AS q_partial, 0.0 AS primary_kg_co2e,
               least(abs({year} - COALESCE(am.factor_year, {year})), {MAX_YEAR_GAP}) AS q_gap,
               false AS is_primary, a.amount::DOUBLE AS input_amount, a.unit AS input_unit,
               CASE WHEN am.use_phase THEN 'use phase: ' || {_plain("a.amount")} || ' units x '
                    || {_plain("a.kwh_per_unit_year")} || ' kWh a year x '
                    || {_plain("a.lifetime_years")}
                    || ' years of direct use-phase electricity at the grid factor of '
                    || a.country || ' (GHG Protocol Scope 3 Standard, category 11)'
                    WHEN a.supplier_id IS NOT NULL AND am.scope = '3' THEN concat_ws('; ',
                        am.note, 'supplier ' || a.supplier_id || '''s own activity: replaces '
                        || 'the estimate of its category '
                        || COALESCE(a.scope3_category, am.scope3_category) || ' purchase lines')
                    ELSE am.note END AS note,
               CASE WHEN am.error IS NULL AND am.factor_id IS NULL
                    THEN 'no factor for activity ' || a.activity
                    WHEN am.error IS NULL AND am.scope = '3' AND a.scope3_category IS NULL
                         AND am.scope3_category IS NULL THEN am.category_error
                    WHEN am.error IS NULL AND am.use_phase AND a.kwh_per_unit_year IS NULL
                         THEN a.activity || ' needs kwh_per_unit_year and lifetime_years'
                    ELSE am.error END
                   AS reject_reason
        FROM activities a
        LEFT JOIN activity_map am {key_join("am")}
    ),
    electricity AS (
        SELECT b.source_id, upper(left(a.country, 2)) AS market,
               CASE b.activity_unit WHEN 'MWh' THEN b.activity_amount
                                    WHEN 'kWh' THEN b.activity_amount / 1000.0
                                    WHEN 'GWh' THEN b.activity_amount * 1000.0 END AS mwh
        FROM base b JOIN activities a ON a.activity_id = b.source_id
        WHERE b.scope = '2' AND b.reject_reason IS NULL
    ),
    markets AS (
        SELECT e.market, sum(e.mwh) AS mwh, COALESCE(max(i.mwh), 0) AS instrument_mwh
        FROM electricity e
        LEFT JOIN (
            SELECT upper(country) AS market,
                   sum(mwh * greatest(0, date_diff('day', greatest(period_start, {first}),
                                                    least(period_end, {last})) + 1)
                       / greatest(1, date_diff('day', period_start, period_end) + 1)) AS mwh
            FROM instruments GROUP BY 1
        ) i ON i.market = e.market
        GROUP BY 1
    ),
    coverage AS (
        SELECT e.source_id, m.market, m.instrument_mwh,
               least(1.0, m.instrument_mwh / nullif(m.mwh, 0)) AS coverage
        FROM electricity e JOIN markets m USING (market)
        WHERE m.instrument_mwh > 0
    )
    SELECT * REPLACE (CASE WHEN scope = '2' THEN '2_location' ELSE scope END AS scope),
           NULL::DOUBLE AS electricity_mwh, NULL::DOUBLE AS covered_mwh
    FROM base
    UNION ALL
    SELECT b.* REPLACE ('2_market' AS scope, {uncovered},
           CASE WHEN c.coverage IS NULL THEN
               'market-based: no contractual instruments recorded; all of it at ' || {rest}
               || ' (GHG Protocol Scope 2 Guidance, 6.11)'
           ELSE
               'market-based: contractual instruments (REC, GO, I-REC, PPA) of '
               || round(c.instrument_mwh, 1) || ' MWh cover ' || round(c.coverage * 100, 1)
               || ' % of the year''s electricity in ' || c.market
               || '; the rest at ' || {rest}
           END AS note),
           e.mwh AS electricity_mwh, e.mwh * COALESCE(c.coverage, 0) AS covered_mwh
    FROM base b
    LEFT JOIN coverage c ON c.source_id = b.source_id
    LEFT JOIN electricity e ON e.source_id = b.source_id
    LEFT JOIN residual rm ON rm.market = e.market
    WHERE b.scope = '2'
    UNION ALL BY NAME
    SELECT 'upstream' AS source, a.activity_id || '#' || um.part AS source_id,
           NULL::VARCHAR AS supplier_id, '3' AS scope, 3 AS scope3_category,
           'average_data' AS method, um.factor_set, um.factor_id,
           a.amount::DOUBLE * um.multiplier AS activity_amount, um.factor_unit AS activity_unit,
           NULL::DOUBLE AS fx_usd_per_unit, NULL::DOUBLE AS cpi_ratio, {upstream_gases},
           false AS q_verified, um.region_matches AS q_region, false AS q_partial,
           0.0 AS primary_kg_co2e,
           least(abs({year} - COALESCE(um.factor_year, {year})), {MAX_YEAR_GAP}) AS q_gap,
           false AS is_primary, a.amount::DOUBLE AS input_amount, a.unit AS input_unit,
           um.note AS note, NULL::VARCHAR AS reject_reason,
           NULL::DOUBLE AS electricity_mwh, NULL::DOUBLE AS covered_mwh
    FROM activities a
    JOIN activity_map am {key_join("am")}
    JOIN upstream_map um {key_join("um")}
    WHERE am.error IS NULL AND am.factor_id IS NOT NULL
    """


def _collect(con: duckdb.DuckDBPyConnection) -> CalculationOutput:
    kg_sum = " + ".join(GAS_COLS)
    con.execute(
        f"""
        CREATE TEMP TABLE results AS
        SELECT r.* EXCLUDE (q_verified, q_region, q_gap, q_partial, reject_reason, note,
                            {", ".join(f"pf_{d}" for d in DQ_COLUMNS)},
                            input_amount, input_unit,
                            electricity_mwh, covered_mwh, {", ".join(GAS_COLS)}),
               {", ".join(f"COALESCE({c}, 0) AS {c}" for c in GAS_COLS)},
               {", ".join(_line_rating(d) for d in DQ_COLUMNS)}, r.note
        FROM (SELECT * FROM purchase_results UNION ALL BY NAME SELECT * FROM activity_results) r
        JOIN quality q ON q.q_method = r.method AND q.q_verified = r.q_verified
                      AND q.q_region = r.q_region AND q.q_gap = r.q_gap
                      AND q.q_partial = r.q_partial
        WHERE r.reject_reason IS NULL
        """
    )
    # Repeated texts become ENUMs, which reach Arrow dictionary-encoded: compact to store.
    for column in (
        "source",
        "supplier_id",
        "scope",
        "method",
        "factor_set",
        "factor_id",
        "activity_unit",
        "note",
    ):
        con.execute(
            f"CREATE TYPE {column}_t AS ENUM "
            f"(SELECT DISTINCT {column} FROM results WHERE {column} IS NOT NULL)"
        )
    lines = (
        con.sql(
            f"SELECT source::source_t AS source, source_id, supplier_id::supplier_id_t AS "
            f"supplier_id, scope::scope_t AS scope, scope3_category, method::method_t AS method, "
            f"factor_set::factor_set_t AS factor_set, factor_id::factor_id_t AS factor_id, "
            f"activity_amount, activity_unit::activity_unit_t AS activity_unit, fx_usd_per_unit, "
            f"cpi_ratio, ({kg_sum}) AS kg_co2e, primary_kg_co2e, {', '.join(GAS_COLS)}, "
            f"dq_technological, "
            f"dq_geographical, dq_temporal, dq_completeness, dq_reliability, is_primary, "
            f"note::note_t AS note FROM results"
        )
        .to_arrow_table()
        .select(RESULT_COLUMNS)
    )
    rejected = con.sql(
        "SELECT DISTINCT source, source_id, reject_reason AS reason FROM "
        "(SELECT source, source_id, reject_reason FROM purchase_results UNION ALL "
        "SELECT source, source_id, reject_reason FROM activity_results) "
        "WHERE reject_reason IS NOT NULL ORDER BY source, source_id"
    ).to_arrow_table()
    # one row per reason and unit: what could not be calculated and how much of it
    summary_rows = (
        con.execute(
            "SELECT reject_reason, count(*), sum(input_amount), input_unit, "
            "list(source_id ORDER BY source_id)[1:5] FROM "
            "(SELECT source_id, reject_reason, input_amount, input_unit FROM purchase_results "
            "UNION ALL SELECT source_id, reject_reason, input_amount, input_unit "
            "FROM activity_results WHERE scope IS DISTINCT FROM '2_market') "
            "WHERE reject_reason IS NOT NULL GROUP BY reject_reason, input_unit ORDER BY 2 DESC, 1"
        ).fetchall()
        if rejected.num_rows
        else []
    )
    rejected_summary = [
        (str(reason), int(n), float(amount or 0.0), str(unit or ""), [str(i) for i in ids])
        for reason, n, amount, unit, ids in summary_rows
    ]
    con.execute(f"CREATE TEMP VIEW t AS SELECT *, ({kg_sum}) AS kg FROM results")
    in_total = "scope <> '2_location'"
    kg_by_scope = dict(con.execute("SELECT scope, sum(kg) FROM t GROUP BY scope").fetchall())
    kg_by_category = dict(
        con.execute(
            "SELECT scope3_category, sum(kg) FROM t WHERE scope = '3' GROUP BY 1"
        ).fetchall()
    )
    kg_by_method = dict(
        con.execute(f"SELECT method, sum(kg) FROM t WHERE {in_total} GROUP BY 1").fetchall()
    )
    kg_by_category_method: dict[int, dict[str, float]] = {}
    for category, method, kg in con.execute(
        "SELECT scope3_category, method, sum(kg) FROM t WHERE scope = '3' GROUP BY 1, 2 "
        "ORDER BY 1, 3 DESC"
    ).fetchall():
        if category is not None:
            kg_by_category_method.setdefault(int(category), {})[str(method)] = float(kg)
    gas_row = con.execute(
        f"SELECT {', '.join(f'COALESCE(sum({c}), 0)' for c in GAS_COLS)} FROM t WHERE {in_total}"
    ).fetchone()
    kg_by_gas = {g.value: float(v) for (g, _), v in zip(GAS_COLUMNS, gas_row or (), strict=True)}
    suppliers = [
        (str(s), float(kg), str(m), float(spend or 0.0))
        for s, kg, m, spend in con.execute(
            """
            WITH by_method AS (
                SELECT supplier_id, method, sum(kg) AS kg,
                       sum(spend_usd) AS spend
                FROM t WHERE scope = '3' AND supplier_id IS NOT NULL GROUP BY 1, 2
            )
            SELECT supplier_id, sum(kg), arg_max(method, kg), sum(spend)
            FROM by_method GROUP BY 1 ORDER BY 2 DESC, 1
            """
        ).fetchall()
    ]
    (primary,) = con.execute(
        "SELECT COALESCE(sum(primary_kg_co2e), 0) FROM t WHERE scope = '3'"
    ).fetchone() or (0.0,)
    (dq,) = con.execute(
        f"SELECT COALESCE(sum(kg * (dq_technological + dq_geographical + dq_temporal + "
        f"dq_completeness + dq_reliability) / 5.0) / NULLIF(sum(kg), 0), 0) "
        f"FROM t WHERE {in_total}"
    ).fetchone() or (0.0,)
    # every input line has one result line, electricity a second one (market-based Scope 2)
    (count,) = con.execute(
        "SELECT count(*) FROM results WHERE scope <> '2_market' AND source <> 'upstream'"
    ).fetchone() or (0,)
    (electricity_mwh, covered_mwh) = con.execute(
        "SELECT COALESCE(sum(electricity_mwh), 0), COALESCE(sum(covered_mwh), 0) "
        "FROM activity_results WHERE scope = '2_market' AND reject_reason IS NULL"
    ).fetchone() or (0.0, 0.0)
    # Electricity that could not be calculated (no grid factor for its country) was still
    # consumed: it belongs in the denominator of the renewable share, uncovered.
    (rejected_mwh,) = con.execute(
        "SELECT COALESCE(sum(a.amount * CASE lower(a.unit) WHEN 'mwh' THEN 1.0 "
        "WHEN 'kwh' THEN 0.001 WHEN 'gwh' THEN 1000.0 WHEN 'wh' THEN 0.000001 END), 0) "
        "FROM activity_results r JOIN activities a ON a.activity_id = r.source_id "
        "WHERE r.reject_reason IS NOT NULL AND lower(trim(a.activity)) = 'electricity'"
    ).fetchone() or (0.0,)
    electricity_mwh += rejected_mwh
    return CalculationOutput(
        electricity_mwh=float(electricity_mwh),
        instrument_mwh=float(covered_mwh),
        lines=lines,
        rejected=rejected,
        kg_by_scope={str(k): float(v) for k, v in kg_by_scope.items()},
        kg_by_category={int(k): float(v) for k, v in kg_by_category.items() if k is not None},
        kg_by_method={str(k): float(v) for k, v in kg_by_method.items()},
        kg_by_category_method=kg_by_category_method,
        kg_by_gas=kg_by_gas,
        suppliers=suppliers,
        primary_scope3_kg=float(primary),
        data_quality_score=float(dq),
        line_count=int(count),
        rejected_summary=rejected_summary,
    )


class DuckDbEngine:
    """The calculation engine port, on DuckDB and Arrow."""

    def distinct_activities(
        self, activities: pa.Table
    ) -> list[tuple[str, str, str, str, str, float, str, str]]:
        con = duckdb.connect()
        try:
            con.register("a", _with_gas_columns(activities))
            rows = con.execute(
                "SELECT DISTINCT activity, country, unit, COALESCE(gas, ''), "
                "COALESCE(process, ''), COALESCE(abatement, 0)::DOUBLE, "
                "COALESCE(material, ''), COALESCE(treatment, '') FROM a ORDER BY ALL"
            ).fetchall()
        finally:
            con.close()
        return [
            (str(a), str(c), str(u), str(g), str(p), float(b), str(m), str(t))
            for a, c, u, g, p, b, m, t in rows
        ]

    def circularity(self, take_back: pa.Table | None) -> dict[str, Any]:
        """What the year's take-back records add up to: tonnes and units returned, the reuse
        rate (reused or refurbished / returned) and the recycling rate (recycled / what could
        not be reused), in total and per product line. Not emissions: nothing is netted."""
        if take_back is None or take_back.num_rows == 0:
            return {}
        con = duckdb.connect()
        try:
            con.register("t", take_back)
            rates = (
                "sum(tonnes_returned) AS tonnes, sum(units_returned) AS units, "
                "sum(tonnes_returned * (share_reused + share_refurbished)) "
                "/ sum(tonnes_returned) AS reuse_rate, "
                "sum(tonnes_returned * share_recycled) / nullif(sum(tonnes_returned * "
                "(1 - share_reused - share_refurbished)), 0) AS recycling_rate"
            )
            total = con.execute(f"SELECT {rates} FROM t").fetchone()
            lines = con.execute(
                f"SELECT product_line, {rates} FROM t GROUP BY 1 ORDER BY 2 DESC, 1"
            ).fetchall()
        finally:
            con.close()

        def figures(tonnes: Any, units: Any, reuse: Any, recycling: Any) -> dict[str, Any]:
            return {
                "tonnes_returned": round(float(tonnes), 6),
                "units_returned": int(units) if units is not None else None,
                "reuse_rate": round(float(reuse), 6),
                "recycling_rate": round(float(recycling), 6) if recycling is not None else None,
            }

        assert total is not None
        return figures(*total) | {
            "product_lines": [{"product_line": str(r[0]), **figures(*r[1:])} for r in lines]
        }

    def distinct_materials(self, purchases: pa.Table) -> list[tuple[str, str]]:
        """Distinct (material, unit) of the purchase lines that give a material."""
        if "material" not in purchases.column_names:
            return []
        con = duckdb.connect()
        try:
            con.register("p", purchases)
            rows = con.execute(
                "SELECT DISTINCT material, unit FROM p WHERE material IS NOT NULL "
                "AND unit IS NOT NULL ORDER BY ALL"
            ).fetchall()
        finally:
            con.close()
        return [(str(m), str(u)) for m, u in rows]

    def distinct_currencies(self, inputs: Mapping[str, pa.Table]) -> set[str]:
        found: set[str] = set()
        for name in ("purchases", "supplier_data"):
            column = inputs[name].column("currency")
            found |= {str(c) for c in pc.unique(column).to_pylist() if c is not None}
        return found

    def digest(self, inputs: Mapping[str, pa.Table]) -> str:
        from greenchain.adapters.db.workspace import digest_tables

        return digest_tables(inputs)

    def row_count(self, table: pa.Table) -> int:
        return int(table.num_rows)

    def calculate(
        self,
        *,
        year: int,
        inputs: Mapping[str, pa.Table],
        activity_map: Sequence[Mapping[str, Any]],
        eeio: Sequence[Mapping[str, Any]],
        fx: Mapping[str, float],
        cpi_ratio: float,
        eeio_set_key: str,
        eeio_data_year: int,
        spend_note: str,
        supplier_data_max_age_years: int = 0,
        fx_monthly: Mapping[tuple[str, int], float] | None = None,
        upstream_map: Sequence[Mapping[str, Any]] = (),
        residual_mix: Sequence[Mapping[str, Any]] = (),
        material_map: Sequence[Mapping[str, Any]] = (),
        regional_eeio: Sequence[Mapping[str, Any]] = (),
    ) -> CalculationOutput:
        return calculate(
            year=year,
            purchases=inputs["purchases"],
            suppliers=inputs["suppliers"],
            supplier_data=inputs["supplier_data"],
            product_footprints=inputs["product_footprints"],
            activities=inputs["activities"],
            instruments=inputs.get("instruments"),
            activity_map=activity_map,
            eeio=eeio,
            fx=fx,
            cpi_ratio=cpi_ratio,
            eeio_set_key=eeio_set_key,
            eeio_data_year=eeio_data_year,
            spend_note=spend_note,
            supplier_data_max_age_years=supplier_data_max_age_years,
            fx_monthly=fx_monthly,
            upstream_map=upstream_map,
            residual_mix=residual_mix,
            material_map=material_map,
            regional_eeio=regional_eeio,
        )
