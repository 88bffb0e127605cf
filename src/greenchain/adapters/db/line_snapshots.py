"""Purchase lines as Parquet snapshots in the line store instead of rows of the database.

What: each import of purchase lines writes the organisation's whole set of lines after it
(the lines it had, less those the file replaces by ``line_id``, plus the file's) as one
Parquet file of the line store, named by its SHA-256, with each line's hash (``row_sha256``)
and the import that wrote it. ``line_snapshots`` records each file with its row count and
table state (the SHA-256 of its sorted row hashes, as the ledger entry of the import records
it); the organisation's newest snapshot is its purchase lines.

Why: a company books tens of millions of purchase lines a year. Written as rows of SQLite or
PostgreSQL and read back for each calculation, they were most of the time of an import and a
calculation; as a file, DuckDB (or Spark) reads them column by column, and the tamper check of
the lines is hashing a file and its rows, with no table scan of the database.

How it stays whole: the new snapshot is written before the import's transaction commits; the
transaction first takes the organisation's row lock, so imports of one organisation's lines
run one after another, on any process. A snapshot written by a transaction that then failed
is an unused file, never read.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import Connection, Engine, delete, func, insert, select

from greenchain.adapters import duck
from greenchain.adapters.db import tables as t
from greenchain.adapters.db.bulk import BulkTransaction
from greenchain.adapters.db.import_batches import (
    BATCH_ROWS,
    ImportRecord,
    RowBatches,
    StoredImport,
    record_import,
)
from greenchain.adapters.db.line_proofs import prove_line
from greenchain.adapters.db.row_hashes import (
    COMMITTED,
    StateDigest,
    content_schema,
    digest_sorted,
    row_hash_sql,
    row_hashes,
    typed_content_sql,
)
from greenchain.adapters.linestore import LineStore
from greenchain.domain.records import RecordSchema

#: Data tables kept as snapshots in the line store.
SNAPSHOT_TABLES = frozenset({"purchase_lines"})

#: DuckDB's memory while merging a snapshot (it spills to a temporary folder beyond it).
MERGE_MEMORY = "1GB"


def snapshot_schema(table: str) -> pa.Schema:
    """The columns of a snapshot file: the content columns, the import, the row hash."""
    return pa.schema(
        [
            *content_schema(table),
            pa.field("import_id", pa.int64()),
            pa.field("row_sha256", pa.string()),
        ]
    )


def _quoted(path: str | Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def store_snapshot_import(
    tx: BulkTransaction,
    store: LineStore,
    org_id: int,
    schema: RecordSchema,
    rows: pa.Table | RowBatches,
    record: ImportRecord,
) -> StoredImport:
    """Record the import and write the organisation's new snapshot of ``schema.table``."""
    table = schema.table
    # the organisation's row lock: one import of its lines at a time, on any process
    tx.execute(f"UPDATE organisations SET slug = slug WHERE id = {int(org_id)}")
    previous = tx.fetch(
        f"SELECT sha256 FROM line_snapshots WHERE org_id = {int(org_id)} "
        f"AND table_name = '{table}' ORDER BY id DESC LIMIT 1"
    )
    import_id = record_import(tx, org_id, schema, rows.num_rows, record)
    with tempfile.TemporaryDirectory(prefix="greenchain-snapshot-") as folder:
        source = _rows_file(rows, Path(folder))
        prior = (
            store.path(str(previous.column("sha256")[0].as_py()), "parquet")
            if previous.num_rows
            else None
        )
        merged = Path(folder) / "snapshot.parquet"
        size = source.stat().st_size + (Path(prior).stat().st_size if prior else 0)
        with _duckdb(folder, size) as con:
            updated = _merge(con, table, schema.key, prior, source, import_id, merged)
            count, state = _state_of(con, merged)
        snapshot_sha = store.put_file(merged, "parquet", move=True)
    tx.insert_select(
        "line_snapshots",
        pa.table(
            {
                "org_id": [org_id],
                "table_name": [table],
                "import_id": [import_id],
                "sha256": [snapshot_sha],
                "rows": [count],
                "state_sha256": [state],
                "created_at": tx.timestamp(record.now),
            }
        ),
    )
    tx.known_states[(table, org_id)] = {"rows": count, "sha256": state}
    return StoredImport(import_id, rows.num_rows - updated, updated)


