"""Settings, from environment variables prefixed ``GREENCHAIN_``; every one has a safe default.

The embedded default is a SQLite file in the working directory and the public reference data in
``../shared/data`` beside the project checkout.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _default_data_dir() -> Path:
    """``../shared/data`` next to the checkout, else next to the working directory."""
    for base in (PROJECT_ROOT, Path.cwd()):
        candidate = base.parent / "shared" / "data"
        if candidate.is_dir():
            return candidate
    return PROJECT_ROOT.parent / "shared" / "data"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GREENCHAIN_", extra="ignore")

    db: str = Field(
        default="./greenchain.db",
        description="SQLite file path, or a SQLAlchemy URL (sqlite:///..., postgresql://...)",
    )
    data_dir: Path = Field(
        default_factory=_default_data_dir,
        description="Folder with the public factor data (factors/epa-supply-chain-v1.3, ...)",
    )
    hotspot_share: float = Field(default=0.67, gt=0, le=1)
    secret_key: str = Field(
        default="dev-only-change-me-" + "0" * 24,
        description="Signs session cookies; set a long random value in production",
    )
    base_url: str = Field(default="http://127.0.0.1:8000", description="Public address")
    allowed_hosts: list[str] = Field(default=["127.0.0.1", "localhost", "testserver"])
    secure_cookies: bool = Field(default=False, description="Send cookies over HTTPS only")
    smtp_host: str | None = Field(default=None, description="SMTP server for the outbox")
    smtp_port: int = 25
    mail_from: str = "Greenchain <no-reply@greenchain.local>"
    ledger_secret: str = Field(
        default="dev-only-ledger-secret",
        description="Encrypts the organisations' Ed25519 signing keys at rest",
    )
    upload_dir: Path = Field(default=Path("uploads"), description="Where uploads are kept")
    job_workers: int = Field(default=1, ge=0, description="In-process job workers per web worker")

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
