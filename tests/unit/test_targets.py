"""Climate targets: SBTi criteria, progress, carbon credits and roadmap projections.

Thresholds and worked examples come from the SBTi Corporate Near-Term Criteria v5.2 (4.2 %/yr
linear reduction for 1.5 °C on Scope 1+2, 2.5 %/yr for well-below 2 °C on Scope 3, 95 % / 67 %
boundary coverage, 5-10 year timeframe, base year from 2015, 80 % renewable electricity by 2025
or 100 % by 2030) and the Corporate Net-Zero Standard v1.2 (90 % reduction by 2050 at the
latest, 90 % Scope 3 coverage, neutralisation of residual emissions with removals).
"""

import inspect

import pytest

from greenchain.domain.errors import ConflictError, InvalidDataError, NotFoundError
from greenchain.domain.targets import (
    CRITERIA_VERSION,
    Credit,
    Efficiency,
    EngagementBasis,
    ProjectType,
    ReductionProject,
    RenewableShare,
    Scope,
    SupplierTargets,
    Target,
    TargetKind,
    YearData,
    check_no_double_retirement,
    check_target,
    history_from,
    linear_annual_reduction,
    neutralisation,
    progress,
    project,
)


def _absolute(**overrides):
    values = dict(
        name="S1+2 absolute",
        kind=TargetKind.ABSOLUTE,
        scopes=("1", "2_market"),
        base_year=2020,
        target_year=2030,
        reduction=0.42,
    )
    values.update(overrides)
    return Target(**values)


def _net_zero(**overrides):
    values = dict(
        name="Net zero",
        kind=TargetKind.NET_ZERO,
        scopes=("1", "2_market", "3"),
        base_year=2020,
        target_year=2050,
        reduction=0.90,
        coverage=0.95,
        neutralise_residual=True,
    )
    values.update(overrides)
    return Target(**values)


def _engagement(**overrides):
    values = dict(
        name="Suppliers with SBTs",
        kind=TargetKind.SUPPLIER_ENGAGEMENT,
        scopes=("3",),
        base_year=2023,
        target_year=2028,
        target_share=0.67,
        base_share=0.20,
        engagement_basis=EngagementBasis.EMISSIONS,
    )
    values.update(overrides)
    return Target(**values)


def _renewable(**overrides):
    values = dict(
        name="RE100",
        kind=TargetKind.RENEWABLE_ELECTRICITY,
        scopes=("2_market",),
        base_year=2020,
        target_year=2030,
        target_share=1.0,
    )
    values.update(overrides)
    return Target(**values)


def _years(*rows):
    return history_from([YearData(**row) for row in rows])


SCOPE3_HEAVY = _years({"year": 2020, "emissions": {"1": 100.0, "2_market": 100.0, "3": 800.0}})
SCOPE3_LIGHT = _years({"year": 2020, "emissions": {"1": 500.0, "2_market": 300.0, "3": 200.0}})


# --- ambition -----------------------------------------------------------------------------------


def test_a_42_percent_cut_of_scope_1_and_2_over_ten_years_meets_the_1_5_degree_rate():
    check = check_target(_absolute(), {}, submitted_year=2024)
    ambition = check.get("ambition")
    assert linear_annual_reduction(_absolute()) == pytest.approx(0.042)
    assert ambition.passed is True
    assert ambition.reason.startswith(
        "4.20 %/yr linear reduction (42.00 % over 10 years) meets the 4.2 %/yr minimum "
        "for 1.5 °C (Scope 1+2)"
    )


def test_a_30_percent_cut_of_scope_1_and_2_over_ten_years_falls_short_of_1_5_degrees():
    ambition = check_target(_absolute(reduction=0.30), {}, submitted_year=2024).get("ambition")
    assert ambition.passed is False
    assert "3.00 %/yr" in ambition.reason
    assert "is below the 4.2 %/yr minimum" in ambition.reason


def test_a_scope_3_only_target_is_held_to_the_well_below_2_degree_rate():
    passing = _absolute(scopes=("3",), reduction=0.25)
    failing = _absolute(scopes=("3",), reduction=0.20)
    passed = check_target(passing, {}, submitted_year=2024).get("ambition")
    failed = check_target(failing, {}, submitted_year=2024).get("ambition")
    assert passed.passed is True
    assert "2.5 %/yr minimum for well-below 2 °C (Scope 3)" in passed.reason
    assert failed.passed is False


