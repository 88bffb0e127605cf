"""The PACT v3 client side: a buyer registers a supplier's PACT host and the credentials the
supplier issued to it, pulls the footprints shared with it (following the RFC 8288 ``Link``
pagination), and the footprints of products it buys become product-level data of its next
inventory run (purchase lines match by ``product_id``, against a footprint's ``productIds``,
whole or after the last ``:`` of the URN). Products bought without a footprint can be
requested from the host with a ``RequestCreated`` event; the supplier answers by publishing,
and the next pull brings the footprint. A supplier's ``PublishedEvent`` (a footprint new or
changed) makes the buyer fetch those footprints at once (``fetch_published``)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import Any, Protocol
from urllib.parse import quote, urljoin, urlparse

from greenchain.domain.access import Principal, Role
from greenchain.domain.errors import GreenchainError, InvalidDataError, NotFoundError
from greenchain.services.context import Context

#: PACT declared units and the unit names purchase lines use for them.
DECLARED_UNITS = {
    "kilogram": "kg",
    "liter": "litre",
    "cubic meter": "m3",
    "kilowatt hour": "kWh",
    "megajoule": "MJ",
    "ton kilometer": "tonne.km",
    "square meter": "m2",
    "piece": "unit",
}
PAGE_SIZE = 50
MAX_PAGES = 1000
#: At most this many footprints are fetched for one PublishedEvent.
MAX_PUBLISHED = 200


class PactTransport(Protocol):
    def token(self, base_url: str, client_id: str, secret: str) -> tuple[int, Any]: ...
    def get(self, url: str, token: str) -> tuple[int, dict[str, str], Any]: ...
    def post(self, url: str, token: str, body: Any) -> tuple[int, dict[str, str], Any]: ...


class Sealer(Protocol):
    def seal(self, text: str) -> str: ...
    def open(self, sealed: str) -> str: ...


class ConnectionStore(Protocol):
    def add(self, values: dict[str, Any]) -> int: ...
    def get(self, org_id: int, connection_id: int) -> dict[str, Any] | None: ...
    def of_org(self, org_id: int) -> list[dict[str, Any]]: ...
    def record_pull(self, connection_id: int, now: Any, result: str) -> None: ...
    def put_product_footprints(self, org_id: int, rows: list[dict[str, Any]]) -> int: ...


def register(
    ctx: Context,
    store: ConnectionStore,
    box: Sealer,
    org: str,
    *,
    supplier_id: str,
    base_url: str,
    client_id: str,
    client_secret: str,
) -> dict[str, Any]:
    """Keep a supplier's PACT host and the credentials it issued (the secret sealed)."""
    buyer = ctx.workspace.get_org(org)
    ctx.workspace.get_supplier(buyer.id, supplier_id)
    parsed = urlparse(base_url.strip())
    if parsed.scheme not in ("https", "http") or not parsed.netloc:
        raise InvalidDataError(f"field 'base_url': '{base_url}' is not an http(s) address")
    if parsed.scheme == "http" and parsed.hostname not in ("127.0.0.1", "localhost"):
        raise InvalidDataError("field 'base_url': PACT hosts are reached over HTTPS")
    if not client_id.strip() or not client_secret:
        raise InvalidDataError("fields 'client_id' and 'client_secret' are needed")
    connection_id = store.add(
        {
            "org_id": buyer.id,
            "supplier_id": supplier_id,
            "base_url": base_url.strip().rstrip("/"),
            "client_id": client_id.strip(),
            "secret_sealed": box.seal(client_secret),
            "created_at": ctx.clock.now(),
        }
    )
    return {"id": connection_id, "supplier_id": supplier_id, "base_url": base_url.strip()}


def connections(ctx: Context, store: ConnectionStore, org: str) -> list[dict[str, Any]]:
    buyer = ctx.workspace.get_org(org)
    return [
        {
            "id": c["id"],
            "supplier_id": c["supplier_id"],
            "base_url": c["base_url"],
            "client_id": c["client_id"],
            "last_pull_at": c["last_pull_at"].isoformat() if c["last_pull_at"] else None,
            "last_result": c["last_result"],
        }
        for c in store.of_org(buyer.id)
    ]


def _token(transport: PactTransport, connection: Mapping[str, Any], box: Sealer) -> str:
    status, body = transport.token(
        connection["base_url"], connection["client_id"], box.open(connection["secret_sealed"])
    )
    if status != 200 or not isinstance(body, dict) or "access_token" not in body:
        raise InvalidDataError(
            f"{connection['base_url']}: the PACT host refused the credentials (HTTP {status})"
        )
    return str(body["access_token"])


def _next_link(headers: Mapping[str, str]) -> str | None:
    for part in headers.get("link", "").split(","):
        match = re.match(r'\s*<([^>]+)>\s*;\s*rel="?next"?', part)
        if match:
            return match.group(1)
    return None


