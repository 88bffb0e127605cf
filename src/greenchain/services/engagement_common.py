"""What the buyer's and the supplier's side of a data request share: the engagement store, the
signed ledger entry of a decision, the digests of a sign-up token and of an answer, and the
download of an evidence file, which the supplier that uploaded it and every buyer it shares the
answer with may open.

Kept apart from ``services.engagement`` (the buyer's side) and ``services.supplier_answers``
(the supplier's side) so that both import it and neither imports the other. The answer digest
is the SHA-256 of the canonical ledger encoding (``domain.ledger.canonical_entry``), so a
submission and its acceptance name the same answer by the same hash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from greenchain.domain.access import Principal
from greenchain.domain.errors import NotFoundError
from greenchain.domain.ledger import canonical_entry
from greenchain.services.context import Context
from greenchain.services.ports import EngagementStore


def sha256_hex(text: str) -> str:
    """The hex SHA-256 of ``text``: sign-up tokens are stored only as this digest."""
    return hashlib.sha256(text.encode()).hexdigest()


def engagement_store(ctx: Context) -> EngagementStore:
    if ctx.engagement is None:  # pragma: no cover - wiring error
        raise RuntimeError("supplier engagement is not wired in this context")
    return ctx.engagement


def record_in_ledger(
    ctx: Context,
    org_id: int,
    org_slug: str,
    kind: str,
    payload: dict[str, Any],
    states: Sequence[tuple[str, int]] = (),
) -> None:
    """A signed ledger entry of ``org_slug`` (nothing when no ledger is wired)."""
    if ctx.ledger is not None:
        from greenchain.services import ledger

        ledger.record(ctx, org_id, org_slug, kind, payload, states=states)


def answers_digest(answers: Mapping[str, Any]) -> str:
    """The hex SHA-256 of an answer in the ledger's canonical encoding."""
    return hashlib.sha256(canonical_entry(dict(answers))).hexdigest()


def evidence_download(
    ctx: Context, principal: Principal, org_slug: str, recipient_id: int, evidence_id: int
) -> dict[str, Any]:
    """An evidence file, for the supplier that uploaded it or a buyer the answer is shared
    with."""
    store = engagement_store(ctx)
    member = principal.membership(org_slug)
    r = store.recipient(recipient_id)
    if r is None:
        raise NotFoundError(f"evidence {evidence_id} not found")
    response_id = r["response_id"]
    if not response_id and (
        ctx.workspace.supplier_org_of(int(r["buyer_org_id"]), str(r["supplier_id"]))
        == member.org_id
    ):
        # a request not answered yet: the supplier's answer of the year (answered once for
        # every customer) holds the evidence its page lists
        own = store.response(member.org_id, str(r["template"]), int(r["year"]))
        response_id = own["id"] if own else None
    if not response_id:
        raise NotFoundError(f"evidence {evidence_id} not found")
    response_id = int(response_id)
    response = store.response_by_id(response_id)
    allowed = response is not None and (
        int(response["supplier_org_id"]) == member.org_id
        or (
            int(r["buyer_org_id"]) == member.org_id
            and store.has_consent(response_id, member.org_id)
        )
    )
    found = store.evidence_file(response_id, evidence_id) if allowed else None
    if found is None:
        raise NotFoundError(f"evidence {evidence_id} not found")
    return found