def test_a_combined_scope_1_2_and_3_target_needs_the_1_5_degree_rate():
    target = _absolute(scopes=("1", "2_market", "3"), reduction=0.30)
    assert check_target(target, {}, submitted_year=2024).get("ambition").passed is False


def test_a_scope_1_2_economic_intensity_target_is_not_an_eligible_method():
    # SBTi near-term criteria v5.x: no economic intensity targets for Scope 1 and 2
    target = _absolute(kind=TargetKind.INTENSITY, denominator="revenue", reduction=0.9)
    ambition = check_target(target, {}, submitted_year=2024).get("ambition")
    assert ambition.passed is False
    assert "not an eligible method for Scope 1 and 2" in ambition.reason


def test_a_scope_3_economic_intensity_target_needs_7_percent_a_year_year_on_year():
    # 10 years at 7 % year on year: 1 - 0.93 ** 10 = 51.6 % (SBTi near-term criteria v5.x)
    passing = _absolute(
        kind=TargetKind.INTENSITY, denominator="revenue", scopes=("3",), reduction=0.52
    )
    failing = _absolute(
        kind=TargetKind.INTENSITY, denominator="revenue", scopes=("3",), reduction=0.42
    )  # enough for an absolute Scope 3 target, not here
    ambition = check_target(passing, {}, submitted_year=2024).get("ambition")
    assert ambition.passed is True
    assert "7.08 %/yr year-on-year economic intensity reduction" in ambition.reason
    failed = check_target(failing, {}, submitted_year=2024).get("ambition")
    assert failed.passed is False
    assert "5.30 %/yr" in failed.reason


def test_a_physical_intensity_target_says_plainly_that_no_sector_pathway_is_available():
    target = _absolute(kind=TargetKind.INTENSITY, denominator="t_steel", scopes=("1",))
    ambition = check_target(target, {}, submitted_year=2024).get("ambition")
    assert ambition.passed is None
    assert "no sector pathway is available" in ambition.reason


# --- timeframe and base year ------------------------------------------------------------------


def test_a_near_term_target_six_years_from_submission_is_within_the_timeframe():
    timeframe = check_target(_absolute(), {}, submitted_year=2024).get("timeframe")
    assert timeframe.passed is True
    assert "6 years from submission in 2024" in timeframe.reason


def test_a_near_term_target_more_than_ten_years_out_fails_the_timeframe():
    target = _absolute(target_year=2035, reduction=0.65)
    timeframe = check_target(target, {}, submitted_year=2024).get("timeframe")
    assert timeframe.passed is False
    assert "11 years" in timeframe.reason


def test_a_near_term_target_less_than_five_years_out_fails_the_timeframe():
    timeframe = check_target(_absolute(), {}, submitted_year=2026).get("timeframe")
    assert timeframe.passed is False


def test_the_submission_year_falls_back_to_the_target_and_is_otherwise_undetermined():
    with_year = check_target(_absolute(submitted_year=2022), {})
    assert with_year.get("timeframe").passed is True
    without = check_target(_absolute(), {})
    assert without.get("timeframe").passed is None
    assert without.get("timeframe") in without.undetermined


def test_a_base_year_before_2015_fails():
    check = check_target(_absolute(base_year=2014, target_year=2024), {}, submitted_year=2018)
    assert check.get("base_year").passed is False
    assert "2014" in check.get("base_year").reason
    assert check.meets_all is False


# --- boundary -----------------------------------------------------------------------------------


def test_scope_1_and_2_coverage_below_95_percent_fails():
    check = check_target(_absolute(coverage=0.90), SCOPE3_LIGHT, submitted_year=2024)
    boundary = check.get("boundary_scope_1_2")
    assert boundary.passed is False
    assert "90.00 %" in boundary.reason


def test_scope_3_under_40_percent_of_the_total_needs_no_scope_3_target():
    check = check_target(_absolute(), SCOPE3_LIGHT, submitted_year=2024)
    scope3 = check.get("boundary_scope_3")
    assert scope3.passed is None
    assert "20.00 %" in scope3.reason
    assert "not required" in scope3.reason
    assert check.meets_all is True


