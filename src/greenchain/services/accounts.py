"""People and access: users, memberships, browser sessions, API tokens, invitations, password
resets, login throttling and the audit trail. Tenant checks live in ``Principal.membership``.

A browser session is a database row; the cookie carries only a random 256-bit token whose
SHA-256 the row keeps. Every request reads the row, so logging out, a password reset, a role
change, removal from an organisation and disabling a user end that user's sessions at once, in
every web process."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets
from dataclasses import dataclass
from typing import Any

from greenchain.domain.access import (
    LoginBackoff,
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
SESSION_LIFETIME = dt.timedelta(hours=8)
# Login back-off (see LoginBackoff): one account from one address gets 5 free failures, then
# waits 1 s, 2 s, 4 s ... up to 15 minutes; one address gets 20 across all accounts; one account
# gets 50 across all addresses and then waits at most a minute, so that nobody can lock its
# owner out for long by knowing an email.
BACKOFF_ACCOUNT_AND_CLIENT = LoginBackoff(5, 1.0, 900.0, 3600.0)
BACKOFF_CLIENT = LoginBackoff(20, 1.0, 900.0, 3600.0)
BACKOFF_ACCOUNT = LoginBackoff(50, 1.0, 60.0, 3600.0)
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
    _set_membership(ctx, user_id, org.id, role)
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
    """Check a password, throttled per account, per client address and per both.

    The attempt is counted as a failure before the password is checked, in the transaction
    that checks the counts under a lock (``Accounts.reserve_login_attempt``), so parallel
    attempts cannot get more password checks than the limit; a success takes the count back.
    A key over its limit waits with exponential back-off (:data:`BACKOFF_ACCOUNT_AND_CLIENT`
    and the others); the error says when to try again. Unknown users and wrong passwords give
    the same message."""
    accounts, hasher = ctx.require_accounts()
    now = ctx.clock.now()
    client = client[:100]
    try:
        email = normalise_email(email)
    except InvalidDataError:
        email = ""
    limits = [(f"client:{client}", BACKOFF_CLIENT)]
    if email:
        limits += [
            (f"account:{email}", BACKOFF_ACCOUNT),
            (f"account+client:{email}|{client}", BACKOFF_ACCOUNT_AND_CLIENT),
        ]
    retry_at = accounts.reserve_login_attempt(limits, now)
    if retry_at is not None:
        wait = max(1, math.ceil((retry_at - now).total_seconds()))
        raise RateLimitedError(
            f"too many failed attempts; try again in {_duration(wait)} (or reset your password)",
            retry_after_seconds=wait,
        )
    user = accounts.find_user(email) if email else None
    ok = bool(
        user
        and user["is_active"]
        and user["password_hash"]
        and hasher.verify(user["password_hash"], password)
    )
    if not ok or user is None:
        raise PermissionDeniedError("wrong email or password")
    accounts.clear_login_failures([key for key, _ in limits[1:]], now)
    accounts.undo_login_attempt([limits[0][0]])
    return accounts.principal(int(user["id"]))


def _duration(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    return f"{math.ceil(seconds / 60)} minutes"


@dataclass(frozen=True)
class StartedSession:
    """A new browser session: ``token`` goes into the cookie, only its SHA-256 is stored."""

    token: str
    expires_at: dt.datetime


def start_session(ctx: Context, principal: Principal, client: str) -> StartedSession:
    """Open a session for a user who just proved who they are (login, accepted invitation)."""
    accounts, _ = ctx.require_accounts()
    token = secrets.token_urlsafe(32)  # 256 bits
    now = ctx.clock.now()
    expires = now + SESSION_LIFETIME
    accounts.add_session(_sha256(token), principal.user_id, now, expires, client)
    return StartedSession(token, expires)


def principal_for_session(ctx: Context, token: str) -> Principal | None:
    """The user of a live session, or ``None`` (unknown, ended or expired token, or a user no
    longer active). Read from the database on every request: nothing is cached."""
    accounts, _ = ctx.require_accounts()
    if not token or len(token) > 100:
        return None
    user_id = accounts.user_for_session(_sha256(token), ctx.clock.now())
    if user_id is None:
        return None
    try:
        return accounts.principal(user_id)
    except NotFoundError:
        return None


def end_session(ctx: Context, token: str) -> None:
    """Log out: the session's token stops working at once."""
    accounts, _ = ctx.require_accounts()
    accounts.end_session(_sha256(token), ctx.clock.now())


