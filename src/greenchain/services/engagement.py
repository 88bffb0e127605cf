"""Data requests, the buyer's side: a buyer asks some of its suppliers for climate data, follows
each supplier's status, reminds those that have not answered, and accepts an answer it may see
(it becomes the supplier-specific data of its next inventory run) or returns it for correction.
Acceptances are signed entries in the ledger.

A buyer sees its own requests and, for each, the answer (with its evidence and the supplier's
allocation to it, CDP Supply Chain SC1.1) only while the supplier's consent to it stands. The
supplier's side (sign-up, portal, drafts, submission, consent, evidence) is in
``services.supplier_answers``; what both share is in ``services.engagement_common``.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from greenchain.domain.access import Principal, Role, normalise_email
from greenchain.domain.allocation import METHOD_LABELS, AllocationMethod, supplier_data_fields
from greenchain.domain.engagement import RequestStatus, next_status, supplier_report, template
from greenchain.domain.errors import ConflictError, InvalidDataError, NotFoundError
from greenchain.services.context import Context
from greenchain.services.engagement_common import (
    answers_digest,
    engagement_store,
    record_in_ledger,
    sha256_hex,
)

REMIND_AFTER = dt.timedelta(days=3)


# --- the buyer's side ---------------------------------------------------------------------------


def _mail(ctx: Context, to: str, subject: str, body: str) -> None:
    accounts, _ = ctx.require_accounts()
    accounts.queue_mail(to, subject, body, ctx.clock.now())


def send_request(
    ctx: Context,
    buyer_slug: str,
    *,
    year: int,
    deadline: dt.date,
    recipients: Sequence[tuple[str, str]],
    message: str = "",
    base_url: str = "http://127.0.0.1:8000",
    template_key: str = "climate",
) -> dict[str, Any]:
    """Send the questionnaire for ``year`` to suppliers, given as (supplier id, contact email).
    A supplier already on the platform is told in its portal and by email; one that is not gets
    a sign-up link. Everything is checked before anything is stored or sent."""
    store = engagement_store(ctx)
    ws = ctx.workspace
    buyer = ws.get_org(buyer_slug)
    tmpl = template(template_key)
    today = ctx.clock.now().date()
    if not 1990 <= year <= 2100:
        raise InvalidDataError(f"field 'year': {year} is not a reporting year")
    if deadline < today:
        raise InvalidDataError(f"field 'deadline': {deadline} is in the past")
    if not recipients:
        raise InvalidDataError("field 'recipients': choose at least one supplier")
    known = ws.supplier_ids(buyer.id)
    seen: set[str] = set()
    rows: list[dict[str, Any]] = []
    tokens: dict[str, str | None] = {}
    for supplier_id, email in recipients:
        if supplier_id not in known:
            raise InvalidDataError(f"field 'recipients': unknown supplier '{supplier_id}'")
        if supplier_id in seen:
            raise InvalidDataError(f"field 'recipients': supplier '{supplier_id}' given twice")
        seen.add(supplier_id)
        try:
            address = normalise_email(email)
        except InvalidDataError:
            raise InvalidDataError(
                f"field 'recipients': '{email}' is not an email address (supplier {supplier_id})"
            ) from None
        linked = ws.supplier_org_of(buyer.id, supplier_id)
        token = None if linked is not None else secrets.token_urlsafe(32)
        tokens[supplier_id] = token
        rows.append(
            {
                "supplier_id": supplier_id,
                "email": address,
                "signup_token_sha256": sha256_hex(token) if token else None,
            }
        )
    asked = {
        r["supplier_id"]: r["request_id"]
        for r in store.recipients(buyer.id)
        if r["year"] == year and r["template"] == tmpl.key
    }
    again = sorted(s for s in seen if s in asked)
    if again:
        shown = ", ".join(f"{s} (request {asked[s]})" for s in again[:10])
        more = f" and {len(again) - 10} more" if len(again) > 10 else ""
        raise InvalidDataError(
            f"field 'recipients': already asked for {year}: {shown}{more}; leave them out "
            "(their request for the year is open: see it on the Requests page)"
        )
    now = ctx.clock.now()
    request_id = store.add_request(
        {
            "buyer_org_id": buyer.id,
            "template": tmpl.key,
            "template_version": tmpl.version,
            "year": year,
            "deadline": deadline,
            "message": message.strip(),
            "created_at": now,
        },
        rows,
        now,
    )
    base = base_url.rstrip("/")
    for row in rows:
        token = tokens[row["supplier_id"]]
        link = f"{base}/supplier-signup/{token}" if token else f"{base}/portal"
        what = (
            "Create your company's free account to answer"
            if token
            else "Answer in your Greenchain supplier portal"
        )
        _mail(
            ctx,
            row["email"],
            f"{buyer.name} asks for your {year} climate data",
            f"{buyer.name} asks you to answer its {tmpl.title.lower()} for {year} by "
            f"{deadline.isoformat()}.\n\n{message.strip()}\n\n{what}: {link}\n\n"
            "You answer once and choose which of your customers may see the answer.\n",
        )
    return {"id": request_id, "year": year, "deadline": deadline.isoformat(), "sent": len(rows)}


def list_requests(ctx: Context, buyer_slug: str) -> list[dict[str, Any]]:
    buyer = ctx.workspace.get_org(buyer_slug)
    return [
        {
            "id": r["id"],
            "year": r["year"],
            "deadline": r["deadline"].isoformat()
            if isinstance(r["deadline"], dt.date)
            else str(r["deadline"]),
            "template": f"{r['template']} v{r['template_version']}",
            "counts": r["counts"],
            "recipients": sum(r["counts"].values()),
            "response_rate": (
                sum(r["counts"].get(s, 0) for s in ("submitted", "accepted", "returned"))
                / sum(r["counts"].values())
                if r["counts"]
                else 0.0
            ),
        }
        for r in engagement_store(ctx).requests(buyer.id)
    ]


def request_detail(ctx: Context, buyer_slug: str, request_id: int) -> dict[str, Any]:
    """A request with each supplier's status and, where the supplier shares it, its answer."""
    store = engagement_store(ctx)
    buyer = ctx.workspace.get_org(buyer_slug)
    found = store.request(buyer.id, request_id)
    if found is None:
        raise NotFoundError(f"request {request_id} not found")
    names = ctx.workspace.supplier_names(buyer.id)
    rows = []
    for r in store.recipients(buyer.id, request_id):
        answer, allocation = None, None
        if r["response_id"] and store.has_consent(int(r["response_id"]), buyer.id):
            response = store.response_by_id(int(r["response_id"]))
            if response is not None:
                allocation = store.allocation(int(r["id"]))
                answer = {
                    "answers": response["answers"],
                    "evidence": [
                        {k: e[k] for k in ("id", "file_name", "size", "sha256")}
                        for e in store.evidence(int(r["response_id"]))
                    ],
                    "allocation": _allocation_seen(allocation),
                }
        rows.append(
            {
                "id": r["id"],
                "supplier_id": r["supplier_id"],
                "supplier_name": names.get(r["supplier_id"], ""),
                "email": r["email"],
                "status": r["status"],
                "comment": r["comment"],
                "submitted_at": r["submitted_at"].isoformat() if r["submitted_at"] else None,
                "answer": answer,
                "allocation_used": _allocation_used(r, allocation),
            }
        )
    return {
        "id": found["id"],
        "year": found["year"],
        "deadline": str(found["deadline"]),
        "message": found["message"],
        "template": f"{found['template']} v{found['template_version']}",
        "recipients": rows,
    }


