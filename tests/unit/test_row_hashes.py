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
