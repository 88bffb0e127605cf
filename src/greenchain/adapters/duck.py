"""DuckDB connections for the work of one process: one shared in-memory database for work that
fits in memory, a database of its own for work that needs a memory budget.

Why: opening a DuckDB database costs about 15 ms (its buffer manager, catalog and thread pool
start), which is more than a page of lines takes to read and, over the dozen look-ups,
validations and merges of an import and a calculation, a tenth of a second that does not
shrink with the data. A connection to an open database (a cursor) costs microseconds. Each
connection's temporary tables, views and registered Arrow tables are its own, so concurrent
requests, imports and calculations do not see each other's; what they share is the database's
memory (DuckDB's default limit, 80 % of the machine) and its spill folder.

Work whose size calls for a bound on memory (validating a file of gigabytes, merging a
snapshot of a hundred million lines) gets a database of its own with that limit and spill
folder, as before: there the start-up cost is nothing next to the work.

Rows per row group: DuckDB reads a Parquet file in parallel by row group, so a file of fewer
lines than one default group (122,880) is read by one thread. :func:`row_group_rows` sizes a
file's groups so that every thread has one to read.
"""

from __future__ import annotations

import atexit
import math
import os
import tempfile
import threading
from pathlib import Path

import duckdb

#: DuckDB's default rows per row group (a row group is the unit of parallel reading).
DEFAULT_ROW_GROUP_ROWS = 122_880
#: The fewest rows per row group we write (smaller groups cost more metadata than they save).
MIN_ROW_GROUP_ROWS = 16_384
#: Work on inputs up to this size runs in the shared database (no memory budget of its own).
SHARED_INPUT_BYTES = 256 * 1024 * 1024

_lock = threading.Lock()
_shared: tuple[duckdb.DuckDBPyConnection, tempfile.TemporaryDirectory[str]] | None = None


def _database() -> duckdb.DuckDBPyConnection:
    """The process's shared in-memory database, opened on first use. DuckDB is not safe
    across ``fork``: processes are started by ``spawn`` (as uvicorn starts its workers)."""
    global _shared
    with _lock:
        if _shared is None:
            spill = tempfile.TemporaryDirectory(prefix="greenchain-duckdb-")
            con = duckdb.connect(
                config={"temp_directory": spill.name, "preserve_insertion_order": True}
            )
            _shared = (con, spill)
        return _shared[0]


@atexit.register
def _close() -> None:
    if _shared is not None:
        _shared[0].close()
        _shared[1].cleanup()


def connect(
    *,
    memory_limit: str | None = None,
    spill: str | Path | None = None,
    input_bytes: int | None = None,
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection without a progress bar (a server's or worker's output would show
    it), keeping rows in the order they are read unless a query sorts them. Close it when done.

    Without ``memory_limit``, or for inputs known to be at most :data:`SHARED_INPUT_BYTES`
    (``input_bytes``): a connection to the shared database. Otherwise a database of its own
    within ``memory_limit``, spilling to ``spill`` beyond it."""
    if memory_limit is None or (input_bytes is not None and input_bytes <= SHARED_INPUT_BYTES):
        database = _database()
        with _lock:
            con = database.cursor()
    else:
        config: dict[str, str | bool | int | float | list[str]] = {
            "memory_limit": memory_limit,
            "preserve_insertion_order": True,
        }
        if spill is not None:
            config["temp_directory"] = str(spill)
        con = duckdb.connect(config=config)
    con.execute("SET enable_progress_bar = false")
    return con


def row_group_rows(rows: int) -> int:
    """Rows per row group for a file of ``rows`` lines: DuckDB's default for large files, and
    for smaller ones groups small enough that each of the machine's threads reads one."""
    threads = os.cpu_count() or 1
    return max(MIN_ROW_GROUP_ROWS, min(DEFAULT_ROW_GROUP_ROWS, math.ceil(rows / threads)))
