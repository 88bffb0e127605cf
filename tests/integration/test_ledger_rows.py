"""The ledger covers the rows the numbers rest on, on SQLite and PostgreSQL: every stored data
row carries its hash and each write's entry records its table's state, so a row changed,
added or removed in the database is named by ``ledger verify``; a run or import with no entry
is named too, and reports never serve such a run."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from sqlalchemy import text

from greenchain.adapters.signing import verify_signature
from greenchain.domain.errors import NotFoundError
from greenchain.services import ledger
from greenchain.services.context import Context
from greenchain.services.imports import import_records
from greenchain.services.inventory import calculate_inventory, get_inventory_report
from greenchain.services.orgs import add_organisation
from tests.factories import activity, purchase, supplier, supplier_report, write_csv


@pytest.fixture
def recorded(ctx: Context, tmp_path: Path) -> Context:
    add_organisation(ctx, "acme")
    write_csv(tmp_path / "s.csv", "suppliers", [supplier("S1"), supplier("S2")])
    import_records(ctx, "acme", "suppliers", tmp_path / "s.csv")
    lines = [purchase(f"L{i}", date="2024-05-01", amount=100 + i) for i in range(1, 6)]
    lines[2].update(quantity=2.5, unit="kg")
    write_csv(tmp_path / "purchases.csv", "purchases", lines)
    import_records(ctx, "acme", "purchases", tmp_path / "purchases.csv")
    write_csv(
        tmp_path / "activity.csv",
        "activity",
        [activity("A1", date="2024-02-01"), activity("A2", date="2024-03-01")],
    )
    import_records(ctx, "acme", "activity", tmp_path / "activity.csv")
    write_csv(tmp_path / "supplier-data.csv", "supplier-data", [supplier_report("S2", year=2024)])
    import_records(ctx, "acme", "supplier-data", tmp_path / "supplier-data.csv")
    calculate_inventory(ctx, "acme", 2024)
    return ctx


def _sql(ctx: Context, statement: str) -> None:
    """Change stored data by hand, where it is kept: purchase lines in the organisation's
    snapshot file of the line store (rewritten in place, as someone with access to the store
    could), everything else in the database."""
    if "purchase_lines" in statement:
        _edit_snapshot(ctx, statement)
        return
    with ctx.workspace.engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(text(statement))


def _edit_snapshot(ctx: Context, statement: str) -> None:
    path = ctx.workspace.snapshots.path(1, "purchase_lines")  # type: ignore[attr-defined]
    with duckdb.connect() as con:
        con.execute(
            f"CREATE TABLE purchase_lines AS SELECT 1 AS org_id, * FROM read_parquet('{path}')"
        )
        con.execute(statement)
        con.execute(
            f"COPY (SELECT * EXCLUDE (org_id) FROM purchase_lines) TO '{path}' (FORMAT parquet)"
        )


def _problems(ctx: Context) -> list[str]:
    return [str(p) for p in ledger.verify(ctx, verify_signature)]


def test_a_workspace_as_written_verifies(recorded: Context):
    assert _problems(recorded) == []


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (
            "UPDATE purchase_lines SET amount = amount + 0.01 WHERE line_id = 'L3'",
            "purchase_lines line_id L3 of acme, import 2 (purchases.csv): row changed",
        ),
        (
            "UPDATE purchase_lines SET quantity = NULL WHERE line_id = 'L3'",
            "purchase_lines line_id L3 of acme, import 2 (purchases.csv): row changed",
        ),
        (
            "UPDATE activity_data SET amount = amount * 2 WHERE activity_id = 'A2'",
            "activity_data activity_id A2 of acme, import 3 (activity.csv): row changed",
        ),
        (
            "UPDATE supplier_data SET scope1_t = scope1_t / 10 WHERE supplier_id = 'S2'",
            "supplier_data supplier_id S2, year 2024 of acme, import 4 (supplier-data.csv): "
            "row changed",
        ),
    ],
)
def test_changing_one_stored_value_names_the_row_and_its_file(
    recorded: Context, change: str, named: str
):
    _sql(recorded, change)
    assert named in _problems(recorded)


def test_a_row_added_by_hand_is_named_and_changes_the_table_state(recorded: Context):
    _sql(
        recorded,
        "INSERT INTO purchase_lines (org_id, line_id, supplier_id, date, amount, currency, "
        "naics_code, scope3_category) SELECT org_id, 'FAKE', supplier_id, date, amount, "
        "currency, naics_code, scope3_category FROM purchase_lines WHERE line_id = 'L1'",
    )
    problems = _problems(recorded)
    assert "purchase_lines line_id FAKE of acme: row stored outside any recorded write" in problems
    assert any(
        p.startswith("purchase_lines of acme: 6 rows now, 5 recorded by entry") for p in problems
    )


def test_a_row_added_with_a_forged_hash_still_changes_the_table_state(recorded: Context):
    _sql(
        recorded,
        "INSERT INTO purchase_lines (org_id, line_id, supplier_id, date, amount, currency, "
        "naics_code, scope3_category, row_sha256, import_id) SELECT org_id, 'L9', supplier_id, "
        "date, amount, currency, naics_code, scope3_category, row_sha256, import_id "
        "FROM purchase_lines WHERE line_id = 'L1'",
    )
    problems = _problems(recorded)
    assert any(p.startswith("purchase_lines of acme: 6 rows now, 5 recorded") for p in problems)


def test_a_row_removed_by_hand_is_noticed(recorded: Context):
    _sql(recorded, "DELETE FROM activity_data WHERE activity_id = 'A1'")
    assert any(
        p.startswith("activity_data of acme: 1 rows now, 2 recorded by entry")
        for p in _problems(recorded)
    )


def test_a_run_inserted_by_hand_is_named_and_never_served(recorded: Context):
    served = get_inventory_report(recorded, "acme", 2024, None)
    _sql(
        recorded,
        "INSERT INTO calculation_runs (org_id, year, gwp_set, previous_run_id, inputs_sha256, "
        "factor_sets, summary, line_count, rejected_count, lines_sha256, created_at, "
        "lines_format) SELECT org_id, year, gwp_set, id, inputs_sha256, factor_sets, summary, "
        "line_count, rejected_count, lines_sha256, created_at, lines_format "
        "FROM calculation_runs WHERE id = 1",
    )
    assert "calculation_runs row 2 of acme: has no ledger entry" in _problems(recorded)
    assert get_inventory_report(recorded, "acme", 2024, None).run_id == served.run_id
    with pytest.raises(NotFoundError):
        get_inventory_report(recorded, "acme", 2024, 2)


def test_an_import_record_without_an_entry_is_named(recorded: Context):
    _sql(
        recorded,
        "INSERT INTO imports (org_id, kind, file_name, file_sha256, rows_total, rows_imported, "
        "rows_rejected, rows_unchanged, created_at) SELECT org_id, kind, 'forged.csv', "
        "file_sha256, 1, 1, 0, 0, created_at FROM imports WHERE id = 1",
    )
    assert "imports row 5 of acme: has no ledger entry" in _problems(recorded)


def test_a_re_import_that_replaces_rows_records_the_new_state(recorded: Context, tmp_path: Path):
    lines = [purchase("L1", date="2024-05-01", amount=999), purchase("L7", date="2024-06-01")]
    write_csv(tmp_path / "more.csv", "purchases", lines)
    import_records(recorded, "acme", "purchases", tmp_path / "more.csv")
    assert _problems(recorded) == []
    _sql(recorded, "UPDATE purchase_lines SET currency = 'EUR' WHERE line_id = 'L1'")
    assert "purchase_lines line_id L1 of acme, import 5 (more.csv): row changed" in _problems(
        recorded
    )


def test_an_accepted_answer_verifies_and_changes_to_it_are_named(ctx: Context, tmp_path: Path):
    import datetime as dt

    from greenchain.domain.access import Role
    from greenchain.services import engagement as eng
    from greenchain.services import supplier_answers as sup
    from greenchain.services.accounts import add_user, get_principal
    from tests.factories import link_supplier
    from tests.integration.test_engagement_service import ANSWER

    for slug in ("chipco", "steelco"):
        add_organisation(ctx, slug)
    write_csv(tmp_path / "s.csv", "suppliers", [supplier("ST-1", name="Steel Co")])
    import_records(ctx, "chipco", "suppliers", tmp_path / "s.csv")
    link_supplier(ctx, "chipco", "ST-1", "steelco")
    sam = add_user(ctx, "sam@steel.example", "correct horse battery", "steelco", Role.ANALYST)
    sent = eng.send_request(
        ctx,
        "chipco",
        year=2024,
        deadline=dt.date(2026, 6, 30),
        recipients=[("ST-1", "sam@steel.example")],
    )
    recipient = int(eng.request_detail(ctx, "chipco", sent["id"])["recipients"][0]["id"])
    done = sup.submit(ctx, get_principal(ctx, sam.user_id), "steelco", recipient, ANSWER)
    eng.accept(ctx, "chipco", recipient)
    assert _problems(ctx) == []

    _sql(ctx, "UPDATE supplier_data SET scope2_market_t = 1 WHERE supplier_id = 'ST-1'")
    assert "supplier_data supplier_id ST-1, year 2024 of chipco: row changed" in _problems(ctx)
    _sql(ctx, "DELETE FROM ledger_entries WHERE kind = 'supplier_data_accepted'")
    assert "acceptance of ST-1's answer to request 1 of chipco: has no entry" in [
        p.split(": has no entry")[0] + ": has no entry" for p in _problems(ctx)
    ]
    _sql(ctx, "UPDATE supplier_responses SET answers = '{\"scope1_t\": 1}'")
    assert (
        f"supplier answer {done['response_id']} (entry 1): answers changed since they were "
        "submitted" in _problems(ctx)
    )


def test_rows_stored_before_row_commitments_are_taken_over_by_an_entry_of_their_own(
    recorded: Context,
):
    _sql(recorded, "UPDATE purchase_lines SET row_sha256 = NULL")
    _sql(recorded, "UPDATE activity_data SET row_sha256 = NULL WHERE activity_id = 'A1'")
    problems = _problems(recorded)
    unhashed = "purchase_lines line_id L1 of acme, import 2 (purchases.csv): row stored outside"
    assert f"{unhashed} any recorded write" in problems
    done = ledger.commit_rows(recorded, "acme")
    assert done["hashed_rows"]["purchase_lines"] == 5
    assert done["hashed_rows"]["activity_data"] == 1
    assert ledger.show(recorded, done["seq"])["entry"]["kind"] == "row_state"
    assert _problems(recorded) == []
