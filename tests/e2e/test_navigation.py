"""The main navigation and the landing page follow what an organisation does on the platform, on
SQLite and PostgreSQL: a supplier only sees its portal, its qualification with its customers,
PACT and the ledger, and starts on its portal; a buyer, and a company that is both buyer and
supplier, keep every page and start on the dashboard."""

from __future__ import annotations

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
from greenchain.services.orgs import add_organisation
from tests.factories import link_supplier, purchase, supplier, write_csv

PASSWORD = "correct horse battery"
HTML = {"Accept": "text/html"}
SUPPLIER_PAGES = ["portal", "qualification", "pact", "ledger"]
BUYER_PAGES = [
    "dashboard",
    "suppliers",
    "uploads",
    "runs",
    "programs",
    "requests",
    "portal",
    "qualification",
    "pact",
    "targets",
    "reports",
    "ledger",
]


@pytest.fixture
def site(ctx: Context, tmp_path: Path) -> TestClient:
    """``chipco`` buys from ``steelco`` (a supplier only) and from ``osatco``, which buys from
    ``steelco`` in turn; ``newco`` has nothing yet."""
    for slug, name in (
        ("chipco", "Chip Co"),
        ("osatco", "OSAT Co"),
        ("steelco", "Steel Co"),
        ("newco", "New Co"),
    ):
        add_organisation(ctx, slug, name)
    for buyer, rows in (
        ("chipco", [supplier("ST-1", name="Steel Co"), supplier("OS-1", name="OSAT Co")]),
        ("osatco", [supplier("ST-9", name="Steel Co")]),
    ):
        write_csv(tmp_path / f"{buyer}-s.csv", "suppliers", rows)
        import_records(ctx, buyer, "suppliers", tmp_path / f"{buyer}-s.csv")
    write_csv(
        tmp_path / "chipco-p.csv",
        "purchases",
        [purchase("L1", "ST-1", date="2024-04-01", amount="100000")],
    )
    import_records(ctx, "chipco", "purchases", tmp_path / "chipco-p.csv")
    link_supplier(ctx, "chipco", "ST-1", "steelco")
    link_supplier(ctx, "chipco", "OS-1", "osatco")
    link_supplier(ctx, "osatco", "ST-9", "steelco")
    add_user(ctx, "alice@chip.example", PASSWORD, "chipco", Role.ADMIN)
    add_user(ctx, "oscar@osat.example", PASSWORD, "osatco", Role.ADMIN)
    add_user(ctx, "sam@steel.example", PASSWORD, "steelco", Role.ADMIN)
    add_user(ctx, "nina@new.example", PASSWORD, "newco", Role.ADMIN)
    app = create_app(Settings(upload_dir=tmp_path / "uploads", job_workers=0), ctx)
    return TestClient(app)


