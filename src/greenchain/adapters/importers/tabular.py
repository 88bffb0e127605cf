"""Read CSV or XLSX files and validate them against a :class:`RecordSchema`, vectorised in DuckDB.

Every value is read as text; each rule of the schema is one SQL predicate over the whole file,
so a million rows are checked in about a second. Rows are numbered as a spreadsheet shows them
(the header is row 1, the first data row is row 2).

Memory does not grow with the file: DuckDB validates with a memory limit and spills to a
temporary folder beyond it, and writes the clean rows, the rejected rows and every problem
to Parquet files in that folder, which the caller reads in batches (:class:`ParquetRows`).
Only the first :data:`PROBLEMS_KEPT` problems are held in memory (for messages), with the
exact count of all of them; the reports are written from the Parquet files, whole.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import tempfile
import warnings
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from greenchain.adapters import duck
from greenchain.adapters.exports import write_batches_csv, write_csv
from greenchain.domain.errors import InvalidDataError, RowProblem
from greenchain.domain.records import (
    FALSE_WORDS,
    REFERENCE_HINTS,
    TRUE_WORDS,
    ColumnSpec,
    ColumnType,
    RecordSchema,
    Reference,
)

ROW = "_row"

#: How many problems of a file are kept in memory for messages (all are counted and reported).
PROBLEMS_KEPT = 1_000
#: Rows per batch when rows are read back from a validated file.
BATCH_ROWS = 250_000
#: DuckDB's memory while it validates a file; beyond it, it spills to the temporary folder.
VALIDATION_MEMORY = "1GB"


@dataclass(frozen=True)
class ParquetRows:
    """Rows kept in a Parquet file, read lazily in record batches."""

    path: Path
    num_rows: int

    @property
    def schema(self) -> pa.Schema:
        return pq.read_schema(self.path)

    @property
    def column_names(self) -> list[str]:
        return list(self.schema.names)

    def iter_batches(self, batch_size: int = BATCH_ROWS) -> Iterator[pa.RecordBatch]:
        """The rows in file order, at most ``batch_size`` at a time."""
        with pq.ParquetFile(self.path) as parquet:
            yield from parquet.iter_batches(batch_size=batch_size)

    def read(self) -> pa.Table:
        """All rows at once (for files known to be small, such as reference data)."""
        return pq.read_table(self.path)


@dataclass(frozen=True)
class ValidatedFile:
    """A file checked against its schema: the typed good rows, the rejected rows and the
    problems of the bad ones, kept in a temporary folder until :meth:`close`."""

    file_name: str
    sha256: str
    total_rows: int
    clean: ParquetRows
    #: The first :data:`PROBLEMS_KEPT` problems, in row order.
    problems: tuple[RowProblem, ...]
    #: How many problems the file has in all.
    problem_count: int
    rejected: ParquetRows
    #: Every problem (``row``, ``field``, ``value``, ``reason``), in row order.
    all_problems: ParquetRows
    folder: tempfile.TemporaryDirectory[str] | None = field(default=None, compare=False, repr=False)

    @property
    def rejected_rows(self) -> int:
        return int(self.rejected.num_rows)

    def close(self) -> None:
        """Remove the temporary files."""
        if self.folder is not None:
            self.folder.cleanup()

    def __enter__(self) -> ValidatedFile:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


@dataclass(frozen=True)
class CsvSource:
    """A CSV file read straight into the validating DuckDB connection (no Arrow copy)."""

    path: Path
    header: tuple[str, ...]
    #: The folder of a UTF-8 copy of a file in another encoding, removed with this object.
    copy_folder: tempfile.TemporaryDirectory[str] | None = field(
        default=None, compare=False, repr=False
    )

    def close(self) -> None:
        """Remove the UTF-8 copy, if one was made."""
        if self.copy_folder is not None:
            self.copy_folder.cleanup()

    @property
    def column_names(self) -> list[str]:
        return [ROW, *dict.fromkeys(n for n in map(_clean_header, self.header) if n)]

    def select_sql(self, *, numbered: bool = True) -> str:
        """The file's columns by their cleaned names; ``numbered``: with the spreadsheet row
        number ``_row`` first (a window over the whole file: only where rows are looked up)."""
        path = str(self.path).replace("'", "''")
        seen: set[str] = set()
        names = []
        for position, header in enumerate(self.header, start=1):
            name = _clean_header(header)
            if name and name not in seen:  # by position: DuckDB rewrites odd header names
                seen.add(name)
                names.append(f"#{position} AS {_quote(name)}")
        number = f"(row_number() OVER () + 1)::BIGINT AS {ROW}, " if numbered else ""
        return (
            f"SELECT {number}{', '.join(names)} "
            f"FROM read_csv('{path}', "
            "all_varchar = true, header = true, delim = ',', quote = '\"', escape = '\"', "
            "strict_mode = false, null_padding = true)"
        )


@dataclass(frozen=True)
class WorkbookLimits:
    """How much of an XLSX upload is read at most. An XLSX file is a zip archive: a few
    megabytes can unpack to gigabytes of XML, so its declared unpacked size is checked before
    anything is opened, and rows are counted while they stream. The defaults: Excel's own
    row limit and 512 MiB unpacked (a full 1,048,576-row sheet of a dozen columns is about
    200-300 MiB). Settings: GREENCHAIN_XLSX_MAX_ROWS, GREENCHAIN_XLSX_MAX_UNPACKED_MB."""

    max_rows: int = 1_048_576
    max_unpacked_bytes: int = 512 * 1024 * 1024


def open_source(
    path: Path, file_name: str | None = None, limits: WorkbookLimits | None = None
) -> pa.Table | CsvSource:
    """A CSV file as a :class:`CsvSource`; an XLSX workbook read into an Arrow table."""
    if not path.is_file():
        raise InvalidDataError(f"{file_name or path}: file not found")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ""):
        text, folder = utf8_text(path, file_name or path.name)
        with text.open("r", encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle), None)
        if not header:
            raise InvalidDataError(
                f"{file_name or path.name}: the file is empty (a header row is expected)"
            )
        return CsvSource(text, tuple(header), folder)
    return read_text_table(path, file_name, limits)


#: Encodings a CSV file may come in besides UTF-8: UTF-16 and UTF-32 with a byte order mark
#: (Excel's "Unicode text"), and the single-byte encodings of Western and Central European
#: spreadsheets, recognised by charset-normalizer.
FALLBACK_ENCODINGS = frozenset({"cp1252", "latin_1", "iso8859_15", "cp1250", "iso8859_2"})
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def utf8_text(path: Path, shown: str) -> tuple[Path, tempfile.TemporaryDirectory[str] | None]:
    """``path`` itself when it is UTF-8 text, else a UTF-8 copy of it (and the temporary
    folder holding the copy). A file in an encoding that cannot be told for sure is refused,
    naming the file and the encodings accepted, rather than read as mojibake."""
    with path.open("rb") as handle:
        start = handle.read(4)
    encoding = next((name for bom, name in _BOMS if start.startswith(bom)), None)
    if encoding is None:
        position = _first_non_utf8(path)
        if position is None:
            return path, None
        encoding = _guess_single_byte(path)
        if encoding is None:
            raise InvalidDataError(
                f"{shown}: not UTF-8 text (byte {position:,} is not UTF-8) and its encoding "
                "cannot be told for sure; save it as 'CSV UTF-8' (accepted: UTF-8, UTF-16 or "
                "UTF-32 with a byte order mark, Windows-1252/Latin-1, Windows-1250)"
            )
    folder = tempfile.TemporaryDirectory(prefix="greenchain-text-")
    copy = Path(folder.name) / f"{path.stem}.utf8.csv"
    try:
        with (
            path.open("r", encoding=encoding, newline="") as source,
            copy.open("w", encoding="utf-8", newline="") as target,
        ):
            for block in iter(lambda: source.read(1 << 20), ""):
                target.write(block)
    except (UnicodeError, ValueError):
        folder.cleanup()
        raise InvalidDataError(
            f"{shown}: not readable as {encoding} text; save it as 'CSV UTF-8'"
        ) from None
    return copy, folder


def _first_non_utf8(path: Path) -> int | None:
    """The offset of the first byte that is not UTF-8, or None (read in 1 MiB blocks)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as error:
                return offset + error.start
            offset += len(block)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as error:
        return offset + error.start
    return None


