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

from greenchain.domain.access import Principal
from greenchain.domain.errors import InvalidDataError, NotFoundError
from greenchain.domain.inventory import SCOPE_KEYS
from greenchain.domain.lines import LineSelection
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

    def selection(self) -> LineSelection:
        """The calculated lines this filter keeps."""
        return LineSelection(
            scope=self.scope,
            category=self.category,
            source=self.source,
            method=self.method,
            text=self.text,
            searched=SEARCHED,
        )

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
    if flt.rejected:
        return ctx.workspace.rejected_run_lines(org_id, run_id)
    table: pa.Table = ctx.workspace.select_run_lines(org_id, run_id, flt.selection()).rows
    return table


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
    offset = (page - 1) * per_page
    if flt.rejected:
        rejected = ctx.workspace.rejected_run_lines(org_id, run_id)
        total, kg = int(rejected.num_rows), 0.0
        rows = rejected.slice(offset, per_page).to_pylist()
    else:
        # the count, the tonnes and the page's lines in one read of the run's file
        found = ctx.workspace.select_run_lines(
            org_id, run_id, flt.selection(), offset=offset, limit=per_page, scope_asked=flt.scope
        )
        total, kg, rows = found.total, found.kg_co2e, found.rows.to_pylist()
    pages = max(1, -(-total // per_page))
    if page > pages:
        raise NotFoundError(f"page {page} is beyond the {pages} page(s) of these lines")
    return {
        "run_id": run_id,
        "total": total,
        "page": page,
        "pages": pages,
        "per_page": per_page,
        "t_co2e": kg / 1000.0,
        "rows": _with_factor_names(ctx, rows),
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
