"""The PACT client against the project's own PACT host, in a second organisation, on SQLite and
PostgreSQL: a buyer registers its supplier's host and credentials, pulls the footprints shared
with it page by page, and its inventory shows the matching purchase lines at product level."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from fastapi.testclient import TestClient

from greenchain.adapters.db.pact import SqlPact
from greenchain.adapters.db.pact_client import SqlPactConnections
from greenchain.adapters.signing import SecretBox
from greenchain.config import Settings
from greenchain.domain.access import Role
from greenchain.domain.errors import InvalidDataError
from greenchain.entrypoints.web.app import create_app
from greenchain.services import pact as pact_host
from greenchain.services import pact_client as client
from greenchain.services.accounts import add_user
from greenchain.services.context import Context
from greenchain.services.imports import import_records
from greenchain.services.inventory import calculate_inventory
from greenchain.services.orgs import add_organisation
from tests.conftest import SEALING_KEY
from tests.factories import purchase, supplier, write_csv

EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "specs" / "pact-v3" / "examples"
PASSWORD = "correct horse battery"


class InProcessTransport:
    """The client's HTTP port over the app in process (paths of the registered base URL)."""

    def __init__(self, http: TestClient) -> None:
        self.http = http
        self.pages: list[str] = []

    @staticmethod
    def _path(url: str) -> str:
        parsed = urlparse(url)
        return parsed.path + (f"?{parsed.query}" if parsed.query else "")

    def token(self, base_url: str, client_id: str, secret: str) -> tuple[int, Any]:
        answer = self.http.post(
            self._path(base_url + "/auth/token"),
            data={"grant_type": "client_credentials"},
            auth=(client_id, secret),
        )
        return answer.status_code, answer.json()

    def get(self, url: str, token: str) -> tuple[int, dict[str, str], Any]:
        self.pages.append(url)
        answer = self.http.get(self._path(url), headers={"Authorization": f"Bearer {token}"})
        return answer.status_code, {k.lower(): v for k, v in answer.headers.items()}, answer.json()

    def post(self, url: str, token: str, body: Any) -> tuple[int, dict[str, str], Any]:
        answer = self.http.post(
            self._path(url),
            content=json.dumps(body),
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/cloudevents+json; charset=UTF-8",
            },
        )
        return answer.status_code, dict(answer.headers), answer.text


@pytest.fixture
def two_orgs(ctx: Context, tmp_path: Path):
    add_organisation(ctx, "acme", "Acme Chemicals")
    add_organisation(ctx, "buyer", "Buyer Co")
    acme = add_user(ctx, "pat@acme.example", PASSWORD, "acme", Role.ADMIN)
    store = SqlPact(ctx.workspace.engine, SEALING_KEY)  # type: ignore[attr-defined]
    for name in ("example-1.json", "example-2.json", "example-3.json"):
        pact_host.import_footprints(ctx, acme, store, "acme", (EXAMPLES / name).read_bytes(), name)
    issued = pact_host.create_credential(ctx, acme, store, "acme", "buyer", share_all=True)
    write_csv(tmp_path / "s.csv", "suppliers", [supplier("ACME", name="Acme Chemicals")])
    import_records(ctx, "buyer", "suppliers", tmp_path / "s.csv")
    write_csv(
        tmp_path / "p.csv",
        "purchases",
        [
            purchase(
                "L1",
                "ACME",
                date="2024-05-01",
                amount="5000",
                quantity="2000",
                unit="kg",
                product_id="5695872369587",
            ),
            purchase(
                "L2",
                "ACME",
                date="2024-05-02",
                amount="700",
                quantity="10",
                unit="kg",
                product_id="NOT-IN-PACT",
            ),
        ],
    )
    import_records(ctx, "buyer", "purchases", tmp_path / "p.csv")
    app = create_app(Settings(upload_dir=tmp_path / "up", job_workers=0), ctx)
    return ctx, InProcessTransport(TestClient(app)), issued