def _guess_single_byte(path: Path) -> str | None:
    from charset_normalizer import from_path

    best = from_path(path).best()
    if best is None:
        return None
    encoding = str(best.encoding)
    return encoding if encoding in FALLBACK_ENCODINGS else None


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def read_text_table(
    path: Path, file_name: str | None = None, limits: WorkbookLimits | None = None
) -> pa.Table:
    """All cells of a CSV or XLSX file as text, plus the spreadsheet row number ``_row``."""
    if not path.is_file():
        raise InvalidDataError(f"{file_name or path}: file not found")
    try:
        return _read(path, limits or WorkbookLimits())
    except InvalidDataError as exc:
        if file_name:
            raise InvalidDataError(exc.message.replace(path.name, file_name, 1)) from None
        raise


def _read(path: Path, limits: WorkbookLimits) -> pa.Table:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, limits)
    if suffix not in (".csv", ".txt", ""):
        raise InvalidDataError(f"{path.name}: unsupported file type '{suffix}' (use .csv or .xlsx)")
    shown = path.name
    path, folder = utf8_text(path, shown)
    try:
        return _read_csv(path, shown)
    finally:
        if folder is not None:
            folder.cleanup()


def _read_csv(path: Path, shown: str) -> pa.Table:
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle), None)
    if not header:
        raise InvalidDataError(f"{shown}: the file is empty (a header row is expected)")
    con = duck.connect()
    try:
        # DuckDB keeps the file's row order; the row numbers are added after reading.
        relation = con.sql(
            "SELECT * FROM read_csv(?, all_varchar = true, header = true, delim = ',', "
            "quote = '\"', escape = '\"', strict_mode = false, null_padding = true)",
            params=[str(path)],
        )
        table = relation.to_arrow_table()
        rows = pa.array(range(2, table.num_rows + 2), pa.int64())
        table = table.add_column(0, ROW, rows)
    except duckdb.Error as exc:
        raise InvalidDataError(f"{shown}: not a readable CSV file ({exc})") from None
    finally:
        con.close()
    renamed = [ROW] + [_clean_header(n) for n in table.column_names[1:]]
    return table.rename_columns(renamed)


