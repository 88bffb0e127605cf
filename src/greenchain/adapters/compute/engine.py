"""Bulk calculation of an inventory, vectorised over Arrow tables, on DuckDB by default.

The formulas are those of ``greenchain.domain.methods.formulas``; here they run on whole columns
(one SQL statement over all purchase lines), which is what makes a million lines take seconds.
The statements are written once and run on a ``SqlRunner``: DuckDB in process, or Apache Spark
(``spark_engine``), which transpiles them with SQLGlot.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from itertools import product
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from greenchain.adapters.compute.activity_sql import activity_sql
from greenchain.adapters.compute.columns import (
    ACTIVITY_MAP_SCHEMA,
    DQ_COLUMNS,
    EEIO_SCHEMA,
    FX_MONTH_SCHEMA,
    FX_SCHEMA,
    GAS_COLS,
    GAS_COLUMNS,
    MATERIAL_MAP_SCHEMA,
    MAX_YEAR_GAP,
    REGIONAL_EEIO_SCHEMA,
    RESIDUAL_SCHEMA,
    RESULT_COLUMNS,
    UPSTREAM_MAP_SCHEMA,
    WORK_COLUMNS,
    table,
    with_gas_columns,
)
from greenchain.adapters.compute.purchase_sql import purchase_sql
from greenchain.adapters.compute.runner import DuckDbRunner, SqlRunner
from greenchain.domain.methods import Method
from greenchain.domain.quality import rate_line


@dataclass(frozen=True)
class CalculationOutput:
    lines: pa.Table
    rejected: pa.Table
    kg_by_scope: dict[str, float]
    kg_by_category: dict[int, float]
    kg_by_method: dict[str, float]
    kg_by_gas: dict[str, float]
    #: supplier_id, kg, dominant method, spend USD, kg by method
    suppliers: list[tuple[str, float, str, float, dict[str, float]]]
    primary_scope3_kg: float
    data_quality_score: float
    line_count: int
    electricity_mwh: float = 0.0  # purchased electricity of the year (Scope 2 lines)
    instrument_mwh: float = 0.0  # of which covered by contractual instruments
    #: Scope 3 kg per category and method (what the report lists per category)
    kg_by_category_method: dict[int, dict[str, float]] = field(default_factory=dict)
    #: per reason and input unit: reason, lines, input amount, unit, first five line ids
    rejected_summary: list[tuple[str, int, float, str, list[str]]] = field(default_factory=list)
    #: Scope 1 kg CO2e of the rows under a regulated emissions trading scheme
    scope1_regulated_ets_kg: float = 0.0
    #: CO2 of burning biomass, reported apart from the scopes (kg CO2)
    biogenic_co2_kg: float = 0.0
    #: MWh of the fuels burnt (Scope 1 activity rows), by ESRS AR 34 group
    fuel_energy_mwh: dict[str, float] = field(default_factory=dict)
    kg_by_scope_gas: dict[str, dict[str, float]] = field(default_factory=dict)


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


def _line_rating(column: str) -> str:
    """A line's rating: the footprint's own where it declares one (for temporal the worse of it
    and the age of the footprint against the reporting year), otherwise the method's."""
    own = f"COALESCE(r.pf_{column}, q.{column})"
    return (
        f"greatest({own}, q.{column}) AS {column}"
        if column == "dq_temporal"
        else (f"{own} AS {column}")
    )


