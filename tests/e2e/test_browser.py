"""A real browser (Debian's chromium driven by Playwright) against the running web app:
log in, upload purchases, download the rejected rows, calculate, see the dashboard charts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from greenchain.domain.access import Role
from greenchain.services.accounts import add_user
from greenchain.services.factors import import_factor_sets
from greenchain.services.imports import import_records
from greenchain.services.orgs import add_organisation
from tests.conftest import make_context
from tests.e2e.live import launch, serve, watch_errors
from tests.factories import supplier, write_csv

pytestmark = pytest.mark.slow


@pytest.fixture
def server(tmp_path: Path, factor_cache) -> Iterator[tuple[str, Path]]:
    ctx = make_context(f"sqlite:///{tmp_path / 'web.db'}", factor_cache)
    import_factor_sets(ctx, ["epa-supply-chain-v1.3"])
    add_organisation(ctx, "acme", "Acme Semiconductors")
    add_user(ctx, "ana@acme.example", "correct horse battery", "acme", Role.ANALYST)
    write_csv(tmp_path / "s.csv", "suppliers", [supplier("S1"), supplier("S2", country="JP")])
    import_records(ctx, "acme", "suppliers", tmp_path / "s.csv")
    purchases = tmp_path / "purchases.csv"
    purchases.write_text(
        "line_id,supplier_id,date,amount,currency,naics_code,description\n"
        "P1,S1,2025-02-03,25000,USD,331110,steel\n"
        "P2,S2,2025-03-04,1500000,JPY,325120,gases\n"
        "P3,S2,2025-03-05,not-a-number,JPY,325120,gases\n",
        encoding="utf-8",
    )
    with serve(ctx, tmp_path, jobs=True) as base:
        yield base, purchases


def test_analyst_uploads_purchases_calculates_and_sees_the_dashboard(server, tmp_path):
    base, purchases = server
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        problems = watch_errors(page)

        # Log in with the keyboard: skip link, home link, then the email field, focus visible.
        page.goto(f"{base}/login")
        expect(page).to_have_title("Log in · Greenchain")
        order = []
        for _ in range(3):
            page.keyboard.press("Tab")
            order.append(
                page.evaluate("document.activeElement.id || document.activeElement.className")
            )
        assert order == ["skip", "brand", "email"]
        focus = page.evaluate(
            "(() => { const s = getComputedStyle(document.activeElement);"
            " return [s.outlineStyle, parseFloat(s.outlineWidth)]; })()"
        )
        assert focus[0] != "none", focus
        assert focus[1] >= 2, focus
        page.keyboard.type("ana@acme.example")
        page.keyboard.press("Tab")
        page.keyboard.type("correct horse battery")
        page.keyboard.press("Enter")
        expect(page).to_have_url(f"{base}/orgs/acme/dashboard")
        expect(page.locator("h2", has_text="No inventory")).to_be_visible()

        # Upload purchases with one bad row; the job row is polled until it is done.
        page.get_by_role("link", name="uploads page").click()
        expect(page).to_have_title("Uploads – Acme Semiconductors · Greenchain")
        page.select_option("#kind", "purchases")
        page.set_input_files("#file", str(purchases))
        page.check("#skip_invalid")
        page.click("form.upload button[type=submit]")
        expect(page.locator(".status-done").first).to_be_visible(timeout=20_000)
        expect(page.locator("table.jobs tbody")).to_contain_text("2 new")
        expect(page.locator("table.jobs tbody")).to_contain_text("1 rejected")
        with page.expect_download() as info:
            page.click("a.rejected")
        saved = tmp_path / "rejected.csv"
        info.value.save_as(saved)
        assert "P3" in saved.read_text(encoding="utf-8")

        # Start the calculation; the page reloads with the new run when the job is done.
        page.goto(f"{base}/orgs/acme/runs")
        page.fill("#run-year", "2025")
        page.click("form.calculate button[type=submit]")
        expect(page.locator("table.runs tbody")).to_contain_text("2025", timeout=20_000)
        expect(page.locator(".status-done").first).to_be_visible()

        # The dashboard with its three charts, at laptop and tablet widths.
        page.get_by_role("link", name="Open the dashboard").first.click()
        expect(page).to_have_title("Dashboard 2025 – Acme Semiconductors · Greenchain")
        page.wait_for_function(
            "() => window.greenchainCharts && window.greenchainCharts.length === 3"
        )
        assert page.locator("canvas").count() == 3
        assert page.evaluate("window.greenchainCharts.map(c => c.config.type)") == [
            "bar",
            "bar",
            "doughnut",
        ]
        sizes = page.evaluate("window.greenchainCharts.map(c => [c.width, c.height])")
        assert all(w > 200 and h > 200 for w, h in sizes), sizes
        page.set_viewport_size({"width": 768, "height": 1024})
        page.wait_for_function(
            "() => window.greenchainCharts.every(c => c.width <= 768)", timeout=5_000
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= 768
        assert page.locator("#chart-pareto").is_visible()

        # A supplier's page charts its emissions by method over the years.
        page.get_by_role("link", name="Supplier S2").first.click()
        page.wait_for_function(
            "() => window.greenchainCharts && window.greenchainCharts.length === 1"
        )
        expect(page.locator("h1")).to_have_text("Supplier S2")

        # Targets: a base year entered by hand, a Scope 3 target, its path charted.
        page.goto(f"{base}/orgs/acme/targets")
        expect(page).to_have_title("Targets – Acme Semiconductors · Greenchain")
        page.get_by_role("link", name="Emissions history").click()
        page.fill("#history-year", "2020")
        page.select_option("#history-scope", "3")
        page.fill("#history-t", "1.5")
        page.click('form[aria-label="Enter a year\'s total"] button[type=submit]')
        expect(page.locator("p.notice")).to_be_visible()
        page.get_by_role("navigation", name="Targets").get_by_role("link", name="Targets").click()
        page.fill("#t-name", "Scope 3 -25 % by 2030")
        page.select_option("#t-kind", "absolute")
        page.check("#t-scope-3")
        page.fill("#t-base", "2020")
        page.fill("#t-year", "2030")
        page.fill("#t-reduction", "25")
        page.fill("#t-coverage", "70")
        page.click("text=Add target")
        expect(page.locator("main")).to_contain_text("Scope 3 -25 % by 2030")
        page.wait_for_function(
            "() => window.greenchainCharts && window.greenchainCharts.length >= 1"
        )

        # The progress report, created in the browser and opened as HTML with its charts.
        page.goto(f"{base}/orgs/acme/reports")
        page.fill("#report-year", "2025")
        page.click("text=Create report")
        expect(page.locator("table.reports tbody")).to_contain_text("2025", timeout=20_000)
        with page.expect_popup() as popup:
            page.get_by_role("link", name="HTML").first.click()
        report = popup.value
        report.wait_for_load_state()
        assert report.locator("svg").count() >= 3
        expect(report.locator("h1")).to_contain_text("progress report 2025")

        # Every record of the organisation is proved against the signed tree head.
        page.goto(f"{base}/orgs/acme/ledger")
        expect(page).to_have_title("Ledger – Acme Semiconductors · Greenchain")
        assert page.locator("span.bad").count() == 0
        assert page.locator("text=proved").count() >= 4
        browser.close()
    assert not problems, problems


def test_withdrawing_a_target_asks_first_and_a_no_keeps_it(server):
    base, _ = server
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        problems = watch_errors(page)
        page.goto(f"{base}/login")
        page.fill("#email", "ana@acme.example")
        page.fill("#password", "correct horse battery")
        page.keyboard.press("Enter")
        expect(page).to_have_url(f"{base}/orgs/acme/dashboard")
        page.goto(f"{base}/orgs/acme/targets/history")
        page.fill("#history-year", "2020")
        page.select_option("#history-scope", "3")
        page.fill("#history-t", "1.5")
        page.click('form[aria-label="Enter a year\'s total"] button[type=submit]')
        expect(page.locator("p.notice")).to_be_visible()
        page.goto(f"{base}/orgs/acme/targets")
        page.fill("#t-name", "Scope 3 -25 % by 2030")
        page.select_option("#t-kind", "absolute")
        page.check("#t-scope-3")
        page.fill("#t-base", "2020")
        page.fill("#t-year", "2030")
        page.fill("#t-reduction", "25")
        page.click("text=Add target")
        withdraw = page.get_by_role("button", name="Withdraw target Scope 3 -25 % by 2030")
        asked: list[str] = []

        def answer(dialog, accept: bool) -> None:
            asked.append(dialog.message)
            if accept:
                dialog.accept()
            else:
                dialog.dismiss()

        page.once("dialog", lambda d: answer(d, False))
        withdraw.click()
        expect(withdraw).to_be_visible()  # still there: the person said no
        assert "Withdraw the target “Scope 3 -25 % by 2030”?" in asked[0]
        page.once("dialog", lambda d: answer(d, True))
        withdraw.click()
        expect(page.locator("main")).not_to_contain_text("Withdraw target Scope 3 -25 %")
        expect(withdraw).to_have_count(0)
        browser.close()
    assert not problems, problems
