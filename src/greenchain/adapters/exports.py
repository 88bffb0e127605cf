"""The one writer of CSV and XLSX exports.

Every export the product writes (sourcing tiers, inventory lines and workbooks, program
monitoring, rejected rows, scorecards) goes through this module, so no export can put a formula
into a spreadsheet program: a text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is read as a formula by Excel, LibreOffice and Google Sheets (CSV injection,
OWASP). Such text is prefixed with a single quote (OWASP's advice), in CSV and XLSX alike, so
that both show the same text. Only text is touched: numbers, booleans and dates are written as
what they are (a negative number stays a number). Callers that want a number in a fixed format
pass a ``Decimal`` (``Decimal(f"{x:.3f}")``), never a pre-formatted string.

In XLSX every text cell is written as a string cell (data type ``"s"``), never a formula, and
characters that XML cannot hold are dropped instead of failing the whole export.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

#: What a spreadsheet program reads as the start of a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_PATTERN = "^[=+\\-@\t\r]"

Row = Sequence[Any]
#: A sheet of a workbook: its name and its rows (the first one its header).
Sheet = tuple[str, Iterable[Row]]


XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def inert_text(text: str) -> str:
    """``text`` as a spreadsheet program shows it without evaluating it."""
    return "'" + text if text.startswith(FORMULA_START) else text


def inert_cell(value: Any) -> Any:
    """A cell value made safe: text neutralised, anything else unchanged."""
    return inert_text(value) if isinstance(value, str) else value


def inert_table(table: pa.Table) -> pa.Table:
    """``table`` with every text column neutralised (numeric columns untouched)."""
    columns = []
    for column in table.columns:
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            starts = pc.match_substring_regex(column, _FORMULA_PATTERN)
            quoted = pc.binary_join_element_wise("'", column, "")
            column = pc.if_else(starts, quoted, column)
        elif pa.types.is_dictionary(column.type) and pa.types.is_string(column.type.value_type):
            column = pc.cast(column, pa.string())
            starts = pc.match_substring_regex(column, _FORMULA_PATTERN)
            column = pc.if_else(starts, pc.binary_join_element_wise("'", column, ""), column)
        columns.append(column)
    return pa.table(columns, names=table.column_names)


def write_csv_rows(sink: IO[str], rows: Iterable[Row]) -> None:
    """Write ``rows`` (the first one the header) as CSV to an open text stream."""
    writer = csv.writer(sink, lineterminator="\n")
    for row in rows:
        writer.writerow([inert_cell(v) for v in row])


def csv_text(rows: Iterable[Row]) -> str:
    """``rows`` (the first one the header) as CSV text."""
    buffer = io.StringIO()
    write_csv_rows(buffer, rows)
    return buffer.getvalue()


def write_csv(out: Path | None, rows: Iterable[Row]) -> None:
    """Write ``rows`` (the first one the header) as a CSV file, or to standard output."""
    if out is None:
        write_csv_rows(sys.stdout, rows)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as handle:
        write_csv_rows(handle, rows)


def table_csv_bytes(table: pa.Table) -> bytes:
    """An Arrow table (header and rows) as UTF-8 CSV, cells that a spreadsheet would run as
    formulas made inert."""
    sink = pa.BufferOutputStream()
    pacsv.write_csv(inert_table(table), sink)
    return bytes(sink.getvalue().to_pybytes())


def write_table_csv(table: pa.Table, out: Path | None) -> None:
    """Write an Arrow table (header and rows) as CSV, to ``out`` or standard output."""
    if out is None:
        sys.stdout.write(table_csv_bytes(table).decode("utf-8"))
        return
    safe = inert_table(table)
    out.parent.mkdir(parents=True, exist_ok=True)
    pacsv.write_csv(safe, str(out))


def write_batches_csv(schema: pa.Schema, batches: Iterable[pa.RecordBatch], out: Path) -> None:
    """Write record batches (header from ``schema``, then every batch's rows) as one CSV file,
    a batch at a time, cells that a spreadsheet would run as formulas made inert."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with pacsv.CSVWriter(str(out), schema) as writer:
        for batch in batches:
            writer.write_table(inert_table(pa.Table.from_batches([batch], schema)))


def table_rows(table: pa.Table, batch_rows: int = 50_000) -> Iterable[Row]:
    """The header and rows of an Arrow table, read in batches (for a workbook sheet)."""
    yield list(table.column_names)
    for batch in table.to_batches(batch_rows):
        columns = [col.to_pylist() for col in batch.columns]
        yield from zip(*columns, strict=True)


#: Figures of one or more in a report's workbook: thousands separated, up to three decimals
#: shown (the cell keeps the full value); smaller ones keep Excel's General format.
REPORT_NUMBER_FORMAT = "#,##0.0##"


def _xlsx(sheets: Iterable[Sheet], sink: Path | IO[bytes], *, formatted: bool = False) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = Workbook(write_only=True)
    for name, rows in sheets:
        sheet = book.create_sheet(name[:31])
        for row in rows:
            cells: list[Any] = []
            for value in row:
                if isinstance(value, str):
                    cell = WriteOnlyCell(sheet, inert_text(ILLEGAL_CHARACTERS_RE.sub("", value)))
                    cell.data_type = "s"  # text, never a formula
                    cells.append(cell)
                elif formatted and isinstance(value, float) and abs(value) >= 1:
                    number = WriteOnlyCell(sheet, value)
                    number.number_format = REPORT_NUMBER_FORMAT
                    cells.append(number)
                else:
                    cells.append(value)
            sheet.append(cells)
    book.save(sink)


def xlsx_bytes(sheets: Iterable[Sheet], *, formatted: bool = False) -> bytes:
    """A workbook of ``sheets`` (name, rows with the header first), as XLSX bytes;
    ``formatted``: figures shown as a report's reader expects (:data:`REPORT_NUMBER_FORMAT`),
    for a few hundred rows (each figure is then a cell object)."""
    out = io.BytesIO()
    _xlsx(sheets, out, formatted=formatted)
    return out.getvalue()


def write_xlsx(out: Path, sheets: Iterable[Sheet]) -> None:
    """Write a workbook of ``sheets`` (name, rows with the header first) to ``out``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    _xlsx(sheets, out)


__all__ = [
    "FORMULA_START",
    "csv_text",
    "inert_cell",
    "inert_table",
    "inert_text",
    "table_rows",
    "write_csv",
    "write_table_csv",
    "write_xlsx",
    "xlsx_bytes",
]
