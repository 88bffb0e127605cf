"""What a calculation returns: its result lines as a Parquet file, and its totals.

The result lines are written by the engine that calculated them (DuckDB's parallel Parquet
writer, in the calculation's process; Spark's rows through Arrow), never gathered into
Python; the totals come from one reduction of the lines by scope, category, method and
supplier, folded exactly (``math.fsum``) here.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from greenchain.adapters.compute.columns import (
    DQ_COLUMNS,
    GAS_COLS,
    GAS_COLUMNS,
    MAX_YEAR_GAP,
    RESULT_COLUMNS,
    WORK_COLUMNS,
)
from greenchain.adapters.compute.runner import SqlRunner
from greenchain.domain.methods import Method
from greenchain.domain.quality import rate_line


class ResultLines:
    """The result lines of a calculation: a Parquet file in a temporary folder (removed by
    :meth:`close`, or when the object is collected)."""

    def __init__(self, folder: tempfile.TemporaryDirectory[str], path: Path) -> None:
        self._folder = folder
        self.path = path

    def table(self) -> pa.Table:
        """The whole file as an Arrow table (tests and small runs)."""
        return pq.read_table(self.path)

    def close(self) -> None:
        self._folder.cleanup()


@dataclass(frozen=True)
class CalculationOutput:
    lines: ResultLines
    rejected: pa.Table
    kg_by_scope: dict[str, float]
    kg_by_category: dict[int, float]
    kg_by_method: dict[str, float]
    kg_by_gas: dict[str, float]
    #: supplier_id, kg, dominant method, spend USD, kg by method
    suppliers: list[tuple[str, float, str, float, dict[str, float]]]
    primary_scope3_kg: float
    data_quality_score: float
    line_count: int
    electricity_mwh: float = 0.0  # purchased electricity of the year (Scope 2 lines)
    instrument_mwh: float = 0.0  # of which covered by contractual instruments
    #: Scope 3 kg per category and method (what the report lists per category)
    kg_by_category_method: dict[int, dict[str, float]] = field(default_factory=dict)
    #: per reason and input unit: reason, lines, input amount, unit, first five line ids
    rejected_summary: list[tuple[str, int, float, str, list[str]]] = field(default_factory=list)
    #: Scope 1 kg CO2e of the rows under a regulated emissions trading scheme
    scope1_regulated_ets_kg: float = 0.0
    #: CO2 of burning biomass, reported apart from the scopes (kg CO2)
    biogenic_co2_kg: float = 0.0
    #: MWh of the fuels burnt (Scope 1 activity rows), by ESRS AR 34 group
    fuel_energy_mwh: dict[str, float] = field(default_factory=dict)
    kg_by_scope_gas: dict[str, dict[str, float]] = field(default_factory=dict)

    def close(self) -> None:
        """Remove the result lines' file (once stored)."""
        self.lines.close()


def quality_table() -> pa.Table:
    rows: dict[str, list[Any]] = {
        k: []
        for k in (
            "q_method",
            "q_verified",
            "q_region",
            "q_gap",
            "q_partial",
            "dq_technological",
            "dq_geographical",
            "dq_temporal",
            "dq_completeness",
            "dq_reliability",
        )
    }
    for method in Method:
        for verified in (False, True):
            for region in (False, True):
                for gap, partial in product(range(MAX_YEAR_GAP + 1), (False, True)):
                    q = rate_line(
                        method,
                        verified=verified,
                        region_matches=region,
                        year_gap=gap,
                        upstream_estimated=partial,
                    )
                    for key, value in (
                        ("q_method", method.value),
                        ("q_verified", verified),
                        ("q_region", region),
                        ("q_gap", gap),
                        ("q_partial", partial),
                        ("dq_technological", q.technological),
                        ("dq_geographical", q.geographical),
                        ("dq_temporal", q.temporal),
                        ("dq_completeness", q.completeness),
                        ("dq_reliability", q.reliability),
                    ):
                        rows[key].append(value)
    return pa.table(rows)


