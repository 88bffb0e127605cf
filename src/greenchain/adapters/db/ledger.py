"""Storage of the transparency log: entries, signed tree heads and signing keys."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import (
    Connection,
    Engine,
    Table,
    bindparam,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from greenchain.adapters.db import tables as t
from greenchain.adapters.db.bulk import BulkTransaction
from greenchain.adapters.db.line_snapshots import (
    SNAPSHOT_TABLES,
    check_snapshots,
    current,
)
from greenchain.adapters.db.line_snapshots import hash_missing_rows as hash_missing_snapshot_rows
from greenchain.adapters.db.row_hashes import (
    COMMITTED,
    check_table,
    content_schema,
    row_hashes,
    state_digest,
)
from greenchain.adapters.linestore import LineStore


@dataclass(frozen=True)
class _Snapshot:
    rows: int
    state_sha256: str


def snapshot_state(snapshot: Any) -> dict[str, Any]:
    """A snapshot table's state as its newest snapshot recorded it (no rows: no snapshot)."""
    if snapshot is None:
        return state_digest([])
    return {"rows": int(snapshot.rows), "sha256": str(snapshot.state_sha256)}


#: The tables whose rows ledger entries describe (each has ``id`` and ``ledger_leaf_hash``).
DESCRIBED: dict[str, Table] = {
    "imports": t.imports,
    "calculation_runs": t.calculation_runs,
    "reduction_claims": t.reduction_claims,
    "targets": t.targets,
    "carbon_credits": t.carbon_credits,
    "progress_reports": t.progress_reports,
    "disclosures": t.disclosures,
}
#: Columns whose content an entry vouches for by its SHA-256.
CONTENT_COLUMNS = frozenset({"lines_arrow", "pdf", "html", "content"})


#: Entries a queued append stores at most in one transaction, under one signed tree head.
MAX_BATCH = 64


class _SealError(Exception):
    """An entry of a batch could not be sealed (its row is missing...): the batch is stored
    again without it."""


class _Queued:
    """An entry waiting in the append queue, and what became of it."""

    def __init__(
        self,
        org_id: int | None,
        kind: str,
        now: dt.datetime,
        seal: Callable[[Any], Mapping[str, Any]],
        row: tuple[str, int] | None,
        subject_seq: int | None,
    ) -> None:
        self.org_id = org_id
        self.kind = kind
        self.now = now
        self.seal = seal
        self.row = row
        self.subject_seq = subject_seq
        self.seq: int | None = None
        self.error: BaseException | None = None
        self.lead = False  # woken to store the next batch, not because it was stored
        self.woken = threading.Event()

    def outcome(self) -> int:
        if self.error is not None:
            raise self.error
        if self.seq is None:  # pragma: no cover - the leader stopped before storing it
            raise RuntimeError("the ledger entry was not stored")
        return self.seq


