"""Browser sessions held in the database and login throttling, on SQLite and PostgreSQL: an
ended session is refused at once (logout, password reset, role change, removal, disabling),
parallel wrong passwords get no more password checks than the limit, the back-off is per
address and grows exponentially, and several app processes share sessions and limits."""

from __future__ import annotations

import contextlib
import hashlib
import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from greenchain.config import Settings
from greenchain.domain.access import Role
from greenchain.domain.errors import InvalidDataError, PermissionDeniedError, RateLimitedError
from greenchain.entrypoints.web.app import create_app
from greenchain.services import accounts as account_service
from greenchain.services.accounts import add_user, authenticate
from greenchain.services.context import Context
from greenchain.services.orgs import add_organisation
from tests.conftest import make_context
from tests.fakes import StoppedClock

PASSWORD = "correct horse battery"
HTML = {"Accept": "text/html"}


class CountingHasher:
    """Counts the real password checks of the wrapped hasher (thread-safe)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.verified = 0
        self._lock = threading.Lock()

    def hash(self, password: str) -> str:
        return str(self.inner.hash(password))

    def verify(self, password_hash: str, password: str) -> bool:
        with self._lock:
            self.verified += 1
        return bool(self.inner.verify(password_hash, password))


@pytest.fixture
def people(ctx: Context) -> Context:
    add_organisation(ctx, "org-a", "Alpha Chips")
    add_user(ctx, "alice@a.example", PASSWORD, "org-a", Role.ADMIN)
    add_user(ctx, "victor@a.example", PASSWORD, "org-a", Role.ANALYST)
    ctx.clock = StoppedClock()
    return ctx


def _app(ctx: Context, tmp_path: Path) -> TestClient:
    app = create_app(Settings(upload_dir=tmp_path / "uploads", job_workers=0), ctx)
    return TestClient(app)


def _csrf(client: TestClient, path: str = "/login") -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path, headers=HTML).text)
    assert match
    return match.group(1)


def _login(client: TestClient, email: str, password: str = PASSWORD) -> Any:
    return client.post(
        "/login",
        data={"csrf_token": _csrf(client), "email": email, "password": password, "next": "/"},
        headers=HTML,
        follow_redirects=False,
    )


def _me(app: Any, cookie: str) -> int:
    """``/api/v1/me`` from a fresh browser that carries only the saved session cookie."""
    browser = TestClient(app)
    browser.cookies.set("greenchain_login", cookie)
    return browser.get("/api/v1/me").status_code


def test_the_session_cookie_is_a_random_token_marked_httponly_and_samesite(people, tmp_path):
    site = _app(people, tmp_path)
    response = _login(site, "victor@a.example")
    assert response.status_code == 303
    header = next(
        h for h in response.headers.get_list("set-cookie") if h.startswith("greenchain_login=")
    )
    assert "httponly" in header.lower()
    assert "samesite=lax" in header.lower()
    token = site.cookies["greenchain_login"]
    assert len(token) >= 43  # 32 random bytes
    with people.workspace.engine.connect() as conn:  # type: ignore[attr-defined]
        stored = conn.execute(text("SELECT token_sha256 FROM user_sessions")).scalars().all()
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]


def test_a_cookie_saved_before_logout_answers_401_after_it(people, tmp_path):
    site = _app(people, tmp_path)
    _login(site, "victor@a.example")
    saved = site.cookies["greenchain_login"]
    assert _me(site.app, saved) == 200
    site.post("/logout", data={"csrf_token": _csrf(site, "/")}, headers=HTML)
    assert _me(site.app, saved) == 401


def _reset_password(ctx: Context) -> None:
    account_service.request_password_reset(ctx, "victor@a.example", "http://x")
    mail = ctx.accounts.pending_mail()[-1]  # type: ignore[union-attr]
    link = re.search(r"/password-reset/(\S+)", mail["body"])
    assert link
    account_service.reset_password(ctx, link.group(1), "a brand new secret phrase")


ENDINGS: dict[str, Callable[[Context], None]] = {
    "password reset": _reset_password,
    "role change": lambda ctx: account_service.set_role(
        ctx, "victor@a.example", "org-a", Role.VIEWER
    ),
    "role change by add_user": lambda ctx: add_user(
        ctx, "victor@a.example", PASSWORD, "org-a", Role.VIEWER
    ),
    "removal": lambda ctx: account_service.remove_member(ctx, "victor@a.example", "org-a"),
    "user disable": lambda ctx: account_service.set_user_active(ctx, "victor@a.example", False),
}


@pytest.mark.parametrize("ending", list(ENDINGS))
def test_a_saved_cookie_answers_401_after_the_users_sessions_are_ended(people, tmp_path, ending):
    site = _app(people, tmp_path)
    _login(site, "victor@a.example")
    saved = site.cookies["greenchain_login"]
    _login(site, "alice@a.example")
    other = site.cookies["greenchain_login"]
    assert _me(site.app, saved) == 200
    ENDINGS[ending](people)
    assert _me(site.app, saved) == 401
    assert _me(site.app, other) == 200  # someone else's session is untouched


def test_user_disable_from_the_cli_ends_the_sessions(people, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from greenchain.entrypoints.cli import main as cli

    site = _app(people, tmp_path)
    _login(site, "victor@a.example")
    saved = site.cookies["greenchain_login"]
    monkeypatch.setattr(cli, "_ctx", lambda: people)
    result = CliRunner().invoke(cli.app, ["user", "disable", "victor@a.example"])
    assert result.exit_code == 0, result.output
    assert _me(site.app, saved) == 401
    assert _login(TestClient(site.app), "victor@a.example").status_code == 401


def test_forty_parallel_wrong_passwords_get_at_most_five_password_checks(people):
    hasher = CountingHasher(people.hasher)
    people.hasher = hasher

    def attempt(_: int) -> str:
        try:
            authenticate(people, "alice@a.example", "wrong wrong wrong", "203.0.113.9")
        except RateLimitedError:
            return "limited"
        except PermissionDeniedError:
            return "wrong"
        return "in"

    with ThreadPoolExecutor(max_workers=40) as pool:
        outcomes = list(pool.map(attempt, range(40)))
    assert hasher.verified <= 5
    assert outcomes.count("wrong") == hasher.verified
    assert outcomes.count("limited") == 40 - hasher.verified


def test_the_owner_logs_in_from_another_address_while_the_attackers_is_backed_off(people):
    for _ in range(40):
        with contextlib.suppress(PermissionDeniedError):
            authenticate(people, "alice@a.example", "guess guess guess", "198.51.100.66")
    with pytest.raises(RateLimitedError):
        authenticate(people, "alice@a.example", PASSWORD, "198.51.100.66")
    assert authenticate(people, "alice@a.example", PASSWORD, "192.0.2.10").email == (
        "alice@a.example"
    )


def test_the_back_off_grows_exponentially_and_expires(people):
    clock = people.clock
    assert isinstance(clock, StoppedClock)

    def wrong() -> None:
        with pytest.raises(PermissionDeniedError) as caught:
            authenticate(people, "alice@a.example", "guess guess guess", "198.51.100.7")
        assert not isinstance(caught.value, RateLimitedError)

    def wait() -> int:
        with pytest.raises(RateLimitedError) as caught:
            authenticate(people, "alice@a.example", PASSWORD, "198.51.100.7")
        assert caught.value.retry_after_seconds is not None
        return caught.value.retry_after_seconds

    for _ in range(5):
        wrong()
    waits = []
    for _ in range(5):
        waits.append(wait())
        clock.advance(waits[-1])
        wrong()
    assert waits == [1, 2, 4, 8, 16]
    assert wait() == 32
    clock.advance(32)
    assert authenticate(people, "alice@a.example", PASSWORD, "198.51.100.7").email
    wrong()  # the success forgot the failures: free attempts again


def test_the_wait_is_capped_at_fifteen_minutes(people):
    clock = people.clock
    assert isinstance(clock, StoppedClock)
    waits: list[int] = []
    for _ in range(30):
        try:
            authenticate(people, "alice@a.example", "guess guess guess", "198.51.100.8")
        except RateLimitedError as limited:
            waits.append(limited.retry_after_seconds or 0)
            clock.advance(waits[-1])
        except PermissionDeniedError:
            continue
    assert max(waits) == 900


def test_the_api_says_when_to_try_again(people, tmp_path):
    site = _app(people, tmp_path)
    for _ in range(5):
        assert _login(site, "alice@a.example", "nope nope nope").status_code == 401
    page = _login(site, "alice@a.example")
    assert page.status_code == 429
    assert page.headers["retry-after"] == "1"
    assert "try again in 1 second" in page.text


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short pw", "at least 12 characters"),
        ("password1234", "too common or too easy to guess"),
        ("qwertyuiop123", "too common or too easy to guess"),
        ("iloveyou2024", "too common or too easy to guess"),
    ],
)
def test_short_and_common_passwords_are_refused_with_the_reason(people, password, message):
    with pytest.raises(InvalidDataError, match=message):
        add_user(people, "new@a.example", password, "org-a", Role.VIEWER)


def test_the_demo_password_is_accepted(people):
    from greenchain.services.demo import DEMO_PASSWORD

    add_user(people, "demo@a.example", DEMO_PASSWORD, "org-a", Role.VIEWER)


def test_a_weak_password_is_refused_on_the_reset_page(people, tmp_path):
    site = _app(people, tmp_path)
    account_service.request_password_reset(people, "victor@a.example", "http://x")
    link = re.search(r"/password-reset/(\S+)", people.accounts.pending_mail()[-1]["body"])  # type: ignore[union-attr]
    assert link
    path = f"/password-reset/{link.group(1)}"
    page = site.post(
        path, data={"csrf_token": _csrf(site, path), "password": "password1234"}, headers=HTML
    )
    assert page.status_code == 422
    assert "too common or too easy to guess" in page.text


@pytest.mark.postgres
def test_two_app_processes_on_one_database_share_sessions_and_limits(
    postgresql_fresh_url: str, factor_cache: dict[str, object], tmp_path: Path
) -> None:
    first_ctx = make_context(postgresql_fresh_url, factor_cache)
    second_ctx = make_context(postgresql_fresh_url, factor_cache)
    try:
        add_organisation(first_ctx, "org-a", "Alpha Chips")
        add_user(first_ctx, "alice@a.example", PASSWORD, "org-a", Role.ADMIN)
        first_ctx.clock = second_ctx.clock = StoppedClock()
        first, second = _app(first_ctx, tmp_path), _app(second_ctx, tmp_path)
        _login(first, "alice@a.example")
        saved = first.cookies["greenchain_login"]
        assert _me(second.app, saved) == 200
        second.cookies.set("greenchain_login", saved)  # the same browser, another process
        second.post("/logout", data={"csrf_token": _csrf(second, "/")}, headers=HTML)
        second.cookies.clear()
        assert _me(first.app, saved) == 401  # logged out in the other process
        first.cookies.clear()
        for client in (first, second, first, second, first):
            assert _login(client, "alice@a.example", "nope nope nope").status_code == 401
        assert _login(second, "alice@a.example").status_code == 429
        assert _login(first, "alice@a.example").status_code == 429
    finally:
        first_ctx.workspace.close()  # type: ignore[attr-defined]
        second_ctx.workspace.close()  # type: ignore[attr-defined]


def test_a_weak_password_is_refused_when_accepting_an_invitation(people):
    inviter = account_service.get_principal(
        people,
        int(people.accounts.find_user("alice@a.example")["id"]),  # type: ignore[union-attr]
    )
    link = account_service.invite(people, inviter, "org-a", "new@a.example", Role.VIEWER, "x")
    token = link.rsplit("/", 1)[1]
    with pytest.raises(InvalidDataError, match="too common or too easy to guess"):
        account_service.accept_invitation(people, token, "letmein12345")


def test_the_cli_refuses_a_short_password_with_the_reason(people, monkeypatch):
    from typer.testing import CliRunner

    from greenchain.entrypoints.cli import main as cli

    monkeypatch.setattr(cli, "_ctx", lambda: people)
    result = CliRunner().invoke(
        cli.app, ["user", "add", "new@a.example", "--org", "org-a"], input="tiny pw\n"
    )
    assert result.exit_code != 0
    assert "at least 12 characters" in result.output
