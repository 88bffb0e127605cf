"""``greenchain pact``: a supplier's PACT v3 footprints, customer credentials, sharing and
requests, for scripting. Acts as an admin of ``--org`` (whoever runs the CLI runs the
deployment)."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from sqlalchemy import Engine

from greenchain.adapters.db.pact import HttpPactEventSender, SqlPact
from greenchain.bootstrap import bootstrap
from greenchain.config import Settings
from greenchain.domain.access import Membership, Principal, Role
from greenchain.domain.errors import ConfigurationError, InvalidDataError, NotFoundError
from greenchain.domain.records import MAX_ROW_ID
from greenchain.entrypoints.cli.errors import guarded
from greenchain.services import pact as pact_service
from greenchain.services.context import Context

pact_app = typer.Typer(
    help="PACT v3 product footprints shared with customers (the host side).",
    no_args_is_help=True,
)
console = Console(highlight=False)
OrgOption = Annotated[str, typer.Option("--org", help="The supplier organisation (slug).")]
EventsUrlOption = Annotated[
    str | None, typer.Option(help="The customer's /3/events URL (answers and announcements).")
]
CallbackIdOption = Annotated[
    str | None,
    typer.Option(
        help="The client id the customer's host gave you for sending it events; its secret is "
        "read from standard input."
    ),
]
RejectUnknownOption = Annotated[
    bool | None,
    typer.Option(
        "--reject-unknown/--wait-unknown",
        help="Reject at once a request none of your footprints matches, or keep it for you to "
        "answer.",
    ),
]


def _setup(org: str) -> tuple[Context, SqlPact, Principal, Settings]:
    settings = Settings()
    ctx = bootstrap(settings)
    engine = getattr(ctx.workspace, "engine", None)
    if not isinstance(engine, Engine):  # pragma: no cover - wiring error
        raise ConfigurationError("PACT needs the SQL workspace")
    record = ctx.workspace.get_org(org)
    principal = Principal(
        user_id=0,
        email="cli",
        memberships={org: Membership(record.id, record.slug, record.name, Role.ADMIN)},
    )
    return ctx, SqlPact(engine, settings.secrets().sealing_keys), principal, settings


def _read_secret(prompt: str) -> str:
    """A secret typed at a hidden prompt, or the first line of standard input."""
    import sys

    if sys.stdin.isatty():
        return str(typer.prompt(prompt, hide_input=True))
    return sys.stdin.readline().strip()


def _print(value: Any) -> None:
    console.print_json(json.dumps(value, default=str))


def _notify(ctx: Context, store: SqlPact) -> None:
    """Send the PublishedEvents a change queued; failures are retried by `pact deliver`."""
    for sent in pact_service.deliver_due_notifications(ctx, store, HttpPactEventSender()):
        state = sent["delivery"]
        note = f" ({sent['delivery_error']})" if sent["delivery_error"] else ""
        console.print(f"PublishedEvent {sent['event_id']}: {state}{note}", markup=False)


@pact_app.command("import")
@guarded
def pact_import(
    file: Annotated[Path, typer.Argument(help="PACT JSON or CSV file.")], org: OrgOption
) -> None:
    """Import footprints; changed ones replace (and deprecate) their predecessors."""
    if not file.is_file():
        raise InvalidDataError(f"{file}: file not found")
    ctx, store, principal, settings = _setup(org)
    _print(
        pact_service.import_footprints(
            ctx, principal, store, org, file.read_bytes(), file.name, base_url=settings.base_url
        )
    )
    _notify(ctx, store)


@pact_app.command("list")
@guarded
def pact_list(org: OrgOption) -> None:
    """The organisation's footprints: id, status, product."""
    ctx, store, principal, _ = _setup(org)
    for row in pact_service.list_footprints(ctx, principal, store, org):
        console.print(f"{row['id']}  {row['status']:<10}  {row['product_name']}", markup=False)


@pact_app.command("deprecate")
@guarded
def pact_deprecate(footprint_id: str, org: OrgOption) -> None:
    ctx, store, principal, settings = _setup(org)
    pact_service.deprecate_footprint(
        ctx, principal, store, org, footprint_id, base_url=settings.base_url
    )
    console.print(f"{footprint_id} is Deprecated", markup=False)
    _notify(ctx, store)


