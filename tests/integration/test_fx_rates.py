"""Exchange rates the bundled ECB data lacks: a Taiwanese-dollar purchase is rejected with how to
import a rate; once ``fx import`` stored one (annual, or monthly for lines of that month) the
line is calculated with it and says where it came from. Imported rates win over the ECB."""

from __future__ import annotations

from pathlib import Path

import pytest

from greenchain.domain.errors import FileRejectedError
from greenchain.services import fx
from greenchain.services.context import Context
from greenchain.services.imports import import_records
from greenchain.services.inventory import EEIO_SET, calculate_inventory, get_run_lines
from greenchain.services.orgs import add_organisation
from tests.factories import purchase, supplier, write_csv

FX_COLUMNS = ("currency", "year", "month", "usd_per_unit")


def _rates(path: Path, rows: list[dict[str, object]]) -> Path:
    return write_csv(path, "fx-rates", rows, FX_COLUMNS)


def _buyer_paying_in_twd(ctx: Context, tmp_path: Path) -> None:
    add_organisation(ctx, "tw-fab")
    import_records(
        ctx,
        "tw-fab",
        "suppliers",
        write_csv(tmp_path / "s.csv", "suppliers", [supplier("S1", country="TW")]),
    )
    lines = [
        purchase("L-MAR", amount="1000000", currency="TWD", date="2024-03-10"),
        purchase("L-JUL", amount="500000", currency="TWD", date="2024-07-01"),
    ]
    import_records(ctx, "tw-fab", "purchases", write_csv(tmp_path / "p.csv", "purchases", lines))


def _lines(ctx: Context, run_id: int) -> dict[str, dict[str, object]]:
    table = get_run_lines(ctx, "tw-fab", run_id, with_rejected=True)
    return {str(r["source_id"]): r for r in table.to_pylist()}


def test_a_twd_purchase_without_a_rate_is_rejected_saying_how_to_import_one(
    ctx: Context, tmp_path: Path
):
    _buyer_paying_in_twd(ctx, tmp_path)
    report = calculate_inventory(ctx, "tw-fab", 2024)
    assert report.total_t_co2e == 0
    [group] = report.rejected
    assert group.lines == 2
    assert "no exchange rate for TWD in 2024; import one with 'greenchain fx import'" in (
        group.reason
    )
    assert "1,500,000 TWD" in group.describe()


def test_imported_twd_rates_calculate_the_lines_monthly_before_annual(ctx: Context, tmp_path: Path):
    _buyer_paying_in_twd(ctx, tmp_path)
    rows = [
        {"currency": "TWD", "year": 2024, "usd_per_unit": "0.0311"},
        {"currency": "twd", "year": 2024, "month": 3, "usd_per_unit": "0.0314"},
    ]
    done = fx.import_rates(ctx, _rates(tmp_path / "fx.csv", rows), source="CBC Taiwan")
    assert (done.rows, done.currencies, done.years) == (2, ("TWD",), (2024,))

    report = calculate_inventory(ctx, "tw-fab", 2024)
    assert not report.rejected
    lines = _lines(ctx, report.run_id)
    assert lines["L-MAR"]["fx_usd_per_unit"] == pytest.approx(0.0314)
    assert lines["L-JUL"]["fx_usd_per_unit"] == pytest.approx(0.0311)
    # kg = amount x USD per TWD x CPI ratio x the published factor of NAICS 331110 (AR5,
    # with margins, EPA supply-chain factors v1.3)
    _, factors = ctx.workspace.get_factor_set(EEIO_SET)
    steel = next(f for f in factors if f.factor_id == "331110").kg_co2e_per_unit
    for line_id, amount, rate in (("L-MAR", 1e6, 0.0314), ("L-JUL", 5e5, 0.0311)):
        line = lines[line_id]
        assert line["kg_co2e"] == pytest.approx(amount * rate * line["cpi_ratio"] * steel)
        assert "TWD imported annual rate and 1 monthly rate(s)" in str(line["note"])
        assert "CBC Taiwan" in str(line["note"])


def test_only_monthly_rates_give_the_year_their_mean(ctx: Context, tmp_path: Path):
    rows = [
        {"currency": "TWD", "year": 2024, "month": m, "usd_per_unit": v}
        for m, v in ((1, "0.030"), (2, "0.032"))
    ]
    fx.import_rates(ctx, _rates(tmp_path / "fx.csv", rows))
    assert ctx.conversions.usd_per_unit("TWD", 2024) == pytest.approx(0.031)
    assert "mean for the year" in ctx.conversions.rate_source("TWD", 2024)


def test_an_imported_rate_wins_over_the_ecb_rate_and_a_reimport_replaces_it(
    ctx: Context, tmp_path: Path
):
    ecb = ctx.conversions.usd_per_unit("KRW", 2024)
    assert ecb == pytest.approx(0.000733, rel=1e-2)
    path = _rates(tmp_path / "a.csv", [{"currency": "KRW", "year": 2024, "usd_per_unit": 0.0007}])
    fx.import_rates(ctx, path, source="treasury")
    assert ctx.conversions.usd_per_unit("KRW", 2024) == 0.0007
    assert ctx.conversions.usd_per_unit("KRW", 2023) != 0.0007  # other years keep the ECB
    path = _rates(tmp_path / "b.csv", [{"currency": "KRW", "year": 2024, "usd_per_unit": 0.0008}])
    fx.import_rates(ctx, path, source="treasury, corrected")
    assert ctx.conversions.usd_per_unit("KRW", 2024) == 0.0008
    listed = {r.currency: r for r in fx.rates_for_year(ctx, 2024)}
    assert listed["KRW"].usd_per_unit == 0.0008
    assert listed["KRW"].source == "imported annual rate (treasury, corrected)"
    assert listed["EUR"].source.startswith("ECB")


def test_a_rate_file_with_a_bad_row_is_rejected_whole_naming_row_and_field(
    ctx: Context, tmp_path: Path
):
    rows: list[dict[str, object]] = [
        {"currency": "TWD", "year": 2024, "usd_per_unit": "0.031"},
        {"currency": "TWD", "year": 2024, "usd_per_unit": "0.032"},  # same year, no month
        {"currency": "XX", "year": 2024, "month": 13, "usd_per_unit": "-1"},
    ]
    with pytest.raises(FileRejectedError) as caught:
        fx.import_rates(ctx, _rates(tmp_path / "fx.csv", rows))
    described = [p.describe("fx.csv") for p in caught.value.problems]
    assert described[0].startswith(
        "fx.csv: row 3, field 'currency': duplicate currency + year + month (first at row 2)"
    )
    assert any("row 4, field 'currency': unknown currency (not an ISO 4217" in d for d in described)
    assert any("row 4, field 'month': must be at most 12" in d for d in described)
    assert any("row 4, field 'usd_per_unit': must be greater than 0" in d for d in described)
    assert not caught.value.skippable
    assert ctx.conversions.imported_rates() == []
