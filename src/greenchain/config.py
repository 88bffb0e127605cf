"""Settings, from environment variables prefixed ``GREENCHAIN_``; every one has a safe default.

The embedded default is a SQLite file in the working directory and the public reference data in
``../shared/data`` beside the project checkout.

Secrets have no default: a workspace's secrets (the keys that sign session and PACT tokens and
the keys that seal signing keys and client secrets at rest) are generated when the workspace is
created (``greenchain init``) and kept in a file readable by its owner only, beside an SQLite
workspace (``<db>.secrets``), or given by environment (``GREENCHAIN_SECRET_KEY``,
``GREENCHAIN_SEALING_KEY``) or a file named by ``GREENCHAIN_SECRETS_FILE`` for a server
deployment. Keys are lists, newest first: the newest signs and seals, older ones still verify
and open what they made, so keys rotate without logging everyone out or losing sealed data.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import secrets as random_source
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from greenchain.domain.errors import ConfigurationError, MissingSecretsError

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _default_data_dir() -> Path:
    """``../shared/data`` next to the checkout, else next to the working directory."""
    for base in (PROJECT_ROOT, Path.cwd()):
        candidate = base.parent / "shared" / "data"
        if candidate.is_dir():
            return candidate
    return PROJECT_ROOT.parent / "shared" / "data"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="GREENCHAIN_", extra="ignore", populate_by_name=True
    )

    db: str = Field(
        default="./greenchain.db",
        description="SQLite file path, or a SQLAlchemy URL (sqlite:///..., postgresql://...)",
    )
    data_dir: Path = Field(
        default_factory=_default_data_dir,
        description="Folder with the public factor data (factors/epa-supply-chain-v1.3, ...)",
    )
    hotspot_share: float = Field(default=0.67, gt=0, le=1)
    supplier_data_max_age_years: int = Field(
        default=2,
        ge=0,
        le=10,
        description="Supplier-reported emissions of up to this many years before the reporting "
        "year are used (the latest one) when the year itself was not reported; the line notes "
        "the year and its temporal quality rating drops",
    )
    secret_key: str | None = Field(
        default=None,
        description="Keys that sign session and PACT access tokens, comma-separated, newest "
        "first; default: the workspace's secrets file",
    )
    sealing_key: str | None = Field(
        default=None,
        validation_alias=AliasChoices("GREENCHAIN_SEALING_KEY", "GREENCHAIN_LEDGER_SECRET"),
        description="Keys that seal signing keys and client secrets at rest, comma-separated, "
        "newest first; default: the workspace's secrets file",
    )
    secrets_file: Path | None = Field(
        default=None,
        description="The workspace's secrets file (JSON, mode 0600); default <db>.secrets "
        "beside an SQLite workspace",
    )
    base_url: str = Field(default="http://127.0.0.1:8000", description="Public address")
    allowed_hosts: list[str] = Field(default=["127.0.0.1", "localhost", "testserver"])
    secure_cookies: bool = Field(default=False, description="Send cookies over HTTPS only")
    smtp_host: str | None = Field(default=None, description="SMTP server for the outbox")
    smtp_port: int = 25
    mail_from: str = "Greenchain <no-reply@greenchain.local>"
    upload_dir: Path = Field(default=Path("uploads"), description="Where uploads are kept")
    line_store: str | None = Field(
        default=None,
        description="Where the result lines of calculation runs are kept as Parquet files: a "
        "folder or an fsspec URL (s3://bucket/lines); default <db>.lines beside an SQLite "
        "workspace, else ~/.local/share/greenchain/lines",
    )
    xlsx_max_rows: int = Field(
        default=1_048_576, ge=1, description="Rows an XLSX import reads at most"
    )
    xlsx_max_unpacked_mb: int = Field(
        default=512, ge=1, description="MiB an XLSX workbook may unpack to (checked first)"
    )
    job_workers: int = Field(default=1, ge=0, description="In-process job workers per web worker")
    engine: Literal["duckdb", "spark"] = Field(
        default="duckdb",
        description="Where calculations run: duckdb (in process) or spark (Apache Spark, "
        "local or the cluster of GREENCHAIN_SPARK_MASTER; see docs/scale.md)",
    )
    spark_master: str | None = Field(
        default=None,
        description="Spark master URL for the spark engine (spark://host:7077, yarn, "
        "k8s://...); default: an in-process session (local[2])",
    )

    @field_validator("db")
    @classmethod
    def _not_empty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("GREENCHAIN_DB must not be empty")
        return value.strip()

    @property
    def database_url(self) -> str:
        """A SQLAlchemy URL; a bare path means a SQLite file."""
        if "://" in self.db:
            url = self.db
            if url.startswith("postgresql://") or url.startswith("postgres://"):
                url = "postgresql+psycopg://" + url.split("://", 1)[1]
            return url
        return f"sqlite:///{Path(self.db).expanduser()}"

    @property
    def factors_dir(self) -> Path:
        return self.data_dir / "factors"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def secrets_path(self) -> Path | None:
        """Where the workspace's secrets file is: the setting, else beside an SQLite file."""
        if self.secrets_file is not None:
            return self.secrets_file.expanduser()
        if self.is_sqlite and "://" not in self.db:
            return Path(f"{Path(self.db).expanduser()}.secrets")
        if self.is_sqlite:
            file = self.database_url.split(":///", 1)[-1]
            return Path(f"{file}.secrets") if file and file != ":memory:" else None
        return None

    def secrets(self) -> WorkspaceSecrets:
        """The workspace's keys: from the environment where given, else from its secrets file.

        Raises MissingSecretsError (saying how to make them) when there are none."""
        stored = _read_secrets_file(self.secrets_path)
        session = _key_list(self.secret_key) or (stored.session_keys if stored else ())
        sealing = _key_list(self.sealing_key) or (stored.sealing_keys if stored else ())
        if session and sealing:
            return WorkspaceSecrets(session_keys=session, sealing_keys=sealing)
        raise MissingSecretsError(_how_to_make_secrets(self))

    def require_secrets(self) -> None:
        """Refuse to go on without the workspace's secrets (``serve``, ``worker``...)."""
        self.secrets()


