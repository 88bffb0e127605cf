"""The HTML pages through the test client: login, CSRF, rate limiting, tenant isolation,
uploads and calculations as jobs, the dashboard's chart data, friendly error pages."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from greenchain.config import Settings
from greenchain.domain.access import Role
from greenchain.entrypoints.web.app import create_app
from greenchain.services import jobs as job_service
from greenchain.services.accounts import add_user
from greenchain.services.context import Context
from greenchain.services.imports import import_records
from greenchain.services.inventory import calculate_inventory
from greenchain.services.orgs import add_organisation
from tests.factories import activity, purchase, supplier, write_csv
from tests.fakes import StoppedClock

PASSWORD = "correct horse battery"
HTML = {"Accept": "text/html"}


@pytest.fixture
def site(ctx: Context, tmp_path: Path) -> TestClient:
    add_organisation(ctx, "org-a", "Alpha Chips")
    add_organisation(ctx, "org-b", "Beta Modules")
    add_user(ctx, "alice@a.example", PASSWORD, "org-a", Role.ADMIN)
    add_user(ctx, "victor@a.example", PASSWORD, "org-a", Role.VIEWER)
    add_user(ctx, "bob@b.example", PASSWORD, "org-b", Role.ADMIN)
    write_csv(
        tmp_path / "s.csv",
        "suppliers",
        [supplier("S1", name="Secret Steel Co"), supplier("S2", name="Other Metals")],
    )
    import_records(ctx, "org-a", "suppliers", tmp_path / "s.csv")
    write_csv(
        tmp_path / "p.csv",
        "purchases",
        [purchase("L1", date="2024-03-01"), purchase("L2", "S2", date="2024-04-01")],
    )
    import_records(ctx, "org-a", "purchases", tmp_path / "p.csv")
    calculate_inventory(ctx, "org-a", 2024)
    app = create_app(Settings(upload_dir=tmp_path / "uploads", job_workers=0), ctx)
    return TestClient(app)


def _csrf(client: TestClient, path: str = "/login") -> str:
    page = client.get(path, headers=HTML).text
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, page
    return match.group(1)


def _login(client: TestClient, email: str, password: str = PASSWORD, next: str = "/") -> object:
    return client.post(
        "/login",
        data={"csrf_token": _csrf(client), "email": email, "password": password, "next": next},
        headers=HTML,
        follow_redirects=False,
    )


def _title(page: str) -> str:
    match = re.search(r"<title>(.*?)</title>", page)
    assert match, page
    return match.group(1)


def _audit_actions(ctx: Context) -> list[str]:
    with ctx.workspace.engine.connect() as conn:  # type: ignore[attr-defined]
        return [row[0] for row in conn.execute(text("SELECT action FROM audit_log ORDER BY id"))]


def test_anonymous_visitors_are_sent_to_the_login_page(site):
    response = site.get("/orgs/org-a/dashboard", headers=HTML, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=/orgs/org-a/dashboard")


def test_login_leads_to_the_dashboard_with_charts(site, ctx):
    response = _login(site, "alice@a.example")
    assert response.status_code == 303
    page = site.get("/", headers=HTML)
    assert page.status_code == 200
    assert _title(page.text) == "Dashboard 2024 – Alpha Chips · Greenchain"
    assert 'id="chart-data"' in page.text
    assert page.text.count("<canvas") == 3
    assert "/static/vendor/chart.umd.min.js" in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert page.headers["x-frame-options"] == "DENY"
    assert "login" in _audit_actions(ctx)


def test_the_dashboard_says_why_a_line_was_not_calculated(site, ctx, tmp_path):
    write_csv(
        tmp_path / "a.csv", "activity", [activity("A1", amount="1200", unit="MWh", country="AQ")]
    )
    import_records(ctx, "org-a", "activity", tmp_path / "a.csv")
    calculate_inventory(ctx, "org-a", 2024)
    _login(site, "alice@a.example")
    page = site.get("/orgs/org-a/dashboard?year=2024", headers=HTML).text
    assert "Lines not calculated" in page
    assert "1,200 MWh" in page
    assert "no grid electricity factor for &#39;AQ&#39;" in page


def test_a_dashboard_without_supplier_emissions_says_so_instead_of_an_empty_pareto(
    site, ctx, tmp_path
):
    write_csv(tmp_path / "a.csv", "activity", [activity("A1", amount="1200")])
    import_records(ctx, "org-b", "activity", tmp_path / "a.csv")
    calculate_inventory(ctx, "org-b", 2024)
    _login(site, "bob@b.example")
    page = site.get("/orgs/org-b/dashboard?year=2024", headers=HTML).text
    assert 'id="chart-scopes"' in page
    assert 'id="chart-pareto"' not in page
    assert "No Scope 3 emissions of 2024 are attributed to a supplier" in page


def test_the_dashboard_lists_category_methods_exclusions_and_take_back(site, ctx, tmp_path):
    from greenchain.services.categories import exclude_category

    exclude_category(ctx, "org-a", 2024, 14, "no franchises: none granted or operated")
    take_back = {
        "record_id": "TB1", "year": "2024", "product_line": "wafers", "tonnes_returned": "10",
        "share_reused": "0.28", "share_recycled": "0.7193",
    }  # fmt: skip
    write_csv(tmp_path / "tb.csv", "take-back", [take_back])
    import_records(ctx, "org-a", "take-back", tmp_path / "tb.csv")
    calculate_inventory(ctx, "org-a", 2024)
    _login(site, "alice@a.example")
    page = site.get("/orgs/org-a/dashboard?year=2024", headers=HTML).text
    assert "<td>Spend-based</td>" in page
    assert "14. Franchises</strong>: no franchises: none granted or operated" in page
    assert "Take-back of sold products" in page
    assert "28.0%" in page
    assert "99.9%" in page  # 0.7193 of the 0.72 not reused


def test_login_follows_only_local_next_addresses(site):
    response = _login(site, "alice@a.example", next="//evil.example/x")
    assert response.headers["location"] == "/"
    site.cookies.clear()
    response = _login(site, "alice@a.example", next="/orgs/org-a/runs")
    assert response.headers["location"] == "/orgs/org-a/runs"


def test_dashboard_chart_data_adds_up_to_the_inventory(site):
    _login(site, "alice@a.example")
    page = site.get("/orgs/org-a/dashboard?year=2024", headers=HTML).text
    block = re.search(r'<script type="application/json" id="chart-data">(.*?)</script>', page, re.S)
    assert block
    charts = {c["canvas"]: c for c in json.loads(block.group(1))["charts"]}
    assert [charts[k]["kind"] for k in ("chart-scopes", "chart-pareto", "chart-methods")] == [
        "stacked-bar",
        "pareto",
        "doughnut",
    ]
    stacked = sum(v or 0 for d in charts["chart-scopes"]["datasets"] for v in d["data"])
    assert stacked == pytest.approx(sum(charts["chart-methods"]["values"]))
    pareto = charts["chart-pareto"]
    assert pareto["labels"][0] in ("Secret Steel Co", "Other Metals")
    assert pareto["cumulative"][-1] == pytest.approx(1.0)
    assert "Scope 3 categories" in page
    assert "Largest suppliers" in page


def test_pages_carry_no_inline_script_or_style(site):
    _login(site, "alice@a.example")
    for path in (
        "/orgs/org-a/dashboard",
        "/orgs/org-a/suppliers",
        "/orgs/org-a/suppliers/S1",
        "/orgs/org-a/uploads",
        "/orgs/org-a/runs",
    ):
        page = site.get(path, headers=HTML).text
        for tag in re.findall(r"<script\b[^>]*>", page):
            assert "src=" in tag or 'type="application/json"' in tag, (path, tag)
        assert "style=" not in page, path
        assert "<style" not in page, path


def test_every_page_has_its_own_title(site):
    assert _title(site.get("/login", headers=HTML).text) == "Log in · Greenchain"
    assert _title(site.get("/password-reset", headers=HTML).text) == "Reset password · Greenchain"
    assert (
        _title(site.get("/password-reset/abc", headers=HTML).text)
        == "Choose a new password · Greenchain"
    )
    assert (
        _title(site.get("/invitations/abc", headers=HTML).text) == "Accept invitation · Greenchain"
    )
    _login(site, "alice@a.example")
    titles = {
        "/orgs/org-a/suppliers": "Suppliers – Alpha Chips · Greenchain",
        "/orgs/org-a/suppliers/S1": "Secret Steel Co – Alpha Chips · Greenchain",
        "/orgs/org-a/uploads": "Uploads – Alpha Chips · Greenchain",
        "/orgs/org-a/runs": "Calculation runs – Alpha Chips · Greenchain",
        "/orgs/org-a/dashboard?year=2023": "Dashboard 2023 – Alpha Chips · Greenchain",
    }
    for path, title in titles.items():
        page = site.get(path, headers=HTML)
        assert page.status_code == 200, path
        assert _title(page.text) == title


def test_form_fields_have_labels(site):
    _login(site, "alice@a.example")
    for path in ("/orgs/org-a/uploads", "/orgs/org-a/runs", "/orgs/org-a/suppliers"):
        page = site.get(path, headers=HTML).text
        ids = re.findall(r'<(?:input|select)\b(?![^>]*type="hidden")[^>]*\bid="([^"]+)"', page)
        assert ids, path
        for field_id in ids:
            assert f'for="{field_id}"' in page, (path, field_id)


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(site):
    response = _login(site, "alice@a.example", "wrong password!")
    assert response.status_code == 401
    assert "wrong email or password" in response.text
    unknown = _login(site, "nobody@a.example", "wrong password!")
    assert "wrong email or password" in unknown.text


def test_login_is_rate_limited_after_five_failures(site, ctx):
    ctx.clock = StoppedClock()
    for _ in range(5):
        assert _login(site, "alice@a.example", "nope nope nope").status_code == 401
    response = _login(site, "alice@a.example")
    assert response.status_code == 429
    assert "too many failed attempts; try again in 1 second" in response.text
    assert response.headers["retry-after"] == "1"
    assert (
        site.get("/orgs/org-a/dashboard", headers=HTML, follow_redirects=False).status_code == 303
    )


def test_a_form_without_the_csrf_token_is_refused(site):
    response = site.post(
        "/login", data={"email": "alice@a.example", "password": PASSWORD}, headers=HTML
    )
    assert response.status_code == 403
    assert "did not come from this site" in response.text


def test_a_form_with_another_sessions_csrf_token_is_refused(site):
    stranger = TestClient(site.app)
    foreign = _csrf(stranger)
    _csrf(site)
    response = site.post(
        "/login",
        data={"csrf_token": foreign, "email": "alice@a.example", "password": PASSWORD},
        headers=HTML,
    )
    assert response.status_code == 403
    weird = site.post("/login", data={"csrf_token": "é" * 10, "email": "a@b.c", "password": "x"})
    assert weird.status_code == 403


def test_logged_in_forms_check_the_csrf_token(site, ctx):
    _login(site, "alice@a.example")
    for path, data in (
        ("/logout", {}),
        ("/orgs/org-a/runs", {"year": "2024", "gwp": "AR5"}),
        ("/orgs/org-a/uploads", {"kind": "purchases"}),
    ):
        files = {"file": ("p.csv", b"line_id\n", "text/csv")} if "uploads" in path else None
        response = site.post(path, data={**data, "csrf_token": "forged"}, files=files, headers=HTML)
        assert response.status_code == 403, path
        assert "Traceback" not in response.text
    assert ctx.jobs.list(ctx.workspace.get_org("org-a").id) == []
    assert site.get("/orgs/org-a/runs", headers=HTML).status_code == 200  # still logged in


def test_logout_ends_the_session(site, ctx):
    _login(site, "alice@a.example")
    token = _csrf(site, "/orgs/org-a/runs")
    response = site.post(
        "/logout", data={"csrf_token": token}, headers=HTML, follow_redirects=False
    )
    assert response.headers["location"] == "/login"
    after = site.get("/orgs/org-a/dashboard", headers=HTML, follow_redirects=False)
    assert after.status_code == 303
    assert "logout" in _audit_actions(ctx)


def test_pages_of_another_organisation_are_not_found(site):
    _login(site, "bob@b.example")
    for path in (
        "/orgs/org-a/dashboard",
        "/orgs/org-a/dashboard?year=2024",
        "/orgs/org-a/suppliers",
        "/orgs/org-a/suppliers?q=secret",
        "/orgs/org-a/suppliers/S1",
        "/orgs/org-a/uploads",
        "/orgs/org-a/runs",
        "/orgs/org-a/jobs/1",
        "/orgs/org-a/jobs/1/rejected-rows",
        "/orgs/no-such-org/dashboard",
    ):
        response = site.get(path, headers=HTML)
        assert response.status_code == 404, path
        assert _title(response.text) == "Not found · Greenchain"
        assert "Secret Steel" not in response.text
        assert "Alpha Chips" not in response.text
        assert "Traceback" not in response.text


def test_forms_of_another_organisation_are_not_found(site, ctx):
    _login(site, "bob@b.example")
    token = _csrf(site, "/orgs/org-b/uploads")
    run = site.post("/orgs/org-a/runs", data={"csrf_token": token, "year": "2024"}, headers=HTML)
    upload = site.post(
        "/orgs/org-a/uploads",
        data={"csrf_token": token, "kind": "purchases"},
        files={"file": ("p.csv", b"line_id\nX\n", "text/csv")},
        headers=HTML,
    )
    assert run.status_code == upload.status_code == 404
    assert ctx.jobs.list(ctx.workspace.get_org("org-a").id) == []


def test_error_pages_are_friendly_and_show_no_trace(site):
    missing = site.get("/no/such/page", headers=HTML)
    assert missing.status_code == 404
    assert "Back to the start page" in missing.text
    _login(site, "alice@a.example")
    for path in ("/orgs/org-a/suppliers/NOPE", "/orgs/org-a/jobs/999"):
        response = site.get(path, headers=HTML)
        assert response.status_code == 404
        assert "not found" in response.text
        assert "Traceback" not in response.text
        assert 'File "' not in response.text
        assert "alice@a.example" in response.text  # the header still shows who is logged in


def test_an_empty_organisation_gets_an_empty_state_with_the_next_steps(site):
    _login(site, "bob@b.example")
    page = site.get("/orgs/org-b/dashboard", headers=HTML)
    assert page.status_code == 200
    assert "No inventory for" in page.text
    assert 'href="/orgs/org-b/uploads"' in page.text
    assert 'href="/orgs/org-b/runs"' in page.text
    assert "<canvas" not in page.text
    suppliers = site.get("/orgs/org-b/suppliers", headers=HTML)
    assert "No suppliers yet" in suppliers.text


def test_suppliers_page_searches_sorts_and_pages(site):
    _login(site, "alice@a.example")
    page = site.get("/orgs/org-a/suppliers?q=secret&sort=name&order=asc", headers=HTML)
    assert page.status_code == 200
    assert "Secret Steel Co" in page.text
    assert "Other Metals" not in page.text
    assert "Suppliers 1–1 of 1" in page.text
    everyone = site.get("/orgs/org-a/suppliers?sort=name&order=desc", headers=HTML).text
    assert everyone.index("Secret Steel Co") < everyone.index("Other Metals")
    assert 'aria-sort="descending"' in everyone
    # a page past the last (a link kept from a longer list) goes to the last page
    beyond = site.get("/orgs/org-a/suppliers?page=9&sort=name", headers=HTML)
    assert beyond.status_code == 200
    assert beyond.url.path == "/orgs/org-a/suppliers"
    assert "page=9" not in str(beyond.url)
    assert "Secret Steel Co" in beyond.text
    detail = site.get("/orgs/org-a/suppliers/S1", headers=HTML)
    assert "Emissions by method over the years" in detail.text
    assert "Spend-based" in detail.text
    assert 'id="chart-supplier"' in detail.text


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


def test_viewers_see_uploads_and_runs_but_cannot_start_them(site):
    _login(site, "victor@a.example")
    page = site.get("/orgs/org-a/uploads", headers=HTML).text
    assert 'enctype="multipart/form-data"' not in page
    assert "needs the analyst role" in page
    token = _csrf(site, "/orgs/org-a/runs")
    response = site.post(
        "/orgs/org-a/runs", data={"csrf_token": token, "year": "2024"}, headers=HTML
    )
    assert response.status_code == 403
    assert "analyst role" in response.text


def test_an_upload_becomes_a_job_with_progress_and_a_rejected_rows_report(site, ctx):
    _login(site, "alice@a.example")
    token = _csrf(site, "/orgs/org-a/uploads")
    body = (
        "line_id,supplier_id,date,amount,currency,naics_code,description\n"
        "N1,S1,2024-05-01,1000,USD,331110,steel\n"
        "N2,S1,2024-05-02,lots,USD,331110,steel\n"
    )
    response = site.post(
        "/orgs/org-a/uploads",
        headers=HTML,
        data={"csrf_token": token, "kind": "purchases", "skip_invalid": "1"},
        files={"file": ("more.csv", body.encode(), "text/csv")},
        follow_redirects=False,
    )
    assert response.status_code == 303
    page = site.get("/orgs/org-a/uploads", headers=HTML).text
    job_id = int(re.search(r'id="job-(\d+)"', page).group(1))
    assert 'hx-trigger="every 1s"' in page
    assert "<progress" in page
    assert job_service.run_one(ctx)
    row = site.get(f"/orgs/org-a/jobs/{job_id}", headers={**HTML, "HX-Request": "true"})
    assert "hx-get" not in row.text
    assert "1 new" in row.text
    assert "1 rejected" in row.text
    assert "HX-Refresh" not in row.headers
    rejected = site.get(f"/orgs/org-a/jobs/{job_id}/rejected-rows", headers=HTML)
    assert rejected.status_code == 200
    assert rejected.headers["content-type"].startswith("text/csv")
    assert "N2" in rejected.text
    assert "upload.submit" in _audit_actions(ctx)


def test_a_calculation_runs_as_a_job_and_lists_its_restatements(site, ctx):
    _login(site, "alice@a.example")
    token = _csrf(site, "/orgs/org-a/runs")
    response = site.post(
        "/orgs/org-a/runs",
        data={"csrf_token": token, "year": "2024", "gwp": "AR6"},
        headers=HTML,
        follow_redirects=False,
    )
    assert response.status_code == 303
    page = site.get("/orgs/org-a/runs", headers=HTML).text
    job_id = int(re.search(r'id="job-(\d+)"', page).group(1))
    assert job_service.run_one(ctx)
    row = site.get(f"/orgs/org-a/jobs/{job_id}", headers={**HTML, "HX-Request": "true"})
    assert row.headers["HX-Refresh"] == "true"
    assert "Open the dashboard" in row.text
    runs = site.get("/orgs/org-a/runs", headers=HTML).text
    assert "AR6" in runs
    assert "against run 1" in runs
    assert "calculation.submit" in _audit_actions(ctx)
    bad = site.post(
        "/orgs/org-a/runs", data={"csrf_token": token, "year": "2024", "gwp": "AR9"}, headers=HTML
    )
    assert bad.status_code == 422
    assert "AR9" in bad.text
    assert _title(bad.text) == "Calculation runs – Alpha Chips · Greenchain"


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
        path,
        data={"csrf_token": _csrf(site, path), "password": "yet another fresh phrase"},
        headers=HTML,
    )
    assert again.status_code == 404


def test_a_bad_query_value_gets_a_friendly_page_naming_the_field(site):
    _login(site, "alice@a.example")
    response = site.get("/orgs/org-a/dashboard?year=soon", headers=HTML)
    assert response.status_code == 422
    assert "<title>" in response.text
    assert "year" in response.text
    assert "Traceback" not in response.text


def test_the_ledger_page_shows_each_records_proof_status_and_who_verified_it(site, ctx):
    from greenchain.services import ledger

    _login(site, "alice@a.example")
    page = site.get("/orgs/org-a/ledger", headers=HTML)
    assert page.status_code == 200
    assert _title(page.text) == "Ledger – Alpha Chips · Greenchain"
    assert page.text.count('<span class="ok">proved</span>') == 3
    assert '<span class="ok">unchanged</span>' in page.text
    token = _csrf(site, "/orgs/org-a/ledger")
    recorded = site.post(
        "/orgs/org-a/ledger/claims",
        data={
            "csrf_token": token,
            "name": "Kiln heat recovery",
            "scope": "1",
            "year": "2024",
            "t_co2e": "18.5",
            "kind": "project_result",
        },
        headers=HTML,
    )
    assert "recorded as ledger entry 3" in recorded.text
    refused = site.post(
        "/orgs/org-a/ledger/claims",
        data={"csrf_token": token, "name": "x", "scope": "1", "year": "2024", "t_co2e": "-1"},
        headers=HTML,
    )
    assert refused.status_code == 422
    assert "field &#39;t_co2e&#39;" in refused.text
    ledger.engage_verifier(ctx, "org-a", "org-b")
    site.post("/logout", data={"csrf_token": _csrf(site, "/orgs/org-a/ledger")}, headers=HTML)
    _login(site, "bob@b.example")
    entry = site.get("/orgs/org-b/ledger/3", headers=HTML).text
    assert '<span class="ok">verifies</span>' in entry
    assert "Kiln heat recovery" in entry
    signed = site.post(
        "/orgs/org-b/ledger/3/verifications",
        data={
            "csrf_token": _csrf(site, "/orgs/org-b/ledger/3"),
            "scope": "Kiln 2024",
            "assurance": "limited",
        },
        headers=HTML,
    )
    assert "Verification statement signed" in signed.text
    witnessed = site.post(
        "/orgs/org-b/ledger/witness",
        data={"csrf_token": _csrf(site, "/orgs/org-b/ledger")},
        headers=HTML,
    )
    assert "co-signed" in witnessed.text
    assert site.get("/orgs/org-a/ledger", headers=HTML).status_code == 404
    site.post("/logout", data={"csrf_token": _csrf(site, "/orgs/org-b/ledger")}, headers=HTML)
    _login(site, "alice@a.example")
    page = site.get("/orgs/org-a/ledger", headers=HTML).text
    assert "verified by Beta Modules on" in page
    assert "Witnessed by</dt><dd>org-b" in page


def test_the_ledger_page_filters_by_kind_and_date_pages_and_names_kinds_for_people(site, ctx):
    from greenchain.services.reductions import Claim, add_claim

    for i in range(30):
        add_claim(ctx, "org-a", Claim(f"Project {i}", "3", 2024, 1234.5678 + i))
    _login(site, "alice@a.example")
    page = site.get("/orgs/org-a/ledger", headers=HTML).text
    assert "33 entries, newest first; page 1 of 2." in page
    assert page.count('<span class="ok">proved</span>') == 25
    assert "Reduction claim" in page
    assert "Project 29: 1,263.6 t CO2e in 2024" in page
    assert "No witness yet." in page
    assert "greenchain ledger export" in page
    older = site.get("/orgs/org-a/ledger?page=2", headers=HTML).text
    assert older.count('<span class="ok">proved</span>') == 8
    imports = site.get("/orgs/org-a/ledger?kind=import", headers=HTML).text
    assert "entries match, newest first; page 1 of 1." in imports
    assert "Reduction claim" not in imports.split("<table")[1].split("</table>")[0]
    future = site.get("/orgs/org-a/ledger?since=2099-01-01", headers=HTML).text
    assert "0 entries match" in future
    blank = site.get("/orgs/org-a/ledger?kind=&since=&until=", headers=HTML)
    assert blank.status_code == 200


def test_the_dashboard_says_whether_the_run_on_screen_is_verified(site, ctx):
    from greenchain.services import ledger
    from greenchain.services.inventory import calculate_inventory

    ledger.engage_verifier(ctx, "org-a", "org-b")
    ledger.attest(ctx, "org-b", 2, ledger.Review("Inventory 2024", "ISO 14064-3", "limited"))
    _login(site, "alice@a.example")
    page = site.get("/orgs/org-a/dashboard?year=2024", headers=HTML).text
    assert "Recorded as" in page
    assert "verified by Beta Modules on" in page
    calculate_inventory(ctx, "org-a", 2024)  # a newer run: not reviewed
    page = site.get("/orgs/org-a/dashboard?year=2024", headers=HTML).text
    assert "not verified</span>: the verified figure of 2024 is run 1" in page
