"""The lines of a run on the web: each figure followed to its input line, factor and rule,
filtered by scope, category, source, method or text, the lines that were not calculated with
their reason, and downloads of what the filter shows; another organisation sees nothing."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

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
    add_organisation(ctx, "fab", "Formosa Fab")
    add_organisation(ctx, "other", "Other Co")
    add_user(ctx, "ana@fab.example", PASSWORD, "fab", Role.VIEWER)
    add_user(ctx, "oli@other.example", PASSWORD, "other", Role.ADMIN)
    write_csv(tmp_path / "s.csv", "suppliers", [supplier("S1"), supplier("TW-9", country="TW")])
    import_records(ctx, "fab", "suppliers", tmp_path / "s.csv")
    lines = [
        purchase("P1", "S1", date="2024-03-01", amount="250000"),
        # no exchange rate for TWD in 2024: not calculated, with its reason
        purchase("P2", "TW-9", date="2024-04-01", amount="900000", currency="TWD"),
    ]
    write_csv(tmp_path / "p.csv", "purchases", lines)
    import_records(ctx, "fab", "purchases", tmp_path / "p.csv")
    rows = [
        activity("E1", amount="1200000", country="GB"),
        activity("G1", activity="natural_gas", amount="50000", unit="kWh", country="GB"),
    ]
    write_csv(tmp_path / "a.csv", "activity", rows)
    import_records(ctx, "fab", "activity", tmp_path / "a.csv")
    report = calculate_inventory(ctx, "fab", 2024)
    client = TestClient(create_app(Settings(upload_dir=tmp_path / "up", job_workers=0), ctx))
    return client, report


def _login(client: TestClient, email: str) -> None:
    page = client.get("/login", headers=HTML).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    client.post(
        "/login", data={"csrf_token": token, "email": email, "password": PASSWORD}, headers=HTML
    )


def _status(page: str) -> str:
    return re.search(r'<p role="status">(.*?)</p>', page, re.S).group(1)  # type: ignore[union-attr]


def test_the_lines_add_up_to_the_inventory_and_filter_by_scope(site):
    client, report = site
    _login(client, "ana@fab.example")
    runs = client.get("/orgs/fab/runs", headers=HTML).text
    assert f'href="/orgs/fab/runs/{report.run_id}/lines"' in runs
    page = client.get(f"/orgs/fab/runs/{report.run_id}/lines", headers=HTML)
    assert page.status_code == 200
    # location-based Scope 2 sits beside the market-based line and is not added
    assert f"{report.total_t_co2e:,.1f} t CO2e (location-based" in _status(page.text)
    assert "Fuels / Gaseous fuels / Natural gas" in page.text  # the factor's published name
    scope1 = client.get(f"/orgs/fab/runs/{report.run_id}/lines?scope=1", headers=HTML).text
    assert _status(scope1).startswith(f"1 line matches, {report.by_scope['1']:,.1f} t CO2e")
    assert "G1" in scope1
    assert "P1" not in scope1
    located = client.get(f"/orgs/fab/runs/{report.run_id}/lines?scope=2_location", headers=HTML)
    assert f"{report.by_scope['2_location']:,.1f} t CO2e" in _status(located.text)


def test_the_lines_not_calculated_say_why(site):
    client, report = site
    _login(client, "ana@fab.example")
    page = client.get(f"/orgs/fab/runs/{report.run_id}/lines?rejected=true", headers=HTML).text
    assert "1 line matches" in _status(page)
    assert "P2" in page
    assert "no exchange rate for TWD in 2024" in page


def test_a_search_narrows_the_lines_and_the_download_holds_what_is_shown(site):
    client, report = site
    _login(client, "ana@fab.example")
    base = f"/orgs/fab/runs/{report.run_id}/lines"
    page = client.get(f"{base}?q=s1&source=purchase", headers=HTML).text
    assert "1 line matches" in _status(page)
    assert f'href="{base}.csv?source=purchase&amp;q=s1"' in page
    download = client.get(f"{base}.csv?source=purchase&q=s1")
    assert download.headers["content-disposition"].endswith(f'run-{report.run_id}-lines.csv"')
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert [(r["source_id"], r["supplier_id"]) for r in rows] == [("P1", "S1")]
    book = load_workbook(io.BytesIO(client.get(f"{base}.xlsx?scope=1").content))
    sheet = list(book["Lines"].values)
    assert [r[sheet[0].index("source_id")] for r in sheet[1:]] == ["G1"]


def test_a_filter_that_cannot_be_read_is_named_on_the_page(site):
    client, report = site
    _login(client, "ana@fab.example")
    page = client.get(f"/orgs/fab/runs/{report.run_id}/lines?category=16", headers=HTML)
    assert page.status_code == 422
    assert "Scope 3 category 16 is not 1 to 15" in page.text
    assert "Traceback" not in page.text


def test_another_organisation_cannot_read_the_lines(site):
    client, report = site
    _login(client, "oli@other.example")
    for suffix in ("", ".csv", ".xlsx"):
        response = client.get(f"/orgs/fab/runs/{report.run_id}/lines{suffix}", headers=HTML)
        assert response.status_code == 404
        assert "P1" not in response.text
    own = client.get(f"/orgs/other/runs/{report.run_id}/lines", headers=HTML)
    assert own.status_code == 404
