"""ESRS E1 datapoints come from a stored run, name it and its ledger entry, and add up: the
totals are the scopes' sums, the intensity is the total over revenue in millions, the base
year stands beside the reporting year, and an older run can be disclosed as it was."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from greenchain.adapters.exports import xlsx_bytes
from greenchain.services import disclosure
from greenchain.services import targets as target_service
from greenchain.services.context import Context
from greenchain.services.imports import import_records
from greenchain.services.inventory import calculate_inventory
from greenchain.services.orgs import add_organisation
from tests.factories import activity, purchase, supplier, write_csv


@pytest.fixture
def disclosed(ctx: Context, tmp_path: Path) -> Context:
    add_organisation(ctx, "acme")
    write_csv(tmp_path / "s.csv", "suppliers", [supplier("S1")])
    import_records(ctx, "acme", "suppliers", tmp_path / "s.csv")
    for year in (2023, 2024):
        write_csv(
            tmp_path / f"p{year}.csv",
            "purchases",
            [purchase(f"L{year}", date=f"{year}-05-01", amount=100_000 * (year - 2021))],
        )
        import_records(ctx, "acme", "purchases", tmp_path / f"p{year}.csv")
        write_csv(
            tmp_path / f"a{year}.csv",
            "activity",
            [activity(f"A{year}", date=f"{year}-02-01")],
        )
        import_records(ctx, "acme", "activity", tmp_path / f"a{year}.csv")
        calculate_inventory(ctx, "acme", year)
    assert ctx.targets is not None
    for year, revenue in ((2023, 40e6), (2024, 50e6)):
        target_service.add_history_revenue(ctx, ctx.targets, "acme", year, revenue, "USD")
    target_service.add_target(
        ctx,
        ctx.targets,
        "acme",
        name="S3 -25 %",
        kind="absolute",
        scopes=["3"],
        base_year=2023,
        target_year=2030,
        reduction=0.25,
    )
    return ctx


def test_the_e1_6_datapoints_add_up_and_name_their_run_and_entry(disclosed: Context):
    doc = disclosure.esrs_e1(disclosed, "acme", 2024)
    e16 = doc["E1-6"]
    assert doc["run_id"] == 2
    entry = json.loads(disclosed.ledger.entry(doc["ledger_entry"])["entry"])  # type: ignore[union-attr]
    assert entry["kind"] == "calculation_run"
    assert entry["payload"]["run_id"] == 2
    assert e16["total_market_t"] == pytest.approx(
        e16["gross_scope_1_t"] + e16["gross_scope_2_market_t"] + e16["gross_scope_3_t"]
    )
    assert e16["total_location_t"] == pytest.approx(
        e16["gross_scope_1_t"] + e16["gross_scope_2_location_t"] + e16["gross_scope_3_t"]
    )
    assert sum(e16["scope_3_by_category_t"].values()) == pytest.approx(e16["gross_scope_3_t"])
    assert set(e16["scope_3_by_category_t"]) == {str(c) for c in range(1, 16)}
    assert e16["revenue_million"] == 50.0
    assert e16["revenue_currency"] == "USD"
    assert e16["intensity_market_t_per_million_revenue"] == pytest.approx(
        e16["total_market_t"] / 50.0
    )
    assert e16["base_year"]["year"] == 2023
    assert e16["base_year"]["revenue_million"] == 40.0
    assert e16["base_year"]["gross_scope_3_t"] < e16["gross_scope_3_t"]
    assert doc["E1-4"]["targets"][0]["base_year"] == 2023
    assert "scope_1_regulated_ets_share" not in doc["not_reported"]


def test_a_target_with_a_base_year_before_any_data_does_not_blank_the_base_year_column(
    disclosed: Context,
):
    assert disclosed.targets is not None
    target_service.add_target(
        disclosed,
        disclosed.targets,
        "acme",
        name="Early base",
        kind="absolute",
        scopes=["1"],
        base_year=2019,
        target_year=2030,
        reduction=0.5,
    )
    doc = disclosure.esrs_e1(disclosed, "acme", 2024)
    assert doc["E1-6"]["base_year"]["year"] == 2023
    assert doc["E1-6"]["base_year"]["revenue_million"] == 40.0
    assert {t["base_year"] for t in doc["E1-4"]["targets"]} == {2019, 2023}


def test_an_older_run_is_disclosed_as_it_was(disclosed: Context, tmp_path: Path):
    before = disclosure.esrs_e1(disclosed, "acme", 2024)
    write_csv(
        tmp_path / "more.csv", "purchases", [purchase("L9", date="2024-07-01", amount=90_000)]
    )
    import_records(disclosed, "acme", "purchases", tmp_path / "more.csv")
    calculate_inventory(disclosed, "acme", 2024)
    latest = disclosure.esrs_e1(disclosed, "acme", 2024)
    again = disclosure.esrs_e1(disclosed, "acme", 2024, before["run_id"])
    assert latest["run_id"] != before["run_id"]
    assert latest["E1-6"]["gross_scope_3_t"] > before["E1-6"]["gross_scope_3_t"]
    assert again["E1-6"] == before["E1-6"]


def test_the_workbook_has_one_sheet_per_disclosure_requirement(disclosed: Context):
    doc = disclosure.esrs_e1(disclosed, "acme", 2024)
    book = load_workbook(io.BytesIO(xlsx_bytes(disclosure.esrs_e1_sheets(doc))))
    assert book.sheetnames == [
        "E1-6 GHG emissions",
        "E1-5 Energy",
        "E1-4 Targets",
        "E1-7 Credits",
        "Not reported",
    ]
    rows = {r[0]: r for r in book["E1-6 GHG emissions"].iter_rows(values_only=True) if r}
    assert rows["Calculation run"][1] == doc["run_id"]
    assert rows["gross_scope_3_t"][2] == pytest.approx(doc["E1-6"]["gross_scope_3_t"])
    assert rows["gross_scope_3_t"][1] == "51"


def test_take_back_of_sold_products_is_disclosed_as_e5_5_from_the_run(
    disclosed: Context, tmp_path: Path
):
    assert disclosure.esrs_e1(disclosed, "acme", 2024)["E5-5"] is None  # no take-back yet
    rows = [{"record_id": "T1", "year": "2024", "product_line": "modules",
             "tonnes_returned": "40", "share_reused": "0.25", "share_recycled": "0.6"}]  # fmt: skip
    write_csv(tmp_path / "tb.csv", "take-back", rows)
    import_records(disclosed, "acme", "take-back", tmp_path / "tb.csv")
    report = calculate_inventory(disclosed, "acme", 2024)
    doc = disclosure.esrs_e1(disclosed, "acme", 2024)
    e55 = doc["E5-5"]
    # 40 t back: 25 % reused; of the other 30 t, 24 t (60 % of 40) recycled = 80 %
    assert e55["products_taken_back_t"] == 40
    assert e55["share_reused_or_refurbished"] == pytest.approx(0.25)
    assert e55["share_recycled_of_the_rest"] == pytest.approx(24 / 30)
    assert doc["run_id"] == report.run_id
    assert doc["E1-6"]["gross_scope_3_t"] == report.by_scope["3"]  # nothing netted
    book = load_workbook(io.BytesIO(xlsx_bytes(disclosure.esrs_e1_sheets(doc))))
    assert "E5-5 Outflows" in book.sheetnames
