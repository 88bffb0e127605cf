"""Data requests, the supplier's side: a supplier without an account signs up from a request's
link; in its portal a supplier organisation sees what each of its customers asks, answers once
per questionnaire and year (prefilled from its own latest inventory, drafts kept as typed,
evidence files attached), chooses which of the customers asking for that year may see the
answer, and may withdraw that consent later. Submissions and withdrawals of consent are signed
entries in the ledger.

A supplier organisation sees the requests addressed to the supplier records it operates
(``supplier_links``) and never another supplier's data or a buyer's spend. The buyer's side is
in ``services.engagement``; what both share is in ``services.engagement_common``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Any

from greenchain.domain.access import Principal, Role
from greenchain.domain.engagement import (
    RequestStatus,
    answers_from_inventory,
    next_status,
    require_valid,
    template,
    validate_answers,
)
from greenchain.domain.errors import ConflictError, InvalidDataError, NotFoundError
from greenchain.domain.inventory import InventoryReport
from greenchain.services.context import Context
from greenchain.services.engagement_common import (
    answers_digest,
    engagement_store,
    record_in_ledger,
    sha256_hex,
)

EVIDENCE_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".csv": "text/csv",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
#: How a file of each binary type starts (its signature): a file named .pdf that does not start
#: with %PDF- (a program renamed, say) is not served to customers as a PDF.
EVIDENCE_SIGNATURES = {
    ".pdf": (b"%PDF-",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".xlsx": (b"PK\x03\x04",),  # a ZIP package
}


# --- sign-up of a supplier without an account ---------------------------------------------------


def signup_info(ctx: Context, token: str) -> dict[str, Any]:
    r = engagement_store(ctx).recipient_by_token(sha256_hex(token))
    if r is None:
        raise NotFoundError("this sign-up link is unknown or already used")
    names = ctx.workspace.supplier_names(int(r["buyer_org_id"]))
    accounts, _ = ctx.require_accounts()
    return {
        "buyer": r["buyer"],
        "buyer_name": r["buyer_name"],
        "supplier_name": names.get(r["supplier_id"], r["supplier_id"]),
        "email": r["email"],
        "year": r["year"],
        "deadline": str(r["deadline"]),
        "has_account": accounts.find_user(r["email"]) is not None,
    }


def _slug(name: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:50] or "supplier"
    return base if len(base) >= 2 else f"{base}-org"


def sign_up(ctx: Context, token: str, organisation_name: str, password: str) -> Principal:
    """Create the supplier's organisation and its first user (admin) from a request's sign-up
    link, and link the buyer's supplier record to it. The link works once."""
    from greenchain.services.accounts import add_user
    from greenchain.services.orgs import add_organisation

    store = engagement_store(ctx)
    r = store.recipient_by_token(sha256_hex(token))
    if r is None:
        raise NotFoundError("this sign-up link is unknown or already used")
    accounts, _ = ctx.require_accounts()
    if accounts.find_user(r["email"]) is not None:
        raise ConflictError(
            f"{r['email']} already has an account: log in and open the supplier portal"
        )
    name = organisation_name.strip()
    if not 2 <= len(name) <= 200:
        raise InvalidDataError("field 'organisation': give your company's name")
    slug = _slug(name)
    existing = {o.slug for o in ctx.workspace.list_orgs()}
    candidate, n = slug, 1
    while candidate in existing:
        n += 1
        candidate = f"{slug}-{n}"
    from greenchain.domain.access import check_password_strength

    check_password_strength(password)
    org = add_organisation(ctx, candidate, name)
    principal = add_user(ctx, r["email"], password, org.slug, Role.ADMIN)
    ctx.workspace.link_supplier(int(r["buyer_org_id"]), r["supplier_id"], org.id, ctx.clock.now())
    now = ctx.clock.now()
    store.update_recipient(
        int(r["id"]),
        signup_token_sha256=None,
        status=next_status(RequestStatus(r["status"]), RequestStatus.OPENED).value,
        opened_at=now,
        updated_at=now,
    )
    return principal


