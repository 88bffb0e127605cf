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
    table,
    with_gas_columns,
)
from greenchain.adapters.compute.purchase_sql import purchase_sql
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
        con.register("activities", with_gas_columns(activities))
        con.register("instruments", instruments if instruments is not None else _no_instruments())
        con.register("activity_map", table(activity_map, ACTIVITY_MAP_SCHEMA))
        con.register("upstream_map", table(upstream_map, UPSTREAM_MAP_SCHEMA))
        con.register("residual", table(residual_mix, RESIDUAL_SCHEMA))
        con.register("material_map", table(material_map, MATERIAL_MAP_SCHEMA))
        con.register("eeio_regional", table(regional_eeio, REGIONAL_EEIO_SCHEMA))
        if "material" not in purchases.column_names:  # inputs from before the column
            purchases = purchases.append_column(
                "material", pa.nulls(purchases.num_rows, pa.string())
            )
        con.register("purchases", purchases)
        con.register("eeio", table(eeio, EEIO_SCHEMA))
        fx_rows = [{"currency": k, "usd_per_unit": v} for k, v in sorted(fx.items())]
        con.register("fx", table(fx_rows, FX_SCHEMA))
        monthly = [
            {"currency": c, "month": m, "usd_per_unit": v}
            for (c, m), v in sorted((fx_monthly or {}).items())
        ]
        if monthly:
            con.register("fx_month", table(monthly, FX_MONTH_SCHEMA))
        con.register("quality", _quality_table())
        con.execute(
            purchase_sql(
                year,
                cpi_ratio,
                eeio_set_key,
                eeio_data_year,
                spend_note,
                max_age=supplier_data_max_age_years,
                monthly_fx=bool(monthly),
            )
        )
        con.execute(activity_sql(year))
        return _collect(con)

    finally:
        con.close()


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


def _collect(con: duckdb.DuckDBPyConnection) -> CalculationOutput:
    kg_sum = " + ".join(GAS_COLS)
    con.execute(
        f"""
        CREATE TEMP TABLE results AS
        SELECT r.* EXCLUDE (q_verified, q_region, q_gap, q_partial, reject_reason, note,
                            {", ".join(f"pf_{d}" for d in DQ_COLUMNS)},
                            input_amount, input_unit, regulated_ets, kg_biogenic_co2,
                            energy_group, energy_mwh,
                            electricity_mwh, covered_mwh, {", ".join(GAS_COLS)}),
               {", ".join(f"COALESCE({c}, 0) AS {c}" for c in GAS_COLS)},
               {", ".join(_line_rating(d) for d in DQ_COLUMNS)}, r.note,
               COALESCE(r.regulated_ets, false) AS regulated_ets,
               COALESCE(r.kg_biogenic_co2, 0) AS kg_biogenic_co2
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
            f"note::note_t AS note, regulated_ets, kg_biogenic_co2 FROM results"
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
    kg_by_scope_gas = {
        str(scope): {g.value: float(v) for (g, _), v in zip(GAS_COLUMNS, sums, strict=True)}
        for scope, *sums in con.execute(
            f"SELECT scope, {', '.join(f'COALESCE(sum({c}), 0)' for c in GAS_COLS)} "
            "FROM t GROUP BY scope"
        ).fetchall()
    }
    suppliers = [
        (
            str(s),
            float(kg),
            str(m),
            float(spend or 0.0),
            {str(p["method"]): float(p["kg"] or 0.0) for p in parts},
        )
        for s, kg, m, spend, parts in con.execute(
            """
            WITH by_method AS (
                SELECT supplier_id, method, sum(kg) AS kg,
                       sum(spend_usd) AS spend
                FROM t WHERE scope = '3' AND supplier_id IS NOT NULL GROUP BY 1, 2
            )
            SELECT supplier_id, sum(kg), arg_max(method, kg), sum(spend),
                   list(struct_pack(method := method, kg := kg) ORDER BY method)
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
    (ets_kg, biogenic_kg) = con.execute(
        "SELECT COALESCE(sum(kg) FILTER (WHERE scope = '1' AND regulated_ets), 0), "
        f"COALESCE(sum(kg_biogenic_co2) FILTER (WHERE {in_total}), 0) FROM t"
    ).fetchone() or (0.0, 0.0)
    fuel_energy_mwh = {
        str(group): float(mwh)
        for group, mwh in con.execute(
            "SELECT energy_group, sum(energy_mwh) FROM activity_results WHERE scope = '1' "
            "AND reject_reason IS NULL AND energy_group IS NOT NULL GROUP BY 1 ORDER BY 1"
        ).fetchall()
    }
    return CalculationOutput(
        fuel_energy_mwh=fuel_energy_mwh,
        kg_by_scope_gas=kg_by_scope_gas,
        biogenic_co2_kg=float(biogenic_kg),
        scope1_regulated_ets_kg=float(ets_kg),
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