@contextmanager
def _duckdb(folder: str, input_bytes: int) -> Iterator[duckdb.DuckDBPyConnection]:
    """A DuckDB connection for a merge of files of ``input_bytes``: large ones within
    :data:`MERGE_MEMORY`, spilling to ``folder`` beyond it."""
    con = duck.connect(
        memory_limit=MERGE_MEMORY, spill=Path(folder) / "spill", input_bytes=input_bytes
    )
    try:
        yield con
    finally:
        con.close()


def _rows_file(rows: pa.Table | RowBatches, folder: Path) -> Path:
    """The validated rows as a Parquet file: the file they are kept in, or one written."""
    path = getattr(rows, "path", None)
    if isinstance(path, Path):
        return path
    out = folder / "rows.parquet"
    table = rows if isinstance(rows, pa.Table) else pa.Table.from_batches(rows.iter_batches())
    pq.write_table(table, out)
    return out


def _merge(
    con: duckdb.DuckDBPyConnection,
    table: str,
    key: tuple[str, ...],
    prior: str | None,
    source: Path,
    import_id: int,
    out: Path,
) -> int:
    """Write the snapshot in one DuckDB statement: the prior lines whose key the new rows do
    not replace, then the new rows with their import and row hash (computed as
    ``row_hash_sql`` defines it). Returns how many new rows replace a prior line."""
    names = snapshot_schema(table).names
    columns = ", ".join(f'"{name}"' for name in names)
    typed = ", ".join(typed_content_sql(table, pq.read_schema(source).names))
    con.execute(f"CREATE TEMP VIEW incoming AS SELECT {typed} FROM read_parquet({_quoted(source)})")
    con.execute(
        f"CREATE TEMP VIEW new_rows AS SELECT *, CAST({int(import_id)} AS BIGINT) AS import_id, "
        f"{row_hash_sql(table)} AS row_sha256 FROM incoming"
    )
    if prior is None:
        updated = 0
        merged = f"SELECT {columns} FROM new_rows"
    else:
        old = f"read_parquet({_quoted(prior)})"
        match = " AND ".join(f'n."{k}" = p."{k}"' for k in key)
        updated = int(
            con.sql(
                f"SELECT count(*) FROM new_rows n WHERE EXISTS (SELECT 1 FROM {old} p "
                f"WHERE {match})"
            ).fetchall()[0][0]
        )
        merged = (
            f"SELECT {columns} FROM {old} p WHERE NOT EXISTS "
            f"(SELECT 1 FROM new_rows n WHERE {match}) "
            f"UNION ALL SELECT {columns} FROM new_rows"
        )
    # at most the prior lines and the new ones, in groups that give each thread some to read
    rows = sum(pq.read_metadata(f).num_rows for f in (source, prior) if f is not None)
    con.execute(
        f"COPY ({merged}) TO {_quoted(out)} (FORMAT parquet, COMPRESSION zstd, "
        f"COMPRESSION_LEVEL 1, ROW_GROUP_SIZE {duck.row_group_rows(rows)})"
    )
    return updated


def _state_of(con: duckdb.DuckDBPyConnection, path: Path | str) -> tuple[int, str]:
    """Row count and table state of a snapshot file: its row hashes sorted by DuckDB (out of
    core) and digested in batches."""
    state = digest_sorted(
        con.sql(
            f"SELECT coalesce(row_sha256, '') FROM read_parquet({_quoted(path)}) ORDER BY 1"
        ).to_arrow_reader(BATCH_ROWS)
    )
    return int(state["rows"]), str(state["sha256"])


# reading -----------------------------------------------------------------------------------


def current(conn: Connection, org_id: int, table: str) -> Any:
    """The organisation's newest snapshot row of ``table`` (``None``: no lines)."""
    s = t.line_snapshots
    return conn.execute(
        select(s.c.id, s.c.sha256, s.c.rows, s.c.state_sha256, s.c.import_id)
        .where(s.c.org_id == org_id, s.c.table_name == table)
        .order_by(s.c.id.desc())
        .limit(1)
    ).first()


