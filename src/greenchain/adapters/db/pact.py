"""Storage of the PACT v3 host (``SqlPact``) and the outbound Events sender
(``HttpPactEventSender``).

Each footprint is kept as its canonical JSON with indexed columns for what ListFootprints
filters on: the status and the validity period as columns, product ids, company ids,
classifications and geographies as lower-cased rows of ``pact_footprint_keys``. Only the
status of a stored footprint ever changes (to Deprecated); the document's ``status`` is taken
from the column when read. Callback secrets (issued to us by a customer's host) are sealed
with Fernet under keys derived from the workspace's sealing keys; our own client secrets are hashes.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from typing import Any

from cryptography.fernet import InvalidToken
from sqlalchemy import Engine, and_, exists, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from greenchain.adapters.db import tables as t
from greenchain.adapters.signing import SecretBox
from greenchain.domain.pact import canonical_json, parse_datetime, validity_period


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


#: A filter criterion matching at most this many footprint keys is read by index.
SELECTIVE = 2000


class SqlPact:
    def __init__(self, engine: Engine, sealing_keys: str | Sequence[str]) -> None:
        """``sealing_keys``: the workspace's sealing keys, newest first."""
        self.engine = engine
        self._box = SecretBox(sealing_keys, b"pact-callback-secret\0")

    # --- footprints ------------------------------------------------------------------
    def add_footprints(
        self,
        org_id: int,
        items: Sequence[tuple[Mapping[str, Any], Sequence[tuple[str, str]], str | None]],
        now: dt.datetime,
    ) -> list[int]:
        """Store footprints (document, filter keys, id of the footprint it replaces) in one
        transaction, in order; a replaced footprint becomes Deprecated and its shares carry
        over to its successor."""
        with self.engine.begin() as conn:
            return [
                self._insert_footprint(conn, org_id, document, keys, replaces, now)
                for document, keys, replaces in items
            ]

    @staticmethod
    def _insert_footprint(
        conn: Any,
        org_id: int,
        document: Mapping[str, Any],
        keys: Sequence[tuple[str, str]],
        replaces: str | None,
        now: dt.datetime,
    ) -> int:
        start, end = validity_period(document)
        fp = t.pact_footprints
        seq = int(
            conn.execute(
                insert(fp)
                .values(
                    id=str(document["id"]).lower(),
                    org_id=org_id,
                    status=document["status"],
                    product_name=str(document["productNameCompany"])[:300],
                    created_at=parse_datetime(document["created"]),
                    valid_from=start,
                    valid_until=end,
                    document=canonical_json(document),
                )
                .returning(fp.c.seq)
            ).scalar_one()
        )
        if keys:
            conn.execute(
                insert(t.pact_footprint_keys),
                [{"footprint_seq": seq, "kind": k, "value": v[:500]} for k, v in keys],
            )
        if replaces is not None:
            old = conn.execute(
                select(fp.c.seq).where(fp.c.org_id == org_id, fp.c.id == replaces.lower())
            ).scalar_one()
            conn.execute(
                update(fp)
                .where(fp.c.seq == old)
                .values(
                    status="Deprecated",
                    deprecated_at=_utc(now),
                    replaced_by=str(document["id"]).lower(),
                )
            )
            shares = conn.execute(
                select(t.pact_shares.c.credential_id).where(t.pact_shares.c.footprint_seq == old)
            ).scalars()
            rows = [
                {"credential_id": c, "footprint_seq": seq, "created_at": _utc(now)} for c in shares
            ]
            if rows:
                conn.execute(insert(t.pact_shares), rows)
        return seq

    @staticmethod
    def _footprint_row(row: Any) -> dict[str, Any]:
        values = dict(row._mapping)
        values.pop("shared", None)
        document = json.loads(values["document"])
        document["status"] = values["status"]
        values["document"] = document
        return values

    def footprint(self, footprint_id: str) -> dict[str, Any] | None:
        fp = t.pact_footprints
        with self.engine.connect() as conn:
            row = conn.execute(select(fp).where(fp.c.id == footprint_id.lower())).first()
        return None if row is None else self._footprint_row(row)

    def footprints_of(self, org_id: int) -> list[dict[str, Any]]:
        fp = t.pact_footprints
        with self.engine.connect() as conn:
            rows = conn.execute(select(fp).where(fp.c.org_id == org_id).order_by(fp.c.seq))
            return [self._footprint_row(r) for r in rows]

    def deprecate(self, org_id: int, footprint_id: str, now: dt.datetime) -> bool:
        fp = t.pact_footprints
        with self.engine.begin() as conn:
            result = conn.execute(
                update(fp)
                .where(
                    fp.c.org_id == org_id,
                    fp.c.id == footprint_id.lower(),
                    fp.c.status == "Active",
                )
                .values(status="Deprecated", deprecated_at=_utc(now))
            )
            return bool(result.rowcount)

    def _visible(self, credential: Mapping[str, Any]) -> Any:
        fp = t.pact_footprints
        condition = fp.c.org_id == credential["org_id"]
        if not credential["share_all"]:
            shares = t.pact_shares
            condition = and_(
                condition,
                exists().where(
                    shares.c.credential_id == credential["id"],
                    shares.c.footprint_seq == fp.c.seq,
                ),
            )
        return condition

    def visible_footprints(
        self,
        credential: Mapping[str, Any],
        *,
        keys: Sequence[tuple[str, Sequence[str]]],
        status: str | None,
        valid_on: dt.datetime | None,
        valid_after: dt.datetime | None,
        valid_before: dt.datetime | None,
        after_seq: int,
        limit: int,
    ) -> list[dict[str, Any]]:
        fp = t.pact_footprints
        k = t.pact_footprint_keys
        conditions = [self._visible(credential), fp.c.seq > after_seq]
        with self.engine.connect() as conn:
            for kind, values in keys:
                matching = and_(k.c.kind == kind, k.c.value.in_([v[:500] for v in values]))
                # A selective criterion (few keys match) is read through the (kind, value)
                # index; a broad one is checked per footprint while walking in seq order.
                found = conn.execute(
                    select(func.count()).select_from(
                        select(k.c.footprint_seq).where(matching).limit(SELECTIVE + 1).subquery()
                    )
                ).scalar_one()
                if found <= SELECTIVE:
                    conditions.append(fp.c.seq.in_(select(k.c.footprint_seq).where(matching)))
                else:
                    conditions.append(exists().where(k.c.footprint_seq == fp.c.seq, matching))
            if status is not None:
                conditions.append(fp.c.status == status)
            if valid_on is not None:
                conditions += [
                    fp.c.valid_from <= _utc(valid_on),
                    fp.c.valid_until >= _utc(valid_on),
                ]
            if valid_after is not None:
                conditions.append(fp.c.valid_from > _utc(valid_after))
            if valid_before is not None:
                conditions.append(fp.c.valid_until < _utc(valid_before))
            query = select(fp).where(*conditions).order_by(fp.c.seq).limit(limit)
            return [self._footprint_row(r) for r in conn.execute(query)]

    def footprint_for(
        self, credential: Mapping[str, Any], footprint_id: str
    ) -> tuple[dict[str, Any] | None, bool]:
        """A footprint of the credential's organisation by id, and whether the credential
        sees it, in one query."""
        fp = t.pact_footprints
        shares = t.pact_shares
        query = select(fp).where(
            fp.c.id == footprint_id.lower(), fp.c.org_id == credential["org_id"]
        )
        if not credential["share_all"]:
            shared = exists().where(
                shares.c.credential_id == credential["id"], shares.c.footprint_seq == fp.c.seq
            )
            query = query.add_columns(shared.label("shared"))
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None, False
        visible = bool(credential["share_all"] or row._mapping["shared"])
        return self._footprint_row(row), visible

    # --- credentials and shares ----------------------------------------------------------
    def _credential_row(self, row: Any) -> dict[str, Any]:
        values = dict(row._mapping)
        sealed = values.get("callback_secret")
        if sealed:
            try:
                values["callback_secret"] = self._box.open(sealed)
            except InvalidToken:  # sealed under another key: unusable, not fatal
                values["callback_secret"] = None
        return values

    def add_credential(self, values: dict[str, Any]) -> int:
        stored = dict(values)
        if stored.get("callback_secret"):
            stored["callback_secret"] = self._box.seal(str(stored["callback_secret"]))
        with self.engine.begin() as conn:
            result = conn.execute(
                insert(t.pact_credentials).values(**stored).returning(t.pact_credentials.c.id)
            )
            return int(result.scalar_one())

    def credential_by_client_id(self, client_id: str) -> dict[str, Any] | None:
        table = t.pact_credentials
        with self.engine.connect() as conn:
            row = conn.execute(select(table).where(table.c.client_id == client_id)).first()
        return None if row is None else self._credential_row(row)

    def credential(self, credential_id: int) -> dict[str, Any] | None:
        table = t.pact_credentials
        with self.engine.connect() as conn:
            row = conn.execute(select(table).where(table.c.id == credential_id)).first()
        return None if row is None else self._credential_row(row)

    def credentials(self, org_id: int) -> list[dict[str, Any]]:
        table = t.pact_credentials
        with self.engine.connect() as conn:
            rows = conn.execute(select(table).where(table.c.org_id == org_id).order_by(table.c.id))
            return [self._credential_row(r) for r in rows]

    def revoke_credential(self, org_id: int, client_id: str, now: dt.datetime) -> bool:
        table = t.pact_credentials
        with self.engine.begin() as conn:
            result = conn.execute(
                update(table)
                .where(
                    table.c.org_id == org_id,
                    table.c.client_id == client_id,
                    table.c.revoked_at.is_(None),
                )
                .values(revoked_at=_utc(now))
            )
            return bool(result.rowcount)

    def set_share_all(self, credential_id: int, share_all: bool) -> None:
        table = t.pact_credentials
        with self.engine.begin() as conn:
            conn.execute(
                update(table).where(table.c.id == credential_id).values(share_all=share_all)
            )

    def share(self, credential_id: int, footprint_seqs: Sequence[int], now: dt.datetime) -> int:
        shares = t.pact_shares
        with self.engine.begin() as conn:
            present = set(
                conn.execute(
                    select(shares.c.footprint_seq).where(shares.c.credential_id == credential_id)
                ).scalars()
            )
            rows = [
                {"credential_id": credential_id, "footprint_seq": s, "created_at": _utc(now)}
                for s in dict.fromkeys(footprint_seqs)
                if s not in present
            ]
            if rows:
                conn.execute(insert(shares), rows)
            return len(rows)

    def unshare(self, credential_id: int, footprint_seqs: Sequence[int]) -> int:
        shares = t.pact_shares
        with self.engine.begin() as conn:
            result = conn.execute(
                shares.delete().where(
                    shares.c.credential_id == credential_id,
                    shares.c.footprint_seq.in_(list(footprint_seqs)),
                )
            )
            return int(result.rowcount)

    def shared_ids(self, credential_id: int) -> list[str]:
        fp = t.pact_footprints
        shares = t.pact_shares
        with self.engine.connect() as conn:
            return list(
                conn.execute(
                    select(fp.c.id)
                    .join(shares, shares.c.footprint_seq == fp.c.seq)
                    .where(shares.c.credential_id == credential_id)
                    .order_by(fp.c.seq)
                ).scalars()
            )

    # --- requests and inbound events ------------------------------------------------------
    def add_request(self, values: dict[str, Any]) -> int | None:
        try:
            with self.engine.begin() as conn:
                result = conn.execute(
                    insert(t.pact_requests).values(**values).returning(t.pact_requests.c.id)
                )
                return int(result.scalar_one())
        except IntegrityError:
            return None

    def request(self, org_id: int, request_id: int) -> dict[str, Any] | None:
        table = t.pact_requests
        with self.engine.connect() as conn:
            row = conn.execute(
                select(table).where(table.c.org_id == org_id, table.c.id == request_id)
            ).first()
        return None if row is None else dict(row._mapping)

    def requests(self, org_id: int) -> list[dict[str, Any]]:
        table = t.pact_requests
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(table).where(table.c.org_id == org_id).order_by(table.c.id.desc())
            )
            return [dict(r._mapping) for r in rows]

    def update_request(self, request_id: int, **values: Any) -> None:
        table = t.pact_requests
        for name in ("answered_at", "next_attempt_at"):
            if isinstance(values.get(name), dt.datetime):
                values[name] = _utc(values[name])
        with self.engine.begin() as conn:
            conn.execute(update(table).where(table.c.id == request_id).values(**values))

    def due_deliveries(self, now: dt.datetime) -> list[dict[str, Any]]:
        table = t.pact_requests
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(table)
                .where(table.c.delivery == "pending", table.c.next_attempt_at <= _utc(now))
                .order_by(table.c.next_attempt_at)
            )
            return [dict(r._mapping) for r in rows]

    # --- PublishedEvent notifications ------------------------------------------------------
    def add_notification(self, values: dict[str, Any]) -> int:
        stored = {**values, "created_at": _utc(values["created_at"])}
        stored["next_attempt_at"] = _utc(values.get("next_attempt_at"))
        with self.engine.begin() as conn:
            result = conn.execute(
                insert(t.pact_notifications).values(**stored).returning(t.pact_notifications.c.id)
            )
            return int(result.scalar_one())

    def notifications(self, org_id: int) -> list[dict[str, Any]]:
        table = t.pact_notifications
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(table).where(table.c.org_id == org_id).order_by(table.c.id.desc())
            )
            return [dict(r._mapping) for r in rows]

    def update_notification(self, notification_id: int, **values: Any) -> None:
        table = t.pact_notifications
        if isinstance(values.get("next_attempt_at"), dt.datetime):
            values["next_attempt_at"] = _utc(values["next_attempt_at"])
        with self.engine.begin() as conn:
            conn.execute(update(table).where(table.c.id == notification_id).values(**values))

    def due_notifications(self, now: dt.datetime) -> list[dict[str, Any]]:
        table = t.pact_notifications
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(table)
                .where(table.c.delivery == "pending", table.c.next_attempt_at <= _utc(now))
                .order_by(table.c.next_attempt_at, table.c.id)
            )
            return [dict(r._mapping) for r in rows]

    def set_reject_unknown(self, credential_id: int, reject: bool) -> None:
        self.update_credential(credential_id, reject_unknown=reject)

    def update_credential(self, credential_id: int, **values: Any) -> None:
        """Change a credential's delivery settings (``events_url``, ``callback_client_id``,
        ``callback_secret`` (sealed here), ``reject_unknown``)."""
        table = t.pact_credentials
        if values.get("callback_secret"):
            values["callback_secret"] = self._box.seal(str(values["callback_secret"]))
        with self.engine.begin() as conn:
            conn.execute(update(table).where(table.c.id == credential_id).values(**values))

    def add_inbound_event(self, values: dict[str, Any]) -> bool:
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(t.pact_inbound_events).values(**values))
            return True
        except IntegrityError:
            return False

    def inbound_events(self, org_id: int) -> list[dict[str, Any]]:
        table = t.pact_inbound_events
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(table).where(table.c.org_id == org_id).order_by(table.c.id.desc())
            )
            return [dict(r._mapping) for r in rows]


