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
    return DemoResult(folder, imports, reports)
