"""The PACT v3 host over HTTP, on SQLite and PostgreSQL: every rule the Technical
Specifications v3.0.3 state for hosts (Action Authenticate, ListFootprints with filters and
pagination, GetFootprint, Events), every response body validated against the OpenAPI schema
in ``shared/specs/pact-v3/openapi.yaml``.

A supplier (``acme``) imports the spec's four example footprints and one from CSV, issues
credentials to a customer organisation (``buyer``, shares chosen footprints) and to a second
customer (free text, shares all); a stranger organisation (``other``) has a footprint of its
own.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import yaml
from fastapi.testclient import TestClient

from greenchain.config import Settings
from greenchain.domain.access import Role
from greenchain.entrypoints.web.app import create_app
from greenchain.entrypoints.web.pact import pact_router
from greenchain.entrypoints.web.pact_api import api_router
from greenchain.services.accounts import add_user, create_api_token
from greenchain.services.context import Context
from greenchain.services.orgs import add_organisation
from tests.conftest import SEALING_KEY

SPEC = Path(__file__).resolve().parents[3] / "shared" / "specs" / "pact-v3"
EXAMPLES = SPEC / "examples"
EXAMPLE_IDS = {
    "example-1": "12345678-9abc-def0-1234-567812345678",
    "example-2": "f4b1225a-bd44-4c8e-861d-079e4e1dfd69",
    "example-3": "8b26f3b8-f5d9-4adf-8a11-02e05d273e58",
    "example-4": "d5cba999-6a4b-4cbe-9e0a-6d8f27d1d191",
}
PASSWORD = "correct horse battery"
CE = {"Content-Type": "application/cloudevents+json; charset=UTF-8"}
CSV = (
    "product_ids,company_ids,product_classifications,company_name,product_name,"
    "product_description,declared_unit,declared_unit_amount,product_mass_per_declared_unit,"
    "reference_period_start,reference_period_end,validity_period_start,validity_period_end,"
    "geography_country,pcf_excluding_biogenic_uptake,pcf_including_biogenic_uptake,"
    "fossil_ghg_emissions,fossil_carbon_content,exempted_emissions_percent,primary_data_share,"
    "technological_dqr,geographical_dqr,temporal_dqr,packaging_emissions_included\n"
    "urn:pact:acme.example:supplier-id:77,urn:company:example:acme,urn:cpc:0151,Acme,"
    "Wheat flour,Type 550,kilogram,1,1,2020-01-01,2020-12-31,2021-01-01,2022-01-01,FR,"
    "0.5,0.45,0.5,0,0,40,2,1.5,1,false\n"
)


# --- the OpenAPI schema ------------------------------------------------------------------
def _clean(node: Any, in_properties: bool = False) -> Any:
    """The spec's event schemas put ``$ref`` inside ``properties`` (an OpenAPI-ism that JSON
    Schema 2020-12 would read as a property named "$ref"); leave those out."""
    if isinstance(node, dict):
        return {
            key: _clean(value, key == "properties" and not in_properties)
            for key, value in node.items()
            if not (in_properties and key == "$ref")
        }
    if isinstance(node, list):
        return [_clean(item) for item in node]
    return node


OPENAPI = yaml.safe_load((SPEC / "openapi.yaml").read_text(encoding="utf-8"))
COMPONENTS = _clean(OPENAPI)["components"]


def _validator(schema: dict[str, Any]) -> Any:
    return jsonschema_rs.Draft202012Validator(
        {**schema, "components": COMPONENTS}, validate_formats=True
    )


def _response_schema(path: str, method: str, status: str) -> dict[str, Any]:
    response = OPENAPI["paths"][path][method]["responses"][status]
    if "$ref" in response:
        name = response["$ref"].rsplit("/", 1)[-1]
        response = OPENAPI["components"]["schemas"][name]
    return _clean(response["content"]["application/json"]["schema"])


def assert_conforms(body: Any, path: str, method: str, status: int) -> None:
    """The body is what openapi.yaml says ``path`` answers with ``status``."""
    errors = [
        f"{e.instance_path}: {e.message}"
        for e in _validator(_response_schema(path, method, str(status))).iter_errors(body)
    ]
    assert not errors, errors


def assert_schema(body: Any, name: str) -> None:
    validator = _validator({"$ref": f"#/components/schemas/{name}"})
    errors = [f"{e.instance_path}: {e.message}" for e in validator.iter_errors(body)]
    assert not errors, errors


def test_the_schema_validator_accepts_the_spec_examples_and_rejects_broken_ones():
    for name in EXAMPLE_IDS:
        assert_schema(json.loads((EXAMPLES / f"{name}.json").read_text()), "ProductFootprint")
    assert_conforms(
        json.loads((EXAMPLES / "list-footprints-response.json").read_text()),
        "/3/footprints",
        "get",
        200,
    )
    assert_schema(
        json.loads((EXAMPLES / "pf-response-event.json").read_text()), "RequestFulfilledEvent"
    )
    broken = json.loads((EXAMPLES / "example-1.json").read_text())
    broken["pcf"]["declaredUnitAmount"] = 1.0  # a number, not a decimal string
    with pytest.raises(AssertionError):
        assert_schema(broken, "ProductFootprint")


# --- the world -----------------------------------------------------------------------------
class RecordingSender:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.fail = False

    def send(self, events_url: str, event: Any, *, client_id: Any, client_secret: Any) -> None:
        if self.fail:
            raise OSError("connection refused")
        self.sent.append((events_url, dict(event)))


def _basic(client_id: str, secret: str) -> dict[str, str]:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


@pytest.fixture
def ctx(
    tmp_path: Path, sqlite_template: Path, factor_cache: dict[str, object]
) -> Iterator[Context]:
    """The HTTP rules of the host do not depend on the database: they run on SQLite here, and
    the PACT storage runs on SQLite and PostgreSQL in tests/integration/test_pact_service.py."""
    import shutil

    from tests.conftest import make_context

    target = tmp_path / "pact.db"
    shutil.copyfile(sqlite_template, target)
    context = make_context(f"sqlite:///{target}", factor_cache)
    yield context
    context.workspace.close()  # type: ignore[attr-defined]


@pytest.fixture
def world(ctx: Context, tmp_path: Path):
    for slug, name in (("acme", "Acme Ltd"), ("buyer", "Buyer AG"), ("other", "Other Inc")):
        add_organisation(ctx, slug, name)
    add_user(ctx, "ada@acme.example", PASSWORD, "acme", Role.ADMIN)
    add_user(ctx, "olga@other.example", PASSWORD, "other", Role.ADMIN)
    app = create_app(
        Settings(upload_dir=tmp_path / "up", job_workers=0, base_url="https://pact.chip.example"),
        ctx,
    )
    app.include_router(pact_router)
    app.include_router(api_router)
    sender = RecordingSender()
    app.state.pact_sender = sender
    client = TestClient(app, base_url="https://testserver")
    admin = {"Authorization": f"Bearer {create_api_token(ctx, 'ada@acme.example').token}"}
    other = {"Authorization": f"Bearer {create_api_token(ctx, 'olga@other.example').token}"}
    base = "/api/v1/orgs/acme/pact"
    files = [
        (
            "example.json",
            json.dumps([json.loads((EXAMPLES / f"{n}.json").read_text()) for n in EXAMPLE_IDS]),
        )
    ]
    for name, text in [*files, ("flour.csv", CSV)]:
        imported = client.post(
            f"{base}/footprints/import", files={"file": (name, text)}, headers=admin
        )
        assert imported.status_code == 200, imported.text
    flour = imported.json()["ids"][0]
    stranger = client.post(
        "/api/v1/orgs/other/pact/footprints/import",
        files={
            "file": (
                "x.json",
                json.dumps({**json.loads((EXAMPLES / "example-1.json").read_text()), "id": None}),
            )
        },
        headers=other,
    )
    assert stranger.status_code == 200, stranger.text
    buyer = client.post(f"{base}/credentials", json={"customer": "buyer"}, headers=admin).json()
    shared = [EXAMPLE_IDS["example-1"], EXAMPLE_IDS["example-3"], flour]
    sharing = client.put(
        f"{base}/credentials/{buyer['client_id']}/sharing", json={"share": shared}, headers=admin
    )
    assert sharing.status_code == 200, sharing.text
    everyone = client.post(
        f"{base}/credentials", json={"customer": "Retail Co", "share_all": True}, headers=admin
    ).json()
    return {
        "client": client,
        "ctx": ctx,
        "admin": admin,
        "base": base,
        "buyer": buyer,
        "all": everyone,
        "flour": flour,
        "shared": shared,
        "stranger": stranger.json()["ids"][0],
        "sender": sender,
    }


def _token(world: dict[str, Any], who: str = "buyer") -> dict[str, str]:
    cred = world[who]
    answer = world["client"].post(
        "/auth/token",
        data={"grant_type": "client_credentials"},
        headers=_basic(cred["client_id"], cred["client_secret"]),
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def _ids(response: Any) -> set[str]:
    return {pf["id"] for pf in response.json()["data"]}


# --- Action Authenticate ---------------------------------------------------------------------
def test_a_customer_gets_a_bearer_token_with_its_client_credentials(world):
    cred = world["buyer"]
    answer = world["client"].post(
        "/auth/token",
        data={"grant_type": "client_credentials"},
        headers=_basic(cred["client_id"], cred["client_secret"]),
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["access_token"]
    assert answer.headers["cache-control"] == "no-store"
    in_body = world["client"].post(
        "/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": cred["client_id"],
            "client_secret": cred["client_secret"],
        },
    )
    assert in_body.status_code == 200


@pytest.mark.parametrize(
    ("data", "auth", "status", "error"),
    [
        ({"grant_type": "client_credentials"}, "wrong-secret", 401, "invalid_client"),
        ({"grant_type": "client_credentials"}, "unknown-client", 401, "invalid_client"),
        ({"grant_type": "client_credentials"}, None, 401, "invalid_client"),
        ({"grant_type": "password"}, "good", 400, "unsupported_grant_type"),
        ({}, "good", 400, "invalid_request"),
    ],
)
def test_a_bad_token_request_is_refused_as_oauth_says(world, data, auth, status, error):
    cred = world["buyer"]
    headers = {
        "good": _basic(cred["client_id"], cred["client_secret"]),
        "wrong-secret": _basic(cred["client_id"], "nope"),
        "unknown-client": _basic("pact_unknown", cred["client_secret"]),
        None: {},
    }[auth]
    answer = world["client"].post("/auth/token", data=data, headers=headers)
    assert answer.status_code == status
    assert answer.json()["error"] == error


def test_the_openid_configuration_names_the_token_endpoint_at_the_public_address(world):
    answer = world["client"].get("/.well-known/openid-configuration")
    assert answer.status_code == 200
    # GREENCHAIN_BASE_URL, whatever address the request came in by
    assert answer.json()["token_endpoint"] == "https://pact.chip.example/auth/token"
    assert "client_credentials" in answer.json()["grant_types_supported"]


@pytest.mark.parametrize("path", ["/3/footprints", f"/3/footprints/{EXAMPLE_IDS['example-1']}"])
@pytest.mark.parametrize(
    "header", [None, "Bearer forged.token", "Basic abc", "Bearer pact1.1.9999999999.AAAA"]
)
def test_footprints_need_a_valid_access_token(world, path, header):
    headers = {"Authorization": header} if header else {}
    answer = world["client"].get(path, headers=headers)
    assert answer.status_code == 401
    assert answer.json()["code"] == "BadRequest"
    assert_conforms(answer.json(), "/3/footprints", "get", 401)


def test_an_expired_token_is_refused_with_token_expired(world):
    headers = _token(world)
    world["ctx"].clock.current += dt.timedelta(hours=2)
    answer = world["client"].get("/3/footprints", headers=headers)
    assert answer.status_code == 401
    assert answer.json()["code"] == "TokenExpired"
    assert_conforms(answer.json(), "/3/footprints", "get", 401)


def test_revoking_a_credential_ends_its_tokens_and_its_token_requests(world):
    headers = _token(world)
    cred = world["buyer"]
    revoked = world["client"].post(
        f"{world['base']}/credentials/{cred['client_id']}/revoke", headers=world["admin"]
    )
    assert revoked.json()["revoked"] is True
    assert world["client"].get("/3/footprints", headers=headers).status_code == 401
    again = world["client"].post(
        "/auth/token",
        data={"grant_type": "client_credentials"},
        headers=_basic(cred["client_id"], cred["client_secret"]),
    )
    assert again.status_code == 401


def test_secrets_are_kept_as_hashes(world):
    from greenchain.adapters.db.pact import SqlPact

    store = SqlPact(world["ctx"].workspace.engine, SEALING_KEY)
    row = store.credential_by_client_id(world["buyer"]["client_id"])
    assert world["buyer"]["client_secret"] not in row["secret_hash"]
    assert row["secret_hash"].startswith("$argon2")
    listed = world["client"].get(f"{world['base']}/credentials", headers=world["admin"]).json()
    assert all("client_secret" not in c and "secret_hash" not in c for c in listed)


def test_only_the_suppliers_admins_manage_credentials(world):
    other = {
        "Authorization": f"Bearer {create_api_token(world['ctx'], 'olga@other.example').token}"
    }
    assert world["client"].get(f"{world['base']}/credentials", headers=other).status_code == 404
    assert (
        world["client"]
        .post(f"{world['base']}/credentials/{world['buyer']['client_id']}/revoke", headers=other)
        .status_code
        == 404
    )


# --- Action ListFootprints -------------------------------------------------------------------
def test_a_customer_lists_exactly_the_footprints_shared_with_it(world):
    answer = world["client"].get("/3/footprints", headers=_token(world))
    assert answer.status_code == 200
    assert_conforms(answer.json(), "/3/footprints", "get", 200)
    assert _ids(answer) == set(world["shared"])
    everything = world["client"].get("/3/footprints", headers=_token(world, "all"))
    assert_conforms(everything.json(), "/3/footprints", "get", 200)
    assert _ids(everything) == {*EXAMPLE_IDS.values(), world["flour"]}
    assert world["stranger"] not in _ids(everything)


def test_decimals_are_strings_in_the_specs_pattern(world):
    body = world["client"].get("/3/footprints", headers=_token(world)).json()
    flour = next(pf for pf in body["data"] if pf["id"] == world["flour"])
    assert flour["pcf"]["pcfExcludingBiogenicUptake"] == "0.5"
    assert flour["pcf"]["dqi"] == {
        "technologicalDQR": "2",
        "geographicalDQR": "1.5",
        "temporalDQR": "1",
    }
    assert flour["specVersion"] == "3.0.3"


def test_pagination_with_limit_one_follows_link_headers_to_the_end(world):
    client = world["client"]
    headers = _token(world, "all")
    url: str | None = "/3/footprints?limit=1"
    seen: list[str] = []
    pages = 0
    while url:
        answer = client.get(url, headers=headers)
        assert answer.status_code == 200
        assert_conforms(answer.json(), "/3/footprints", "get", 200)
        assert len(answer.json()["data"]) <= 1
        seen += [pf["id"] for pf in answer.json()["data"]]
        pages += 1
        link = answer.headers.get("link")
        if link is None:
            break
        match = re.fullmatch(r'<([^>]+)>; rel="next"', link)
        assert match, link
        target = urllib.parse.urlsplit(match.group(1))
        assert target.scheme == "https"
        assert target.netloc == "testserver"  # the host of the request
        assert "limit=1" in target.query
        again = client.get(match.group(1), headers=headers)  # a link can be called twice
        assert again.json() == client.get(match.group(1), headers=headers).json()
        url = match.group(1)
    assert len(seen) == len(set(seen)) == 5
    assert pages == 5


def test_pagination_keeps_the_filters(world):
    headers = _token(world, "all")
    first = world["client"].get(
        "/3/footprints?limit=1&classification=urn:pact:productclassification:un-cpc:7892",
        headers=headers,
    )
    link = re.fullmatch(r'<([^>]+)>; rel="next"', first.headers["link"]).group(1)
    assert "classification=" in link
    second = world["client"].get(link, headers=headers)
    assert _ids(first) | _ids(second) == {EXAMPLE_IDS["example-3"], EXAMPLE_IDS["example-4"]}
    assert "link" not in second.headers


def test_no_footprints_is_an_empty_list_not_null(world):
    answer = world["client"].get(
        "/3/footprints?productId=urn:gtin:0000000000000", headers=_token(world)
    )
    assert answer.status_code == 200
    assert answer.json() == {"data": []}
    assert_conforms(answer.json(), "/3/footprints", "get", 200)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("productId=urn:gtin:5695872369587", {"example-1"}),
        ("productId=URN:GTIN:5695872369587", {"example-1"}),  # case-insensitive
        (
            "productId=urn:gtin:5695872369587&productId=urn:gtin:5268596541023",
            {"example-1", "example-3", "example-4"},
        ),
        ("productId=urn:gtin:9999", set()),
        ("companyId=urn:company:example:company2", {"example-2"}),
        ("companyId=urn:company:example:nobody", set()),
        ("geography=DE", {"example-3"}),
        ("geography=de-bw", {"example-3"}),
        ("geography=US&geography=FR", {"example-1", "example-2", "flour"}),
        ("geography=Latin America and the Caribbean", {"example-4"}),
        ("geography=Europe", {"example-3", "flour"}),  # DE-BW and FR lie in Europe
        ("geography=western europe", {"example-3", "flour"}),
        ("geography=americas", {"example-1", "example-2", "example-4"}),
        ("geography=JP", set()),
        ("classification=urn:pact:productclassification:un-cpc:7892", {"example-3", "example-4"}),
        ("classification=urn:cpc:0151", {"flour"}),
        ("classification=urn:cpc:9", set()),
        # AND between criteria
        ("productId=urn:gtin:5268596541023&geography=DE", {"example-3"}),
        ("productId=urn:gtin:5268596541023&geography=US", set()),
        # validity: examples 2024-12-31..2027-12-31; flour 2021-01-01..2022-01-01
        ("validOn=2026-06-01T00:00:00Z", {"example-1", "example-2", "example-3", "example-4"}),
        ("validOn=2021-06-01T00:00:00Z", {"flour"}),
        ("validOn=2019-01-01T00:00:00Z", set()),
        ("validAfter=2024-01-01T00:00:00Z", {"example-1", "example-2", "example-3", "example-4"}),
        ("validAfter=2024-12-31T00:00:00Z", set()),  # start > validAfter, strictly
        ("validBefore=2023-01-01T00:00:00Z", {"flour"}),
        ("validBefore=2022-01-01T00:00:00Z", set()),  # end < validBefore, strictly
        ("status=Active", {"example-1", "example-2", "example-3", "example-4", "flour"}),
        ("status=deprecated", set()),
    ],
)
def test_each_filter_matches_as_the_spec_says(world, query, expected):
    ids = {**EXAMPLE_IDS, "flour": world["flour"]}
    answer = world["client"].get(f"/3/footprints?{query}", headers=_token(world, "all"))
    assert answer.status_code == 200, answer.text
    assert_conforms(answer.json(), "/3/footprints", "get", 200)
    assert _ids(answer) == {ids[name] for name in expected}


@pytest.mark.parametrize(
    "query",
    [
        "limit=-1",
        "limit=ten",
        "validOn=yesterday",
        "validAfter=2024-13-01",
        "x-gc-after=abc",
    ],
)
def test_bad_list_parameters_are_bad_requests(world, query):
    answer = world["client"].get(f"/3/footprints?{query}", headers=_token(world))
    assert answer.status_code == 400
    assert answer.json()["code"] == "BadRequest"
    assert_conforms(answer.json(), "/3/footprints", "get", 400)


def test_a_status_no_footprint_has_lists_nothing(world):
    answer = world["client"].get("/3/footprints?status=Retired", headers=_token(world))
    assert answer.status_code == 200
    assert answer.json() == {"data": []}
    assert_conforms(answer.json(), "/3/footprints", "get", 200)


def test_unknown_vendor_parameters_are_ignored(world):
    answer = world["client"].get("/3/footprints?x-atq-invoice-id=1", headers=_token(world))
    assert answer.status_code == 200
    assert _ids(answer) == set(world["shared"])


# --- Action GetFootprint ---------------------------------------------------------------------
def test_a_customer_gets_a_shared_footprint(world):
    pf_id = EXAMPLE_IDS["example-1"]
    answer = world["client"].get(f"/3/footprints/{pf_id}", headers=_token(world))
    assert answer.status_code == 200
    assert_conforms(answer.json(), "/3/footprints/{id}", "get", 200)
    assert answer.json()["data"]["id"] == pf_id
    original = json.loads((EXAMPLES / "example-1.json").read_text())
    assert answer.json()["data"]["pcf"] == original["pcf"]


def test_an_unknown_footprint_is_not_found(world):
    answer = world["client"].get(
        "/3/footprints/00000000-0000-4000-8000-000000000000", headers=_token(world)
    )
    assert answer.status_code == 404
    assert answer.json()["code"] == "NotFound"
    assert_conforms(answer.json(), "/3/footprints/{id}", "get", 404)
    other_org = world["client"].get(f"/3/footprints/{world['stranger']}", headers=_token(world))
    assert other_org.status_code == 404


def test_a_footprint_not_shared_with_the_customer_is_access_denied(world):
    answer = world["client"].get(f"/3/footprints/{EXAMPLE_IDS['example-2']}", headers=_token(world))
    assert answer.status_code == 403
    assert answer.json()["code"] == "AccessDenied"
    assert_conforms(answer.json(), "/3/footprints/{id}", "get", 403)


def test_a_malformed_id_is_a_bad_request(world):
    answer = world["client"].get("/3/footprints/not-a-uuid", headers=_token(world))
    assert answer.status_code == 400
    assert_conforms(answer.json(), "/3/footprints/{id}", "get", 400)


# --- lifecycle -------------------------------------------------------------------------------
def test_a_change_makes_a_new_footprint_and_deprecates_the_old(world):
    client, base, admin = world["client"], world["base"], world["admin"]
    old_id = EXAMPLE_IDS["example-1"]
    revised = client.post(
        f"{base}/footprints/{old_id}/revise",
        json={"pcf": {"pcfExcludingBiogenicUptake": "0.391"}, "comment": "new electricity mix"},
        headers=admin,
    )
    assert revised.status_code == 201, revised.text
    new = revised.json()
    assert new["id"] != old_id
    assert new["precedingPfIds"] == [old_id]
    assert new["status"] == "Active"
    headers = _token(world)
    old = client.get(f"/3/footprints/{old_id}", headers=headers)
    assert old.json()["data"]["status"] == "Deprecated"
    assert_conforms(old.json(), "/3/footprints/{id}", "get", 200)
    # the share carries over to the new footprint
    got = client.get(f"/3/footprints/{new['id']}", headers=headers)
    assert got.status_code == 200
    assert got.json()["data"]["pcf"]["pcfExcludingBiogenicUptake"] == "0.391"
    deprecated = client.get("/3/footprints?status=Deprecated", headers=headers)
    assert _ids(deprecated) == {old_id}
    active = client.get("/3/footprints?status=Active", headers=headers)
    assert old_id not in _ids(active)
    assert new["id"] in _ids(active)
    # a Deprecated footprint never changes again
    again = client.post(f"{base}/footprints/{old_id}/revise", json={"comment": "x"}, headers=admin)
    assert again.status_code == 409


def test_reimporting_a_changed_footprint_replaces_it_and_an_identical_one_is_unchanged(world):
    client, base, admin = world["client"], world["base"], world["admin"]
    doc = json.loads((EXAMPLES / "example-2.json").read_text())
    same = client.post(
        f"{base}/footprints/import", files={"file": ("a.json", json.dumps(doc))}, headers=admin
    )
    assert same.json()["unchanged"] == 1
    doc["pcf"]["fossilGhgEmissions"] = "0.5"
    changed = client.post(
        f"{base}/footprints/import", files={"file": ("a.json", json.dumps(doc))}, headers=admin
    )
    assert changed.json()["revised"] == 1
    new_id = changed.json()["ids"][0]
    listed = {f["id"]: f for f in client.get(f"{base}/footprints", headers=admin).json()}
    assert listed[doc["id"]]["status"] == "Deprecated"
    assert listed[doc["id"]]["replaced_by"] == new_id
    assert listed[new_id]["document"]["precedingPfIds"] == [doc["id"]]


def test_an_invalid_footprint_file_is_rejected_whole(world):
    doc = json.loads((EXAMPLES / "example-1.json").read_text())
    doc["id"] = None
    doc["pcf"]["declaredUnitAmount"] = "-1"
    answer = world["client"].post(
        f"{world['base']}/footprints/import",
        files={"file": ("bad.json", json.dumps(doc))},
        headers=world["admin"],
    )
    assert answer.status_code == 422
    assert "declaredUnitAmount" in answer.json()["message"]


# --- Action Events ---------------------------------------------------------------------------
def _event(
    kind: str, data: dict[str, Any], event_id: str = "848dcf00-2c18-400d-bcb8-11e45bbf7ebd"
) -> dict[str, Any]:
    return {
        "type": f"org.wbcsd.pact.ProductFootprint.{kind}.3",
        "specversion": "1.0",
        "id": event_id,
        "source": "//api.recipient.example/3/events",
        "time": "2026-03-01T10:00:00Z",
        "data": data,
    }


def test_a_request_for_shared_footprints_is_answered_at_once(world):
    event = _event(
        "RequestCreatedEvent", {"productId": ["urn:gtin:5695872369587"], "comment": "please"}
    )
    answer = world["client"].post(
        "/3/events", content=json.dumps(event), headers={**_token(world), **CE}
    )
    assert answer.status_code == 200
    assert answer.content == b""
    [(url, sent)] = world["sender"].sent
    assert url == "https://api.recipient.example/3/events"
    assert_schema(sent, "RequestFulfilledEvent")
    assert sent["data"]["requestEventId"] == event["id"]
    assert [pf["id"] for pf in sent["data"]["pfs"]] == [EXAMPLE_IDS["example-1"]]
    requests = world["client"].get(f"{world['base']}/requests", headers=world["admin"]).json()
    assert requests[0]["status"] == "fulfilled"
    assert requests[0]["delivery"] == "delivered"


def test_a_request_the_supplier_answers_later_shares_what_it_sends(world):
    client, base, admin = world["client"], world["base"], world["admin"]
    headers = {**_token(world), **CE}
    event = _event("RequestCreatedEvent", {"productId": ["urn:gtin:4712345060507"]})
    assert client.post("/3/events", content=json.dumps(event), headers=headers).status_code == 200
    assert world["sender"].sent == []  # nothing shared matches: it waits for the supplier
    [pending] = client.get(f"{base}/requests", headers=admin).json()
    assert pending["status"] == "pending"
    assert pending["criteria"] == {"productId": ["urn:gtin:4712345060507"]}
    done = client.post(f"{base}/requests/{pending['id']}/fulfil", json={}, headers=admin)
    assert done.status_code == 200, done.text
    [(_, sent)] = world["sender"].sent
    assert_schema(sent, "RequestFulfilledEvent")
    assert sent["data"]["pfs"][0]["id"] == EXAMPLE_IDS["example-2"]
    # what came by event can be fetched and listed (spec "Host System")
    token = _token(world)
    assert client.get(f"/3/footprints/{EXAMPLE_IDS['example-2']}", headers=token).status_code == 200
    assert EXAMPLE_IDS["example-2"] in _ids(client.get("/3/footprints", headers=token))
    twice = client.post(f"{base}/requests/{pending['id']}/fulfil", json={}, headers=admin)
    assert twice.status_code == 409


def test_a_rejected_request_sends_a_request_rejected_event(world):
    client, base, admin = world["client"], world["base"], world["admin"]
    event = _event("RequestCreatedEvent", {"productId": ["urn:gtin:1"]})
    client.post("/3/events", content=json.dumps(event), headers={**_token(world), **CE})
    [pending] = client.get(f"{base}/requests", headers=admin).json()
    done = client.post(
        f"{base}/requests/{pending['id']}/reject",
        json={"message": "no such product"},
        headers=admin,
    )
    assert done.json()["status"] == "rejected"
    [(_, sent)] = world["sender"].sent
    assert_schema(sent, "RequestRejectedEvent")
    assert sent["data"]["error"] == {"code": "NotFound", "message": "no such product"}


def test_an_unreachable_requester_is_recorded_and_retried(world):
    client, base, admin = world["client"], world["base"], world["admin"]
    world["sender"].fail = True
    event = _event("RequestCreatedEvent", {"productId": ["urn:gtin:5268596541023"]})
    client.post("/3/events", content=json.dumps(event), headers={**_token(world), **CE})
    [request] = client.get(f"{base}/requests", headers=admin).json()
    assert request["status"] == "fulfilled"
    assert request["delivery"] == "pending"
    assert request["delivery_error"] == "connection refused"
    from greenchain.adapters.db.pact import SqlPact
    from greenchain.services.pact import deliver_due_answers

    world["sender"].fail = False
    world["ctx"].clock.current += dt.timedelta(minutes=5)
    store = SqlPact(world["ctx"].workspace.engine, SEALING_KEY)
    [retried] = deliver_due_answers(world["ctx"], store, world["sender"])
    assert retried["delivery"] == "delivered"
    assert retried["delivery_attempts"] == 2
    assert len(world["sender"].sent) == 1


def test_a_repeated_request_event_is_accepted_once(world):
    event = _event("RequestCreatedEvent", {"geography": ["JP"]})
    headers = {**_token(world), **CE}
    for _ in range(2):
        assert (
            world["client"]
            .post("/3/events", content=json.dumps(event), headers=headers)
            .status_code
            == 200
        )
    assert len(world["client"].get(f"{world['base']}/requests", headers=world["admin"]).json()) == 1


@pytest.mark.parametrize(
    "event",
    [
        _event("PublishedEvent", {"pfIds": ["079e425a-464f-528d-341d-4a944a1dfd70"]}),
        _event(
            "RequestRejectedEvent",
            {"requestEventId": "1", "error": {"code": "NotFound", "message": "none"}},
        ),
        json.loads((EXAMPLES / "pf-response-event.json").read_text()),
    ],
)
def test_published_fulfilled_and_rejected_events_are_accepted(world, event):
    answer = world["client"].post(
        "/3/events", content=json.dumps(event), headers={**_token(world), **CE}
    )
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        json.dumps([]),
        json.dumps({**_event("RequestCreatedEvent", {}), "specversion": "0.3"}),
        json.dumps({k: v for k, v in _event("RequestCreatedEvent", {}).items() if k != "source"}),
        json.dumps(_event("SomethingElseEvent", {})),
        json.dumps({**_event("RequestCreatedEvent", {}), "time": "yesterday"}),
        json.dumps(_event("RequestCreatedEvent", {"validOn": "soon"})),
        json.dumps(_event("RequestCreatedEvent", {"productId": [""]})),
        json.dumps(_event("PublishedEvent", {"pfIds": ["nope"]})),
        json.dumps(_event("RequestFulfilledEvent", {"requestEventId": "1", "pfs": []})),
        json.dumps(_event("RequestFulfilledEvent", {"requestEventId": "1", "pfs": [{"id": "x"}]})),
        json.dumps(
            _event("RequestRejectedEvent", {"requestEventId": "1", "error": {"code": "Oops"}})
        ),
    ],
)
def test_invalid_events_are_bad_requests(world, body):
    answer = world["client"].post("/3/events", content=body, headers={**_token(world), **CE})
    assert answer.status_code == 400
    assert answer.json()["code"] == "BadRequest"
    assert_conforms(answer.json(), "/3/events", "post", 400)


def test_events_need_a_valid_token(world):
    event = _event("RequestCreatedEvent", {"productId": ["urn:gtin:1"]})
    answer = world["client"].post("/3/events", content=json.dumps(event), headers=CE)
    assert answer.status_code == 401
    assert_conforms(answer.json(), "/3/events", "post", 401)
