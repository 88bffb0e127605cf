"""Import + calculation of N purchase lines: Greenchain against the same work in plain pandas.

For each N: generate a purchases CSV (deterministic), then in a fresh SQLite database each
side (1) reads and validates the file, (2) stores the lines, (3) loads the reporting year,
(4) calculates spend-based and supplier-specific emissions by gas and (5) stores result lines
and totals. Setup (factor library, suppliers) is not timed. Prints lines/s for both, the
ratio, Greenchain's seconds per million lines (linearity) and the ceiling: the same checks
and numbers in plain DuckDB SQL, nothing stored in a database (``run_duckdb``).

Fixed cost and time per million lines beyond it: an import and calculation of a few lines
costs what does not depend on their number (some 30 DuckDB statements planned and started,
the ledger's two signed entries, the run's totals and reports stored). The smallest size run
(1,000 lines by default) measures it; each larger size also prints its seconds per million
lines once that fixed cost is taken off, which is the figure that shows whether the work
grows in proportion to the lines (flat) or faster. Every size is measured in a warm process
(one small import and calculation first, untimed), as a server's is.

    python benchmarks/bench_import_calc.py [--sizes 1000 100000 1000000] [--repeat 1]
        [--no-pandas] [--inputs FOLDER]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import resource
import sqlite3
import tempfile
import time
import warnings
from pathlib import Path

import pandas as pd

from greenchain.adapters.compute.engine import RESULT_COLUMNS
from greenchain.adapters.demo_data import generate_purchase_lines
from greenchain.bootstrap import bootstrap
from greenchain.config import Settings, new_key
from greenchain.domain.ghg import GwpSet
from greenchain.domain.records import PURCHASES
from greenchain.services.context import Context
from greenchain.services.factors import import_factor_sets
from greenchain.services.imports import import_records
from greenchain.services.inventory import calculate_inventory, factor_gas_columns
from greenchain.services.orgs import add_organisation

YEAR = 2025
SUPPLIERS = 500
NAICS = [
    "325120",
    "325180",
    "333242",
    "334413",
    "334412",
    "334417",
    "326199",
    "332710",
    "541330",
    "541512",
    "561320",
    "484121",
    "481112",
    "493110",
    "511210",
    "424120",
]
CURRENCIES = {"US": "USD", "JP": "JPY", "DE": "EUR", "KR": "KRW", "SG": "SGD"}


def write_inputs(folder: Path, n: int) -> tuple[Path, Path, Path]:
    supplier_ids = [f"SUP-{i:05d}" for i in range(1, SUPPLIERS + 1)]
    countries = list(CURRENCIES)
    suppliers = folder / "suppliers.csv"
    with suppliers.open("w", newline="") as handle:
        w = csv.writer(handle)
        w.writerow(["supplier_id", "name", "country", "naics_code", "strategic"])
        for i, s in enumerate(supplier_ids):
            w.writerow([s, f"Supplier {i}", countries[i % len(countries)], NAICS[i % 16], "false"])
    supplier_data = folder / "supplier_data.csv"
    with supplier_data.open("w", newline="") as handle:
        w = csv.writer(handle)
        w.writerow(
            [
                "supplier_id",
                "year",
                "revenue",
                "currency",
                "scope1_t",
                "scope2_market_t",
                "scope3_upstream_t",
                "verified",
            ]
        )
        for s in supplier_ids[:50]:
            w.writerow([s, YEAR, "250000000", "USD", "12000", "8000", "30000", "true"])
    purchases = folder / f"purchases_{n}.csv"
    if purchases.exists():  # made by an earlier run (--inputs): the same lines
        return suppliers, supplier_data, purchases
    partial = purchases.with_suffix(".partial")
    with partial.open("w", newline="") as handle:
        w = csv.writer(handle, lineterminator="\n")
        w.writerow(PURCHASES.column_names)
        w.writerows(
            generate_purchase_lines(
                n, seed=7, supplier_ids=supplier_ids, naics_codes=NAICS, year=YEAR
            )
        )
    partial.replace(purchases)
    return suppliers, supplier_data, purchases


def prepared_workspace(folder: Path, suppliers: Path, supplier_data: Path) -> Context:
    """A SQLite workspace in ``folder`` with the EPA factors and one organisation, ``bench``,
    with its suppliers and supplier data (what the timed work starts from)."""
    ctx: Context = bootstrap(
        Settings(db=str(folder / "greenchain.db"), secret_key=new_key(), sealing_key=new_key())
    )
    import_factor_sets(ctx, ["epa-supply-chain-v1.3"])
    add_organisation(ctx, "bench")
    import_records(ctx, "bench", "suppliers", suppliers)
    import_records(ctx, "bench", "supplier-data", supplier_data)
    return ctx


def calculated_workspace(folder: Path, lines: int) -> Context:
    """The prepared workspace with ``lines`` generated purchase lines imported and calculated
    (for benchmarks of what reads them)."""
    suppliers, supplier_data, purchases = write_inputs(folder, lines)
    ctx = prepared_workspace(folder, suppliers, supplier_data)
    import_records(ctx, "bench", "purchases", purchases)
    calculate_inventory(ctx, "bench", YEAR, GwpSet.AR5)
    return ctx


def run_greenchain(folder: Path, suppliers: Path, supplier_data: Path, purchases: Path) -> float:
    ctx = prepared_workspace(folder, suppliers, supplier_data)
    start = time.perf_counter()
    import_records(ctx, "bench", "purchases", purchases)
    RESULTS["import_mib"] = _peak_mib()
    report = calculate_inventory(ctx, "bench", YEAR, GwpSet.AR5)
    elapsed = time.perf_counter() - start
    RESULTS["peak_mib"] = _peak_mib()
    ctx.workspace.close()  # type: ignore[attr-defined]
    RESULTS["greenchain_t"] = report.total_t_co2e
    return elapsed


def _peak_mib() -> float:
    """The benchmark process's peak resident set size so far (MiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_pandas(folder: Path, suppliers: Path, supplier_data: Path, purchases: Path) -> float:
    """The same work written the usual pandas way: read_csv, checks, to_sql, merge, groupby."""
    from greenchain.adapters.conversions import BundledConversions

    conv = BundledConversions()
    info, factors = (
        FACTORS["epa-supply-chain-v1.3"][0].info,
        FACTORS["epa-supply-chain-v1.3"][0].factors,
    )  # type: ignore[attr-defined]
    eeio = pd.DataFrame(
        [{"naics_code": f.factor_id, **factor_gas_columns(f, GwpSet.AR5)} for f in factors]
    )
    fx = pd.DataFrame(
        [{"currency": c, "usd": conv.usd_per_unit(c, YEAR)} for c in ("USD", "EUR", "JPY")]
    )
    cpi_ratio = conv.cpi_index(info.price_year)[0] / conv.cpi_index(YEAR)[0]
    db = sqlite3.connect(folder / "pandas.db")
    sup = pd.read_csv(suppliers, dtype=str)
    sup.to_sql("suppliers", db, index=False)
    sd = pd.read_csv(supplier_data, dtype={"supplier_id": str})
    start = time.perf_counter()
    df = pd.read_csv(purchases, dtype=str, keep_default_na=False)
    amount = pd.to_numeric(df["amount"], errors="coerce")
    date = pd.to_datetime(df["date"], format="%Y-%m-%d", errors="coerce")
    category = pd.to_numeric(df["scope3_category"].replace("", "1"), errors="coerce")
    bad = (
        amount.isna()
        | (amount <= 0)
        | date.isna()
        | category.isna()
        | ~df["supplier_id"].isin(sup["supplier_id"])
        | ~df["currency"].isin(fx["currency"])
        | ~df["naics_code"].isin(eeio["naics_code"])
        | df["line_id"].duplicated()
    )
    if bad.any():
        raise SystemExit(f"pandas baseline found {int(bad.sum())} bad rows")
    lines = df.assign(amount=amount, date=date.dt.date.astype(str), scope3_category=category)
    lines.to_sql("purchase_lines", db, index=False)
    loaded = pd.read_sql(
        f"SELECT * FROM purchase_lines WHERE date BETWEEN '{YEAR}-01-01' AND '{YEAR}-12-31'", db
    )
    m = loaded.merge(fx, on="currency").merge(eeio, on="naics_code", how="left")
    m = m.merge(
        sd.assign(
            revenue_usd=sd["revenue"],
            kg=(sd["scope1_t"] + sd["scope2_market_t"] + sd["scope3_upstream_t"].fillna(0)) * 1000,
        )[["supplier_id", "revenue_usd", "kg"]],
        on="supplier_id",
        how="left",
    )
    spend_usd = m["amount"] * m["usd"]
    supplier_specific = m["revenue_usd"].notna()
    gas_cols = [c for c in eeio.columns if c.startswith("kg_")]
    for col in gas_cols:
        m[col] = (spend_usd * cpi_ratio * m[col]).where(~supplier_specific, 0.0)
    m["kg_unspecified"] = m["kg_unspecified"].where(
        ~supplier_specific, spend_usd / m["revenue_usd"] * m["kg"]
    )
    m["method"] = supplier_specific.map({True: "supplier_specific", False: "spend_based"})
    m["kg_co2e"] = m[gas_cols].sum(axis=1)
    m["primary_kg_co2e"] = m["kg_co2e"].where(supplier_specific, 0.0)
    # the same lineage Greenchain stores with every line
    us = m["naics_code"].notna() & m["supplier_id"].map(sup.set_index("supplier_id")["country"]).eq(
        "US"
    )
    m["source"], m["scope"], m["source_id"] = "purchase", "3", m["line_id"]
    m["factor_set"] = m["method"].map({"spend_based": "epa-supply-chain-v1.3"})
    m["factor_id"] = m["naics_code"].where(~supplier_specific)
    m["activity_amount"], m["activity_unit"] = m["amount"], m["currency"]
    m["fx_usd_per_unit"], m["cpi_ratio"] = m["usd"], cpi_ratio
    m["dq_technological"] = supplier_specific.map({True: 2, False: 4})
    m["dq_geographical"] = (~supplier_specific).astype(int) * (3 + (~us).astype(int)) + (
        supplier_specific.astype(int)
    )
    m["dq_temporal"] = supplier_specific.map({True: 1, False: 3})
    m["dq_completeness"] = supplier_specific.map({True: 2, False: 4})
    m["dq_reliability"] = supplier_specific.map({True: 1, False: 4})
    m["is_primary"] = supplier_specific
    m["note"] = m["method"].map(
        {
            "spend_based": "spend x FX x CPI x EPA factor",
            "supplier_specific": "allocated by spend / revenue",
        }
    )
    # purchase lines are never under an emissions trading scheme nor biomass burnt
    m["regulated_ets"], m["kg_biogenic_co2"] = False, 0.0
    m[[c for c in RESULT_COLUMNS if c in m.columns]].to_sql("result_lines", db, index=False)
    m.groupby("supplier_id")["kg_co2e"].sum()
    m.groupby("scope3_category")["kg_co2e"].sum()
    m.groupby("method")["kg_co2e"].sum()
    total_t = float(m["kg_co2e"].sum()) / 1000
    elapsed = time.perf_counter() - start
    db.close()
    RESULTS["pandas_t"] = total_t
    return elapsed


