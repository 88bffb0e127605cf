"""Users, memberships, API tokens, one-time tokens, browser sessions, login throttling, outbox
and audit trail."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update

from greenchain.adapters.db import tables as t
from greenchain.domain.access import LoginBackoff, Membership, Principal, Role
from greenchain.domain.errors import ConflictError, NotFoundError


class SqlAccounts:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # users ---------------------------------------------------------------------------------
    def find_user(self, email: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.users).where(t.users.c.email == email)).first()
        return None if row is None else dict(row._mapping)

    def get_user(self, user_id: int) -> dict[str, Any]:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.users).where(t.users.c.id == user_id)).first()
        if row is None:
            raise NotFoundError(f"user {user_id} not found")
        return dict(row._mapping)

    def add_user(
        self, email: str, password_hash: str | None, active: bool, now: dt.datetime
    ) -> int:
        with self.engine.begin() as conn:
            if conn.execute(select(t.users.c.id).where(t.users.c.email == email)).first():
                raise ConflictError(f"user '{email}' exists already")
            key = conn.execute(
                insert(t.users).values(
                    email=email, password_hash=password_hash, is_active=active, created_at=now
                )
            ).inserted_primary_key
        assert key is not None
        return int(key[0])

    def set_password(self, user_id: int, password_hash: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(t.users)
                .where(t.users.c.id == user_id)
                .values(password_hash=password_hash, is_active=True)
            )

    def set_membership(self, user_id: int, org_id: int, role: Role, now: dt.datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                delete(t.memberships).where(
                    t.memberships.c.user_id == user_id, t.memberships.c.org_id == org_id
                )
            )
            conn.execute(
                insert(t.memberships).values(
                    user_id=user_id, org_id=org_id, role=role.value, created_at=now
                )
            )

    def principal(self, user_id: int) -> Principal:
        with self.engine.connect() as conn:
            user = conn.execute(select(t.users).where(t.users.c.id == user_id)).first()
            if user is None or not user.is_active:
                raise NotFoundError("user not found or not active")
            rows = conn.execute(
                select(t.memberships.c.role, t.organisations)
                .join(t.organisations, t.organisations.c.id == t.memberships.c.org_id)
                .where(t.memberships.c.user_id == user_id)
                .order_by(t.organisations.c.slug)
            ).all()
        memberships = {r.slug: Membership(r.id, r.slug, r.name, Role(r.role)) for r in rows}
        return Principal(user.id, user.email, memberships)

    # API tokens ----------------------------------------------------------------------------
    def add_api_token(
        self,
        user_id: int,
        name: str,
        prefix: str,
        token_sha256: str,
        now: dt.datetime,
        expires_at: dt.datetime,
    ) -> int:
        with self.engine.begin() as conn:
            key = conn.execute(
                insert(t.api_tokens).values(
                    user_id=user_id,
                    name=name,
                    prefix=prefix,
                    token_sha256=token_sha256,
                    created_at=now,
                    expires_at=expires_at,
                )
            ).inserted_primary_key
        assert key is not None
        return int(key[0])

    def user_for_api_token(self, token_sha256: str, now: dt.datetime) -> int | None:
        """The token's user, if it is valid; ``last_used_at`` is refreshed once a minute at
        most, so a busy client does not turn every read into a write."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(
                    t.api_tokens.c.id, t.api_tokens.c.user_id, t.api_tokens.c.last_used_at
                ).where(
                    t.api_tokens.c.token_sha256 == token_sha256,
                    t.api_tokens.c.revoked_at.is_(None),
                    t.api_tokens.c.expires_at > now,
                )
            ).first()
        if row is None:
            return None
        last = row.last_used_at
        if last is not None and last.tzinfo is None:
            last = last.replace(tzinfo=dt.UTC)
        if last is None or now - last > dt.timedelta(minutes=1):
            with self.engine.begin() as conn:
                conn.execute(
                    update(t.api_tokens).where(t.api_tokens.c.id == row.id).values(last_used_at=now)
                )
        return int(row.user_id)

    def list_api_tokens(self, user_id: int) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.api_tokens)
                .where(t.api_tokens.c.user_id == user_id)
                .order_by(t.api_tokens.c.id)
            )
            return [{k: v for k, v in r._mapping.items() if k != "token_sha256"} for r in rows]

    def revoke_api_token(self, user_id: int, token_id: int, now: dt.datetime) -> None:
        with self.engine.begin() as conn:
            done = conn.execute(
                update(t.api_tokens)
                .where(t.api_tokens.c.id == token_id, t.api_tokens.c.user_id == user_id)
                .values(revoked_at=now)
            )
        if done.rowcount == 0:
            raise NotFoundError(f"token {token_id} not found")

    # one-time tokens (invitations, password resets) ----------------------------------------
    def add_one_time_token(
        self,
        token_sha256: str,
        purpose: str,
        user_id: int,
        now: dt.datetime,
        expires_at: dt.datetime,
        org_id: int | None = None,
        role: Role | None = None,
    ) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                insert(t.one_time_tokens).values(
                    token_sha256=token_sha256,
                    purpose=purpose,
                    user_id=user_id,
                    org_id=org_id,
                    role=role.value if role else None,
                    created_at=now,
                    expires_at=expires_at,
                )
            )

    def use_one_time_token(
        self, token_sha256: str, purpose: str, now: dt.datetime
    ) -> dict[str, Any] | None:
        """Mark a valid token used and return it; ``None`` when unknown, used or expired."""
        with self.engine.begin() as conn:
            done = conn.execute(
                update(t.one_time_tokens)
                .where(
                    t.one_time_tokens.c.token_sha256 == token_sha256,
                    t.one_time_tokens.c.purpose == purpose,
                    t.one_time_tokens.c.used_at.is_(None),
                    t.one_time_tokens.c.expires_at > now,
                )
                .values(used_at=now)
            )
            if done.rowcount != 1:
                return None
            row = conn.execute(
                select(t.one_time_tokens).where(t.one_time_tokens.c.token_sha256 == token_sha256)
            ).first()
        return None if row is None else dict(row._mapping)

    # sessions ------------------------------------------------------------------------------
    def add_session(
        self,
        token_sha256: str,
        user_id: int,
        now: dt.datetime,
        expires_at: dt.datetime,
        client: str,
    ) -> None:
        """Record a new session; the user's expired sessions are dropped on the way."""
        s = t.user_sessions
        with self.engine.begin() as conn:
            conn.execute(delete(s).where(s.c.user_id == user_id, s.c.expires_at < now))
            conn.execute(
                insert(s).values(
                    token_sha256=token_sha256,
                    user_id=user_id,
                    created_at=now,
                    last_seen_at=now,
                    expires_at=expires_at,
                    client=client[:100],
                )
            )

    def user_for_session(self, token_sha256: str, now: dt.datetime) -> int | None:
        """The user of a live session (one indexed query; never cached, so an ended session
        is refused by every process at once); ``last_seen_at`` is refreshed once a minute at
        most."""
        s = t.user_sessions
        with self.engine.connect() as conn:
            row = conn.execute(
                select(s.c.id, s.c.user_id, s.c.last_seen_at).where(
                    s.c.token_sha256 == token_sha256,
                    s.c.revoked_at.is_(None),
                    s.c.expires_at > now,
                )
            ).first()
        if row is None:
            return None
        last = row.last_seen_at
        if last.tzinfo is None:
            last = last.replace(tzinfo=dt.UTC)
        if now - last > dt.timedelta(minutes=1):
            with self.engine.begin() as conn:
                conn.execute(update(s).where(s.c.id == row.id).values(last_seen_at=now))
        return int(row.user_id)

    def end_session(self, token_sha256: str, now: dt.datetime) -> None:
        s = t.user_sessions
        with self.engine.begin() as conn:
            conn.execute(
                update(s)
                .where(s.c.token_sha256 == token_sha256, s.c.revoked_at.is_(None))
                .values(revoked_at=now)
            )

    def end_user_sessions(self, user_id: int, now: dt.datetime) -> int:
        """End every live session of a user; returns how many were ended."""
        s = t.user_sessions
        with self.engine.begin() as conn:
            done = conn.execute(
                update(s)
                .where(s.c.user_id == user_id, s.c.revoked_at.is_(None), s.c.expires_at > now)
                .values(revoked_at=now)
            )
        return int(done.rowcount)

    def set_active(self, user_id: int, active: bool) -> None:
        with self.engine.begin() as conn:
            done = conn.execute(
                update(t.users).where(t.users.c.id == user_id).values(is_active=active)
            )
        if done.rowcount == 0:
            raise NotFoundError(f"user {user_id} not found")

    def remove_membership(self, user_id: int, org_id: int) -> bool:
        with self.engine.begin() as conn:
            done = conn.execute(
                delete(t.memberships).where(
                    t.memberships.c.user_id == user_id, t.memberships.c.org_id == org_id
                )
            )
        return bool(done.rowcount)

    def admin_emails(self, org_id: int) -> list[str]:
        """The email addresses of the organisation's active administrators."""
        m, u = t.memberships, t.users
        query = (
            select(u.c.email)
            .join(m, m.c.user_id == u.c.id)
            .where(m.c.org_id == org_id, m.c.role == Role.ADMIN.value, u.c.is_active.is_(True))
            .order_by(u.c.email)
        )
        with self.engine.connect() as conn:
            return [str(r[0]) for r in conn.execute(query)]

    def role_of(self, user_id: int, org_id: int) -> Role | None:
        with self.engine.connect() as conn:
            found = conn.execute(
                select(t.memberships.c.role).where(
                    t.memberships.c.user_id == user_id, t.memberships.c.org_id == org_id
                )
            ).scalar()
        return None if found is None else Role(found)

    # login throttling ----------------------------------------------------------------------
    def reserve_login_attempt(
        self, limits: Sequence[tuple[str, LoginBackoff]], now: dt.datetime
    ) -> dt.datetime | None:
        """Count an attempt as a failure in advance, under a lock, unless a key is waiting.

        Returns ``None`` when the attempt may go ahead (it is then counted for every key), or
        the moment the first waiting key may try again (nothing counted). The check and the
        count are one transaction holding the write lock (SQLite ``BEGIN IMMEDIATE``;
        PostgreSQL ``SELECT ... FOR UPDATE`` on the keys' rows, in key order so that two
        attempts never wait for each other), so parallel attempts are counted one by one."""
        th = t.login_throttles
        by_key = dict(limits)
        keys = sorted(by_key)
        with self.engine.begin() as conn:
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                from sqlalchemy.dialects.sqlite import insert as upsert
            else:
                from sqlalchemy.dialects.postgresql import insert as upsert  # type: ignore[assignment]
            conn.execute(
                upsert(th)
                .values([{"key": k, "failures": 0} for k in keys])
                .on_conflict_do_nothing(index_elements=["key"])
            )
            rows = {
                r.key: r
                for r in conn.execute(
                    select(th).where(th.c.key.in_(keys)).order_by(th.c.key).with_for_update()
                )
            }
            counts: dict[str, int] = {}
            waits: list[dt.datetime] = []
            for key in keys:
                row, backoff = rows[key], by_key[key]
                failures = int(row.failures)
                last = _aware(row.last_failure_at)
                if last is not None and (now - last).total_seconds() > backoff.forget_after_seconds:
                    failures = 0
                blocked = _aware(row.blocked_until)
                if failures and blocked is not None and blocked > now:
                    waits.append(blocked)
                counts[key] = failures
            if waits:
                return max(waits)
            for key in keys:
                failures = counts[key] + 1
                wait = by_key[key].wait_seconds(failures)
                conn.execute(
                    update(th)
                    .where(th.c.key == key)
                    .values(
                        failures=failures,
                        last_failure_at=now,
                        blocked_until=now + dt.timedelta(seconds=wait) if wait else None,
                    )
                )
        return None

    def clear_login_failures(self, keys: Sequence[str], now: dt.datetime) -> None:
        """Forget the failures of ``keys`` after a successful login."""
        th = t.login_throttles
        with self.engine.begin() as conn:
            conn.execute(
                update(th)
                .where(th.c.key.in_(list(keys)))
                .values(failures=0, last_failure_at=None, blocked_until=None)
            )

    def undo_login_attempt(self, keys: Sequence[str]) -> None:
        """Take back the failure counted in advance for ``keys`` (the attempt succeeded)."""
        th = t.login_throttles
        with self.engine.begin() as conn:
            conn.execute(
                update(th)
                .where(th.c.key.in_(list(keys)), th.c.failures > 0)
                .values(failures=th.c.failures - 1)
            )

    # outbox --------------------------------------------------------------------------------
    def queue_mail(self, recipient: str, subject: str, body: str, now: dt.datetime) -> int:
        with self.engine.begin() as conn:
            key = conn.execute(
                insert(t.outbox).values(
                    recipient=recipient, subject=subject, body=body, created_at=now, attempts=0
                )
            ).inserted_primary_key
        assert key is not None
        return int(key[0])

    def pending_mail(self, limit: int = 50) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.outbox)
                .where(t.outbox.c.sent_at.is_(None), t.outbox.c.attempts < 10)
                .order_by(t.outbox.c.id)
                .limit(limit)
            )
            return [dict(r._mapping) for r in rows]

    def mark_mail(self, mail_id: int, now: dt.datetime, error: str | None) -> None:
        with self.engine.begin() as conn:
            values: dict[str, Any] = {"attempts": t.outbox.c.attempts + 1, "last_error": error}
            if error is None:
                values["sent_at"] = now
            conn.execute(update(t.outbox).where(t.outbox.c.id == mail_id).values(**values))

    # audit ---------------------------------------------------------------------------------
    def audit(
        self,
        *,
        org_id: int | None,
        user_id: int | None,
        action: str,
        target: str,
        details: dict[str, Any],
        now: dt.datetime,
    ) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                insert(t.audit_log).values(
                    org_id=org_id,
                    user_id=user_id,
                    action=action,
                    target=target,
                    details=details,
                    at=now,
                )
            )

    def audit_trail(self, org_id: int, limit: int = 100) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.audit_log, t.users.c.email)
                .join(t.users, t.users.c.id == t.audit_log.c.user_id, isouter=True)
                .where(t.audit_log.c.org_id == org_id)
                .order_by(t.audit_log.c.id.desc())
                .limit(limit)
            )
            return [dict(r._mapping) for r in rows]


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands back naive datetimes; they were stored in UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment
