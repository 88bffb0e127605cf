"""Storage of the transparency log: entries, signed tree heads and signing keys."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, func, insert, select

from greenchain.adapters.db import tables as t


class SqlLedger:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def signing_key(self, org_id: int | None) -> dict[str, Any] | None:
        """The current key of an organisation (``None``: the log's own key)."""
        column = t.signing_keys.c.org_id
        where = column.is_(None) if org_id is None else column == org_id
        with self.engine.connect() as conn:
            row = conn.execute(
                select(t.signing_keys)
                .where(where, t.signing_keys.c.retired_at.is_(None))
                .order_by(t.signing_keys.c.id.desc())
            ).first()
        return None if row is None else dict(row._mapping)

    def add_signing_key(
        self, org_id: int | None, public_key: str, private_key_pem: str, now: dt.datetime
    ) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                insert(t.signing_keys).values(
                    org_id=org_id,
                    public_key=public_key,
                    private_key_pem=private_key_pem,
                    created_at=now,
                )
            )

    def public_keys(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(
                    t.signing_keys.c.org_id,
                    t.signing_keys.c.public_key,
                    t.signing_keys.c.created_at,
                    t.signing_keys.c.retired_at,
                ).order_by(t.signing_keys.c.id)
            )
            return [dict(r._mapping) for r in rows]

    def append(
        self,
        org_id: int | None,
        kind: str,
        entry: str,
        leaf_hash: str,
        signature: str,
        public_key: str,
        now: dt.datetime,
    ) -> int:
        with self.engine.begin() as conn:
            size = conn.execute(select(func.count()).select_from(t.ledger_entries)).scalar_one()
            conn.execute(
                insert(t.ledger_entries).values(
                    seq=int(size),
                    org_id=org_id,
                    kind=kind,
                    entry=entry,
                    leaf_hash=leaf_hash,
                    signature=signature,
                    public_key=public_key,
                    created_at=now,
                )
            )
        return int(size)

    def entries(self, upto: int | None = None) -> list[dict[str, Any]]:
        query = select(t.ledger_entries).order_by(t.ledger_entries.c.seq)
        if upto is not None:
            query = query.where(t.ledger_entries.c.seq < upto)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def entry(self, seq: int) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(t.ledger_entries).where(t.ledger_entries.c.seq == seq)
            ).first()
        return None if row is None else dict(row._mapping)

    def save_head(
        self, tree_size: int, root_hash: str, timestamp: str, signature: str, public_key: str
    ) -> None:
        with self.engine.begin() as conn:
            exists = conn.execute(
                select(t.tree_heads.c.tree_size).where(t.tree_heads.c.tree_size == tree_size)
            ).first()
            if exists is None:
                conn.execute(
                    insert(t.tree_heads).values(
                        tree_size=tree_size,
                        root_hash=root_hash,
                        timestamp=timestamp,
                        signature=signature,
                        public_key=public_key,
                    )
                )

    def heads(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.tree_heads).order_by(t.tree_heads.c.tree_size))
            return [dict(r._mapping) for r in rows]

    def described_row(self, table: str, row_id: int) -> dict[str, Any] | None:
        """The current content of a row an entry describes (imports, calculation runs)."""
        target = {"imports": t.imports, "calculation_runs": t.calculation_runs}[table]
        columns = [c for c in target.c if c.name != "lines_arrow"]
        with self.engine.connect() as conn:
            row = conn.execute(select(*columns).where(target.c.id == row_id)).first()
        return None if row is None else dict(row._mapping)
