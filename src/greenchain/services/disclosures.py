"""Issuing disclosures: ESRS E1, CDP climate, GHG Protocol and IFRS S2 documents built from a
stored run, rendered as JSON, XLSX, HTML or PDF, stored with their SHA-256 and recorded in a
signed ledger entry, listed with the run they rest on and marked superseded when a newer run
of their year exists.

Why: a disclosed figure has to be the figure that was calculated and, where it was, verified;
and a reader (or the verifier) must be able to show that the file in hand is the one issued.
The ledger entry (kind ``disclosure``) carries the file's SHA-256, its kind, year and format,
and the run it rests on, so a hash of the file proves it unchanged and the run's own entry
leads to its lines.

Source: ESRS 1 para. 133 (assurance of sustainability statements) and the documents' own
standards (see ``disclosure``, ``cdp``, ``ghg_protocol``, ``ifrs_s2``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from greenchain.domain.access import Principal, Role
from greenchain.domain.errors import InvalidDataError, NotFoundError
from greenchain.services import disclosure
from greenchain.services.cdp import cdp, cdp_sheets
from greenchain.services.context import Context
from greenchain.services.disclosure_basis import CONSOLIDATION_APPROACHES, basis_rows
from greenchain.services.ghg_protocol import ghg_protocol, ghg_protocol_sheets
from greenchain.services.ifrs_s2 import ifrs_s2, ifrs_s2_sheets
from greenchain.services.inventory import get_inventory_report
from greenchain.services.ports import DisclosureRenderer, DisclosureStore, Table

LEDGER_KIND = "disclosure"
FORMATS: Mapping[str, tuple[str, str]] = {
    "json": ("application/json", "json"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "html": ("text/html; charset=utf-8", "html"),
    "pdf": ("application/pdf", "pdf"),
}


@dataclass(frozen=True)
class Kind:
    """A disclosure the platform issues: its title, how its document is built from a run and
    laid out as tables."""

    key: str
    title: str
    build: Callable[[Context, str, int, int | None, str], dict[str, Any]]
    tables: Callable[[dict[str, Any]], list[Table]]


KINDS: Mapping[str, Kind] = {
    "esrs-e1": Kind(
        "esrs-e1",
        "ESRS E1 climate disclosure",
        lambda ctx, org, year, run, _consolidation: disclosure.esrs_e1(ctx, org, year, run),
        disclosure.esrs_e1_sheets,
    ),
    "cdp": Kind(
        "cdp",
        "CDP climate response",
        lambda ctx, org, year, run, c: cdp(ctx, org, year, run, consolidation=c),
        cdp_sheets,
    ),
    "ghg-protocol": Kind(
        "ghg-protocol",
        "GHG Protocol inventory report",
        lambda ctx, org, year, run, c: ghg_protocol(ctx, org, year, run, consolidation=c),
        ghg_protocol_sheets,
    ),
    "ifrs-s2": Kind(
        "ifrs-s2",
        "IFRS S2 greenhouse gas metrics",
        lambda ctx, org, year, run, c: ifrs_s2(ctx, org, year, run, consolidation=c),
        ifrs_s2_sheets,
    ),
}


def kind_of(key: str) -> Kind:
    try:
        return KINDS[key]
    except KeyError:
        raise InvalidDataError(
            f"disclosure '{key}' is not one the platform issues; use one of " + ", ".join(KINDS)
        ) from None


def _format(fmt: str) -> tuple[str, str]:
    if fmt not in FORMATS:
        raise InvalidDataError(f"format '{fmt}': use one of " + ", ".join(FORMATS))
    return FORMATS[fmt]


def document(
    ctx: Context,
    org_slug: str,
    kind: str,
    year: int,
    run_id: int | None = None,
    consolidation: str = "operational control",
) -> dict[str, Any]:
    """The document of ``kind`` for ``year`` from a stored run (the year's latest unless
    ``run_id``), with its title and the basis as rows."""
    if consolidation not in CONSOLIDATION_APPROACHES:
        raise InvalidDataError(
            f"consolidation approach '{consolidation}': use one of "
            + ", ".join(CONSOLIDATION_APPROACHES)
        )
    chosen = kind_of(kind)
    if run_id is not None:
        ran = get_inventory_report(ctx, org_slug, year, run_id).year
        if ran != year:
            raise InvalidDataError(f"run {run_id} is the inventory of {ran}, not {year}")
    doc = chosen.build(ctx, org_slug, year, run_id, consolidation)
    return {"kind": chosen.key, "title": chosen.title, **doc}


def _without_header_block(rows: list[list[Any]]) -> list[list[Any]]:
    """A sheet without its leading organisation block (the basis is a table of its own)."""
    if rows and rows[0] and rows[0][0] == "Organisation" and [] in rows:
        return rows[rows.index([]) + 1 :]
    return rows


def tables(doc: dict[str, Any]) -> list[Table]:
    """The document's tables, the basis first."""
    body = [(name, _without_header_block(rows)) for name, rows in KINDS[doc["kind"]].tables(doc)]
    return [("Basis", [["Item", "Value"], *basis_rows(doc)]), *body]


def render(doc: dict[str, Any], fmt: str, renderer: DisclosureRenderer) -> bytes:
    """The document as a file in ``fmt`` (json, xlsx, html, pdf)."""
    _format(fmt)
    if fmt == "json":
        return (json.dumps(doc, indent=2) + "\n").encode()
    laid_out = tables(doc)
    if fmt == "xlsx":
        return renderer.xlsx(laid_out)
    html = renderer.html({**doc, "basis_rows": basis_rows(doc)}, laid_out[1:])
    return html.encode() if fmt == "html" else renderer.pdf(html)


