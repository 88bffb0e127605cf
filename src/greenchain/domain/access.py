"""Who may do what: roles per organisation and the principal acting.

Tenancy is by organisation. A principal sees an organisation only through a membership; any
other organisation's resources answer "not found", never "forbidden", so their existence does
not leak.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from types import MappingProxyType

from greenchain.domain.errors import InvalidDataError, NotFoundError, PermissionDeniedError


class Role(StrEnum):
    VIEWER = "viewer"
    ANALYST = "analyst"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    @classmethod
    def parse(cls, text: str) -> Role:
        try:
            return cls(text.strip().lower())
        except ValueError:
            raise InvalidDataError(
                f"unknown role '{text}'; use one of {', '.join(r.value for r in cls)}"
            ) from None


@dataclass(frozen=True)
class Membership:
    org_id: int
    org_slug: str
    org_name: str
    role: Role


@dataclass(frozen=True)
class Principal:
    user_id: int
    email: str
    memberships: Mapping[str, Membership] = field(default_factory=lambda: MappingProxyType({}))

    def membership(self, org_slug: str, minimum: Role = Role.VIEWER) -> Membership:
        """The membership in ``org_slug`` with at least ``minimum`` role.

        Not a member: :class:`NotFoundError` (as if the organisation did not exist).
        A member with too low a role: :class:`PermissionDeniedError`.
        """
        found = self.memberships.get(org_slug)
        if found is None:
            raise NotFoundError(f"organisation '{org_slug}' not found")
        if found.role.rank < minimum.rank:
            raise PermissionDeniedError(
                f"this needs the {minimum.value} role in '{org_slug}' (you are {found.role.value})"
            )
        return found


MIN_PASSWORD_LENGTH = 12
# zxcvbn's score: 0-2 means fewer than 1e8 guesses (a common password, a dictionary word with a
# year or digits added, a keyboard walk); 3 and up resists an online attack by far.
MIN_PASSWORD_SCORE = 3
WEAK_PASSWORD_MESSAGE = (
    "this password is too common or too easy to guess (a well-known password, a word with "
    "digits added, a keyboard pattern); choose a longer phrase of unrelated words"
)


def check_password_strength(password: str) -> None:
    """Refuse a password shorter than ``MIN_PASSWORD_LENGTH`` characters, or one found in the
    list of common passwords or guessable from it.

    Source: NIST SP 800-63B section 3.1.1.2 (minimum length; check against lists of commonly
    used or compromised values). The list and the guess estimate are zxcvbn's (Dropbox's
    estimator, 30,000 most common passwords from leaked sets)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidDataError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    if password.strip() != password or not password.strip():
        raise InvalidDataError("password must not start or end with spaces")
    from zxcvbn import zxcvbn

    if password.lower() in _common_passwords():
        raise InvalidDataError(WEAK_PASSWORD_MESSAGE)
    if int(zxcvbn(password)["score"]) < MIN_PASSWORD_SCORE:
        raise InvalidDataError(WEAK_PASSWORD_MESSAGE)


@cache
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


@dataclass(frozen=True)
class LoginBackoff:
    """How long a login key (an account, a client address, or both) waits after failures:
    ``free_failures`` are allowed, then each further failure doubles the wait from
    ``first_wait_seconds`` up to ``max_wait_seconds``; failures older than
    ``forget_after_seconds`` (counted from the last one) are forgotten.

    Exponential back-off rather than a fixed lock, so that an attacker who knows an email
    cannot lock its owner out (OWASP Authentication Cheat Sheet, "Account lockout")."""

    free_failures: int
    first_wait_seconds: float
    max_wait_seconds: float
    forget_after_seconds: float

    def wait_seconds(self, failures: int) -> float:
        """The wait after ``failures`` consecutive failures (0 while within the free ones)."""
        if failures < self.free_failures:
            return 0.0
        doublings = min(failures - self.free_failures, 40)
        return float(min(self.first_wait_seconds * 2**doublings, self.max_wait_seconds))


def normalise_email(email: str) -> str:
    cleaned = email.strip().lower()
    local, _, domain = cleaned.partition("@")
    if not local or "." not in domain or " " in cleaned:
        raise InvalidDataError(f"'{email}' is not an email address")
    return cleaned
