"""Qualification, scorecards, requirements and sourcing tiers over HTTP, on SQLite and
PostgreSQL: a case through every stage with hand-checked state, scorecard arithmetic, per-buyer
weights, the tier export, a supplier's own view, tenant isolation, and the pages with their
forms. The clock stands at 2026-03-01 (``tests.fakes.FixedClock``)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from greenchain.config import Settings
from greenchain.domain.access import Role
from greenchain.entrypoints.web.app import create_app
from greenchain.services.accounts import add_user, create_api_token
from greenchain.services.context import Context
from greenchain.services.imports import import_records
from greenchain.services.orgs import add_organisation
from greenchain.services.sourcing import TIER_COLUMNS
from tests.factories import link_supplier, supplier, supplier_report, write_csv

PASSWORD = "correct horse battery"
HTML = {"Accept": "text/html"}
API = "/api/v1/orgs/org-a"
DOCS = ["company profile", "environmental policy"]
# 4/4, 2/4, 3/4, 1/4 of the pillars' items passed: 100 x (1 + 0.5 + 0.75 + 0.25) / 4 = 62.5
PASSED = {"GD1", "GD2", "GD3", "GD4", "GS1", "GS2", "GM1", "GM2", "GM3", "ED1"}
CODES = [p + str(n) for p in ("GD", "GS", "GM", "ED") for n in range(1, 5)]


def _buyer(ctx: Context, tmp_path: Path, slug: str) -> None:
    write_csv(
        tmp_path / f"{slug}-s.csv",
        "suppliers",
        [supplier("S1", strategic="true"), supplier("S2", strategic="true"), supplier("S3")],
    )
    import_records(ctx, slug, "suppliers", tmp_path / f"{slug}-s.csv")
    write_csv(
        tmp_path / f"{slug}-d.csv",
        "supplier-data",
        [
            supplier_report("S1", year="2023", scope1_t="110", sbt_status="validated"),
            supplier_report(
                "S1", year="2024", scope1_t="100", sbt_status="validated", renewable_share="0.8"
            ),
            supplier_report("S2", year="2024", verified="false", sbt_status="targets_set"),
        ],
    )
    import_records(ctx, slug, "supplier-data", tmp_path / f"{slug}-d.csv")


@pytest.fixture
def world(ctx: Context, tmp_path: Path):
    """Buyers A (admin Alice, viewer Victor) and B (admin Bob) with the same three suppliers;
    supplier organisations sup-1 (Sam) and sup-2 (Sue) operating A's records S1 and S2."""
    add_organisation(ctx, "org-a", "Alpha Chips")
    add_organisation(ctx, "org-b", "Beta Modules")
    add_organisation(ctx, "sup-1", "Supplier One Ltd")
    add_organisation(ctx, "sup-2", "Supplier Two Ltd")
    add_user(ctx, "alice@a.example", PASSWORD, "org-a", Role.ADMIN)
    add_user(ctx, "victor@a.example", PASSWORD, "org-a", Role.VIEWER)
    add_user(ctx, "bob@b.example", PASSWORD, "org-b", Role.ADMIN)
    add_user(ctx, "sam@s1.example", PASSWORD, "sup-1", Role.ADMIN)
    add_user(ctx, "sue@s2.example", PASSWORD, "sup-2", Role.ADMIN)
    _buyer(ctx, tmp_path, "org-a")
    _buyer(ctx, tmp_path, "org-b")
    link_supplier(ctx, "org-a", "S1", "sup-1")
    link_supplier(ctx, "org-a", "S2", "sup-2")
    settings = Settings(upload_dir=tmp_path / "uploads", job_workers=0)
    client = TestClient(create_app(settings, ctx))
    who = ("alice@a.example", "victor@a.example", "bob@b.example", "sam@s1.example")
    tokens = {w: create_api_token(ctx, w).token for w in (*who, "sue@s2.example")}
    return ctx, client, tokens


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _post(client: TestClient, token: str, path: str, body: object, status: int = 200) -> dict:
    response = client.post(f"{API}{path}", json=body, headers=_auth(token))
    assert response.status_code == status, response.text
    return response.json()


