"""Shared fixtures: workspaces on SQLite (a temp file) and on the real PostgreSQL server.

The PostgreSQL database is created for the test session and dropped at its end
(``GREENCHAIN_TEST_PG``, default ``postgresql://postgres@127.0.0.1:5432/postgres`` as admin).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from greenchain.adapters.compute.engine import DuckDbEngine
from greenchain.adapters.db.accounts import SqlAccounts
from greenchain.adapters.db.engagement import SqlEngagement
from greenchain.adapters.db.exclusions import SqlExclusions
from greenchain.adapters.db.fx import SqlConversions
from greenchain.adapters.db.jobs import SqlJobQueue
from greenchain.adapters.db.ledger import SqlLedger
from greenchain.adapters.db.programs import SqlPrograms
from greenchain.adapters.db.qualification import SqlQualification
from greenchain.adapters.db.targets import SqlTargets
from greenchain.adapters.db.verification import SqlVerification
from greenchain.adapters.db.workspace import SqlWorkspace
from greenchain.adapters.files import (
    PublicFactorFiles,
    SpreadsheetFiles,
    write_demo_files,
)
from greenchain.adapters.linestore import LineStore
from greenchain.adapters.security import Argon2PasswordHasher
from greenchain.adapters.signing import Ed25519Keys
from greenchain.config import Settings, new_key
from greenchain.services.context import Context
from tests.fakes import FixedClock

# The one place tests get workspace secrets: random keys for this test session, given the way a
# server deployment gives them (environment). Tests of the secrets file remove these.
os.environ.setdefault("GREENCHAIN_SECRET_KEY", new_key())
os.environ.setdefault("GREENCHAIN_SEALING_KEY", new_key())
SEALING_KEY = os.environ["GREENCHAIN_SEALING_KEY"]

PG_ADMIN_URL = os.environ.get(
    "GREENCHAIN_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture(scope="session")
def factors_dir() -> Path:
    path = Settings().factors_dir
    assert path.is_dir(), f"reference data not found at {path}; set GREENCHAIN_DATA_DIR"
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    name = f"greenchain_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :n AND pid <> pg_backend_pid()"
                ),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture(scope="session")
def factor_cache(factors_dir: Path) -> dict[str, object]:
    """Factor sets read once per session (reading the files is the slow part)."""
    files = PublicFactorFiles(factors_dir)
    return {source: files.read(source) for source in files.sources()}


class CachedFactorFiles:
    def __init__(self, cache: dict[str, object]) -> None:
        self.cache = cache

    def sources(self) -> list[str]:
        return list(self.cache)

    def read(self, source: str) -> object:
        return self.cache[source]


def make_context(url: str, factor_cache: dict[str, object], lines: Path | None = None) -> Context:
    """A context on ``url``; ``lines``: the line store's folder (default beside an SQLite
    file, else the user's data folder)."""
    workspace = SqlWorkspace(url, LineStore(str(lines)) if lines is not None else None)
    workspace.migrate()
    return Context(
        workspace=workspace,
        conversions=SqlConversions(workspace.engine),
        engine=DuckDbEngine(),
        tabular=SpreadsheetFiles(),
        factor_files=CachedFactorFiles(factor_cache),  # type: ignore[arg-type]
        clock=FixedClock(),
        demo_writer=write_demo_files,
        accounts=SqlAccounts(workspace.engine),
        hasher=Argon2PasswordHasher(time_cost=1, memory_cost_kib=8192),  # fast in tests
        jobs=SqlJobQueue(workspace.engine),
        ledger=SqlLedger(workspace.engine, workspace.lines),
        targets=SqlTargets(workspace.engine),
        engagement=SqlEngagement(workspace.engine),
        qualification=SqlQualification(workspace.engine),
        programs=SqlPrograms(workspace.engine),
        exclusions=SqlExclusions(workspace.engine),
        verification=SqlVerification(workspace.engine),
        keys=Ed25519Keys(SEALING_KEY),
    )


@pytest.fixture(scope="session")
def sqlite_template(
    tmp_path_factory: pytest.TempPathFactory, factor_cache: dict[str, object]
) -> Path:
    """A migrated SQLite workspace with the factor library imported, built once and copied for
    each test (importing the factor sets is the slow part of a fresh workspace)."""
    from greenchain.services.factors import import_factor_sets

    path = tmp_path_factory.mktemp("template") / "template.db"
    context = make_context(f"sqlite:///{path}", factor_cache)
    import_factor_sets(context)
    context.workspace.close()  # type: ignore[attr-defined]
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def ctx(
    request: pytest.FixtureRequest, tmp_path: Path, factor_cache: dict[str, object]
) -> Iterator[Context]:
    """A fresh workspace with the factor library imported, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        import shutil

        target = tmp_path / "test.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        context = make_context(f"sqlite:///{target}", factor_cache)
    else:
        url = request.getfixturevalue("postgresql_fresh_url")
        context = make_context(url, factor_cache, tmp_path / "lines")
        from greenchain.services.factors import import_factor_sets

        import_factor_sets(context)
    yield context
    context.workspace.close()  # type: ignore[attr-defined]


@pytest.fixture
def postgresql_fresh_url(postgres_url: str) -> str:
    """The session database emptied of tenant data before each test."""
    workspace = SqlWorkspace(postgres_url)
    workspace.migrate()
    with workspace.engine.begin() as conn:
        conn.execute(
            text(
                "TRUNCATE pact_connections, pact_notifications, pact_inbound_events, "
                "pact_requests, pact_shares, pact_footprint_keys, pact_footprints, "
                "pact_credentials, program_projects, "
                "library_articles, action_items, activity_invitees, "
                "program_activities, supplier_matches, program_members, program_sponsors, "
                "programs, supplier_incentives, supplier_requirements, scorecard_weights, "
                "supplier_attributes, corrective_actions, audit_findings, supplier_audits, "
                "qualification_transitions, qualification_cases, qualification_programs, "
                "evidence_files, consent_grants, supplier_responses, request_recipients, "
                "data_requests, supplier_links, progress_reports, history_totals, history_revenue, "
                "targets, "
                "carbon_credits, "
                "verification_checks, verification_samples, verification_findings, "
                "witness_signatures, verifier_engagements, reduction_claims, "
                "tree_heads, ledger_entries, signing_keys, jobs, audit_log, outbox, "
                "login_attempts, login_throttles, user_sessions, supplier_link_invitations, "
                "one_time_tokens, api_tokens, "
                "memberships, users, restatements, rejected_lines, calculation_runs, "
                "imports, "
                "purchase_lines, supplier_data, activity_data, product_footprints, take_back, "
                "suppliers, "
                "category_exclusions, organisations, fx_rates, factors, factor_sets "
                "RESTART IDENTITY CASCADE"
            )
        )
    workspace.close()
    return postgres_url


#: Shared with the schema-driven API tests, which build their app outside a test function.
FACTOR_CACHE_FOR_SCHEMA: dict[str, object] = {}
