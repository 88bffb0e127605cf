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
from tests.factories import activity, purchase, supplier, supplier_report, write_csv

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
    if kind == "activity":
        return activity(
            f"A{index:05d}", date="2024-05-01", activity="road_freight", unit="tonne.km"
        )
    if kind == "take-back":
        return {
            "record_id": f"T{index:05d}",
            "year": "2024",
            "product_line": "modules",
            "tonnes_returned": "2.5",
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
    if SCHEMAS[kind].column(column).maximum == 1:  # fractions
        rows[-1][column] = "0.5"
    if column in ("kwh_per_unit_year", "lifetime_years"):  # given together
        rows[-1].update(kwh_per_unit_year="12", lifetime_years="5")
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


def _imported_suppliers(ctx: Context, tmp_path: Path, path: Path) -> list[str]:
    add_organisation(ctx, "acme")
    import_records(ctx, "acme", "suppliers", path)
    return sorted(s["name"] for s in _supplier_rows(ctx))


def _supplier_rows(ctx: Context) -> list[dict[str, object]]:
    from sqlalchemy import text

    engine = ctx.workspace.engine  # type: ignore[attr-defined]
    with engine.connect() as connection:
        return [dict(r._mapping) for r in connection.execute(text("SELECT name FROM suppliers"))]


def test_every_amount_quantity_revenue_and_tonnage_has_a_plausibility_limit() -> None:
    unlimited = [
        f"{kind}.{column.name}"
        for kind, schema in SCHEMAS.items()
        for column in schema.columns
        if column.type is ColumnType.DECIMAL
        and column.maximum is None
        and column.plausible_maximum is None
    ]
    assert unlimited == []


@pytest.mark.parametrize("value", ["1e308", "1e18", "inf", "nan"])
def test_an_absurd_amount_is_rejected_with_its_row_and_field_and_nothing_is_written(
    ctx: Context, tmp_path: Path, value: str
) -> None:
    from greenchain.domain.errors import FileRejectedError

    add_organisation(ctx, "acme")
    write_csv(tmp_path / "suppliers.csv", "suppliers", [supplier("S1")])
    import_records(ctx, "acme", "suppliers", tmp_path / "suppliers.csv")
    rows = [purchase("L1"), purchase("L2", amount=value)]
    write_csv(tmp_path / "purchases.csv", "purchases", rows)
    with pytest.raises(FileRejectedError) as rejected:
        import_records(ctx, "acme", "purchases", tmp_path / "purchases.csv")
    assert "purchases.csv: row 3, field 'amount'" in rejected.value.message
    assert "nothing was imported" in rejected.value.message
    from sqlalchemy import text

    with ctx.workspace.engine.connect() as connection:  # type: ignore[attr-defined]
        assert connection.execute(text("SELECT count(*) FROM purchase_lines")).scalar() == 0


def test_doubled_quotes_in_a_csv_are_one_quote_as_the_csv_standard_says(
    ctx: Context, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "suppliers.csv", "suppliers", [supplier("S1", name='Acme "Q" Inc')])
    assert '"Acme ""Q"" Inc"' in path.read_text()
    assert _imported_suppliers(ctx, tmp_path, path) == ['Acme "Q" Inc']


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig", "cp1252", "latin-1"])
def test_a_csv_in_another_common_encoding_is_read_as_text(
    ctx: Context, tmp_path: Path, encoding: str
) -> None:
    utf8 = write_csv(
        tmp_path / "s.csv", "suppliers", [supplier("S1", name="Société Générale Électronique")]
    )
    path = tmp_path / f"suppliers-{encoding}.csv"
    path.write_bytes(utf8.read_text(encoding="utf-8").encode(encoding))
    assert _imported_suppliers(ctx, tmp_path, path) == ["Société Générale Électronique"]


def test_a_csv_whose_encoding_cannot_be_told_is_refused_naming_the_file(
    ctx: Context, tmp_path: Path
) -> None:
    from greenchain.domain.errors import InvalidDataError

    path = tmp_path / "binary.csv"
    path.write_bytes(b"supplier_id,name\nS1," + bytes(range(128, 256)) * 40 + b"\x00\xff\n")
    add_organisation(ctx, "acme")
    with pytest.raises(InvalidDataError, match=r"binary\.csv: not UTF-8 text"):
        import_records(ctx, "acme", "suppliers", path)


def _bomb(path: Path, rows: int, columns: int = 1) -> Path:
    """A small XLSX file whose sheet declares ``rows`` rows of repetitive (well-compressed)
    cells: a few hundred kilobytes that unpack to far more."""
    import zipfile

    cell = "".join('<c t="inlineStr"><is><t>x</t></is></c>' for _ in range(columns))
    header = "".join(
        f'<c t="inlineStr"><is><t>{n}</t></is></c>' for n in SCHEMAS["suppliers"].column_names
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats'
            '-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
            'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml'
            '.worksheet+xml"/></Types>',
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        archive.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
            '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships"><sheets><sheet name="s" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>",
        )
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(
                b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                b'spreadsheetml/2006/main"><sheetData><row>' + header.encode() + b"</row>"
            )
            line = f"<row>{cell}</row>".encode()
            for _ in range(rows):
                sheet.write(line)
            sheet.write(b"</sheetData></worksheet>")
    return path


def test_a_workbook_that_unpacks_beyond_the_limit_is_refused_before_it_is_read(
    tmp_path: Path,
) -> None:
    import time

    from greenchain.adapters.files import SpreadsheetFiles
    from greenchain.adapters.importers.tabular import WorkbookLimits
    from greenchain.domain.errors import InvalidDataError

    path = _bomb(tmp_path / "bomb.xlsx", rows=200_000, columns=20)
    assert path.stat().st_size < 2**20 < 2 * 2**20  # small on disk
    files = SpreadsheetFiles(WorkbookLimits(max_unpacked_bytes=8 * 2**20))
    started = time.perf_counter()
    with pytest.raises(InvalidDataError, match=r"bomb\.xlsx: the workbook unpacks to .* MiB"):
        files.validate(path, SCHEMAS["suppliers"], {}, "bomb.xlsx")
    assert time.perf_counter() - started < 5  # refused from the zip directory, not by reading


def test_a_workbook_with_more_rows_than_the_limit_is_refused_naming_the_limit(
    tmp_path: Path,
) -> None:
    from greenchain.adapters.files import SpreadsheetFiles
    from greenchain.adapters.importers.tabular import WorkbookLimits
    from greenchain.domain.errors import InvalidDataError

    path = _bomb(tmp_path / "long.xlsx", rows=5_000)
    files = SpreadsheetFiles(WorkbookLimits(max_rows=1_000))
    with pytest.raises(InvalidDataError, match=r"long\.xlsx: more than 1,000 rows"):
        files.validate(path, SCHEMAS["suppliers"], {}, "long.xlsx")


def test_the_workbook_limits_are_settings() -> None:
    from greenchain.config import Settings

    settings = Settings(xlsx_max_rows=10, xlsx_max_unpacked_mb=3)
    assert (settings.xlsx_max_rows, settings.xlsx_max_unpacked_mb) == (10, 3)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            "activity_id,date,activity,amount,unit,country\nA1,2024-01-01,electricity,1e308,kWh,DE\n",
            "activity.csv: row 2, field 'amount': larger than the plausibility limit",
        ),
        (
            "activity_id,date,activity,amount,unit,country\n\x81\x8d\x8f\x90\x9d\x00\xff",
            "activity.csv: not UTF-8 text",
        ),
    ],
)
def test_the_command_line_names_the_file_row_and_field_of_bad_input_without_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, factors_dir: Path, content: str, expected: str
) -> None:
    from typer.testing import CliRunner

    from greenchain.entrypoints.cli.main import app

    monkeypatch.setenv("GREENCHAIN_DB", str(tmp_path / "cli.db"))
    monkeypatch.setenv("GREENCHAIN_DATA_DIR", str(factors_dir.parent))
    runner = CliRunner()
    for args in (["init"], ["org", "add", "acme"]):
        assert runner.invoke(app, args, catch_exceptions=False).exit_code == 0
    path = tmp_path / "activity.csv"
    path.write_bytes(content.encode("latin-1"))
    result = runner.invoke(
        app, ["import", "activity", str(path), "--org", "acme"], catch_exceptions=False
    )
    assert result.exit_code == 3, result.output
    assert expected in result.output
    assert "Traceback" not in result.output
    assert "internal error" not in result.output
