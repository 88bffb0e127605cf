"""``qualification``, ``scorecard``, ``requirement`` and ``tier`` commands as a user runs them."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from greenchain.entrypoints.cli.main import app as main_app
from greenchain.entrypoints.cli.qualification import (
    qualification_app,
    requirement_app,
    scorecard_app,
    tier_app,
)
from tests.factories import supplier, supplier_report, write_csv

ORG = "acme"
PASSED = "GD1,GD2,GD3,GD4,GS1,GS2,GM1,GM2,GM3,ED1"  # 62.5

app = typer.Typer()
app.add_typer(main_app, name="main")
app.add_typer(qualification_app, name="qualification")
app.add_typer(scorecard_app, name="scorecard")
app.add_typer(requirement_app, name="requirement")
app.add_typer(tier_app, name="tier")


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, factors_dir: Path):
    monkeypatch.setenv("GREENCHAIN_DB", str(tmp_path / "cli.db"))
    monkeypatch.setenv("GREENCHAIN_DATA_DIR", str(factors_dir.parent))
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def run(*args: str) -> Any:
        return runner.invoke(app, list(args), catch_exceptions=False)

    assert run("main", "org", "add", ORG).exit_code == 0
    assert run("main", "factors", "import", "epa-supply-chain-v1.3").exit_code == 0
    write_csv(
        tmp_path / "s.csv",
        "suppliers",
        [supplier("S1", strategic="true"), supplier("S2", strategic="true")],
    )
    write_csv(
        tmp_path / "d.csv",
        "supplier-data",
        [
            supplier_report("S1", sbt_status="validated", renewable_share="0.5"),
            supplier_report("S2", sbt_status="committed"),
        ],
    )
    for kind, name in (("suppliers", "s.csv"), ("supplier-data", "d.csv")):
        result = run("main", "import", kind, str(tmp_path / name), "--org", ORG)
        assert result.exit_code == 0, result.output
    return run


def _ok(result: Any) -> Any:
    assert result.exit_code == 0, result.output
    return result


def _json(result: Any) -> Any:
    return json.loads(_ok(result).output)


def _advance(cli: Any, to: str, *extra: str) -> Any:
    return cli(
        "qualification",
        "case",
        "advance",
        "--org",
        ORG,
        "--case",
        "1",
        "--to",
        to,
        "--who",
        "ana@acme",
        "--why",
        f"ready for {to}",
        *extra,
    )


def test_a_qualification_runs_through_the_cli(cli):
    _ok(cli("qualification", "program", "add", "--org", ORG, "--name", "gsc"))
    programs = _json(cli("qualification", "program", "list", "--org", ORG, "--format", "json"))
    assert [s["name"] for s in programs[0]["stages"]][:2] == ["application", "preliminary_audit"]
    opened = _ok(
        cli("qualification", "case", "open", "--org", ORG, "--supplier", "S1", "--who", "ana@acme")
    )
    assert "Case 1 opened for S1" in opened.output

    skipped = _advance(cli, "training")
    assert skipped.exit_code == 3
    assert "cannot move from stage 'application' to 'training'" in skipped.output

    _ok(_advance(cli, "preliminary_audit", "--document", "company profile,environmental policy"))
    audit = _json(
        cli(
            "qualification",
            "audit",
            "record",
            "--org",
            ORG,
            "--supplier",
            "S1",
            "--auditor",
            "auditor@acme",
            "--passed",
            PASSED,
            "--case",
            "1",
            "--finding",
            "ED2|major|emissions not verified|EHS manager|2099-12-31",
            "--format",
            "json",
        )
    )
    assert audit["score"] == pytest.approx(62.5)
    assert audit["verdict"] == "passed"
    _ok(_advance(cli, "training"))

    case = _json(
        cli("qualification", "case", "show", "--org", ORG, "--case", "1", "--format", "json")
    )
    assert [t["to"] for t in case["transitions"]] == [
        "application",
        "preliminary_audit",
        "training",
    ]
    assert case["transitions"][-1]["evidence"]["audit_score"] == pytest.approx(62.5)
    assert case["requirements"] == ["training completed"]
    table = _ok(cli("qualification", "case", "list", "--org", ORG)).output
    assert "training" in table

    messages = _json(cli("qualification", "announce", "--org", ORG, "--format", "json"))
    assert [m["supplier_id"] for m in messages] == ["S1"]
    assert "training: training completed" in messages[0]["further_requirements"]

    reminders = _json(
        cli("qualification", "reminders", "--org", ORG, "--within", "400", "--format", "json")
    )
    assert {r["kind"] for r in reminders["reminders"]} == {"window"}
    assert reminders["expired"] == []


def test_scorecards_with_weights_and_formats(cli):
    _ok(
        cli(
            "qualification",
            "attributes",
            "set",
            "--org",
            ORG,
            "--supplier",
            "S1",
            "--rba",
            "--iso-14001",
            "--training",
            "1",
        )
    )
    _ok(
        cli(
            "scorecard",
            "weights",
            "set",
            "--org",
            ORG,
            "--weight",
            "rba_membership=20",
            "--missing",
            "circularity=exclude",
        )
    )
    weights = {
        w["indicator"]: w
        for w in _json(cli("scorecard", "weights", "show", "--org", ORG, "--format", "json"))
    }
    assert weights["rba_membership"]["weight"] == 20.0
    assert weights["circularity"]["missing_policy"] == "exclude"

    cards = _json(cli("scorecard", "rate", "--org", ORG, "--year", "2026", "--format", "json"))
    assert [c["supplier_id"] for c in cards] == ["S1", "S2"]
    for card in cards:
        assert sum(i["contribution"] for i in card["indicators"]) == pytest.approx(card["score"])
        assert card["tier"] in {"preferred", "approved", "conditional", "not_assessed", "blocked"}

    text = _ok(cli("scorecard", "rate", "--org", ORG, "--year", "2026", "--format", "csv")).output
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 2 * 12
    assert {"indicator", "points", "weight", "contribution"} <= set(rows[0])
    table = _ok(cli("scorecard", "rate", "--org", ORG, "--year", "2026", "--supplier", "S1"))
    assert "Carbon intensity" in table.output

    bad = cli("scorecard", "weights", "set", "--org", ORG, "--weight", "colour=3")
    assert bad.exit_code == 3


def test_requirements_and_tier_export(cli, tmp_path: Path):
    _ok(cli("qualification", "attributes", "set", "--org", ORG, "--supplier", "S1", "--rba"))
    _ok(
        cli(
            "requirement",
            "add",
            "--org",
            ORG,
            "--name",
            "strategic SBT and RBA",
            "--condition",
            "sbt:validated,rba_member",
            "--due",
            "2099-12-31",
        )
    )
    rows = {
        r["supplier_id"]: r
        for r in _json(cli("requirement", "check", "--org", ORG, "--format", "json"))
    }
    assert rows["S1"]["status"] == "meets"
    assert rows["S2"]["status"] == "does_not_meet"
    assert "science-based target committed (needs validated)" in rows["S2"]["reasons"]

    text = _ok(cli("tier", "export", "--org", ORG, "--year", "2026", "--format", "csv")).output
    exported = list(csv.DictReader(io.StringIO(text)))
    assert {r["supplier_id"] for r in exported} == {"S1", "S2"}
    assert {"tier", "rating", "qualification", "spend_usd"} <= set(exported[0])
    as_json = _json(cli("tier", "export", "--org", ORG, "--year", "2026", "--format", "json"))
    assert [r["tier"] for r in as_json] == [r["tier"] for r in exported]

    out = tmp_path / "tiers.xlsx"
    _ok(
        cli("tier", "export", "--org", ORG, "--year", "2026", "--format", "xlsx", "--out", str(out))
    )
    from openpyxl import load_workbook

    book = load_workbook(out, read_only=True)
    sheet = book["Tiers 2026"]
    header = next(sheet.iter_rows(values_only=True))
    assert header[:3] == ("supplier_id", "name", "strategic")
    book.close()

    _ok(
        cli(
            "tier",
            "incentive",
            "--org",
            ORG,
            "--supplier",
            "S1",
            "--kind",
            "preferred_volume",
            "--amount",
            "0.2",
            "--reason",
            "qualified supplier",
        )
    )
    (incentive,) = _json(cli("tier", "incentives", "--org", ORG, "--format", "json"))
    assert incentive["kind"] == "preferred_volume"


def test_supplier_rates_are_taken_as_percent_or_fraction_and_said_back(cli):
    done = _ok(
        cli(
            "qualification",
            "attributes",
            "set",
            "--org",
            ORG,
            "--supplier",
            "S1",
            "--training",
            "75%",
            "--recycling",
            "0.99",
        )
    )
    said = " ".join(done.output.split())
    assert "--training 75 % (read '75%' as a percentage)" in said
    assert "--recycling 99 % (read '0.99' as a fraction)" in said
    rows = _json(cli("qualification", "attributes", "list", "--org", ORG, "--format", "json"))
    s1 = next(r for r in rows if r["supplier_id"] == "S1")
    assert (s1["training_completion_share"], s1["recycling_share"]) == (0.75, 0.99)
