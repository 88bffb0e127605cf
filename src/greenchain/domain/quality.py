"""Data-quality ratings of result lines (GHG Protocol Scope 3 Standard, chapter 7, table 7.6).

Five indicators, each rated 1 (very good) to 5 (very poor): technological, temporal and
geographical representativeness, completeness and reliability. The defaults below follow the
standard's descriptions for each calculation method; adjustments are explicit.
"""

from __future__ import annotations

from dataclasses import dataclass

from greenchain.domain.methods import Method


@dataclass(frozen=True)
class DataQuality:
    technological: int
    temporal: int
    geographical: int
    completeness: int
    reliability: int

    @property
    def score(self) -> float:
        """Unweighted mean of the five indicators (1 best .. 5 worst)."""
        return (
            self.technological
            + self.temporal
            + self.geographical
            + self.completeness
            + self.reliability
        ) / 5


def temporal_rating(year_gap: int) -> int:
    """Table 7.6: less than 3 years apart is good (2); 1 when the same year; 5 beyond 10."""
    gap = abs(year_gap)
    if gap == 0:
        return 1
    if gap < 3:
        return 2
    if gap < 6:
        return 3
    if gap <= 10:
        return 4
    return 5


def rate_line(
    method: Method,
    *,
    verified: bool,
    region_matches: bool,
    year_gap: int,
    upstream_estimated: bool = False,
) -> DataQuality:
    """Ratings of one result line.

    ``verified``: third-party verified supplier data; ``region_matches``: the factor's region is
    where the activity happened (for spend-based: a US supplier for the US EEIO model);
    ``year_gap``: years between the data and the reporting year; ``upstream_estimated``: the
    supplier reported only its Scope 1 and 2 and the upstream part is a secondary estimate
    (hybrid method): completeness is then fair (3, table 7.6: data of a part of the sites or
    sources), the reliability that of the weaker of the two parts.
    """
    temporal = temporal_rating(year_gap)
    if method is Method.PRODUCT_LEVEL:
        return DataQuality(1, temporal, 1, 2, 1 if verified else 2)
    if method is Method.SUPPLIER_SPECIFIC and upstream_estimated:
        return DataQuality(2, temporal, 2, 3, 3)
    if method is Method.SUPPLIER_SPECIFIC:
        return DataQuality(2, temporal, 1, 2, 1 if verified else 3)
    if method is Method.AVERAGE_DATA:
        return DataQuality(3, temporal, 2 if region_matches else 3, 2, 3)
    return DataQuality(4, temporal, 3 if region_matches else 4, 4, 4)
