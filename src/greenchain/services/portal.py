"""The supplier side of the platform: a buyer links one of its supplier records to the
organisation that is that supplier on the platform; the supplier's users then see what each of
their customers asks of them and decides about them (requests, qualification, their own
ratings), and never another supplier's data or a customer's spend."""

from __future__ import annotations

from typing import Any

from greenchain.domain.access import Principal, Role
from greenchain.domain.errors import InvalidDataError, NotFoundError
from greenchain.services.context import Context


def link_supplier(
    ctx: Context, buyer_slug: str, supplier_id: str, supplier_org_slug: str
) -> dict[str, Any]:
    """Link the buyer's supplier record ``supplier_id`` to the organisation
    ``supplier_org_slug`` (which may also be a buyer itself)."""
    ws = ctx.workspace
    buyer = ws.get_org(buyer_slug)
    record = ws.get_supplier(buyer.id, supplier_id)
    supplier_org = ws.get_org(supplier_org_slug)
    if supplier_org.id == buyer.id:
        raise InvalidDataError("an organisation cannot be its own supplier")
    ws.link_supplier(buyer.id, supplier_id, supplier_org.id, ctx.clock.now())
    return {
        "buyer": buyer.slug,
        "supplier_id": supplier_id,
        "supplier_name": record.get("name"),
        "supplier_org": supplier_org.slug,
    }


def customers(ctx: Context, supplier_org_slug: str) -> list[dict[str, Any]]:
    """The customers of a supplier organisation: buyer, and the id the buyer knows it by."""
    org = ctx.workspace.get_org(supplier_org_slug)
    return [
        {
            "buyer": c["buyer"],
            "buyer_name": c["buyer_name"],
            "supplier_id": c["supplier_id"],
            "supplier_name": c["supplier_name"],
            "linked_at": c["linked_at"].isoformat() if c["linked_at"] else None,
        }
        for c in ctx.workspace.customers_of(org.id)
    ]


def supplier_record_for(
    ctx: Context, principal: Principal, supplier_org_slug: str, buyer_slug: str
) -> tuple[int, str]:
    """(buyer org id, supplier id) of the record ``supplier_org_slug`` operates for the buyer;
    the principal must be a member of the supplier organisation. Anything else: not found."""
    member = principal.membership(supplier_org_slug)
    for c in ctx.workspace.customers_of(member.org_id):
        if c["buyer"] == buyer_slug:
            return int(c["buyer_org_id"]), str(c["supplier_id"])
    raise NotFoundError(f"organisation '{buyer_slug}' not found")


def link_supplier_for(
    ctx: Context, principal: Principal, buyer_slug: str, supplier_id: str, supplier_org_slug: str
) -> dict[str, Any]:
    principal.membership(buyer_slug, Role.ADMIN)
    return link_supplier(ctx, buyer_slug, supplier_id, supplier_org_slug)


def customers_for(ctx: Context, principal: Principal, org_slug: str) -> list[dict[str, Any]]:
    principal.membership(org_slug)
    return customers(ctx, org_slug)
