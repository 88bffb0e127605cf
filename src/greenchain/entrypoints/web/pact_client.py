"""The PACT client on the web: a buyer registers its suppliers' PACT hosts and pulls their
footprints (JSON API under /api/v1)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from greenchain.adapters.db.pact_client import SqlPactConnections
from greenchain.adapters.pact_http import UrllibPactTransport
from greenchain.adapters.signing import SecretBox
from greenchain.domain.access import Role
from greenchain.entrypoints.web.api import ERRORS
from greenchain.entrypoints.web.deps import CtxDep, PrincipalDep, RowId
from greenchain.services import pact_client as client
from greenchain.services.context import Context

api_router = APIRouter(prefix="/api/v1", tags=["PACT client"])


def _parts(request: Request, ctx: Context) -> tuple[SqlPactConnections, SecretBox]:
    engine = ctx.workspace.engine  # type: ignore[attr-defined]
    return SqlPactConnections(engine), SecretBox(request.app.state.secrets.sealing_keys)


class ConnectionIn(BaseModel):
    supplier_id: str = Field(min_length=1, max_length=64)
    base_url: str = Field(min_length=8, max_length=500, description="https://... of the host")
    client_id: str = Field(min_length=1, max_length=200)
    client_secret: str = Field(min_length=1, max_length=500)


@api_router.post("/orgs/{org}/pact/connections", status_code=201, responses=ERRORS)
def connections_add(
    org: str, body: ConnectionIn, request: Request, ctx: CtxDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Register a supplier's PACT host and the credentials it issued (admins)."""
    store, box = _parts(request, ctx)
    return client.register_for(ctx, principal, store, box, org, **body.model_dump())


@api_router.get("/orgs/{org}/pact/connections", responses=ERRORS)
def connections_list(
    org: str, request: Request, ctx: CtxDep, principal: PrincipalDep
) -> list[dict[str, Any]]:
    store, _ = _parts(request, ctx)
    return client.connections_for(ctx, principal, store, org)


@api_router.post("/orgs/{org}/pact/connections/{connection_id}/pull", responses=ERRORS)
def connections_pull(
    org: str, connection_id: RowId, request: Request, ctx: CtxDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Pull the footprints shared with the organisation; those of products it buys become
    product-level data of its next calculation run."""
    store, box = _parts(request, ctx)
    return client.pull_for(ctx, principal, store, box, UrllibPactTransport(), org, connection_id)


class ProductsIn(BaseModel):
    product_ids: list[str] = Field(min_length=1, max_length=1000)


@api_router.post("/orgs/{org}/pact/connections/{connection_id}/requests", responses=ERRORS)
def connections_request(
    org: str,
    connection_id: RowId,
    body: ProductsIn,
    request: Request,
    ctx: CtxDep,
    principal: PrincipalDep,
) -> dict[str, Any]:
    """Ask the supplier's host for footprints of products (a RequestCreated event)."""
    principal.membership(org, Role.ANALYST)
    store, box = _parts(request, ctx)
    events_url = str(request.app.state.settings.base_url).rstrip("/") + "/3/events"
    return client.request_missing(
        ctx, store, box, UrllibPactTransport(), org, connection_id, body.product_ids, events_url
    )
