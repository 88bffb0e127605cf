"""Where the calculation's SQL runs: the statements are written once, in the subset of DuckDB's
dialect that SQLGlot transpiles to Spark SQL (no ``* EXCLUDE``/``* REPLACE``, ``UNION BY
NAME``, ``QUALIFY``, lists or structs); a runner registers the Arrow inputs under their names,
materialises the intermediate tables and returns rows or Arrow tables.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any, Protocol

import duckdb
import pyarrow as pa


class SqlRunner(Protocol):
    def register(self, name: str, data: pa.Table) -> None:
        """Make an Arrow table readable as ``name``."""
        ...

    def materialize(self, name: str, select: str) -> None:
        """Compute ``select`` once and keep it as table ``name``."""
        ...

    def view(self, name: str, select: str) -> None:
        """Name ``select`` (computed where it is read)."""
        ...

    def rows(self, select: str) -> list[tuple[Any, ...]]: ...

    def arrow(self, select: str) -> pa.Table: ...

    def dictionary_arrow(self, select: str, columns: tuple[str, ...]) -> pa.Table:
        """``select`` as Arrow with the texts of ``columns`` dictionary-encoded (the smallest
        unsigned index type that holds their distinct values)."""
        ...


class DuckDbRunner:
    """The default engine: an in-process DuckDB connection over the Arrow tables (no copy)."""

    def __init__(self) -> None:
        # no progress bar on the output of a server or worker calculating in a thread
        self.con = duckdb.connect()
        self.con.execute("SET enable_progress_bar = false")

    def __enter__(self) -> DuckDbRunner:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.con.close()

    def register(self, name: str, data: pa.Table) -> None:
        self.con.register(name, data)

    def materialize(self, name: str, select: str) -> None:
        self.con.execute(f"CREATE TEMP TABLE {name} AS {select}")

    def view(self, name: str, select: str) -> None:
        self.con.execute(f"CREATE TEMP VIEW {name} AS {select}")

    def rows(self, select: str) -> list[tuple[Any, ...]]:
        return self.con.execute(select).fetchall()

    def arrow(self, select: str) -> pa.Table:
        return self.con.sql(select).to_arrow_table()

    def dictionary_arrow(self, select: str, columns: tuple[str, ...]) -> pa.Table:
        # Repeated texts become ENUMs, which reach Arrow dictionary-encoded: compact to store.
        self.con.execute(f"CREATE TEMP VIEW dictionary_source AS {select}")
        for column in columns:
            self.con.execute(
                f"CREATE TYPE {column}_t AS ENUM "
                f"(SELECT DISTINCT {column} FROM dictionary_source WHERE {column} IS NOT NULL)"
            )
        casts = ", ".join(f"{c}::{c}_t AS {c}" for c in columns)
        return self.con.sql(f"SELECT * REPLACE ({casts}) FROM dictionary_source").to_arrow_table()
