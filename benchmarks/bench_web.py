"""The dashboard page and the inventory API under load, on PostgreSQL with several workers,
against the ceiling of a minimal endpoint of the same framework and server, in the same run.

Builds the demo workspace in a fresh PostgreSQL database, starts ``greenchain serve`` and the
ceiling app with the same number of uvicorn workers, and drives each with ``wrk`` (Debian
package) at 32 and 64 concurrent connections. Prints requests/s and p50/p99 latency.

With ``--lines N`` an organisation with N generated purchase lines of one year is added after
the demo workspace (the files of ``bench_import_calc.write_inputs``, imported and calculated
with the CLI; the times are printed), the benchmark user becomes its viewer, and its inventory
API and one page of its run lines (in the middle of the run) are driven as well, next to the
ceiling, at ``--lines-connections`` (32).

    python benchmarks/bench_web.py [--duration 10] [--workers 2] [--connections 32 64]
        [--lines 10000000] [--lines-connections 32]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from sqlalchemy import create_engine, text

from greenchain.config import new_key

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ORG = "demo-semiconductor"
EMAIL = "analyst@lumen-semi.example"
ADMIN_URL = os.environ.get(
    "GREENCHAIN_BENCH_PG_ADMIN", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
DB_NAME = "greenchain_bench"
LINES_ORG = "bench-lines"
LINES_YEAR = 2025
LINE_STORE = Path(tempfile.gettempdir()) / "greenchain-bench-lines"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fresh_database() -> str:
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{DB_NAME}"'))
    admin.dispose()
    return ADMIN_URL.rsplit("/", 1)[0].replace("+psycopg", "") + f"/{DB_NAME}"


def wait_until_up(url: str, headers: dict[str, str], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            request = urllib.request.Request(url, headers=headers)
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer")


def wrk(
    url: str, connections: int, duration: int, token: str | None
) -> tuple[float, str, str, str]:
    """Requests/s, p50, p99 and a note (few requests completed, socket errors)."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "30s", "--latency"]
    if token:
        command += ["-H", f"Authorization: Bearer {token}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise SystemExit(f"{url}: {errors.group(1)} error responses under load")
    notes = []
    completed = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    if completed < 1000:
        notes.append(f"{completed} requests completed in {duration}s")
    socket_errors = re.search(r"Socket errors: (.*)", output)
    if socket_errors:  # requests timed out after 30 s are missing from the latencies
        notes.append(f"wrk socket errors: {socket_errors.group(1)}")
    if not completed:
        return 0.0, f">{duration}s", f">{duration}s", "; ".join(notes)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1)  # type: ignore[union-attr]
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1)  # type: ignore[union-attr]
    return rps, p50, p99, "; ".join(notes)


def cli(env: dict[str, str], *args: str, stdin: str | None = None) -> float:
    """Run a ``greenchain`` command; the seconds it took."""
    start = time.perf_counter()
    done = subprocess.run(
        [BIN / "greenchain", *args], env=env, input=stdin, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"greenchain {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return time.perf_counter() - start


def load_lines_org(env: dict[str, str], n: int) -> None:
    """The organisation of ``n`` generated purchase lines of one year: imported, calculated,
    readable by the benchmark user. Prints how long each step took."""
    from bench_import_calc import write_inputs

    cli(env, "org", "add", LINES_ORG)
    cli(env, "user", "add", EMAIL, "--org", LINES_ORG, "--role", "viewer", stdin="unused\n")
    with tempfile.TemporaryDirectory(prefix="greenchain-bench-") as tmp:
        start = time.perf_counter()
        suppliers, supplier_data, purchases = write_inputs(Path(tmp), n)
        print(
            f"  purchases CSV of {n:,} lines written in {time.perf_counter() - start:.1f} s "
            f"({purchases.stat().st_size / 1e6:,.0f} MB)",
            flush=True,
        )
        setup = cli(env, "import", "suppliers", str(suppliers), "--org", LINES_ORG)
        setup += cli(env, "import", "supplier-data", str(supplier_data), "--org", LINES_ORG)
        print(f"  suppliers and supplier data imported in {setup:.1f} s", flush=True)
        loaded = cli(env, "import", "purchases", str(purchases), "--org", LINES_ORG)
        print(
            f"  {n:,} purchase lines imported (greenchain import purchases) in {loaded:.1f} s "
            f"({n / loaded:,.0f} lines/s)",
            flush=True,
        )
    calculated = cli(env, "calc", "--org", LINES_ORG, "--year", str(LINES_YEAR))
    print(
        f"  {n:,} lines calculated (greenchain calc) in {calculated:.1f} s "
        f"({n / calculated:,.0f} lines/s); import + calculation {loaded + calculated:.1f} s",
        flush=True,
    )


def get_json(url: str, headers: dict[str, str]) -> object:
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=600) as r:
        return json.load(r)


def single_request_ms(url: str, headers: dict[str, str]) -> float:
    """One request with nothing else running, after a first one (cold caches)."""
    get_json(url, headers)
    start = time.perf_counter()
    get_json(url, headers)
    return (time.perf_counter() - start) * 1000


