"""CSV and XLSX exports of calculation runs."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

from greenchain.domain.inventory import SCOPE3_CATEGORY_NAMES, InventoryReport


def write_inventory_csv(lines: pa.Table, out: Path | None) -> None:
    """All result lines with their lineage, as CSV (to ``out`` or standard output)."""
    if out is None:
        sink = pa.BufferOutputStream()
        pacsv.write_csv(lines, sink)
        sys.stdout.write(sink.getvalue().to_pybytes().decode("utf-8"))
        return
    pacsv.write_csv(lines, str(out))


def write_inventory_xlsx(report: InventoryReport, lines: pa.Table, out: Path) -> None:
    """A workbook: Summary, Suppliers, Restatements and Lines sheets."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    summary = book.create_sheet("Summary")
    summary.append(["Organisation", report.org])
    summary.append(["Reporting year", report.year])
    summary.append(["Run", report.run_id])
    summary.append(["GWP set", report.gwp])
    summary.append(["Total t CO2e (S1 + S2 market + S3)", report.total_t_co2e])
    summary.append(["Primary data share of Scope 3", report.primary_data_share])
    summary.append(["Data quality score (1 best .. 5 worst)", report.data_quality_score])
    summary.append([])
    summary.append(["Scope", "t CO2e"])
    for key, value in report.by_scope.items():
        summary.append([key, value])
    summary.append([])
    summary.append(["Scope 3 category", "t CO2e"])
    for key, value in report.by_category.items():
        summary.append([f"{key}. {SCOPE3_CATEGORY_NAMES[int(key)]}", value])
    summary.append([])
    summary.append(["Method", "t CO2e"])
    for key, value in report.by_method.items():
        summary.append([key, value])
    summary.append([])
    summary.append(["Gas", "t CO2e"])
    for key, value in report.by_gas.items():
        summary.append([key, value])
    suppliers = book.create_sheet("Suppliers")
    suppliers.append(["supplier_id", "name", "t_co2e", "method"])
    for s in report.by_supplier:
        suppliers.append([s.supplier_id, s.name, s.t_co2e, s.method])
    restatements = book.create_sheet("Restatements")
    restatements.append(
        ["supplier_id", "previous_method", "new_method", "previous_t_co2e", "new_t_co2e", "reason"]
    )
    for r in report.restatements:
        restatements.append(
            [
                r.supplier_id,
                r.previous_method,
                r.new_method,
                r.previous_t_co2e,
                r.new_t_co2e,
                r.reason,
            ]
        )
    sheet = book.create_sheet("Lines")
    sheet.append(list(lines.column_names))
    for batch in lines.to_batches(50_000):
        columns: list[list[Any]] = [col.to_pylist() for col in batch.columns]
        for row in zip(*columns, strict=True):
            sheet.append(list(row))
    out.parent.mkdir(parents=True, exist_ok=True)
    book.save(out)
