"""The annual progress report over a real inventory, targets and credits, on SQLite and
PostgreSQL: rendered to HTML with SVG charts and to PDF, stored, listed, recorded in the
transparency log with the PDF's SHA-256, and out of reach of other organisations."""

from __future__ import annotations

import hashlib
import json
import re
import zlib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from greenchain.adapters.db.reports import SqlReports
from greenchain.adapters.report_render import ReportRenderer
from greenchain.adapters.signing import verify_signature
from greenchain.config import Settings
from greenchain.domain.access import Membership, Principal, Role
from greenchain.domain.errors import NotFoundError, PermissionDeniedError
from greenchain.entrypoints.web.app import create_app
from greenchain.services import ledger
from greenchain.services import progress_report as svc
from greenchain.services import targets as target_svc
from greenchain.services.accounts import add_user, create_api_token
from greenchain.services.context import Context
from greenchain.services.imports import import_records
from greenchain.services.inventory import calculate_inventory
from greenchain.services.orgs import add_organisation
from tests.factories import activity, purchase, supplier, supplier_report, write_csv

ORG = "acme"
OTHER = "globex"
YEAR = 2024


def _pdf_pages(pdf: bytes) -> int:
    """Page objects in a PDF, looking inside its compressed object streams too."""
    parts = [pdf]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, flags=re.S):
        try:
            parts.append(zlib.decompress(stream))
        except zlib.error:
            continue
    return sum(len(re.findall(rb"/Type\s*/Page(?![s\w])", part)) for part in parts)


def _engine(ctx: Context) -> Engine:
    return ctx.workspace.engine  # type: ignore[attr-defined, no-any-return]


@pytest.fixture(scope="module")
def renderer() -> ReportRenderer:
    return ReportRenderer()


@pytest.fixture
def store(ctx: Context, tmp_path: Path) -> SqlReports:
    """acme: entered 2020 base year, a 2024 run (one supplier with its own data, one
    spend-based, grid electricity), an absolute and a renewable target, two credit blocks."""
    add_organisation(ctx, ORG)
    add_organisation(ctx, OTHER)
    targets = ctx.targets
    assert targets is not None
    for scope, value in (("1", 50.0), ("2_market", 5.0), ("2_location", 6.0), ("3", 80.0)):
        target_svc.add_history_total(ctx, targets, ORG, 2020, scope, value, "annual report")
    write_csv(tmp_path / "s.csv", "suppliers", [supplier("S1"), supplier("S2")])
    import_records(ctx, ORG, "suppliers", tmp_path / "s.csv")
    write_csv(tmp_path / "r.csv", "supplier-data", [supplier_report("S1", year=str(YEAR))])
    import_records(ctx, ORG, "supplier-data", tmp_path / "r.csv")
    write_csv(
        tmp_path / "p.csv",
        "purchases",
        [
            purchase("L1", "S1", amount="50000"),
            purchase("L2", "S2", amount="80000", scope3_category="2"),
        ],
    )
    import_records(ctx, ORG, "purchases", tmp_path / "p.csv")
    write_csv(tmp_path / "a.csv", "activity", [activity("A1", amount="20000")])
    import_records(ctx, ORG, "activity", tmp_path / "a.csv")
    calculate_inventory(ctx, ORG, YEAR)
    target_svc.add_target(
        ctx,
        targets,
        ORG,
        name="Operations -42 %",
        kind="absolute",
        scopes=["1", "2_market"],
        base_year=2020,
        target_year=2030,
        reduction=0.42,
    )
    target_svc.add_target(
        ctx,
        targets,
        ORG,
        name="RE100",
        kind="renewable_electricity",
        scopes=["2_market"],
        base_year=2020,
        target_year=2030,
        target_share=1.0,
    )
    for start, kind, use in ((1, "removal", "net zero 2024"), (101, "avoidance", "events")):
        target_svc.retire_credit(
            ctx,
            targets,
            ORG,
            registry="Verra",
            serial_start=start,
            serial_end=start + 9,
            vintage=2023,
            project_type=kind,
            standard="VCS",
            quantity_t=10.0,
            retired_for=use,
        )
    return SqlReports(_engine(ctx))


