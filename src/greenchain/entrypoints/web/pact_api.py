"""PACT v3 management in the JSON API under /api/v1: how a supplier's members manage their
footprints, customer credentials, sharing and requests, with the usual error handling. The host
API of the PACT specification itself is ``web.pact``'s ``pact_router``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, File, Request, UploadFile
from pydantic import BaseModel, Field

from greenchain.entrypoints.web.api import ERRORS
from greenchain.entrypoints.web.deps import CtxDep, PrincipalDep, RowId
from greenchain.entrypoints.web.pact import (
    _base_url,
    deliver_notifications,
    event_sender,
    pact_store,
)
from greenchain.services import pact as pact_service
from greenchain.services.ports import PactStore

api_router = APIRouter(prefix="/api/v1", tags=["pact"])


def _store(request: Request) -> PactStore:
    return pact_store(request)


def _notify_later(request: Request, background: BackgroundTasks) -> None:
    """Send the PublishedEvents a change queued, after the answer is sent."""
    background.add_task(deliver_notifications, request.app.state.ctx, _store(request), request)


@api_router.get("/orgs/{org}/pact/footprints", responses=ERRORS)
def footprints_list(
    org: str, request: Request, ctx: CtxDep, principal: PrincipalDep
) -> list[dict[str, Any]]:
    return pact_service.list_footprints(ctx, principal, _store(request), org)


@api_router.post("/orgs/{org}/pact/footprints", status_code=201, responses=ERRORS)
def footprints_create(
    org: str,
    body: dict[str, Any],
    request: Request,
    background: BackgroundTasks,
    ctx: CtxDep,
    principal: PrincipalDep,
) -> dict[str, Any]:
    """A new footprint from its ProductFootprint properties (id, specVersion, created and
    status are set by the host). Customers who see it are sent a PublishedEvent."""
    made = pact_service.create_footprint(
        ctx, principal, _store(request), org, body, base_url=_base_url(request)
    )
    _notify_later(request, background)
    return made


@api_router.post("/orgs/{org}/pact/footprints/import", responses=ERRORS)
async def footprints_import(
    org: str,
    file: Annotated[UploadFile, File(description="PACT JSON or CSV")],
    request: Request,
    background: BackgroundTasks,
    ctx: CtxDep,
    principal: PrincipalDep,
) -> dict[str, Any]:
    payload = await file.read()
    done = pact_service.import_footprints(
        ctx,
        principal,
        _store(request),
        org,
        payload,
        file.filename or "upload.json",
        base_url=_base_url(request),
    )
    _notify_later(request, background)
    return done


@api_router.get("/orgs/{org}/pact/footprints/{footprint_id}", responses=ERRORS)
def footprints_show(
    org: str, footprint_id: str, request: Request, ctx: CtxDep, principal: PrincipalDep
) -> dict[str, Any]:
    return pact_service.get_footprint(ctx, principal, _store(request), org, footprint_id)


@api_router.post(
    "/orgs/{org}/pact/footprints/{footprint_id}/revise", status_code=201, responses=ERRORS
)
def footprints_revise(
    org: str,
    footprint_id: str,
    body: dict[str, Any],
    request: Request,
    background: BackgroundTasks,
    ctx: CtxDep,
    principal: PrincipalDep,
) -> dict[str, Any]:
    """Change a footprint: a new one replaces it and it becomes Deprecated."""
    made = pact_service.revise_footprint(
        ctx, principal, _store(request), org, footprint_id, body, base_url=_base_url(request)
    )
    _notify_later(request, background)
    return made


@api_router.post("/orgs/{org}/pact/footprints/{footprint_id}/deprecate", responses=ERRORS)
def footprints_deprecate(
    org: str,
    footprint_id: str,
    request: Request,
    background: BackgroundTasks,
    ctx: CtxDep,
    principal: PrincipalDep,
) -> dict[str, Any]:
    done = pact_service.deprecate_footprint(
        ctx, principal, _store(request), org, footprint_id, base_url=_base_url(request)
    )
    _notify_later(request, background)
    return done


class CredentialIn(BaseModel):
    customer: str = Field(min_length=1, max_length=200)
    share_all: bool = False
    events_url: str | None = Field(None, max_length=500)
    callback_client_id: str | None = Field(None, max_length=200)
    callback_client_secret: str | None = Field(None, max_length=500)
    reject_unknown: bool = Field(
        False, description="Reject at once a request none of your footprints matches"
    )


@api_router.post("/orgs/{org}/pact/credentials", status_code=201, responses=ERRORS)
def credentials_create(
    org: str, body: CredentialIn, request: Request, ctx: CtxDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Client credentials for a customer; the secret is in this answer only."""
    return pact_service.create_credential(
        ctx,
        principal,
        _store(request),
        org,
        body.customer,
        share_all=body.share_all,
        events_url=body.events_url,
        callback_client_id=body.callback_client_id,
        callback_client_secret=body.callback_client_secret,
        reject_unknown=body.reject_unknown,
    )