def _decimal(value: Any, what: str) -> float:
    try:
        return float(str(value))
    except ValueError:
        raise InvalidDataError(f"footprint: {what} '{value}' is not a decimal") from None


def product_rows(
    footprint: Mapping[str, Any], supplier_id: str, bought: Mapping[str, str | None]
) -> list[dict[str, Any]]:
    """The product-footprint records a PACT footprint gives for the products a buyer buys."""
    if footprint.get("status", "Active") != "Active":
        return []
    pcf = footprint.get("pcf") or {}
    unit = DECLARED_UNITS.get(str(pcf.get("declaredUnitOfMeasurement", "")))
    if unit is None:
        return []
    per_unit = _decimal(pcf.get("pcfExcludingBiogenicUptake", "0"), "pcfExcludingBiogenicUptake")
    end = str(pcf.get("referencePeriodEnd", ""))[:4]
    share = pcf.get("primaryDataShare")
    dqi = pcf.get("dqi") or {}
    quality = {
        "primary_data_share": (
            None if share is None else _decimal(share, "primaryDataShare") / 100.0
        ),
        **{
            f"dqr_{aspect}": (
                None
                if dqi.get(f"{aspect}DQR") is None
                else _decimal(dqi[f"{aspect}DQR"], f"{aspect}DQR")
            )
            for aspect in (
                "technological",
                "temporal",
                "geographical",
                "completeness",
                "reliability",
            )
        },
    }
    rows = []
    for pid in footprint.get("productIds", []):
        for candidate in (str(pid), str(pid).rsplit(":", 1)[-1]):
            if candidate in bought:
                rows.append(
                    {
                        "product_id": candidate,
                        "supplier_id": supplier_id,
                        "declared_unit": unit,
                        "kg_co2e_per_unit": per_unit,
                        "reference_year": int(end) if end.isdigit() else None,
                        "verified": bool(pcf.get("verification") or pcf.get("assurance")),
                        **quality,
                    }
                )
    return rows


def pull(
    ctx: Context,
    store: ConnectionStore,
    box: Sealer,
    transport: PactTransport,
    org: str,
    connection_id: int,
) -> dict[str, Any]:
    """Fetch every footprint shared with the buyer, page by page, and keep those of the products
    it buys as product-level data (replacing earlier ones for the same products)."""
    buyer = ctx.workspace.get_org(org)
    connection = store.get(buyer.id, connection_id)
    if connection is None:
        raise NotFoundError(f"PACT connection {connection_id} not found")
    bought = ctx.workspace.purchased_products(buyer.id, connection["supplier_id"])
    token = _token(transport, connection, box)
    url: str | None = f"{connection['base_url']}/3/footprints?limit={PAGE_SIZE}"
    seen = pages = 0
    rows: dict[str, dict[str, Any]] = {}
    try:
        while url is not None and pages < MAX_PAGES:
            status, headers, body = transport.get(url, token)
            if status != 200 or not isinstance(body, dict):
                raise InvalidDataError(f"{url}: the PACT host answered HTTP {status}")
            for footprint in body.get("data", []):
                seen += 1
                for row in product_rows(footprint, connection["supplier_id"], bought):
                    rows[row["product_id"]] = row
            pages += 1
            link = _next_link(headers)
            url = urljoin(connection["base_url"] + "/", link) if link else None
    except GreenchainError as exc:
        store.record_pull(connection_id, ctx.clock.now(), f"failed: {exc.message}")
        raise
    written = store.put_product_footprints(buyer.id, list(rows.values()))
    missing = sorted(set(bought) - set(rows))
    result = f"{seen} footprints in {pages} page(s), {written} products matched"
    store.record_pull(connection_id, ctx.clock.now(), result)
    if ctx.ledger is not None:
        from greenchain.services import ledger

        ledger.record(
            ctx,
            buyer.id,
            buyer.slug,
            "pact_pull",
            {
                "connection": connection_id,
                "supplier_id": connection["supplier_id"],
                "footprints": seen,
                "products": sorted(rows),
            },
            states=[("product_footprints", buyer.id)],
        )
    return {
        "footprints": seen,
        "pages": pages,
        "matched": sorted(rows),
        "missing": missing,
    }


def ingest(
    ctx: Context, store: ConnectionStore, org_id: int, footprints: list[Mapping[str, Any]]
) -> list[str]:
    """Footprints that arrived asynchronously (a supplier's ``RequestFulfilled`` answer to this
    organisation's ``/3/events``): those of products bought from one of its connected suppliers
    become product-level data, as a pull would make them. Returns the products matched."""
    matched: dict[str, dict[str, Any]] = {}
    for connection in store.of_org(org_id):
        bought = ctx.workspace.purchased_products(org_id, connection["supplier_id"])
        for footprint in footprints:
            for row in product_rows(footprint, connection["supplier_id"], bought):
                matched[row["product_id"]] = row
    if matched:
        store.put_product_footprints(org_id, list(matched.values()))
        _record_footprints(ctx, org_id, "pact_event_footprints", sorted(matched))
    return sorted(matched)


