"""The calculation on Apache Spark: the statements of the DuckDB engine, transpiled by SQLGlot
to Spark SQL, over the same inputs: the purchase lines' snapshot file read by the executors
(``spark.read.parquet``), the small tables loaded from Arrow.

PySpark is imported only here, and this module only when the Spark engine is chosen
(``GREENCHAIN_ENGINE=spark`` or ``greenchain calc --engine spark``). Without a master URL the
session runs in process (``local[2]``); with ``GREENCHAIN_SPARK_MASTER`` it connects to that
cluster. See docs/scale.md.
"""

from __future__ import annotations

import functools
import os
import threading
import warnings
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq
import sqlglot

from greenchain.adapters import duck
from greenchain.adapters.compute.engine import DuckDbEngine
from greenchain.adapters.compute.runner import SqlRunner

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

#: Settings of the in-process session: two threads, few shuffle partitions (the inputs of one
#: organisation are small for Spark), no web UI, the driver on the loopback interface.
LOCAL_CONF = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.driver.host": "127.0.0.1",
}
#: Settings of every session: dates without a time zone shift, the calculation's own NULL
#: handling (a division by zero is NULL, as ``nullif`` in the statements expects)
SESSION_CONF = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.ansi.enabled": "false",
}
_lock = threading.Lock()
_masters: set[str | None] = set()


def transpile(statement: str) -> str:
    """One statement of the calculation (DuckDB dialect) in Spark SQL; raises on a construct
    SQLGlot cannot carry over rather than running something else."""
    tree = sqlglot.parse_one(statement, read="duckdb")
    for cte in tree.find_all(sqlglot.exp.CTE):
        cte.set("materialized", None)  # DuckDB's hint (not to keep a CTE read twice); Spark inlines
    return tree.sql(dialect="spark", unsupported_level=sqlglot.ErrorLevel.RAISE)


@contextmanager
def _quiet() -> Iterator[None]:
    # PySpark warns that it has not been tested with pandas 3; the engine does not use pandas.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=FutureWarning, module=r"pyspark\..*")
        warnings.filterwarnings("ignore", message=r".*pandas.*", category=FutureWarning)
        yield


@functools.cache
def spark_session(master: str | None = None, app_name: str = "greenchain") -> SparkSession:
    """The process's Spark session: in process (``local[2]``) without ``master``, else on
    that cluster (``spark://host:7077``, ``yarn``, ``k8s://...``)."""
    from pyspark.sql import SparkSession

    if not master:  # the local driver on the loopback interface, whatever the host name says
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = SparkSession.builder.appName(app_name).master(master or "local[2]")
    for key, value in (LOCAL_CONF if not master else {}).items():
        builder = builder.config(key, value)
    for key, value in SESSION_CONF.items():
        builder = builder.config(key, value)
    with _lock, _quiet():
        session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    _masters.add(master)
    return session


def stop_spark() -> None:
    """Stop the process's session (and its JVM's work); the next calculation starts another."""
    if spark_session.cache_info().currsize:
        for session in {spark_session(m) for m in _masters}:
            session.stop()
    spark_session.cache_clear()
    _masters.clear()


def _plain_arrow(data: pa.Table) -> pa.Table:
    """What Spark returns typed as DuckDB returns it: texts as ``string``, every column
    nullable."""
    fields = [
        pa.field(f.name, pa.string() if pa.types.is_large_string(f.type) else f.type, True)
        for f in data.schema
    ]
    return data.cast(pa.schema(fields))


class SparkRunner:
    """Runs the calculation's statements in a new Spark session of the shared context (its own
    temporary views, so calculations at the same time do not see each other's tables)."""

    def __init__(self, session: SparkSession) -> None:
        self.spark = session.newSession()
        for key, value in SESSION_CONF.items():
            self.spark.conf.set(key, value)
        self.cached: list[DataFrame] = []
        self.views: list[str] = []

    def __enter__(self) -> SparkRunner:
        return self

    def __exit__(self, *_: object) -> None:
        for frame in self.cached:
            frame.unpersist()
        for name in self.views:
            self.spark.catalog.dropTempView(name)

    def _frame(self, select: str) -> DataFrame:
        return self.spark.sql(transpile(select))

    def register(self, name: str, data: pa.Table) -> None:
        with _quiet():
            frame = self.spark.createDataFrame(data)
        frame.createOrReplaceTempView(name)
        self.views.append(name)

    def register_parquet(self, name: str, path: str) -> None:
        # read by the executors (a path they reach: a shared filesystem or object storage)
        self.spark.read.parquet(path).createOrReplaceTempView(name)
        self.views.append(name)

    def materialize(self, name: str, select: str) -> None:
        frame = self._frame(select).cache()
        self.cached.append(frame)
        frame.createOrReplaceTempView(name)
        self.views.append(name)

    def view(self, name: str, select: str) -> None:
        self._frame(select).createOrReplaceTempView(name)
        self.views.append(name)

    def rows(self, select: str) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self._frame(select).collect()]

    def arrow(self, select: str) -> pa.Table:
        with _quiet():
            return _plain_arrow(self._frame(select).toArrow())

    def write_parquet(self, select: str, out: Path) -> None:
        # one file on the driver's disk, written from the rows Spark returns as Arrow
        lines = self.arrow(select)
        pq.write_table(lines, out, row_group_size=duck.row_group_rows(lines.num_rows))


class SparkEngine(DuckDbEngine):
    """The calculation engine port on Apache Spark (``pyspark``): the same statements as
    ``DuckDbEngine``, the same inputs and the same output."""

    def __init__(self, master: str | None = None, session: SparkSession | None = None) -> None:
        self.master = master
        self.session = session

    def runner(self, rows: int = 0) -> AbstractContextManager[SqlRunner]:
        return SparkRunner(self.session or spark_session(self.master))