def test_a_scope_1_and_2_target_flags_that_a_large_scope_3_needs_its_own_target():
    scope3 = check_target(_absolute(), SCOPE3_HEAVY, submitted_year=2024).get("boundary_scope_3")
    assert scope3.passed is None
    assert "80.00 %" in scope3.reason
    assert "separate Scope 3 target" in scope3.reason


def test_a_scope_3_target_must_cover_two_thirds_when_scope_3_is_large():
    narrow = _absolute(scopes=("3",), reduction=0.25, coverage=0.60)
    wide = _absolute(scopes=("3",), reduction=0.25, coverage=0.70)
    narrow_result = check_target(narrow, SCOPE3_HEAVY, submitted_year=2024)
    wide_result = check_target(wide, SCOPE3_HEAVY, submitted_year=2024)
    assert narrow_result.get("boundary_scope_3").passed is False
    assert (
        "60.00 % of Scope 3, at least 67 % is required"
        in narrow_result.get("boundary_scope_3").reason
    )
    assert wide_result.get("boundary_scope_3").passed is True


def test_the_scope_3_share_uses_location_based_scope_2_when_market_based_is_missing():
    history = _years({"year": 2020, "emissions": {"1": 100.0, "2_location": 500.0, "3": 400.0}})
    scope3 = check_target(_absolute(), history, submitted_year=2024).get("boundary_scope_3")
    assert "40.00 %" in scope3.reason
    assert "separate Scope 3 target" in scope3.reason


def test_without_a_base_year_inventory_the_scope_3_requirement_is_undetermined():
    scope3 = check_target(_absolute(), {}, submitted_year=2024).get("boundary_scope_3")
    assert scope3.passed is None
    assert "no Scope 3 figure for base year 2020" in scope3.reason


# --- net zero -----------------------------------------------------------------------------------


def test_a_90_percent_cut_by_2050_with_neutralisation_meets_the_net_zero_standard():
    check = check_target(_net_zero(), SCOPE3_HEAVY, submitted_year=2024)
    assert check.meets_all is True
    assert check.criteria_version == CRITERIA_VERSION
    assert {c.code for c in check.criteria} >= {
        "net_zero_depth",
        "net_zero_year",
        "neutralisation",
        "boundary_scope_1_2",
        "boundary_scope_3",
    }


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"reduction": 0.85}, "net_zero_depth"),
        ({"target_year": 2055}, "net_zero_year"),
        ({"neutralise_residual": False}, "neutralisation"),
        ({"scopes": ("1", "2_market")}, "boundary_scope_3"),
        ({"coverage": 0.92}, "boundary_scope_1_2"),
    ],
)
def test_a_net_zero_target_fails_the_criterion_it_breaks(overrides, code):
    check = check_target(_net_zero(**overrides), SCOPE3_HEAVY, submitted_year=2024)
    assert check.get(code).passed is False
    assert check.meets_all is False
    assert [c.code for c in check.failed] == [code]


def test_a_net_zero_target_needs_90_percent_of_scope_3_even_when_scope_3_is_small():
    target = _net_zero(coverage=1.0, scopes=("1", "2_market", "3"))
    assert check_target(target, SCOPE3_LIGHT).get("boundary_scope_3").passed is True
    partial = Target(
        name="NZ S3",
        kind=TargetKind.NET_ZERO,
        scopes=("3",),
        base_year=2020,
        target_year=2050,
        reduction=0.9,
        coverage=0.85,
        neutralise_residual=True,
    )
    assert check_target(partial, SCOPE3_LIGHT).get("boundary_scope_3").passed is False


# --- share targets ------------------------------------------------------------------------------


def test_a_supplier_engagement_target_within_five_years_passes():
    check = check_target(_engagement(target_year=2029), {}, submitted_year=2024)
    assert check.get("timeframe").passed is True
    share = check.get("supplier_engagement_share")
    assert share.passed is True
    assert "67.00 % of suppliers by emissions" in share.reason
    assert check.meets_all is True


def test_a_supplier_engagement_target_six_years_out_fails():
    check = check_target(_engagement(target_year=2030), {}, submitted_year=2024)
    assert check.get("timeframe").passed is False


