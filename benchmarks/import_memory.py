"""Peak memory of importing N purchase lines: Greenchain's import against a plain pandas
``read_csv`` of the same file (the baseline), each in a fresh process.

For each N: generate the purchases CSV as ``bench_import_calc.py`` does (its ``write_inputs``),
copy a prepared SQLite workspace (EPA factors, the organisation, its suppliers and supplier
data; not measured), then run ``import_records(..., "purchases", file)`` in a fresh Python
process and, separately, ``pandas.read_csv(file)`` in another. Each process's peak resident
set size is the ``ru_maxrss`` of its own resource usage (``os.wait4``, the figure
``getrusage(RUSAGE_CHILDREN)`` gives for a single child). The import validates the file in
DuckDB with a memory limit, writes the clean rows to Parquet and stores them in batches, so its
peak should stay flat as N grows, while reading the whole file into memory grows with it.

    python benchmarks/import_memory.py [--sizes 100000 1000000 10000000] [--keep FOLDER]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_import_calc import write_inputs

HERE = Path(__file__).resolve().parent
#: The line of a child's output that holds its answer (JSON).
MARK = "RESULT "


def _child(code: str, *args: str) -> tuple[dict[str, object], float, float]:
    """Run ``code`` in a fresh interpreter; its JSON answer, seconds and peak RSS (MiB)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args], stdout=subprocess.PIPE, cwd=HERE, text=True
    )
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"child failed ({proc.returncode}): {code.splitlines()[0]}")
    # the answer may follow a progress display's control codes on its line
    answer = out[out.rindex(MARK) + len(MARK) :].splitlines()[0]
    return json.loads(answer), seconds, usage.ru_maxrss / 1024


PREPARE = """
import json, sys, warnings
warnings.simplefilter("ignore")
from greenchain.bootstrap import bootstrap
from greenchain.config import Settings
from greenchain.services.factors import import_factor_sets
from greenchain.services.imports import import_records
from greenchain.services.orgs import add_organisation
from pathlib import Path
db, secret, sealing, suppliers, supplier_data = sys.argv[1:]
ctx = bootstrap(Settings(db=db, secret_key=secret, sealing_key=sealing))
import_factor_sets(ctx, ["epa-supply-chain-v1.3"])
add_organisation(ctx, "bench")
import_records(ctx, "bench", "suppliers", Path(suppliers))
import_records(ctx, "bench", "supplier-data", Path(supplier_data))
ctx.workspace.close()
print("RESULT", json.dumps({}))
"""

IMPORT = """
import json, sys, time, warnings
warnings.simplefilter("ignore")
from greenchain.bootstrap import bootstrap
from greenchain.config import Settings
from greenchain.services.imports import import_records
from pathlib import Path
db, secret, sealing, purchases = sys.argv[1:]
ctx = bootstrap(Settings(db=db, secret_key=secret, sealing_key=sealing))
start = time.perf_counter()
summary = import_records(ctx, "bench", "purchases", Path(purchases))
seconds = time.perf_counter() - start
ctx.workspace.close()
answer = {"inserted": summary.inserted, "rejected": summary.rejected, "s": seconds}
print("RESULT", json.dumps(answer))
"""

BASELINE = """
import json, sys, time
import pandas as pd
start = time.perf_counter()
frame = pd.read_csv(sys.argv[1])
print("RESULT", json.dumps({"rows": len(frame), "s": time.perf_counter() - start}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", type=float, nargs="+", default=[1e5, 1e6, 1e7], help="lines per file"
    )
    parser.add_argument("--keep", type=Path, help="folder for the generated files (reused)")
    args = parser.parse_args()
    from greenchain.config import new_key

    secret, sealing = new_key(), new_key()
    with tempfile.TemporaryDirectory(prefix="greenchain-bench-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        template = Path(tmp) / "template.db"
        print(
            f"{'lines':>12} {'import s':>9} {'in-import s':>11} {'import MiB':>11}"
            f" {'read_csv s':>11} {'read_csv MiB':>13}",
            flush=True,
        )
        for size in args.sizes:
            n = int(size)
            purchases = folder / f"purchases_{n}.csv"
            suppliers, supplier_data = folder / "suppliers.csv", folder / "supplier_data.csv"
            if not (purchases.exists() and suppliers.exists()):
                suppliers, supplier_data, purchases = write_inputs(folder, n)
            if not template.exists():
                _child(PREPARE, str(template), secret, sealing, str(suppliers), str(supplier_data))
            db = Path(tmp) / f"import_{n}.db"
            shutil.copyfile(template, db)
            done, seconds, peak = _child(IMPORT, str(db), secret, sealing, str(purchases))
            assert (done["inserted"], done["rejected"]) == (n, 0), done
            base, base_seconds, base_peak = _child(BASELINE, str(purchases))
            assert base["rows"] == n, base
            print(
                f"{n:>12,} {seconds:>9.1f} {float(str(done['s'])):>11.1f} {peak:>11,.0f}"
                f" {base_seconds:>11.1f} {base_peak:>13,.0f}",
                flush=True,
            )
            db.unlink()
            for suffix in ("-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
    print(
        f"(Python {sys.version.split()[0]}, {dt.date.today()}, {os.cpu_count()} cores, "
        "SQLite file database; MiB = peak resident set size of the process)"
    )


if __name__ == "__main__":
    main()
