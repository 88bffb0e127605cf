"""Data requests and the supplier portal: a buyer asks some of its suppliers for climate data; a
supplier answers once per questionnaire and year and chooses which customers may see the answer;
a buyer accepts an answer it may see (it becomes the supplier-specific data of its next
inventory run) or returns it for correction. Submissions, acceptances and withdrawals of
consent are signed entries in the ledger.

Who sees what: a buyer sees its own requests and, for each, the answer only while the supplier's
consent to it stands; a supplier organisation sees the requests addressed to the supplier
records it operates (``supplier_links``) and never another supplier's data or a buyer's spend.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from greenchain.domain.access import Principal, Role, normalise_email
from greenchain.domain.allocation import METHOD_LABELS, AllocationMethod, supplier_data_fields
from greenchain.domain.engagement import (
    RequestStatus,
    answers_from_inventory,
    next_status,
    require_valid,
    supplier_report,
    template,
    validate_answers,
)
from greenchain.domain.errors import ConflictError, InvalidDataError, NotFoundError
from greenchain.domain.inventory import InventoryReport
from greenchain.domain.ledger import canonical_entry
from greenchain.services.context import Context
from greenchain.services.ports import EngagementStore

EVIDENCE_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".csv": "text/csv",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
REMIND_AFTER = dt.timedelta(days=3)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _store(ctx: Context) -> EngagementStore:
    if ctx.engagement is None:  # pragma: no cover - wiring error
        raise RuntimeError("supplier engagement is not wired in this context")
    return ctx.engagement


def _record(
    ctx: Context,
    org_id: int,
    org_slug: str,
    kind: str,
    payload: dict[str, Any],
    states: Sequence[tuple[str, int]] = (),
) -> None:
    if ctx.ledger is not None:
        from greenchain.services import ledger

        ledger.record(ctx, org_id, org_slug, kind, payload, states=states)


def _mail(ctx: Context, to: str, subject: str, body: str) -> None:
    accounts, _ = ctx.require_accounts()
    accounts.queue_mail(to, subject, body, ctx.clock.now())


# --- the buyer's side ---------------------------------------------------------------------------


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
    store = _store(ctx)
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
                "signup_token_sha256": _sha256(token) if token else None,
            }
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
        for r in _store(ctx).requests(buyer.id)
    ]


def request_detail(ctx: Context, buyer_slug: str, request_id: int) -> dict[str, Any]:
    """A request with each supplier's status and, where the supplier shares it, its answer."""
    store = _store(ctx)
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
    found = _store(ctx).recipient(recipient_id)
    if found is None or int(found["buyer_org_id"]) != buyer.id:
        raise NotFoundError(f"request recipient {recipient_id} not found")
    return found


def accept(ctx: Context, buyer_slug: str, recipient_id: int) -> dict[str, Any]:
    """Accept a shared answer: it becomes the supplier's reported data for the year, so the
    next inventory run uses the supplier-specific method for it (the restatement says so)."""
    store = _store(ctx)
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
    _record(
        ctx,
        int(r["buyer_org_id"]),
        buyer_slug,
        "supplier_data_accepted",
        {
            "request_id": r["request_id"],
            "supplier_id": r["supplier_id"],
            "response_id": int(response_id),
            "answers_sha256": _answers_digest(response["answers"]),
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
    store = _store(ctx)
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
    store = _store(ctx)
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


# --- sign-up of a supplier without an account ---------------------------------------------------


def signup_info(ctx: Context, token: str) -> dict[str, Any]:
    r = _store(ctx).recipient_by_token(_sha256(token))
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

    store = _store(ctx)
    r = store.recipient_by_token(_sha256(token))
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


# --- the supplier's side ------------------------------------------------------------------------


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
    store = _store(ctx)
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
    r = _store(ctx).recipient(recipient_id)
    if r is None or (int(r["buyer_org_id"]), str(r["supplier_id"])) not in _links(ctx, org_id):
        raise NotFoundError(f"request {recipient_id} not found")
    return org_id, r


def open_request(
    ctx: Context, principal: Principal, org_slug: str, recipient_id: int
) -> dict[str, Any]:
    """A request as its supplier sees it, with its current answer (marks it opened)."""
    store = _store(ctx)
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
    store = _store(ctx)
    org_id, r = supplier_recipient(ctx, principal, org_slug, recipient_id, Role.ANALYST)
    tmpl = template(r["template"], int(r["template_version"]))
    checked = validate_answers(tmpl, answers, final=False)
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


def _answers_digest(answers: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_entry(dict(answers))).hexdigest()


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
    store = _store(ctx)
    org_id, r = supplier_recipient(ctx, principal, org_slug, recipient_id, Role.ANALYST)
    tmpl = template(r["template"], int(r["template_version"]))
    values = require_valid(validate_answers(tmpl, answers, final=True, year=int(r["year"])))
    before = store.response(org_id, tmpl.key, int(r["year"]))
    changed = before is None or _answers_digest(before["answers"]) != _answers_digest(values)
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
                "answers_sha256": _answers_digest(values),
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
    store = _store(ctx)
    org_id = _supplier_org(ctx, principal, org_slug, Role.ANALYST)
    response = store.response_by_id(response_id)
    if response is None or int(response["supplier_org_id"]) != org_id:
        raise NotFoundError(f"answer {response_id} not found")
    buyer = ctx.workspace.get_org(buyer_slug)
    now = ctx.clock.now()
    if not store.revoke(response_id, buyer.id, now):
        raise NotFoundError(f"{buyer_slug} has no access to this answer")
    dropped = store.drop_reports_from(buyer.id, response_id)
    _record(
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
    store = _store(ctx)
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


def evidence_download(
    ctx: Context, principal: Principal, org_slug: str, recipient_id: int, evidence_id: int
) -> dict[str, Any]:
    """An evidence file, for the supplier that uploaded it or a buyer the answer is shared
    with."""
    store = _store(ctx)
    member = principal.membership(org_slug)
    r = store.recipient(recipient_id)
    if r is None or not r["response_id"]:
        raise NotFoundError(f"evidence {evidence_id} not found")
    response_id = int(r["response_id"])
    response = store.response_by_id(response_id)
    allowed = response is not None and (
        int(response["supplier_org_id"]) == member.org_id
        or (
            int(r["buyer_org_id"]) == member.org_id
            and store.has_consent(response_id, member.org_id)
        )
    )
    found = store.evidence_file(response_id, evidence_id) if allowed else None
    if found is None:
        raise NotFoundError(f"evidence {evidence_id} not found")
    return found
