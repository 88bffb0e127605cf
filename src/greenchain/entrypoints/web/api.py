"""The JSON API under /api/v1. Every route that names an organisation goes through a service
that checks the caller's membership (404 for other tenants' resources)."""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel, Field

from greenchain.bootstrap import signature_verifier
from greenchain.domain.access import Role
from greenchain.domain.errors import InvalidDataError, NotFoundError
from greenchain.domain.ghg import GwpSet
from greenchain.domain.records import MAX_ROW_ID, SCHEMAS
from greenchain.entrypoints.web.deps import CtxDep, EntrySeq, PrincipalDep, RowId
from greenchain.services import accounts as account_service
from greenchain.services import factors as factor_service
from greenchain.services import jobs as job_service
from greenchain.services import ledger as ledger_service
from greenchain.services import portal as portal_service
from greenchain.services import queries
from greenchain.services import reductions as reduction_service
from greenchain.services import verification as verification_service

router = APIRouter(prefix="/api/v1", tags=["api"])

MAX_UPLOAD_BYTES = 100 * 1024 * 1024
UPLOAD_TYPES = (".csv", ".xlsx")
Year = Annotated[int, Query(ge=1990, le=2100, description="Reporting year")]


class ErrorBody(BaseModel):
    code: str
    message: str


ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "Not authenticated"},
    403: {"model": ErrorBody, "description": "Role too low"},
    404: {"model": ErrorBody, "description": "Not found (or another organisation's)"},
    422: {"model": ErrorBody, "description": "Invalid input; the message names the field"},
}


class MembershipOut(BaseModel):
    org: str
    name: str
    role: str


class MeOut(BaseModel):
    user_id: int
    email: str
    memberships: list[MembershipOut]


class SupplierOut(BaseModel):
    supplier_id: str
    name: str
    country: str
    naics_code: str | None = None
    lei: str | None = None
    duns: str | None = None
    vat_id: str | None = None
    strategic: bool
    t_co2e: float = Field(0.0, description="Scope 3 of the latest run, t CO2e")
    method: str | None = None


class SupplierPage(BaseModel):
    total: int
    page: int
    per_page: int
    items: list[SupplierOut]


class JobOut(BaseModel):
    id: int
    kind: str
    status: str = Field(description="queued, running, done or failed")
    progress_fraction: float
    message: str | None
    result: dict[str, Any] | None
    created_at: dt.datetime
    finished_at: dt.datetime | None


class RunRequest(BaseModel):
    year: int = Field(ge=1990, le=2100)
    gwp: GwpSet = GwpSet.AR5


class RunOut(BaseModel):
    id: int
    year: int
    gwp: str
    previous_run_id: int | None
    created_at: dt.datetime
    total_t_co2e: float
    lines: int
    rejected_lines: int
    restatements: list[dict[str, Any]]


class LinesPage(BaseModel):
    total: int
    page: int
    per_page: int
    items: list[dict[str, Any]]


def _job(job: dict[str, Any]) -> JobOut:
    return JobOut(
        id=job["id"],
        kind=job["kind"],
        status=job["status"],
        progress_fraction=job["progress"],
        message=job["message"],
        result=job["result"],
        created_at=job["created_at"],
        finished_at=job["finished_at"],
    )


@router.get("/me", response_model=MeOut, responses=ERRORS)
def me(principal: PrincipalDep) -> MeOut:
    return MeOut(
        user_id=principal.user_id,
        email=principal.email,
        memberships=[
            MembershipOut(org=m.org_slug, name=m.org_name, role=m.role.value)
            for m in principal.memberships.values()
        ],
    )


@router.get("/orgs", response_model=list[MembershipOut], responses=ERRORS)
def orgs(principal: PrincipalDep) -> list[MembershipOut]:
    return [
        MembershipOut(org=m.org_slug, name=m.org_name, role=m.role.value)
        for m in principal.memberships.values()
    ]