def _open_s1(client: TestClient, token: str) -> None:
    _post(client, token, "/qualification/programs", {"name": "green supply chain"}, 201)
    _post(client, token, "/qualification/cases", {"supplier_id": "S1"}, 201)


def test_a_case_goes_through_every_stage_in_order_with_who_when_and_why(world):
    _, client, tokens = world
    alice = tokens["alice@a.example"]
    _open_s1(client, alice)
    adv = "/qualification/suppliers/S1/advance"

    skipped = client.post(
        f"{API}{adv}", json={"to_stage": "training", "why": "fast"}, headers=_auth(alice)
    )
    assert skipped.status_code == 422
    assert skipped.json()["message"] == (
        "cannot move from stage 'application' to 'training': stages cannot be skipped; "
        "the next stage is 'preliminary_audit'"
    )
    no_docs = client.post(
        f"{API}{adv}", json={"to_stage": "preliminary_audit", "why": "x"}, headers=_auth(alice)
    )
    assert no_docs.status_code == 422
    assert "document 'company profile' missing" in no_docs.json()["message"]
    step = _post(
        client,
        alice,
        adv,
        {"to_stage": "preliminary_audit", "why": "documents complete", "documents": DOCS},
    )
    assert (step["stage"], step["status"], step["next_stage"]) == (
        "preliminary_audit",
        "in_progress",
        "training",
    )
    no_audit = client.post(
        f"{API}{adv}", json={"to_stage": "training", "why": "x"}, headers=_auth(alice)
    )
    assert no_audit.status_code == 422
    assert "no audit on the green_supply_chain checklist" in no_audit.json()["message"]

    checklist = client.get(f"{API}/qualification/checklist", headers=_auth(alice)).json()
    assert [i["code"] for i in checklist["items"]] == CODES
    audit = _post(
        client,
        alice,
        "/qualification/audits",
        {
            "supplier_id": "S1",
            "audited_on": "2026-03-01",
            "results": {c: c in PASSED for c in CODES},
            "findings": [
                {
                    "item_code": "GM4",
                    "severity": "major",
                    "description": "no renewable electricity",
                    "action_description": "sign a PPA",
                    "owner": "plant manager",
                    "due_on": "2026-08-31",
                }
            ],
            "evidence": ["audit-report.pdf"],
        },
        201,
    )
    assert (audit["score"], audit["verdict"]) == (62.5, "passed")
    assert audit["by_pillar"] == {
        "green_design_and_recycling": 1.0,
        "green_supplier_management": 0.5,
        "green_manufacturing": 0.75,
        "environmental_data_disclosure": 0.25,
    }
    _post(client, alice, adv, {"to_stage": "training", "why": "audit passed"})
    untrained = client.post(
        f"{API}{adv}", json={"to_stage": "final_evaluation", "why": "x"}, headers=_auth(alice)
    )
    assert untrained.status_code == 422
    assert "training not completed" in untrained.json()["message"]
    attributes = client.put(
        f"{API}/qualification/suppliers/S1/attributes",
        json={"training_completion_share": 1.0},
        headers=_auth(alice),
    )
    assert attributes.status_code == 200, attributes.text
    _post(client, alice, adv, {"to_stage": "final_evaluation", "why": "trained"})
    _post(client, alice, adv, {"to_stage": "decision", "why": "evaluated", "score": 70})

    decide = "/qualification/suppliers/S1/decide"
    bare = client.post(
        f"{API}{decide}",
        json={"outcome": "conditionally_qualified", "why": "PPA pending"},
        headers=_auth(alice),
    )
    assert bare.status_code == 422
    assert "needs corrective actions" in bare.json()["message"]
    victor = client.post(
        f"{API}{decide}",
        json={"outcome": "rejected", "why": "x"},
        headers=_auth(tokens["victor@a.example"]),
    )
    assert victor.status_code == 403
    decided = _post(
        client,
        alice,
        decide,
        {
            "outcome": "conditionally_qualified",
            "why": "PPA pending",
            "corrective_actions": [
                {"description": "sign a PPA", "owner": "plant manager", "due_on": "2026-09-30"}
            ],
        },
    )
    assert (decided["status"], decided["decided_on"], decided["valid_until"]) == (
        "conditionally_qualified",
        "2026-03-01",
        "2029-02-28",  # 2026-03-01 + 1,095 days
    )
    shown = client.get(f"{API}/qualification/suppliers/S1", headers=_auth(alice)).json()
    (case,) = shown["cases"]
    steps = [(t["from"], t["to"], t["who"], t["why"]) for t in case["transitions"]]
    assert steps == [
        ("opened", "application", "alice@a.example", "application received"),
        ("application", "preliminary_audit", "alice@a.example", "documents complete"),
        ("preliminary_audit", "training", "alice@a.example", "audit passed"),
        ("training", "final_evaluation", "alice@a.example", "trained"),
        ("final_evaluation", "decision", "alice@a.example", "evaluated"),
        ("decision", "conditionally_qualified", "alice@a.example", "PPA pending"),
    ]
    assert all(t["when"].startswith("2026-03-01") for t in case["transitions"])
    assert case["transitions"][2]["evidence"]["audit_score"] == 62.5
    assert [a["description"] for a in case["corrective_actions"]] == ["sign a PPA", "sign a PPA"]

    early = client.post(
        f"{API}/qualification/suppliers/S1/requalify", json={"why": "x"}, headers=_auth(alice)
    )
    assert early.status_code == 409
    again = _post(
        client, alice, "/qualification/suppliers/S1/requalify", {"why": "scope", "on_demand": True}
    )
    assert (again["cycle"], again["stage"], again["status"]) == (2, "application", "in_progress")
    listed = client.get(f"{API}/qualification/cases?stage=application", headers=_auth(alice))
    assert [c["supplier_id"] for c in listed.json()] == ["S1"]


