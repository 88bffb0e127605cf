"""An import is read, validated and written in bounded batches: the rows land in several
batches of one transaction with the same counts and ledger state as one write, a failure in a
later batch leaves nothing behind, only the first problems are kept in memory while every one
is counted and reported, and no temporary file outlives the import."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

import pyarrow as pa
import pytest
from sqlalchemy import text

from greenchain.adapters.db import import_batches, line_snapshots
from greenchain.adapters.importers import tabular
from greenchain.adapters.signing import verify_signature
from greenchain.domain.errors import FileRejectedError
from greenchain.services import ledger
from greenchain.services.context import Context
from greenchain.services.imports import import_records
from greenchain.services.orgs import add_organisation
from tests.factories import activity, purchase, supplier, write_csv


@pytest.fixture
def acme(ctx: Context, tmp_path: Path) -> Context:
    add_organisation(ctx, "acme")
    write_csv(tmp_path / "s.csv", "suppliers", [supplier("S1"), supplier("S2")])
    import_records(ctx, "acme", "suppliers", tmp_path / "s.csv")
    return ctx


def _lines(ids: range, amount: int = 100) -> list[dict[str, object]]:
    return [purchase(f"L{i:03d}", date="2024-05-01", amount=amount + i) for i in ids]


def _stored(ctx: Context, table: str) -> int:
    with ctx.workspace.engine.connect() as conn:  # type: ignore[attr-defined]
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def _problems(ctx: Context) -> list[str]:
    return [str(p) for p in ledger.verify(ctx, verify_signature)]


def test_rows_written_in_several_batches_keep_the_counts_and_the_ledger_state(
    acme: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(import_batches, "BATCH_ROWS", 3)

    def rows(ids: range, amount: int) -> list[dict[str, object]]:
        return [activity(f"A{i:03d}", date="2024-02-01", amount=amount + i) for i in ids]

    first = write_csv(tmp_path / "a1.csv", "activity", rows(range(1, 11), 100))
    summary = import_records(acme, "acme", "activity", first)
    assert (summary.inserted, summary.updated) == (10, 0)
    # 4 of these keys are stored already, spread over the batches of the second file
    second = write_csv(tmp_path / "a2.csv", "activity", rows(range(7, 15), 500))
    again = import_records(acme, "acme", "activity", second)
    assert (again.inserted, again.updated) == (4, 4)
    assert acme.workspace.count_rows(acme.workspace.get_org("acme").id, "activity_data") == 14
    assert _problems(acme) == []


def test_purchase_lines_imported_twice_keep_the_counts_and_the_ledger_state(
    acme: Context, tmp_path: Path
) -> None:
    first = write_csv(tmp_path / "p1.csv", "purchases", _lines(range(1, 11)))
    summary = import_records(acme, "acme", "purchases", first)
    assert (summary.inserted, summary.updated) == (10, 0)
    second = write_csv(tmp_path / "p2.csv", "purchases", _lines(range(7, 15), amount=500))
    again = import_records(acme, "acme", "purchases", second)
    assert (again.inserted, again.updated) == (4, 4)
    assert acme.workspace.count_rows(acme.workspace.get_org("acme").id, "purchase_lines") == 14
    assert _problems(acme) == []


def test_a_failure_in_a_later_batch_leaves_no_rows_and_no_import_record(
    acme: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(import_batches, "BATCH_ROWS", 2)
    hashed = import_batches.with_row_hashes
    calls: list[int] = []

    def fail_on_the_third_batch(table_name: str, rows: pa.Table) -> pa.Table:
        calls.append(rows.num_rows)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return hashed(table_name, rows)

    monkeypatch.setattr(import_batches, "with_row_hashes", fail_on_the_third_batch)
    imports_before = _stored(acme, "imports")
    entries_before = _stored(acme, "ledger_entries")
    rows = [activity(f"A{i}", date="2024-02-01") for i in range(1, 8)]
    with pytest.raises(RuntimeError, match="disk full"):
        import_records(acme, "acme", "activity", write_csv(tmp_path / "a.csv", "activity", rows))
    assert calls == [2, 2, 2]  # two batches were written before the third failed
    assert _stored(acme, "activity_data") == 0
    assert _stored(acme, "imports") == imports_before
    assert _stored(acme, "ledger_entries") == entries_before
    assert _problems(acme) == []


def test_a_failure_while_the_snapshot_is_written_leaves_no_import_and_the_lines_as_they_were(
    acme: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = write_csv(tmp_path / "p1.csv", "purchases", _lines(range(1, 6)))
    import_records(acme, "acme", "purchases", first)
    imports_before = _stored(acme, "imports")
    entries_before = _stored(acme, "ledger_entries")

    def disk_full(*args: object, **kwargs: object) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr(line_snapshots, "_state_of", disk_full)
    second = write_csv(tmp_path / "p2.csv", "purchases", _lines(range(3, 9), amount=500))
    with pytest.raises(RuntimeError, match="disk full"):
        import_records(acme, "acme", "purchases", second)
    assert _stored(acme, "line_snapshots") == 1
    assert _stored(acme, "imports") == imports_before
    assert _stored(acme, "ledger_entries") == entries_before
    assert acme.workspace.count_rows(1, "purchase_lines") == 5
    assert _problems(acme) == []


def test_only_the_first_problems_are_kept_but_all_are_counted_and_reported(
    acme: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tabular, "PROBLEMS_KEPT", 3)
    rows = _lines(range(1, 4)) + [
        purchase(f"B{i:03d}", date="2024-13-01", description="=HYPERLINK()") for i in range(1, 8)
    ]
    bad = write_csv(tmp_path / "bad.csv", "purchases", rows)
    listed = tmp_path / "bad.problems.csv"
    with pytest.raises(FileRejectedError) as caught:
        import_records(acme, "acme", "purchases", bad, problems_out=listed)
    error = caught.value
    assert len(error.problems) == 3
    assert error.problem_count == 7
    assert "row 5, field 'date': not a date" in error.message
    assert "(and 6 more problem(s))" in error.message
    assert error.report == str(listed)
    with listed.open(newline="") as handle:
        listed_rows = list(csv.reader(handle))
    assert listed_rows[0] == ["row", "field", "value", "reason"]
    assert [r[0] for r in listed_rows[1:]] == [str(n) for n in range(5, 12)]
    assert _stored(acme, "line_snapshots") == 0

    summary = import_records(acme, "acme", "purchases", bad, skip_invalid=True)
    assert (summary.inserted, summary.rejected) == (3, 7)
    assert summary.rejected_report is not None
    with summary.rejected_report.open(newline="") as handle:
        report = list(csv.DictReader(handle))
    assert [r["line_id"] for r in report] == [f"B{i:03d}" for i in range(1, 8)]
    assert {r["_field"] for r in report} == {"date"}
    assert {r["description"] for r in report} == {"'=HYPERLINK()"}  # made inert


def test_an_import_leaves_no_temporary_files(
    acme: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    good = write_csv(tmp_path / "p.csv", "purchases", _lines(range(1, 4)))
    import_records(acme, "acme", "purchases", good)
    bad = write_csv(tmp_path / "bad.csv", "purchases", [purchase("X1", date="soon")])
    with pytest.raises(FileRejectedError):
        import_records(acme, "acme", "purchases", bad)
    assert list(scratch.iterdir()) == []
