"""Reading the result lines of a calculation run from its file in the line store: the whole
run (exports), a page or a filtered part with its count and tonnes (the line reader, the API),
sums by supplier or method, one column and the lines at some positions (the verifier's
sample), and the input lines the run did not calculate. Every read is tenant-checked: the run
must be one of the organisation's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa
from sqlalchemy import Engine, select

from greenchain.adapters.db import tables as t
from greenchain.adapters.db.run_files import (
    LinesSlice,
    line_column,
    line_sums,
    lines_at,
    move_lines_to_store,
    read_line_file,
    select_lines,
    with_rejected_lines,
)
from greenchain.adapters.linestore import LineStore
from greenchain.domain.errors import NotFoundError
from greenchain.domain.lines import LineSelection


class RunLineReads:
    """The run-line readers of the workspace (a part of ``SqlWorkspace``)."""

    engine: Engine
    lines: LineStore

    def run_lines_file(self, org_id: int, run_id: int) -> tuple[str, str]:
        """The local path and format of the run's line file (tenant-checked)."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(t.calculation_runs.c.lines_sha256, t.calculation_runs.c.lines_format).where(
                    t.calculation_runs.c.org_id == org_id, t.calculation_runs.c.id == run_id
                )
            ).first()
        if row is None:
            raise NotFoundError(f"calculation run {run_id} not found")
        if row.lines_format is None:  # pragma: no cover - moved when the workspace migrates
            move_lines_to_store(self.engine, self.lines)
            return self.run_lines_file(org_id, run_id)
        return self.lines.path(row.lines_sha256, row.lines_format), str(row.lines_format)

    def select_run_lines(
        self,
        org_id: int,
        run_id: int,
        selection: LineSelection,
        *,
        offset: int = 0,
        limit: int | None = None,
        scope_asked: str = "",
        tonnes: bool = True,
    ) -> LinesSlice:
        """The selected lines of a run from ``offset`` (at most ``limit``), how many were
        selected and their kg CO2e, read from the line file by DuckDB (tenant-checked)."""
        path, fmt = self.run_lines_file(org_id, run_id)
        return select_lines(
            path,
            fmt,
            selection,
            offset=offset,
            limit=limit,
            scope_asked=scope_asked,
            tonnes=tonnes,
        )

    def rejected_run_lines(self, org_id: int, run_id: int) -> pa.Table:
        """The input lines the run did not calculate, with the run's line columns (empty) and
        their ``reject_reason`` (tenant-checked)."""
        path, fmt = self.run_lines_file(org_id, run_id)
        empty = select_lines(path, fmt, LineSelection(), limit=0, tonnes=False).rows
        return with_rejected_lines(empty, self._rejected(run_id))

    def run_line_column(self, org_id: int, run_id: int, column: str) -> pa.Array:
        path, fmt = self.run_lines_file(org_id, run_id)
        return line_column(path, fmt, column)

    def run_lines_at(self, org_id: int, run_id: int, positions: Sequence[int]) -> pa.Table:
        path, fmt = self.run_lines_file(org_id, run_id)
        return lines_at(path, fmt, positions)

    def run_line_sums(
        self, org_id: int, run_id: int, by: Sequence[str], selection: LineSelection
    ) -> list[dict[str, Any]]:
        path, fmt = self.run_lines_file(org_id, run_id)
        return line_sums(path, fmt, by, selection)

    def run_lines(self, org_id: int, run_id: int, with_rejected: bool = False) -> pa.Table:
        """Every result line of a run with its lineage (tenant-checked); ``with_rejected``:
        then the input lines that were not calculated, each with its ``reject_reason``."""
        path, fmt = self.run_lines_file(org_id, run_id)
        table = read_line_file(path, fmt)
        if not with_rejected:
            return table
        return with_rejected_lines(table, self._rejected(run_id))

    def _rejected(self, run_id: int) -> list[tuple[Any, ...]]:
        """The run's input lines not calculated: (source, source_id, reason), in order."""
        r = t.rejected_lines
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(r.c.source, r.c.source_id, r.c.reason)
                .where(r.c.run_id == run_id)
                .order_by(r.c.source, r.c.source_id)
            ).all()
        return [tuple(row) for row in rows]