def _line_rating(column: str) -> str:
    """A line's rating: the footprint's own where it declares one (for temporal the worse of it
    and the age of the footprint against the reporting year), otherwise the method's."""
    own = f"COALESCE(r.pf_{column}, q.{column})"
    return (
        f"greatest({own}, q.{column}) AS {column}"
        if column == "dq_temporal"
        else (f"{own} AS {column}")
    )


#: The columns of a line kept as they are from its calculation (the rest are rated, summed up
#: or only explain a rejection)
_KEPT = [
    c
    for c in WORK_COLUMNS
    if c
    not in {
        "q_verified",
        "q_region",
        "q_gap",
        "q_partial",
        "reject_reason",
        "note",
        *(f"pf_{d}" for d in DQ_COLUMNS),
        "input_amount",
        "input_unit",
        "regulated_ets",
        "kg_biogenic_co2",
        "energy_group",
        "energy_mwh",
        "electricity_mwh",
        "covered_mwh",
        *GAS_COLS,
    }
]


def _write_lines(db: SqlRunner) -> ResultLines:
    """The lines of ``results`` in the columns of a stored run, written to Parquet by ``db``."""
    kg_sum = " + ".join(GAS_COLS)
    expressions = {c: c for c in RESULT_COLUMNS} | {
        "scope3_category": "CAST(scope3_category AS BIGINT)",
        "kg_co2e": f"({kg_sum})",
        **{d: f"CAST({d} AS BIGINT)" for d in DQ_COLUMNS},
    }
    select = ", ".join(
        value if value == name else f"{value} AS {name}" for name, value in expressions.items()
    )
    folder = tempfile.TemporaryDirectory(prefix="greenchain-run-")
    try:
        path = Path(folder.name) / "lines.parquet"
        db.write_parquet(f"SELECT {select} FROM results", path)
        return ResultLines(folder, path)
    except BaseException:
        folder.cleanup()
        raise