class SnapshotReader:
    """Queries over an organisation's newest snapshot, in DuckDB."""

    def __init__(self, engine: Engine, store: LineStore) -> None:
        self.engine = engine
        self.store = store

    def current(self, org_id: int, table: str) -> Any:
        """The organisation's newest snapshot row of ``table`` (``None``: no lines)."""
        with self.engine.connect() as conn:
            return current(conn, org_id, table)

    def path(self, org_id: int, table: str) -> str | None:
        row = self.current(org_id, table)
        return None if row is None else self.store.path(row.sha256, "parquet")

    def rows(self, org_id: int, table: str) -> int:
        with self.engine.connect() as conn:
            row = current(conn, org_id, table)
        return 0 if row is None else int(row.rows)

    @contextmanager
    def lines(self, org_id: int, table: str) -> Iterator[duckdb.DuckDBPyConnection]:
        """A DuckDB connection with the organisation's rows of ``table`` as the view
        ``lines`` (empty, with the snapshot's columns, when it has none)."""
        path = self.path(org_id, table)
        con = duck.connect()
        try:
            if path is None:
                con.register("empty_lines", snapshot_schema(table).empty_table())
                con.execute("CREATE TEMP VIEW lines AS SELECT * FROM empty_lines")
            else:
                source = f"read_parquet({_quoted(path)})"
                con.execute(f"CREATE TEMP VIEW lines AS SELECT * FROM {source}")
            yield con
        finally:
            con.close()

    def arrow(self, org_id: int, table: str, sql: str, params: list[Any] | None = None) -> pa.Table:
        """The result of ``sql`` (over the view ``lines``) as an Arrow table."""
        with self.lines(org_id, table) as con:
            return con.sql(sql, params=params or []).to_arrow_table()

    def tuples(
        self, org_id: int, table: str, sql: str, params: list[Any] | None = None
    ) -> list[tuple[Any, ...]]:
        with self.lines(org_id, table) as con:
            return con.sql(sql, params=params or []).fetchall()

    def proof(self, org_id: int, table: str, key: str, value: str) -> dict[str, Any] | None:
        """The Merkle proof of the row of the newest snapshot whose ``key`` is ``value``, with
        the state of the file's row hashes (``None``: no such row)."""
        row = self.current(org_id, table)
        if row is None:
            return None
        found = prove_line(self.store.path(row.sha256, "parquet"), table, key, value)
        if found is None:
            return None
        return {**asdict(found), "table": table}


# checking ----------------------------------------------------------------------------------


def check_snapshots(
    engine: Engine, store: LineStore, table: str, limit: int = 100
) -> dict[str, Any]:
    """Each organisation's newest snapshot of ``table`` checked as ``check_table`` checks a
    table's rows: the file against its name, every row against its own hash (in batches), and
    the organisation's state from the stored hashes. Same result shape: ``rows`` (up to
    ``limit``), ``bad``, ``states``."""
    _, key = COMMITTED[table]
    s = t.line_snapshots
    newest = (
        select(s.c.org_id, func.max(s.c.id).label("id"))
        .where(s.c.table_name == table)
        .group_by(s.c.org_id)
        .subquery()
    )
    with engine.connect() as conn:
        snapshots = conn.execute(
            select(s.c.org_id, s.c.sha256).join(newest, newest.c.id == s.c.id).order_by(s.c.org_id)
        ).all()
    found: list[dict[str, Any]] = []
    bad = 0
    states: dict[int, dict[str, Any]] = {}

    def report(org_id: int, row_key: str, import_id: Any, problem: str) -> None:
        nonlocal bad
        bad += 1
        if len(found) < limit:
            found.append(
                {"org_id": org_id, "key": row_key, "import_id": import_id, "problem": problem}
            )

    for snapshot in snapshots:
        org_id = int(snapshot.org_id)
        where = f"snapshot file {snapshot.sha256[:12]}..."
        if not store.exists(snapshot.sha256, "parquet"):
            report(org_id, where, None, "line file missing")
            states[org_id] = {"rows": 0, "sha256": ""}
            continue
        if store.file_sha256(snapshot.sha256, "parquet") != snapshot.sha256:
            report(org_id, where, None, "line file changed since it was recorded")
        digest = StateDigest()
        try:
            with pq.ParquetFile(store.path(snapshot.sha256, "parquet")) as parquet:
                for batch in parquet.iter_batches(batch_size=BATCH_ROWS):
                    rows = pa.Table.from_batches([batch])
                    kept = rows.column("row_sha256")
                    digest.add(kept)
                    fresh = row_hashes(table, rows)
                    unhashed = pc.is_null(kept)
                    changed = pc.fill_null(pc.not_equal(kept, fresh), False)
                    mask = pc.or_(unhashed, changed)
                    if not pc.any(mask).as_py():
                        continue
                    for row in rows.filter(mask).to_pylist():
                        report(
                            org_id,
                            ", ".join(f"{k} {row[k]}" for k in key),
                            row.get("import_id"),
                            "row stored outside any recorded write"
                            if row["row_sha256"] is None
                            else "row changed",
                        )
            states[org_id] = digest.result()
        finally:
            digest.close()
    return {"rows": found, "bad": bad, "states": states}


# moving the rows of older workspaces --------------------------------------------------------


