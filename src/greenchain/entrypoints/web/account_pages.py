"""Logging in and out, resetting a password, accepting an invitation, and where a signed-in
user lands: an organisation's portal (a supplier), its engagements (a verifier) or its
dashboard."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from greenchain.domain.access import Principal
from greenchain.domain.errors import InvalidDataError, PermissionDeniedError, RateLimitedError
from greenchain.entrypoints.web.deps import (
    CtxDep,
    PrincipalDep,
    client_address,
    log_in,
    log_out,
    optional_principal,
)
from greenchain.entrypoints.web.ui import Csrf, _landing, render
from greenchain.services import accounts as account_service

ui_router = APIRouter(include_in_schema=False)
MaybePrincipal = Annotated[Principal | None, Depends(optional_principal)]


def _safe_next(target: str | None) -> str:
    """Only paths of this site are followed after login (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target if "\\" not in target else "/"


@ui_router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", title="Log in", next=_safe_next(next), error=None)


@ui_router.post("/login", dependencies=[Csrf])
def login(
    request: Request,
    ctx: CtxDep,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=500)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    try:
        principal = account_service.authenticate(ctx, email, password, client_address(request))
    except PermissionDeniedError as exc:
        limited = isinstance(exc, RateLimitedError)
        page = render(
            request,
            "login.html",
            status_code=429 if limited else 401,
            title="Log in",
            error=exc.message,
            next=_safe_next(next),
            email=email,
        )
        if isinstance(exc, RateLimitedError) and exc.retry_after_seconds:
            page.headers["Retry-After"] = str(exc.retry_after_seconds)
        return page
    request.session.clear()  # a new CSRF token with the new login
    account_service.record(
        ctx, principal, None, "login", principal.email, client=client_address(request)
    )
    response = RedirectResponse(_safe_next(next), status_code=303)
    log_in(request, response, principal)
    return response


@ui_router.post("/logout", dependencies=[Csrf])
def logout(request: Request, ctx: CtxDep, principal: MaybePrincipal) -> Response:
    if principal is not None:
        account_service.record(ctx, principal, None, "logout", principal.email)
    request.session.clear()
    response = RedirectResponse("/login", status_code=303)
    log_out(request, response)
    return response


@ui_router.get("/password-reset")
def reset_request_form(request: Request) -> Response:
    return render(request, "reset_request.html", title="Reset password", sent=False)


@ui_router.post("/password-reset", dependencies=[Csrf])
def reset_request(
    request: Request, ctx: CtxDep, email: Annotated[str, Form(max_length=320)]
) -> Response:
    account_service.request_password_reset(ctx, email, request.app.state.settings.base_url)
    return render(request, "reset_request.html", title="Reset password", sent=True)


@ui_router.get("/password-reset/{token}")
def reset_form(request: Request, token: str) -> Response:
    return render(
        request, "reset_form.html", title="Choose a new password", token=token, error=None
    )


@ui_router.post("/password-reset/{token}", dependencies=[Csrf])
def reset(
    request: Request, ctx: CtxDep, token: str, password: Annotated[str, Form(max_length=500)]
) -> Response:
    try:
        account_service.reset_password(ctx, token, password)
    except InvalidDataError as exc:  # an unknown or used link stays a 404, not a form error
        return render(
            request,
            "reset_form.html",
            status_code=422,
            title="Choose a new password",
            token=token,
            error=exc.message,
        )
    return RedirectResponse("/login?reset=1", status_code=303)


@ui_router.get("/invitations/{token}")
def invitation_form(request: Request, token: str) -> Response:
    return render(request, "invitation.html", title="Accept invitation", token=token, error=None)


@ui_router.post("/invitations/{token}", dependencies=[Csrf])
def accept(
    request: Request, ctx: CtxDep, token: str, password: Annotated[str, Form(max_length=500)] = ""
) -> Response:
    try:
        principal = account_service.accept_invitation(ctx, token, password or None)
    except InvalidDataError as exc:  # an unknown or used link stays a 404, not a form error
        return render(
            request,
            "invitation.html",
            status_code=422,
            title="Accept invitation",
            token=token,
            error=exc.message,
        )
    request.session.clear()
    response = RedirectResponse("/", status_code=303)
    log_in(request, response, principal)
    return response


@ui_router.get("/")
def home(request: Request, principal: MaybePrincipal) -> Response:
    """Logged in: the first organisation's landing page (its portal for a supplier, else its
    dashboard)."""
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    if not principal.memberships:
        return render(
            request,
            "error.html",
            title="No organisation yet",
            message="You are not a member of any organisation yet; ask an administrator to "
            "invite you.",
            principal=principal,
        )
    first = next(iter(principal.memberships))
    return RedirectResponse(_landing(request, principal, first), status_code=303)


@ui_router.get("/orgs/{org}")
def org_home(request: Request, org: str, principal: PrincipalDep) -> Response:
    """An organisation's landing page (the organisation switcher links here)."""
    principal.membership(org)
    return RedirectResponse(_landing(request, principal, org), status_code=303)
