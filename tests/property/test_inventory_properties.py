"""Properties of hotspots and restatements that hold for any data."""

from hypothesis import given
from hypothesis import strategies as st

from greenchain.domain.inventory import SupplierTotal, compare_runs, pareto

emissions = st.lists(
    st.tuples(st.text("abcdef", min_size=1, max_size=4), st.floats(0.001, 1e6)),
    min_size=1,
    max_size=40,
    unique_by=lambda x: x[0],
)


@given(emissions, st.floats(0.05, 1.0))
def test_pareto_shares_sum_to_one_and_cumulate_monotonically(items, cutoff):
    rows = pareto([(k, k, v) for k, v in items], cutoff_share=cutoff)
    assert abs(sum(r.share for r in rows) - 1.0) < 1e-4
    cumulative = [r.cumulative_share for r in rows]
    assert cumulative == sorted(cumulative)
    hotspot = [r for r in rows if r.in_hotspot]
    assert hotspot == rows[: len(hotspot)]
    assert hotspot[-1].cumulative_share >= cutoff - 1e-4


@given(emissions)
def test_pareto_does_not_depend_on_input_order(items):
    forward = pareto([(k, k, v) for k, v in items], cutoff_share=0.67)
    backward = pareto([(k, k, v) for k, v in reversed(items)], cutoff_share=0.67)
    assert forward == backward


@given(emissions)
def test_a_run_compared_with_itself_has_no_restatements(items):
    totals = [SupplierTotal(k, v, "spend_based") for k, v in items]
    assert compare_runs(totals, totals, previous_gwp="AR5", current_gwp="AR5") == []
