"""The demo workspace: a semiconductor buyer with its suppliers, built from generated files."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

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
    return DemoResult(folder, imports, reports)


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
