"""Scorecard arithmetic on hand-checked examples, missing data, requirements and tiers."""

from __future__ import annotations

import datetime as dt

import pytest

from greenchain.domain.errors import InvalidDataError
from greenchain.domain.scorecards import (
    DEFAULT_WEIGHTS,
    INDICATOR_KEYS,
    AppliesTo,
    Condition,
    Inputs,
    MissingPolicy,
    Requirement,
    ScorecardConfig,
    Standing,
    SupplierAttributes,
    SupplierReport,
    Tier,
    check_requirement,
    rate,
    rating_for,
    sourcing_tier,
)

AS_OF = dt.date(2026, 3, 1)

# 1 million USD revenue, Scope 1 100 t + Scope 2 market 50 t = 150 t CO2e per million:
# intensity points = 100 x (500 - 150) / (500 - 50) = 77.78 (linear, lower is better).
REPORT_2024 = SupplierReport(2024, 1.0, 100.0, 50.0, verified=True, sbt_status="targets_set")
INTENSITY_POINTS = 100 * 350 / 450


def _only(**weights: float) -> dict[str, float]:
    return dict.fromkeys(INDICATOR_KEYS, 0.0) | weights


def _inputs(
    reports: tuple[SupplierReport, ...] = (REPORT_2024,),
    attributes: SupplierAttributes | None = None,
    year: int = 2024,
    as_of: dt.date = AS_OF,
) -> Inputs:
    return Inputs(reports, attributes or SupplierAttributes(rba_member=True), year, as_of)


THREE = ScorecardConfig(_only(carbon_intensity=50, sbt_status=30, rba_membership=20))


def _line(card, key):
    return next(i for i in card.indicators if i.key == key)


def test_hand_checked_score_with_three_indicators():
    card = rate("S1", _inputs(), THREE)
    # 0.5 x 77.78 + 0.3 x 75 (targets set) + 0.2 x 100 (RBA member) = 81.39 -> A
    assert _line(card, "carbon_intensity").points == pytest.approx(INTENSITY_POINTS)
    assert _line(card, "carbon_intensity").value == pytest.approx(150.0)
    assert _line(card, "sbt_status").contribution == pytest.approx(22.5)
    assert card.score == pytest.approx(0.5 * INTENSITY_POINTS + 22.5 + 20.0)
    assert card.rating == "A"
    assert sum(i.contribution for i in card.indicators) == pytest.approx(card.score)
    assert card.missing == []


def test_contributions_sum_to_the_score_with_the_default_weights():
    attributes = SupplierAttributes(
        iso_14001=True,
        iso_50001=False,
        rba_member=True,
        training_completion_share=0.5,
        participation_share=1.0,
        takeback_reuse_share=0.2,
        recycling_share=0.6,
    )
    reports = (
        SupplierReport(2023, 1.0, 110.0, 52.0),
        REPORT_2024.__class__(2024, 1.0, 100.0, 50.0, True, "validated", 0.4),
    )
    card = rate("S1", _inputs(reports, attributes))
    assert sum(i.weight_share for i in card.indicators) == pytest.approx(1.0)
    assert sum(i.contribution for i in card.indicators) == pytest.approx(card.score)
    assert _line(card, "circularity").value == pytest.approx(0.4)  # mean of 0.2 and 0.6
    assert _line(card, "iso_50001").points == 0.0
    assert _line(card, "renewable_share").contribution == pytest.approx(0.1 * 40.0)
    assert card.missing == []
    assert 0 <= card.score <= 100


def test_missing_data_scores_zero_and_is_listed_by_default():
    card = rate("S1", _inputs(attributes=SupplierAttributes()), THREE)
    rba = _line(card, "rba_membership")
    assert (rba.status, rba.points, rba.contribution) == ("missing", None, 0.0)
    assert rba.weight_share == pytest.approx(0.2)
    assert card.missing == ["rba_membership"]
    assert card.score == pytest.approx(0.5 * INTENSITY_POINTS + 22.5)  # 61.39
    assert card.rating == "C"
    assert any("RBA membership: no data" in line for line in card.improvements())


def test_missing_data_can_be_excluded_and_the_rest_reweighted():
    config = ScorecardConfig(THREE.weights, missing={"rba_membership": MissingPolicy.EXCLUDE})
    card = rate("S1", _inputs(attributes=SupplierAttributes()), config)
    # weights 50 and 30 of 80: 0.625 x 77.78 + 0.375 x 75 = 76.74 -> B
    assert _line(card, "rba_membership").status == "excluded"
    assert _line(card, "carbon_intensity").weight_share == pytest.approx(0.625)
    assert card.score == pytest.approx(0.625 * INTENSITY_POINTS + 0.375 * 75)
    assert card.rating == "B"
    assert card.missing == ["rba_membership"]
    assert sum(i.contribution for i in card.indicators) == pytest.approx(card.score)


