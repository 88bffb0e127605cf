"""PACT v3 on the web.

``pact_router`` (no prefix) is the host API of the PACT Technical Specifications v3:
``POST /auth/token`` (OAuth 2.0 client credentials, RFC 6749 4.4), the OpenID Provider
Configuration Document, ``GET /3/footprints`` (filters, ``limit``, RFC 8288 ``Link``
pagination), ``GET /3/footprints/{id}`` and ``POST /3/events`` (CloudEvents). Its answers and
error bodies are the spec's: they bypass the application's own error handlers, so every
request is parsed here by hand (no FastAPI validation, whose errors would be 422).

How a supplier's members manage footprints, customer credentials, sharing and requests
(under /api/v1, with the usual error handling) is in ``web.pact_api``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import urllib.parse
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Engine

from greenchain.adapters.db.pact import HttpPactEventSender, SqlPact
from greenchain.config import WorkspaceSecrets
from greenchain.domain import pact as pact_domain
from greenchain.domain.errors import GreenchainError, InvalidDataError, NotFoundError
from greenchain.services import pact as pact_service
from greenchain.services.context import Context
from greenchain.services.ports import PactEventSender, PactStore

log = logging.getLogger("greenchain.pact")
pact_router = APIRouter(include_in_schema=False)
CURSOR = "x-gc-after"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def workspace_secrets(request: Request) -> WorkspaceSecrets:
    """The app's secrets, read when it started."""
    found: WorkspaceSecrets = request.app.state.secrets
    return found


def pact_store(request: Request) -> PactStore:
    ctx: Context = request.app.state.ctx
    engine = getattr(ctx.workspace, "engine", None)
    if not isinstance(engine, Engine):  # pragma: no cover - wiring error
        raise NotFoundError("PACT is not available in this deployment")
    return SqlPact(engine, workspace_secrets(request).sealing_keys)


def event_sender(request: Request) -> PactEventSender:
    """The app's sender (``app.state.pact_sender``, set by tests), else HTTP."""
    sender = getattr(request.app.state, "pact_sender", None)
    return sender if sender is not None else HttpPactEventSender()


def token_keys(request: Request) -> list[bytes]:
    """The keys of PACT access tokens, newest first: derived from the session keys."""
    return [
        hashlib.sha256(b"pact-access-token\0" + key.encode()).digest()
        for key in workspace_secrets(request).session_keys
    ]


def _base_url(request: Request) -> str:
    """The public address (``GREENCHAIN_BASE_URL``; ``serve`` sets it to its port unless it
    was given): the one every link, PACT source and events address is built from."""
    return str(request.app.state.settings.base_url).rstrip("/")


def _error(status: int, code: pact_domain.ErrorCode, message: str) -> JSONResponse:
    headers = {"WWW-Authenticate": 'Bearer realm="pact"'} if status == 401 else None
    return JSONResponse(pact_domain.error_body(code, message), status_code=status, headers=headers)


LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "testserver"})


def _insecure(request: Request) -> bool:
    """PACT requires HTTPS: plain HTTP is served only to this machine (tests, the demo). Behind
    a TLS-terminating proxy, run uvicorn with proxy headers so the scheme reads https."""
    return request.url.scheme != "https" and (request.url.hostname or "") not in LOCAL_HOSTS


def _host_action(request: Request, action: Callable[[Context, PactStore], Response]) -> Response:
    """Run a host action, answering failures with the spec's Error object."""
    if _insecure(request):
        return _error(403, pact_domain.ErrorCode.ACCESS_DENIED, "PACT endpoints require HTTPS")
    ctx: Context = request.app.state.ctx
    try:
        return action(ctx, pact_store(request))
    except GreenchainError as error:
        status, body = pact_service.host_error(error)
        headers = {"WWW-Authenticate": 'Bearer realm="pact"'} if status == 401 else None
        return JSONResponse(body, status_code=status, headers=headers)
    except Exception:
        log.exception("PACT host action failed: %s %s", request.method, request.url.path)
        return _error(500, pact_domain.ErrorCode.INTERNAL_ERROR, "internal error; it was logged")


