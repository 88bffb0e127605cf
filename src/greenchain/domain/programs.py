"""Supplier engagement programs run by one or more sponsoring buyers: which suppliers the
sponsors share, and how far the program's members have come.

* :func:`normalise_name` strips legal forms and punctuation so that "Tainan Silicon Co., Ltd."
  and "TAINAN SILICON CO LTD" compare equal;
* :func:`match_suppliers` pairs two sponsors' supplier lists: exact LEI, DUNS or VAT id first
  (confirmed at once), then the normalised name in the same country scored with rapidfuzz
  (``token_sort_ratio``), which a sponsor confirms or rejects in a review queue.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from rapidfuzz import fuzz

from greenchain.domain.errors import InvalidDataError

LEGAL_FORMS = frozenset(
    {
        "ab",
        "ag",
        "as",
        "bhd",
        "bv",
        "co",
        "company",
        "corp",
        "corporation",
        "gmbh",
        "inc",
        "incorporated",
        "kg",
        "kk",
        "limited",
        "llc",
        "llp",
        "lp",
        "ltd",
        "nv",
        "oy",
        "plc",
        "pte",
        "pty",
        "sa",
        "sas",
        "sdn",
        "spa",
        "srl",
        "the",
    }
)
NAME_MATCH_THRESHOLD = 90.0


def normalise_name(name: str) -> str:
    """Lower case, accents and punctuation removed, legal forms dropped, spaces collapsed."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    kept = [w for w in words if w not in LEGAL_FORMS]
    return " ".join(kept or words)


@dataclass(frozen=True)
class SupplierRef:
    supplier_id: str
    name: str
    country: str = ""
    lei: str | None = None
    duns: str | None = None
    vat_id: str | None = None


class MatchBasis(StrEnum):
    LEI = "lei"
    DUNS = "duns"
    VAT = "vat_id"
    NAME = "name_country"


@dataclass(frozen=True)
class Match:
    a: str  # supplier id at the first sponsor
    b: str  # supplier id at the second sponsor
    basis: MatchBasis
    score: float  # 100 for identifiers

    @property
    def needs_review(self) -> bool:
        return self.basis is MatchBasis.NAME


def match_suppliers(
    first: Sequence[SupplierRef],
    second: Sequence[SupplierRef],
    threshold: float = NAME_MATCH_THRESHOLD,
) -> list[Match]:
    """The suppliers two sponsors share. Each supplier appears in at most one match:
    identifier matches win over name matches; among name candidates the best score wins."""
    if not 0 < threshold <= 100:
        raise InvalidDataError(f"threshold {threshold} must be in (0, 100]")
    matches: list[Match] = []
    used_a: set[str] = set()
    used_b: set[str] = set()
    for basis, attr in (
        (MatchBasis.LEI, "lei"),
        (MatchBasis.DUNS, "duns"),
        (MatchBasis.VAT, "vat_id"),
    ):
        index: dict[str, str] = {}
        for s in second:
            key = (getattr(s, attr) or "").strip().upper()
            if key and s.supplier_id not in used_b:
                index.setdefault(key, s.supplier_id)
        for s in first:
            key = (getattr(s, attr) or "").strip().upper()
            other = index.get(key) if key else None
            if other and s.supplier_id not in used_a and other not in used_b:
                matches.append(Match(s.supplier_id, other, basis, 100.0))
                used_a.add(s.supplier_id)
                used_b.add(other)
    by_country: dict[str, list[tuple[str, str]]] = {}
    for s in second:
        if s.supplier_id not in used_b:
            by_country.setdefault(s.country.upper(), []).append(
                (s.supplier_id, normalise_name(s.name))
            )
    candidates: list[tuple[float, str, str]] = []
    for s in first:
        if s.supplier_id in used_a:
            continue
        name = normalise_name(s.name)
        for other_id, other_name in by_country.get(s.country.upper(), []):
            score = float(fuzz.token_sort_ratio(name, other_name))
            if score >= threshold:
                candidates.append((score, s.supplier_id, other_id))
    for score, a, b in sorted(candidates, key=lambda c: (-c[0], c[1], c[2])):
        if a not in used_a and b not in used_b:
            matches.append(Match(a, b, MatchBasis.NAME, round(score, 1)))
            used_a.add(a)
            used_b.add(b)
    return matches


class ProjectStatus(StrEnum):
    PLANNED = "planned"
    ACTIVE = "active"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


PROJECT_TYPES = (
    "renewable_electricity",
    "energy_efficiency",
    "material_substitution",
    "process_gas_abatement",
    "logistics",
    "circularity",
    "other",
)
ACTIVITY_KINDS = ("workshop", "meeting", "training", "forum")