@router.get("/factor-sets", responses=ERRORS)
def factor_sets(ctx: CtxDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    return [
        {k: v for k, v in fs.items() if k != "id"} for fs in factor_service.list_factor_sets(ctx)
    ]


@router.get("/orgs/{org}/suppliers", response_model=SupplierPage, responses=ERRORS)
def suppliers(
    org: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    q: Annotated[str, Query(max_length=100, description="Search id or name")] = "",
    sort: Annotated[str, Query(pattern="^(name|country|id|emissions)$")] = "emissions",
    order: Annotated[str, Query(pattern="^(asc|desc)$")] = "desc",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=500)] = 25,
) -> SupplierPage:
    items, total = queries.list_suppliers(
        ctx,
        principal,
        org,
        query=q,
        sort=sort,
        descending=order == "desc",
        page=page,
        per_page=per_page,
    )
    return SupplierPage(
        total=total, page=page, per_page=per_page, items=[SupplierOut(**i) for i in items]
    )


@router.get("/orgs/{org}/suppliers/{supplier_id}", responses=ERRORS)
def supplier(org: str, supplier_id: str, ctx: CtxDep, principal: PrincipalDep) -> dict[str, Any]:
    return queries.get_supplier(ctx, principal, org, supplier_id)


@router.post("/orgs/{org}/uploads/{kind}", status_code=202, response_model=JobOut, responses=ERRORS)
async def upload(
    org: str,
    kind: str,
    request: Request,
    ctx: CtxDep,
    principal: PrincipalDep,
    file: Annotated[UploadFile, File(description="CSV or XLSX file")],
    skip_invalid: Annotated[bool, Form()] = False,
) -> Response:
    """Upload a spreadsheet; it is validated and imported by a background job."""
    member = principal.membership(org, Role.ANALYST)
    if kind not in SCHEMAS:
        raise NotFoundError(f"unknown upload kind '{kind}'; use one of {', '.join(SCHEMAS)}")
    name = Path(file.filename or "upload.csv").name
    suffix = Path(name).suffix.lower()
    if suffix not in UPLOAD_TYPES:
        raise InvalidDataError(f"file: '{name}' is not a .csv or .xlsx file")
    folder = Path(request.app.state.settings.upload_dir) / str(member.org_id)
    folder.mkdir(parents=True, exist_ok=True)
    stored = folder / f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(4)}{suffix}"
    size = 0
    with stored.open("wb") as out:
        while chunk := await file.read(1 << 20):
            size += len(chunk)
            if size > MAX_UPLOAD_BYTES:
                out.close()
                stored.unlink(missing_ok=True)
                return JSONResponse(
                    {"code": "too_large", "message": "file: larger than 100 MB"}, status_code=413
                )
            out.write(chunk)
    job_id = job_service.submit_import(ctx, principal, org, kind, stored, name, skip_invalid)
    job = job_service.get_job(ctx, principal, org, job_id)
    return JSONResponse(
        _job(job).model_dump(mode="json"),
        status_code=202,
        headers={"Location": f"/api/v1/orgs/{org}/jobs/{job_id}"},
    )


@router.get("/orgs/{org}/jobs", response_model=list[JobOut], responses=ERRORS)
def jobs(org: str, ctx: CtxDep, principal: PrincipalDep) -> list[JobOut]:
    return [_job(j) for j in job_service.list_jobs(ctx, principal, org)]


@router.get("/orgs/{org}/jobs/{job_id}", response_model=JobOut, responses=ERRORS)
def job(org: str, job_id: RowId, ctx: CtxDep, principal: PrincipalDep) -> JobOut:
    return _job(job_service.get_job(ctx, principal, org, job_id))


