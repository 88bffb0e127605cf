"""Storage of a verifier's work on an organisation: what it is engaged for, the samples it
drew, what it checked on each sampled line and the findings it sent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update

from greenchain.adapters.db import tables as t


class SqlVerification:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # engagements -------------------------------------------------------------------------
    def set_terms(self, org_id: int, verifier_org_id: int, **terms: Any) -> None:
        e = t.verifier_engagements
        with self.engine.begin() as conn:
            conn.execute(
                update(e)
                .where(e.c.org_id == org_id, e.c.verifier_org_id == verifier_org_id)
                .values(**terms)
            )

    def engagements_of(self, verifier_org_id: int) -> list[dict[str, Any]]:
        """The organisations that engaged this verifier, with the terms."""
        e, o = t.verifier_engagements, t.organisations
        query = (
            select(e, o.c.slug.label("org"), o.c.name.label("org_name"))
            .join(o, o.c.id == e.c.org_id)
            .where(e.c.verifier_org_id == verifier_org_id)
            .order_by(e.c.deadline, o.c.slug)
        )
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def verifiers_of(self, org_id: int) -> list[dict[str, Any]]:
        """The verifiers an organisation engaged, with the terms."""
        e, o = t.verifier_engagements, t.organisations
        query = (
            select(e, o.c.slug.label("verifier"), o.c.name.label("verifier_name"))
            .join(o, o.c.id == e.c.verifier_org_id)
            .where(e.c.org_id == org_id)
            .order_by(o.c.slug)
        )
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    # samples and checks ------------------------------------------------------------------
    def add_sample(self, values: dict[str, Any]) -> int:
        with self.engine.begin() as conn:
            key = conn.execute(insert(t.verification_samples).values(**values)).inserted_primary_key
        assert key is not None
        return int(key[0])

    def samples(self, org_id: int, verifier_org_id: int) -> list[dict[str, Any]]:
        s = t.verification_samples
        query = (
            select(s)
            .where(s.c.org_id == org_id, s.c.verifier_org_id == verifier_org_id)
            .order_by(s.c.id.desc())
        )
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def record_check(
        self,
        sample_id: int,
        source: str,
        source_id: str,
        result: str,
        note: str,
        now: dt.datetime,
    ) -> None:
        c = t.verification_checks
        with self.engine.begin() as conn:
            conn.execute(
                delete(c).where(
                    c.c.sample_id == sample_id, c.c.source == source, c.c.source_id == source_id
                )
            )
            conn.execute(
                insert(c).values(
                    sample_id=sample_id,
                    source=source,
                    source_id=source_id,
                    result=result,
                    note=note,
                    recorded_at=now,
                )
            )

    def checks(self, sample_id: int) -> dict[tuple[str, str], dict[str, Any]]:
        c = t.verification_checks
        with self.engine.connect() as conn:
            rows = conn.execute(select(c).where(c.c.sample_id == sample_id))
            return {(str(r.source), str(r.source_id)): dict(r._mapping) for r in rows}

    # findings ----------------------------------------------------------------------------
    def add_finding(self, values: dict[str, Any]) -> int:
        with self.engine.begin() as conn:
            key = conn.execute(
                insert(t.verification_findings).values(**values)
            ).inserted_primary_key
        assert key is not None
        return int(key[0])

    def findings(self, org_id: int, verifier_org_id: int | None = None) -> list[dict[str, Any]]:
        f, o = t.verification_findings, t.organisations
        query = (
            select(f, o.c.slug.label("verifier"), o.c.name.label("verifier_name"))
            .join(o, o.c.id == f.c.verifier_org_id)
            .where(f.c.org_id == org_id)
            .order_by(f.c.id.desc())
        )
        if verifier_org_id is not None:
            query = query.where(f.c.verifier_org_id == verifier_org_id)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]