def test_the_document_model_gathers_inventory_targets_and_credits(ctx: Context, store: SqlReports):
    model = svc.build_progress_report(ctx, ORG, YEAR)

    inventory = model["inventory"]
    assert model["total_t_co2e"] == inventory["total_t_co2e"] > 0
    by_scope = {row["scope"]: row["t_co2e"] for row in inventory["by_scope"]}
    assert by_scope["1"] + by_scope["2_market"] + by_scope["3"] == pytest.approx(
        model["total_t_co2e"], rel=1e-6
    )
    # 1, 2 from purchases; 3 from the well-to-tank and T&D losses of its fuel and electricity
    assert {row["category"] for row in inventory["by_category"]} == {1, 2, 3}
    methods = {row["method"]: row for row in inventory["by_method"]}
    assert methods["supplier_specific"]["t_co2e"] > 0
    assert methods["spend_based"]["t_co2e"] > 0
    assert sum(row["share"] for row in inventory["by_method"]) == pytest.approx(1.0)
    assert 0 < inventory["primary_data_share"] < 1
    engagement = model["supplier_engagement"]
    assert (engagement["suppliers"], engagement["with_primary_data"]) == (2, 1)
    assert engagement["share_by_count"] == 0.5
    assert [h["year"] for h in model["history"]] == [2020, YEAR]
    absolute = next(t for t in model["targets"] if t["name"] == "Operations -42 %")
    path = absolute["trajectory"]
    assert (path["years"][0], path["years"][-1]) == (2020, 2030)
    assert path["path"][0] == pytest.approx(55.0)  # 50 t Scope 1 + 5 t Scope 2 market
    assert path["path"][-1] == pytest.approx(55.0 * 0.58)
    assert path["actual"][0] == pytest.approx(55.0)
    assert path["actual"][YEAR - 2020] is not None
    assert [t["name"] for t in model["renewable_electricity"]["targets"]] == ["RE100"]
    credits = model["credits"]
    assert credits["retired_t"] == 20.0
    assert credits["removals_t"] == credits["avoidance_t"] == 10.0
    assert credits["by_use"] == [
        {"retired_for": "events", "t": 10.0},
        {"retired_for": "net zero 2024", "t": 10.0},
    ]
    json.dumps(model)  # plain data only


def test_a_report_is_rendered_stored_listed_and_logged(
    ctx: Context, store: SqlReports, renderer: ReportRenderer
):
    created = svc.create_progress_report(ctx, store, ORG, YEAR, renderer=renderer)

    report = svc.get_report(ctx, store, ORG, created["id"])
    pdf, html = report["pdf"], report["html"]
    assert pdf.startswith(b"%PDF")
    assert _pdf_pages(pdf) >= 1
    assert hashlib.sha256(pdf).hexdigest() == created["pdf_sha256"] == report["pdf_sha256"]
    assert html.count("<svg") >= 5  # scopes, categories, methods, trajectory, coverage, credits
    assert "<script" not in html
    total = svc.build_progress_report(ctx, ORG, YEAR)["total_t_co2e"]
    assert f"{total:,.1f}" in html
    assert "Operations -42 %" in html
    assert "net zero 2024" in html
    listed = svc.list_reports(ctx, store, ORG)
    assert [(r["id"], r["year"], r["pdf_sha256"]) for r in listed] == [
        (created["id"], YEAR, created["pdf_sha256"])
    ]
    assert listed[0]["pdf_bytes"] == len(pdf)
    assert created["ledger_seq"] is not None
    entry = ledger.show(ctx, created["ledger_seq"])["entry"]
    assert entry["kind"] == "progress_report"
    run_id = svc.build_progress_report(ctx, ORG, YEAR)["inventory"]["run_id"]
    assert entry["payload"] == {
        "year": YEAR,
        "report_id": created["id"],
        "pdf_sha256": created["pdf_sha256"],
        "run_id": run_id,
    }
    assert ledger.verify(ctx, verify_signature) == []
    assert (listed[0]["run_id"], listed[0]["superseded_by"]) == (run_id, None)


def test_a_newer_run_marks_the_stored_report_superseded(
    ctx: Context, store: SqlReports, renderer: ReportRenderer
):
    created = svc.create_progress_report(ctx, store, ORG, YEAR, renderer=renderer)
    first = svc.list_reports(ctx, store, ORG)[0]
    newer = calculate_inventory(ctx, ORG, YEAR)
    listed = svc.list_reports(ctx, store, ORG)[0]
    assert listed["id"] == created["id"]
    assert listed["run_id"] == first["run_id"] != newer.run_id
    assert listed["superseded_by"] == newer.run_id


def test_charts_are_drawn_in_the_pdf(ctx: Context, store: SqlReports, renderer: ReportRenderer):
    model = svc.build_progress_report(ctx, ORG, YEAR)
    without_charts = renderer.pdf(re.sub(r"<svg.*?</svg>", "", renderer.html(model), flags=re.S))
    with_charts = renderer.pdf(renderer.html(model))
    assert len(with_charts) > len(without_charts) + 5_000


def test_another_organisation_cannot_get_the_report(
    ctx: Context, store: SqlReports, renderer: ReportRenderer
):
    created = svc.create_progress_report(ctx, store, ORG, YEAR, renderer=renderer)

    with pytest.raises(NotFoundError):
        svc.get_report(ctx, store, OTHER, created["id"])
    assert svc.list_reports(ctx, store, OTHER) == []
    outsider = Principal(1, "x@globex.test", {OTHER: Membership(2, OTHER, "Globex", Role.ADMIN)})
    with pytest.raises(NotFoundError):
        svc.get_report_for(ctx, outsider, store, ORG, created["id"])
    viewer = Principal(2, "v@acme.test", {ORG: Membership(1, ORG, "Acme", Role.VIEWER)})
    assert svc.get_report_for(ctx, viewer, store, ORG, created["id"])["id"] == created["id"]
    with pytest.raises(PermissionDeniedError):
        svc.create_progress_report_for(ctx, viewer, store, ORG, YEAR, renderer=renderer)