def _record_footprints(ctx: Context, org_id: int, kind: str, products: list[str]) -> None:
    """The ledger entry of footprints that became product-level data outside a pull: it
    records the organisation's product footprint table as it now stands."""
    if ctx.ledger is None:
        return
    from greenchain.services import ledger

    org = next(o for o in ctx.workspace.list_orgs() if o.id == org_id)
    ledger.record(
        ctx,
        org.id,
        org.slug,
        kind,
        {"products": products},
        states=[("product_footprints", org.id)],
    )


def fetch_published(
    ctx: Context,
    store: ConnectionStore,
    box: Sealer,
    transport: PactTransport,
    org_id: int,
    footprint_ids: list[str],
    source: str = "",
) -> list[str]:
    """A supplier told this organisation that footprints were published or changed (a
    ``PublishedEvent`` to its ``/3/events``): each is fetched (GetFootprint) from the connected
    host that has it, those on the event's ``source`` host first, and the Active ones of
    products it buys become product-level data. Returns the products matched."""
    host = urlparse("https:" + source if source.startswith("//") else source).netloc
    connections = store.of_org(org_id)
    same_host = [c for c in connections if host and urlparse(c["base_url"]).netloc == host]
    candidates = same_host or connections
    tokens: dict[int, str | None] = {}
    matched: dict[str, dict[str, Any]] = {}
    fetched: dict[int, int] = {}
    for footprint_id in footprint_ids[:MAX_PUBLISHED]:
        for connection in candidates:
            if connection["id"] not in tokens:
                try:
                    tokens[connection["id"]] = _token(transport, connection, box)
                except GreenchainError:
                    tokens[connection["id"]] = None
            token = tokens[connection["id"]]
            if token is None:
                continue
            url = f"{connection['base_url']}/3/footprints/{quote(str(footprint_id), safe='')}"
            try:
                status, _, body = transport.get(url, token)
            except GreenchainError:
                continue
            if (
                status != 200
                or not isinstance(body, dict)
                or not isinstance(body.get("data"), dict)
            ):
                continue
            bought = ctx.workspace.purchased_products(org_id, connection["supplier_id"])
            for row in product_rows(body["data"], connection["supplier_id"], bought):
                matched[row["product_id"]] = row
            fetched[connection["id"]] = fetched.get(connection["id"], 0) + 1
            break
    if matched:
        store.put_product_footprints(org_id, list(matched.values()))
        _record_footprints(ctx, org_id, "pact_published_footprints", sorted(matched))
    for connection_id, count in fetched.items():
        store.record_pull(
            connection_id,
            ctx.clock.now(),
            f"{count} announced footprint(s) fetched, products updated: "
            f"{', '.join(sorted(matched)) or 'none'}",
        )
    return sorted(matched)


def request_missing(
    ctx: Context,
    store: ConnectionStore,
    box: Sealer,
    transport: PactTransport,
    org: str,
    connection_id: int,
    product_ids: list[str],
    events_url: str | None = None,
) -> dict[str, Any]:
    """Ask the supplier's host for footprints of products (a CloudEvents ``RequestCreated``);
    its ``source`` is this organisation's Events endpoint, where the answer is to go."""
    buyer = ctx.workspace.get_org(org)
    connection = store.get(buyer.id, connection_id)
    if connection is None:
        raise NotFoundError(f"PACT connection {connection_id} not found")
    if not product_ids:
        raise InvalidDataError("field 'product_ids': name the products to ask for")
    token = _token(transport, connection, box)
    event = {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": events_url or f"urn:greenchain:{buyer.slug}",
        "time": ctx.clock.now().isoformat(),
        "type": "org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3",
        "data": {"productId": product_ids, "comment": f"Requested by {buyer.name}"},
    }
    status, _, body = transport.post(f"{connection['base_url']}/3/events", token, event)
    if status not in (200, 202):
        raise InvalidDataError(f"the PACT host refused the request (HTTP {status}: {body})")
    return {"event_id": event["id"], "status": status}


def _checked(principal: Principal, org: str, role: Role) -> None:
    principal.membership(org, role)


def register_for(
    ctx: Context, principal: Principal, store: ConnectionStore, box: Sealer, org: str, **kw: Any
) -> dict[str, Any]:
    _checked(principal, org, Role.ADMIN)
    return register(ctx, store, box, org, **kw)


def connections_for(
    ctx: Context, principal: Principal, store: ConnectionStore, org: str
) -> list[dict[str, Any]]:
    _checked(principal, org, Role.VIEWER)
    return connections(ctx, store, org)


def pull_for(
    ctx: Context,
    principal: Principal,
    store: ConnectionStore,
    box: Sealer,
    transport: PactTransport,
    org: str,
    connection_id: int,
) -> dict[str, Any]:
    _checked(principal, org, Role.ANALYST)
    return pull(ctx, store, box, transport, org, connection_id)