def _cards(client: TestClient, token: str, org: str = "org-a") -> dict[str, dict]:
    response = client.get(f"/api/v1/orgs/{org}/scorecards?year=2024", headers=_auth(token))
    assert response.status_code == 200, response.text
    return {c["supplier_id"]: c for c in response.json()}


def test_contributions_add_up_and_weights_change_only_that_buyers_ratings(world):
    _, client, tokens = world
    alice, bob = tokens["alice@a.example"], tokens["bob@b.example"]
    for token, org in ((alice, "org-a"), (bob, "org-b")):
        response = client.put(
            f"/api/v1/orgs/{org}/qualification/suppliers/S3/attributes",
            json={"rba_member": True, "iso_14001": True},
            headers=_auth(token),
        )
        assert response.status_code == 200, response.text
    cards = _cards(client, alice)
    for card in cards.values():
        assert sum(i["contribution"] for i in card["indicators"]) == pytest.approx(card["score"])
    # S3 reported nothing: 10 indicators missing (0 points, flagged); RBA and ISO 14001 are
    # worth 5 of 100 weight points each: 5 + 5 = 10.
    s3 = cards["S3"]
    assert s3["score"] == pytest.approx(10.0)
    assert s3["rating"] == "E"
    assert len(s3["missing"]) == 10
    lines = {i["indicator"]: i for i in s3["indicators"]}
    assert lines["rba_membership"]["contribution"] == pytest.approx(5.0)
    assert lines["carbon_intensity"]["status"] == "missing"
    assert lines["carbon_intensity"]["points"] is None

    weights = client.put(
        f"{API}/scorecards/weights",
        json={"weights": {"rba_membership": 0}},
        headers=_auth(alice),
    )
    assert weights.status_code == 200, weights.text
    assert {w["indicator"]: w["weight"] for w in weights.json()}["rba_membership"] == 0
    # A: ISO 14001 alone, 5 of 95 weight points -> 100 x 5 / 95 = 5.263; B unchanged at 10.
    assert _cards(client, alice)["S3"]["score"] == pytest.approx(500 / 95)
    assert _cards(client, bob, "org-b")["S3"]["score"] == pytest.approx(10.0)
    bad = client.put(
        f"{API}/scorecards/weights", json={"weights": {"nope": 1}}, headers=_auth(alice)
    )
    assert bad.status_code == 422
    assert "unknown indicator 'nope'" in bad.json()["message"]


