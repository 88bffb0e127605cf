"""The JSON API end to end (FastAPI test client), on SQLite and PostgreSQL: authentication,
each route, bad input, roles, and tenant isolation over every route."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from greenchain.config import Settings
from greenchain.domain.access import Role
from greenchain.entrypoints.web.app import create_app
from greenchain.services import jobs as job_service
from greenchain.services.accounts import add_user, create_api_token, revoke_api_token
from greenchain.services.context import Context
from greenchain.services.imports import import_records
from greenchain.services.orgs import add_organisation
from tests.factories import purchase, supplier, supplier_report, write_csv

PASSWORD = "correct horse battery"


@pytest.fixture
def world(ctx: Context, tmp_path: Path):
    """Organisation A with data and a run; organisation B with its own user; tokens for all."""
    add_organisation(ctx, "org-a")
    add_organisation(ctx, "org-b")
    add_user(ctx, "alice@a.example", PASSWORD, "org-a", Role.ADMIN)
    add_user(ctx, "victor@a.example", PASSWORD, "org-a", Role.VIEWER)
    add_user(ctx, "bob@b.example", PASSWORD, "org-b", Role.ADMIN)
    write_csv(tmp_path / "s.csv", "suppliers", [supplier("S1"), supplier("S2", country="DE")])
    import_records(ctx, "org-a", "suppliers", tmp_path / "s.csv")
    write_csv(
        tmp_path / "p.csv",
        "purchases",
        [
            purchase("L1", "S1", date="2024-03-01", amount="10000"),
            purchase("L2", "S2", date="2024-04-01", amount="5000", currency="EUR"),
        ],
    )
    import_records(ctx, "org-a", "purchases", tmp_path / "p.csv")
    write_csv(tmp_path / "sd.csv", "supplier-data", [supplier_report("S1", year="2024")])
    import_records(ctx, "org-a", "supplier-data", tmp_path / "sd.csv")
    settings = Settings(upload_dir=tmp_path / "uploads", job_workers=0)
    client = TestClient(create_app(settings, ctx))
    tokens = {
        who: create_api_token(ctx, f"{who}").token
        for who in ("alice@a.example", "victor@a.example", "bob@b.example")
    }
    return ctx, client, tokens


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _run(ctx: Context, client: TestClient, token: str, year: int = 2024) -> int:
    response = client.post("/api/v1/orgs/org-a/runs", json={"year": year}, headers=_auth(token))
    assert response.status_code == 202, response.text
    assert job_service.run_one(ctx)
    job = client.get(response.headers["location"], headers=_auth(token)).json()
    assert job["status"] == "done", job
    return int(job["result"]["run_id"])


def test_requests_without_a_valid_token_are_refused(world):
    ctx, client, _ = world
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers=_auth("gc_nope")).status_code == 401
    body = client.get("/api/v1/me", headers=_auth("gc_nope")).json()
    assert body["code"] == "not_authenticated"
    issued = create_api_token(ctx, "alice@a.example", "temp", 1)
    assert client.get("/api/v1/me", headers=_auth(issued.token)).status_code == 200
    revoke_api_token(ctx, "alice@a.example", issued.id)
    assert client.get("/api/v1/me", headers=_auth(issued.token)).status_code == 401


def test_expired_tokens_are_refused(world):
    ctx, client, _ = world
    issued = create_api_token(ctx, "alice@a.example", "short", 1)
    ctx.clock.current += __import__("datetime").timedelta(days=2)  # type: ignore[attr-defined]
    assert client.get("/api/v1/me", headers=_auth(issued.token)).status_code == 401


def test_me_lists_memberships(world):
    _, client, tokens = world
    body = client.get("/api/v1/me", headers=_auth(tokens["alice@a.example"])).json()
    assert body["email"] == "alice@a.example"
    assert body["memberships"] == [{"org": "org-a", "name": "org-a", "role": "admin"}]


def test_upload_runs_as_a_job_and_rejected_rows_can_be_downloaded(world, tmp_path):
    ctx, client, tokens = world
    csv = (
        "line_id,supplier_id,date,amount,currency,naics_code\nN1,S1,2024-05-01,50,USD,331110\n"
        "N2,S1,2024-05-01,abc,USD,331110\n"
    )
    response = client.post(
        "/api/v1/orgs/org-a/uploads/purchases",
        headers=_auth(tokens["alice@a.example"]),
        files={"file": ("more.csv", io.BytesIO(csv.encode()), "text/csv")},
        data={"skip_invalid": "true"},
    )
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "queued"
    assert job_service.run_one(ctx)
    job = client.get(response.headers["location"], headers=_auth(tokens["alice@a.example"])).json()
    assert job["status"] == "done"
    assert (job["result"]["inserted"], job["result"]["rejected"]) == (1, 1)
    rejected = client.get(
        f"{response.headers['location']}/rejected-rows", headers=_auth(tokens["alice@a.example"])
    )
    assert rejected.status_code == 200
    assert "N2" in rejected.text
    assert "amount: not a number" in rejected.text


def test_a_bad_file_fails_its_job_naming_row_and_field(world):
    ctx, client, tokens = world
    csv = "line_id,supplier_id,date,amount,currency,naics_code\nN1,S9,2024-05-01,50,USD,331110\n"
    response = client.post(
        "/api/v1/orgs/org-a/uploads/purchases",
        headers=_auth(tokens["alice@a.example"]),
        files={"file": ("bad.csv", io.BytesIO(csv.encode()), "text/csv")},
    )
    job_service.run_one(ctx)
    job = client.get(response.headers["location"], headers=_auth(tokens["alice@a.example"])).json()
    assert job["status"] == "failed"
    assert "bad.csv: row 2, field 'supplier_id': unknown supplier" in job["message"]
    rejected = client.get(
        f"{response.headers['location']}/rejected-rows", headers=_auth(tokens["alice@a.example"])
    )
    assert rejected.status_code == 200
    assert "supplier_id" in rejected.text


@pytest.mark.parametrize(
    ("name", "kind", "status"),
    [("x.pdf", "purchases", 422), ("x.csv", "invoices", 404)],
)
def test_uploads_check_file_type_and_kind(world, name, kind, status):
    _, client, tokens = world
    response = client.post(
        f"/api/v1/orgs/org-a/uploads/{kind}",
        headers=_auth(tokens["alice@a.example"]),
        files={"file": (name, io.BytesIO(b"a,b\n"), "text/csv")},
    )
    assert response.status_code == status
    assert response.json()["message"]


def test_calculation_run_and_inventory_match_the_cli_report(world):
    ctx, client, tokens = world
    token = tokens["alice@a.example"]
    run_id = _run(ctx, client, token)
    inventory = client.get("/api/v1/orgs/org-a/inventory?year=2024", headers=_auth(token)).json()
    from greenchain.services.inventory import get_inventory_report

    assert inventory == get_inventory_report(ctx, "org-a", 2024).to_dict()
    assert inventory["run_id"] == run_id
    assert inventory["by_method"]["supplier_specific"] == pytest.approx(2.0)
    runs = client.get("/api/v1/orgs/org-a/runs", headers=_auth(token)).json()
    assert [r["id"] for r in runs] == [run_id]
    lines = client.get(
        f"/api/v1/orgs/org-a/runs/{run_id}/lines?per_page=1", headers=_auth(token)
    ).json()
    assert lines["total"] == 2
    assert len(lines["items"]) == 1
    assert "dq_reliability" in lines["items"][0]
    hot = client.get("/api/v1/orgs/org-a/hotspots?year=2024&share=0.5", headers=_auth(token))
    assert hot.json()["engagement_suppliers"] >= 1
    page = client.get(
        "/api/v1/orgs/org-a/suppliers?sort=emissions&per_page=1", headers=_auth(token)
    ).json()
    assert page["total"] == 2
    assert page["items"][0]["t_co2e"] > 0
    detail = client.get("/api/v1/orgs/org-a/suppliers/S1", headers=_auth(token)).json()
    assert detail["reported"][0]["year"] == 2024
    assert detail["emissions_by_year"][0]["method"] == "supplier_specific"
    audit = client.get("/api/v1/orgs/org-a/audit", headers=_auth(token)).json()
    assert any(a["action"] == "calculation.submit" for a in audit)


def test_bad_query_values_name_the_field(world):
    _, client, tokens = world
    response = client.get(
        "/api/v1/orgs/org-a/inventory?year=19", headers=_auth(tokens["alice@a.example"])
    )
    assert response.status_code == 422
    assert response.json()["message"].startswith("query.year")
    response = client.post(
        "/api/v1/orgs/org-a/runs", json={"year": "soon"}, headers=_auth(tokens["alice@a.example"])
    )
    assert response.status_code == 422
    assert "year" in response.json()["message"]


def test_viewers_read_but_cannot_upload_or_run(world):
    _, client, tokens = world
    token = tokens["victor@a.example"]
    assert client.get("/api/v1/orgs/org-a/suppliers", headers=_auth(token)).status_code == 200
    assert (
        client.post(
            "/api/v1/orgs/org-a/runs", json={"year": 2024}, headers=_auth(token)
        ).status_code
        == 403
    )
    response = client.post(
        "/api/v1/orgs/org-a/uploads/purchases",
        headers=_auth(token),
        files={"file": ("p.csv", io.BytesIO(b"x"), "text/csv")},
    )
    assert response.status_code == 403
    assert client.get("/api/v1/orgs/org-a/audit", headers=_auth(token)).status_code == 403


ROUTES = [
    ("GET", "/api/v1/orgs/org-a/engagements"),
    ("GET", "/api/v1/orgs/org-a/engagements/org-b/samples/1"),
    ("GET", "/api/v1/orgs/org-a/suppliers"),
    ("GET", "/api/v1/orgs/org-a/suppliers/S1"),
    ("POST", "/api/v1/orgs/org-a/uploads/purchases"),
    ("GET", "/api/v1/orgs/org-a/jobs"),
    ("GET", "/api/v1/orgs/org-a/jobs/{job}"),
    ("GET", "/api/v1/orgs/org-a/jobs/{job}/rejected-rows"),
    ("POST", "/api/v1/orgs/org-a/runs"),
    ("GET", "/api/v1/orgs/org-a/runs"),
    ("GET", "/api/v1/orgs/org-a/runs/{run}"),
    ("GET", "/api/v1/orgs/org-a/runs/{run}/lines"),
    ("GET", "/api/v1/orgs/org-a/inventory?year=2024"),
    ("GET", "/api/v1/orgs/org-a/inventory?year=2024&run_id={run}"),
    ("GET", "/api/v1/orgs/org-a/hotspots?year=2024"),
    ("GET", "/api/v1/orgs/org-a/audit"),
    ("POST", "/api/v1/orgs/org-a/invitations"),
    ("GET", "/api/v1/orgs/org-a/ledger/entries/0"),
    ("GET", "/api/v1/orgs/org-a/ledger/entries/0/proof"),
    ("GET", "/api/v1/orgs/org-a/ledger/entries"),
    ("POST", "/api/v1/orgs/org-a/ledger/witness"),
    ("POST", "/api/v1/orgs/org-a/ledger/verifiers"),
    ("POST", "/api/v1/orgs/org-a/ledger/entries/0/verifications"),
    ("GET", "/api/v1/orgs/org-a/reductions"),
    ("POST", "/api/v1/orgs/org-a/reductions"),
    ("GET", "/api/v1/orgs/org-a/targets"),
    ("POST", "/api/v1/orgs/org-a/targets"),
    ("GET", "/api/v1/orgs/org-a/targets/check"),
    ("GET", "/api/v1/orgs/org-a/targets/progress?year=2024"),
    ("GET", "/api/v1/orgs/org-a/history"),
    ("POST", "/api/v1/orgs/org-a/history"),
    ("POST", "/api/v1/orgs/org-a/history/revenue"),
    ("GET", "/api/v1/orgs/org-a/credits"),
    ("POST", "/api/v1/orgs/org-a/credits"),
    ("GET", "/api/v1/orgs/org-a/roadmap?until=2030&efficiency_rate=0.02"),
    ("POST", "/api/v1/orgs/org-a/progress-reports"),
    ("POST", "/api/v1/orgs/org-a/disclosures"),
    ("GET", "/api/v1/orgs/org-a/roadmap/scenarios"),
    ("GET", "/api/v1/orgs/org-a/pact/footprints"),
    ("POST", "/api/v1/orgs/org-a/pact/footprints"),
    ("POST", "/api/v1/orgs/org-a/pact/footprints/import"),
    ("GET", "/api/v1/orgs/org-a/pact/footprints/00000000-0000-4000-8000-000000000000"),
    ("POST", "/api/v1/orgs/org-a/pact/footprints/00000000-0000-4000-8000-000000000000/revise"),
    ("POST", "/api/v1/orgs/org-a/pact/footprints/00000000-0000-4000-8000-000000000000/deprecate"),
    ("POST", "/api/v1/orgs/org-a/pact/credentials"),
    ("GET", "/api/v1/orgs/org-a/pact/credentials"),
    ("PATCH", "/api/v1/orgs/org-a/pact/credentials/gc-x"),
    ("POST", "/api/v1/orgs/org-a/pact/credentials/gc-x/revoke"),
    ("PUT", "/api/v1/orgs/org-a/pact/credentials/gc-x/sharing"),
    ("GET", "/api/v1/orgs/org-a/pact/requests"),
    ("GET", "/api/v1/orgs/org-a/pact/notifications"),
    ("POST", "/api/v1/orgs/org-a/pact/requests/1/fulfil"),
    ("POST", "/api/v1/orgs/org-a/pact/requests/1/reject"),
    ("POST", "/api/v1/orgs/org-a/pact/connections"),
    ("GET", "/api/v1/orgs/org-a/pact/connections"),
    ("POST", "/api/v1/orgs/org-a/pact/connections/1/pull"),
    ("POST", "/api/v1/orgs/org-a/pact/connections/1/requests"),
    ("POST", "/api/v1/orgs/org-a/programs"),
    ("GET", "/api/v1/orgs/org-a/programs"),
    ("GET", "/api/v1/orgs/org-a/programs/{program}"),
    ("POST", "/api/v1/orgs/org-a/programs/{program}/accept"),
    ("POST", "/api/v1/orgs/org-a/programs/{program}/members"),
    ("PUT", "/api/v1/orgs/org-a/programs/{program}/members/S1/improvement-areas"),
    ("POST", "/api/v1/orgs/org-a/programs/{program}/matching"),
    ("GET", "/api/v1/orgs/org-a/programs/{program}/shared-suppliers"),
    ("POST", "/api/v1/orgs/org-a/programs/{program}/matches/1"),
    ("GET", "/api/v1/orgs/org-a/programs/{program}/activities"),
    ("POST", "/api/v1/orgs/org-a/programs/{program}/activities"),
    ("POST", "/api/v1/orgs/org-a/programs/{program}/activities/1/attendance"),
    ("GET", "/api/v1/orgs/org-a/programs/{program}/projects"),
    ("POST", "/api/v1/orgs/org-a/programs/{program}/projects"),
    ("POST", "/api/v1/orgs/org-a/programs/{program}/projects/1"),
    ("GET", "/api/v1/orgs/org-a/programs/{program}/monitoring"),
    ("GET", "/api/v1/orgs/org-a/programs/{program}/monitoring.csv"),
    ("GET", "/api/v1/orgs/org-a/programs/{program}/monitoring.xlsx"),
    ("GET", "/api/v1/orgs/org-a/customers"),
    ("POST", "/api/v1/orgs/org-a/requests"),
    ("GET", "/api/v1/orgs/org-a/requests"),
    ("GET", "/api/v1/orgs/org-a/requests/{request}"),
    ("POST", "/api/v1/orgs/org-a/recipients/{recipient}/accept"),
    ("POST", "/api/v1/orgs/org-a/recipients/{recipient}/return"),
    ("GET", "/api/v1/orgs/org-a/recipients/{recipient}/evidence/1"),
    ("GET", "/api/v1/orgs/org-a/portal"),
    ("GET", "/api/v1/orgs/org-a/portal/requests/{recipient}"),
    ("PUT", "/api/v1/orgs/org-a/portal/requests/{recipient}/draft"),
    ("PUT", "/api/v1/orgs/org-a/portal/requests/{recipient}/allocation"),
    ("GET", "/api/v1/orgs/org-a/portal/requests/{recipient}/allocation"),
    ("POST", "/api/v1/orgs/org-a/portal/requests/{recipient}/submit"),
    ("POST", "/api/v1/orgs/org-a/portal/requests/{recipient}/evidence"),
    ("POST", "/api/v1/orgs/org-a/portal/answers/1/revoke"),
    ("POST", "/api/v1/orgs/org-a/supplier-links/S1"),
    ("GET", "/api/v1/orgs/org-a/link-invitations"),
    ("POST", "/api/v1/orgs/org-a/link-invitations/1/accept"),
    ("POST", "/api/v1/orgs/org-a/link-invitations/1/decline"),
    ("POST", "/api/v1/orgs/org-a/roadmap/scenarios"),
    ("DELETE", "/api/v1/orgs/org-a/roadmap/scenarios?name=plan"),
    ("DELETE", "/api/v1/orgs/org-a/targets?name=SBT%202030"),
    ("GET", "/api/v1/orgs/org-a/progress-reports"),
    ("GET", "/api/v1/orgs/org-a/disclosures"),
    ("GET", "/api/v1/orgs/org-a/disclosures/1/file"),
    ("GET", "/api/v1/orgs/org-a/progress-reports/{report}.pdf"),
    ("GET", "/api/v1/orgs/org-a/progress-reports/{report}.html"),
    ("GET", "/api/v1/orgs/org-a/qualification/programs"),
    ("POST", "/api/v1/orgs/org-a/qualification/programs"),
    ("GET", "/api/v1/orgs/org-a/qualification/cases"),
    ("POST", "/api/v1/orgs/org-a/qualification/cases"),
    ("GET", "/api/v1/orgs/org-a/qualification/suppliers/S1"),
    ("POST", "/api/v1/orgs/org-a/qualification/suppliers/S1/advance"),
    ("POST", "/api/v1/orgs/org-a/qualification/suppliers/S1/decide"),
    ("POST", "/api/v1/orgs/org-a/qualification/suppliers/S1/requalify"),
    ("PUT", "/api/v1/orgs/org-a/qualification/suppliers/S1/attributes"),
    ("GET", "/api/v1/orgs/org-a/qualification/attributes"),
    ("GET", "/api/v1/orgs/org-a/qualification/checklist"),
    ("GET", "/api/v1/orgs/org-a/qualification/audits"),
    ("POST", "/api/v1/orgs/org-a/qualification/audits"),
    ("POST", "/api/v1/orgs/org-a/qualification/announcements"),
    ("GET", "/api/v1/orgs/org-a/scorecards?year=2024"),
    ("GET", "/api/v1/orgs/org-a/scorecards/weights"),
    ("PUT", "/api/v1/orgs/org-a/scorecards/weights"),
    ("GET", "/api/v1/orgs/org-a/requirements"),
    ("POST", "/api/v1/orgs/org-a/requirements"),
    ("GET", "/api/v1/orgs/org-a/requirements/compliance?year=2024"),
    ("GET", "/api/v1/orgs/org-a/sourcing/tiers?year=2024"),
    ("GET", "/api/v1/orgs/org-a/sourcing/tiers.csv?year=2024"),
    ("GET", "/api/v1/orgs/org-a/sourcing/tiers.xlsx?year=2024"),
    ("GET", "/api/v1/orgs/org-a/sourcing/overview?year=2024"),
    ("GET", "/api/v1/orgs/org-a/incentives"),
    ("POST", "/api/v1/orgs/org-a/incentives"),
    ("GET", "/api/v1/orgs/org-a/customers/qualification?buyer=org-a"),
    ("GET", "/api/v1/orgs/org-a/customers/rating?buyer=org-a"),
    # org B's own routes pointed at org A's ids
    ("GET", "/api/v1/orgs/org-b/jobs/{job}"),
    ("GET", "/api/v1/orgs/org-b/jobs/{job}/rejected-rows"),
    ("GET", "/api/v1/orgs/org-b/runs/{run}"),
    ("GET", "/api/v1/orgs/org-b/runs/{run}/lines"),
    ("GET", "/api/v1/orgs/org-b/inventory?year=2024&run_id={run}"),
    ("GET", "/api/v1/orgs/org-b/suppliers/S1"),
    ("GET", "/api/v1/orgs/org-b/ledger/entries/0"),
    ("GET", "/api/v1/orgs/org-b/ledger/entries/0/proof"),
    ("POST", "/api/v1/orgs/org-b/ledger/entries/0/verifications"),
    ("GET", "/api/v1/orgs/org-b/requests/{request}"),
    ("POST", "/api/v1/orgs/org-b/recipients/{recipient}/accept"),
    ("POST", "/api/v1/orgs/org-b/recipients/{recipient}/return"),
    ("GET", "/api/v1/orgs/org-b/recipients/{recipient}/evidence/1"),
    ("GET", "/api/v1/orgs/org-b/portal/requests/{recipient}"),
    ("PUT", "/api/v1/orgs/org-b/portal/requests/{recipient}/draft"),
    ("PUT", "/api/v1/orgs/org-b/portal/requests/{recipient}/allocation"),
    ("GET", "/api/v1/orgs/org-b/portal/requests/{recipient}/allocation"),
    ("POST", "/api/v1/orgs/org-b/portal/requests/{recipient}/submit"),
    ("POST", "/api/v1/orgs/org-b/portal/answers/1/revoke"),
    ("GET", "/api/v1/orgs/org-b/programs/{program}"),
    ("POST", "/api/v1/orgs/org-b/programs/{program}/accept"),
    ("POST", "/api/v1/orgs/org-b/programs/{program}/members"),
    ("PUT", "/api/v1/orgs/org-b/programs/{program}/members/S1/improvement-areas"),
    ("POST", "/api/v1/orgs/org-b/programs/{program}/matching"),
    ("GET", "/api/v1/orgs/org-b/programs/{program}/shared-suppliers"),
    ("POST", "/api/v1/orgs/org-b/programs/{program}/matches/1"),
    ("GET", "/api/v1/orgs/org-b/programs/{program}/activities"),
    ("POST", "/api/v1/orgs/org-b/programs/{program}/activities"),
    ("POST", "/api/v1/orgs/org-b/programs/{program}/activities/1/attendance"),
    ("GET", "/api/v1/orgs/org-b/programs/{program}/projects"),
    ("POST", "/api/v1/orgs/org-b/programs/{program}/projects"),
    ("POST", "/api/v1/orgs/org-b/programs/{program}/projects/1"),
    ("GET", "/api/v1/orgs/org-b/programs/{program}/monitoring"),
    ("GET", "/api/v1/orgs/org-b/programs/{program}/monitoring.csv"),
    ("GET", "/api/v1/orgs/org-b/programs/{program}/monitoring.xlsx"),
    ("GET", "/api/v1/orgs/org-b/progress-reports/{report}.pdf"),
    ("GET", "/api/v1/orgs/org-b/progress-reports/{report}.html"),
    ("GET", "/api/v1/orgs/org-b/qualification/suppliers/S1"),
    ("POST", "/api/v1/orgs/org-b/qualification/suppliers/S1/advance"),
    ("PUT", "/api/v1/orgs/org-b/qualification/suppliers/S1/attributes"),
    ("GET", "/api/v1/orgs/org-b/customers/qualification?buyer=org-a"),
    ("GET", "/api/v1/orgs/org-b/customers/rating?buyer=org-a"),
]

BODIES = {
    "invitations": {"email": "mallory@b.example"},
    "verifiers": {"verifier": "org-b"},
    "verifications": {"scope": "everything"},
    "reductions": {"name": "x", "scope": "1", "year": 2024, "t_co2e": 1.0},
    "witness": None,
    "footprints": {"productIds": ["urn:x"]},
    "revise": {"productIds": ["urn:x"]},
    "credentials": {"customer": "org-b"},
    "sharing": {"share_all": True},
    "fulfil": {"footprint_ids": []},
    "reject": {"message": "no"},
    "connections": {
        "supplier_id": "S1",
        "base_url": "https://pact.example",
        "client_id": "a",
        "client_secret": "b",
    },
    "S1": {"supplier_org": "org-b"},
    "requests": {
        "product_ids": ["P1"],
        "year": 2024,
        "deadline": "2030-01-01",
        "recipients": [{"supplier_id": "S1", "email": "x@b.example"}],
    },
    "return": {"comment": "no"},
    "submit": {"answers": {}},
    "allocation": {"method": "quantity", "customer_value": 1, "total_value": 2, "unit": "t"},
    "revoke": {"buyer": "org-a"},
    "scenarios": {"name": "plan", "levers": {"efficiency_rate": 0.05}},
    "targets": {
        "name": "SBT 2030",
        "kind": "absolute",
        "scopes": ["1", "2_market"],
        "base_year": 2020,
        "target_year": 2030,
        "reduction": 0.42,
    },
    "history": {"year": 2024, "scope": "1", "t_co2e": 1.0},
    "disclosures": {"kind": "cdp", "year": 2024, "format": "json"},
    "revenue": {"year": 2024, "revenue": 1e6, "currency": "USD"},
    "programs": {"name": "x", "start": "2026-01-01", "end": "2027-01-01"},
    "members": {"supplier_ids": ["S1"]},
    "improvement-areas": {"improvement_areas": "x"},
    "1": {"confirm": True, "status": "active"},
    "activities": {"kind": "workshop", "title": "x", "date": "2026-01-01"},
    "attendance": {"attended": []},
    "projects": {
        "supplier_id": "S1",
        "type": "other",
        "title": "x",
        "baseline_t": 1,
        "expected_t": 1,
    },
    "cases": {"supplier_id": "S1"},
    "advance": {"to_stage": "training", "why": "x"},
    "decide": {"outcome": "rejected", "why": "x"},
    "requalify": {"why": "x"},
    "audits": {"supplier_id": "S1", "audited_on": "2024-01-01", "results": {}},
    "requirements": {"name": "x", "conditions": ["rba_member"], "due_on": "2026-12-31"},
    "incentives": {"supplier_id": "S1", "kind": "recognition", "reason": "x"},
    "credits": {
        "registry": "Verra",
        "serial_start": 1,
        "serial_end": 10,
        "vintage": 2023,
        "project_type": "removal",
        "standard": "VCS",
        "quantity_t": 10,
        "retired_for": "org-b 2024",
    },
}


def test_the_route_table_covers_every_organisation_route(world):
    _, client, _ = world
    paths = {p for p in client.app.openapi()["paths"] if "{org}" in p}  # type: ignore[attr-defined]
    covered = {
        r[1]
        .split("?")[0]
        .replace("engagements/org-b/samples/1", "engagements/{subject}/samples/{sample_id}")
        .replace("org-a", "{org}")
        .replace("org-b", "{org}")
        .replace("entries/0", "entries/{seq}")
        .replace("{job}", "{job_id}")
        .replace("{run}", "{run_id}")
        .replace("{report}", "{report_id}")
        .replace("{request}", "{request_id}")
        .replace("{program}", "{program_id}")
        .replace("footprints/00000000-0000-4000-8000-000000000000", "footprints/{footprint_id}")
        .replace("credentials/gc-x", "credentials/{client_id}")
        .replace("pact/requests/1", "pact/requests/{request_id}")
        .replace("connections/1", "connections/{connection_id}")
        .replace("matches/1", "matches/{match_id}")
        .replace("activities/1", "activities/{activity_id}")
        .replace("projects/1", "projects/{project_id}")
        .replace("{recipient}", "{recipient_id}")
        .replace("evidence/1", "evidence/{evidence_id}")
        .replace("disclosures/1", "disclosures/{disclosure_id}")
        .replace("answers/1", "answers/{response_id}")
        .replace("link-invitations/1", "link-invitations/{invitation_id}")
        .replace("S1", "{supplier_id}")
        .replace("supplier-links/{supplier_id}", "supplier-links/{supplier_id}")
        .replace("purchases", "{kind}")
        for r in ROUTES
    }
    assert paths <= covered, paths - covered


def test_a_user_of_another_organisation_gets_nothing_from_any_route(world):
    ctx, client, tokens = world
    run_id = _run(ctx, client, tokens["alice@a.example"])
    upload = client.post(
        "/api/v1/orgs/org-a/uploads/purchases",
        headers=_auth(tokens["alice@a.example"]),
        files={"file": ("x.csv", io.BytesIO(b"line_id\nQ\n"), "text/csv")},
    )
    job_id = upload.json()["id"]
    job_service.run_one(ctx)
    report = client.post(
        "/api/v1/orgs/org-a/progress-reports",
        json={"year": 2024},
        headers=_auth(tokens["alice@a.example"]),
    )
    assert report.status_code == 201, report.text
    report_id = report.json()["id"]
    sent = client.post(
        "/api/v1/orgs/org-a/requests",
        json={
            "year": 2024,
            "deadline": "2030-01-01",
            "recipients": [{"supplier_id": "S2", "email": "s2@supplier.example"}],
        },
        headers=_auth(tokens["alice@a.example"]),
    )
    assert sent.status_code == 201, sent.text
    request_id = sent.json()["id"]
    detail = client.get(
        f"/api/v1/orgs/org-a/requests/{request_id}", headers=_auth(tokens["alice@a.example"])
    )
    recipient_id = detail.json()["recipients"][0]["id"]
    program = client.post(
        "/api/v1/orgs/org-a/programs",
        json={"name": "Program of A", "start": "2026-01-01", "end": "2027-01-01"},
        headers=_auth(tokens["alice@a.example"]),
    )
    assert program.status_code == 201, program.text
    program_id = program.json()["id"]
    secrets_of_a = ("S1", "S2", "supplier_specific", "org-a@", "alice")
    for method, template in ROUTES:
        url = template.format(
            job=job_id,
            run=run_id,
            report=report_id,
            request=request_id,
            recipient=recipient_id,
            program=program_id,
        )
        if method == "POST" and (
            "uploads" in url or url.endswith("/evidence") or url.endswith("/import")
        ):
            response = client.post(
                url,
                headers=_auth(tokens["bob@b.example"]),
                files={"file": ("x.csv", io.BytesIO(b"a\n"), "text/csv")},
            )
        elif method == "POST":
            body = BODIES.get(url.rsplit("/", 1)[-1], {"year": 2024})
            response = client.post(url, json=body, headers=_auth(tokens["bob@b.example"]))
        elif method == "PUT":
            body = BODIES.get(url.rsplit("/", 1)[-1], {"answers": {}})
            response = client.put(url, json=body, headers=_auth(tokens["bob@b.example"]))
        elif method == "PATCH":
            body = BODIES.get(url.rsplit("/", 1)[-1], {"reject_unknown": True})
            response = client.patch(url, json=body, headers=_auth(tokens["bob@b.example"]))
        elif method == "DELETE":
            response = client.delete(url, headers=_auth(tokens["bob@b.example"]))
        else:
            response = client.get(url, headers=_auth(tokens["bob@b.example"]))
        assert response.status_code in (403, 404), (url, response.status_code, response.text)
        assert not any(s in response.text for s in secrets_of_a[1:]), (url, response.text)


def test_an_invitation_is_mailed_through_smtp_and_accepted(world, tmp_path):
    """The outbox is delivered by a real SMTP server (aiosmtpd) and the link works."""
    import re

    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    from greenchain.adapters.security import SmtpTransport
    from greenchain.services.accounts import accept_invitation, deliver_mail

    ctx, client, tokens = world
    received: list[object] = []

    class Collect(Message):  # type: ignore[misc]
        def handle_message(self, message: object) -> None:
            received.append(message)

    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Collect(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        ctx.mail_transport = SmtpTransport("127.0.0.1", port, "Greenchain <no-reply@test>")
        response = client.post(
            "/api/v1/orgs/org-a/invitations",
            json={"email": "Carol@A.example", "role": "analyst"},
            headers=_auth(tokens["alice@a.example"]),
        )
        assert response.status_code == 201, response.text
        assert (
            client.post(
                "/api/v1/orgs/org-a/invitations",
                json={"email": "x@a.example"},
                headers=_auth(tokens["victor@a.example"]),
            ).status_code
            == 403
        )
        assert deliver_mail(ctx) == (1, 0)
    finally:
        controller.stop()
    (message,) = received
    assert message["To"] == "carol@a.example"  # type: ignore[index]
    body = message.get_payload(decode=True).decode()  # type: ignore[attr-defined]
    token = re.search(r"/invitations/(\S+)", body)
    assert token
    principal = accept_invitation(ctx, token.group(1), "carols own secret")
    assert principal.membership("org-a").role is Role.ANALYST


def test_a_job_whose_worker_stopped_is_picked_up_again(world):
    import datetime as dt

    ctx, client, tokens = world
    response = client.post(
        "/api/v1/orgs/org-a/runs", json={"year": 2024}, headers=_auth(tokens["alice@a.example"])
    )
    job_id = response.json()["id"]
    claimed = ctx.jobs.claim("worker-that-dies", ctx.clock.now(), job_service.STALE_AFTER)
    assert claimed is not None
    assert claimed["id"] == job_id
    assert not job_service.run_one(ctx)  # still held by the silent worker
    ctx.clock.current += dt.timedelta(minutes=10)  # type: ignore[attr-defined]
    assert job_service.run_one(ctx)
    job = client.get(response.headers["location"], headers=_auth(tokens["alice@a.example"]))
    assert job.json()["status"] == "done"


def test_the_ledger_is_readable_by_its_organisation_with_proofs(world):
    from greenchain.domain.ledger import verify_inclusion

    _, client, tokens = world
    token = tokens["alice@a.example"]
    head = client.get("/api/v1/ledger/head", headers=_auth(token)).json()
    assert head["tree_size"] == 3  # three imports of org A
    entry = client.get("/api/v1/orgs/org-a/ledger/entries/1", headers=_auth(token)).json()
    assert entry["entry"]["kind"] == "import"
    proof = client.get("/api/v1/orgs/org-a/ledger/entries/1/proof", headers=_auth(token)).json()
    assert verify_inclusion(
        1,
        proof["tree_size"],
        bytes.fromhex(proof["leaf_hash"]),
        [bytes.fromhex(p) for p in proof["audit_path"]],
        bytes.fromhex(head["root_hash"]),
    )
    keys = client.get("/api/v1/ledger/public-keys", headers=_auth(token)).json()
    assert {k["public_key"] for k in keys} >= {entry["public_key"]}
    consistency = client.get("/api/v1/ledger/consistency?first=1&second=3", headers=_auth(token))
    assert consistency.json()["second_size"] == 3


def test_claims_are_witnessed_and_verified_by_other_organisations_through_the_api(world):
    _, client, tokens = world
    alice, bob = _auth(tokens["alice@a.example"]), _auth(tokens["bob@b.example"])
    claim = client.post(
        "/api/v1/orgs/org-a/reductions",
        json={"name": "Boiler swap", "scope": "1", "year": 2024, "t_co2e": 25.5},
        headers=alice,
    )
    assert claim.status_code == 201, claim.text
    seq = claim.json()["ledger_seq"]
    bad = client.post(
        "/api/v1/orgs/org-a/reductions",
        json={"name": "x", "scope": "4", "year": 2024, "t_co2e": 1},
        headers=alice,
    )
    assert bad.status_code == 422
    assert "scope" in bad.text
    attest = f"/api/v1/orgs/org-b/ledger/entries/{seq}/verifications"
    assert client.post(attest, json={"scope": "claim"}, headers=bob).status_code == 404
    engaged = client.post(
        "/api/v1/orgs/org-a/ledger/verifiers",
        json={"verifier": "org-b", "assurance_level": "reasonable"},
        headers=alice,
    )
    assert engaged.status_code == 204
    assert client.get(f"/api/v1/orgs/org-b/ledger/entries/{seq}", headers=bob).status_code == 200
    # a statement goes no further than the engagement: reasonable assurance, as engaged
    statement = client.post(
        attest, json={"scope": "Boiler swap 2024", "assurance": "reasonable"}, headers=bob
    )
    assert statement.status_code == 201, statement.text
    assert statement.json()["entry"]["kind"] == "verification_statement"
    witnessed = client.post("/api/v1/orgs/org-b/ledger/witness", headers=bob)
    assert witnessed.status_code == 200, witnessed.text
    listed = client.get("/api/v1/orgs/org-a/ledger/entries", headers=alice).json()
    assert listed["witnesses"] == ["org-b"]
    assert listed["head_signature_ok"]
    mine = {e["seq"]: e for e in listed["entries"]}
    assert mine[seq]["verified_by"][0]["verifier"] == "org-b"
    assert all(e["signature_ok"] and e["included"] for e in listed["entries"])
    assert all(e["row_ok"] in (True, None) for e in listed["entries"])
    viewer = _auth(tokens["victor@a.example"])
    assert client.post("/api/v1/orgs/org-a/ledger/witness", headers=viewer).status_code == 403


def test_a_supplier_organisation_sees_the_customers_that_linked_it(world):
    _, client, tokens = world
    alice, bob = _auth(tokens["alice@a.example"]), _auth(tokens["bob@b.example"])
    assert client.get("/api/v1/orgs/org-b/customers", headers=bob).json() == []
    unknown = client.post(
        "/api/v1/orgs/org-a/supplier-links/NOPE", json={"supplier_org": "org-b"}, headers=alice
    )
    assert unknown.status_code == 404
    invited = client.post(
        "/api/v1/orgs/org-a/supplier-links/S1", json={"supplier_org": "org-b"}, headers=alice
    )
    assert invited.status_code == 202, invited.text
    assert client.get("/api/v1/orgs/org-b/customers", headers=bob).json() == []
    pending = client.get("/api/v1/orgs/org-b/link-invitations", headers=bob).json()
    assert [(i["buyer"], i["supplier_id"]) for i in pending] == [("org-a", "S1")]
    accepted = client.post(
        f"/api/v1/orgs/org-b/link-invitations/{pending[0]['id']}/accept", headers=bob
    )
    assert accepted.status_code == 200, accepted.text
    seen = client.get("/api/v1/orgs/org-b/customers", headers=bob).json()
    assert [(c["buyer"], c["supplier_id"]) for c in seen] == [("org-a", "S1")]
    viewer = _auth(tokens["victor@a.example"])
    refused = client.post(
        "/api/v1/orgs/org-a/supplier-links/S2", json={"supplier_org": "org-b"}, headers=viewer
    )
    assert refused.status_code == 403


def test_a_supplier_link_needs_the_consent_of_the_supplier_organisation(world):
    _, client, tokens = world
    alice, bob = _auth(tokens["alice@a.example"]), _auth(tokens["bob@b.example"])

    def invite(slug: str) -> object:
        return client.post(
            "/api/v1/orgs/org-a/supplier-links/S1", json={"supplier_org": slug}, headers=alice
        )

    known, unknown = invite("org-b"), invite("no-such-org")
    assert known.status_code == unknown.status_code == 202
    assert {**known.json(), "supplier_org": ""} == {**unknown.json(), "supplier_org": ""}
    assert client.get("/api/v1/orgs/org-b/customers", headers=bob).json() == []
    pending = client.get("/api/v1/orgs/org-b/link-invitations", headers=bob).json()
    assert len(pending) == 1
    # the buyer cannot answer for the supplier; nobody else can either
    path = f"/api/v1/orgs/org-b/link-invitations/{pending[0]['id']}"
    assert client.post(f"{path}/accept", headers=alice).status_code == 404
    assert client.post(f"{path}/decline", headers=bob).status_code == 200
    assert client.post(f"{path}/accept", headers=bob).status_code == 404  # answered already
    assert client.get("/api/v1/orgs/org-b/customers", headers=bob).json() == []
    assert client.get("/api/v1/orgs/org-b/link-invitations", headers=bob).json() == []
