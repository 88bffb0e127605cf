"""Scope 3 categories: the report lists, per category, the methods its emissions were
calculated with, and the categories the organisation declared excluded with their
justification (GHG Protocol Scope 3 Standard 6.3 and 11.1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from greenchain.domain.errors import ConflictError, InvalidDataError, NotFoundError
from greenchain.services import categories
from greenchain.services.context import Context
from greenchain.services.imports import import_records
from greenchain.services.inventory import calculate_inventory, get_inventory_report
from greenchain.services.orgs import add_organisation
from tests.factories import activity, purchase, supplier, write_csv

NO_FRANCHISES = "no franchises: the company neither grants nor operates franchises"


def _buyer(ctx: Context, tmp_path: Path) -> None:
    add_organisation(ctx, "acme")
    write_csv(tmp_path / "s.csv", "suppliers", [supplier("S1")])
    import_records(ctx, "acme", "suppliers", tmp_path / "s.csv")
    write_csv(tmp_path / "p.csv", "purchases", [purchase("L1", amount="1000")])
    import_records(ctx, "acme", "purchases", tmp_path / "p.csv")
    rows = [activity("A1", activity="rail_travel", amount="1000", unit="passenger.km")]
    write_csv(tmp_path / "a.csv", "activity", rows)
    import_records(ctx, "acme", "activity", tmp_path / "a.csv")


def test_the_report_lists_methods_per_category_and_the_declared_exclusions(
    ctx: Context, tmp_path: Path
):
    _buyer(ctx, tmp_path)
    assert categories.exclude_category(ctx, "acme", 2024, 14, NO_FRANCHISES) is True
    assert categories.exclude_category(ctx, "acme", 2024, 14, NO_FRANCHISES + ".") is False
    report = calculate_inventory(ctx, "acme", 2024)
    assert set(report.category_methods) == {"1", "6"}
    assert report.category_methods["1"]["spend_based"] == report.by_category["1"]
    assert report.category_methods["6"]["average_data"] == report.by_category["6"]
    [excluded] = report.exclusions
    assert (excluded.category, excluded.reason, excluded.calculated_t) == (
        14,
        NO_FRANCHISES + ".",
        0.0,
    )
    stored = get_inventory_report(ctx, "acme", 2024)
    assert stored.to_dict()["exclusions"] == [
        {"category": 14, "reason": NO_FRANCHISES + ".", "calculated_t": 0.0}
    ]
    assert stored.category_methods == report.category_methods


def test_a_category_with_calculated_emissions_cannot_be_excluded(ctx: Context, tmp_path: Path):
    _buyer(ctx, tmp_path)
    calculate_inventory(ctx, "acme", 2024)
    with pytest.raises(ConflictError, match=r"category 1 has .* t CO2e in run 1 of 2024"):
        categories.exclude_category(ctx, "acme", 2024, 1, "too expensive to measure it")


def test_an_exclusion_needs_a_justification_and_a_real_category(ctx: Context, tmp_path: Path):
    _buyer(ctx, tmp_path)
    with pytest.raises(InvalidDataError, match="justification must have 10 to 2000"):
        categories.exclude_category(ctx, "acme", 2024, 14, "   none  ")
    with pytest.raises(InvalidDataError, match="category must be 1 to 15, not 16"):
        categories.exclude_category(ctx, "acme", 2024, 16, NO_FRANCHISES)


def test_an_exclusion_can_be_withdrawn_and_only_once(ctx: Context, tmp_path: Path):
    _buyer(ctx, tmp_path)
    categories.exclude_category(ctx, "acme", 2024, 14, NO_FRANCHISES)
    assert [e.category for e in categories.list_exclusions(ctx, "acme", 2024)] == [14]
    assert categories.list_exclusions(ctx, "acme", 2025) == []
    categories.withdraw_exclusion(ctx, "acme", 2024, 14)
    assert categories.list_exclusions(ctx, "acme", 2024) == []
    with pytest.raises(NotFoundError, match="category 14 is not excluded from 2024"):
        categories.withdraw_exclusion(ctx, "acme", 2024, 14)
