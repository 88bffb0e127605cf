"""Properties of target paths, progress and roadmap projections that hold for any data."""

from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from greenchain.domain.targets import (
    Efficiency,
    ReductionProject,
    SupplierTargets,
    Target,
    TargetKind,
    YearData,
    progress,
    project,
)


@st.composite
def targets_with_milestones(draw):
    base_year = draw(st.integers(2015, 2030))
    target_year = base_year + draw(st.integers(1, 30))
    reduction = draw(st.floats(0.01, 1.0))
    inner = list(range(base_year + 1, target_year))
    years = sorted(draw(st.lists(st.sampled_from(inner), unique=True, max_size=4))) if inner else []
    count = len(years)
    values = sorted(draw(st.lists(st.floats(0.0, reduction), min_size=count, max_size=count)))
    return Target(
        name="t",
        kind=TargetKind.ABSOLUTE,
        scopes=("1",),
        base_year=base_year,
        target_year=target_year,
        reduction=reduction,
        milestones=tuple(zip(years, values, strict=True)),
    )


@given(targets_with_milestones(), st.floats(1.0, 1e7))
def test_the_expected_value_never_rises_from_base_to_target_year(target, base_t):
    years = range(target.base_year - 2, target.target_year + 3)
    history = {y: YearData(year=y, emissions={"1": base_t}) for y in years}
    expected = [progress(target, history, y).expected_value for y in years]
    tolerance = 1e-9 * base_t
    assert all(b <= a + tolerance for a, b in pairwise(expected))
    assert expected[0] == base_t
    assert abs(expected[-1] - base_t * (1 - (target.reduction or 0.0))) <= tolerance


@given(
    st.dictionaries(
        st.integers(2015, 2035),
        st.tuples(st.floats(0.0, 1e6), st.floats(0.0, 1e6), st.floats(0.1, 1e4)),
        min_size=1,
        max_size=15,
    ),
    st.randoms(use_true_random=False),
)
def test_progress_does_not_depend_on_the_order_of_the_history(rows, random):
    rows = {**rows, 2020: (1000.0, 500.0, 100.0)}
    data = [
        YearData(year=y, emissions={"1": s1, "2_market": s2}, revenue_million=revenue)
        for y, (s1, s2, revenue) in rows.items()
    ]
    shuffled = list(data)
    random.shuffle(shuffled)
    forward = {d.year: d for d in data}
    backward = {d.year: d for d in shuffled}
    for kind, denominator in ((TargetKind.ABSOLUTE, None), (TargetKind.INTENSITY, "revenue")):
        target = Target(
            name="t",
            kind=kind,
            scopes=("1", "2_market"),
            base_year=2020,
            target_year=2030,
            reduction=0.42,
            denominator=denominator,
        )
        for year in rows:
            assert progress(target, forward, year) == progress(target, backward, year)


@given(
    st.floats(0.0, 1e6),
    st.floats(0.0, 1e6),
    st.floats(0.0, 1.0),
    st.floats(0.0, 0.5),
    st.floats(0.0, 0.5),
    st.floats(0.0, 1e5),
)
def test_projected_savings_add_up_and_never_make_emissions_negative(
    scope1, scope3, share, supplier_rate, efficiency_rate, project_t
):
    levers = [
        SupplierTargets(top_n_share_of_scope3=share, annual_rate=supplier_rate, start_year=2025),
        Efficiency(scope="3", annual_rate=efficiency_rate, start_year=2026),
        ReductionProject(scope="1", t_co2e_per_year=project_t, start_year=2025),
    ]
    for year in project(2024, {"1": scope1, "3": scope3}, levers, 2035):
        assert all(value >= 0 for value in year.by_scope.values())
        missing = year.baseline_total_t_co2e - year.total_t_co2e
        assert abs(year.saved_t_co2e - missing) <= 1e-6 * max(1.0, year.baseline_total_t_co2e)
