"""The demo workspace: a semiconductor buyer with its suppliers, built from generated files."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from greenchain.domain.access import Role
from greenchain.domain.errors import NotFoundError
from greenchain.domain.ghg import GwpSet
from greenchain.domain.inventory import InventoryReport
from greenchain.services.context import Context
from greenchain.services.factors import import_factor_sets
from greenchain.services.imports import ImportSummary, import_records
from greenchain.services.inventory import calculate_inventory

DEMO_ORG = "demo-semiconductor"
DEMO_ORG_NAME = "Lumen Semiconductor (demo)"
DEMO_YEARS = (2024, 2025)
DEMO_EMAIL = "analyst@lumen-semi.example"
DEMO_PASSWORD = "greenchain-demo"
IMPORT_ORDER = (
    ("suppliers", "suppliers"),
    ("purchases", "purchases"),
    ("activity", "activity"),
    ("product-footprints", "product_footprints"),
    ("energy-attributes", "energy_attributes"),
)


@dataclass(frozen=True)
class DemoResult:
    folder: Path
    imports: list[ImportSummary]
    reports: list[InventoryReport]


def build_demo_workspace(
    ctx: Context, folder: Path, *, seed: int = 2025, fresh: bool = False
) -> DemoResult:
    """Generate the demo files, import factors and files, and calculate both demo years: first
    on purchases and activity data alone, then again after the supplier data is imported."""
    ws = ctx.workspace
    if fresh:
        with contextlib.suppress(NotFoundError):
            ws.delete_org(ws.get_org(DEMO_ORG).id)
    if not ws.factor_ids("epa-supply-chain-v1.3"):
        import_factor_sets(ctx)
    try:
        ws.get_org(DEMO_ORG)
    except NotFoundError:
        ws.add_org(DEMO_ORG, DEMO_ORG_NAME, ctx.clock.now())
    if ctx.accounts is not None:
        from greenchain.services.accounts import add_user

        add_user(ctx, DEMO_EMAIL, DEMO_PASSWORD, DEMO_ORG, Role.ADMIN)
    files = ctx.demo_writer(folder, seed=seed)
    imports = [import_records(ctx, DEMO_ORG, kind, files[name]) for kind, name in IMPORT_ORDER]
    # First the spend-based picture, then the suppliers' reported data arrives: the second
    # run of each year records which spend estimates the supplier data replaced.
    for year in DEMO_YEARS:
        calculate_inventory(ctx, DEMO_ORG, year, GwpSet.AR5)
    imports.append(import_records(ctx, DEMO_ORG, "supplier-data", files["supplier_data"]))
    reports = [calculate_inventory(ctx, DEMO_ORG, year, GwpSet.AR5) for year in DEMO_YEARS]
    if ctx.ledger is not None:
        _demo_ledger(ctx, reports[-1])
    if ctx.targets is not None:
        _demo_targets(ctx, reports)
    return DemoResult(folder, imports, reports)


def _demo_targets(ctx: Context, reports: list[InventoryReport]) -> None:
    """Base year 2020 (before the platform: entered by hand, derived from the first run so the
    demo stays consistent with its generated data), revenue, and targets like those companies
    publish."""
    from greenchain.services import targets as t

    store = ctx.targets
    assert store is not None
    first = reports[0].by_scope
    base = {
        "1": first.get("1", 0.0) * 1.18 or 9_500.0,
        "2_market": first.get("2_market", 0.0) * 1.35 or 21_000.0,
        "2_location": first.get("2_location", 0.0) * 1.2 or 23_000.0,
        "3": first.get("3", 0.0) * 1.1,
    }
    for scope, value in base.items():
        t.add_history_total(ctx, store, DEMO_ORG, 2020, scope, round(value, 1), "2020 CDP response")
    for year, revenue in ((2020, 1.45e9), (2024, 1.92e9), (2025, 2.05e9)):
        t.add_history_revenue(ctx, store, DEMO_ORG, year, revenue, "USD")
    existing = {x["name"] for x in t.list_targets(ctx, store, DEMO_ORG)}
    targets: list[dict[str, Any]] = [
        dict(
            name="Scope 1+2 -42 % by 2030",
            kind="absolute",
            scopes=["1", "2_market"],
            base_year=2020,
            target_year=2030,
            reduction=0.42,
            submitted_year=2022,
        ),
        dict(
            name="Scope 3 -25 % by 2030",
            kind="absolute",
            scopes=["3"],
            base_year=2020,
            target_year=2030,
            reduction=0.25,
            coverage=0.7,
            submitted_year=2022,
        ),
        dict(
            name="Scope 1+2 intensity -60 % by 2030",
            kind="intensity",
            scopes=["1", "2_market"],
            base_year=2020,
            target_year=2030,
            reduction=0.6,
            denominator="revenue",
            submitted_year=2022,
        ),
        dict(
            name="Net zero 2050",
            kind="net_zero",
            scopes=["1", "2_market", "3"],
            base_year=2020,
            target_year=2050,
            reduction=0.9,
            coverage=0.95,
            neutralise_residual=True,
            submitted_year=2022,
        ),
    ]
    targets += [
        dict(
            name="100 % renewable electricity by 2030",
            kind="renewable_electricity",
            scopes=["2_market"],
            base_year=2020,
            target_year=2030,
            target_share=1.0,
            base_share=0.0,
            submitted_year=2022,
        ),
        dict(
            name="60 % of suppliers by emissions with SBTs by 2027",
            kind="supplier_engagement",
            scopes=["3"],
            base_year=2022,
            target_year=2027,
            target_share=0.6,
            base_share=0.05,
            engagement_basis="emissions",
            submitted_year=2022,
        ),
    ]
    for fields in targets:
        if fields["name"] not in existing:
            t.add_target(ctx, store, DEMO_ORG, **fields)
    t.save_scenario(
        ctx,
        store,
        DEMO_ORG,
        "2030 plan: suppliers, renewables, efficiency",
        {
            "until": 2030,
            "efficiency_rate": 0.03,
            "renewable_current": 0.26,
            "renewable_share": 1.0,
            "renewable_by": 2030,
            "supplier_share": 0.45,
            "supplier_rate": 0.042,
        },
    )


DEMO_VERIFIER = "demo-assurance"
DEMO_VERIFIER_EMAIL = "verifier@verity-assurance.example"
DEMO_PARTNER = "demo-osat-partner"


def _demo_ledger(ctx: Context, latest: InventoryReport) -> None:
    """Reduction claims of the demo company, reviewed by a verifier organisation, and the tree
    head co-signed by a partner company acting as witness."""
    from greenchain.services import ledger
    from greenchain.services.reductions import Claim, add_claim

    ws = ctx.workspace
    for slug, name in (
        (DEMO_VERIFIER, "Verity Assurance (demo verifier)"),
        (DEMO_PARTNER, "Keystone Assembly & Test (demo partner)"),
    ):
        try:
            ws.get_org(slug)
        except NotFoundError:
            ws.add_org(slug, name, ctx.clock.now())
    if ctx.accounts is not None:
        from greenchain.services.accounts import add_user

        add_user(ctx, DEMO_VERIFIER_EMAIL, DEMO_PASSWORD, DEMO_VERIFIER, Role.ANALYST)
    org = ws.get_org(DEMO_ORG)
    supplier = sorted(ws.supplier_ids(org.id))[0]
    year = DEMO_YEARS[-1]
    chiller = add_claim(
        ctx,
        DEMO_ORG,
        Claim(
            "Chiller heat recovery, fab 2",
            "2",
            year,
            1240.5,
            "Heat recovered from process chillers replaces gas boilers; metered 12 months.",
        ),
    )
    add_claim(
        ctx,
        DEMO_ORG,
        Claim(
            "Joint PFC abatement with supplier",
            "3",
            year,
            3815.0,
            "Point-of-use abatement installed at the supplier's etch tools, co-funded.",
            "project_result",
            supplier,
        ),
    )
    ledger.engage_verifier(ctx, DEMO_ORG, DEMO_VERIFIER)
    ledger.attest(
        ctx,
        DEMO_VERIFIER,
        chiller["ledger_seq"],
        ledger.Review(
            f"Reduction claim 'Chiller heat recovery, fab 2', {year}",
            assurance="limited",
            findings="Meter readings and boiler gas invoices reconciled; no misstatement found.",
        ),
    )
    run_entries = [
        e["seq"]
        for e in ctx.ledger.entries_of(org.id)  # type: ignore[union-attr]
        if e["kind"] == "calculation_run"
    ]
    ledger.attest(
        ctx,
        DEMO_VERIFIER,
        run_entries[-1],
        ledger.Review(
            f"GHG inventory {year} (run {latest.run_id}), Scope 1, 2 and 3",
            assurance="limited",
            findings="Spend-based Scope 3 estimates disclosed as such.",
        ),
    )
    assert ctx.keys is not None
    ledger.witness(ctx, ws.get_org(DEMO_PARTNER).id, ctx.keys.verify)
