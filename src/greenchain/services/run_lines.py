"""The lines of a calculation run as a person reads them: every figure of the inventory back to
the input line, the factor, the exchange rate and the rule used, filtered by scope, Scope 3
category, source, method, supplier or text, one page at a time, and downloadable as shown.

Why: an inventory is only trusted when each tonne can be followed to its origin (GHG Protocol
Corporate Standard ch. 8, "transparency"; the verifier samples lines). The run keeps its lines
as stored (runs never change), so reading them never recalculates anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from greenchain.domain.access import Principal
from greenchain.domain.errors import InvalidDataError, NotFoundError
from greenchain.domain.inventory import SCOPE_KEYS
from greenchain.services.context import Context

#: Where a line comes from, in words (the ``source`` column).
SOURCES: dict[str, str] = {
    "purchase": "Purchase line",
    "activity": "Activity",
    "upstream": "Fuel and energy upstream (category 3)",
}
METHODS: tuple[str, ...] = ("product_level", "supplier_specific", "average_data", "spend_based")
#: Columns searched by the free-text filter.
SEARCHED: tuple[str, ...] = ("source_id", "supplier_id", "factor_id", "factor_set", "note")


@dataclass(frozen=True)
class LineFilter:
    """What the reader narrows the lines to; empty fields do not filter. ``rejected`` shows the
    input lines that were not calculated, with their reason, instead of the calculated ones."""

    scope: str = ""
    category: int | None = None
    source: str = ""
    method: str = ""
    text: str = ""
    rejected: bool = False

    def __post_init__(self) -> None:
        if self.scope and self.scope not in SCOPE_KEYS:
            raise InvalidDataError(f"scope '{self.scope}' is not one of {', '.join(SCOPE_KEYS)}")
        if self.category is not None and not 1 <= self.category <= 15:
            raise InvalidDataError(f"Scope 3 category {self.category} is not 1 to 15")
        if self.source and self.source not in SOURCES:
            raise InvalidDataError(f"source '{self.source}' is not one of {', '.join(SOURCES)}")
        if self.method and self.method not in METHODS:
            raise InvalidDataError(f"method '{self.method}' is not one of {', '.join(METHODS)}")
        if len(self.text) > 200:
            raise InvalidDataError("the search text is longer than 200 characters")

    @property
    def active(self) -> bool:
        return bool(
            self.scope
            or self.category is not None
            or self.source
            or self.method
            or self.text.strip()
            or self.rejected
        )


def filtered_lines(
    ctx: Context, principal: Principal, org_slug: str, run_id: int, flt: LineFilter
) -> pa.Table:
    """The run's lines (tenant-checked) that pass ``flt``, in the run's order."""
    return filter_lines(ctx, principal.membership(org_slug).org_id, run_id, flt)


def filter_lines(ctx: Context, org_id: int, run_id: int, flt: LineFilter) -> pa.Table:
    """The lines of the organisation's run that pass ``flt`` (the caller checked access)."""
    table = ctx.workspace.run_lines(org_id, run_id, with_rejected=flt.rejected)
    if flt.rejected:
        return table.filter(pc.is_valid(table["reject_reason"]))
    mask = None

    def narrow(condition: Any) -> None:
        nonlocal mask
        mask = condition if mask is None else pc.and_(mask, condition)

    if flt.scope:
        narrow(pc.equal(table["scope"], flt.scope))
    if flt.category is not None:
        narrow(pc.equal(table["scope3_category"], flt.category))
    if flt.source:
        narrow(pc.equal(pc.cast(table["source"], pa.string()), flt.source))
    if flt.method:
        narrow(pc.equal(pc.cast(table["method"], pa.string()), flt.method))
    needle = flt.text.strip()
    if needle:
        found = None
        for name in SEARCHED:
            column = pc.cast(table[name], pa.string())
            hit = pc.fill_null(pc.match_substring(column, needle, ignore_case=True), False)
            found = hit if found is None else pc.or_(found, hit)
        narrow(found)
    return table if mask is None else table.filter(pc.fill_null(mask, False))


def lines_page(
    ctx: Context,
    principal: Principal,
    org_slug: str,
    run_id: int,
    flt: LineFilter,
    page: int = 1,
    per_page: int = 100,
) -> dict[str, Any]:
    """One page of the filtered lines, with how many there are and their tonnes."""
    return page_of(ctx, principal.membership(org_slug).org_id, run_id, flt, page, per_page)


def page_of(
    ctx: Context, org_id: int, run_id: int, flt: LineFilter, page: int = 1, per_page: int = 100
) -> dict[str, Any]:
    """One page of the organisation's filtered lines (the caller checked access)."""
    table = filter_lines(ctx, org_id, run_id, flt)
    total = int(table.num_rows)
    pages = max(1, -(-total // per_page))
    if page > pages:
        raise NotFoundError(f"page {page} is beyond the {pages} page(s) of these lines")
    return {
        "run_id": run_id,
        "total": total,
        "page": page,
        "pages": pages,
        "per_page": per_page,
        "t_co2e": _tonnes(table, flt),
        "rows": _with_factor_names(ctx, table.slice((page - 1) * per_page, per_page).to_pylist()),
    }


def _with_factor_names(ctx: Context, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each row with ``factor_name``: the published name of its factor where the factor set is
    in the library (an id such as DEFRA's ``1_100_1004_6`` says nothing to a reader)."""
    wanted = {
        (str(r["factor_set"]), str(r["factor_id"]))
        for r in rows
        if r.get("factor_set") and r.get("factor_id")
    }
    labels = ctx.workspace.factor_labels(wanted) if wanted else {}
    for r in rows:
        label = labels.get((str(r.get("factor_set")), str(r.get("factor_id"))))
        r["factor_name"] = label["name"] if label else None
    return rows


def _tonnes(table: pa.Table, flt: LineFilter) -> float:
    """Tonnes of the lines as the inventory adds them: location-based Scope 2 lines sit beside
    the market-based ones and are added only when they are what the reader asked for."""
    if flt.rejected or table.num_rows == 0:
        return 0.0
    if flt.scope != "2_location":
        table = table.filter(pc.fill_null(pc.not_equal(table["scope"], "2_location"), True))
    return float(pc.sum(table["kg_co2e"]).as_py() or 0.0) / 1000.0
