"""Reduction claims: a reduction activity or the result of a reduction project, in tonnes CO2e
avoided in a year, recorded in the transparency log so that a verifier can review it. A claim
never changes the inventory: it is evidence, kept beside it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from greenchain.domain.access import Principal, Role
from greenchain.domain.errors import InvalidDataError
from greenchain.services.context import Context

KINDS = ("activity", "project_result")
SCOPES = ("1", "2", "3")


@dataclass(frozen=True)
class Claim:
    name: str
    scope: str
    year: int
    t_co2e: float
    description: str = ""
    kind: str = "project_result"
    supplier_id: str | None = None

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise InvalidDataError("field 'name': give the activity or project a name")
        if self.kind not in KINDS:
            raise InvalidDataError(f"field 'kind': '{self.kind}' is not one of {', '.join(KINDS)}")
        if self.scope not in SCOPES:
            raise InvalidDataError(
                f"field 'scope': '{self.scope}' is not one of {', '.join(SCOPES)}"
            )
        if not 1990 <= self.year <= 2100:
            raise InvalidDataError(f"field 'year': {self.year} is not a plausible year")
        if not self.t_co2e > 0:
            raise InvalidDataError(
                f"field 't_co2e': {self.t_co2e} is not a positive reduction in tonnes CO2e"
            )


def add_claim(ctx: Context, org_slug: str, claim: Claim) -> dict[str, Any]:
    """Store a claim and record it in the ledger, signed by the organisation."""
    from greenchain.services import ledger

    if ctx.ledger is None:  # pragma: no cover - wiring error
        raise RuntimeError("the ledger is not wired in this context")
    org = ctx.workspace.get_org(org_slug)
    values = {
        "org_id": org.id,
        "kind": claim.kind,
        "name": claim.name.strip(),
        "scope": claim.scope,
        "year": claim.year,
        "t_co2e": float(claim.t_co2e),
        "description": claim.description.strip(),
        "supplier_id": claim.supplier_id,
        "created_at": ctx.clock.now(),
    }
    claim_id = ctx.ledger.add_claim(values)
    payload = {k: values[k] for k in ledger.ROW_FIELDS["reduction_claims"] if k in values}
    seq = ledger.record(
        ctx,
        org.id,
        org.slug,
        "reduction_claim",
        {**payload, "id": claim_id},
        row=("reduction_claims", claim_id),
    )
    return {**_public(values), "id": claim_id, "ledger_seq": seq}


def list_claims(ctx: Context, org_slug: str) -> list[dict[str, Any]]:
    if ctx.ledger is None:  # pragma: no cover - wiring error
        raise RuntimeError("the ledger is not wired in this context")
    org = ctx.workspace.get_org(org_slug)
    return [_public(c) for c in ctx.ledger.claims(org.id)]


def _public(values: dict[str, Any]) -> dict[str, Any]:
    return {
        k: values.get(k)
        for k in ("id", "kind", "name", "scope", "year", "t_co2e", "description", "supplier_id")
    } | {"ledger_leaf_hash": values.get("ledger_leaf_hash")}


def add_claim_for(
    ctx: Context, principal: Principal, org_slug: str, claim: Claim
) -> dict[str, Any]:
    principal.membership(org_slug, Role.ANALYST)
    return add_claim(ctx, org_slug, claim)


def list_claims_for(ctx: Context, principal: Principal, org_slug: str) -> list[dict[str, Any]]:
    principal.membership(org_slug)
    return list_claims(ctx, org_slug)