def end_sessions(ctx: Context, user_id: int) -> int:
    """End every session of a user (after a password reset, a role change, a removal or when
    the user is disabled); returns how many were ended. API tokens of a disabled user stop
    working too (the principal of a token must be active)."""
    accounts, _ = ctx.require_accounts()
    return accounts.end_user_sessions(user_id, ctx.clock.now())


def _set_membership(ctx: Context, user_id: int, org_id: int, role: Role) -> None:
    """Give a user ``role`` in an organisation; a changed role ends the user's sessions."""
    accounts, _ = ctx.require_accounts()
    before = accounts.role_of(user_id, org_id)
    accounts.set_membership(user_id, org_id, role, ctx.clock.now())
    if before is not None and before != role:
        end_sessions(ctx, user_id)


def set_role(ctx: Context, email: str, org_slug: str, role: Role) -> None:
    """Change the role of a member of ``org_slug``; the member's sessions end."""
    accounts, _ = ctx.require_accounts()
    org = ctx.workspace.get_org(org_slug)
    user = _user(ctx, email)
    if accounts.role_of(int(user["id"]), org.id) is None:
        raise NotFoundError(f"'{email}' is not a member of '{org_slug}'")
    _set_membership(ctx, int(user["id"]), org.id, role)
    record(ctx, None, org.id, "membership.set", str(user["email"]), role=role.value)


def remove_member(ctx: Context, email: str, org_slug: str) -> None:
    """Remove a user from an organisation; the user's sessions end."""
    accounts, _ = ctx.require_accounts()
    org = ctx.workspace.get_org(org_slug)
    user = _user(ctx, email)
    if not accounts.remove_membership(int(user["id"]), org.id):
        raise NotFoundError(f"'{email}' is not a member of '{org_slug}'")
    end_sessions(ctx, int(user["id"]))
    record(ctx, None, org.id, "membership.remove", str(user["email"]))


def set_user_active(ctx: Context, email: str, active: bool) -> None:
    """Disable a user (sessions end, password and API tokens stop working) or enable again."""
    accounts, _ = ctx.require_accounts()
    user = _user(ctx, email)
    accounts.set_active(int(user["id"]), active)
    if not active:
        end_sessions(ctx, int(user["id"]))
    record(ctx, None, None, "user.enable" if active else "user.disable", str(user["email"]))


def _user(ctx: Context, email: str) -> dict[str, Any]:
    accounts, _ = ctx.require_accounts()
    user = accounts.find_user(normalise_email(email))
    if user is None:
        raise NotFoundError(f"user '{email}' not found")
    return user


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
    accounts.audit(
        org_id=None,
        user_id=int(user["id"]),
        action="token.revoke",
        target=f"token {token_id}",
        details={},
        now=now,
    )


def principal_for_token(ctx: Context, token: str) -> Principal | None:
    """The principal behind an API token, or ``None``. Read from the database on every
    request, as a session is: a revoked token, a disabled user or a changed membership takes
    effect at once in every app process."""
    accounts, _ = ctx.require_accounts()
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    user_id = accounts.user_for_api_token(_sha256(token), ctx.clock.now())
    if user_id is None:
        return None
    try:
        return accounts.principal(user_id)
    except NotFoundError:
        return None


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
    _set_membership(ctx, int(user["id"]), int(used["org_id"]), Role(used["role"]))
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
    if used is None or not accounts.get_user(int(used["user_id"]))["is_active"]:
        raise NotFoundError("this reset link is unknown, used or expired")
    accounts.set_password(int(used["user_id"]), hasher.hash(password))
    end_sessions(ctx, int(used["user_id"]))
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
