"""Who may do what: roles per organisation and the principal acting.

Tenancy is by organisation. A principal sees an organisation only through a membership; any
other organisation's resources answer "not found", never "forbidden", so their existence does
not leak.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
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


MIN_PASSWORD_LENGTH = 10


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidDataError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    if password.strip() != password or not password.strip():
        raise InvalidDataError("password must not start or end with spaces")


def normalise_email(email: str) -> str:
    cleaned = email.strip().lower()
    local, _, domain = cleaned.partition("@")
    if not local or "." not in domain or " " in cleaned:
        raise InvalidDataError(f"'{email}' is not an email address")
    return cleaned
