"""Credit notes: a purchase line with a negative amount reduces the spend and the emissions of
its supplier and category (it is valued like spend, never as a product quantity); more credit
than purchases for a supplier in a year is an error naming the supplier, and no run is stored.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from greenchain.domain.errors import FileRejectedError, InvalidDataError
from greenchain.services.context import Context
from greenchain.services.imports import import_records
from greenchain.services.inventory import calculate_inventory, get_run_lines
from greenchain.services.orgs import add_organisation
from tests.factories import purchase, supplier, supplier_report, write_csv

#: kg CO2e per 2022 USD, NAICS 331110 (iron and steel mills), EPA supply-chain factors v1.3,
#: CO2e file "SupplyChainGHGEmissionFactors_v1.3.0_NAICS_CO2e_USD2022", with margins.
STEEL = 0.787


def _buyer(ctx: Context, tmp_path: Path, lines: list[dict[str, object]]) -> None:
    add_organisation(ctx, "acme")
    write_csv(tmp_path / "s.csv", "suppliers", [supplier("S1"), supplier("S2")])
    import_records(ctx, "acme", "suppliers", tmp_path / "s.csv")
    write_csv(tmp_path / "p.csv", "purchases", lines)
    import_records(ctx, "acme", "purchases", tmp_path / "p.csv")


def test_a_credit_note_reduces_the_spend_and_emissions_of_its_supplier_and_category(
    ctx: Context, tmp_path: Path
):
    _buyer(
        ctx,
        tmp_path,
        [
            purchase("L1", amount="1000", date="2022-05-01"),
            purchase("CN1", amount="-200", date="2022-06-01", description="credit note"),
            purchase("L2", "S2", amount="500", date="2022-05-01"),
        ],
    )
    report = calculate_inventory(ctx, "acme", 2022)
    by_supplier = {s.supplier_id: s for s in report.by_supplier}
    # (1,000 - 200) USD of 2022 x 0.787 kg/USD = 629.6 kg
    assert by_supplier["S1"].t_co2e == pytest.approx(0.8 * STEEL, abs=1e-6)
    assert by_supplier["S1"].spend_usd == pytest.approx(800.0)
    assert report.by_category["1"] == pytest.approx(1.3 * STEEL, abs=1e-6)
    lines = {r["source_id"]: r for r in get_run_lines(ctx, "acme", report.run_id).to_pylist()}
    assert lines["CN1"]["kg_co2e"] == pytest.approx(-200 * STEEL)
    assert "credit note" in lines["CN1"]["note"]


def test_a_credit_note_takes_back_the_hybrid_upstream_fill_of_its_amount(
    ctx: Context, tmp_path: Path
):
    _buyer(
        ctx,
        tmp_path,
        [
            purchase("L1", amount="10000", date="2022-05-01"),
            purchase("CN1", amount="-4000", date="2022-06-01"),
        ],
    )
    report_row = supplier_report("S1", year="2022", scope3_upstream_t="", verified="false")
    write_csv(tmp_path / "sd.csv", "supplier-data", [report_row])
    import_records(ctx, "acme", "supplier-data", tmp_path / "sd.csv")
    report = calculate_inventory(ctx, "acme", 2022)
    # net 6,000 USD: primary 6,000 / 1,000,000 x 150 t = 0.9 t; with the upstream fill the
    # line is the EEIO cradle-to-gate 6,000 x 0.787 kg = 4.722 t (see the hybrid test)
    assert report.total_t_co2e == pytest.approx(6000 * STEEL / 1000, abs=1e-6)
    assert report.primary_data_share == pytest.approx(0.9 / (6000 * STEEL / 1000), abs=1e-6)


def test_a_credit_note_of_a_product_line_is_valued_by_its_spend(ctx: Context, tmp_path: Path):
    line = purchase("CN1", amount="-100", date="2022-06-01", quantity="5", unit="kg")
    line["product_id"] = "P1"
    _buyer(ctx, tmp_path, [purchase("L1", amount="1000", date="2022-05-01"), line])
    write_csv(
        tmp_path / "pf.csv",
        "product-footprints",
        [
            {
                "product_id": "P1",
                "supplier_id": "S1",
                "declared_unit": "kg",
                "kg_co2e_per_unit": "2.0",
                "reference_year": "2022",
                "verified": "true",
            }
        ],
    )
    import_records(ctx, "acme", "product-footprints", tmp_path / "pf.csv")
    report = calculate_inventory(ctx, "acme", 2022)
    lines = {r["source_id"]: r for r in get_run_lines(ctx, "acme", report.run_id).to_pylist()}
    assert lines["CN1"]["method"] == "spend_based"
    assert lines["CN1"]["kg_co2e"] == pytest.approx(-100 * STEEL)


def test_more_credit_than_purchases_is_an_error_naming_the_supplier_and_stores_no_run(
    ctx: Context, tmp_path: Path
):
    _buyer(
        ctx,
        tmp_path,
        [
            purchase("L1", amount="1000", date="2022-05-01"),
            purchase("CN1", amount="-1500", date="2022-06-01"),
            purchase("L2", "S2", amount="500", date="2022-05-01"),
        ],
    )
    with pytest.raises(InvalidDataError, match=r"net spend below zero in 2022 for supplier S1 "):
        calculate_inventory(ctx, "acme", 2022)
    org = ctx.workspace.get_org("acme")
    assert ctx.workspace.latest_run(org.id, 2022) is None


def test_a_zero_amount_is_rejected_at_import(ctx: Context, tmp_path: Path):
    with pytest.raises(FileRejectedError) as caught:
        _buyer(ctx, tmp_path, [purchase("L1", amount="0"), purchase("L2", amount="-1e18")])
    described = [p.describe("p.csv") for p in caught.value.problems]
    assert (
        "p.csv: row 2, field 'amount': must not be 0 (a credit note is a negative amount)"
        in (described[0])
    )
    assert "row 3, field 'amount': beyond the plausibility limit ±1e+17" in described[1]
