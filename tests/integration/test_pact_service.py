"""The PACT host use cases over the real store (SQLite and PostgreSQL): sharing, tokens,
pagination cursors and the lifecycle, without HTTP."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from greenchain.adapters.db.pact import SqlPact
from greenchain.domain import pact
from greenchain.domain.access import Role
from greenchain.domain.errors import (
    ConflictError,
    InvalidDataError,
    NotFoundError,
    PermissionDeniedError,
)
from greenchain.services import pact as service
from greenchain.services.accounts import add_user
from greenchain.services.context import Context
from greenchain.services.orgs import add_organisation
from tests.conftest import SEALING_KEY

SPEC = Path(__file__).resolve().parents[3] / "shared" / "specs" / "pact-v3" / "examples"
KEY = b"k" * 32


@pytest.fixture
def setup(ctx: Context):
    add_organisation(ctx, "acme", "Acme")
    add_organisation(ctx, "buyer", "Buyer")
    admin = add_user(ctx, "a@acme.example", "correct horse battery", "acme", Role.ADMIN)
    viewer = add_user(ctx, "v@acme.example", "correct horse battery", "acme", Role.VIEWER)
    store = SqlPact(ctx.workspace.engine, SEALING_KEY)  # type: ignore[attr-defined]
    docs = [json.loads((SPEC / f"example-{n}.json").read_text()) for n in (1, 2, 3, 4)]
    service.import_footprints(ctx, admin, store, "acme", json.dumps(docs).encode(), "x.json")
    return ctx, store, admin, viewer, docs


def test_a_customer_organisation_is_recognised_by_its_slug(setup):
    ctx, store, admin, _, _ = setup
    cred = service.create_credential(ctx, admin, store, "acme", "buyer")
    assert cred["customer"] == "Buyer"
    assert cred["customer_org_id"] is not None
    free = service.create_credential(ctx, admin, store, "acme", "Some Retailer")
    assert free["customer_org_id"] is None


def test_only_admins_issue_credentials(setup):
    ctx, store, _, viewer, _ = setup
    with pytest.raises(PermissionDeniedError):
        service.create_credential(ctx, viewer, store, "acme", "buyer")


def test_tokens_are_signed_expire_and_name_their_credential(setup):
    ctx, store, admin, _, _ = setup
    cred = service.create_credential(ctx, admin, store, "acme", "buyer")
    token, lifetime = service.issue_token(ctx, store, cred["client_id"], cred["client_secret"], KEY)
    assert lifetime == 3600
    assert service.authenticate(ctx, store, token, KEY)["client_id"] == cred["client_id"]
    with pytest.raises(pact.PactAuthenticationError):
        service.authenticate(ctx, store, token, b"x" * 32)  # another key
    with pytest.raises(pact.PactAuthenticationError):
        service.authenticate(ctx, store, token[:-2] + "AA", KEY)
    ctx.clock.current += dt.timedelta(hours=1)  # type: ignore[attr-defined]
    with pytest.raises(pact.PactAuthenticationError) as expired:
        service.authenticate(ctx, store, token, KEY)
    assert expired.value.expired


def test_pages_follow_a_cursor_and_never_exceed_the_limit(setup):
    ctx, store, admin, _, docs = setup
    cred = service.create_credential(ctx, admin, store, "acme", "buyer", share_all=True)
    row = store.credential_by_client_id(cred["client_id"])
    seen, cursor = [], 0
    while True:
        page, nxt = service.list_visible_footprints(
            store, row, pact.FootprintFilter(), limit=3, after_seq=cursor
        )
        assert len(page) <= 3
        seen += [d["id"] for d in page]
        if nxt is None:
            break
        cursor = nxt
    assert seen == [d["id"] for d in docs]


def test_sharing_is_per_footprint_unless_all(setup):
    ctx, store, admin, _, docs = setup
    cred = service.create_credential(ctx, admin, store, "acme", "buyer")
    row = store.credential_by_client_id(cred["client_id"])
    assert service.list_visible_footprints(store, row, pact.FootprintFilter(), limit=None)[0] == []
    service.set_sharing(ctx, admin, store, "acme", cred["client_id"], share=[docs[0]["id"]])
    assert service.get_visible_footprint(store, row, docs[0]["id"])["id"] == docs[0]["id"]
    with pytest.raises(pact.FootprintAccessDeniedError):
        service.get_visible_footprint(store, row, docs[1]["id"])
    service.set_sharing(ctx, admin, store, "acme", cred["client_id"], unshare=[docs[0]["id"]])
    with pytest.raises(pact.FootprintAccessDeniedError):
        service.get_visible_footprint(store, row, docs[0]["id"])
    with pytest.raises(NotFoundError):
        service.set_sharing(ctx, admin, store, "acme", cred["client_id"], share=["nope"])


def test_a_deprecated_footprint_cannot_be_deprecated_or_changed_again(setup):
    ctx, store, admin, _, docs = setup
    service.deprecate_footprint(ctx, admin, store, "acme", docs[0]["id"])
    with pytest.raises(ConflictError):
        service.deprecate_footprint(ctx, admin, store, "acme", docs[0]["id"])
    with pytest.raises(ConflictError):
        service.revise_footprint(ctx, admin, store, "acme", docs[0]["id"], {"comment": "x"})


def test_a_footprint_id_is_unique_across_organisations(setup):
    ctx, store, _, _, docs = setup
    add_organisation(ctx, "other", "Other")
    other = add_user(ctx, "o@o.example", "correct horse battery", "other", Role.ADMIN)
    with pytest.raises(ConflictError):
        service.import_footprints(
            ctx, other, store, "other", json.dumps(docs[0]).encode(), "x.json"
        )


class RecordingSender:
    """Keeps what would be posted; fails while ``down``."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict, str | None]] = []
        self.down = False

    def send(self, events_url, event, *, client_id, client_secret):
        if self.down:
            raise OSError("connection refused")
        self.sent.append((events_url, event, client_id))


