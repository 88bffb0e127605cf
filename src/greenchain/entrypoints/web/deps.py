"""Request dependencies: the service context and the acting principal.

Authentication happens here (bearer token or session cookie); authorisation is
``Principal.membership``, called by every route that names an organisation.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from greenchain.domain.access import Principal
from greenchain.domain.errors import GreenchainError
from greenchain.services import accounts as account_service
from greenchain.services.context import Context


class NotAuthenticatedError(GreenchainError):
    code = "not_authenticated"


async def get_ctx(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


CtxDep = Annotated[Context, Depends(get_ctx)]


async def optional_principal(request: Request, ctx: CtxDep) -> Principal | None:
    """The caller, from a bearer token or the session cookie.

    Runs on the event loop: the usual answer comes from a short-lived cache; a miss costs one
    or two indexed queries.
    """
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        principal = account_service.principal_for_token(ctx, header[7:].strip())
        if principal is None:
            raise NotAuthenticatedError("invalid, expired or revoked API token")
        return principal
    user_id = request.session.get("user_id") if "session" in request.scope else None
    if isinstance(user_id, int):
        try:
            return account_service.get_principal(ctx, user_id)
        except GreenchainError:
            request.session.clear()
    return None


async def current_principal(
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> Principal:
    if principal is None:
        raise NotAuthenticatedError("log in or send an API token (Authorization: Bearer ...)")
    return principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]