def test_requirements_compliance_and_the_tier_export(world):
    _, client, tokens = world
    alice = tokens["alice@a.example"]
    _post(
        client,
        alice,
        "/requirements",
        {
            "name": "SBT and RBA",
            "conditions": ["sbt:validated", "rba_member"],
            "due_on": "2026-12-31",
        },
        201,
    )
    client.put(
        f"{API}/qualification/suppliers/S1/attributes",
        json={"rba_member": True},
        headers=_auth(alice),
    )
    rows = client.get(f"{API}/requirements/compliance?year=2024", headers=_auth(alice)).json()
    found = {r["supplier_id"]: r for r in rows}
    assert set(found) == {"S1", "S2"}  # strategic suppliers only
    assert found["S1"]["meets"] is True
    assert found["S2"]["meets"] is False
    assert found["S2"]["reasons"] == [
        "science-based target targets_set (needs validated)",
        "RBA membership not recorded",
    ]
    _post(
        client,
        alice,
        "/incentives",
        {
            "supplier_id": "S1",
            "kind": "innovation_incentive",
            "reason": "CO2 cut",
            "amount": 5e4,
            "currency": "USD",
        },
        201,
    )
    exported = client.get(f"{API}/sourcing/tiers.csv?year=2024", headers=_auth(alice))
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    table = list(csv.reader(io.StringIO(exported.text)))
    assert table[0] == list(TIER_COLUMNS)
    assert sorted(r[0] for r in table[1:]) == ["S1", "S2", "S3"]
    s1 = dict(zip(table[0], next(r for r in table[1:] if r[0] == "S1"), strict=True))
    assert (s1["qualification"], s1["incentives"]) == ("none", "innovation_incentive")
    book = client.get(f"{API}/sourcing/tiers.xlsx?year=2024", headers=_auth(alice))
    assert book.status_code == 200
    sheet = load_workbook(io.BytesIO(book.content)).worksheets[0]
    assert [c.value for c in next(sheet.iter_rows())] == list(TIER_COLUMNS)
    assert sheet.max_row == 4
    tiers = client.get(f"{API}/sourcing/tiers?year=2024", headers=_auth(alice)).json()
    assert {t["supplier_id"]: t["tier"] for t in tiers}["S3"] == "not_assessed"  # no data


def test_a_supplier_sees_its_own_case_and_rating_and_nothing_of_other_suppliers(world):
    _, client, tokens = world
    alice, sam = tokens["alice@a.example"], tokens["sam@s1.example"]
    _open_s1(client, alice)
    _post(client, alice, "/qualification/cases", {"supplier_id": "S2"}, 201)
    own = client.get(
        "/api/v1/orgs/sup-1/customers/qualification?buyer=org-a&year=2024", headers=_auth(sam)
    )
    assert own.status_code == 200, own.text
    view = own.json()
    assert view["supplier_id"] == "S1"
    assert [c["supplier_id"] for c in view["cases"]] == ["S1"]
    assert view["cases"][0]["transitions"][0]["to"] == "application"
    assert "S2" not in own.text
    rating = client.get(
        "/api/v1/orgs/sup-1/customers/rating?buyer=org-a&year=2024", headers=_auth(sam)
    )
    assert rating.status_code == 200
    card = rating.json()
    assert card["supplier_id"] == "S1"
    assert sum(i["contribution"] for i in card["indicators"]) == pytest.approx(card["score"])
    for path in (
        f"{API}/qualification/suppliers/S2",
        f"{API}/qualification/cases",
        f"{API}/scorecards?year=2024",
        "/api/v1/orgs/sup-1/customers/qualification?buyer=org-b",
        "/api/v1/orgs/sup-2/customers/qualification?buyer=org-a",
        "/api/v1/orgs/sup-2/customers/rating?buyer=org-a",
    ):
        response = client.get(path, headers=_auth(sam))
        assert response.status_code == 404, (path, response.text)