def test_a_buyer_pulls_its_suppliers_footprints_into_the_product_level_method(two_orgs):
    ctx, transport, issued = two_orgs
    store = SqlPactConnections(ctx.workspace.engine)  # type: ignore[attr-defined]
    box = SecretBox("test")
    connection = client.register(
        ctx,
        store,
        box,
        "buyer",
        supplier_id="ACME",
        base_url="http://localhost",
        client_id=issued["client_id"],
        client_secret=issued["client_secret"],
    )
    client.PAGE_SIZE = 1  # one footprint per page: the Link header is followed to the end
    try:
        pulled = client.pull(ctx, store, box, transport, "buyer", connection["id"])
    finally:
        client.PAGE_SIZE = 50
    assert pulled["footprints"] == 3
    assert pulled["pages"] == 3
    assert pulled["matched"] == ["5695872369587"]
    assert pulled["missing"] == ["NOT-IN-PACT"]
    report = calculate_inventory(ctx, "buyer", 2024)
    assert report.by_supplier[0].method in ("product_level", "spend_based")
    assert report.by_method["product_level"] == pytest.approx(2000 * 0.384 / 1000, rel=1e-6)
    listed = client.connections(ctx, store, "buyer")
    assert listed[0]["last_result"].startswith("3 footprints in 3 page(s)")


def test_wrong_credentials_and_plain_http_are_refused(two_orgs):
    ctx, transport, issued = two_orgs
    store = SqlPactConnections(ctx.workspace.engine)  # type: ignore[attr-defined]
    box = SecretBox("test")
    with pytest.raises(InvalidDataError, match="HTTPS"):
        client.register(
            ctx,
            store,
            box,
            "buyer",
            supplier_id="ACME",
            base_url="http://pact.acme.example",
            client_id="x",
            client_secret="y",
        )
    wrong = client.register(
        ctx,
        store,
        box,
        "buyer",
        supplier_id="ACME",
        base_url="http://localhost",
        client_id=issued["client_id"],
        client_secret="not-the-secret",
    )
    with pytest.raises(InvalidDataError, match="refused the credentials"):
        client.pull(ctx, store, box, transport, "buyer", wrong["id"])
    assert client.connections(ctx, store, "buyer")[0]["last_result"] is None


def _self_signed(folder: Path) -> tuple[Path, Path]:
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.mark.slow
def test_the_client_pulls_over_https_from_a_host_with_a_self_signed_certificate(two_orgs, tmp_path):
    import socket
    import threading
    import time

    import uvicorn

    from greenchain.adapters.pact_http import UrllibPactTransport

    ctx, transport, issued = two_orgs
    cert, key = _self_signed(tmp_path)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = transport.http.app
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            ssl_certfile=str(cert),
            ssl_keyfile=str(key),
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        store = SqlPactConnections(ctx.workspace.engine)  # type: ignore[attr-defined]
        box = SecretBox("test")
        connection = client.register(
            ctx,
            store,
            box,
            "buyer",
            supplier_id="ACME",
            base_url=f"https://127.0.0.1:{port}",
            client_id=issued["client_id"],
            client_secret=issued["client_secret"],
        )
        untrusted = UrllibPactTransport(attempts=1)
        with pytest.raises(InvalidDataError, match="not reachable"):
            client.pull(ctx, store, box, untrusted, "buyer", connection["id"])
        trusted = UrllibPactTransport(cafile=str(cert))
        pulled = client.pull(ctx, store, box, trusted, "buyer", connection["id"])
        assert pulled["matched"] == ["5695872369587"]
        event = client.request_missing(
            ctx, store, box, trusted, "buyer", connection["id"], ["NOT-IN-PACT"]
        )
        assert event["status"] in (200, 202)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_the_pact_endpoints_refuse_plain_http_from_elsewhere(two_orgs, tmp_path):
    ctx, _, issued = two_orgs
    settings = Settings(
        upload_dir=tmp_path / "up2", job_workers=0, allowed_hosts=["pact.acme.example"]
    )
    app = create_app(settings, ctx)
    remote = TestClient(app, base_url="http://pact.acme.example")
    token = remote.post(
        "/auth/token",
        data={"grant_type": "client_credentials"},
        auth=(issued["client_id"], issued["client_secret"]),
    )
    assert token.status_code == 400
    assert "HTTPS" in token.text
    listed = remote.get("/3/footprints", headers={"Authorization": "Bearer x"})
    assert listed.status_code == 403
    assert listed.json()["code"] == "AccessDenied"
    secure = TestClient(app, base_url="https://pact.acme.example")
    ok = secure.post(
        "/auth/token",
        data={"grant_type": "client_credentials"},
        auth=(issued["client_id"], issued["client_secret"]),
    )
    assert ok.status_code == 200


