"""Engagement programs through the API and the pages, on SQLite and PostgreSQL: a joint program
between two buyers, shared suppliers, a training and a project, monitoring; strangers get 404."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from greenchain.config import Settings
from greenchain.domain.access import Role
from greenchain.entrypoints.web.app import create_app
from greenchain.services.accounts import add_user, create_api_token
from greenchain.services.context import Context
from greenchain.services.imports import import_records
from greenchain.services.orgs import add_organisation
from tests.factories import supplier, write_csv

PASSWORD = "correct horse battery"
HTML = {"Accept": "text/html"}


@pytest.fixture
def world(ctx: Context, tmp_path: Path):
    for slug, name in (("chipco", "Chip Co"), ("osatco", "OSAT Co"), ("nosy", "Nosy Co")):
        add_organisation(ctx, slug, name)
    write_csv(
        tmp_path / "a.csv",
        "suppliers",
        [supplier("C-1", name="Tainan Silicon Co., Ltd.", country="TW"), supplier("C-3")],
    )
    import_records(ctx, "chipco", "suppliers", tmp_path / "a.csv")
    write_csv(
        tmp_path / "b.csv",
        "suppliers",
        [supplier("O-7", name="TAINAN SILICON CO LTD", country="TW")],
    )
    import_records(ctx, "osatco", "suppliers", tmp_path / "b.csv")
    for email, org in (
        ("ana@chip.example", "chipco"),
        ("oli@osat.example", "osatco"),
        ("nick@nosy.example", "nosy"),
    ):
        add_user(ctx, email, PASSWORD, org, Role.ADMIN)
    client = TestClient(create_app(Settings(upload_dir=tmp_path / "up", job_workers=0), ctx))
    auth = {
        e.split("@")[0]: {"Authorization": f"Bearer {create_api_token(ctx, e).token}"}
        for e in ("ana@chip.example", "oli@osat.example", "nick@nosy.example")
    }
    return client, auth


def test_a_joint_program_through_the_api(world):
    client, auth = world
    base = "/api/v1/orgs/chipco/programs"
    made = client.post(
        base,
        json={
            "name": "Joint program",
            "goals": "60 % of suppliers by emissions with SBTs by 2027",
            "start": "2026-01-01",
            "end": "2027-12-31",
            "co_sponsors": ["osatco"],
        },
        headers=auth["ana"],
    )
    assert made.status_code == 201, made.text
    pid = made.json()["id"]
    assert made.json()["active"] is False
    early = client.post(
        f"{base}/{pid}/activities",
        json={"kind": "workshop", "title": "Kick-off", "date": "2026-02-01"},
        headers=auth["ana"],
    )
    assert early.status_code == 409
    accepted = client.post(f"/api/v1/orgs/osatco/programs/{pid}/accept", headers=auth["oli"])
    assert accepted.json()["active"] is True
    matching = client.post(f"{base}/{pid}/matching", headers=auth["ana"]).json()
    assert matching == {"confirmed": 0, "pending": 1}
    shared = client.get(f"{base}/{pid}/shared-suppliers", headers=auth["ana"]).json()
    confirmed = client.post(
        f"{base}/{pid}/matches/{shared[0]['id']}", json={"confirm": True}, headers=auth["ana"]
    )
    assert confirmed.json()["status"] == "confirmed"
    activity = client.post(
        f"{base}/{pid}/activities",
        json={"kind": "training", "title": "SBT 101", "date": "2026-03-01", "invite": ["C-1"]},
        headers=auth["ana"],
    )
    assert activity.status_code == 201, activity.text
    client.post(
        f"{base}/{pid}/activities/{activity.json()['id']}/attendance",
        json={"attended": ["C-1"]},
        headers=auth["ana"],
    )
    project = client.post(
        f"{base}/{pid}/projects",
        json={
            "supplier_id": "C-1",
            "type": "energy_efficiency",
            "title": "Chiller upgrade",
            "baseline_t": 2000,
            "expected_t": 300,
        },
        headers=auth["ana"],
    )
    assert project.status_code == 201
    bad = client.post(
        f"{base}/{pid}/projects",
        json={
            "supplier_id": "C-1",
            "type": "magic",
            "title": "x",
            "baseline_t": 1,
            "expected_t": 1,
        },
        headers=auth["ana"],
    )
    assert bad.status_code == 422
    assert "type" in bad.text
    report = client.get(f"{base}/{pid}/monitoring", headers=auth["ana"]).json()
    assert report["members"] == 1
    assert report["rows"][0]["trained"] is True
    exported = client.get(f"{base}/{pid}/monitoring.csv", headers=auth["ana"])
    assert exported.text.splitlines()[1].startswith("C-1,")
    book = client.get(f"{base}/{pid}/monitoring.xlsx", headers=auth["ana"])
    assert book.content[:2] == b"PK"
    from openpyxl import load_workbook

    sheets = load_workbook(io.BytesIO(book.content)).sheetnames
    assert sheets == ["Summary", "Members", "Intensity"]
    # the partner sees the program but not chipco's members, projects or monitoring rows
    assert (
        client.get(f"/api/v1/orgs/osatco/programs/{pid}/monitoring", headers=auth["oli"]).json()[
            "rows"
        ]
        == []
    )
    assert (
        client.get(f"/api/v1/orgs/osatco/programs/{pid}/projects", headers=auth["oli"]).json() == []
    )
    # a stranger gets nothing
    for path in ("", "/monitoring", "/projects", "/activities", "/shared-suppliers"):
        assert (
            client.get(f"/api/v1/orgs/nosy/programs/{pid}{path}", headers=auth["nick"]).status_code
            == 404
        )
        assert client.get(f"{base}/{pid}{path}", headers=auth["nick"]).status_code == 404


def _csrf(client: TestClient, path: str) -> str:
    page = client.get(path, headers=HTML).text
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def test_the_program_pages_create_accept_and_match(world):
    client, _ = world
    client.post(
        "/login",
        data={
            "csrf_token": _csrf(client, "/login"),
            "email": "ana@chip.example",
            "password": PASSWORD,
        },
        headers=HTML,
    )
    created = client.post(
        "/orgs/chipco/programs",
        data={
            "csrf_token": _csrf(client, "/orgs/chipco/programs"),
            "name": "Joint program",
            "goals": "SBTs",
            "start": "2026-01-01",
            "end": "2027-12-31",
            "co_sponsors": "osatco",
        },
        headers=HTML,
        follow_redirects=False,
    )
    assert created.status_code == 303
    url = created.headers["location"]
    page = client.get(url, headers=HTML)
    assert page.status_code == 200
    assert "OSAT Co (not accepted yet)" in page.text
    matched = client.post(f"{url}/matching", data={"csrf_token": _csrf(client, url)}, headers=HTML)
    assert "1 to review" in matched.text
    bad = client.post(
        "/orgs/chipco/programs",
        data={"csrf_token": _csrf(client, "/orgs/chipco/programs"), "name": "x", "start": "soon"},
        headers=HTML,
    )
    assert bad.status_code == 422
