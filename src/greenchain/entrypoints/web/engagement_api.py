"""Data requests in the JSON API under /api/v1: the buyer's requests and reviews, and the
supplier's portal (answers, drafts, evidence, who may see an answer, its allocation to each
customer). The pages are in ``web.engagement`` and ``web.allocation``; every route goes through
``greenchain.services.engagement`` (the buyer), ``greenchain.services.supplier_answers`` (the
supplier) or ``greenchain.services.allocation``, which check who may see what."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from greenchain.domain.errors import NotFoundError
from greenchain.entrypoints.web.api import ERRORS
from greenchain.entrypoints.web.deps import CtxDep, PrincipalDep, RowId
from greenchain.entrypoints.web.engagement import MAX_EVIDENCE_UPLOAD, _base_url, _evidence
from greenchain.services import allocation, engagement, supplier_answers

api_router = APIRouter(prefix="/api/v1", tags=["supplier engagement"])


# --- API: the buyer -----------------------------------------------------------------------------


class RecipientIn(BaseModel):
    supplier_id: str = Field(min_length=1, max_length=64)
    email: str = Field(min_length=3, max_length=320)


class RequestIn(BaseModel):
    year: int = Field(ge=1990, le=2100, description="Reporting year asked for")
    deadline: dt.date
    recipients: list[RecipientIn] = Field(min_length=1, max_length=5000)
    message: str = Field("", max_length=5000)


@api_router.post("/orgs/{org}/requests", status_code=201, responses=ERRORS)
def requests_send(
    org: str, body: RequestIn, request: Request, ctx: CtxDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Send the climate questionnaire to suppliers (analysts); each gets an email, with a
    sign-up link when the supplier is not on the platform yet."""
    return engagement.send_request_for(
        ctx,
        principal,
        org,
        year=body.year,
        deadline=body.deadline,
        recipients=[(r.supplier_id, r.email) for r in body.recipients],
        message=body.message,
        base_url=_base_url(request),
    )


