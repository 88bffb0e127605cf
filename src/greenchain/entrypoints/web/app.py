"""The web application: JSON API under /api/v1 and the HTML UI, on FastAPI."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from greenchain.bootstrap import bootstrap
from greenchain.config import Settings
from greenchain.domain.errors import (
    ConflictError,
    GreenchainError,
    InvalidDataError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
)
from greenchain.entrypoints.web.deps import NotAuthenticatedError
from greenchain.services.context import Context

log = logging.getLogger("greenchain.web")
STATIC = Path(__file__).with_name("static")

STATUS: list[tuple[type[GreenchainError], int]] = [
    (NotAuthenticatedError, 401),
    (RateLimitedError, 429),
    (InvalidDataError, 422),
    (NotFoundError, 404),
    (ConflictError, 409),
    (PermissionDeniedError, 403),
]

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
    ),
}


class SecurityHeaders:
    """Adds the security headers to every response (a plain ASGI middleware: no per-request
    task or body buffering)."""

    def __init__(self, app: ASGIApp, headers: dict[str, str]) -> None:
        self.app = app
        self.raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.raw if k not in present]
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await self.app(scope, receive, with_headers)


class EmptyFormFieldsAbsent:
    """Drops empty parameters from the query string of page requests (not ``/api`` or the PACT
    routes): a browser sends every field of a GET form, the empty optional ones as ``name=``,
    and an empty optional field means "not given", not "an invalid number"."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("query_string") and _is_page(scope["path"]):
            pairs = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
            kept = [(name, value) for name, value in pairs if value.strip()]
            if len(kept) != len(pairs):
                scope = dict(scope, query_string=urlencode(kept).encode("latin-1"))
        await self.app(scope, receive, send)


class NoNulCharacters:
    """Refuses a request whose path, query or JSON/form body holds a NUL character (422): no
    field of the product can hold one, PostgreSQL text cannot store one, and a request that
    carries one is malformed or probing. File uploads (multipart) are not read here: binary
    files hold NUL bytes, and their text cells are checked by the import."""

    BODY_TYPES = (b"application/json", b"application/x-www-form-urlencoded")

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        target = scope.get("raw_path", b"") + b"?" + scope.get("query_string", b"")
        if b"%00" in target or "\x00" in scope["path"]:
            await self._refuse(scope, receive, send)
            return
        content_type = dict(scope.get("headers", [])).get(b"content-type", b"")
        if not content_type.startswith(self.BODY_TYPES):
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        body = b""
        while True:
            message = await receive()
            messages.append(message)
            body += message.get("body", b"")
            if message["type"] != "http.request" or not message.get("more_body"):
                break
        if b"\x00" in body or b"%00" in body or b"\\u0000" in body.lower():
            await self._refuse(scope, receive, send)
            return

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send) -> None:
        response = JSONResponse(
            {"code": "invalid_request", "message": "the request holds a NUL character (\\u0000)"},
            status_code=422,
        )
        await response(scope, receive, send)


def _is_page(path: str) -> bool:
    return not path.startswith(("/api/", "/3/", "/2/", "/auth/", "/.well-known/"))


def status_for(error: GreenchainError) -> int:
    return next((code for kind, code in STATUS if isinstance(error, kind)), 400)


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get(
        "accept", ""
    )


