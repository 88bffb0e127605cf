"""A real browser (Debian's chromium driven by Playwright): a supplier answers two customers'
request in its portal (the draft saves itself as it types), shares with one of them, and that
buyer accepts the answer; the other buyer sees nothing of it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from greenchain.domain.access import Role
from greenchain.services import engagement
from greenchain.services.accounts import add_user
from greenchain.services.factors import import_factor_sets
from greenchain.services.imports import import_records
from greenchain.services.orgs import add_organisation
from tests.conftest import make_context
from tests.e2e.live import launch, serve
from tests.factories import link_supplier, supplier, write_csv

pytestmark = pytest.mark.slow
PASSWORD = "correct horse battery"


@pytest.fixture
def server(tmp_path: Path, factor_cache) -> Iterator[str]:
    ctx = make_context(f"sqlite:///{tmp_path / 'web.db'}", factor_cache)
    import_factor_sets(ctx, ["epa-supply-chain-v1.3"])
    for slug, name in (("chipco", "Chip Co"), ("osatco", "OSAT Co"), ("steelco", "Steel Co")):
        add_organisation(ctx, slug, name)
    for buyer in ("chipco", "osatco"):
        write_csv(tmp_path / f"{buyer}.csv", "suppliers", [supplier("ST-1", name="Steel Co")])
        import_records(ctx, buyer, "suppliers", tmp_path / f"{buyer}.csv")
        link_supplier(ctx, buyer, "ST-1", "steelco")
        engagement.send_request(
            ctx,
            buyer,
            year=2025,
            deadline=dt.date(2026, 12, 31),
            recipients=[("ST-1", "sam@steel.example")],
        )
    add_user(ctx, "sam@steel.example", PASSWORD, "steelco", Role.ANALYST)
    add_user(ctx, "ana@chip.example", PASSWORD, "chipco", Role.ANALYST)
    add_user(ctx, "oli@osat.example", PASSWORD, "osatco", Role.ANALYST)
    with serve(ctx, tmp_path) as base:
        yield base


def _login(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/login" not in page.url


def test_a_supplier_answers_in_its_portal_and_one_buyer_accepts(server):
    base = server
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        problems: list[str] = []
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))

        _login(page, base, "sam@steel.example")
        page.goto(f"{base}/orgs/steelco/portal")
        expect(page).to_have_title("Supplier portal – Steel Co · Greenchain")
        expect(page.locator("table.portal-requests tbody tr")).to_have_count(2)
        page.get_by_role("link", name="Answer the 2025 request of Chip Co").click()
        page.fill("#q-revenue", "50000000")
        page.fill("#q-currency", "usd")
        page.fill("#q-scope1_t", "1200")
        expect(page.locator("#draft-status")).to_contain_text("Draft saved at", timeout=10_000)
        page.fill("#q-scope2_market_t", "800")
        page.fill("#q-scope3_upstream_t", "4000")
        page.select_option("#q-method", "ghg_protocol")
        page.select_option("#q-verification", "none")
        page.select_option("#q-sbt_status", "committed")
        page.check("#q-certifications-iso_14001")
        page.click("text=Submit to Chip Co")
        expect(page.locator(".notice")).to_contain_text("Submitted and shared with Chip Co")
        page.goto(f"{base}/orgs/steelco/portal")
        expect(page.locator("main")).to_contain_text("Chip Co: may see it")
        page.click("form.logout button")

        _login(page, base, "oli@osat.example")
        page.goto(f"{base}/orgs/osatco/requests/2")
        expect(page.locator("main")).not_to_contain_text("Answer of")
        page.click("form.logout button")

        _login(page, base, "ana@chip.example")
        page.goto(f"{base}/orgs/chipco/requests")
        page.get_by_role("link", name="Request 1").click()
        expect(page.locator("main")).to_contain_text("Answer of Steel Co")
        expect(page.locator("main")).to_contain_text("1,200")
        page.click("text=Accept")
        expect(page.locator(".notice")).to_contain_text("the next calculation run uses")

        # A joint program with the other buyer, and the supplier they share.
        page.goto(f"{base}/orgs/chipco/programs")
        page.fill("#pg-name", "Joint steel program")
        page.fill("#pg-goals", "All shared suppliers with science-based targets by 2027")
        page.fill("#pg-start", "2026-01-01")
        page.fill("#pg-end", "2027-12-31")
        page.fill("#pg-co", "osatco")
        page.click("text=Create program")
        expect(page.locator("main")).to_contain_text("OSAT Co (not accepted yet)")
        page.click("text=Find common suppliers")
        expect(page.locator(".notice")).to_contain_text("1 to review")
        page.click("button[value=confirm]")
        expect(page.locator("main")).to_contain_text("confirmed")
        browser.close()
    assert not problems, problems


def test_a_refused_form_comes_back_with_what_was_typed(server):
    base = server
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page()
        _login(page, base, "ana@chip.example")
        page.goto(f"{base}/orgs/chipco/programs")
        page.fill("#pg-name", "Joint steel program")
        page.fill("#pg-goals", "All shared suppliers with science-based targets by 2027")
        page.fill("#pg-start", "2027-01-01")
        page.fill("#pg-end", "2026-12-31")  # before the start: refused
        page.fill("#pg-co", "osatco")
        page.click("text=Create program")
        expect(page.locator("main")).to_contain_text("is not after the start")
        expect(page.locator("#pg-name")).to_have_value("Joint steel program")
        expect(page.locator("#pg-goals")).to_have_value(
            "All shared suppliers with science-based targets by 2027"
        )
        expect(page.locator("#pg-end")).to_have_value("2026-12-31")
        expect(page.locator("#pg-co")).to_have_value("osatco")
        browser.close()
