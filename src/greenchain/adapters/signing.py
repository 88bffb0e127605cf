"""Ed25519 signatures (``cryptography``); private keys are kept encrypted with a secret from
the settings."""

from __future__ import annotations

import threading

from cryptography.exceptions import InvalidSignature
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

    def __init__(self, secret: str) -> None:
        self._secret = secret.encode()
        self._opened: dict[str, Ed25519PrivateKey] = {}
        self._lock = threading.Lock()

    def generate(self) -> tuple[str, str]:
        """A new key pair: (public key hex, encrypted private key PEM)."""
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(self._secret),
        ).decode()
        return _public_hex(key.public_key()), pem

    def sign(self, private_key_pem: str, message: bytes) -> str:
        return self._private_key(private_key_pem).sign(message).hex()

    def _private_key(self, private_key_pem: str) -> Ed25519PrivateKey:
        with self._lock:
            key = self._opened.get(private_key_pem)
        if key is not None:
            return key
        loaded = serialization.load_pem_private_key(private_key_pem.encode(), self._secret)
        assert isinstance(loaded, Ed25519PrivateKey)
        with self._lock:
            while len(self._opened) >= self.OPENED:
                del self._opened[next(iter(self._opened))]
            self._opened[private_key_pem] = loaded
        return loaded

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
    """Seals short secrets (e.g. a supplier's PACT client secret) at rest with a key derived
    from a setting (Fernet: AES-128-CBC with HMAC-SHA256)."""

    def __init__(self, secret: str, purpose: bytes = b"sealed:") -> None:
        import base64
        import hashlib

        from cryptography.fernet import Fernet

        key = base64.urlsafe_b64encode(hashlib.sha256(purpose + secret.encode()).digest())
        self._fernet = Fernet(key)

    def seal(self, text: str) -> str:
        return self._fernet.encrypt(text.encode()).decode()

    def open(self, sealed: str) -> str:
        return self._fernet.decrypt(sealed.encode()).decode()
