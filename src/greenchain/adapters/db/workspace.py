"""The SQL workspace: repositories over SQLAlchemy (small rows) and ADBC (bulk Arrow rows).

Every method that touches tenant data takes the organisation's id and filters on it, so a
caller cannot read another organisation's rows by forgetting a ``WHERE``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
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
from greenchain.adapters.db.import_batches import ImportRecord, RowBatches, store_import
from greenchain.adapters.db.line_snapshots import (
    SNAPSHOT_TABLES,
    SnapshotReader,
    move_rows_to_snapshots,
    store_snapshot_import,
)
from greenchain.adapters.db.run_files import (
    LinesSlice,
    dictionary_encoded,
    line_column,
    line_file_problems,
    line_sums,
    lines_at,
    move_lines_to_store,
    read_line_file,
    select_lines,
    with_rejected_lines,
)
from greenchain.adapters.linestore import LineStore, default_location
from greenchain.domain.errors import ConflictError, NotFoundError
from greenchain.domain.factors import EmissionFactor, FactorKind, FactorSetData, FactorSetInfo
from greenchain.domain.ghg import GwpSet
from greenchain.domain.lines import LineSelection
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


@dataclass(frozen=True)
class StoredRun:
    id: int
    org_id: int
    year: int
    gwp_set: str
    previous_run_id: int | None
    summary: dict[str, Any]
    created_at: dt.datetime


class SqlWorkspace:
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
    LATEST_RUN_TTL_S = 1.0

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

    # factor library ------------------------------------------------------------------------
    def save_factor_set(self, data: FactorSetData, sha256: str, now: dt.datetime) -> int:
        """Store a factor set, replacing an earlier import of the same key, in one transaction."""
        info = data.info
        with self.engine.begin() as conn:
            old = conn.execute(
                select(t.factor_sets.c.id).where(t.factor_sets.c.key == info.key)
            ).first()
            if old is not None:
                conn.execute(delete(t.factors).where(t.factors.c.factor_set_id == old.id))
                conn.execute(delete(t.factor_sets).where(t.factor_sets.c.id == old.id))
            set_id = conn.execute(
                insert(t.factor_sets).values(
                    key=info.key,
                    name=info.name,
                    version=info.version,
                    publisher=info.publisher,
                    source_url=info.source_url,
                    licence=info.licence,
                    gwp_basis=info.gwp_basis.value,
                    currency=info.currency,
                    price_year=info.price_year,
                    price_basis=info.price_basis,
                    reference_year=info.reference_year,
                    files_sha256=sha256,
                    factor_count=len(data.factors),
                    imported_at=now,
                )
            ).inserted_primary_key
            assert set_id is not None
            rows = [
                {
                    "factor_set_id": set_id[0],
                    "factor_id": f.factor_id,
                    "name": f.name,
                    "unit": f.unit,
                    "kg_co2e_per_unit": f.kg_co2e_per_unit,
                    "kind": f.kind.value,
                    "region": f.region,
                    "scope": f.scope,
                    "gases": dict(f.gases_kg_per_unit),
                    "extra": dict(f.extra),
                }
                for f in data.factors
            ]
            if rows:
                conn.execute(insert(t.factors), rows)
        return int(set_id[0])

    def list_factor_sets(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.factor_sets).order_by(t.factor_sets.c.key))
            return [dict(r._mapping) for r in rows]

    def get_factor_set(self, key: str) -> tuple[FactorSetInfo, list[EmissionFactor]]:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.factor_sets).where(t.factor_sets.c.key == key)).first()
            if row is None:
                raise NotFoundError(
                    f"factor set '{key}' is not imported (run 'greenchain factors import')"
                )
            factor_rows = conn.execute(
                select(t.factors).where(t.factors.c.factor_set_id == row.id)
            ).all()
        info = FactorSetInfo(
            key=row.key,
            name=row.name,
            version=row.version,
            publisher=row.publisher,
            source_url=row.source_url,
            licence=row.licence,
            gwp_basis=GwpSet(row.gwp_basis),
            currency=row.currency,
            price_year=row.price_year,
            price_basis=row.price_basis,
            reference_year=row.reference_year,
        )
        factors = [
            EmissionFactor(
                factor_id=f.factor_id,
                name=f.name,
                unit=f.unit,
                kg_co2e_per_unit=f.kg_co2e_per_unit,
                kind=FactorKind(f.kind),
                region=f.region,
                scope=f.scope,
                gases_kg_per_unit=dict(f.gases),
                extra=dict(f.extra),
            )
            for f in factor_rows
        ]
        return info, factors

    def factor_labels(
        self, wanted: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], dict[str, Any]]:
        """Name, unit and CO2e per unit of the (factor set key, factor id) pairs found among the
        imported sets (one query per set)."""
        by_set: dict[str, set[str]] = {}
        for key, factor_id in wanted:
            by_set.setdefault(key, set()).add(factor_id)
        found: dict[tuple[str, str], dict[str, Any]] = {}
        f, s = t.factors, t.factor_sets
        with self.engine.connect() as conn:
            for key, ids in by_set.items():
                rows = conn.execute(
                    select(f.c.factor_id, f.c.name, f.c.unit, f.c.kg_co2e_per_unit)
                    .join(s, s.c.id == f.c.factor_set_id)
                    .where(s.c.key == key, f.c.factor_id.in_(sorted(ids)))
                )
                for r in rows:
                    found[(key, r.factor_id)] = {
                        "name": r.name,
                        "unit": r.unit,
                        "kg_co2e_per_unit": r.kg_co2e_per_unit,
                    }
        return found

    def factor_ids(self, key: str) -> set[str]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.factors.c.factor_id)
                .join(t.factor_sets, t.factor_sets.c.id == t.factors.c.factor_set_id)
                .where(t.factor_sets.c.key == key)
            )
            return {r[0] for r in rows}

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

    # calculation ---------------------------------------------------------------------------
    def load_calculation_inputs(
        self, org_id: int, year: int, supplier_data_max_age_years: int = 0
    ) -> dict[str, pa.Table]:
        """The input tables of ``year``; supplier data of ``year`` and of up to
        ``supplier_data_max_age_years`` before it (the engine uses the latest of each supplier).
        """
        start, end = f"{year}-01-01", f"{year}-12-31"
        first_data_year = year - supplier_data_max_age_years
        date_filter = (
            f"date >= '{start}' AND date <= '{end}'"
            if self.bulk.dialect == "sqlite"
            else f"date >= DATE '{start}' AND date <= DATE '{end}'"
        )
        queries = {
            "suppliers": f"SELECT supplier_id, country FROM suppliers WHERE org_id = {org_id}",
            "supplier_data": "SELECT supplier_id, year, revenue, currency, scope1_t, "
            "scope2_market_t, scope3_upstream_t, verified, allocated_t, "
            "allocation_includes_upstream FROM supplier_data "
            f"WHERE org_id = {org_id} AND year >= {first_data_year} AND year <= {year} "
            "ORDER BY supplier_id, year",
            "product_footprints": "SELECT product_id, supplier_id, declared_unit, "
            "kg_co2e_per_unit, reference_year, verified, primary_data_share, "
            "dqr_technological, dqr_temporal, dqr_geographical, dqr_completeness, "
            "dqr_reliability FROM product_footprints "
            f"WHERE org_id = {org_id} ORDER BY product_id",
            "activities": "SELECT activity_id, activity, amount, unit, country, "
            "scope3_category, gas, process, abatement, kwh_per_unit_year, lifetime_years, "
            "material, treatment, supplier_id, regulated_ets FROM "
            f"activity_data WHERE org_id = {org_id} AND {date_filter} ORDER BY activity_id",
            "take_back": "SELECT record_id, product_line, units_returned, tonnes_returned, "
            "share_reused, share_refurbished, share_recycled, share_incinerated, "
            f"share_landfilled FROM take_back WHERE org_id = {org_id} AND year = {year} "
            "ORDER BY record_id",
            # instruments whose generation period overlaps the year (pro-rated in the engine)
            "instruments": "SELECT instrument_id, instrument, mwh, period_start, period_end, "
            f"country FROM energy_attributes WHERE org_id = {org_id} AND "
            + date_filter.replace("date >=", "period_end >=").replace(
                "AND date <=", "AND period_start <="
            )
            + " ORDER BY instrument_id",
        }
        purchases = self.snapshots.arrow(
            org_id,
            "purchase_lines",
            "SELECT line_id, supplier_id, amount, currency, naics_code, scope3_category, "
            "quantity, unit, product_id, CAST(month(date) AS INTEGER) AS month, material "
            "FROM lines WHERE date BETWEEN ? AND ? ORDER BY line_id",
            [dt.date(year, 1, 1), dt.date(year, 12, 31)],
        )
        with self.bulk.transaction() as tx:
            tables = {
                name: _typed(tx.fetch_declared(sql, INPUT_SCHEMAS[name]), INPUT_SCHEMAS[name])
                for name, sql in queries.items()
            }
        return {"purchases": _typed(purchases, INPUT_SCHEMAS["purchases"]), **tables}

    def save_run(
        self,
        *,
        org_id: int,
        year: int,
        gwp_set: str,
        previous_run_id: int | None,
        inputs_sha256: str,
        factor_sets: Sequence[str],
        summary: Mapping[str, Any],
        lines: pa.Table,
        rejected: pa.Table,
        restatements: Iterable[Mapping[str, Any]],
        now: dt.datetime,
        then: Callable[[object, int], object] | None = None,
    ) -> int:
        """Store a calculation run: its lines as a Parquet file of the line store (written
        first, named by its SHA-256), the run in one transaction in which
        ``then(connection, run_id)`` runs last (the run's ledger entry); runs never change."""
        lines_sha256, _ = self.lines.put_lines(dictionary_encoded(lines))
        with self.engine.begin() as conn:
            key = conn.execute(
                insert(t.calculation_runs).values(
                    org_id=org_id,
                    year=year,
                    gwp_set=gwp_set,
                    previous_run_id=previous_run_id,
                    inputs_sha256=inputs_sha256,
                    factor_sets=list(factor_sets),
                    summary=dict(summary),
                    line_count=int(summary.get("lines", 0)),
                    rejected_count=rejected.num_rows,
                    lines_sha256=lines_sha256,
                    lines_format="parquet",
                    created_at=now,
                )
            ).inserted_primary_key
            assert key is not None
            run_id = int(key[0])
            if rejected.num_rows:
                conn.execute(
                    insert(t.rejected_lines),
                    [{**r, "run_id": run_id} for r in rejected.to_pylist()],
                )
            rows = [{**r, "run_id": run_id} for r in restatements]
            if rows:
                conn.execute(insert(t.restatements), rows)
            if then is not None:
                then(conn, run_id)
        self._latest.clear()
        return run_id

    def _run_from_row(self, row: Any) -> StoredRun:
        summary = row.summary if isinstance(row.summary, dict) else json.loads(row.summary)
        return StoredRun(
            row.id, row.org_id, row.year, row.gwp_set, row.previous_run_id, summary, row.created_at
        )

    def latest_run_id(self, org_id: int, year: int) -> int | None:
        cached = self._latest.get((org_id, year))
        if cached is not None and time.monotonic() - cached[0] < self.LATEST_RUN_TTL_S:
            return cached[1]
        with self.engine.connect() as conn:
            value = conn.execute(
                select(func.max(t.calculation_runs.c.id)).where(
                    t.calculation_runs.c.org_id == org_id,
                    t.calculation_runs.c.year == year,
                    _RECORDED_RUN,
                )
            ).scalar()
        found = None if value is None else int(value)
        self._latest[(org_id, year)] = (time.monotonic(), found)
        return found

    def run_years(self, org_id: int) -> list[int]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.calculation_runs.c.year)
                .where(t.calculation_runs.c.org_id == org_id, _RECORDED_RUN)
                .distinct()
            )
            return sorted((int(r[0]) for r in rows), reverse=True)

    def latest_run(self, org_id: int, year: int) -> StoredRun | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(*_RUN_COLUMNS)
                .where(
                    t.calculation_runs.c.org_id == org_id,
                    t.calculation_runs.c.year == year,
                    _RECORDED_RUN,
                )
                .order_by(t.calculation_runs.c.id.desc())
            ).first()
        return None if row is None else self._run_from_row(row)

    def get_run(self, org_id: int, run_id: int) -> StoredRun:
        """A run (tenant-checked). Runs never change, so they are kept in a small cache."""
        cached = self._runs.get(run_id)
        if cached is not None and cached.org_id == org_id:
            return cached
        with self.engine.connect() as conn:
            row = conn.execute(
                select(*_RUN_COLUMNS).where(
                    t.calculation_runs.c.org_id == org_id,
                    t.calculation_runs.c.id == run_id,
                    _RECORDED_RUN,
                )
            ).first()
        if row is None:
            raise NotFoundError(f"calculation run {run_id} not found")
        run = self._run_from_row(row)
        if len(self._runs) >= 64:
            self._runs.pop(next(iter(self._runs)))
        self._runs[run_id] = run
        return run

    def list_runs(self, org_id: int, year: int | None = None) -> list[StoredRun]:
        query = select(*_RUN_COLUMNS).where(t.calculation_runs.c.org_id == org_id, _RECORDED_RUN)
        if year is not None:
            query = query.where(t.calculation_runs.c.year == year)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(t.calculation_runs.c.id)).all()
        return [self._run_from_row(r) for r in rows]

    def run_lines_file(self, org_id: int, run_id: int) -> tuple[str, str]:
        """The local path and format of the run's line file (tenant-checked)."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(t.calculation_runs.c.lines_sha256, t.calculation_runs.c.lines_format).where(
                    t.calculation_runs.c.org_id == org_id, t.calculation_runs.c.id == run_id
                )
            ).first()
        if row is None:
            raise NotFoundError(f"calculation run {run_id} not found")
        if row.lines_format is None:  # pragma: no cover - moved when the workspace migrates
            move_lines_to_store(self.engine, self.lines)
            return self.run_lines_file(org_id, run_id)
        return self.lines.path(row.lines_sha256, row.lines_format), str(row.lines_format)

    def select_run_lines(
        self,
        org_id: int,
        run_id: int,
        selection: LineSelection,
        *,
        offset: int = 0,
        limit: int | None = None,
        scope_asked: str = "",
    ) -> LinesSlice:
        """The selected lines of a run from ``offset`` (at most ``limit``), how many were
        selected and their kg CO2e, read from the line file by DuckDB (tenant-checked)."""
        path, fmt = self.run_lines_file(org_id, run_id)
        return select_lines(
            path, fmt, selection, offset=offset, limit=limit, scope_asked=scope_asked
        )

    def rejected_run_lines(self, org_id: int, run_id: int) -> pa.Table:
        """The input lines the run did not calculate, with the run's line columns (empty) and
        their ``reject_reason`` (tenant-checked)."""
        path, fmt = self.run_lines_file(org_id, run_id)
        empty = select_lines(path, fmt, LineSelection(), limit=0).rows
        with self.engine.connect() as conn:
            rejected = conn.execute(
                select(
                    t.rejected_lines.c.source,
                    t.rejected_lines.c.source_id,
                    t.rejected_lines.c.reason,
                )
                .where(t.rejected_lines.c.run_id == run_id)
                .order_by(t.rejected_lines.c.source, t.rejected_lines.c.source_id)
            ).all()
        return with_rejected_lines(empty, [tuple(r) for r in rejected])

    def run_line_column(self, org_id: int, run_id: int, column: str) -> pa.Array:
        path, fmt = self.run_lines_file(org_id, run_id)
        return line_column(path, fmt, column)

    def run_lines_at(self, org_id: int, run_id: int, positions: Sequence[int]) -> pa.Table:
        path, fmt = self.run_lines_file(org_id, run_id)
        return lines_at(path, fmt, positions)

    def run_line_sums(
        self, org_id: int, run_id: int, by: Sequence[str], selection: LineSelection
    ) -> list[dict[str, Any]]:
        path, fmt = self.run_lines_file(org_id, run_id)
        return line_sums(path, fmt, by, selection)

    def run_lines(self, org_id: int, run_id: int, with_rejected: bool = False) -> pa.Table:
        """Every result line of a run with its lineage (tenant-checked); ``with_rejected``:
        then the input lines that were not calculated, each with its ``reject_reason``."""
        path, fmt = self.run_lines_file(org_id, run_id)
        table = read_line_file(path, fmt)
        if not with_rejected:
            return table
        with self.engine.connect() as conn:
            rejected = conn.execute(
                select(
                    t.rejected_lines.c.source,
                    t.rejected_lines.c.source_id,
                    t.rejected_lines.c.reason,
                )
                .where(t.rejected_lines.c.run_id == run_id)
                .order_by(t.rejected_lines.c.source, t.rejected_lines.c.source_id)
            ).all()
        return with_rejected_lines(table, [tuple(r) for r in rejected])


_RUN_COLUMNS = [c for c in t.calculation_runs.c if c.name not in ("lines_arrow", "lines_format")]

#: A run counts (reports, the API, the next run's restatements) only once the ledger entry
#: that records it is stored: a run written without one, by a crash or by hand, is not served.
_RECORDED_RUN = t.calculation_runs.c.ledger_leaf_hash.in_(select(t.ledger_entries.c.leaf_hash))

_RESTATEMENT_SCHEMA = pa.schema(
    [
        ("supplier_id", pa.string()),
        ("previous_method", pa.string()),
        ("new_method", pa.string()),
        ("previous_t_co2e", pa.float64()),
        ("new_t_co2e", pa.float64()),
        ("reason", pa.string()),
    ]
)


_S, _F, _I, _B = pa.string(), pa.float64(), pa.int64(), pa.bool_()
INPUT_SCHEMAS: dict[str, pa.Schema] = {
    "purchases": pa.schema(
        [
            ("line_id", _S),
            ("supplier_id", _S),
            ("amount", _F),
            ("currency", _S),
            ("naics_code", _S),
            ("scope3_category", _I),
            ("quantity", _F),
            ("unit", _S),
            ("product_id", _S),
            ("month", _I),
            ("material", _S),
        ]
    ),
    "suppliers": pa.schema([("supplier_id", _S), ("country", _S)]),
    "take_back": pa.schema(
        [
            ("record_id", _S),
            ("product_line", _S),
            ("units_returned", _I),
            ("tonnes_returned", _F),
            ("share_reused", _F),
            ("share_refurbished", _F),
            ("share_recycled", _F),
            ("share_incinerated", _F),
            ("share_landfilled", _F),
        ]
    ),
    "supplier_data": pa.schema(
        [
            ("supplier_id", _S),
            ("year", _I),
            ("revenue", _F),
            ("currency", _S),
            ("scope1_t", _F),
            ("scope2_market_t", _F),
            ("scope3_upstream_t", _F),
            ("verified", _B),
            ("allocated_t", _F),
            ("allocation_includes_upstream", _B),
        ]
    ),
    "product_footprints": pa.schema(
        [
            ("product_id", _S),
            ("supplier_id", _S),
            ("declared_unit", _S),
            ("kg_co2e_per_unit", _F),
            ("reference_year", _I),
            ("verified", _B),
            ("primary_data_share", _F),
            ("dqr_technological", _F),
            ("dqr_temporal", _F),
            ("dqr_geographical", _F),
            ("dqr_completeness", _F),
            ("dqr_reliability", _F),
        ]
    ),
    "activities": pa.schema(
        [
            ("activity_id", _S),
            ("activity", _S),
            ("amount", _F),
            ("unit", _S),
            ("country", _S),
            ("scope3_category", _I),
            ("gas", _S),
            ("process", _S),
            ("abatement", _F),
            ("kwh_per_unit_year", _F),
            ("lifetime_years", _F),
            ("material", _S),
            ("treatment", _S),
            ("supplier_id", _S),
            ("regulated_ets", _B),
        ]
    ),
    "instruments": pa.schema(
        [
            ("instrument_id", _S),
            ("instrument", _S),
            ("mwh", _F),
            ("period_start", pa.date32()),
            ("period_end", pa.date32()),
            ("country", _S),
        ]
    ),
}


def _typed(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """Give the fetched columns their types: SQLite hands back integers for booleans and
    untyped (null) columns when a column holds no value."""
    columns = []
    for field in schema:
        column = table.column(field.name)
        if pa.types.is_boolean(field.type) and not pa.types.is_boolean(column.type):
            column = pc.not_equal(column.cast(pa.int64()), 0)
        elif column.null_count == len(column) and column.type != field.type:
            column = pa.chunked_array([pa.nulls(len(column), field.type)])
        columns.append(column.cast(field.type))
    return pa.Table.from_arrays(columns, schema=schema)


def digest_tables(tables: Mapping[str, pa.Table]) -> str:
    """SHA-256 over the inputs' schemas and column buffers, in name order (no copies)."""
    digest = hashlib.sha256()
    for name in sorted(tables):
        table = tables[name]
        digest.update(name.encode())
        digest.update(table.schema.serialize().to_pybytes())
        for column in table.columns:
            for chunk in column.chunks:
                for buffer in chunk.buffers():
                    if buffer is not None:
                        digest.update(memoryview(buffer))
    return digest.hexdigest()