@router.get(
    "/orgs/{org}/jobs/{job_id}/rejected-rows", responses=ERRORS, response_class=FileResponse
)
def rejected_rows(org: str, job_id: RowId, ctx: CtxDep, principal: PrincipalDep) -> FileResponse:
    """The rejected rows of an upload, with the reason for each, as CSV."""
    found = job_service.get_job(ctx, principal, org, job_id)
    report = (found.get("result") or {}).get("rejected_report")
    if not report or not Path(report).is_file():
        raise NotFoundError(f"job {job_id} has no rejected rows")
    return FileResponse(report, media_type="text/csv", filename=f"rejected-rows-job-{job_id}.csv")


@router.post("/orgs/{org}/runs", status_code=202, response_model=JobOut, responses=ERRORS)
def start_run(org: str, body: RunRequest, ctx: CtxDep, principal: PrincipalDep) -> Response:
    """Start a calculation run (a background job); the job's result names the run."""
    job_id = job_service.submit_calculation(ctx, principal, org, body.year, body.gwp)
    found = job_service.get_job(ctx, principal, org, job_id)
    return JSONResponse(
        _job(found).model_dump(mode="json"),
        status_code=202,
        headers={"Location": f"/api/v1/orgs/{org}/jobs/{job_id}"},
    )


@router.get("/orgs/{org}/runs", response_model=list[RunOut], responses=ERRORS)
def runs(
    org: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
) -> list[RunOut]:
    return [RunOut(**r) for r in queries.list_runs(ctx, principal, org, year)]


@router.get("/orgs/{org}/runs/{run_id}", responses=ERRORS)
def run(org: str, run_id: RowId, ctx: CtxDep, principal: PrincipalDep) -> dict[str, Any]:
    report = queries.get_inventory_report(ctx, principal, org, 0, run_id)
    return report.to_dict()


