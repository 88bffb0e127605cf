"""Transparency log: Merkle tree appends and proofs, and signed appends through the service.

For each log size N: (1) append the leaf hashes of N RFC 8785 canonical entries (~290 bytes
each, precomputed, not timed) to a ``MerkleTree``, against the ceiling of bare
``hashlib.sha256`` over the same bytes in the same loop shape: one sha256 per entry plus one
sha256 of 64 bytes standing for the node hash a Merkle tree adds per append (N appends make
N - popcount(N) node hashes, so ~1 per append); (2) generate and verify inclusion and
consistency proofs at random leaf indices / first sizes, against log2(N). Then, once,
(3) ``--signed`` appends through ``ledger.record`` on a SQLite file (Ed25519-signed entry,
signed tree head, both written in one transaction), against plain sqlite3 inserts of the same
rows with one commit per insert and the project's durability (WAL, synchronous=NORMAL), in the
same run. The signed appends run twice: on an idle workspace (each append's connection is the
only one, so SQLite checkpoints the WAL into the database file when it closes) and with a
second connection held open, as when a web worker serves other requests (no checkpoint on
close; the plain sqlite3 loop keeps its one connection open too). Connections opened,
statements and commits per append are counted. With ``--postgres URL`` (an admin URL) the
signed appends also run on a temporary PostgreSQL database against plain psycopg inserts of
the same rows, one commit each. Prints a markdown table for the README at the end.

    python benchmarks/bench_ledger.py [--sizes 10000 100000 1000000] [--quick] [--signed 2000]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import hashlib
import math
import os
import random
import sqlite3
import sys
import tempfile
import time
import uuid
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, text

from greenchain.bootstrap import bootstrap
from greenchain.config import Settings, new_key
from greenchain.domain.ledger import (
    MerkleTree,
    canonical_entry,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)
from greenchain.services import ledger
from greenchain.services.orgs import add_organisation

ORG = "bench-org"
HASH_BYTES = 32


def entry_body(i: int) -> dict[str, Any]:
    """An entry shaped like the ones ``ledger.record`` writes for an import (counter ``i``)."""
    rows = 1000 + i % 997
    return {
        "kind": "import",
        "org": ORG,
        "recorded_at": f"2025-{i % 12 + 1:02d}-{i % 28 + 1:02d}T{i // 3600 % 24:02d}:"
        f"{i // 60 % 60:02d}:{i % 60:02d}.{i % 1_000_000:06d}+00:00",
        "payload": {
            "kind": "purchases",
            "file_name": f"purchases-{i:07d}.csv",
            "file_sha256": hashlib.sha256(i.to_bytes(8, "big")).hexdigest(),
            "rows_total": rows,
            "rows_imported": rows - i % 7,
            "rows_rejected": i % 7,
        },
    }


# -- 1. tree build -------------------------------------------------------------------------


def time_build(entries: Sequence[bytes]) -> tuple[float, MerkleTree]:
    tree = MerkleTree()
    append = tree.append
    start = time.perf_counter()
    for entry in entries:
        append(leaf_hash(entry))
    return time.perf_counter() - start, tree


def time_ceiling(entries: Sequence[bytes]) -> float:
    """Bare hashlib in the same loop: sha256(entry), then one sha256 of two 32-byte digests."""
    sha256 = hashlib.sha256
    previous = bytes(HASH_BYTES)
    start = time.perf_counter()
    for entry in entries:
        digest = sha256(entry).digest()
        sha256(previous + digest).digest()
        previous = digest
    return time.perf_counter() - start


# -- 2. proofs -----------------------------------------------------------------------------


def time_inclusion(
    tree: MerkleTree, samples: int, rng: random.Random, repeat: int
) -> dict[str, float]:
    n = len(tree)
    indices = [rng.randrange(n) for _ in range(samples)]
    leaves = [tree.leaf(i) for i in indices]
    root = tree.root()
    generate = verify = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        proofs = [tree.inclusion_proof(i) for i in indices]
        generate = min(generate, time.perf_counter() - start)
        ok = 0
        start = time.perf_counter()
        for i, leaf, proof in zip(indices, leaves, proofs, strict=True):
            ok += verify_inclusion(i, n, leaf, proof, root)
        verify = min(verify, time.perf_counter() - start)
        assert ok == samples, f"{samples - ok} inclusion proofs failed at N={n}"
    return _proof_figures(generate, verify, proofs)


def time_consistency(
    tree: MerkleTree, samples: int, rng: random.Random, repeat: int
) -> dict[str, float]:
    n = len(tree)
    firsts = [rng.randint(1, n) for _ in range(samples)]
    first_roots = [tree.root(m) for m in firsts]  # the verifier holds the older tree head
    root = tree.root()
    generate = verify = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        proofs = [tree.consistency_proof(m) for m in firsts]
        generate = min(generate, time.perf_counter() - start)
        ok = 0
        start = time.perf_counter()
        for m, first_root, proof in zip(firsts, first_roots, proofs, strict=True):
            ok += verify_consistency(m, n, first_root, root, proof)
        verify = min(verify, time.perf_counter() - start)
        assert ok == samples, f"{samples - ok} consistency proofs failed at N={n}"
    return _proof_figures(generate, verify, proofs)


def _proof_figures(generate: float, verify: float, proofs: list[list[bytes]]) -> dict[str, float]:
    samples = len(proofs)
    hashes = sum(len(p) for p in proofs) / samples
    return {
        "gen_us": generate / samples * 1e6,
        "verify_us": verify / samples * 1e6,
        "hashes": hashes,
        "max_hashes": max(len(p) for p in proofs),
        "bytes": hashes * HASH_BYTES,
    }


def time_root(tree: MerkleTree, repeat: int = 200) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        tree.root()
    return (time.perf_counter() - start) / repeat


# -- 3. signed appends on SQLite -----------------------------------------------------------


def run_signed(db: str, count: int, hold: bool = False) -> dict[str, Any]:
    """``count`` ledger.record calls on the database ``db`` (a SQLite path or a URL); with
    ``hold`` a second connection stays open meanwhile. Returns seconds, the stored rows, the
    connections, statements and commits per append, and the cost of one signature with the
    key already opened and with its decryption."""
    settings = Settings(db=db, secret_key=new_key(), sealing_key=new_key())
    ctx = bootstrap(settings)
    org = add_organisation(ctx, ORG)
    # Warm-up, not timed: creates the organisation's and the log's signing keys.
    ledger.record(ctx, org.id, ORG, "import", entry_body(0)["payload"])
    payloads = [entry_body(i)["payload"] for i in range(1, count + 1)]
    engine = ctx.workspace.engine  # type: ignore[attr-defined]
    counts = {"connections": 0, "statements": 0, "commits": 0}

    def counter(name: str) -> Any:
        def count_one(*_: Any) -> None:
            counts[name] += 1

        return count_one

    event.listen(engine, "connect", counter("connections"))
    event.listen(engine, "before_cursor_execute", counter("statements"))
    event.listen(engine, "commit", counter("commits"))
    held = engine.connect() if hold else None
    start = time.perf_counter()
    for payload in payloads:
        ledger.record(ctx, org.id, ORG, "import", payload)
    elapsed = time.perf_counter() - start
    if held is not None:
        held.close()
    per_append = {k: v / count for k, v in counts.items()}
    assert ctx.ledger is not None
    assert ctx.keys is not None
    rows = ctx.ledger.entries()
    heads = ctx.ledger.heads()
    tree = MerkleTree(bytes.fromhex(r["leaf_hash"]) for r in rows)
    assert [h["tree_size"] for h in heads] == list(range(1, count + 2)), "one head per append"
    assert heads[-1]["root_hash"] == tree.root().hex(), "signed tree head does not match"
    key = ctx.ledger.signing_key(org.id)
    assert key is not None
    messages = [r["entry"].encode() for r in rows[1 : min(count, 200) + 1]]
    start = time.perf_counter()
    for message in messages:
        ctx.keys.sign(key["private_key_pem"], message)
    opened = (time.perf_counter() - start) / len(messages)
    start = time.perf_counter()
    for message in messages[:50]:
        type(ctx.keys)(settings.secrets().sealing_keys).sign(key["private_key_pem"], message)
    decrypting = (time.perf_counter() - start) / len(messages[:50])
    ctx.workspace.close()  # type: ignore[attr-defined]
    return {
        "seconds": elapsed,
        "rows": rows[1:],
        "per_append": per_append,
        "sign_ms": opened * 1e3,
        "decrypt_sign_ms": decrypting * 1e3,
    }


PLAIN_TABLE = """CREATE TABLE ledger_entries (
    seq INTEGER PRIMARY KEY, org_id INTEGER, kind VARCHAR(40) NOT NULL, entry TEXT NOT NULL,
    leaf_hash VARCHAR(64) NOT NULL, signature VARCHAR(128) NOT NULL,
    public_key VARCHAR(64) NOT NULL, created_at DATETIME NOT NULL, subject_seq INTEGER)"""


def run_plain(folder: Path, rows: list[dict[str, Any]]) -> float:
    """The same rows into the same table shape, one INSERT + COMMIT each, same pragmas."""
    db = sqlite3.connect(folder / "plain.db")
    db.execute("PRAGMA page_size=32768")
    mode = db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
    assert mode == "wal", mode
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute(PLAIN_TABLE)
    db.execute("CREATE INDEX ix_ledger_entries_subject_seq ON ledger_entries (subject_seq)")
    db.commit()
    values = plain_values(rows)
    start = time.perf_counter()
    for v in values:
        db.execute("INSERT INTO ledger_entries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", v)
        db.commit()
    elapsed = time.perf_counter() - start
    assert db.execute("SELECT count(*) FROM ledger_entries").fetchone()[0] == len(rows)
    db.close()
    return elapsed


def plain_values(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [
        (
            r["seq"],
            r["org_id"],
            r["kind"],
            r["entry"],
            r["leaf_hash"],
            r["signature"],
            r["public_key"],
            str(r["created_at"]),
            r["subject_seq"],
        )
        for r in rows
    ]


def run_plain_postgres(url: str, rows: list[dict[str, Any]]) -> float:
    """The same rows through psycopg on one connection, one INSERT + COMMIT each."""
    import psycopg

    values = plain_values(rows)
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as db:
        table = PLAIN_TABLE.replace("TABLE ledger_entries", "TABLE plain_entries")
        db.execute(table.replace("DATETIME", "TIMESTAMPTZ"))
        db.execute("CREATE INDEX ix_plain_subject_seq ON plain_entries (subject_seq)")
        db.commit()
        start = time.perf_counter()
        for v in values:
            db.execute("INSERT INTO plain_entries VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)", v)
            db.commit()
        elapsed = time.perf_counter() - start
        found = db.execute("SELECT count(*) FROM plain_entries").fetchone()
        assert found is not None
        assert found[0] == len(rows)
    return elapsed


def on_postgres(admin_url: str, count: int) -> dict[str, Any]:
    """Signed appends and the plain baseline on a temporary PostgreSQL database."""
    name = f"greenchain_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        signed = run_signed(url, count)
        plain = run_plain_postgres(url, signed["rows"])
    finally:
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :n AND pid <> pg_backend_pid()"
                ),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()
    return figures(count, signed, plain)


def figures(count: int, signed: dict[str, Any], plain: float) -> dict[str, Any]:
    return {
        "count": count,
        "appends_s": count / signed["seconds"],
        "ms": signed["seconds"] / count * 1e3,
        "inserts_s": count / plain,
        "plain_ms": plain / count * 1e3,
        "per_append": signed["per_append"],
        "sign_ms": signed["sign_ms"],
        "decrypt_sign_ms": signed["decrypt_sign_ms"],
    }


def describe(label: str, f: dict[str, Any], baseline: str) -> str:
    p = f["per_append"]
    return (
        f"signed appends ({label}): {f['count']:,} ledger.record = {f['appends_s']:,.0f} "
        f"appends/s ({f['ms']:.2f} ms each; per append {p['connections']:.2f} connection(s), "
        f"{p['statements']:.1f} statements, {p['commits']:.2f} commit(s); an Ed25519 signature "
        f"{f['sign_ms']:.3f} ms with the key opened, {f['decrypt_sign_ms']:.2f} ms when "
        f"decrypting it first); {baseline} = {f['inserts_s']:,.0f} inserts/s "
        f"({f['plain_ms']:.3f} ms each)"
    )


# -- report --------------------------------------------------------------------------------


def markdown(tree_rows: list[dict[str, Any]], signed: list[dict[str, Any]]) -> str:
    lines = [
        "| Measure | N | Greenchain | Baseline | Greenchain vs baseline |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in tree_rows:
        n, log2 = f"{r['n']:,}", math.log2(r["n"])
        lines.append(
            f"| Append (`leaf_hash` + `MerkleTree.append`) | {n} | {r['appends_s']:,.0f} "
            f"appends/s | {r['ceiling_s']:,.0f} entries/s ({2 * r['ceiling_s']:,.0f} "
            f"sha256/s, bare hashlib) | {r['appends_s'] / r['ceiling_s']:.0%} of ceiling |"
        )
        for label, p in (("Inclusion", r["inclusion"]), ("Consistency", r["consistency"])):
            lines.append(
                f"| {label} proof: generate / verify | {n} | {p['gen_us']:.1f} / "
                f"{p['verify_us']:.1f} µs, {p['hashes']:.1f} hashes ({p['bytes']:.0f} B) | "
                f"log2 N = {log2:.1f} hashes | {p['gen_us'] / p['hashes']:.2f} / "
                f"{p['verify_us'] / p['hashes']:.2f} µs per proof hash |"
            )
    for f in signed:
        lines.append(
            f"| Signed append via `ledger.record` ({f['label']}) | {f['count']:,} | "
            f"{f['appends_s']:,.0f} appends/s ({f['ms']:.2f} ms) | "
            f"{f['inserts_s']:,.0f} inserts/s ({f['plain_ms']:.3f} ms; {f['baseline']}) | "
            f"{f['appends_s'] / f['inserts_s']:.1%} "
            f"({f['inserts_s'] / f['appends_s']:.0f}x slower) |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="sizes 1e3 1e4 1e5 and 500 signed appends (unless --sizes/--signed are given)",
    )
    parser.add_argument("--signed", type=int, default=None, help="signed appends (default 2000)")
    parser.add_argument(
        "--postgres",
        metavar="ADMIN_URL",
        help="also run the signed appends on a temporary PostgreSQL database made through "
        "this admin URL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/postgres)",
    )
    parser.add_argument("--samples", type=int, default=1000, help="proofs per size")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each timing (best kept)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    explicit_sizes = any(a == "--sizes" or a.startswith("--sizes=") for a in sys.argv[1:])
    sizes = [1_000, 10_000, 100_000] if args.quick and not explicit_sizes else args.sizes
    signed_count = args.signed if args.signed is not None else (500 if args.quick else 2000)
    rng = random.Random(args.seed)

    start = time.perf_counter()
    entries = [canonical_entry(entry_body(i)) for i in range(max(sizes))]
    mean_len = sum(map(len, entries)) / len(entries)
    print(
        f"prepared {len(entries):,} canonical entries (mean {mean_len:.0f} bytes) in "
        f"{time.perf_counter() - start:.1f} s (not timed)\n"
        "ceiling loop: sha256(entry) + sha256(64 bytes) per entry = 2 hashes/entry; a Merkle "
        "append is leaf_hash + ~1 node_hash amortised (N - popcount(N) in all)\n",
        flush=True,
    )
    print(
        f"{'N':>10} {'build s':>8} {'appends/s':>11} {'ceiling s':>9} {'entries/s':>11} "
        f"{'of ceil':>7} {'root us':>8} | {'log2 N':>6} {'incl gen us':>11} "
        f"{'ver us':>7} {'hashes':>6} | {'cons gen us':>11} {'ver us':>7} {'hashes':>6}"
    )
    tree_rows: list[dict[str, Any]] = []
    for n in sizes:
        part = entries[:n]
        best_build = best_ceiling = float("inf")
        tree = MerkleTree()
        for _ in range(args.repeat):
            del tree
            elapsed, tree = time_build(part)
            best_build = min(best_build, elapsed)
            best_ceiling = min(best_ceiling, time_ceiling(part))
        assert len(tree) == n
        gc.collect()  # not timed: the full collection the build made due, run now
        row = {
            "n": n,
            "appends_s": n / best_build,
            "ceiling_s": n / best_ceiling,
            "root_us": time_root(tree) * 1e6,
            "inclusion": time_inclusion(tree, args.samples, rng, args.repeat),
            "consistency": time_consistency(tree, args.samples, rng, args.repeat),
        }
        tree_rows.append(row)
        inc, con = row["inclusion"], row["consistency"]
        print(
            f"{n:>10,} {best_build:>8.3f} {row['appends_s']:>11,.0f} {best_ceiling:>9.3f} "
            f"{row['ceiling_s']:>11,.0f} {row['appends_s'] / row['ceiling_s']:>7.0%} "
            f"{row['root_us']:>8.1f} | {math.log2(n):>6.1f} {inc['gen_us']:>11.1f} "
            f"{inc['verify_us']:>7.1f} {inc['hashes']:>6.1f} | {con['gen_us']:>11.1f} "
            f"{con['verify_us']:>7.1f} {con['hashes']:>6.1f}",
            flush=True,
        )
        del tree
    del entries

    signed: list[dict[str, Any]] = []
    if signed_count > 0:
        sqlite_baseline = "sqlite3, 1 commit/insert, WAL + synchronous=NORMAL"
        print()
        for label, hold in (
            ("SQLite file, idle workspace", False),
            ("SQLite file, another connection open", True),
        ):
            with tempfile.TemporaryDirectory() as tmp:
                folder = Path(tmp)
                run = run_signed(str(folder / "greenchain.db"), signed_count, hold)
                plain = run_plain(folder, run["rows"])
            found = figures(signed_count, run, plain)
            found.update(label=label, baseline=sqlite_baseline)
            signed.append(found)
            print(describe(label, found, "plain sqlite3 (same run)"), flush=True)
        if args.postgres:
            found = on_postgres(args.postgres, signed_count)
            found.update(label="PostgreSQL", baseline="psycopg, 1 commit/insert")
            signed.append(found)
            print(describe("PostgreSQL", found, "plain psycopg (same run)"), flush=True)

    print("\n" + markdown(tree_rows, signed))
    print(
        f"\n({args.samples:,} random proofs per size, best of {args.repeat} runs of each timing; "
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {dt.date.today()}, "
        "SQLite file databases in a temporary directory, same machine, same run)"
    )


if __name__ == "__main__":
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        main()