def test_an_asynchronous_answer_to_the_buyers_events_endpoint_feeds_its_inventory(two_orgs):
    ctx, transport, issued = two_orgs
    store = SqlPactConnections(ctx.workspace.engine)  # type: ignore[attr-defined]
    box = SecretBox("test")
    client.register(
        ctx,
        store,
        box,
        "buyer",
        supplier_id="ACME",
        base_url="http://localhost",
        client_id=issued["client_id"],
        client_secret=issued["client_secret"],
    )
    # the buyer lets its supplier post answers to its own host
    buyer_admin = add_user(ctx, "bea@buyer.example", PASSWORD, "buyer", Role.ADMIN)
    pact_store = SqlPact(ctx.workspace.engine, SEALING_KEY)  # type: ignore[attr-defined]
    back = pact_host.create_credential(ctx, buyer_admin, pact_store, "buyer", "acme")
    status, token = transport.token("http://localhost", back["client_id"], back["client_secret"])
    assert status == 200
    event = json.loads((EXAMPLES / "pf-response-event.json").read_text(encoding="utf-8"))
    footprint = event["data"]["pfs"][0]
    footprint["productIds"] = ["urn:pact:acme.example:product:NOT-IN-PACT"]
    footprint["pcf"]["declaredUnitOfMeasurement"] = "kilogram"
    answer = transport.post("http://localhost/3/events", token["access_token"], event)
    assert answer[0] == 200, answer
    report = calculate_inventory(ctx, "buyer", 2024)
    assert report.by_method["product_level"] == pytest.approx(10 * 1.85 / 1000, rel=1e-6)


class InProcessSender:
    """The host's event sender over the app in process: a token from the receiving host's
    token endpoint, then the event posted to its ``/3/events``."""

    def __init__(self, transport: InProcessTransport) -> None:
        self.transport = transport

    def send(self, events_url, event, *, client_id, client_secret) -> None:
        base = events_url.rsplit("/3/events", 1)[0]
        status, token = self.transport.token(base, client_id, client_secret)
        if status != 200:
            raise OSError(f"token refused: {status}")
        answer = self.transport.post(events_url, token["access_token"], event)
        if answer[0] != 200:
            raise OSError(f"event refused: {answer}")


