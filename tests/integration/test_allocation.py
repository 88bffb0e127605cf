"""A supplier allocates its emissions to each customer that asks (CDP SC1.1): by quantity or
revenue, with or without upstream Scope 3; the allocation belongs to that customer's request
only, goes with the answer the customer accepts, and the customer's next run uses the
allocated tonnes for that supplier's lines; the supplier's CDP answer lists it under SC1.1.

Hand values: Scope 1 1,200 t + Scope 2 market-based 800 t, 30,000 of 200,000 wafers sold to
the customer = 15 % = 300 t CO2e; with the upstream 4,000 t, 900 t CO2e."""

from __future__ import annotations

import pytest

from greenchain.domain.allocation import allocate
from greenchain.domain.errors import InvalidDataError
from greenchain.services import allocation as alloc
from greenchain.services import disclosures
from greenchain.services import engagement as eng
from greenchain.services import supplier_answers as sup
from greenchain.services.inventory import calculate_inventory, get_run_lines
from tests.integration.test_engagement_service import ANSWER, _recipient, two_buyers

__all__ = ["two_buyers"]


def test_an_allocation_by_quantity_is_the_share_of_scope_1_and_2_and_optionally_upstream():
    base = {"method": "quantity", "customer_value": 30_000, "total_value": 200_000,
            "unit": "wafers", "scope1_t": 1200, "scope2_market_t": 800}  # fmt: skip
    assert allocate(**base).allocated_t == pytest.approx(300.0)
    assert allocate(**base, scope3_upstream_t=4000, include_upstream=True).allocated_t == (
        pytest.approx(900.0)
    )
    with pytest.raises(InvalidDataError, match=r"field .customer_value.*more than the total"):
        allocate(**{**base, "customer_value": 300_000})
    with pytest.raises(InvalidDataError, match="field 'method'"):
        allocate(**{**base, "method": "mass"})
    with pytest.raises(InvalidDataError, match="field 'include_upstream'"):
        allocate(**base, include_upstream=True)


def test_the_customer_that_accepts_uses_the_allocated_tonnes_and_no_other_customer_sees_them(
    two_buyers,
):
    ctx, sam, a, b = two_buyers
    for_a = _recipient(ctx, "chipco", a)
    with pytest.raises(InvalidDataError, match="save your answer"):
        alloc.allocate_to_customer(ctx, sam, "steelco", for_a, method="revenue",
                                   customer_value=1, total_value=2, unit="USD")  # fmt: skip
    sup.save_draft(ctx, sam, "steelco", for_a, ANSWER)
    made = alloc.allocate_to_customer(
        ctx, sam, "steelco", for_a, method="quantity", customer_value=30_000,
        total_value=200_000, unit="wafers", uncertainty_pct=10,
    )  # fmt: skip
    assert made["allocated_t"] == pytest.approx(300.0)
    assert alloc.allocation_of_request(ctx, sam, "steelco", _recipient(ctx, "osatco", b)) is None
    sup.submit(ctx, sam, "steelco", for_a, ANSWER, share_with=["osatco"])
    accepted = eng.accept(ctx, "chipco", for_a)
    assert accepted["supplier_data"]["allocated_t"] == pytest.approx(300.0)
    run = calculate_inventory(ctx, "chipco", 2024)
    lines = get_run_lines(ctx, "chipco", run.run_id).to_pylist()
    steel = [x for x in lines if x["supplier_id"] == "ST-1"]
    assert {x["method"] for x in steel} == {"supplier_specific"}
    # the allocation's 300 t is primary; the upstream not included is filled as secondary
    assert sum(x["primary_kg_co2e"] for x in steel) / 1000 == pytest.approx(300.0)
    assert "own allocation" in steel[0]["note"]
    # the other customer accepts the same answer without an allocation: spend over revenue
    eng.accept(ctx, "osatco", _recipient(ctx, "osatco", b))
    other = calculate_inventory(ctx, "osatco", 2024)
    other_lines = get_run_lines(ctx, "osatco", other.run_id).to_pylist()
    spend_share = 100_000 / 50_000_000 * (1200 + 800 + 4000)  # t, scope 1+2+upstream
    assert sum(x["primary_kg_co2e"] for x in other_lines) / 1000 == pytest.approx(spend_share)


def test_the_suppliers_cdp_answer_lists_its_allocations_under_sc1_1(two_buyers, tmp_path):
    ctx, sam, a, _ = two_buyers
    for_a = _recipient(ctx, "chipco", a)
    sup.save_draft(ctx, sam, "steelco", for_a, ANSWER)
    alloc.allocate_to_customer(
        ctx, sam, "steelco", for_a, method="revenue", customer_value=5_000_000,
        total_value=50_000_000, unit="USD", include_upstream=True,
    )  # fmt: skip
    from greenchain.services.imports import import_records
    from tests.factories import activity, write_csv

    write_csv(tmp_path / "a.csv", "activity", [activity("E1", amount="1000", country="GB")])
    import_records(ctx, "steelco", "activity", tmp_path / "a.csv")
    calculate_inventory(ctx, "steelco", 2024)
    sc = disclosures.document(ctx, "steelco", "cdp", 2024)["SC1.1"]
    assert [(x["requesting_member"], x["emissions_t"]) for x in sc] == [
        ("chipco", pytest.approx(600.0))
    ]
    assert sc[0]["allocation_method"].startswith("Allocation based on the market value")
