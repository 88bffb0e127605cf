"""A Taiwanese fab in a real browser: it uploads its F-gas and electricity activity and its
take-back records on the uploads page, calculates, finds NF3 and HFCs on the dashboard with
the take-back rates beside the emissions, and follows the NF3 figure to its line: the
40 CFR 98 subpart I Table I-20 rates and the abatement used."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from greenchain.domain.access import Role
from greenchain.services.accounts import add_user
from greenchain.services.orgs import add_organisation
from tests.conftest import make_context
from tests.e2e.live import launch, serve, watch_errors

pytestmark = pytest.mark.slow
PASSWORD = "correct horse battery"

ACTIVITY = """activity_id,date,activity,amount,unit,country,gas,process,abatement
TW-EL-01,2025-03-31,electricity,1200000,kWh,TW,,,
TW-LEAK-01,2025-06-30,refrigerant_leak,12,kg,TW,R-410A,,
TW-NF3-01,2025-06-30,process_gas,100,kg,TW,NF3,remote_plasma_clean,0.9
TW-CF4-01,2025-06-30,fgas_emission,5,kg,TW,CF4,,
"""
TAKE_BACK = (
    "record_id,year,product_line,units_returned,tonnes_returned,share_reused,share_recycled\n"
    "TB-25-MOD,2025,modules,2000,40,0.28,0.72\n"
)


@pytest.fixture
def server(tmp_path: Path, factor_cache, sqlite_template: Path) -> Iterator[tuple[str, Path]]:
    target = tmp_path / "web.db"
    shutil.copyfile(sqlite_template, target)
    ctx = make_context(f"sqlite:///{target}", factor_cache)
    add_organisation(ctx, "fab", "Formosa Fab")
    add_user(ctx, "ana@fab.example", PASSWORD, "fab", Role.ANALYST)
    (tmp_path / "activity.csv").write_text(ACTIVITY, encoding="utf-8")
    (tmp_path / "take-back.csv").write_text(TAKE_BACK, encoding="utf-8")
    with serve(ctx, tmp_path, jobs=True) as base:
        yield base, tmp_path
    ctx.workspace.close()  # type: ignore[attr-defined]


def _upload(page: Page, kind: str, path: Path, expected: str) -> None:
    page.select_option("#kind", kind)
    page.set_input_files("#file", str(path))
    page.click("form.upload button[type=submit]")
    expect(page.locator("table.jobs tbody tr").first).to_contain_text(expected, timeout=20_000)


def test_a_fab_uploads_fgases_and_take_back_and_follows_nf3_to_its_line(server):
    base, files = server
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        problems = watch_errors(page)
        page.goto(f"{base}/login")
        page.fill("#email", "ana@fab.example")
        page.fill("#password", PASSWORD)
        page.keyboard.press("Enter")
        expect(page).to_have_url(f"{base}/orgs/fab/dashboard")

        page.goto(f"{base}/orgs/fab/uploads")
        _upload(page, "activity", files / "activity.csv", "4 new")
        _upload(page, "take-back", files / "take-back.csv", "1 new")

        page.goto(f"{base}/orgs/fab/runs")
        page.fill("#run-year", "2025")
        page.click("form.calculate button[type=submit]")
        expect(page.locator("table.runs tbody")).to_contain_text("2025", timeout=30_000)

        page.goto(f"{base}/orgs/fab/dashboard?year=2025")
        gases = page.locator("section[aria-labelledby=h-gases] tbody")
        for family in ("NF3", "HFCs", "PFCs"):
            expect(gases).to_contain_text(family)
        take_back = page.locator("h3", has_text="Take-back of sold products")
        expect(take_back).to_be_visible()
        expect(page.locator("main")).to_contain_text("28.0%")

        page.get_by_role("link", name="input lines calculated").click()
        page.fill("#f-q", "TW-NF3-01")
        page.click("form.filters button[type=submit]")
        row = page.locator("table.lines tbody tr")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("Table I-20")
        expect(row).to_contain_text("0.9")
        expect(row).to_contain_text("40cfr98-subpart-i")
        browser.close()
    assert not problems, problems
