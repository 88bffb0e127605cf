"""A supplier allocates its emissions to each customer that asks (CDP Supply Chain SC1.1).

The supplier, on a customer's request in its portal, states its allocation basis (revenue from
this customer or quantity sold to it, over the total) and whether upstream Scope 3 is included;
the tonnes are its answer's Scope 1 + Scope 2 market-based (+ upstream Scope 3) times that
share (``domain.allocation``). The allocation belongs to that one request: other customers
never see it. When the customer accepts the answer, the allocation is carried into its supplier
data, so its next run uses the allocated tonnes for that supplier's lines directly.
"""

from __future__ import annotations

from typing import Any

from greenchain.domain.access import Principal, Role
from greenchain.domain.allocation import METHOD_LABELS, Allocation, AllocationMethod, allocate
from greenchain.domain.errors import InvalidDataError
from greenchain.services.context import Context
from greenchain.services.engagement_common import engagement_store as _store
from greenchain.services.supplier_answers import supplier_recipient


def _public(row: dict[str, Any]) -> dict[str, Any]:
    method = AllocationMethod(row["method"])
    return {
        **{k: v for k, v in row.items() if k != "updated_at"},
        "method_label": METHOD_LABELS[method],
        "updated_at": row["updated_at"].isoformat()
        if hasattr(row["updated_at"], "isoformat")
        else row["updated_at"],
    }


def allocate_to_customer(
    ctx: Context,
    principal: Principal,
    org_slug: str,
    recipient_id: int,
    *,
    method: str,
    customer_value: float,
    total_value: float,
    unit: str,
    include_upstream: bool = False,
    uncertainty_pct: float | None = None,
) -> dict[str, Any]:
    """Allocate the supplier's answer of the request's year to the customer of the request
    (supplier analysts). The answer (draft or submitted) must hold Scope 1 and Scope 2."""
    store = _store(ctx)
    org_id, r = supplier_recipient(ctx, principal, org_slug, recipient_id, Role.ANALYST)
    response = store.response(org_id, r["template"], int(r["year"]))
    answers = (response or {}).get("answers") or {}
    if answers.get("scope1_t") is None or answers.get("scope2_market_t") is None:
        raise InvalidDataError(
            "save your answer with Scope 1 and Scope 2 (market-based) first: the allocation "
            "divides them"
        )
    made: Allocation = allocate(
        method=method,
        customer_value=customer_value,
        total_value=total_value,
        unit=unit,
        scope1_t=float(answers["scope1_t"]),
        scope2_market_t=float(answers["scope2_market_t"]),
        scope3_upstream_t=(
            None
            if answers.get("scope3_upstream_t") is None
            else float(answers["scope3_upstream_t"])
        ),
        include_upstream=include_upstream,
        uncertainty_pct=uncertainty_pct,
    )
    row = {
        "recipient_id": recipient_id,
        "supplier_org_id": org_id,
        "method": made.method.value,
        "customer_value": made.customer_value,
        "total_value": made.total_value,
        "unit": made.unit,
        "include_upstream": made.include_upstream,
        "uncertainty_pct": made.uncertainty_pct,
        "share": made.share,
        "scope1_t": made.scope1_t,
        "scope2_market_t": made.scope2_market_t,
        "scope3_upstream_t": made.scope3_upstream_t,
        "allocated_t": made.allocated_t,
        "updated_at": ctx.clock.now(),
    }
    store.put_allocation(row)
    return _public(row)


def allocation_of_request(
    ctx: Context, principal: Principal, org_slug: str, recipient_id: int
) -> dict[str, Any] | None:
    """The supplier's allocation to the customer of this request (None when there is none)."""
    supplier_recipient(ctx, principal, org_slug, recipient_id, Role.VIEWER)
    row = _store(ctx).allocation(recipient_id)
    return _public(row) if row else None


def allocations_of_year(ctx: Context, org_id: int, year: int) -> list[dict[str, Any]]:
    """The supplier organisation's allocations of ``year`` (its CDP SC1.1 answer); the caller
    has checked access to the organisation."""
    if ctx.engagement is None:
        return []
    return [_public(row) for row in ctx.engagement.allocations_of(org_id, year)]
