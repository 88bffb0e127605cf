"""The command line as a user runs it: demo workspace, reports, errors without tracebacks."""

from __future__ import annotations

import csv
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from greenchain.entrypoints.cli.main import app
from tests.factories import activity, purchase, supplier, write_csv

pytestmark = pytest.mark.slow


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, factors_dir: Path):
    monkeypatch.setenv("GREENCHAIN_DB", str(tmp_path / "cli.db"))
    monkeypatch.setenv("GREENCHAIN_DATA_DIR", str(factors_dir.parent))
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def run(*args: str) -> object:
        return runner.invoke(app, list(args), catch_exceptions=False)

    return run


@pytest.fixture(scope="module")
def demo_workspace(tmp_path_factory: pytest.TempPathFactory, factors_dir: Path):
    """The demo workspace built once for the module through the CLI."""
    folder = tmp_path_factory.mktemp("demo")
    env = {"GREENCHAIN_DB": str(folder / "demo.db"), "GREENCHAIN_DATA_DIR": str(factors_dir.parent)}
    runner = CliRunner(env=env)
    result = runner.invoke(app, ["demo", "--folder", str(folder / "files")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return runner, result.output


def _sql(db: Path, statement: str) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute(statement)


def test_demo_builds_a_semiconductor_buyer_and_calculates_both_years(demo_workspace):
    _, output = demo_workspace
    assert "imported purchases" in output
    assert "demo-semiconductor 2024" in output
    assert "demo-semiconductor 2025" in output
    flat = " ".join(output.split())
    assert "PACT: 4 footprints pulled from" in flat
    assert "4 products now from its primary data" in flat
    assert "one revised footprint announced (1 PublishedEvent delivered) and fetched" in flat


def test_report_json_has_the_documented_keys(demo_workspace):
    runner, _ = demo_workspace
    result = runner.invoke(
        app,
        [
            "report",
            "inventory",
            "--org",
            "demo-semiconductor",
            "--year",
            "2025",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    for key in (
        "org",
        "year",
        "gwp",
        "total_t_co2e",
        "by_scope",
        "by_category",
        "by_method",
        "by_gas",
        "by_supplier",
        "primary_data_share",
        "lines",
        "rejected_lines",
    ):
        assert key in report
    assert set(report["by_scope"]) == {"1", "2_location", "2_market", "3"}
    assert set(report["by_category"]) == {str(i) for i in range(1, 16)}
    assert report["lines"] >= 11_000
    assert report["rejected_lines"] == 0
    total = report["by_scope"]["1"] + report["by_scope"]["2_market"] + report["by_scope"]["3"]
    assert report["total_t_co2e"] == pytest.approx(total, rel=1e-6)
    assert sum(report["by_method"].values()) == pytest.approx(report["total_t_co2e"], rel=1e-6)
    assert sum(report["by_gas"].values()) == pytest.approx(report["total_t_co2e"], rel=1e-6)
    assert 0 < report["primary_data_share"] < 1
    methods = {s["method"] for s in report["by_supplier"]}
    assert {"spend_based", "supplier_specific"} <= methods


def test_demo_second_year_restates_suppliers_that_reported(demo_workspace):
    runner, _ = demo_workspace
    result = runner.invoke(app, ["runs", "list", "--org", "demo-semiconductor"])
    assert result.exit_code == 0, result.output
    assert "2025" in result.output


def test_hotspots_name_the_suppliers_where_engagement_starts(demo_workspace):
    runner, _ = demo_workspace
    result = runner.invoke(
        app, ["hotspots", "--org", "demo-semiconductor", "--year", "2025", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert 5 <= data["engagement_suppliers"] < 150
    assert data["suppliers"][0]["in_hotspot"]


def test_csv_and_xlsx_exports_carry_every_line(demo_workspace, tmp_path):
    runner, _ = demo_workspace
    out = tmp_path / "inv.xlsx"
    result = runner.invoke(
        app,
        [
            "report",
            "inventory",
            "--org",
            "demo-semiconductor",
            "--year",
            "2024",
            "--format",
            "xlsx",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    from openpyxl import load_workbook

    book = load_workbook(out, read_only=True)
    assert book.sheetnames == ["Summary", "Suppliers", "Restatements", "Lines"]
    csv_out = tmp_path / "inv.csv"
    result = runner.invoke(
        app,
        [
            "report",
            "inventory",
            "--org",
            "demo-semiconductor",
            "--year",
            "2024",
            "--format",
            "csv",
            "--out",
            str(csv_out),
        ],
    )
    assert result.exit_code == 0, result.output
    header = csv_out.read_text().splitlines()[0]
    assert "method" in header
    assert "dq_reliability" in header


def test_a_bad_file_exits_non_zero_naming_file_row_and_field(cli, tmp_path):
    assert cli("org", "add", "acme").exit_code == 0
    assert cli("factors", "import", "epa-supply-chain-v1.3").exit_code == 0
    write_csv(tmp_path / "s.csv", "suppliers", [supplier("S1")])
    assert cli("import", "suppliers", str(tmp_path / "s.csv"), "--org", "acme").exit_code == 0
    write_csv(tmp_path / "p.csv", "purchases", [purchase("L1", date="yesterday")])
    result = cli("import", "purchases", str(tmp_path / "p.csv"), "--org", "acme")
    assert result.exit_code == 3
    assert "p.csv: row 2, field 'date': not a date" in result.output
    assert "Traceback" not in result.output
    result = cli("calc", "--org", "acme", "--year", "2024")
    assert result.exit_code == 4
    assert "no purchase lines" in result.output


def test_a_line_that_is_not_calculated_says_why_in_the_table_and_the_csv(cli, tmp_path):
    assert cli("init").exit_code == 0
    assert cli("org", "add", "acme").exit_code == 0
    for key in ("epa-supply-chain-v1.3", "defra-2025", "epa-hub-2025"):
        assert cli("factors", "import", key).exit_code == 0
    write_csv(
        tmp_path / "a.csv",
        "activity",
        [
            activity("A1", amount="1200", unit="MWh", country="MY"),
            activity("A2", amount="1000", unit="kWh", country="GB"),
        ],
    )
    assert cli("import", "activity", str(tmp_path / "a.csv"), "--org", "acme").exit_code == 0
    result = cli("calc", "--org", "acme", "--year", "2024")
    assert result.exit_code == 0, result.output
    assert "factor set 'world-grid-ember' is not imported" in " ".join(result.output.split())
    result = cli("report", "inventory", "--org", "acme", "--year", "2024")
    flat = " ".join(result.output.split())
    assert "1 line(s), 1,200 MWh (A1): electricity (MY, MWh): factor set 'world-grid-ember'" in flat
    out = tmp_path / "inv.csv"
    result = cli(
        "report",
        "inventory",
        "--org",
        "acme",
        "--year",
        "2024",
        "--format",
        "csv",
        "--out",
        str(out),
    )
    assert result.exit_code == 0, result.output
    rows = {r["source_id"]: r for r in csv.DictReader(out.read_text(encoding="utf-8").splitlines())}
    assert "factor set 'world-grid-ember' is not imported" in rows["A1"]["reject_reason"]
    assert rows["A2"]["reject_reason"] == ""


def test_twd_spend_is_calculated_once_a_rate_is_imported_with_fx_import(cli, tmp_path):
    assert cli("init").exit_code == 0
    assert cli("org", "add", "tw-fab").exit_code == 0
    assert cli("factors", "import", "epa-supply-chain-v1.3").exit_code == 0
    write_csv(tmp_path / "s.csv", "suppliers", [supplier("S1", country="TW")])
    assert cli("import", "suppliers", str(tmp_path / "s.csv"), "--org", "tw-fab").exit_code == 0
    write_csv(tmp_path / "p.csv", "purchases", [purchase("L1", amount="1500000", currency="TWD")])
    assert cli("import", "purchases", str(tmp_path / "p.csv"), "--org", "tw-fab").exit_code == 0
    result = cli("calc", "--org", "tw-fab", "--year", "2024")
    flat = " ".join(result.output.split())
    assert "1 line(s), 1,500,000 TWD (L1): no exchange rate for TWD in 2024; import one" in flat

    bad = tmp_path / "bad.csv"
    bad.write_text("currency,year,usd_per_unit\nTWD,2024,lots\n", encoding="utf-8")
    result = cli("fx", "import", str(bad))
    assert result.exit_code == 3
    assert "bad.csv: row 2, field 'usd_per_unit': not a number" in result.output
    assert "--skip-invalid" not in result.output

    rates = tmp_path / "twd.csv"
    rates.write_text("currency,year,usd_per_unit\nTWD,2024,0.0311\n", encoding="utf-8")
    result = cli("fx", "import", str(rates), "--source", "CBC Taiwan")
    assert result.exit_code == 0, result.output
    assert "1 rates imported for TWD (2024)" in result.output
    result = cli("fx", "list", "--year", "2024", "--format", "json")
    listed = {r["currency"]: r for r in json.loads(result.output)}
    assert listed["TWD"] == {
        "currency": "TWD",
        "usd_per_unit": 0.0311,
        "monthly_rates": 0,
        "source": "imported annual rate (CBC Taiwan)",
    }
    result = cli("calc", "--org", "tw-fab", "--year", "2024")
    assert result.exit_code == 0, result.output
    assert "from 1 lines, 0 rejected" in " ".join(result.output.split())


def test_unknown_organisation_is_a_clear_error(cli):
    result = cli("report", "inventory", "--org", "nobody", "--year", "2024")
    assert result.exit_code == 4
    assert "organisation 'nobody' not found" in result.output


def test_a_verified_demo_claim_carries_a_proof_that_the_bundle_check_accepts_elsewhere(
    demo_workspace, tmp_path
):
    runner, _ = demo_workspace
    head = json.loads(runner.invoke(app, ["ledger", "head"]).output)
    shown = [json.loads(runner.invoke(app, ["ledger", "show", str(i)]).output) for i in range(12)]
    claims = [e for e in shown if e["entry"]["kind"] == "reduction_claim"]
    assert claims[0]["verified_by"][0]["verifier"] == "demo-assurance"
    text = claims[0]["verified_by"][0]["text"]  # the verifier by its name
    assert text.startswith("verified by Verity Assurance (demo verifier) on ")
    seq = claims[0]["seq"]
    proof = json.loads(runner.invoke(app, ["ledger", "prove", str(seq)]).output)
    assert set(proof) >= {"leaf_index", "tree_size", "leaf_hash", "audit_path"}
    assert proof["tree_size"] == head["tree_size"]
    assert proof["root_hash"] == head["root_hash"]
    bundle = tmp_path / "bundle.json"
    assert runner.invoke(app, ["ledger", "export", "--out", str(bundle)]).exit_code == 0
    data = json.loads(bundle.read_text())
    assert [w["witness"] for w in data["witness_signatures"]] == ["demo-osat-partner"]
    # A clean process with only the bundle: no database, no data folder.
    env = {"GREENCHAIN_DB": str(tmp_path / "none" / "x.db"), "GREENCHAIN_DATA_DIR": "/nonexistent"}
    done = subprocess.run(
        [sys.executable, "-m", "greenchain", "ledger", "verify", "--bundle", str(bundle)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "OK:" in done.stdout
    assert not (tmp_path / "none").exists()


@pytest.mark.parametrize(
    ("change", "undo", "named"),
    [
        (
            "UPDATE reduction_claims SET t_co2e = 1240.6 WHERE id = 1",
            "UPDATE reduction_claims SET t_co2e = 1240.5 WHERE id = 1",
            "reduction_claims row 1",
        ),
        (
            "UPDATE imports SET file_name = file_name || 'x' WHERE id = 2",
            "UPDATE imports SET file_name = substr(file_name, 1, length(file_name) - 1) "
            "WHERE id = 2",
            "imports row 2",
        ),
        (
            "UPDATE ledger_entries SET entry = replace(entry, '1240.5', '1240.6') "
            "WHERE seq = {seq}",
            "UPDATE ledger_entries SET entry = replace(entry, '1240.6', '1240.5') "
            "WHERE seq = {seq}",
            "entry {seq}",
        ),
    ],
)
def test_changing_one_byte_of_a_row_or_entry_makes_verify_fail_naming_it(
    demo_workspace, change, undo, named
):
    runner, _ = demo_workspace
    db = Path(runner.env["GREENCHAIN_DB"])
    with sqlite3.connect(db) as conn:
        (seq,) = conn.execute(
            "SELECT min(seq) FROM ledger_entries WHERE kind = 'reduction_claim'"
        ).fetchone()
    change, undo, named = (x.format(seq=seq) for x in (change, undo, named))
    assert runner.invoke(app, ["ledger", "verify"]).exit_code == 0
    _sql(db, change)
    try:
        result = runner.invoke(app, ["ledger", "verify"])
        assert result.exit_code == 8
        assert named in result.output
    finally:
        _sql(db, undo)
    assert runner.invoke(app, ["ledger", "verify"]).exit_code == 0


def test_the_demo_targets_are_checked_and_tracked(demo_workspace):
    runner, _ = demo_workspace
    checked = runner.invoke(
        app, ["target", "check", "--org", "demo-semiconductor", "--format", "json"]
    )
    assert checked.exit_code == 0, checked.output
    by_name = {t["name"]: t for t in json.loads(checked.output)}
    ambition = {c["code"]: c for c in by_name["Scope 1+2 -42 % by 2030"]["criteria"]}["ambition"]
    assert ambition["passed"] is True
    assert "4.20 %/yr" in ambition["reason"]
    progress = runner.invoke(
        app,
        ["target", "progress", "--org", "demo-semiconductor", "--year", "2025", "--format", "json"],
    )
    assert progress.exit_code == 0, progress.output
    rows = json.loads(progress.output)
    assert {r["name"] for r in rows} == set(by_name)
    for row in rows:
        assert row["year"] == 2025
        if row["unit"] == "fraction":  # shares: more is better
            assert row["on_track"] == (row["actual_value"] >= row["expected_value"])
        else:
            assert row["on_track"] == (row["actual_value"] <= row["expected_value"])
    renewable = next(r for r in rows if r["kind"] == "renewable_electricity")
    assert 0.2 < renewable["actual_value"] < 0.35  # the demo's RECs and GO


def test_the_progress_report_is_written_as_pdf_and_html(demo_workspace, tmp_path):
    runner, output = demo_workspace
    assert "progress report 2025: report 1" in output
    pdf, html = tmp_path / "progress.pdf", tmp_path / "progress.html"
    for out in (pdf, html):
        result = runner.invoke(
            app,
            [
                "report",
                "progress",
                "--org",
                "demo-semiconductor",
                "--year",
                "2025",
                "--out",
                str(out),
            ],
        )
        assert result.exit_code == 0, result.output
    assert pdf.read_bytes().startswith(b"%PDF")
    page = html.read_text(encoding="utf-8")
    assert page.count("<svg") >= 5
    assert "<script" not in page
    bad = runner.invoke(
        app,
        ["report", "progress", "--org", "demo-semiconductor", "--year", "2025", "--out", "x.doc"],
    )
    assert bad.exit_code == 3
    assert "x.doc" in bad.output


def test_history_import_is_all_or_nothing(demo_workspace, tmp_path):
    runner, _ = demo_workspace
    bad = tmp_path / "history.csv"
    bad.write_text("year,scope,t_co2e,source\n2018,1,10,CDP\n2018,4,5,\n", encoding="utf-8")
    result = runner.invoke(app, ["history", "import", str(bad), "--org", "demo-semiconductor"])
    assert result.exit_code == 3
    assert "history.csv: row 3, field 'scope'" in result.output
    listed = runner.invoke(
        app, ["history", "list", "--org", "demo-semiconductor", "--format", "json"]
    )
    assert 2018 not in {row["year"] for row in json.loads(listed.output)}
    good = tmp_path / "good.csv"
    good.write_text("year,scope,t_co2e,source\n2018,1,10,CDP\n2018,3,50,CDP\n", encoding="utf-8")
    result = runner.invoke(app, ["history", "import", str(good), "--org", "demo-semiconductor"])
    assert result.exit_code == 0, result.output
    listed = runner.invoke(
        app, ["history", "list", "--org", "demo-semiconductor", "--format", "json"]
    )
    row = next(r for r in json.loads(listed.output) if r["year"] == 2018)
    assert row["emissions"] == {"1": 10.0, "3": 50.0}


def test_the_demo_links_its_supplier_through_an_accepted_invitation(demo_workspace):
    runner, _ = demo_workspace
    customers = runner.invoke(app, ["supplier", "customers", "--org", "demo-supplier"])
    assert customers.exit_code == 0, customers.output
    assert "demo-semiconductor" in customers.output
    assert "demo-osat-partner" in customers.output
    pending = runner.invoke(app, ["supplier", "link-invitations", "--org", "demo-supplier"])
    assert "demo-semiconductor" not in pending.output  # accepted, no longer pending


def test_the_demo_suppliers_cdp_answer_lists_its_allocation_to_the_demo_buyer(
    demo_workspace, tmp_path
):
    """The demo supplier answers from its own 2025 inventory and allocates 186,000 of its
    1,240,000 wafers (15 %) of Scope 1 and 2 market-based to the demo buyer (CDP SC1.1)."""
    runner, _ = demo_workspace
    out = tmp_path / "cdp.json"
    org = ["--org", "demo-supplier", "--year", "2025", "--out", str(out)]
    result = runner.invoke(app, ["report", "cdp", *org])
    assert result.exit_code == 0, result.output
    cdp = json.loads(out.read_text())
    own = cdp["C6.1"]["gross_global_scope_1_t"] + cdp["C6.3"]["scope_2_market_t"]
    (allocated,) = cdp["SC1.1"]
    assert allocated["requesting_member"] == "demo-semiconductor"
    assert allocated["allocation_method"].startswith("Allocation based on the quantity")
    assert (allocated["share_of_total"], allocated["unit"]) == (0.15, "wafers")
    assert allocated["emissions_t"] == pytest.approx(own * 0.15, abs=0.2)  # answered in whole t


def test_each_disclosure_of_the_demo_equals_the_run_it_names_and_is_on_the_ledger(
    demo_workspace, tmp_path
):
    runner, _ = demo_workspace
    org = ["--org", "demo-semiconductor", "--year", "2025"]
    inventory = json.loads(
        runner.invoke(app, ["report", "inventory", *org, "--format", "json"]).output
    )
    scope = inventory["by_scope"]
    docs = {}
    for kind in ("esrs-e1", "cdp", "ghg-protocol", "ifrs-s2"):
        result = runner.invoke(app, ["report", kind, *org, "--out", str(tmp_path / f"{kind}.json")])
        assert result.exit_code == 0, result.output
        assert f"from run {inventory['run_id']}" in " ".join(result.output.split())
        docs[kind] = json.loads((tmp_path / f"{kind}.json").read_text())
        assert docs[kind]["basis"]["run_id"] == inventory["run_id"]
        pdf = tmp_path / f"{kind}.pdf"
        result = runner.invoke(app, ["report", kind, *org, "--format", "pdf", "--out", str(pdf)])
        assert result.exit_code == 0, result.output
        assert pdf.read_bytes().startswith(b"%PDF")
    assert docs["esrs-e1"]["E1-6"]["gross_scope_1_t"] == scope["1"]
    assert docs["cdp"]["C6.1"]["gross_global_scope_1_t"] == scope["1"]
    assert docs["cdp"]["C6.3"]["scope_2_market_t"] == scope["2_market"]
    assert docs["ghg-protocol"]["emissions"]["scope_3_t"] == scope["3"]
    assert docs["ifrs-s2"]["29(a)(i)"]["scope_2_location_t"] == scope["2_location"]
    cdp_categories = {str(c["category"]): c["emissions_t"] for c in docs["cdp"]["C6.5"]}
    for category, tonnes in inventory["by_category"].items():
        assert (cdp_categories[category] or 0.0) == tonnes
    result = runner.invoke(app, ["report", "cdp", *org, "--format", "xlsx"])
    assert result.exit_code != 0
    assert "--format xlsx needs --out" in result.output
    verified = runner.invoke(app, ["ledger", "verify"])
    assert verified.exit_code == 0, verified.output
