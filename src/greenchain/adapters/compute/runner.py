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

import pyarrow as pa

from greenchain.adapters import duck

#: DuckDB's memory for a large year's calculation (beyond it, it spills to disk).
LARGE_MEMORY = "4GB"


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
    """The default engine: a connection to the process's DuckDB database over the Arrow
    tables (no copy) and the Parquet inputs; the result lines file in row groups sized to
    the year's ``rows`` (:func:`duck.row_group_rows`).

    ``large``: a year too big to keep its intermediate tables in memory (tens of millions of
    lines, several hundred bytes each): they are written as Parquet files to the runner's
    folder instead and read back as the next statements need them, and DuckDB works within
    :data:`LARGE_MEMORY`, spilling to the folder beyond it. Otherwise (at most
    ``DuckDbEngine.LARGE_ROWS`` lines) they are Arrow tables in memory, in batches of
    :func:`duck.row_group_rows` rows: DuckDB reads an Arrow table in parallel by batch, where
    a temporary table of fewer lines than its row group (122,880) is read by one thread."""

    def __init__(self, *, large: bool = False, rows: int = 0) -> None:
        self.large = large
        self.expected_rows = rows
        # a large year: a database of its own within LARGE_MEMORY, its intermediate tables and
        # spill in a folder of its own; otherwise the shared database (which spills to its own)
        self.spill = tempfile.TemporaryDirectory(prefix="greenchain-calc-") if large else None
        self.con = duck.connect(
            memory_limit=LARGE_MEMORY if large else None,
            spill=self.spill.name if self.spill else None,
        )

    def __enter__(self) -> DuckDbRunner:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.con.close()
        if self.spill is not None:
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
            f"ROW_GROUP_SIZE {duck.row_group_rows(self.expected_rows)})"
        )

    def materialize(self, name: str, select: str) -> None:
        if not self.large:
            batch = duck.row_group_rows(self.expected_rows)
            self.con.register(name, self.con.sql(select).to_arrow_table(batch_size=batch))
            return
        assert self.spill is not None  # a large runner has its folder
        out = str(Path(self.spill.name) / f"{name}.parquet").replace("'", "''")
        self.con.execute(f"COPY ({select}) TO '{out}' (FORMAT parquet, COMPRESSION lz4_raw)")
        self.con.execute(f"CREATE TEMP VIEW {name} AS SELECT * FROM read_parquet('{out}')")

    def view(self, name: str, select: str) -> None:
        self.con.execute(f"CREATE TEMP VIEW {name} AS {select}")

    def rows(self, select: str) -> list[tuple[Any, ...]]:
        return self.con.execute(select).fetchall()

    def arrow(self, select: str) -> pa.Table:
        return self.con.sql(select).to_arrow_table()
