"""Re-seal what the workspace keeps encrypted at rest with its newest sealing key, after a
rotation: the organisations' Ed25519 signing keys, the client secrets of the buyer's PACT
connections and the callback secrets its PACT customers gave it. One transaction: either every
value moves to the newest key or none does."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine, select, update

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
    counts = {"signing_keys": 0, "pact_connections": 0, "pact_credentials": 0}
    with engine.begin() as connection:
        for key_id, pem in connection.execute(
            select(signing_keys.c.id, signing_keys.c.private_key_pem)
        ):
            connection.execute(
                update(signing_keys)
                .where(signing_keys.c.id == key_id)
                .values(private_key_pem=keys.reseal(pem))
            )
            counts["signing_keys"] += 1
        for row_id, sealed in connection.execute(
            select(pact_connections.c.id, pact_connections.c.secret_sealed)
        ):
            connection.execute(
                update(pact_connections)
                .where(pact_connections.c.id == row_id)
                .values(secret_sealed=box.reseal(sealed))
            )
            counts["pact_connections"] += 1
        for row_id, sealed in connection.execute(
            select(pact_credentials.c.id, pact_credentials.c.callback_secret).where(
                pact_credentials.c.callback_secret.is_not(None)
            )
        ):
            connection.execute(
                update(pact_credentials)
                .where(pact_credentials.c.id == row_id)
                .values(callback_secret=callbacks.reseal(sealed))
            )
            counts["pact_credentials"] += 1
    return counts
