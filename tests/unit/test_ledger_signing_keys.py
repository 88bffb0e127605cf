"""Ledger signing keys: stored encrypted, opened once per process, and only with the secret."""

from __future__ import annotations

import pytest

from greenchain.adapters.signing import Ed25519Keys, verify_signature


def test_a_private_key_is_stored_encrypted_and_signs_the_same_once_opened():
    keys = Ed25519Keys("secret")
    public, pem = keys.generate()
    assert pem.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    first = keys.sign(pem, b"entry")
    assert keys.sign(pem, b"entry") == first
    assert verify_signature(public, first, b"entry")
    assert verify_signature(public, keys.sign(pem, b"other"), b"other")


def test_a_key_ring_with_another_secret_cannot_sign_with_a_stored_key():
    _, pem = Ed25519Keys("secret").generate()
    with pytest.raises(ValueError, match="no sealing key"):
        Ed25519Keys("another secret").sign(pem, b"entry")


def test_a_key_ring_keeps_a_bounded_number_of_opened_keys_and_still_signs_with_any():
    keys = Ed25519Keys("secret")
    keys.OPENED = 2
    pairs = [keys.generate() for _ in range(3)]
    for _ in range(2):
        for public, pem in pairs:
            assert verify_signature(public, keys.sign(pem, b"entry"), b"entry")