@pact_app.command("credential-create")
@guarded
def pact_credential_create(
    org: OrgOption,
    customer: Annotated[str, typer.Option(help="Customer name or organisation slug.")],
    share_all: Annotated[bool, typer.Option(help="Share every footprint.")] = False,
    events_url: EventsUrlOption = None,
    callback_client_id: CallbackIdOption = None,
    reject_unknown: RejectUnknownOption = None,
) -> None:
    """Client credentials for a customer; the secret is printed once."""

    callback_secret = _read_secret("Callback client secret") if callback_client_id else None
    ctx, store, principal, _ = _setup(org)
    _print(
        pact_service.create_credential(
            ctx,
            principal,
            store,
            org,
            customer,
            share_all=share_all,
            events_url=events_url,
            callback_client_id=callback_client_id,
            callback_client_secret=callback_secret,
            reject_unknown=bool(reject_unknown),
        )
    )


@pact_app.command("credential-update")
@guarded
def pact_credential_update(
    client_id: str,
    org: OrgOption,
    events_url: EventsUrlOption = None,
    clear_events_url: Annotated[
        bool, typer.Option(help="Remove the Events URL (answers go to a request's source).")
    ] = False,
    callback_client_id: CallbackIdOption = None,
    reject_unknown: RejectUnknownOption = None,
) -> None:
    """Change where a customer's answers and announcements go, and the unknown-product rule."""
    callback_secret = _read_secret("Callback client secret") if callback_client_id else None
    ctx, store, principal, _ = _setup(org)
    _print(
        pact_service.configure_credential(
            ctx,
            principal,
            store,
            org,
            client_id,
            events_url=events_url,
            clear_events_url=clear_events_url,
            callback_client_id=callback_client_id,
            callback_client_secret=callback_secret,
            reject_unknown=reject_unknown,
        )
    )


@pact_app.command("credentials")
@guarded
def pact_credentials(org: OrgOption) -> None:
    ctx, store, principal, _ = _setup(org)
    _print(pact_service.list_credentials(ctx, principal, store, org))


@pact_app.command("credential-revoke")
@guarded
def pact_credential_revoke(client_id: str, org: OrgOption) -> None:
    ctx, store, principal, _ = _setup(org)
    pact_service.revoke_credential(ctx, principal, store, org, client_id)
    console.print(f"{client_id} revoked", markup=False)


@pact_app.command("share")
@guarded
def pact_share(
    client_id: str,
    org: OrgOption,
    footprint: Annotated[list[str] | None, typer.Option(help="Footprint id (repeatable).")] = None,
    share_all: Annotated[
        bool | None, typer.Option("--all/--selected", help="All footprints, or the selected.")
    ] = None,
    unshare: Annotated[
        list[str] | None, typer.Option(help="Footprint id to stop sharing (repeatable).")
    ] = None,
    reject_unknown: RejectUnknownOption = None,
) -> None:
    """Choose what a customer sees (it is sent a PublishedEvent naming what is new to it)."""
    ctx, store, principal, settings = _setup(org)
    _print(
        pact_service.set_sharing(
            ctx,
            principal,
            store,
            org,
            client_id,
            share_all=share_all,
            share=footprint or [],
            unshare=unshare or [],
            reject_unknown=reject_unknown,
            base_url=settings.base_url,
        )
    )
    _notify(ctx, store)


@pact_app.command("requests")
@guarded
def pact_requests(org: OrgOption) -> None:
    ctx, store, principal, _ = _setup(org)
    _print(pact_service.list_requests(ctx, principal, store, org))


@pact_app.command("fulfil")
@guarded
def pact_fulfil(
    request_id: int,
    org: OrgOption,
    footprint: Annotated[list[str] | None, typer.Option(help="Footprint id (repeatable).")] = None,
) -> None:
    """Answer a customer's request with footprints (default: all that match it)."""
    ctx, store, principal, settings = _setup(org)
    _print(
        pact_service.fulfil_request(
            ctx,
            principal,
            store,
            HttpPactEventSender(),
            org,
            request_id,
            base_url=settings.base_url,
            footprint_ids=footprint or [],
        )
    )


@pact_app.command("reject")
@guarded
def pact_reject(
    request_id: int,
    org: OrgOption,
    message: Annotated[str, typer.Option(help="Why.")] = pact_service.NOT_FOUND_MESSAGE,
) -> None:
    ctx, store, principal, settings = _setup(org)
    _print(
        pact_service.reject_request(
            ctx,
            principal,
            store,
            HttpPactEventSender(),
            org,
            request_id,
            base_url=settings.base_url,
            message=message,
        )
    )


