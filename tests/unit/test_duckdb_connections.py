"""The process's DuckDB connections: small work shares one database without seeing another
connection's tables; work with a memory budget gets a database of its own; files are written in
row groups that give each thread some to read."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from greenchain.adapters import duck


def test_connections_to_the_shared_database_keep_their_temporary_views_and_tables_apart() -> None:
    first, second = duck.connect(), duck.connect()
    try:
        first.execute("CREATE TEMP VIEW lines AS SELECT 1 AS n")
        second.execute("CREATE TEMP VIEW lines AS SELECT 2 AS n")
        first.register("rows", pa.table({"v": ["a"]}))
        second.register("rows", pa.table({"v": ["b", "c"]}))
        assert first.execute("SELECT n FROM lines").fetchall() == [(1,)]
        assert second.execute("SELECT n FROM lines").fetchall() == [(2,)]
        assert first.execute("SELECT count(*) FROM rows").fetchall() == [(1,)]
        assert second.execute("SELECT count(*) FROM rows").fetchall() == [(2,)]
    finally:
        first.close()
        second.close()
    # and a later connection starts clean
    third = duck.connect()
    try:
        names = third.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()
        assert ("lines",) not in names
    finally:
        third.close()


def test_small_work_shares_the_database_and_large_work_gets_its_own_memory_limit(
    tmp_path: Path,
) -> None:
    shared = duck.connect(memory_limit="64MB", spill=tmp_path, input_bytes=1024)
    own = duck.connect(memory_limit="64MB", spill=tmp_path, input_bytes=duck.SHARED_INPUT_BYTES + 1)
    unknown = duck.connect(memory_limit="64MB", spill=tmp_path)
    try:
        limit = "SELECT current_setting('memory_limit')"
        with duckdb.connect(config={"memory_limit": "64MB"}) as plain:
            assert own.execute(limit).fetchall() == plain.execute(limit).fetchall()
        assert unknown.execute(limit).fetchall()[0][0] == own.execute(limit).fetchall()[0][0]
        # the shared database keeps DuckDB's default (a share of the machine), not 64 MB
        assert shared.execute(limit).fetchall()[0][0] != own.execute(limit).fetchall()[0][0]
        assert own.execute("SELECT current_setting('temp_directory')").fetchall()[0][0] == str(
            tmp_path
        )
    finally:
        for con in (shared, own, unknown):
            con.close()


def test_row_groups_give_every_thread_a_group_of_a_small_file_and_stay_default_for_a_large_one(
    tmp_path: Path,
) -> None:
    threads = os.cpu_count() or 1
    assert duck.row_group_rows(100) == duck.MIN_ROW_GROUP_ROWS
    assert duck.row_group_rows(100_000_000) == duck.DEFAULT_ROW_GROUP_ROWS
    rows = 100_000
    per_group = duck.row_group_rows(rows)
    assert per_group <= max(duck.MIN_ROW_GROUP_ROWS, -(-rows // threads))
    con = duck.connect()
    try:
        out = tmp_path / "lines.parquet"
        con.execute(
            f"COPY (SELECT range AS n FROM range({rows})) TO '{out}' "
            f"(FORMAT parquet, ROW_GROUP_SIZE {per_group})"
        )
    finally:
        con.close()
    groups = pq.ParquetFile(out).metadata.num_row_groups
    assert groups >= min(threads, rows // duck.MIN_ROW_GROUP_ROWS)
    assert groups == -(-rows // per_group)


def test_a_small_years_runner_keeps_its_tables_in_memory_without_a_folder_of_its_own(
    tmp_path: Path, monkeypatch
) -> None:
    import tempfile

    from greenchain.adapters.compute.runner import DuckDbRunner

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with DuckDbRunner(rows=100_000) as runner:
        runner.materialize("lines", "SELECT i, i * 2 AS twice FROM range(100000) r(i)")
        kept = runner.con.execute("SELECT count(*), sum(twice) FROM lines").fetchall()
        assert list(tmp_path.iterdir()) == []  # the shared database spills to its own folder
    assert kept == [(100_000, 9_999_900_000)]
    with DuckDbRunner(large=True, rows=3_000_000) as runner:
        assert runner.spill is not None
        assert Path(runner.spill.name).parent == tmp_path