def test_intensity_trend_and_reduction_follow_their_linear_rules():
    reports = (
        SupplierReport(2022, 1.0, 150.0, 50.0),  # 200 t per million
        SupplierReport(2023, 1.0, 112.0, 50.0),  # 162
        SupplierReport(2024, 1.0, 112.0, 50.0),  # 162
    )
    card = rate("S1", _inputs(reports), ScorecardConfig(_only(intensity_trend=1, reduction=1)))
    trend = _line(card, "intensity_trend")
    # (162 / 200) ** (1 / 2) - 1 = -10 %/yr, better than -7 %/yr: full points
    assert trend.value == pytest.approx(-0.1)
    assert trend.points == 100.0
    reduction = _line(card, "reduction")
    # no change against 2023: 100 x (0 - 0.05) / (-0.042 - 0.05) = 54.35 points
    assert reduction.value == pytest.approx(0.0)
    assert reduction.points == pytest.approx(100 * 0.05 / 0.092)
    assert card.score == pytest.approx((100 + 100 * 0.05 / 0.092) / 2)


def test_one_report_gives_no_trend_and_no_reduction():
    card = rate("S1", _inputs())
    assert _line(card, "intensity_trend").status == "missing"
    assert _line(card, "reduction").note == "no report for 2023 to compare with"


def test_revenue_in_an_unconvertible_currency_leaves_intensity_missing():
    report = SupplierReport(2024, None, 100.0, 50.0)
    card = rate("S1", _inputs((report,)), THREE)
    assert _line(card, "carbon_intensity").status == "missing"
    assert "convertible" in _line(card, "carbon_intensity").note


def test_certificates_count_only_until_they_expire():
    attributes = SupplierAttributes(iso_14001=True, iso_14001_expires_on=dt.date(2026, 6, 30))
    config = ScorecardConfig(_only(iso_14001=1))
    valid = rate(
        "S1", _inputs(attributes=attributes, year=2026, as_of=dt.date(2026, 6, 30)), config
    )
    assert valid.score == 100.0
    lapsed = rate(
        "S1", _inputs(attributes=attributes, year=2026, as_of=dt.date(2026, 7, 1)), config
    )
    assert lapsed.score == 0.0
    assert _line(lapsed, "iso_14001").note == "expired on 2026-06-30"


def test_reports_after_the_year_rated_are_not_used():
    card = rate("S1", _inputs(year=2023), THREE)
    assert _line(card, "carbon_intensity").status == "missing"


@pytest.mark.parametrize(
    ("score", "rating"),
    [
        (100, "A"),
        (80, "A"),
        (79.99, "B"),
        (65, "B"),
        (50, "C"),
        (49.9, "D"),
        (35, "D"),
        (34.9, "E"),
        (0, "E"),
    ],
)
def test_rating_bands(score, rating):
    assert rating_for(score) == rating


def test_weights_are_validated():
    with pytest.raises(InvalidDataError, match="unknown indicator 'colour'"):
        ScorecardConfig({"colour": 1.0})
    with pytest.raises(InvalidDataError, match=">= 0"):
        ScorecardConfig({"carbon_intensity": -1.0})
    with pytest.raises(InvalidDataError, match="above 0"):
        ScorecardConfig(_only())
    with pytest.raises(InvalidDataError, match="policy 'ignore'"):
        ScorecardConfig(missing={"carbon_intensity": "ignore"})  # type: ignore[dict-item]
    assert sum(DEFAULT_WEIGHTS.values()) == 100


def test_changing_weights_changes_the_score():
    default = rate("S1", _inputs())
    heavier = rate("S1", _inputs(), ScorecardConfig({"rba_membership": 50.0}))
    assert heavier.score > default.score


# --- requirements --------------------------------------------------------------------------------

RULE = Requirement(
    "strategic: SBT and RBA",
    AppliesTo.STRATEGIC,
    (Condition.parse("sbt:validated"), Condition.parse("RBA_member")),
    dt.date(2026, 12, 31),
)


def test_requirement_applies_only_to_strategic_suppliers():
    assert check_requirement(RULE, Standing("S2", strategic=False), AS_OF) is None


def test_requirement_met_with_reasons():
    found = check_requirement(
        RULE, Standing("S1", strategic=True, sbt_status="validated", rba_member=True), AS_OF
    )
    assert found is not None
    assert (found.status, found.overdue) == ("meets", False)
    assert found.reasons == ("science-based target validated", "RBA member")


def test_requirement_not_met_says_why_and_is_overdue_after_the_due_date():
    standing = Standing("S1", strategic=True, sbt_status="targets_set")
    found = check_requirement(RULE, standing, AS_OF)
    assert found is not None
    assert found.status == "does_not_meet"
    assert found.reasons == (
        "science-based target targets_set (needs validated)",
        "RBA membership not recorded",
    )
    assert not found.overdue
    later = check_requirement(RULE, standing, dt.date(2027, 1, 1))
    assert later is not None
    assert later.overdue


