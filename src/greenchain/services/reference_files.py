"""Reading reference-data files (exchange rates, custom factors): whole or not at all."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from greenchain.domain.errors import FileRejectedError, InvalidDataError
from greenchain.domain.records import RecordSchema, Reference
from greenchain.services.context import Context


def read_whole_file(
    ctx: Context,
    path: Path,
    schema: RecordSchema,
    references: Mapping[Reference, Iterable[str]],
    shown: str,
) -> tuple[list[dict[str, Any]], str]:
    """The typed rows and SHA-256 of a reference-data file (exchange rates, custom factors)
    that is taken whole or not at all: a bad row rejects it naming row and field (no
    ``--skip-invalid``), and a file without rows is an error."""
    validated = ctx.tabular.validate(path, schema, references, shown)
    try:
        if validated.problems:
            raise FileRejectedError(
                shown,
                validated.problems,
                validated.total_rows,
                skippable=False,
                problem_count=validated.problem_count,
            )
        rows: list[dict[str, Any]] = validated.clean.read().to_pylist()
    finally:
        validated.close()
    if not rows:
        raise InvalidDataError(f"{shown}: the file holds no rows")
    return rows, validated.sha256