@pytest.mark.parametrize(
    ("share", "year", "passed"),
    [(0.8, 2025, True), (1.0, 2030, True), (0.9, 2030, False), (0.8, 2026, False)],
)
def test_renewable_electricity_is_aligned_at_80_percent_by_2025_or_100_percent_by_2030(
    share, year, passed
):
    target = _renewable(target_share=share, target_year=year)
    result = check_target(target, {}).get("renewable_electricity")
    assert result.passed is passed
    assert str(year) in result.reason


def test_a_renewable_target_outside_scope_2_is_not_judged():
    target = _renewable(scopes=("1",))
    assert check_target(target, {}).get("renewable_electricity").passed is None


def test_asking_for_a_criterion_that_was_not_checked_is_not_found():
    with pytest.raises(NotFoundError, match="no criterion 'ambition'"):
        check_target(_renewable(), {}).get("ambition")


# --- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"target_year": 2020}, "must be after base year 2020"),
        ({"reduction": 0.0}, "reduction 0.0 must be a fraction"),
        ({"reduction": 1.2}, "reduction 1.2 must be a fraction"),
        ({"reduction": None}, "reduction None must be a fraction"),
        ({"scopes": ()}, "at least one scope"),
        ({"scopes": ("1", "4")}, "unknown scope '4'"),
        ({"scopes": ("1", "1")}, "listed twice"),
        ({"scopes": ("2_market", "2_location")}, "not both"),
        ({"kind": TargetKind.INTENSITY}, "needs a denominator"),
        ({"denominator": "revenue"}, "only intensity targets"),
        ({"kind": "bogus"}, "unknown kind 'bogus'"),
        ({"coverage": 0.0}, "coverage 0.0"),
        ({"submitted_year": 2031}, "submitted year 2031"),
        ({"neutralise_residual": True}, "only net-zero targets"),
        ({"milestones": ((2031, 0.2),)}, "milestone year 2031"),
        ({"milestones": ((2025, 0.3), (2027, 0.2))}, "milestone 2027 value 0.2"),
        ({"milestones": ((2025, 0.5),)}, "milestone 2025 value 0.5"),
        ({"target_share": 0.5}, "has a reduction, not a share"),
        ({"name": " "}, "needs a name"),
    ],
)
def test_an_inconsistent_target_is_rejected_with_a_clear_message(overrides, message):
    with pytest.raises(InvalidDataError, match=message):
        _absolute(**overrides)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"engagement_basis": None}, "needs an engagement basis"),
        ({"engagement_basis": "headcount"}, "'emissions' or 'spend'"),
        ({"scopes": ("1",)}, "Scope 3 only"),
        ({"target_share": 0.1}, "must exceed the base share"),
        ({"reduction": 0.5}, "target share, not a reduction"),
        ({"base_share": 1.0}, "base share 1.0"),
    ],
)
def test_an_inconsistent_share_target_is_rejected(overrides, message):
    with pytest.raises(InvalidDataError, match=message):
        _engagement(**overrides)


def test_a_target_normalises_kind_scopes_and_milestones():
    target = Target(
        name="t",
        kind="absolute",  # type: ignore[arg-type]
        scopes=(Scope.SCOPE_1, "3"),
        base_year=2020,
        target_year=2030,
        reduction=0.5,
        milestones=[[2025, 0.25]],  # type: ignore[arg-type]
    )
    assert target.kind is TargetKind.ABSOLUTE
    assert target.scopes == ("1", "3")
    assert target.milestones == ((2025, 0.25),)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"emissions": {"1": -1.0}}, "must be >= 0"),
        ({"emissions": {"5": 1.0}}, "unknown scope '5'"),
        ({"revenue_million": 0.0}, "revenue 0.0 million"),
        ({"activity": {"t_steel": 0.0}}, "activity 't_steel'"),
        ({"renewable_share": 1.5}, "renewable_share 1.5"),
    ],
)
def test_bad_year_data_is_rejected(row, message):
    with pytest.raises(InvalidDataError, match=message):
        YearData(year=2024, **row)


def test_a_year_given_twice_is_rejected():
    with pytest.raises(InvalidDataError, match="year 2024 is given twice"):
        history_from([YearData(year=2024), YearData(year=2024)])


