"""Calculation runs in the workspace: the input tables of a year for the engine, storing a
run (its lines as a file of the line store first, then the run row, its rejected lines and
restatements and its ledger entry in one transaction) and reading runs back (only those the
ledger records).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Engine, func, insert, select

from greenchain.adapters.compute.collect import ResultLines
from greenchain.adapters.compute.sources import Input, ParquetInput
from greenchain.adapters.db import tables as t
from greenchain.adapters.db.bulk import BulkStore
from greenchain.adapters.db.line_snapshots import SnapshotReader
from greenchain.adapters.linestore import LineStore
from greenchain.domain.errors import NotFoundError


@dataclass(frozen=True)
class StoredRun:
    id: int
    org_id: int
    year: int
    gwp_set: str
    previous_run_id: int | None
    summary: dict[str, Any]
    created_at: dt.datetime


class CalculationRuns:
    """The calculation runs of the workspace (a part of ``SqlWorkspace``)."""

    LATEST_RUN_TTL_S = 1.0
    engine: Engine
    bulk: BulkStore
    lines: LineStore
    snapshots: SnapshotReader
    _runs: dict[int, StoredRun]
    _latest: dict[tuple[int, int], tuple[float, int | None]]

    def load_calculation_inputs(
        self, org_id: int, year: int, supplier_data_max_age_years: int = 0
    ) -> dict[str, Input]:
        """The input tables of ``year`` (the purchase lines as a selection of the snapshot
        file, read by the engine); supplier data of ``year`` and of up to
        ``supplier_data_max_age_years`` before it (the engine uses the latest of each supplier).
        """
        start, end = f"{year}-01-01", f"{year}-12-31"
        first_data_year = year - supplier_data_max_age_years
        date_filter = (
            f"date >= '{start}' AND date <= '{end}'"
            if self.bulk.dialect == "sqlite"
            else f"date >= DATE '{start}' AND date <= DATE '{end}'"
        )
        queries = {
            "suppliers": f"SELECT supplier_id, country FROM suppliers WHERE org_id = {org_id}",
            "supplier_data": "SELECT supplier_id, year, revenue, currency, scope1_t, "
            "scope2_market_t, scope3_upstream_t, verified, allocated_t, "
            "allocation_includes_upstream FROM supplier_data "
            f"WHERE org_id = {org_id} AND year >= {first_data_year} AND year <= {year} "
            "ORDER BY supplier_id, year",
            "product_footprints": "SELECT product_id, supplier_id, declared_unit, "
            "kg_co2e_per_unit, reference_year, verified, primary_data_share, "
            "dqr_technological, dqr_temporal, dqr_geographical, dqr_completeness, "
            "dqr_reliability FROM product_footprints "
            f"WHERE org_id = {org_id} ORDER BY product_id",
            "activities": "SELECT activity_id, activity, amount, unit, country, "
            "scope3_category, gas, process, abatement, kwh_per_unit_year, lifetime_years, "
            "material, treatment, supplier_id, regulated_ets FROM "
            f"activity_data WHERE org_id = {org_id} AND {date_filter} ORDER BY activity_id",
            "take_back": "SELECT record_id, product_line, units_returned, tonnes_returned, "
            "share_reused, share_refurbished, share_recycled, share_incinerated, "
            f"share_landfilled FROM take_back WHERE org_id = {org_id} AND year = {year} "
            "ORDER BY record_id",
            # instruments whose generation period overlaps the year (pro-rated in the engine)
            "instruments": "SELECT instrument_id, instrument, mwh, period_start, period_end, "
            f"country FROM energy_attributes WHERE org_id = {org_id} AND "
            + date_filter.replace("date >=", "period_end >=").replace(
                "AND date <=", "AND period_start <="
            )
            + " ORDER BY instrument_id",
        }
        with self.bulk.transaction() as tx:
            tables: dict[str, Input] = {
                name: _typed(tx.fetch_declared(sql, INPUT_SCHEMAS[name]), INPUT_SCHEMAS[name])
                for name, sql in queries.items()
            }
        # the year's purchase lines: read from the organisation's snapshot file by the engine
        snapshot = self.snapshots.current(org_id, "purchase_lines")
        tables["purchases"] = (
            INPUT_SCHEMAS["purchases"].empty_table()
            if snapshot is None
            else ParquetInput(
                path=self.lines.path(snapshot.sha256, "parquet"),
                sha256=snapshot.sha256,
                schema=INPUT_SCHEMAS["purchases"],
                where=f"date BETWEEN DATE '{start}' AND DATE '{end}'",
                expressions={"month": "month(date)"},
            )
        )
        return tables

    def save_run(
        self,
        *,
        org_id: int,
        year: int,
        gwp_set: str,
        previous_run_id: int | None,
        inputs_sha256: str,
        factor_sets: Sequence[str],
        summary: Mapping[str, Any],
        lines: ResultLines,
        rejected: pa.Table,
        restatements: Iterable[Mapping[str, Any]],
        now: dt.datetime,
        then: Callable[[object, int], object] | None = None,
    ) -> int:
        """Store a calculation run: its lines' Parquet file in the line store (first, named by
        its SHA-256), the run in one transaction in which ``then(connection, run_id)`` runs
        last (the run's ledger entry); runs never change."""
        lines_sha256 = self.lines.put_file(lines.path, "parquet", move=True)
        with self.engine.begin() as conn:
            key = conn.execute(
                insert(t.calculation_runs).values(
                    org_id=org_id,
                    year=year,
                    gwp_set=gwp_set,
                    previous_run_id=previous_run_id,
                    inputs_sha256=inputs_sha256,
                    factor_sets=list(factor_sets),
                    summary=dict(summary),
                    line_count=int(summary.get("lines", 0)),
                    rejected_count=rejected.num_rows,
                    lines_sha256=lines_sha256,
                    lines_format="parquet",
                    created_at=now,
                )
            ).inserted_primary_key
            assert key is not None
            run_id = int(key[0])
            if rejected.num_rows:
                conn.execute(
                    insert(t.rejected_lines),
                    [{**r, "run_id": run_id} for r in rejected.to_pylist()],
                )
            rows = [{**r, "run_id": run_id} for r in restatements]
            if rows:
                conn.execute(insert(t.restatements), rows)
            if then is not None:
                then(conn, run_id)
        self._latest.clear()
        return run_id

    def _run_from_row(self, row: Any) -> StoredRun:
        summary = row.summary if isinstance(row.summary, dict) else json.loads(row.summary)
        return StoredRun(
            row.id, row.org_id, row.year, row.gwp_set, row.previous_run_id, summary, row.created_at
        )

    def latest_run_id(self, org_id: int, year: int) -> int | None:
        cached = self._latest.get((org_id, year))
        if cached is not None and time.monotonic() - cached[0] < self.LATEST_RUN_TTL_S:
            return cached[1]
        with self.engine.connect() as conn:
            value = conn.execute(
                select(func.max(t.calculation_runs.c.id)).where(
                    t.calculation_runs.c.org_id == org_id,
                    t.calculation_runs.c.year == year,
                    _RECORDED_RUN,
                )
            ).scalar()
        found = None if value is None else int(value)
        self._latest[(org_id, year)] = (time.monotonic(), found)
        return found

    def run_years(self, org_id: int) -> list[int]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.calculation_runs.c.year)
                .where(t.calculation_runs.c.org_id == org_id, _RECORDED_RUN)
                .distinct()
            )
            return sorted((int(r[0]) for r in rows), reverse=True)

    def latest_run(self, org_id: int, year: int) -> StoredRun | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(*_RUN_COLUMNS)
                .where(
                    t.calculation_runs.c.org_id == org_id,
                    t.calculation_runs.c.year == year,
                    _RECORDED_RUN,
                )
                .order_by(t.calculation_runs.c.id.desc())
            ).first()
        return None if row is None else self._run_from_row(row)

    def get_run(self, org_id: int, run_id: int) -> StoredRun:
        """A run (tenant-checked). Runs never change, so they are kept in a small cache."""
        cached = self._runs.get(run_id)
        if cached is not None and cached.org_id == org_id:
            return cached
        with self.engine.connect() as conn:
            row = conn.execute(
                select(*_RUN_COLUMNS).where(
                    t.calculation_runs.c.org_id == org_id,
                    t.calculation_runs.c.id == run_id,
                    _RECORDED_RUN,
                )
            ).first()
        if row is None:
            raise NotFoundError(f"calculation run {run_id} not found")
        run = self._run_from_row(row)
        if len(self._runs) >= 64:
            self._runs.pop(next(iter(self._runs)))
        self._runs[run_id] = run
        return run

    def list_runs(self, org_id: int, year: int | None = None) -> list[StoredRun]:
        query = select(*_RUN_COLUMNS).where(t.calculation_runs.c.org_id == org_id, _RECORDED_RUN)
        if year is not None:
            query = query.where(t.calculation_runs.c.year == year)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(t.calculation_runs.c.id)).all()
        return [self._run_from_row(r) for r in rows]


