"""Data request campaigns: the buyer picks whom to ask (the hotspot suppliers of a year, a
sourcing tier, a program's members, or suppliers ticked in its list), sees who will receive the
request at which contact and who has no contact on record, then sends. Contacts are kept on
the supplier record (import columns ``contact_name`` and ``contact_email``, or the supplier
page), so a campaign never needs typed ``SUP-id email`` lines.
"""

from __future__ import annotations

import re
from typing import Any

from greenchain.domain.access import Principal, Role
from greenchain.domain.errors import InvalidDataError
from greenchain.domain.records import EMAIL_PATTERN
from greenchain.domain.scorecards import Tier
from greenchain.services.context import Context

#: Whom a campaign can go to, with the words the page uses.
SELECTIONS: dict[str, str] = {
    "hotspots": "the hotspot suppliers of the year (the Pareto set that holds most of Scope 3)",
    "tier": "the suppliers of a sourcing tier",
    "program": "the members of one of your programs",
    "selected": "the suppliers ticked on the suppliers page",
}


def set_contact(
    ctx: Context,
    principal: Principal,
    buyer_slug: str,
    supplier_id: str,
    *,
    name: str,
    email: str,
) -> dict[str, Any]:
    """Record who answers climate data requests at a supplier (an empty email clears it)."""
    member = principal.membership(buyer_slug, Role.ANALYST)
    email = email.strip()
    if email and not re.fullmatch(EMAIL_PATTERN, email):
        raise InvalidDataError(f"contact email '{email}' is not an email address")
    ctx.workspace.get_supplier(member.org_id, supplier_id)  # not found reads as such
    ctx.workspace.set_supplier_contact(
        member.org_id, supplier_id, name.strip()[:200] or None, email or None
    )
    return {"supplier_id": supplier_id, "contact_name": name.strip(), "contact_email": email}


def _chosen(
    ctx: Context, principal: Principal, buyer_slug: str, kind: str, value: str, year: int
) -> tuple[list[str], str]:
    """The supplier ids a selection names, and how the page says it."""
    if kind == "hotspots":
        from greenchain.services.inventory import get_hotspots

        hot = get_hotspots(ctx, buyer_slug, year).engagement_set
        return [r.key for r in hot], f"the {len(hot)} hotspot suppliers of {year}"
    if kind == "tier":
        from greenchain.services import sourcing

        if ctx.qualification is None:  # pragma: no cover - wiring error
            raise InvalidDataError("sourcing tiers are not available here")
        rows = sourcing.tiers(ctx, ctx.qualification, buyer_slug, year)
        if value not in {t.value for t in Tier}:
            raise InvalidDataError(
                f"tier '{value}' is not one of {', '.join(t.value for t in Tier)}"
            )
        ids = [r["supplier_id"] for r in rows if r["tier"] == value]
        return ids, f"the {len(ids)} suppliers in tier {value.replace('_', ' ')} ({year})"
    if kind == "program":
        from greenchain.services import programs

        if not value.strip().isdigit():
            raise InvalidDataError("choose one of your programs")
        report = programs.monitoring(ctx, principal, buyer_slug, int(value))
        name = programs.show_program(ctx, principal, buyer_slug, int(value))["name"]
        ids = [str(r["supplier_id"]) for r in report["rows"]]
        return ids, f"the {len(ids)} members of program “{name}”"
    if kind == "selected":
        ids = [s for s in re.split(r"[\s,;]+", value) if s]
        return ids, f"the {len(ids)} suppliers you ticked"
    raise InvalidDataError(f"send to '{kind}'? choose one of: {', '.join(SELECTIONS)}")


def recipients(
    ctx: Context,
    principal: Principal,
    buyer_slug: str,
    *,
    kind: str,
    value: str = "",
    year: int,
) -> dict[str, Any]:
    """Who a campaign reaches: the suppliers of the selection with their contact, and those
    without a contact on record (they are left out until one is recorded)."""
    member = principal.membership(buyer_slug, Role.ANALYST)
    ids, label = _chosen(ctx, principal, buyer_slug, kind, value, year)
    if kind == "selected" and not ids:
        raise InvalidDataError("no supplier is ticked: tick the suppliers to ask, then preview")
    known = {s["supplier_id"]: s for s in ctx.workspace.list_suppliers(member.org_id)}
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise InvalidDataError(f"unknown supplier(s): {', '.join(unknown[:10])}")
    reached: list[dict[str, str]] = []
    missing: list[dict[str, str]] = []
    for supplier_id in dict.fromkeys(ids):
        s = known[supplier_id]
        row = {
            "supplier_id": supplier_id,
            "name": s["name"],
            "contact_name": s.get("contact_name") or "",
            "email": s.get("contact_email") or "",
        }
        (reached if row["email"] else missing).append(row)
    return {"kind": kind, "value": value, "label": label, "reached": reached, "missing": missing}
