"""Custom factor sets: a company's own factors (a national grid factor, a residual mix, a
utility's rate) win over the built-in ones for their activity, country and year; a row can
name one directly; runs record the set's version; a bad file is rejected whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from greenchain.domain.errors import FileRejectedError, InvalidDataError
from greenchain.services.context import Context
from greenchain.services.factors import import_custom_factors
from greenchain.services.imports import import_records
from greenchain.services.inventory import calculate_inventory, get_run_lines
from greenchain.services.orgs import add_organisation
from tests.factories import activity, purchase, supplier, write_csv

COLUMNS = ("factor_id", "activity", "unit", "country", "year", "kg_co2e", "scope")
#: Taiwan, Ministry of Economic Affairs, Energy Administration: electricity emission factor
#: 0.494 kg CO2e/kWh for 2023 and 0.495 for 2022 (as published; combustion basis).
TW_2023, TW_2022 = 0.494, 0.495
#: a residual mix of Germany, kg CO2e/kWh (illustrative value a user imports)
DE_RESIDUAL = 0.651
#: world grid, codecarbon 3.3.2 global_energy_mix.json row "DEU": 380.95 g/kWh
DE_GRID = 0.38095


def _factors(path: Path, rows: list[dict[str, object]]) -> Path:
    return write_csv(path, "activity", rows, COLUMNS)


def _tw_set(ctx: Context, tmp_path: Path, version: str = "2024-04") -> None:
    rows: list[dict[str, object]] = [
        {"factor_id": "tw-2023", "activity": "electricity", "unit": "kWh", "country": "TW",
         "year": 2023, "kg_co2e": TW_2023},
        {"factor_id": "tw-2022", "activity": "electricity", "unit": "kWh", "country": "TW",
         "year": 2022, "kg_co2e": TW_2022},
        {"factor_id": "de-rm-2024", "activity": "electricity_residual_mix", "unit": "MWh",
         "country": "DE", "year": 2024, "kg_co2e": DE_RESIDUAL * 1000},
    ]  # fmt: skip
    done = import_custom_factors(
        ctx, _factors(tmp_path / "f.csv", rows), set_key="tw-moea", version=version
    )
    assert (done.key, done.factor_count) == ("tw-moea", 3)


def _lines(ctx: Context, run_id: int) -> dict[str, dict[str, object]]:
    rows = get_run_lines(ctx, "acme", run_id, with_rejected=True).to_pylist()
    return {f"{r['source_id']}/{r['scope']}": r for r in rows}


def test_a_national_grid_factor_wins_over_the_world_grid_by_year(ctx: Context, tmp_path: Path):
    _tw_set(ctx, tmp_path)
    add_organisation(ctx, "acme")
    rows = [
        activity("E24", amount="1000", unit="MWh", country="TW", date="2024-06-30"),
        activity("E22", amount="1000", unit="MWh", country="TW", date="2022-06-30"),
        activity("N1", activity="tw-moea:tw-2022", amount="1000", unit="kWh", country="TW",
                 date="2024-06-30"),
    ]  # fmt: skip
    write_csv(tmp_path / "a.csv", "activity", rows)
    import_records(ctx, "acme", "activity", tmp_path / "a.csv")
    report = calculate_inventory(ctx, "acme", 2024)
    lines = _lines(ctx, report.run_id)
    # 2024 has no factor of its own: the latest earlier one (2023) is used
    assert lines["E24/2_location"]["factor_id"] == "tw-2023"
    assert lines["E24/2_location"]["kg_co2e"] == pytest.approx(1_000_000 * TW_2023)
    assert lines["N1/2_location"]["kg_co2e"] == pytest.approx(1000 * TW_2022)
    assert "tw-moea 2024-04" in report.factor_sets
    assert calculate_inventory(ctx, "acme", 2022).by_scope["2_location"] == pytest.approx(
        1000 * TW_2022
    )


def test_a_residual_mix_prices_the_electricity_no_instrument_covers(ctx: Context, tmp_path: Path):
    _tw_set(ctx, tmp_path)
    add_organisation(ctx, "acme")
    write_csv(
        tmp_path / "a.csv",
        "activity",
        [activity("D1", amount="100", unit="MWh", country="DE", date="2024-03-31")],
    )
    import_records(ctx, "acme", "activity", tmp_path / "a.csv")
    certificate = {
        "instrument_id": "GO-1", "instrument": "GO", "mwh": "40", "period_start": "2024-01-01",
        "period_end": "2024-12-31", "country": "DE", "registry": "AIB",
    }  # fmt: skip
    write_csv(tmp_path / "eac.csv", "energy-attributes", [certificate])
    import_records(ctx, "acme", "energy-attributes", tmp_path / "eac.csv")
    report = calculate_inventory(ctx, "acme", 2024)
    # location-based: 100 MWh at the world grid; market-based: 60 uncovered MWh at the
    # residual mix, the 40 MWh of the GO at zero
    assert report.by_scope["2_location"] == pytest.approx(100 * DE_GRID, rel=1e-6)
    assert report.by_scope["2_market"] == pytest.approx(60 * DE_RESIDUAL, rel=1e-6)
    note = str(_lines(ctx, report.run_id)["D1/2_market"]["note"])
    assert "the rest at the residual mix of DE (tw-moea:de-rm-2024)" in note


def test_a_reimport_replaces_the_set_and_the_run_names_the_new_version(
    ctx: Context, tmp_path: Path
):
    _tw_set(ctx, tmp_path, version="2024-04")
    _tw_set(ctx, tmp_path, version="2025-04")
    add_organisation(ctx, "acme")
    write_csv(tmp_path / "a.csv", "activity", [activity("E", unit="kWh", country="TW")])
    import_records(ctx, "acme", "activity", tmp_path / "a.csv")
    assert "tw-moea 2025-04" in calculate_inventory(ctx, "acme", 2024).factor_sets


def test_a_bad_custom_file_is_rejected_whole_and_set_names_are_checked(
    ctx: Context, tmp_path: Path
):
    rows: list[dict[str, object]] = [
        {"factor_id": "a", "activity": "electricity", "unit": "kWh", "country": "Taiwan",
         "year": 2023, "kg_co2e": "-1"},
    ]  # fmt: skip
    path = _factors(tmp_path / "bad.csv", rows)
    with pytest.raises(FileRejectedError) as caught:
        import_custom_factors(ctx, path, set_key="mine")
    described = " ".join(p.describe("bad.csv") for p in caught.value.problems)
    assert "row 2, field 'country': not a valid country (ISO 3166 alpha-2 code" in described
    assert "row 2, field 'kg_co2e': must be at least 0" in described
    assert "mine" not in {s["key"] for s in ctx.workspace.list_factor_sets()}
    with pytest.raises(InvalidDataError, match="'defra-2025' is a built-in factor set"):
        import_custom_factors(ctx, path, set_key="defra-2025")
    with pytest.raises(InvalidDataError, match="set name 'My Set'"):
        import_custom_factors(ctx, path, set_key="My Set")


def test_a_regional_spend_factor_calculates_suppliers_of_its_country_before_the_us_one(
    ctx: Context, tmp_path: Path
):
    # a country x sector factor a user derived from a multi-regional input-output model:
    # 0.9 kg CO2e per 2019 USD for semiconductor machinery (NAICS 333242) made in Taiwan
    columns = (*COLUMNS, "naics_code")
    rows: list[dict[str, object]] = [
        {"factor_id": "TW-333242", "activity": "spend", "unit": "USD", "country": "TW",
         "year": 2019, "kg_co2e": 0.9, "naics_code": "333242"},
    ]  # fmt: skip
    path = write_csv(tmp_path / "mrio.csv", "activity", rows, columns)
    import_custom_factors(ctx, path, set_key="mrio-tw", version="2019")
    add_organisation(ctx, "acme")
    write_csv(
        tmp_path / "s.csv",
        "suppliers",
        [supplier("TW1", country="TW"), supplier("US1", country="US")],
    )
    import_records(ctx, "acme", "suppliers", tmp_path / "s.csv")
    lines = [
        purchase("L-TW", "TW1", naics_code="333242", amount="10000", date="2024-05-01"),
        purchase("L-US", "US1", naics_code="333242", amount="10000", date="2024-05-01"),
    ]
    write_csv(tmp_path / "p.csv", "purchases", lines)
    import_records(ctx, "acme", "purchases", tmp_path / "p.csv")
    report = calculate_inventory(ctx, "acme", 2024)
    found = {r["source_id"]: r for r in get_run_lines(ctx, "acme", report.run_id).to_pylist()}
    taiwan = found["L-TW"]
    assert (taiwan["factor_set"], taiwan["factor_id"]) == ("mrio-tw", "TW-333242")
    cpi_2019, _ = ctx.conversions.cpi_index(2019)
    cpi_2024, _ = ctx.conversions.cpi_index(2024)
    assert taiwan["cpi_ratio"] == pytest.approx(cpi_2019 / cpi_2024)
    assert taiwan["kg_co2e"] == pytest.approx(10000 * cpi_2019 / cpi_2024 * 0.9)
    assert "regional spend-based factor of TW for NAICS 333242" in taiwan["note"]
    assert found["L-US"]["factor_set"] == "epa-supply-chain-v1.3"
    assert "mrio-tw 2019" in report.factor_sets


def test_a_spend_factor_needs_its_sector_and_dollars(ctx: Context, tmp_path: Path):
    rows: list[dict[str, object]] = [
        {"factor_id": "x", "activity": "spend", "unit": "EUR", "country": "DE", "year": 2020,
         "kg_co2e": 0.4},
    ]  # fmt: skip
    path = _factors(tmp_path / "bad.csv", rows)
    with pytest.raises(InvalidDataError, match=r"bad\.csv: row 2: a spend factor needs a naics"):
        import_custom_factors(ctx, path, set_key="mrio")