def _credential(request: Request, ctx: Context, store: PactStore) -> dict[str, Any]:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise pact_domain.PactAuthenticationError("send an access token (Authorization: Bearer)")
    return pact_service.authenticate(ctx, store, token.strip(), token_keys(request))


# --- Action Authenticate -----------------------------------------------------------------
def _oauth_error(status: int, error: str, description: str) -> JSONResponse:
    headers = dict(NO_STORE)
    if status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="pact"'
    return JSONResponse(
        {"error": error, "error_description": description}, status_code=status, headers=headers
    )


def _basic_credentials(header: str) -> tuple[str, str] | None:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, client_secret = decoded.partition(":")
    if not sep:
        return None
    # RFC 6749 2.3.1: both are form-urlencoded before being joined.
    return urllib.parse.unquote_plus(client_id), urllib.parse.unquote_plus(client_secret)


@pact_router.post("/auth/token")
async def auth_token(request: Request) -> Response:
    """OAuth 2.0 client credentials grant: HTTP Basic (or ``client_id`` / ``client_secret``
    in the form body) and ``grant_type=client_credentials``."""
    if _insecure(request):
        return _oauth_error(400, "invalid_request", "PACT endpoints require HTTPS")
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/x-www-form-urlencoded":
        return _oauth_error(
            400, "invalid_request", "send an application/x-www-form-urlencoded body"
        )
    form = await request.form()
    grant_type = form.get("grant_type")
    header = request.headers.get("authorization", "")
    pair = _basic_credentials(header) if header else None
    if pair is None and isinstance(form.get("client_id"), str):
        pair = (str(form.get("client_id")), str(form.get("client_secret") or ""))
    if header and pair is None:
        return _oauth_error(401, "invalid_client", "Authentication failed")
    if not isinstance(grant_type, str) or not grant_type:
        return _oauth_error(400, "invalid_request", "grant_type is required")
    if grant_type != "client_credentials":
        return _oauth_error(400, "unsupported_grant_type", "use grant_type=client_credentials")
    if pair is None:
        return _oauth_error(401, "invalid_client", "Authentication failed")
    ctx: Context = request.app.state.ctx
    try:
        token, lifetime = pact_service.issue_token(
            ctx, pact_store(request), pair[0], pair[1], token_keys(request)[0]
        )
    except pact_domain.PactAuthenticationError:
        return _oauth_error(401, "invalid_client", "Authentication failed")
    return JSONResponse(
        {"access_token": token, "token_type": "Bearer", "expires_in": lifetime},
        headers=NO_STORE,
    )


