"""The PACT page: a supplier's published footprints and the credentials it issued to its
customers; a buyer's connections to its suppliers' PACT hosts, with a pull button."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, File, Form, Request, UploadFile
from fastapi.responses import Response

from greenchain.adapters.db.pact import SqlPact
from greenchain.adapters.db.pact_client import SqlPactConnections
from greenchain.adapters.pact_http import UrllibPactTransport
from greenchain.adapters.signing import SecretBox
from greenchain.domain.access import Principal, Role
from greenchain.domain.errors import GreenchainError
from greenchain.entrypoints.web.deps import CtxDep, PrincipalDep
from greenchain.entrypoints.web.pact import deliver_notifications, event_sender
from greenchain.entrypoints.web.ui import Csrf, _can_edit, render
from greenchain.services import pact as pact_service
from greenchain.services import pact_client
from greenchain.services.context import Context

ui_router = APIRouter(include_in_schema=False)
MAX_FILE = 20 * 1024 * 1024


def _stores(request: Request, ctx: Context) -> tuple[SqlPact, SqlPactConnections, SecretBox]:
    settings = request.app.state.settings
    engine = ctx.workspace.engine  # type: ignore[attr-defined]
    return (
        SqlPact(engine, str(settings.secret_key)),
        SqlPactConnections(engine),
        SecretBox(settings.ledger_secret),
    )


def _transport(request: Request) -> pact_client.PactTransport:
    """The app's PACT client transport (``app.state.pact_transport``, set by tests), else
    HTTPS."""
    transport = getattr(request.app.state, "pact_transport", None)
    return transport if transport is not None else UrllibPactTransport()


def _page(
    request: Request,
    ctx: Context,
    principal: Principal,
    org: str,
    *,
    status_code: int = 200,
    error: str | None = None,
    notice: str | None = None,
    secret: dict[str, Any] | None = None,
) -> Response:
    member = principal.membership(org)
    store, connections, _ = _stores(request, ctx)
    is_admin = member.role == Role.ADMIN
    return render(
        request,
        "pact.html",
        status_code=status_code,
        title=f"Product footprints (PACT) – {member.org_name}",
        active="pact",
        principal=principal,
        member=member,
        org=org,
        footprints=pact_service.list_footprints(ctx, principal, store, org),
        credentials=pact_service.list_credentials(ctx, principal, store, org) if is_admin else [],
        requests=pact_service.list_requests(ctx, principal, store, org)[:100],
        notifications=(
            pact_service.list_notifications(ctx, principal, store, org)[:50] if is_admin else []
        ),
        connections=pact_client.connections(ctx, connections, org),
        base_url=str(request.base_url).rstrip("/"),
        can_edit=_can_edit(member),
        is_admin=is_admin,
        error=error,
        notice=notice,
        secret=secret,
    )


def _act(
    request: Request,
    ctx: Context,
    principal: Principal,
    org: str,
    action: Callable[[], str],
) -> Response:
    """Run a page action: the page again with its notice, or with the error (422)."""
    try:
        notice = action()
    except GreenchainError as exc:
        return _page(request, ctx, principal, org, status_code=422, error=exc.message)
    return _page(request, ctx, principal, org, notice=notice)


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@ui_router.get("/orgs/{org}/pact")
def pact_page(request: Request, org: str, ctx: CtxDep, principal: PrincipalDep) -> Response:
    return _page(request, ctx, principal, org)


@ui_router.post("/orgs/{org}/pact/import", dependencies=[Csrf])
async def pact_import(
    request: Request,
    org: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    file: Annotated[UploadFile, File()],
    background: BackgroundTasks,
) -> Response:
    store, _, _ = _stores(request, ctx)
    data = await file.read(MAX_FILE)

    def action() -> str:
        done = pact_service.import_footprints(
            ctx,
            principal,
            store,
            org,
            data,
            file.filename or "footprints.json",
            base_url=_base(request),
        )
        background.add_task(deliver_notifications, ctx, store, request)
        return f"Imported: {done}"

    return _act(request, ctx, principal, org, action)


@ui_router.post("/orgs/{org}/pact/credentials", dependencies=[Csrf])
def pact_credential(
    request: Request,
    org: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    customer: Annotated[str, Form(max_length=200)] = "",
    share_all: Annotated[str, Form(max_length=5)] = "",
    events_url: Annotated[str, Form(max_length=500)] = "",
    callback_client_id: Annotated[str, Form(max_length=200)] = "",
    callback_client_secret: Annotated[str, Form(max_length=500)] = "",
    reject_unknown: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    store, _, _ = _stores(request, ctx)
    try:
        made = pact_service.create_credential(
            ctx,
            principal,
            store,
            org,
            customer,
            share_all=bool(share_all),
            events_url=events_url.strip() or None,
            callback_client_id=callback_client_id.strip() or None,
            callback_client_secret=callback_client_secret or None,
            reject_unknown=bool(reject_unknown),
        )
    except GreenchainError as exc:
        return _page(request, ctx, principal, org, status_code=422, error=exc.message)
    return _page(request, ctx, principal, org, secret=made)


@ui_router.post("/orgs/{org}/pact/credentials/{client_id}/revoke", dependencies=[Csrf])
def pact_revoke(
    request: Request, org: str, client_id: str, ctx: CtxDep, principal: PrincipalDep
) -> Response:
    store, _, _ = _stores(request, ctx)
    pact_service.revoke_credential(ctx, principal, store, org, client_id)
    return _page(request, ctx, principal, org, notice=f"Credential {client_id} revoked")


@ui_router.post("/orgs/{org}/pact/requests/{request_id}/fulfil", dependencies=[Csrf])
def pact_fulfil(
    request: Request, org: str, request_id: int, ctx: CtxDep, principal: PrincipalDep
) -> Response:
    store, _, _ = _stores(request, ctx)

    def action() -> str:
        done = pact_service.fulfil_request(
            ctx, principal, store, event_sender(request), org, request_id, base_url=_base(request)
        )
        return f"Request {request_id} answered ({done['delivery']})"

    return _act(request, ctx, principal, org, action)


@ui_router.post("/orgs/{org}/pact/requests/{request_id}/reject", dependencies=[Csrf])
def pact_reject(
    request: Request,
    org: str,
    request_id: int,
    ctx: CtxDep,
    principal: PrincipalDep,
    message: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    store, _, _ = _stores(request, ctx)

    def action() -> str:
        done = pact_service.reject_request(
            ctx,
            principal,
            store,
            event_sender(request),
            org,
            request_id,
            base_url=_base(request),
            message=message.strip() or "The requested footprint could not be found.",
        )
        return f"Request {request_id} rejected ({done['delivery']})"

    return _act(request, ctx, principal, org, action)


@ui_router.post("/orgs/{org}/pact/connections", dependencies=[Csrf])
def pact_connect(
    request: Request,
    org: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    supplier_id: Annotated[str, Form(max_length=64)] = "",
    base_url: Annotated[str, Form(max_length=500)] = "",
    client_id: Annotated[str, Form(max_length=200)] = "",
    client_secret: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    _, connections, box = _stores(request, ctx)

    def action() -> str:
        pact_client.register_for(
            ctx,
            principal,
            connections,
            box,
            org,
            supplier_id=supplier_id.strip(),
            base_url=base_url,
            client_id=client_id,
            client_secret=client_secret,
        )
        return f"Connected to {base_url}"

    return _act(request, ctx, principal, org, action)


@ui_router.post("/orgs/{org}/pact/connections/{connection_id}/request", dependencies=[Csrf])
def pact_ask(
    request: Request,
    org: str,
    connection_id: int,
    ctx: CtxDep,
    principal: PrincipalDep,
    product_ids: Annotated[str, Form(max_length=20000)] = "",
) -> Response:
    """Ask a supplier's host for footprints of products (one id per line or comma)."""
    _, connections, box = _stores(request, ctx)
    wanted = [p.strip() for p in product_ids.replace(",", "\n").splitlines() if p.strip()]

    def action() -> str:
        principal.membership(org, Role.ANALYST)
        done = pact_client.request_missing(
            ctx,
            connections,
            box,
            _transport(request),
            org,
            connection_id,
            wanted,
            _base(request) + "/3/events",
        )
        return (
            f"Asked for {len(wanted)} product(s) (event {done['event_id']}); the answer "
            "arrives at your Events endpoint"
        )

    return _act(request, ctx, principal, org, action)


@ui_router.post("/orgs/{org}/pact/connections/{connection_id}/pull", dependencies=[Csrf])
def pact_pull(
    request: Request, org: str, connection_id: int, ctx: CtxDep, principal: PrincipalDep
) -> Response:
    _, connections, box = _stores(request, ctx)

    def action() -> str:
        done = pact_client.pull_for(
            ctx, principal, connections, box, _transport(request), org, connection_id
        )
        return (
            f"{done['footprints']} footprints pulled; products matched: "
            f"{', '.join(done['matched']) or 'none'}"
        )

    return _act(request, ctx, principal, org, action)
