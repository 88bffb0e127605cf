"""What the command groups share: the context a command runs in, acting as an administrator of
``--org``, the common options, dates given as text and JSON output."""

from __future__ import annotations

import datetime as dt
import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from sqlalchemy import Engine

from greenchain.bootstrap import bootstrap
from greenchain.config import Settings
from greenchain.domain.access import Membership, Principal, Role
from greenchain.domain.errors import InvalidDataError
from greenchain.services.context import Context, Progress, silent_progress

console = Console(highlight=False)

OrgOption = Annotated[str, typer.Option("--org", help="Organisation id (slug).")]
YearOption = Annotated[int, typer.Option("--year", help="Reporting year.", min=1990, max=2100)]


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


FormatOption = Annotated[OutputFormat, typer.Option("--format", help="Output format.")]


def open_context(
    progress: Progress = silent_progress,
    *,
    require_secrets: bool = True,
    overrides: dict[str, Any] | None = None,
) -> tuple[Context, Settings]:
    """The settings from the environment (``overrides`` before them: a command's options) and
    a context on the migrated database. Unless told otherwise it refuses (MissingSecretsError,
    saying how to make them) when the workspace has no secrets: a command that records, signs
    or seals must not start without them."""
    settings = Settings(**(overrides or {}))
    if require_secrets:
        settings.require_secrets()
    return bootstrap(settings, progress=progress), settings


def sql_engine(ctx: Context) -> Engine:
    """The SQL engine of the workspace, for the stores that work on it directly."""
    engine: Engine = ctx.workspace.engine  # type: ignore[attr-defined]
    return engine


def admin_of(ctx: Context, org: str) -> Principal:
    """The command line acts as an administrator of ``org`` (it holds the database)."""
    found = ctx.workspace.get_org(org)
    return Principal(0, "cli", {org: Membership(found.id, found.slug, found.name, Role.ADMIN)})


def parse_share(text: str, option: str) -> tuple[float, str]:
    """A share given as people write it: ``42%`` or ``42 %`` (percent), ``0.42`` (a fraction,
    at most 1) or ``42`` (above 1 and without a sign: percent). Returns the fraction and how it
    was read, to be said back (``--reduction 42 % (read '0.42' as a fraction)``)."""
    raw = text.strip().replace(",", ".")
    percent = raw.endswith("%")
    number = raw.rstrip("%").strip()
    try:
        value = float(number)
    except ValueError:
        raise InvalidDataError(
            f"{option}: '{text}' is not a share; give a percentage (42%) or a fraction (0.42)"
        ) from None
    if percent or value > 1:
        fraction, how = value / 100, f"read '{text.strip()}' as a percentage"
    else:
        fraction, how = value, f"read '{text.strip()}' as a fraction"
    if not 0 <= fraction <= 1:
        raise InvalidDataError(f"{option}: '{text}' is not between 0 % and 100 %")
    return fraction, f"{option} {fraction * 100:.4g} % ({how})"


def parse_date(text: str, option: str) -> dt.date:
    """A date given as YYYY-MM-DD; ``option`` names it in the error."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidDataError(f"{option} '{text}' is not a date (YYYY-MM-DD)") from None


def read_json(path: Path, what: str) -> Any:
    """The JSON in the file at ``path``; an error naming the file and ``what`` it should hold
    when it cannot be read or is not JSON."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidDataError(f"{path}: not a readable {what} ({exc})") from None


def print_json(data: Any) -> None:
    """Indented JSON on standard output (dates and other values as text)."""
    print(json.dumps(data, indent=2, default=str))
