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

#: DuckDB's memory for a large year's calculation (beyond it, it spills to disk).
LARGE_MEMORY = "4GB"

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
    """The default engine: an in-process DuckDB connection over the Arrow tables (no copy) and
    the Parquet inputs.

    ``large``: a year too big to keep its intermediate tables in memory (tens of millions of
    lines, several hundred bytes each): they are written as Parquet files to the runner's
    folder instead and read back as the next statements need them, and DuckDB works within
    :data:`LARGE_MEMORY`, spilling to the folder beyond it. Otherwise they are tables in
    memory (the fastest), spilling beyond DuckDB's own limit (80 % of the machine's)."""

    def __init__(self, *, large: bool = False) -> None:
        self.large = large
        self.spill = tempfile.TemporaryDirectory(prefix="greenchain-calc-")
        config: dict[str, Any] = {"temp_directory": self.spill.name}
        if large:
            config["memory_limit"] = LARGE_MEMORY
        self.con = duckdb.connect(config=config)
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
        if not self.large:
            self.con.execute(f"CREATE TEMP TABLE {name} AS {select}")
            return
        out = str(Path(self.spill.name) / f"{name}.parquet").replace("'", "''")
        self.con.execute(f"COPY ({select}) TO '{out}' (FORMAT parquet, COMPRESSION lz4_raw)")
        self.con.execute(f"CREATE TEMP VIEW {name} AS SELECT * FROM read_parquet('{out}')")

    def view(self, name: str, select: str) -> None:
        self.con.execute(f"CREATE TEMP VIEW {name} AS {select}")

    def rows(self, select: str) -> list[tuple[Any, ...]]:
        return self.con.execute(select).fetchall()

    def arrow(self, select: str) -> pa.Table:
        return self.con.sql(select).to_arrow_table()
