"""Which result lines of a calculation run a reader asks for.

Why: the line reader, the API's pages, a supplier's emissions by year and the verifier's
sample each need a part of a run's lines; saying which part in one value lets the store read
only that part (a run's lines can number tens of millions).
"""

from __future__ import annotations

from dataclasses import dataclass

#: Columns a reader may narrow, search, sum or group run lines by.
LINE_COLUMNS = frozenset(
    {
        "scope",
        "scope3_category",
        "source",
        "method",
        "supplier_id",
        "source_id",
        "factor_id",
        "factor_set",
        "note",
    }
)


@dataclass(frozen=True)
class LineSelection:
    """Each field that is set narrows the lines; ``text`` is found in any of ``searched``
    (case-insensitive)."""

    scope: str = ""
    category: int | None = None
    source: str = ""
    method: str = ""
    supplier_id: str = ""
    text: str = ""
    searched: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        unknown = set(self.searched) - LINE_COLUMNS
        if unknown:
            raise ValueError(f"lines cannot be searched by {', '.join(sorted(unknown))}")
