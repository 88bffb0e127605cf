"""Use cases for organisations."""

from __future__ import annotations

import re

from greenchain.domain.errors import InvalidDataError
from greenchain.services.context import Context
from greenchain.services.ports import OrganisationRecord

SLUG = re.compile(r"[a-z0-9][a-z0-9-]{1,62}")


def add_organisation(ctx: Context, slug: str, name: str | None = None) -> OrganisationRecord:
    if not SLUG.fullmatch(slug):
        raise InvalidDataError(
            f"organisation id '{slug}' is not valid: use 2-63 lowercase letters, digits and '-'"
        )
    org = ctx.workspace.add_org(slug, name or slug, ctx.clock.now())
    if ctx.ledger is not None:
        from greenchain.services import ledger

        ledger.ensure_key(ctx, org.id)  # its signing key is created with it
    return org


def list_organisations(ctx: Context) -> list[OrganisationRecord]:
    return list(ctx.workspace.list_orgs())