@router.get("/orgs/{org}/runs/{run_id}/lines", response_model=LinesPage, responses=ERRORS)
def run_lines(
    org: str,
    run_id: RowId,
    ctx: CtxDep,
    principal: PrincipalDep,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> LinesPage:
    items, total = queries.get_run_lines_page(ctx, principal, org, run_id, page, per_page)
    return LinesPage(total=total, page=page, per_page=per_page, items=items)


@router.get("/orgs/{org}/inventory", responses=ERRORS)
async def inventory(
    org: str,
    year: Year,
    ctx: CtxDep,
    principal: PrincipalDep,
    run_id: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
) -> dict[str, Any]:
    """The same object as ``greenchain report inventory --format json``."""
    body = queries.get_inventory_json(ctx, principal, org, year, run_id)
    return Response(body, media_type="application/json")  # type: ignore[return-value]


@router.get("/orgs/{org}/hotspots", responses=ERRORS)
def hotspots(
    org: str,
    year: Year,
    ctx: CtxDep,
    principal: PrincipalDep,
    share: Annotated[float, Query(gt=0, le=1)] = 0.67,
    top: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> dict[str, Any]:
    return queries.get_hotspots(ctx, principal, org, year, share).to_dict(top)


class InvitationRequest(BaseModel):
    email: str = Field(min_length=3, max_length=320)
    role: Role = Role.VIEWER


class InvitationOut(BaseModel):
    email: str
    role: str
    status: str = "sent"


@router.post(
    "/orgs/{org}/invitations", status_code=201, response_model=InvitationOut, responses=ERRORS
)
def invite(
    org: str, body: InvitationRequest, request: Request, ctx: CtxDep, principal: PrincipalDep
) -> InvitationOut:
    """Invite someone by email (admins only); the mail goes out through the outbox."""
    account_service.invite(
        ctx, principal, org, body.email, body.role, request.app.state.settings.base_url
    )
    return InvitationOut(email=body.email.strip().lower(), role=body.role.value)


@router.get("/orgs/{org}/audit", responses=ERRORS)
def audit(org: str, ctx: CtxDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    return queries.get_audit_trail(ctx, principal, org)


@router.get("/ledger/head", responses=ERRORS)
def ledger_head(ctx: CtxDep, principal: PrincipalDep) -> dict[str, Any]:
    """The latest signed tree head of the transparency log."""
    return ledger_service.get_head(ctx)


@router.get("/ledger/public-keys", responses=ERRORS)
def ledger_public_keys(ctx: CtxDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    """The public Ed25519 keys that signed entries and tree heads."""
    return ledger_service.public_keys(ctx)


@router.get("/ledger/consistency", responses=ERRORS)
def ledger_consistency(
    ctx: CtxDep,
    principal: PrincipalDep,
    first: Annotated[int, Query(ge=1, le=10**9)],
    second: Annotated[int, Query(ge=1, le=10**9)],
) -> dict[str, Any]:
    """Consistency proof between two tree sizes (RFC 9162, 2.1.4)."""
    return ledger_service.consistency(ctx, first, second)


@router.get("/orgs/{org}/ledger/entries/{seq}", responses=ERRORS)
def ledger_entry(org: str, seq: EntrySeq, ctx: CtxDep, principal: PrincipalDep) -> dict[str, Any]:
    """One of the organisation's entries with its hash and signature."""
    return ledger_service.show_for(ctx, principal, org, seq)


@router.get("/orgs/{org}/ledger/entries/{seq}/proof", responses=ERRORS)
def ledger_proof(
    org: str,
    seq: EntrySeq,
    ctx: CtxDep,
    principal: PrincipalDep,
    size: Annotated[int | None, Query(ge=1, le=10**9)] = None,
) -> dict[str, Any]:
    """Inclusion proof of one of the organisation's entries (RFC 9162, 2.1.3)."""
    return ledger_service.prove_for(ctx, principal, org, seq, size)


@router.get("/orgs/{org}/ledger/entries", responses=ERRORS)
def ledger_entries(org: str, ctx: CtxDep, principal: PrincipalDep) -> dict[str, Any]:
    """The organisation's entries, each checked now: signature, inclusion in the newest signed
    tree head, the row it describes unchanged, and the verification statements on it."""
    return ledger_service.proof_status(ctx, principal, org, signature_verifier)


class WitnessOut(BaseModel):
    tree_size: int
    root_hash: str
    checked_consistency_from: int | None = Field(
        None, description="The earlier head this witness signed, checked for consistency"
    )
    signature: str
    public_key: str


@router.post("/orgs/{org}/ledger/witness", responses=ERRORS)
def ledger_witness(org: str, ctx: CtxDep, principal: PrincipalDep) -> WitnessOut:
    """Co-sign the newest tree head as this organisation (admins): the log's signature and its
    consistency with the last head this organisation signed are checked first."""
    return WitnessOut(**ledger_service.witness_for(ctx, principal, org, signature_verifier))


class VerifierIn(BaseModel):
    verifier: str = Field(min_length=2, max_length=63, description="The verifier organisation")
    year: int | None = Field(None, ge=1990, le=2100, description="Reporting year to verify")
    scope: str = Field("", max_length=500, description="What is verified")
    assurance_level: str = Field("limited", description="limited or reasonable")
    deadline: dt.date | None = None


@router.post("/orgs/{org}/ledger/verifiers", status_code=204, responses=ERRORS)
def ledger_engage_verifier(
    org: str, body: VerifierIn, ctx: CtxDep, principal: PrincipalDep
) -> Response:
    """Engage a verifier organisation for a year's inventory (admins): it may read the runs,
    lines and supplier evidence of that year, sample, send findings and sign a statement."""
    principal.membership(org, Role.ADMIN)
    verification_service.engage(
        ctx,
        org,
        body.verifier,
        year=body.year,
        scope=body.scope,
        assurance_level=body.assurance_level,
        deadline=body.deadline,
    )
    return Response(status_code=204)


class ReviewIn(BaseModel):
    scope: str = Field(min_length=1, max_length=500, description="What was reviewed")
    standard: str = Field("ISO 14064-3:2019", min_length=1, max_length=100)
    assurance: str = Field("limited", pattern="^(limited|reasonable)$")
    opinion: str = Field("unmodified", pattern="^(unmodified|modified|adverse)$")
    findings: str = Field("", max_length=5000)


@router.post("/orgs/{org}/ledger/entries/{seq}/verifications", status_code=201, responses=ERRORS)
def ledger_attest(
    org: str,
    seq: EntrySeq,
    body: ReviewIn,
    ctx: CtxDep,
    principal: PrincipalDep,
) -> dict[str, Any]:
    """As the verifier organisation ``org``, sign a verification statement on an entry of an
    organisation that engaged it; the statement is itself an entry."""
    review = ledger_service.Review(
        body.scope, body.standard, body.assurance, body.findings, body.opinion
    )
    return ledger_service.attest_for(ctx, principal, org, seq, review)


class ClaimIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    scope: str = Field(pattern="^[123]$", description="Scope reduced")
    year: int = Field(ge=1990, le=2100)
    t_co2e: float = Field(gt=0, le=1e9, description="Tonnes CO2e reduced in the year")
    kind: str = Field("project_result", pattern="^(activity|project_result)$")
    description: str = Field("", max_length=5000)
    supplier_id: str | None = Field(None, max_length=100)


@router.get("/orgs/{org}/reductions", responses=ERRORS)
def reductions_list(org: str, ctx: CtxDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    """The organisation's reduction activities and project results."""
    return reduction_service.list_claims_for(ctx, principal, org)


@router.post("/orgs/{org}/reductions", status_code=201, responses=ERRORS)
def reductions_add(org: str, body: ClaimIn, ctx: CtxDep, principal: PrincipalDep) -> dict[str, Any]:
    """Record a reduction activity or project result; it becomes a signed ledger entry."""
    claim = reduction_service.Claim(
        body.name,
        body.scope,
        body.year,
        body.t_co2e,
        body.description,
        body.kind,
        body.supplier_id,
    )
    return reduction_service.add_claim_for(ctx, principal, org, claim)


class SupplierLinkIn(BaseModel):
    supplier_org: str = Field(
        min_length=2, max_length=63, description="The organisation that is this supplier"
    )


@router.post("/orgs/{org}/supplier-links/{supplier_id}", status_code=202, responses=ERRORS)
def supplier_link(
    org: str, supplier_id: str, body: SupplierLinkIn, ctx: CtxDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Ask the organisation that is this supplier on the platform to operate one of the
    organisation's supplier records (admins). The link exists once an admin of that
    organisation accepts; its users then see this customer's requests, qualification and their
    own ratings. The answer is the same whether or not ``supplier_org`` exists."""
    return portal_service.invite_supplier_link_for(
        ctx, principal, org, supplier_id, body.supplier_org
    )


@router.get("/orgs/{org}/link-invitations", responses=ERRORS)
def link_invitations(org: str, ctx: CtxDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    """Customers asking this organisation to operate their supplier record (admins)."""
    return portal_service.link_invitations_for(ctx, principal, org)


@router.post("/orgs/{org}/link-invitations/{invitation_id}/accept", responses=ERRORS)
def accept_link_invitation(
    org: str, invitation_id: RowId, ctx: CtxDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Accept a customer's request: this organisation then operates its supplier record."""
    return portal_service.decide_supplier_link_for(ctx, principal, org, invitation_id, True)


@router.post("/orgs/{org}/link-invitations/{invitation_id}/decline", responses=ERRORS)
def decline_link_invitation(
    org: str, invitation_id: RowId, ctx: CtxDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Decline a customer's request to link its supplier record to this organisation."""
    return portal_service.decide_supplier_link_for(ctx, principal, org, invitation_id, False)


@router.get("/orgs/{org}/customers", responses=ERRORS)
def customers(org: str, ctx: CtxDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    """The buyers whose supplier record this organisation operates."""
    return portal_service.customers_for(ctx, principal, org)
