"""Signed ledger appends under concurrency: appends per second at 1, 8 and 32 writer threads
sharing one context (as the threads of a web worker and its job workers do), against the
ceiling of plain INSERTs of the same entries into a table of the same shape by the same number
of threads through the same engine, one transaction each, in the same run.

A signed append (``ledger.record``) takes the log's write lock, reads the current keys and the
leaves added since, signs the entry (Ed25519), signs the tree head that ends with it, stores
both and commits. The plain insert stores the same canonical entry text with no lock, no
signature and no tree. Each figure is the best of ``--repeat`` runs of ``--seconds`` each; the
log is checked after the run (entries in sequence, the last signed head's root over all of
them, signatures of the last heads). On PostgreSQL (``--postgres``, an admin URL) the run uses
a fresh database made and dropped here; SQLite (``--sqlite``) a temporary file (WAL).

    python benchmarks/ledger_appends.py [--writers 1 8 32] [--seconds 5] [--repeat 2]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres] [--sqlite]
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
import threading
import time
import uuid
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, text

from greenchain.adapters.signing import verify_signature
from greenchain.bootstrap import bootstrap
from greenchain.config import Settings, new_key
from greenchain.domain.ledger import MerkleTree, canonical_entry
from greenchain.services import ledger
from greenchain.services.context import Context
from greenchain.services.orgs import add_organisation

ORG = "bench-org"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def payload(i: int) -> dict[str, Any]:
    """The payload of an import entry (counter ``i``), ~290 bytes of entry in all."""
    rows = 1000 + i % 997
    return {
        "kind": "purchases",
        "file_name": f"purchases-{i:07d}.csv",
        "file_sha256": hashlib.sha256(i.to_bytes(8, "big")).hexdigest(),
        "rows_total": rows,
        "rows_imported": rows - i % 7,
        "rows_rejected": i % 7,
    }


def entry_text(i: int) -> str:
    """The entry as ``ledger.record`` would write it (for the plain inserts)."""
    body = {
        "kind": "import",
        "org": ORG,
        "recorded_at": f"2025-06-01T00:00:{i % 60:02d}+00:00",
        "payload": payload(i),
    }
    return canonical_entry(body).decode()


def run_threads(writers: int, seconds: float, work: Callable[[int], None]) -> tuple[int, float]:
    """``writers`` threads each calling ``work(n)`` (n: a counter unique over all threads)
    until ``seconds`` have passed; returns the calls done and the time they took."""
    counter = iter(range(10**9))
    lock = threading.Lock()
    done = [0] * writers
    start = threading.Barrier(writers + 1)
    stop = threading.Event()
    errors: list[BaseException] = []

    def loop(w: int) -> None:
        start.wait()
        while not stop.is_set():
            with lock:
                n = next(counter)
            try:
                work(n)
            except BaseException as exc:
                errors.append(exc)
                return
            done[w] += 1

    threads = [threading.Thread(target=loop, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    if errors:
        raise errors[0]
    return sum(done), elapsed


def measure(ctx: Context, org_id: int, writers: int, seconds: float, repeat: int) -> float:
    best = 0.0
    offset = [10**6 * writers]

    def append(n: int) -> None:
        ledger.record(ctx, org_id, ORG, "import", payload(offset[0] + n))

    for _ in range(repeat):
        count, elapsed = run_threads(writers, seconds, append)
        best = max(best, count / elapsed)
        offset[0] += 10**5
    return best


PLAIN_TABLE = """CREATE TABLE bench_plain (
    id {key}, org_id INTEGER, kind VARCHAR(40) NOT NULL, entry TEXT NOT NULL,
    created_at VARCHAR(40) NOT NULL)"""


def measure_plain(engine: Engine, writers: int, seconds: float, repeat: int) -> float:
    key = "INTEGER PRIMARY KEY" if engine.dialect.name == "sqlite" else "SERIAL PRIMARY KEY"
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS bench_plain"))
        conn.execute(text(PLAIN_TABLE.format(key=key)))
    insert = text(
        "INSERT INTO bench_plain (org_id, kind, entry, created_at) VALUES (1, 'import', :e, :t)"
    )

    def one(n: int) -> None:
        with engine.begin() as conn:
            conn.execute(insert, {"e": entry_text(n), "t": "2025-06-01T00:00:00+00:00"})

    best = 0.0
    for _ in range(repeat):
        count, elapsed = run_threads(writers, seconds, one)
        best = max(best, count / elapsed)
    return best


def check_log(ctx: Context) -> dict[str, int]:
    """Entries in sequence, the last head's root over all of them, the last heads signed."""
    assert ctx.ledger is not None
    entries = ctx.ledger.entries()
    heads = ctx.ledger.heads()
    assert [e["seq"] for e in entries] == list(range(len(entries))), "entries out of sequence"
    tree = MerkleTree(bytes.fromhex(e["leaf_hash"]) for e in entries)
    last = heads[-1]
    assert last["tree_size"] == len(entries), "the last head does not cover every entry"
    assert last["root_hash"] == tree.root().hex(), "the last head's root does not match"
    for head in heads[-50:]:
        assert tree.root(int(head["tree_size"])).hex() == head["root_hash"]
        assert verify_signature(head["public_key"], head["signature"], ledger.head_message(head))
    return {"entries": len(entries), "heads": len(heads)}


