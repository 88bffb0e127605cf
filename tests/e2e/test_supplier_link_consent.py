"""A buyer links one of its supplier records to another organisation only with that
organisation's consent: the buyer invites, an admin of the supplier organisation accepts or
declines (service, command line and portal page), and the answer to the buyer never tells
whether an organisation exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from greenchain.config import Settings
from greenchain.domain.access import Role
from greenchain.domain.errors import NotFoundError
from greenchain.entrypoints.cli import main as cli
from greenchain.entrypoints.web.app import create_app
from greenchain.services import portal
from greenchain.services.accounts import add_user
from greenchain.services.context import Context
from greenchain.services.imports import import_records
from greenchain.services.orgs import add_organisation
from tests.factories import supplier, write_csv

PASSWORD = "correct horse battery"
HTML = {"Accept": "text/html"}


@pytest.fixture
def buyer_and_supplier(ctx: Context, tmp_path: Path) -> Context:
    add_organisation(ctx, "chipco", "Chip Co")
    add_organisation(ctx, "steelco", "Steel Co")
    write_csv(tmp_path / "s.csv", "suppliers", [supplier("ST-1", name="Steel Co")])
    import_records(ctx, "chipco", "suppliers", tmp_path / "s.csv")
    add_user(ctx, "alice@chip.example", PASSWORD, "chipco", Role.ADMIN)
    add_user(ctx, "sue@steel.example", PASSWORD, "steelco", Role.ADMIN)
    add_user(ctx, "sam@steel.example", PASSWORD, "steelco", Role.ANALYST)
    return ctx


def test_an_invitation_alone_links_nothing(buyer_and_supplier):
    ctx = buyer_and_supplier
    portal.invite_supplier_link(ctx, "chipco", "ST-1", "steelco")
    assert portal.customers(ctx, "steelco") == []
    pending = portal.link_invitations(ctx, "steelco")
    assert [(i["buyer"], i["supplier_id"], i["supplier_name"]) for i in pending] == [
        ("chipco", "ST-1", "Steel Co")
    ]
    portal.accept_supplier_link(ctx, "steelco", pending[0]["id"])
    assert [c["buyer"] for c in portal.customers(ctx, "steelco")] == ["chipco"]
    assert portal.link_invitations(ctx, "steelco") == []


def test_the_answer_for_an_unknown_slug_equals_the_answer_for_an_existing_one(
    buyer_and_supplier,
):
    ctx = buyer_and_supplier
    known = portal.invite_supplier_link(ctx, "chipco", "ST-1", "steelco")
    unknown = portal.invite_supplier_link(ctx, "chipco", "ST-1", "nobody-here")
    assert {**known, "supplier_org": "?"} == {**unknown, "supplier_org": "?"}


def test_an_invitation_is_answered_only_by_the_organisation_it_was_sent_to(buyer_and_supplier):
    ctx = buyer_and_supplier
    portal.invite_supplier_link(ctx, "chipco", "ST-1", "steelco")
    invitation = portal.link_invitations(ctx, "steelco")[0]["id"]
    with pytest.raises(NotFoundError):
        portal.accept_supplier_link(ctx, "chipco", invitation)
    assert portal.customers(ctx, "chipco") == []


def test_the_supplier_answers_from_the_command_line(buyer_and_supplier, monkeypatch):
    ctx = buyer_and_supplier
    monkeypatch.setattr(cli, "_ctx", lambda: ctx)
    runner = CliRunner()
    done = runner.invoke(
        cli.app, ["supplier", "link", "--org", "chipco", "--supplier", "ST-1", "--to", "steelco"]
    )
    assert done.exit_code == 0, done.output
    assert "the link exists once they accept" in " ".join(done.output.split())
    listed = runner.invoke(cli.app, ["supplier", "link-invitations", "--org", "steelco"])
    assert "chipco" in listed.output
    invitation = str(portal.link_invitations(ctx, "steelco")[0]["id"])
    accepted = runner.invoke(cli.app, ["supplier", "accept-link", "--org", "steelco", invitation])
    assert accepted.exit_code == 0, accepted.output
    assert "steelco is now supplier ST-1 of chipco" in accepted.output
    again = runner.invoke(cli.app, ["supplier", "decline-link", "--org", "steelco", invitation])
    assert again.exit_code != 0
    assert "already answered" in again.output


def _login(client: TestClient, email: str) -> None:
    page = client.get("/login", headers=HTML).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    response = client.post(
        "/login",
        data={"csrf_token": token.group(1), "email": email, "password": PASSWORD, "next": "/"},
        headers=HTML,
        follow_redirects=False,
    )
    assert response.status_code == 303


def test_the_supplier_admin_accepts_on_the_portal_page(buyer_and_supplier, tmp_path):
    ctx = buyer_and_supplier
    portal.invite_supplier_link(ctx, "chipco", "ST-1", "steelco")
    app = create_app(Settings(upload_dir=tmp_path / "uploads", job_workers=0), ctx)
    analyst = TestClient(app)
    _login(analyst, "sam@steel.example")
    assert (
        "Customers asking to link you" not in analyst.get("/orgs/steelco/portal", headers=HTML).text
    )
    admin = TestClient(app)
    _login(admin, "sue@steel.example")
    page = admin.get("/orgs/steelco/portal", headers=HTML).text
    assert "Customers asking to link you" in page
    form = re.search(r'action="(/orgs/steelco/portal/link-invitations/\d+)"', page)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert form
    assert csrf
    done = admin.post(
        form.group(1), data={"csrf_token": csrf.group(1), "decision": "accept"}, headers=HTML
    )
    assert done.status_code == 200
    assert "You are now supplier ST-1 of chipco" in done.text
    assert [c["buyer"] for c in portal.customers(ctx, "steelco")] == ["chipco"]