def test_a_changed_footprint_reaches_the_buyers_inventory_through_a_published_event(two_orgs):
    ctx, transport, _ = two_orgs
    app = transport.http.app
    app.state.pact_transport = transport
    store = SqlPactConnections(ctx.workspace.engine)  # type: ignore[attr-defined]
    host = SqlPact(ctx.workspace.engine, SEALING_KEY)  # type: ignore[attr-defined]
    box = SecretBox(app.state.secrets.sealing_keys)
    buyer_admin = add_user(ctx, "bea@buyer.example", PASSWORD, "buyer", Role.ADMIN)
    acme = add_user(ctx, "ann@acme.example", PASSWORD, "acme", Role.ADMIN)
    # the buyer's host lets Acme post events; Acme's credential for the buyer names that host
    back = pact_host.create_credential(ctx, buyer_admin, host, "buyer", "acme")
    issued = pact_host.create_credential(
        ctx,
        acme,
        host,
        "acme",
        "buyer",
        share_all=True,
        events_url="http://localhost/3/events",
        callback_client_id=back["client_id"],
        callback_client_secret=back["client_secret"],
    )
    connection = client.register(
        ctx,
        store,
        box,
        "buyer",
        supplier_id="ACME",
        base_url="http://localhost",
        client_id=issued["client_id"],
        client_secret=issued["client_secret"],
    )
    client.pull(ctx, store, box, transport, "buyer", connection["id"])
    before = calculate_inventory(ctx, "buyer", 2024).by_method["product_level"]
    assert before == pytest.approx(2000 * 0.384 / 1000, rel=1e-6)

    original = json.loads((EXAMPLES / "example-1.json").read_text())
    pcf = {**original["pcf"], "pcfExcludingBiogenicUptake": "0.25"}
    new = pact_host.revise_footprint(
        ctx, acme, host, "acme", original["id"], {"pcf": pcf}, base_url="http://localhost"
    )
    sent = pact_host.deliver_due_notifications(ctx, host, InProcessSender(transport))
    assert [(n["pf_ids"], n["delivery"]) for n in sent] == [
        ([new["id"], original["id"]], "delivered")
    ]
    received = host.inbound_events(ctx.workspace.get_org("buyer").id)
    assert received[0]["type"].endswith("PublishedEvent.3")
    after = calculate_inventory(ctx, "buyer", 2024).by_method["product_level"]
    assert after == pytest.approx(2000 * 0.25 / 1000, rel=1e-6)


def _login(http: TestClient, email: str) -> None:
    answer = http.post(
        "/login",
        data={"csrf_token": _csrf(http, "/login"), "email": email, "password": PASSWORD},
        headers={"Accept": "text/html"},
    )
    assert answer.status_code in (200, 303), answer.text


def _csrf(http: TestClient, path: str) -> str:
    import re

    page = http.get(path, headers={"Accept": "text/html"}).text
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def test_the_pact_page_publishes_issues_credentials_and_connects(two_orgs):
    ctx, transport, _ = two_orgs
    http = transport.http
    html = {"Accept": "text/html"}
    _login(http, "pat@acme.example")
    page = http.get("/orgs/acme/pact", headers=html)
    assert page.status_code == 200
    assert "Product footprints (PACT) – Acme Chemicals" in page.text
    assert page.text.count("<tr><td>") >= 4  # three footprints and the buyer's credential
    issued = http.post(
        "/orgs/acme/pact/credentials",
        data={
            "csrf_token": _csrf(http, "/orgs/acme/pact"),
            "customer": "Retail Co",
            "events_url": "https://retail.example/3/events",
            "callback_client_id": "acme",
            "callback_client_secret": "s3cret",
            "reject_unknown": "1",
        },
        headers=html,
    )
    assert "shown once" in issued.text
    assert "https://retail.example/3/events" in issued.text
    assert "rejected at once" in issued.text
    half = http.post(
        "/orgs/acme/pact/credentials",
        data={
            "csrf_token": _csrf(http, "/orgs/acme/pact"),
            "customer": "Half Co",
            "callback_client_id": "only-an-id",
        },
        headers=html,
    )
    assert half.status_code == 422
    assert "give both the client id and the secret" in half.text
    bad = http.post(
        "/orgs/acme/pact/import",
        data={"csrf_token": _csrf(http, "/orgs/acme/pact")},
        files={"file": ("broken.json", b"{not json", "application/json")},
        headers=html,
    )
    assert bad.status_code == 422
    add_user(ctx, "bea@buyer.example", PASSWORD, "buyer", Role.ADMIN)
    http.post("/logout", data={"csrf_token": _csrf(http, "/orgs/acme/pact")}, headers=html)
    _login(http, "bea@buyer.example")
    refused = http.post(
        "/orgs/buyer/pact/connections",
        data={
            "csrf_token": _csrf(http, "/orgs/buyer/pact"),
            "supplier_id": "ACME",
            "base_url": "http://pact.acme.example",
            "client_id": "x",
            "client_secret": "y",
        },
        headers=html,
    )
    assert refused.status_code == 422
    assert "HTTPS" in refused.text
    connected = http.post(
        "/orgs/buyer/pact/connections",
        data={
            "csrf_token": _csrf(http, "/orgs/buyer/pact"),
            "supplier_id": "ACME",
            "base_url": "https://pact.acme.example",
            "client_id": "x",
            "client_secret": "y",
        },
        headers=html,
    )
    assert "Connected to https://pact.acme.example" in connected.text
    assert "Pull now" in connected.text