@pact_router.get("/.well-known/openid-configuration")
def openid_configuration(request: Request) -> dict[str, Any]:
    """The OpenID Provider Configuration Document: where the token endpoint is."""
    base = _base_url(request)
    return {
        "issuer": base,
        "token_endpoint": f"{base}/auth/token",
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "response_types_supported": ["token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["none"],
        "scopes_supported": ["footprint:list", "footprint:read"],
    }


# --- Action ListFootprints / GetFootprint ------------------------------------------------
def _next_link(request: Request, cursor: int) -> str:
    pairs = [(k, v) for k, v in request.query_params.multi_items() if k != CURSOR]
    pairs.append((CURSOR, str(cursor)))
    url = request.url.replace(query=urllib.parse.urlencode(pairs))
    return f'<{url}>; rel="next"'


@pact_router.get("/3/footprints")
def list_footprints(request: Request) -> Response:
    def action(ctx: Context, store: PactStore) -> Response:
        credential = _credential(request, ctx, store)
        params = request.query_params
        criteria: dict[str, object] = {}
        for name in params:
            criteria[name] = params.getlist(name)
        limit = pact_service.parse_limit(params.get("limit"))
        after_text = params.get(CURSOR, "0")
        if not after_text.isdigit():
            raise InvalidDataError(f"{CURSOR}: not a pagination cursor")
        documents, cursor = pact_service.list_visible_footprints(
            store,
            credential,
            pact_domain.parse_filter(criteria),
            limit=limit,
            after_seq=int(after_text),
        )
        headers = {"Link": _next_link(request, cursor)} if cursor is not None else None
        return JSONResponse({"data": documents}, headers=headers)

    return _host_action(request, action)


@pact_router.get("/3/footprints/{footprint_id}")
def get_footprint(footprint_id: str, request: Request) -> Response:
    def action(ctx: Context, store: PactStore) -> Response:
        credential = _credential(request, ctx, store)
        document = pact_service.get_visible_footprint(store, credential, footprint_id)
        return JSONResponse({"data": document})

    return _host_action(request, action)


# --- Action Events -------------------------------------------------------------------------
@pact_router.post("/3/events")
async def events(request: Request, background: BackgroundTasks) -> Response:
    raw = await request.body()

    def action(ctx: Context, store: PactStore) -> Response:
        credential = _credential(request, ctx, store)
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media not in ("application/cloudevents+json", "application/json"):
            raise InvalidDataError("send the event as application/cloudevents+json")
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise InvalidDataError("the body is not JSON") from None
        request_id = pact_service.receive_event(ctx, store, credential, body)
        fulfilled = pact_domain.EventType.REQUEST_FULFILLED.value
        if isinstance(body, dict) and body.get("type") == fulfilled:
            pfs = (body.get("data") or {}).get("pfs")
            if isinstance(pfs, list):
                _ingest_answer(ctx, int(credential["org_id"]), pfs)
        published = pact_domain.EventType.PUBLISHED.value
        if isinstance(body, dict) and body.get("type") == published:
            background.add_task(
                _fetch_published,
                ctx,
                request,
                int(credential["org_id"]),
                [str(i) for i in (body.get("data") or {}).get("pfIds") or []],
                str(body.get("source") or ""),
            )
        if request_id is not None:
            background.add_task(
                _answer_in_background,
                ctx,
                store,
                event_sender(request),
                request_id,
                int(credential["org_id"]),
                _base_url(request),
            )
        return Response(status_code=200)

    return _host_action(request, action)


def _ingest_answer(ctx: Context, org_id: int, footprints: list[Any]) -> None:
    """A supplier answered one of this organisation's requests: the footprints of products it
    buys from its connected suppliers feed its next calculation run."""
    from greenchain.adapters.db.pact_client import SqlPactConnections
    from greenchain.services import pact_client

    engine = ctx.workspace.engine  # type: ignore[attr-defined]
    pact_client.ingest(
        ctx, SqlPactConnections(engine), org_id, [f for f in footprints if isinstance(f, dict)]
    )


def _fetch_published(
    ctx: Context, request: Request, org_id: int, footprint_ids: list[str], source: str
) -> None:
    """A supplier published or changed footprints: fetch them from its host."""
    from greenchain.adapters.db.pact_client import SqlPactConnections
    from greenchain.adapters.pact_http import UrllibPactTransport
    from greenchain.adapters.signing import SecretBox
    from greenchain.services import pact_client

    transport = getattr(request.app.state, "pact_transport", None) or UrllibPactTransport()
    box = SecretBox(workspace_secrets(request).sealing_keys)
    engine = ctx.workspace.engine  # type: ignore[attr-defined]
    try:
        pact_client.fetch_published(
            ctx, SqlPactConnections(engine), box, transport, org_id, footprint_ids, source
        )
    except Exception:  # the next pull brings them
        log.exception("fetching published PACT footprints failed")


def _answer_in_background(
    ctx: Context,
    store: PactStore,
    sender: PactEventSender,
    request_id: int,
    org_id: int,
    base_url: str,
) -> None:
    try:
        pact_service.answer_from_shared(ctx, store, sender, request_id, org_id, base_url=base_url)
    except Exception:  # the request stays pending for the supplier
        log.exception("answering PACT request %s failed", request_id)


# --- PublishedEvents ------------------------------------------------------------------------


def deliver_notifications(ctx: Context, store: PactStore, request: Request) -> None:
    try:
        pact_service.deliver_due_notifications(ctx, store, event_sender(request))
    except Exception:  # they stay queued for `greenchain pact deliver`
        log.exception("sending PACT PublishedEvents failed")
