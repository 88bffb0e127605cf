"""People and access: users, memberships, API tokens, invitations, password resets, login
rate limiting and the audit trail. Tenant checks live in ``Principal.membership``."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from greenchain.domain.access import (
    Membership,
    Principal,
    Role,
    check_password_strength,
    normalise_email,
)
from greenchain.domain.errors import (
    InvalidDataError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
)
from greenchain.services.context import Context

TOKEN_PREFIX = "gc_"
LOGIN_WINDOW = dt.timedelta(minutes=15)
MAX_FAILED_LOGINS = 5
INVITATION_VALIDITY = dt.timedelta(days=7)
RESET_VALIDITY = dt.timedelta(hours=1)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def add_user(ctx: Context, email: str, password: str, org_slug: str, role: Role) -> Principal:
    """Create a user with a password (or add an existing user to ``org_slug``)."""
    accounts, hasher = ctx.require_accounts()
    email = normalise_email(email)
    org = ctx.workspace.get_org(org_slug)
    existing = accounts.find_user(email)
    now = ctx.clock.now()
    if existing is None:
        check_password_strength(password)
        user_id = accounts.add_user(email, hasher.hash(password), True, now)
    else:
        user_id = int(existing["id"])
    accounts.set_membership(user_id, org.id, role, now)
    accounts.audit(
        org_id=org.id,
        user_id=None,
        action="membership.set",
        target=email,
        details={"role": role.value},
        now=now,
    )
    return accounts.principal(user_id)


def authenticate(ctx: Context, email: str, password: str, client: str) -> Principal:
    """Check a password, with rate limiting per email and per client address.

    More than ``MAX_FAILED_LOGINS`` failures within ``LOGIN_WINDOW`` lock further attempts
    until the window has passed. Unknown users and wrong passwords give the same message.
    """
    accounts, hasher = ctx.require_accounts()
    now = ctx.clock.now()
    try:
        email = normalise_email(email)
    except InvalidDataError:
        raise PermissionDeniedError("wrong email or password") from None
    keys = (f"email:{email}", f"client:{client}")
    since = now - LOGIN_WINDOW
    if any(accounts.failed_logins_since(k, since) >= MAX_FAILED_LOGINS for k in keys):
        raise RateLimitedError(
            "too many failed attempts; try again in 15 minutes or reset your password"
        )
    user = accounts.find_user(email)
    ok = bool(
        user
        and user["is_active"]
        and user["password_hash"]
        and hasher.verify(user["password_hash"], password)
    )
    for key in keys:
        accounts.record_login_attempt(key, ok, now)
    if not ok or user is None:
        raise PermissionDeniedError("wrong email or password")
    return accounts.principal(int(user["id"]))


def get_principal(ctx: Context, user_id: int) -> Principal:
    accounts, _ = ctx.require_accounts()
    return accounts.principal(user_id)


@dataclass(frozen=True)
class IssuedToken:
    id: int
    token: str
    expires_at: dt.datetime


def create_api_token(ctx: Context, email: str, name: str = "cli", days: int = 90) -> IssuedToken:
    """A bearer token for the API, shown once; only its SHA-256 is stored."""
    if not 1 <= days <= 730:
        raise InvalidDataError("token validity must be between 1 and 730 days")
    accounts, _ = ctx.require_accounts()
    user = accounts.find_user(normalise_email(email))
    if user is None:
        raise NotFoundError(f"user '{email}' not found")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = ctx.clock.now()
    expires = now + dt.timedelta(days=days)
    token_id = accounts.add_api_token(
        int(user["id"]), name, token[:8], _sha256(token), now, expires
    )
    accounts.audit(
        org_id=None,
        user_id=int(user["id"]),
        action="token.create",
        target=f"token {token_id}",
        details={"name": name},
        now=now,
    )
    return IssuedToken(token_id, token, expires)


def revoke_api_token(ctx: Context, email: str, token_id: int) -> None:
    accounts, _ = ctx.require_accounts()
    user = accounts.find_user(normalise_email(email))
    if user is None:
        raise NotFoundError(f"user '{email}' not found")
    now = ctx.clock.now()
    accounts.revoke_api_token(int(user["id"]), token_id, now)
    _principals.clear()
    accounts.audit(
        org_id=None,
        user_id=int(user["id"]),
        action="token.revoke",
        target=f"token {token_id}",
        details={},
        now=now,
    )


PRINCIPAL_CACHE_SECONDS = 5.0
_principals: dict[str, tuple[float, Principal]] = {}


def principal_for_token(ctx: Context, token: str) -> Principal | None:
    """The principal behind an API token, or ``None``.

    A valid answer is kept for ``PRINCIPAL_CACHE_SECONDS`` per process: a revoked token or a
    changed membership takes effect within that time. Invalid tokens are never cached.
    """
    accounts, _ = ctx.require_accounts()
    if not token.startswith(TOKEN_PREFIX):
        return None
    key = _sha256(token)
    now = ctx.clock.now()
    cached = _principals.get(key)
    if cached is not None and 0 <= now.timestamp() - cached[0] < PRINCIPAL_CACHE_SECONDS:
        return cached[1]
    user_id = accounts.user_for_api_token(key, now)
    if user_id is None:
        _principals.pop(key, None)
        return None
    try:
        principal = accounts.principal(user_id)
    except NotFoundError:
        return None
    if len(_principals) > 1000:
        _principals.clear()
    _principals[key] = (now.timestamp(), principal)
    return principal


def invite(
    ctx: Context, inviter: Principal, org_slug: str, email: str, role: Role, base_url: str
) -> str:
    """Invite someone to an organisation by email; returns the invitation link."""
    accounts, _ = ctx.require_accounts()
    org: Membership = inviter.membership(org_slug, Role.ADMIN)
    email = normalise_email(email)
    now = ctx.clock.now()
    user = accounts.find_user(email)
    user_id = int(user["id"]) if user else accounts.add_user(email, None, False, now)
    token = secrets.token_urlsafe(32)
    accounts.add_one_time_token(
        _sha256(token), "invitation", user_id, now, now + INVITATION_VALIDITY, org.org_id, role
    )
    link = f"{base_url.rstrip('/')}/invitations/{token}"
    accounts.queue_mail(
        email,
        f"Invitation to {org.org_name} on Greenchain",
        f"{inviter.email} invites you to join {org.org_name} on Greenchain as {role.value}.\n\n"
        f"Accept within 7 days: {link}\n",
        now,
    )
    accounts.audit(
        org_id=org.org_id,
        user_id=inviter.user_id,
        action="invitation.create",
        target=email,
        details={"role": role.value},
        now=now,
    )
    return link


def accept_invitation(ctx: Context, token: str, password: str | None) -> Principal:
    accounts, hasher = ctx.require_accounts()
    now = ctx.clock.now()
    used = accounts.use_one_time_token(_sha256(token), "invitation", now)
    if used is None:
        raise NotFoundError("this invitation link is unknown, used or expired")
    user = accounts.get_user(int(used["user_id"]))
    if not user["password_hash"]:
        if password is None:
            raise InvalidDataError("choose a password to accept the invitation")
        check_password_strength(password)
        accounts.set_password(int(user["id"]), hasher.hash(password))
    accounts.set_membership(int(user["id"]), int(used["org_id"]), Role(used["role"]), now)
    accounts.audit(
        org_id=int(used["org_id"]),
        user_id=int(user["id"]),
        action="invitation.accept",
        target=str(user["email"]),
        details={},
        now=now,
    )
    return accounts.principal(int(user["id"]))


def request_password_reset(ctx: Context, email: str, base_url: str) -> None:
    """Mail a one-hour reset link if the user exists; say nothing either way."""
    accounts, _ = ctx.require_accounts()
    try:
        email = normalise_email(email)
    except InvalidDataError:
        return
    user = accounts.find_user(email)
    if user is None or not user["is_active"]:
        return
    now = ctx.clock.now()
    token = secrets.token_urlsafe(32)
    accounts.add_one_time_token(
        _sha256(token), "password_reset", int(user["id"]), now, now + RESET_VALIDITY
    )
    accounts.queue_mail(
        email,
        "Reset your Greenchain password",
        f"Someone asked to reset the password of {email}. If it was you, choose a new one "
        f"within an hour: {base_url.rstrip('/')}/password-reset/{token}\n"
        "If it was not you, ignore this message.\n",
        now,
    )


def reset_password(ctx: Context, token: str, password: str) -> None:
    accounts, hasher = ctx.require_accounts()
    check_password_strength(password)
    now = ctx.clock.now()
    used = accounts.use_one_time_token(_sha256(token), "password_reset", now)
    if used is None:
        raise NotFoundError("this reset link is unknown, used or expired")
    accounts.set_password(int(used["user_id"]), hasher.hash(password))
    accounts.audit(
        org_id=None,
        user_id=int(used["user_id"]),
        action="password.reset",
        target=f"user {used['user_id']}",
        details={},
        now=now,
    )


def record(
    ctx: Context,
    principal: Principal | None,
    org_id: int | None,
    action: str,
    target: str,
    **details: Any,
) -> None:
    """Append to the audit trail: who changed what, when."""
    if ctx.accounts is None:
        return
    ctx.accounts.audit(
        org_id=org_id,
        user_id=principal.user_id if principal else None,
        action=action,
        target=target,
        details=details,
        now=ctx.clock.now(),
    )


def deliver_mail(ctx: Context) -> tuple[int, int]:
    """Send queued mail through the transport; returns (sent, failed)."""
    accounts, _ = ctx.require_accounts()
    if ctx.mail_transport is None:
        raise InvalidDataError("no mail transport configured (GREENCHAIN_SMTP_HOST)")
    sent = failed = 0
    for mail in accounts.pending_mail():
        try:
            ctx.mail_transport.send(mail["recipient"], mail["subject"], mail["body"])
        except OSError as exc:
            accounts.mark_mail(int(mail["id"]), ctx.clock.now(), str(exc))
            failed += 1
        else:
            accounts.mark_mail(int(mail["id"]), ctx.clock.now(), None)
            sent += 1
    return sent, failed
