"""CDP, GHG Protocol and IFRS S2 documents equal the stored run they name and a hand-computed
inventory; issued disclosures are stored with the SHA-256 their ledger entry records, marked
superseded by a newer run, and stay within their organisation.

Hand values (the factor sets' own check values, ../shared/data/README.md): US$100,000 of
purchases in 2022 under NAICS 331110 at 0.787 kg CO2e per 2022 USD (EPA supply-chain factors
v1.3, with margins) = 78.7 t CO2e in Scope 3 category 1; 10,000 kWh of UK grid electricity at
0.17700 kg CO2e/kWh (DEFRA 2025) = 1.77 t CO2e Scope 2 location-based.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from greenchain.adapters.db.disclosures import SqlDisclosures
from greenchain.adapters.disclosure_render import DisclosureRenderer
from greenchain.domain.errors import InvalidDataError, NotFoundError
from greenchain.services import disclosures, ledger
from greenchain.services import targets as target_service
from greenchain.services.context import Context
from greenchain.services.imports import import_records
from greenchain.services.inventory import calculate_inventory, get_inventory_report
from greenchain.services.orgs import add_organisation
from tests.factories import activity, purchase, supplier, supplier_report, write_csv

SPEND_T = 100_000 * 0.787 / 1000
GRID_T = 10_000 * 0.17700 / 1000
REVENUE = 10e6


def sql_store(ctx: Context) -> SqlDisclosures:
    return SqlDisclosures(ctx.workspace.engine)  # type: ignore[attr-defined]


@pytest.fixture
def acme(ctx: Context, tmp_path: Path) -> Context:
    add_organisation(ctx, "acme")
    write_csv(tmp_path / "s.csv", "suppliers", [supplier("S1")])
    import_records(ctx, "acme", "suppliers", tmp_path / "s.csv")
    write_csv(tmp_path / "p.csv", "purchases", [purchase("L1", date="2022-05-01", amount="100000")])
    import_records(ctx, "acme", "purchases", tmp_path / "p.csv")
    write_csv(
        tmp_path / "a.csv",
        "activity",
        [activity("A1", date="2022-02-01", amount="10000", country="GB")],
    )
    import_records(ctx, "acme", "activity", tmp_path / "a.csv")
    calculate_inventory(ctx, "acme", 2022)
    assert ctx.targets is not None
    target_service.add_history_revenue(ctx, ctx.targets, "acme", 2022, REVENUE, "USD")
    return ctx


def test_the_ghg_protocol_report_equals_the_hand_computed_inventory_and_names_its_run(
    acme: Context,
):
    doc = disclosures.document(acme, "acme", "ghg-protocol", 2022)
    report = get_inventory_report(acme, "acme", 2022)
    e = doc["emissions"]
    assert doc["basis"]["run_id"] == report.run_id
    categories = {c["category"]: c for c in doc["scope_3"]["categories"]}
    assert e["scope_3_t"] == pytest.approx(sum(c["t_co2e"] for c in categories.values()))
    assert e["scope_2_location_t"] == pytest.approx(GRID_T, rel=1e-6)
    assert e["scope_1_t"] == 0
    assert e["total_market_t"] == pytest.approx(report.total_t_co2e)
    by_gas = {g["gas"]: g for g in e["by_gas"]}
    assert sum(g["t_co2e"] for g in e["by_gas"]) == pytest.approx(report.total_t_co2e)
    assert by_gas["CO2"]["t_gas"] == pytest.approx(by_gas["CO2"]["t_co2e"])
    assert by_gas["CH4"]["t_gas"] == pytest.approx(by_gas["CH4"]["t_co2e"] / 28)  # AR5
    assert by_gas["HFCs"]["t_gas"] is None  # a family of gases: t CO2e only
    for scope in ("1", "2_location", "2_market", "3"):  # each scope split by gas
        split = sum(g[f"scope_{scope}_t"] for g in e["by_gas"])
        assert split == pytest.approx(report.by_scope[scope], abs=1e-5)
    first = categories[1]
    assert first["status"] == "included"
    assert first["t_co2e"] == pytest.approx(SPEND_T, rel=1e-6)
    assert first["share_from_value_chain_partners"] == 0
    assert first["methods"].startswith("Spend-based")
    # the electricity's upstream (well-to-tank, grid losses) is category 3
    assert categories[3]["status"] == "included"
    others = {c["status"] for n, c in categories.items() if n not in (1, 3)}
    assert others == {"no emissions calculated"}
    assert doc["boundaries"]["consolidation_approach"] == "operational control"
    assert "5 %" in doc["base_year"]["policy"]
    entry = json.loads(acme.ledger.entry(doc["basis"]["ledger_entry"])["entry"])  # type: ignore[union-attr]
    assert entry["payload"]["run_id"] == report.run_id


def test_the_scope_3_share_from_partners_data_is_the_categories_shares_over_all_of_scope_3(
    acme: Context, tmp_path: Path
):
    # a supplier reporting its own scopes 1 and 2 but not its upstream: its line is
    # supplier-specific, the upstream part filled in spend-based (not primary data)
    write_csv(
        tmp_path / "sd.csv",
        "supplier-data",
        [supplier_report("S1", year="2022", scope3_upstream_t="")],
    )
    import_records(acme, "acme", "supplier-data", tmp_path / "sd.csv")
    calculate_inventory(acme, "acme", 2022)
    doc = disclosures.document(acme, "acme", "ghg-protocol", 2022)
    s3 = doc["scope_3"]
    weighted = sum(
        (c["share_from_value_chain_partners"] or 0.0) * c["t_co2e"] for c in s3["categories"]
    ) / sum(c["t_co2e"] for c in s3["categories"])
    assert s3["share_from_value_chain_partners"] == pytest.approx(weighted)
    assert 0 < s3["primary_data_share"] < s3["share_from_value_chain_partners"]


def test_the_cdp_answers_sit_under_cdp_numbers_with_the_hand_computed_figures(acme: Context):
    doc = disclosures.document(acme, "acme", "cdp", 2022)
    assert doc["C0.2"] == {"start_date": "2022-01-01", "end_date": "2022-12-31"}
    assert doc["C6.1"]["gross_global_scope_1_t"] == 0
    assert doc["C6.3"]["scope_2_location_t"] == pytest.approx(GRID_T, rel=1e-6)
    category_1 = doc["C6.5"][0]
    assert category_1["evaluation_status"] == "Relevant, calculated"
    assert category_1["emissions_t"] == pytest.approx(SPEND_T, rel=1e-6)
    assert category_1["methodology"] == "Spend-based method"
    assert category_1["share_from_suppliers_or_value_chain_partners"] == 0
    assert doc["C6.5"][5]["emissions_t"] is None
    numerator = doc["C6.3"]["scope_2_market_t"]
    assert doc["C6.10"]["metric_numerator_t"] == pytest.approx(numerator)
    assert doc["C6.10"]["intensity_figure"] == pytest.approx(numerator / REVENUE)
    assert doc["C10.1"]["Scope 1"] == "No third-party verification or assurance"
    assert doc["C10.1a"] is None


def test_cdp_calls_a_category_not_relevant_only_when_it_was_excluded_with_a_reason(
    acme: Context,
):
    from greenchain.services.categories import exclude_category

    exclude_category(acme, "acme", 2022, 14, "no franchises")
    calculate_inventory(acme, "acme", 2022)
    status = {c["category"]: c for c in disclosures.document(acme, "acme", "cdp", 2022)["C6.5"]}
    assert status[14]["evaluation_status"] == "Not relevant, explanation provided"
    assert status[14]["explanation"] == "no franchises"
    # no data and no exclusion (processing of sold products): not evaluated, not "not relevant"
    assert status[10]["evaluation_status"] == "Not evaluated"


def test_the_ifrs_s2_metrics_are_the_gross_scopes_with_location_based_scope_2(acme: Context):
    doc = disclosures.document(acme, "acme", "ifrs-s2", 2022)
    metrics = doc["29(a)(i)"]
    included = doc["29(a)(vi)"]["categories_included"]
    assert [c["category"] for c in included] == [1, 3]
    assert included[0]["t_co2e"] == pytest.approx(SPEND_T, rel=1e-6)
    assert metrics["scope_3_t"] == pytest.approx(sum(c["t_co2e"] for c in included))
    assert metrics["scope_2_location_t"] == pytest.approx(GRID_T, rel=1e-6)
    assert metrics["total_t"] == pytest.approx(metrics["scope_3_t"] + GRID_T, rel=1e-6)
    assert "GHG Protocol Corporate Standard" in doc["29(a)(ii)"]
    assert doc["29(a)(iii)"]["inputs"]["gwp_set"].startswith("IPCC Fifth")


def test_a_signed_verification_statement_appears_in_every_document_of_that_run(acme: Context):
    add_organisation(acme, "assurer")
    ledger.engage_verifier(acme, "acme", "assurer")
    entry = disclosures.document(acme, "acme", "ifrs-s2", 2022)["basis"]["ledger_entry"]
    ledger.attest(acme, "assurer", entry, ledger.Review("inventory 2022", assurance="reasonable"))
    cdp = disclosures.document(acme, "acme", "cdp", 2022)
    assert cdp["basis"]["verification"]["verifier"] == "assurer"
    assert cdp["C10.1a"]["type"] == "Reasonable assurance"
    assert cdp["C10.1"]["Scope 3"] == "Third-party verification or assurance process in place"
    html = disclosures.render(cdp, "html", DisclosureRenderer()).decode()
    assert "Reasonable assurance" in html or "reasonable assurance by assurer" in html


def test_an_issued_disclosure_is_stored_with_the_sha256_its_ledger_entry_records(acme: Context):
    store = sql_store(acme)
    made = disclosures.issue(
        acme, store, "acme", "ghg-protocol", 2022, "xlsx", renderer=DisclosureRenderer()
    )
    assert made["sha256"] == hashlib.sha256(made["content"]).hexdigest()
    entry = json.loads(acme.ledger.entry(made["ledger_seq"])["entry"])  # type: ignore[union-attr]
    assert entry["kind"] == "disclosure"
    assert entry["payload"]["sha256"] == made["sha256"]
    assert entry["payload"]["run_id"] == made["run_id"]
    book = load_workbook(io.BytesIO(made["content"]))
    assert book.sheetnames[0] == "Basis"
    inventory = {row[0]: row[1] for row in book["Inventory"].iter_rows(values_only=True)}
    assert inventory["Scope 2 location-based (t CO2e)"] == pytest.approx(GRID_T)  # a number
    categories = list(book["Scope 3 categories"].iter_rows(values_only=True))
    assert categories[1][:4] == (
        1,
        "Purchased goods and services",
        "included",
        pytest.approx(SPEND_T),
    )


def test_a_newer_run_marks_the_disclosures_of_its_year_superseded(acme: Context):
    store = sql_store(acme)
    renderer = DisclosureRenderer()
    first = disclosures.issue(acme, store, "acme", "cdp", 2022, "json", renderer=renderer)
    assert disclosures.list_disclosures(acme, store, "acme")[0]["superseded_by"] is None
    newer = calculate_inventory(acme, "acme", 2022).run_id
    listed = disclosures.list_disclosures(acme, store, "acme")
    assert listed[0]["id"] == first["id"]
    assert listed[0]["superseded_by"] == newer
    assert listed[0]["ledger_seq"] == first["ledger_seq"]


def test_another_organisation_cannot_read_a_disclosure(acme: Context):
    store = sql_store(acme)
    made = disclosures.issue(
        acme, store, "acme", "ifrs-s2", 2022, "json", renderer=DisclosureRenderer()
    )
    add_organisation(acme, "other")
    with pytest.raises(NotFoundError):
        disclosures.get_disclosure(acme, store, "other", made["id"])
    assert disclosures.list_disclosures(acme, store, "other") == []


def test_a_run_of_another_year_or_an_unknown_kind_or_format_is_refused(acme: Context):
    renderer = DisclosureRenderer()
    store = sql_store(acme)
    run = get_inventory_report(acme, "acme", 2022).run_id
    with pytest.raises(InvalidDataError, match="inventory of 2022, not 2023"):
        disclosures.document(acme, "acme", "cdp", 2023, run)
    with pytest.raises(InvalidDataError, match="use one of esrs-e1"):
        disclosures.document(acme, "acme", "gri-305", 2022)
    with pytest.raises(InvalidDataError, match="format 'docx'"):
        disclosures.issue(acme, store, "acme", "cdp", 2022, "docx", renderer=renderer)
    assert store.disclosures(acme.workspace.get_org("acme").id) == []


def test_the_pdf_of_a_disclosure_is_a_pdf_with_its_figures_in_the_html(acme: Context):
    doc = disclosures.document(acme, "acme", "ghg-protocol", 2022)
    renderer = DisclosureRenderer()
    html = disclosures.render(doc, "html", renderer).decode()
    assert f"{SPEND_T:,.1f}" in html  # 78.7
    assert "not verified" in html
    assert disclosures.render(doc, "pdf", renderer).startswith(b"%PDF")