class SqlLedger:
    def __init__(self, engine: Engine, lines: LineStore | None = None) -> None:
        self.engine = engine
        #: where snapshots of data tables are (``line_snapshots``), to check them
        self.lines = lines
        self._queue: list[_Queued] = []
        self._queue_lock = threading.Lock()
        self._leading = False  # a thread of this process is storing a batch

    def unrecorded(self) -> list[dict[str, Any]]:
        """Rows of the described tables that no entry records: no leaf hash, or one that is
        not the leaf hash of any entry (``table``, ``id``, ``org_id``)."""
        leaves = select(t.ledger_entries.c.leaf_hash)
        found: list[dict[str, Any]] = []
        with self.engine.connect() as conn:
            for name, target in DESCRIBED.items():
                rows = conn.execute(
                    select(target.c.id, target.c.org_id)
                    .where(
                        or_(
                            target.c.ledger_leaf_hash.is_(None),
                            target.c.ledger_leaf_hash.not_in(leaves),
                        )
                    )
                    .order_by(target.c.id)
                )
                found.extend({"table": name, "id": r.id, "org_id": r.org_id} for r in rows)
        return found

    def submitted_answers(self, response_ids: list[int]) -> dict[int, dict[str, Any]]:
        """The stored answers of these responses that were not edited since they were
        submitted (``updated_at`` not after ``submitted_at``), by response id."""
        sr = t.supplier_responses
        found: dict[int, dict[str, Any]] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(response_ids), 500):
                rows = conn.execute(
                    select(sr.c.id, sr.c.answers, sr.c.updated_at, sr.c.submitted_at).where(
                        sr.c.id.in_(response_ids[start : start + 500])
                    )
                )
                for r in rows:
                    if r.submitted_at is not None and r.updated_at <= r.submitted_at:
                        found[int(r.id)] = dict(r.answers)
        return found

    def answer_rows(self) -> dict[str, list[dict[str, Any]]]:
        """The submitted answers (``submitted``: id, org_id) and the accepted requests
        (``accepted``: request_id, supplier_id, org_id of the buyer) each of which an entry
        must record."""
        sr, rr = t.supplier_responses, t.request_recipients
        with self.engine.connect() as conn:
            submitted = conn.execute(
                select(sr.c.id, sr.c.supplier_org_id.label("org_id")).where(
                    sr.c.submitted_at.is_not(None)
                )
            )
            accepted = conn.execute(
                select(rr.c.request_id, rr.c.supplier_id, rr.c.buyer_org_id.label("org_id")).where(
                    rr.c.status == "accepted"
                )
            )
            return {
                "submitted": [dict(r._mapping) for r in submitted],
                "accepted": [dict(r._mapping) for r in accepted],
            }

    def hash_missing_rows(self, table: str, org_id: int) -> int:
        """Give every row of the organisation's table that has no hash yet (stored before row
        commitments existed) its hash; returns how many."""
        if table in SNAPSHOT_TABLES:
            if self.lines is None:  # pragma: no cover - wiring error
                raise RuntimeError("the ledger has no line store to check snapshots in")
            return hash_missing_snapshot_rows(self.engine, self.lines, org_id, table)
        target, key = COMMITTED[table]
        schema = content_schema(table)
        names = [*key, *(f.name for f in schema if f.name not in key)]
        with self.engine.begin() as conn:
            rows = conn.execute(
                select(*(target.c[n] for n in names)).where(
                    target.c.org_id == org_id, target.c.row_sha256.is_(None)
                )
            ).all()
            if not rows:
                return 0
            values = list(zip(*rows, strict=True))
            typed = pa.table(
                {
                    n: pa.array(list(v), from_pandas=False)
                    if schema.field(n).type != pa.date32()
                    else pa.array(list(v), pa.date32())
                    for n, v in zip(names, values, strict=True)
                }
            )
            hashes = row_hashes(table, typed).to_pylist()
            where = [target.c.org_id == org_id, *(target.c[k] == bindparam(f"k_{k}") for k in key)]
            conn.execute(
                update(target).where(*where).values(row_sha256=bindparam("h")),
                [
                    {"h": h, **{f"k_{k}": row[i] for i, k in enumerate(key)}}
                    for h, row in zip(hashes, rows, strict=True)
                ],
            )
        return len(rows)

    def check_rows(self, table: str) -> dict[str, Any]:
        """Every row of a committed data table checked against its own hash, and each
        organisation's table state (see ``row_hashes.check_table``). Read in batches into
        Arrow columns of the declared types on the engine's own connection (an ADBC
        connection to the same SQLite file in this process would drop its POSIX locks)."""
        if table in SNAPSHOT_TABLES:
            if self.lines is None:  # pragma: no cover - wiring error
                raise RuntimeError("the ledger has no line store to check snapshots in")
            return check_snapshots(self.engine, self.lines, table)
        schema = content_schema(table)
        declared = pa.schema(
            [
                pa.field("org_id", pa.int64()),
                pa.field("import_id", pa.int64()),
                pa.field("row_sha256", pa.string()),
                *schema,
            ]
        )
        columns = ", ".join(f'"{name}"' for name in declared.names)
        batches = []
        with self.engine.connect() as conn:
            result = conn.exec_driver_sql(f"SELECT {columns} FROM {table}")
            while chunk := result.fetchmany(100_000):
                values = list(zip(*chunk, strict=True))
                batches.append(
                    pa.table(
                        [
                            pa.array(column, from_pandas=False).cast(field.type)
                            if field.type != pa.bool_()
                            else pa.array([None if v is None else bool(v) for v in column])
                            for column, field in zip(values, declared, strict=True)
                        ],
                        schema=declared,
                    )
                )
        stored = pa.concat_tables(batches) if batches else declared.empty_table()
        return check_table(table, stored)

    def signing_key(self, org_id: int | None) -> dict[str, Any] | None:
        """The current key of an organisation (``None``: the log's own key)."""
        with self.engine.connect() as conn:
            return _signing_key(conn, org_id)

    def add_signing_key(
        self, org_id: int | None, public_key: str, private_key_pem: str, now: dt.datetime
    ) -> None:
        with self.engine.begin() as conn:
            _add_signing_key(conn, org_id, public_key, private_key_pem, now)

    def public_keys(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(
                    t.signing_keys.c.org_id,
                    t.signing_keys.c.public_key,
                    t.signing_keys.c.created_at,
                    t.signing_keys.c.retired_at,
                ).order_by(t.signing_keys.c.id)
            )
            return [dict(r._mapping) for r in rows]

    def retire_key(self, org_id: int | None, now: dt.datetime) -> None:
        column = t.signing_keys.c.org_id
        where = column.is_(None) if org_id is None else column == org_id
        with self.engine.begin() as conn:
            conn.execute(
                update(t.signing_keys)
                .where(where, t.signing_keys.c.retired_at.is_(None))
                .values(retired_at=now)
            )

    def append(
        self,
        org_id: int | None,
        kind: str,
        now: dt.datetime,
        seal: Callable[[Any], Mapping[str, Any]],
        row: tuple[str, int] | None = None,
        subject_seq: int | None = None,
        within: object | None = None,
    ) -> int:
        """Add an entry at the end of the log with its signed tree head, in one transaction on
        one connection that holds the log's write lock throughout (concurrent appenders wait
        their turn). ``seal`` gets the number the entry will have and reads inside that
        transaction (current keys, leaf hashes, the described row, table states) and returns
        the signed entry (``entry``, ``leaf_hash``, ``signature``, ``public_key``) and the
        signed head (``head``: ``tree_size``, ``root_hash``, ``timestamp``, ``signature``,
        ``public_key``). The row the entry describes is stamped with its leaf hash.

        ``within``: the open transaction of the write the entry records (a SQLAlchemy
        connection, or the bulk transaction of an import): the entry is stored in it, so the
        write and its entry commit together or not at all."""
        if isinstance(within, BulkTransaction):
            return _BulkAppend(within, org_id).store(kind, now, seal, row, subject_seq)
        if isinstance(within, Connection):
            if within.dialect.name != "sqlite":  # SQLite: the write holds the lock already
                _lock_log(within)
            return _append_on(within, org_id, kind, now, seal, row, subject_seq)
        with self.engine.begin() as conn:
            _lock_log(conn)
            return _append_on(conn, org_id, kind, now, seal, row, subject_seq)

    def append_queued(
        self,
        org_id: int | None,
        kind: str,
        now: dt.datetime,
        seal: Callable[[Any], Mapping[str, Any]],
        sign_head: Callable[[Any], Mapping[str, Any]],
        row: tuple[str, int] | None = None,
        subject_seq: int | None = None,
    ) -> int:
        """Add an entry at the end of the log in its own transaction, or in one shared with
        the entries other threads of this process append at the same time (group commit).
        The entry joins a queue; the first thread to find no batch being stored stores the
        queued entries (up to :data:`MAX_BATCH`) in one transaction under the log's write
        lock: ``seal`` of each, in queue order, gets its number and the reads of that
        transaction and returns the signed entry (``entry``, ``leaf_hash``, ``signature``,
        ``public_key``); once all are stored, ``sign_head`` (of the first entry) signs the
        head of the tree that ends with the last one, and the transaction commits. Each call
        returns once its entry is committed. Alone, an entry is a batch of one: one head per
        entry, as with :meth:`append`. An entry that cannot be sealed fails alone (the batch
        is stored again without it); if storing a batch fails otherwise, its entries are
        appended one by one, so each fails or succeeds on its own."""
        item = _Queued(org_id, kind, now, seal, row, subject_seq)
        with self._queue_lock:
            self._queue.append(item)
            lead = not self._leading
            self._leading = True
        if not lead:
            item.woken.wait()
            if not item.lead:
                return item.outcome()
        with self._queue_lock:
            batch = self._queue[:MAX_BATCH]
            del self._queue[:MAX_BATCH]
        try:
            self._store_batch(batch, sign_head)
        finally:
            with self._queue_lock:
                if self._queue:
                    self._queue[0].lead = True  # the next batch is stored by its first entry
                    self._queue[0].woken.set()
                else:
                    self._leading = False
            for other in batch:
                if other is not item:
                    other.woken.set()
        return item.outcome()

    def _store_batch(
        self, batch: list[_Queued], sign_head: Callable[[Any], Mapping[str, Any]]
    ) -> None:
        if not batch:
            return
        try:
            seqs = self._append_batch(batch, sign_head)
        except _SealError:  # that entry fails (its error is kept), the others are stored
            self._store_batch([item for item in batch if item.error is None], sign_head)
            return
        except Exception as exc:
            if len(batch) == 1:
                batch[0].error = exc
                return
            for item in batch:  # each on its own: one entry's failure fails that entry only
                try:
                    item.seq = self._append_batch([item], sign_head)[0]
                except Exception as alone:
                    item.error = alone
            return
        for item, seq in zip(batch, seqs, strict=True):
            item.seq = seq

    def _append_batch(
        self, batch: list[_Queued], sign_head: Callable[[Any], Mapping[str, Any]]
    ) -> list[int]:
        with self.engine.begin() as conn:
            _lock_log(conn)
            size = _next_seq(conn)
            readers: dict[int | None, _Append] = {}  # one per organisation: its keys read once
            rows: list[dict[str, Any]] = []
            for item in batch:
                seq = size + len(rows)
                reader = readers.get(item.org_id)
                if reader is None:
                    reader = readers[item.org_id] = _Append(conn, seq, item.org_id)
                reader.seq = seq
                try:
                    sealed = item.seal(reader)
                except Exception as exc:
                    item.error = exc
                    raise _SealError from exc
                rows.append(_entry_row(seq, item, sealed))
                _stamp_row(conn, item.row, sealed["leaf_hash"])
            conn.execute(insert(t.ledger_entries), rows)  # the head reads them back
            head_reader = readers[batch[0].org_id]  # it holds the log's key too
            head_reader.seq = size + len(rows)
            _insert_head(conn, sign_head(head_reader))
        return [int(row["seq"]) for row in rows]

    def leaf_hashes(self, start: int = 0) -> list[str]:
        with self.engine.connect() as conn:
            return _leaf_hashes(conn, start)

    def entries_of(self, org_id: int) -> list[dict[str, Any]]:
        query = (
            select(t.ledger_entries)
            .where(t.ledger_entries.c.org_id == org_id)
            .order_by(t.ledger_entries.c.seq)
        )
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def statements_about(self, seqs: list[int]) -> list[dict[str, Any]]:
        """Verification statements whose subject is one of ``seqs``."""
        query = (
            select(t.ledger_entries)
            .where(t.ledger_entries.c.subject_seq.in_(seqs))
            .order_by(t.ledger_entries.c.seq)
        )
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def add_witness_signature(
        self, tree_size: int, org_id: int, signature: str, public_key: str, now: dt.datetime
    ) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                insert(t.witness_signatures).values(
                    tree_size=tree_size,
                    org_id=org_id,
                    signature=signature,
                    public_key=public_key,
                    signed_at=now,
                )
            )

    def witness_signatures(self, org_id: int | None = None) -> list[dict[str, Any]]:
        query = select(t.witness_signatures, t.organisations.c.slug.label("witness")).join(
            t.organisations, t.organisations.c.id == t.witness_signatures.c.org_id
        )
        if org_id is not None:
            query = query.where(t.witness_signatures.c.org_id == org_id)
        query = query.order_by(t.witness_signatures.c.tree_size, t.organisations.c.slug)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def engage_verifier(self, org_id: int, verifier_org_id: int, now: dt.datetime) -> None:
        if self.is_engaged(org_id, verifier_org_id):
            return
        with self.engine.begin() as conn:
            conn.execute(
                insert(t.verifier_engagements).values(
                    org_id=org_id, verifier_org_id=verifier_org_id, created_at=now
                )
            )

    def is_engaged(self, org_id: int, verifier_org_id: int) -> bool:
        e = t.verifier_engagements
        with self.engine.connect() as conn:
            found = conn.execute(
                select(e.c.org_id).where(
                    e.c.org_id == org_id, e.c.verifier_org_id == verifier_org_id
                )
            ).first()
        return found is not None

    def entries(self, upto: int | None = None) -> list[dict[str, Any]]:
        query = select(t.ledger_entries).order_by(t.ledger_entries.c.seq)
        if upto is not None:
            query = query.where(t.ledger_entries.c.seq < upto)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def entry(self, seq: int) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(t.ledger_entries).where(t.ledger_entries.c.seq == seq)
            ).first()
        return None if row is None else dict(row._mapping)

    def save_head(
        self, tree_size: int, root_hash: str, timestamp: str, signature: str, public_key: str
    ) -> None:
        """Store a signed tree head unless one of that size is stored already."""
        head = {
            "tree_size": tree_size,
            "root_hash": root_hash,
            "timestamp": timestamp,
            "signature": signature,
            "public_key": public_key,
        }
        with self.engine.begin() as conn:
            _lock_log(conn)
            _insert_head(conn, head)

    def heads(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.tree_heads).order_by(t.tree_heads.c.tree_size))
            return [dict(r._mapping) for r in rows]

    def described_row(self, table: str, row_id: int) -> dict[str, Any] | None:
        """The current content of a row an entry describes (``DESCRIBED``); large binary and
        document columns come as the SHA-256 of their bytes."""
        with self.engine.connect() as conn:
            return _described_row(conn, table, row_id)

    def add_claim(self, values: dict[str, Any]) -> int:
        with self.engine.begin() as conn:
            key = conn.execute(insert(t.reduction_claims).values(**values)).inserted_primary_key
        assert key is not None
        return int(key[0])

    def claims(self, org_id: int) -> list[dict[str, Any]]:
        query = (
            select(t.reduction_claims)
            .where(t.reduction_claims.c.org_id == org_id)
            .order_by(t.reduction_claims.c.year, t.reduction_claims.c.id)
        )
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]