def move_rows_to_snapshots(engine: Engine, store: LineStore, now: dt.datetime) -> int:
    """Move the rows of ``purchase_lines`` (workspaces of earlier releases) into one snapshot
    per organisation, with their row hashes and imports as stored, so the table state the
    ledger recorded is unchanged; then delete them from the table. One organisation per
    transaction; returns how many organisations were moved."""
    moved = 0
    for table in sorted(SNAPSHOT_TABLES):
        source = t.metadata.tables[table]
        with engine.connect() as conn:
            orgs = [int(r[0]) for r in conn.execute(select(source.c.org_id).distinct())]
        target = snapshot_schema(table)
        for org_id in orgs:
            with tempfile.TemporaryDirectory(prefix="greenchain-snapshot-") as folder:
                path = Path(folder) / "snapshot.parquet"
                with engine.begin() as conn:
                    last_import = _write_stored_rows(conn, source, org_id, target, path)
                    with _duckdb(folder, path.stat().st_size) as con:
                        count, state = _state_of(con, path)
                    sha = store.put_file(path, "parquet", move=True)
                    conn.execute(
                        insert(t.line_snapshots).values(
                            org_id=org_id,
                            table_name=table,
                            import_id=last_import,
                            sha256=sha,
                            rows=count,
                            state_sha256=state,
                            created_at=now,
                        )
                    )
                    conn.execute(delete(source).where(source.c.org_id == org_id))
            moved += 1
    return moved


def _write_stored_rows(
    conn: Connection, source: Any, org_id: int, target: pa.Schema, out: Path
) -> int | None:
    """The organisation's stored rows written to ``out`` in chunks; the newest import id."""
    names = ", ".join(f'"{n}"' for n in target.names)
    last: int | None = None
    result = conn.exec_driver_sql(f"SELECT {names} FROM {source.name} WHERE org_id = {int(org_id)}")
    with pq.ParquetWriter(out, target, compression="zstd") as writer:
        while chunk := result.fetchmany(100_000):
            values = list(zip(*chunk, strict=True))
            columns = []
            for column, field in zip(values, target, strict=True):
                if field.type == pa.bool_():
                    columns.append(pa.array([None if v is None else bool(v) for v in column]))
                elif field.type == pa.date32():
                    columns.append(
                        pa.array(
                            [dt.date.fromisoformat(v) if isinstance(v, str) else v for v in column],
                            pa.date32(),
                        )
                    )
                else:
                    columns.append(pa.array(column, from_pandas=False).cast(field.type))
            batch = pa.table(columns, schema=target)
            imports = pc.max(batch.column("import_id")).as_py()
            if imports is not None:
                last = max(last or 0, int(imports))
            writer.write_table(batch)
    return last


def hash_missing_rows(engine: Engine, store: LineStore, org_id: int, table: str) -> int:
    """Give every line of the organisation's newest snapshot that has no hash (moved from a
    workspace stored before row commitments existed) its hash, as a new snapshot of the same
    import; returns how many."""
    with engine.connect() as conn:
        snapshot = current(conn, org_id, table)
    if snapshot is None:
        return 0
    source = store.path(snapshot.sha256, "parquet")
    target = snapshot_schema(table)
    hashed = 0
    with tempfile.TemporaryDirectory(prefix="greenchain-snapshot-") as folder:
        out = Path(folder) / "snapshot.parquet"
        with pq.ParquetFile(source) as parquet, pq.ParquetWriter(out, target) as writer:
            for batch in parquet.iter_batches(batch_size=BATCH_ROWS):
                rows = pa.Table.from_batches([batch]).cast(target)
                kept = rows.column("row_sha256")
                missing = pc.is_null(kept)
                count = int(pc.sum(missing.cast(pa.int64())).as_py() or 0)
                if count:
                    filled = pc.if_else(missing, row_hashes(table, rows), kept)
                    rows = rows.set_column(
                        target.get_field_index("row_sha256"), "row_sha256", filled
                    )
                    hashed += count
                writer.write_table(rows)
        if not hashed:
            return 0
        with _duckdb(folder, out.stat().st_size) as con:
            count, state = _state_of(con, out)
        sha = store.put_file(out, "parquet", move=True)
    with engine.begin() as conn:
        conn.execute(
            insert(t.line_snapshots).values(
                org_id=org_id,
                table_name=table,
                import_id=snapshot.import_id,
                sha256=sha,
                rows=count,
                state_sha256=state,
                created_at=dt.datetime.now(dt.UTC),
            )
        )
    return hashed
