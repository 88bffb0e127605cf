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


def test_a_sheet_splits_into_tables_at_empty_rows_and_numeric_columns_align_right():
    rows = [["a", "b"], ["x", 1.0], [], ["h1", "h2"], ["y", None], ["z", 2.0]]
    tables = blocks(rows)
    assert [t[0] for t in tables] == [["a", "b"], ["h1", "h2"]]
    assert numeric_columns(tables[1]) == {1}
    assert numeric_columns([["h", "v"], ["x", "text"], ["y", 1.0]]) == set()
