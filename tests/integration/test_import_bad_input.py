"""Input that once got through the import check and broke later work: optional numbers empty
for the first thousand rows, absurd magnitudes, other encodings, CSV quoting and oversized
workbooks. Each is refused with the file, row and field, or read right; nothing half-written."""

from __future__ import annotations

from pathlib import Path

import pytest

from greenchain.domain.records import SCHEMAS, ColumnType
from greenchain.services.context import Context
from greenchain.services.imports import import_records
from greenchain.services.inventory import calculate_inventory
from greenchain.services.orgs import add_organisation
from tests.factories import purchase, supplier, supplier_report, write_csv

#: More rows than one batch the SQLite driver reads to infer a column's type (1,024).
FIRST_BATCH = 1100

OPTIONAL_NUMBERS = [
    (kind, column.name, column.type)
    for kind, schema in SCHEMAS.items()
    for column in schema.columns
    if column.type in (ColumnType.DECIMAL, ColumnType.INTEGER) and not column.required
]


def _row(kind: str, index: int) -> dict[str, object]:
    """Row ``index`` of a ``kind`` file; ids sort in row order, as databases read them back."""
    if kind == "purchases":
        return purchase(f"L{index:05d}", f"S{index % 10:05d}", date="2024-05-01")
    if kind == "supplier-data":
        return supplier_report(f"S{index:05d}", renewable_share="0.25")
    if kind == "product-footprints":
        return {
            "product_id": f"P{index:05d}",
            "supplier_id": f"S{index % 10:05d}",
            "declared_unit": "kg",
            "kg_co2e_per_unit": "2.5",
            "reference_year": "2023",
            "verified": "true",
        }
    raise AssertionError(f"no builder for {kind}")  # pragma: no cover


def test_every_optional_number_of_every_format_is_listed() -> None:
    assert {(kind, name) for kind, name, _ in OPTIONAL_NUMBERS} >= {
        ("purchases", "quantity"),
        ("purchases", "scope3_category"),
        ("supplier-data", "scope3_upstream_t"),
    }


@pytest.mark.parametrize(("kind", "column", "type_"), OPTIONAL_NUMBERS)
def test_an_optional_number_empty_in_the_first_thousand_rows_is_read_with_its_declared_type(
    ctx: Context, tmp_path: Path, kind: str, column: str, type_: ColumnType
) -> None:
    add_organisation(ctx, "acme")
    suppliers = [supplier(f"S{i:05d}") for i in range(FIRST_BATCH + 1)]
    write_csv(tmp_path / "suppliers.csv", "suppliers", suppliers)
    import_records(ctx, "acme", "suppliers", tmp_path / "suppliers.csv")
    rows = [_row(kind, i) for i in range(FIRST_BATCH + 1)]
    for row in rows[:FIRST_BATCH]:
        row[column] = None
    rows[-1][column] = "2.5" if type_ is ColumnType.DECIMAL else "3"
    if column == "renewable_share":
        rows[-1][column] = "0.5"
    if column == "reference_year":
        rows[-1][column] = "2023"
    if column == "quantity":
        rows[-1]["unit"] = "kg"
    write_csv(tmp_path / f"{kind}.csv", kind, rows)
    import_records(ctx, "acme", kind, tmp_path / f"{kind}.csv")
    if kind != "purchases":
        write_csv(tmp_path / "p.csv", "purchases", [purchase("L1", "S00001", date="2024-05-01")])
        import_records(ctx, "acme", "purchases", tmp_path / "p.csv")

    report = calculate_inventory(ctx, "acme", 2024)

    assert report.total_t_co2e > 0