def run_duckdb(folder: Path, suppliers: Path, supplier_data: Path, purchases: Path) -> float:
    """The ceiling: the same checks and the same numbers in plain DuckDB SQL over the CSV file
    (read, validate, join, sum; the result lines written to a Parquet file), no lineage beyond
    the method, nothing stored in a database."""
    import duckdb

    from greenchain.adapters.conversions import BundledConversions

    conv = BundledConversions()
    info, factors = (
        FACTORS["epa-supply-chain-v1.3"][0].info,
        FACTORS["epa-supply-chain-v1.3"][0].factors,
    )  # type: ignore[attr-defined]
    gases = [{"naics_code": f.factor_id, **factor_gas_columns(f, GwpSet.AR5)} for f in factors]
    gas_cols = [c for c in gases[0] if c.startswith("kg_")]
    cpi_ratio = conv.cpi_index(info.price_year)[0] / conv.cpi_index(YEAR)[0]
    con = duckdb.connect()
    con.register("eeio", pd.DataFrame(gases))
    con.register(
        "fx",
        pd.DataFrame(
            [{"currency": c, "usd": conv.usd_per_unit(c, YEAR)} for c in ("USD", "EUR", "JPY")]
        ),
    )
    con.execute(f"CREATE TABLE sup AS SELECT * FROM read_csv('{suppliers}', all_varchar=true)")
    con.execute(f"CREATE TABLE sd AS SELECT * FROM read_csv('{supplier_data}')")
    start = time.perf_counter()
    con.execute(
        f"CREATE TABLE p AS SELECT line_id, supplier_id, currency, naics_code, "
        f"TRY_CAST(amount AS DOUBLE) AS amount, TRY_CAST(date AS DATE) AS date, "
        f"TRY_CAST(coalesce(nullif(scope3_category, ''), '1') AS INTEGER) AS category "
        f"FROM read_csv('{purchases}', all_varchar=true, header=true, delim=',', quote='\"', "
        f"escape='\"', strict_mode=false, null_padding=true)"
    )
    bad = con.sql(
        "SELECT count(*) FROM (SELECT *, count(*) OVER (PARTITION BY line_id) AS n FROM p) "
        "WHERE amount IS NULL OR amount <= 0 OR date IS NULL OR category IS NULL OR n > 1 "
        "OR supplier_id NOT IN (SELECT supplier_id FROM sup) "
        "OR currency NOT IN (SELECT currency FROM fx) "
        "OR naics_code NOT IN (SELECT naics_code FROM eeio)"
    ).fetchall()[0][0]
    if bad:
        raise SystemExit(f"DuckDB baseline found {bad} bad rows")
    spend_based = " + ".join(f"coalesce(e.{c}, 0)" for c in gas_cols)
    con.execute(
        f"CREATE TABLE r AS SELECT p.line_id, p.supplier_id, p.category, "
        f"CASE WHEN d.supplier_id IS NULL THEN 'spend_based' ELSE 'supplier_specific' END "
        f"AS method, CASE WHEN d.supplier_id IS NULL "
        f"THEN p.amount * fx.usd * {cpi_ratio!r} * ({spend_based}) "
        f"ELSE p.amount * fx.usd / d.revenue * (d.scope1_t + d.scope2_market_t "
        f"+ coalesce(d.scope3_upstream_t, 0)) * 1000 END AS kg_co2e "
        f"FROM p JOIN fx USING (currency) LEFT JOIN eeio e USING (naics_code) "
        f"LEFT JOIN sd d ON d.supplier_id = p.supplier_id "
        f"WHERE p.date BETWEEN DATE '{YEAR}-01-01' AND DATE '{YEAR}-12-31'"
    )
    con.execute(f"COPY r TO '{folder / 'duckdb-lines.parquet'}' (FORMAT parquet)")
    con.sql("SELECT supplier_id, sum(kg_co2e) FROM r GROUP BY ALL").fetchall()
    con.sql("SELECT category, sum(kg_co2e) FROM r GROUP BY ALL").fetchall()
    con.sql("SELECT method, sum(kg_co2e) FROM r GROUP BY ALL").fetchall()
    total_t = float(con.sql("SELECT sum(kg_co2e) FROM r").fetchall()[0][0]) / 1000
    elapsed = time.perf_counter() - start
    con.close()
    RESULTS["duckdb_t"] = total_t
    return elapsed


