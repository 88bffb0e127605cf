"""Row hashes: the SHA-256 of each stored data row (purchase lines, activity rows, supplier
data, energy attributes, product footprints) and the digest of an organisation's whole table.

Why: a ledger entry signs what a write stored. An import can hold a million rows, too many to
list in an entry, so each row carries its own hash (``row_sha256``, written with the row) and
the entry records the *state* of the organisation's table after the write: the row count and
the SHA-256 of the sorted row hashes (order-independent: the same rows give the same digest
whatever order they were stored or read in). ``ledger verify`` recomputes each row's hash
from its stored values (a changed row is named by its key) and the table's digest from the
stored hashes (a row added or removed, or a rewritten hash, changes it).

The canonical form of a row is computed in one place, from an Arrow table cast to the
column types the database declares, so a row hashed when it is written (from the import's
Arrow columns or a single record) and when it is read back (SQLite or PostgreSQL) gives the
same text: ``name=value`` pairs in column order separated by U+001F, a NULL column left out
(so a nullable column added by a later migration does not change the hashes of older rows),
numbers and dates in DuckDB's text form of the declared type. DuckDB builds and hashes the text
(vectorised); every hash, written or checked, goes through the same function.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Collection, Iterable, Mapping
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Boolean, Date, Float, Integer, Table

from greenchain.adapters import duck
from greenchain.adapters.compute.sources import SQL_TYPES
from greenchain.adapters.db import tables as t
from greenchain.domain.records import ROW_HASHED_TABLES

#: The data tables whose rows carry a row hash, with the columns that name a row to a person.
COMMITTED: dict[str, tuple[Table, tuple[str, ...]]] = {
    "purchase_lines": (t.purchase_lines, ("line_id",)),
    "activity_data": (t.activity_data, ("activity_id",)),
    "supplier_data": (t.supplier_data, ("supplier_id", "year")),
    "energy_attributes": (t.energy_attributes, ("instrument_id",)),
    "product_footprints": (t.product_footprints, ("product_id",)),
    "take_back": (t.take_back, ("record_id",)),
}

assert tuple(COMMITTED) == ROW_HASHED_TABLES

#: Columns that are not content: whose row it is, which write stored it, and the hash itself.
NOT_CONTENT = frozenset({"org_id", "import_id", "row_sha256"})

_NULL = "\x00"
_SEPARATOR = "\x1f"


def _arrow_type(column: Any) -> pa.DataType:
    kind = column.type
    if isinstance(kind, Boolean):
        return pa.bool_()
    if isinstance(kind, Integer):
        return pa.int64()
    if isinstance(kind, Float):
        return pa.float64()
    if isinstance(kind, Date):
        return pa.date32()
    return pa.string()


def content_schema(table_name: str) -> pa.Schema:
    """The content columns of a committed table, in table order, with their Arrow types."""
    table, _ = COMMITTED[table_name]
    return pa.schema(
        [pa.field(c.name, _arrow_type(c)) for c in table.columns if c.name not in NOT_CONTENT]
    )


def _typed(table_name: str, rows: pa.Table) -> pa.Table:
    """The content columns of ``rows`` with the declared types (absent ones all NULL)."""
    schema = content_schema(table_name)
    return pa.table(
        {
            f.name: (
                pc.cast(rows.column(f.name), f.type)
                if f.name in rows.column_names
                else pa.nulls(rows.num_rows, f.type)
            )
            for f in schema
        }
    )


def typed_content_sql(table_name: str, present: Collection[str]) -> list[str]:
    """SQL select items giving each content column of ``table_name`` its declared type, from
    a source holding the ``present`` columns (an absent one is a typed NULL): the same values
    :func:`row_hashes` hashes after casting Arrow columns."""
    items = []
    for field in content_schema(table_name):
        kind = SQL_TYPES[field.type]
        source = f'CAST("{field.name}" AS {kind})' if field.name in present else f"NULL::{kind}"
        items.append(f'{source} AS "{field.name}"')
    return items


def row_hash_sql(table_name: str) -> str:
    """The SQL expression of a row's hash over its typed content columns: the canonical text
    (``name=value`` pairs in column order separated by U+001F, a NULL column left out, so a
    nullable column added by a later migration does not change the hashes of older rows)
    and its SHA-256 in hex. Every row hash, written or checked, is this expression."""
    pairs = ", ".join(
        f"'{f.name}=' || CAST(\"{f.name}\" AS VARCHAR)" for f in content_schema(table_name)
    )
    return f"sha256(concat_ws(chr(31), {pairs}))"


def row_hashes(table_name: str, rows: pa.Table) -> pa.Array:
    """The hex SHA-256 of each row's canonical content (missing columns count as NULL),
    computed by DuckDB over the Arrow columns (vectorised, in the rows' order)."""
    typed = _typed(table_name, rows)
    if typed.num_rows == 0:
        return pa.array([], pa.string())
    with duck.connect() as con:
        con.register("content", typed)
        hashed = con.sql(f"SELECT {row_hash_sql(table_name)} AS h FROM content").to_arrow_table()
    return hashed.column("h").combine_chunks()


def row_hash_of(table_name: str, values: Mapping[str, Any]) -> str:
    """The hash of one row given as values (texts where JSON carried them: a date as
    YYYY-MM-DD), as :func:`row_hashes` computes it."""
    schema = content_schema(table_name)
    row = pa.table(
        {f.name: pa.array([values.get(f.name)]).cast(f.type) for f in schema}, schema=schema
    )
    return str(row_hashes(table_name, row)[0].as_py())


def with_row_hashes(table_name: str, rows: pa.Table) -> pa.Table:
    """``rows`` with every content column (absent ones NULL, so a replacing write clears
    them) and their ``row_sha256``, ready to store."""
    typed = _typed(table_name, rows)
    extra = [n for n in rows.column_names if n not in typed.column_names]
    for name in extra:
        typed = typed.append_column(name, rows.column(name))
    return typed.append_column("row_sha256", row_hashes(table_name, typed))


def record_hash(table_name: str, record: Mapping[str, Any]) -> str:
    """The row hash of one record (a dict of column values)."""
    schema = content_schema(table_name)
    values = {f.name: pa.array([record.get(f.name)], f.type) for f in schema}
    return str(row_hashes(table_name, pa.table(values))[0].as_py())


class StateDigest:
    """The state of a table computed from its row hashes added in batches, in bounded memory.

    The hashes go into a DuckDB table (with a memory limit, spilling to a temporary folder),
    are sorted there and fed to SHA-256 in batches with the same separators as one joined
    string: hashes joined by newlines, a missing hash as an empty line."""

    MEMORY = "512MB"
    BATCH_ROWS = 250_000

    def __init__(self) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="greenchain-digest-")
        # however many hashes come: a database of its own within the limit
        self._con = duck.connect(memory_limit=self.MEMORY, spill=self._folder.name)
        self._con.execute("CREATE TABLE hashes (h VARCHAR)")

    def add(self, hashes: Iterable[str | None] | pa.Array | pa.ChunkedArray) -> None:
        column = (
            hashes
            if isinstance(hashes, pa.Array | pa.ChunkedArray)
            else pa.array(hashes, pa.string())
        )
        self._con.register("batch", pa.table({"h": pc.cast(column, pa.string())}))
        try:
            self._con.execute("INSERT INTO hashes SELECT h FROM batch")
        finally:
            self._con.unregister("batch")

    def result(self) -> dict[str, Any]:
        return digest_sorted(
            self._con.sql("SELECT coalesce(h, '') AS h FROM hashes ORDER BY 1").to_arrow_reader(
                self.BATCH_ROWS
            )
        )

    def close(self) -> None:
        self._con.close()
        self._folder.cleanup()

    def __enter__(self) -> StateDigest:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def digest_sorted(reader: Iterable[pa.RecordBatch]) -> dict[str, Any]:
    """The state of a table from its row hashes, read sorted in batches (one text column, a
    missing hash as ''): their count and the SHA-256 of them joined by newlines."""
    digest = hashlib.sha256()
    count = 0
    for batch in reader:
        values = batch.column(0)
        if not len(values):
            continue
        if count:
            digest.update(b"\n")
        # the batch's hashes joined by newlines in Arrow (one text, no Python strings)
        whole = pa.ListArray.from_arrays(
            pa.array([0, len(values)], pa.int32()), values.cast(pa.string())
        )
        digest.update(pc.binary_join(whole, "\n")[0].as_buffer())
        count += len(values)
    return {"rows": count, "sha256": digest.hexdigest()}