def calculation_tables(
    *,
    purchases: pa.Table,
    suppliers: pa.Table,
    supplier_data: pa.Table,
    product_footprints: pa.Table,
    activities: pa.Table,
    instruments: pa.Table | None,
    activity_map: Sequence[Mapping[str, Any]],
    eeio: Sequence[Mapping[str, Any]],
    fx: Mapping[str, float],
    fx_monthly: Mapping[tuple[str, int], float] | None,
    upstream_map: Sequence[Mapping[str, Any]],
    residual_mix: Sequence[Mapping[str, Any]],
    material_map: Sequence[Mapping[str, Any]],
    regional_eeio: Sequence[Mapping[str, Any]],
) -> dict[str, pa.Table]:
    """The tables the calculation's SQL reads, by the name it reads them under (``fx_month``
    only where monthly rates exist)."""
    if "material" not in purchases.column_names:  # inputs from before the column
        purchases = purchases.append_column("material", pa.nulls(purchases.num_rows, pa.string()))
    fx_rows = [{"currency": k, "usd_per_unit": v} for k, v in sorted(fx.items())]
    monthly = [
        {"currency": c, "month": m, "usd_per_unit": v}
        for (c, m), v in sorted((fx_monthly or {}).items())
    ]
    tables = {
        "suppliers": suppliers,
        "supplier_data": supplier_data,
        "product_footprints": product_footprints,
        "activities": with_gas_columns(activities),
        "instruments": instruments if instruments is not None else _no_instruments(),
        "activity_map": table(activity_map, ACTIVITY_MAP_SCHEMA),
        "upstream_map": table(upstream_map, UPSTREAM_MAP_SCHEMA),
        "residual": table(residual_mix, RESIDUAL_SCHEMA),
        "material_map": table(material_map, MATERIAL_MAP_SCHEMA),
        "eeio_regional": table(regional_eeio, REGIONAL_EEIO_SCHEMA),
        "purchases": purchases,
        "eeio": table(eeio, EEIO_SCHEMA),
        "fx": table(fx_rows, FX_SCHEMA),
        "quality": _quality_table(),
    }
    if monthly:
        tables["fx_month"] = table(monthly, FX_MONTH_SCHEMA)
    return tables


def run_calculation(
    db: SqlRunner,
    tables: Mapping[str, pa.Table],
    *,
    year: int,
    cpi_ratio: float,
    eeio_set_key: str,
    eeio_data_year: int,
    spend_note: str,
    supplier_data_max_age_years: int = 0,
) -> CalculationOutput:
    """The calculation on an engine: the same statements whichever ``db`` runs them."""
    for name, data in tables.items():
        db.register(name, data)
    db.materialize(
        "purchase_results",
        purchase_sql(
            year,
            cpi_ratio,
            eeio_set_key,
            eeio_data_year,
            spend_note,
            max_age=supplier_data_max_age_years,
            monthly_fx="fx_month" in tables,
        ),
    )
    db.materialize("activity_results", activity_sql(year))
    return _collect(db)


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


#: The columns of a line kept as they are from its calculation (the rest are rated, summed up
#: or only explain a rejection)
_KEPT = [
    c
    for c in WORK_COLUMNS
    if c
    not in {
        "q_verified",
        "q_region",
        "q_gap",
        "q_partial",
        "reject_reason",
        "note",
        *(f"pf_{d}" for d in DQ_COLUMNS),
        "input_amount",
        "input_unit",
        "regulated_ets",
        "kg_biogenic_co2",
        "energy_group",
        "energy_mwh",
        "electricity_mwh",
        "covered_mwh",
        *GAS_COLS,
    }
]
#: Texts that repeat over the lines, dictionary-encoded in the result
_DICTIONARY_COLUMNS = (
    "source",
    "supplier_id",
    "scope",
    "method",
    "factor_set",
    "factor_id",
    "activity_unit",
    "note",
)


