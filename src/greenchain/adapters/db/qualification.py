"""Storage of supplier qualification, audits, attributes, scorecard weights, requirements and
incentives. Every method takes the buyer organisation's id and filters on it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, Table, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from greenchain.adapters.db import tables as t
from greenchain.domain.errors import ConflictError, NotFoundError

_JSON_COLUMNS = ("stages", "evidence", "results", "conditions")


def _row(values: Any) -> dict[str, Any]:
    found = dict(values._mapping)
    for key in _JSON_COLUMNS:
        if isinstance(found.get(key), str):
            found[key] = json.loads(found[key])
    return found


def _insert(conn: Connection, table: Table, values: dict[str, Any]) -> int:
    key = conn.execute(insert(table).values(**values)).inserted_primary_key
    assert key is not None
    return int(key[0])


class SqlQualification:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _all(self, query: Any) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [_row(r) for r in conn.execute(query)]

    # programs ------------------------------------------------------------------------------
    def add_program(self, values: dict[str, Any]) -> int:
        try:
            with self.engine.begin() as conn:
                return _insert(conn, t.qualification_programs, values)
        except IntegrityError:
            raise ConflictError(f"a program named '{values['name']}' exists already") from None

    def programs(self, org_id: int) -> list[dict[str, Any]]:
        table = t.qualification_programs
        return self._all(select(table).where(table.c.org_id == org_id).order_by(table.c.id))

    def program(self, org_id: int, name: str) -> dict[str, Any] | None:
        table = t.qualification_programs
        rows = self._all(select(table).where(table.c.org_id == org_id, table.c.name == name))
        return rows[0] if rows else None

    def program_by_id(self, org_id: int, program_id: int) -> dict[str, Any] | None:
        table = t.qualification_programs
        rows = self._all(select(table).where(table.c.org_id == org_id, table.c.id == program_id))
        return rows[0] if rows else None

    # cases ---------------------------------------------------------------------------------
    def add_case(self, values: dict[str, Any], transition: dict[str, Any]) -> int:
        try:
            with self.engine.begin() as conn:
                case_id = _insert(conn, t.qualification_cases, values)
                _insert(
                    conn,
                    t.qualification_transitions,
                    {**transition, "org_id": values["org_id"], "case_id": case_id},
                )
                return case_id
        except IntegrityError:
            raise ConflictError(
                f"supplier '{values['supplier_id']}' has a case in this program already: "
                "advance it or start a re-qualification cycle"
            ) from None

    def case(self, org_id: int, case_id: int) -> dict[str, Any] | None:
        table = t.qualification_cases
        rows = self._all(select(table).where(table.c.org_id == org_id, table.c.id == case_id))
        return rows[0] if rows else None

    def cases(self, org_id: int) -> list[dict[str, Any]]:
        table = t.qualification_cases
        return self._all(select(table).where(table.c.org_id == org_id).order_by(table.c.id))

    def save_case_step(
        self,
        org_id: int,
        case_id: int,
        values: dict[str, Any],
        transitions: Sequence[dict[str, Any]],
        actions: Sequence[dict[str, Any]] = (),
    ) -> list[int]:
        """Update the case and add its new transitions and corrective actions, atomically."""
        table = t.qualification_cases
        with self.engine.begin() as conn:
            changed = conn.execute(
                update(table)
                .where(table.c.org_id == org_id, table.c.id == case_id)
                .values(**values)
            ).rowcount
            if not changed:
                raise NotFoundError(f"qualification case {case_id} not found")
            ids = [
                _insert(
                    conn,
                    t.qualification_transitions,
                    {**step, "org_id": org_id, "case_id": case_id},
                )
                for step in transitions
            ]
            for action in actions:
                _insert(conn, t.corrective_actions, {**action, "org_id": org_id})
        return ids

    def set_transition_ledger_seq(self, org_id: int, transition_id: int, seq: int) -> None:
        table = t.qualification_transitions
        with self.engine.begin() as conn:
            conn.execute(
                update(table)
                .where(table.c.org_id == org_id, table.c.id == transition_id)
                .values(ledger_seq=seq)
            )

    def transitions(self, org_id: int, case_id: int) -> list[dict[str, Any]]:
        table = t.qualification_transitions
        return self._all(
            select(table)
            .where(table.c.org_id == org_id, table.c.case_id == case_id)
            .order_by(table.c.id)
        )

    # audits and corrective actions ---------------------------------------------------------
    def add_audit(self, values: dict[str, Any], findings: Sequence[dict[str, Any]]) -> int:
        """Store an audit with its findings and their corrective actions (key ``action``)."""
        org_id = values["org_id"]
        with self.engine.begin() as conn:
            audit_id = _insert(conn, t.supplier_audits, values)
            for finding in findings:
                action = finding.get("action")
                finding_id = _insert(
                    conn,
                    t.audit_findings,
                    {
                        "org_id": org_id,
                        "audit_id": audit_id,
                        "item_code": finding["item_code"],
                        "severity": finding["severity"],
                        "description": finding["description"],
                    },
                )
                if action is not None:
                    _insert(
                        conn,
                        t.corrective_actions,
                        {
                            **action,
                            "org_id": org_id,
                            "finding_id": finding_id,
                            "case_id": values.get("case_id"),
                            "supplier_id": values["supplier_id"],
                        },
                    )
        return audit_id

    def audits(
        self, org_id: int, supplier_id: str | None = None, case_id: int | None = None
    ) -> list[dict[str, Any]]:
        table = t.supplier_audits
        query = select(table).where(table.c.org_id == org_id)
        if supplier_id is not None:
            query = query.where(table.c.supplier_id == supplier_id)
        if case_id is not None:
            query = query.where(table.c.case_id == case_id)
        return self._all(query.order_by(table.c.audited_on, table.c.id))

    def findings(self, org_id: int, audit_ids: Sequence[int]) -> list[dict[str, Any]]:
        if not audit_ids:
            return []
        table = t.audit_findings
        return self._all(
            select(table)
            .where(table.c.org_id == org_id, table.c.audit_id.in_(list(audit_ids)))
            .order_by(table.c.id)
        )

    def corrective_actions(
        self, org_id: int, supplier_id: str | None = None, case_id: int | None = None
    ) -> list[dict[str, Any]]:
        table = t.corrective_actions
        query = select(table).where(table.c.org_id == org_id)
        if supplier_id is not None:
            query = query.where(table.c.supplier_id == supplier_id)
        if case_id is not None:
            query = query.where(table.c.case_id == case_id)
        return self._all(query.order_by(table.c.due_on, table.c.id))

    def set_action_status(
        self, org_id: int, action_id: int, status: str, now: dt.datetime
    ) -> dict[str, Any]:
        table = t.corrective_actions
        where = (table.c.org_id == org_id, table.c.id == action_id)
        with self.engine.begin() as conn:
            changed = conn.execute(
                update(table)
                .where(*where)
                .values(status=status, closed_at=now if status == "done" else None)
            ).rowcount
            if not changed:
                raise NotFoundError(f"corrective action {action_id} not found")
            row = conn.execute(select(table).where(*where)).one()
        return _row(row)

    # supplier attributes -------------------------------------------------------------------
    def set_attributes(
        self, org_id: int, supplier_id: str, values: dict[str, Any], now: dt.datetime
    ) -> None:
        table = t.supplier_attributes
        where = (table.c.org_id == org_id, table.c.supplier_id == supplier_id)
        with self.engine.begin() as conn:
            changed = conn.execute(
                update(table).where(*where).values(**values, updated_at=now)
            ).rowcount
            if not changed:
                conn.execute(
                    insert(table).values(
                        org_id=org_id, supplier_id=supplier_id, updated_at=now, **values
                    )
                )

    def attributes(self, org_id: int) -> dict[str, dict[str, Any]]:
        table = t.supplier_attributes
        rows = self._all(select(table).where(table.c.org_id == org_id))
        return {
            row["supplier_id"]: {
                k: v for k, v in row.items() if k not in ("org_id", "supplier_id", "updated_at")
            }
            for row in rows
        }

    # scorecard weights ---------------------------------------------------------------------
    def set_weights(
        self, org_id: int, rows: Mapping[str, tuple[float, str]], now: dt.datetime
    ) -> None:
        table = t.scorecard_weights
        with self.engine.begin() as conn:
            for indicator, (weight, policy) in rows.items():
                where = (table.c.org_id == org_id, table.c.indicator == indicator)
                changed = conn.execute(
                    update(table)
                    .where(*where)
                    .values(weight=weight, missing_policy=policy, updated_at=now)
                ).rowcount
                if not changed:
                    conn.execute(
                        insert(table).values(
                            org_id=org_id,
                            indicator=indicator,
                            weight=weight,
                            missing_policy=policy,
                            updated_at=now,
                        )
                    )

    def weights(self, org_id: int) -> list[dict[str, Any]]:
        table = t.scorecard_weights
        return self._all(
            select(table.c.indicator, table.c.weight, table.c.missing_policy)
            .where(table.c.org_id == org_id)
            .order_by(table.c.indicator)
        )

    def clear_weights(self, org_id: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(t.scorecard_weights).where(t.scorecard_weights.c.org_id == org_id))

    # requirements --------------------------------------------------------------------------
    def add_requirement(self, values: dict[str, Any]) -> int:
        try:
            with self.engine.begin() as conn:
                return _insert(conn, t.supplier_requirements, values)
        except IntegrityError:
            raise ConflictError(f"a requirement named '{values['name']}' exists already") from None

    def requirements(self, org_id: int) -> list[dict[str, Any]]:
        table = t.supplier_requirements
        return self._all(select(table).where(table.c.org_id == org_id).order_by(table.c.id))

    def remove_requirement(self, org_id: int, name: str) -> None:
        table = t.supplier_requirements
        with self.engine.begin() as conn:
            removed = conn.execute(
                delete(table).where(table.c.org_id == org_id, table.c.name == name)
            ).rowcount
        if not removed:
            raise NotFoundError(f"requirement '{name}' not found")

    # incentives ----------------------------------------------------------------------------
    def add_incentive(self, values: dict[str, Any]) -> int:
        with self.engine.begin() as conn:
            return _insert(conn, t.supplier_incentives, values)

    def incentives(self, org_id: int, supplier_id: str | None = None) -> list[dict[str, Any]]:
        table = t.supplier_incentives
        query = select(table).where(table.c.org_id == org_id)
        if supplier_id is not None:
            query = query.where(table.c.supplier_id == supplier_id)
        return self._all(query.order_by(table.c.granted_on, table.c.id))
