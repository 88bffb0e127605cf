"""The canonical form of a stored row: ``name=value`` pairs of its non-empty columns in table
order, joined by U+001F, hashed with SHA-256. Empty columns are left out, so a nullable column
added by a later migration leaves the hashes of the rows stored before it unchanged."""

from __future__ import annotations

import datetime as dt
import hashlib

from greenchain.adapters.db.row_hashes import record_hash


def test_a_row_hash_is_the_sha256_of_its_non_empty_columns_in_table_order():
    row = {
        "line_id": "L1",
        "supplier_id": "S1",
        "date": dt.date(2024, 6, 30),
        "amount": -200.5,
        "currency": "TWD",
        "naics_code": "331110",
        "scope3_category": 1,
    }
    text = "\x1f".join(
        [
            "line_id=L1",
            "supplier_id=S1",
            "date=2024-06-30",
            "amount=-200.5",
            "currency=TWD",
            "naics_code=331110",
            "scope3_category=1",
        ]
    )
    assert record_hash("purchase_lines", row) == hashlib.sha256(text.encode()).hexdigest()


def test_an_empty_column_counts_as_absent():
    row = {"line_id": "L1", "supplier_id": "S1", "amount": 1.0}
    assert record_hash("purchase_lines", row) == record_hash(
        "purchase_lines", {**row, "description": None, "product_id": None}
    )


def test_the_sql_row_hash_over_a_file_equals_the_arrow_row_hash(tmp_path):
    """Snapshots hash rows in SQL over the validated file; ledger verify hashes the stored
    rows through Arrow: both are one definition and give the same hash for every row."""
    import datetime as dt

    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq

    from greenchain.adapters.db.row_hashes import row_hash_sql, row_hashes, typed_content_sql

    rows = pa.table(
        {
            "_row": [2, 3, 4],
            "line_id": ["L1", "L2", "L3"],
            "supplier_id": ["S1", "S1", "S2"],
            "date": [dt.date(2024, 5, 1), dt.date(2024, 12, 31), dt.date(2023, 1, 2)],
            "amount": pa.array([100.1, -0.3, 1e-7], pa.float64()),
            "currency": ["USD", "EUR", "JPY"],
            "naics_code": ["334413", "325120", "541512"],
            "scope3_category": pa.array([1, 2, None], pa.int32()),
            "quantity": pa.array([2.5, None, 1e12], pa.float64()),
            "unit": ["kg", None, "t"],
        }
    )
    path = tmp_path / "clean.parquet"
    pq.write_table(rows, path)
    typed = ", ".join(typed_content_sql("purchase_lines", rows.column_names))
    with duckdb.connect() as con:
        by_sql = con.sql(
            f"SELECT {row_hash_sql('purchase_lines')} AS h FROM "
            f"(SELECT {typed} FROM read_parquet('{path}'))"
        ).to_arrow_table()
    assert by_sql.column("h").to_pylist() == row_hashes("purchase_lines", rows).to_pylist()
