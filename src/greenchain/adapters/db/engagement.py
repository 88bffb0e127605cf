"""Storage of data requests, their recipients, suppliers' answers, consent grants and evidence.

Buyer-side reads filter on the buyer's organisation id, supplier-side reads on the supplier
organisation id; an answer reaches a buyer only through an active consent grant.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, func, insert, or_, select, update

from greenchain.adapters.db import tables as t
from greenchain.adapters.db.row_hashes import record_hash


def _answers(value: Any) -> dict[str, Any]:
    return dict(json.loads(value) if isinstance(value, str) else value or {})


class SqlEngagement:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # requests ------------------------------------------------------------------------------
    def add_request(
        self, values: dict[str, Any], recipients: list[dict[str, Any]], now: dt.datetime
    ) -> int:
        """A request and its recipients, in one transaction."""
        with self.engine.begin() as conn:
            key = conn.execute(insert(t.data_requests).values(**values)).inserted_primary_key
            assert key is not None
            request_id = int(key[0])
            for r in recipients:
                conn.execute(
                    insert(t.request_recipients).values(
                        request_id=request_id,
                        buyer_org_id=values["buyer_org_id"],
                        status="invited",
                        updated_at=now,
                        **r,
                    )
                )
        return request_id

    def requests(self, buyer_org_id: int) -> list[dict[str, Any]]:
        r, rr = t.data_requests, t.request_recipients
        counts = (
            select(rr.c.request_id, rr.c.status, func.count().label("n"))
            .where(rr.c.buyer_org_id == buyer_org_id)
            .group_by(rr.c.request_id, rr.c.status)
        )
        with self.engine.connect() as conn:
            rows = [
                dict(x._mapping)
                for x in conn.execute(
                    select(r).where(r.c.buyer_org_id == buyer_org_id).order_by(r.c.id.desc())
                )
            ]
            by_request: dict[int, dict[str, int]] = {}
            for request_id, status, n in conn.execute(counts):
                by_request.setdefault(int(request_id), {})[str(status)] = int(n)
        for row in rows:
            row["counts"] = by_request.get(int(row["id"]), {})
        return rows

    def request(self, buyer_org_id: int, request_id: int) -> dict[str, Any] | None:
        r = t.data_requests
        with self.engine.connect() as conn:
            row = conn.execute(
                select(r).where(r.c.id == request_id, r.c.buyer_org_id == buyer_org_id)
            ).first()
        return None if row is None else dict(row._mapping)

    def recipients(self, buyer_org_id: int, request_id: int | None = None) -> list[dict[str, Any]]:
        rr, r = t.request_recipients, t.data_requests
        query = (
            select(rr, r.c.year, r.c.deadline, r.c.template, r.c.template_version)
            .join(r, r.c.id == rr.c.request_id)
            .where(rr.c.buyer_org_id == buyer_org_id)
            .order_by(rr.c.request_id, rr.c.supplier_id)
        )
        if request_id is not None:
            query = query.where(rr.c.request_id == request_id)
        with self.engine.connect() as conn:
            return [dict(x._mapping) for x in conn.execute(query)]

    @staticmethod
    def _recipients_query() -> Any:
        """Recipients with their request and buyer (the one query every read of them uses)."""
        rr, r, o = t.request_recipients, t.data_requests, t.organisations
        return (
            select(
                rr,
                r.c.year,
                r.c.deadline,
                r.c.template,
                r.c.template_version,
                r.c.message,
                o.c.slug.label("buyer"),
                o.c.name.label("buyer_name"),
            )
            .join(r, r.c.id == rr.c.request_id)
            .join(o, o.c.id == rr.c.buyer_org_id)
        )

    def recipient(self, recipient_id: int) -> dict[str, Any] | None:
        query = self._recipients_query().where(t.request_recipients.c.id == recipient_id)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else dict(row._mapping)

    def recipient_by_token(self, token_sha256: str) -> dict[str, Any] | None:
        rr = t.request_recipients
        with self.engine.connect() as conn:
            found = conn.execute(
                select(rr.c.id).where(rr.c.signup_token_sha256 == token_sha256)
            ).first()
        return None if found is None else self.recipient(int(found[0]))

    def recipients_for_supplier(self, links: list[tuple[int, str]]) -> list[dict[str, Any]]:
        """Recipients addressed to any of the (buyer org id, supplier id) records, newest
        first."""
        if not links:
            return []
        rr = t.request_recipients
        wanted = [and_(rr.c.buyer_org_id == b, rr.c.supplier_id == s) for b, s in links]
        query = self._recipients_query().where(or_(*wanted)).order_by(rr.c.id.desc())
        with self.engine.connect() as conn:
            return [dict(x._mapping) for x in conn.execute(query)]

    def update_recipient(self, recipient_id: int, **values: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(t.request_recipients)
                .where(t.request_recipients.c.id == recipient_id)
                .values(**values)
            )

    # answers -------------------------------------------------------------------------------
    def response(self, supplier_org_id: int, template: str, year: int) -> dict[str, Any] | None:
        sr = t.supplier_responses
        with self.engine.connect() as conn:
            row = conn.execute(
                select(sr).where(
                    sr.c.supplier_org_id == supplier_org_id,
                    sr.c.template == template,
                    sr.c.year == year,
                )
            ).first()
        if row is None:
            return None
        found = dict(row._mapping)
        found["answers"] = _answers(found["answers"])
        return found

    def response_by_id(self, response_id: int) -> dict[str, Any] | None:
        sr = t.supplier_responses
        with self.engine.connect() as conn:
            row = conn.execute(select(sr).where(sr.c.id == response_id)).first()
        if row is None:
            return None
        found = dict(row._mapping)
        found["answers"] = _answers(found["answers"])
        return found

    def save_response(
        self,
        supplier_org_id: int,
        template: str,
        version: int,
        year: int,
        answers: dict[str, Any],
        now: dt.datetime,
        submitted: bool,
    ) -> int:
        with self.engine.begin() as conn:
            return _save_response_on(
                conn, supplier_org_id, template, version, year, answers, now, submitted
            )

    def submit(
        self,
        supplier_org_id: int,
        template: str,
        version: int,
        year: int,
        answers: dict[str, Any],
        now: dt.datetime,
        recipients: Sequence[tuple[int, int, str]],
        then: Callable[[Connection, int], object],
    ) -> int:
        """Save the submitted answer, share it with each (recipient id, buyer organisation id,
        new status) and set those requests' status, in one transaction in which
        ``then(connection, response_id)`` runs last (the submission's ledger entry)."""
        with self.engine.begin() as conn:
            response_id = _save_response_on(
                conn, supplier_org_id, template, version, year, answers, now, True
            )
            for recipient_id, buyer_org_id, status in recipients:
                _grant_on(conn, response_id, buyer_org_id, now)
                conn.execute(
                    update(t.request_recipients)
                    .where(t.request_recipients.c.id == recipient_id)
                    .values(
                        status=status, response_id=response_id, submitted_at=now, updated_at=now
                    )
                )
            then(conn, response_id)
        return response_id

    def grant(self, response_id: int, buyer_org_id: int, now: dt.datetime) -> None:
        with self.engine.begin() as conn:
            _grant_on(conn, response_id, buyer_org_id, now)

    def revoke(self, response_id: int, buyer_org_id: int, now: dt.datetime) -> bool:
        g = t.consent_grants
        with self.engine.begin() as conn:
            done = conn.execute(
                update(g)
                .where(
                    g.c.response_id == response_id,
                    g.c.buyer_org_id == buyer_org_id,
                    g.c.revoked_at.is_(None),
                )
                .values(revoked_at=now)
            )
        return bool(done.rowcount)

    def grants(self, response_id: int) -> list[dict[str, Any]]:
        g, o = t.consent_grants, t.organisations
        query = (
            select(g, o.c.slug.label("buyer"), o.c.name.label("buyer_name"))
            .join(o, o.c.id == g.c.buyer_org_id)
            .where(g.c.response_id == response_id)
            .order_by(o.c.slug)
        )
        with self.engine.connect() as conn:
            return [dict(x._mapping) for x in conn.execute(query)]

    def has_consent(self, response_id: int, buyer_org_id: int) -> bool:
        g = t.consent_grants
        with self.engine.connect() as conn:
            found = conn.execute(
                select(g.c.response_id).where(
                    g.c.response_id == response_id,
                    g.c.buyer_org_id == buyer_org_id,
                    g.c.revoked_at.is_(None),
                )
            ).first()
        return found is not None

    # evidence ------------------------------------------------------------------------------
    def add_evidence(self, values: dict[str, Any]) -> int:
        with self.engine.begin() as conn:
            key = conn.execute(insert(t.evidence_files).values(**values)).inserted_primary_key
        assert key is not None
        return int(key[0])

    def evidence(self, response_id: int) -> list[dict[str, Any]]:
        e = t.evidence_files
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(
                    e.c.id, e.c.file_name, e.c.content_type, e.c.size, e.c.sha256, e.c.uploaded_at
                )
                .where(e.c.response_id == response_id)
                .order_by(e.c.id)
            )
            return [dict(x._mapping) for x in rows]

    def evidence_file(self, response_id: int, evidence_id: int) -> dict[str, Any] | None:
        e = t.evidence_files
        with self.engine.connect() as conn:
            row = conn.execute(
                select(e).where(e.c.id == evidence_id, e.c.response_id == response_id)
            ).first()
        return None if row is None else dict(row._mapping)

    # the buyer's inventory inputs ----------------------------------------------------------
    def put_supplier_report(
        self, buyer_org_id: int, supplier_id: str, record: dict[str, Any], response_id: int
    ) -> None:
        """Write (or replace) the buyer's supplier-data row of that year from an answer."""
        d = t.supplier_data
        with self.engine.begin() as conn:
            conn.execute(
                delete(d).where(
                    d.c.org_id == buyer_org_id,
                    d.c.supplier_id == supplier_id,
                    d.c.year == record["year"],
                )
            )
            values = {"supplier_id": supplier_id, "source_response_id": response_id, **record}
            conn.execute(
                insert(d).values(
                    org_id=buyer_org_id,
                    row_sha256=record_hash("supplier_data", values),
                    **values,
                )
            )

    def drop_reports_from(self, buyer_org_id: int, response_id: int) -> int:
        d = t.supplier_data
        with self.engine.begin() as conn:
            done = conn.execute(
                delete(d).where(d.c.org_id == buyer_org_id, d.c.source_response_id == response_id)
            )
        return int(done.rowcount)

    # -- a supplier's allocation to the customer of one request (CDP SC1.1) ---------------------

    def put_allocation(self, values: dict[str, Any]) -> None:
        """Write (or replace) the allocation of the request ``values["recipient_id"]``."""
        a = t.supplier_allocations
        with self.engine.begin() as conn:
            conn.execute(delete(a).where(a.c.recipient_id == values["recipient_id"]))
            conn.execute(insert(a).values(**values))

    def allocation(self, recipient_id: int) -> dict[str, Any] | None:
        a = t.supplier_allocations
        with self.engine.connect() as conn:
            row = conn.execute(select(a).where(a.c.recipient_id == recipient_id)).first()
        return dict(row._mapping) if row is not None else None

    def allocations_of(self, supplier_org_id: int, year: int) -> list[dict[str, Any]]:
        """The supplier's allocations of ``year``, each with the customer it went to and
        the state of that customer's request."""
        a, r, q, o = t.supplier_allocations, t.request_recipients, t.data_requests, t.organisations
        query = (
            select(a, o.c.slug.label("buyer"), o.c.name.label("buyer_name"), r.c.status)
            .join(r, r.c.id == a.c.recipient_id)
            .join(q, q.c.id == r.c.request_id)
            .join(o, o.c.id == q.c.buyer_org_id)
            .where(a.c.supplier_org_id == supplier_org_id, q.c.year == year)
            .order_by(o.c.name)
        )
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]


def _save_response_on(
    conn: Connection,
    supplier_org_id: int,
    template: str,
    version: int,
    year: int,
    answers: dict[str, Any],
    now: dt.datetime,
    submitted: bool,
) -> int:
    sr = t.supplier_responses
    found = conn.execute(
        select(sr.c.id).where(
            sr.c.supplier_org_id == supplier_org_id,
            sr.c.template == template,
            sr.c.year == year,
        )
    ).first()
    values: dict[str, Any] = {"answers": answers, "template_version": version, "updated_at": now}
    if submitted:
        values["submitted_at"] = now
    if found is not None:
        conn.execute(update(sr).where(sr.c.id == found[0]).values(**values))
        return int(found[0])
    key = conn.execute(
        insert(sr).values(supplier_org_id=supplier_org_id, template=template, year=year, **values)
    ).inserted_primary_key
    assert key is not None
    return int(key[0])


def _grant_on(conn: Connection, response_id: int, buyer_org_id: int, now: dt.datetime) -> None:
    g = t.consent_grants
    conn.execute(delete(g).where(g.c.response_id == response_id, g.c.buyer_org_id == buyer_org_id))
    conn.execute(
        insert(g).values(response_id=response_id, buyer_org_id=buyer_org_id, granted_at=now)
    )