def collect(db: SqlRunner) -> CalculationOutput:
    """The result lines (a Parquet file written where the calculation runs) and the totals of
    the calculated ``purchase_results`` and ``activity_results``."""
    kg_sum = " + ".join(GAS_COLS)
    work = ", ".join(WORK_COLUMNS)
    # read twice (the lines' file, the totals): computed where it is read, not kept whole
    db.view(
        "results",
        f"""
        SELECT {", ".join(f"r.{c}" for c in _KEPT)},
               {", ".join(f"COALESCE(r.{c}, 0) AS {c}" for c in GAS_COLS)},
               {", ".join(_line_rating(d) for d in DQ_COLUMNS)}, r.note,
               COALESCE(r.regulated_ets, false) AS regulated_ets,
               COALESCE(r.kg_biogenic_co2, 0) AS kg_biogenic_co2
        FROM (SELECT {work} FROM purchase_results
              UNION ALL SELECT {work} FROM activity_results) r
        JOIN quality q ON q.q_method = r.method AND q.q_verified = r.q_verified
                      AND q.q_region = r.q_region AND q.q_gap = r.q_gap
                      AND q.q_partial = r.q_partial
        WHERE r.reject_reason IS NULL
        """,
    )
    lines = _write_lines(db)
    rejected = db.arrow(
        "SELECT DISTINCT source, source_id, reject_reason AS reason FROM "
        "(SELECT source, source_id, reject_reason FROM purchase_results UNION ALL "
        "SELECT source, source_id, reject_reason FROM activity_results) x "
        "WHERE reject_reason IS NOT NULL ORDER BY source, source_id"
    )
    # one row per reason and unit: what could not be calculated and how much of it, with the
    # first five line ids
    summary: dict[tuple[str, str], tuple[int, float, list[str]]] = {}
    if rejected.num_rows:
        for reason, unit, n, amount, line_id in db.rows(
            """
            WITH x AS (
                SELECT source_id, reject_reason, input_amount, input_unit FROM purchase_results
                WHERE reject_reason IS NOT NULL
                UNION ALL SELECT source_id, reject_reason, input_amount, input_unit
                FROM activity_results WHERE scope IS DISTINCT FROM '2_market'
                AND reject_reason IS NOT NULL
            ),
            g AS (
                SELECT reject_reason, input_unit, count(*) AS n, sum(input_amount) AS amount
                FROM x GROUP BY reject_reason, input_unit
            ),
            f AS (
                SELECT reject_reason, input_unit, source_id, row_number() OVER (
                    PARTITION BY reject_reason, input_unit ORDER BY source_id) AS k
                FROM x
            )
            SELECT g.reject_reason, g.input_unit, g.n, g.amount, f.source_id
            FROM g JOIN f ON f.reject_reason = g.reject_reason
                         AND f.input_unit IS NOT DISTINCT FROM g.input_unit AND f.k <= 5
            ORDER BY g.n DESC, g.reject_reason, g.input_unit, f.k
            """
        ):
            _, _, ids = summary.setdefault(
                (str(reason), str(unit or "")), (int(n), float(amount or 0.0), [])
            )
            ids.append(str(line_id))
    rejected_summary = [
        (reason, n, amount, unit, ids) for (reason, unit), (n, amount, ids) in summary.items()
    ]
    # The totals, folded from one reduction of the lines by scope, category, method and
    # supplier (a few rows per supplier): one pass over the lines whatever the engine.
    dq_sum = " + ".join(DQ_COLUMNS)
    groups = [
        _Group.of(row)
        for row in db.rows(
            f"""
            SELECT scope, scope3_category, method, supplier_id,
                   sum(CASE WHEN source <> 'upstream' THEN 1 ELSE 0 END) AS input_lines,
                   sum(({kg_sum})) AS kg, sum(spend_usd) AS spend_usd,
                   sum(primary_kg_co2e) AS primary_kg,
                   sum(({kg_sum}) * ({dq_sum}) / 5.0) AS dq_kg,
                   sum(CASE WHEN regulated_ets THEN ({kg_sum}) ELSE 0 END) AS regulated_ets_kg,
                   sum(kg_biogenic_co2) AS biogenic_kg,
                   {", ".join(f"sum({c})" for c in GAS_COLS)}
            FROM results GROUP BY scope, scope3_category, method, supplier_id
            """
        )
    ]
    in_total = [g for g in groups if g.scope != "2_location"]
    scope3 = [g for g in groups if g.scope == "3"]
    kg_by_scope = _fold((g.scope, g.kg) for g in groups)
    kg_by_category = _fold((int(g.category), g.kg) for g in scope3 if g.category is not None)
    kg_by_method = _fold((g.method, g.kg) for g in in_total)
    kg_by_category_method: dict[int, dict[str, float]] = {}
    for category in sorted(kg_by_category):
        kg = _fold((g.method, g.kg) for g in scope3 if g.category == category)
        kg_by_category_method[category] = dict(sorted(kg.items(), key=lambda m: -m[1]))
    kg_by_gas = {
        gas.value: math.fsum(g.gases[i] or 0.0 for g in in_total)
        for i, (gas, _) in enumerate(GAS_COLUMNS)
    }
    kg_by_scope_gas = {
        scope: {
            gas.value: math.fsum(g.gases[i] or 0.0 for g in groups if g.scope == scope)
            for i, (gas, _) in enumerate(GAS_COLUMNS)
        }
        for scope in kg_by_scope
    }
    # per supplier: its kg, the method of most of them, its spend and its kg by method
    by_supplier: dict[str, list[_Group]] = {}
    for g in sorted(scope3, key=lambda g: str(g.method)):
        if g.supplier_id is not None:
            by_supplier.setdefault(str(g.supplier_id), []).append(g)
    suppliers = []
    for supplier, parts in by_supplier.items():
        kg_by_part = _fold((g.method, g.kg) for g in parts)
        suppliers.append(
            (
                supplier,
                math.fsum(kg_by_part.values()),
                max(kg_by_part, key=lambda m: kg_by_part[m]),
                math.fsum(g.spend_usd for g in parts if g.spend_usd is not None),
                kg_by_part,
            )
        )
    suppliers.sort(key=lambda s: (-s[1], s[0]))
    total_kg = math.fsum(g.kg for g in in_total)
    dq = math.fsum(g.dq_kg for g in in_total) / total_kg if total_kg else 0.0
    # every input line has one result line, electricity a second one (market-based Scope 2)
    count = sum(int(g.input_lines) for g in groups if g.scope != "2_market")
    energy: dict[str, dict[str | None, tuple[float, float]]] = {}
    for kind, key, mwh, covered in db.rows(
        """
        SELECT 'fuel' AS kind, energy_group AS name, sum(energy_mwh) AS mwh,
               CAST(NULL AS DOUBLE) AS covered
        FROM activity_results WHERE scope = '1' AND reject_reason IS NULL
        AND energy_group IS NOT NULL GROUP BY energy_group
        UNION ALL
        SELECT 'electricity', NULL, COALESCE(sum(electricity_mwh), 0),
               COALESCE(sum(covered_mwh), 0)
        FROM activity_results WHERE scope = '2_market' AND reject_reason IS NULL
        UNION ALL
        SELECT 'uncalculated electricity', NULL, COALESCE(sum(a.amount * CASE lower(a.unit)
                   WHEN 'mwh' THEN 1.0 WHEN 'kwh' THEN 0.001 WHEN 'gwh' THEN 1000.0
                   WHEN 'wh' THEN 0.000001 END), 0), NULL
        FROM activity_results r JOIN activities a ON a.activity_id = r.source_id
        WHERE r.reject_reason IS NOT NULL AND lower(trim(a.activity)) = 'electricity'
        """
    ):
        energy.setdefault(str(kind), {})[key] = (float(mwh or 0.0), float(covered or 0.0))
    electricity_mwh, covered_mwh = energy["electricity"][None]
    # Electricity that could not be calculated (no grid factor for its country) was still
    # consumed: it belongs in the denominator of the renewable share, uncovered.
    rejected_mwh, _ = energy["uncalculated electricity"][None]
    fuel_energy_mwh = {str(k): v for k, (v, _) in sorted(energy.get("fuel", {}).items())}
    return CalculationOutput(
        fuel_energy_mwh=fuel_energy_mwh,
        kg_by_scope_gas=kg_by_scope_gas,
        biogenic_co2_kg=math.fsum(g.biogenic_kg or 0.0 for g in in_total),
        scope1_regulated_ets_kg=math.fsum(g.regulated_ets_kg for g in groups if g.scope == "1"),
        electricity_mwh=electricity_mwh + rejected_mwh,
        instrument_mwh=covered_mwh,
        lines=lines,
        rejected=rejected,
        kg_by_scope=kg_by_scope,
        kg_by_category=kg_by_category,
        kg_by_method=kg_by_method,
        kg_by_category_method=kg_by_category_method,
        kg_by_gas=kg_by_gas,
        suppliers=suppliers,
        primary_scope3_kg=math.fsum(g.primary_kg or 0.0 for g in scope3),
        data_quality_score=dq,
        line_count=count,
        rejected_summary=rejected_summary,
    )


@dataclass(frozen=True)
class _Group:
    """The sums of the lines of one scope, category, method and supplier."""

    scope: str
    category: int | None
    method: str
    supplier_id: str | None
    input_lines: int
    kg: float
    spend_usd: float | None
    primary_kg: float | None
    dq_kg: float
    regulated_ets_kg: float
    biogenic_kg: float | None
    gases: tuple[float | None, ...]

    @classmethod
    def of(cls, row: tuple[Any, ...]) -> _Group:
        """From a row of the reduction: the sums in order, the gases last."""
        scope, category, method, supplier, lines, kg, spend, primary, dq, ets, bio, *gases = row
        return cls(
            scope, category, method, supplier, lines, kg, spend, primary, dq, ets, bio, (*gases,)
        )


def _fold(pairs: Iterable[tuple[Any, float]]) -> dict[Any, float]:
    """Exact sums (``math.fsum``) by key, in the order the keys come."""
    parts: dict[Any, list[float]] = {}
    for key, value in pairs:
        parts.setdefault(key, []).append(value)
    return {key: math.fsum(values) for key, values in parts.items()}