BUYER_ROUTES = [
    ("GET", "/qualification/programs"),
    ("GET", "/qualification/cases"),
    ("GET", "/qualification/suppliers/S1"),
    ("GET", "/qualification/attributes"),
    ("GET", "/qualification/checklist"),
    ("GET", "/qualification/audits"),
    ("GET", "/scorecards?year=2024"),
    ("GET", "/scorecards/weights"),
    ("GET", "/requirements"),
    ("GET", "/requirements/compliance?year=2024"),
    ("GET", "/sourcing/tiers?year=2024"),
    ("GET", "/sourcing/tiers.csv?year=2024"),
    ("GET", "/sourcing/tiers.xlsx?year=2024"),
    ("GET", "/sourcing/overview?year=2024"),
    ("GET", "/incentives"),
    ("POST", "/qualification/suppliers/S1/advance"),
    ("POST", "/qualification/suppliers/S1/decide"),
    ("POST", "/qualification/suppliers/S1/requalify"),
    ("PUT", "/qualification/suppliers/S1/attributes"),
    ("PUT", "/scorecards/weights"),
    ("POST", "/qualification/announcements"),
]
PAGES = ["/qualification", "/qualification/cases/1", "/scorecards", "/sourcing"]


def test_another_organisation_gets_404_on_every_route_and_page(world):
    _, client, tokens = world
    _open_s1(client, tokens["alice@a.example"])
    bob = _auth(tokens["bob@b.example"])
    body = {"to_stage": "training", "why": "x", "outcome": "rejected"}
    for method, path in BUYER_ROUTES:
        response = client.request(method, f"{API}{path}", json=body, headers=bob)
        assert response.status_code == 404, (path, response.status_code, response.text)
        assert "alice" not in response.text
    client.post(
        "/login",
        data={"csrf_token": _csrf(client), "email": "bob@b.example", "password": PASSWORD},
        headers=HTML,
    )
    for path in PAGES:
        page = client.get(f"/orgs/org-a{path}", headers=HTML)
        assert page.status_code == 404, path
        assert "Traceback" not in page.text


def _csrf(client: TestClient, path: str = "/login") -> str:
    page = client.get(path, headers=HTML).text
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, page
    return match.group(1)


def _title(page: str) -> str:
    match = re.search(r"<title>(.*?)</title>", page)
    assert match, page
    return match.group(1)


def _labelled(page: str) -> None:
    """Every visible input, select and textarea has a label."""
    ids = set(re.findall(r'<label[^>]*for="([^"]+)"', page))
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", page):
        if 'type="hidden"' in tag or 'type="checkbox"' in tag:
            continue
        found = re.search(r'id="([^"]+)"', tag)
        assert found, tag
        assert found.group(1) in ids, tag