# --- progress -----------------------------------------------------------------------------------

HISTORY = _years(
    {"year": 2020, "emissions": {"1": 600.0, "2_market": 400.0, "3": 5000.0}},
    {"year": 2024, "emissions": {"1": 500.0, "2_market": 300.0, "3": 5200.0}},
)


def test_an_absolute_target_ahead_of_its_linear_path_is_on_track():
    result = progress(_absolute(), HISTORY, 2024)
    assert result.base_value == 1000.0
    assert result.target_value == pytest.approx(580.0)
    assert result.expected_value == pytest.approx(832.0)  # 1000 - 420 x 4/10
    assert result.actual_value == 800.0
    assert result.on_track is True
    assert result.gap == pytest.approx(-32.0)
    # (800 - 580) t over 6 years, as a fraction of the 1000 t base: 3.67 %/yr
    assert result.required_annual_reduction == pytest.approx(220 / 6 / 1000)
    assert result.achieved_reduction == pytest.approx(0.2)
    assert result.unit == "t_co2e"
    assert result.scopes == ("1", "2_market")


def test_an_absolute_target_behind_its_path_has_a_positive_gap():
    history = _years(
        {"year": 2020, "emissions": {"1": 600.0, "2_market": 400.0}},
        {"year": 2024, "emissions": {"1": 600.0, "2_market": 300.0}},
    )
    result = progress(_absolute(), history, 2024)
    assert result.on_track is False
    assert result.gap == pytest.approx(68.0)


def test_emissions_halving_while_revenue_doubles_is_a_75_percent_intensity_reduction():
    target = _absolute(kind=TargetKind.INTENSITY, denominator="revenue", reduction=0.5)
    history = _years(
        {"year": 2020, "emissions": {"1": 600.0, "2_market": 400.0}, "revenue_million": 100.0},
        {"year": 2024, "emissions": {"1": 300.0, "2_market": 200.0}, "revenue_million": 200.0},
    )
    result = progress(target, history, 2024)
    assert result.base_value == pytest.approx(10.0)
    assert result.actual_value == pytest.approx(2.5)
    assert result.achieved_reduction == pytest.approx(0.75)
    assert result.unit == "t_co2e_per_million_revenue"
    assert result.on_track is True


def test_a_physical_intensity_target_divides_by_its_activity():
    target = _absolute(kind=TargetKind.INTENSITY, denominator="t_steel", scopes=("1",))
    history = _years(
        {"year": 2020, "emissions": {"1": 1800.0}, "activity": {"t_steel": 1000.0}},
        {"year": 2022, "emissions": {"1": 1700.0}, "activity": {"t_steel": 1000.0}},
    )
    result = progress(target, history, 2022)
    assert result.actual_value == pytest.approx(1.7)
    assert result.unit == "t_co2e_per_t_steel"


def test_milestones_bend_the_expected_path():
    target = _absolute(reduction=0.5, milestones=((2022, 0.3),))
    history = _years(
        *(
            {"year": y, "emissions": {"1": 600.0, "2_market": 400.0}}
            for y in (2020, 2021, 2022, 2026)
        )
    )
    expected = {y: progress(target, history, y).expected_value for y in (2020, 2021, 2022, 2026)}
    assert expected == pytest.approx({2020: 1000.0, 2021: 850.0, 2022: 700.0, 2026: 600.0})


def test_the_expected_value_is_clamped_outside_the_target_period():
    history = _years(
        *({"year": y, "emissions": {"1": 600.0, "2_market": 400.0}} for y in (2018, 2020, 2032))
    )
    before = progress(_absolute(), history, 2018)
    after = progress(_absolute(), history, 2032)
    assert before.expected_value == 1000.0
    assert after.expected_value == pytest.approx(580.0)
    assert after.required_annual_reduction is None


def test_a_target_already_met_needs_no_further_reduction():
    history = _years(
        {"year": 2020, "emissions": {"1": 600.0, "2_market": 400.0}},
        {"year": 2024, "emissions": {"1": 300.0, "2_market": 200.0}},
    )
    assert progress(_absolute(), history, 2024).required_annual_reduction == 0.0


