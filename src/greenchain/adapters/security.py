"""Password hashing (argon2id) and mail delivery over SMTP."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from argon2 import PasswordHasher as Argon2Hasher
from argon2.exceptions import InvalidHashError, VerificationError


class Argon2PasswordHasher:
    """Argon2id with the library's recommended parameters; tests pass lighter ones (a hash
    carries its parameters, so verification works either way)."""

    def __init__(self, time_cost: int | None = None, memory_cost_kib: int | None = None) -> None:
        default = Argon2Hasher()
        self._hasher = Argon2Hasher(
            time_cost=time_cost if time_cost is not None else default.time_cost,
            memory_cost=memory_cost_kib if memory_cost_kib is not None else default.memory_cost,
            parallelism=1 if memory_cost_kib is not None else default.parallelism,
        )

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return bool(self._hasher.verify(password_hash, password))
        except (VerificationError, InvalidHashError):
            return False


class SmtpTransport:
    def __init__(self, host: str, port: int, sender: str, timeout: float = 10.0) -> None:
        self.host, self.port, self.sender, self.timeout = host, port, sender, timeout

    def send(self, recipient: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = recipient
        message["Subject"] = subject
        message.set_content(body)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.send_message(message)
