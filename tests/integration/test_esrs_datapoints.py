"""The ESRS E1 datapoints the accounting builds from activity rows and the credit register:
Scope 1 under a regulated emissions trading scheme (E1-6 para. 48(b)), biogenic CO2 apart
from the scopes (E1-6 AR 43(c)), the energy content of fuels (E1-5 para. 37-38) and the
corresponding adjustment and location of credits (E1-7 para. 59-60); each stored with the
run and disclosed from it. Expected values are computed by hand from the cited factor rows."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest

from greenchain.adapters.signing import verify_signature
from greenchain.domain.errors import FileRejectedError, InvalidDataError
from greenchain.domain.ledger import canonical_entry
from greenchain.services import cdp, disclosure, ledger
from greenchain.services import targets as target_service
from greenchain.services.context import Context
from greenchain.services.imports import import_records
from greenchain.services.inventory import calculate_inventory, get_run_lines
from greenchain.services.orgs import add_organisation
from tests.factories import activity, write_csv

#: DEFRA 2025 flat file, "Fuels / Gaseous fuels / Natural gas", kWh (Gross CV), kg CO2e
#: (row 1_100_1004_6_1).
GAS_KG_PER_KWH = 0.18296


def _calculate(ctx: Context, tmp_path: Path, rows: list[dict[str, object]]):
    add_organisation(ctx, "acme")
    write_csv(tmp_path / "a.csv", "activity", rows)
    import_records(ctx, "acme", "activity", tmp_path / "a.csv")
    return calculate_inventory(ctx, "acme", 2024)


def test_scope_1_under_a_regulated_ets_is_stored_with_the_run_and_disclosed_as_a_share(
    ctx: Context, tmp_path: Path
):
    report = _calculate(
        ctx,
        tmp_path,
        [
            activity("N1", activity="natural_gas", amount="10000", regulated_ets="yes"),
            activity("N2", activity="natural_gas", amount="30000", regulated_ets="no"),
            activity("E1", amount="5000", regulated_ets="1"),  # Scope 2: not in the share
        ],
    )
    assert report.scope_1_regulated_ets_t == pytest.approx(10000 * GAS_KG_PER_KWH / 1000)
    assert report.by_scope["1"] == pytest.approx(40000 * GAS_KG_PER_KWH / 1000)
    assert report.scope_1_regulated_ets_share == pytest.approx(0.25)
    rows = get_run_lines(ctx, "acme", report.run_id).to_pylist()
    lines = {(r["source_id"], r["scope"]): r for r in rows}
    assert lines[("N1", "1")]["regulated_ets"] is True
    assert lines[("N2", "1")]["regulated_ets"] is False
    e16 = disclosure.esrs_e1(ctx, "acme", 2024)["E1-6"]
    assert e16["scope_1_regulated_ets_share"] == pytest.approx(0.25)
    assert e16["scope_1_regulated_ets_t"] == pytest.approx(1.8296)
    assert (
        "scope_1_regulated_ets_share" not in disclosure.esrs_e1(ctx, "acme", 2024)["not_reported"]
    )


def test_the_ets_flag_is_read_under_its_short_heading_and_no_scope_1_gives_no_share(
    ctx: Context, tmp_path: Path
):
    (tmp_path / "a.csv").write_text(
        "activity_id,date,activity,amount,unit,country,ets\n"
        "E1,2024-03-31,electricity,1000,kWh,GB,true\n",
        encoding="utf-8",
    )
    add_organisation(ctx, "acme")
    import_records(ctx, "acme", "activity", tmp_path / "a.csv")
    report = calculate_inventory(ctx, "acme", 2024)
    lines = get_run_lines(ctx, "acme", report.run_id).to_pylist()
    line = next(r for r in lines if r["source_id"] == "E1" and r["scope"] == "2_location")
    assert line["regulated_ets"] is True
    assert report.scope_1_regulated_ets_t == 0
    assert report.scope_1_regulated_ets_share is None  # no Scope 1 at all


def test_a_bad_ets_value_is_refused_naming_file_row_and_field(ctx: Context, tmp_path: Path):
    add_organisation(ctx, "acme")
    write_csv(
        tmp_path / "sites.csv",
        "activity",
        [activity("N1", activity="natural_gas"), activity("N2", regulated_ets="maybe")],
    )
    with pytest.raises(FileRejectedError) as caught:
        import_records(ctx, "acme", "activity", tmp_path / "sites.csv")
    message = caught.value.message
    assert "sites.csv" in message
    assert "row 3, field 'regulated_ets'" in message
    assert "maybe" in message


#: DEFRA 2025 flat file, kg per unit: "Bioenergy / Biomass / Wood pellets" tonnes, CH4 and N2O
#: only (ID 2_104_1045_15_1, 55.19389 kg CO2e) and its "Outside of scopes" CO2 (ID
#: 99_104_1045_15_2, 1,677.18 kg); "Fuels / Liquid fuels / Diesel (average biofuel blend)"
#: litres (ID 1_101_1011_8_1, 2.57082 kg CO2e) and the CO2 of its biofuel part (ID
#: 99_604_1011_8_2, 0.14 kg). EPA Emission Factors Hub 2025, Table 1, "Biomass Fuels - Liquid /
#: Biodiesel (100%)": 9.45 kg CO2, 0.14 g CH4 and 0.01 g N2O per gallon.
PELLETS_S1, PELLETS_BIO = 55.19389, 1677.18
DIESEL_S1, DIESEL_BIO = 2.57082, 0.14
BIODIESEL_S1 = 0.14 * 28 / 1000 + 0.01 * 265 / 1000  # AR5 GWP100: CH4 28, N2O 265
BIODIESEL_BIO = 9.45


def test_the_co2_of_burning_biomass_is_reported_apart_and_not_in_the_scopes(
    ctx: Context, tmp_path: Path
):
    report = _calculate(
        ctx,
        tmp_path,
        [
            activity("W1", activity="wood_pellets", amount="10", unit="tonnes"),
            activity("D1", activity="diesel", amount="1000", unit="litres"),
            activity("B1", activity="biodiesel", amount="100", unit="gallon", country="US"),
        ],
    )
    assert report.by_scope["1"] == pytest.approx(
        (10 * PELLETS_S1 + 1000 * DIESEL_S1 + 100 * BIODIESEL_S1) / 1000, abs=1e-6
    )
    assert report.biogenic_co2_t == pytest.approx(
        (10 * PELLETS_BIO + 1000 * DIESEL_BIO + 100 * BIODIESEL_BIO) / 1000, abs=1e-6
    )
    assert report.biogenic_co2_t == pytest.approx(17.8568, abs=1e-6)
    assert report.total_t_co2e == pytest.approx(
        report.by_scope["1"] + report.by_scope["2_market"] + report.by_scope["3"]
    )
    lines = {
        (r["source_id"], r["scope"]): r
        for r in get_run_lines(ctx, "acme", report.run_id).to_pylist()
    }
    assert lines[("W1", "1")]["kg_biogenic_co2"] == pytest.approx(16771.8)
    assert lines[("W1", "1")]["kg_co2"] == 0  # no fossil CO2 in the biomass line
    doc = disclosure.esrs_e1(ctx, "acme", 2024)
    assert doc["E1-6"]["biogenic_co2_t"] == pytest.approx(17.8568, abs=1e-6)
    assert "biogenic_co2_t" not in doc["not_reported"]


def test_an_epa_biomass_factor_named_directly_keeps_its_co2_out_of_scope_1(
    ctx: Context, tmp_path: Path
):
    # EPA Hub 2025 Table 1, "Wood and Wood Residuals": 1,640 kg CO2, 126 g CH4, 63 g N2O per
    # short ton
    report = _calculate(
        ctx,
        tmp_path,
        [
            activity(
                "W1",
                activity="epa-hub-2025:stationary:wood-and-wood-residuals:short-ton",
                amount="2",
                unit="short ton",
                country="US",
            )
        ],
    )
    assert report.by_scope["1"] == pytest.approx(2 * (126 * 28 + 63 * 265) / 1e6, abs=1e-6)
    assert report.biogenic_co2_t == pytest.approx(2 * 1640 / 1000)


def test_the_energy_of_fuels_is_stored_by_group_and_disclosed_with_the_renewable_share(
    ctx: Context, tmp_path: Path
):
    report = _calculate(
        ctx,
        tmp_path,
        [
            activity("N1", activity="natural_gas", amount="20000", unit="kWh"),
            activity("D1", activity="diesel", amount="1000", unit="litres"),
            activity("W1", activity="wood_pellets", amount="3", unit="tonnes"),
            activity("E1", amount="50000", unit="kWh"),
        ],
    )
    # natural gas in kWh counts as given: 20 MWh. Diesel: 1,000 litres x 0.83254 kg/l
    # (DEFRA 2025: 2.57082 kg CO2e per litre / 3,087.94462 per tonne, IDs 1_101_1011_8_1 and
    # 1_101_1011_15_1) x 43.0 MJ/kg (IPCC 2006 Vol. 2 Table 1.2, "Gas/Diesel Oil") / 3,600
    # = 9.944228 MWh. Wood pellets: 3 t x 15.6 MJ/kg ("Wood/Wood Waste") = 13 MWh.
    diesel_mwh = 1000 * 0.83254 * 43.0 / 3600
    assert diesel_mwh == pytest.approx(9.944228, abs=1e-6)
    fuels = report.fuel_energy_mwh
    assert fuels is not None
    assert fuels["natural_gas"] == pytest.approx(20.0)
    assert fuels["crude_oil_and_petroleum_products"] == pytest.approx(diesel_mwh, abs=1e-3)
    assert fuels["renewable_fuels"] == pytest.approx(13.0)
    assert fuels["coal_and_coal_products"] == 0
    e15 = disclosure.esrs_e1(ctx, "acme", 2024)["E1-5"]
    assert e15["fossil_energy_mwh"] == pytest.approx(20 + diesel_mwh, abs=1e-3)
    assert e15["fossil_energy_by_group_mwh"]["natural_gas"] == pytest.approx(20.0)
    assert e15["renewable_fuels_mwh"] == pytest.approx(13.0)
    total = 20 + diesel_mwh + 13 + 50
    assert e15["total_energy_mwh"] == pytest.approx(total, abs=1e-3)
    # no instruments: the only renewable energy is the wood
    assert e15["share_renewable_energy"] == pytest.approx(13 / total, abs=1e-6)


def _retire(ctx: Context, start: int, quantity: float, project_type: str, **extra: object):
    assert ctx.targets is not None
    return target_service.retire_credit(
        ctx,
        ctx.targets,
        "acme",
        registry="Verra",
        serial_start=start,
        serial_end=start + int(quantity) - 1,
        vintage=2023,
        project_type=project_type,
        standard="VCS",
        quantity_t=quantity,
        retired_for="acme 2024",
        **({"cancelled_on": dt.date(2024, 11, 30)} | extra),  # type: ignore[arg-type]
    )


def test_credits_are_disclosed_with_their_corresponding_adjustment_and_location(
    ctx: Context, tmp_path: Path
):
    _calculate(ctx, tmp_path, [activity("E1")])
    _retire(ctx, 1, 100, "removal", corresponding_adjustment=True, location="DE")
    _retire(ctx, 1001, 60, "avoidance", corresponding_adjustment=False, location="non-EU")
    _retire(ctx, 2001, 40, "avoidance")
    e17 = disclosure.esrs_e1(ctx, "acme", 2024)["E1-7"]
    assert e17["credits_retired_t"] == 200
    assert e17["with_corresponding_adjustment_t"] == 100
    assert e17["without_corresponding_adjustment_t"] == 60
    assert e17["corresponding_adjustment_not_known_t"] == 40
    assert e17["from_eu_projects_t"] == 100  # DE is an EU member state
    assert e17["from_non_eu_projects_t"] == 60
    assert e17["location_not_known_t"] == 40
    assert e17["share_with_corresponding_adjustment"] == pytest.approx(0.5)
    assert e17["share_from_eu_projects"] == pytest.approx(0.5)
    first = e17["credits"][0]
    assert (first["corresponding_adjustment"], first["location"]) == (True, "EU")
    assert (e17["credits"][2]["corresponding_adjustment"], e17["credits"][2]["location"]) == (
        None,
        None,
    )
    assert ledger.verify(ctx, verify_signature) == []


def test_a_credit_location_is_eu_non_eu_or_a_country(ctx: Context, tmp_path: Path):
    add_organisation(ctx, "acme")
    assert _retire(ctx, 1, 5, "removal", location="br")["location"] == "non-EU"
    with pytest.raises(InvalidDataError, match="must be EU, non-EU"):
        _retire(ctx, 10, 5, "removal", location="Europe")


def test_a_credit_recorded_before_the_new_fields_keeps_its_ledger_digest():
    row = {"id": 1, "org_id": 1, "registry": "Verra", "serial_start": 1, "serial_end": 10,
           "vintage": 2023, "project_type": "removal", "standard": "VCS", "quantity_t": 10.0,
           "retired_for": "acme"}  # fmt: skip
    # the digest as recorded before the fields were added: the eight fields and the keys
    before = hashlib.sha256(canonical_entry(row)).hexdigest()
    assert ledger.row_digest("carbon_credits", row) == before
    empty = {**row, "corresponding_adjustment": None, "location": None, "cancelled_on": None}
    assert ledger.row_digest("carbon_credits", empty) == before
    assert ledger.row_digest("carbon_credits", {**row, "location": "EU"}) != before


def test_e1_7_reports_the_credits_cancelled_in_the_reporting_year_not_the_whole_register(
    ctx: Context, tmp_path: Path
):
    _calculate(ctx, tmp_path, [activity("E1")])
    _retire(ctx, 1, 100, "removal")  # cancelled 2024-11-30
    _retire(ctx, 1001, 60, "avoidance", cancelled_on=dt.date(2025, 1, 10))
    _retire(ctx, 2001, 40, "avoidance", cancelled_on=dt.date(2023, 6, 1))
    e17 = disclosure.esrs_e1(ctx, "acme", 2024)["E1-7"]
    assert e17["credits_retired_t"] == 100
    assert e17["removals_t"] == 100
    assert e17["reductions_t"] == 0
    assert [c["serial_start"] for c in e17["credits"]] == [1]
    assert e17["credits"][0]["cancelled_on"] == "2024-11-30"
    assert e17["credits_cancelled_in_other_years"] == 2
    # CDP C11.2a lists the same blocks
    assert [c["serials"] for c in cdp.cdp(ctx, "acme", 2024)["C11.2a"]] == ["1-100"]
    # the date is part of what the ledger vouches for
    assert ledger.verify(ctx, verify_signature) == []


def test_a_cancellation_date_in_the_future_or_before_the_vintage_is_refused(
    ctx: Context, tmp_path: Path
):
    add_organisation(ctx, "acme")
    with pytest.raises(InvalidDataError, match="in the future"):
        _retire(ctx, 1, 5, "removal", cancelled_on=dt.date(2027, 1, 1))
    with pytest.raises(InvalidDataError, match="before its vintage 2023"):
        _retire(ctx, 1, 5, "removal", cancelled_on=dt.date(2022, 12, 31))
    # without a date the block is cancelled today (the clock's 2026-03-01)
    assert _retire(ctx, 1, 5, "removal", cancelled_on=None)["cancelled_on"] == "2026-03-01"