class RecordingSender:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def send(self, events_url, event, *, client_id, client_secret) -> None:
        self.sent.append(event)


def test_a_supplier_answers_waiting_requests_from_its_pact_page(two_orgs):
    ctx, transport, _ = two_orgs
    http = transport.http
    sender = RecordingSender()
    http.app.state.pact_sender = sender
    acme = add_user(ctx, "ann@acme.example", PASSWORD, "acme", Role.ANALYST)
    store = SqlPact(ctx.workspace.engine, SEALING_KEY)  # type: ignore[attr-defined]
    admin = add_user(ctx, "adm@acme.example", PASSWORD, "acme", Role.ADMIN)
    nothing_shared = pact_host.create_credential(ctx, admin, store, "acme", "Retail Co")
    status, token = transport.token(
        "http://localhost", nothing_shared["client_id"], nothing_shared["client_secret"]
    )
    assert status == 200
    original = json.loads((EXAMPLES / "example-1.json").read_text())
    for event_id, products in (("ask-1", original["productIds"]), ("ask-2", ["urn:gtin:1"])):
        event = {
            "specversion": "1.0",
            "id": event_id,
            "source": "https://retail.example/3/events",
            "time": "2026-01-01T00:00:00Z",
            "type": "org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3",
            "data": {"productId": products, "comment": "for our 2026 report"},
        }
        assert transport.post("http://localhost/3/events", token["access_token"], event)[0] == 200
    html = {"Accept": "text/html"}
    _login(http, acme.email)
    page = http.get("/orgs/acme/pact", headers=html)
    assert page.text.count('aria-label="Fulfil request') == 2
    assert "for our 2026 report" in page.text
    pending = {r["event_id"]: r["id"] for r in pact_host.list_requests(ctx, admin, store, "acme")}
    fulfilled = http.post(
        f"/orgs/acme/pact/requests/{pending['ask-1']}/fulfil",
        data={"csrf_token": _csrf(http, "/orgs/acme/pact")},
        headers=html,
    )
    assert fulfilled.status_code == 200
    assert f"Request {pending['ask-1']} answered (delivered)" in fulfilled.text
    assert sender.sent[-1]["data"]["pfs"][0]["id"] == original["id"]
    impossible = http.post(
        f"/orgs/acme/pact/requests/{pending['ask-2']}/fulfil",
        data={"csrf_token": _csrf(http, "/orgs/acme/pact")},
        headers=html,
    )
    assert impossible.status_code == 422
    assert "reject it instead" in impossible.text
    rejected = http.post(
        f"/orgs/acme/pact/requests/{pending['ask-2']}/reject",
        data={"csrf_token": _csrf(http, "/orgs/acme/pact"), "message": "We do not make it."},
        headers=html,
    )
    assert f"Request {pending['ask-2']} rejected (delivered)" in rejected.text
    assert sender.sent[-1]["data"]["error"] == {"code": "NotFound", "message": "We do not make it."}
    assert 'aria-label="Fulfil request' not in rejected.text