class _Append:
    """An append in progress: reads inside the transaction that holds the log's write lock.
    The current keys of the appending organisation and of the log come in one query."""

    def __init__(self, conn: Connection, seq: int, org_id: int | None) -> None:
        self._conn = conn
        self.seq = seq
        column = t.signing_keys.c.org_id
        rows = conn.execute(
            select(t.signing_keys)
            .where(
                column.is_(None) if org_id is None else or_(column.is_(None), column == org_id),
                t.signing_keys.c.retired_at.is_(None),
            )
            .order_by(t.signing_keys.c.id)
        )
        # The newest current key of each wins, as in ``_signing_key``.
        self._keys: dict[int | None, dict[str, Any]] = {r.org_id: dict(r._mapping) for r in rows}
        self._known = {None, org_id}

    def signing_key(self, org_id: int | None) -> dict[str, Any] | None:
        if org_id in self._known:
            return self._keys.get(org_id)
        return _signing_key(self._conn, org_id)

    def add_signing_key(
        self, org_id: int | None, public_key: str, private_key_pem: str, now: dt.datetime
    ) -> None:
        _add_signing_key(self._conn, org_id, public_key, private_key_pem, now)
        self._known.discard(org_id)

    def leaf_hashes(self, start: int = 0) -> list[str]:
        return _leaf_hashes(self._conn, start)

    def described_row(self, table: str, row_id: int) -> dict[str, Any] | None:
        return _described_row(self._conn, table, row_id)

    def table_state(self, table: str, org_id: int) -> dict[str, Any]:
        if table in SNAPSHOT_TABLES:
            snapshot = current(self._conn, org_id, table)
            return snapshot_state(snapshot)
        target, _ = COMMITTED[table]
        hashes = self._conn.execute(
            select(target.c.row_sha256).where(target.c.org_id == org_id)
        ).scalars()
        return state_digest(hashes)


