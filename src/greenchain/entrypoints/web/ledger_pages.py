"""The ledger on the web (``ui_router``): the organisation's entries with their proof status,
an entry with its inclusion proof and the verification statement a verifier signs, reduction
claims, and co-signing the tree head as a witness."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from greenchain.bootstrap import signature_verifier
from greenchain.domain.access import Principal, Role
from greenchain.domain.ledger import verify_inclusion
from greenchain.entrypoints.web.deps import (
    CtxDep,
    EntrySeq,
    PrincipalDep,
)
from greenchain.entrypoints.web.ui import Csrf, _can_edit, form_result, render
from greenchain.services import ledger as ledger_service
from greenchain.services import reductions as reduction_service
from greenchain.services import verification as verification_service
from greenchain.services.context import Context

ui_router = APIRouter(include_in_schema=False)


# --- ledger -----------------------------------------------------------------------------------


def _ledger(
    request: Request,
    ctx: Context,
    principal: Principal,
    org: str,
    *,
    status_code: int = 200,
    error: str | None = None,
    notice: str | None = None,
    kind: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    page: int = 1,
) -> Response:
    member = principal.membership(org)
    status = ledger_service.proof_status(
        ctx,
        principal,
        org,
        signature_verifier,
        kind=kind,
        since=since,
        until=until,
        page=page,
        per_page=LEDGER_PAGE,
    )
    return render(
        request,
        "ledger.html",
        status_code=status_code,
        title=f"Ledger – {member.org_name}",
        active="ledger",
        principal=principal,
        member=member,
        org=org,
        status=status,
        filters={"kind": kind or "", "since": since or "", "until": until or ""},
        page=page,
        pages=max(1, -(-status["total"] // LEDGER_PAGE)),
        claims=reduction_service.list_claims_for(ctx, principal, org),
        verifier_findings=verification_service.findings_for_org(ctx, principal, org),
        can_edit=_can_edit(member),
        is_admin=member.role == Role.ADMIN,
        default_year=dt.date.today().year - 1,
        error=error,
        notice=notice,
    )


#: Entries per page of the ledger page.
LEDGER_PAGE = 25


@ui_router.get("/orgs/{org}/ledger")
def ledger_page(
    request: Request,
    org: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    kind: Annotated[str | None, Query(max_length=40)] = None,
    since: Annotated[dt.date | None, Query()] = None,
    until: Annotated[dt.date | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    return _ledger(request, ctx, principal, org, kind=kind, since=since, until=until, page=page)


@ui_router.post("/orgs/{org}/ledger/witness", dependencies=[Csrf])
def ledger_witness(request: Request, org: str, ctx: CtxDep, principal: PrincipalDep) -> Response:
    result = ledger_service.witness_for(ctx, principal, org, signature_verifier)
    checked = result["checked_consistency_from"]
    notice = f"Tree head {result['tree_size']} co-signed" + (
        f" after checking its consistency with tree head {checked}" if checked else ""
    )
    return _ledger(request, ctx, principal, org, notice=notice)


@ui_router.post("/orgs/{org}/ledger/claims", dependencies=[Csrf])
def ledger_claim(
    request: Request,
    org: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    name: Annotated[str, Form(max_length=200)],
    scope: Annotated[str, Form(max_length=2)],
    year: Annotated[int, Form(ge=1990, le=2100)],
    t_co2e: Annotated[float, Form()],
    kind: Annotated[str, Form(max_length=20)] = "project_result",
    description: Annotated[str, Form(max_length=5000)] = "",
    supplier_id: Annotated[str, Form(max_length=100)] = "",
) -> Response:

    def add() -> dict[str, Any]:
        claim = reduction_service.Claim(
            name, scope, year, t_co2e, description, kind, supplier_id.strip() or None
        )
        return reduction_service.add_claim_for(ctx, principal, org, claim)

    page = functools.partial(_ledger, request, ctx, principal, org)
    return form_result(
        page,
        add,
        lambda result: page(
            notice=f"Claim '{result['name']}' recorded as ledger entry {result['ledger_seq']}"
        ),
    )


def _ledger_entry(
    request: Request,
    ctx: Context,
    principal: Principal,
    org: str,
    seq: int,
    *,
    status_code: int = 200,
    error: str | None = None,
    notice: str | None = None,
) -> Response:
    member = principal.membership(org)
    entry = ledger_service.show_for(ctx, principal, org, seq)
    proof = ledger_service.prove_for(ctx, principal, org, seq)
    head = ledger_service.get_head(ctx)
    proof_ok = proof["root_hash"] == head["root_hash"] and verify_inclusion(
        seq,
        proof["tree_size"],
        bytes.fromhex(proof["leaf_hash"]),
        [bytes.fromhex(p) for p in proof["audit_path"]],
        bytes.fromhex(head["root_hash"]),
    )
    own = entry["entry"]["org"] == org
    reviewed = any(v["verifier"] == org for v in entry["verified_by"])
    return render(
        request,
        "ledger_entry.html",
        status_code=status_code,
        title=f"Ledger entry {seq} – {member.org_name}",
        active="ledger",
        principal=principal,
        member=member,
        org=org,
        entry=entry,
        proof=proof,
        proof_ok=proof_ok,
        can_attest=not own
        and not reviewed
        and _can_edit(member)
        and entry["entry"]["kind"] in ledger_service.REVIEWABLE,
        error=error,
        notice=notice,
    )


@ui_router.get("/orgs/{org}/ledger/{seq}")
def ledger_entry_page(
    request: Request, org: str, seq: EntrySeq, ctx: CtxDep, principal: PrincipalDep
) -> Response:
    return _ledger_entry(request, ctx, principal, org, seq)


@ui_router.post("/orgs/{org}/ledger/{seq}/verifications", dependencies=[Csrf])
def ledger_attest(
    request: Request,
    org: str,
    seq: EntrySeq,
    ctx: CtxDep,
    principal: PrincipalDep,
    scope: Annotated[str, Form(max_length=500)],
    standard: Annotated[str, Form(max_length=100)] = "ISO 14064-3:2019",
    assurance: Annotated[str, Form(max_length=20)] = "limited",
    opinion: Annotated[str, Form(max_length=20)] = "unmodified",
    findings: Annotated[str, Form(max_length=5000)] = "",
) -> Response:

    def attest() -> dict[str, Any]:
        review = ledger_service.Review(scope, standard, assurance, findings, opinion)
        return ledger_service.attest_for(ctx, principal, org, seq, review)

    page = functools.partial(_ledger_entry, request, ctx, principal, org, seq)
    return form_result(
        page,
        attest,
        lambda _: page(notice="Verification statement signed and recorded"),
    )