def _allocation_seen(row: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """What the customer of a request sees of the supplier's allocation to it (CDP SC1.1)."""
    if row is None:
        return None
    keys = ("method", "customer_value", "total_value", "unit", "include_upstream",
            "uncertainty_pct", "share", "allocated_t")  # fmt: skip
    return {
        **{k: row[k] for k in keys},
        "method_label": METHOD_LABELS[AllocationMethod(row["method"])],
        "updated_at": _aware(row["updated_at"]).isoformat(),
    }


def _allocation_used(recipient: Mapping[str, Any], allocation: Mapping[str, Any] | None) -> bool:
    """Whether the customer's supplier data holds this allocation: it accepted the answer after
    the allocation was last set (accepting copies it)."""
    decided = recipient.get("decided_at")
    return (
        recipient["status"] == RequestStatus.ACCEPTED.value
        and allocation is not None
        and decided is not None
        and _aware(allocation["updated_at"]) <= _aware(decided)
    )


def _buyer_recipient(ctx: Context, buyer_slug: str, recipient_id: int) -> dict[str, Any]:
    buyer = ctx.workspace.get_org(buyer_slug)
    found = engagement_store(ctx).recipient(recipient_id)
    if found is None or int(found["buyer_org_id"]) != buyer.id:
        raise NotFoundError(f"request recipient {recipient_id} not found")
    return found


def accept(ctx: Context, buyer_slug: str, recipient_id: int) -> dict[str, Any]:
    """Accept a shared answer: it becomes the supplier's reported data for the year, so the
    next inventory run uses the supplier-specific method for it (the restatement says so)."""
    store = engagement_store(ctx)
    r = _buyer_recipient(ctx, buyer_slug, recipient_id)
    status = next_status(RequestStatus(r["status"]), RequestStatus.ACCEPTED)
    response_id = r["response_id"]
    if not response_id or not store.has_consent(int(response_id), int(r["buyer_org_id"])):
        raise ConflictError("the supplier no longer shares this answer with you")
    response = store.response_by_id(int(response_id))
    assert response is not None
    allocation = store.allocation(recipient_id)
    record = {**supplier_report(response["answers"]), **supplier_data_fields(allocation)}
    store.put_supplier_report(int(r["buyer_org_id"]), r["supplier_id"], record, int(response_id))
    now = ctx.clock.now()
    store.update_recipient(recipient_id, status=status.value, decided_at=now, updated_at=now)
    record_in_ledger(
        ctx,
        int(r["buyer_org_id"]),
        buyer_slug,
        "supplier_data_accepted",
        {
            "request_id": r["request_id"],
            "supplier_id": r["supplier_id"],
            "response_id": int(response_id),
            "answers_sha256": answers_digest(response["answers"]),
            "year": record["year"],
            "allocated_t": record.get("allocated_t"),
        },
        states=[("supplier_data", int(r["buyer_org_id"]))],
    )
    return {"id": recipient_id, "status": status.value, "supplier_data": record}


def return_for_correction(
    ctx: Context, buyer_slug: str, recipient_id: int, comment: str, base_url: str = ""
) -> dict[str, Any]:
    if not comment.strip():
        raise InvalidDataError("field 'comment': say what needs correcting")
    store = engagement_store(ctx)
    r = _buyer_recipient(ctx, buyer_slug, recipient_id)
    status = next_status(RequestStatus(r["status"]), RequestStatus.RETURNED)
    now = ctx.clock.now()
    store.update_recipient(
        recipient_id, status=status.value, comment=comment.strip(), decided_at=now, updated_at=now
    )
    _mail(
        ctx,
        r["email"],
        f"{r['buyer_name']} returned your {r['year']} climate data for correction",
        f"{r['buyer_name']} asks you to correct your answer: {comment.strip()}\n\n"
        f"Open your supplier portal: {base_url.rstrip('/')}/portal\n",
    )
    return {"id": recipient_id, "status": status.value, "comment": comment.strip()}


def remind(ctx: Context, buyer_slug: str, base_url: str = "") -> int:
    """Remind every supplier that has not submitted yet (at most once every three days)."""
    store = engagement_store(ctx)
    buyer = ctx.workspace.get_org(buyer_slug)
    now = ctx.clock.now()
    sent = 0
    for r in store.recipients(buyer.id):
        if r["status"] in ("submitted", "accepted"):
            continue
        if r["reminded_at"] is not None and now - _aware(r["reminded_at"]) < REMIND_AFTER:
            continue
        _mail(
            ctx,
            r["email"],
            f"Reminder: {buyer.name} awaits your {r['year']} climate data",
            f"{buyer.name} awaits your answer by {r['deadline']}.\n\n"
            f"Answer in your supplier portal: {base_url.rstrip('/')}/portal\n",
        )
        store.update_recipient(int(r["id"]), reminded_at=now, updated_at=now)
        sent += 1
    return sent


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


# --- principal-checking entry points for the buyer's side ---------------------------------------


def send_request_for(
    ctx: Context, principal: Principal, buyer_slug: str, **kwargs: Any
) -> dict[str, Any]:
    principal.membership(buyer_slug, Role.ANALYST)
    return send_request(ctx, buyer_slug, **kwargs)


def list_requests_for(ctx: Context, principal: Principal, buyer_slug: str) -> list[dict[str, Any]]:
    principal.membership(buyer_slug)
    return list_requests(ctx, buyer_slug)


def request_detail_for(
    ctx: Context, principal: Principal, buyer_slug: str, request_id: int
) -> dict[str, Any]:
    principal.membership(buyer_slug)
    return request_detail(ctx, buyer_slug, request_id)


def accept_for(
    ctx: Context, principal: Principal, buyer_slug: str, recipient_id: int
) -> dict[str, Any]:
    principal.membership(buyer_slug, Role.ANALYST)
    return accept(ctx, buyer_slug, recipient_id)


def return_for(
    ctx: Context,
    principal: Principal,
    buyer_slug: str,
    recipient_id: int,
    comment: str,
    base_url: str = "",
) -> dict[str, Any]:
    principal.membership(buyer_slug, Role.ANALYST)
    return return_for_correction(ctx, buyer_slug, recipient_id, comment, base_url)
