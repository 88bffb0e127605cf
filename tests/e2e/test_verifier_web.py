"""The verifier's workspace through the pages: an organisation engages its verifier for a
year; the verifier lands on its engagements, reads the run under review and its lines, draws
a reproducible sample, records what it checked, sends a finding the organisation sees, and
is led to the ledger entry to sign. It sees nothing it was not engaged for."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from greenchain.config import Settings
from greenchain.domain.access import Role
from greenchain.entrypoints.web.app import create_app
from greenchain.services import verification
from greenchain.services.accounts import add_user, get_principal
from greenchain.services.context import Context
from greenchain.services.imports import import_records
from greenchain.services.inventory import calculate_inventory
from greenchain.services.orgs import add_organisation
from tests.factories import activity, purchase, supplier, write_csv

PASSWORD = "correct horse battery"
HTML = {"Accept": "text/html"}


@pytest.fixture
def site(ctx: Context, tmp_path: Path):
    add_organisation(ctx, "fab", "Formosa Fab")
    add_organisation(ctx, "verity", "Verity Assurance")
    add_organisation(ctx, "other", "Other Assurance")
    add_user(ctx, "ana@fab.example", PASSWORD, "fab", Role.ADMIN)
    vera = add_user(ctx, "vera@verity.example", PASSWORD, "verity", Role.ANALYST)
    add_user(ctx, "otto@other.example", PASSWORD, "other", Role.ANALYST)
    write_csv(tmp_path / "s.csv", "suppliers", [supplier("S1"), supplier("S2")])
    import_records(ctx, "fab", "suppliers", tmp_path / "s.csv")
    lines = [purchase(f"P{i}", f"S{i % 2 + 1}", date="2025-03-01", amount=str(1000 * (i + 1)))
             for i in range(40)]  # fmt: skip
    write_csv(tmp_path / "p.csv", "purchases", lines)
    import_records(ctx, "fab", "purchases", tmp_path / "p.csv")
    write_csv(tmp_path / "a.csv", "activity", [activity("E1", date="2025-06-30")])
    import_records(ctx, "fab", "activity", tmp_path / "a.csv")
    report = calculate_inventory(ctx, "fab", 2025)
    verification.engage(
        ctx, "fab", "verity", year=2025, scope="GHG inventory 2025", assurance_level="limited"
    )
    client = TestClient(create_app(Settings(upload_dir=tmp_path / "up", job_workers=0), ctx))
    return ctx, client, report, get_principal(ctx, vera.user_id)


def _login(client: TestClient, email: str):
    page = client.get("/login", headers=HTML).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    return client.post(
        "/login",
        data={"csrf_token": token, "email": email, "password": PASSWORD},
        headers=HTML,
        follow_redirects=False,
    )


def _csrf(client: TestClient, path: str) -> str:
    page = client.get(path, headers=HTML).text
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def test_a_verifier_lands_on_its_engagements_and_reads_the_run_under_review(site):
    _, client, report, _ = site
    _login(client, "vera@verity.example")
    landed = client.get("/", headers=HTML, follow_redirects=False)
    assert landed.headers["location"] == "/orgs/verity/engagements"
    page = client.get("/orgs/verity/engagements", headers=HTML).text
    nav = re.search(r'<nav[^>]*aria-label="Main".*?</nav>', page, re.S).group(0)  # type: ignore[union-attr]
    assert "Engagements" in nav
    assert "Dashboard" not in nav
    assert "Formosa Fab" in page
    assert f"run {report.run_id}" in page
    detail = client.get("/orgs/verity/engagements/fab", headers=HTML).text
    assert f"{report.total_t_co2e:,.1f}" in detail
    assert "sign the verification statement" in detail
    lines = client.get(
        f"/orgs/verity/engagements/fab/runs/{report.run_id}/lines?q=P3", headers=HTML
    )
    assert lines.status_code == 200
    assert "P39" in lines.text
    assert 'href="/orgs/fab/' not in lines.text  # no links into the organisation's own pages
    download = client.get(f"/orgs/verity/engagements/fab/runs/{report.run_id}/lines.csv")
    # 40 purchases, the electricity's location- and market-based lines and its 3 upstream lines
    assert len(list(csv.DictReader(io.StringIO(download.text)))) == 40 + 2 + 3


def test_a_sample_is_drawn_again_the_same_and_checks_are_recorded(site):
    ctx, client, _, vera = site
    _login(client, "vera@verity.example")
    path = "/orgs/verity/engagements/fab"
    drawn = client.post(
        f"{path}/samples",
        data={
            "csrf_token": _csrf(client, path),
            "materiality": "10",
            "confidence": "90",
            "seed": "7",
        },
        headers=HTML,
        follow_redirects=False,
    )
    assert drawn.status_code == 303
    sample_url = drawn.headers["location"]
    sample_id = int(sample_url.rsplit("/", 1)[1])
    again = verification.draw_sample(ctx, vera, "verity", "fab", materiality=0.1,
                                     confidence=0.9, seed=7)  # fmt: skip
    first = verification.sample_lines(ctx, vera, "verity", "fab", sample_id)["lines"]
    second = verification.sample_lines(ctx, vera, "verity", "fab", again["sample_id"])["lines"]
    assert [x["source_id"] for x in first] == [x["source_id"] for x in second]
    line = first[0]
    token = _csrf(client, sample_url)
    check = {"csrf_token": token, "source": line["source"], "source_id": line["source_id"]}
    refused = client.post(f"{sample_url}/checks", data={**check, "result": "exception"},
                          headers=HTML)  # fmt: skip
    assert refused.status_code == 422
    assert "an exception needs a note" in refused.text
    client.post(
        f"{sample_url}/checks",
        data={**check, "result": "exception", "note": "invoice shows 10 % less"},
        headers=HTML,
    )
    rows = list(csv.DictReader(io.StringIO(client.get(f"{sample_url}.csv").text)))
    found = next(r for r in rows if r["source_id"] == line["source_id"])
    assert (found["result"], found["check_note"]) == ("exception", "invoice shows 10 % less")


def test_a_finding_reaches_the_organisation(site):
    ctx, client, report, _ = site
    _login(client, "vera@verity.example")
    path = "/orgs/verity/engagements/fab"
    sent = client.post(
        f"{path}/findings",
        data={
            "csrf_token": _csrf(client, path),
            "severity": "medium",
            "source_id": "P3",
            "description": "Spend of P3 booked twice",
        },
        headers=HTML,
    )
    assert "Finding sent to Formosa Fab (medium" in sent.text
    with ctx.workspace.engine.connect() as conn:  # type: ignore[attr-defined]
        mail = conn.execute(text("SELECT recipient, subject FROM outbox")).all()
    assert ("ana@fab.example", f"Verity Assurance: medium finding on run {report.run_id}") in [
        tuple(m) for m in mail
    ]
    client.cookies.clear()
    _login(client, "ana@fab.example")
    ledger = client.get("/orgs/fab/ledger", headers=HTML).text
    assert "Findings from your verifiers" in ledger
    assert "Spend of P3 booked twice" in ledger


def test_a_verifier_sees_nothing_it_was_not_engaged_for(site):
    _, client, report, _ = site
    _login(client, "otto@other.example")
    for path in (
        "/orgs/other/engagements/fab",
        f"/orgs/other/engagements/fab/runs/{report.run_id}/lines",
        f"/orgs/other/engagements/fab/runs/{report.run_id}/lines.csv",
        "/orgs/verity/engagements/fab",
    ):
        response = client.get(path, headers=HTML)
        assert response.status_code == 404, path
        assert "P39" not in response.text
    assert (
        "No organisation has engaged you yet"
        in client.get("/orgs/other/engagements", headers=HTML).text
    )
