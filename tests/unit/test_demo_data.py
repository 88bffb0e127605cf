"""The demo workspace generator: deterministic, realistic, consistent."""

from __future__ import annotations

import csv
from pathlib import Path

from greenchain.adapters.demo_data import write_demo_workspace


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_same_seed_writes_identical_files(tmp_path: Path):
    a = write_demo_workspace(tmp_path / "a", seed=7)
    b = write_demo_workspace(tmp_path / "b", seed=7)
    for name in ("suppliers", "purchases", "supplier_data", "activity", "product_footprints"):
        assert getattr(a, name).read_bytes() == getattr(b, name).read_bytes()
    c = write_demo_workspace(tmp_path / "c", seed=8)
    assert a.purchases.read_bytes() != c.purchases.read_bytes()


def test_demo_has_hundreds_of_suppliers_and_tens_of_thousands_of_lines(tmp_path: Path, factors_dir):
    files = write_demo_workspace(tmp_path)
    suppliers = _rows(files.suppliers)
    purchases = _rows(files.purchases)
    assert len(suppliers) == 300
    assert len(purchases) >= 20_000
    ids = {s["supplier_id"] for s in suppliers}
    assert all(p["supplier_id"] in ids for p in purchases)
    assert len({p["line_id"] for p in purchases}) == len(purchases)
    assert len({p["currency"] for p in purchases}) >= 5
    with (
        factors_dir
        / "epa-supply-chain-v1.3"
        / "SupplyChainGHGEmissionFactors_v1.3.0_NAICS_CO2e_USD2022.csv"
    ).open() as handle:
        codes = {r["2017 NAICS Code"] for r in csv.DictReader(handle)}
    assert {p["naics_code"] for p in purchases} <= codes
    assert all(p["date"][:4] == p["line_id"][3:7] for p in purchases)


def test_supplier_data_grows_from_the_first_to_the_second_year(tmp_path: Path):
    rows = _rows(write_demo_workspace(tmp_path).supplier_data)
    first = {r["supplier_id"] for r in rows if r["year"] == "2024"}
    second = {r["supplier_id"] for r in rows if r["year"] == "2025"}
    assert first < second


def test_the_european_site_burns_gas_under_the_eu_ets_and_biomass_besides(tmp_path: Path):
    activity = _rows(write_demo_workspace(tmp_path).activity)
    flagged = [r for r in activity if r["regulated_ets"] == "yes"]
    assert flagged
    assert {(r["activity"], r["country"]) for r in flagged} == {("natural_gas", "DE")}
    kinds = {r["activity"] for r in activity}
    assert {"wood_pellets", "biodiesel", "diesel", "natural_gas"} <= kinds
