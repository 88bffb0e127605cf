"""Bulk calculation of an inventory, vectorised over Arrow tables, on DuckDB by default.

The formulas are those of ``greenchain.domain.methods.formulas``; here they run on whole columns
(one SQL statement over all purchase lines), which is what makes a million lines take seconds.
The statements are written once and run on a ``SqlRunner``: DuckDB in process, or Apache Spark
(``spark_engine``), which transpiles them with SQLGlot.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any

import pyarrow as pa

from greenchain.adapters.compute.activity_sql import activity_sql
from greenchain.adapters.compute.collect import (
    CalculationOutput,
    ResultLines,
    collect,
    quality_table,
)
from greenchain.adapters.compute.columns import (
    ACTIVITY_MAP_SCHEMA,
    EEIO_SCHEMA,
    FX_MONTH_SCHEMA,
    FX_SCHEMA,
    MATERIAL_MAP_SCHEMA,
    REGIONAL_EEIO_SCHEMA,
    RESIDUAL_SCHEMA,
    RESULT_COLUMNS,
    UPSTREAM_MAP_SCHEMA,
    table,
    with_gas_columns,
)
from greenchain.adapters.compute.purchase_sql import allocation_sql, purchase_sql
from greenchain.adapters.compute.runner import DuckDbRunner, SqlRunner
from greenchain.adapters.compute.sources import Input, ParquetInput, digest_inputs, in_duckdb


def calculation_tables(
    *,
    purchases: Input,
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
) -> dict[str, Input]:
    """The tables the calculation's SQL reads, by the name it reads them under (``fx_month``
    only where monthly rates exist); the purchase lines may be a selection of a Parquet file."""
    if isinstance(purchases, pa.Table) and "material" not in purchases.column_names:
        purchases = purchases.append_column("material", pa.nulls(purchases.num_rows, pa.string()))
    fx_rows = [{"currency": k, "usd_per_unit": v} for k, v in sorted(fx.items())]
    monthly = [
        {"currency": c, "month": m, "usd_per_unit": v}
        for (c, m), v in sorted((fx_monthly or {}).items())
    ]
    tables: dict[str, Input] = {
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
        "quality": quality_table(),
    }
    if monthly:
        tables["fx_month"] = table(monthly, FX_MONTH_SCHEMA)
    return tables


def run_calculation(
    db: SqlRunner,
    tables: Mapping[str, Input],
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
        if isinstance(data, ParquetInput):  # read by the engine from the file
            db.register_parquet(f"{name}_file", data.path)
            db.view(name, data.sql(f"{name}_file"))
        else:
            db.register(name, data)
    # suppliers that allocated their emissions to the buyer themselves: their lines' spend
    if _any_allocation(tables["supplier_data"]):
        db.materialize(
            "allocation_spend",
            allocation_sql(
                year,
                cpi_ratio,
                max_age=supplier_data_max_age_years,
                monthly_fx="fx_month" in tables,
            ),
        )
    else:
        db.register("allocation_spend", _NO_ALLOCATION)
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
    return collect(db)


_NO_ALLOCATION = pa.table(
    {"supplier_id": pa.array([], pa.string()), "spend_usd": pa.array([], pa.float64())}
)


def _any_allocation(supplier_data: Input) -> bool:
    """Whether a supplier report gives the supplier's own allocation (``allocated_t``)."""
    if not isinstance(supplier_data, pa.Table) or "allocated_t" not in supplier_data.column_names:
        return True  # not known here: the statement finds out
    return bool(supplier_data.column("allocated_t").null_count < supplier_data.num_rows)


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


class DuckDbEngine:
    """The calculation engine port, on DuckDB and Arrow. The calculation's statements run on
    ``runner()``; the look-ups before it (distinct keys, currencies, the digest) read the
    inputs in process (the Arrow tables, the selection of a Parquet file) whatever the runner."""

    def distinct_activities(
        self, activities: pa.Table
    ) -> list[tuple[str, str, str, str, str, float, str, str]]:
        with in_duckdb(with_gas_columns(activities), "a") as con:
            rows = con.execute(
                "SELECT DISTINCT activity, country, unit, COALESCE(gas, ''), "
                "COALESCE(process, ''), COALESCE(abatement, 0)::DOUBLE, "
                "COALESCE(material, ''), COALESCE(treatment, '') FROM a ORDER BY ALL"
            ).fetchall()
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
        with in_duckdb(take_back, "t") as con:
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

    def distinct_materials(self, purchases: Input) -> list[tuple[str, str]]:
        """Distinct (material, unit) of the purchase lines that give a material."""
        if "material" not in purchases.column_names:
            return []
        if isinstance(purchases, ParquetInput):
            return list(purchases.summary.materials)
        with in_duckdb(purchases, "p") as con:
            rows = con.execute(
                "SELECT DISTINCT material, unit FROM p WHERE material IS NOT NULL "
                "AND unit IS NOT NULL ORDER BY ALL"
            ).fetchall()
        return [(str(m), str(u)) for m, u in rows]

    def distinct_currencies(self, inputs: Mapping[str, Input]) -> set[str]:
        found: set[str] = set()
        for name in ("purchases", "supplier_data"):
            data = inputs[name]
            if isinstance(data, ParquetInput):  # read with its count, in one pass
                found |= data.summary.currencies
                continue
            with in_duckdb(data, "i") as con:
                rows = con.execute(
                    "SELECT DISTINCT currency FROM i WHERE currency IS NOT NULL"
                ).fetchall()
            found |= {str(c) for (c,) in rows}
        return found

    def digest(self, inputs: Mapping[str, Input]) -> str:
        return digest_inputs(inputs)

    def row_count(self, table: Input) -> int:
        return int(table.num_rows) if isinstance(table, pa.Table) else table.rows

    def calculate(
        self,
        *,
        year: int,
        inputs: Mapping[str, Input],
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
        with self.runner(self.row_count(tables["purchases"])) as db:
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

    #: Purchase lines of a year beyond which the intermediate tables are files, not memory.
    LARGE_ROWS = 2_000_000

    def runner(self, rows: int = 0) -> AbstractContextManager[SqlRunner]:
        """Where the calculation's statements run, for a year of ``rows`` purchase lines."""
        return DuckDbRunner(large=rows > self.LARGE_ROWS, rows=rows)


__all__ = ["RESULT_COLUMNS", "CalculationOutput", "DuckDbEngine", "ResultLines", "run_calculation"]
