"""Storage of issued disclosure documents: the file in its format with its SHA-256 and the run
it rests on. Every method takes the organisation's id and filters on it; listing leaves the
files out (their sizes instead)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, insert, select

from greenchain.adapters.db import tables as t


class SqlDisclosures:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add_disclosure(self, values: dict[str, Any]) -> int:
        table = t.disclosures
        with self.engine.begin() as conn:
            return int(
                conn.execute(insert(table).values(**values).returning(table.c.id)).scalar_one()
            )

    def disclosures(self, org_id: int) -> list[dict[str, Any]]:
        """The organisation's documents, newest first, without their content."""
        table = t.disclosures
        columns = [c for c in table.c if c.name != "content"]
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(*columns, func.length(table.c.content).label("size"))
                .where(table.c.org_id == org_id)
                .order_by(table.c.id.desc())
            )
            return [dict(r._mapping) for r in rows]

    def disclosure(self, org_id: int, disclosure_id: int) -> dict[str, Any] | None:
        table = t.disclosures
        with self.engine.connect() as conn:
            row = conn.execute(
                select(table).where(table.c.org_id == org_id, table.c.id == disclosure_id)
            ).first()
        if row is None:
            return None
        values = dict(row._mapping)
        values["content"] = bytes(values["content"])
        return values