RESULTS: dict[str, float] = {}
FACTORS: dict[str, object] = {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[1_000, 100_000, 1_000_000],
        help="line counts; the smallest of several measures the fixed cost (see above)",
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs per size (best is kept)")
    parser.add_argument(
        "--no-pandas", action="store_true", help="leave out the pandas script (1e8 lines)"
    )
    parser.add_argument(
        "--inputs",
        type=Path,
        help="keep the generated CSV files in this folder and use those already there "
        "(1e8 lines take minutes to write); the databases are made afresh each run",
    )
    args = parser.parse_args()
    from greenchain.adapters.files import PublicFactorFiles

    FACTORS["epa-supply-chain-v1.3"] = PublicFactorFiles(Settings().factors_dir).read(
        "epa-supply-chain-v1.3"
    )
    print(
        f"{'lines':>11} {'greenchain s':>13} {'lines/s':>11} {'s per 1e6':>10}"
        f" {'beyond fixed':>12} {'pandas s':>9} {'pandas/gc':>10} {'duckdb s':>9}"
        f" {'gc/duckdb':>10} {'import MiB':>10} {'peak MiB':>9}"
    )
    # the smallest size's time, what does not grow with the lines (given more than one size)
    fixed: float | None = None if len(args.sizes) > 1 else 0.0
    with tempfile.TemporaryDirectory() as tmp:  # a warm process, as a server's is: modules
        run_greenchain(Path(tmp), *write_inputs(Path(tmp), 100))  # loaded, DuckDB open
    for n in sorted(args.sizes):
        best_g = best_p = best_d = float("inf")
        # the smallest size is quick and the most sensitive to the machine's noise: best of 5
        for _ in range(max(args.repeat, 5 if fixed is None else 1)):
            with tempfile.TemporaryDirectory() as tmp:
                folder = Path(tmp)
                if args.inputs:
                    args.inputs.mkdir(parents=True, exist_ok=True)
                files = write_inputs(args.inputs or folder, n)
                best_g = min(best_g, run_greenchain(folder, *files))
                best_d = min(best_d, run_duckdb(folder, *files))
                if not args.no_pandas:
                    best_p = min(best_p, run_pandas(folder, *files))
        for other in ("pandas_t", "duckdb_t"):
            if other in RESULTS:
                assert abs(RESULTS["greenchain_t"] - RESULTS[other]) <= 1e-6 * RESULTS[other], (
                    RESULTS
                )
        pandas = f"{best_p:>9.2f} {best_p / best_g:>9.1f}x" if best_p < float("inf") else ""
        if fixed is None:
            fixed, beyond = best_g, "(fixed)"
        else:
            beyond = f"{(best_g - fixed) / n * 1e6:.2f}"
        print(
            f"{n:>11,} {best_g:>13.2f} {n / best_g:>11,.0f} {best_g / n * 1e6:>10.2f} "
            f"{beyond:>12} {pandas or ' ' * 20} {best_d:>9.2f} {best_g / best_d:>9.1f}x"
            f" {RESULTS['import_mib']:>10,.0f} {RESULTS['peak_mib']:>9,.0f}",
            flush=True,
        )
    print(
        f"(Python {__import__('sys').version.split()[0]}, {dt.date.today()}, "
        f"SQLite file database, same machine, same run; beyond fixed: seconds per million "
        f"lines once the smallest size's time is taken off; import MiB / peak MiB: the "
        f"benchmark process's peak resident set after Greenchain's import, then after its "
        f"calculation, since the process started: one size per run for a size's own figure)"
    )


if __name__ == "__main__":
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        main()
