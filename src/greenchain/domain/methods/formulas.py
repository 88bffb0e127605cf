"""The per-line formulas of the four methods, on scalars.

These are the reference definitions; the bulk engine (``adapters/compute``) applies the same
formulas to whole columns and is tested against them.
"""

from __future__ import annotations


def product_level_kg(quantity: float, kg_co2e_per_declared_unit: float) -> float:
    """Product-level method (Scope 3 Calculation Guidance, cat. 1, supplier-specific method).

    ``quantity`` in the product's declared unit x its cradle-to-gate footprint (kg CO2e per
    declared unit) = kg CO2e.
    """
    return quantity * kg_co2e_per_declared_unit


def supplier_specific_kg(
    spend: float,
    supplier_revenue: float,
    supplier_scope1_t: float,
    supplier_scope2_market_t: float,
    supplier_scope3_upstream_t: float = 0.0,
) -> float:
    """Supplier-specific method, allocation by economic value (Scope 3 Guidance, cat. 1, hybrid).

    ``spend`` and ``supplier_revenue`` in the same currency and year. The supplier's
    cradle-to-gate emissions (t CO2e: Scope 1 + Scope 2 market-based + reported upstream
    Scope 3) are allocated by spend / revenue. Returns kg CO2e.
    """
    emissions_t = supplier_scope1_t + supplier_scope2_market_t + supplier_scope3_upstream_t
    return spend / supplier_revenue * emissions_t * 1000.0


def average_data_kg(activity_amount: float, kg_per_unit: float) -> float:
    """Average-data method: activity data (in the factor's unit) x emission factor = kg CO2e."""
    return activity_amount * kg_per_unit


def spend_in_factor_dollars(
    amount: float, usd_per_unit: float, cpi_factor_year: float, cpi_spend_year: float
) -> float:
    """Spend converted to the factor's currency and price year.

    ``amount`` in the spend currency; ``usd_per_unit``: mean exchange rate of the spend year
    (USD per unit of the spend currency); CPI-U indices of the factor's price year and of the
    spend year. Returns US dollars of the factor's price year.
    """
    return amount * usd_per_unit * cpi_factor_year / cpi_spend_year


def spend_based_kg(spend_factor_usd: float, kg_co2e_per_usd: float) -> float:
    """Spend-based method (EEIO): spend in factor dollars x kg CO2e per dollar, with margins."""
    return spend_factor_usd * kg_co2e_per_usd
