"""Read-side use cases for the HTML pages: the dashboard of a reporting year, a supplier's
emissions split by calculation method over the years, and whether an organisation takes part
only as a supplier (its navigation and landing page follow).

Every function takes the acting principal and checks the membership first, so a page of
another organisation answers "not found" before anything is read.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from greenchain.domain.access import Membership, Principal
from greenchain.domain.inventory import InventoryReport
from greenchain.domain.lines import LineSelection
from greenchain.services import inventory as inventory_service
from greenchain.services.context import Context


@dataclass(frozen=True)
class Dashboard:
    """What the dashboard shows for one reporting year.

    ``report`` is ``None`` when no calculation run exists for ``year``; ``previous`` is the
    latest run of ``year - 1`` when there is one (for the change against the previous year).
    """

    member: Membership
    year: int
    years: list[int]
    report: InventoryReport | None
    previous: InventoryReport | None

    @property
    def change_fraction(self) -> float | None:
        """Total of ``year`` against the previous year's total, as a fraction (0.05 = +5 %)."""
        if self.report is None or self.previous is None or not self.previous.total_t_co2e:
            return None
        return self.report.total_t_co2e / self.previous.total_t_co2e - 1


def get_dashboard(
    ctx: Context, principal: Principal, org_slug: str, year: int | None, default_year: int
) -> Dashboard:
    """The latest runs of ``year`` and ``year - 1``; without a year, the most recent one with a
    run (else ``default_year``)."""
    member = principal.membership(org_slug)
    years = sorted(ctx.workspace.run_years(member.org_id), reverse=True)
    chosen = year if year is not None else (years[0] if years else default_year)
    report = previous = None
    if chosen in years:
        report = inventory_service.get_inventory_report(ctx, org_slug, chosen)
        if chosen - 1 in years:
            previous = inventory_service.get_inventory_report(ctx, org_slug, chosen - 1)
    return Dashboard(member, chosen, years, report, previous)


def get_supplier_emissions_by_method(
    ctx: Context, principal: Principal, org_slug: str, supplier_id: str
) -> list[dict[str, Any]]:
    """Per reporting year (latest run of each), the supplier's emissions in tonnes CO2e by
    calculation method, summed over its result lines:
    ``[{"year", "run_id", "t_co2e", "by_method": {method: t_co2e}}]``, oldest year first."""
    member = principal.membership(org_slug)
    latest: dict[int, int] = {}
    for run in ctx.workspace.list_runs(member.org_id):
        if run.year not in latest or run.id > latest[run.year]:
            latest[run.year] = run.id
    result = []
    for year in sorted(latest):
        sums = ctx.workspace.run_line_sums(
            member.org_id, latest[year], ["method"], LineSelection(supplier_id=supplier_id)
        )
        by_method: dict[str, float] = defaultdict(float)
        for row in sums:
            by_method[str(row["method"])] += float(row["kg_co2e"] or 0.0) / 1000
        if by_method:
            result.append(
                {
                    "year": year,
                    "run_id": latest[year],
                    "t_co2e": sum(by_method.values()),
                    "by_method": dict(by_method),
                }
            )
    return result


def org_roles(ctx: Context, principal: Principal, org_slug: str) -> dict[str, bool]:
    """What ``org_slug`` does here (``buys``, ``supplies``, ``verifies``), so that each sees
    the pages it uses: a supplier without buyer data its portal, a verifier its engagements."""
    member = principal.membership(org_slug)
    return ctx.workspace.org_roles(member.org_id)


def received_footprints(ctx: Context, principal: Principal, org_slug: str) -> list[dict[str, Any]]:
    """The suppliers' product footprints the organisation holds, with the purchase lines that
    use them (``Workspace.received_footprints``)."""
    member = principal.membership(org_slug)
    return ctx.workspace.received_footprints(member.org_id)
