"""Property-based API tests generated from the OpenAPI document (schemathesis): no request,
however odd, makes the server fail."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from greenchain.config import Settings
from greenchain.domain.access import Role
from greenchain.entrypoints.web.app import create_app
from greenchain.services.accounts import add_user, create_api_token
from greenchain.services.factors import import_factor_sets
from greenchain.services.imports import import_records
from greenchain.services.inventory import calculate_inventory
from greenchain.services.orgs import add_organisation
from tests.conftest import FACTOR_CACHE_FOR_SCHEMA, make_context
from tests.factories import purchase, supplier, write_csv

pytestmark = pytest.mark.slow

_state: dict[str, str] = {}


def _app():  # type: ignore[no-untyped-def]
    folder = Path(FACTOR_CACHE_FOR_SCHEMA["tmp"])
    ctx = make_context(f"sqlite:///{folder / 'schema.db'}", FACTOR_CACHE_FOR_SCHEMA["factors"])
    import_factor_sets(ctx, ["epa-supply-chain-v1.3"])
    add_organisation(ctx, "org-a")
    add_user(ctx, "alice@a.example", "correct horse battery", "org-a", Role.ADMIN)
    write_csv(folder / "s.csv", "suppliers", [supplier("S1")])
    import_records(ctx, "org-a", "suppliers", folder / "s.csv")
    write_csv(folder / "p.csv", "purchases", [purchase("L1", date="2024-02-02")])
    import_records(ctx, "org-a", "purchases", folder / "p.csv")
    calculate_inventory(ctx, "org-a", 2024)
    _state["token"] = create_api_token(ctx, "alice@a.example").token
    return create_app(Settings(upload_dir=folder / "uploads", job_workers=0), ctx)


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory, factor_cache):  # type: ignore[no-untyped-def]
    FACTOR_CACHE_FOR_SCHEMA["tmp"] = str(tmp_path_factory.mktemp("schema"))
    FACTOR_CACHE_FOR_SCHEMA["factors"] = factor_cache
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", _app()).include(method="GET")


def test_no_get_route_fails_with_a_server_error(api_schema):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {_state['token']}"}
    checked = []
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=15, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def check(case):  # type: ignore[no-untyped-def]
            response = case.call(headers=headers)
            assert response.status_code < 500, (case.path, case.query, response.text)

        check()
        checked.append(operation.path)
    assert len(checked) >= 12
