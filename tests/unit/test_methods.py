"""Per-line formulas of the four methods, checked against worked figures."""

import pytest

from greenchain.domain.methods.formulas import (
    average_data_kg,
    product_level_kg,
    spend_based_kg,
    spend_in_factor_dollars,
    supplier_specific_kg,
)


def test_spend_based_uses_the_epa_factor_with_margins():
    # EPA Supply Chain GHG Emission Factors v1.3, NAICS 331110 (iron and steel mills):
    # 0.787 kg CO2e per 2022 USD, purchaser price (with margins).
    assert spend_based_kg(1000.0, 0.787) == pytest.approx(787.0)


def test_spend_is_converted_at_the_year_mean_rate_then_deflated_to_the_factor_year():
    # 1,000 EUR spent in 2024; mean EUR->USD 2024 = 1.0820 (ECB); CPI-U 2022 = 292.655,
    # 2024 = 313.689 (BLS annual averages): 1000 x 1.0820 x 292.655 / 313.689 = 1009.448 USD2022.
    usd_2022 = spend_in_factor_dollars(1000.0, 1.0820, 292.655, 313.689)
    assert usd_2022 == pytest.approx(1009.4479, rel=1e-6)


def test_supplier_specific_allocates_cradle_to_gate_emissions_by_revenue_share():
    # 1 % of the supplier's revenue bought -> 1 % of (100 + 50 + 50) t = 2 t = 2,000 kg.
    assert supplier_specific_kg(10_000, 1_000_000, 100, 50, 50) == pytest.approx(2000.0)


def test_supplier_specific_without_upstream_scope3_uses_scope1_and_market_scope2():
    assert supplier_specific_kg(10_000, 1_000_000, 100, 50) == pytest.approx(1500.0)


def test_product_level_multiplies_quantity_by_the_declared_footprint():
    assert product_level_kg(250.0, 3.2) == pytest.approx(800.0)


def test_average_data_multiplies_activity_by_factor():
    # DEFRA 2025 UK grid electricity: 0.17700 kg CO2e per kWh.
    assert average_data_kg(10_000, 0.177) == pytest.approx(1770.0)
