"""A supplier's emissions allocated to one customer (CDP Supply Chain "allocate your emissions
to your customers").

What: the supplier's reported Scope 1 and Scope 2 (market-based), and optionally its upstream
Scope 3, times the customer's share of the supplier's output: by revenue (revenue from this
customer over total revenue) or by product quantity (units sold to this customer over all units
produced). The result is what the customer's inventory uses for that supplier, instead of
re-allocating the supplier's totals by its own spend, with the method and the supplier's stated
uncertainty kept beside it.

Why: allocation by the customer's spend over the supplier's revenue (the buyer-side hybrid
method) assumes the customer buys at the supplier's average margin; the supplier knows what it
sold to whom and can allocate by physical quantity where products differ in emissions. The
GHG Protocol prefers physical allocation where it reflects the emissions (Scope 3 Standard,
ch. 8.3, "allocation"), economic allocation otherwise.

Source: CDP Climate Change 2023 Questionnaire, SC1.1 (columns "Allocation method", "Market
value or quantity of goods/services supplied to the requesting member", "Uncertainty (±%)");
GHG Protocol Scope 3 Standard (2011) ch. 8 and Technical Guidance, category 1 (supplier-
specific method).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from greenchain.domain.errors import InvalidDataError


class AllocationMethod(StrEnum):
    REVENUE = "revenue"
    QUANTITY = "quantity"


METHOD_LABELS = {
    AllocationMethod.REVENUE: "Allocation based on the market value of products purchased",
    AllocationMethod.QUANTITY: "Allocation based on the quantity of product purchased",
}


@dataclass(frozen=True)
class Allocation:
    """An allocation to one customer: its share, tonnes and how they were found."""

    method: AllocationMethod
    customer_value: float
    total_value: float
    unit: str
    include_upstream: bool
    uncertainty_pct: float | None
    share: float
    scope1_t: float
    scope2_market_t: float
    scope3_upstream_t: float | None
    allocated_t: float


def _positive(value: float, field: str) -> float:
    if not math.isfinite(value) or value < 0:
        raise InvalidDataError(f"field '{field}': {value} must be a number of at least 0")
    return value


def allocate(
    *,
    method: str,
    customer_value: float,
    total_value: float,
    unit: str,
    scope1_t: float,
    scope2_market_t: float,
    scope3_upstream_t: float | None = None,
    include_upstream: bool = False,
    uncertainty_pct: float | None = None,
) -> Allocation:
    """The tonnes allocated to one customer; ``customer_value`` and ``total_value`` in ``unit``
    (a currency for revenue, a product unit for quantity). Errors name the field."""
    try:
        chosen = AllocationMethod(method)
    except ValueError:
        raise InvalidDataError(
            f"field 'method': '{method}' is not one of revenue, quantity"
        ) from None
    _positive(customer_value, "customer_value")
    if not math.isfinite(total_value) or total_value <= 0:
        raise InvalidDataError(f"field 'total_value': {total_value} must be more than 0")
    if customer_value > total_value:
        raise InvalidDataError(
            f"field 'customer_value': {customer_value:,.2f} {unit} is more than the total "
            f"{total_value:,.2f} {unit}"
        )
    if not unit.strip():
        raise InvalidDataError("field 'unit': say what the values count (a currency or unit)")
    _positive(scope1_t, "scope1_t")
    _positive(scope2_market_t, "scope2_market_t")
    if include_upstream and scope3_upstream_t is None:
        raise InvalidDataError(
            "field 'include_upstream': the answer reports no upstream Scope 3 to include"
        )
    if scope3_upstream_t is not None:
        _positive(scope3_upstream_t, "scope3_upstream_t")
    if uncertainty_pct is not None and not (0 <= uncertainty_pct <= 100):
        raise InvalidDataError(f"field 'uncertainty_pct': {uncertainty_pct} must be 0 to 100")
    share = customer_value / total_value
    upstream = (scope3_upstream_t or 0.0) if include_upstream else 0.0
    covered = scope1_t + scope2_market_t + upstream
    return Allocation(
        method=chosen,
        customer_value=customer_value,
        total_value=total_value,
        unit=unit.strip(),
        include_upstream=include_upstream,
        uncertainty_pct=uncertainty_pct,
        share=share,
        scope1_t=scope1_t,
        scope2_market_t=scope2_market_t,
        scope3_upstream_t=scope3_upstream_t,
        allocated_t=covered * share,
    )


def supplier_data_fields(allocation: Mapping[str, Any] | None) -> dict[str, Any]:
    """What an accepted answer adds to the customer's supplier data from its allocation."""
    if allocation is None:
        return {}
    return {
        "allocated_t": allocation["allocated_t"],
        "allocation_method": allocation["method"],
        "allocation_share": allocation["share"],
        "allocation_uncertainty_pct": allocation["uncertainty_pct"],
        "allocation_includes_upstream": allocation["include_upstream"],
    }
