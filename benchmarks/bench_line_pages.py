"""Reading a page of a run's lines: Greenchain's reader (a connection to the process's DuckDB
database) against the same reader opening a DuckDB database for each read (how it read
before), in the same run.

Builds a workspace with N purchase lines (the files of ``bench_import_calc.write_inputs``,
imported and calculated; not timed), then reads the page of 50 lines in the middle of the run
(``select_lines``, what the line reader and the API's run lines call) ``--reads`` times each
way, alternating, and prints the median and p90 latency.

    python benchmarks/bench_line_pages.py [--lines 1000000] [--reads 200]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import duckdb

from bench_import_calc import calculated_workspace
from greenchain.adapters import duck
from greenchain.adapters.db import run_files
from greenchain.domain.lines import LineSelection

PAGE = 50


def build_run(folder: Path, lines: int) -> str:
    """A workspace with one calculated run of ``lines`` purchase lines; its line file's path."""
    ctx = calculated_workspace(folder, lines)
    ctx.workspace.close()  # type: ignore[attr-defined]
    with sqlite3.connect(folder / "greenchain.db") as db:
        (sha256,) = db.execute(
            "SELECT lines_sha256 FROM calculation_runs ORDER BY id DESC LIMIT 1"
        ).fetchone()
    return str(next(folder.rglob(f"{sha256}.parquet")))


def own_database(**_: object) -> duckdb.DuckDBPyConnection:
    """The baseline: a DuckDB database opened for the read (closed with its connection)."""
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    return con


def timed_reads(path: str, offset: int, reads: int, connect: Callable[..., object]) -> list[float]:
    shared = duck.connect
    duck.connect = connect  # type: ignore[assignment]
    try:
        times = []
        for _ in range(reads):
            start = time.perf_counter()
            page = run_files.select_lines(
                path, "parquet", LineSelection(), offset=offset, limit=PAGE
            )
            times.append((time.perf_counter() - start) * 1000)
            assert page.rows.num_rows == PAGE
        return times
    finally:
        duck.connect = shared


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--reads", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = build_run(Path(tmp), args.lines)
        offset = args.lines // 2
        results: dict[str, list[float]] = {"shared database": [], "database per read": []}
        for _ in range(4):  # alternating, so both meet the machine in the same state
            results["shared database"] += timed_reads(path, offset, args.reads // 4, duck.connect)
            results["database per read"] += timed_reads(path, offset, args.reads // 4, own_database)
    heading = f"page of {PAGE} lines at line {offset:,}"
    print(f"{heading:<34} {'median ms':>10} {'p90 ms':>8}")
    for label, times in results.items():
        times.sort()
        p90 = times[int(len(times) * 0.9) - 1]
        print(f"{label:<34} {statistics.median(times):>10.1f} {p90:>8.1f}")
    print(f"({args.lines:,}-line run, {args.reads} reads each way, one process, same run)")


if __name__ == "__main__":
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        main()
