"""Storage of engagement programs: sponsors, members, matched suppliers, activities with their
invitees and action items, the best-practice library and reduction projects."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update

from greenchain.adapters.db import tables as t


def _rows(engine: Engine, query: Any) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


class SqlPrograms:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _insert(self, table: Any, values: dict[str, Any]) -> int:
        with self.engine.begin() as conn:
            key = conn.execute(insert(table).values(**values)).inserted_primary_key
        assert key is not None
        return int(key[0])

    # programs ------------------------------------------------------------------------------
    def add_program(self, values: dict[str, Any], sponsor_ids: list[int], now: dt.datetime) -> int:
        with self.engine.begin() as conn:
            key = conn.execute(insert(t.programs).values(**values)).inserted_primary_key
            assert key is not None
            program_id = int(key[0])
            for org_id in sponsor_ids:
                conn.execute(
                    insert(t.program_sponsors).values(
                        program_id=program_id,
                        org_id=org_id,
                        invited_at=now,
                        accepted_at=now if org_id == values["owner_org_id"] else None,
                    )
                )
        return program_id

    def program(self, program_id: int) -> dict[str, Any] | None:
        found = _rows(self.engine, select(t.programs).where(t.programs.c.id == program_id))
        return found[0] if found else None

    def sponsors(self, program_id: int) -> list[dict[str, Any]]:
        s, o = t.program_sponsors, t.organisations
        return _rows(
            self.engine,
            select(s, o.c.slug, o.c.name)
            .join(o, o.c.id == s.c.org_id)
            .where(s.c.program_id == program_id)
            .order_by(o.c.slug),
        )

    def programs_of(self, org_id: int) -> list[dict[str, Any]]:
        p, s = t.programs, t.program_sponsors
        return _rows(
            self.engine,
            select(p, s.c.accepted_at)
            .join(s, s.c.program_id == p.c.id)
            .where(s.c.org_id == org_id)
            .order_by(p.c.id.desc()),
        )

    def accept(self, program_id: int, org_id: int, now: dt.datetime) -> bool:
        s = t.program_sponsors
        with self.engine.begin() as conn:
            done = conn.execute(
                update(s)
                .where(
                    s.c.program_id == program_id, s.c.org_id == org_id, s.c.accepted_at.is_(None)
                )
                .values(accepted_at=now)
            )
        return bool(done.rowcount)

    # members -------------------------------------------------------------------------------
    def add_members(
        self, program_id: int, org_id: int, supplier_ids: list[str], now: dt.datetime
    ) -> int:
        m = t.program_members
        with self.engine.begin() as conn:
            have = {
                r[0]
                for r in conn.execute(
                    select(m.c.supplier_id).where(
                        m.c.program_id == program_id, m.c.org_id == org_id
                    )
                )
            }
            new = [s for s in dict.fromkeys(supplier_ids) if s not in have]
            for supplier_id in new:
                conn.execute(
                    insert(m).values(
                        program_id=program_id,
                        org_id=org_id,
                        supplier_id=supplier_id,
                        added_at=now,
                        improvement_areas="",
                    )
                )
        return len(new)

    def members(self, program_id: int, org_id: int) -> list[str]:
        m = t.program_members
        return [
            r["supplier_id"]
            for r in _rows(
                self.engine,
                select(m.c.supplier_id)
                .where(m.c.program_id == program_id, m.c.org_id == org_id)
                .order_by(m.c.supplier_id),
            )
        ]

    def set_improvement_areas(
        self, program_id: int, org_id: int, supplier_id: str, text: str
    ) -> bool:
        m = t.program_members
        with self.engine.begin() as conn:
            done = conn.execute(
                update(m)
                .where(
                    m.c.program_id == program_id,
                    m.c.org_id == org_id,
                    m.c.supplier_id == supplier_id,
                )
                .values(improvement_areas=text)
            )
        return bool(done.rowcount)

    def improvement_areas(self, program_id: int, org_id: int) -> dict[str, str]:
        m = t.program_members
        rows = _rows(
            self.engine,
            select(m.c.supplier_id, m.c.improvement_areas).where(
                m.c.program_id == program_id, m.c.org_id == org_id
            ),
        )
        return {r["supplier_id"]: r["improvement_areas"] or "" for r in rows}

    # matches -------------------------------------------------------------------------------
    def replace_matches(self, program_id: int, rows: list[dict[str, Any]]) -> None:
        """New candidates; decided matches are kept as they were decided."""
        sm = t.supplier_matches
        with self.engine.begin() as conn:
            conn.execute(delete(sm).where(sm.c.program_id == program_id, sm.c.status == "pending"))
            decided = {
                (r.org_a_id, r.supplier_a, r.org_b_id, r.supplier_b)
                for r in conn.execute(select(sm).where(sm.c.program_id == program_id))
            }
            for row in rows:
                key = (row["org_a_id"], row["supplier_a"], row["org_b_id"], row["supplier_b"])
                if key not in decided:
                    conn.execute(insert(sm).values(program_id=program_id, **row))

    def matches(self, program_id: int) -> list[dict[str, Any]]:
        sm = t.supplier_matches
        return _rows(
            self.engine,
            select(sm).where(sm.c.program_id == program_id).order_by(sm.c.status, sm.c.id),
        )

    def decide_match(
        self, program_id: int, match_id: int, status: str, org_id: int, now: dt.datetime
    ) -> bool:
        sm = t.supplier_matches
        with self.engine.begin() as conn:
            done = conn.execute(
                update(sm)
                .where(sm.c.program_id == program_id, sm.c.id == match_id)
                .values(status=status, decided_by_org_id=org_id, decided_at=now)
            )
        return bool(done.rowcount)

    # activities ----------------------------------------------------------------------------
    def add_activity(self, values: dict[str, Any], invitees: list[tuple[int, str]]) -> int:
        with self.engine.begin() as conn:
            key = conn.execute(insert(t.program_activities).values(**values)).inserted_primary_key
            assert key is not None
            activity_id = int(key[0])
            for org_id, supplier_id in dict.fromkeys(invitees):
                conn.execute(
                    insert(t.activity_invitees).values(
                        activity_id=activity_id,
                        org_id=org_id,
                        supplier_id=supplier_id,
                        attended=False,
                    )
                )
        return activity_id

    def activities(self, program_id: int) -> list[dict[str, Any]]:
        a = t.program_activities
        return _rows(
            self.engine, select(a).where(a.c.program_id == program_id).order_by(a.c.date, a.c.id)
        )

    def invitees(self, activity_id: int) -> list[dict[str, Any]]:
        i = t.activity_invitees
        return _rows(
            self.engine,
            select(i).where(i.c.activity_id == activity_id).order_by(i.c.org_id, i.c.supplier_id),
        )

    def set_attendance(
        self, activity_id: int, org_id: int, supplier_id: str, attended: bool
    ) -> bool:
        i = t.activity_invitees
        with self.engine.begin() as conn:
            done = conn.execute(
                update(i)
                .where(
                    i.c.activity_id == activity_id,
                    i.c.org_id == org_id,
                    i.c.supplier_id == supplier_id,
                )
                .values(attended=attended)
            )
        return bool(done.rowcount)

    def attended(self, program_id: int, org_id: int, kind: str | None = None) -> set[str]:
        a, i = t.program_activities, t.activity_invitees
        query = (
            select(i.c.supplier_id)
            .join(a, a.c.id == i.c.activity_id)
            .where(a.c.program_id == program_id, i.c.org_id == org_id, i.c.attended.is_(True))
        )
        if kind is not None:
            query = query.where(a.c.kind == kind)
        return {r["supplier_id"] for r in _rows(self.engine, query)}

    def add_action(self, values: dict[str, Any]) -> int:
        return self._insert(t.action_items, values)

    def actions(self, activity_id: int, org_id: int) -> list[dict[str, Any]]:
        x = t.action_items
        return _rows(
            self.engine,
            select(x).where(x.c.activity_id == activity_id, x.c.org_id == org_id).order_by(x.c.id),
        )

    # library -------------------------------------------------------------------------------
    def add_article(self, values: dict[str, Any]) -> int:
        return self._insert(t.library_articles, values)

    def articles(self, program_id: int) -> list[dict[str, Any]]:
        x = t.library_articles
        return _rows(
            self.engine,
            select(x).where(x.c.program_id == program_id).order_by(x.c.category, x.c.title),
        )

    # projects ------------------------------------------------------------------------------
    def add_project(self, values: dict[str, Any]) -> int:
        return self._insert(t.program_projects, values)

    def update_project(self, project_id: int, **values: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(t.program_projects)
                .where(t.program_projects.c.id == project_id)
                .values(**values)
            )

    def projects(self, program_id: int, org_id: int) -> list[dict[str, Any]]:
        x = t.program_projects
        return _rows(
            self.engine,
            select(x).where(x.c.program_id == program_id, x.c.org_id == org_id).order_by(x.c.id),
        )