def run_backend(
    label: str, db: str, writers: list[int], seconds: float, repeat: int
) -> list[dict[str, Any]]:
    settings = Settings(db=db, secret_key=new_key(), sealing_key=new_key())
    ctx = bootstrap(settings)
    try:
        org = add_organisation(ctx, ORG)
        ledger.record(ctx, org.id, ORG, "import", payload(0))  # makes the keys: not timed
        engine: Engine = ctx.workspace.engine  # type: ignore[attr-defined]
        rows = []
        for w in writers:
            before = check_log(ctx)
            signed = measure(ctx, org.id, w, seconds, repeat)
            after = check_log(ctx)
            plain = measure_plain(engine, w, seconds, repeat)
            entries = after["entries"] - before["entries"]
            heads = after["heads"] - before["heads"]
            row = {
                "backend": label,
                "writers": w,
                "signed": signed,
                "plain": plain,
                "entries_per_head": entries / heads if heads else float("nan"),
            }
            rows.append(row)
            print(
                f"{label:>10} {w:>7} {signed:>12,.0f} {plain:>12,.0f} "
                f"{signed / plain:>8.1%} {row['entries_per_head']:>10.2f}",
                flush=True,
            )
        final = check_log(ctx)
        print(f"{label:>10} log checked: {final['entries']:,} entries, {final['heads']:,} heads")
        return rows
    finally:
        ctx.workspace.close()  # type: ignore[attr-defined]


def fresh_postgres(admin_url: str) -> tuple[str, Callable[[], None]]:
    name = f"greenchain_bench_appends_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return admin_url.rsplit("/", 1)[0] + f"/{name}", drop


def markdown(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| database | writers | signed appends/s | entries per signed head "
        "| plain INSERTs/s (ceiling) | of ceiling |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['backend']} | {r['writers']} | {r['signed']:,.0f} | "
            f"{r['entries_per_head']:.2f} | {r['plain']:,.0f} | {r['signed'] / r['plain']:.1%} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writers", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--seconds", type=float, default=5.0, help="per run")
    parser.add_argument("--repeat", type=int, default=2, help="runs per figure (best kept)")
    parser.add_argument("--postgres", metavar="ADMIN_URL", default=DEFAULT_PG)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--sqlite", action="store_true", help="also on a SQLite file")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    print(
        f"{'database':>10} {'writers':>7} {'signed/s':>12} {'plain/s':>12} "
        f"{'of ceil':>8} {'per head':>10}"
    )
    rows: list[dict[str, Any]] = []
    if not args.no_postgres:
        url, drop = fresh_postgres(args.postgres)
        try:
            rows += run_backend("PostgreSQL", url, args.writers, args.seconds, args.repeat)
        finally:
            drop()
    if args.sqlite:
        with tempfile.TemporaryDirectory() as folder:
            db = str(Path(folder) / "bench.db")
            rows += run_backend("SQLite", db, args.writers, args.seconds, args.repeat)
    print()
    print(markdown(rows))


if __name__ == "__main__":
    main()