def print_rows(
    targets: list[tuple[str, str, str | None]], connections: list[int], duration: int
) -> None:
    print(f"{'endpoint':<20} {'conns':>5} {'req/s':>9} {'p50':>9} {'p99':>9} {'of ceiling':>11}")
    for conns in connections:
        ceiling = None
        for name, target, tok in targets:
            rps, p50, p99, note = wrk(target, conns, duration, tok)
            ceiling = ceiling or rps
            print(
                f"{name:<20} {conns:>5} {rps:>9.0f} {p50:>9} {p99:>9} {rps / ceiling:>10.0%}"
                + (f"  ({note})" if note else ""),
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, nargs="+", default=[32, 64])
    parser.add_argument(
        "--lines",
        type=int,
        default=0,
        help="also load an organisation with this many purchase lines of one year (0: none)",
    )
    parser.add_argument("--lines-connections", type=int, nargs="+", default=[32])
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    url = fresh_database()
    env = {**os.environ, "GREENCHAIN_DB": url, "GREENCHAIN_JOB_WORKERS": "0"}
    if "GREENCHAIN_SECRETS_FILE" not in os.environ:  # the workspace's keys, for this run only
        env.setdefault("GREENCHAIN_SECRET_KEY", new_key())
        env.setdefault("GREENCHAIN_SEALING_KEY", new_key())
    if "GREENCHAIN_LINE_STORE" not in os.environ:  # a store of this run only
        shutil.rmtree(LINE_STORE, ignore_errors=True)
        env["GREENCHAIN_LINE_STORE"] = str(LINE_STORE)
    print(f"building the demo workspace on PostgreSQL ({DB_NAME}) ...", flush=True)
    subprocess.run(
        [BIN / "greenchain", "demo", "--folder", "/tmp/greenchain-bench-demo"],
        env=env,
        check=True,
        capture_output=True,
    )
    if args.lines:
        print(f"adding {LINES_ORG} with {args.lines:,} purchase lines of {LINES_YEAR} ...")
        load_lines_org(env, args.lines)
    token = subprocess.run(
        [BIN / "greenchain", "token", "create", "--user", EMAIL],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    app_port, ceiling_port = free_port(), free_port()
    servers = [
        subprocess.Popen(
            [BIN / "greenchain", "serve", "--port", str(app_port), "--workers", str(args.workers)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        ),
        subprocess.Popen(
            [
                BIN / "uvicorn",
                "ceiling_app:app",
                "--port",
                str(ceiling_port),
                "--workers",
                str(args.workers),
                "--log-level",
                "warning",
            ],
            cwd=ROOT / "benchmarks",
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        ),
    ]
    try:
        auth = {"Authorization": f"Bearer {token}"}
        app = f"http://127.0.0.1:{app_port}/api/v1"
        ceiling = ("ceiling GET /ping", f"http://127.0.0.1:{ceiling_port}/ping", None)
        targets = [
            ceiling,
            ("inventory API", f"{app}/orgs/{ORG}/inventory?year=2025", token),
            (
                "dashboard page",
                f"http://127.0.0.1:{app_port}/orgs/{ORG}/dashboard?year=2025",
                token,
            ),
        ]
        lines_targets: list[tuple[str, str, str | None]] = []
        if args.lines:
            wait_until_up(f"{app}/me", auth)
            runs = get_json(f"{app}/orgs/{LINES_ORG}/runs?year={LINES_YEAR}", auth)
            run = runs[0]  # type: ignore[index]
            page = max(1, run["lines"] // 100 // 2)
            print(
                f"{LINES_ORG}: run {run['id']} of {LINES_YEAR}, {run['lines']:,} result lines, "
                f"{run['rejected_lines']:,} rejected, {run['total_t_co2e']:,.0f} t CO2e; "
                f"lines page {page} of 100 lines",
                flush=True,
            )
            lines_targets = [
                ceiling,
                ("inventory API", f"{app}/orgs/{LINES_ORG}/inventory?year={LINES_YEAR}", token),
                (
                    f"run lines p.{page}",
                    f"{app}/orgs/{LINES_ORG}/runs/{run['id']}/lines?page={page}",
                    token,
                ),
            ]
        for _, target, tok in targets:
            wait_until_up(target, auth if tok else {})
            wrk(target, 8, 2, tok)  # warm-up
        for name, target, _ in lines_targets[1:]:
            # warmed up one request at a time: no slow request left running under the rows
            print(f"{name}: {single_request_ms(target, auth):,.0f} ms for one request alone")
        print(
            f"{args.workers} uvicorn workers each; wrk -t2, {args.duration}s per row; "
            f"{os.cpu_count()} CPUs shared by server and load generator"
        )
        print(f"demo workspace ({ORG}):")
        print_rows(targets, args.connections, args.duration)
        if lines_targets:
            print(f"organisation with {args.lines:,} purchase lines ({LINES_ORG}):")
            print_rows(lines_targets, args.lines_connections, args.duration)
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:  # requests still running (slow pages)
                os.killpg(server.pid, signal.SIGKILL)  # the server and its workers
                server.wait()


if __name__ == "__main__":
    main()