#: Random bytes in a generated key (256 bits).
KEY_BYTES = 32


@dataclass(frozen=True)
class WorkspaceSecrets:
    """The keys of a workspace, newest first. ``session_keys`` sign session and PACT access
    tokens; ``sealing_keys`` encrypt the organisations' signing keys and stored client
    secrets."""

    session_keys: tuple[str, ...]
    sealing_keys: tuple[str, ...]

    @property
    def session_key(self) -> str:
        return self.session_keys[0]

    def to_json(self) -> str:
        return json.dumps(
            {
                "session_keys": list(self.session_keys),
                "sealing_keys": list(self.sealing_keys),
                "written_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            },
            indent=2,
        )


def new_key() -> str:
    """A new random key: 256 bits from the operating system, URL-safe text."""
    return base64.urlsafe_b64encode(random_source.token_bytes(KEY_BYTES)).decode().rstrip("=")


def _key_list(text: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (text or "").split(",") if part.strip())


def _read_secrets_file(path: Path | None) -> WorkspaceSecrets | None:
    if path is None or not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        session = tuple(str(k) for k in data["session_keys"] if str(k))
        sealing = tuple(str(k) for k in data["sealing_keys"] if str(k))
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ConfigurationError(
            f"{path}: not a readable secrets file ({type(error).__name__}); restore it from a "
            "backup (without it sealed keys cannot be opened)"
        ) from None
    if not session or not sealing:
        raise ConfigurationError(f"{path}: the secrets file has no session or sealing key")
    return WorkspaceSecrets(session_keys=session, sealing_keys=sealing)


def _how_to_make_secrets(settings: Settings) -> str:
    path = settings.secrets_path
    if path is not None:
        return (
            f"no workspace secrets: {path} does not exist; run 'greenchain init' to create it "
            "(or set GREENCHAIN_SECRET_KEY and GREENCHAIN_SEALING_KEY; see docs/deploy.md)"
        )
    return (
        "no workspace secrets: set GREENCHAIN_SECRET_KEY and GREENCHAIN_SEALING_KEY (make "
        "values with 'greenchain secrets generate'), or set GREENCHAIN_SECRETS_FILE to a file "
        "'greenchain init' creates; see docs/deploy.md"
    )


def write_secrets_file(path: Path, workspace_secrets: WorkspaceSecrets) -> None:
    """Write (or replace) a secrets file readable and writable by its owner only: the file is
    created with mode 0600 under a temporary name and renamed over the old one, so it is never
    readable by others, not even for a moment, and never half-written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{random_source.token_hex(4)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(workspace_secrets.to_json())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def create_secrets(settings: Settings) -> tuple[Path | None, bool]:
    """Make the workspace's secrets once: (the file, whether it was created now). Existing
    secrets are never replaced; with keys given by environment nothing is written."""
    if _key_list(settings.secret_key) and _key_list(settings.sealing_key):
        return None, False
    path = settings.secrets_path
    if path is None:
        raise MissingSecretsError(_how_to_make_secrets(settings))
    if _read_secrets_file(path) is not None:
        return path, False
    write_secrets_file(path, WorkspaceSecrets(session_keys=(new_key(),), sealing_keys=(new_key(),)))
    return path, True


def rotate_secrets(settings: Settings, *, session: bool, sealing: bool) -> WorkspaceSecrets:
    """Put a new key in front of the session and/or sealing keys of the secrets file; the old
    keys stay behind it, so what they signed or sealed still opens. Keys given by environment
    cannot be rewritten here: ConfigurationError says to set them there."""
    current = settings.secrets()
    rotated = WorkspaceSecrets(
        session_keys=((new_key(),) if session else ()) + current.session_keys,
        sealing_keys=((new_key(),) if sealing else ()) + current.sealing_keys,
    )
    if _key_list(settings.secret_key) or _key_list(settings.sealing_key):
        raise ConfigurationError(
            "the keys come from GREENCHAIN_SECRET_KEY / GREENCHAIN_SEALING_KEY: put a new key "
            "(greenchain secrets generate) in front of the old ones there, comma-separated"
        )
    path = settings.secrets_path
    if path is None:  # pragma: no cover - secrets() found keys, so there is a file
        raise MissingSecretsError(_how_to_make_secrets(settings))
    write_secrets_file(path, rotated)
    return rotated
