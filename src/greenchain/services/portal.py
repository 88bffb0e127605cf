"""The supplier side of the platform: a buyer asks the organisation that is one of its
suppliers on the platform to operate its supplier record; once an admin of that organisation
accepts, the supplier's users see what each of their customers asks of them and decides about
them (requests, qualification, their own ratings), and never another supplier's data or a
customer's spend."""

from __future__ import annotations

from typing import Any

from greenchain.domain.access import Principal, Role
from greenchain.domain.errors import InvalidDataError, NotFoundError
from greenchain.services.context import Context

LINK_INVITED_MESSAGE = (
    "if this organisation is on Greenchain, its administrators have been asked to confirm that "
    "they are your supplier {supplier_id}; the link exists once they accept"
)


def invite_supplier_link(
    ctx: Context, buyer_slug: str, supplier_id: str, supplier_org_slug: str
) -> dict[str, Any]:
    """Ask the organisation ``supplier_org_slug`` to operate the buyer's supplier record
    ``supplier_id`` (it may also be a buyer itself). Nothing is linked until an admin of that
    organisation accepts (:func:`accept_supplier_link`): a buyer cannot see itself into
    another organisation's portal, or show it requests, without its consent.

    The answer is the same whether or not the slug names an organisation, so that it does not
    tell which organisations exist."""
    ws = ctx.workspace
    buyer = ws.get_org(buyer_slug)
    ws.get_supplier(buyer.id, supplier_id)
    if supplier_org_slug == buyer.slug:
        raise InvalidDataError("an organisation cannot be its own supplier")
    try:
        supplier_org = ws.get_org(supplier_org_slug)
    except NotFoundError:
        supplier_org = None
    if supplier_org is not None:
        ws.add_link_invitation(buyer.id, supplier_id, supplier_org.id, ctx.clock.now())
    return {
        "buyer": buyer.slug,
        "supplier_id": supplier_id,
        "supplier_org": supplier_org_slug,
        "status": "invited",
        "message": LINK_INVITED_MESSAGE.format(supplier_id=supplier_id),
    }


def link_invitations(ctx: Context, supplier_org_slug: str) -> list[dict[str, Any]]:
    """The pending requests of buyers to link one of their supplier records to this
    organisation: the buyer, and the id and name it knows the organisation by."""
    org = ctx.workspace.get_org(supplier_org_slug)
    return [
        {
            "id": int(i["id"]),
            "buyer": i["buyer"],
            "buyer_name": i["buyer_name"],
            "supplier_id": i["supplier_id"],
            "supplier_name": i["supplier_name"],
            "invited_at": i["created_at"].isoformat() if i["created_at"] else None,
        }
        for i in ctx.workspace.link_invitations(org.id)
    ]


def decide_supplier_link(
    ctx: Context, supplier_org_slug: str, invitation_id: int, accept: bool
) -> dict[str, Any]:
    """Accept (the buyer's record is then operated by this organisation) or decline a pending
    link request made to ``supplier_org_slug``."""
    org = ctx.workspace.get_org(supplier_org_slug)
    if not 0 < invitation_id < 2**63:
        raise NotFoundError(f"link invitation {invitation_id} not found or already answered")
    decided = ctx.workspace.decide_link_invitation(invitation_id, org.id, accept, ctx.clock.now())
    if decided is None:
        raise NotFoundError(f"link invitation {invitation_id} not found or already answered")
    return {
        "id": invitation_id,
        "buyer": decided["buyer"],
        "supplier_id": decided["supplier_id"],
        "supplier_org": org.slug,
        "status": decided["status"],
    }


def accept_supplier_link(
    ctx: Context, supplier_org_slug: str, invitation_id: int
) -> dict[str, Any]:
    return decide_supplier_link(ctx, supplier_org_slug, invitation_id, True)


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


def invite_supplier_link_for(
    ctx: Context, principal: Principal, buyer_slug: str, supplier_id: str, supplier_org_slug: str
) -> dict[str, Any]:
    principal.membership(buyer_slug, Role.ADMIN)
    return invite_supplier_link(ctx, buyer_slug, supplier_id, supplier_org_slug)


def link_invitations_for(ctx: Context, principal: Principal, org_slug: str) -> list[dict[str, Any]]:
    principal.membership(org_slug, Role.ADMIN)
    return link_invitations(ctx, org_slug)


def decide_supplier_link_for(
    ctx: Context, principal: Principal, org_slug: str, invitation_id: int, accept: bool
) -> dict[str, Any]:
    principal.membership(org_slug, Role.ADMIN)
    return decide_supplier_link(ctx, org_slug, invitation_id, accept)


def customers_for(ctx: Context, principal: Principal, org_slug: str) -> list[dict[str, Any]]:
    principal.membership(org_slug)
    return customers(ctx, org_slug)