# --- the portal of a supplier organisation ------------------------------------------------------


def _supplier_org(ctx: Context, principal: Principal, org_slug: str, role: Role) -> int:
    return principal.membership(org_slug, role).org_id


def _links(ctx: Context, supplier_org_id: int) -> list[tuple[int, str]]:
    return [
        (int(c["buyer_org_id"]), str(c["supplier_id"]))
        for c in ctx.workspace.customers_of(supplier_org_id)
    ]


def portal(ctx: Context, principal: Principal, org_slug: str) -> dict[str, Any]:
    """Everything a supplier organisation is asked: requests of all its customers, its answers
    by year and who may see each."""
    store = engagement_store(ctx)
    org_id = _supplier_org(ctx, principal, org_slug, Role.VIEWER)
    requests = []
    years: set[tuple[str, int]] = set()
    for r in store.recipients_for_supplier(_links(ctx, org_id)):
        years.add((r["template"], int(r["year"])))
        requests.append(
            {
                "id": r["id"],
                "buyer": r["buyer"],
                "buyer_name": r["buyer_name"],
                "year": r["year"],
                "deadline": str(r["deadline"]),
                "status": r["status"],
                "comment": r["comment"],
                "message": r["message"],
            }
        )
    answers = []
    for key, year in sorted(years):
        response = store.response(org_id, key, year)
        if response is None:
            continue
        answers.append(
            {
                "id": response["id"],
                "year": year,
                "submitted_at": response["submitted_at"].isoformat()
                if response["submitted_at"]
                else None,
                "shared_with": [
                    {
                        "buyer": g["buyer"],
                        "buyer_name": g["buyer_name"],
                        "active": g["revoked_at"] is None,
                    }
                    for g in store.grants(int(response["id"]))
                ],
            }
        )
    return {"org": org_slug, "requests": requests, "answers": answers}


def supplier_recipient(
    ctx: Context, principal: Principal, org_slug: str, recipient_id: int, role: Role
) -> tuple[int, dict[str, Any]]:
    org_id = _supplier_org(ctx, principal, org_slug, role)
    r = engagement_store(ctx).recipient(recipient_id)
    if r is None or (int(r["buyer_org_id"]), str(r["supplier_id"])) not in _links(ctx, org_id):
        raise NotFoundError(f"request {recipient_id} not found")
    return org_id, r


def open_request(
    ctx: Context, principal: Principal, org_slug: str, recipient_id: int
) -> dict[str, Any]:
    """A request as its supplier sees it, with its current answer (marks it opened)."""
    store = engagement_store(ctx)
    org_id, r = supplier_recipient(ctx, principal, org_slug, recipient_id, Role.VIEWER)
    now = ctx.clock.now()
    status = next_status(RequestStatus(r["status"]), RequestStatus.OPENED)
    if status.value != r["status"]:
        store.update_recipient(recipient_id, status=status.value, opened_at=now, updated_at=now)
    response = store.response(org_id, r["template"], int(r["year"]))
    prefilled = None if response else _from_own_inventory(ctx, org_id, int(r["year"]))
    others = [
        x
        for x in store.recipients_for_supplier(_links(ctx, org_id))
        if int(x["year"]) == int(r["year"]) and x["id"] != recipient_id
    ]
    return {
        "id": recipient_id,
        "buyer": r["buyer"],
        "buyer_name": r["buyer_name"],
        "year": r["year"],
        "deadline": str(r["deadline"]),
        "message": r["message"],
        "status": status.value,
        "comment": r["comment"],
        "template": template(r["template"], int(r["template_version"])),
        "answers": response["answers"]
        if response
        else (prefilled or {}).get("answers", {"reporting_year": r["year"]}),
        "prefilled_from_run": (prefilled or {}).get("run_id"),
        "response_id": response["id"] if response else None,
        "evidence": store.evidence(int(response["id"])) if response else [],
        "shared_with": [
            g["buyer"] for g in store.grants(int(response["id"])) if g["revoked_at"] is None
        ]
        if response
        else [],
        "other_customers": sorted({(x["buyer"], x["buyer_name"]) for x in others}),
    }