@pact_app.command("deliver")
@guarded
def pact_deliver() -> None:
    """Send what is due: answers whose delivery failed and PublishedEvents (retried with
    exponential backoff, up to 72 hours)."""
    settings = Settings()
    ctx = bootstrap(settings)
    engine = getattr(ctx.workspace, "engine", None)
    if not isinstance(engine, Engine):  # pragma: no cover - wiring error
        raise ConfigurationError("PACT needs the SQL workspace")
    store = SqlPact(engine, settings.secrets().sealing_keys)
    sender = HttpPactEventSender()
    _print(
        {
            "answers": pact_service.deliver_due_answers(ctx, store, sender),
            "published_events": pact_service.deliver_due_notifications(ctx, store, sender),
        }
    )


@pact_app.command("notifications")
@guarded
def pact_notifications(org: OrgOption) -> None:
    """PublishedEvents sent or queued to customers, newest first."""
    ctx, store, principal, _ = _setup(org)
    _print(pact_service.list_notifications(ctx, principal, store, org))


# --- the client side: a buyer's connections to its suppliers' PACT hosts -------------------------


def _client_parts() -> tuple[Context, Any, Any, Settings]:
    from greenchain.adapters.db.pact_client import SqlPactConnections
    from greenchain.adapters.signing import SecretBox

    settings = Settings()
    ctx = bootstrap(settings)
    engine = ctx.workspace.engine  # type: ignore[attr-defined]
    return ctx, SqlPactConnections(engine), SecretBox(settings.secrets().sealing_keys), settings


@pact_app.command("connect")
@guarded
def pact_connect(
    org: OrgOption,
    supplier: Annotated[str, typer.Option(help="Your supplier id of the host's owner.")],
    url: Annotated[str, typer.Option(help="The supplier's PACT host (https://...).")],
    client_id: Annotated[str, typer.Option(help="The client id it issued to you.")],
) -> None:
    """Register a supplier's PACT host; the client secret is read from standard input."""

    from greenchain.services import pact_client

    secret = _read_secret("Client secret")
    ctx, store, box, _ = _client_parts()
    made = pact_client.register(
        ctx,
        store,
        box,
        org,
        supplier_id=supplier,
        base_url=url,
        client_id=client_id,
        client_secret=secret,
    )
    console.print(f"Connection {made['id']} to {made['base_url']} for supplier {supplier}")


@pact_app.command("pull")
@guarded
def pact_pull(
    connection: Annotated[
        int, typer.Argument(help="Connection id (see 'pact connections').", min=1, max=MAX_ROW_ID)
    ],
    org: OrgOption,
    cafile: Annotated[
        Path | None, typer.Option(help="CA certificate for a host with a private CA.")
    ] = None,
) -> None:
    """Pull the footprints shared with you; those of products you buy feed the product-level
    method of your next calculation run."""
    from greenchain.adapters.pact_http import UrllibPactTransport
    from greenchain.services import pact_client

    ctx, store, box, _ = _client_parts()
    transport = UrllibPactTransport(cafile=str(cafile) if cafile else None)
    done = pact_client.pull(ctx, store, box, transport, org, connection)
    console.print(
        f"{done['footprints']} footprints in {done['pages']} page(s); products matched: "
        f"{', '.join(done['matched']) or 'none'}; bought without a footprint: "
        f"{', '.join(done['missing']) or 'none'}"
    )


@pact_app.command("connections")
@guarded
def pact_connections(org: OrgOption) -> None:
    from greenchain.services import pact_client

    ctx, store, _, _ = _client_parts()
    _print(pact_client.connections(ctx, store, org))


# --- the demo's footprint exchange ---------------------------------------------------------------

DEMO_PACT_SUPPLIER = "demo-pact-supplier"
DEMO_PACT_EMAIL = "pcf@demo-pact-supplier.example"


