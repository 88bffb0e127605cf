"""Data-quality ratings (GHG Protocol Scope 3 Standard, table 7.6)."""

from greenchain.domain.methods import Method
from greenchain.domain.quality import rate_line, temporal_rating


def test_better_methods_rate_better():
    scores = [rate_line(m, verified=False, region_matches=True, year_gap=0).score for m in Method]
    assert scores == sorted(scores)


def test_verified_supplier_data_is_more_reliable():
    verified = rate_line(Method.SUPPLIER_SPECIFIC, verified=True, region_matches=True, year_gap=0)
    unverified = rate_line(
        Method.SUPPLIER_SPECIFIC, verified=False, region_matches=True, year_gap=0
    )
    assert verified.reliability < unverified.reliability


def test_us_eeio_factor_for_a_foreign_supplier_is_rated_geographically_worse():
    us = rate_line(Method.SPEND_BASED, verified=False, region_matches=True, year_gap=2)
    abroad = rate_line(Method.SPEND_BASED, verified=False, region_matches=False, year_gap=2)
    assert abroad.geographical > us.geographical


def test_temporal_rating_worsens_with_age():
    assert [temporal_rating(g) for g in (0, 2, 4, 8, 12)] == [1, 2, 3, 4, 5]
