"""Monetary-unit sampling of an inventory's lines (AICPA Audit Guide "Audit Sampling", ch. 6):
the sample size from materiality and confidence, key items always drawn, the same seed
drawing the same lines."""

from __future__ import annotations

import pytest

from greenchain.domain.errors import InvalidDataError
from greenchain.domain.verification import monetary_unit_sample, sample_size


def test_the_sample_size_is_the_reliability_factor_over_materiality():
    # -ln(1 - 0.95) = 2.996: 2.996 / 0.05 = 59.9, so 60 lines; 90 % and 10 %: 2.303 / 0.1 = 24
    assert sample_size(0.05, 0.95) == 60
    assert sample_size(0.10, 0.90) == 24
    with pytest.raises(InvalidDataError, match="materiality"):
        sample_size(0.0, 0.95)
    with pytest.raises(InvalidDataError, match="confidence"):
        sample_size(0.05, 1.0)


def test_a_refused_materiality_or_confidence_is_named_in_percent_as_the_form_asks():
    # the form asks for percent: 150 % is refused as 150 %, not as a share of 1.5
    with pytest.raises(InvalidDataError, match=r"materiality 150 %: give one above 0 %"):
        sample_size(1.5, 0.95)
    with pytest.raises(InvalidDataError, match=r"confidence 100 %: give one from 50 %"):
        sample_size(0.05, 1.0)


def test_a_line_larger_than_the_interval_is_always_drawn_as_a_key_item():
    emissions = [1.0] * 100 + [500.0] + [1.0] * 100  # total 700, 7 draws: interval 100
    for seed in range(20):
        drawn = monetary_unit_sample(emissions, 7, seed)
        key = [d for d in drawn if d.key_item]
        assert [d.index for d in key] == [100]


def test_the_same_seed_draws_the_same_lines_and_another_seed_others():
    emissions = [float(i % 17 + 1) for i in range(2_000)]
    first = monetary_unit_sample(emissions, 60, 42)
    assert first == monetary_unit_sample(emissions, 60, 42)
    assert first != monetary_unit_sample(emissions, 60, 43)
    assert len(first) == 60  # no line is larger than the interval: one line per draw


def test_credits_count_by_their_size_and_nothing_is_drawn_from_nothing():
    drawn = monetary_unit_sample([-300.0, 0.0, 100.0], 4, 1)
    assert drawn[0].index == 0
    assert drawn[0].key_item is True
    assert monetary_unit_sample([0.0, 0.0], 5, 1) == []
