"""Use cases of Scope 3 category exclusions: declare a category excluded from a year's
inventory with its justification, withdraw it, list them.

Why: the GHG Protocol Scope 3 Standard (6.3, 11.1) lets a company exclude a category that is
not relevant (or not material) if it discloses and justifies the exclusion. The next run of
the year carries the declared exclusions into its report, next to how each calculated
category was computed.
"""

from __future__ import annotations

from dataclasses import dataclass

from greenchain.domain.errors import ConflictError, InvalidDataError, NotFoundError
from greenchain.domain.inventory import SCOPE3_CATEGORY_NAMES, InventoryReport, readable
from greenchain.services.context import Context
from greenchain.services.ports import ExclusionStore

MIN_REASON, MAX_REASON = 10, 2000


@dataclass(frozen=True)
class Exclusion:
    category: int
    name: str
    reason: str
    declared_at: str


def _store(ctx: Context) -> ExclusionStore:
    if ctx.exclusions is None:  # pragma: no cover - wiring error
        raise RuntimeError("category exclusions are not wired in this context")
    return ctx.exclusions


def _check_category(category: int) -> None:
    if category not in SCOPE3_CATEGORY_NAMES:
        raise InvalidDataError(f"category must be 1 to 15, not {category}")


def exclude_category(ctx: Context, org_slug: str, year: int, category: int, reason: str) -> bool:
    """Declare ``category`` excluded from ``year``; True if new, False if the reason of an
    earlier declaration was replaced. A category the latest run calculated emissions in
    cannot be excluded."""
    _check_category(category)
    reason = " ".join(reason.split())
    if not MIN_REASON <= len(reason) <= MAX_REASON:
        raise InvalidDataError(
            f"the justification must have {MIN_REASON} to {MAX_REASON} characters: say why "
            "the category is not relevant (e.g. 'no franchises: the company does not franchise')"
        )
    org = ctx.workspace.get_org(org_slug)
    run_id = ctx.workspace.latest_run_id(org.id, year)
    if run_id is not None:
        run = ctx.workspace.get_run(org.id, run_id)
        found = InventoryReport.from_dict({**run.summary, "run_id": run.id}).by_category
        tonnes = found.get(str(category), 0.0)
        if tonnes > 0:
            raise ConflictError(
                f"category {category} has {readable(tonnes)} t CO2e in run {run_id} of {year}; "
                "only a category without calculated emissions can be excluded"
            )
    return _store(ctx).declare(org.id, year, category, reason, ctx.clock.now())


def withdraw_exclusion(ctx: Context, org_slug: str, year: int, category: int) -> None:
    _check_category(category)
    org = ctx.workspace.get_org(org_slug)
    if not _store(ctx).withdraw(org.id, year, category):
        raise NotFoundError(f"category {category} is not excluded from {year} for '{org_slug}'")


def list_exclusions(ctx: Context, org_slug: str, year: int) -> list[Exclusion]:
    org = ctx.workspace.get_org(org_slug)
    return [
        Exclusion(
            int(e["category"]),
            SCOPE3_CATEGORY_NAMES[int(e["category"])],
            str(e["reason"]),
            str(e["declared_at"])[:10],
        )
        for e in _store(ctx).of_year(org.id, year)
    ]
