"""Storage of climate targets, entered emission and revenue history, and carbon credits.

Every method takes the organisation's id and filters on it, except ``registry_credits``: a
credit serial is unique in its registry whoever holds it, so the double-retirement check looks
at every organisation's blocks of that registry.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from greenchain.adapters.db import tables as t
from greenchain.domain.errors import ConflictError, NotFoundError


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


class SqlTargets:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # history -------------------------------------------------------------------------------
    def set_history_total(
        self, org_id: int, year: int, scope: str, t_co2e: float, source: str
    ) -> bool:
        """Store a year's total for one scope; returns True when it replaced an earlier one."""
        table = t.history_totals
        where = (table.c.org_id == org_id, table.c.year == year, table.c.scope == scope)
        with self.engine.begin() as conn:
            replaced = conn.execute(
                update(table).where(*where).values(t_co2e=t_co2e, source=source)
            ).rowcount
            if not replaced:
                conn.execute(
                    insert(table).values(
                        org_id=org_id, year=year, scope=scope, t_co2e=t_co2e, source=source
                    )
                )
        return bool(replaced)

    def history_totals(self, org_id: int) -> list[dict[str, Any]]:
        table = t.history_totals
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(table.c.year, table.c.scope, table.c.t_co2e, table.c.source)
                .where(table.c.org_id == org_id)
                .order_by(table.c.year, table.c.scope)
            )
            return [dict(r._mapping) for r in rows]

    def set_history_revenue(self, org_id: int, year: int, revenue: float, currency: str) -> bool:
        """Store a year's revenue; returns True when it replaced an earlier figure."""
        table = t.history_revenue
        where = (table.c.org_id == org_id, table.c.year == year)
        with self.engine.begin() as conn:
            replaced = conn.execute(
                update(table).where(*where).values(revenue=revenue, currency=currency)
            ).rowcount
            if not replaced:
                conn.execute(
                    insert(table).values(
                        org_id=org_id, year=year, revenue=revenue, currency=currency
                    )
                )
        return bool(replaced)

    def history_revenue(self, org_id: int) -> list[dict[str, Any]]:
        table = t.history_revenue
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(table.c.year, table.c.revenue, table.c.currency)
                .where(table.c.org_id == org_id)
                .order_by(table.c.year)
            )
            return [dict(r._mapping) for r in rows]

    # targets -------------------------------------------------------------------------------
    def add_target(self, values: dict[str, Any]) -> int:
        """Store a target; ConflictError when the organisation has a current one of that name."""
        table = t.targets
        try:
            with self.engine.begin() as conn:
                exists = conn.execute(
                    select(table.c.id).where(
                        table.c.org_id == values["org_id"],
                        table.c.name == values["name"],
                        table.c.removed_at.is_(None),
                    )
                ).first()
                if exists is not None:
                    raise ConflictError(f"a target named '{values['name']}' exists already")
                key = conn.execute(insert(table).values(**values)).inserted_primary_key
        except IntegrityError:
            raise ConflictError(f"a target named '{values['name']}' exists already") from None
        assert key is not None
        return int(key[0])

    def targets(self, org_id: int, include_removed: bool = False) -> list[dict[str, Any]]:
        table = t.targets
        query = select(table).where(table.c.org_id == org_id)
        if not include_removed:
            query = query.where(table.c.removed_at.is_(None))
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(table.c.id)).all()
        result = []
        for row in rows:
            values = dict(row._mapping)
            values["scopes"] = list(_json(values["scopes"]))
            values["milestones"] = [list(m) for m in _json(values["milestones"])]
            result.append(values)
        return result

    def remove_target(self, org_id: int, name: str, now: dt.datetime) -> int:
        """Mark a current target removed (rows are kept); returns its id."""
        table = t.targets
        with self.engine.begin() as conn:
            row = conn.execute(
                select(table.c.id).where(
                    table.c.org_id == org_id, table.c.name == name, table.c.removed_at.is_(None)
                )
            ).first()
            if row is None:
                raise NotFoundError(f"target '{name}' not found")
            conn.execute(update(table).where(table.c.id == row.id).values(removed_at=now))
        return int(row.id)

    # carbon credits ------------------------------------------------------------------------
    def add_credit(self, values: dict[str, Any]) -> int:
        with self.engine.begin() as conn:
            key = conn.execute(insert(t.carbon_credits).values(**values)).inserted_primary_key
        assert key is not None
        return int(key[0])

    def credits(self, org_id: int) -> list[dict[str, Any]]:
        table = t.carbon_credits
        with self.engine.connect() as conn:
            rows = conn.execute(select(table).where(table.c.org_id == org_id).order_by(table.c.id))
            return [dict(r._mapping) for r in rows]

    def registry_credits(self, registry: str) -> list[dict[str, Any]]:
        """Every organisation's blocks in ``registry`` (compared without case or spaces)."""
        table = t.carbon_credits
        key = registry.strip().lower()
        with self.engine.connect() as conn:
            rows = conn.execute(select(table).where(func.lower(func.trim(table.c.registry)) == key))
            return [dict(r._mapping) for r in rows]

    # roadmap scenarios ---------------------------------------------------------------------
    def save_scenario(
        self, org_id: int, name: str, levers: dict[str, Any], now: dt.datetime
    ) -> bool:
        """Save (or replace) a named what-if scenario; True when one was replaced."""
        table = t.roadmap_scenarios
        key = (table.c.org_id == org_id, table.c.name == name)
        with self.engine.begin() as conn:
            replaced = conn.execute(select(table.c.name).where(*key)).first() is not None
            if replaced:
                conn.execute(update(table).where(*key).values(levers=levers, created_at=now))
            else:
                conn.execute(
                    insert(table).values(org_id=org_id, name=name, levers=levers, created_at=now)
                )
        return replaced

    def scenarios(self, org_id: int) -> list[dict[str, Any]]:
        table = t.roadmap_scenarios
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(table.c.name, table.c.levers, table.c.created_at)
                .where(table.c.org_id == org_id)
                .order_by(table.c.name)
            )
            return [{**dict(r._mapping), "levers": _json(r.levers)} for r in rows]

    def delete_scenario(self, org_id: int, name: str) -> bool:
        table = t.roadmap_scenarios
        with self.engine.begin() as conn:
            done = conn.execute(
                table.delete().where(table.c.org_id == org_id, table.c.name == name)
            )
        return bool(done.rowcount)
