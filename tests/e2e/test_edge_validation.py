"""Input is checked at the edge. Ids in a path: every route of the API and of the pages declares
its integer path parameters with the row-id bounds, and an id no row can have (beyond 2^63, or
beyond the 32-bit keys of PostgreSQL) answers 404 or 422 on both databases, never a server
error. A NUL character in a request is refused before it reaches a handler."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from greenchain.config import Settings
from greenchain.domain.access import Role
from greenchain.entrypoints.web.app import create_app
from greenchain.entrypoints.web.deps import MAX_ROW_ID
from greenchain.services.accounts import add_user, create_api_token
from greenchain.services.context import Context
from greenchain.services.orgs import add_organisation

PASSWORD = "path-Ids-8812-pw"


def _routes(app: FastAPI) -> Iterator[Any]:
    """Every route of the app, through included routers."""
    for route in app.routes:
        if hasattr(route, "effective_route_contexts"):
            yield from route.effective_route_contexts()
        elif hasattr(route, "dependant"):
            yield route


def _int_path_params(route: Any) -> list[Any]:
    return [p for p in route.dependant.path_params if p.field_info.annotation is int]


def _id_query_params(route: Any) -> list[Any]:
    """Query parameters that name a stored row (``run_id=``, ``created=`` a report id)."""
    return [
        p
        for p in route.dependant.query_params
        if p.field_info.annotation in (int, int | None)
        and (p.name.endswith("_id") or p.name == "created")
    ]


@pytest.fixture
def app(ctx: Context, tmp_path: Path) -> FastAPI:
    return create_app(Settings(upload_dir=tmp_path / "uploads", job_workers=0), ctx)


def test_every_integer_path_parameter_is_bounded_to_a_row_id(app: FastAPI):
    unbounded = []
    seen = 0
    for route in _routes(app):
        for param in [*_int_path_params(route), *_id_query_params(route)]:
            seen += 1
            bounds = [m.le for m in param.field_info.metadata if getattr(m, "le", None)]
            if not bounds or bounds[0] > MAX_ROW_ID:
                unbounded.append(f"{route.path} {param.name}")
    assert seen > 60
    assert unbounded == []


@pytest.mark.parametrize("value", [2**63 + 7, 2**31, 0, -1])
def test_an_id_no_row_can_have_answers_404_or_422_on_every_route(
    ctx: Context, app: FastAPI, value: int
):
    add_organisation(ctx, "acme")
    add_user(ctx, "ann@acme.example", PASSWORD, "acme", Role.ADMIN)
    token = create_api_token(ctx, "ann@acme.example").token
    client = TestClient(app, raise_server_exceptions=False)
    html = {"Accept": "text/html"}
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login", headers=html).text)
    assert csrf
    login = {"csrf_token": csrf.group(1), "email": "ann@acme.example", "password": PASSWORD}
    assert client.post("/login", data=login, headers=html, follow_redirects=False).is_redirect
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/", headers=html).text)
    assert csrf
    headers = {"Authorization": f"Bearer {token}"}
    answers: dict[str, int] = {}
    for route in _routes(app):
        ints = {p.name for p in _int_path_params(route)}
        if not ints:
            continue
        path = re.sub(
            r"\{(\w+)\}",
            lambda m, ints=ints: (  # type: ignore[misc]
                str(value) if m.group(1) in ints else ("acme" if m.group(1) == "org" else "S1")
            ),
            route.path,
        )
        for method in sorted(route.methods or {"GET"}):
            if path.startswith("/api/"):
                response = client.request(method, path, headers=headers)
            else:
                form = {"csrf_token": csrf.group(1)} if method == "POST" else None
                response = client.request(method, path, headers=html, data=form)
            answers[f"{method} {path}"] = response.status_code
    assert len(answers) > 60
    assert {k: v for k, v in answers.items() if v not in (404, 422)} == {}


def test_the_command_line_refuses_an_id_no_row_can_have(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, factors_dir: Path
):
    from typer.testing import CliRunner

    from greenchain.entrypoints.cli.main import app as cli

    monkeypatch.setenv("GREENCHAIN_DB", str(tmp_path / "ws.db"))
    monkeypatch.setenv("GREENCHAIN_DATA_DIR", str(factors_dir.parent))
    huge = str(2**63 + 7)
    for args in (
        ["report", "inventory", "--org", "acme", "--year", "2024", "--run", huge],
        ["ledger", "show", huge],
        ["request", "show", huge, "--org", "acme"],
    ):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2, (args, result.output)
        assert "2147483647" in result.output, result.output


def test_a_nul_character_in_a_request_answers_422_and_writes_nothing(ctx: Context, app: FastAPI):
    add_organisation(ctx, "acme")
    add_user(ctx, "ann@acme.example", PASSWORD, "acme", Role.ADMIN)
    headers = {"Authorization": f"Bearer {create_api_token(ctx, 'ann@acme.example').token}"}
    client = TestClient(app, raise_server_exceptions=False)
    created = client.post(
        "/api/v1/orgs/acme/qualification/programs",
        headers=headers,
        json={"name": "Bad\u0000name"},
    )
    assert created.status_code == 422, created.text
    assert "NUL" in created.json()["message"]
    query = client.get("/api/v1/orgs/acme/inventory?year=2024%00", headers=headers)
    assert query.status_code == 422
    listed = client.get("/api/v1/orgs/acme/qualification/programs", headers=headers)
    assert "Bad" not in listed.text


def test_a_page_for_an_id_no_row_can_have_says_it_does_not_exist(ctx: Context, app: FastAPI):
    add_organisation(ctx, "acme")
    add_user(ctx, "ann@acme.example", PASSWORD, "acme", Role.ADMIN)
    client = TestClient(app, raise_server_exceptions=False)
    html = {"Accept": "text/html"}
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login", headers=html).text)
    assert csrf
    login = {"csrf_token": csrf.group(1), "email": "ann@acme.example", "password": PASSWORD}
    client.post("/login", data=login, headers=html)
    page = client.get(f"/orgs/acme/jobs/{2**63 + 7}", headers=html)
    assert page.status_code == 404
    assert f"no job &#39;{2**63 + 7}&#39; exists" in page.text
