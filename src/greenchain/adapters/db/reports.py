"""Storage of annual progress reports: the rendered HTML and PDF of each, with the PDF's SHA-256.

Every method takes the organisation's id and filters on it; listing leaves the documents out.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, insert, select

from greenchain.adapters.db import tables as t


class SqlReports:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add_report(self, values: dict[str, Any]) -> int:
        with self.engine.begin() as conn:
            result = conn.execute(
                insert(t.progress_reports).values(**values).returning(t.progress_reports.c.id)
            )
            return int(result.scalar_one())

    def reports(self, org_id: int) -> list[dict[str, Any]]:
        """The organisation's reports, newest first, without the documents (their sizes)."""
        table = t.progress_reports
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(
                    table.c.id,
                    table.c.org_id,
                    table.c.year,
                    table.c.pdf_sha256,
                    table.c.created_at,
                    func.length(table.c.pdf).label("pdf_bytes"),
                )
                .where(table.c.org_id == org_id)
                .order_by(table.c.id.desc())
            )
            return [dict(r._mapping) for r in rows]

    def report(self, org_id: int, report_id: int) -> dict[str, Any] | None:
        table = t.progress_reports
        with self.engine.connect() as conn:
            row = conn.execute(
                select(table).where(table.c.org_id == org_id, table.c.id == report_id)
            ).first()
        if row is None:
            return None
        values = dict(row._mapping)
        values["pdf"] = bytes(values["pdf"])
        return values
