"""The result lines of calculation runs in the line store: writing them, moving those of
older runs out of the database, checking the files, and reading parts of them with DuckDB.

Why: readers of a run's lines (the line reader and its filters, the API's pages, a supplier's
emissions by year, the verifier's sample) need a page, a filtered count or a sum, never the
whole run in Python. DuckDB reads a Parquet file's columns and row groups as a query needs
them (projection and filter push-down), so a page of a ten-million-line run reads one row
group of the needed columns.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import Engine, select, update

from greenchain.adapters import duck
from greenchain.adapters.db import tables as t
from greenchain.adapters.linestore import LineStore
from greenchain.domain.lines import LINE_COLUMNS, LineSelection


def read_line_file(path: str, fmt: str) -> pa.Table:
    """A whole line file (for exports; readers of parts use :func:`lines_view`)."""
    if fmt == "parquet":
        return pq.read_table(path)
    with pa.memory_map(path) as source, pa.ipc.open_stream(source) as reader:
        return reader.read_all()


@contextmanager
def lines_view(
    path: str, fmt: str, *, numbered: bool = False
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A DuckDB connection with the run's lines as the view ``lines`` (a Parquet file is
    read lazily, as the queries need it; an Arrow stream of an older run is mapped);
    ``numbered``: with each Parquet line's position in the run as ``_line``."""
    con = duck.connect()
    try:
        if fmt == "parquet":
            quoted = path.replace("'", "''")
            source = (
                f"SELECT * RENAME (file_row_number AS _line) "
                f"FROM read_parquet('{quoted}', file_row_number = true)"
                if numbered
                else f"SELECT * FROM read_parquet('{quoted}')"
            )
        else:
            con.register("stored_lines", read_line_file(path, fmt))
            source = (
                "SELECT *, row_number() OVER () - 1 AS _line FROM stored_lines"
                if numbered
                else "SELECT * FROM stored_lines"
            )
        con.execute(f"CREATE TEMP VIEW lines AS {source}")
        yield con
    finally:
        con.close()


def with_rejected_lines(table: pa.Table, rejected: Sequence[tuple[Any, ...]]) -> pa.Table:
    """The calculated lines with a ``reject_reason`` column (empty), followed by the input
    lines that were not calculated (``source``, ``source_id``, ``reason``)."""
    plain = pa.schema(
        [
            pa.field(f.name, f.type.value_type) if pa.types.is_dictionary(f.type) else f
            for f in table.schema
        ]
    )
    calculated = table.cast(plain).append_column(
        "reject_reason", pa.nulls(table.num_rows, pa.string())
    )
    columns: dict[str, pa.Array] = {
        f.name: pa.nulls(len(rejected), f.type) for f in calculated.schema
    }
    columns["source"] = pa.array([r[0] for r in rejected], plain.field("source").type)
    columns["source_id"] = pa.array([r[1] for r in rejected], plain.field("source_id").type)
    columns["reject_reason"] = pa.array([r[2] for r in rejected], pa.string())
    return pa.concat_tables([calculated, pa.table(columns, schema=calculated.schema)])


def move_lines_to_store(engine: Engine, store: LineStore) -> int:
    """Move the lines of runs stored in the database (before the line store existed) into
    the store, one run at a time: the Arrow stream byte for byte (its ledger entry vouches for
    the SHA-256 of those bytes), then the run row pointed at it and its blob emptied. A blob
    whose bytes do not match the run's recorded SHA-256 stays where it is, for ``ledger
    verify`` to report. Returns how many runs were moved; running it again moves none."""
    runs = t.calculation_runs
    with engine.connect() as conn:
        pending = [
            int(r[0])
            for r in conn.execute(
                select(runs.c.id).where(runs.c.lines_format.is_(None)).order_by(runs.c.id)
            )
        ]
    moved = 0
    for run_id in pending:
        with engine.begin() as conn:
            row = conn.execute(
                select(runs.c.lines_arrow, runs.c.lines_sha256).where(
                    runs.c.id == run_id, runs.c.lines_format.is_(None)
                )
            ).first()
            if row is None or row.lines_arrow is None:
                continue
            sha256 = store.put_bytes(bytes(row.lines_arrow), "arrow")
            if sha256 != row.lines_sha256:
                continue
            conn.execute(
                update(runs)
                .where(runs.c.id == run_id)
                .values(lines_arrow=None, lines_format="arrow")
            )
            moved += 1
    return moved


def line_file_problems(engine: Engine, store: LineStore) -> list[dict[str, Any]]:
    """Each run whose line file is missing from the store or whose bytes do not hash to the
    SHA-256 the run (and its ledger entry) recorded; runs still in the database are checked
    by the ledger's row digest."""
    runs = t.calculation_runs
    with engine.connect() as conn:
        rows = conn.execute(
            select(runs.c.id, runs.c.org_id, runs.c.lines_sha256, runs.c.lines_format)
            .where(runs.c.lines_format.is_not(None))
            .order_by(runs.c.id)
        ).all()
    problems = []
    for row in rows:
        if not store.exists(row.lines_sha256, row.lines_format):
            problems.append(
                {"run_id": row.id, "org_id": row.org_id, "problem": "line file missing"}
            )
        elif store.file_sha256(row.lines_sha256, row.lines_format) != row.lines_sha256:
            problems.append(
                {
                    "run_id": row.id,
                    "org_id": row.org_id,
                    "problem": "line file changed since the run was recorded",
                }
            )
    return problems


