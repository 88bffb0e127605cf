"""Data requests through the API and the pages, on SQLite and PostgreSQL: two buyers and a
shared supplier through the whole flow; the emails go through a real SMTP server; a supplier
without an account signs up from its link; each side sees only what it may."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from greenchain.config import Settings
from greenchain.domain.access import Role
from greenchain.entrypoints.web.app import create_app
from greenchain.services.accounts import add_user, create_api_token, deliver_mail
from greenchain.services.context import Context
from greenchain.services.imports import import_records
from greenchain.services.inventory import calculate_inventory
from greenchain.services.orgs import add_organisation
from tests.factories import activity, link_supplier, purchase, supplier, write_csv

PASSWORD = "correct horse battery"
HTML = {"Accept": "text/html"}
ANSWER = {
    "reporting_year": 2024,
    "revenue": 50_000_000,
    "currency": "USD",
    "scope1_t": 1200,
    "scope2_market_t": 800,
    "scope3_upstream_t": 4000,
    "method": "ghg_protocol",
    "verification": "none",
    "sbt_status": "committed",
}


@pytest.fixture
def world(ctx: Context, tmp_path: Path):
    add_organisation(ctx, "chipco", "Chip Co")
    add_organisation(ctx, "osatco", "OSAT Co")
    add_organisation(ctx, "steelco", "Steel Co")
    for buyer in ("chipco", "osatco"):
        write_csv(
            tmp_path / f"{buyer}-s.csv",
            "suppliers",
            [supplier("ST-1", name="Steel Co"), supplier("GAS-9", name="Gas Works")],
        )
        import_records(ctx, buyer, "suppliers", tmp_path / f"{buyer}-s.csv")
        write_csv(
            tmp_path / f"{buyer}-p.csv",
            "purchases",
            [purchase(f"{buyer}-1", "ST-1", date="2024-04-01", amount="100000")],
        )
        import_records(ctx, buyer, "purchases", tmp_path / f"{buyer}-p.csv")
        link_supplier(ctx, buyer, "ST-1", "steelco")
    add_user(ctx, "alice@chip.example", PASSWORD, "chipco", Role.ADMIN)
    add_user(ctx, "oscar@osat.example", PASSWORD, "osatco", Role.ADMIN)
    add_user(ctx, "sam@steel.example", PASSWORD, "steelco", Role.ANALYST)
    settings = Settings(upload_dir=tmp_path / "uploads", job_workers=0)
    client = TestClient(create_app(settings, ctx))
    tokens = {
        who: create_api_token(ctx, who).token
        for who in ("alice@chip.example", "oscar@osat.example", "sam@steel.example")
    }
    return (
        ctx,
        client,
        {k.split("@")[0]: {"Authorization": f"Bearer {v}"} for k, v in tokens.items()},
    )


def _send(
    client: TestClient, buyer: str, auth: dict[str, str], *recipients: tuple[str, str]
) -> int:
    response = client.post(
        f"/api/v1/orgs/{buyer}/requests",
        json={
            "year": 2024,
            "deadline": "2026-06-30",
            "recipients": [{"supplier_id": s, "email": e} for s, e in recipients],
            "message": "Please answer by June.",
        },
        headers=auth,
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def test_two_buyers_and_a_shared_supplier_through_the_whole_flow(world):
    ctx, client, auth = world
    a = _send(client, "chipco", auth["alice"], ("ST-1", "sam@steel.example"))
    b = _send(client, "osatco", auth["oscar"], ("ST-1", "sam@steel.example"))
    portal = client.get("/api/v1/orgs/steelco/portal", headers=auth["sam"]).json()
    mine = {r["buyer"]: r["id"] for r in portal["requests"]}
    assert set(mine) == {"chipco", "osatco"}

    opened = client.get(
        f"/api/v1/orgs/steelco/portal/requests/{mine['chipco']}", headers=auth["sam"]
    )
    assert opened.status_code == 200
    assert {q["name"] for q in opened.json()["questions"]} >= {"scope1_t", "sbt_status"}
    draft = client.put(
        f"/api/v1/orgs/steelco/portal/requests/{mine['chipco']}/draft",
        json={"answers": {"scope1_t": "lots"}},
        headers=auth["sam"],
    )
    assert draft.json()["problems"] == [
        {"field": "scope1_t", "label": "Scope 1 (t CO2e)", "message": "'lots' is not a number"}
    ]
    incomplete = client.post(
        f"/api/v1/orgs/steelco/portal/requests/{mine['chipco']}/submit",
        json={"answers": {**ANSWER, "scope2_market_t": None}},
        headers=auth["sam"],
    )
    assert incomplete.status_code == 422
    # the API names the field for programs and the label for people
    assert incomplete.json()["problems"] == [
        {
            "field": "scope2_market_t",
            "message": "required",
            "label": "Scope 2 market-based (t CO2e)",
        }
    ]
    done = client.post(
        f"/api/v1/orgs/steelco/portal/requests/{mine['chipco']}/submit",
        json={"answers": ANSWER},
        headers=auth["sam"],
    )
    assert done.json()["shared_with"] == ["chipco"]

    seen_a = client.get(f"/api/v1/orgs/chipco/requests/{a}", headers=auth["alice"]).json()
    recipient = seen_a["recipients"][0]
    assert recipient["answer"]["answers"]["scope1_t"] == 1200
    seen_b = client.get(f"/api/v1/orgs/osatco/requests/{b}", headers=auth["oscar"]).json()
    assert seen_b["recipients"][0]["answer"] is None
    assert "1200" not in str(seen_b)
    assert client.get(f"/api/v1/orgs/chipco/requests/{a}", headers=auth["oscar"]).status_code == 404

    accepted = client.post(
        f"/api/v1/orgs/chipco/recipients/{recipient['id']}/accept", headers=auth["alice"]
    )
    assert accepted.status_code == 200, accepted.text
    assert calculate_inventory(ctx, "chipco", 2024).by_supplier[0].method == "supplier_specific"
    assert calculate_inventory(ctx, "osatco", 2024).by_supplier[0].method == "spend_based"
    other = client.post(
        f"/api/v1/orgs/osatco/recipients/{seen_b['recipients'][0]['id']}/accept",
        headers=auth["oscar"],
    )
    assert other.status_code == 422


def test_request_emails_go_through_smtp_and_a_new_supplier_signs_up(world):
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    from greenchain.adapters.security import SmtpTransport

    ctx, client, auth = world
    received: list[object] = []

    class Collect(Message):  # type: ignore[misc]
        def handle_message(self, message: object) -> None:
            received.append(message)

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Collect(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        ctx.mail_transport = SmtpTransport("127.0.0.1", port, "Greenchain <no-reply@test>")
        _send(client, "chipco", auth["alice"], ("GAS-9", "gw@gas.example"))
        assert deliver_mail(ctx)[0] >= 1
    finally:
        controller.stop()
    mail = next(m for m in received if m["To"] == "gw@gas.example")  # type: ignore[index]
    assert "Chip Co asks for your 2024 climate data" in mail["Subject"]  # type: ignore[index]
    body = mail.get_payload(decode=True).decode()  # type: ignore[attr-defined]
    link = re.search(r"https?://[^/\s]+(/supplier-signup/\S+)", body).group(1)  # type: ignore[union-attr]
    page = client.get(link, headers=HTML)
    assert "Chip Co asks Gas Works for its 2024 climate data" in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    short = client.post(
        link,
        data={"csrf_token": token, "organisation": "Gas Works", "password": "short"},
        headers=HTML,
    )
    assert short.status_code == 422
    created = client.post(
        link,
        data={"csrf_token": token, "organisation": "Gas Works", "password": PASSWORD},
        headers=HTML,
        follow_redirects=False,
    )
    assert created.status_code == 303
    assert created.headers["location"] == "/orgs/gas-works/portal"
    portal = client.get("/orgs/gas-works/portal", headers=HTML)
    assert "Chip Co" in portal.text
    assert client.get(link, headers=HTML).status_code == 404  # the link works once


def _login(client: TestClient, email: str) -> None:
    page = client.get("/login", headers=HTML).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    client.post(
        "/login", data={"csrf_token": token, "email": email, "password": PASSWORD}, headers=HTML
    )


def _csrf(client: TestClient, path: str) -> str:
    page = client.get(path, headers=HTML).text
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def test_the_pages_take_a_request_from_sending_to_acceptance(world):
    _, client, _ = world
    _login(client, "alice@chip.example")
    bad = client.post(
        "/orgs/chipco/requests",
        data={
            "csrf_token": _csrf(client, "/orgs/chipco/requests"),
            "year": "2024",
            "deadline": "2026-06-30",
            "recipients": "ST-1 not-an-email",
        },
        headers=HTML,
    )
    assert bad.status_code == 422
    assert "not-an-email" in bad.text
    sent = client.post(
        "/orgs/chipco/requests",
        data={
            "csrf_token": _csrf(client, "/orgs/chipco/requests"),
            "year": "2024",
            "deadline": "2026-06-30",
            "recipients": "ST-1 sam@steel.example",
        },
        headers=HTML,
        follow_redirects=False,
    )
    assert sent.status_code == 303
    request_url = sent.headers["location"]
    client.post("/logout", data={"csrf_token": _csrf(client, request_url)}, headers=HTML)

    _login(client, "sam@steel.example")
    portal = client.get("/orgs/steelco/portal", headers=HTML).text
    answer_url = re.search(r'href="(/orgs/steelco/portal/requests/\d+)"', portal).group(1)  # type: ignore[union-attr]
    form = client.get(answer_url, headers=HTML)
    assert form.status_code == 200
    assert 'hx-trigger="change delay:400ms"' in form.text
    token = _csrf(client, answer_url)
    saved = client.post(
        f"{answer_url}/draft", data={"csrf_token": token, "scope1_t": "1200"}, headers=HTML
    )
    assert "Draft saved at" in saved.text
    fields = {k: str(v) for k, v in ANSWER.items()}
    submitted = client.post(
        f"{answer_url}/submit", data={"csrf_token": token, **fields}, headers=HTML
    )
    assert "Submitted and shared with Chip Co" in submitted.text
    attached = client.post(
        f"{answer_url}/evidence",
        data={"csrf_token": token},
        files={"file": ("report.pdf", b"%PDF-1.7 verification", "application/pdf")},
        headers=HTML,
    )
    assert "report.pdf attached" in attached.text
    client.post("/logout", data={"csrf_token": token}, headers=HTML)

    _login(client, "alice@chip.example")
    detail = client.get(request_url, headers=HTML).text
    assert "Answer of Steel Co" in detail
    assert "<dt>Reporting year</dt><dd>2024</dd>" in detail  # a year, not "2,024"
    assert "<dd>GHG Protocol</dd>" in detail
    assert "<dd>Committed</dd>" in detail
    evidence = re.search(r'href="(/orgs/chipco/recipients/\d+/evidence/\d+)"', detail).group(1)  # type: ignore[union-attr]
    assert client.get(evidence).content == b"%PDF-1.7 verification"
    accept = re.search(r'action="(/orgs/chipco/requests/\d+/accept/\d+)"', detail).group(1)  # type: ignore[union-attr]
    accepted = client.post(accept, data={"csrf_token": _csrf(client, request_url)}, headers=HTML)
    assert "Accepted: the next calculation run uses this supplier" in accepted.text


def test_a_supplier_does_not_see_another_suppliers_requests(world):
    ctx, client, auth = world
    _send(client, "chipco", auth["alice"], ("ST-1", "sam@steel.example"))
    add_organisation(ctx, "nosy")
    add_user(ctx, "nina@nosy.example", PASSWORD, "nosy", Role.ADMIN)
    nina = {"Authorization": f"Bearer {create_api_token(ctx, 'nina@nosy.example').token}"}
    assert client.get("/api/v1/orgs/nosy/portal", headers=nina).json()["requests"] == []
    assert client.get("/api/v1/orgs/steelco/portal", headers=nina).status_code == 404
    sam_portal = client.get("/api/v1/orgs/steelco/portal", headers=auth["sam"]).json()
    recipient = sam_portal["requests"][0]["id"]
    stolen = client.get(f"/api/v1/orgs/nosy/portal/requests/{recipient}", headers=nina)
    assert stolen.status_code == 404
    assert client.get("/api/v1/orgs/chipco/requests", headers=auth["sam"]).status_code == 404


def test_the_answer_page_is_prefilled_from_the_suppliers_own_inventory(world, tmp_path: Path):
    ctx, client, auth = world
    write_csv(tmp_path / "own-a.csv", "activity", [activity("E1", amount="2000000")])
    import_records(ctx, "steelco", "activity", tmp_path / "own-a.csv")
    take_back = {"record_id": "TB1", "year": "2024", "product_line": "coils",
                 "tonnes_returned": "50", "share_reused": "0.25",
                 "share_recycled": "0.75"}  # fmt: skip
    write_csv(tmp_path / "own-tb.csv", "take-back", [take_back])
    import_records(ctx, "steelco", "take-back", tmp_path / "own-tb.csv")
    own = calculate_inventory(ctx, "steelco", 2024)
    _send(client, "chipco", auth["alice"], ("ST-1", "sam@steel.example"))

    _login(client, "sam@steel.example")
    portal = client.get("/orgs/steelco/portal", headers=HTML).text
    answer_url = re.search(r'href="(/orgs/steelco/portal/requests/\d+)"', portal).group(1)  # type: ignore[union-attr]
    page = client.get(answer_url, headers=HTML).text
    assert f"Prefilled from your own 2024 inventory (calculation run #{own.run_id})" in page
    assert "<legend>Circularity</legend>" in page
    assert 'name="takeback_reuse_share" inputmode="decimal" value="0.25"' in page
    scope2 = own.by_scope["2_location"]
    shown = f"{scope2:.0f}" if scope2 % 1 == 0 else f"{scope2}"  # whole tonnes without ".0"
    assert f'name="scope2_location_t" inputmode="decimal" value="{shown}"' in page


def test_answers_to_check_are_named_by_their_label_at_their_field(world):
    _, client, auth = world
    _send(client, "chipco", auth["alice"], ("ST-1", "sam@steel.example"))
    _login(client, "sam@steel.example")
    portal = client.get("/orgs/steelco/portal", headers=HTML).text
    answer_url = re.search(r'href="(/orgs/steelco/portal/requests/\d+)"', portal).group(1)  # type: ignore[union-attr]
    fields = {k: str(v) for k, v in ANSWER.items() if k != "scope2_market_t"}
    fields["revenue"] = "fifty million"
    page = client.post(
        f"{answer_url}/submit",
        data={"csrf_token": _csrf(client, answer_url), **fields},
        headers=HTML,
    )
    assert page.status_code == 422
    text = page.text.replace("&#39;", "'")
    assert "2 answers to check before submitting" in text
    assert '<a href="#q-scope2_market_t">Scope 2 market-based (t CO2e)</a>: required' in text
    assert 'aria-invalid="true" aria-describedby="e-revenue h-revenue"' in text
    assert '<p class="field-error" id="e-revenue">\'fifty million\' is not a number</p>' in text
    assert "scope2_market_t'" not in text  # no internal names in what is said