def _request(ctx, store, cred, event_id, data):
    row = store.credential_by_client_id(cred["client_id"])
    event = {
        "specversion": "1.0",
        "id": event_id,
        "source": "https://customer.example",
        "time": "2026-01-01T00:00:00Z",
        "type": pact.EventType.REQUEST_CREATED.value,
        "data": data,
    }
    return row, service.receive_event(ctx, store, row, event)


def test_changes_are_announced_to_customers_with_an_events_endpoint_that_see_them(setup):
    ctx, store, admin, _, docs = setup
    everything = service.create_credential(
        ctx,
        admin,
        store,
        "acme",
        "buyer",
        share_all=True,
        events_url="https://buyer.example/3/events",
        callback_client_id="acme-at-buyer",
        callback_client_secret="s3cret",
    )
    one = service.create_credential(
        ctx, admin, store, "acme", "Retailer", events_url="https://retail.example/3/events"
    )
    service.create_credential(ctx, admin, store, "acme", "No endpoint", share_all=True)
    service.set_sharing(ctx, admin, store, "acme", one["client_id"], share=[docs[1]["id"]])
    sender = RecordingSender()
    first = service.deliver_due_notifications(ctx, store, sender)
    assert [(n["pf_ids"], n["delivery"]) for n in first] == [([docs[1]["id"]], "delivered")]
    assert sender.sent[0][0] == "https://retail.example/3/events"

    new = service.revise_footprint(
        ctx, admin, store, "acme", docs[0]["id"], {"comment": "new energy mix"}
    )
    sent = service.deliver_due_notifications(ctx, store, sender)
    assert len(sent) == 1  # only the customer who sees footprint 1 and has an endpoint
    url, event, client_id = sender.sent[-1]
    assert url == "https://buyer.example/3/events"
    assert client_id == "acme-at-buyer"
    assert event["type"] == pact.EventType.PUBLISHED.value
    assert event["data"] == {"pfIds": [new["id"], docs[0]["id"]]}
    assert pact.parse_event(event).type is pact.EventType.PUBLISHED
    listed = service.list_notifications(ctx, admin, store, "acme")
    assert [n["delivery"] for n in listed] == ["delivered", "delivered"]
    assert everything["events_url"] == "https://buyer.example/3/events"


def test_a_failed_announcement_is_retried_with_backoff_then_abandoned(setup):
    ctx, store, admin, _, docs = setup
    service.create_credential(
        ctx,
        admin,
        store,
        "acme",
        "buyer",
        share_all=True,
        events_url="https://buyer.example/3/events",
    )
    service.deprecate_footprint(ctx, admin, store, "acme", docs[2]["id"])
    sender = RecordingSender()
    sender.down = True
    failed = service.deliver_due_notifications(ctx, store, sender)
    assert failed[0]["delivery"] == "pending"
    assert "connection refused" in failed[0]["delivery_error"]
    assert service.deliver_due_notifications(ctx, store, sender) == []  # not due yet
    ctx.clock.current += dt.timedelta(seconds=31)  # type: ignore[attr-defined]
    assert service.deliver_due_notifications(ctx, store, sender)[0]["delivery_attempts"] == 2
    ctx.clock.current += dt.timedelta(hours=73)  # type: ignore[attr-defined]
    assert service.deliver_due_notifications(ctx, store, sender)[0]["delivery"] == "abandoned"
    assert sender.sent == []


def test_a_request_for_an_unknown_product_is_rejected_at_once_when_the_customer_says_so(setup):
    ctx, store, admin, _, docs = setup
    sender = RecordingSender()
    rejecting = service.create_credential(
        ctx, admin, store, "acme", "buyer", share_all=True, reject_unknown=True
    )
    waiting = service.create_credential(ctx, admin, store, "acme", "Retailer", share_all=True)
    org_id = store.credential_by_client_id(rejecting["client_id"])["org_id"]

    _, unknown = _request(ctx, store, rejecting, "r1", {"productId": ["urn:null"]})
    answered = service.answer_from_shared(
        ctx, store, sender, unknown, org_id, base_url="https://acme.example"
    )
    assert answered["status"] == "rejected"
    url, event, _ = sender.sent[-1]
    assert url == "https://customer.example/3/events"  # the source's Events endpoint
    assert event["data"] == {
        "requestEventId": "r1",
        "error": {"code": "NotFound", "message": "The requested footprint could not be found."},
    }

    _, known = _request(ctx, store, rejecting, "r2", {"productId": docs[0]["productIds"]})
    fulfilled = service.answer_from_shared(
        ctx, store, sender, known, org_id, base_url="https://acme.example"
    )
    assert fulfilled["status"] == "fulfilled"

    _, kept = _request(ctx, store, waiting, "r3", {"productId": ["urn:null"]})
    assert (
        service.answer_from_shared(ctx, store, sender, kept, org_id, base_url="https://a.example")
        is None
    )
    assert service.list_requests(ctx, admin, store, "acme")[0]["status"] == "pending"


def test_a_customers_delivery_settings_can_change_after_the_credential_is_issued(setup):
    ctx, store, admin, viewer, docs = setup
    cred = service.create_credential(ctx, admin, store, "acme", "buyer", share_all=True)
    changed = service.configure_credential(
        ctx,
        admin,
        store,
        "acme",
        cred["client_id"],
        events_url="https://buyer.example/3/events",
        callback_client_id="acme",
        callback_client_secret="s3cret",
        reject_unknown=True,
    )
    assert changed["events_url"] == "https://buyer.example/3/events"
    assert changed["callback_client_id"] == "acme"
    assert changed["reject_unknown"] is True
    row = store.credential_by_client_id(cred["client_id"])
    assert row["callback_secret"] == "s3cret"  # sealed at rest, opened on read
    service.revise_footprint(ctx, admin, store, "acme", docs[0]["id"], {"comment": "x"})
    sender = RecordingSender()
    assert service.deliver_due_notifications(ctx, store, sender)[0]["delivery"] == "delivered"
    cleared = service.configure_credential(
        ctx, admin, store, "acme", cred["client_id"], clear_events_url=True
    )
    assert cleared["events_url"] is None
    with pytest.raises(InvalidDataError, match="give both"):
        service.configure_credential(
            ctx, admin, store, "acme", cred["client_id"], callback_client_id="only"
        )
    with pytest.raises(InvalidDataError, match="nothing to change"):
        service.configure_credential(ctx, admin, store, "acme", cred["client_id"])
    with pytest.raises(PermissionDeniedError):
        service.configure_credential(
            ctx, viewer, store, "acme", cred["client_id"], reject_unknown=False
        )


@pytest.mark.parametrize(
    "criteria",
    [
        {"productId": ["urn:gtin:5695872369587"]},
        {"geography": ["Europe"]},
        {"geography": ["americas"], "status": ["Active"]},
        {"classification": ["urn:pact:productclassification:un-cpc:7892"], "geography": ["DE"]},
        {"companyId": ["urn:company:example:nobody"]},
    ],
)
def test_selective_and_broad_filters_find_the_same_footprints(setup, monkeypatch, criteria):
    from greenchain.adapters.db import pact as pact_store

    ctx, store, admin, _, _ = setup
    cred = service.create_credential(ctx, admin, store, "acme", "buyer", share_all=True)
    row = store.credential_by_client_id(cred["client_id"])
    wanted = pact.parse_filter(criteria)

    def ids() -> list[str]:
        page, _ = service.list_visible_footprints(store, row, wanted, limit=100)
        return [d["id"] for d in page]

    by_index = ids()
    monkeypatch.setattr(pact_store, "SELECTIVE", 0)  # every criterion counts as broad
    assert ids() == by_index
    everything = [r["document"] for r in store.footprints_of(row["org_id"])]
    assert by_index == [d["id"] for d in everything if wanted.matches(d)]


def test_an_import_that_fails_part_way_stores_nothing(setup):
    ctx, store, admin, _, docs = setup
    org_id = store.credential_by_client_id(
        service.create_credential(ctx, admin, store, "acme", "buyer")["client_id"]
    )["org_id"]
    before = [(r["id"], r["status"]) for r in store.footprints_of(org_id)]
    new_one = {**pact.content_of(docs[0]), "productIds": ["urn:gtin:0000000000017"]}
    changed = {**docs[1], "comment": "changed"}
    twice = {**docs[1], "comment": "changed again"}
    with pytest.raises(ConflictError, match=r"batch\.json: item 3: footprint .+ is changed twice"):
        service.import_footprints(
            ctx,
            admin,
            store,
            "acme",
            json.dumps([new_one, changed, twice]).encode(),
            "batch.json",
        )
    assert [(r["id"], r["status"]) for r in store.footprints_of(org_id)] == before


def test_one_file_can_create_a_footprint_and_change_it(setup):
    ctx, store, admin, _, docs = setup
    first = {**pact.content_of(docs[0]), "productIds": ["urn:gtin:0000000000024"]}
    second = {**first, "comment": "second version"}
    done = service.import_footprints(
        ctx, admin, store, "acme", json.dumps([first, second]).encode(), "two.json"
    )
    assert (done["created"], done["revised"]) == (1, 1)
    old, new = (store.footprint(i) for i in done["ids"])
    assert old["status"] == "Deprecated"
    assert new["document"]["precedingPfIds"] == [old["id"]]
