"""PACT v3 host: a supplier publishes product footprints and shares them with its customers.

Management (a member of the supplier organisation; analysts edit footprints, admins manage
credentials and sharing): create, import (PACT JSON, CSV), revise and deprecate footprints;
issue and revoke client credentials per customer; choose which footprints each customer sees;
answer customers' footprint requests.

Host actions (a customer's client credentials): ``issue_token``, ``authenticate``,
``list_visible_footprints``, ``get_visible_footprint``, ``receive_event``. Tokens are opaque
and signed (HMAC-SHA256 over the credential id and the expiry, under a key the entry point
derives from the deployment's secret); revoking a credential invalidates its tokens at once.

Answers to requests (RequestFulfilled / RequestRejected) are posted to the customer's Events
endpoint through a ``PactEventSender``; a failed delivery is recorded and retried with
exponential backoff by ``deliver_due_answers`` for up to 72 hours (spec "RequestFulfilled").
A new, changed, deprecated or newly shared footprint queues a ``PublishedEvent`` for each
customer with a registered Events endpoint that sees it; ``deliver_due_notifications`` sends
them with the same retry rule (spec "PublishedEvent").
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import hashlib
import hmac
import io
import json
import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from greenchain.domain import pact
from greenchain.domain.access import Principal, Role
from greenchain.domain.errors import (
    ConflictError,
    GreenchainError,
    InvalidDataError,
    NotFoundError,
)
from greenchain.services.context import Context
from greenchain.services.ports import PactEventSender, PactStore, PasswordHasher

TOKEN_LIFETIME = dt.timedelta(hours=1)
TOKEN_PREFIX = "pact1"
CLIENT_ID_PREFIX = "pact_"
FIRST_RETRY = dt.timedelta(seconds=30)
GIVE_UP_AFTER = dt.timedelta(hours=72)
MAX_PAGE = 1000
DEFAULT_PAGE = 100
DEFAULT_BASE_URL = "http://127.0.0.1:8000"
#: The message of a rejected request (the spec's example).
NOT_FOUND_MESSAGE = "The requested footprint could not be found."


def _hasher(ctx: Context) -> PasswordHasher:
    if ctx.hasher is None:  # pragma: no cover - wiring error
        raise RuntimeError("no password hasher wired")
    return ctx.hasher


def _public_footprint(row: Mapping[str, Any]) -> dict[str, Any]:
    document = row["document"]
    return {
        "id": row["id"],
        "status": row["status"],
        "product_name": row["product_name"],
        "product_ids": document.get("productIds", []),
        "created": document.get("created"),
        "replaced_by": row.get("replaced_by"),
        "warnings": pact.reporting_warnings(document),
        "document": document,
    }


def _public_credential(row: Mapping[str, Any], store: PactStore) -> dict[str, Any]:
    return {
        "client_id": row["client_id"],
        "customer": row["customer_name"],
        "customer_org_id": row["customer_org_id"],
        "share_all": bool(row["share_all"]),
        "shared_footprints": [] if row["share_all"] else store.shared_ids(int(row["id"])),
        "events_url": row["events_url"],
        "callback_client_id": row.get("callback_client_id"),
        "reject_unknown": bool(row.get("reject_unknown")),
        "created_at": row["created_at"],
        "revoked": row["revoked_at"] is not None,
    }


# --- footprints (management) -----------------------------------------------------------
@dataclass
class _Batch:
    """Footprints to store together, checked against the store and against each other
    before anything is written (an import is stored whole or not at all)."""

    org_id: int
    active: list[dict[str, Any]] = field(default_factory=list)
    items: list[tuple[dict[str, Any], list[tuple[str, str]], str | None]] = field(
        default_factory=list
    )
    ids: set[str] = field(default_factory=set)
    replaced: set[str] = field(default_factory=set)

    def store(self, ctx: Context, store: PactStore) -> None:
        if self.items:
            store.add_footprints(self.org_id, self.items, ctx.clock.now())


def _plan_new(
    ctx: Context,
    store: PactStore,
    batch: _Batch,
    content: Mapping[str, Any],
    *,
    footprint_id: str | None = None,
    created: dt.datetime | None = None,
    replaces: Mapping[str, Any] | None = None,
    looked_up: bool = False,
) -> dict[str, Any]:
    """Plan a new footprint into ``batch``; a given id must be new (``looked_up``: the caller
    found it free in the store already), a generated one is a random UUID."""
    document = pact.new_footprint(
        content,
        footprint_id=footprint_id or str(uuid.uuid4()),
        created=created or ctx.clock.now(),
        preceding_ids=pact.preceding_chain(replaces) if replaces is not None else (),
    )
    key = str(document["id"]).lower()
    taken = footprint_id is not None and not looked_up and store.footprint(key) is not None
    if key in batch.ids or taken:
        raise ConflictError(f"a footprint with id {document['id']} exists already")
    replaced = str(replaces["id"]).lower() if replaces is not None else None
    if replaced is not None:
        if replaced in batch.replaced:
            raise ConflictError(f"footprint {replaces['id']} is changed twice")  # type: ignore[index]
        batch.replaced.add(replaced)
    batch.ids.add(key)
    keys = [(kind.value, value) for kind, value in pact.filter_keys(document)]
    batch.items.append((document, keys, replaced))
    batch.active[:] = [r for r in batch.active if str(r["id"]).lower() != replaced]
    batch.active.append({"id": document["id"], "document": document, "status": "Active"})
    return document


def _store_new(
    ctx: Context,
    store: PactStore,
    org_id: int,
    content: Mapping[str, Any],
    *,
    replaces: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    batch = _Batch(org_id)
    document = _plan_new(ctx, store, batch, content, replaces=replaces)
    batch.store(ctx, store)
    return document


def create_footprint(
    ctx: Context,
    principal: Principal,
    store: PactStore,
    org_slug: str,
    content: Mapping[str, Any],
    *,
    base_url: str = DEFAULT_BASE_URL,
) -> dict[str, Any]:
    """A new Active footprint of ``content`` (the ProductFootprint properties other than id,
    specVersion, created, status), with a new id."""
    principal.membership(org_slug, Role.ANALYST)
    org = ctx.workspace.get_org(org_slug)
    document = _store_new(ctx, store, org.id, content)
    queue_published(ctx, store, org.id, [document["id"]], base_url=base_url)
    return document


def _own_footprint(store: PactStore, org_id: int, footprint_id: str) -> dict[str, Any]:
    row = store.footprint(footprint_id) if pact.is_uuid(footprint_id) else None
    if row is None or row["org_id"] != org_id:
        raise NotFoundError(f"footprint {footprint_id} not found")
    return row


def revise_footprint(
    ctx: Context,
    principal: Principal,
    store: PactStore,
    org_slug: str,
    footprint_id: str,
    changes: Mapping[str, Any],
    *,
    base_url: str = DEFAULT_BASE_URL,
) -> dict[str, Any]:
    """A change: a new footprint (new id, ``precedingPfIds`` ending with the old id) and the
    old one Deprecated (spec "Updating PCFs"). A Deprecated footprint cannot change."""
    principal.membership(org_slug, Role.ANALYST)
    org = ctx.workspace.get_org(org_slug)
    row = _own_footprint(store, org.id, footprint_id)
    if row["status"] != pact.FootprintStatus.ACTIVE:
        raise ConflictError(f"footprint {footprint_id} is Deprecated and cannot change")
    content = pact.revised_content(row["document"], changes)
    if content == pact.content_of(row["document"]):
        raise ConflictError("nothing changed")
    document = _store_new(ctx, store, org.id, content, replaces=row["document"])
    queue_published(ctx, store, org.id, [document["id"], footprint_id], base_url=base_url)
    return document


def deprecate_footprint(
    ctx: Context,
    principal: Principal,
    store: PactStore,
    org_slug: str,
    footprint_id: str,
    *,
    base_url: str = DEFAULT_BASE_URL,
) -> dict[str, Any]:
    principal.membership(org_slug, Role.ANALYST)
    org = ctx.workspace.get_org(org_slug)
    _own_footprint(store, org.id, footprint_id)
    if not store.deprecate(org.id, footprint_id, ctx.clock.now()):
        raise ConflictError(f"footprint {footprint_id} is Deprecated already")
    queue_published(ctx, store, org.id, [footprint_id], base_url=base_url)
    return _public_footprint(_own_footprint(store, org.id, footprint_id))


def list_footprints(
    ctx: Context, principal: Principal, store: PactStore, org_slug: str
) -> list[dict[str, Any]]:
    principal.membership(org_slug)
    org = ctx.workspace.get_org(org_slug)
    return [_public_footprint(row) for row in store.footprints_of(org.id)]


def get_footprint(
    ctx: Context, principal: Principal, store: PactStore, org_slug: str, footprint_id: str
) -> dict[str, Any]:
    principal.membership(org_slug)
    org = ctx.workspace.get_org(org_slug)
    return _public_footprint(_own_footprint(store, org.id, footprint_id))


def _import_one(
    ctx: Context, store: PactStore, batch: _Batch, item: Mapping[str, Any]
) -> tuple[str, dict[str, Any], str | None]:
    """('created' | 'revised' | 'unchanged', the footprint now Active, the id it replaced),
    planned into ``batch`` (nothing is written here)."""
    content = pact.content_of(item)
    given_id = item.get("id")
    previous: dict[str, Any] | None = None
    if given_id is not None:
        if not pact.is_uuid(given_id):
            raise InvalidDataError(f"id: {given_id!r} is not a UUID")
        if str(given_id).lower() in batch.ids:
            raise ConflictError(f"footprint {given_id} appears twice")
        row = store.footprint(given_id)
        if row is not None:
            if row["org_id"] != batch.org_id:
                raise ConflictError(f"footprint {given_id} belongs to another organisation")
            previous = row
    else:
        candidates = [r for r in batch.active if pact.same_product(r["document"], item)]
        previous = candidates[-1] if candidates else None
    if previous is None:
        created = item.get("created")
        document = _plan_new(
            ctx,
            store,
            batch,
            content,
            footprint_id=given_id,
            created=pact.parse_datetime(created, "created") if isinstance(created, str) else None,
            looked_up=True,
        )
        return "created", document, None
    if pact.content_of(previous["document"]) == pact.without_nulls(content):
        return "unchanged", previous["document"], None
    if previous["status"] != pact.FootprintStatus.ACTIVE:
        raise ConflictError(f"footprint {previous['id']} is Deprecated and cannot change")
    revised = _plan_new(ctx, store, batch, content, replaces=previous["document"])
    return "revised", revised, str(previous["id"])


def _active_of(store: PactStore, org_id: int) -> list[dict[str, Any]]:
    return [r for r in store.footprints_of(org_id) if r["status"] == pact.FootprintStatus.ACTIVE]


def _problems(ctx: Context, item: Mapping[str, Any]) -> list[str]:
    """What the data model says is wrong with a footprint to be published."""
    probe = {
        "id": str(uuid.uuid4()),
        "specVersion": pact.SPEC_VERSION,
        "created": pact.format_datetime(ctx.clock.now()),
        "status": "Active",
        **pact.content_of(item),
    }
    problems = pact.footprint_problems(probe)
    if item.get("id") is not None and not pact.is_uuid(item["id"]):
        problems.insert(0, f"id: {item['id']!r} is not a UUID")
    return problems


#: kg CO2e per declared unit beyond which a footprint typed in the form is a typing error (a
#: ship or a power plant stays far below it).
MAX_FORM_PCF = 1e12


def _implausible(document: Mapping[str, Any]) -> list[str]:
    """Figures of a footprint typed in the publish form that are typing errors, not products:
    a negative footprint (removals beyond all emissions: import it as PACT JSON with its
    removals if it truly is one) or one beyond :data:`MAX_FORM_PCF`."""
    value = float(document["pcf"]["pcfExcludingBiogenicUptake"])
    if value < 0:
        return [
            "pcfExcludingBiogenicUptake: below zero; a footprint whose removals exceed its "
            "emissions is imported as PACT JSON with them, not typed here"
        ]
    if value > MAX_FORM_PCF:
        return [f"pcfExcludingBiogenicUptake: above {MAX_FORM_PCF:,.0f} kg CO2e per unit"]
    return []


def publish_from_fields(
    ctx: Context,
    principal: Principal,
    store: PactStore,
    org_slug: str,
    fields: Mapping[str, str],
    *,
    base_url: str = DEFAULT_BASE_URL,
) -> dict[str, Any]:
    """Publish one footprint from form fields named as the CSV columns
    (``pact.footprint_from_csv_row``); the company name and id default to the
    organisation's. An Active footprint of the same products and geography is replaced (and
    deprecated), as on import. Every problem is reported at once, by field."""
    principal.membership(org_slug, Role.ANALYST)
    org = ctx.workspace.get_org(org_slug)
    values = {k: v for k, v in fields.items() if v and v.strip()}
    values.setdefault("company_name", org.name)
    values.setdefault("company_ids", f"urn:pact:company:{org.slug}")
    content = pact.footprint_from_csv_row(values)
    problems = _problems(ctx, content)
    if not problems:  # a form typed now: what an exchange tolerates is a typing error here
        problems = pact.reporting_warnings(content) + _implausible(content)
    if problems:
        raise InvalidDataError("; ".join(problems))
    batch = _Batch(org.id, _active_of(store, org.id))
    outcome, document, replaced = _import_one(ctx, store, batch, content)
    batch.store(ctx, store)
    if outcome != "unchanged":
        queue_published(
            ctx,
            store,
            org.id,
            [document["id"], *([replaced] if replaced else [])],
            base_url=base_url,
        )
    return {"outcome": outcome, "id": document["id"], "replaced": replaced}


def import_footprints(
    ctx: Context,
    principal: Principal,
    store: PactStore,
    org_slug: str,
    payload: bytes,
    file_name: str,
    *,
    base_url: str = DEFAULT_BASE_URL,
) -> dict[str, Any]:
    """Import PACT JSON (one ProductFootprint, a list, ``{"data": [...]}`` or a
    RequestFulfilled event) or CSV (``.csv``, see ``pact.footprint_from_csv_row``).

    A footprint whose id (or, without an id, whose products and geography) matches an Active
    one and whose content differs replaces it: new id, the old one Deprecated. Every item is
    validated first; one bad item rejects the file.
    """
    principal.membership(org_slug, Role.ANALYST)
    org = ctx.workspace.get_org(org_slug)
    items: list[dict[str, Any]] = []
    if file_name.lower().endswith(".csv"):
        text = payload.decode("utf-8-sig")
        for number, row in enumerate(csv.DictReader(io.StringIO(text)), start=1):
            try:
                content = pact.footprint_from_csv_row(row)
            except InvalidDataError as error:
                raise InvalidDataError(f"{file_name}: row {number}: {error.message}") from None
            if (row.get("id") or "").strip():
                content["id"] = row["id"].strip()
            items.append(content)
    else:
        try:
            parsed = json.loads(payload)
        except (ValueError, UnicodeDecodeError):
            raise InvalidDataError(f"{file_name}: not JSON") from None
        if isinstance(parsed, dict) and isinstance(parsed.get("data"), dict):
            parsed = parsed["data"].get("pfs", [parsed["data"]])
        elif isinstance(parsed, dict) and isinstance(parsed.get("data"), list):
            parsed = parsed["data"]
        items = parsed if isinstance(parsed, list) else [parsed]
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise InvalidDataError(f"{file_name}: item {number} is not a JSON object")
        problems = _problems(ctx, item)
        if problems:
            raise InvalidDataError(f"{file_name}: item {number}: " + "; ".join(problems[:5]))
    counts = {"created": 0, "revised": 0, "unchanged": 0}
    ids: list[str] = []
    published: list[str] = []
    batch = _Batch(org.id, _active_of(store, org.id))
    for number, item in enumerate(items, start=1):
        try:
            outcome, document, replaced = _import_one(ctx, store, batch, item)
        except GreenchainError as error:  # nothing is stored
            raise type(error)(f"{file_name}: item {number}: {error.message}") from None
        counts[outcome] += 1
        ids.append(document["id"])
        if outcome != "unchanged":
            published += [document["id"], *([replaced] if replaced else [])]
    batch.store(ctx, store)
    queue_published(ctx, store, org.id, published, base_url=base_url)
    return {**counts, "ids": ids}


# --- credentials and sharing -------------------------------------------------------------
def create_credential(
    ctx: Context,
    principal: Principal,
    store: PactStore,
    org_slug: str,
    customer: str,
    *,
    share_all: bool = False,
    events_url: str | None = None,
    callback_client_id: str | None = None,
    callback_client_secret: str | None = None,
    reject_unknown: bool = False,
) -> dict[str, Any]:
    """Client credentials for one customer (a free-text name or an organisation slug). The
    secret is shown once and kept only as a hash. ``events_url`` (and the client credentials
    the customer's host gave this supplier, for its token endpoint) is where answers and
    PublishedEvents go; ``reject_unknown`` rejects at once a request that none of the
    organisation's footprints matches (else it waits for someone to answer it)."""
    principal.membership(org_slug, Role.ADMIN)
    org = ctx.workspace.get_org(org_slug)
    name = customer.strip()
    if not name or len(name) > 200:
        raise InvalidDataError("customer: give a name (at most 200 characters)")
    _check_delivery(events_url, callback_client_id, callback_client_secret)
    customer_org_id: int | None = None
    try:
        customer_org = ctx.workspace.get_org(name)
        customer_org_id, name = customer_org.id, customer_org.name
    except NotFoundError:
        pass
    client_id = CLIENT_ID_PREFIX + secrets.token_hex(12)
    client_secret = secrets.token_urlsafe(32)
    store.add_credential(
        {
            "org_id": org.id,
            "client_id": client_id,
            "secret_hash": _hasher(ctx).hash(client_secret),
            "customer_name": name,
            "customer_org_id": customer_org_id,
            "share_all": share_all,
            "events_url": events_url,
            "callback_client_id": callback_client_id,
            "callback_secret": callback_client_secret,
            "reject_unknown": reject_unknown,
            "created_at": ctx.clock.now(),
        }
    )
    row = store.credential_by_client_id(client_id)
    assert row is not None
    return {**_public_credential(row, store), "client_secret": client_secret}


def _check_delivery(
    events_url: str | None, callback_client_id: str | None, callback_client_secret: str | None
) -> None:
    if events_url is not None and not events_url.lower().startswith(("https://", "http://")):
        raise InvalidDataError("events_url: expected an http(s) URL of a PACT Events endpoint")
    if bool(callback_client_id) != bool(callback_client_secret):
        raise InvalidDataError(
            "callback_client_id: give both the client id and the secret of the customer's host"
        )


def configure_credential(
    ctx: Context,
    principal: Principal,
    store: PactStore,
    org_slug: str,
    client_id: str,
    *,
    events_url: str | None = None,
    callback_client_id: str | None = None,
    callback_client_secret: str | None = None,
    reject_unknown: bool | None = None,
    clear_events_url: bool = False,
) -> dict[str, Any]:
    """Change where a customer's answers and announcements go (its Events endpoint and the
    client credentials its host gave this supplier) and how requests for unknown products
    are handled. Only what is given changes; ``clear_events_url`` removes the endpoint."""
    principal.membership(org_slug, Role.ADMIN)
    org = ctx.workspace.get_org(org_slug)
    credential = _own_credential(store, org.id, client_id)
    if credential["revoked_at"] is not None:
        raise ConflictError(f"credential {client_id} was revoked")
    _check_delivery(events_url, callback_client_id, callback_client_secret)
    values: dict[str, Any] = {}
    if events_url is not None or clear_events_url:
        values["events_url"] = None if clear_events_url else events_url
    if callback_client_id:
        values["callback_client_id"] = callback_client_id
        values["callback_secret"] = callback_client_secret
    if reject_unknown is not None:
        values["reject_unknown"] = reject_unknown
    if not values:
        raise InvalidDataError(
            "nothing to change: give an Events URL, callback credentials or the rule"
        )
    store.update_credential(int(credential["id"]), **values)
    return _public_credential(_own_credential(store, org.id, client_id), store)


def list_credentials(
    ctx: Context, principal: Principal, store: PactStore, org_slug: str
) -> list[dict[str, Any]]:
    principal.membership(org_slug, Role.ADMIN)
    org = ctx.workspace.get_org(org_slug)
    return [_public_credential(row, store) for row in store.credentials(org.id)]


def _own_credential(store: PactStore, org_id: int, client_id: str) -> dict[str, Any]:
    row = store.credential_by_client_id(client_id)
    if row is None or row["org_id"] != org_id:
        raise NotFoundError(f"credential {client_id} not found")
    return row


def revoke_credential(
    ctx: Context, principal: Principal, store: PactStore, org_slug: str, client_id: str
) -> dict[str, Any]:
    principal.membership(org_slug, Role.ADMIN)
    org = ctx.workspace.get_org(org_slug)
    _own_credential(store, org.id, client_id)
    store.revoke_credential(org.id, client_id, ctx.clock.now())
    return _public_credential(_own_credential(store, org.id, client_id), store)


def _seen_by(store: PactStore, credential: Mapping[str, Any]) -> set[str]:
    """The ids of the footprints a customer sees."""
    if credential["share_all"]:
        return {str(r["id"]) for r in store.footprints_of(int(credential["org_id"]))}
    return set(store.shared_ids(int(credential["id"])))


def set_sharing(
    ctx: Context,
    principal: Principal,
    store: PactStore,
    org_slug: str,
    client_id: str,
    *,
    share_all: bool | None = None,
    share: Sequence[str] = (),
    unshare: Sequence[str] = (),
    reject_unknown: bool | None = None,
    base_url: str = DEFAULT_BASE_URL,
) -> dict[str, Any]:
    """Share all footprints with the customer, or the ones named (by id); the customer is
    told of the footprints it sees now and did not before (a PublishedEvent)."""
    principal.membership(org_slug, Role.ADMIN)
    org = ctx.workspace.get_org(org_slug)
    credential = _own_credential(store, org.id, client_id)
    before = _seen_by(store, credential)
    if share_all is not None:
        store.set_share_all(int(credential["id"]), share_all)
    if reject_unknown is not None:
        store.set_reject_unknown(int(credential["id"]), reject_unknown)
    seqs = [int(_own_footprint(store, org.id, i)["seq"]) for i in share]
    store.share(int(credential["id"]), seqs, ctx.clock.now())
    gone = [int(_own_footprint(store, org.id, i)["seq"]) for i in unshare]
    if gone:
        store.unshare(int(credential["id"]), gone)
    updated = _own_credential(store, org.id, client_id)
    now_seen = sorted(_seen_by(store, updated) - before)
    queue_published(ctx, store, org.id, now_seen, base_url=base_url, credentials=[updated])
    return _public_credential(updated, store)


# --- host actions --------------------------------------------------------------------------
def _sign(key: bytes, message: str) -> str:
    digest = hmac.new(key, message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def issue_token(
    ctx: Context, store: PactStore, client_id: str, client_secret: str, key: bytes
) -> tuple[str, int]:
    """An access token and its lifetime in seconds (OAuth 2.0 client credentials grant,
    RFC 6749 4.4); bad credentials are PactAuthenticationError."""
    row = store.credential_by_client_id(client_id) if client_id else None
    if (
        row is None
        or row["revoked_at"] is not None
        or not _hasher(ctx).verify(row["secret_hash"], client_secret)
    ):
        raise pact.PactAuthenticationError("invalid client credentials")
    expires = int((ctx.clock.now() + TOKEN_LIFETIME).timestamp())
    message = f"{TOKEN_PREFIX}.{row['id']}.{expires}"
    return f"{message}.{_sign(key, message)}", int(TOKEN_LIFETIME.total_seconds())


def authenticate(
    ctx: Context, store: PactStore, token: str, keys: bytes | Sequence[bytes]
) -> dict[str, Any]:
    """The credential a bearer token was issued to; a forged, expired or revoked one is
    PactAuthenticationError. ``keys``: the signing keys, newest first (a token signed with a
    key that was rotated out but is still listed stays valid until it expires)."""
    parts = token.split(".")
    if len(parts) != 4 or parts[0] != TOKEN_PREFIX:
        raise pact.PactAuthenticationError("invalid access token")
    message = ".".join(parts[:3])
    listed = [keys] if isinstance(keys, bytes) else list(keys)
    if not any(hmac.compare_digest(_sign(key, message), parts[3]) for key in listed):
        raise pact.PactAuthenticationError("invalid access token")
    try:
        credential_id, expires = int(parts[1]), int(parts[2])
    except ValueError:
        raise pact.PactAuthenticationError("invalid access token") from None
    if ctx.clock.now().timestamp() >= expires:
        raise pact.PactAuthenticationError("the access token has expired", expired=True)
    row = store.credential(credential_id)
    if row is None or row["revoked_at"] is not None:
        raise pact.PactAuthenticationError("the access token was revoked")
    return row


def parse_limit(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        value = int(text)
    except ValueError:
        raise InvalidDataError(f"limit: '{text}' is not a whole number") from None
    if value < 0:
        raise InvalidDataError("limit: must not be negative")
    return value


def list_visible_footprints(
    store: PactStore,
    credential: Mapping[str, Any],
    criteria: pact.FootprintFilter,
    *,
    limit: int | None,
    after_seq: int = 0,
) -> tuple[list[dict[str, Any]], int | None]:
    """The footprints shared with ``credential`` that match, oldest first, at most ``limit``
    (else a page of ``DEFAULT_PAGE``), and the cursor of the next page (None at the end)."""
    page = min(DEFAULT_PAGE if limit is None else limit, MAX_PAGE)
    if criteria.unknown_status is not None:
        return [], None
    rows = store.visible_footprints(
        credential,
        keys=[(kind.value, values) for kind, values in criteria.key_criteria()],
        status=criteria.status.value if criteria.status is not None else None,
        valid_on=criteria.valid_on,
        valid_after=criteria.valid_after,
        valid_before=criteria.valid_before,
        after_seq=after_seq,
        limit=page + 1,
    )
    more = len(rows) > page
    rows = rows[:page]
    if page == 0:
        return [], after_seq if more else None
    return [r["document"] for r in rows], int(rows[-1]["seq"]) if more else None


def get_visible_footprint(
    store: PactStore, credential: Mapping[str, Any], footprint_id: str
) -> dict[str, Any]:
    """The footprint, if shared with ``credential``: one of the same supplier not shared is
    FootprintAccessDeniedError (403); any other is FootprintNotFoundError (404)."""
    if not pact.is_uuid(footprint_id):
        raise InvalidDataError(f"'{footprint_id}' is not a UUID")
    row, shared = store.footprint_for(credential, footprint_id)
    if row is None:
        raise pact.FootprintNotFoundError(f"footprint {footprint_id} not found")
    if not shared:
        raise pact.FootprintAccessDeniedError("this footprint is not shared with you")
    document: dict[str, Any] = row["document"]
    return document


def _events_url(credential: Mapping[str, Any], source: str) -> str | None:
    """Where answers go: the customer's registered Events endpoint, else the event's
    ``source`` when it names an https URL (``//host/3/events`` is read as https; a source
    naming only the host system's base URL gets ``/3/events``)."""
    if credential.get("events_url"):
        return str(credential["events_url"])
    target = "https:" + source if source.startswith("//") else source
    if not target.lower().startswith("https://"):
        return None
    return target if target.rstrip("/").endswith("/3/events") else target.rstrip("/") + "/3/events"


def receive_event(
    ctx: Context, store: PactStore, credential: Mapping[str, Any], body: object
) -> int | None:
    """Validate and record an event (Action Events). A RequestCreated event becomes a pending
    request; its id is returned (None for other events and for a repeated event)."""
    event = pact.parse_event(body)
    now = ctx.clock.now()
    if event.type is pact.EventType.REQUEST_CREATED:
        criteria = pact.parse_filter(event.data).as_criteria()
        return store.add_request(
            {
                "org_id": credential["org_id"],
                "credential_id": credential["id"],
                "event_id": event.id[:200],
                "source": event.source[:500],
                "criteria": criteria,
                "comment": str(event.data.get("comment") or ""),
                "received_at": now,
                "status": "pending",
                "delivery": "none",
                "delivery_attempts": 0,
            }
        )
    store.add_inbound_event(
        {
            "org_id": credential["org_id"],
            "credential_id": credential["id"],
            "type": event.type.value,
            "event_id": event.id[:200],
            "source": event.source[:500],
            "body": body,
            "received_at": now,
        }
    )
    return None


# --- answering requests --------------------------------------------------------------------
def _send(
    ctx: Context,
    sender: PactEventSender,
    credential: Mapping[str, Any] | None,
    url: str | None,
    event: Mapping[str, Any],
    *,
    attempts_before: int,
    since: dt.datetime | None,
) -> dict[str, Any]:
    """Post ``event``; the delivery columns after the attempt: delivered, or a retry
    scheduled (30 s, doubling) until 72 hours after ``since``, then abandoned."""
    now = ctx.clock.now()
    attempts = attempts_before + 1
    try:
        if credential is None or url is None or credential.get("revoked_at") is not None:
            raise OSError("the customer has no reachable Events endpoint")
        sender.send(
            url,
            event,
            client_id=credential.get("callback_client_id"),
            client_secret=credential.get("callback_secret"),
        )
    except OSError as error:
        first = since or now
        if first.tzinfo is None:
            first = first.replace(tzinfo=dt.UTC)
        retry_at = now + FIRST_RETRY * 2 ** (attempts - 1)
        give_up = retry_at - first > GIVE_UP_AFTER
        return {
            "delivery": "abandoned" if give_up else "pending",
            "delivery_attempts": attempts,
            "delivery_error": str(error)[:2000],
            "next_attempt_at": None if give_up else retry_at,
        }
    return {
        "delivery": "delivered",
        "delivery_attempts": attempts,
        "delivery_error": None,
        "next_attempt_at": None,
    }


def _deliver(
    ctx: Context, store: PactStore, sender: PactEventSender, request: Mapping[str, Any]
) -> dict[str, Any]:
    """Post the stored answer to the request's customer."""
    credential = store.credential(int(request["credential_id"]))
    values = _send(
        ctx,
        sender,
        credential,
        _events_url(credential or {}, str(request["source"])),
        request["answer"],
        attempts_before=int(request["delivery_attempts"]),
        since=request.get("answered_at"),
    )
    store.update_request(int(request["id"]), **values)
    return {**request, **values}


# --- PublishedEvent notifications ----------------------------------------------------------
def queue_published(
    ctx: Context,
    store: PactStore,
    org_id: int,
    footprint_ids: Sequence[str],
    *,
    base_url: str,
    credentials: Sequence[Mapping[str, Any]] | None = None,
) -> int:
    """Queue a PublishedEvent naming ``footprint_ids`` (those it may see) for each customer
    with a registered Events endpoint; returns how many were queued."""
    listening = [
        c
        for c in (store.credentials(org_id) if credentials is None else credentials)
        if c.get("revoked_at") is None and c.get("events_url")
    ]
    ids = list(dict.fromkeys(footprint_ids))
    now = ctx.clock.now()
    queued = 0
    for credential in listening:
        seen = _seen_by(store, credential)
        visible = [i for i in ids if str(i).lower() in seen]
        if not visible:
            continue
        event = pact.make_event(
            pact.EventType.PUBLISHED,
            event_id=str(uuid.uuid4()),
            source=_source(base_url),
            time=now,
            data={"pfIds": visible},
        )
        store.add_notification(
            {
                "org_id": org_id,
                "credential_id": credential["id"],
                "event": event,
                "created_at": now,
                "delivery": "pending",
                "delivery_attempts": 0,
                "next_attempt_at": now,
            }
        )
        queued += 1
    return queued


def _public_notification(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "event_id": row["event"]["id"],
        "pf_ids": row["event"]["data"]["pfIds"],
        "created_at": row["created_at"],
        "delivery": row["delivery"],
        "delivery_attempts": row["delivery_attempts"],
        "delivery_error": row.get("delivery_error"),
    }


def deliver_due_notifications(
    ctx: Context, store: PactStore, sender: PactEventSender
) -> list[dict[str, Any]]:
    """Send the PublishedEvents that are due (new ones and retries)."""
    done = []
    for row in store.due_notifications(ctx.clock.now()):
        credential = store.credential(int(row["credential_id"]))
        values = _send(
            ctx,
            sender,
            credential,
            (credential or {}).get("events_url"),
            row["event"],
            attempts_before=int(row["delivery_attempts"]),
            since=row["created_at"],
        )
        store.update_notification(int(row["id"]), **values)
        done.append(_public_notification({**row, **values}))
    return done


def list_notifications(
    ctx: Context, principal: Principal, store: PactStore, org_slug: str
) -> list[dict[str, Any]]:
    principal.membership(org_slug)
    org = ctx.workspace.get_org(org_slug)
    return [_public_notification(row) for row in store.notifications(org.id)]


def _own_request(store: PactStore, org_id: int, request_id: int) -> dict[str, Any]:
    row = store.request(org_id, request_id)
    if row is None:
        raise NotFoundError(f"request {request_id} not found")
    if row["status"] != "pending":
        raise ConflictError(f"request {request_id} was {row['status']} already")
    return row


def _source(base_url: str) -> str:
    return base_url.rstrip("/") + "/3/events"


def _answer(
    ctx: Context,
    store: PactStore,
    sender: PactEventSender,
    request: Mapping[str, Any],
    *,
    status: str,
    data: Mapping[str, Any],
    kind: pact.EventType,
    base_url: str,
) -> dict[str, Any]:
    now = ctx.clock.now()
    event = pact.make_event(
        kind,
        event_id=str(uuid.uuid4()),
        source=_source(base_url),
        time=now,
        data={"requestEventId": request["event_id"], **data},
    )
    store.update_request(
        int(request["id"]), status=status, answered_at=now, answer=event, delivery="pending"
    )
    updated = {**request, "status": status, "answered_at": now, "answer": event}
    return _public_request(_deliver(ctx, store, sender, updated))


def _public_request(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "event_id": row["event_id"],
        "source": row["source"],
        "criteria": row["criteria"],
        "comment": row["comment"],
        "received_at": row["received_at"],
        "status": row["status"],
        "answered_at": row.get("answered_at"),
        "delivery": row["delivery"],
        "delivery_attempts": row["delivery_attempts"],
        "delivery_error": row.get("delivery_error"),
    }


def list_requests(
    ctx: Context, principal: Principal, store: PactStore, org_slug: str
) -> list[dict[str, Any]]:
    principal.membership(org_slug)
    org = ctx.workspace.get_org(org_slug)
    customers = {int(c["id"]): str(c["customer_name"]) for c in store.credentials(org.id)}
    return [
        {**_public_request(row), "customer": customers.get(int(row["credential_id"]), "")}
        for row in store.requests(org.id)
    ]


def fulfil_request(
    ctx: Context,
    principal: Principal,
    store: PactStore,
    sender: PactEventSender,
    org_slug: str,
    request_id: int,
    *,
    base_url: str,
    footprint_ids: Sequence[str] = (),
) -> dict[str, Any]:
    """Answer a request with the named footprints (else every footprint of the organisation
    matching its criteria). They are shared with the customer, so that they can also be
    listed and fetched (spec "Host System": the two ways give the same footprints)."""
    principal.membership(org_slug, Role.ANALYST)
    org = ctx.workspace.get_org(org_slug)
    request = _own_request(store, org.id, request_id)
    if footprint_ids:
        rows = [_own_footprint(store, org.id, i) for i in footprint_ids]
    else:
        criteria = pact.parse_filter(request["criteria"])
        rows = [r for r in store.footprints_of(org.id) if criteria.matches(r["document"])]
    if not rows:
        raise InvalidDataError("no footprint matches this request; reject it instead")
    credential = store.credential(int(request["credential_id"]))
    assert credential is not None
    if not credential["share_all"]:
        store.share(int(credential["id"]), [int(r["seq"]) for r in rows], ctx.clock.now())
    return _answer(
        ctx,
        store,
        sender,
        request,
        status="fulfilled",
        data={"pfs": [r["document"] for r in rows]},
        kind=pact.EventType.REQUEST_FULFILLED,
        base_url=base_url,
    )


def reject_request(
    ctx: Context,
    principal: Principal,
    store: PactStore,
    sender: PactEventSender,
    org_slug: str,
    request_id: int,
    *,
    base_url: str,
    message: str = NOT_FOUND_MESSAGE,
    code: pact.ErrorCode = pact.ErrorCode.NOT_FOUND,
) -> dict[str, Any]:
    principal.membership(org_slug, Role.ANALYST)
    org = ctx.workspace.get_org(org_slug)
    request = _own_request(store, org.id, request_id)
    return _reject(ctx, store, sender, request, base_url, message or "rejected", code)


def _reject(
    ctx: Context,
    store: PactStore,
    sender: PactEventSender,
    request: Mapping[str, Any],
    base_url: str,
    message: str = NOT_FOUND_MESSAGE,
    code: pact.ErrorCode = pact.ErrorCode.NOT_FOUND,
) -> dict[str, Any]:
    return _answer(
        ctx,
        store,
        sender,
        request,
        status="rejected",
        data={"error": pact.error_body(code, message)},
        kind=pact.EventType.REQUEST_REJECTED,
        base_url=base_url,
    )


def answer_from_shared(
    ctx: Context,
    store: PactStore,
    sender: PactEventSender,
    request_id: int,
    org_id: int,
    *,
    base_url: str,
) -> dict[str, Any] | None:
    """Answer a new request at once (run right after the request is accepted): with the
    footprints already shared with the customer that match it; or, when the customer's
    credential says so (``reject_unknown``) and none of the organisation's footprints
    matches it, with a RequestRejected (NotFound). Otherwise it waits for the supplier."""
    request = store.request(org_id, request_id)
    credential = store.credential(int(request["credential_id"])) if request else None
    if request is None or credential is None or request["status"] != "pending":
        return None
    criteria = pact.parse_filter(request["criteria"])
    documents, _ = list_visible_footprints(store, credential, criteria, limit=MAX_PAGE)
    if not documents:
        if not credential.get("reject_unknown") or any(
            criteria.matches(r["document"]) for r in store.footprints_of(org_id)
        ):
            return None
        return _reject(ctx, store, sender, request, base_url)
    return _answer(
        ctx,
        store,
        sender,
        request,
        status="fulfilled",
        data={"pfs": documents},
        kind=pact.EventType.REQUEST_FULFILLED,
        base_url=base_url,
    )


def deliver_due_answers(
    ctx: Context, store: PactStore, sender: PactEventSender
) -> list[dict[str, Any]]:
    """Retry the answers whose delivery failed and whose next attempt is due."""
    return [
        _public_request(_deliver(ctx, store, sender, row))
        for row in store.due_deliveries(ctx.clock.now())
    ]


def host_error(error: GreenchainError) -> tuple[int, dict[str, str]]:
    """HTTP status and Error body of a failed host action."""
    status, code = pact.error_code_for(error)
    return status, pact.error_body(code, error.message)
