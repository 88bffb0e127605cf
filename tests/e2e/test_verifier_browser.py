"""The verifier's first week in a real browser (Debian chromium): it lands on its engagements,
opens the run under review and its lines, draws a sample, records what it found on a line,
sends a finding, and signs the verification statement in the ledger; the engagement then
shows it signed. Screenshots of each page are saved next to the test's files."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from greenchain.domain.access import Role
from greenchain.services import verification
from greenchain.services.accounts import add_user
from greenchain.services.imports import import_records
from greenchain.services.inventory import calculate_inventory
from greenchain.services.orgs import add_organisation
from tests.conftest import make_context
from tests.e2e.live import launch, serve, watch_errors
from tests.factories import activity, purchase, supplier, write_csv

pytestmark = pytest.mark.slow
PASSWORD = "correct horse battery"


@pytest.fixture
def server(tmp_path: Path, factor_cache, sqlite_template: Path) -> Iterator[str]:
    target = tmp_path / "web.db"
    shutil.copyfile(sqlite_template, target)
    ctx = make_context(f"sqlite:///{target}", factor_cache)
    add_organisation(ctx, "fab", "Formosa Fab")
    add_organisation(ctx, "verity", "Verity Assurance")
    add_user(ctx, "vera@verity.example", PASSWORD, "verity", Role.ANALYST)
    write_csv(tmp_path / "s.csv", "suppliers", [supplier("S1"), supplier("S2")])
    import_records(ctx, "fab", "suppliers", tmp_path / "s.csv")
    lines = [purchase(f"P{i}", f"S{i % 2 + 1}", date="2025-03-01", amount=str(900 * (i + 1)))
             for i in range(30)]  # fmt: skip
    write_csv(tmp_path / "p.csv", "purchases", lines)
    import_records(ctx, "fab", "purchases", tmp_path / "p.csv")
    write_csv(tmp_path / "a.csv", "activity", [activity("E1", date="2025-06-30")])
    import_records(ctx, "fab", "activity", tmp_path / "a.csv")
    calculate_inventory(ctx, "fab", 2025)
    verification.engage(ctx, "fab", "verity", year=2025, scope="GHG inventory 2025")
    with serve(ctx, tmp_path) as base:
        yield base
    ctx.workspace.close()  # type: ignore[attr-defined]


def test_a_verifier_reviews_samples_reports_and_signs_in_the_browser(server, tmp_path):
    base = server
    shots = tmp_path / "screenshots"
    shots.mkdir()
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        problems = watch_errors(page)
        page.goto(f"{base}/login")
        page.fill("#email", "vera@verity.example")
        page.fill("#password", PASSWORD)
        page.keyboard.press("Enter")
        expect(page).to_have_url(f"{base}/orgs/verity/engagements")
        expect(page.locator("table.engagements")).to_contain_text("Formosa Fab")
        page.screenshot(path=shots / "1-engagements.png", full_page=True)

        page.get_by_role("link", name="Formosa Fab").click()
        expect(page.locator("h1")).to_have_text("Formosa Fab · 2025")
        page.screenshot(path=shots / "2-engagement.png", full_page=True)

        page.get_by_role("link", name="open its lines").click()
        expect(page.locator("table.lines tbody tr").first).to_be_visible()
        page.screenshot(path=shots / "3-lines.png")
        page.go_back()

        page.fill("#s-seed", "11")
        page.click("text=Draw a sample")
        expect(page.locator("h1")).to_contain_text("Sample")
        first = page.locator("table.sample tbody tr").first
        line_id = first.locator("td").first.inner_text().split()[0]
        first.locator("select").select_option("exception")
        first.locator("input[name=note]").fill("invoice shows a lower amount")
        first.locator("button").click()
        expect(page.locator("p.notice")).to_contain_text(f"{line_id}: exception recorded")
        expect(page.locator("main")).to_contain_text("1 checked, 1 exception")
        page.screenshot(path=shots / "4-sample.png")

        page.goto(f"{base}/orgs/verity/engagements/fab")
        page.select_option("#f-sev", "medium")
        page.fill("#f-line", line_id)
        page.fill("#f-desc", "Amount of the sampled line differs from the invoice")
        page.click("text=Send the finding")
        expect(page.locator("p.notice")).to_contain_text("Finding sent to Formosa Fab")

        page.get_by_role("link", name="sign the verification statement").click()
        page.fill("#v-scope", "GHG inventory 2025, Scope 1, 2 and 3")
        page.fill("#v-findings", "One exception on a sampled line, below materiality.")
        page.click("text=Sign statement as Verity Assurance")
        expect(page.locator("p.notice")).to_contain_text("Verification statement signed")
        page.screenshot(path=shots / "5-signed.png")

        page.goto(f"{base}/orgs/verity/engagements")
        expect(page.locator("table.engagements")).to_contain_text("signed")
        browser.close()
    assert not problems, problems
    assert len(list(shots.glob("*.png"))) == 5