class HttpPactEventSender:
    """Sends an event to ``events_url`` (``.../3/events``) of another PACT host.

    With client credentials it first gets a token from the host's token endpoint: the one its
    OpenID configuration names (``<auth base>/.well-known/openid-configuration``), else
    ``<auth base>/auth/token``, the auth base being ``events_url`` without ``/3/events``.
    Failures of any kind raise ``OSError`` with the reason.
    """

    def __init__(self, timeout: float = 10.0) -> None:
        self.timeout = timeout

    def _open(self, request: urllib.request.Request) -> bytes:
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body: bytes = response.read()
                return body
        except urllib.error.HTTPError as error:
            raise OSError(f"{request.full_url}: HTTP {error.code}") from None
        except (urllib.error.URLError, TimeoutError, ValueError) as error:
            raise OSError(f"{request.full_url}: {error}") from None

    def _token(self, events_url: str, client_id: str, client_secret: str) -> str:
        base = events_url.rsplit("/3/events", 1)[0].rstrip("/")
        token_url = f"{base}/auth/token"
        try:
            config = json.loads(
                self._open(urllib.request.Request(f"{base}/.well-known/openid-configuration"))
            )
            if isinstance(config, dict) and isinstance(config.get("token_endpoint"), str):
                token_url = config["token_endpoint"]
        except (OSError, json.JSONDecodeError):
            pass
        basic = base64.b64encode(
            f"{urllib.parse.quote(client_id)}:{urllib.parse.quote(client_secret)}".encode()
        ).decode()
        request = urllib.request.Request(
            token_url,
            data=b"grant_type=client_credentials",
            headers={
                "Authorization": f"Basic {basic}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
            method="POST",
        )
        try:
            token = json.loads(self._open(request))["access_token"]
        except (KeyError, TypeError, json.JSONDecodeError):
            raise OSError(f"{token_url}: no access_token in the answer") from None
        return str(token)

    def send(
        self,
        events_url: str,
        event: Mapping[str, Any],
        *,
        client_id: str | None,
        client_secret: str | None,
    ) -> None:
        if not events_url.lower().startswith(("https://", "http://")):
            raise OSError(f"'{events_url}' is not an http(s) URL")
        headers = {"Content-Type": "application/cloudevents+json; charset=UTF-8"}
        if client_id and client_secret:
            headers["Authorization"] = f"Bearer {self._token(events_url, client_id, client_secret)}"
        request = urllib.request.Request(
            events_url, data=json.dumps(event).encode(), headers=headers, method="POST"
        )
        self._open(request)
