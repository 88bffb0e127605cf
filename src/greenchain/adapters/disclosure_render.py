"""Renders a disclosure document: HTML from a Jinja2 template (the basis, then each table with
numbers formatted for people), PDF from that HTML with WeasyPrint, XLSX with real number cells.

The tables come from the services (``greenchain.services.disclosures``): rows with the header
first, values as plain numbers (t CO2e, MWh, fractions 0..1 for shares); this module only
formats them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from greenchain.adapters.exports import xlsx_bytes
from greenchain.adapters.report_render import pdf_of, print_environment

TEMPLATE = "disclosure.html"
Table = tuple[str, list[list[Any]]]


def _is_share(*labels: Any) -> bool:
    text = " ".join(str(label).lower() for label in labels if label is not None)
    return "share" in text or "reduction" in text or "proportion" in text


#: A row's unit cell that makes its figures shares (a table mixing tonnes and shares by row).
SHARE_UNIT = "share"


def _significant(value: float, digits: int = 3) -> str:
    """``value`` to ``digits`` significant digits in plain notation (0.0000159, not 1.59e-05)."""
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    return f"{value:,.{decimals}f}"


def cell(
    value: Any, header: Any = None, label: Any = None, row: Sequence[Any] | None = None
) -> str:
    """A value as a reader sees it: shares in percent (a column whose header says so, or a row
    whose unit cell is :data:`SHARE_UNIT`), tonnes and MWh with thousands separators and one
    decimal, small figures with three significant digits in plain notation, years, serial
    numbers and identifiers plain."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        plain = 1900 <= value <= 2200 or abs(value) < 10_000 or "serial" in str(header).lower()
        return str(value) if plain else f"{value:,}"
    if isinstance(value, float):
        share_row = row is not None and SHARE_UNIT in row
        if (_is_share(header, label) or share_row) and abs(value) <= 10:
            return f"{value * 100:.1f} %"
        if abs(value) >= 1e6:
            return f"{value:,.0f}"
        if abs(value) >= 100 or value == 0:
            return f"{value:,.1f}"
        return _significant(value)
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_.]*_[a-z0-9_.]*$")
_UNITS = (
    ("_t_per_million_revenue", " (t CO2e per million of revenue)"),
    ("biogenic_co2_t", "biogenic CO2 (t CO2)"),
    ("_t", " (t CO2e)"),
    ("_mwh", " (MWh)"),
    ("_share", " (share)"),
    ("_million", " (million)"),
)
_WORDS = (
    (" ets", " ETS"),
    ("co2", "CO2"),
    (" eu ", " EU "),
    ("intensity market", "intensity, market-based"),
    ("intensity location", "intensity, location-based"),
)


def label(value: Any) -> Any:
    """A datapoint key as words for a reader: "gross_scope_1_t" is "Gross scope 1 (t CO2e)",
    "fossil_energy_by_group_mwh.natural_gas" is "Fossil energy by group (MWh): natural gas";
    anything else is left as it is (the XLSX keeps the keys)."""
    if not isinstance(value, str):
        return value
    key, _, named = value.partition(" (")
    if not _IDENTIFIER.match(key):
        return value
    head, _, tail = key.partition(".")
    unit = ""
    for suffix, words in _UNITS:
        if head.endswith(suffix):
            head = head.removesuffix(suffix)
            unit = words if head else words[:1].upper() + words[1:]
            break
    text = head.replace("_", " ")
    for raw, cooked in _WORDS:
        text = text.replace(raw, cooked)
    text = text[:1].upper() + text[1:] + unit
    if named:
        text = f"{text.removesuffix(' (t CO2e)')}: {named.removesuffix(')')} (t CO2e)"
    return f"{text}: {tail.replace('_', ' ')}" if tail else text


def blocks(rows: list[list[Any]]) -> list[list[list[Any]]]:
    """The rows of a sheet split at empty rows into tables (each with its header first)."""
    found: list[list[list[Any]]] = [[]]
    for row in rows:
        if not row:
            if found[-1]:
                found.append([])
            continue
        found[-1].append(row)
    return [b for b in found if b]


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def numeric_columns(block: list[list[Any]]) -> set[int]:
    """The columns of a table (header first) whose values are all numbers (or empty):
    right-aligned, their header too."""
    width = max(len(row) for row in block)
    return {
        i
        for i in range(width)
        if all(_number(r[i]) or r[i] in (None, "") for r in block[1:] if i < len(r))
        and any(i < len(r) and _number(r[i]) for r in block[1:])
    }


class DisclosureRenderer:
    """The ``DisclosureRenderer`` port: Jinja2 for HTML, WeasyPrint for PDF, openpyxl for XLSX."""

    def __init__(self, templates: Path | None = None) -> None:
        self.env = print_environment(templates) if templates else print_environment()
        self.env.globals["cell"] = cell
        self.env.globals["blocks"] = blocks
        self.env.globals["label"] = label
        self.env.globals["numeric_columns"] = numeric_columns

    def html(self, doc: Mapping[str, Any], tables: Sequence[Table]) -> str:
        return self.env.get_template(TEMPLATE).render(doc=doc, tables=tables)

    def pdf(self, html: str) -> bytes:
        return pdf_of(html)

    def xlsx(self, tables: Sequence[Table]) -> bytes:
        return xlsx_bytes(tables, formatted=True)
