"""Inventory reports, restatements between runs and hotspots."""

import pytest

from greenchain.domain.inventory import (
    CATEGORY_KEYS,
    InventoryReport,
    SupplierTotal,
    build_report,
    compare_runs,
    pareto,
)


def _report(**overrides):
    values = dict(
        org="acme",
        year=2024,
        gwp="AR5",
        run_id=1,
        kg_by_scope={"1": 1000.0, "2_location": 3000.0, "2_market": 2000.0, "3": 7000.0},
        kg_by_category={1: 5000.0, 4: 2000.0},
        kg_by_method={"spend_based": 5000.0, "supplier_specific": 2000.0, "average_data": 3000.0},
        kg_by_gas={"CO2": 8000.0, "unspecified": 2000.0},
        suppliers=[
            SupplierTotal("S2", 2.0, "supplier_specific"),
            SupplierTotal("S1", 5.0, "spend_based"),
        ],
        primary_scope3_kg=2000.0,
        data_quality_score=3.5,
        lines=10,
        rejected_lines=1,
    )
    values.update(overrides)
    return build_report(**values)


def test_total_uses_market_based_scope2():
    report = _report()
    assert report.total_t_co2e == pytest.approx(1 + 2 + 7)
    assert report.by_scope == {"1": 1.0, "2_location": 3.0, "2_market": 2.0, "3": 7.0}


def test_report_has_every_category_method_and_gas_key_even_when_zero():
    report = _report()
    assert list(report.by_category) == list(CATEGORY_KEYS)
    assert report.by_category["2"] == 0.0
    assert set(report.by_method) == {
        "product_level",
        "supplier_specific",
        "average_data",
        "spend_based",
    }
    assert {"CO2", "CH4", "N2O", "HFCs", "PFCs", "SF6", "NF3"} <= set(report.by_gas)


def test_primary_data_share_is_the_fraction_of_scope3_from_supplier_data():
    assert _report().primary_data_share == pytest.approx(2 / 7, abs=1e-6)


def test_suppliers_are_ranked_by_emissions():
    assert [s.supplier_id for s in _report().by_supplier] == ["S1", "S2"]


def test_report_round_trips_through_its_dict_form():
    report = _report()
    again = InventoryReport.from_dict(report.to_dict())
    assert again == report


def test_supplier_data_replacing_a_spend_estimate_is_a_restatement_with_its_reason():
    before = [SupplierTotal("S1", 10.0, "spend_based"), SupplierTotal("S2", 4.0, "spend_based")]
    after = [SupplierTotal("S1", 6.5, "supplier_specific"), SupplierTotal("S2", 4.0, "spend_based")]
    (restatement,) = compare_runs(before, after, previous_gwp="AR5", current_gwp="AR5")
    assert restatement.supplier_id == "S1"
    assert restatement.previous_method == "spend_based"
    assert restatement.new_method == "supplier_specific"
    assert restatement.previous_t_co2e == 10.0
    assert restatement.new_t_co2e == 6.5
    assert restatement.reason == "supplier-specific data replaced the spend-based estimate"


def test_withdrawn_supplier_data_is_restated_back_to_the_estimate():
    before = [SupplierTotal("S1", 6.5, "supplier_specific")]
    after = [SupplierTotal("S1", 10.0, "spend_based")]
    (restatement,) = compare_runs(before, after, previous_gwp="AR5", current_gwp="AR5")
    assert "no longer available" in restatement.reason


def test_gwp_change_is_named_as_the_reason():
    before = [SupplierTotal("S1", 10.0, "spend_based")]
    after = [SupplierTotal("S1", 10.4, "spend_based")]
    (restatement,) = compare_runs(before, after, previous_gwp="AR5", current_gwp="AR6")
    assert restatement.reason == "GWP set changed from AR5 to AR6"


def test_unchanged_suppliers_are_not_restated():
    same = [SupplierTotal("S1", 10.0, "spend_based")]
    assert compare_runs(same, same, previous_gwp="AR5", current_gwp="AR5") == []


def test_pareto_marks_the_smallest_set_reaching_the_cutoff():
    rows = pareto([("a", "A", 50.0), ("b", "B", 30.0), ("c", "C", 20.0)], cutoff_share=0.67)
    assert [r.key for r in rows] == ["a", "b", "c"]
    assert [r.in_hotspot for r in rows] == [True, True, False]
    assert rows[-1].cumulative_share == pytest.approx(1.0)


def test_pareto_with_an_exact_cutoff_stops_at_that_row():
    rows = pareto([("a", "A", 67.0), ("b", "B", 33.0)], cutoff_share=0.67)
    assert [r.in_hotspot for r in rows] == [True, False]


def test_a_restatement_says_which_method_changed_when_the_dominant_one_flips():
    # product footprints and supplier data for one supplier; a new questionnaire answer
    # lowers the supplier-specific part so that footprints become the larger one
    before = [SupplierTotal("S1", 1800.0, "supplier_specific", t_by_method={
        "product_level": 800.0, "supplier_specific": 1000.0})]  # fmt: skip
    after = [SupplierTotal("S1", 1400.0, "product_level", t_by_method={
        "product_level": 800.0, "supplier_specific": 600.0})]  # fmt: skip
    (restatement,) = compare_runs(before, after, previous_gwp="AR5", current_gwp="AR5")
    assert restatement.reason == "supplier-specific data changed (1,000.0 to 600.0 t)"


def test_a_restatement_names_what_replaced_what_among_several_methods():
    before = [SupplierTotal("S1", 900.0, "spend_based", t_by_method={
        "spend_based": 700.0, "product_level": 200.0})]  # fmt: skip
    after = [SupplierTotal("S1", 650.0, "supplier_specific", t_by_method={
        "supplier_specific": 450.0, "product_level": 200.0})]  # fmt: skip
    (restatement,) = compare_runs(before, after, previous_gwp="AR5", current_gwp="AR5")
    assert restatement.reason == "supplier-specific data replaced the spend-based estimate"


def test_a_run_stored_before_the_ets_flag_loads_without_an_ets_share():
    stored = _report(scope1_regulated_ets_kg=250.0).to_dict()
    assert InventoryReport.from_dict(stored).scope_1_regulated_ets_share == pytest.approx(0.25)
    stored.pop("scope_1_regulated_ets_t")
    older = InventoryReport.from_dict(stored)
    assert older.scope_1_regulated_ets_t is None
    assert older.scope_1_regulated_ets_share is None
