"""Re-seal what the workspace keeps encrypted at rest with its newest sealing key, after a
rotation: the organisations' Ed25519 signing keys, the client secrets of the buyer's PACT
connections and the callback secrets its PACT customers gave it. One transaction: either every
value moves to the newest key or none does."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Column, Connection, Engine, Table, select, update

from greenchain.adapters.db.tables import pact_connections, pact_credentials, signing_keys
from greenchain.adapters.signing import Ed25519Keys, SecretBox

#: The purpose the PACT store seals callback secrets under (see ``SqlPact``).
CALLBACK_PURPOSE = b"pact-callback-secret\0"


def reseal_stored_secrets(engine: Engine, sealing_keys: Sequence[str]) -> dict[str, int]:
    """Re-encrypt every sealed value with ``sealing_keys[0]`` (older keys still open them);
    returns how many of each kind were re-sealed."""
    keys = Ed25519Keys(list(sealing_keys))
    box = SecretBox(list(sealing_keys))
    callbacks = SecretBox(list(sealing_keys), CALLBACK_PURPOSE)
    columns: list[tuple[Table, Column[Any], Callable[[str], str]]] = [
        (signing_keys, signing_keys.c.private_key_pem, keys.reseal),
        (pact_connections, pact_connections.c.secret_sealed, box.reseal),
        (pact_credentials, pact_credentials.c.callback_secret, callbacks.reseal),
    ]
    with engine.begin() as connection:
        return {
            table.name: _reseal_column(connection, table, column, reseal)
            for table, column, reseal in columns
        }


def _reseal_column(
    connection: Connection, table: Table, column: Column[Any], reseal: Callable[[str], str]
) -> int:
    """Re-seal every stored value of ``column``; returns how many there were."""
    rows = connection.execute(select(table.c.id, column).where(column.is_not(None))).all()
    for row_id, sealed in rows:
        connection.execute(
            update(table).where(table.c.id == row_id).values({column.name: reseal(sealed)})
        )
    return len(rows)
