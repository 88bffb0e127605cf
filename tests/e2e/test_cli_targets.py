"""``history``, ``target`` and ``credit`` commands as a user runs them (JSON output checked)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from greenchain.entrypoints.cli.main import app as main_app
from greenchain.entrypoints.cli.targets import credit_app, history_app, target_app

ORG = "acme"

app = typer.Typer()
app.add_typer(main_app, name="main")
app.add_typer(history_app, name="history")
app.add_typer(target_app, name="target")
app.add_typer(credit_app, name="credit")


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, factors_dir: Path):
    monkeypatch.setenv("GREENCHAIN_DB", str(tmp_path / "cli.db"))
    monkeypatch.setenv("GREENCHAIN_DATA_DIR", str(factors_dir.parent))
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def run(*args: str) -> Any:
        return runner.invoke(app, list(args), catch_exceptions=False)

    result = run("main", "org", "add", ORG)
    assert result.exit_code == 0, result.output
    return run


def _json(result: Any) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _history(cli: Any) -> None:
    for year, values in {2020: ("1000", "500", "300"), 2024: ("800", "400", "300")}.items():
        for scope, value in zip(("1", "2_market", "3"), values, strict=True):
            result = cli(
                "history",
                "add",
                "--org",
                ORG,
                "--year",
                str(year),
                "--scope",
                scope,
                "--t-co2e",
                value,
                "--source",
                "annual report",
            )
            assert result.exit_code == 0, result.output


def _target(cli: Any, name: str, reduction: str, *extra: str) -> Any:
    return cli(
        "target",
        "add",
        "--org",
        ORG,
        "--name",
        name,
        "--kind",
        "absolute",
        "--scopes",
        "1,2_market",
        "--base-year",
        "2020",
        "--target-year",
        "2030",
        "--reduction",
        reduction,
        *extra,
    )


def test_history_add_and_list(cli):
    _history(cli)
    result = cli(
        "history",
        "add",
        "--org",
        ORG,
        "--year",
        "2020",
        "--revenue",
        "100000000",
        "--currency",
        "USD",
    )
    assert result.exit_code == 0, result.output
    assert "revenue" in result.output

    rows = _json(cli("history", "list", "--org", ORG, "--format", "json"))

    assert [r["year"] for r in rows] == [2020, 2024]
    assert rows[0]["emissions"] == {"1": 1000.0, "2_market": 500.0, "3": 300.0}
    assert rows[0]["revenue"] == 100000000.0
    assert rows[0]["sources"]["1"] == "annual report"
    table = cli("history", "list", "--org", ORG)
    assert table.exit_code == 0
    assert "1,000.0" in table.output


def test_history_add_needs_one_kind_of_figure(cli):
    both = cli(
        "history",
        "add",
        "--org",
        ORG,
        "--year",
        "2020",
        "--scope",
        "1",
        "--t-co2e",
        "1",
        "--revenue",
        "5",
        "--currency",
        "USD",
    )
    assert both.exit_code == 3
    assert "either --scope" in both.output
    bad_scope = cli(
        "history", "add", "--org", ORG, "--year", "2020", "--scope", "4", "--t-co2e", "1"
    )
    assert bad_scope.exit_code == 3
    assert "scope '4'" in bad_scope.output


def test_target_check_passes_42_percent_and_fails_30_percent(cli):
    _history(cli)
    assert _target(cli, "ambitious", "0.42", "--milestone", "2025:0.2").exit_code == 0
    assert _target(cli, "weak", "0.30").exit_code == 0

    results = _json(
        cli("target", "check", "--org", ORG, "--submitted-year", "2024", "--format", "json")
    )

    by_name = {r["name"]: r for r in results}
    assert by_name["ambitious"]["meets_all"] is True
    assert by_name["weak"]["meets_all"] is False
    weak = {c["code"]: c for c in by_name["weak"]["criteria"]}
    assert weak["ambition"]["passed"] is False
    assert "3.00 %/yr" in weak["ambition"]["reason"]
    table = cli("target", "check", "--org", ORG, "--submitted-year", "2024")
    assert table.exit_code == 0
    assert "FAIL" in table.output


def test_target_progress_json_has_the_documented_keys(cli):
    _history(cli)
    assert _target(cli, "SBT 1+2", "0.42").exit_code == 0

    (row,) = _json(cli("target", "progress", "--org", ORG, "--year", "2024", "--format", "json"))

    assert list(row) == [
        "name",
        "kind",
        "scopes",
        "base_year",
        "base_value",
        "target_year",
        "target_value",
        "year",
        "actual_value",
        "expected_value",
        "on_track",
        "gap",
        "required_annual_reduction",
        "unit",
    ]
    assert row["base_value"] == pytest.approx(1500.0)
    assert row["expected_value"] == pytest.approx(1248.0)  # 1,500 - 630 x 4/10
    assert row["actual_value"] == pytest.approx(1200.0)
    assert row["on_track"] is True
    table = cli("target", "progress", "--org", ORG, "--year", "2024")
    assert "on track" in table.output


def test_target_list_and_remove(cli):
    assert _target(cli, "SBT 1+2", "0.42", "--milestone", "2025:0.2").exit_code == 0
    duplicate = _target(cli, "SBT 1+2", "0.5")
    assert duplicate.exit_code == 5
    invalid = _target(cli, "nonsense", "150%")
    assert invalid.exit_code == 3
    assert "--reduction: '150%' is not between 0 % and 100 %" in invalid.output
    bad_milestone = _target(cli, "milestone", "0.42", "--milestone", "2025")
    assert bad_milestone.exit_code == 3

    (target,) = _json(cli("target", "list", "--org", ORG, "--format", "json"))

    assert target["name"] == "SBT 1+2"
    assert target["milestones"] == [[2025, 0.2]]
    assert cli("target", "remove", "--org", ORG, "--name", "SBT 1+2").exit_code == 0
    assert _json(cli("target", "list", "--org", ORG, "--format", "json")) == []
    assert cli("target", "remove", "--org", ORG, "--name", "SBT 1+2").exit_code == 4


def _retire(cli: Any, start: str, end: str, *extra: str) -> Any:
    return cli(
        "credit",
        "retire",
        "--org",
        ORG,
        "--registry",
        "Verra",
        "--serial-start",
        start,
        "--serial-end",
        end,
        "--vintage",
        "2023",
        "--project-type",
        "removal",
        "--standard",
        "VCS",
        "--quantity",
        "100",
        "--retired-for",
        "acme 2024",
        *extra,
    )


def test_credit_retired_twice_is_refused(cli):
    first = _retire(cli, "1001", "1100")
    assert first.exit_code == 0, first.output
    again = _retire(cli, "1100", "1199")
    assert again.exit_code == 5
    assert "cannot be retired twice" in again.output

    (credit,) = _json(cli("credit", "list", "--org", ORG, "--format", "json"))

    assert credit["serial_start"] == 1001
    assert credit["quantity_t"] == 100.0
    assert credit["retired_for"] == "acme 2024"


def test_a_credit_is_recorded_with_the_date_the_registry_cancelled_it(cli):
    done = _retire(cli, "1", "100", "--cancelled-on", "2024-11-30")
    assert done.exit_code == 0, done.output
    assert "cancelled on 2024-11-30" in done.output
    bad = _retire(cli, "201", "300", "--cancelled-on", "30/11/2024")
    assert bad.exit_code != 0
    assert "--cancelled-on '30/11/2024' is not a date (YYYY-MM-DD)" in bad.output
    (credit,) = _json(cli("credit", "list", "--org", ORG, "--format", "json"))
    assert credit["cancelled_on"] == "2024-11-30"


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ("42%", "--reduction 42 % (read '42%' as a percentage)"),
        ("42", "--reduction 42 % (read '42' as a percentage)"),
        ("0.42", "--reduction 42 % (read '0.42' as a fraction)"),
    ],
)
def test_a_share_is_taken_as_percent_or_fraction_and_said_back(cli, given, said):
    result = _target(cli, "SBT 1+2", given, "--milestone", "2025:20%")
    assert result.exit_code == 0, result.output
    assert said in " ".join(result.output.split())
    (target,) = _json(cli("target", "list", "--org", ORG, "--format", "json"))
    assert target["reduction"] == pytest.approx(0.42)
    assert target["milestones"] == [[2025, 0.2]]


def test_a_share_that_is_no_number_is_named(cli):
    result = _target(cli, "SBT 1+2", "lots")
    assert result.exit_code == 3
    assert "--reduction: 'lots' is not a share; give a percentage (42%)" in result.output
