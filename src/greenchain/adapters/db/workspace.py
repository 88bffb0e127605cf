"""The SQL workspace: repositories over SQLAlchemy (small rows) and ADBC (bulk Arrow rows).

Every method that touches tenant data takes the organisation's id and filters on it, so a
caller cannot read another organisation's rows by forgetting a ``WHERE``.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
from sqlalchemy import (
    ColumnElement,
    Engine,
    Exists,
    delete,
    func,
    insert,
    select,
    update,
)

from greenchain.adapters.db import tables as t
from greenchain.adapters.db.bulk import BulkStore
from greenchain.adapters.db.engine import make_engine, upgrade
from greenchain.adapters.db.factor_library import FactorLibrary, FactorSetCacheEntry
from greenchain.adapters.db.import_batches import ImportRecord, RowBatches, store_import
from greenchain.adapters.db.line_snapshots import (
    SNAPSHOT_TABLES,
    SnapshotReader,
    move_rows_to_snapshots,
    store_snapshot_import,
)
from greenchain.adapters.db.run_files import (
    line_file_problems,
    move_lines_to_store,
)
from greenchain.adapters.db.run_reads import RunLineReads
from greenchain.adapters.db.runs import CalculationRuns, StoredRun
from greenchain.adapters.linestore import LineStore, default_location
from greenchain.domain.errors import ConflictError, NotFoundError
from greenchain.domain.records import RecordSchema


@dataclass(frozen=True)
class Organisation:
    id: int
    slug: str
    name: str


@dataclass(frozen=True)
class ImportOutcome:
    import_id: int
    inserted: int
    updated: int


class SqlWorkspace(CalculationRuns, RunLineReads, FactorLibrary):
    def __init__(self, url: str, line_store: LineStore | None = None) -> None:
        self.url = url
        self.engine: Engine = make_engine(url)
        self.bulk = BulkStore(url)
        self.lines = line_store or LineStore(default_location(url))
        self.snapshots = SnapshotReader(self.engine, self.lines)
        self._runs: dict[int, StoredRun] = {}
        # Short-lived read caches for the hot web paths. This process's own writes clear
        # them at once; other processes' writes show after at most the TTL.
        self._orgs: dict[str, tuple[float, Organisation]] = {}
        self._latest: dict[tuple[int, int], tuple[float, int | None]] = {}
        self._factor_sets: dict[str, FactorSetCacheEntry] = {}

    def close(self) -> None:
        self.engine.dispose()

    def migrate(self) -> None:
        """The newest schema; the result lines of runs and the purchase lines stored in the
        database before the line store existed moved into it."""
        upgrade(self.engine)
        moved = move_lines_to_store(self.engine, self.lines)
        moved += move_rows_to_snapshots(self.engine, self.lines, dt.datetime.now(dt.UTC))
        if moved and self.engine.dialect.name == "sqlite":
            # give the moved data's pages back to the file system (SQLite keeps them otherwise)
            with self.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM")

    def line_file_problems(self) -> list[dict[str, Any]]:
        """Runs whose line file is missing or does not hash to its recorded SHA-256."""
        return line_file_problems(self.engine, self.lines)

    # organisations -------------------------------------------------------------------------
    def add_org(self, slug: str, name: str, now: dt.datetime) -> Organisation:
        with self.engine.begin() as conn:
            exists = conn.execute(
                select(t.organisations.c.id).where(t.organisations.c.slug == slug)
            ).first()
            if exists:
                raise ConflictError(f"organisation '{slug}' exists already")
            org_id = conn.execute(
                insert(t.organisations).values(slug=slug, name=name, created_at=now)
            ).inserted_primary_key
        assert org_id is not None
        return Organisation(int(org_id[0]), slug, name)

    ORG_TTL_S = 5.0

    def get_org(self, slug: str) -> Organisation:
        cached = self._orgs.get(slug)
        if cached is not None and time.monotonic() - cached[0] < self.ORG_TTL_S:
            return cached[1]
        with self.engine.connect() as conn:
            row = conn.execute(
                select(t.organisations).where(t.organisations.c.slug == slug)
            ).first()
        if row is None:
            raise NotFoundError(f"organisation '{slug}' not found (create it with 'org add')")
        org = Organisation(row.id, row.slug, row.name)
        self._orgs[slug] = (time.monotonic(), org)
        return org

    def list_orgs(self) -> list[Organisation]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.organisations).order_by(t.organisations.c.slug))
            return [Organisation(r.id, r.slug, r.name) for r in rows]

    def delete_org(self, org_id: int) -> None:
        self._orgs.clear()
        self._latest.clear()
        with self.engine.begin() as conn:
            run_ids = select(t.calculation_runs.c.id).where(t.calculation_runs.c.org_id == org_id)
            for table in (t.rejected_lines, t.restatements):
                conn.execute(delete(table).where(table.c.run_id.in_(run_ids)))
            for table in (
                t.calculation_runs,
                t.line_snapshots,
                t.imports,
                t.purchase_lines,
                t.supplier_data,
                t.activity_data,
                t.product_footprints,
                t.suppliers,
            ):
                conn.execute(delete(table).where(table.c.org_id == org_id))
            conn.execute(delete(t.organisations).where(t.organisations.c.id == org_id))

    # tenant data ---------------------------------------------------------------------------
    def supplier_ids(self, org_id: int) -> set[str]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.suppliers.c.supplier_id).where(t.suppliers.c.org_id == org_id)
            )
            return {r[0] for r in rows}

    def supplier_names(self, org_id: int) -> dict[str, str]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.suppliers.c.supplier_id, t.suppliers.c.name).where(
                    t.suppliers.c.org_id == org_id
                )
            )
            return {r[0]: r[1] for r in rows}

    def list_suppliers(self, org_id: int) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.suppliers).where(t.suppliers.c.org_id == org_id)).all()
        return [
            {k: v for k, v in r._mapping.items() if k not in ("org_id", "import_id")} for r in rows
        ]

    def set_supplier_contact(
        self, org_id: int, supplier_id: str, name: str | None, email: str | None
    ) -> None:
        s = t.suppliers
        with self.engine.begin() as conn:
            conn.execute(
                update(s)
                .where(s.c.org_id == org_id, s.c.supplier_id == supplier_id)
                .values(contact_name=name, contact_email=email)
            )

    def get_supplier(self, org_id: int, supplier_id: str) -> dict[str, Any]:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(t.suppliers).where(
                    t.suppliers.c.org_id == org_id, t.suppliers.c.supplier_id == supplier_id
                )
            ).first()
        if row is None:
            raise NotFoundError(f"supplier '{supplier_id}' not found")
        return {k: v for k, v in row._mapping.items() if k not in ("org_id", "import_id")}

    # supplier organisations -----------------------------------------------------------------
    def link_supplier(
        self, buyer_org_id: int, supplier_id: str, supplier_org_id: int, now: dt.datetime
    ) -> None:
        """Let ``supplier_org_id`` operate the buyer's supplier record (a new link replaces)."""
        link = t.supplier_links
        with self.engine.begin() as conn:
            conn.execute(
                delete(link).where(
                    link.c.buyer_org_id == buyer_org_id, link.c.supplier_id == supplier_id
                )
            )
            conn.execute(
                insert(link).values(
                    buyer_org_id=buyer_org_id,
                    supplier_id=supplier_id,
                    supplier_org_id=supplier_org_id,
                    linked_at=now,
                )
            )

    def add_link_invitation(
        self, buyer_org_id: int, supplier_id: str, supplier_org_id: int, now: dt.datetime
    ) -> int:
        """Ask ``supplier_org_id`` to operate the buyer's supplier record; a pending request for
        the same record and organisation is replaced."""
        inv = t.supplier_link_invitations
        with self.engine.begin() as conn:
            conn.execute(
                delete(inv).where(
                    inv.c.buyer_org_id == buyer_org_id,
                    inv.c.supplier_id == supplier_id,
                    inv.c.supplier_org_id == supplier_org_id,
                    inv.c.status == "pending",
                )
            )
            key = conn.execute(
                insert(inv).values(
                    buyer_org_id=buyer_org_id,
                    supplier_id=supplier_id,
                    supplier_org_id=supplier_org_id,
                    status="pending",
                    created_at=now,
                )
            ).inserted_primary_key
        assert key is not None
        return int(key[0])

    def link_invitations(self, supplier_org_id: int) -> list[dict[str, Any]]:
        """The pending link requests to an organisation, oldest first, with the buyer and the
        name the buyer knows the supplier by."""
        inv, org, sup = t.supplier_link_invitations, t.organisations, t.suppliers
        query = (
            select(
                inv.c.id,
                inv.c.supplier_id,
                inv.c.created_at,
                org.c.slug.label("buyer"),
                org.c.name.label("buyer_name"),
                sup.c.name.label("supplier_name"),
            )
            .join(org, org.c.id == inv.c.buyer_org_id)
            .outerjoin(
                sup,
                (sup.c.org_id == inv.c.buyer_org_id) & (sup.c.supplier_id == inv.c.supplier_id),
            )
            .where(inv.c.supplier_org_id == supplier_org_id, inv.c.status == "pending")
            .order_by(inv.c.id)
        )
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def decide_link_invitation(
        self, invitation_id: int, supplier_org_id: int, accept: bool, now: dt.datetime
    ) -> dict[str, Any] | None:
        """Accept (the link is made, replacing any other) or decline a pending request to
        ``supplier_org_id``, in one transaction; the request's row with the buyer's slug, or
        ``None`` when there is no such pending request."""
        inv, link = t.supplier_link_invitations, t.supplier_links
        with self.engine.begin() as conn:
            done = conn.execute(
                update(inv)
                .where(
                    inv.c.id == invitation_id,
                    inv.c.supplier_org_id == supplier_org_id,
                    inv.c.status == "pending",
                )
                .values(status="accepted" if accept else "declined", decided_at=now)
            )
            if done.rowcount != 1:
                return None
            row = conn.execute(
                select(inv, t.organisations.c.slug.label("buyer"))
                .join(t.organisations, t.organisations.c.id == inv.c.buyer_org_id)
                .where(inv.c.id == invitation_id)
            ).one()
            if accept:
                conn.execute(
                    delete(link).where(
                        link.c.buyer_org_id == row.buyer_org_id,
                        link.c.supplier_id == row.supplier_id,
                    )
                )
                conn.execute(
                    insert(link).values(
                        buyer_org_id=row.buyer_org_id,
                        supplier_id=row.supplier_id,
                        supplier_org_id=supplier_org_id,
                        linked_at=now,
                    )
                )
        return dict(row._mapping)

    def supplier_org_of(self, buyer_org_id: int, supplier_id: str) -> int | None:
        link = t.supplier_links
        with self.engine.connect() as conn:
            found = conn.execute(
                select(link.c.supplier_org_id).where(
                    link.c.buyer_org_id == buyer_org_id, link.c.supplier_id == supplier_id
                )
            ).first()
        return None if found is None else int(found[0])

    def received_footprints(self, org_id: int) -> list[dict[str, Any]]:
        """The product footprints the organisation holds (imported or pulled from suppliers'
        PACT hosts), each with the supplier's name and the purchase lines that name the
        product: how many, their quantity and the years they fall in."""
        f, s = t.product_footprints, t.suppliers
        query = (
            select(f, s.c.name.label("supplier_name"))
            .outerjoin(s, (s.c.org_id == f.c.org_id) & (s.c.supplier_id == f.c.supplier_id))
            .where(f.c.org_id == org_id)
            .order_by(f.c.supplier_id, f.c.product_id)
        )
        bought = {
            str(r[0]): r[1:]
            for r in self.snapshots.tuples(
                org_id,
                "purchase_lines",
                "SELECT product_id, count(*), sum(quantity), min(date), max(date) FROM lines "
                "WHERE product_id IS NOT NULL GROUP BY product_id",
            )
        }
        empty = (0, None, None, None)
        with self.engine.connect() as conn:
            found = [
                {k: v for k, v in r._mapping.items() if k not in ("org_id", "row_sha256")}
                for r in conn.execute(query)
            ]
        for row in found:
            lines, quantity, first, last = bought.get(str(row["product_id"]), empty)
            row.update(lines=lines, quantity=quantity, first_date=first, last_date=last)
        return found

    def org_roles(self, org_id: int) -> dict[str, bool]:
        """What the organisation does here: ``buys`` (it holds buyer data: supplier records,
        purchase lines, activity data or calculation runs), ``supplies`` (a buyer operates it
        as its supplier), ``verifies`` (an organisation engaged it as verifier). One query of
        indexed existence checks."""

        def holds(column: ColumnElement[int]) -> Exists:
            return select(column).where(column == org_id).exists()

        buys = (
            holds(t.suppliers.c.org_id)
            | holds(t.line_snapshots.c.org_id)
            | holds(t.activity_data.c.org_id)
            | holds(t.calculation_runs.c.org_id)
        )
        query = select(
            buys,
            holds(t.supplier_links.c.supplier_org_id),
            holds(t.verifier_engagements.c.verifier_org_id),
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).one()
        return {"buys": bool(row[0]), "supplies": bool(row[1]), "verifies": bool(row[2])}

    def customers_of(self, supplier_org_id: int) -> list[dict[str, Any]]:
        """The buyers whose supplier record this organisation operates."""
        link, org, sup = t.supplier_links, t.organisations, t.suppliers
        query = (
            select(
                link.c.buyer_org_id,
                org.c.slug.label("buyer"),
                org.c.name.label("buyer_name"),
                link.c.supplier_id,
                sup.c.name.label("supplier_name"),
                link.c.linked_at,
            )
            .join(org, org.c.id == link.c.buyer_org_id)
            .outerjoin(
                sup,
                (sup.c.org_id == link.c.buyer_org_id) & (sup.c.supplier_id == link.c.supplier_id),
            )
            .where(link.c.supplier_org_id == supplier_org_id)
            .order_by(org.c.slug, link.c.supplier_id)
        )
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def all_supplier_reports(self, org_id: int) -> dict[str, list[dict[str, Any]]]:
        """Every supplier's reports, by supplier, oldest year first (one query)."""
        d = t.supplier_data
        found: dict[str, list[dict[str, Any]]] = {}
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(d).where(d.c.org_id == org_id).order_by(d.c.supplier_id, d.c.year)
            )
            for r in rows:
                values = {k: v for k, v in r._mapping.items() if k not in ("org_id", "import_id")}
                found.setdefault(str(values["supplier_id"]), []).append(values)
        return found

    def supplier_reports(self, org_id: int, supplier_id: str) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.supplier_data)
                .where(
                    t.supplier_data.c.org_id == org_id, t.supplier_data.c.supplier_id == supplier_id
                )
                .order_by(t.supplier_data.c.year)
            ).all()
        return [
            {k: v for k, v in r._mapping.items() if k not in ("org_id", "import_id")} for r in rows
        ]

    def supplier_target_status(self, org_id: int, year: int) -> dict[str, str]:
        """Each supplier's science-based target status from its latest report up to ``year``."""
        d = t.supplier_data
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(d.c.supplier_id, d.c.sbt_status)
                .where(d.c.org_id == org_id, d.c.year <= year)
                .order_by(d.c.supplier_id, d.c.year)
            ).all()
        return {str(s): str(status or "none") for s, status in rows}

    def purchased_products(self, org_id: int, supplier_id: str) -> dict[str, str | None]:
        """The product ids on the organisation's purchase lines from a supplier, with their
        unit."""
        rows = self.snapshots.tuples(
            org_id,
            "purchase_lines",
            "SELECT DISTINCT product_id, unit FROM lines "
            "WHERE supplier_id = ? AND product_id IS NOT NULL ORDER BY ALL",
            [supplier_id],
        )
        return {str(r[0]): r[1] for r in rows if r[0]}

    def line_proof(self, org_id: int, line_id: str) -> dict[str, Any] | None:
        """The Merkle proof of a purchase line among the organisation's (``None``: no line)."""
        return self.snapshots.proof(org_id, "purchase_lines", "line_id", line_id)

    def supplier_spend(self, org_id: int, supplier_id: str) -> list[dict[str, Any]]:
        """Spend per year and currency (as booked)."""
        rows = self.snapshots.tuples(
            org_id,
            "purchase_lines",
            "SELECT year(date) AS y, currency, sum(amount), count(*) FROM lines "
            "WHERE supplier_id = ? GROUP BY ALL ORDER BY y, currency",
            [supplier_id],
        )
        return [
            {"year": int(y), "currency": c, "amount": float(a), "lines": int(n)}
            for y, c, a, n in rows
        ]

    def find_import(self, org_id: int, kind: str, sha256: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(t.imports)
                .where(
                    t.imports.c.org_id == org_id,
                    t.imports.c.kind == kind,
                    t.imports.c.file_sha256 == sha256,
                )
                .order_by(t.imports.c.id.desc())
            ).first()
        return None if row is None else dict(row._mapping)

    def apply_import(
        self,
        org_id: int,
        schema: RecordSchema,
        rows: pa.Table | RowBatches,
        *,
        file_name: str,
        sha256: str,
        total_rows: int,
        rejected_rows: int,
        rejected_report: str | None,
        now: dt.datetime,
        then: Callable[[object, int], object] | None = None,
    ) -> ImportOutcome:
        """Upsert the validated ``rows`` (an Arrow table or a source read in batches) in
        bounded batches and record the import, all in one transaction, in which
        ``then(transaction, import_id)`` runs last (the import's ledger entry)."""
        record = ImportRecord(file_name, sha256, total_rows, rejected_rows, rejected_report, now)
        with self.bulk.transaction() as tx:
            if schema.table in SNAPSHOT_TABLES:
                stored = store_snapshot_import(tx, self.lines, org_id, schema, rows, record)
            else:
                stored = store_import(tx, org_id, schema, rows, record)
            if then is not None:
                then(tx, stored.import_id)
        return ImportOutcome(stored.import_id, stored.inserted, stored.updated)

    def count_rows(self, org_id: int, table_name: str) -> int:
        if table_name in SNAPSHOT_TABLES:
            return self.snapshots.rows(org_id, table_name)
        table = t.metadata.tables[table_name]
        with self.engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.count()).select_from(table).where(table.c.org_id == org_id)
                ).scalar_one()
            )


__all__ = ["ImportOutcome", "SqlWorkspace", "StoredRun"]