def _collect(db: SqlRunner) -> CalculationOutput:
    kg_sum = " + ".join(GAS_COLS)
    work = ", ".join(WORK_COLUMNS)
    db.materialize(
        "results",
        f"""
        SELECT {", ".join(f"r.{c}" for c in _KEPT)},
               {", ".join(f"COALESCE(r.{c}, 0) AS {c}" for c in GAS_COLS)},
               {", ".join(_line_rating(d) for d in DQ_COLUMNS)}, r.note,
               COALESCE(r.regulated_ets, false) AS regulated_ets,
               COALESCE(r.kg_biogenic_co2, 0) AS kg_biogenic_co2
        FROM (SELECT {work} FROM purchase_results
              UNION ALL SELECT {work} FROM activity_results) r
        JOIN quality q ON q.q_method = r.method AND q.q_verified = r.q_verified
                      AND q.q_region = r.q_region AND q.q_gap = r.q_gap
                      AND q.q_partial = r.q_partial
        WHERE r.reject_reason IS NULL
        """,
    )
    lines = db.dictionary_arrow(
        f"SELECT source, source_id, supplier_id, scope, "
        f"CAST(scope3_category AS BIGINT) AS scope3_category, method, factor_set, factor_id, "
        f"activity_amount, activity_unit, fx_usd_per_unit, cpi_ratio, ({kg_sum}) AS kg_co2e, "
        f"primary_kg_co2e, {', '.join(GAS_COLS)}, "
        f"{', '.join(f'CAST({d} AS BIGINT) AS {d}' for d in DQ_COLUMNS)}, is_primary, "
        f"note, regulated_ets, kg_biogenic_co2 FROM results",
        _DICTIONARY_COLUMNS,
    ).select(RESULT_COLUMNS)
    rejected = db.arrow(
        "SELECT DISTINCT source, source_id, reject_reason AS reason FROM "
        "(SELECT source, source_id, reject_reason FROM purchase_results UNION ALL "
        "SELECT source, source_id, reject_reason FROM activity_results) x "
        "WHERE reject_reason IS NOT NULL ORDER BY source, source_id"
    )
    # one row per reason and unit: what could not be calculated and how much of it, with the
    # first five line ids
    summary: dict[tuple[str, str], tuple[int, float, list[str]]] = {}
    if rejected.num_rows:
        for reason, unit, n, amount, line_id in db.rows(
            """
            WITH x AS (
                SELECT source_id, reject_reason, input_amount, input_unit FROM purchase_results
                WHERE reject_reason IS NOT NULL
                UNION ALL SELECT source_id, reject_reason, input_amount, input_unit
                FROM activity_results WHERE scope IS DISTINCT FROM '2_market'
                AND reject_reason IS NOT NULL
            ),
            g AS (
                SELECT reject_reason, input_unit, count(*) AS n, sum(input_amount) AS amount
                FROM x GROUP BY reject_reason, input_unit
            ),
            f AS (
                SELECT reject_reason, input_unit, source_id, row_number() OVER (
                    PARTITION BY reject_reason, input_unit ORDER BY source_id) AS k
                FROM x
            )
            SELECT g.reject_reason, g.input_unit, g.n, g.amount, f.source_id
            FROM g JOIN f ON f.reject_reason = g.reject_reason
                         AND f.input_unit IS NOT DISTINCT FROM g.input_unit AND f.k <= 5
            ORDER BY g.n DESC, g.reject_reason, g.input_unit, f.k
            """
        ):
            _, _, ids = summary.setdefault(
                (str(reason), str(unit or "")), (int(n), float(amount or 0.0), [])
            )
            ids.append(str(line_id))
    rejected_summary = [
        (reason, n, amount, unit, ids) for (reason, unit), (n, amount, ids) in summary.items()
    ]
    # The totals, folded from one reduction of the lines by scope, category, method and
    # supplier (a few rows per supplier): one pass over the lines whatever the engine.
    dq_sum = " + ".join(DQ_COLUMNS)
    groups = [
        _Group.of(row)
        for row in db.rows(
            f"""
            SELECT scope, scope3_category, method, supplier_id,
                   sum(CASE WHEN source <> 'upstream' THEN 1 ELSE 0 END) AS input_lines,
                   sum(({kg_sum})) AS kg, sum(spend_usd) AS spend_usd,
                   sum(primary_kg_co2e) AS primary_kg,
                   sum(({kg_sum}) * ({dq_sum}) / 5.0) AS dq_kg,
                   sum(CASE WHEN regulated_ets THEN ({kg_sum}) ELSE 0 END) AS regulated_ets_kg,
                   sum(kg_biogenic_co2) AS biogenic_kg,
                   {", ".join(f"sum({c})" for c in GAS_COLS)}
            FROM results GROUP BY scope, scope3_category, method, supplier_id
            """
        )
    ]
    in_total = [g for g in groups if g.scope != "2_location"]
    scope3 = [g for g in groups if g.scope == "3"]
    kg_by_scope = _fold((g.scope, g.kg) for g in groups)
    kg_by_category = _fold((int(g.category), g.kg) for g in scope3 if g.category is not None)
    kg_by_method = _fold((g.method, g.kg) for g in in_total)
    kg_by_category_method: dict[int, dict[str, float]] = {}
    for category in sorted(kg_by_category):
        kg = _fold((g.method, g.kg) for g in scope3 if g.category == category)
        kg_by_category_method[category] = dict(sorted(kg.items(), key=lambda m: -m[1]))
    kg_by_gas = {
        gas.value: math.fsum(g.gases[i] or 0.0 for g in in_total)
        for i, (gas, _) in enumerate(GAS_COLUMNS)
    }
    kg_by_scope_gas = {
        scope: {
            gas.value: math.fsum(g.gases[i] or 0.0 for g in groups if g.scope == scope)
            for i, (gas, _) in enumerate(GAS_COLUMNS)
        }
        for scope in kg_by_scope
    }
    # per supplier: its kg, the method of most of them, its spend and its kg by method
    by_supplier: dict[str, list[_Group]] = {}
    for g in sorted(scope3, key=lambda g: str(g.method)):
        if g.supplier_id is not None:
            by_supplier.setdefault(str(g.supplier_id), []).append(g)
    suppliers = []
    for supplier, parts in by_supplier.items():
        kg_by_part = _fold((g.method, g.kg) for g in parts)
        suppliers.append(
            (
                supplier,
                math.fsum(kg_by_part.values()),
                max(kg_by_part, key=lambda m: kg_by_part[m]),
                math.fsum(g.spend_usd for g in parts if g.spend_usd is not None),
                kg_by_part,
            )
        )
    suppliers.sort(key=lambda s: (-s[1], s[0]))
    total_kg = math.fsum(g.kg for g in in_total)
    dq = math.fsum(g.dq_kg for g in in_total) / total_kg if total_kg else 0.0
    # every input line has one result line, electricity a second one (market-based Scope 2)
    count = sum(int(g.input_lines) for g in groups if g.scope != "2_market")
    energy: dict[str, dict[str | None, tuple[float, float]]] = {}
    for kind, key, mwh, covered in db.rows(
        """
        SELECT 'fuel' AS kind, energy_group AS name, sum(energy_mwh) AS mwh,
               CAST(NULL AS DOUBLE) AS covered
        FROM activity_results WHERE scope = '1' AND reject_reason IS NULL
        AND energy_group IS NOT NULL GROUP BY energy_group
        UNION ALL
        SELECT 'electricity', NULL, COALESCE(sum(electricity_mwh), 0),
               COALESCE(sum(covered_mwh), 0)
        FROM activity_results WHERE scope = '2_market' AND reject_reason IS NULL
        UNION ALL
        SELECT 'uncalculated electricity', NULL, COALESCE(sum(a.amount * CASE lower(a.unit)
                   WHEN 'mwh' THEN 1.0 WHEN 'kwh' THEN 0.001 WHEN 'gwh' THEN 1000.0
                   WHEN 'wh' THEN 0.000001 END), 0), NULL
        FROM activity_results r JOIN activities a ON a.activity_id = r.source_id
        WHERE r.reject_reason IS NOT NULL AND lower(trim(a.activity)) = 'electricity'
        """
    ):
        energy.setdefault(str(kind), {})[key] = (float(mwh or 0.0), float(covered or 0.0))
    electricity_mwh, covered_mwh = energy["electricity"][None]
    # Electricity that could not be calculated (no grid factor for its country) was still
    # consumed: it belongs in the denominator of the renewable share, uncovered.
    rejected_mwh, _ = energy["uncalculated electricity"][None]
    fuel_energy_mwh = {str(k): v for k, (v, _) in sorted(energy.get("fuel", {}).items())}
    return CalculationOutput(
        fuel_energy_mwh=fuel_energy_mwh,
        kg_by_scope_gas=kg_by_scope_gas,
        biogenic_co2_kg=math.fsum(g.biogenic_kg or 0.0 for g in in_total),
        scope1_regulated_ets_kg=math.fsum(g.regulated_ets_kg for g in groups if g.scope == "1"),
        electricity_mwh=electricity_mwh + rejected_mwh,
        instrument_mwh=covered_mwh,
        lines=lines,
        rejected=rejected,
        kg_by_scope=kg_by_scope,
        kg_by_category=kg_by_category,
        kg_by_method=kg_by_method,
        kg_by_category_method=kg_by_category_method,
        kg_by_gas=kg_by_gas,
        suppliers=suppliers,
        primary_scope3_kg=math.fsum(g.primary_kg or 0.0 for g in scope3),
        data_quality_score=dq,
        line_count=count,
        rejected_summary=rejected_summary,
    )


