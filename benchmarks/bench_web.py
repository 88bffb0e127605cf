"""The dashboard page and the inventory API under load, on PostgreSQL with several workers,
against the ceiling of a minimal endpoint of the same framework and server, in the same run.

Builds the demo workspace in a fresh PostgreSQL database, starts ``greenchain serve`` and the
ceiling app with the same number of uvicorn workers, and drives each with ``wrk`` (Debian
package) at 32 and 64 concurrent connections. Prints requests/s and p50/p99 latency.

    python benchmarks/bench_web.py [--duration 10] [--workers 2] [--connections 32 64]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ORG = "demo-semiconductor"
EMAIL = "analyst@lumen-semi.example"
ADMIN_URL = os.environ.get(
    "GREENCHAIN_BENCH_PG_ADMIN", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
DB_NAME = "greenchain_bench"


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


def wrk(url: str, connections: int, duration: int, token: str | None) -> tuple[float, str, str]:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", url]
    if token:
        command[1:1] = ["-H", f"Authorization: Bearer {token}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1)  # type: ignore[union-attr]
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1)  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise SystemExit(f"{url}: {errors.group(1)} error responses under load")
    return rps, p50, p99


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, nargs="+", default=[32, 64])
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    url = fresh_database()
    env = {**os.environ, "GREENCHAIN_DB": url, "GREENCHAIN_JOB_WORKERS": "0"}
    print(f"building the demo workspace on PostgreSQL ({DB_NAME}) ...", flush=True)
    subprocess.run(
        [BIN / "greenchain", "demo", "--folder", "/tmp/greenchain-bench-demo"],
        env=env,
        check=True,
        capture_output=True,
    )
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
            stderr=subprocess.DEVNULL,
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
        ),
    ]
    try:
        auth = {"Authorization": f"Bearer {token}"}
        targets = [
            ("ceiling GET /ping", f"http://127.0.0.1:{ceiling_port}/ping", None),
            (
                "inventory API",
                f"http://127.0.0.1:{app_port}/api/v1/orgs/{ORG}/inventory?year=2025",
                token,
            ),
            (
                "dashboard page",
                f"http://127.0.0.1:{app_port}/orgs/{ORG}/dashboard?year=2025",
                token,
            ),
        ]
        for _, target, tok in targets:
            wait_until_up(target, auth if tok else {})
            wrk(target, 8, 2, tok)  # warm-up
        print(
            f"{args.workers} uvicorn workers each; wrk -t2, {args.duration}s per row; "
            f"{os.cpu_count()} CPUs shared by server and load generator"
        )
        print(
            f"{'endpoint':<20} {'conns':>5} {'req/s':>9} {'p50':>9} {'p99':>9} {'of ceiling':>11}"
        )
        for connections in args.connections:
            ceiling = None
            for name, target, tok in targets:
                rps, p50, p99 = wrk(target, connections, args.duration, tok)
                ceiling = ceiling or rps
                print(
                    f"{name:<20} {connections:>5} {rps:>9.0f} {p50:>9} {p99:>9} "
                    f"{rps / ceiling:>10.0%}",
                    flush=True,
                )
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=20)


if __name__ == "__main__":
    main()
