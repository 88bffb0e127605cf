"""The HTML pages through the test client: login, CSRF, rate limiting, tenant isolation."""

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
from greenchain.services.inventory import calculate_inventory
from greenchain.services.orgs import add_organisation
from tests.factories import purchase, supplier, write_csv

PASSWORD = "correct horse battery"
HTML = {"Accept": "text/html"}


@pytest.fixture
def site(ctx: Context, tmp_path: Path):
    add_organisation(ctx, "org-a", "Alpha Chips")
    add_organisation(ctx, "org-b", "Beta Modules")
    add_user(ctx, "alice@a.example", PASSWORD, "org-a", Role.ADMIN)
    add_user(ctx, "bob@b.example", PASSWORD, "org-b", Role.ADMIN)
    write_csv(tmp_path / "s.csv", "suppliers", [supplier("S1", name="Secret Steel Co")])
    import_records(ctx, "org-a", "suppliers", tmp_path / "s.csv")
    write_csv(tmp_path / "p.csv", "purchases", [purchase("L1", date="2024-03-01")])
    import_records(ctx, "org-a", "purchases", tmp_path / "p.csv")
    calculate_inventory(ctx, "org-a", 2024)
    app = create_app(Settings(upload_dir=tmp_path / "uploads", job_workers=0), ctx)
    return TestClient(app)


def _csrf(client: TestClient, path: str = "/login") -> str:
    page = client.get(path, headers=HTML).text
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, page
    return match.group(1)


def _login(client: TestClient, email: str, password: str = PASSWORD) -> object:
    return client.post(
        "/login",
        data={"csrf_token": _csrf(client), "email": email, "password": password, "next": "/"},
        headers=HTML,
        follow_redirects=False,
    )


def test_anonymous_visitors_are_sent_to_the_login_page(site):
    response = site.get("/orgs/org-a/dashboard", headers=HTML, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=/orgs/org-a/dashboard")


def test_login_leads_to_the_dashboard_with_charts(site):
    response = _login(site, "alice@a.example")
    assert response.status_code == 303
    page = site.get("/", headers=HTML)
    assert page.status_code == 200
    assert "<title>Dashboard 2024 – Alpha Chips · Greenchain</title>" in page.text
    assert 'id="chart-data"' in page.text
    assert page.text.count("<canvas") == 3
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert page.headers["x-frame-options"] == "DENY"


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(site):
    response = _login(site, "alice@a.example", "wrong password!")
    assert response.status_code == 401
    assert "wrong email or password" in response.text


def test_login_is_rate_limited_after_five_failures(site):
    for _ in range(5):
        assert _login(site, "alice@a.example", "nope nope nope").status_code == 401
    response = _login(site, "alice@a.example")
    assert response.status_code == 401
    assert "too many failed attempts" in response.text


def test_a_form_without_the_csrf_token_is_refused(site):
    response = site.post(
        "/login", data={"email": "alice@a.example", "password": PASSWORD}, headers=HTML
    )
    assert response.status_code == 403
    assert "did not come from this site" in response.text


def test_pages_of_another_organisation_are_not_found(site):
    _login(site, "bob@b.example")
    for path in (
        "/orgs/org-a/dashboard",
        "/orgs/org-a/suppliers",
        "/orgs/org-a/suppliers/S1",
        "/orgs/org-a/uploads",
        "/orgs/org-a/runs",
        "/orgs/org-a/jobs/1",
    ):
        response = site.get(path, headers=HTML)
        assert response.status_code == 404, path
        assert "Secret Steel" not in response.text
        assert "Traceback" not in response.text


def test_suppliers_page_searches_sorts_and_pages(site):
    _login(site, "alice@a.example")
    page = site.get("/orgs/org-a/suppliers?q=secret&sort=name&order=asc", headers=HTML)
    assert page.status_code == 200
    assert "Secret Steel Co" in page.text
    assert "1 supplier(s)" in page.text
    detail = site.get("/orgs/org-a/suppliers/S1", headers=HTML)
    assert "Emissions by year" in detail.text


def test_upload_form_rejects_other_file_types_with_a_message(site):
    _login(site, "alice@a.example")
    token = _csrf(site, "/orgs/org-a/uploads")
    response = site.post(
        "/orgs/org-a/uploads",
        headers=HTML,
        data={"csrf_token": token, "kind": "purchases"},
        files={"file": ("notes.pdf", b"%PDF", "application/pdf")},
    )
    assert response.status_code == 422
    assert "is not a .csv or .xlsx file" in response.text


def test_password_reset_sends_a_link_that_sets_a_new_password(site, ctx):
    token = _csrf(site, "/password-reset")
    site.post(
        "/password-reset", data={"csrf_token": token, "email": "alice@a.example"}, headers=HTML
    )
    mail = ctx.accounts.pending_mail()[-1]
    link = re.search(r"/password-reset/(\S+)", mail["body"])
    assert link
    path = f"/password-reset/{link.group(1)}"
    response = site.post(
        path,
        data={"csrf_token": _csrf(site, path), "password": "a brand new secret"},
        headers=HTML,
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert _login(site, "alice@a.example", "a brand new secret").status_code == 303
    again = site.post(
        path, data={"csrf_token": _csrf(site, path), "password": "another one!"}, headers=HTML
    )
    assert again.status_code == 404
