"""Data request campaigns through the pages: contacts kept on the supplier record, a campaign
to the hotspot suppliers previewed (who is reached at which address, who has no contact) and
sent, suppliers ticked in the list, a joint program's co-sponsor named by its name."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from greenchain.config import Settings
from greenchain.domain.access import Role
from greenchain.entrypoints.web.app import create_app
from greenchain.services import engagement
from greenchain.services.accounts import add_user
from greenchain.services.context import Context
from greenchain.services.imports import import_records
from greenchain.services.inventory import calculate_inventory
from greenchain.services.orgs import add_organisation
from tests.factories import purchase, supplier, write_csv

PASSWORD = "correct horse battery"
HTML = {"Accept": "text/html"}


@pytest.fixture
def site(ctx: Context, tmp_path: Path):
    add_organisation(ctx, "chipco", "Chip Co")
    add_organisation(ctx, "osatco", "OSAT Co")
    add_user(ctx, "alice@chip.example", PASSWORD, "chipco", Role.ADMIN)
    rows = [
        supplier("S1", name="Big Steel", contact_name="Mia Chen",
                 contact_email="climate@bigsteel.example"),
        supplier("S2", name="Gas Works"),  # no contact on record
        supplier("S3", name="Tiny Parts", contact_email="esg@tiny.example"),
    ]  # fmt: skip
    write_csv(tmp_path / "s.csv", "suppliers", rows)
    import_records(ctx, "chipco", "suppliers", tmp_path / "s.csv")
    lines = [
        purchase("L1", "S1", date="2024-03-01", amount="900000"),
        purchase("L2", "S2", date="2024-03-01", amount="500000"),
        purchase("L3", "S3", date="2024-03-01", amount="1000"),
    ]
    write_csv(tmp_path / "p.csv", "purchases", lines)
    import_records(ctx, "chipco", "purchases", tmp_path / "p.csv")
    calculate_inventory(ctx, "chipco", 2024)
    client = TestClient(create_app(Settings(upload_dir=tmp_path / "up", job_workers=0), ctx))
    page = client.get("/login", headers=HTML).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    client.post(
        "/login",
        data={"csrf_token": token, "email": "alice@chip.example", "password": PASSWORD},
        headers=HTML,
    )
    return ctx, client


def _csrf(client: TestClient, path: str) -> str:
    page = client.get(path, headers=HTML).text
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def test_a_campaign_to_the_hotspots_shows_who_is_reached_and_who_has_no_contact(site):
    ctx, client = site
    token = _csrf(client, "/orgs/chipco/requests")
    preview = client.post(
        "/orgs/chipco/requests/preview",
        data={
            "csrf_token": token,
            "send_to": "hotspots",
            "year": "2024",
            "deadline": "2026-06-30",
        },
        headers=HTML,
    )
    assert preview.status_code == 200
    text = preview.text
    assert "hotspot suppliers of 2024" in text
    assert "climate@bigsteel.example" in text
    assert "Gas Works" in text
    assert "no contact: not sent" in text
    assert "Send to 1 supplier" in text
    recipients = re.search(r'name="recipients" value="([^"]*)"', text).group(1)  # type: ignore[union-attr]
    sent = client.post(
        "/orgs/chipco/requests",
        data={
            "csrf_token": token,
            "year": "2024",
            "deadline": "2026-06-30",
            "recipients": recipients,
            "message": "",
        },
        headers=HTML,
        follow_redirects=False,
    )
    assert sent.status_code == 303
    request_id = int(sent.headers["location"].rsplit("/", 1)[1])
    detail = engagement.request_detail(ctx, "chipco", request_id)
    assert [(r["supplier_id"], r["email"]) for r in detail["recipients"]] == [
        ("S1", "climate@bigsteel.example")
    ]


def test_suppliers_ticked_in_the_list_are_previewed_as_a_campaign(site):
    _, client = site
    page = client.get("/orgs/chipco/suppliers", headers=HTML).text
    assert 'form="tick-form" name="selected" value="S3"' in page
    preview = client.post(
        "/orgs/chipco/requests/preview",
        data={
            "csrf_token": _csrf(client, "/orgs/chipco/suppliers"),
            "send_to": "selected",
            "selected": ["S3", "S2"],
        },
        headers=HTML,
    )
    assert "the 2 suppliers you ticked" in preview.text
    assert "esg@tiny.example" in preview.text
    none = client.post(
        "/orgs/chipco/requests/preview",
        data={"csrf_token": _csrf(client, "/orgs/chipco/suppliers"), "send_to": "selected"},
        headers=HTML,
    )
    assert none.status_code == 422
    assert "no supplier is ticked" in none.text


def test_a_contact_is_kept_on_the_supplier_and_a_bad_address_is_named(site):
    _, client = site
    path = "/orgs/chipco/suppliers/S2"
    bad = client.post(
        "/orgs/chipco/supplier-contact",
        data={
            "csrf_token": _csrf(client, path),
            "supplier_id": "S2",
            "contact_email": "not an email",
        },
        headers=HTML,
    )
    assert bad.status_code == 422
    assert "contact email 'not an email' is not an email address" in bad.text.replace("&#39;", "'")
    client.post(
        "/orgs/chipco/supplier-contact",
        data={
            "csrf_token": _csrf(client, path),
            "supplier_id": "S2",
            "contact_name": "Ola",
            "contact_email": "ola@gasworks.example",
        },
        headers=HTML,
    )
    assert "ola@gasworks.example" in client.get(path, headers=HTML).text


def test_a_contact_email_that_is_no_address_is_refused_at_import_naming_the_row(
    ctx: Context, tmp_path: Path
):
    from greenchain.domain.errors import FileRejectedError

    add_organisation(ctx, "acme")
    write_csv(tmp_path / "s.csv", "suppliers", [supplier("S1", contact_email="climate at acme")])
    with pytest.raises(FileRejectedError, match="row 2, field 'contact_email'"):
        import_records(ctx, "acme", "suppliers", tmp_path / "s.csv")


def test_a_co_sponsor_is_named_by_its_name(site):
    _, client = site
    made = client.post(
        "/orgs/chipco/programs",
        data={
            "csrf_token": _csrf(client, "/orgs/chipco/programs"),
            "name": "Joint",
            "goals": "SBTs",
            "start": "2026-01-01",
            "end": "2027-12-31",
            "co_sponsors": "osat co",
        },
        headers=HTML,
        follow_redirects=False,
    )
    assert made.status_code == 303
    page = client.get(made.headers["location"], headers=HTML).text
    assert "OSAT Co" in page
    unknown = client.post(
        "/orgs/chipco/programs",
        data={
            "csrf_token": _csrf(client, "/orgs/chipco/programs"),
            "name": "Other",
            "goals": "x",
            "start": "2026-01-01",
            "end": "2027-12-31",
            "co_sponsors": "Nobody Ltd",
        },
        headers=HTML,
    )
    assert "co-sponsor 'Nobody Ltd': no organisation of that name" in unknown.text.replace(
        "&#39;", "'"
    )
