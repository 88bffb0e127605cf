"""A year too large to keep in memory: the calculation's intermediate tables are Parquet files
read back by DuckDB within a memory limit, and the run is the same as one kept in memory."""

from __future__ import annotations

import math
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from greenchain.adapters.compute.engine import DuckDbEngine
from greenchain.adapters.compute.runner import DuckDbRunner
from greenchain.services.inventory import calculate_inventory
from tests.conftest import make_context
from tests.integration.test_spark_engine import _organisation


class LargeYears(DuckDbEngine):
    """Every year counts as large."""

    LARGE_ROWS = 0


def _rows(lines: Any) -> list[dict[str, Any]]:
    return sorted(lines.to_pylist(), key=lambda r: (r["source"], r["source_id"], r["scope"]))


def test_a_large_year_is_calculated_through_files_with_the_same_lines_and_totals(
    sqlite_template: Path, factor_cache: dict[str, object], tmp_path: Path
):
    shutil.copyfile(sqlite_template, tmp_path / "test.db")
    ctx = make_context(f"sqlite:///{tmp_path / 'test.db'}", factor_cache)
    try:
        _organisation(ctx, tmp_path)
        memory = calculate_inventory(replace(ctx, engine=DuckDbEngine()), "acme", 2024)
        files = calculate_inventory(replace(ctx, engine=LargeYears()), "acme", 2024)
        org_id = ctx.workspace.get_org("acme").id
        a = _rows(ctx.workspace.run_lines(org_id, memory.run_id))
        b = _rows(ctx.workspace.run_lines(org_id, files.run_id))
    finally:
        ctx.workspace.close()  # type: ignore[attr-defined]
    assert len(a) == len(b) > 10
    for x, y in zip(a, b, strict=True):
        assert x.keys() == y.keys()
        for key in x:
            if isinstance(x[key], float):
                assert math.isclose(x[key], y[key], rel_tol=1e-12), (x["source_id"], key)
            else:
                assert x[key] == y[key], (x["source_id"], key)
    assert files.total_t_co2e == pytest.approx(memory.total_t_co2e, rel=1e-12)
    assert files.by_scope == pytest.approx(memory.by_scope, rel=1e-12)


def test_only_a_year_past_the_limit_is_calculated_through_files():
    engine = DuckDbEngine()
    with engine.runner(engine.LARGE_ROWS) as small, engine.runner(engine.LARGE_ROWS + 1) as large:
        assert isinstance(small, DuckDbRunner)
        assert isinstance(large, DuckDbRunner)
        assert not small.large
        assert large.large
        large.materialize("t", "SELECT 1 AS one")
        assert large.rows("SELECT one FROM t") == [(1,)]
        assert any(Path(large.spill.name).glob("t.parquet"))