def state_digest(hashes: Iterable[str | None] | pa.Array | pa.ChunkedArray) -> dict[str, Any]:
    """The state of a table: its row count and the SHA-256 of its sorted row hashes joined by
    newlines (a row without a hash counts as an empty line)."""
    with StateDigest() as digest:
        digest.add(hashes)
        return digest.result()


def check_table(table_name: str, stored: pa.Table, limit: int = 100) -> dict[str, Any]:
    """Recompute the row hashes of ``stored`` (every row of a committed table: ``org_id``,
    ``import_id``, ``row_sha256`` and the content columns, as the database declares them).

    Returns ``rows``: up to ``limit`` rows whose stored hash is missing or differs from their
    content (``org_id``, ``key`` as a person reads it, ``import_id``, ``problem``), ``bad``:
    how many such rows there are, and ``states``: each organisation's state from the stored
    hashes (as the ledger entry of the last write recorded it)."""
    _, key = COMMITTED[table_name]
    fresh = row_hashes(table_name, stored)
    kept = stored.column("row_sha256")
    unhashed = pc.is_null(kept)
    changed = pc.fill_null(pc.not_equal(kept, fresh), False)
    bad_mask = pc.or_(unhashed, changed)
    bad = stored.filter(bad_mask)
    reasons = pc.if_else(
        pc.filter(unhashed, bad_mask), "row stored outside any recorded write", "row changed"
    )
    rows = []
    for i, row in enumerate(bad.slice(0, limit).to_pylist()):
        rows.append(
            {
                "org_id": row["org_id"],
                "key": ", ".join(f"{k} {row[k]}" for k in key),
                "import_id": row.get("import_id"),
                "problem": reasons[i].as_py(),
            }
        )
    states: dict[int, dict[str, Any]] = {}
    orgs = stored.column("org_id")
    for org_id in pc.unique(orgs).to_pylist():
        states[int(org_id)] = state_digest(pc.filter(kept, pc.equal(orgs, org_id)))
    return {"rows": rows, "bad": bad.num_rows, "states": states}
