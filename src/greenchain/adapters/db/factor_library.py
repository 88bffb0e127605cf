"""The factor library of the workspace (a part of ``SqlWorkspace``): published factor sets,
stored once and shared by every organisation.

Why a cache: a calculation reads its spend-based set (EPA v1.3: 1,016 factors, each with its
gases as JSON) every run; reading and decoding them is a fixed cost of some 40 ms whatever the
number of lines. A set changes only by a new import, so the factors read are kept per import.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Row, delete, insert, select

from greenchain.adapters.db import tables as t
from greenchain.domain.errors import NotFoundError
from greenchain.domain.factors import EmissionFactor, FactorKind, FactorSetData, FactorSetInfo
from greenchain.domain.ghg import GwpSet


@dataclass(frozen=True)
class FactorSetCacheEntry:
    """The factors of one import of a set: ``stamp`` is its (row id, file hash, import time)."""

    stamp: tuple[int, str, str]
    factors: tuple[EmissionFactor, ...]


def _factor(f: Row[Any]) -> EmissionFactor:
    return EmissionFactor(
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


class FactorLibrary:
    """Factor sets: store, list, read (the factors of a set kept per import)."""

    engine: Engine
    _factor_sets: dict[str, FactorSetCacheEntry]

    def save_factor_set(self, data: FactorSetData, sha256: str, now: dt.datetime) -> int:
        """Store a factor set, replacing an earlier import of the same key, in one transaction."""
        info = data.info
        self._factor_sets.pop(info.key, None)
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
        """The stored set ``key``: its provenance and factors. The factors are read once per
        import of the set and kept (a calculation reads the 1,016 EPA factors each time): the
        set's row is read every call and the kept factors are used only while it still names
        the same import (id, file hash and import time)."""
        with self.engine.connect() as conn:
            row = conn.execute(select(t.factor_sets).where(t.factor_sets.c.key == key)).first()
            if row is None:
                raise NotFoundError(
                    f"factor set '{key}' is not imported (run 'greenchain factors import')"
                )
            stamp = (row.id, row.files_sha256, str(row.imported_at))
            kept = self._factor_sets.get(key)
            if kept is None or kept.stamp != stamp:
                factor_rows = conn.execute(
                    select(t.factors).where(t.factors.c.factor_set_id == row.id)
                ).all()
                kept = FactorSetCacheEntry(stamp, tuple(_factor(f) for f in factor_rows))
                self._factor_sets[key] = kept
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
        return info, list(kept.factors)

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
