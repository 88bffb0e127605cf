"""Every CSV and XLSX export keeps text that a spreadsheet would run as a formula inert
(CSV injection, OWASP): text starting with ``= + - @``, a tab or a carriage return is written
with a leading single quote, XLSX text cells are string cells, and numbers stay numbers."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from greenchain.adapters.exports import csv_text, inert_table, write_table_csv, xlsx_bytes
from greenchain.config import Settings
from greenchain.domain.access import Role
from greenchain.domain.records import SCHEMAS
from greenchain.entrypoints.cli.export import write_inventory_csv, write_inventory_xlsx
from greenchain.entrypoints.web.app import create_app
from greenchain.services import jobs as job_service
from greenchain.services import programs as prog
from greenchain.services import sourcing as sourcing_service
from greenchain.services.accounts import add_user, create_api_token
from greenchain.services.context import Context
from greenchain.services.imports import import_records
from greenchain.services.inventory import (
    calculate_inventory,
    get_inventory_report,
    get_run_lines,
)
from greenchain.services.orgs import add_organisation
from tests.factories import purchase, supplier

#: Text that spreadsheet programs run as a formula (or treat as the start of one).
PAYLOADS = ['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)", "\tX"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SRC = Path(__file__).parents[2] / "src" / "greenchain"


def _write_xlsx(path: Path, kind: str, rows: list[dict[str, object]]) -> Path:
    """An input workbook whose cells are all text (formula-looking text stays text)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    names = list(SCHEMAS[kind].column_names)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(kind)
    sheet.append(names)
    for row in rows:
        cells = []
        for name in names:
            cell = WriteOnlyCell(sheet, "" if row.get(name) is None else str(row.get(name)))
            cell.data_type = "s"
            cells.append(cell)
        sheet.append(cells)
    book.save(path)
    return path


def _csv_cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def _assert_csv_inert(text: str, *, carries_text: bool = True) -> None:
    cells = _csv_cells(text)
    for payload in PAYLOADS:
        assert payload not in cells, f"{payload!r} written raw"
        if carries_text:
            assert "'" + payload in cells, f"{payload!r} missing from the export"
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")]


def _assert_xlsx_inert(data: bytes) -> None:
    book = load_workbook(io.BytesIO(data))
    texts = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    assert cell.data_type == "s", (sheet.title, cell.coordinate, cell.value)
                    assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r"))
                    texts.append(cell.value)
    for payload in PAYLOADS:
        assert "'" + payload in texts, f"{payload!r} missing from the workbook"


def test_text_cells_are_neutralised_and_numbers_stay_numbers(tmp_path: Path):
    text = csv_text([["name", "t_co2e", "delta"], *([p, 1.5, -2] for p in PAYLOADS)])
    _assert_csv_inert(text)
    rows = list(csv.reader(io.StringIO(text)))
    assert [r[1:] for r in rows[1:]] == [["1.5", "-2"]] * len(PAYLOADS)
    assert csv_text([["ordinary", "a-b", "x=y"]]) == "ordinary,a-b,x=y\n"

    book = load_workbook(
        io.BytesIO(xlsx_bytes([("S", [["name", "n"], *([p, -3] for p in PAYLOADS)])]))
    )
    sheet = book["S"]
    assert [c.value for c in sheet["B"]][1:] == [-3] * len(PAYLOADS)
    assert {c.data_type for c in sheet["B"][1:]} == {"n"}
    _assert_xlsx_inert(xlsx_bytes([("S", [["name"], *([p] for p in PAYLOADS)])]))

    table = pa.table({"name": PAYLOADS, "kg": [-1.0] * len(PAYLOADS)})
    assert inert_table(table).column("kg").to_pylist() == [-1.0] * len(PAYLOADS)
    out = tmp_path / "t.csv"
    write_table_csv(table, out)
    _assert_csv_inert(out.read_text(encoding="utf-8"))


def test_characters_xml_cannot_hold_do_not_fail_a_workbook():
    book = load_workbook(io.BytesIO(xlsx_bytes([("S", [["a\x01b", "=x\x02"]])])))
    assert [c.value for c in book["S"][1]] == ["ab", "'=x"]


@pytest.fixture
def world(ctx: Context, tmp_path: Path):
    """Suppliers named with formula text, each with a purchase described the same way."""
    add_organisation(ctx, "acme")
    add_user(ctx, "ann@acme.example", "exports-Test-4417-pw", "acme", Role.ADMIN)
    ids = [f"S{i}" for i in range(len(PAYLOADS))]
    _write_xlsx(
        tmp_path / "s.xlsx",
        "suppliers",
        [supplier(s, name=p) for s, p in zip(ids, PAYLOADS, strict=True)],
    )
    import_records(ctx, "acme", "suppliers", tmp_path / "s.xlsx")
    _write_xlsx(
        tmp_path / "p.xlsx",
        "purchases",
        [
            purchase(f"L{i}", s, date="2024-03-01", description=p)
            for i, (s, p) in enumerate(zip(ids, PAYLOADS, strict=True))
        ],
    )
    import_records(ctx, "acme", "purchases", tmp_path / "p.xlsx")
    calculate_inventory(ctx, "acme", 2024)
    client = TestClient(create_app(Settings(upload_dir=tmp_path / "uploads", job_workers=0), ctx))
    token = create_api_token(ctx, "ann@acme.example").token
    return ctx, client, {"Authorization": f"Bearer {token}"}


