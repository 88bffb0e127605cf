"""Take-back of sold products: per product line and year, the tonnes returned and what became
of them. The report gives the reuse rate (reused or refurbished / returned) and the recycling
rate of what could not be reused (the seeds' "28 % reused, 99.9 % of the rest recycled"),
beside the emissions and never netted against them."""

from __future__ import annotations

from pathlib import Path

import pytest

from greenchain.domain.errors import FileRejectedError
from greenchain.services.context import Context
from greenchain.services.imports import import_records
from greenchain.services.inventory import calculate_inventory
from greenchain.services.orgs import add_organisation
from tests.factories import activity, write_csv


def _record(record_id: str, line: str, tonnes: str, **shares: str) -> dict[str, object]:
    return {
        "record_id": record_id,
        "year": "2024",
        "product_line": line,
        "units_returned": "1000",
        "tonnes_returned": tonnes,
        **{f"share_{k}": v for k, v in shares.items()},
    }


def test_the_report_gives_reuse_and_recycling_rates_apart_from_emissions(
    ctx: Context, tmp_path: Path
):
    add_organisation(ctx, "acme")
    write_csv(tmp_path / "a.csv", "activity", [activity("A1")])
    import_records(ctx, "acme", "activity", tmp_path / "a.csv")
    before = calculate_inventory(ctx, "acme", 2024).total_t_co2e
    rows = [
        _record("R1", "switches", "80", reused="0.25", refurbished="0.05", recycled="0.6993",
                landfilled="0.0007"),
        _record("R2", "routers", "20", reused="0.16", recycled="0.84"),
    ]  # fmt: skip
    write_csv(tmp_path / "tb.csv", "take-back", rows)
    import_records(ctx, "acme", "take-back", tmp_path / "tb.csv")
    report = calculate_inventory(ctx, "acme", 2024)
    c = report.circularity
    # reused or refurbished: 80 x 0.30 + 20 x 0.16 = 27.2 of 100 t
    assert c["tonnes_returned"] == 100
    assert c["units_returned"] == 2000
    assert c["reuse_rate"] == pytest.approx(0.272)
    # recycled of the rest: (80 x 0.6993 + 20 x 0.84) / (100 - 27.2)
    assert c["recycling_rate"] == pytest.approx((80 * 0.6993 + 20 * 0.84) / 72.8)
    lines = {p["product_line"]: p for p in c["product_lines"]}
    assert lines["switches"]["reuse_rate"] == pytest.approx(0.30)
    assert report.total_t_co2e == before  # nothing netted


def test_shares_that_add_up_to_more_than_one_are_rejected_naming_the_row(
    ctx: Context, tmp_path: Path
):
    add_organisation(ctx, "acme")
    write_csv(
        tmp_path / "tb.csv",
        "take-back",
        [_record("R1", "switches", "1", reused="0.7", recycled="0.4")],
    )
    with pytest.raises(FileRejectedError) as caught:
        import_records(ctx, "acme", "take-back", tmp_path / "tb.csv")
    assert "tb.csv: row 2, field 'share_reused': share_reused + share_refurbished + " in (
        caught.value.problems[0].describe("tb.csv")
    )