@api_router.get("/orgs/{org}/requests", responses=ERRORS)
def requests_list(org: str, ctx: CtxDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    return engagement.list_requests_for(ctx, principal, org)


@api_router.get("/orgs/{org}/requests/{request_id}", responses=ERRORS)
def requests_detail(
    org: str, request_id: RowId, ctx: CtxDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Each supplier's status and, while the supplier shares it with you, its answer."""
    return engagement.request_detail_for(ctx, principal, org, request_id)


@api_router.post("/orgs/{org}/recipients/{recipient_id}/accept", responses=ERRORS)
def recipients_accept(
    org: str, recipient_id: RowId, ctx: CtxDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Accept a shared answer: the next inventory run uses it for that supplier."""
    return engagement.accept_for(ctx, principal, org, recipient_id)


class ReturnIn(BaseModel):
    comment: str = Field(min_length=1, max_length=5000, description="What needs correcting")


@api_router.post("/orgs/{org}/recipients/{recipient_id}/return", responses=ERRORS)
def recipients_return(
    org: str,
    recipient_id: RowId,
    body: ReturnIn,
    request: Request,
    ctx: CtxDep,
    principal: PrincipalDep,
) -> dict[str, Any]:
    return engagement.return_for(
        ctx, principal, org, recipient_id, body.comment, _base_url(request)
    )


@api_router.get(
    "/orgs/{org}/recipients/{recipient_id}/evidence/{evidence_id}",
    responses={**ERRORS, 200: {"content": {"application/octet-stream": {}}}},
    response_class=Response,
)
def evidence_file(
    org: str, recipient_id: RowId, evidence_id: RowId, ctx: CtxDep, principal: PrincipalDep
) -> Response:
    """An evidence file (its SHA-256 in the ``X-Content-SHA256`` header)."""
    return _evidence(ctx, principal, org, recipient_id, evidence_id)


# --- API: the supplier --------------------------------------------------------------------------


@api_router.get("/orgs/{org}/portal", responses=ERRORS)
def portal_overview(org: str, ctx: CtxDep, principal: PrincipalDep) -> dict[str, Any]:
    """The requests of all the organisation's customers, and its answers with who sees them."""
    return supplier_answers.portal(ctx, principal, org)


def _public_request(opened: dict[str, Any]) -> dict[str, Any]:
    tmpl = opened["template"]
    return {
        **{k: v for k, v in opened.items() if k != "template"},
        "template": {"key": tmpl.key, "version": tmpl.version, "title": tmpl.title},
        "questions": [
            {
                "name": f.name,
                "label": f.label,
                "type": f.type.value,
                "required": f.required,
                "options": list(f.options),
                "section": f.section,
            }
            for f in tmpl.fields
        ],
    }


@api_router.get("/orgs/{org}/portal/requests/{recipient_id}", responses=ERRORS)
def portal_request(
    org: str, recipient_id: RowId, ctx: CtxDep, principal: PrincipalDep
) -> dict[str, Any]:
    """A request as the supplier sees it: the questions and the current answer."""
    return _public_request(supplier_answers.open_request(ctx, principal, org, recipient_id))


class AnswersIn(BaseModel):
    answers: dict[str, Any] = Field(default_factory=dict)


class SubmitIn(AnswersIn):
    share_with: list[str] = Field(
        default_factory=list,
        description="Other customers asking for the same year that may see the answer",
    )


@api_router.put("/orgs/{org}/portal/requests/{recipient_id}/draft", responses=ERRORS)
def portal_draft(
    org: str, recipient_id: RowId, body: AnswersIn, ctx: CtxDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Save a draft (required fields may be empty; each problem names its field)."""
    return supplier_answers.save_draft(ctx, principal, org, recipient_id, body.answers)


@api_router.post("/orgs/{org}/portal/requests/{recipient_id}/submit", responses=ERRORS)
def portal_submit(
    org: str, recipient_id: RowId, body: SubmitIn, ctx: CtxDep, principal: PrincipalDep
) -> dict[str, Any]:
    return supplier_answers.submit(ctx, principal, org, recipient_id, body.answers, body.share_with)


@api_router.post(
    "/orgs/{org}/portal/requests/{recipient_id}/evidence", status_code=201, responses=ERRORS
)
async def portal_evidence(
    org: str,
    recipient_id: RowId,
    ctx: CtxDep,
    principal: PrincipalDep,
    file: Annotated[UploadFile, File(description="PDF, PNG, JPEG, CSV or XLSX, up to 10 MB")],
) -> dict[str, Any]:
    data = await file.read(MAX_EVIDENCE_UPLOAD)
    return supplier_answers.add_evidence(
        ctx, principal, org, recipient_id, file.filename or "", data
    )


class RevokeIn(BaseModel):
    buyer: str = Field(min_length=2, max_length=63, description="The customer (slug)")


@api_router.post("/orgs/{org}/portal/answers/{response_id}/revoke", responses=ERRORS)
def portal_revoke(
    org: str, response_id: RowId, body: RevokeIn, ctx: CtxDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Withdraw a customer's access to an answer (its future runs stop using it)."""
    return supplier_answers.revoke(ctx, principal, org, response_id, body.buyer)


class AllocationIn(BaseModel):
    method: Literal["revenue", "quantity"] = Field(
        description="revenue: revenue from this customer over total revenue; quantity: "
        "quantity sold to this customer over all produced"
    )
    customer_value: float = Field(ge=0, description="Revenue from, or quantity sold to, it")
    total_value: float = Field(gt=0, description="Total revenue, or all quantity produced")
    unit: str = Field(min_length=1, max_length=40, description="A currency or product unit")
    include_upstream: bool = Field(False, description="Include the upstream Scope 3 answered")
    uncertainty_pct: float | None = Field(None, ge=0, le=100, description="Uncertainty (±%)")


@api_router.put("/orgs/{org}/portal/requests/{recipient_id}/allocation", responses=ERRORS)
def portal_allocation_put(
    org: str, recipient_id: RowId, body: AllocationIn, ctx: CtxDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Allocate the answer's emissions to the customer of this request (CDP SC1.1; analysts):
    only that customer sees it, and receives it with the answer it accepts."""
    return allocation.allocate_to_customer(
        ctx,
        principal,
        org,
        recipient_id,
        method=body.method,
        customer_value=body.customer_value,
        total_value=body.total_value,
        unit=body.unit,
        include_upstream=body.include_upstream,
        uncertainty_pct=body.uncertainty_pct,
    )


@api_router.get("/orgs/{org}/portal/requests/{recipient_id}/allocation", responses=ERRORS)
def portal_allocation_get(
    org: str, recipient_id: RowId, ctx: CtxDep, principal: PrincipalDep
) -> dict[str, Any]:
    """The allocation to the customer of this request (404 while there is none)."""
    found = allocation.allocation_of_request(ctx, principal, org, recipient_id)
    if found is None:
        raise NotFoundError(f"no allocation to the customer of request {recipient_id} yet")
    return found


__all__ = ["api_router"]