def _clean_header(name: str) -> str:
    return name.strip().lstrip("\ufeff").strip().lower()


def _check_unpacked_size(path: Path, limits: WorkbookLimits) -> None:
    """Refuse a workbook whose parts would unpack beyond the limit, before reading any."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise InvalidDataError(f"{path.name}: not a readable XLSX workbook ({exc})") from None
    if unpacked > limits.max_unpacked_bytes:
        raise InvalidDataError(
            f"{path.name}: the workbook unpacks to {unpacked / 2**20:,.0f} MiB, more than the "
            f"limit of {limits.max_unpacked_bytes / 2**20:,.0f} MiB; split it or save it as "
            "CSV (limit: GREENCHAIN_XLSX_MAX_UNPACKED_MB)"
        )


def _read_xlsx(path: Path, limits: WorkbookLimits) -> pa.Table:
    import openpyxl

    _check_unpacked_size(path, limits)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for broken files
        raise InvalidDataError(f"{path.name}: not a readable XLSX workbook ({exc})") from None
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header_row = next(rows, None)
        if not header_row:
            raise InvalidDataError(f"{path.name}: the first sheet is empty")
        header = [_clean_header(str(h)) if h is not None else "" for h in header_row]
        columns: list[list[str | None]] = [[] for _ in header]
        numbers: list[int] = []
        for index, row in enumerate(rows, start=2):
            if index - 1 > limits.max_rows:
                raise InvalidDataError(
                    f"{path.name}: more than {limits.max_rows:,} rows; split the workbook or "
                    "save it as CSV (limit: GREENCHAIN_XLSX_MAX_ROWS)"
                )
            if row is None or all(v is None or v == "" for v in row):
                continue
            numbers.append(index)
            for i in range(len(header)):
                columns[i].append(_cell_text(row[i]) if i < len(row) else None)
    finally:
        book.close()
    arrays = {ROW: pa.array(numbers, pa.int64())}
    for name, values in zip(header, columns, strict=True):
        if name:
            arrays[name] = pa.array(values, pa.string())
    return pa.table(arrays)


def _cell_text(value: object) -> str | None:
    import datetime as dt

    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def validate_table(
    table: pa.Table | CsvSource,
    schema: RecordSchema,
    *,
    file_name: str,
    sha256: str,
    references: Mapping[Reference, Collection[str]],
) -> ValidatedFile:
    """Check every row of ``table`` against ``schema``; return typed good rows and problems.

    One DuckDB pass with a memory limit (spilling to a temporary folder); the good rows, the
    rejected rows and the problems are written by DuckDB to Parquet files in that folder, which
    the returned :class:`ValidatedFile` owns (close it to remove them)."""
    present = set(table.column_names)
    # a column given under one of its other headings is read from there
    heading = {
        c.name: next((a for a in (c.name, *c.aliases) if a in present), c.name)
        for c in schema.columns
    }
    missing = [c.name for c in schema.columns if c.required and c.name not in present]
    if missing:
        raise InvalidDataError(
            f"{file_name}: missing column(s) {', '.join(missing)}; expected "
            f"{', '.join(schema.column_names)}"
        )
    folder = tempfile.TemporaryDirectory(prefix="greenchain-import-")
    try:
        return _validate(
            table, schema, heading, references, file_name=file_name, sha256=sha256, folder=folder
        )
    except BaseException:
        folder.cleanup()
        raise


def _validate(
    table: pa.Table | CsvSource,
    schema: RecordSchema,
    heading: Mapping[str, str],
    references: Mapping[Reference, Collection[str]],
    *,
    file_name: str,
    sha256: str,
    folder: tempfile.TemporaryDirectory[str],
) -> ValidatedFile:
    present = set(table.column_names)
    work = Path(folder.name)
    # in memory, spilling to the folder beyond the limit (no database file to write)
    con = duck.connect(
        memory_limit=VALIDATION_MEMORY,
        spill=work / "spill",
        input_bytes=table.path.stat().st_size if isinstance(table, CsvSource) else table.nbytes,
    )
    try:
        if isinstance(table, CsvSource):
            con.execute(f"CREATE TEMP VIEW raw AS {table.select_sql()}")
        else:
            con.register("raw", table)
        selects = []
        for col in schema.columns:
            if heading[col.name] in present:
                expr = f"NULLIF(TRIM({_quote(heading[col.name])}), '')"
                if col.upper:
                    expr = f"UPPER({expr})"
            else:
                expr = "NULL::VARCHAR"
            if col.default is not None:
                expr = f"COALESCE({expr}, '{col.default}')"
            selects.append(f"{expr} AS {_quote(col.name)}")
        try:
            if isinstance(table, CsvSource):
                # the rows in file order (insertion order is kept): a row's number is its
                # position, no window over the file
                con.execute(
                    f"CREATE TEMP TABLE cells AS SELECT {', '.join(selects)} "
                    f"FROM ({table.select_sql(numbered=False)})"
                )
                con.execute(
                    f"CREATE TEMP VIEW src AS SELECT (rowid + 2)::BIGINT AS {ROW}, * FROM cells"
                )
            else:
                columns = ", ".join([ROW, *selects])
                con.execute(f"CREATE TEMP TABLE src AS SELECT {columns} FROM raw")
        except duckdb.Error as exc:
            raise InvalidDataError(f"{file_name}: not a readable CSV file ({exc})") from None
        for ref, values in references.items():
            con.register(f"ref_{ref.value}", pa.table({"v": pa.array(sorted(values), pa.string())}))
        checks = [q for col in schema.columns for q in _column_checks(col, references)]
        checks += [_requires_check(a, b) for a, b in schema.requires]
        checks += [_sum_check(columns, limit) for columns, limit in schema.sums]
        checks.append(_duplicate_check(schema))
        # One pass over the rows: each check yields a problem struct or NULL.
        cases = ", ".join(
            f"CASE WHEN {cond} THEN struct_pack(field := '{field}', value := "
            f"{_quote(field)}::VARCHAR, reason := {reason}) END"
            for field, cond, reason in checks
        )
        keys = ", ".join(_quote(k) for k in schema.key)
        # the first row of each key that occurs more than once (few: a join, not a window)
        con.execute(
            f"CREATE TEMP TABLE repeated AS SELECT {keys}, min({ROW}) AS _first_row FROM src "
            f"GROUP BY ALL HAVING count(*) > 1"
        )
        same = " AND ".join(f"r.{_quote(k)} IS NOT DISTINCT FROM s.{_quote(k)}" for k in schema.key)
        con.execute(
            f"CREATE TEMP TABLE problems AS SELECT row, p.field AS field, p.value AS value, "
            f"p.reason AS reason FROM ("
            f"SELECT {ROW} AS row, unnest(list_filter([{cases}], lambda x: x IS NOT NULL)) AS p "
            f"FROM (SELECT s.*, r._first_row FROM src s LEFT JOIN repeated r ON {same})) "
            f"ORDER BY row, field"
        )
        counted = con.execute("SELECT count(*) FROM problems").fetchone()
        problem_count = int(counted[0]) if counted else 0
        kept = con.execute(
            f"SELECT row, field, value, reason FROM problems ORDER BY row, field "
            f"LIMIT {PROBLEMS_KEPT}"
        ).fetchall()
        all_problems = _copy(
            con,
            "SELECT row, field, value, reason FROM problems ORDER BY row, field",
            work / "problems.parquet",
        )
        total_rows = int(con.execute("SELECT count(*) FROM src").fetchall()[0][0])
        typed = ", ".join([ROW] + [_typed(col) for col in schema.columns])
        where = f" WHERE {ROW} NOT IN (SELECT row FROM problems)" if problem_count else ""
        clean = _copy(
            con,
            f"SELECT {typed} FROM src{where}",
            work / "clean.parquet",
            row_group_rows=duck.row_group_rows(total_rows - problem_count),
        )
        rejected = _copy(
            con,
            f"SELECT raw.*, p.field AS _field, p.reason AS _reason FROM raw JOIN "
            f"(SELECT row, first(field ORDER BY field) AS field, "
            f"string_agg(field || ': ' || reason, '; ' ORDER BY field) AS reason "
            f"FROM problems GROUP BY row) p ON p.row = raw.{ROW} ORDER BY raw.{ROW}",
            work / "rejected.parquet",
        )
    finally:
        con.close()
    problems = tuple(
        RowProblem(row=int(row), field=str(name), value=str(value or ""), reason=str(reason))
        for row, name, value, reason in kept
    )
    return ValidatedFile(
        file_name=file_name,
        sha256=sha256,
        total_rows=total_rows,
        clean=clean,
        problems=problems,
        problem_count=problem_count,
        rejected=rejected,
        all_problems=all_problems,
        folder=folder,
    )


def _copy(
    con: duckdb.DuckDBPyConnection, query: str, out: Path, *, row_group_rows: int | None = None
) -> ParquetRows:
    """Write the rows of ``query`` to a Parquet file (by DuckDB, in file order; in row groups
    of ``row_group_rows`` where given, DuckDB's default otherwise)."""
    con.sql(query).write_parquet(str(out), row_group_size=row_group_rows)
    with pq.ParquetFile(out) as written:
        return ParquetRows(out, int(written.metadata.num_rows))


Check = tuple[str, str, str]  # field, SQL condition, SQL expression of the reason


def _problem(col: str, condition: str, reason: str) -> Check:
    return col, condition, "'" + reason.replace("'", "''") + "'"


def _value_expr(col: ColumnSpec) -> str:
    name = _quote(col.name)
    if col.type is ColumnType.INTEGER:
        return f"TRY_CAST({name} AS BIGINT)"
    return f"TRY_CAST({name} AS DOUBLE)"


def _column_checks(col: ColumnSpec, references: Mapping[Reference, Collection[str]]) -> list[Check]:
    name = _quote(col.name)
    checks: list[Check] = []
    if col.required:
        checks.append(_problem(col.name, f"{name} IS NULL", "a value is required"))
    if col.type is ColumnType.DECIMAL:
        checks.append(
            _problem(
                col.name,
                f"{name} IS NOT NULL AND (TRY_CAST({name} AS DOUBLE) IS NULL "
                f"OR isnan(TRY_CAST({name} AS DOUBLE)) OR isinf(TRY_CAST({name} AS DOUBLE)))",
                "not a number (use a dot for decimals and no thousands separators)",
            )
        )
    elif col.type is ColumnType.INTEGER:
        checks.append(
            _problem(
                col.name,
                f"{name} IS NOT NULL AND TRY_CAST({name} AS BIGINT) IS NULL",
                "not a whole number",
            )
        )
    elif col.type is ColumnType.DATE:
        checks.append(
            _problem(
                col.name,
                f"{name} IS NOT NULL AND TRY_STRPTIME({name}, '%Y-%m-%d') IS NULL",
                "not a date (use YYYY-MM-DD)",
            )
        )
    elif col.type is ColumnType.BOOLEAN:
        words = ", ".join(f"'{w}'" for w in (*TRUE_WORDS, *FALSE_WORDS))
        checks.append(
            _problem(
                col.name,
                f"{name} IS NOT NULL AND lower({name}) NOT IN ({words})",
                "not a yes/no value (use true or false)",
            )
        )
    if col.type in (ColumnType.DECIMAL, ColumnType.INTEGER):
        value = _value_expr(col)
        if col.minimum is not None:
            op = "<=" if col.exclusive_minimum else "<"
            word = "greater than" if col.exclusive_minimum else "at least"
            checks.append(
                _problem(col.name, f"{value} {op} {col.minimum}", f"must be {word} {col.minimum:g}")
            )
        if col.maximum is not None:
            checks.append(
                _problem(col.name, f"{value} > {col.maximum}", f"must be at most {col.maximum:g}")
            )
        if col.nonzero:
            checks.append(
                _problem(
                    col.name,
                    f"{value} = 0",
                    "must not be 0 (a credit note is a negative amount)",
                )
            )
        if col.plausible_maximum is not None:
            # a column that may be negative (a credit note's amount) is limited both ways
            beyond, sign = ("larger than", "") if col.minimum is not None else ("beyond", "±")
            checks.append(
                _problem(
                    col.name,
                    f"abs({value}) > {col.plausible_maximum}",
                    f"{beyond} the plausibility limit {sign}{col.plausible_maximum:.0e} "
                    "(a typing or unit error?); see docs/formats.md",
                )
            )
    if col.max_length is not None:
        checks.append(
            _problem(
                col.name,
                f"length({name}) > {col.max_length}",
                f"longer than {col.max_length} characters",
            )
        )
    if col.pattern is not None:
        pattern = col.pattern.replace("'", "''")
        hint = f"not a valid {col.name}" + (f" ({col.pattern_hint})" if col.pattern_hint else "")
        checks.append(
            _problem(
                col.name, f"{name} IS NOT NULL AND NOT regexp_full_match({name}, '{pattern}')", hint
            )
        )
    if col.reference is not None and col.reference in references:
        checks.append(
            _problem(
                col.name,
                f"{name} IS NOT NULL AND {name} NOT IN (SELECT v FROM ref_{col.reference.value})",
                REFERENCE_HINTS[col.reference],
            )
        )
    return checks


def _requires_check(present: str, needed: str) -> Check:
    return _problem(
        needed,
        f"{_quote(present)} IS NOT NULL AND {_quote(needed)} IS NULL",
        f"a value is required when {present} is given",
    )


def _sum_check(columns: tuple[str, ...], limit: float) -> Check:
    total = " + ".join(f"COALESCE(TRY_CAST({_quote(c)} AS DOUBLE), 0)" for c in columns)
    return _problem(
        columns[0],
        f"{total} > {limit} + 1e-9",
        f"{' + '.join(columns)} add up to more than {limit:g}",
    )


def _duplicate_check(schema: RecordSchema) -> Check:
    """Rows with the same key; an optional key column (an fx rate's month) may be empty in both
    and still collide, the required ones must be present (their own check reports them)."""
    key = schema.key
    label = " + ".join(key)
    required = [k for k in key if schema.column(k).required] or list(key)
    present = " AND ".join(_quote(k) + " IS NOT NULL" for k in required)
    return (
        key[0],
        f"{present} AND {ROW} > _first_row",
        f"'duplicate {label} (first at row ' || _first_row || ')'",
    )


def _typed(col: ColumnSpec) -> str:
    name = _quote(col.name)
    if col.type is ColumnType.DECIMAL:
        return f"TRY_CAST({name} AS DOUBLE) AS {name}"
    if col.type is ColumnType.INTEGER:
        return f"TRY_CAST({name} AS INTEGER) AS {name}"
    if col.type is ColumnType.DATE:
        return f"TRY_STRPTIME({name}, '%Y-%m-%d')::DATE AS {name}"
    if col.type is ColumnType.BOOLEAN:
        words = ", ".join(f"'{w}'" for w in TRUE_WORDS)
        return f"(lower({name}) IN ({words})) AS {name}"
    return f"{name}::VARCHAR AS {name}"


def write_rejected_report(validated: ValidatedFile, out: Path) -> Path:
    """Write every rejected row (original values plus ``_field`` and ``_reason``) as CSV,
    batch by batch, through the one export writer (text that a spreadsheet would run as a
    formula is made inert)."""
    write_batches_csv(validated.rejected.schema, validated.rejected.iter_batches(), out)
    return out


def write_problems_report(validated: ValidatedFile, out: Path) -> Path:
    """Write every problem of the file (``row``, ``field``, ``value``, ``reason``) as CSV,
    batch by batch (the report of a file rejected whole)."""

    def rows() -> Iterator[list[object]]:
        yield ["row", "field", "value", "reason"]
        for batch in validated.all_problems.iter_batches():
            for row, name, value, reason in zip(
                *(batch.column(i).to_pylist() for i in range(4)), strict=True
            ):
                yield [row, name, value or "", reason]

    write_csv(out, rows())
    return out
