"""The PACT v3 data model rules in the domain (PACT Technical Specifications v3.0.3: "Data
Model", "Product Footprint Lifecycle", "Validity Period", ListFootprints "Filtering")."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from greenchain.domain import pact
from greenchain.domain.errors import InvalidDataError

SPEC = Path(__file__).resolve().parents[3] / "shared" / "specs" / "pact-v3" / "examples"


def example(n: int = 1) -> dict:
    return json.loads((SPEC / f"example-{n}.json").read_text())


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_the_spec_examples_are_valid_footprints(n):
    assert pact.footprint_problems(example(n)) == []


@pytest.mark.parametrize(
    ("path", "value", "needle"),
    [
        (("pcf", "declaredUnitAmount"), "0", "declaredUnitAmount"),
        (("pcf", "declaredUnitAmount"), 1, "decimal string"),
        (("pcf", "fossilGhgEmissions"), "-0.1", ">= 0"),
        (("pcf", "biogenicCO2Uptake"), "0.3", "<= 0"),
        (("pcf", "pcfIncludingBiogenicUptake"), "1.2e3", "decimal string"),
        (("pcf", "declaredUnitOfMeasurement"), "tonne", "declaredUnitOfMeasurement"),
        (("pcf", "geographyCountry"), "DE", "at most one"),
        (("pcf", "dqi", "temporalDQR"), "6", "between 1 and 5"),
        (("pcf", "primaryDataShare"), "101", "between 0 and 100"),
        (("productIds",), ["gtin:123"], "not a URN"),
        (("productIds",), [], "non-empty"),
        (("id",), "123", "UUID"),
        (("status",), "Retired", "status"),
        (("companyName",), "", "non-empty"),
    ],
)
def test_a_broken_footprint_is_explained(path, value, needle):
    doc = example()
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    problems = pact.footprint_problems(doc)
    assert any(needle in p for p in problems), problems


def test_a_missing_required_property_is_named():
    doc = example()
    del doc["pcf"]["exemptedEmissionsPercent"]
    assert "pcf.exemptedEmissionsPercent: required" in pact.footprint_problems(doc)


@pytest.mark.parametrize(
    ("value", "text"),
    [("12.3400", "12.34"), ("1.2345e+6", "1234500"), ("-0", "0"), (0.1, "0.1"), ("5", "5")],
)
def test_decimals_are_written_in_the_specs_pattern(value, text):
    assert pact.format_decimal(value) == text
    assert pact.DECIMAL.fullmatch(text)


def test_without_a_validity_period_a_footprint_is_valid_three_years_after_the_reference_period():
    doc = example()
    del doc["validityPeriodStart"], doc["validityPeriodEnd"]
    start, end = pact.validity_period(doc)
    assert start == dt.datetime(2024, 12, 31, tzinfo=dt.UTC)
    assert end == dt.datetime(2027, 12, 31, tzinfo=dt.UTC)


def test_a_validity_period_outside_the_allowed_window_is_a_warning_not_an_error():
    doc = example()
    doc["validityPeriodStart"] = "2024-01-01T00:00:00Z"  # before referencePeriodEnd
    assert pact.footprint_problems(doc) == []
    assert any("validityPeriodStart" in w for w in pact.reporting_warnings(doc))


def test_a_change_is_a_new_footprint_that_names_its_predecessors():
    first = pact.new_footprint(
        example(),
        footprint_id="a" * 8 + "-0000-4000-8000-" + "0" * 12,
        created=dt.datetime(2026, 1, 1),
    )
    second = pact.new_footprint(
        pact.revised_content(first, {"comment": "new mix"}),
        footprint_id="b" * 8 + "-0000-4000-8000-" + "0" * 12,
        created=dt.datetime(2026, 2, 1),
        preceding_ids=pact.preceding_chain(first),
    )
    assert second["precedingPfIds"] == [first["id"]]
    assert second["status"] == "Active"
    assert second["specVersion"] == pact.SPEC_VERSION
    assert pact.content_of(second) != pact.content_of(first)
    assert pact.revised_content(first, {"comment": None}).get("comment") is None


def test_obsolete_v2_properties_are_dropped():
    doc = {**example(), "version": 3, "updated": "2025-01-01T00:00:00Z", "statusComment": "x"}
    made = pact.new_footprint(doc, footprint_id=doc["id"], created=dt.datetime(2026, 1, 1))
    assert not {"version", "updated", "statusComment"} & set(made)


def test_filters_are_or_within_and_and_between_criteria():
    doc = example()  # US-TX, urn:gtin:5695872369587
    assert pact.parse_filter({"productId": ["urn:gtin:1", "URN:GTIN:5695872369587"]}).matches(doc)
    assert pact.parse_filter({"geography": ["us"]}).matches(doc)  # within the country
    assert not pact.parse_filter(
        {"productId": ["urn:gtin:5695872369587"], "geography": ["DE"]}
    ).matches(doc)
    assert pact.parse_filter({"validon": ["2025-01-01T00:00Z"]}).matches(doc)  # names any case
    assert not pact.parse_filter({"validAfter": ["2024-12-31T00:00:00Z"]}).matches(doc)
    assert not pact.parse_filter({"validBefore": ["2027-12-31T00:00:00Z"]}).matches(doc)
    assert pact.parse_filter({"status": ["active"]}).matches(doc)


@pytest.mark.parametrize(
    "criteria",
    [{"validOn": ["never"]}, {"validOn": ["2025-01-01", "2026-01-01"]}],
)
def test_bad_filters_are_invalid_data(criteria):
    with pytest.raises(InvalidDataError):
        pact.parse_filter(criteria)


def test_a_status_no_footprint_can_have_matches_nothing():
    doc = example()
    criteria = pact.parse_filter({"status": ["BogusStatus"]})
    assert not criteria.matches(doc)
    assert criteria.as_criteria() == {"status": "BogusStatus"}


def test_a_un_region_finds_the_footprints_of_the_countries_inside_it():
    doc = example()  # geographyCountrySubdivision US-TX
    for region in ("Northern America", "americas", "AMERICAS"):
        assert pact.parse_filter({"geography": [region]}).matches(doc), region
    for region in ("Europe", "Latin America and the Caribbean", "Western Europe"):
        assert not pact.parse_filter({"geography": [region]}).matches(doc), region
    german = {**doc, "pcf": {**doc["pcf"], "geographyCountrySubdivision": None}}
    german["pcf"]["geographyCountry"] = "DE"
    assert pact.parse_filter({"geography": ["Europe"]}).matches(german)
    assert pact.parse_filter({"geography": ["western europe"]}).matches(german)
    assert not pact.parse_filter({"geography": ["Eastern Europe"]}).matches(german)
    subregion = {**doc, "pcf": {**doc["pcf"], "geographyCountrySubdivision": None}}
    subregion["pcf"]["geographyRegionOrSubregion"] = "Western Europe"
    assert pact.parse_filter({"geography": ["Europe"]}).matches(subregion)
    assert not pact.parse_filter({"geography": ["Asia"]}).matches(subregion)


def test_a_csv_row_becomes_footprint_content():
    content = pact.footprint_from_csv_row(
        {
            "product_ids": "urn:gtin:1; urn:gtin:2",
            "company_ids": "urn:company:x",
            "company_name": "X",
            "product_name": "Widget",
            "declared_unit": "piece",
            "declared_unit_amount": "1.0",
            "product_mass_per_declared_unit": "0.2",
            "reference_period_start": "2025-01-01",
            "reference_period_end": "2025-12-31",
            "pcf_excluding_biogenic_uptake": "3.50",
            "pcf_including_biogenic_uptake": "3.5",
            "fossil_ghg_emissions": "3.5",
            "fossil_carbon_content": "0",
            "exempted_emissions_percent": "0",
        }
    )
    assert content["productIds"] == ["urn:gtin:1", "urn:gtin:2"]
    assert content["pcf"]["declaredUnitAmount"] == "1"
    assert content["pcf"]["pcfExcludingBiogenicUptake"] == "3.5"
    assert content["pcf"]["referencePeriodEnd"] == "2025-12-31T00:00:00Z"
    made = pact.new_footprint(
        content,
        footprint_id="c" * 8 + "-0000-4000-8000-" + "0" * 12,
        created=dt.datetime(2026, 1, 1),
    )
    assert made["pcf"]["ipccCharacterizationFactors"] == ["AR6"]


def test_events_are_checked_against_the_event_schemas():
    body = json.loads((SPEC / "pf-response-event.json").read_text())
    event = pact.parse_event(body)
    assert event.type is pact.EventType.REQUEST_FULFILLED
    with pytest.raises(InvalidDataError, match="requestEventId"):
        pact.parse_event({**body, "data": {"pfs": body["data"]["pfs"]}})