def _login(client: TestClient, email: str) -> None:
    response = client.post(
        "/login",
        data={"csrf_token": _csrf(client), "email": email, "password": PASSWORD, "next": "/"},
        headers=HTML,
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def test_the_pages_take_a_case_forward_and_show_errors_without_a_trace(world):
    _, client, _ = world
    _login(client, "alice@a.example")
    token = _csrf(client, "/orgs/org-a/qualification")
    page = client.get("/orgs/org-a/qualification", headers=HTML)
    assert _title(page.text) == "Qualification – Alpha Chips · Greenchain"
    client.post(
        "/orgs/org-a/qualification/programs",
        data={"csrf_token": token, "name": "Green supply chain", "window_days": "183"},
        headers=HTML,
    )
    opened = client.post(
        "/orgs/org-a/qualification/cases",
        data={"csrf_token": token, "supplier_id": "S2", "why": "applied"},
        headers=HTML,
        follow_redirects=False,
    )
    assert opened.status_code == 303
    case_url = opened.headers["location"]
    case = client.get(case_url, headers=HTML)
    assert _title(case.text) == "Qualification of Supplier S2 – Alpha Chips · Greenchain"
    _labelled(case.text)
    assert 'scope="col"' in case.text
    refused = client.post(
        f"{case_url}/advance",
        data={"csrf_token": token, "to_stage": "decision", "why": "hurry"},
        headers=HTML,
    )
    assert refused.status_code == 422
    assert "stages cannot be skipped" in refused.text
    assert "Traceback" not in refused.text
    moved = client.post(
        f"{case_url}/advance",
        data={
            "csrf_token": token,
            "to_stage": "preliminary_audit",
            "why": "complete",
            "documents": "company profile\nenvironmental policy",
        },
        headers=HTML,
    )
    assert moved.status_code == 200
    assert "Moved to Preliminary audit" in moved.text
    audited = client.post(
        f"{case_url}/audits",
        data={
            "csrf_token": token,
            "audited_on": "2026-02-27",
            "passed": sorted(PASSED),
            "finding1_item": "GM4",
            "finding1_severity": "major",
            "finding1_description": "no renewables",
            "finding1_owner": "",
            "finding1_due_on": "",
        },
        headers=HTML,
    )
    assert audited.status_code == 422
    assert "needs a corrective action" in audited.text
    no_csrf = client.post(f"{case_url}/advance", data={"to_stage": "training"}, headers=HTML)
    assert no_csrf.status_code == 403
    overview = client.get("/orgs/org-a/qualification", headers=HTML).text
    assert "Preliminary audit" in overview
    _labelled(overview)

    cards = client.get("/orgs/org-a/scorecards?year=2024", headers=HTML)
    assert cards.status_code == 200
    assert _title(cards.text) == "Scorecards 2024 – Alpha Chips · Greenchain"
    assert "missing" in cards.text
    _labelled(cards.text)
    saved = client.post(
        "/orgs/org-a/scorecards/weights",
        data={"csrf_token": token, "weight_carbon_intensity": "-1"},
        headers=HTML,
    )
    assert saved.status_code == 422
    assert "Traceback" not in saved.text

    sourcing = client.get("/orgs/org-a/sourcing?year=2024", headers=HTML)
    assert _title(sourcing.text) == "Sourcing tiers 2024 – Alpha Chips · Greenchain"
    assert "/sourcing/tiers.csv?year=2024" in sourcing.text
    _labelled(sourcing.text)
    added = client.post(
        "/orgs/org-a/requirements",
        data={
            "csrf_token": token,
            "name": "SBT and RBA",
            "conditions": "sbt:validated, rba_member",
            "due_on": "2026-12-31",
            "applies_to": "strategic",
        },
        headers=HTML,
    )
    assert added.status_code == 200
    assert "does not meet" in added.text
    assert "RBA membership not recorded" in added.text


def test_a_supplier_user_sees_its_qualification_page(world):
    _, client, tokens = world
    _open_s1(client, tokens["alice@a.example"])
    _login(client, "sam@s1.example")
    page = client.get("/orgs/sup-1/customers/org-a/qualification?year=2024", headers=HTML)
    assert page.status_code == 200, page.text
    assert _title(page.text) == "Qualification with Alpha Chips – Supplier One Ltd · Greenchain"
    assert "What would raise your rating" in page.text
    assert "Supplier S2" not in page.text
    other = client.get("/orgs/sup-1/customers/org-b/qualification", headers=HTML)
    assert other.status_code == 404
    linked = client.get("/orgs/sup-1/qualification", headers=HTML)
    assert "/orgs/sup-1/customers/org-a/qualification" in linked.text
