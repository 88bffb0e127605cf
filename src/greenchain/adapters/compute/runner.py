"""Where the calculation's SQL runs: the statements are written once, in the subset of DuckDB's
dialect that SQLGlot transpiles to Spark SQL (no ``* EXCLUDE``/``* REPLACE``, ``UNION BY
NAME``, ``QUALIFY``, lists or structs); a runner registers the Arrow inputs under their names,
materialises the intermediate tables and returns rows or Arrow tables.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

import duckdb
import pyarrow as pa

#: Rows per row group of a result lines file (DuckDB's default): a page of lines reads one or
#: two of them, and DuckDB's threads write groups of this size in parallel.
RESULT_ROW_GROUP_ROWS = 122_880


class SqlRunner(Protocol):
    def register(self, name: str, data: pa.Table) -> None:
        """Make an Arrow table readable as ``name``."""
        ...

    def register_parquet(self, name: str, path: str) -> None:
        """Make a Parquet file readable as ``name`` (read where the statements run)."""
        ...

    def write_parquet(self, select: str, out: Path) -> None:
        """Write the rows of ``select`` to the Parquet file ``out`` (a local path)."""
        ...

    def materialize(self, name: str, select: str) -> None:
        """Compute ``select`` once and keep it as table ``name``."""
        ...

    def view(self, name: str, select: str) -> None:
        """Name ``select`` (computed where it is read)."""
        ...

    def rows(self, select: str) -> list[tuple[Any, ...]]: ...

    def arrow(self, select: str) -> pa.Table: ...


class DuckDbRunner:
    """The default engine: an in-process DuckDB connection over the Arrow tables (no copy)."""

    def __init__(self) -> None:
        # beyond DuckDB's memory limit (80 % of the machine's) the intermediate tables spill
        # to a folder of their own, removed with the runner
        self.spill = tempfile.TemporaryDirectory(prefix="greenchain-calc-")
        self.con = duckdb.connect(config={"temp_directory": self.spill.name})
        # no progress bar on the output of a server or worker calculating in a thread
        self.con.execute("SET enable_progress_bar = false")
        self.con.execute("SET preserve_insertion_order = true")

    def __enter__(self) -> DuckDbRunner:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.con.close()
        self.spill.cleanup()

    def register(self, name: str, data: pa.Table) -> None:
        self.con.register(name, data)

    def register_parquet(self, name: str, path: str) -> None:
        quoted = path.replace("'", "''")
        self.con.execute(f"CREATE TEMP VIEW {name} AS SELECT * FROM read_parquet('{quoted}')")

    def write_parquet(self, select: str, out: Path) -> None:
        # DuckDB's writer: threads in parallel, rows in order, repeated texts dictionary-encoded
        quoted = str(out).replace("'", "''")
        self.con.execute(
            f"COPY ({select}) TO '{quoted}' (FORMAT parquet, COMPRESSION zstd, "
            f"ROW_GROUP_SIZE {RESULT_ROW_GROUP_ROWS})"
        )

    def materialize(self, name: str, select: str) -> None:
        self.con.execute(f"CREATE TEMP TABLE {name} AS {select}")

    def view(self, name: str, select: str) -> None:
        self.con.execute(f"CREATE TEMP VIEW {name} AS {select}")

    def rows(self, select: str) -> list[tuple[Any, ...]]:
        return self.con.execute(select).fetchall()

    def arrow(self, select: str) -> pa.Table:
        return self.con.sql(select).to_arrow_table()
