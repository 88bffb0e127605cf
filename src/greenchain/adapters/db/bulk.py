"""Arrow-native bulk reads and writes through ADBC (SQLite and PostgreSQL drivers).

Large tables (purchase lines, result lines) move as Arrow columns: ingested into a temporary
staging table, then merged with one ``INSERT ... SELECT ... ON CONFLICT`` statement, all inside
one transaction, so an import or a calculation run is written whole or not at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlalchemy.engine import make_url

from greenchain.domain.errors import ConfigurationError


class BulkStore:
    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        if self.dialect == "sqlite":
            self._target = str(Path(parsed.database or ":memory:").expanduser())
        elif self.dialect == "postgresql":
            self._target = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        else:
            raise ConfigurationError(
                f"unsupported database '{self.dialect}' (SQLite or PostgreSQL)"
            )

    @contextmanager
    def transaction(self) -> Iterator[BulkTransaction]:
        """One ADBC connection and transaction: committed on success, rolled back on error."""
        if self.dialect == "sqlite":
            import adbc_driver_sqlite.dbapi as sqlite_dbapi

            conn = sqlite_dbapi.connect(self._target)
        else:
            import adbc_driver_postgresql.dbapi as pg_dbapi

            conn = pg_dbapi.connect(self._target)
        try:
            cursor = conn.cursor()
            if self.dialect == "sqlite":
                # Connection settings cannot change inside the transaction the driver opened:
                # close it, set them, open a new one. WAL + synchronous=NORMAL is durable
                # against crashes of the process and keeps commits cheap.
                cursor.execute("COMMIT")
                cursor.execute("PRAGMA busy_timeout=30000")
                cursor.execute("PRAGMA foreign_keys=ON")
                cursor.execute("PRAGMA synchronous=NORMAL")
                cursor.execute("PRAGMA cache_size=-262144")  # 256 MiB for bulk B-tree work
                cursor.execute("BEGIN")
            tx = BulkTransaction(cursor, self.dialect)
            yield tx
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            conn.close()

    def fetch(self, sql: str) -> pa.Table:
        with self.transaction() as tx:
            return tx.fetch(sql)


class BulkTransaction:
    def __init__(self, cursor: Any, dialect: str) -> None:
        self._cursor = cursor
        self.dialect = dialect
        self._staged = 0
        #: Table states (see ``row_hashes.state_digest``) known from what this transaction
        #: wrote, by (table, org_id): a first import's rows are the table's whole content.
        self.known_states: dict[tuple[str, int], dict[str, Any]] = {}

    def execute(self, sql: str) -> None:
        self._cursor.execute(sql)

    def fetch(self, sql: str) -> pa.Table:
        self._cursor.execute(sql)
        table: pa.Table = self._cursor.fetch_arrow_table()
        return table

    def fetch_declared(self, sql: str, schema: pa.Schema) -> pa.Table:
        """The rows of ``sql`` (its columns named as in ``schema``, in any order) read with the
        declared column types, never types inferred from the values.

        SQLite has no column types in a result: the ADBC driver infers each column's type from
        the first batch of rows (1,024), so a column whose first values are all empty and a
        later one decimal fails ("Type mismatch ... expected INT64 but got DOUBLE"). Here a
        leading row of typed placeholder values, marked and dropped after reading, declares
        every column's type to the driver. PostgreSQL results carry their types already."""
        if self.dialect != "sqlite":
            return self.fetch(sql)
        names = ", ".join(f'q."{field.name}"' for field in schema)
        placeholders = ", ".join(
            f'{_placeholder(field.type)} AS "{field.name}"' for field in schema
        )
        table = self.fetch(
            f"SELECT 1 AS {_TYPED_ROW}, {placeholders} "
            f"UNION ALL SELECT 0, {names} FROM ({sql}) AS q"
        )
        marker = table.column(_TYPED_ROW)
        if table.num_rows == 0 or marker[0].as_py() != 1:  # pragma: no cover - SQLite order
            raise RuntimeError("the typed placeholder row did not come first")
        return table.slice(1).drop_columns([_TYPED_ROW])

    def scalar(self, sql: str) -> Any:
        self._cursor.execute(sql)
        row = self._cursor.fetchone()
        return None if row is None else row[0]

    def stage(self, rows: pa.Table) -> str:
        """Ingest ``rows`` into a new temporary table and return its name."""
        self._staged += 1
        name = f"gc_stage_{self._staged}"
        self._cursor.adbc_ingest(name, rows, mode="create", temporary=True)
        return name

    def append(self, table: str, rows: pa.Table, constants: dict[str, int] | None = None) -> None:
        """Append ``rows`` (plus constant integer columns) straight into ``table``.

        PostgreSQL's binary COPY needs exact column types, so there the rows go through a
        staging table and an ``INSERT ... SELECT`` that casts.
        """
        if self.dialect == "postgresql":
            self.insert_select(table, rows, constants=dict(constants or {}))
            return
        for name, value in (constants or {}).items():
            rows = rows.append_column(name, pa.array([value] * rows.num_rows, pa.int64()))
        self._cursor.adbc_ingest(table, rows, mode="append")

    def json_value(self, column: str) -> str:
        return f"CAST({column} AS JSON)" if self.dialect == "postgresql" else column

    def insert_select(
        self,
        table: str,
        rows: pa.Table,
        *,
        constants: dict[str, int | str] | None = None,
        json_columns: Sequence[str] = (),
        conflict_key: Sequence[str] = (),
        returning: str | None = None,
    ) -> Any:
        """``INSERT INTO table SELECT`` staged ``rows`` (plus constant columns).

        With ``conflict_key``, rows with an existing key replace the stored ones (upsert).
        """
        staged = self.stage(rows)
        columns = list(rows.column_names)
        values = [self.json_value(f'"{c}"') if c in json_columns else f'"{c}"' for c in columns]
        for name, value in (constants or {}).items():
            columns.append(name)
            values.append(str(int(value)) if isinstance(value, int) else _literal(value))
        sql = (
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} "
            f"FROM {staged} WHERE true"
        )
        if conflict_key:
            updates = [c for c in columns if c not in conflict_key]
            sql += f" ON CONFLICT ({', '.join(conflict_key)}) DO UPDATE SET " + ", ".join(
                f"{c} = excluded.{c}" for c in updates
            )
        if returning:
            sql += f" RETURNING {returning}"
            return self.scalar(sql)
        self.execute(sql)
        return None

    def timestamp(self, value: dt.datetime) -> pa.Array:
        """A one-row timestamp column in the form each database's DateTime columns expect."""
        if self.dialect == "sqlite":
            text = value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")
            if "." not in text:
                text += ".000000"
            return pa.array([text], pa.string())
        return pa.array([value], pa.timestamp("us", tz="UTC"))


_TYPED_ROW = "gc_typed_row"


def _placeholder(kind: pa.DataType) -> str:
    """A non-null SQLite value of the storage class ``kind`` is read back as."""
    if pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        return "CAST(0.5 AS REAL)"
    if pa.types.is_integer(kind) or pa.types.is_boolean(kind):
        return "0"
    return "''"  # text, and dates and times, which SQLite keeps as text


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
