"""Disclosures on the web: the JSON API (issue, list, download) and the Reports page's part
(choose the document, year and run; preview it; issue and download it).

Every route checks membership through the use cases of ``greenchain.services.disclosures``
(analysts issue; any member reads); another organisation's document is 404.
"""

from __future__ import annotations

import functools
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import Engine

from greenchain.adapters.db.disclosures import SqlDisclosures
from greenchain.adapters.disclosure_render import DisclosureRenderer
from greenchain.domain.access import Principal
from greenchain.domain.errors import InvalidDataError, NotFoundError
from greenchain.domain.records import MAX_ROW_ID
from greenchain.entrypoints.web.api import ERRORS
from greenchain.entrypoints.web.deps import CtxDep, PrincipalDep, RowId
from greenchain.entrypoints.web.ui import Csrf, form_result
from greenchain.services import disclosures as service
from greenchain.services import queries
from greenchain.services.context import Context
from greenchain.services.disclosure_basis import CONSOLIDATION_APPROACHES
from greenchain.services.ports import DisclosureStore

api_router = APIRouter(prefix="/api/v1", tags=["disclosures"])
ui_router = APIRouter(include_in_schema=False)

#: Stored and previewed HTML documents carry inline styles and no scripts: served with a
#: policy that allows exactly that, sandboxed.
HTML_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'; sandbox"
)
Kind = Literal["esrs-e1", "cdp", "ghg-protocol", "ifrs-s2"]
Format = Literal["json", "xlsx", "html", "pdf"]
Consolidation = Literal["operational control", "financial control", "equity share"]


@functools.cache
def _renderer() -> DisclosureRenderer:
    return DisclosureRenderer()


def _store(ctx: Context) -> DisclosureStore:
    engine = getattr(ctx.workspace, "engine", None)
    if not isinstance(engine, Engine):  # pragma: no cover - wiring error
        raise NotFoundError("disclosures are not available in this deployment")
    return SqlDisclosures(engine)


def _file(org: str, made: dict[str, Any]) -> Response:
    media_type = service.FORMATS[made["format"]][0]
    inline = made["format"] == "html"
    headers = {
        "Content-Disposition": (
            f'{"inline" if inline else "attachment"}; filename="{made["file_name"]}"'
        ),
        "X-Content-SHA256": made["sha256"],
    }
    if inline:
        headers["Content-Security-Policy"] = HTML_POLICY
    return Response(made["content"], media_type=media_type, headers=headers)


class DisclosureIn(BaseModel):
    kind: Kind = Field(description="esrs-e1, cdp, ghg-protocol or ifrs-s2")
    year: int = Field(ge=1990, le=2100, description="Reporting year")
    format: Format = Field(default="pdf", description="json, xlsx, html or pdf")
    run_id: int | None = Field(
        default=None, ge=1, le=MAX_ROW_ID, description="A run of the year (default: latest)"
    )
    consolidation: Consolidation = "operational control"


# --- API -------------------------------------------------------------------------------------


@api_router.post("/orgs/{org}/disclosures", status_code=201, responses=ERRORS)
def disclosures_create(
    org: str, body: DisclosureIn, ctx: CtxDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Issue a disclosure from a stored run (analysts): stored, its SHA-256 recorded in the
    ledger (``ledger_seq``); the answer has the download ``url``."""
    made = service.issue_for(
        ctx,
        principal,
        _store(ctx),
        org,
        body.kind,
        body.year,
        body.format,
        renderer=_renderer(),
        run_id=body.run_id,
        consolidation=body.consolidation,
    )
    return {k: v for k, v in made.items() if k != "content"}


@api_router.get("/orgs/{org}/disclosures", responses=ERRORS)
def disclosures_list(org: str, ctx: CtxDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    """The organisation's issued disclosures, newest first, with ``superseded_by`` the newer
    run of their year when there is one."""
    return service.list_disclosures_for(ctx, principal, _store(ctx), org)


@api_router.get(
    "/orgs/{org}/disclosures/{disclosure_id}/file",
    responses={**ERRORS, 200: {"content": {"application/octet-stream": {}}}},
    response_class=Response,
)
def disclosures_file(
    org: str, disclosure_id: RowId, ctx: CtxDep, principal: PrincipalDep
) -> Response:
    """The issued file (its SHA-256 is in the ``X-Content-SHA256`` header and the ledger)."""
    return _file(org, service.get_disclosure_for(ctx, principal, _store(ctx), org, disclosure_id))


# --- the Reports page's part -----------------------------------------------------------------


def page_context(ctx: Context, principal: Principal, org: str) -> dict[str, Any]:
    """What the Reports page shows of disclosures: the kinds, the runs to choose from, the
    consolidation approaches and the issued documents."""
    return {
        "disclosure_kinds": [(k.key, k.title) for k in service.KINDS.values()],
        "disclosure_formats": list(service.FORMATS),
        "consolidations": CONSOLIDATION_APPROACHES,
        "runs": sorted(
            queries.list_runs(ctx, principal, org), key=lambda r: (-r["year"], -r["id"])
        ),
        "disclosures": service.list_disclosures_for(ctx, principal, _store(ctx), org),
    }


def _run(text: str) -> int | None:
    """The run field: empty is the year's latest run."""
    if not text.strip():
        return None
    if not text.strip().isdigit() or not 1 <= int(text) <= MAX_ROW_ID:
        raise InvalidDataError(f"field 'Run': '{text}' is not a run number")
    return int(text)


@ui_router.get("/orgs/{org}/disclosures/preview")
def disclosures_preview(
    org: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    kind: Annotated[Kind, Query()],
    year: Annotated[int, Query(ge=1990, le=2100)],
    run: Annotated[str, Query(max_length=20)] = "",
    consolidation: Annotated[Consolidation, Query()] = "operational control",
) -> Response:
    """The document as it would be issued (with the form's consolidation approach), in HTML,
    not stored."""
    html = service.preview_for(
        ctx, principal, org, kind, year, _run(run), _renderer(), consolidation
    )
    return Response(
        html,
        media_type="text/html; charset=utf-8",
        headers={"Content-Security-Policy": HTML_POLICY},
    )


@ui_router.post("/orgs/{org}/disclosures", dependencies=[Csrf])
def disclosures_issue_form(
    request: Request,
    org: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    kind: Annotated[Kind, Form()],
    year: Annotated[int, Form(ge=1990, le=2100)],
    format: Annotated[Format, Form()] = "pdf",
    run: Annotated[str, Form(max_length=20)] = "",
    consolidation: Annotated[Consolidation, Form()] = "operational control",
) -> Response:
    from greenchain.entrypoints.web.reports import reports_page_for  # the page it is on

    page = functools.partial(reports_page_for, request, ctx, principal, org, year=year)
    return form_result(
        page,
        lambda: service.issue_for(
            ctx,
            principal,
            _store(ctx),
            org,
            kind,
            year,
            format,
            renderer=_renderer(),
            run_id=_run(run),
            consolidation=consolidation,
        ),
        lambda made: RedirectResponse(
            f"/orgs/{org}/reports?issued={made['id']}#disclosures", status_code=303
        ),
    )


@ui_router.get("/orgs/{org}/disclosures/{disclosure_id}/file")
def disclosures_file_page(
    org: str, disclosure_id: RowId, ctx: CtxDep, principal: PrincipalDep
) -> Response:
    return _file(org, service.get_disclosure_for(ctx, principal, _store(ctx), org, disclosure_id))
