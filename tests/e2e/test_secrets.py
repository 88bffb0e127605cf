"""Workspace secrets: none in the source, made once by ``init``, required by every command
that signs, seals or serves, and rotated without losing what older keys made."""

from __future__ import annotations

import hashlib
import re
import stat
from pathlib import Path

import pytest
from cryptography.fernet import InvalidToken
from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner
from typer.testing import CliRunner

from greenchain.adapters.signing import Ed25519Keys, SecretBox
from greenchain.config import Settings
from greenchain.domain.errors import MissingSecretsError
from greenchain.entrypoints.cli.main import app
from greenchain.entrypoints.web.app import create_app
from greenchain.services import pact as pact_service
from greenchain.services.context import Context

SRC = Path(__file__).resolve().parents[2] / "src" / "greenchain"


@pytest.fixture
def no_env_secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, factors_dir: Path) -> Path:
    """A workspace whose secrets come only from its secrets file (none given by environment)."""
    monkeypatch.delenv("GREENCHAIN_SECRET_KEY", raising=False)
    monkeypatch.delenv("GREENCHAIN_SEALING_KEY", raising=False)
    monkeypatch.setenv("GREENCHAIN_DB", str(tmp_path / "ws.db"))
    monkeypatch.setenv("GREENCHAIN_DATA_DIR", str(factors_dir.parent))
    monkeypatch.chdir(tmp_path)
    return tmp_path / "ws.db"


def run(*args: str) -> object:
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def test_no_secret_value_is_written_in_the_source() -> None:
    settings_fields = Settings.model_fields
    assert settings_fields["secret_key"].default is None
    assert settings_fields["sealing_key"].default is None
    literal = re.compile(r"(dev-only|change-me|greenchain-pact\"|ledger-secret)")
    offenders = [
        f"{path.relative_to(SRC)}:{number}"
        for path in SRC.rglob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if literal.search(line)
    ]
    assert offenders == []


def test_settings_without_secrets_say_how_to_make_them(no_env_secrets: Path) -> None:
    with pytest.raises(MissingSecretsError, match="greenchain init"):
        Settings().secrets()


@pytest.mark.parametrize("command", [["serve"], ["worker", "--once"], ["ledger", "head"]])
def test_commands_that_need_secrets_refuse_to_start_without_them(
    no_env_secrets: Path, command: list[str]
) -> None:
    result = run(*command)
    assert result.exit_code == 7, result.output  # type: ignore[attr-defined]
    assert "no workspace secrets" in result.output  # type: ignore[attr-defined]
    assert "greenchain init" in result.output  # type: ignore[attr-defined]
    assert "Traceback" not in result.output  # type: ignore[attr-defined]


def test_init_makes_the_secrets_once_readable_by_the_owner_only(no_env_secrets: Path) -> None:
    result = run("init")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    secrets_file = Path(f"{no_env_secrets}.secrets")
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    first = secrets_file.read_text()
    assert run("init").exit_code == 0  # type: ignore[attr-defined]
    assert secrets_file.read_text() == first  # never replaced
    assert run("ledger", "head").exit_code == 0  # type: ignore[attr-defined]


def test_two_workspaces_get_different_secrets(tmp_path: Path) -> None:
    from greenchain.config import create_secrets

    made = []
    for name in ("a.db", "b.db"):
        settings = Settings(db=str(tmp_path / name), secret_key=None, sealing_key=None)
        create_secrets(settings)
        made.append(settings.secrets())
    assert made[0].session_keys != made[1].session_keys
    assert made[0].sealing_keys != made[1].sealing_keys


def test_rotation_keeps_what_old_keys_sealed_and_seals_with_the_new_one(
    no_env_secrets: Path,
) -> None:
    assert run("init").exit_code == 0  # type: ignore[attr-defined]
    before = Settings().secrets()
    sealed_before = SecretBox(before.sealing_keys).seal("client secret")
    public, pem_before = Ed25519Keys(before.sealing_keys).generate()

    result = run("secrets", "rotate", "--session", "--sealing")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    after = Settings().secrets()
    assert after.session_keys[1:] == before.session_keys
    assert after.sealing_keys[1:] == before.sealing_keys

    box = SecretBox(after.sealing_keys)
    assert box.open(sealed_before) == "client secret"
    with pytest.raises(InvalidToken):
        SecretBox(before.sealing_keys).open(box.seal("new"))  # sealed with the new key
    keys = Ed25519Keys(after.sealing_keys)
    assert keys.verify(public, keys.sign(pem_before, b"m"), b"m")
    resealed = keys.reseal(pem_before)
    with pytest.raises(ValueError, match="no sealing key"):
        Ed25519Keys(before.sealing_keys).sign(resealed, b"m")


def test_reseal_moves_stored_signing_keys_to_the_newest_key(no_env_secrets: Path) -> None:
    assert run("init").exit_code == 0  # type: ignore[attr-defined]
    assert run("org", "add", "acme").exit_code == 0  # type: ignore[attr-defined]
    assert run("ledger", "rotate-key", "--org", "acme").exit_code == 0  # type: ignore[attr-defined]
    result = run("secrets", "rotate", "--sealing", "--reseal")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert "signing keys" in result.output  # type: ignore[attr-defined]
    newest_only = Settings().secrets().sealing_keys[:1]
    # After re-sealing, the newest key alone opens every stored signing key.
    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{no_env_secrets}")
    with engine.connect() as connection:
        pems = [
            row[0] for row in connection.execute(text("SELECT private_key_pem FROM signing_keys"))
        ]
    engine.dispose()
    assert pems
    for pem in pems:
        Ed25519Keys(newest_only).sign(pem, b"m")


def test_a_session_cookie_forged_with_the_old_built_in_secret_is_not_a_login(
    ctx: Context, tmp_path: Path
) -> None:
    from greenchain.domain.access import Role
    from greenchain.services.accounts import add_user
    from greenchain.services.orgs import add_organisation

    add_organisation(ctx, "acme")
    user = add_user(ctx, "ana@acme.example", "correct horse battery", "acme", Role.ADMIN)
    client = TestClient(create_app(Settings(upload_dir=tmp_path / "u", job_workers=0), ctx))
    import base64
    import json

    payload = base64.b64encode(json.dumps({"user_id": user.user_id}).encode())
    forged = TimestampSigner("dev-only-change-me-" + "0" * 24).sign(payload).decode()
    client.cookies.set("greenchain_session", forged)
    assert client.get("/api/v1/me").status_code == 401


def test_pact_tokens_signed_with_a_rotated_out_key_still_verify_until_they_expire(
    ctx: Context,
) -> None:
    from greenchain.adapters.db.pact import SqlPact
    from greenchain.services.orgs import add_organisation

    org = add_organisation(ctx, "seller")
    store = SqlPact(ctx.workspace.engine, "sealing")  # type: ignore[attr-defined]
    made = pact_service.create_credential(
        ctx, pact_service_admin(org.slug, org.id), store, org.slug, "customer"
    )
    old_key = hashlib.sha256(b"old").digest()
    new_key = hashlib.sha256(b"new").digest()
    token, _ = pact_service.issue_token(
        ctx, store, made["client_id"], made["client_secret"], old_key
    )
    assert pact_service.authenticate(ctx, store, token, [new_key, old_key])["id"]
    with pytest.raises(Exception, match="invalid access token"):
        pact_service.authenticate(ctx, store, token, [new_key])


def pact_service_admin(slug: str, org_id: int):  # type: ignore[no-untyped-def]
    from greenchain.domain.access import Membership, Principal, Role

    return Principal(0, "cli", {slug: Membership(org_id, slug, slug, Role.ADMIN)})