def test_a_net_zero_target_tracks_absolute_emissions_on_its_scopes():
    result = progress(_net_zero(), HISTORY, 2024)
    assert result.base_value == 6000.0
    assert result.actual_value == 6000.0
    assert result.expected_value == pytest.approx(6000.0 - 5400.0 * 4 / 30)
    assert result.on_track is False


def test_a_supplier_engagement_target_tracks_the_share_by_its_basis():
    history = _years(
        {
            "year": 2025,
            "supplier_sbt_share_by_emissions": 0.35,
            "supplier_sbt_share_by_spend": 0.50,
        }
    )
    by_emissions = progress(_engagement(), history, 2025)
    assert by_emissions.base_value == 0.20
    assert by_emissions.expected_value == pytest.approx(0.2 + 0.47 * 2 / 5)
    assert by_emissions.actual_value == 0.35
    assert by_emissions.on_track is False
    assert by_emissions.gap == pytest.approx(0.388 - 0.35)
    assert by_emissions.required_annual_reduction == pytest.approx((0.67 - 0.35) / 3)
    assert by_emissions.unit == "fraction"
    assert by_emissions.achieved_reduction is None
    by_spend = progress(_engagement(engagement_basis="spend"), history, 2025)
    assert by_spend.actual_value == 0.50
    assert by_spend.on_track is True


def test_a_renewable_target_takes_its_base_share_from_the_base_year_when_recorded():
    history = _years({"year": 2020, "renewable_share": 0.4}, {"year": 2025, "renewable_share": 0.7})
    result = progress(_renewable(), history, 2025)
    assert result.base_value == 0.4
    assert result.expected_value == pytest.approx(0.7)
    assert result.on_track is True


@pytest.mark.parametrize(
    ("history", "year", "message"),
    [
        (HISTORY, 2023, "target 'S1\\+2 absolute': no data for year 2023"),
        (_years({"year": 2024, "emissions": {"1": 1.0, "2_market": 1.0}}), 2024, "base year"),
        (
            _years(
                {"year": 2020, "emissions": {"1": 1.0, "2_market": 1.0}},
                {"year": 2024, "emissions": {"1": 1.0}},
            ),
            2024,
            "year 2024: no Scope 2_market emissions",
        ),
    ],
)
def test_missing_data_names_the_target_the_year_and_what_is_missing(history, year, message):
    with pytest.raises(NotFoundError, match=message):
        progress(_absolute(), history, year)


def test_an_intensity_target_without_revenue_is_not_found():
    target = _absolute(kind=TargetKind.INTENSITY, denominator="revenue")
    with pytest.raises(NotFoundError, match="year 2020: no revenue recorded"):
        progress(target, HISTORY, 2024)


def test_a_share_target_without_the_share_in_the_year_is_not_found():
    with pytest.raises(NotFoundError, match="no renewable electricity share recorded"):
        progress(_renewable(), _years({"year": 2025}), 2025)


def test_a_zero_base_year_cannot_be_reduced():
    history = _years(
        {"year": 2020, "emissions": {"1": 0.0, "2_market": 0.0}},
        {"year": 2024, "emissions": {"1": 0.0, "2_market": 0.0}},
    )
    with pytest.raises(InvalidDataError, match="nothing to reduce"):
        progress(_absolute(), history, 2024)


def test_a_history_key_that_disagrees_with_its_year_is_rejected():
    history = {2020: YearData(year=2020, emissions={"1": 1.0, "2_market": 1.0})}
    history[2024] = YearData(year=2023, emissions={"1": 1.0, "2_market": 1.0})
    with pytest.raises(InvalidDataError, match="key 2024 holds data for year 2023"):
        progress(_absolute(), history, 2024)


# --- carbon credits -----------------------------------------------------------------------------


def _credit(start, end, **overrides):
    values = dict(
        serial_start=start,
        serial_end=end,
        registry="Verra",
        vintage=2023,
        project_type=ProjectType.REMOVAL,
        standard="VCS",
        quantity_t=float(end - start + 1),
        retired_for="Acme 2024",
    )
    values.update(overrides)
    return Credit(**values)


def test_credits_never_change_progress():
    assert "credits" not in inspect.signature(progress).parameters
    before = progress(_absolute(), HISTORY, 2024)
    statement = neutralisation(before.actual_value, [_credit(1, 800)])
    assert statement.is_neutralised is True
    assert progress(_absolute(), HISTORY, 2024) == before


