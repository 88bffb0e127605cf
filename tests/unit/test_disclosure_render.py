"""Disclosure documents read as words and numbers for people: datapoint keys become labels with
their unit, shares are percent, tonnes have thousands separators, years stay plain."""

from __future__ import annotations

import pytest

from greenchain.adapters.disclosure_render import blocks, cell, label, numeric_columns


@pytest.mark.parametrize(
    ("key", "words"),
    [
        ("gross_scope_1_t", "Gross scope 1 (t CO2e)"),
        ("scope_1_regulated_ets_share", "Scope 1 regulated ETS (share)"),
        ("biogenic_co2_t", "Biogenic CO2 (t CO2)"),
        ("fossil_energy_by_group_mwh.natural_gas", "Fossil energy by group (MWh): natural gas"),
        (
            "intensity_market_t_per_million_revenue",
            "Intensity, market-based (t CO2e per million of revenue)",
        ),
        (
            "scope_3_category_4_t (Upstream transport)",
            "Scope 3 category 4: Upstream transport (t CO2e)",
        ),
        ("Scope 1 (t CO2e)", "Scope 1 (t CO2e)"),
    ],
)
def test_a_datapoint_key_reads_as_words_with_its_unit(key, words):
    assert label(key) == words


def test_values_are_formatted_by_kind():
    assert cell(0.2431, "Share from value-chain partners") == "24.3 %"
    assert cell(126287.71) == "126,287.7"
    assert cell(2_050_000_000.0) == "2,050,000,000"
    assert cell(0.4891) == "0.489"
    assert cell(2025) == "2025"
    assert cell(None) == "–"
    assert cell(True) == "yes"


def test_a_small_intensity_reads_in_plain_notation_not_scientific():
    assert cell(1.59e-05, "Intensity figure (t CO2e per unit total revenue)") == "0.0000159"
    assert cell(-0.00123) == "-0.00123"


def test_serial_numbers_have_no_thousands_separators():
    assert cell(40001, "serial_start") == "40001"
    assert cell(40001, "Credits cancelled (t CO2e)") == "40,001"


def test_a_row_whose_unit_is_share_shows_its_figures_in_percent():
    row = ["RE 60 %", "Renewable electricity", "Scope 2 (market-based)", "share", 2020, 0.135]
    assert cell(0.135, "Base-year value", row[0], row) == "13.5 %"
    tonnes = ["Scope 1 -42 %", "Absolute", "Scope 1", "t CO2e", 2020, 8371.6]
    assert cell(8371.6, "Base-year value", tonnes[0], tonnes) == "8,371.6"


def test_the_esrs_e1_4_table_names_kinds_and_scopes_in_words():
    from greenchain.services.disclosure import esrs_e1_sheets

    target = {
        "name": "RE 60 %",
        "kind": "renewable_electricity",
        "scopes": ["2_market"],
        "base_year": 2020,
        "target_year": 2030,
        "reduction": None,
        "base_value": 0.135,
        "target_value": 0.6,
        "actual_value": 0.257,
        "on_track": True,
    }
    doc = {
        "org": "acme",
        "year": 2025,
        "run_id": 1,
        "ledger_entry": 2,
        "E1-6": {"gwp": "AR5", "scope_3_by_category_t": {}, "base_year": None}
        | dict.fromkeys(
            ["gross_scope_1_t", "scope_1_regulated_ets_t", "scope_1_regulated_ets_share",
             "gross_scope_2_location_t", "gross_scope_2_market_t", "gross_scope_3_t",
             "total_location_t", "total_market_t", "intensity_location_t_per_million_revenue",
             "intensity_market_t_per_million_revenue", "revenue_million", "revenue_currency",
             "biogenic_co2_t"]
        ),
        "E1-5": {},
        "E1-4": {"targets": [target]},
        "E1-7": {"credits": []},
        "not_reported": {},
        "category_names": {},
    }  # fmt: skip
    sheets = dict(esrs_e1_sheets(doc))
    header, row = sheets["E1-4 Targets"]
    assert header[:4] == ["Target", "Kind", "Scopes", "Unit"]
    assert row[1:4] == ["Renewable electricity", "Scope 2 (market-based)", "share"]
    assert cell(row[7], header[7], row[0], row) == "13.5 %"


def test_a_sheet_splits_into_tables_at_empty_rows_and_numeric_columns_align_right():
    rows = [["a", "b"], ["x", 1.0], [], ["h1", "h2"], ["y", None], ["z", 2.0]]
    tables = blocks(rows)
    assert [t[0] for t in tables] == [["a", "b"], ["h1", "h2"]]
    assert numeric_columns(tables[1]) == {1}
    assert numeric_columns([["h", "v"], ["x", "text"], ["y", 1.0]]) == set()
