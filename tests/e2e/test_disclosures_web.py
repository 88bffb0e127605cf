"""Disclosures on the Reports page: choose the document, year and run, preview it, issue it;
the issued file downloads with the SHA-256 its ledger entry records, a newer run marks it
superseded, a viewer previews but cannot issue, and another organisation gets nothing."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from greenchain.config import Settings
from greenchain.domain.access import Role
from greenchain.entrypoints.web.app import create_app
from greenchain.services.accounts import add_user
from greenchain.services.context import Context
from greenchain.services.imports import import_records
from greenchain.services.inventory import calculate_inventory
from greenchain.services.orgs import add_organisation
from tests.factories import activity, purchase, supplier, write_csv

PASSWORD = "correct horse battery"
HTML = {"Accept": "text/html"}


@pytest.fixture
def site(ctx: Context, tmp_path: Path):
    add_organisation(ctx, "solar", "Solaris Modules")
    add_organisation(ctx, "other", "Other Co")
    add_user(ctx, "ana@solar.example", PASSWORD, "solar", Role.ANALYST)
    add_user(ctx, "vic@solar.example", PASSWORD, "solar", Role.VIEWER)
    add_user(ctx, "oli@other.example", PASSWORD, "other", Role.ADMIN)
    write_csv(tmp_path / "s.csv", "suppliers", [supplier("S1")])
    import_records(ctx, "solar", "suppliers", tmp_path / "s.csv")
    write_csv(tmp_path / "p.csv", "purchases", [purchase("P1", date="2024-03-01", amount="250000")])
    import_records(ctx, "solar", "purchases", tmp_path / "p.csv")
    write_csv(tmp_path / "a.csv", "activity", [activity("E1", amount="500000", country="GB")])
    import_records(ctx, "solar", "activity", tmp_path / "a.csv")
    report = calculate_inventory(ctx, "solar", 2024)
    client = TestClient(create_app(Settings(upload_dir=tmp_path / "up", job_workers=0), ctx))
    return ctx, client, report


def _login(client: TestClient, email: str) -> str:
    page = client.get("/login", headers=HTML).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    client.post(
        "/login", data={"csrf_token": token, "email": email, "password": PASSWORD}, headers=HTML
    )
    reports = client.get("/orgs/solar/reports", headers=HTML).text
    return re.search(r'name="csrf_token" value="([^"]+)"', reports).group(1)  # type: ignore[union-attr]


def test_a_buyer_previews_and_issues_a_disclosure_that_downloads_as_recorded(site):
    ctx, client, report = site
    token = _login(client, "ana@solar.example")
    page = client.get("/orgs/solar/reports", headers=HTML).text
    assert "GHG Protocol inventory report" in page
    assert f'<option value="{report.run_id}">run {report.run_id} · 2024' in page
    preview = client.get("/orgs/solar/disclosures/preview?kind=cdp&year=2024&run=", headers=HTML)
    assert preview.status_code == 200
    assert "sandbox" in preview.headers["content-security-policy"]
    assert f"{report.by_category['1']:,.1f}" in preview.text  # C6.5 category 1
    assert client.get("/api/v1/orgs/solar/disclosures").json() == []  # a preview is not stored
    chosen = client.get(
        "/orgs/solar/disclosures/preview?kind=ghg-protocol&year=2024&run=&consolidation=equity+share",
        headers=HTML,
    )
    assert "equity share" in chosen.text  # the preview states the form's consolidation
    issued = client.post(
        "/orgs/solar/disclosures",
        data={"csrf_token": token, "kind": "ghg-protocol", "year": "2024", "format": "pdf",
              "run": str(report.run_id), "consolidation": "financial control"},
        headers=HTML,
    )  # fmt: skip
    assert issued.status_code == 200  # followed the redirect to the page
    assert "Disclosure 1 issued, stored and recorded in the ledger" in issued.text
    listed = client.get("/api/v1/orgs/solar/disclosures").json()
    assert [(d["kind"], d["run_id"], d["superseded_by"]) for d in listed] == [
        ("ghg-protocol", report.run_id, None)
    ]
    pdf = client.get("/orgs/solar/disclosures/1/file")
    assert pdf.content.startswith(b"%PDF")
    assert hashlib.sha256(pdf.content).hexdigest() == listed[0]["sha256"]
    assert pdf.headers["x-content-sha256"] == listed[0]["sha256"]
    entry = json.loads(ctx.ledger.entry(listed[0]["ledger_seq"])["entry"])
    assert entry["payload"]["sha256"] == listed[0]["sha256"]
    newer = calculate_inventory(ctx, "solar", 2024).run_id
    page = client.get("/orgs/solar/reports", headers=HTML).text
    assert f"superseded by run {newer}" in page


def test_a_run_of_another_year_is_refused_on_the_page_and_nothing_is_stored(site):
    _, client, report = site
    token = _login(client, "ana@solar.example")
    refused = client.post(
        "/orgs/solar/disclosures",
        data={"csrf_token": token, "kind": "cdp", "year": "2025", "format": "json",
              "run": str(report.run_id)},
        headers=HTML,
    )  # fmt: skip
    assert refused.status_code == 422
    assert f"run {report.run_id} is the inventory of 2024, not 2025" in refused.text
    assert client.get("/api/v1/orgs/solar/disclosures").json() == []


def test_a_viewer_previews_but_cannot_issue_and_another_organisation_gets_nothing(site):
    _, client, _ = site
    token = _login(client, "vic@solar.example")
    page = client.get("/orgs/solar/reports", headers=HTML).text
    assert "Issue and store" not in page
    assert "Preview" in page
    denied = client.post(
        "/api/v1/orgs/solar/disclosures", json={"kind": "cdp", "year": 2024}, headers=HTML
    )
    assert denied.status_code in (403, 404)
    assert token
    other = TestClient(client.app)
    _login(other, "oli@other.example")
    assert other.get("/orgs/solar/disclosures/preview?kind=cdp&year=2024").status_code == 404
    assert other.get("/api/v1/orgs/solar/disclosures").status_code == 404
