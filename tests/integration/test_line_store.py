"""A run's result lines live in the line store as one Parquet file named by its SHA-256, which
the run's ledger entry vouches for: a changed or missing file is named by ``ledger verify``;
runs stored in the database by the previous release move into the store when the workspace is
migrated and still verify; readers get pages, filters, sums and samples from the file."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from sqlalchemy import insert, select

from greenchain.adapters.db import tables as t
from greenchain.adapters.linestore import LineStore, default_location
from greenchain.adapters.signing import verify_signature
from greenchain.domain.lines import LineSelection
from greenchain.services import ledger
from greenchain.services.context import Context
from greenchain.services.imports import import_records
from greenchain.services.inventory import calculate_inventory
from greenchain.services.orgs import add_organisation
from tests.factories import activity, purchase, supplier, write_csv


def _org_with_lines(ctx: Context, folder: Path, n: int = 40) -> int:
    add_organisation(ctx, "acme")
    write_csv(folder / "s.csv", "suppliers", [supplier("S1"), supplier("S2")])
    import_records(ctx, "acme", "suppliers", folder / "s.csv")
    lines = [
        purchase(f"L{i:03d}", supplier_id="S1" if i % 3 else "S2", date="2024-05-01", amount=i)
        for i in range(1, n + 1)
    ]
    write_csv(folder / "purchases.csv", "purchases", lines)
    import_records(ctx, "acme", "purchases", folder / "purchases.csv")
    write_csv(folder / "activity.csv", "activity", [activity("A1", date="2024-02-01")])
    import_records(ctx, "acme", "activity", folder / "activity.csv")
    return calculate_inventory(ctx, "acme", 2024).run_id or 0


def _run_row(ctx: Context, run_id: int) -> Any:
    with ctx.workspace.engine.connect() as conn:  # type: ignore[attr-defined]
        return conn.execute(
            select(t.calculation_runs).where(t.calculation_runs.c.id == run_id)
        ).first()


def _problems(ctx: Context) -> list[str]:
    return [str(p) for p in ledger.verify(ctx, verify_signature)]


def _store(ctx: Context) -> LineStore:
    store: LineStore = ctx.workspace.lines  # type: ignore[attr-defined]
    return store


def test_a_runs_lines_are_one_parquet_file_named_by_its_sha256(ctx: Context, tmp_path: Path):
    run_id = _org_with_lines(ctx, tmp_path)
    row = _run_row(ctx, run_id)
    assert row.lines_arrow is None
    assert row.lines_format == "parquet"
    path, fmt = ctx.workspace.run_lines_file(1, run_id)  # type: ignore[attr-defined]
    assert fmt == "parquet"
    assert Path(path).name == f"{row.lines_sha256}.parquet"
    assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == row.lines_sha256
    lines = ctx.workspace.run_lines(1, run_id)
    assert lines.num_rows == pq.ParquetFile(path).metadata.num_rows
    assert set(lines["source_id"].to_pylist()) >= {f"L{i:03d}" for i in range(1, 41)} | {"A1"}
    assert _problems(ctx) == []


def test_a_changed_line_file_is_named_by_ledger_verify(ctx: Context, tmp_path: Path):
    run_id = _org_with_lines(ctx, tmp_path)
    path, _ = ctx.workspace.run_lines_file(1, run_id)  # type: ignore[attr-defined]
    lines = ctx.workspace.run_lines(1, run_id)
    forged = lines.set_column(
        lines.column_names.index("kg_co2e"), "kg_co2e", pc.multiply(lines["kg_co2e"], 0.5)
    )
    pq.write_table(forged, path)
    assert _problems(ctx) == [
        f"calculation run {run_id} of acme: line file changed since the run was recorded"
    ]
    Path(path).unlink()
    assert _problems(ctx) == [f"calculation run {run_id} of acme: line file missing"]


def _legacy_arrow_bytes(lines: pa.Table) -> bytes:
    """The lines as the previous release stored them in the database: an LZ4 Arrow stream,
    its repeated texts dictionary-encoded."""
    for name in ("source", "scope", "method", "factor_set", "activity_unit", "note"):
        index = lines.column_names.index(name)
        lines = lines.set_column(index, name, pc.dictionary_encode(lines.column(name)))
    sink = pa.BufferOutputStream()
    options = pa.ipc.IpcWriteOptions(compression="lz4", use_threads=True)
    with pa.ipc.new_stream(sink, lines.schema, options=options) as writer:
        writer.write_table(lines, max_chunksize=256_000)
    return bytes(sink.getvalue())


def _store_the_previous_way(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs saved as the previous release saved them: the lines as a blob in the run's row,
    its SHA-256 recorded by the run's ledger entry, no line file."""
    workspace: Any = ctx.workspace

    def save_run(**kw: Any) -> int:
        blob = _legacy_arrow_bytes(kw["lines"].table())
        with workspace.engine.begin() as conn:
            key = conn.execute(
                insert(t.calculation_runs).values(
                    org_id=kw["org_id"],
                    year=kw["year"],
                    gwp_set=kw["gwp_set"],
                    previous_run_id=kw["previous_run_id"],
                    inputs_sha256=kw["inputs_sha256"],
                    factor_sets=list(kw["factor_sets"]),
                    summary=dict(kw["summary"]),
                    line_count=int(kw["summary"].get("lines", 0)),
                    rejected_count=kw["rejected"].num_rows,
                    lines_arrow=blob,
                    lines_sha256=hashlib.sha256(blob).hexdigest(),
                    created_at=kw["now"],
                )
            ).inserted_primary_key
            run_id = int(key[0])
            if kw["rejected"].num_rows:
                conn.execute(
                    insert(t.rejected_lines),
                    [{**r, "run_id": run_id} for r in kw["rejected"].to_pylist()],
                )
            kw["then"](conn, run_id)
        workspace._latest.clear()
        return run_id

    monkeypatch.setattr(workspace, "save_run", save_run)


