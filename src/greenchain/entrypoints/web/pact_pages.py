"""The PACT page: a supplier's published footprints and the credentials it issued to its
customers; a buyer's connections to its suppliers' PACT hosts, with a pull button."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, File, Form, Request, UploadFile
from fastapi.responses import Response

from greenchain.adapters.db.pact import SqlPact
from greenchain.adapters.db.pact_client import SqlPactConnections
from greenchain.adapters.pact_http import UrllibPactTransport
from greenchain.adapters.signing import SecretBox
from greenchain.domain import pact as pact_domain
from greenchain.domain.access import Principal, Role
from greenchain.entrypoints.web.deps import CtxDep, PrincipalDep, RowId
from greenchain.entrypoints.web.pact import _base_url, deliver_notifications, event_sender
from greenchain.entrypoints.web.ui import Csrf, _can_edit, form_result, render
from greenchain.services import pact as pact_service
from greenchain.services import pact_client, ui_queries
from greenchain.services.context import Context

ui_router = APIRouter(include_in_schema=False)
MAX_FILE = 20 * 1024 * 1024

#: The footprint form: (field, label, input type, required, hint); fields are the CSV columns.
FOOTPRINT_FIELDS: list[tuple[str, str, str, bool, str]] = [
    ("product_ids", "Product ids (URNs, ';' between)", "text", True, "urn:gtin:4712345060507"),
    ("product_name", "Product name", "text", True, ""),
    ("product_description", "Description", "text", False, ""),
    ("product_classifications", "Classifications (URNs)", "text", False, "urn:pact:..."),
    ("declared_unit", "Declared unit", "unit", True, ""),
    ("declared_unit_amount", "Declared unit amount", "decimal", True, "1"),
    ("product_mass_per_declared_unit", "Product mass per declared unit (kg)", "decimal", True, ""),
    ("pcf_excluding_biogenic_uptake", "PCF excl. biogenic uptake (kg CO2e)", "decimal", True, ""),
    ("pcf_including_biogenic_uptake", "PCF incl. biogenic uptake (kg CO2e)", "decimal", True, ""),
    ("fossil_ghg_emissions", "Fossil GHG emissions (kg CO2e)", "decimal", True, ""),
    ("fossil_carbon_content", "Fossil carbon content (kg C)", "decimal", True, "0"),
    ("exempted_emissions_percent", "Exempted emissions (%)", "decimal", True, "0"),
    ("packaging_emissions_included", "Packaging emissions included", "bool", True, ""),
    ("reference_period_start", "Reference period start", "date", True, ""),
    ("reference_period_end", "Reference period end", "date", True, ""),
    ("geography_country", "Country (ISO 3166-1)", "text", False, "TW"),
    ("geography_subdivision", "or subdivision (ISO 3166-2)", "text", False, ""),
    ("geography_region", "or UN region / subregion", "text", False, "Western Europe"),
    ("primary_data_share", "Primary data share (%)", "decimal", False, ""),
    ("technological_dqr", "Technological DQR (1-3)", "decimal", False, ""),
    ("geographical_dqr", "Geographical DQR (1-3)", "decimal", False, ""),
    ("temporal_dqr", "Temporal DQR (1-3)", "decimal", False, ""),
    ("validity_period_start", "Valid from", "date", False, ""),
    ("validity_period_end", "Valid until", "date", False, ""),
    ("verification_provider", "Verified by", "text", False, ""),
    ("verification_standard", "Verification standard", "text", False, "ISO 14067"),
    ("verification_completed_at", "Verified on", "date", False, ""),
    ("comment", "Comment", "text", False, ""),
]


def _stores(request: Request, ctx: Context) -> tuple[SqlPact, SqlPactConnections, SecretBox]:
    sealing_keys = request.app.state.secrets.sealing_keys
    engine = ctx.workspace.engine  # type: ignore[attr-defined]
    return (
        SqlPact(engine, sealing_keys),
        SqlPactConnections(engine),
        SecretBox(sealing_keys),
    )


def _transport(request: Request) -> pact_client.PactTransport:
    """The app's PACT client transport (``app.state.pact_transport``, set by tests), else
    HTTPS."""
    transport = getattr(request.app.state, "pact_transport", None)
    return transport if transport is not None else UrllibPactTransport()


def _page(
    request: Request,
    ctx: Context,
    principal: Principal,
    org: str,
    *,
    status_code: int = 200,
    error: str | None = None,
    notice: str | None = None,
    secret: dict[str, Any] | None = None,
) -> Response:
    member = principal.membership(org)
    store, connections, _ = _stores(request, ctx)
    is_admin = member.role == Role.ADMIN
    return render(
        request,
        "pact.html",
        status_code=status_code,
        title=f"Product footprints (PACT) – {member.org_name}",
        active="pact",
        principal=principal,
        member=member,
        org=org,
        footprints=pact_service.list_footprints(ctx, principal, store, org),
        received=ui_queries.received_footprints(ctx, principal, org),
        credentials=pact_service.list_credentials(ctx, principal, store, org) if is_admin else [],
        requests=pact_service.list_requests(ctx, principal, store, org)[:100],
        footprint_fields=FOOTPRINT_FIELDS,
        declared_units=sorted(pact_domain.DECLARED_UNITS),
        notifications=(
            pact_service.list_notifications(ctx, principal, store, org)[:50] if is_admin else []
        ),
        connections=pact_client.connections(ctx, connections, org),
        base_url=_base(request),
        can_edit=_can_edit(member),
        is_admin=is_admin,
        error=error,
        notice=notice,
        secret=secret,
    )


def _act(
    request: Request,
    ctx: Context,
    principal: Principal,
    org: str,
    action: Callable[[], str],
) -> Response:
    """Run a page action: the page again with its notice, or with the error (422)."""
    page = functools.partial(_page, request, ctx, principal, org)
    return form_result(page, action, lambda notice: page(notice=notice))


def _base(request: Request) -> str:
    return _base_url(request)


@ui_router.get("/orgs/{org}/pact")
def pact_page(request: Request, org: str, ctx: CtxDep, principal: PrincipalDep) -> Response:
    return _page(request, ctx, principal, org)


@ui_router.post("/orgs/{org}/pact/import", dependencies=[Csrf])
async def pact_import(
    request: Request,
    org: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    file: Annotated[UploadFile, File()],
    background: BackgroundTasks,
) -> Response:
    store, _, _ = _stores(request, ctx)
    data = await file.read(MAX_FILE)

    def action() -> str:
        done = pact_service.import_footprints(
            ctx,
            principal,
            store,
            org,
            data,
            file.filename or "footprints.json",
            base_url=_base(request),
        )
        background.add_task(deliver_notifications, ctx, store, request)
        return f"Imported: {done}"

    return _act(request, ctx, principal, org, action)


@ui_router.post("/orgs/{org}/pact/footprints", dependencies=[Csrf])
async def pact_publish(
    request: Request,
    org: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    background: BackgroundTasks,
) -> Response:
    """Publish one footprint from the form (replacing the Active one of the same products and
    geography); customers who see it are told."""
    store, _, _ = _stores(request, ctx)
    form = await request.form()
    fields = {name: str(form.get(name) or "")[:2000] for name, *_ in FOOTPRINT_FIELDS}

    def action() -> str:
        done = pact_service.publish_from_fields(
            ctx, principal, store, org, fields, base_url=_base(request)
        )
        background.add_task(deliver_notifications, ctx, store, request)
        if done["outcome"] == "unchanged":
            return f"Nothing changed: footprint {done['id']} already says this"
        replaced = f", replacing {done['replaced']} (now Deprecated)" if done["replaced"] else ""
        return f"Footprint {done['id']} published{replaced}"

    return _act(request, ctx, principal, org, action)


@ui_router.post("/orgs/{org}/pact/footprints/{footprint_id}/deprecate", dependencies=[Csrf])
def pact_deprecate(
    request: Request,
    org: str,
    footprint_id: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    background: BackgroundTasks,
) -> Response:
    store, _, _ = _stores(request, ctx)

    def action() -> str:
        pact_service.deprecate_footprint(
            ctx, principal, store, org, footprint_id, base_url=_base(request)
        )
        background.add_task(deliver_notifications, ctx, store, request)
        return f"Footprint {footprint_id} is Deprecated"

    return _act(request, ctx, principal, org, action)


@ui_router.post("/orgs/{org}/pact/credentials", dependencies=[Csrf])
def pact_credential(
    request: Request,
    org: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    customer: Annotated[str, Form(max_length=200)] = "",
    share_all: Annotated[str, Form(max_length=5)] = "",
    events_url: Annotated[str, Form(max_length=500)] = "",
    callback_client_id: Annotated[str, Form(max_length=200)] = "",
    callback_client_secret: Annotated[str, Form(max_length=500)] = "",
    reject_unknown: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    store, _, _ = _stores(request, ctx)
    page = functools.partial(_page, request, ctx, principal, org)
    return form_result(
        page,
        lambda: pact_service.create_credential(
            ctx,
            principal,
            store,
            org,
            customer,
            share_all=bool(share_all),
            events_url=events_url.strip() or None,
            callback_client_id=callback_client_id.strip() or None,
            callback_client_secret=callback_client_secret or None,
            reject_unknown=bool(reject_unknown),
        ),
        lambda made: page(secret=made),
    )


@ui_router.post("/orgs/{org}/pact/credentials/{client_id}/revoke", dependencies=[Csrf])
def pact_revoke(
    request: Request, org: str, client_id: str, ctx: CtxDep, principal: PrincipalDep
) -> Response:
    store, _, _ = _stores(request, ctx)
    pact_service.revoke_credential(ctx, principal, store, org, client_id)
    return _page(request, ctx, principal, org, notice=f"Credential {client_id} revoked")


@ui_router.post("/orgs/{org}/pact/requests/{request_id}/fulfil", dependencies=[Csrf])
def pact_fulfil(
    request: Request, org: str, request_id: RowId, ctx: CtxDep, principal: PrincipalDep
) -> Response:
    store, _, _ = _stores(request, ctx)

    def action() -> str:
        done = pact_service.fulfil_request(
            ctx, principal, store, event_sender(request), org, request_id, base_url=_base(request)
        )
        return f"Request {request_id} answered ({done['delivery']})"

    return _act(request, ctx, principal, org, action)


@ui_router.post("/orgs/{org}/pact/requests/{request_id}/reject", dependencies=[Csrf])
def pact_reject(
    request: Request,
    org: str,
    request_id: RowId,
    ctx: CtxDep,
    principal: PrincipalDep,
    message: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    store, _, _ = _stores(request, ctx)

    def action() -> str:
        done = pact_service.reject_request(
            ctx,
            principal,
            store,
            event_sender(request),
            org,
            request_id,
            base_url=_base(request),
            message=message.strip() or pact_service.NOT_FOUND_MESSAGE,
        )
        return f"Request {request_id} rejected ({done['delivery']})"

    return _act(request, ctx, principal, org, action)


@ui_router.post("/orgs/{org}/pact/connections", dependencies=[Csrf])
def pact_connect(
    request: Request,
    org: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    supplier_id: Annotated[str, Form(max_length=64)] = "",
    base_url: Annotated[str, Form(max_length=500)] = "",
    client_id: Annotated[str, Form(max_length=200)] = "",
    client_secret: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    _, connections, box = _stores(request, ctx)

    def action() -> str:
        pact_client.register_for(
            ctx,
            principal,
            connections,
            box,
            org,
            supplier_id=supplier_id.strip(),
            base_url=base_url,
            client_id=client_id,
            client_secret=client_secret,
        )
        return f"Connected to {base_url}"

    return _act(request, ctx, principal, org, action)


@ui_router.post("/orgs/{org}/pact/connections/{connection_id}/request", dependencies=[Csrf])
def pact_ask(
    request: Request,
    org: str,
    connection_id: RowId,
    ctx: CtxDep,
    principal: PrincipalDep,
    product_ids: Annotated[str, Form(max_length=20000)] = "",
) -> Response:
    """Ask a supplier's host for footprints of products (one id per line or comma)."""
    _, connections, box = _stores(request, ctx)
    wanted = [p.strip() for p in product_ids.replace(",", "\n").splitlines() if p.strip()]

    def action() -> str:
        principal.membership(org, Role.ANALYST)
        done = pact_client.request_missing(
            ctx,
            connections,
            box,
            _transport(request),
            org,
            connection_id,
            wanted,
            _base(request) + "/3/events",
        )
        return (
            f"Asked for {len(wanted)} product(s) (event {done['event_id']}); the answer "
            "arrives at your Events endpoint"
        )

    return _act(request, ctx, principal, org, action)


@ui_router.post("/orgs/{org}/pact/connections/{connection_id}/pull", dependencies=[Csrf])
def pact_pull(
    request: Request, org: str, connection_id: RowId, ctx: CtxDep, principal: PrincipalDep
) -> Response:
    _, connections, box = _stores(request, ctx)

    def action() -> str:
        done = pact_client.pull_for(
            ctx, principal, connections, box, _transport(request), org, connection_id
        )
        return (
            f"{done['footprints']} footprints pulled; products matched: "
            f"{', '.join(done['matched']) or 'none'}"
        )

    return _act(request, ctx, principal, org, action)