def test_rating_and_renewable_and_qualification_conditions():
    standing = Standing(
        "S1", rating="C", renewable_share=0.5, qualification="conditionally_qualified"
    )
    assert Condition.parse("rating:b").check(standing) == (False, "rating C (needs B)")
    assert Condition.parse("rating:C").check(standing)[0]
    assert Condition.parse("renewable:0.5").check(standing)[0]
    assert not Condition.parse("renewable:0.6").check(standing)[0]
    assert Condition.parse("qualified").check(standing)[0]
    assert not Condition.parse("iso_14001").check(standing)[0]


@pytest.mark.parametrize("text", ["sbt:maybe", "rating:F", "renewable:2", "rba_member:yes", "x"])
def test_unknown_conditions_are_refused(text):
    with pytest.raises(InvalidDataError, match="condition"):
        Condition.parse(text)


def test_a_requirement_needs_a_condition_and_a_known_scope():
    with pytest.raises(InvalidDataError, match="at least one condition"):
        Requirement("empty", AppliesTo.ALL, (), dt.date(2026, 12, 31))
    with pytest.raises(InvalidDataError, match="'all' or 'strategic'"):
        Requirement("x", "some", (Condition("qualified"),), dt.date(2026, 12, 31))  # type: ignore[arg-type]


# --- sourcing tiers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rating", "qualification", "overdue", "tier"),
    [
        ("A", "qualified", 0, Tier.PREFERRED),
        ("B", "qualified", 0, Tier.PREFERRED),
        ("C", "qualified", 0, Tier.APPROVED),
        ("D", "qualified", 0, Tier.CONDITIONAL),
        ("A", "conditionally_qualified", 0, Tier.APPROVED),
        ("A", "in_progress", 0, Tier.CONDITIONAL),
        ("A", None, 0, Tier.CONDITIONAL),
        ("A", "lapsed", 0, Tier.CONDITIONAL),
        ("A", "rejected", 0, Tier.BLOCKED),
        ("E", "qualified", 0, Tier.BLOCKED),
        ("A", "qualified", 1, Tier.CONDITIONAL),
    ],
)
def test_sourcing_tier_rules(rating, qualification, overdue, tier):
    assert sourcing_tier(rating, qualification, overdue)[0] is tier


@pytest.mark.parametrize(
    ("rating", "qualification", "coverage", "tier"),
    [
        # rated E on data for a fifth of the weights: unknown, not bad
        ("E", None, 0.2, Tier.NOT_ASSESSED),
        ("E", "in_progress", 0.49, Tier.NOT_ASSESSED),
        # a qualification is an assessment of its own
        ("E", "qualified", 0.2, Tier.APPROVED),
        ("E", "conditionally_qualified", 0.2, Tier.CONDITIONAL),
        ("E", "rejected", 0.2, Tier.BLOCKED),
        # on enough data, E blocks
        ("E", None, 0.5, Tier.BLOCKED),
        ("E", "qualified", 0.9, Tier.BLOCKED),
    ],
)
def test_a_rating_resting_on_too_little_data_is_not_assessed(rating, qualification, coverage, tier):
    found, reason = sourcing_tier(rating, qualification, 0, coverage)
    assert found is tier
    if coverage < 0.5 and qualification != "rejected":
        assert f"data for {coverage:.0%} of its weight" in reason


def test_circularity_comes_from_the_suppliers_own_report_when_the_buyer_recorded_none():
    reports = (
        SupplierReport(2023, 1.0, 110.0, 52.0, takeback_reuse_share=0.1, recycling_share=0.5),
        SupplierReport(2024, 1.0, 100.0, 50.0, takeback_reuse_share=0.28, recycling_share=0.999),
        SupplierReport(2025, 1.0, 90.0, 45.0, takeback_reuse_share=0.9, recycling_share=0.9),
    )
    line = _line(rate("S1", _inputs(reports, SupplierAttributes())), "circularity")
    # the rated year is 2024: the 2025 report is not used; mean of 0.28 and 0.999
    assert line.value == pytest.approx((0.28 + 0.999) / 2)
    assert "reported for 2024" in line.note


def test_what_the_buyer_recorded_wins_over_the_suppliers_report_rate_by_rate():
    reports = (SupplierReport(2024, 1.0, 100.0, 50.0, takeback_reuse_share=0.28,
                              recycling_share=0.999),)  # fmt: skip
    recorded = SupplierAttributes(takeback_reuse_share=0.5)
    line = _line(rate("S1", _inputs(reports, recorded)), "circularity")
    assert line.value == pytest.approx((0.5 + 0.999) / 2)
    assert "recorded" in line.note
    assert "reported for 2024" in line.note


def test_coverage_is_the_share_of_the_weights_with_data():
    nothing = rate("S1", _inputs((), SupplierAttributes()))
    assert nothing.coverage == 0.0
    assert nothing.assessed is False
    # RBA membership alone: 5 of the default weights' 100
    rba_only = rate("S1", _inputs((), SupplierAttributes(rba_member=True)))
    assert rba_only.coverage == pytest.approx(5 / 100)
    three = rate("S1", _inputs(), THREE)  # intensity, SBT status and RBA all known
    assert three.coverage == pytest.approx(1.0)
    assert three.assessed is True
