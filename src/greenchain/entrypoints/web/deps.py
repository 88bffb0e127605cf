"""Request dependencies: the service context and the acting principal.

Authentication happens here (bearer token or session cookie); authorisation is
``Principal.membership``, called by every route that names an organisation.

The session cookie (:data:`SESSION_COOKIE`) carries only a random token; its record in the
database says whose it is and whether it still holds (see ``services.accounts``). The signed
cookie of Starlette's session middleware holds the CSRF token only and proves no identity.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response
from fastapi import Path as PathParam

from greenchain.domain.access import Principal
from greenchain.domain.errors import GreenchainError
from greenchain.domain.records import MAX_ROW_ID
from greenchain.services import accounts as account_service
from greenchain.services.context import Context

SESSION_COOKIE = "greenchain_login"

#: The id of a stored row in a path (job, run, report, request, program, case...): checked at
#: the edge, so an id no row can have answers 422 naming the parameter, never a database error.
RowId = Annotated[
    int, PathParam(ge=1, le=MAX_ROW_ID, description="Id of the row (1 to 2,147,483,647)")
]

#: The sequence number of a ledger entry in a path (the first entry is 0).
EntrySeq = Annotated[
    int, PathParam(ge=0, le=MAX_ROW_ID, description="Sequence number of the ledger entry")
]


class NotAuthenticatedError(GreenchainError):
    code = "not_authenticated"


def client_address(request: Request) -> str:
    """The caller's address (the proxy's ``X-Forwarded-For`` is applied by uvicorn for trusted
    proxies only)."""
    return request.client.host if request.client else "unknown"


def log_in(request: Request, response: Response, principal: Principal) -> None:
    """Open a server-side session for ``principal`` and give the browser its cookie
    (HttpOnly, SameSite=Lax, Secure when the site is served over HTTPS)."""
    started = account_service.start_session(
        request.app.state.ctx, principal, client_address(request)
    )
    response.set_cookie(
        SESSION_COOKIE,
        started.token,
        max_age=int(account_service.SESSION_LIFETIME.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=bool(request.app.state.settings.secure_cookies),
    )


def log_out(request: Request, response: Response) -> None:
    """End the browser's session in the database and drop its cookie."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        account_service.end_session(request.app.state.ctx, token)
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=bool(request.app.state.settings.secure_cookies),
    )


def session_principal(request: Request) -> Principal | None:
    """The user of the browser's session cookie, if it is a live session (one indexed query
    on every request: an ended session is refused at once, in every process)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    return account_service.principal_for_session(request.app.state.ctx, token)


async def get_ctx(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


CtxDep = Annotated[Context, Depends(get_ctx)]


async def optional_principal(request: Request, ctx: CtxDep) -> Principal | None:
    """The caller, from a bearer token or the session cookie.

    Runs on the event loop: a token and a session are read from the database on every
    request (indexed queries), so that every app process sees a revocation at once.
    """
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        principal = account_service.principal_for_token(ctx, header[7:].strip())
        if principal is None:
            raise NotAuthenticatedError("invalid, expired or revoked API token")
        return principal
    return session_principal(request)


async def current_principal(
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> Principal:
    if principal is None:
        raise NotAuthenticatedError("log in or send an API token (Authorization: Bearer ...)")
    return principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]
