"""A global electronics manufacturer through the command line, as its analyst runs it: plants
in Taiwan, Germany and Malaysia, spend in TWD (a rate imported), KRW, EUR and MYR, a refrigerant
leak, NF3 fed to remote plasma cleaning, downstream freight, commuting and sold products. The
inventory is complete (nothing rejected, every category it has data for filled) and each of
its lines names the factor, the rate and the rule used."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from greenchain.entrypoints.cli.main import app
from tests.factories import purchase, supplier, write_csv

pytestmark = pytest.mark.slow

HEADER = (
    "activity_id,date,activity,amount,unit,country,gas,process,abatement,scope3_category,"
    "kwh_per_unit_year,lifetime_years\n"
)
ACTIVITY = (
    HEADER
    + """TW-EL,2025-12-31,electricity,52000000,kWh,TW,,,,,,
DE-EL,2025-12-31,electricity,8000000,kWh,DE,,,,,,
MY-EL,2025-12-31,electricity,1200000,kWh,MY,,,,,,
TW-GAS,2025-12-31,natural_gas,3000000,kWh,TW,,,,,,
TW-LEAK,2025-06-30,refrigerant_leak,12,kg,TW,R-410A,,,,,
TW-NF3,2025-06-30,process_gas,1000,kg,TW,NF3,remote_plasma_clean,0.9,,,
OUT-FREIGHT,2025-12-31,road_freight,250000,tonne.km,DE,,,,9,,
COMMUTE,2025-12-31,car_travel,2400000,km,TW,,,,7,,
SOLD-DE,2025-12-31,sold_product_use,48000,unit,DE,,,,,12,10
"""
)


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, factors_dir: Path):
    monkeypatch.setenv("GREENCHAIN_DB", str(tmp_path / "cli.db"))
    monkeypatch.setenv("GREENCHAIN_DATA_DIR", str(factors_dir.parent))
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def run(*args: str) -> object:
        result = runner.invoke(app, list(args), catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result

    return run


def test_a_manufacturer_in_taiwan_germany_and_malaysia_gets_a_complete_traceable_inventory(
    cli, tmp_path: Path
):
    cli("init")
    cli("org", "add", "formosa")
    cli("factors", "import")
    suppliers = [
        supplier("TW-WAFER", country="TW", naics_code="334413"),
        supplier("KR-GAS", country="KR", naics_code="325120"),
        supplier("DE-TOOLS", country="DE", naics_code="333242"),
        supplier("MY-PACK", country="MY", naics_code="322220"),
    ]
    write_csv(tmp_path / "s.csv", "suppliers", suppliers)
    cli("import", "suppliers", str(tmp_path / "s.csv"), "--org", "formosa")
    lines = [
        purchase("P-TWD", "TW-WAFER", date="2025-05-02", amount="31000000", currency="TWD",
                 naics_code="334413"),
        purchase("P-KRW", "KR-GAS", date="2025-06-03", amount="410000000", currency="KRW",
                 naics_code="325120"),
        purchase("P-EUR", "DE-TOOLS", date="2025-07-04", amount="820000", currency="EUR",
                 naics_code="333242", scope3_category="2"),
        purchase("P-MYR", "MY-PACK", date="2025-08-05", amount="390000", currency="MYR",
                 naics_code="322220"),
    ]  # fmt: skip
    write_csv(tmp_path / "p.csv", "purchases", lines)
    cli("import", "purchases", str(tmp_path / "p.csv"), "--org", "formosa")
    (tmp_path / "a.csv").write_text(ACTIVITY, encoding="utf-8")
    cli("import", "activity", str(tmp_path / "a.csv"), "--org", "formosa")
    (tmp_path / "twd.csv").write_text("currency,year,usd_per_unit\nTWD,2025,0.0307\n")
    cli("fx", "import", str(tmp_path / "twd.csv"), "--source", "CBC Taiwan")

    cli("calc", "--org", "formosa", "--year", "2025")
    result = cli("report", "inventory", "--org", "formosa", "--year", "2025", "--format", "json")
    report = json.loads(result.output)
    assert report["rejected_lines"] == 0
    assert report["rejected"] == []
    for category in ("1", "2", "3", "7", "9", "11"):
        assert report["by_category"][category] > 0, category
    assert report["by_gas"]["NF3"] > 0
    assert report["by_gas"]["HFCs"] > 0
    assert report["by_scope"]["1"] > 0
    assert report["by_scope"]["2_location"] > 0

    out = tmp_path / "lines.csv"
    cli("report", "inventory", "--org", "formosa", "--year", "2025", "--format", "csv",
        "--out", str(out))  # fmt: skip
    rows = {r["source_id"]: r for r in csv.DictReader(out.read_text(encoding="utf-8").splitlines())}
    # the TWD line names the imported rate and its source; every line names a factor or a rule
    assert float(rows["P-TWD"]["fx_usd_per_unit"]) == pytest.approx(0.0307)
    assert "CBC Taiwan" in rows["P-TWD"]["note"]
    assert float(rows["P-KRW"]["fx_usd_per_unit"]) > 0
    assert "Table I-20" in rows["TW-NF3"]["note"]
    assert "R-410A" in rows["TW-LEAK"]["factor_id"]
    assert rows["MY-EL"]["factor_set"] == "world-grid-ember"
    assert rows["SOLD-DE"]["scope3_category"] == "11"
    assert rows["OUT-FREIGHT"]["scope3_category"] == "9"
    assert rows["COMMUTE"]["scope3_category"] == "7"
    assert any(sid.startswith("TW-GAS#") for sid in rows)  # category 3 from the fuel
    for source_id, row in rows.items():
        assert row["factor_id"] or row["note"], source_id
