"""Ed25519 signatures (``cryptography``); private keys are kept encrypted with the workspace's
sealing keys (newest first: the newest seals, any of them opens)."""

from __future__ import annotations

import base64
import hashlib
import threading
from collections.abc import Callable, Sequence

from cryptography.exceptions import InvalidSignature
from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)


class Ed25519Keys:
    """Key pairs whose private halves are stored as PKCS#8 PEM encrypted with the secret.
    Decrypting one (a key derivation, then the cipher) costs far more than a signature, so the
    decrypted keys of this process are kept in memory, by their encrypted PEM, once opened;
    what is stored stays encrypted."""

    #: How many decrypted keys a process keeps (the least recently opened go first).
    OPENED = 256

    def __init__(self, secrets: str | Sequence[str] | Callable[[], Sequence[str]]) -> None:
        """``secrets``: the sealing keys, newest first, or a function giving them when first
        needed (a workspace without secrets then fails on the first signature, not at start)."""
        self._source = secrets
        self._opened: dict[str, Ed25519PrivateKey] = {}
        self._lock = threading.Lock()

    @property
    def _secrets(self) -> list[bytes]:
        source = self._source
        keys = source() if callable(source) else source
        listed = [keys] if isinstance(keys, str) else list(keys)
        return [key.encode() for key in listed]

    def generate(self) -> tuple[str, str]:
        """A new key pair: (public key hex, encrypted private key PEM)."""
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(self._secrets[0]),
        ).decode()
        return _public_hex(key.public_key()), pem

    def sign(self, private_key_pem: str, message: bytes) -> str:
        return self._private_key(private_key_pem).sign(message).hex()

    def _private_key(self, private_key_pem: str) -> Ed25519PrivateKey:
        with self._lock:
            key = self._opened.get(private_key_pem)
        if key is not None:
            return key
        loaded = self._load(private_key_pem)
        with self._lock:
            while len(self._opened) >= self.OPENED:
                del self._opened[next(iter(self._opened))]
            self._opened[private_key_pem] = loaded
        return loaded

    def _load(self, private_key_pem: str) -> Ed25519PrivateKey:
        """Open a stored key with whichever sealing key sealed it (newest tried first)."""
        for secret in self._secrets:
            try:
                loaded = serialization.load_pem_private_key(private_key_pem.encode(), secret)
            except (ValueError, TypeError):
                continue
            assert isinstance(loaded, Ed25519PrivateKey)
            return loaded
        raise ValueError("no sealing key of this workspace opens the stored signing key")

    def reseal(self, private_key_pem: str) -> str:
        """The same private key sealed with the newest sealing key (after a rotation)."""
        return (
            self._load(private_key_pem)
            .private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.BestAvailableEncryption(self._secrets[0]),
            )
            .decode()
        )

    def verify(self, public_key_hex: str, signature_hex: str, message: bytes) -> bool:
        return verify_signature(public_key_hex, signature_hex, message)


def _public_hex(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return raw.hex()


def verify_signature(public_key_hex: str, signature_hex: str, message: bytes) -> bool:
    """True when ``signature_hex`` is ``public_key_hex``'s Ed25519 signature of ``message``."""
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex))
        key.verify(bytes.fromhex(signature_hex), message)
    except (InvalidSignature, ValueError):
        return False
    return True


class SecretBox:
    """Seals short secrets (e.g. a supplier's PACT client secret) at rest with keys derived
    from the workspace's sealing keys (Fernet: AES-128-CBC with HMAC-SHA256; MultiFernet:
    the newest key seals, every key opens, ``reseal`` moves a value to the newest key)."""

    def __init__(self, secrets: str | Sequence[str], purpose: bytes = b"sealed:") -> None:
        listed = [secrets] if isinstance(secrets, str) else list(secrets)
        if not listed:
            raise ValueError("a SecretBox needs at least one sealing key")
        self._fernet = MultiFernet(
            [
                Fernet(base64.urlsafe_b64encode(hashlib.sha256(purpose + key.encode()).digest()))
                for key in listed
            ]
        )

    def seal(self, text: str) -> str:
        return self._fernet.encrypt(text.encode()).decode()

    def open(self, sealed: str) -> str:
        """The sealed text; ``cryptography.fernet.InvalidToken`` when no key opens it."""
        return self._fernet.decrypt(sealed.encode()).decode()

    def reseal(self, sealed: str) -> str:
        return self._fernet.rotate(sealed.encode()).decode()