def create_app(settings: Settings | None = None, ctx: Context | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(
        title="Greenchain API",
        version="1",
        description="GHG Protocol inventories from purchase and supplier data.",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.settings = settings
    # Refuse to start without the workspace's secrets; read once (a rotation takes effect
    # when the app restarts).
    app.state.secrets = settings.secrets()
    app.state.ctx = ctx or bootstrap(settings)

    headers = dict(SECURITY_HEADERS)
    if settings.secure_cookies:
        headers["Strict-Transport-Security"] = "max-age=31536000"
    app.add_middleware(EmptyFormFieldsAbsent)
    app.add_middleware(NoNulCharacters)
    app.add_middleware(SecurityHeaders, headers=headers)
    app.add_middleware(
        SessionMiddleware,
        secret_key=app.state.secrets.session_key,
        session_cookie="greenchain_session",
        max_age=8 * 3600,
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.allowed_hosts)

    @app.exception_handler(GreenchainError)
    async def domain_error(request: Request, exc: GreenchainError) -> Response:
        status = status_for(exc)
        if _wants_html(request) and status == 401:
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        if _wants_html(request):
            from greenchain.entrypoints.web.ui import error_page

            return error_page(request, status, exc.message)
        body: dict[str, object] = {"code": exc.code, "message": exc.message}
        problems = getattr(exc, "problems", None)
        if problems:
            body["problems"] = [p.__dict__ for p in problems[:100]]
        headers = {}
        if isinstance(exc, RateLimitedError) and exc.retry_after_seconds:
            headers["Retry-After"] = str(exc.retry_after_seconds)
        return JSONResponse(body, status_code=status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = exc.errors()
        if errors and all(e.get("loc", ("",))[0] == "path" for e in errors):
            # an id in the path that no row can have: the page or object does not exist
            name = str(errors[0]["loc"][-1]).removesuffix("_id").replace("_", " ")
            message = f"no {name} '{errors[0].get('input')}' exists"
            if _wants_html(request):
                from greenchain.entrypoints.web.ui import error_page

                return error_page(request, 404, message)
            return JSONResponse({"code": "not_found", "message": message}, status_code=404)
        details = [
            {
                "field": ".".join(str(p) for p in e.get("loc", ()) if p != "body"),
                "message": e.get("msg", "invalid"),
            }
            for e in errors
        ]
        first = details[0] if details else {"field": "", "message": "invalid request"}
        if _wants_html(request):
            from greenchain.entrypoints.web.ui import error_page

            return error_page(request, 422, f"{first['field']}: {first['message']}")
        return JSONResponse(
            {
                "code": "invalid_request",
                "message": f"{first['field']}: {first['message']}",
                "errors": details,
            },
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if _wants_html(request):
            from greenchain.entrypoints.web.ui import error_page

            return error_page(request, exc.status_code, str(exc.detail))
        return JSONResponse(
            {"code": "http_error", "message": str(exc.detail)}, status_code=exc.status_code
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        if _wants_html(request):
            from greenchain.entrypoints.web.ui import error_page

            return error_page(request, 500, "Something went wrong on our side; it has been logged.")
        return JSONResponse(
            {"code": "internal_error", "message": "internal error; it has been logged"},
            status_code=500,
        )

    from greenchain.entrypoints.web import account_pages, dashboard
    from greenchain.entrypoints.web.api import router as api_router
    from greenchain.entrypoints.web.ui import router as ui_router

    app.include_router(api_router)
    app.include_router(account_pages.ui_router)
    app.include_router(dashboard.ui_router)
    app.include_router(ui_router)
    from greenchain.entrypoints.web import ledger_pages

    app.include_router(ledger_pages.ui_router)
    from greenchain.entrypoints.web import targets as targets_web
    from greenchain.entrypoints.web import targets_api

    app.include_router(targets_api.api_router)
    app.include_router(targets_web.ui_router)
    from greenchain.entrypoints.web import disclosures as disclosures_web
    from greenchain.entrypoints.web import engagement as engagement_web
    from greenchain.entrypoints.web import engagement_api, pact_api, pact_pages
    from greenchain.entrypoints.web import pact as pact_web
    from greenchain.entrypoints.web import pact_client as pact_client_web
    from greenchain.entrypoints.web import programs as programs_web
    from greenchain.entrypoints.web import reports as reports_web
    from greenchain.entrypoints.web import run_lines as run_lines_web
    from greenchain.entrypoints.web import verification as verification_web

    app.include_router(reports_web.api_router)
    app.include_router(reports_web.ui_router)
    app.include_router(disclosures_web.api_router)
    app.include_router(disclosures_web.ui_router)
    app.include_router(engagement_api.api_router)
    app.include_router(engagement_web.ui_router)
    from greenchain.entrypoints.web import allocation as allocation_web

    app.include_router(allocation_web.ui_router)
    from greenchain.entrypoints.web import qualification as qualification_web
    from greenchain.entrypoints.web import qualification_api

    app.include_router(qualification_api.api_router)
    app.include_router(qualification_web.ui_router)
    from greenchain.entrypoints.web import sourcing as sourcing_web

    app.include_router(sourcing_web.api_router)
    app.include_router(sourcing_web.ui_router)
    app.include_router(programs_web.api_router)
    app.include_router(programs_web.ui_router)
    app.include_router(pact_web.pact_router)
    app.include_router(pact_api.api_router)
    app.include_router(pact_client_web.api_router)
    app.include_router(pact_pages.ui_router)
    app.include_router(run_lines_web.ui_router)
    app.include_router(verification_web.ui_router)
    app.include_router(verification_web.api_router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