def _api(client: TestClient, headers: dict[str, str], path: str) -> bytes:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    return response.content


def _inventory(ctx: Context, tmp_path: Path, fmt: str) -> bytes:
    report = get_inventory_report(ctx, "acme", 2024, None)
    lines = get_run_lines(ctx, "acme", report.run_id)
    out = tmp_path / f"inventory.{fmt}"
    if fmt == "csv":
        write_inventory_csv(lines, out)
    else:
        write_inventory_xlsx(report, lines, out)
    return out.read_bytes()


def _rejected_rows(ctx: Context, tmp_path: Path) -> bytes:
    bad = [
        purchase(f"R{i}", "S0", date="2024-13-01", description=p) for i, p in enumerate(PAYLOADS)
    ]
    _write_xlsx(tmp_path / "bad.xlsx", "purchases", [purchase("OK1", "S0"), *bad])
    summary = import_records(ctx, "acme", "purchases", tmp_path / "bad.xlsx", skip_invalid=True)
    assert summary.rejected_report is not None
    return summary.rejected_report.read_bytes()


def _failed_upload(
    ctx: Context, client: TestClient, headers: dict[str, str], tmp_path: Path
) -> bytes:
    rows = [purchase(f"F{i}", "S0", date=p) for i, p in enumerate(PAYLOADS)]
    book = _write_xlsx(tmp_path / "bad-upload.xlsx", "purchases", rows)
    response = client.post(
        "/api/v1/orgs/acme/uploads/purchases",
        headers=headers,
        files={"file": ("bad.xlsx", io.BytesIO(book.read_bytes()), XLSX)},
    )
    assert response.status_code == 202, response.text
    job_service.run_one(ctx)
    return _api(client, headers, f"{response.headers['location']}/rejected-rows")


def _monitoring(fmt: str) -> bytes:
    report: dict[str, Any] = {
        "program": "P",
        "year": 2024,
        "members": len(PAYLOADS),
        "response_rate": None,
        "shares": {},
        "rows": [
            {
                "supplier_id": p,
                "t_co2e": -1.0,
                "spend_usd": 2.0,
                "reported": True,
                "sbt": False,
                "trained": False,
                "project": False,
                "intensity": [{"year": 2024, "t_per_million": 1.0, "currency": p}],
            }
            for p in PAYLOADS
        ],
    }
    if fmt == "csv":
        return csv_text(prog.monitoring_rows(report)).encode()
    return xlsx_bytes(prog.monitoring_sheets(report))


EXPORTS: dict[str, tuple[str, Callable[..., bytes]]] = {
    "tiers.csv (API, UI)": (
        "csv",
        lambda c, cl, h, t: _api(cl, h, "/api/v1/orgs/acme/sourcing/tiers.csv?year=2024"),
    ),
    "tiers.xlsx (API, UI)": (
        "xlsx",
        lambda c, cl, h, t: _api(cl, h, "/api/v1/orgs/acme/sourcing/tiers.xlsx?year=2024"),
    ),
    "tier export (CLI)": (
        "csv",
        lambda c, cl, h, t: csv_text(
            sourcing_service.tier_table(sourcing_service.tiers(c, _store(c), "acme", 2024))
        ).encode(),
    ),
    "inventory csv (CLI)": ("csv", lambda c, cl, h, t: _inventory(c, t, "csv")),
    "inventory xlsx (CLI)": ("xlsx", lambda c, cl, h, t: _inventory(c, t, "xlsx")),
    "rejected rows of an import": ("csv", lambda c, cl, h, t: _rejected_rows(c, t)),
    "rejected rows of a failed upload": ("csv", lambda c, cl, h, t: _failed_upload(c, cl, h, t)),
    "program monitoring csv": ("csv", lambda c, cl, h, t: _monitoring("csv")),
    "program monitoring xlsx": ("xlsx", lambda c, cl, h, t: _monitoring("xlsx")),
}


def _store(ctx: Context) -> Any:
    return ctx.qualification


@pytest.mark.parametrize("name", list(EXPORTS))
def test_every_export_keeps_formula_text_inert(world, tmp_path: Path, name: str):
    ctx, client, headers = world
    fmt, export = EXPORTS[name]
    data = export(ctx, client, headers, tmp_path)
    if fmt == "csv":
        # result lines carry ids (letters, digits and . _ : / -), never a name or description
        _assert_csv_inert(data.decode("utf-8"), carries_text=name != "inventory csv (CLI)")
    else:
        _assert_xlsx_inert(data)


#: How a module would write CSV or XLSX itself. Only the export writer may; the demo writes the
#: demo's input files (product-made values), not exports. DuckDB's COPY to a CSV file (by its
#: name or its format) counts; a COPY to Parquet (line files) does not.
WRITERS = re.compile(
    r"csv\.writer\(|csv\.DictWriter\(|\bWorkbook\(|pyarrow\.csv|\.to_csv\("
    r"|COPY .* TO '[^']*\.(?i:csv)'|FORMAT '?(?i:csv)"
)
MAY_WRITE = {"adapters/exports.py", "adapters/demo_data.py"}


def test_no_module_writes_csv_or_xlsx_around_the_export_writer():
    writers = {
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if WRITERS.search(path.read_text(encoding="utf-8"))
    }
    assert writers <= MAY_WRITE, writers - MAY_WRITE
