"""CSV and XLSX exports of calculation runs (written by the one export writer, which keeps
text cells from being read as formulas)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from greenchain.adapters.exports import table_rows, write_table_csv, write_xlsx
from greenchain.domain.inventory import SCOPE3_CATEGORY_NAMES, InventoryReport


def write_inventory_csv(lines: pa.Table, out: Path | None) -> None:
    """All result lines with their lineage, as CSV (to ``out`` or standard output)."""
    write_table_csv(lines, out)


def _summary(report: InventoryReport) -> Iterator[list[Any]]:
    yield ["Organisation", report.org]
    yield ["Reporting year", report.year]
    yield ["Run", report.run_id]
    yield ["GWP set", report.gwp]
    yield ["Total t CO2e (S1 + S2 market + S3)", report.total_t_co2e]
    yield ["Primary data share of Scope 3", report.primary_data_share]
    yield ["Data quality score (1 best .. 5 worst)", report.data_quality_score]
    yield []
    yield ["Scope", "t CO2e"]
    yield from ([key, value] for key, value in report.by_scope.items())
    yield []
    yield ["Scope 3 category", "t CO2e"]
    for key, value in report.by_category.items():
        yield [f"{key}. {SCOPE3_CATEGORY_NAMES[int(key)]}", value]
    yield []
    yield ["Method", "t CO2e"]
    yield from ([key, value] for key, value in report.by_method.items())
    yield []
    yield ["Gas", "t CO2e"]
    yield from ([key, value] for key, value in report.by_gas.items())


def write_inventory_xlsx(report: InventoryReport, lines: pa.Table, out: Path) -> None:
    """A workbook: Summary, Suppliers, Restatements and Lines sheets."""
    suppliers: list[list[Any]] = [["supplier_id", "name", "t_co2e", "method"]]
    suppliers += [[s.supplier_id, s.name, s.t_co2e, s.method] for s in report.by_supplier]
    restatements: list[list[Any]] = [
        ["supplier_id", "previous_method", "new_method", "previous_t_co2e", "new_t_co2e", "reason"]
    ]
    restatements += [
        [r.supplier_id, r.previous_method, r.new_method, r.previous_t_co2e, r.new_t_co2e, r.reason]
        for r in report.restatements
    ]
    write_xlsx(
        out,
        [
            ("Summary", _summary(report)),
            ("Suppliers", suppliers),
            ("Restatements", restatements),
            ("Lines", table_rows(lines)),
        ],
    )