def test_a_year_without_data_is_not_found(ctx: Context, store: SqlReports):
    with pytest.raises(NotFoundError, match="nothing to report"):
        svc.build_progress_report(ctx, ORG, 2019)


def test_org_names_are_escaped_in_the_html(ctx: Context, renderer: ReportRenderer):
    add_organisation(ctx, "evil", "<script>alert(1)</script> & Co")
    targets = ctx.targets
    assert targets is not None
    target_svc.add_history_total(ctx, targets, "evil", 2023, "1", 10.0)
    html = renderer.html(svc.build_progress_report(ctx, "evil", 2023))
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


# --- over HTTP -----------------------------------------------------------------------------------

PASSWORD = "correct horse battery"
HTML_ACCEPT = {"Accept": "text/html"}


def _client(ctx: Context, tmp_path: Path) -> TestClient:
    return TestClient(create_app(Settings(upload_dir=tmp_path / "uploads", job_workers=0), ctx))


def _csrf(client: TestClient, path: str) -> str:
    match = re.search(
        r'name="csrf_token" value="([^"]+)"', client.get(path, headers=HTML_ACCEPT).text
    )
    assert match
    return match.group(1)


def test_reports_are_created_listed_and_downloaded_over_http(
    ctx: Context, store: SqlReports, tmp_path: Path
):
    add_user(ctx, "alice@acme.test", PASSWORD, ORG, Role.ANALYST)
    add_user(ctx, "victor@acme.test", PASSWORD, ORG, Role.VIEWER)
    add_user(ctx, "bob@globex.test", PASSWORD, OTHER, Role.ADMIN)
    token = {
        who: create_api_token(ctx, f"{who}@{org}.test").token
        for who, org in (("alice", ORG), ("victor", ORG), ("bob", OTHER))
    }
    client = _client(ctx, tmp_path)
    api = f"/api/v1/orgs/{ORG}/progress-reports"

    def auth(who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token[who]}"}

    assert client.post(api, json={"year": YEAR}, headers=auth("victor")).status_code == 403
    assert client.post(api, json={"year": 1800}, headers=auth("alice")).status_code == 422
    assert client.post(api, json={"year": 2019}, headers=auth("alice")).status_code == 404
    created = client.post(api, json={"year": YEAR}, headers=auth("alice"))
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["ledger_seq"] is not None
    listed = client.get(api, headers=auth("victor")).json()
    assert [r["id"] for r in listed] == [body["id"]]
    pdf = client.get(body["pdf_url"], headers=auth("victor"))
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert hashlib.sha256(pdf.content).hexdigest() == body["pdf_sha256"]
    html = client.get(body["html_url"], headers=auth("victor"))
    assert html.status_code == 200
    assert "<svg" in html.text
    assert "script-src" not in html.headers["content-security-policy"]
    assert "sandbox" in html.headers["content-security-policy"]
    for url in (body["pdf_url"], body["html_url"], api):
        assert client.get(url, headers=auth("bob")).status_code == 404
    assert (
        client.get(
            f"/api/v1/orgs/{OTHER}/progress-reports/{body['id']}.pdf", headers=auth("bob")
        ).status_code
        == 404
    )

    page = f"/orgs/{ORG}/reports"
    login = client.post(
        "/login",
        data={
            "csrf_token": _csrf(client, "/login"),
            "email": "alice@acme.test",
            "password": PASSWORD,
            "next": page,
        },
        headers=HTML_ACCEPT,
        follow_redirects=False,
    )
    assert login.status_code == 303
    shown = client.get(page, headers=HTML_ACCEPT)
    assert shown.status_code == 200
    assert f"/orgs/{ORG}/reports/{body['id']}.pdf" in shown.text
    assert client.post(page, data={"year": str(YEAR)}, headers=HTML_ACCEPT).status_code in (
        400,
        403,
    )  # no CSRF token
    made = client.post(
        page,
        data={"csrf_token": _csrf(client, page), "year": str(YEAR)},
        headers=HTML_ACCEPT,
        follow_redirects=False,
    )
    assert made.status_code == 303
    assert len(client.get(api, headers=auth("alice")).json()) == 2
    failed = client.post(
        page, data={"csrf_token": _csrf(client, page), "year": "2019"}, headers=HTML_ACCEPT
    )
    assert failed.status_code == 422
    assert "nothing to report" in failed.text
    download = client.get(f"/orgs/{ORG}/reports/{body['id']}.pdf")
    assert download.content == pdf.content
