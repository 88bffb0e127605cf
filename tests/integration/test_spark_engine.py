"""The same calculation on Apache Spark (local mode) as on DuckDB: one organisation with
spend-based, supplier-specific (hybrid), product-level, average-data and rejected purchase
lines, electricity with a certificate, fuels and an uncalculable row, calculated by both
engines from the same workspace; every result line and every total agrees to a relative 1e-9.
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from greenchain.adapters.compute.engine import CalculationOutput, DuckDbEngine
from greenchain.adapters.compute.sources import ParquetInput
from greenchain.domain.inventory import InventoryReport
from greenchain.services.imports import import_records
from greenchain.services.inventory import calculate_inventory
from greenchain.services.orgs import add_organisation
from tests.conftest import make_context
from tests.factories import activity, purchase, supplier, supplier_report, write_csv

pytestmark = pytest.mark.spark

REL = 1e-9


class Recording:
    """An engine that keeps what each calculation returned."""

    def __init__(self, engine: DuckDbEngine) -> None:
        self.engine = engine
        self.outputs: list[CalculationOutput] = []
        self.inputs: list[Any] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.engine, name)

    def calculate(self, **kwargs: Any) -> CalculationOutput:
        output = self.engine.calculate(**kwargs)
        self.outputs.append(output)
        self.inputs.append(kwargs["inputs"])
        return output


@dataclass
class Runs:
    duckdb: CalculationOutput
    spark: CalculationOutput
    duckdb_report: InventoryReport
    spark_report: InventoryReport
    #: the result lines each run stored (the file each engine wrote)
    duckdb_lines: pa.Table
    spark_lines: pa.Table
    #: the purchase lines each engine was given
    duckdb_purchases: Any
    spark_purchases: Any
    snapshot: str


def _organisation(ctx: Any, folder: Path) -> None:
    add_organisation(ctx, "acme")
    write_csv(
        folder / "s.csv",
        "suppliers",
        [supplier("S1"), supplier("S2", country="DE"), supplier("S3"), supplier("S4")],
    )
    import_records(ctx, "acme", "suppliers", folder / "s.csv")
    product = purchase("P1", "S3", amount="800", quantity="50", unit="kg", product_id="PF1")
    write_csv(
        folder / "p.csv",
        "purchases",
        [
            purchase("L1", "S1", date="2024-03-01", amount="10000"),  # supplier-specific
            purchase("L2", "S1", date="2024-09-15", amount="2500", naics_code="334413"),
            purchase("L3", "S2", date="2024-05-20", amount="5000", currency="EUR"),  # spend
            purchase("L4", "S2", date="2024-06-01", amount="-400", currency="EUR"),  # credit
            purchase("L5", "S4", amount="1200", quantity="2", unit="tonnes", material="hdpe"),
            purchase("L6", "S4", amount="300", currency="ARS"),  # no rate: rejected
            {**product, "date": "2024-07-01"},  # product-level
        ],
    )
    import_records(ctx, "acme", "purchases", folder / "p.csv")
    write_csv(
        folder / "sd.csv",
        "supplier-data",
        [supplier_report("S1", scope3_upstream_t="", revenue="2000000")],  # hybrid fill
    )
    import_records(ctx, "acme", "supplier-data", folder / "sd.csv")
    write_csv(
        folder / "pf.csv",
        "product-footprints",
        [
            {
                "product_id": "PF1",
                "supplier_id": "S3",
                "declared_unit": "kg",
                "kg_co2e_per_unit": "3.5",
                "reference_year": "2023",
                "verified": "true",
            }
        ],
    )
    import_records(ctx, "acme", "product-footprints", folder / "pf.csv")
    write_csv(
        folder / "a.csv",
        "activity",
        [
            activity("E1", amount="250", unit="MWh", country="GB"),
            activity("E2", amount="40000", unit="kWh", country="US"),
            activity("E3", amount="1.2", unit="GWh", country="AQ"),  # no grid factor
            activity("N1", activity="natural_gas", amount="50000", regulated_ets="yes"),
            activity("D1", activity="diesel", amount="300", unit="litres", country="GB"),
        ],
    )
    import_records(ctx, "acme", "activity", folder / "a.csv")
    certificate = {
        "instrument_id": "GO-1",
        "instrument": "go",
        "mwh": "100",
        "period_start": "2024-01-01",
        "period_end": "2024-12-31",
        "country": "GB",
    }
    write_csv(folder / "eac.csv", "energy-attributes", [certificate])
    import_records(ctx, "acme", "energy-attributes", folder / "eac.csv")


@pytest.fixture(scope="module")
def runs(
    sqlite_template: Path,
    factor_cache: dict[str, object],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Runs]:
    from greenchain.adapters.compute.spark_engine import SparkEngine, stop_spark

    folder = tmp_path_factory.mktemp("spark")
    shutil.copyfile(sqlite_template, folder / "test.db")
    ctx = make_context(f"sqlite:///{folder / 'test.db'}", factor_cache)
    duckdb, spark = Recording(DuckDbEngine()), Recording(SparkEngine())
    try:
        _organisation(ctx, folder)
        duckdb_report = calculate_inventory(replace(ctx, engine=duckdb), "acme", 2024)
        spark_report = calculate_inventory(replace(ctx, engine=spark), "acme", 2024)
        org_id = ctx.workspace.get_org("acme").id
        yield Runs(
            duckdb.outputs[0],
            spark.outputs[0],
            duckdb_report,
            spark_report,
            ctx.workspace.run_lines(org_id, duckdb_report.run_id),
            ctx.workspace.run_lines(org_id, spark_report.run_id),
            duckdb.inputs[0]["purchases"],
            spark.inputs[0]["purchases"],
            ctx.workspace.snapshots.path(org_id, "purchase_lines"),  # type: ignore[attr-defined]
        )
    finally:
        stop_spark()
        ctx.workspace.close()  # type: ignore[attr-defined]


def _same(a: Any, b: Any, where: str) -> None:
    """Equal, numbers to a relative 1e-9."""
    if isinstance(a, float) or isinstance(b, float):
        assert a is not None, where
        assert b is not None, where
        assert math.isclose(a, b, rel_tol=REL, abs_tol=1e-9), f"{where}: {a} != {b}"
    elif isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            _same(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, list | tuple) and isinstance(b, list | tuple):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, f"{where}[{i}]")
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def _sorted_rows(table: pa.Table) -> list[dict[str, Any]]:
    return sorted(table.to_pylist(), key=lambda r: (r["source"], r["source_id"], r["scope"]))


def test_the_inputs_bring_every_kind_of_line(runs: Runs) -> None:
    lines = runs.duckdb_lines.to_pylist()
    assert {r["method"] for r in lines} == {
        "spend_based",
        "supplier_specific",
        "product_level",
        "average_data",
    }
    assert {r["scope"] for r in lines} == {"1", "2_location", "2_market", "3"}
    assert {r["source"] for r in lines} == {"purchase", "activity", "upstream"}
    assert runs.duckdb.rejected.num_rows == 2
    assert runs.duckdb.instrument_mwh > 0


def test_both_engines_read_the_purchase_lines_from_the_snapshot_file(runs: Runs) -> None:
    for given in (runs.duckdb_purchases, runs.spark_purchases):
        assert isinstance(given, ParquetInput)
        assert given.path == runs.snapshot  # Spark's executors read it: spark.read.parquet
        assert "2024-01-01" in given.where


def test_spark_gives_the_same_result_lines(runs: Runs) -> None:
    def columns(lines: pa.Table) -> list[tuple[str, pa.DataType]]:
        return [(f.name, f.type) for f in lines.schema]  # which writer knew a column non-null

    assert columns(runs.spark_lines) == columns(runs.duckdb_lines)
    duckdb, spark = _sorted_rows(runs.duckdb_lines), _sorted_rows(runs.spark_lines)
    assert len(spark) == len(duckdb)
    for a, b in zip(duckdb, spark, strict=True):
        _same(a, b, f"line {a['source_id']}/{a['scope']}")
    assert runs.spark.rejected.equals(runs.duckdb.rejected)


def test_spark_gives_the_same_totals(runs: Runs) -> None:
    for field in fields(CalculationOutput):
        if field.name not in ("lines", "rejected"):
            _same(getattr(runs.duckdb, field.name), getattr(runs.spark, field.name), field.name)
    assert runs.spark_report.total_t_co2e > 0
    _same(runs.duckdb_report.total_t_co2e, runs.spark_report.total_t_co2e, "total")
    _same(runs.duckdb_report.by_scope, runs.spark_report.by_scope, "by_scope")
    _same(runs.duckdb_report.by_category, runs.spark_report.by_category, "by_category")