def _from_own_inventory(ctx: Context, org_id: int, year: int) -> dict[str, Any] | None:
    """Answers from the supplier organisation's own latest calculated inventory of ``year``
    (None when it has none): it answers once, from its data, and checks before submitting."""
    run = ctx.workspace.latest_run(org_id, year)
    if run is None:
        return None
    report = InventoryReport.from_dict({**run.summary, "run_id": run.id})
    return {"run_id": run.id, "answers": answers_from_inventory(report)}


def save_draft(
    ctx: Context,
    principal: Principal,
    org_slug: str,
    recipient_id: int,
    answers: Mapping[str, Any],
) -> dict[str, Any]:
    """Keep what is typed so far (fields are checked, required ones may still be empty)."""
    store = engagement_store(ctx)
    org_id, r = supplier_recipient(ctx, principal, org_slug, recipient_id, Role.ANALYST)
    tmpl = template(r["template"], int(r["template_version"]))
    checked = validate_answers(
        tmpl, answers, final=False, currencies=ctx.conversions.iso_currencies()
    )
    now = ctx.clock.now()
    response_id = store.save_response(
        org_id, tmpl.key, tmpl.version, int(r["year"]), checked.values, now, submitted=False
    )
    status = next_status(RequestStatus(r["status"]), RequestStatus.IN_PROGRESS)
    if status.value != r["status"]:
        store.update_recipient(recipient_id, status=status.value, updated_at=now)
    return {
        "response_id": response_id,
        "saved_at": now.isoformat(timespec="seconds"),
        "problems": [
            {"field": p.field, "label": p.label, "message": p.message} for p in checked.problems
        ],
    }


def submit(
    ctx: Context,
    principal: Principal,
    org_slug: str,
    recipient_id: int,
    answers: Mapping[str, Any],
    share_with: Sequence[str] = (),
) -> dict[str, Any]:
    """Submit the answer to this request and share it with this customer and any of the other
    customers asking for the same year that the supplier chooses (``share_with``, by slug)."""
    store = engagement_store(ctx)
    org_id, r = supplier_recipient(ctx, principal, org_slug, recipient_id, Role.ANALYST)
    tmpl = template(r["template"], int(r["template_version"]))
    values = require_valid(
        validate_answers(
            tmpl,
            answers,
            final=True,
            year=int(r["year"]),
            currencies=ctx.conversions.iso_currencies(),
        )
    )
    before = store.response(org_id, tmpl.key, int(r["year"]))
    changed = before is None or answers_digest(before["answers"]) != answers_digest(values)
    targets = [r]
    wanted = {s for s in share_with if s != r["buyer"]}
    for other in store.recipients_for_supplier(_links(ctx, org_id)):
        if other["buyer"] in wanted and int(other["year"]) == int(r["year"]):
            targets.append(other)
            wanted.discard(other["buyer"])
    if wanted:
        raise InvalidDataError(
            f"field 'share_with': {', '.join(sorted(wanted))} did not ask you for {r['year']}"
        )
    # Each customer's request keeps its own state: one that accepted this very answer stays
    # accepted; an answer that changed goes back to it for review. Decided before any write.
    moves: list[tuple[int, int, str]] = []
    for target in targets:
        current = RequestStatus(target["status"])
        status: RequestStatus = current
        if current is not RequestStatus.ACCEPTED or changed:
            status = next_status(current, RequestStatus.SUBMITTED)
        moves.append((int(target["id"]), int(target["buyer_org_id"]), status.value))
    shared = sorted(str(target["buyer"]) for target in targets)
    now = ctx.clock.now()

    def record_entry(transaction: object, response_id: int) -> object:
        if ctx.ledger is None:
            return None
        from greenchain.services import ledger

        return ledger.record(
            ctx,
            org_id,
            org_slug,
            "supplier_submission",
            {
                "response_id": response_id,
                "template": f"{tmpl.key} v{tmpl.version}",
                "year": int(r["year"]),
                "answers_sha256": answers_digest(values),
                "shared_with": shared,
            },
            within=transaction,
        )

    response_id = store.submit(
        org_id, tmpl.key, tmpl.version, int(r["year"]), values, now, moves, record_entry
    )
    return {"response_id": response_id, "status": "submitted", "shared_with": sorted(shared)}


