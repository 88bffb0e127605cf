"""A supplier on the platform answers a customer's climate questionnaire from its own
calculated inventory: the figures are carried over, nothing is invented for what it lacks."""

from __future__ import annotations

from greenchain.domain.engagement import (
    CLIMATE_TEMPLATE_V2,
    answers_from_inventory,
    validate_answers,
)
from greenchain.domain.inventory import build_report


def _report(**extra: object):
    values: dict[str, object] = {
        "org": "steelco",
        "year": 2024,
        "gwp": "AR5",
        "run_id": 7,
        "kg_by_scope": {"1": 1_200_000.0, "2_location": 950_000.0, "2_market": 800_000.0,
                        "3": 5_000_000.0},
        "kg_by_category": {1: 3_000_000.0, 3: 400_000.0, 4: 600_000.0, 6: 1_000_000.0},
        "kg_by_method": {},
        "kg_by_gas": {},
        "suppliers": [],
        "primary_scope3_kg": 0.0,
        "data_quality_score": 3.0,
        "lines": 10,
        "rejected_lines": 0,
    }  # fmt: skip
    values.update(extra)
    return build_report(**values)  # type: ignore[arg-type]


def test_scopes_upstream_categories_and_take_back_rates_become_answers():
    report = _report(
        electricity_mwh=1000.0,
        instrument_mwh=400.0,
        circularity={"reuse_rate": 0.28, "recycling_rate": 0.999, "tonnes_returned": 5.0},
    )
    answers = answers_from_inventory(report)
    assert answers["scope1_t"] == 1200.0
    assert answers["scope2_location_t"] == 950.0
    assert answers["scope2_market_t"] == 800.0
    # categories 1 to 4 only: 3,000 + 400 + 600 t; business travel (6) is not upstream
    assert answers["scope3_upstream_t"] == 4000.0
    assert answers["renewable_share"] == 0.4
    assert (answers["takeback_reuse_share"], answers["recycling_share"]) == (0.28, 0.999)
    checked = validate_answers(CLIMATE_TEMPLATE_V2, answers, final=False)
    assert checked.problems == []


def test_what_the_inventory_does_not_hold_is_left_for_the_supplier_to_answer():
    answers = answers_from_inventory(_report(kg_by_category={}))
    for absent in ("scope3_upstream_t", "renewable_share", "takeback_reuse_share", "revenue"):
        assert absent not in answers


def test_answers_read_as_people_read_them():
    from greenchain.domain.engagement import answer_text

    field = {f.name: f for f in CLIMATE_TEMPLATE_V2.fields}
    assert answer_text(field["reporting_year"], 2025) == "2025"
    assert answer_text(field["scope1_t"], 1234567.5) == "1,234,567.5"
    assert answer_text(field["revenue"], 50_000_000.0) == "50,000,000"
    assert answer_text(field["renewable_share"], 0.32) == "32 %"
    assert answer_text(field["method"], "ghg_protocol") == "GHG Protocol"
    assert answer_text(field["sbt_ambition"], "well_below_2C") == "Well below 2 °C"
    assert answer_text(field["certifications"], ["iso_14001", "rba_member"]) == (
        "ISO 14001, RBA member"
    )