def test_a_buyer_asks_its_supplier_for_missing_footprints_from_its_pact_page(two_orgs):
    ctx, transport, issued = two_orgs
    http = transport.http
    http.app.state.pact_transport = transport
    add_user(ctx, "bea@buyer.example", PASSWORD, "buyer", Role.ANALYST)
    store = SqlPactConnections(ctx.workspace.engine)  # type: ignore[attr-defined]
    connection = client.register(
        ctx,
        store,
        SecretBox(http.app.state.secrets.sealing_keys),
        "buyer",
        supplier_id="ACME",
        base_url="http://localhost",
        client_id=issued["client_id"],
        client_secret=issued["client_secret"],
    )
    html = {"Accept": "text/html"}
    _login(http, "bea@buyer.example")
    asked = http.post(
        f"/orgs/buyer/pact/connections/{connection['id']}/request",
        data={"csrf_token": _csrf(http, "/orgs/buyer/pact"), "product_ids": "NOT-IN-PACT, X-2"},
        headers=html,
    )
    assert asked.status_code == 200, asked.text
    assert "Asked for 2 product(s)" in asked.text
    host = SqlPact(ctx.workspace.engine, SEALING_KEY)  # type: ignore[attr-defined]
    waiting = host.requests(ctx.workspace.get_org("acme").id)
    assert waiting[0]["criteria"] == {"productId": ["NOT-IN-PACT", "X-2"]}
    assert waiting[0]["source"] == "http://127.0.0.1:8000/3/events"  # GREENCHAIN_BASE_URL
    empty = http.post(
        f"/orgs/buyer/pact/connections/{connection['id']}/request",
        data={"csrf_token": _csrf(http, "/orgs/buyer/pact"), "product_ids": " , "},
        headers=html,
    )
    assert empty.status_code == 422
    assert "name the products" in empty.text


def test_a_supplier_publishes_changes_and_deprecates_a_footprint_from_its_pact_page(two_orgs):
    ctx, transport, _ = two_orgs
    http = transport.http
    _login(http, "pat@acme.example")
    html = {"Accept": "text/html"}
    form = {
        "product_ids": "urn:gtin:4006381333931",
        "product_name": "Solvent drum",
        "declared_unit": "kilogram",
        "declared_unit_amount": "1",
        "product_mass_per_declared_unit": "1",
        "pcf_excluding_biogenic_uptake": "2.5",
        "pcf_including_biogenic_uptake": "2.5",
        "fossil_ghg_emissions": "2.4",
        "fossil_carbon_content": "0",
        "exempted_emissions_percent": "0",
        "packaging_emissions_included": "true",
        "reference_period_start": "2025-01-01",
        "reference_period_end": "2025-12-31",
        "geography_country": "DE",
        "primary_data_share": "55",
        "technological_dqr": "1.5",
        "geographical_dqr": "1.2",
        "temporal_dqr": "1.0",
        "verification_provider": "TÜV Example",
    }
    first = http.post(
        "/orgs/acme/pact/footprints",
        data={"csrf_token": _csrf(http, "/orgs/acme/pact"), **form},
        headers=html,
    )
    assert first.status_code == 200, first.text
    assert "published" in first.text
    store = SqlPact(ctx.workspace.engine, SEALING_KEY)  # type: ignore[attr-defined]
    acme = ctx.workspace.get_org("acme").id
    made = [r for r in store.footprints_of(acme) if r["product_name"] == "Solvent drum"]
    assert made[0]["document"]["companyName"] == "Acme Chemicals"  # the organisation's name
    assert made[0]["document"]["pcf"]["verification"]["providerName"] == "TÜV Example"

    changed = http.post(
        "/orgs/acme/pact/footprints",
        data={
            "csrf_token": _csrf(http, "/orgs/acme/pact"),
            **form,
            "pcf_excluding_biogenic_uptake": "2.1",
        },
        headers=html,
    )
    assert f"replacing {made[0]['id']} (now Deprecated)" in changed.text
    rows = [r for r in store.footprints_of(acme) if r["product_name"] == "Solvent drum"]
    assert [r["status"] for r in rows] == ["Deprecated", "Active"]
    assert rows[1]["document"]["precedingPfIds"] == [made[0]["id"]]

    bad = http.post(
        "/orgs/acme/pact/footprints",
        data={
            "csrf_token": _csrf(http, "/orgs/acme/pact"),
            **form,
            "geography_country": "Germany",
            "technological_dqr": "7",
        },
        headers=html,
    )
    assert bad.status_code == 422
    assert "geographyCountry" in bad.text
    assert "technologicalDQR" in bad.text
    # typing errors a customer's inventory must not receive: refused, nothing published
    for typo, says in (
        ({"pcf_excluding_biogenic_uptake": "-12.5"}, "below zero"),
        ({"pcf_excluding_biogenic_uptake": "1e300"}, "above 1,000,000,000,000"),
        ({"reference_period_start": "2026-01-01"}, "must not be after referencePeriodEnd"),
    ):
        refused = http.post(
            "/orgs/acme/pact/footprints",
            data={"csrf_token": _csrf(http, "/orgs/acme/pact"), **form, **typo},
            headers=html,
        )
        assert refused.status_code == 422, typo
        assert says in refused.text
    kept = [r for r in store.footprints_of(acme) if r["product_name"] == "Solvent drum"]
    assert [r["status"] for r in kept] == ["Deprecated", "Active"]

    gone = http.post(
        f"/orgs/acme/pact/footprints/{rows[1]['id']}/deprecate",
        data={"csrf_token": _csrf(http, "/orgs/acme/pact")},
        headers=html,
    )
    assert f"Footprint {rows[1]['id']} is Deprecated" in gone.text
    again = http.post(
        f"/orgs/acme/pact/footprints/{rows[1]['id']}/deprecate",
        data={"csrf_token": _csrf(http, "/orgs/acme/pact")},
        headers=html,
    )
    assert again.status_code == 422