def _login(client: TestClient, email: str) -> None:
    page = client.get("/login", headers=HTML).text
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, page
    response = client.post(
        "/login",
        data={"csrf_token": match.group(1), "email": email, "password": PASSWORD, "next": "/"},
        headers=HTML,
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def _landing(client: TestClient, path: str = "/") -> str:
    response = client.get(path, headers=HTML, follow_redirects=False)
    assert response.status_code == 303, response.text
    return response.headers["location"]


def _main_nav(page: str, org: str) -> list[str]:
    """The pages the main navigation links to, in order."""
    match = re.search(r'<nav aria-label="Main">(.*?)</nav>', page, re.S)
    assert match, page
    return re.findall(rf'href="/orgs/{org}/([a-z]+)"', match.group(1))


def test_a_supplier_only_organisation_sees_its_own_pages_and_no_empty_buyer_pages(site):
    _login(site, "sam@steel.example")
    for key in SUPPLIER_PAGES:
        page = site.get(f"/orgs/steelco/{key}", headers=HTML)
        assert page.status_code == 200, page.text
        assert _main_nav(page.text, "steelco") == SUPPLIER_PAGES
        assert f'href="/orgs/steelco/{key}" aria-current="page"' in page.text


def test_a_supplier_only_organisation_sees_only_its_own_side_of_qualification(site):
    _login(site, "sam@steel.example")
    page = site.get("/orgs/steelco/qualification", headers=HTML).text
    assert "Your qualification with your customers" in page
    assert "Chip Co" in page
    assert 'id="h-programs"' not in page  # no buyer program form
    assert 'id="h-cases"' not in page
    _login(site, "alice@chip.example")
    buyer = site.get("/orgs/chipco/qualification", headers=HTML).text
    assert 'id="h-programs"' in buyer


def test_a_supplier_only_organisation_starts_on_its_portal(site):
    _login(site, "sam@steel.example")
    assert _landing(site) == "/orgs/steelco/portal"
    portal = site.get("/", headers=HTML)
    assert "<title>Supplier portal – Steel Co · Greenchain</title>" in portal.text
    assert "Chip Co" in portal.text
    assert "OSAT Co" in portal.text


def test_a_supplier_only_organisation_can_still_open_a_buyer_page_by_its_address(site):
    _login(site, "sam@steel.example")
    page = site.get("/orgs/steelco/dashboard", headers=HTML)
    assert page.status_code == 200
    assert _main_nav(page.text, "steelco") == SUPPLIER_PAGES


def test_a_buyer_that_supplies_nobody_sees_no_portal_and_starts_on_its_dashboard(site):
    _login(site, "alice@chip.example")
    assert _landing(site) == "/orgs/chipco/dashboard"
    page = site.get("/orgs/chipco/dashboard", headers=HTML)
    assert _main_nav(page.text, "chipco") == [p for p in BUYER_PAGES if p != "portal"]


def test_an_organisation_that_is_buyer_and_supplier_keeps_everything(site):
    _login(site, "oscar@osat.example")
    assert _landing(site) == "/orgs/osatco/dashboard"
    page = site.get("/orgs/osatco/dashboard", headers=HTML)
    assert _main_nav(page.text, "osatco") == BUYER_PAGES


def test_an_organisation_without_data_or_customers_sees_the_buyer_navigation_to_get_started(
    site,
):
    _login(site, "nina@new.example")
    assert _landing(site) == "/orgs/newco/dashboard"
    page = site.get("/orgs/newco/uploads", headers=HTML)
    assert _main_nav(page.text, "newco") == [p for p in BUYER_PAGES if p != "portal"]


def test_a_supplier_with_its_first_purchase_data_gets_the_buyer_navigation(site, ctx, tmp_path):
    _login(site, "sam@steel.example")
    write_csv(tmp_path / "steel-s.csv", "suppliers", [supplier("ORE-1", name="Ore Mine")])
    import_records(ctx, "steelco", "suppliers", tmp_path / "steel-s.csv")
    assert _landing(site) == "/orgs/steelco/dashboard"
    page = site.get("/orgs/steelco/portal", headers=HTML)
    assert _main_nav(page.text, "steelco") == BUYER_PAGES


def test_the_organisation_switcher_opens_each_organisation_on_its_landing_page(site, ctx):
    add_user(ctx, "alice@chip.example", PASSWORD, "steelco", Role.VIEWER)
    _login(site, "alice@chip.example")
    page = site.get("/orgs/chipco/dashboard", headers=HTML).text
    assert '<a href="/orgs/steelco"' in page
    assert '<a href="/orgs/chipco"' in page
    assert _landing(site, "/orgs/steelco") == "/orgs/steelco/portal"
    assert _landing(site, "/orgs/chipco") == "/orgs/chipco/dashboard"
    steel = site.get("/orgs/steelco/portal", headers=HTML)
    assert _main_nav(steel.text, "steelco") == SUPPLIER_PAGES


def test_an_organisation_landing_page_is_not_found_for_non_members(site):
    _login(site, "sam@steel.example")
    response = site.get("/orgs/chipco", headers=HTML, follow_redirects=False)
    assert response.status_code == 404
