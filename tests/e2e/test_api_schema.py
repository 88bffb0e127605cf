"""Property-based API tests generated from the OpenAPI document (schemathesis): no request to
any operation of the API, however odd, makes the server fail.

Every operation of the document is exercised (all methods), as an organisation admin, half of
the cases inside that admin's organisation so that generated ids, bodies and queries reach the
code behind the access checks. ``GREENCHAIN_SCHEMA_EXAMPLES`` raises the number of examples per
operation (the suite's default is modest; 50-100 finds more).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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

EXAMPLES = int(os.environ.get("GREENCHAIN_SCHEMA_EXAMPLES", "4"))
ORG = "org-a"
PASSWORD = "schema-Fuzz-7731-pw"

_state: dict[str, Any] = {}


def _app(url: str):  # type: ignore[no-untyped-def]
    folder = Path(FACTOR_CACHE_FOR_SCHEMA["tmp"])
    ctx = make_context(url, FACTOR_CACHE_FOR_SCHEMA["factors"])
    import_factor_sets(ctx, ["epa-supply-chain-v1.3"])
    add_organisation(ctx, ORG)
    add_user(ctx, "alice@a.example", PASSWORD, ORG, Role.ADMIN)
    write_csv(folder / "s.csv", "suppliers", [supplier("S1")])
    import_records(ctx, ORG, "suppliers", folder / "s.csv")
    write_csv(folder / "p.csv", "purchases", [purchase("L1", date="2024-02-02")])
    import_records(ctx, ORG, "purchases", folder / "p.csv")
    calculate_inventory(ctx, ORG, 2024)
    _state["token"] = create_api_token(ctx, "alice@a.example").token
    _state["ctx"] = ctx
    return create_app(Settings(upload_dir=folder / "uploads", job_workers=0), ctx)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def api_schema(request, tmp_path_factory, factor_cache):  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("schema")
    FACTOR_CACHE_FOR_SCHEMA["tmp"] = str(folder)
    FACTOR_CACHE_FOR_SCHEMA["factors"] = factor_cache
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'schema.db'}"
    else:
        url = request.getfixturevalue("postgresql_fresh_url")
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", _app(url))
    yield schema
    _state["ctx"].workspace.close()


def test_no_operation_fails_with_a_server_error(api_schema):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {_state['token']}"}
    failures: list[str] = []
    checked: list[str] = []
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy(), in_org=st.booleans())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case, in_org):  # type: ignore[no-untyped-def]
            if in_org and case.path_parameters and "org" in case.path_parameters:
                case.path_parameters["org"] = ORG
            request = (
                f"{case.method} {case.formatted_path} query={case.query} body={case.body!r:.300}"
            )
            try:  # the in-process transport raises what the server logged as a 500
                response = case.call(headers=headers)
            except Exception as exc:
                failures.append(f"{request} -> {type(exc).__name__}: {exc}")
                return
            if response.status_code >= 500:
                failures.append(f"{request} -> {response.status_code} {response.text[:300]}")

        check()
        checked.append(f"{operation.method.upper()} {operation.path}")
    assert len(checked) == len(set(checked)) >= 120, checked
    assert not failures, "\n".join(failures)