def revoke(
    ctx: Context, principal: Principal, org_slug: str, response_id: int, buyer_slug: str
) -> dict[str, Any]:
    """Withdraw a customer's access to an answer. Its future runs no longer use it; past
    inventory runs stay as they were calculated."""
    store = engagement_store(ctx)
    org_id = _supplier_org(ctx, principal, org_slug, Role.ANALYST)
    response = store.response_by_id(response_id)
    if response is None or int(response["supplier_org_id"]) != org_id:
        raise NotFoundError(f"answer {response_id} not found")
    buyer = ctx.workspace.get_org(buyer_slug)
    now = ctx.clock.now()
    if not store.revoke(response_id, buyer.id, now):
        raise NotFoundError(f"{buyer_slug} has no access to this answer")
    dropped = store.drop_reports_from(buyer.id, response_id)
    record_in_ledger(
        ctx,
        org_id,
        org_slug,
        "supplier_consent_revoked",
        {"response_id": response_id, "buyer": buyer_slug, "year": int(response["year"])},
        states=[("supplier_data", buyer.id)],
    )
    return {"response_id": response_id, "buyer": buyer_slug, "dropped_rows": dropped}


def add_evidence(
    ctx: Context,
    principal: Principal,
    org_slug: str,
    recipient_id: int,
    file_name: str,
    data: bytes,
) -> dict[str, Any]:
    """Attach an evidence file (PDF, image, CSV or XLSX up to 10 MB) to the answer."""
    store = engagement_store(ctx)
    org_id, r = supplier_recipient(ctx, principal, org_slug, recipient_id, Role.ANALYST)
    name = file_name.strip().replace("\\", "/").rsplit("/", 1)[-1][:300]
    suffix = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if suffix not in EVIDENCE_TYPES:
        raise InvalidDataError(
            f"{name or 'file'}: evidence must be one of {', '.join(sorted(EVIDENCE_TYPES))}"
        )
    if not data:
        raise InvalidDataError(f"{name}: the file is empty")
    if len(data) > MAX_EVIDENCE_BYTES:
        raise InvalidDataError(f"{name}: larger than {MAX_EVIDENCE_BYTES // (1024 * 1024)} MB")
    starts = EVIDENCE_SIGNATURES.get(suffix)
    if starts and not data.startswith(starts):
        raise InvalidDataError(f"{name}: not a {suffix[1:].upper()} file (its content is not)")
    if suffix == ".csv" and b"\x00" in data[:4096]:
        raise InvalidDataError(f"{name}: not a CSV file (its content is binary)")
    response = store.response(org_id, r["template"], int(r["year"]))
    now = ctx.clock.now()
    response_id = (
        int(response["id"])
        if response
        else store.save_response(
            org_id, r["template"], int(r["template_version"]), int(r["year"]), {}, now, False
        )
    )
    digest = hashlib.sha256(data).hexdigest()
    evidence_id = store.add_evidence(
        {
            "response_id": response_id,
            "file_name": name,
            "content_type": EVIDENCE_TYPES[suffix],
            "size": len(data),
            "sha256": digest,
            "data": data,
            "uploaded_at": now,
        }
    )
    return {"id": evidence_id, "file_name": name, "size": len(data), "sha256": digest}