@dataclass(frozen=True)
class _Group:
    """The sums of the lines of one scope, category, method and supplier."""

    scope: str
    category: int | None
    method: str
    supplier_id: str | None
    input_lines: int
    kg: float
    spend_usd: float | None
    primary_kg: float | None
    dq_kg: float
    regulated_ets_kg: float
    biogenic_kg: float | None
    gases: tuple[float | None, ...]

    @classmethod
    def of(cls, row: tuple[Any, ...]) -> _Group:
        """From a row of the reduction: the sums in order, the gases last."""
        scope, category, method, supplier, lines, kg, spend, primary, dq, ets, bio, *gases = row
        return cls(
            scope, category, method, supplier, lines, kg, spend, primary, dq, ets, bio, (*gases,)
        )


def _fold(pairs: Iterable[tuple[Any, float]]) -> dict[Any, float]:
    """Exact sums (``math.fsum``) by key, in the order the keys come."""
    parts: dict[Any, list[float]] = {}
    for key, value in pairs:
        parts.setdefault(key, []).append(value)
    return {key: math.fsum(values) for key, values in parts.items()}


class DuckDbEngine:
    """The calculation engine port, on DuckDB and Arrow. The calculation's statements run on
    ``runner()``; the look-ups before it (distinct keys, currencies, the digest) read the Arrow
    inputs in process whatever the runner."""

    def distinct_activities(
        self, activities: pa.Table
    ) -> list[tuple[str, str, str, str, str, float, str, str]]:
        con = duckdb.connect()
        try:
            con.register("a", with_gas_columns(activities))
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
        from greenchain.adapters.db.runs import digest_tables

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
        tables = calculation_tables(
            purchases=inputs["purchases"],
            suppliers=inputs["suppliers"],
            supplier_data=inputs["supplier_data"],
            product_footprints=inputs["product_footprints"],
            activities=inputs["activities"],
            instruments=inputs.get("instruments"),
            activity_map=activity_map,
            eeio=eeio,
            fx=fx,
            fx_monthly=fx_monthly,
            upstream_map=upstream_map,
            residual_mix=residual_mix,
            material_map=material_map,
            regional_eeio=regional_eeio,
        )
        with self.runner() as db:
            return run_calculation(
                db,
                tables,
                year=year,
                cpi_ratio=cpi_ratio,
                eeio_set_key=eeio_set_key,
                eeio_data_year=eeio_data_year,
                spend_note=spend_note,
                supplier_data_max_age_years=supplier_data_max_age_years,
            )

    def runner(self) -> AbstractContextManager[SqlRunner]:
        """Where the calculation's statements run."""
        return DuckDbRunner()