def test_only_retired_removals_neutralise_while_all_retired_credits_cover_a_neutral_claim():
    credits = [
        _credit(1, 60),
        _credit(61, 110, project_type="avoidance"),
        _credit(111, 140, retired_for=None),
    ]
    statement = neutralisation(100.0, credits, boundary="Scope 1+2 2024")
    assert statement.boundary == "Scope 1+2 2024"
    assert statement.removals_retired_t == 60.0
    assert statement.avoidance_retired_t == 50.0
    assert statement.retired_t == 110.0
    assert statement.not_retired_t == 30.0
    assert statement.neutralised_t == 60.0
    assert statement.shortfall_t == 40.0
    assert statement.is_neutralised is False
    assert statement.is_carbon_neutral_claim_covered is True


def test_credits_retired_for_someone_else_do_not_count():
    credits = [_credit(1, 100, retired_for="Other Co")]
    statement = neutralisation(50.0, credits, retired_for="Acme 2024")
    assert statement.removals_retired_t == 0.0
    assert statement.is_neutralised is False


def test_overlapping_serials_in_the_same_registry_are_a_double_retirement():
    with pytest.raises(ConflictError, match="serial 1050 in registry 'Verra'"):
        check_no_double_retirement([_credit(1000, 1099)], _credit(1050, 1149))


def test_the_same_serials_in_another_registry_or_adjacent_blocks_are_not_a_conflict():
    check_no_double_retirement([_credit(1000, 1099)], _credit(1000, 1099, registry="Gold Standard"))
    check_no_double_retirement([_credit(1000, 1099)], _credit(1100, 1199))


def test_neutralisation_refuses_to_count_a_serial_twice():
    with pytest.raises(ConflictError, match="serial 5"):
        neutralisation(10.0, [_credit(1, 10), _credit(5, 6)])


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"serial_end": 0}, "ends before it starts"),
        ({"project_type": "offset"}, "'avoidance' or 'removal'"),
        ({"quantity_t": 11.0}, "at most the 10 serials"),
        ({"registry": ""}, "no registry"),
    ],
)
def test_a_bad_credit_block_is_rejected(overrides, message):
    values = {"serial_start": 1, "serial_end": 10, **overrides}
    with pytest.raises(InvalidDataError, match=message):
        _credit(values.pop("serial_start"), values.pop("serial_end"), **values)


# --- roadmap ------------------------------------------------------------------------------------

LATEST = {"1": 1000.0, "2_market": 500.0, "2_location": 600.0, "3": 4000.0}
LEVERS = (
    SupplierTargets(top_n_share_of_scope3=0.5, annual_rate=0.1, start_year=2025),
    Efficiency(scope="1", annual_rate=0.1, start_year=2025),
    ReductionProject(scope="1", t_co2e_per_year=100.0, start_year=2026),
    RenewableShare(target_share=1.0, by_year=2028, current_share=0.2, scope2_market_t=500.0),
)


def _saved(year_projection):
    return [round(c.saved_t_co2e, 6) for c in year_projection.contributions]


def test_the_latest_year_of_a_projection_is_the_starting_point():
    first = project(2024, LATEST, LEVERS, 2030)[0]
    assert first.year == 2024
    assert first.total_t_co2e == 5500.0  # 1000 + 500 (market) + 4000
    assert _saved(first) == [0.0, 0.0, 0.0, 0.0]


def test_levers_in_the_first_year_save_what_was_worked_out_by_hand():
    year = project(2024, LATEST, LEVERS, 2030)[1]
    # suppliers: 4000 x 0.5 x 10 %; efficiency: 1000 x 10 %; the project starts in 2026;
    # renewables: share 0.2 -> 0.4 of the way to 1.0, (0.4 - 0.2) / 0.8 = 25 % of 500 t
    assert _saved(year) == [200.0, 100.0, 0.0, 125.0]
    assert year.by_scope == pytest.approx(
        {"1": 900.0, "2_market": 375.0, "2_location": 600.0, "3": 3800.0}
    )
    assert year.total_t_co2e == pytest.approx(5075.0)
    assert year.saved_t_co2e == pytest.approx(425.0)