class CredentialChange(BaseModel):
    events_url: str | None = Field(None, max_length=500)
    clear_events_url: bool = False
    callback_client_id: str | None = Field(None, max_length=200)
    callback_client_secret: str | None = Field(None, max_length=500)
    reject_unknown: bool | None = None


@api_router.patch("/orgs/{org}/pact/credentials/{client_id}", responses=ERRORS)
def credentials_change(
    org: str,
    client_id: str,
    body: CredentialChange,
    request: Request,
    ctx: CtxDep,
    principal: PrincipalDep,
) -> dict[str, Any]:
    """Change where the customer's answers and announcements go, and the rule for requests
    of products you have no footprint of."""
    return pact_service.configure_credential(
        ctx,
        principal,
        _store(request),
        org,
        client_id,
        events_url=body.events_url,
        clear_events_url=body.clear_events_url,
        callback_client_id=body.callback_client_id,
        callback_client_secret=body.callback_client_secret,
        reject_unknown=body.reject_unknown,
    )


@api_router.get("/orgs/{org}/pact/credentials", responses=ERRORS)
def credentials_list(
    org: str, request: Request, ctx: CtxDep, principal: PrincipalDep
) -> list[dict[str, Any]]:
    return pact_service.list_credentials(ctx, principal, _store(request), org)


@api_router.post("/orgs/{org}/pact/credentials/{client_id}/revoke", responses=ERRORS)
def credentials_revoke(
    org: str, client_id: str, request: Request, ctx: CtxDep, principal: PrincipalDep
) -> dict[str, Any]:
    return pact_service.revoke_credential(ctx, principal, _store(request), org, client_id)


class SharingIn(BaseModel):
    share_all: bool | None = None
    share: list[str] = Field(default_factory=list, max_length=5000)
    unshare: list[str] = Field(default_factory=list, max_length=5000)
    reject_unknown: bool | None = None


@api_router.put("/orgs/{org}/pact/credentials/{client_id}/sharing", responses=ERRORS)
def credentials_sharing(
    org: str,
    client_id: str,
    body: SharingIn,
    request: Request,
    background: BackgroundTasks,
    ctx: CtxDep,
    principal: PrincipalDep,
) -> dict[str, Any]:
    """What the customer sees; it is sent a PublishedEvent naming what it sees now and did
    not before (when it registered an Events endpoint)."""
    done = pact_service.set_sharing(
        ctx,
        principal,
        _store(request),
        org,
        client_id,
        share_all=body.share_all,
        share=body.share,
        unshare=body.unshare,
        reject_unknown=body.reject_unknown,
        base_url=_base_url(request),
    )
    _notify_later(request, background)
    return done


@api_router.get("/orgs/{org}/pact/notifications", responses=ERRORS)
def notifications_list(
    org: str, request: Request, ctx: CtxDep, principal: PrincipalDep
) -> list[dict[str, Any]]:
    """PublishedEvents sent (or queued) to customers, newest first, with their delivery."""
    return pact_service.list_notifications(ctx, principal, _store(request), org)


@api_router.get("/orgs/{org}/pact/requests", responses=ERRORS)
def requests_list(
    org: str, request: Request, ctx: CtxDep, principal: PrincipalDep
) -> list[dict[str, Any]]:
    return pact_service.list_requests(ctx, principal, _store(request), org)


class FulfilIn(BaseModel):
    footprint_ids: list[str] = Field(default_factory=list, max_length=1000)


@api_router.post("/orgs/{org}/pact/requests/{request_id}/fulfil", responses=ERRORS)
def requests_fulfil(
    org: str,
    request_id: RowId,
    body: FulfilIn,
    request: Request,
    ctx: CtxDep,
    principal: PrincipalDep,
) -> dict[str, Any]:
    return pact_service.fulfil_request(
        ctx,
        principal,
        _store(request),
        event_sender(request),
        org,
        request_id,
        base_url=_base_url(request),
        footprint_ids=body.footprint_ids,
    )


class RejectIn(BaseModel):
    message: str = Field(pact_service.NOT_FOUND_MESSAGE, max_length=2000)


@api_router.post("/orgs/{org}/pact/requests/{request_id}/reject", responses=ERRORS)
def requests_reject(
    org: str,
    request_id: RowId,
    body: RejectIn,
    request: Request,
    ctx: CtxDep,
    principal: PrincipalDep,
) -> dict[str, Any]:
    return pact_service.reject_request(
        ctx,
        principal,
        _store(request),
        event_sender(request),
        org,
        request_id,
        base_url=_base_url(request),
        message=body.message,
    )


__all__ = ["api_router"]