def _append_on(
    conn: Connection,
    org_id: int | None,
    kind: str,
    now: dt.datetime,
    seal: Callable[[Any], Mapping[str, Any]],
    row: tuple[str, int] | None,
    subject_seq: int | None,
) -> int:
    size = _next_seq(conn)
    sealed = seal(_Append(conn, size, org_id))
    _store_entry(conn, size, org_id, kind, now, sealed, subject_seq)
    _insert_head(conn, sealed["head"])
    _stamp_row(conn, row, sealed["leaf_hash"])
    return size


def _next_seq(conn: Connection) -> int:
    return int(
        conn.execute(select(func.coalesce(func.max(t.ledger_entries.c.seq) + 1, 0))).scalar_one()
    )


def _store_entry(
    conn: Connection,
    seq: int,
    org_id: int | None,
    kind: str,
    now: dt.datetime,
    sealed: Mapping[str, Any],
    subject_seq: int | None,
) -> None:
    conn.execute(
        insert(t.ledger_entries).values(
            seq=seq,
            org_id=org_id,
            kind=kind,
            entry=sealed["entry"],
            leaf_hash=sealed["leaf_hash"],
            signature=sealed["signature"],
            public_key=sealed["public_key"],
            created_at=now,
            subject_seq=subject_seq,
        )
    )


