"""An import's rows written in bounded batches, all inside the import's one transaction.

The validated rows arrive as a lazily read source (a Parquet file read batch by batch) or an
Arrow table; each batch of at most :data:`BATCH_ROWS` rows gets its row hashes and is appended
(or upserted, when some of its keys are stored already), so memory does not grow with the file.
A failure in any batch rolls the whole transaction back: no row and no import record remain.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

import pyarrow as pa

from greenchain.adapters.db.bulk import BulkTransaction
from greenchain.adapters.db.row_hashes import COMMITTED, StateDigest, with_row_hashes
from greenchain.domain.records import RecordSchema

#: Rows per written batch.
BATCH_ROWS = 250_000


class RowBatches(Protocol):
    """Rows read lazily: how many there are and their record batches in order."""

    @property
    def num_rows(self) -> int: ...
    def iter_batches(self, batch_size: int = ...) -> Iterator[pa.RecordBatch]: ...


@dataclass(frozen=True)
class ImportRecord:
    """What an import's record says of its file: its name and SHA-256, how many rows it had
    and how many were rejected (with the report of them), and when it was imported."""

    file_name: str
    sha256: str
    total_rows: int
    rejected_rows: int
    rejected_report: str | None
    now: dt.datetime


@dataclass(frozen=True)
class StoredImport:
    import_id: int
    inserted: int
    updated: int


def batches_of(rows: pa.Table | RowBatches, size: int) -> Iterator[pa.Table]:
    """The rows as Arrow tables of at most ``size`` rows (none for no rows)."""
    source = rows.to_batches(size) if isinstance(rows, pa.Table) else rows.iter_batches(size)
    for batch in source:
        if batch.num_rows:
            yield pa.Table.from_batches([batch])


def store_import(
    tx: BulkTransaction,
    org_id: int,
    schema: RecordSchema,
    rows: pa.Table | RowBatches,
    record: ImportRecord,
) -> StoredImport:
    """Record the import and upsert its rows batch by batch in ``tx``.

    ``updated`` counts the rows whose key was stored before the import (the file's keys are
    unique, so each batch is checked against the table as the earlier batches left it). When
    the table held nothing of the organisation, its state after the write is these rows'
    (``tx.known_states``), computed from their hashes in bounded memory."""
    hashed = schema.table in COMMITTED
    key_cols = ["org_id", *schema.key]
    has_rows = tx.scalar(f"SELECT 1 FROM {schema.table} WHERE org_id = {org_id} LIMIT 1")
    import_id = record_import(tx, org_id, schema, rows.num_rows, record)
    constants: dict[str, int | str] = {"org_id": org_id, "import_id": import_id}
    digest = StateDigest() if hashed and not has_rows else None
    try:
        written = updated = 0
        for batch in batches_of(rows, BATCH_ROWS):
            data = batch.drop_columns([c for c in batch.column_names if c.startswith("_")])
            if hashed:
                data = with_row_hashes(schema.table, data)
            stored_before = _stored_keys(tx, org_id, schema, data) if has_rows else 0
            if stored_before == 0:
                tx.append(schema.table, data, {"org_id": org_id, "import_id": import_id})
            else:
                tx.insert_select(schema.table, data, constants=constants, conflict_key=key_cols)
            if digest is not None:
                digest.add(data.column("row_sha256"))
            written += data.num_rows
            updated += stored_before
        if digest is not None:
            # the table held nothing of the organisation: its state is these rows
            tx.known_states[(schema.table, org_id)] = digest.result()
    finally:
        if digest is not None:
            digest.close()
    return StoredImport(import_id, written - updated, updated)


def record_import(
    tx: BulkTransaction,
    org_id: int,
    schema: RecordSchema,
    rows_imported: int,
    record: ImportRecord,
) -> int:
    """Store the import's record in ``tx``; returns its id."""
    header = pa.table(
        {
            "org_id": [org_id],
            "kind": [schema.kind],
            "file_name": [record.file_name],
            "file_sha256": [record.sha256],
            "rows_total": [record.total_rows],
            "rows_imported": [rows_imported],
            "rows_rejected": [record.rejected_rows],
            "rows_unchanged": [0],
            "rejected_report": pa.array([record.rejected_report], pa.string()),
            "created_at": tx.timestamp(record.now),
        }
    )
    return int(tx.insert_select("imports", header, returning="id"))


def _stored_keys(tx: BulkTransaction, org_id: int, schema: RecordSchema, data: pa.Table) -> int:
    """How many of the batch's keys the organisation's table holds already."""
    staged = tx.stage(data.select(list(schema.key)))
    join = " AND ".join(f"s.{k} = x.{k}" for k in schema.key)
    try:
        return int(
            tx.scalar(
                f"SELECT count(*) FROM {staged} s JOIN {schema.table} x "
                f"ON x.org_id = {org_id} AND {join}"
            )
            or 0
        )
    finally:
        tx.execute(f"DROP TABLE {staged}")
