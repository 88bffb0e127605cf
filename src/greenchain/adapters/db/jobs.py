"""A database-backed job queue: workers claim jobs atomically (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, a guarded ``UPDATE`` on SQLite); jobs whose worker stopped sending heartbeats are
queued again, so work survives a worker restart."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, insert, select, text, update

from greenchain.adapters.db import tables as t
from greenchain.domain.errors import NotFoundError


class SqlJobQueue:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def enqueue(
        self,
        org_id: int,
        user_id: int | None,
        kind: str,
        payload: dict[str, Any],
        now: dt.datetime,
    ) -> int:
        with self.engine.begin() as conn:
            key = conn.execute(
                insert(t.jobs).values(
                    org_id=org_id,
                    user_id=user_id,
                    kind=kind,
                    payload=payload,
                    status="queued",
                    progress=0.0,
                    created_at=now,
                )
            ).inserted_primary_key
        assert key is not None
        return int(key[0])

    def claim(
        self, worker: str, now: dt.datetime, stale_after: dt.timedelta
    ) -> dict[str, Any] | None:
        """Take the oldest queued job (or one whose worker went silent) for ``worker``."""
        with self.engine.begin() as conn:
            conn.execute(
                update(t.jobs)
                .where(t.jobs.c.status == "running", t.jobs.c.heartbeat_at < now - stale_after)
                .values(status="queued", worker=None, message="requeued after a worker stopped")
            )
            if self.engine.dialect.name == "postgresql":
                row = conn.execute(
                    text(
                        "SELECT id FROM jobs WHERE status = 'queued' ORDER BY id "
                        "FOR UPDATE SKIP LOCKED LIMIT 1"
                    )
                ).first()
                if row is None:
                    return None
                job_id = int(row[0])
            else:
                row = conn.execute(
                    select(t.jobs.c.id).where(t.jobs.c.status == "queued").order_by(t.jobs.c.id)
                ).first()
                if row is None:
                    return None
                job_id = int(row[0])
            done = conn.execute(
                update(t.jobs)
                .where(t.jobs.c.id == job_id, t.jobs.c.status == "queued")
                .values(status="running", worker=worker, started_at=now, heartbeat_at=now)
            )
            if done.rowcount != 1:
                return None
            job = conn.execute(select(t.jobs).where(t.jobs.c.id == job_id)).first()
        return None if job is None else dict(job._mapping)

    def progress(self, job_id: int, fraction: float, message: str, now: dt.datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(t.jobs)
                .where(t.jobs.c.id == job_id)
                .values(progress=fraction, message=message, heartbeat_at=now)
            )

    def beat(self, job_id: int, worker: str, now: dt.datetime) -> None:
        """The worker running the job is alive (its claim is not stale)."""
        with self.engine.begin() as conn:
            conn.execute(
                update(t.jobs)
                .where(t.jobs.c.id == job_id, t.jobs.c.status == "running")
                .where(t.jobs.c.worker == worker)
                .values(heartbeat_at=now)
            )

    def finish(
        self,
        job_id: int,
        *,
        ok: bool,
        message: str,
        result: dict[str, Any] | None,
        now: dt.datetime,
    ) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(t.jobs)
                .where(t.jobs.c.id == job_id)
                .values(
                    status="done" if ok else "failed",
                    progress=1.0 if ok else 0.0,
                    message=message,
                    result=result,
                    finished_at=now,
                    heartbeat_at=now,
                )
            )

    def get(self, org_id: int, job_id: int) -> dict[str, Any]:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(t.jobs).where(t.jobs.c.id == job_id, t.jobs.c.org_id == org_id)
            ).first()
        if row is None:
            raise NotFoundError(f"job {job_id} not found")
        return dict(row._mapping)

    def list(self, org_id: int, limit: int = 50) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.jobs)
                .where(t.jobs.c.org_id == org_id)
                .order_by(t.jobs.c.id.desc())
                .limit(limit)
            )
            return [dict(r._mapping) for r in rows]
