"""Targets, entered history and carbon credits through the services, on SQLite and PostgreSQL.

Expected values are worked by hand from the SBTi Corporate Near-Term Criteria v5.2: a 1.5 °C
Scope 1+2 target needs at least 4.2 % linear annual reduction, so 42 % over 2020-2030 passes
and 30 % (3.0 %/yr) fails.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine

from greenchain.adapters.db.targets import SqlTargets
from greenchain.domain.errors import ConflictError, InvalidDataError, NotFoundError
from greenchain.services import targets as svc
from greenchain.services.context import Context
from greenchain.services.imports import import_records
from greenchain.services.inventory import calculate_inventory
from greenchain.services.orgs import add_organisation
from tests.factories import activity, purchase, supplier, write_csv

ORG = "acme"


def _engine(ctx: Context) -> Engine:
    return ctx.workspace.engine  # type: ignore[attr-defined, no-any-return]


@pytest.fixture
def store(ctx: Context) -> SqlTargets:
    add_organisation(ctx, ORG)
    return SqlTargets(_engine(ctx))


def _enter(ctx: Context, store: SqlTargets, year: int, **by_scope: float) -> None:
    for key, value in by_scope.items():
        scope = key.removeprefix("s")
        svc.add_history_total(ctx, store, ORG, year, scope, value, source="annual report")


def _base_2020_and_2024(ctx: Context, store: SqlTargets) -> None:
    # 2020: S1 1,000 + S2 market 500 = 1,500 t; Scope 3 300 t (16.7 % of 1,800, under 40 %).
    _enter(ctx, store, 2020, s1=1000.0, s2_market=500.0, s2_location=600.0, s3=300.0)
    # 2024: S1 800 + S2 market 400 = 1,200 t.
    _enter(ctx, store, 2024, s1=800.0, s2_market=400.0, s2_location=450.0, s3=300.0)


def _add(ctx: Context, store: SqlTargets, name: str, reduction: float, **extra: object):
    values: dict[str, object] = {
        "kind": "absolute",
        "scopes": ["1", "2_market"],
        "base_year": 2020,
        "target_year": 2030,
        "reduction": reduction,
    }
    values.update(extra)
    return svc.add_target(ctx, store, ORG, name=name, **values)  # type: ignore[arg-type]


def _calculate(ctx: Context, tmp_path: Path, year: int, purchases: list[dict[str, object]]):
    write_csv(tmp_path / "suppliers.csv", "suppliers", [supplier("S1")])
    import_records(ctx, ORG, "suppliers", tmp_path / "suppliers.csv")
    write_csv(tmp_path / "purchases.csv", "purchases", purchases)
    import_records(ctx, ORG, "purchases", tmp_path / "purchases.csv")
    write_csv(tmp_path / "act.csv", "activity", [activity("A1", date=f"{year}-01-31")])
    import_records(ctx, ORG, "activity", tmp_path / "act.csv")
    return calculate_inventory(ctx, ORG, year)


# --- history -------------------------------------------------------------------------------------


def test_stored_run_wins_over_entered_totals_for_the_scopes_it_measures(
    ctx: Context, store: SqlTargets, tmp_path: Path
):
    _enter(ctx, store, 2020, s1=900.0, s2_market=400.0, s3=250.0)
    _enter(ctx, store, 2022, s1=500.0, s2_market=999.0, s3=123.0)
    svc.add_history_revenue(ctx, store, ORG, 2022, 250_000_000, "usd")
    report = _calculate(ctx, tmp_path, 2022, [purchase("L1", date="2022-05-01", amount="100000")])
    assert report.by_scope["1"] == 0.0  # purchases and electricity: no Scope 1 measured

    history = svc.history(ctx, store, ORG)

    assert sorted(history) == [2020, 2022]
    assert dict(history[2020].emissions) == {"1": 900.0, "2_market": 400.0, "3": 250.0}
    run_year = history[2022]
    assert run_year.emissions["2_market"] == report.by_scope["2_market"] != 999.0
    assert run_year.emissions["2_location"] == report.by_scope["2_location"]
    assert run_year.emissions["3"] == report.by_scope["3"] != 123.0
    assert run_year.emissions["1"] == 500.0  # the run has none: the entered total fills in
    assert run_year.revenue_million == 250.0
    assert run_year.renewable_share == 0.0  # electricity, no certificates
    assert run_year.supplier_sbt_share_by_emissions == 0.0  # no supplier reports a target
    listed = {row["year"]: row for row in svc.list_history(ctx, store, ORG)}
    assert listed[2022]["sources"] == {
        "1": "annual report",
        "2_market": f"run {report.run_id}",
        "2_location": f"run {report.run_id}",
        "3": f"run {report.run_id}",
    }
    assert listed[2022]["currency"] == "USD"
    assert listed[2020]["run_id"] is None


def test_entering_a_year_again_replaces_the_figure(ctx: Context, store: SqlTargets):
    first = svc.add_history_total(ctx, store, ORG, 2020, "1", 100.0)
    again = svc.add_history_total(ctx, store, ORG, 2020, "1", 120.0, source="restated")
    assert (first["replaced"], again["replaced"]) == (False, True)
    assert svc.history(ctx, store, ORG)[2020].emissions == {"1": 120.0}


def test_history_input_is_validated(ctx: Context, store: SqlTargets):
    with pytest.raises(InvalidDataError, match="scope '4'"):
        svc.add_history_total(ctx, store, ORG, 2020, "4", 1.0)
    with pytest.raises(InvalidDataError, match=">= 0"):
        svc.add_history_total(ctx, store, ORG, 2020, "1", -1.0)
    svc.add_history_revenue(ctx, store, ORG, 2020, 1e8, "EUR")
    with pytest.raises(InvalidDataError, match="one currency"):
        svc.add_history_revenue(ctx, store, ORG, 2021, 1e8, "USD")
    with pytest.raises(NotFoundError):
        svc.add_history_total(ctx, store, "nobody", 2020, "1", 1.0)


# --- targets -------------------------------------------------------------------------------------


def test_target_add_list_remove_are_recorded_in_the_ledger(ctx: Context, store: SqlTargets):
    added = _add(ctx, store, "SBT 1+2", 0.42, milestones=[(2025, 0.2)], submitted_year=2024)
    assert added["unit"] == "t_co2e"
    assert added["ledger_seq"] is not None
    listed = svc.list_targets(ctx, store, ORG)
    assert [(t["name"], t["scopes"], t["milestones"]) for t in listed] == [
        ("SBT 1+2", ["1", "2_market"], [[2025, 0.2]])
    ]
    with pytest.raises(ConflictError):
        _add(ctx, store, "SBT 1+2", 0.5)

    removed = svc.remove_target(ctx, store, ORG, "SBT 1+2")

    assert svc.list_targets(ctx, store, ORG) == []
    kept = svc.list_targets(ctx, store, ORG, include_removed=True)
    assert kept[0]["removed_at"] == removed["removed_at"]
    with pytest.raises(NotFoundError):
        svc.remove_target(ctx, store, ORG, "SBT 1+2")
    assert ctx.ledger is not None
    org = ctx.workspace.get_org(ORG)
    entries = [json.loads(e["entry"]) for e in ctx.ledger.entries_of(org.id)]
    changes = [e["payload"] for e in entries if e["kind"] == "target_change"]
    assert [(c["action"], c["id"]) for c in changes] == [
        ("add", added["id"]),
        ("remove", added["id"]),
    ]
    assert changes[0]["reduction"] == 0.42
    assert changes[0]["scopes"] == ["1", "2_market"]
    # a removed target's name is free again
    assert _add(ctx, store, "SBT 1+2", 0.5)["id"] != added["id"]


def test_invalid_targets_are_refused_before_storing(ctx: Context, store: SqlTargets):
    with pytest.raises(InvalidDataError, match="target kind 'absolut'"):
        _add(ctx, store, "typo", 0.42, kind="absolut")
    with pytest.raises(InvalidDataError, match="market-based or location-based"):
        _add(ctx, store, "both", 0.42, scopes=["2_market", "2_location"])
    with pytest.raises(InvalidDataError, match="reduction"):
        _add(ctx, store, "too much", 1.5)
    assert svc.list_targets(ctx, store, ORG, include_removed=True) == []


def test_42_percent_scope_1_2_cut_passes_for_1_5_degrees_and_30_percent_fails(
    ctx: Context, store: SqlTargets
):
    _base_2020_and_2024(ctx, store)
    _add(ctx, store, "ambitious", 0.42)
    _add(ctx, store, "weak", 0.30)

    results = {r["name"]: r for r in svc.check_targets(ctx, store, ORG, submitted_year=2024)}

    ambitious = {c["code"]: c for c in results["ambitious"]["criteria"]}
    weak = {c["code"]: c for c in results["weak"]["criteria"]}
    assert results["ambitious"]["meets_all"] is True
    assert ambitious["ambition"]["passed"] is True
    assert ambitious["ambition"]["reason"].startswith("4.20 %/yr")
    assert ambitious["timeframe"]["passed"] is True  # 2030 is 6 years from 2024
    assert ambitious["boundary_scope_3"]["passed"] is None  # Scope 3 16.67 % < 40 %
    assert "16.67 %" in ambitious["boundary_scope_3"]["reason"]
    assert results["weak"]["meets_all"] is False
    assert weak["ambition"]["passed"] is False
    assert weak["ambition"]["reason"].startswith("3.00 %/yr")
    assert results["weak"]["criteria_version"].startswith("SBTi Corporate Near-Term Criteria")
    assert set(weak["ambition"]) == {"code", "name", "passed", "reason"}


def test_progress_follows_the_linear_path_from_the_base_year(ctx: Context, store: SqlTargets):
    _base_2020_and_2024(ctx, store)
    _add(ctx, store, "SBT 1+2", 0.42)

    (row,) = svc.target_progress(ctx, store, ORG, 2024)

    assert tuple(row) == svc.PROGRESS_KEYS
    assert row["base_value"] == pytest.approx(1500.0)
    assert row["target_value"] == pytest.approx(870.0)  # 1,500 x (1 - 0.42)
    assert row["expected_value"] == pytest.approx(1248.0)  # 1,500 - 630 x 4/10
    assert row["actual_value"] == pytest.approx(1200.0)
    assert row["gap"] == pytest.approx(-48.0)
    assert row["on_track"] is True
    # (1,200 - 870) / 6 years / 1,500 = 3.667 % of the base a year
    assert row["required_annual_reduction"] == pytest.approx(330 / 6 / 1500)
    assert row["unit"] == "t_co2e"
    assert row["scopes"] == ["1", "2_market"]


def test_intensity_progress_uses_revenue_in_millions(ctx: Context, store: SqlTargets):
    _base_2020_and_2024(ctx, store)
    svc.add_history_revenue(ctx, store, ORG, 2020, 100_000_000, "USD")
    svc.add_history_revenue(ctx, store, ORG, 2024, 150_000_000, "USD")
    _add(ctx, store, "per revenue", 0.5, kind="intensity", denominator="revenue")

    (row,) = svc.target_progress(ctx, store, ORG, 2024)

    assert row["unit"] == "t_co2e_per_million_revenue"
    assert row["base_value"] == pytest.approx(15.0)  # 1,500 t / 100 M
    assert row["actual_value"] == pytest.approx(8.0)  # 1,200 t / 150 M
    assert row["expected_value"] == pytest.approx(15.0 - 7.5 * 0.4)


def test_progress_without_data_reports_none_values(ctx: Context, store: SqlTargets):
    _base_2020_and_2024(ctx, store)
    svc.add_target(
        ctx,
        store,
        ORG,
        name="RE100",
        kind="renewable_electricity",
        scopes=["2_market"],
        base_year=2020,
        target_year=2030,
        target_share=1.0,
    )
    (row,) = svc.target_progress(ctx, store, ORG, 2024)
    assert row["name"] == "RE100"
    assert row["actual_value"] is None
    assert row["on_track"] is None
    assert row["unit"] == "fraction"


def test_base_year_flag_when_entered_total_and_stored_run_differ(
    ctx: Context, store: SqlTargets, tmp_path: Path
):
    report = _calculate(ctx, tmp_path, 2022, [purchase("L1", date="2022-05-01", amount="100000")])
    measured = report.by_scope["3"]
    svc.add_history_total(ctx, store, ORG, 2022, "3", measured * 1.2)
    svc.add_target(
        ctx,
        store,
        ORG,
        name="scope 3",
        kind="absolute",
        scopes=["3"],
        base_year=2022,
        target_year=2030,
        reduction=0.25,
    )

    (flag,) = svc.base_year_flags(ctx, store, ORG)

    assert flag["target"] == "scope 3"
    assert flag["compared"] == f"entered history vs run {report.run_id}"
    assert flag["previous_t_co2e"] == pytest.approx(measured * 1.2)
    assert flag["current_t_co2e"] == pytest.approx(measured)
    assert flag["change_fraction"] == pytest.approx(1 / 1.2 - 1)
    assert "recalculate the base year" in flag["reason"]
    assert svc.base_year_flags(ctx, store, ORG, threshold=0.2) == []


def test_base_year_flag_when_a_later_run_restates_the_base_year(
    ctx: Context, store: SqlTargets, tmp_path: Path
):
    first = _calculate(ctx, tmp_path, 2022, [purchase("L1", date="2022-05-01", amount="100000")])
    svc.add_target(
        ctx,
        store,
        ORG,
        name="scope 3",
        kind="absolute",
        scopes=["3"],
        base_year=2022,
        target_year=2030,
        reduction=0.25,
    )
    assert svc.base_year_flags(ctx, store, ORG) == []
    lines = [
        purchase("L1", date="2022-05-01", amount="100000"),
        purchase("L2", date="2022-06-01", amount="50000"),
    ]
    second = _calculate(ctx, tmp_path, 2022, lines)

    (flag,) = svc.base_year_flags(ctx, store, ORG)

    assert flag["compared"] == f"run {first.run_id} vs run {second.run_id}"
    assert flag["change_fraction"] == pytest.approx(0.5, rel=1e-3)
    assert "restated" in flag["reason"]


# --- carbon credits ------------------------------------------------------------------------------


def _retire(ctx: Context, store: SqlTargets, start: int, end: int, **extra: object):
    values: dict[str, object] = {
        "registry": "Verra",
        "serial_start": start,
        "serial_end": end,
        "vintage": 2023,
        "project_type": "removal",
        "standard": "VCS",
        "quantity_t": float(end - start + 1),
        "retired_for": "acme 2024",
    }
    values.update(extra)
    org = str(values.pop("org", ORG))
    return svc.retire_credit(ctx, store, org, **values)  # type: ignore[arg-type]


def test_a_credit_serial_cannot_be_retired_twice(ctx: Context, store: SqlTargets):
    _retire(ctx, store, 1001, 1100)
    with pytest.raises(ConflictError, match="serial 1050"):
        _retire(ctx, store, 1050, 1060)
    add_organisation(ctx, "other")
    with pytest.raises(ConflictError, match="cannot be retired twice"):
        _retire(ctx, store, 1100, 1100, registry=" verra ", org="other")
    _retire(ctx, store, 1050, 1060, registry="Gold Standard")  # another registry's serials
    assert [c["registry"] for c in svc.list_credits(ctx, store, ORG)] == [
        "Verra",
        "Gold Standard",
    ]
    assert svc.list_credits(ctx, store, "other") == []


def test_retiring_credits_leaves_target_progress_unchanged(ctx: Context, store: SqlTargets):
    _base_2020_and_2024(ctx, store)
    _add(ctx, store, "SBT 1+2", 0.42)
    before = svc.target_progress(ctx, store, ORG, 2024)

    _retire(ctx, store, 1, 100)
    _retire(ctx, store, 501, 700, project_type="avoidance")

    assert svc.target_progress(ctx, store, ORG, 2024) == before
    statement = svc.neutralisation_statement(ctx, store, ORG, 2024, "acme group 2024")
    # residual 2024: 800 + 400 (market) + 300 = 1,500 t; 100 t removals, 200 t avoidance
    assert statement["scopes"] == ["1", "2_market", "3"]
    assert statement["residual_t"] == pytest.approx(1500.0)
    assert statement["removals_retired_t"] == pytest.approx(100.0)
    assert statement["avoidance_retired_t"] == pytest.approx(200.0)
    assert statement["neutralised_t"] == pytest.approx(100.0)
    assert statement["shortfall_t"] == pytest.approx(1400.0)
    assert statement["is_neutralised"] is False
    assert statement["is_carbon_neutral_claim_covered"] is False
    small = svc.neutralisation_statement(ctx, store, ORG, 2024, "ops", scopes=["1"])
    assert small["residual_t"] == pytest.approx(800.0)


def test_credit_input_is_validated(ctx: Context, store: SqlTargets):
    with pytest.raises(InvalidDataError, match="project type"):
        _retire(ctx, store, 1, 10, project_type="offset")
    with pytest.raises(InvalidDataError, match="quantity"):
        _retire(ctx, store, 1, 10, quantity_t=11.0)
    with pytest.raises(InvalidDataError, match="retired for"):
        _retire(ctx, store, 1, 10, retired_for=" ")
    assert svc.list_credits(ctx, store, ORG) == []