def test_runs_stored_in_the_database_move_to_the_store_and_still_verify(
    ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    with monkeypatch.context() as patch:
        _store_the_previous_way(ctx, patch)
        run_id = _org_with_lines(ctx, tmp_path)
    before = _run_row(ctx, run_id)
    blob = bytes(before.lines_arrow)
    assert before.lines_format is None
    assert _problems(ctx) == []  # the previous release's workspace verifies as it is

    ctx.workspace.migrate()  # type: ignore[attr-defined]

    after = _run_row(ctx, run_id)
    assert after.lines_arrow is None
    assert after.lines_format == "arrow"
    assert after.lines_sha256 == before.lines_sha256 == hashlib.sha256(blob).hexdigest()
    path, _ = ctx.workspace.run_lines_file(1, run_id)  # type: ignore[attr-defined]
    assert Path(path).read_bytes() == blob
    assert _problems(ctx) == []
    page = ctx.workspace.select_run_lines(1, run_id, LineSelection(), offset=5, limit=3)
    with pa.ipc.open_stream(pa.BufferReader(blob)) as reader:
        stored = reader.read_all()
    assert page.total == stored.num_rows
    assert page.rows.column("source_id").to_pylist() == stored.column("source_id").to_pylist()[5:8]
    ctx.workspace.migrate()  # type: ignore[attr-defined] # again: nothing left to move
    assert _run_row(ctx, run_id).lines_format == "arrow"
    # a later run of the same workspace is a Parquet file
    second = calculate_inventory(ctx, "acme", 2024).run_id or 0
    assert _run_row(ctx, second).lines_format == "parquet"
    assert _problems(ctx) == []


def test_pages_filters_and_sums_are_read_from_the_file_as_the_whole_table_says(
    ctx: Context, tmp_path: Path
):
    run_id = _org_with_lines(ctx, tmp_path)
    whole = ctx.workspace.run_lines(1, run_id)
    s2 = whole.filter(pc.equal(whole["supplier_id"], "S2"))
    found = ctx.workspace.select_run_lines(
        1, run_id, LineSelection(supplier_id="S2"), offset=2, limit=4
    )
    assert found.total == s2.num_rows == 13
    assert found.rows.column("source_id").to_pylist() == s2["source_id"].to_pylist()[2:6]
    assert found.kg_co2e == pytest.approx(pc.sum(s2["kg_co2e"]).as_py())
    texts = ctx.workspace.select_run_lines(
        1, run_id, LineSelection(text="l01", searched=("source_id",))
    )
    expected = [x for x in whole["source_id"].to_pylist() if "l01" in x.lower()]
    assert texts.rows.column("source_id").to_pylist() == expected
    assert sorted(expected) == [f"L{i:03d}" for i in range(10, 20)]
    sums = ctx.workspace.run_line_sums(1, run_id, ["supplier_id"], LineSelection())
    by_supplier = {r["supplier_id"]: r["kg_co2e"] for r in sums}
    assert by_supplier["S2"] == pytest.approx(pc.sum(s2["kg_co2e"]).as_py())
    at = ctx.workspace.run_lines_at(1, run_id, [7, 0, 7])
    assert at.column("source_id").to_pylist() == [
        whole["source_id"][7].as_py(),
        whole["source_id"][0].as_py(),
        whole["source_id"][7].as_py(),
    ]
    kg = ctx.workspace.run_line_column(1, run_id, "kg_co2e")
    assert kg.to_pylist() == whole["kg_co2e"].to_pylist()


def test_another_organisations_run_is_not_found(ctx: Context, tmp_path: Path):
    from greenchain.domain.errors import NotFoundError

    run_id = _org_with_lines(ctx, tmp_path)
    add_organisation(ctx, "other")
    with pytest.raises(NotFoundError):
        ctx.workspace.select_run_lines(2, run_id, LineSelection())


def test_a_store_behind_an_fsspec_url_keeps_each_content_once_and_reads_a_checked_copy(
    tmp_path: Path,
):
    store = LineStore("memory://greenchain-test-lines", cache_dir=tmp_path / "cache")
    pq.write_table(pa.table({"source_id": ["a", "b"], "kg_co2e": [1.5, 2.5]}), tmp_path / "l.pq")
    sha = store.put_file(tmp_path / "l.pq", "parquet")
    assert store.put_file(tmp_path / "l.pq", "parquet") == sha
    assert not store.local
    copy = Path(store.path(sha, "parquet"))
    assert copy.is_relative_to(tmp_path / "cache")
    assert hashlib.sha256(copy.read_bytes()).hexdigest() == sha
    assert store.file_sha256(sha, "parquet") == sha


def test_the_store_sits_beside_an_sqlite_workspace_by_default(tmp_path: Path):
    assert default_location(f"sqlite:///{tmp_path}/gc.db") == f"{tmp_path}/gc.db.lines"
    assert default_location("postgresql+psycopg://h/db").endswith("greenchain/lines")


def test_saving_a_run_writes_its_file_before_the_row(ctx: Context, tmp_path: Path):
    run_id = _org_with_lines(ctx, tmp_path)
    row = _run_row(ctx, run_id)
    assert _store(ctx).exists(row.lines_sha256, "parquet")
    assert isinstance(row.created_at, dt.datetime)


def _snapshots(ctx: Context) -> list[Any]:
    with ctx.workspace.engine.connect() as conn:  # type: ignore[attr-defined]
        return list(conn.execute(select(t.line_snapshots).order_by(t.line_snapshots.c.id)).all())


def test_each_import_of_purchase_lines_writes_the_organisations_lines_as_one_file(
    ctx: Context, tmp_path: Path
):
    _org_with_lines(ctx, tmp_path, n=6)
    again = [purchase("L002", date="2024-05-01", amount=999), purchase("L100", date="2024-07-01")]
    write_csv(tmp_path / "more.csv", "purchases", again)
    summary = import_records(ctx, "acme", "purchases", tmp_path / "more.csv")
    assert (summary.inserted, summary.updated) == (1, 1)
    first, second = _snapshots(ctx)
    assert (first.rows, second.rows) == (6, 7)
    assert second.import_id == summary.import_id
    path = _store(ctx).path(second.sha256, "parquet")
    assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == second.sha256
    lines = pq.read_table(path).to_pylist()
    amounts = {r["line_id"]: r["amount"] for r in lines}
    assert amounts["L002"] == 999
    assert sorted(amounts) == [f"L{i:03d}" for i in range(1, 7)] + ["L100"]
    assert {r["import_id"] for r in lines if r["line_id"] in ("L002", "L100")} == {
        summary.import_id
    }
    with ctx.workspace.engine.connect() as conn:  # type: ignore[attr-defined]
        assert conn.execute(select(t.purchase_lines.c.line_id)).first() is None
    assert ctx.workspace.count_rows(1, "purchase_lines") == 7
    assert _problems(ctx) == []


def test_purchase_lines_stored_as_rows_move_to_a_snapshot_and_still_verify(
    ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from greenchain.adapters.db import ledger as ledger_store
    from greenchain.adapters.db import workspace as workspace_module

    with monkeypatch.context() as patch:  # the previous release: lines are rows
        patch.setattr(workspace_module, "SNAPSHOT_TABLES", frozenset())
        patch.setattr(ledger_store, "SNAPSHOT_TABLES", frozenset())
        _org_with_lines(ctx, tmp_path, n=12)
        columns = ("line_id", "amount", "date", "supplier_id", "import_id", "row_sha256")
        with ctx.workspace.engine.connect() as conn:  # type: ignore[attr-defined]
            stored = conn.execute(
                select(*(t.purchase_lines.c[c] for c in columns)).order_by(
                    t.purchase_lines.c.line_id
                )
            ).all()
        assert len(stored) == 12
        assert _problems(ctx) == []

    ctx.workspace.migrate()  # type: ignore[attr-defined]

    (snapshot,) = _snapshots(ctx)
    assert snapshot.rows == 12
    moved = pq.read_table(_store(ctx).path(snapshot.sha256, "parquet")).sort_by("line_id")
    assert [tuple(str(r[c]) for c in columns) for r in moved.to_pylist()] == [
        tuple(str(v) for v in row) for row in stored
    ]
    assert _problems(ctx) == []
    with ctx.workspace.engine.connect() as conn:  # type: ignore[attr-defined]
        assert conn.execute(select(t.purchase_lines.c.line_id)).first() is None
    run = calculate_inventory(ctx, "acme", 2024)
    lines = ctx.workspace.run_lines(1, run.run_id or 0)
    assert {f"L{i:03d}" for i in range(1, 13)} <= set(lines["source_id"].to_pylist())
    assert _problems(ctx) == []


def test_a_file_moved_into_a_local_store_is_renamed_into_its_place(tmp_path: Path):
    store = LineStore(str(tmp_path / "store"))
    source = tmp_path / "work" / "lines.parquet"
    source.parent.mkdir()
    pq.write_table(pa.table({"source_id": ["a"], "kg_co2e": [1.5]}), source)
    data = source.read_bytes()
    sha = store.put_file(source, "parquet", move=True)
    assert not source.exists()
    stored = Path(store.path(sha, "parquet"))
    assert stored.read_bytes() == data
    assert hashlib.sha256(data).hexdigest() == sha
    assert stored.stat().st_mode & 0o777 == 0o600