def _entry_row(seq: int, item: _Queued, sealed: Mapping[str, Any]) -> dict[str, Any]:
    """The ``ledger_entries`` row of a queued entry."""
    return {
        "seq": seq,
        "org_id": item.org_id,
        "kind": item.kind,
        "entry": sealed["entry"],
        "leaf_hash": sealed["leaf_hash"],
        "signature": sealed["signature"],
        "public_key": sealed["public_key"],
        "created_at": item.now,
        "subject_seq": item.subject_seq,
    }


def _stamp_row(conn: Connection, row: tuple[str, int] | None, leaf_hash: str) -> None:
    """Stamp the row an entry describes with the entry's leaf hash."""
    if row is not None:
        target = DESCRIBED[row[0]]
        conn.execute(update(target).where(target.c.id == row[1]).values(ledger_leaf_hash=leaf_hash))


class _BulkAppend:
    """An append inside an import's bulk (ADBC) transaction, which holds the database's write
    lock (SQLite) or takes the log's lock (PostgreSQL): the same reads and writes as
    ``_append_on``, as SQL text with quoted literals (every value is a number, a hex digest,
    an ISO timestamp or canonical JSON made here)."""

    def __init__(self, tx: BulkTransaction, org_id: int | None) -> None:
        self._tx = tx
        self._org_id = org_id
        if tx.dialect == "postgresql":
            tx.execute("LOCK TABLE ledger_entries IN SHARE ROW EXCLUSIVE MODE")
        self.seq = int(tx.scalar("SELECT coalesce(max(seq) + 1, 0) FROM ledger_entries"))

    def _rows(self, sql: str) -> list[dict[str, Any]]:
        return list(self._tx.fetch(sql).to_pylist())

    def signing_key(self, org_id: int | None) -> dict[str, Any] | None:
        where = "org_id IS NULL" if org_id is None else f"org_id = {int(org_id)}"
        rows = self._rows(
            "SELECT id, org_id, public_key, private_key_pem FROM signing_keys "
            f"WHERE {where} AND retired_at IS NULL ORDER BY id DESC LIMIT 1"
        )
        return rows[0] if rows else None

    def add_signing_key(
        self, org_id: int | None, public_key: str, private_key_pem: str, now: dt.datetime
    ) -> None:
        owner = "NULL" if org_id is None else str(int(org_id))
        self._tx.execute(
            "INSERT INTO signing_keys (org_id, public_key, private_key_pem, created_at) "
            f"VALUES ({owner}, {_quote(public_key)}, {_quote(private_key_pem)}, "
            f"{self._time(now)})"
        )

    def leaf_hashes(self, start: int = 0) -> list[str]:
        rows = self._rows(
            f"SELECT leaf_hash FROM ledger_entries WHERE seq >= {int(start)} ORDER BY seq"
        )
        return [str(r["leaf_hash"]) for r in rows]

    def described_row(self, table: str, row_id: int) -> dict[str, Any] | None:
        rows = self._rows(f"SELECT * FROM {DESCRIBED[table].name} WHERE id = {int(row_id)}")
        return rows[0] if rows else None

    def table_state(self, table: str, org_id: int) -> dict[str, Any]:
        known = self._tx.known_states.get((table, org_id))
        if known is not None:
            return known
        if table in SNAPSHOT_TABLES:
            found = self._tx.fetch(
                f"SELECT rows, state_sha256 FROM line_snapshots WHERE org_id = {int(org_id)} "
                f"AND table_name = '{table}' ORDER BY id DESC LIMIT 1"
            ).to_pylist()
            return snapshot_state(_Snapshot(**found[0]) if found else None)
        target, _ = COMMITTED[table]
        found = self._tx.fetch(f"SELECT row_sha256 FROM {target.name} WHERE org_id = {int(org_id)}")
        return state_digest(pc.cast(found.column("row_sha256"), pa.string()))

    def _time(self, value: dt.datetime) -> str:
        if self._tx.dialect == "sqlite":  # as SQLAlchemy stores a DateTime in SQLite
            return _quote(str(self._tx.timestamp(value)[0].as_py()))
        return f"{_quote(value.isoformat())}::timestamptz"

    def store(
        self,
        kind: str,
        now: dt.datetime,
        seal: Callable[[Any], Mapping[str, Any]],
        row: tuple[str, int] | None,
        subject_seq: int | None,
    ) -> int:
        sealed = seal(self)
        owner = "NULL" if self._org_id is None else str(int(self._org_id))
        subject = "NULL" if subject_seq is None else str(int(subject_seq))
        self._tx.execute(
            "INSERT INTO ledger_entries (seq, org_id, kind, entry, leaf_hash, signature, "
            f"public_key, created_at, subject_seq) VALUES ({self.seq}, {owner}, {_quote(kind)}, "
            f"{_quote(sealed['entry'])}, {_quote(sealed['leaf_hash'])}, "
            f"{_quote(sealed['signature'])}, {_quote(sealed['public_key'])}, "
            f"{self._time(now)}, {subject})"
        )
        head = sealed["head"]
        self._tx.execute(
            "INSERT INTO tree_heads (tree_size, root_hash, timestamp, signature, public_key) "
            f"VALUES ({int(head['tree_size'])}, {_quote(head['root_hash'])}, "
            f"{_quote(head['timestamp'])}, {_quote(head['signature'])}, "
            f"{_quote(head['public_key'])}) ON CONFLICT DO NOTHING"
        )
        if row is not None:
            self._tx.execute(
                f"UPDATE {DESCRIBED[row[0]].name} SET ledger_leaf_hash = "
                f"{_quote(sealed['leaf_hash'])} WHERE id = {int(row[1])}"
            )
        return self.seq


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _lock_log(conn: Connection) -> None:
    """Take the log's write lock for the rest of the transaction: SQLite's write lock at once
    (``BEGIN IMMEDIATE``; the driver would otherwise begin lazily, at the first write), on
    PostgreSQL a table lock that only other writers of the log wait for (readers do not)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.execute(text("LOCK TABLE ledger_entries IN SHARE ROW EXCLUSIVE MODE"))


def _signing_key(conn: Connection, org_id: int | None) -> dict[str, Any] | None:
    column = t.signing_keys.c.org_id
    where = column.is_(None) if org_id is None else column == org_id
    row = conn.execute(
        select(t.signing_keys)
        .where(where, t.signing_keys.c.retired_at.is_(None))
        .order_by(t.signing_keys.c.id.desc())
    ).first()
    return None if row is None else dict(row._mapping)


def _add_signing_key(
    conn: Connection,
    org_id: int | None,
    public_key: str,
    private_key_pem: str,
    now: dt.datetime,
) -> None:
    conn.execute(
        insert(t.signing_keys).values(
            org_id=org_id,
            public_key=public_key,
            private_key_pem=private_key_pem,
            created_at=now,
        )
    )


def _leaf_hashes(conn: Connection, start: int) -> list[str]:
    rows = conn.execute(
        select(t.ledger_entries.c.leaf_hash)
        .where(t.ledger_entries.c.seq >= start)
        .order_by(t.ledger_entries.c.seq)
    )
    return [r[0] for r in rows]


def _insert_head(conn: Connection, head: Mapping[str, Any]) -> None:
    """Store a signed tree head unless one of its size is stored already (a head once signed
    is never replaced)."""
    values = {
        "tree_size": int(head["tree_size"]),
        "root_hash": head["root_hash"],
        "timestamp": head["timestamp"],
        "signature": head["signature"],
        "public_key": head["public_key"],
    }
    dialect = {"sqlite": sqlite, "postgresql": postgresql}.get(conn.dialect.name)
    if dialect is not None:
        conn.execute(dialect.insert(t.tree_heads).values(**values).on_conflict_do_nothing())
        return
    exists = conn.execute(
        select(t.tree_heads.c.tree_size).where(t.tree_heads.c.tree_size == values["tree_size"])
    ).first()
    if exists is None:
        conn.execute(insert(t.tree_heads).values(**values))


def _described_row(conn: Connection, table: str, row_id: int) -> dict[str, Any] | None:
    target = DESCRIBED[table]
    row = conn.execute(select(target).where(target.c.id == row_id)).first()
    if row is None:
        return None
    values = dict(row._mapping)
    for name, value in values.items():
        if type(value) is dt.date:  # a calendar date is recorded as YYYY-MM-DD
            values[name] = value.isoformat()
    for name in CONTENT_COLUMNS & values.keys():
        content = values[name]
        if content is not None:
            data = content.encode() if isinstance(content, str) else bytes(content)
            values[name] = hashlib.sha256(data).hexdigest()
    if values.get("lines_format") is not None:
        # the lines are a file of the line store named by their SHA-256 (checked against the
        # file by ``ledger verify``): the digest is the one recorded when they were in the row
        values["lines_arrow"] = values["lines_sha256"]
    return values