def test_the_buyers_pact_page_lists_the_footprints_it_received_with_the_lines_they_cover(
    ctx: Context, tmp_path: Path
):
    from fastapi.testclient import TestClient as PageClient

    from greenchain.services.accounts import add_user as add_person

    add_organisation(ctx, "chipco", "Chip Co")
    add_person(ctx, "ana@chip.example", "correct horse battery", "chipco", Role.ANALYST)
    write_csv(tmp_path / "s.csv", "suppliers", [supplier("S1", name="Steel Co")])
    import_records(ctx, "chipco", "suppliers", tmp_path / "s.csv")
    footprint = {"product_id": "COIL-7", "supplier_id": "S1", "declared_unit": "kg",
                 "kg_co2e_per_unit": "2.125", "reference_year": "2024",
                 "verified": "true"}  # fmt: skip
    write_csv(tmp_path / "f.csv", "product-footprints", [footprint])
    import_records(ctx, "chipco", "product-footprints", tmp_path / "f.csv")
    lines = [purchase(f"L{i}", "S1", date="2024-05-01", quantity="100", unit="kg",
                      product_id="COIL-7") for i in range(3)]  # fmt: skip
    write_csv(tmp_path / "p.csv", "purchases", lines)
    import_records(ctx, "chipco", "purchases", tmp_path / "p.csv")
    client = PageClient(create_app(Settings(upload_dir=tmp_path / "up", job_workers=0), ctx))
    page = client.get("/login", headers={"Accept": "text/html"}).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    client.post("/login", data={"csrf_token": token, "email": "ana@chip.example",
                                "password": "correct horse battery"})  # fmt: skip
    text = client.get("/orgs/chipco/pact", headers={"Accept": "text/html"}).text
    row = re.search(r'<table class="received">.*?</table>', text, re.S).group(0)  # type: ignore[union-attr]
    assert "Steel Co" in row
    assert "COIL-7" in row
    assert "2.125 / kg" in row
    assert "3 · 300.0 kg" in row
