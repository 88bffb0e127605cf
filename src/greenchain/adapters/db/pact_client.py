"""Storage of a buyer's connections to suppliers' PACT hosts, and the product footprints they
bring into the buyer's inventory inputs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update

from greenchain.adapters.db import tables as t
from greenchain.adapters.db.row_hashes import record_hash


class SqlPactConnections:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, values: dict[str, Any]) -> int:
        with self.engine.begin() as conn:
            key = conn.execute(insert(t.pact_connections).values(**values)).inserted_primary_key
        assert key is not None
        return int(key[0])

    def get(self, org_id: int, connection_id: int) -> dict[str, Any] | None:
        c = t.pact_connections
        with self.engine.connect() as conn:
            row = conn.execute(
                select(c).where(c.c.org_id == org_id, c.c.id == connection_id)
            ).first()
        return None if row is None else dict(row._mapping)

    def of_org(self, org_id: int) -> list[dict[str, Any]]:
        c = t.pact_connections
        with self.engine.connect() as conn:
            rows = conn.execute(select(c).where(c.c.org_id == org_id).order_by(c.c.id))
            return [dict(r._mapping) for r in rows]

    def record_pull(self, connection_id: int, now: dt.datetime, result: str) -> None:
        c = t.pact_connections
        with self.engine.begin() as conn:
            conn.execute(
                update(c)
                .where(c.c.id == connection_id)
                .values(last_pull_at=now, last_result=result)
            )

    def put_product_footprints(self, org_id: int, rows: list[dict[str, Any]]) -> int:
        """Write (or replace) product footprints by product id, in one transaction."""
        f = t.product_footprints
        with self.engine.begin() as conn:
            for row in rows:
                conn.execute(
                    delete(f).where(f.c.org_id == org_id, f.c.product_id == row["product_id"])
                )
                conn.execute(
                    insert(f).values(
                        org_id=org_id, row_sha256=record_hash("product_footprints", row), **row
                    )
                )
        return len(rows)