def listening_socket(wanted: int) -> socket.socket:
    """A socket listening on 127.0.0.1:``wanted``, or on a free port when that one is taken:
    bound and listening at once and handed to the server, so that no other process (a second
    demo) can take the port between finding it free and serving on it. Listening at once
    matters: with SO_REUSEADDR (kept so that a port whose server just stopped is reused) two
    sockets may bind one port until one of them listens."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind(("127.0.0.1", wanted))
        listener.listen()
    except OSError:
        listener.close()
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen()
    return listener


def run_demo_exchange(ctx: Context, settings: Settings, folder: Path, buyer: str, year: int) -> str:
    """The demo's PACT exchange over HTTP: a supplier of the demo buyer publishes footprints of
    the products it sells to it and issues it credentials; the buyer pulls them from the
    running host and recalculates, so those purchase lines use the supplier's primary data.
    The supplier then revises one footprint and announces it (a PublishedEvent to the buyer's
    Events endpoint, with credentials the buyer issued to it); the buyer fetches it at once.
    The host listens on the port of ``settings.base_url`` when it is free, so that the
    connection stays usable once ``greenchain serve`` runs there."""
    import threading
    import time
    from urllib.parse import urlparse

    import uvicorn

    from greenchain.adapters.db.pact_client import SqlPactConnections
    from greenchain.adapters.demo_data import write_pact_footprints
    from greenchain.adapters.pact_http import UrllibPactTransport
    from greenchain.adapters.signing import SecretBox
    from greenchain.entrypoints.web.app import create_app
    from greenchain.services import pact_client
    from greenchain.services.accounts import add_user
    from greenchain.services.demo import DEMO_PASSWORD, link_by_consent
    from greenchain.services.inventory import calculate_inventory

    ws = ctx.workspace
    buyer_org = ws.get_org(buyer)
    with (folder / "product_footprints.csv").open(encoding="utf-8") as handle:
        seller = handle.readlines()[1].split(",")[1]
    name = ws.supplier_names(buyer_org.id)[seller]
    try:
        ws.get_org(DEMO_PACT_SUPPLIER)
    except NotFoundError:
        ws.add_org(DEMO_PACT_SUPPLIER, f"{name} (demo PACT host)", ctx.clock.now())
    principal = add_user(ctx, DEMO_PACT_EMAIL, DEMO_PASSWORD, DEMO_PACT_SUPPLIER, Role.ADMIN)
    link_by_consent(ctx, buyer, seller, DEMO_PACT_SUPPLIER)
    store = SqlPact(ws.engine, settings.secrets().sealing_keys)  # type: ignore[attr-defined]
    path = write_pact_footprints(folder, seller, name)
    pact_service.import_footprints(
        ctx, principal, store, DEMO_PACT_SUPPLIER, path.read_bytes(), path.name
    )
    wanted = urlparse(settings.base_url).port or 8000
    listener = listening_socket(wanted)
    port = int(listener.getsockname()[1])
    base = f"http://127.0.0.1:{port}"
    buyer_admin = Principal(
        user_id=0,
        email="demo",
        memberships={buyer: Membership(buyer_org.id, buyer_org.slug, buyer_org.name, Role.ADMIN)},
    )
    back = pact_service.create_credential(ctx, buyer_admin, store, buyer, DEMO_PACT_SUPPLIER)
    issued = pact_service.create_credential(
        ctx,
        principal,
        store,
        DEMO_PACT_SUPPLIER,
        buyer,
        share_all=True,
        events_url=f"{base}/3/events",
        callback_client_id=back["client_id"],
        callback_client_secret=back["client_secret"],
    )
    app = create_app(settings.model_copy(update={"job_workers": 0}), ctx)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        connections = SqlPactConnections(ws.engine)  # type: ignore[attr-defined]
        box = SecretBox(settings.secrets().sealing_keys)
        made = pact_client.register(
            ctx,
            connections,
            box,
            buyer,
            supplier_id=seller,
            base_url=base,
            client_id=issued["client_id"],
            client_secret=issued["client_secret"],
        )
        pulled = pact_client.pull(ctx, connections, box, UrllibPactTransport(), buyer, made["id"])
        first = pact_service.list_footprints(ctx, principal, store, DEMO_PACT_SUPPLIER)[0]
        pcf = dict(first["document"]["pcf"])
        lower = float(pcf["pcfExcludingBiogenicUptake"]) * 0.9
        for key in ("pcfExcludingBiogenicUptake", "pcfIncludingBiogenicUptake"):
            pcf[key] = f"{lower:.3f}"
        pact_service.revise_footprint(
            ctx,
            principal,
            store,
            DEMO_PACT_SUPPLIER,
            first["id"],
            {"pcf": pcf, "comment": "Revised: the plant's 2025 electricity is 60 % renewable."},
            base_url=base,
        )
        announced = pact_service.deliver_due_notifications(ctx, store, HttpPactEventSender())
        deadline = time.monotonic() + 20  # the buyer fetches the announced footprint

        def fetched() -> bool:
            connection = connections.get(buyer_org.id, made["id"]) or {}
            return "announced footprint" in str(connection.get("last_result"))

        while time.monotonic() < deadline and not fetched():
            time.sleep(0.1)
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        listener.close()
    report = calculate_inventory(ctx, buyer, year)
    delivered = sum(1 for n in announced if n["delivery"] == "delivered")
    return (
        f"PACT: {pulled['footprints']} footprints pulled from {name}'s host, "
        f"{len(pulled['matched'])} products now from its primary data; one revised footprint "
        f"announced ({delivered} PublishedEvent delivered) and fetched; run {report.run_id} "
        f"of {year} restates {len(report.restatements)} supplier(s)"
    )
