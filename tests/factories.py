"""Builders of input files for tests."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from greenchain.domain.records import SCHEMAS


def write_csv(
    path: Path,
    kind: str,
    rows: Iterable[Mapping[str, object]],
    columns: Sequence[str] | None = None,
) -> Path:
    """Write ``rows`` as a CSV of the ``kind`` format (missing values left empty)."""
    names = list(columns or SCHEMAS[kind].column_names)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=names, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if row.get(k) is None else row.get(k) for k in names})
    return path


def supplier(supplier_id: str = "S1", **overrides: object) -> dict[str, object]:
    row: dict[str, object] = {
        "supplier_id": supplier_id,
        "name": f"Supplier {supplier_id}",
        "country": "US",
        "naics_code": "331110",
        "strategic": "false",
    }
    row.update(overrides)
    return row


def purchase(line_id: str, supplier_id: str = "S1", **overrides: object) -> dict[str, object]:
    row: dict[str, object] = {
        "line_id": line_id,
        "supplier_id": supplier_id,
        "date": "2024-06-30",
        "amount": "1000.00",
        "currency": "USD",
        "naics_code": "331110",
        "description": "steel",
        "scope3_category": "1",
    }
    row.update(overrides)
    return row


def supplier_report(supplier_id: str = "S1", **overrides: object) -> dict[str, object]:
    row: dict[str, object] = {
        "supplier_id": supplier_id,
        "year": "2024",
        "revenue": "1000000",
        "currency": "USD",
        "scope1_t": "100",
        "scope2_market_t": "50",
        "scope2_location_t": "60",
        "scope3_upstream_t": "50",
        "verified": "true",
    }
    row.update(overrides)
    return row


def activity(activity_id: str, **overrides: object) -> dict[str, object]:
    row: dict[str, object] = {
        "activity_id": activity_id,
        "date": "2024-03-31",
        "activity": "electricity",
        "amount": "1000",
        "unit": "kWh",
        "country": "GB",
    }
    row.update(overrides)
    return row


def link_supplier(ctx: object, buyer: str, supplier_id: str, supplier_org: str) -> None:
    """Link a buyer's supplier record to a supplier organisation the only way there is: the
    buyer invites, the supplier organisation accepts."""
    from greenchain.services.demo import link_by_consent

    link_by_consent(ctx, buyer, supplier_id, supplier_org)  # type: ignore[arg-type]
