"""``greenchain secrets``: the workspace's keys. They are made once by ``greenchain init`` (or
``greenchain demo``), never shipped in the source; here they are inspected, generated for an
environment-configured server and rotated (the newest key signs and seals, older ones still
verify and open what they made)."""

from __future__ import annotations

from typing import Annotated

import typer

from greenchain.config import Settings, create_secrets, new_key, rotate_secrets
from greenchain.entrypoints.cli.common import console, open_context, sql_engine
from greenchain.entrypoints.cli.errors import guarded

secrets_app = typer.Typer(
    help="The workspace's secrets: status, generate, rotate (see docs/deploy.md).",
    no_args_is_help=True,
)


def announce_secrets(settings: Settings) -> None:
    """Make the workspace's secrets if it has none yet, and say where they are."""
    path, created = create_secrets(settings)
    if path is None:
        console.print("Secrets: from GREENCHAIN_SECRET_KEY and GREENCHAIN_SEALING_KEY")
    elif created:
        console.print(
            f"Secrets created: {path} (readable by you only; back it up with the database: "
            "without it the signing keys cannot be opened)"
        )
    else:
        console.print(f"Secrets: {path}")


@secrets_app.command("status")
@guarded
def secrets_status() -> None:
    """Where the secrets come from and how many keys of each kind are kept (no key shown)."""
    settings = Settings()
    found = settings.secrets()
    source = (
        "environment" if settings.secret_key or settings.sealing_key else str(settings.secrets_path)
    )
    console.print(f"source: {source}")
    console.print(f"session keys: {len(found.session_keys)} (the newest signs)")
    console.print(f"sealing keys: {len(found.sealing_keys)} (the newest seals)")


@secrets_app.command("generate")
@guarded
def secrets_generate() -> None:
    """Print new random keys as environment settings, for a server whose secrets are given
    by environment (PostgreSQL deployments)."""
    print(f"GREENCHAIN_SECRET_KEY={new_key()}")
    print(f"GREENCHAIN_SEALING_KEY={new_key()}")


@secrets_app.command("rotate")
@guarded
def secrets_rotate(
    session: Annotated[
        bool, typer.Option("--session/--no-session", help="A new session-signing key.")
    ] = True,
    sealing: Annotated[
        bool, typer.Option("--sealing/--no-sealing", help="A new sealing key.")
    ] = False,
    reseal: Annotated[
        bool,
        typer.Option(help="Re-encrypt every sealed value with the newest sealing key."),
    ] = False,
) -> None:
    """Put a new key in front of the old ones in the secrets file. Old keys stay: sessions and
    tokens they signed keep working until they expire, and what they sealed still opens.
    Restart the web app and workers to use the new keys."""
    from greenchain.adapters.db.sealed import reseal_stored_secrets

    settings = Settings()
    rotated = rotate_secrets(settings, session=session, sealing=sealing)
    console.print(
        f"{settings.secrets_path}: {len(rotated.session_keys)} session key(s), "
        f"{len(rotated.sealing_keys)} sealing key(s), newest first"
    )
    if reseal:
        ctx, _ = open_context()
        counts = reseal_stored_secrets(sql_engine(ctx), rotated.sealing_keys)
        console.print(
            "re-sealed with the newest key: "
            + ", ".join(f"{count} {kind.replace('_', ' ')}" for kind, count in counts.items())
        )
    console.print("Restart 'greenchain serve' and 'greenchain worker' to use the new keys.")
