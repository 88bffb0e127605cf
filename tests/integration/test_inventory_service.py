"""The accounting core end to end through the services, on SQLite and on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from greenchain.domain.errors import FileRejectedError, NotFoundError
from greenchain.domain.ghg import GwpSet, gwp
from greenchain.services.context import Context
from greenchain.services.imports import import_records
from greenchain.services.inventory import (
    calculate_inventory,
    get_hotspots,
    get_inventory_report,
    get_run_lines,
)
from greenchain.services.orgs import add_organisation
from tests.factories import activity, purchase, supplier, supplier_report, write_csv

EPA_331110_WITH_MARGINS = 0.787  # kg CO2e / 2022 USD (EPA v1.3 CO2e file, data README)


def _setup(ctx: Context, tmp_path: Path, org: str = "acme", lines=None, suppliers=None) -> None:
    add_organisation(ctx, org)
    write_csv(tmp_path / "suppliers.csv", "suppliers", suppliers or [supplier("S1")])
    import_records(ctx, org, "suppliers", tmp_path / "suppliers.csv")
    write_csv(
        tmp_path / "purchases.csv",
        "purchases",
        lines or [purchase("L1", date="2022-05-01", amount="1000")],
    )
    import_records(ctx, org, "purchases", tmp_path / "purchases.csv")


def test_spend_based_line_matches_the_epa_factor_with_margins(ctx: Context, tmp_path: Path):
    _setup(ctx, tmp_path)
    report = calculate_inventory(ctx, "acme", 2022)
    # 1,000 USD of 2022 (no FX, no deflation) x 0.787 (EPA v1.3 CO2e file, NAICS 331110)
    assert report.total_t_co2e == pytest.approx(1000 * EPA_331110_WITH_MARGINS / 1000, abs=1e-6)
    assert report.by_scope["3"] == report.total_t_co2e
    assert report.by_category["1"] == report.total_t_co2e
    assert report.by_method["spend_based"] == report.total_t_co2e
    assert report.by_gas["CO2"] > 0.9 * report.total_t_co2e
    # each gas rounded to the gram: eight of them within 4 g of the total
    assert sum(report.by_gas.values()) == pytest.approx(report.total_t_co2e, abs=4e-6)
    assert report.primary_data_share == 0.0
    assert report.lines == 1
    assert report.by_supplier[0].supplier_id == "S1"


def test_spend_in_another_year_and_currency_is_converted_and_deflated(ctx: Context, tmp_path: Path):
    _setup(ctx, tmp_path, lines=[purchase("L1", date="2024-02-01", amount="1000", currency="EUR")])
    report = calculate_inventory(ctx, "acme", 2024)
    usd_2022 = 1000 * ctx.conversions.usd_per_unit("EUR", 2024) * 292.655 / 313.689
    assert ctx.conversions.usd_per_unit("EUR", 2024) == pytest.approx(1.0820, abs=5e-5)
    assert report.total_t_co2e == pytest.approx(usd_2022 * 0.787 / 1000, rel=0.007)


def test_ar6_recomputes_from_the_gas_breakdown(ctx: Context, tmp_path: Path):
    _setup(ctx, tmp_path)
    ar5 = calculate_inventory(ctx, "acme", 2022, GwpSet.AR5)
    ar6 = calculate_inventory(ctx, "acme", 2022, GwpSet.AR6)
    _, factors = ctx.workspace.get_factor_set("epa-supply-chain-v1.3")
    steel = next(f for f in factors if f.factor_id == "331110")
    by_gas = {
        s: sum(m * gwp(s2, s) for s2, m in steel.gases_kg_per_unit.items())
        for s in (GwpSet.AR5, GwpSet.AR6)
    }
    # AR5: the published CO2e with margins (0.787); AR6: re-weighted by the by-gas split
    assert ar5.total_t_co2e == pytest.approx(EPA_331110_WITH_MARGINS, abs=1e-6)
    expected_ar6 = EPA_331110_WITH_MARGINS * by_gas[GwpSet.AR6] / by_gas[GwpSet.AR5]
    assert ar6.total_t_co2e == pytest.approx(expected_ar6, abs=1e-6)
    assert ar6.total_t_co2e != ar5.total_t_co2e
    assert ar6.by_gas["CO2"] == pytest.approx(ar5.by_gas["CO2"])
    assert ar6.by_gas["CH4"] == pytest.approx(ar5.by_gas["CH4"] * 27.9 / 28.0, abs=1e-6)
    assert ar6.restatements[0].reason == "GWP set changed from AR5 to AR6"


def test_supplier_data_replaces_the_spend_estimate_and_the_run_records_it(
    ctx: Context, tmp_path: Path
):
    _setup(ctx, tmp_path, lines=[purchase("L1", date="2024-03-01", amount="10000")])
    first = calculate_inventory(ctx, "acme", 2024)
    assert first.by_supplier[0].method == "spend_based"
    write_csv(tmp_path / "sd.csv", "supplier-data", [supplier_report("S1", year="2024")])
    import_records(ctx, "acme", "supplier-data", tmp_path / "sd.csv")
    second = calculate_inventory(ctx, "acme", 2024)
    # 10,000 / 1,000,000 x (100 + 50 + 50) t = 2 t
    assert second.total_t_co2e == pytest.approx(2.0)
    assert second.by_method["supplier_specific"] == pytest.approx(2.0)
    assert second.primary_data_share == pytest.approx(1.0)
    assert second.previous_run_id == first.run_id
    (restatement,) = second.restatements
    assert restatement.supplier_id == "S1"
    assert (restatement.previous_method, restatement.new_method) == (
        "spend_based",
        "supplier_specific",
    )
    assert restatement.previous_t_co2e == pytest.approx(first.total_t_co2e)
    assert "replaced the spend-based estimate" in restatement.reason
    # the earlier run is unchanged
    assert get_inventory_report(ctx, "acme", 2024, first.run_id) == first


def test_supplier_data_older_than_the_allowed_age_or_of_a_later_year_does_not_apply(
    ctx: Context, tmp_path: Path
):
    _setup(ctx, tmp_path, lines=[purchase("L1", date="2024-03-01", amount="10000")])
    rows = [supplier_report("S1", year="2021"), supplier_report("S1", year="2025")]
    write_csv(tmp_path / "sd.csv", "supplier-data", rows)
    import_records(ctx, "acme", "supplier-data", tmp_path / "sd.csv")
    report = calculate_inventory(ctx, "acme", 2024)  # 2021 is three years before: default 2
    assert report.by_supplier[0].method == "spend_based"


def test_the_latest_supplier_data_of_up_to_two_years_before_applies_with_a_temporal_penalty(
    ctx: Context, tmp_path: Path
):
    _setup(ctx, tmp_path, lines=[purchase("L1", date="2024-03-01", amount="10000")])
    rows = [
        supplier_report("S1", year="2022", scope1_t="400"),
        supplier_report("S1", year="2023", scope1_t="100"),
    ]
    write_csv(tmp_path / "sd.csv", "supplier-data", rows)
    import_records(ctx, "acme", "supplier-data", tmp_path / "sd.csv")
    report = calculate_inventory(ctx, "acme", 2024)
    # the 2023 report: 10,000 / 1,000,000 USD x (100 + 50 + 50) t = 2 t
    assert report.by_supplier[0].method == "supplier_specific"
    assert report.total_t_co2e == pytest.approx(2.0)
    (line,) = get_run_lines(ctx, "acme", report.run_id).to_pylist()
    assert line["dq_temporal"] == 2  # Scope 3 Standard table 7.6: less than 3 years apart
    assert "supplier data of 2023 (1 year(s) before the reporting year" in line["note"]


def test_the_supplier_data_age_is_a_setting(ctx: Context, tmp_path: Path):
    from dataclasses import replace

    _setup(ctx, tmp_path, lines=[purchase("L1", date="2024-03-01", amount="10000")])
    write_csv(tmp_path / "sd.csv", "supplier-data", [supplier_report("S1", year="2023")])
    import_records(ctx, "acme", "supplier-data", tmp_path / "sd.csv")
    strict = replace(ctx, settings_supplier_data_max_age_years=0)
    assert calculate_inventory(strict, "acme", 2024).by_supplier[0].method == "spend_based"


def test_electricity_gives_location_and_market_based_scope2(ctx: Context, tmp_path: Path):
    _setup(ctx, tmp_path)
    write_csv(tmp_path / "act.csv", "activity", [activity("A1", date="2022-01-31")])
    import_records(ctx, "acme", "activity", tmp_path / "act.csv")
    report = calculate_inventory(ctx, "acme", 2022)
    # DEFRA 2025 UK grid electricity 0.17700 kg CO2e/kWh x 1,000 kWh = 0.177 t
    assert report.by_scope["2_location"] == pytest.approx(0.177, rel=1e-3)
    assert report.by_scope["2_market"] == pytest.approx(0.177, rel=1e-3)
    # plus its category 3 lines (DEFRA 2025 UK WTT generation 0.0459, T&D 0.01853, WTT T&D
    # 0.00397 kg/kWh): 1,000 kWh x 0.0684 = 0.0684 t, average-data like the Scope 2 line
    assert report.by_category["3"] == pytest.approx(0.0684, rel=1e-3)
    assert report.by_method["average_data"] == pytest.approx(0.177 + 0.0684, rel=1e-3)


def test_certificates_cover_market_based_scope2_pro_rata_to_their_period(
    ctx: Context, tmp_path: Path
):
    _setup(ctx, tmp_path)
    write_csv(
        tmp_path / "act.csv",
        "activity",
        [activity("A1", date="2022-01-31", amount="2000"), activity("A2", date="2022-06-30")],
    )
    import_records(ctx, "acme", "activity", tmp_path / "act.csv")
    certificate = {
        "instrument_id": "GO-1",
        "instrument": "go",
        "mwh": "2",
        "period_start": "2021-01-01",  # 730 days, half of them in 2022: 1 MWh counts
        "period_end": "2022-12-31",
        "country": "gb",
        "registry": "AIB",
    }
    write_csv(tmp_path / "eac.csv", "energy-attributes", [certificate])
    import_records(ctx, "acme", "energy-attributes", tmp_path / "eac.csv")
    report = calculate_inventory(ctx, "acme", 2022)
    # 3 MWh at 0.177 t/MWh location-based; 1 of 3 MWh covered: market-based 2/3 of it
    assert report.by_scope["2_location"] == pytest.approx(0.531, rel=1e-3)
    assert report.by_scope["2_market"] == pytest.approx(0.354, rel=1e-3)
    assert report.electricity_mwh == pytest.approx(3.0)
    assert report.renewable_electricity_share == pytest.approx(1 / 3, rel=1e-3)
    assert report.total_t_co2e == pytest.approx(report.by_scope["3"] + 0.354, rel=1e-3)


def test_electricity_that_is_not_calculated_still_counts_in_the_renewable_share(
    ctx: Context, tmp_path: Path
):
    add_organisation(ctx, "acme")
    rows = [
        activity("A1", amount="1000", unit="MWh", country="GB"),
        activity("A2", amount="1.2", unit="GWh", country="AQ"),  # no grid factor: rejected
    ]
    _import_activities(ctx, tmp_path, rows)
    certificate = {
        "instrument_id": "GO-1",
        "instrument": "go",
        "mwh": "1000",
        "period_start": "2024-01-01",
        "period_end": "2024-12-31",
        "country": "GB",
    }
    write_csv(tmp_path / "eac.csv", "energy-attributes", [certificate])
    import_records(ctx, "acme", "energy-attributes", tmp_path / "eac.csv")
    report = calculate_inventory(ctx, "acme", 2024)
    assert report.rejected_lines == 1
    # 1,000 MWh certified of 1,000 + 1,200 MWh consumed
    assert report.electricity_mwh == pytest.approx(2200.0)
    assert report.renewable_electricity_share == pytest.approx(1000 / 2200, abs=1e-6)


def test_certificates_of_another_market_or_year_do_not_count(ctx: Context, tmp_path: Path):
    _setup(ctx, tmp_path)
    write_csv(tmp_path / "act.csv", "activity", [activity("A1", date="2022-01-31")])
    import_records(ctx, "acme", "activity", tmp_path / "act.csv")
    rows = [
        {
            "instrument_id": "R1",
            "instrument": "REC",
            "mwh": "5",
            "period_start": "2022-01-01",
            "period_end": "2022-12-31",
            "country": "US",
        },
        {
            "instrument_id": "G1",
            "instrument": "GO",
            "mwh": "5",
            "period_start": "2021-01-01",
            "period_end": "2021-12-31",
            "country": "GB",
        },
    ]
    write_csv(tmp_path / "eac.csv", "energy-attributes", rows)
    import_records(ctx, "acme", "energy-attributes", tmp_path / "eac.csv")
    report = calculate_inventory(ctx, "acme", 2022)
    assert report.by_scope["2_market"] == pytest.approx(report.by_scope["2_location"])
    assert report.renewable_electricity_share == 0.0


def test_an_unknown_instrument_kind_is_rejected_naming_the_field(ctx: Context, tmp_path: Path):
    _setup(ctx, tmp_path)
    row = {
        "instrument_id": "X",
        "instrument": "TIGR",
        "mwh": "1",
        "period_start": "2022-01-01",
        "period_end": "2022-12-31",
        "country": "GB",
    }
    write_csv(tmp_path / "eac.csv", "energy-attributes", [row])
    with pytest.raises(FileRejectedError) as caught:
        import_records(ctx, "acme", "energy-attributes", tmp_path / "eac.csv")
    assert "field 'instrument'" in str(caught.value)


def test_a_bad_row_rejects_the_whole_file_and_writes_nothing(ctx: Context, tmp_path: Path):
    _setup(ctx, tmp_path)
    bad = write_csv(
        tmp_path / "bad.csv",
        "purchases",
        [
            purchase("L2", date="2022-01-01"),
            purchase("L3", amount="12,5x"),
        ],
    )
    with pytest.raises(FileRejectedError) as caught:
        import_records(ctx, "acme", "purchases", bad)
    assert "bad.csv: row 3, field 'amount': not a number" in str(caught.value)
    org = ctx.workspace.get_org("acme")
    assert ctx.workspace.count_rows(org.id, "purchase_lines") == 1


@pytest.mark.parametrize(
    ("overrides", "field", "reason"),
    [
        ({"date": "31/12/2022"}, "date", "not a date"),
        ({"currency": "XYZ"}, "currency", "unknown currency"),
        ({"naics_code": "999999"}, "naics_code", "unknown NAICS code"),
        ({"supplier_id": "NOPE"}, "supplier_id", "unknown supplier"),
        ({"amount": "0"}, "amount", "must not be 0 (a credit note is a negative amount)"),
    ],
)
def test_each_kind_of_bad_value_is_named(ctx, tmp_path, overrides, field, reason):
    _setup(ctx, tmp_path)
    bad = write_csv(tmp_path / "bad.csv", "purchases", [purchase("L9", **overrides)])
    with pytest.raises(FileRejectedError) as caught:
        import_records(ctx, "acme", "purchases", bad)
    assert f"bad.csv: row 2, field '{field}': {reason}" in str(caught.value)


def test_negative_revenue_and_duplicate_ids_are_rejected(ctx: Context, tmp_path: Path):
    _setup(ctx, tmp_path)
    sd = write_csv(tmp_path / "sd.csv", "supplier-data", [supplier_report("S1", revenue="-1")])
    with pytest.raises(FileRejectedError, match="field 'revenue': must be greater than 0"):
        import_records(ctx, "acme", "supplier-data", sd)
    dup = write_csv(tmp_path / "dup.csv", "purchases", [purchase("L5"), purchase("L5")])
    with pytest.raises(FileRejectedError, match=r"row 3, field 'line_id': duplicate line_id"):
        import_records(ctx, "acme", "purchases", dup)


def test_skip_invalid_imports_good_rows_and_writes_the_rejected_rows(ctx, tmp_path):
    _setup(ctx, tmp_path)
    mixed = write_csv(
        tmp_path / "mixed.csv",
        "purchases",
        [purchase("L2", date="2022-01-01"), purchase("L3", date="2022-13-01")],
    )
    summary = import_records(ctx, "acme", "purchases", mixed, skip_invalid=True)
    assert (summary.inserted, summary.rejected) == (1, 1)
    assert summary.rejected_report is not None
    text = summary.rejected_report.read_text()
    assert "L3" in text
    assert "not a date" in text
    assert "L2" not in text


def test_reimporting_the_same_file_does_not_double_count(ctx: Context, tmp_path: Path):
    _setup(ctx, tmp_path)
    again = import_records(ctx, "acme", "purchases", tmp_path / "purchases.csv")
    assert again.already_imported
    assert (again.inserted, again.updated) == (0, 1)
    report = calculate_inventory(ctx, "acme", 2022)
    assert report.lines == 1


def test_xlsx_files_import_like_csv(ctx: Context, tmp_path: Path):
    from openpyxl import Workbook

    _setup(ctx, tmp_path)
    book = Workbook()
    sheet = book.active
    sheet.append(["line_id", "supplier_id", "date", "amount", "currency", "naics_code"])
    sheet.append(["X1", "S1", "2022-07-01", 500, "usd", "331110"])
    book.save(tmp_path / "p.xlsx")
    summary = import_records(ctx, "acme", "purchases", tmp_path / "p.xlsx")
    assert summary.inserted == 1
    assert calculate_inventory(ctx, "acme", 2022).lines == 2


def test_an_organisation_never_sees_another_organisations_runs(ctx, tmp_path):
    _setup(ctx, tmp_path, org="acme")
    report = calculate_inventory(ctx, "acme", 2022)
    add_organisation(ctx, "other")
    with pytest.raises(NotFoundError):
        get_inventory_report(ctx, "other", 2022)
    with pytest.raises(NotFoundError):
        get_inventory_report(ctx, "other", 2022, report.run_id)
    write_csv(tmp_path / "o.csv", "purchases", [purchase("L1", "S1")])
    with pytest.raises(FileRejectedError, match="unknown supplier"):
        import_records(ctx, "other", "purchases", tmp_path / "o.csv")


def test_hotspots_cover_the_requested_share(ctx: Context, tmp_path: Path):
    _setup(
        ctx,
        tmp_path,
        suppliers=[supplier(f"S{i}") for i in range(1, 5)],
        lines=[
            purchase(f"L{i}", f"S{i}", date="2022-03-01", amount=str(amount))
            for i, amount in enumerate((5000, 3000, 1500, 500), start=1)
        ],
    )
    calculate_inventory(ctx, "acme", 2022)
    hot = get_hotspots(ctx, "acme", 2022, 0.67)
    assert [r.key for r in hot.engagement_set] == ["S1", "S2"]
    assert hot.suppliers[-1].cumulative_share == pytest.approx(1.0)


def test_headers_are_matched_whatever_their_case_spacing_or_byte_order_mark(
    ctx: Context, tmp_path: Path
):
    _setup(ctx, tmp_path)
    messy = tmp_path / "messy.csv"
    messy.write_bytes(
        b"\xef\xbb\xbfLine_ID, Supplier_ID ,DATE,amount,currency,naics_code,extra\n"
        b"M1,S1,2022-08-01,250,usd,331110,ignored\n"
    )
    summary = import_records(ctx, "acme", "purchases", messy)
    assert summary.inserted == 1
    assert calculate_inventory(ctx, "acme", 2022).lines == 2


def test_a_file_with_only_a_header_imports_nothing_and_says_so(ctx: Context, tmp_path: Path):
    _setup(ctx, tmp_path)
    empty = tmp_path / "empty.csv"
    empty.write_text("line_id,supplier_id,date,amount,currency,naics_code\n", encoding="utf-8")
    summary = import_records(ctx, "acme", "purchases", empty)
    assert (summary.total_rows, summary.inserted) == (0, 0)


def _import_activities(ctx: Context, tmp_path: Path, rows: list[dict[str, object]]) -> None:
    write_csv(tmp_path / "activity.csv", "activity", rows)
    import_records(ctx, "acme", "activity", tmp_path / "activity.csv")


def test_a_factor_named_directly_reports_under_its_own_scope_and_category(
    ctx: Context, tmp_path: Path
):
    add_organisation(ctx, "acme")
    _import_activities(
        ctx,
        tmp_path,
        [
            # DEFRA 2025 flat file, 1_100_1007_8_1: Fuels / Gaseous fuels / Propane, litres,
            # 1.54358 kg CO2e (Scope 1)
            activity("A1", activity="defra-2025:1_100_1007_8", amount="100", unit="litres"),
            # 11_100_1007_8_1: WTT- fuels / Propane, litres, 0.18170 kg CO2e (Scope 3, cat. 3)
            activity("A2", activity="defra-2025:11_100_1007_8", amount="100", unit="litres"),
            # 20_507_5311_15_1: Waste disposal / Commercial and industrial waste, incineration
            # with energy recovery, 4.68568 kg CO2e per tonne (Scope 3, cat. 5)
            activity("A3", activity="defra-2025:20_507_5311_15", amount="2", unit="tonnes"),
        ],
    )
    report = calculate_inventory(ctx, "acme", 2024)
    assert report.lines == 3
    assert report.by_scope["1"] == pytest.approx(100 * 1.54358 / 1000, abs=2e-6)
    assert report.by_category["3"] == pytest.approx(100 * 0.18170 / 1000, abs=2e-6)
    assert report.by_category["5"] == pytest.approx(2 * 4.68568 / 1000, abs=2e-6)
    assert report.total_t_co2e == pytest.approx((154.358 + 18.170 + 9.37136) / 1000, abs=1e-5)


def test_a_suppliers_spend_is_the_amount_whatever_the_method(ctx: Context, tmp_path: Path):
    lines = [
        purchase("L1", amount="1000", quantity="5000", unit="kg", product_id="P1"),
        purchase("L2", amount="2000"),
    ]
    _setup(ctx, tmp_path, lines=lines)
    footprint = {
        "product_id": "P1",
        "supplier_id": "S1",
        "declared_unit": "kg",
        "kg_co2e_per_unit": "2.0",
        "reference_year": "2024",
    }
    write_csv(tmp_path / "pf.csv", "product-footprints", [footprint])
    import_records(ctx, "acme", "product-footprints", tmp_path / "pf.csv")
    report = calculate_inventory(ctx, "acme", 2024)
    assert report.by_method["product_level"] == pytest.approx(10.0)  # 5,000 kg x 2.0 kg CO2e/kg
    # 1,000 + 2,000 USD; the 5,000 kg of the product-level line are not money
    assert report.by_supplier[0].spend_usd == pytest.approx(3000.0)


def test_a_rejected_line_says_why_in_the_report_and_the_lines(ctx: Context, tmp_path: Path):
    add_organisation(ctx, "acme")
    _import_activities(
        ctx,
        tmp_path,
        [
            activity("A1", amount="1200", unit="MWh", country="AQ"),  # no grid in Antarctica
            activity("A2", amount="1000", unit="kWh", country="GB"),
        ],
    )
    report = calculate_inventory(ctx, "acme", 2024)
    assert report.rejected_lines == 1
    (group,) = report.rejected
    assert (group.lines, group.amount, group.unit, group.examples) == (1, 1200.0, "MWh", ["A1"])
    assert "no grid electricity factor for 'AQ'" in group.reason
    stored = get_inventory_report(ctx, "acme", 2024)
    assert stored.to_dict()["rejected"][0]["reason"] == group.reason
    lines = get_run_lines(ctx, "acme", report.run_id, with_rejected=True).to_pylist()
    why = {r["source_id"]: r["reject_reason"] for r in lines}
    assert why["A1"] == group.reason
    assert why["A2"] is None


def test_a_supplier_without_upstream_scope3_gets_a_hybrid_line_with_the_gap_filled(
    ctx: Context, tmp_path: Path
):
    _setup(ctx, tmp_path, lines=[purchase("L1", date="2022-03-01", amount="10000")])
    report_row = supplier_report("S1", year="2022", scope3_upstream_t="", verified="false")
    write_csv(tmp_path / "sd.csv", "supplier-data", [report_row])
    import_records(ctx, "acme", "supplier-data", tmp_path / "sd.csv")
    report = calculate_inventory(ctx, "acme", 2022)
    # primary: 10,000 / 1,000,000 USD revenue x (100 + 50) t = 1.5 t (scope 1 + 2 market)
    # secondary: 10,000 USD (2022) x 0.787 (EPA v1.3 CO2e file, NAICS 331110, with margins)
    # = 7.87 t cradle-to-gate, less the supplier's own 1.5 t = 6.37 t upstream
    assert report.total_t_co2e == pytest.approx(7.87, abs=1e-6)
    assert report.primary_data_share == pytest.approx(1.5 / 7.87, abs=1e-6)
    (line,) = get_run_lines(ctx, "acme", report.run_id).to_pylist()
    assert line["method"] == "supplier_specific"
    assert line["primary_kg_co2e"] == pytest.approx(1500.0)
    assert line["kg_co2e"] - line["primary_kg_co2e"] == pytest.approx(6370.0)
    assert line["dq_completeness"] == 3
    assert "upstream scope 3 not reported" in line["note"]
    assert line["kg_co2"] > 0.9 * 6370.0 * 0.738 / 0.787  # the fill is split by gas like EEIO


def test_a_supplier_reporting_upstream_scope3_is_all_primary(ctx: Context, tmp_path: Path):
    _setup(ctx, tmp_path, lines=[purchase("L1", date="2022-03-01", amount="10000")])
    write_csv(tmp_path / "sd.csv", "supplier-data", [supplier_report("S1", year="2022")])
    import_records(ctx, "acme", "supplier-data", tmp_path / "sd.csv")
    report = calculate_inventory(ctx, "acme", 2022)
    # 10,000 / 1,000,000 x (100 + 50 + 50) t = 2 t, all of it supplier data
    assert report.total_t_co2e == pytest.approx(2.0)
    assert report.primary_data_share == 1.0
    (line,) = get_run_lines(ctx, "acme", report.run_id).to_pylist()
    assert line["dq_completeness"] == 2


def test_a_pact_footprints_primary_data_share_and_ratings_carry_into_the_line(
    ctx: Context, tmp_path: Path
):
    from greenchain.adapters.db.pact_client import SqlPactConnections
    from greenchain.services.pact_client import product_rows

    _setup(
        ctx,
        tmp_path,
        lines=[purchase("L1", amount="1000", quantity="100", unit="kg", product_id="P1")],
    )
    # PACT v3 data model: primaryDataShare in percent; DQRs from 1 (best) to 3
    footprint = {
        "status": "Active",
        "productIds": ["urn:pact:sample.com:product-id:P1"],
        "pcf": {
            "declaredUnitOfMeasurement": "kilogram",
            "pcfExcludingBiogenicUptake": "2.0",
            "referencePeriodEnd": "2024-01-01T00:00:00Z",
            "primaryDataShare": "56.12",
            "dqi": {
                "technologicalDQR": "2.0",
                "temporalDQR": "2.0",
                "geographicalDQR": "1.0",
                "completenessDQR": "2.0",
                "reliabilityDQR": "3.0",
            },
        },
    }
    rows = product_rows(footprint, "S1", {"P1": None})
    assert rows[0]["primary_data_share"] == pytest.approx(0.5612)
    org_id = ctx.workspace.get_org("acme").id
    SqlPactConnections(ctx.workspace.engine).put_product_footprints(org_id, rows)  # type: ignore[attr-defined]
    report = calculate_inventory(ctx, "acme", 2024)
    # 100 kg x 2.0 kg CO2e/kg = 200 kg, of which 56.12 % primary
    assert report.total_t_co2e == pytest.approx(0.2)
    assert report.primary_data_share == pytest.approx(0.5612)
    (line,) = get_run_lines(ctx, "acme", report.run_id).to_pylist()
    assert line["primary_kg_co2e"] == pytest.approx(200 * 0.5612)
    # DQR 1 -> 1, 2 -> 3, 3 -> 5 on the 1..5 scale
    ratings = [
        line[f"dq_{k}"]
        for k in ("technological", "temporal", "geographical", "completeness", "reliability")
    ]
    assert ratings == [3, 3, 1, 3, 5]
    assert "primary data 56.1 %" in line["note"]


def test_an_activity_row_can_give_its_scope3_category(ctx: Context, tmp_path: Path):
    add_organisation(ctx, "acme")
    rows = [
        # DEFRA 2025 27_304_3140_14_1: Freighting goods / HGV (all diesel) / All HGVs, average
        # laden, 0.10163 kg CO2e per tonne.km; delivered to customers: category 9
        activity(
            "F1", activity="road_freight", amount="1000", unit="tonne.km", scope3_category="9"
        ),
        activity("F2", activity="road_freight", amount="1000", unit="tonne.km"),  # 4
        # 25_301_3074_4_1: Business travel- land / Cars / Average car, unknown fuel, 0.16725
        # kg CO2e per km; employees commuting: category 7
        activity(
            "C1", activity="defra-2025:25_301_3074_4", amount="100", unit="km", scope3_category="7"
        ),
    ]
    _import_activities(ctx, tmp_path, rows)
    report = calculate_inventory(ctx, "acme", 2024)
    assert report.by_category["9"] == pytest.approx(0.10163, abs=2e-6)
    assert report.by_category["4"] == pytest.approx(0.10163, abs=2e-6)
    assert report.by_category["7"] == pytest.approx(0.016725, abs=2e-6)
    assert report.by_category["6"] == 0.0
