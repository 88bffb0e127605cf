"""Inputs of the calculation read from a Parquet file by the engine that runs it.

Why: a year of an organisation's purchase lines can be tens of millions of rows. Loaded into
Arrow first, the calculation's memory grows with the year; read from the organisation's
snapshot file (``line_snapshots``), DuckDB reads the columns and row groups the statements need
as they need them (projection and filter push-down, spilling beyond its limit), and on Apache
Spark the executors read the file themselves. The selection is one SQL statement over the
file, in the dialect of the calculation's statements (DuckDB, transpiled for Spark).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import TypeAlias

import duckdb
import pyarrow as pa

from greenchain.adapters import duck

#: DuckDB's names of the Arrow types the calculation's inputs are declared with.
SQL_TYPES = {
    pa.string(): "VARCHAR",
    pa.int64(): "BIGINT",
    pa.float64(): "DOUBLE",
    pa.date32(): "DATE",
    pa.bool_(): "BOOLEAN",
}


@dataclass(frozen=True)
class ParquetInput:
    """The rows of a content-addressed Parquet file that ``where`` selects, as ``schema``.

    ``expressions``: per column of ``schema`` the SQL over the file's columns (the column of
    the same name where absent); ``sha256``: the file's name in the line store, which with the
    statement identifies the input (the run's input digest)."""

    path: str
    sha256: str
    schema: pa.Schema
    where: str
    expressions: Mapping[str, str]

    def sql(self, source: str) -> str:
        """The selection over ``source`` (the file's view), each column cast to its type."""
        items = ", ".join(
            f"CAST({self.expressions.get(f.name, f.name)} AS {SQL_TYPES[f.type]}) AS {f.name}"
            for f in self.schema
        )
        return f"SELECT {items} FROM {source} WHERE {self.where}"

    @property
    def column_names(self) -> list[str]:
        return list(self.schema.names)

    def identity(self) -> bytes:
        """What names this input for a digest: the file's SHA-256 and the statement."""
        return f"{self.sha256}\n{self.sql('file')}".encode()

    def file_sql(self) -> str:
        quoted = self.path.replace("'", "''")
        return f"SELECT * FROM read_parquet('{quoted}')"

    @property
    def rows(self) -> int:
        """How many rows the selection holds."""
        return self.summary.rows

    @cached_property
    def summary(self) -> InputSummary:
        """What the look-ups before a calculation ask of the selection, read in one pass."""
        names = set(self.schema.names)
        currencies = (
            "list(DISTINCT currency) FILTER (WHERE currency IS NOT NULL)"
            if "currency" in names
            else "[]"
        )
        materials = (
            "list(DISTINCT [material, unit]) FILTER "
            "(WHERE material IS NOT NULL AND unit IS NOT NULL)"
            if {"material", "unit"} <= names
            else "[]"
        )
        with in_duckdb(self, "i") as con:
            rows, found, pairs = con.execute(
                f"SELECT count(*), {currencies}, {materials} FROM i"
            ).fetchall()[0]
        return InputSummary(
            rows=int(rows),
            currencies=frozenset(str(c) for c in found or []),
            materials=tuple(sorted((str(m), str(u)) for m, u in pairs or [])),
        )


@dataclass(frozen=True)
class InputSummary:
    """A Parquet input's row count, currencies and distinct (material, unit) pairs."""

    rows: int
    currencies: frozenset[str]
    materials: tuple[tuple[str, str], ...]


Input: TypeAlias = pa.Table | ParquetInput


@contextmanager
def in_duckdb(data: Input, name: str = "t") -> Iterator[duckdb.DuckDBPyConnection]:
    """A DuckDB connection in which ``data`` is the view ``name`` (an Arrow table registered
    without a copy, a Parquet input read lazily)."""
    con = duck.connect()
    try:
        register(con, name, data)
        yield con
    finally:
        con.close()


def register(con: duckdb.DuckDBPyConnection, name: str, data: Input) -> None:
    """Make ``data`` readable as ``name`` in a DuckDB connection."""
    if isinstance(data, ParquetInput):
        con.execute(f"CREATE TEMP VIEW {name}_file AS {data.file_sql()}")
        con.execute(f"CREATE TEMP VIEW {name} AS {data.sql(f'{name}_file')}")
    else:
        con.register(name, data)


def digest_inputs(tables: Mapping[str, Input]) -> str:
    """SHA-256 over the inputs in name order: an Arrow table's schema and column buffers (no
    copies), a Parquet input's file SHA-256 and selection."""
    digest = hashlib.sha256()
    for name in sorted(tables):
        table = tables[name]
        digest.update(name.encode())
        if isinstance(table, ParquetInput):
            digest.update(table.identity())
            continue
        digest.update(table.schema.serialize().to_pybytes())
        for column in table.columns:
            for chunk in column.chunks:
                for buffer in chunk.buffers():
                    if buffer is not None:
                        digest.update(memoryview(buffer))
    return digest.hexdigest()
