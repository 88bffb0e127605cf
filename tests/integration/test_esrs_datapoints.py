"""The ESRS E1 datapoints the accounting builds from activity rows and the credit register:
Scope 1 under a regulated emissions trading scheme (E1-6 para. 48(b)), biogenic CO2 apart
from the scopes (E1-6 AR 43(c)), the energy content of fuels (E1-5 para. 37-38) and the
corresponding adjustment and location of credits (E1-7 para. 59-60); each stored with the
run and disclosed from it. Expected values are computed by hand from the cited factor rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from greenchain.domain.errors import FileRejectedError
from greenchain.services import disclosure
from greenchain.services.context import Context
from greenchain.services.imports import import_records
from greenchain.services.inventory import calculate_inventory, get_run_lines
from greenchain.services.orgs import add_organisation
from tests.factories import activity, write_csv

#: DEFRA 2025 flat file, "Fuels / Gaseous fuels / Natural gas", kWh (Gross CV), kg CO2e
#: (row 1_100_1004_6_1).
GAS_KG_PER_KWH = 0.18296


def _calculate(ctx: Context, tmp_path: Path, rows: list[dict[str, object]]):
    add_organisation(ctx, "acme")
    write_csv(tmp_path / "a.csv", "activity", rows)
    import_records(ctx, "acme", "activity", tmp_path / "a.csv")
    return calculate_inventory(ctx, "acme", 2024)


def test_scope_1_under_a_regulated_ets_is_stored_with_the_run_and_disclosed_as_a_share(
    ctx: Context, tmp_path: Path
):
    report = _calculate(
        ctx,
        tmp_path,
        [
            activity("N1", activity="natural_gas", amount="10000", regulated_ets="yes"),
            activity("N2", activity="natural_gas", amount="30000", regulated_ets="no"),
            activity("E1", amount="5000", regulated_ets="1"),  # Scope 2: not in the share
        ],
    )
    assert report.scope_1_regulated_ets_t == pytest.approx(10000 * GAS_KG_PER_KWH / 1000)
    assert report.by_scope["1"] == pytest.approx(40000 * GAS_KG_PER_KWH / 1000)
    assert report.scope_1_regulated_ets_share == pytest.approx(0.25)
    rows = get_run_lines(ctx, "acme", report.run_id).to_pylist()
    lines = {(r["source_id"], r["scope"]): r for r in rows}
    assert lines[("N1", "1")]["regulated_ets"] is True
    assert lines[("N2", "1")]["regulated_ets"] is False
    e16 = disclosure.esrs_e1(ctx, "acme", 2024)["E1-6"]
    assert e16["scope_1_regulated_ets_share"] == pytest.approx(0.25)
    assert e16["scope_1_regulated_ets_t"] == pytest.approx(1.8296)
    assert (
        "scope_1_regulated_ets_share" not in disclosure.esrs_e1(ctx, "acme", 2024)["not_reported"]
    )


def test_the_ets_flag_is_read_under_its_short_heading_and_no_scope_1_gives_no_share(
    ctx: Context, tmp_path: Path
):
    (tmp_path / "a.csv").write_text(
        "activity_id,date,activity,amount,unit,country,ets\n"
        "E1,2024-03-31,electricity,1000,kWh,GB,true\n",
        encoding="utf-8",
    )
    add_organisation(ctx, "acme")
    import_records(ctx, "acme", "activity", tmp_path / "a.csv")
    report = calculate_inventory(ctx, "acme", 2024)
    lines = get_run_lines(ctx, "acme", report.run_id).to_pylist()
    line = next(r for r in lines if r["source_id"] == "E1" and r["scope"] == "2_location")
    assert line["regulated_ets"] is True
    assert report.scope_1_regulated_ets_t == 0
    assert report.scope_1_regulated_ets_share is None  # no Scope 1 at all


def test_a_bad_ets_value_is_refused_naming_file_row_and_field(ctx: Context, tmp_path: Path):
    add_organisation(ctx, "acme")
    write_csv(
        tmp_path / "sites.csv",
        "activity",
        [activity("N1", activity="natural_gas"), activity("N2", regulated_ets="maybe")],
    )
    with pytest.raises(FileRejectedError) as caught:
        import_records(ctx, "acme", "activity", tmp_path / "sites.csv")
    message = caught.value.message
    assert "sites.csv" in message
    assert "row 3, field 'regulated_ets'" in message
    assert "maybe" in message
