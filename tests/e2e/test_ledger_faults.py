"""A write and its ledger entry are one transaction: a process killed with SIGKILL at random
moments of imports and of calculation runs (20 times each) leaves, on SQLite and on
PostgreSQL, either a write with its entry or neither, never one without the other;
``ledger verify`` finds nothing."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from greenchain.adapters.signing import verify_signature
from greenchain.services import ledger
from greenchain.services.context import Context
from greenchain.services.imports import import_records
from greenchain.services.orgs import add_organisation
from tests.factories import purchase, supplier, write_csv

pytestmark = pytest.mark.slow

KILLS = 20
LINES = 5_000

#: Imports the two purchase files in turn (each import replaces every line) or calculates,
#: over and over, telling the parent after each step; the parent kills it at a random moment.
CHILD = """
import sys
from pathlib import Path
from greenchain.bootstrap import bootstrap
from greenchain.config import Settings
from greenchain.services.imports import import_records
from greenchain.services.inventory import calculate_inventory

folder = Path(sys.argv[1])
ctx = bootstrap(Settings())
kill_at_signature = int(sys.argv[2])
if kill_at_signature:  # die while an entry is being signed, the write not yet committed
    import os, signal
    sign, calls = ctx.keys.sign, []

    def dying_sign(*args):
        calls.append(1)
        if len(calls) == kill_at_signature:
            os.kill(os.getpid(), signal.SIGKILL)
        return sign(*args)

    ctx.keys.sign = dying_sign
mode = sys.argv[3]
print("ready", flush=True)
for round in range(1000):
    for name in ("a.csv", "b.csv"):
        if mode == "import":
            import_records(ctx, "acme", "purchases", folder / name)
            print("imported", flush=True)
        else:
            calculate_inventory(ctx, "acme", 2024)
            print("calculated", flush=True)
"""


def _url(ctx: Context) -> str:
    return ctx.workspace.engine.url.render_as_string(hide_password=False)  # type: ignore[attr-defined]


def _count(ctx: Context, sql: str) -> int:
    with ctx.workspace.engine.connect() as conn:  # type: ignore[attr-defined]
        return int(conn.execute(text(sql)).scalar_one())


@pytest.mark.parametrize("mode", ["import", "calc"])
def test_a_kill_at_any_moment_leaves_each_write_with_its_entry_or_neither(
    ctx: Context, tmp_path: Path, mode: str
):
    add_organisation(ctx, "acme")
    write_csv(tmp_path / "s.csv", "suppliers", [supplier("S1"), supplier("S2")])
    import_records(ctx, "acme", "suppliers", tmp_path / "s.csv")
    for name, amount in (("a.csv", 100.0), ("b.csv", 200.0)):  # two files: each import writes
        write_csv(
            tmp_path / name,
            "purchases",
            [
                purchase(f"L{i}", f"S{1 + i % 2}", date="2024-03-01", amount=amount + i % 97)
                for i in range(LINES)
            ],
        )
    if mode == "calc":
        import_records(ctx, "acme", "purchases", tmp_path / "a.csv")
    url = _url(ctx)
    env = {
        **os.environ,
        "GREENCHAIN_DB": url.replace("postgresql+psycopg://", "postgresql://"),
        "GREENCHAIN_LINE_STORE": ctx.workspace.lines.location,  # type: ignore[attr-defined]
    }
    rng = random.Random(20261205)
    steps = 0
    for kill in range(KILLS):
        # every other child dies while signing an entry (its 1st..4th signature), the others
        # at a random moment
        at_signature = rng.randint(1, 4) if kill % 2 else 0
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(tmp_path), str(at_signature), mode],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None
        first = child.stdout.readline()
        assert first.strip() == "ready", child.stderr.read() if child.stderr else first
        if not at_signature:
            time.sleep(rng.uniform(0.0, 1.5))
            child.send_signal(signal.SIGKILL)
        out, _ = child.communicate(timeout=120)
        assert child.returncode == -signal.SIGKILL
        steps += len(out.split())
    assert steps > 0  # some kills came after a step had committed, others in the middle
    assert [str(p) for p in ledger.verify(ctx, verify_signature)] == []
    imports = _count(ctx, "SELECT count(*) FROM imports")
    runs = _count(ctx, "SELECT count(*) FROM calculation_runs")
    entries = _count(ctx, "SELECT count(*) FROM ledger_entries")
    assert entries == imports + runs