def _where(selection: LineSelection) -> tuple[str, list[Any]]:
    """The SQL condition of ``selection`` (values as parameters; column names only from
    ``LINE_COLUMNS``)."""
    conditions: list[str] = []
    params: list[Any] = []
    for column, value in (
        ("scope", selection.scope),
        ("source", selection.source),
        ("method", selection.method),
        ("supplier_id", selection.supplier_id),
    ):
        if value:
            conditions.append(f"CAST({column} AS VARCHAR) = ?")
            params.append(value)
    if selection.category is not None:
        conditions.append("scope3_category = ?")
        params.append(selection.category)
    needle = selection.text.strip().lower()
    if needle and selection.searched:
        columns = [c for c in selection.searched if c in LINE_COLUMNS]
        hits = [f"coalesce(contains(lower(CAST({c} AS VARCHAR)), ?), false)" for c in columns]
        conditions.append("(" + " OR ".join(hits) + ")")
        params.extend([needle] * len(columns))
    return (" AND ".join(conditions) or "true"), params


@dataclass(frozen=True)
class LinesSlice:
    """Some of a run's selected lines, with how many were selected and their kilograms as the
    inventory adds them."""

    rows: pa.Table
    total: int
    kg_co2e: float


def select_lines(
    path: str,
    fmt: str,
    selection: LineSelection,
    *,
    offset: int = 0,
    limit: int | None = None,
    scope_asked: str = "",
    tonnes: bool = True,
) -> LinesSlice:
    """The selected lines from ``offset`` (at most ``limit``), in the run's order, read from
    the file by DuckDB: only the row groups and columns the query needs. ``kg_co2e`` adds
    location-based Scope 2 lines only when they are what was asked for (``scope_asked``):
    they sit beside the market-based ones; without ``tonnes`` it is not summed (0), and the
    count of all lines of a Parquet file comes from its footer."""
    where, params = _where(selection)
    with lines_view(path, fmt, numbered=True) as con:
        if not tonnes and where == "true" and fmt == "parquet":
            total, kg = pq.ParquetFile(path).metadata.num_rows, 0.0
        elif not tonnes:
            total, kg = con.sql(
                f"SELECT count(*), 0.0 FROM lines WHERE {where}", params=params
            ).fetchall()[0]
        else:
            total, kg = con.sql(
                f"SELECT count(*), sum(CASE WHEN ? OR CAST(scope AS VARCHAR) IS DISTINCT FROM "
                f"'2_location' THEN kg_co2e END) FROM lines WHERE {where}",
                params=[scope_asked == "2_location", *params],
            ).fetchall()[0]
        if where == "true" and limit is not None:
            # a page of all lines: their positions, so DuckDB reads only the row groups
            # holding them
            rows = con.sql(
                "SELECT * EXCLUDE (_line) FROM lines WHERE _line >= ? AND _line < ? ORDER BY _line",
                params=[int(offset), int(offset) + int(limit)],
            ).to_arrow_table()
        else:
            # in the file's order without sorting (DuckDB keeps insertion order), so a page
            # stops reading once it has its lines
            window = f" LIMIT {int(limit)}" if limit is not None else ""
            window += f" OFFSET {int(offset)}" if offset else ""
            rows = con.sql(
                f"SELECT * EXCLUDE (_line) FROM lines WHERE {where}{window}", params=params
            ).to_arrow_table()
    return LinesSlice(rows, int(total or 0), float(kg or 0.0))


def line_column(path: str, fmt: str, column: str) -> pa.Array:
    """One numeric column of every line, in the run's order (the verifier's sampling)."""
    if column not in ("kg_co2e", "amount", "quantity"):
        raise ValueError(f"cannot read column '{column}'")
    with lines_view(path, fmt, numbered=True) as con:
        table = con.sql(f"SELECT {column} FROM lines ORDER BY _line").to_arrow_table()
    return table.column(column).combine_chunks()


def lines_at(path: str, fmt: str, positions: Sequence[int]) -> pa.Table:
    """The lines at these positions of the run, in the order asked."""
    wanted = pa.table(
        {
            "_at": pa.array(list(range(len(positions))), pa.int64()),
            "_pos": pa.array([int(p) for p in positions], pa.int64()),
        }
    )
    with lines_view(path, fmt, numbered=True) as con:
        con.register("wanted", wanted)
        return con.sql(
            "SELECT l.* EXCLUDE (_line) FROM wanted w JOIN lines l ON l._line = w._pos "
            "ORDER BY w._at"
        ).to_arrow_table()


def line_sums(
    path: str, fmt: str, by: Sequence[str], selection: LineSelection
) -> list[dict[str, Any]]:
    """Kilograms CO2e of the selected lines grouped by the ``by`` columns."""
    unknown = set(by) - LINE_COLUMNS
    if unknown or not by:
        raise ValueError(f"cannot group by {', '.join(sorted(unknown)) or 'nothing'}")
    where, params = _where(selection)
    keys = ", ".join(f"CAST({c} AS VARCHAR) AS {c}" for c in by)
    with lines_view(path, fmt) as con:
        rows = con.sql(
            f"SELECT {keys}, sum(kg_co2e) AS kg_co2e FROM lines WHERE {where} "
            f"GROUP BY ALL ORDER BY ALL",
            params=params,
        ).fetchall()
    return [dict(zip([*by, "kg_co2e"], r, strict=True)) for r in rows]
