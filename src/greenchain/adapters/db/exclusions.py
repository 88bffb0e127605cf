"""Storage of the Scope 3 categories an organisation declares excluded from a year."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update

from greenchain.adapters.db import tables as t


class SqlExclusions:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def declare(self, org_id: int, year: int, category: int, reason: str, now: dt.datetime) -> bool:
        """Store the exclusion (replacing the reason of an earlier one); True if it is new."""
        c = t.category_exclusions.c
        where = (c.org_id == org_id) & (c.year == year) & (c.category == category)
        with self.engine.begin() as conn:
            changed = conn.execute(
                update(t.category_exclusions).where(where).values(reason=reason, declared_at=now)
            ).rowcount
            if changed:
                return False
            conn.execute(
                insert(t.category_exclusions).values(
                    org_id=org_id, year=year, category=category, reason=reason, declared_at=now
                )
            )
        return True

    def withdraw(self, org_id: int, year: int, category: int) -> bool:
        c = t.category_exclusions.c
        with self.engine.begin() as conn:
            removed = conn.execute(
                delete(t.category_exclusions).where(
                    (c.org_id == org_id) & (c.year == year) & (c.category == category)
                )
            ).rowcount
        return bool(removed)

    def of_year(self, org_id: int, year: int) -> list[dict[str, Any]]:
        c = t.category_exclusions.c
        query = (
            select(c.category, c.reason, c.declared_at)
            .where((c.org_id == org_id) & (c.year == year))
            .order_by(c.category)
        )
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]