_RUN_COLUMNS = [c for c in t.calculation_runs.c if c.name not in ("lines_arrow", "lines_format")]

#: A run counts (reports, the API, the next run's restatements) only once the ledger entry
#: that records it is stored: a run written without one, by a crash or by hand, is not served.
_RECORDED_RUN = t.calculation_runs.c.ledger_leaf_hash.in_(select(t.ledger_entries.c.leaf_hash))

_RESTATEMENT_SCHEMA = pa.schema(
    [
        ("supplier_id", pa.string()),
        ("previous_method", pa.string()),
        ("new_method", pa.string()),
        ("previous_t_co2e", pa.float64()),
        ("new_t_co2e", pa.float64()),
        ("reason", pa.string()),
    ]
)


_S, _F, _I, _B = pa.string(), pa.float64(), pa.int64(), pa.bool_()
INPUT_SCHEMAS: dict[str, pa.Schema] = {
    "purchases": pa.schema(
        [
            ("line_id", _S),
            ("supplier_id", _S),
            ("amount", _F),
            ("currency", _S),
            ("naics_code", _S),
            ("scope3_category", _I),
            ("quantity", _F),
            ("unit", _S),
            ("product_id", _S),
            ("month", _I),
            ("material", _S),
        ]
    ),
    "suppliers": pa.schema([("supplier_id", _S), ("country", _S)]),
    "take_back": pa.schema(
        [
            ("record_id", _S),
            ("product_line", _S),
            ("units_returned", _I),
            ("tonnes_returned", _F),
            ("share_reused", _F),
            ("share_refurbished", _F),
            ("share_recycled", _F),
            ("share_incinerated", _F),
            ("share_landfilled", _F),
        ]
    ),
    "supplier_data": pa.schema(
        [
            ("supplier_id", _S),
            ("year", _I),
            ("revenue", _F),
            ("currency", _S),
            ("scope1_t", _F),
            ("scope2_market_t", _F),
            ("scope3_upstream_t", _F),
            ("verified", _B),
            ("allocated_t", _F),
            ("allocation_includes_upstream", _B),
        ]
    ),
    "product_footprints": pa.schema(
        [
            ("product_id", _S),
            ("supplier_id", _S),
            ("declared_unit", _S),
            ("kg_co2e_per_unit", _F),
            ("reference_year", _I),
            ("verified", _B),
            ("primary_data_share", _F),
            ("dqr_technological", _F),
            ("dqr_temporal", _F),
            ("dqr_geographical", _F),
            ("dqr_completeness", _F),
            ("dqr_reliability", _F),
        ]
    ),
    "activities": pa.schema(
        [
            ("activity_id", _S),
            ("activity", _S),
            ("amount", _F),
            ("unit", _S),
            ("country", _S),
            ("scope3_category", _I),
            ("gas", _S),
            ("process", _S),
            ("abatement", _F),
            ("kwh_per_unit_year", _F),
            ("lifetime_years", _F),
            ("material", _S),
            ("treatment", _S),
            ("supplier_id", _S),
            ("regulated_ets", _B),
        ]
    ),
    "instruments": pa.schema(
        [
            ("instrument_id", _S),
            ("instrument", _S),
            ("mwh", _F),
            ("period_start", pa.date32()),
            ("period_end", pa.date32()),
            ("country", _S),
        ]
    ),
}


def _typed(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """Give the fetched columns their types: SQLite hands back integers for booleans and
    untyped (null) columns when a column holds no value."""
    columns = []
    for field in schema:
        column = table.column(field.name)
        if pa.types.is_boolean(field.type) and not pa.types.is_boolean(column.type):
            column = pc.not_equal(column.cast(pa.int64()), 0)
        elif column.null_count == len(column) and column.type != field.type:
            column = pa.chunked_array([pa.nulls(len(column), field.type)])
        columns.append(column.cast(field.type))
    return pa.Table.from_arrays(columns, schema=schema)