def test_levers_compound_and_the_project_acts_on_what_efficiency_left():
    year = project(2024, LATEST, LEVERS, 2030)[2]
    # suppliers: 2000 x (1 - 0.9^2) = 380; efficiency: 1000 x 0.19 = 190; project 100 t;
    # renewables: share 0.6, (0.6 - 0.2) / 0.8 = 50 % of 500 t
    assert _saved(year) == [380.0, 190.0, 100.0, 250.0]
    assert year.total_t_co2e == pytest.approx(710.0 + 250.0 + 3620.0)


def test_savings_add_up_to_the_baseline_minus_the_projection_every_year():
    for year in project(2024, LATEST, LEVERS, 2035):
        assert year.baseline_total_t_co2e == 5500.0
        assert year.saved_t_co2e == pytest.approx(year.baseline_total_t_co2e - year.total_t_co2e)


def test_full_renewable_electricity_removes_market_scope_2_and_leaves_location_based():
    years = project(2024, LATEST, LEVERS, 2030)
    for year in years[4:]:
        assert year.by_scope["2_market"] == pytest.approx(0.0)
        assert year.by_scope["2_location"] == 600.0


def test_renewables_only_reduce_the_electricity_part_of_market_scope_2():
    lever = RenewableShare(target_share=1.0, by_year=2028, current_share=0.2, scope2_market_t=400.0)
    year = project(2024, LATEST, [lever], 2028)[2]
    assert _saved(year) == [200.0]  # 500 t x (400 / 500) x 50 %


def test_a_lever_that_started_before_the_latest_year_counts_only_later_years():
    lever = Efficiency(scope="3", annual_rate=0.5, start_year=2010)
    years = project(2024, {"3": 1000.0}, [lever], 2025)
    assert years[0].by_scope == {"3": 1000.0}
    assert years[1].by_scope == {"3": 500.0}


def test_a_project_never_saves_more_than_its_scope_emits():
    lever = ReductionProject(scope="1", t_co2e_per_year=5000.0, start_year=2025)
    year = project(2024, {"1": 1000.0}, [lever], 2025)[1]
    assert year.by_scope == {"1": 0.0}
    assert _saved(year) == [1000.0]


def test_a_projection_without_levers_stays_flat():
    years = project(2024, LATEST, [], 2026)
    assert [y.total_t_co2e for y in years] == [5500.0, 5500.0, 5500.0]


@pytest.mark.parametrize(
    ("latest", "levers", "until", "message"),
    [
        (LATEST, [], 2023, "before the latest year"),
        ({"4": 1.0}, [], 2025, "unknown scope '4'"),
        ({"1": -1.0}, [], 2025, "Scope 1 -1.0"),
        (LATEST, [Efficiency(scope="9", annual_rate=0.1, start_year=2025)], 2025, "scope '9'"),
        (LATEST, [Efficiency(scope="1", annual_rate=1.5, start_year=2025)], 2025, "rate 1.5"),
        (
            LATEST,
            [RenewableShare(target_share=0.1, by_year=2030, current_share=0.5)],
            2025,
            "current share 0.5",
        ),
        (
            LATEST,
            [ReductionProject(scope="1", t_co2e_per_year=-5.0, start_year=2025)],
            2025,
            "saving -5.0",
        ),
    ],
)
def test_a_bad_projection_input_is_rejected(latest, levers, until, message):
    with pytest.raises(InvalidDataError, match=message):
        project(2024, latest, levers, until)


@pytest.mark.parametrize("quantity", [5e-324, 0.0009, 0.0, -1.0, float("nan")])
def test_a_credit_block_below_one_kilogram_is_refused(quantity: float):
    with pytest.raises(InvalidDataError, match=r"at least 0\.001 t"):
        _credit(1, 800, quantity_t=quantity)


def test_a_chart_of_values_it_cannot_scale_says_so_instead_of_failing():
    from greenchain.adapters.report_render import credits_chart

    for quantity in (5e-324, 1e308):
        chart = credits_chart(
            {"items": [{"retired_for": "x", "quantity_t": quantity, "project_type": "removal"}]}
        )
        assert chart is not None
        assert "Chart not drawn" in chart