def file_name(row: Mapping[str, Any], org_slug: str) -> str:
    suffix = FORMATS[str(row["format"])][1]
    return f"{org_slug}-{row['kind']}-{row['year']}-run{row['run_id']}-{row['id']}.{suffix}"


def _public(row: Mapping[str, Any], org_slug: str) -> dict[str, Any]:
    created = row.get("created_at")
    disclosure_id = int(row["id"])
    return {
        "id": disclosure_id,
        "kind": row["kind"],
        "title": KINDS[str(row["kind"])].title if row["kind"] in KINDS else row["kind"],
        "year": int(row["year"]),
        "run_id": int(row["run_id"]),
        "format": row["format"],
        "sha256": row["sha256"],
        "size": row.get("size"),
        "created_at": created.isoformat() if isinstance(created, dt.datetime) else created,
        "file_name": file_name(row, org_slug),
        "url": f"/api/v1/orgs/{org_slug}/disclosures/{disclosure_id}/file",
    }


def issue(
    ctx: Context,
    store: DisclosureStore,
    org_slug: str,
    kind: str,
    year: int,
    fmt: str,
    *,
    renderer: DisclosureRenderer,
    run_id: int | None = None,
    consolidation: str = "operational control",
) -> dict[str, Any]:
    """Build, render, store and record a disclosure; returns it with ``ledger_seq`` (the
    entry's sequence number, None without a ledger) and ``content`` (the file)."""
    _format(fmt)
    org = ctx.workspace.get_org(org_slug)
    doc = document(ctx, org_slug, kind, year, run_id, consolidation)
    content = render(doc, fmt, renderer)
    digest = hashlib.sha256(content).hexdigest()
    run = int(doc["basis"]["run_id"])
    values = {
        "org_id": org.id,
        "kind": kind,
        "year": year,
        "run_id": run,
        "format": fmt,
        "content": content,
        "sha256": digest,
        "created_at": ctx.clock.now(),
    }
    disclosure_id = store.add_disclosure(values)
    seq: int | None = None
    if ctx.ledger is not None:
        from greenchain.services import ledger

        seq = ledger.record(
            ctx,
            org.id,
            org.slug,
            LEDGER_KIND,
            {
                "disclosure_id": disclosure_id,
                "kind": kind,
                "year": year,
                "format": fmt,
                "sha256": digest,
                "run_id": run,
                "run_entry": doc["basis"]["ledger_entry"],
            },
            row=("disclosures", disclosure_id),
        )
    public = _public({**values, "id": disclosure_id, "size": len(content)}, org.slug)
    return {**public, "ledger_seq": seq, "content": content}


def list_disclosures(ctx: Context, store: DisclosureStore, org_slug: str) -> list[dict[str, Any]]:
    """The organisation's issued disclosures, newest first, each with ``ledger_seq`` and, when
    a newer run of its year exists, ``superseded_by`` that run."""
    org = ctx.workspace.get_org(org_slug)
    entries: dict[int, int] = {}
    if ctx.ledger is not None:
        for item in ctx.ledger.entries_of(org.id):
            if item["kind"] == LEDGER_KIND:
                payload = json.loads(item["entry"])["payload"]
                entries[int(payload["disclosure_id"])] = int(item["seq"])
    latest: dict[int, int | None] = {}
    listed = []
    for row in store.disclosures(org.id):
        public = _public(row, org.slug)
        year = public["year"]
        if year not in latest:
            latest[year] = ctx.workspace.latest_run_id(org.id, year)
        newest = latest[year]
        public["superseded_by"] = newest if newest not in (None, public["run_id"]) else None
        public["ledger_seq"] = entries.get(public["id"])
        listed.append(public)
    return listed


def get_disclosure(
    ctx: Context, store: DisclosureStore, org_slug: str, disclosure_id: int
) -> dict[str, Any]:
    """An issued disclosure with its file (``content``); another organisation's, or none, is
    NotFoundError."""
    org = ctx.workspace.get_org(org_slug)
    row = store.disclosure(org.id, disclosure_id)
    if row is None:
        raise NotFoundError(f"disclosure {disclosure_id} not found")
    return {**_public({**row, "size": len(row["content"])}, org.slug), "content": row["content"]}


# --- for a signed-in user: membership first ------------------------------------------------


def preview_for(
    ctx: Context,
    principal: Principal,
    org_slug: str,
    kind: str,
    year: int,
    run_id: int | None,
    renderer: DisclosureRenderer,
    consolidation: str = "operational control",
) -> str:
    """The HTML of a disclosure as it would be issued, not stored (members)."""
    principal.membership(org_slug)
    doc = document(ctx, org_slug, kind, year, run_id, consolidation)
    return render(doc, "html", renderer).decode()


def issue_for(
    ctx: Context,
    principal: Principal,
    store: DisclosureStore,
    org_slug: str,
    kind: str,
    year: int,
    fmt: str,
    *,
    renderer: DisclosureRenderer,
    run_id: int | None = None,
    consolidation: str = "operational control",
) -> dict[str, Any]:
    principal.membership(org_slug, Role.ANALYST)
    return issue(
        ctx,
        store,
        org_slug,
        kind,
        year,
        fmt,
        renderer=renderer,
        run_id=run_id,
        consolidation=consolidation,
    )


def list_disclosures_for(
    ctx: Context, principal: Principal, store: DisclosureStore, org_slug: str
) -> list[dict[str, Any]]:
    principal.membership(org_slug)
    return list_disclosures(ctx, store, org_slug)


def get_disclosure_for(
    ctx: Context, principal: Principal, store: DisclosureStore, org_slug: str, disclosure_id: int
) -> dict[str, Any]:
    principal.membership(org_slug)
    return get_disclosure(ctx, store, org_slug, disclosure_id)
