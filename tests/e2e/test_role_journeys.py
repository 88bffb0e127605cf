"""Each role's first week on the demo workspace that ``make run`` builds, in a real browser
(Debian chromium), on SQLite and on PostgreSQL: the buyer, a supplier answering its second
customer, the partner company sponsoring the joint program, the verifier, and the supplier
that hosts PACT footprints. No page may answer 4xx or 5xx to what a person does; every page
of each journey is saved as a screenshot next to the test's files."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect, sync_playwright
from sqlalchemy import create_engine, text

from greenchain.bootstrap import bootstrap
from greenchain.config import Settings
from tests.conftest import PG_ADMIN_URL
from tests.e2e.live import launch, serve, watch_errors

pytestmark = pytest.mark.slow
PASSWORD = "greenchain-demo"
BUYER = "demo-semiconductor"


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, factors_dir: Path
) -> Iterator[str]:
    """The demo workspace built by the command ``make run`` runs, served on a free port."""
    folder = tmp_path_factory.mktemp(f"journeys-{request.param}")
    pg_name = f"greenchain_journeys_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'demo.db'}"
    else:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{pg_name}"'))
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{pg_name}"
    env = {
        "GREENCHAIN_DB": url,
        "GREENCHAIN_DATA_DIR": str(factors_dir.parent),
        "GREENCHAIN_SECRETS_FILE": str(folder / "secrets.json"),
    }
    # in a process of its own, as ``make run`` runs it (its connections end with it)
    built = subprocess.run(
        [sys.executable, "-m", "greenchain", "demo", "--folder", str(folder / "files")],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=900,
        check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        settings = Settings()
        ctx = bootstrap(settings)
        with serve(ctx, folder, jobs=True, settings=settings) as base:
            yield base
        ctx.workspace.close()  # type: ignore[attr-defined]
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        if request.param == "postgresql":
            with admin.connect() as conn:
                conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = :n AND pid <> pg_backend_pid()"
                    ),
                    {"n": pg_name},
                )
                conn.execute(text(f'DROP DATABASE IF EXISTS "{pg_name}"'))
        admin.dispose()


class Journey:
    """A browser page that logs in, saves a screenshot of each step, and collects script
    errors and pages answered with 4xx or 5xx."""

    def __init__(self, page: Page, base: str, shots: Path) -> None:
        self.page, self.base, self.shots = page, base, shots
        self.problems = watch_errors(page)
        self.failed: list[tuple[int, str]] = []
        self.steps = 0
        page.on("response", self._check)

    def _check(self, response: Any) -> None:
        if response.status >= 400 and response.request.resource_type == "document":
            self.failed.append((response.status, response.url))

    def login(self, email: str) -> None:
        self.page.goto(f"{self.base}/login")
        self.page.fill("#email", email)
        self.page.fill("#password", PASSWORD)
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")

    def shot(self, name: str) -> None:
        self.steps += 1
        self.page.screenshot(path=self.shots / f"{self.steps:02d}-{name}.png", full_page=True)

    def done(self) -> None:
        assert not self.failed, self.failed
        assert not self.problems, self.problems
        assert len(list(self.shots.glob("*.png"))) == self.steps


@pytest.fixture
def journey(demo: str, tmp_path: Path) -> Iterator[Journey]:
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        shots = tmp_path / "screenshots"
        shots.mkdir()
        yield Journey(page, demo, shots)
        browser.close()


def test_the_buyer_finds_hotspots_asks_suppliers_follows_lines_and_plans(journey):
    j, page = journey, journey.page
    j.login("analyst@lumen-semi.example")
    expect(page).to_have_url(f"{j.base}/orgs/{BUYER}/dashboard")
    page.wait_for_function("() => window.greenchainCharts && window.greenchainCharts.length >= 3")
    j.shot("dashboard")
    page.get_by_role("link", name="Suppliers", exact=True).first.click()
    page.locator("table.suppliers input[type=checkbox]").nth(0).check()
    page.locator("table.suppliers input[type=checkbox]").nth(1).check()
    page.click("text=Request climate data from the ticked suppliers")
    expect(page.locator("#h-preview")).to_contain_text("the 2 suppliers you ticked")
    j.shot("campaign-preview")
    page.goto(f"{j.base}/orgs/{BUYER}/runs")
    page.locator("table.runs a[href$='/lines']").first.click()
    page.select_option("#f-scope", "1")
    page.click("form.filters button[type=submit]")
    expect(page.locator("table.lines tbody tr").first).to_be_visible()
    j.shot("run-lines")
    page.goto(f"{j.base}/orgs/{BUYER}/targets")
    j.shot("targets")
    page.get_by_role("link", name="What-if roadmap").click()
    page.fill("#rm-eff", "3")
    page.click("form[aria-label='Roadmap levers'] button[type=submit]")
    page.wait_for_function("() => window.greenchainCharts && window.greenchainCharts.length >= 1")
    j.shot("roadmap")
    page.goto(f"{j.base}/orgs/{BUYER}/sourcing")
    expect(page.locator("main")).to_contain_text("not assessed")
    j.shot("sourcing")
    page.goto(f"{j.base}/orgs/{BUYER}/pact")
    expect(page.locator("table.received tbody tr").first).to_be_visible()
    j.shot("pact-received")
    page.goto(f"{j.base}/orgs/{BUYER}/requests")
    page.locator("main table a[href*='/requests/']").first.click()
    expect(page.locator("main")).to_contain_text("Allocation of")
    expect(page.locator("main")).to_contain_text("Allocation based on the quantity of product")
    expect(page.locator("main table")).to_contain_text("t CO2e used")
    j.shot("request-allocation")
    _disclose_the_inventory(j)
    page.goto(f"{j.base}/orgs/{BUYER}/ledger")
    j.shot("ledger")
    j.done()


def _disclose_the_inventory(j: Journey) -> None:
    """Reports: preview the GHG Protocol inventory report of the latest run (a new tab), then
    issue it as PDF and find it among the issued documents."""
    page = j.page
    page.goto(f"{j.base}/orgs/{BUYER}/reports")
    latest = page.locator("#disclosure-run option").nth(1).get_attribute("value")
    assert latest is not None
    assert latest.isdigit()
    page.select_option("#disclosure-kind", label="GHG Protocol inventory report")
    j.shot("reports")
    with page.context.expect_page() as opened:
        page.get_by_role("button", name="Preview").click()
    preview = opened.value
    preview.wait_for_load_state()
    assert "csrf_token" not in preview.url  # the form's token stays out of the address
    expect(preview.locator("h1")).to_contain_text("GHG Protocol inventory report")
    run_row = preview.locator("table.basis tr", has_text="Calculation run")
    expect(run_row.locator("td")).to_have_text(latest)
    j.steps += 1
    preview.screenshot(path=j.shots / f"{j.steps:02d}-disclosure-preview.png", full_page=True)
    preview.close()
    page.select_option("#disclosure-format", "pdf")
    page.get_by_role("button", name="Issue and store").click()
    expect(page.locator("p.notice")).to_contain_text(re.compile(r"Disclosure \d+ issued"))
    issued = page.locator("table.disclosures tbody tr").first
    expect(issued).to_contain_text("GHG Protocol inventory report")
    expect(issued).to_contain_text(f"run {latest}")
    expect(issued).to_contain_text("PDF")
    j.shot("disclosure-issued")


def test_a_supplier_answers_its_second_customer_and_allocates_to_the_first(journey):
    j, page = journey, journey.page
    j.login("supplier@demo-supplier.example")
    # it calculates its own inventory here too, so it starts on its dashboard
    expect(page).to_have_url(f"{j.base}/orgs/demo-supplier/dashboard")
    page.get_by_role("link", name="Portal", exact=True).first.click()
    j.shot("portal")
    page.get_by_role("link", name="Answer the 2025 request of Keystone").first.click()
    expect(page.locator("#q-revenue")).not_to_have_value("")
    j.shot("answer")
    page.click("form.questionnaire button[type=submit]")
    expect(page.locator("p.notice")).to_contain_text("Submitted and shared with")
    j.shot("submitted")
    page.goto(f"{j.base}/orgs/demo-supplier/portal")
    page.get_by_role("link", name="View the 2025 request of Lumen").first.click()
    section = page.locator("#allocation")
    expect(section.locator("h2")).to_have_text(
        "Allocate your emissions to Lumen Semiconductor (demo)"
    )
    expect(section.locator("dl")).to_contain_text("Allocation based on the quantity of product")
    expect(section.locator("dl")).to_contain_text("15.00 % (186,000 of 1,240,000 wafers)")
    expect(page.locator("#alloc-method")).to_have_value("quantity")
    section.scroll_into_view_if_needed()
    j.shot("allocation")
    page.fill("#alloc-customer", "198400")
    page.get_by_role("button", name="Save the allocation to Lumen").click()
    expect(page.locator("p.notice")).to_contain_text("Allocation saved")
    expect(section.locator("dl")).to_contain_text("16.00 % (198,400 of 1,240,000 wafers)")
    j.shot("allocation-saved")
    # its Programs page names the program it takes part in, not "no programs"
    page.goto(f"{j.base}/orgs/demo-supplier/programs")
    expect(page.locator("main")).to_contain_text("Programs you take part in as a supplier")
    expect(page.locator("main")).not_to_contain_text("No programs yet")
    j.shot("programs-taking-part")
    j.done()


def test_the_partner_sponsor_monitors_the_joint_program_with_its_own_figures(journey):
    j, page = journey, journey.page
    j.login("partner@keystone-ats.example")
    expect(page).to_have_url(f"{j.base}/orgs/demo-osat-partner/dashboard")
    j.shot("dashboard")
    page.get_by_role("link", name="Programs").first.click()
    page.locator("main table a").first.click()
    expect(page.locator("main")).to_contain_text("Monitoring")
    first = page.locator("main table tbody tr").first.locator("td").nth(1)
    assert first.inner_text().strip() not in ("0.0", "–", "")
    j.shot("program")
    j.done()


def test_the_verifier_reviews_the_demo_buyers_run_and_signs(journey):
    j, page = journey, journey.page
    j.login("verifier@verity-assurance.example")
    expect(page).to_have_url(f"{j.base}/orgs/demo-assurance/engagements")
    j.shot("engagements")
    page.locator("table.engagements a").first.click()
    j.shot("engagement")
    page.click("text=Draw a sample")
    expect(page.locator("table.sample tbody tr").first).to_be_visible()
    page.locator("table.sample tbody tr").first.locator("button").click()
    expect(page.locator("p.notice")).to_contain_text("agreed recorded")
    j.shot("sample")
    page.goto(f"{j.base}/orgs/demo-assurance/engagements/{BUYER}")
    page.get_by_role("link", name="sign the verification statement").click()
    page.fill("#v-scope", "GHG inventory 2025, Scope 1, 2 and 3")
    page.click("text=Sign statement as")
    expect(page.locator("p.notice")).to_contain_text("Verification statement signed")
    j.shot("signed")
    j.done()


def test_the_pact_supplier_sees_what_it_publishes_and_to_whom(journey):
    j, page = journey, journey.page
    j.login("pcf@demo-pact-supplier.example")
    page.goto(f"{j.base}/orgs/demo-pact-supplier/pact")
    expect(page.locator("main table tbody tr").first).to_be_visible()
    expect(page.locator("main")).to_contain_text("Lumen Semiconductor")
    j.shot("pact")
    j.done()
