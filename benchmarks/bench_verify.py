"""``ledger verify`` over a workspace of N purchase lines, against the floor of the same check
written plainly: read every stored line with ``sqlite3`` and SHA-256 each row's text.

Greenchain's verify does more than the floor: every entry, signature and tree head, every row
an entry describes, each data row's hash recomputed from its typed values (named on
mismatch) and each table's state digest against the entry of its last write. Setup (factor
library, suppliers, the import and a calculation) is not timed.

    python benchmarks/bench_verify.py [--sizes 100000 1000000] [--repeat 2]
"""

from __future__ import annotations

import argparse
import hashlib
import sqlite3
import tempfile
import time
from pathlib import Path

from bench_import_calc import calculated_workspace
from greenchain.bootstrap import signature_verifier
from greenchain.services import ledger


def plain_floor(db: Path) -> float:
    """Read every purchase line and hash its values: the least a row check must do."""
    start = time.perf_counter()
    with sqlite3.connect(db) as conn:
        cursor = conn.execute("SELECT * FROM purchase_lines")
        while rows := cursor.fetchmany(100_000):
            for row in rows:
                hashlib.sha256(repr(row).encode()).hexdigest()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    print("| lines | ledger verify s | lines/s | plain read + hash s | of floor |")
    print("|---:|---:|---:|---:|---:|")
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            ctx = calculated_workspace(folder, n)
            db = folder / "greenchain.db"
            best = floor = float("inf")
            for _ in range(args.repeat):
                start = time.perf_counter()
                problems = ledger.verify(ctx, signature_verifier)
                best = min(best, time.perf_counter() - start)
                assert problems == [], problems[:3]
                floor = min(floor, plain_floor(db))
            ctx.workspace.close()  # type: ignore[attr-defined]
        print(f"| {n:,} | {best:.3f} | {n / best:,.0f} | {floor:.3f} | {floor / best:.0%} |")


if __name__ == "__main__":
    main()
