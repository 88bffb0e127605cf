"""Two real ``greenchain serve`` processes on one PostgreSQL database behave as one app, as
they do behind a proxy: a session opened on one is valid on the other and ends on both at
logout, failed logins on one count toward the limit on the other, a revoked API token stops
working on both at once, a form got from one is accepted by the other (shared session key),
and jobs queued through either are each run exactly once while both run workers."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2 as httpx
import pytest
from sqlalchemy import create_engine, text

from tests.conftest import PG_ADMIN_URL
from tests.e2e.live import free_port
from tests.factories import supplier, write_csv

pytestmark = pytest.mark.postgres

BIN = Path(sys.executable).parent
ORG = "org-a"
EMAIL = "alice@a.example"
TARGET = "bob@a.example"  # whose password is guessed
PASSWORD = "correct horse battery"
HTML = {"Accept": "text/html"}
UPLOADS = 8


@dataclass
class Workspace:
    url: str  # SQLAlchemy URL
    env: dict[str, str]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """A fresh PostgreSQL database made into a workspace by the CLI: migrated, the EPA
    supply-chain factors, one organisation with two users; dropped afterwards."""
    tmp_path = tmp_path_factory.mktemp("two-processes")
    name = f"greenchain_two_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    env = {
        **os.environ,
        "GREENCHAIN_DB": url.replace("postgresql+psycopg://", "postgresql://"),
        "GREENCHAIN_UPLOAD_DIR": str(tmp_path / "uploads"),  # shared by both processes
        "GREENCHAIN_JOB_WORKERS": "2",
    }
    try:
        cli(env, "init")
        cli(env, "factors", "import", "epa-supply-chain-v1.3")  # suppliers' NAICS codes
        cli(env, "org", "add", ORG, "--name", "Alpha Chips")
        for email in (EMAIL, TARGET):
            cli(env, "user", "add", email, "--org", ORG, "--role", "admin", stdin=PASSWORD + "\n")
        yield Workspace(url, env)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def cli(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(BIN / "greenchain"), *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"greenchain {' '.join(args)}: {done.stdout}{done.stderr}"
    return done


def _wait_until_up(base: str, child: subprocess.Popen[str], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert child.poll() is None, f"serve stopped: {log.read_text()}"
        try:
            if httpx.get(f"{base}/login", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"serve did not answer at {base}: {log.read_text()}")


@pytest.fixture(scope="module")
def two(
    workspace: Workspace, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """The base URLs of two ``greenchain serve`` processes on the workspace's database, each
    with two job workers."""
    tmp_path = tmp_path_factory.mktemp("serve-logs")
    children: list[subprocess.Popen[str]] = []
    bases = []
    try:
        for name in ("a", "b"):
            port = free_port()
            log = tmp_path / f"serve-{name}.log"
            with log.open("w") as out:
                children.append(
                    subprocess.Popen(
                        [str(BIN / "greenchain"), "serve", "--port", str(port)],
                        env=workspace.env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        text=True,
                    )
                )
            bases.append(f"http://127.0.0.1:{port}")
            _wait_until_up(bases[-1], children[-1], log)
        yield bases[0], bases[1]
    finally:
        for child in children:
            child.terminate()
        for child in children:
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def _csrf(client: httpx.Client, path: str = "/login") -> str:
    found = re.search(
        r'name="csrf_token" value="([^"]+)"',
        client.get(path, headers=HTML, follow_redirects=True).text,
    )
    assert found, f"no form on {path}"
    return found.group(1)


def _login(
    client: httpx.Client, password: str = PASSWORD, csrf: str | None = None, email: str = EMAIL
) -> int:
    form = {"csrf_token": csrf or _csrf(client), "email": email, "password": password, "next": "/"}
    return client.post("/login", data=form, headers=HTML).status_code


def _me(base: str, session: str) -> int:
    """``/api/v1/me`` from a browser that carries only this session cookie."""
    with httpx.Client(base_url=base, cookies={"greenchain_login": session}) as browser:
        return browser.get("/api/v1/me").status_code


def test_a_session_opened_on_one_process_works_and_ends_on_the_other(two):
    a, b = two
    with httpx.Client(base_url=a) as on_a, httpx.Client(base_url=b) as on_b:
        assert _login(on_a) == 303  # logged in on A
        session = on_a.cookies["greenchain_login"]
        assert _me(b, session) == 200  # the cookie works on B
        assert _me(a, session) == 200
        form_of_a = _csrf(on_a, "/")  # the logout form as A served it
        on_b.cookies.update(on_a.cookies)  # the same browser, sent to B by the proxy
        logout = on_b.post("/logout", data={"csrf_token": form_of_a}, headers=HTML)
        assert logout.status_code == 303  # B accepts A's form: one session-signing key
        assert _me(a, session) == 401  # logged out on B: ended on A at once
        assert _me(b, session) == 401


def test_failed_logins_on_one_process_count_toward_the_limit_on_the_other(two):
    a, b = two
    with httpx.Client(base_url=a) as on_a, httpx.Client(base_url=b) as on_b:
        for client in (on_a, on_b, on_a, on_b, on_a):
            assert _login(client, "wrong wrong wrong", email=TARGET) == 401
        assert _login(on_b, email=TARGET) == 429  # the right password too: the account waits
        assert _login(on_a, email=TARGET) == 429


def test_a_token_revoked_by_another_process_stops_working_at_once(two, workspace):
    a, b = two
    made = cli(workspace.env, "token", "create", "--user", EMAIL)
    token = made.stdout.strip().splitlines()[-1]
    token_id = re.search(r"Token (\d+)", made.stderr)
    assert token_id
    bearer = {"Authorization": f"Bearer {token}"}
    assert httpx.get(f"{a}/api/v1/me", headers=bearer).status_code == 200
    assert httpx.get(f"{b}/api/v1/me", headers=bearer).status_code == 200
    cli(workspace.env, "token", "revoke", token_id.group(1), "--user", EMAIL)
    assert httpx.get(f"{b}/api/v1/me", headers=bearer).status_code == 401
    assert httpx.get(f"{a}/api/v1/me", headers=bearer).status_code == 401


def test_jobs_queued_through_either_process_are_each_run_exactly_once(two, workspace, tmp_path):
    a, b = two
    made = cli(workspace.env, "token", "create", "--user", EMAIL)
    bearer = {"Authorization": f"Bearer {made.stdout.strip().splitlines()[-1]}"}
    job_ids = []
    for i in range(UPLOADS):
        rows = [supplier(f"S{i}-{n}") for n in range(20)]
        path = write_csv(tmp_path / f"suppliers-{i}.csv", "suppliers", rows)
        base = (a, b)[i % 2]
        with path.open("rb") as handle:
            response = httpx.post(
                f"{base}/api/v1/orgs/{ORG}/uploads/suppliers",
                headers=bearer,
                files={"file": (path.name, handle, "text/csv")},
            )
        assert response.status_code == 202, response.text
        job_ids.append(int(response.json()["id"]))
    deadline = time.monotonic() + 120
    while True:
        jobs = httpx.get(f"{b}/api/v1/orgs/{ORG}/jobs", headers=bearer).json()
        ours = [j for j in jobs if j["id"] in job_ids]
        if len(ours) == UPLOADS and all(j["status"] in ("done", "failed") for j in ours):
            break
        assert time.monotonic() < deadline, f"jobs not finished: {ours}"
        time.sleep(0.3)
    assert {j["status"] for j in ours} == {"done"}, [j.get("message") for j in ours]
    engine = create_engine(workspace.url)
    try:
        with engine.connect() as conn:
            imports = conn.execute(text("SELECT count(*) FROM imports")).scalar_one()
            suppliers = conn.execute(text("SELECT count(*) FROM suppliers")).scalar_one()
            workers = conn.execute(text("SELECT DISTINCT worker FROM jobs")).scalars().all()
            entries = conn.execute(text("SELECT count(*) FROM ledger_entries")).scalar_one()
    finally:
        engine.dispose()
    assert imports == UPLOADS  # one import per job: no job ran twice
    assert suppliers == UPLOADS * 20
    assert entries == UPLOADS
    assert all(w and w.count(":") == 2 for w in workers)  # host:process:thread
    verified = subprocess.run(
        [str(BIN / "greenchain"), "ledger", "verify"],
        env=workspace.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
