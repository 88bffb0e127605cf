"""Data requests on the web: the buyer's requests and reviews, the supplier portal (answer once,
share with chosen customers, drafts saved as you type, evidence), and the sign-up page a
supplier without an account reaches from its invitation email. The HTML pages (``ui_router``);
the JSON API is in ``web.engagement_api``. Every route goes through
``greenchain.services.engagement`` (the buyer's side) or ``greenchain.services.supplier_answers``
(the supplier's side), which check who may see what."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from greenchain.domain.access import Principal, Role
from greenchain.domain.engagement import (
    CLIMATE_TEMPLATE,
    OPTION_LABELS,
    FieldType,
    answer_text,
    template,
)
from greenchain.domain.errors import FieldsRejectedError, InvalidDataError
from greenchain.domain.scorecards import Tier
from greenchain.entrypoints.web.deps import CtxDep, PrincipalDep, RowId, log_in
from greenchain.entrypoints.web.ui import Csrf, _can_edit, form_result, render
from greenchain.services import allocation as allocation_service
from greenchain.services import campaigns, engagement, engagement_common, programs, supplier_answers
from greenchain.services import portal as portal_service
from greenchain.services.context import Context

ui_router = APIRouter(include_in_schema=False)
MAX_EVIDENCE_UPLOAD = supplier_answers.MAX_EVIDENCE_BYTES + 1024


# --- shared with the API ------------------------------------------------------------------------


def _base_url(request: Request) -> str:
    return str(request.app.state.settings.base_url)


def _evidence(
    ctx: Context, principal: Principal, org: str, recipient_id: int, evidence_id: int
) -> Response:
    found = engagement_common.evidence_download(ctx, principal, org, recipient_id, evidence_id)
    name = str(found["file_name"]).replace('"', "")
    return Response(
        bytes(found["data"]),
        media_type=str(found["content_type"]),
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-SHA256": str(found["sha256"]),
        },
    )


# --- pages: the buyer ---------------------------------------------------------------------------


def _requests_page(
    request: Request,
    ctx: Context,
    principal: Principal,
    org: str,
    *,
    status_code: int = 200,
    error: str | None = None,
    form: dict[str, str] | None = None,
    preview: dict[str, Any] | None = None,
) -> Response:
    member = principal.membership(org)
    suppliers = ctx.workspace.supplier_names(member.org_id)
    return render(
        request,
        "requests.html",
        status_code=status_code,
        title=f"Data requests – {member.org_name}",
        active="requests",
        principal=principal,
        member=member,
        org=org,
        requests=engagement.list_requests(ctx, org),
        can_edit=_can_edit(member),
        supplier_count=len(suppliers),
        default_year=dt.date.today().year - 1,
        default_deadline=(dt.date.today() + dt.timedelta(days=42)).isoformat(),
        form=form or {},
        error=error,
        preview=preview,
        selections=campaigns.SELECTIONS,
        tiers=[t.value for t in Tier],
        programs=programs.list_programs(ctx, principal, org),
    )


@ui_router.post("/orgs/{org}/requests/preview", dependencies=[Csrf])
def requests_preview(
    request: Request,
    org: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    send_to: Annotated[str, Form(max_length=20)] = "hotspots",
    tier: Annotated[str, Form(max_length=20)] = "",
    program: Annotated[str, Form(max_length=12)] = "",
    selected: Annotated[list[str] | None, Form(max_length=5000)] = None,
    year: Annotated[str, Form(max_length=10)] = "",
    deadline: Annotated[str, Form(max_length=20)] = "",
    message: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    """Who a campaign would reach at which contact, and who has no contact: a preview with a
    button that sends it (the typed-lines form below stays for one-off requests)."""
    default_deadline = (dt.date.today() + dt.timedelta(days=42)).isoformat()
    form = {"year": year or str(dt.date.today().year - 1), "deadline": deadline or default_deadline,
            "message": message, "send_to": send_to, "tier": tier, "program": program}  # fmt: skip
    value = {"tier": tier, "program": program, "selected": " ".join(selected or [])}.get(
        send_to, ""
    )

    def find() -> dict[str, Any]:
        if not form["year"].isdigit():
            raise InvalidDataError(f"field 'year': '{form['year']}' is not a year")
        return campaigns.recipients(
            ctx, principal, org, kind=send_to, value=value, year=int(form["year"])
        )

    def preview(found: dict[str, Any]) -> Response:
        form["recipients"] = "\n".join(f"{r['supplier_id']} {r['email']}" for r in found["reached"])
        return page(preview=found)

    page = functools.partial(_requests_page, request, ctx, principal, org, form=form)
    return form_result(page, find, preview)


@ui_router.get("/orgs/{org}/requests")
def requests_page(request: Request, org: str, ctx: CtxDep, principal: PrincipalDep) -> Response:
    return _requests_page(request, ctx, principal, org)


@ui_router.post("/orgs/{org}/requests", dependencies=[Csrf])
def requests_form(
    request: Request,
    org: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    year: Annotated[str, Form(max_length=10)] = "",
    deadline: Annotated[str, Form(max_length=20)] = "",
    recipients: Annotated[str, Form(max_length=500_000)] = "",
    message: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    form = {"year": year, "deadline": deadline, "recipients": recipients, "message": message}

    def send() -> dict[str, Any]:
        try:
            when = int(year)
        except ValueError:
            raise InvalidDataError(f"field 'year': '{year}' is not a year") from None
        try:
            due = dt.date.fromisoformat(deadline)
        except ValueError:
            raise InvalidDataError(f"field 'deadline': '{deadline}' is not a date") from None
        return engagement.send_request_for(
            ctx,
            principal,
            org,
            year=when,
            deadline=due,
            recipients=_recipient_lines(recipients),
            message=message,
            base_url=_base_url(request),
        )

    return form_result(
        functools.partial(_requests_page, request, ctx, principal, org, form=form),
        send,
        lambda sent: RedirectResponse(f"/orgs/{org}/requests/{sent['id']}", status_code=303),
    )


def _recipient_lines(text: str) -> list[tuple[str, str]]:
    """The typed recipients: a supplier id and an email a line (',' or ';' may part them)."""
    pairs = []
    for number, line in enumerate(text.splitlines(), start=1):
        parts = line.replace(",", " ").replace(";", " ").split()
        if not parts:
            continue
        if len(parts) != 2:
            raise InvalidDataError(
                f"field 'recipients', line {number}: write the supplier id and an email"
            )
        pairs.append((parts[0], parts[1]))
    return pairs


def _request_page(
    request: Request,
    ctx: Context,
    principal: Principal,
    org: str,
    request_id: int,
    *,
    status_code: int = 200,
    error: str | None = None,
    notice: str | None = None,
) -> Response:
    member = principal.membership(org)
    detail = engagement.request_detail_for(ctx, principal, org, request_id)
    return render(
        request,
        "request.html",
        status_code=status_code,
        title=f"Request {request_id} ({detail['year']}) – {member.org_name}",
        active="requests",
        principal=principal,
        member=member,
        org=org,
        detail=detail,
        questions=template(CLIMATE_TEMPLATE.key).fields,
        answer_text=answer_text,
        can_edit=_can_edit(member),
        error=error,
        notice=notice,
    )


@ui_router.get("/orgs/{org}/requests/{request_id}")
def request_page(
    request: Request, org: str, request_id: RowId, ctx: CtxDep, principal: PrincipalDep
) -> Response:
    return _request_page(request, ctx, principal, org, request_id)


@ui_router.post("/orgs/{org}/requests/{request_id}/accept/{recipient_id}", dependencies=[Csrf])
def request_accept_form(
    request: Request,
    org: str,
    request_id: RowId,
    recipient_id: RowId,
    ctx: CtxDep,
    principal: PrincipalDep,
) -> Response:
    page = functools.partial(_request_page, request, ctx, principal, org, request_id)
    return form_result(
        page,
        lambda: engagement.accept_for(ctx, principal, org, recipient_id),
        lambda _: page(notice="Accepted: the next calculation run uses this supplier's data"),
        status_code=409,
    )


@ui_router.post("/orgs/{org}/requests/{request_id}/return/{recipient_id}", dependencies=[Csrf])
def request_return_form(
    request: Request,
    org: str,
    request_id: RowId,
    recipient_id: RowId,
    ctx: CtxDep,
    principal: PrincipalDep,
    comment: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    page = functools.partial(_request_page, request, ctx, principal, org, request_id)
    return form_result(
        page,
        lambda: engagement.return_for(
            ctx, principal, org, recipient_id, comment, _base_url(request)
        ),
        lambda _: page(notice="Returned to the supplier for correction"),
    )


@ui_router.get("/orgs/{org}/recipients/{recipient_id}/evidence/{evidence_id}")
def evidence_page_download(
    org: str, recipient_id: RowId, evidence_id: RowId, ctx: CtxDep, principal: PrincipalDep
) -> Response:
    return _evidence(ctx, principal, org, recipient_id, evidence_id)


# --- pages: the supplier ------------------------------------------------------------------------


@ui_router.get("/orgs/{org}/portal")
def portal_page(
    request: Request,
    org: str,
    ctx: CtxDep,
    principal: PrincipalDep,
    notice: str | None = None,
) -> Response:
    member = principal.membership(org)
    return render(
        request,
        "portal.html",
        title=f"Supplier portal – {member.org_name}",
        active="portal",
        principal=principal,
        member=member,
        org=org,
        portal=supplier_answers.portal(ctx, principal, org),
        programs=programs.programs_for_supplier(ctx, principal, org),
        customers=portal_service.customers(ctx, org),
        link_invitations=(
            portal_service.link_invitations(ctx, org) if member.role is Role.ADMIN else []
        ),
        can_edit=_can_edit(member),
        notice=notice,
    )


@ui_router.get("/portal")
def portal_home(principal: PrincipalDep) -> Response:
    """The link in request emails: the portal of the user's first organisation."""
    first = next(iter(principal.memberships), None)
    return RedirectResponse(f"/orgs/{first}/portal" if first else "/", status_code=303)


def _answer_page(
    request: Request,
    ctx: Context,
    principal: Principal,
    org: str,
    recipient_id: int,
    *,
    status_code: int = 200,
    error: str | None = None,
    notice: str | None = None,
    answers: dict[str, Any] | None = None,
    field_errors: dict[str, str] | None = None,
    problem_list: list[tuple[str, str]] | None = None,
    allocation_form: dict[str, str] | None = None,
    allocation_errors: dict[str, str] | None = None,
) -> Response:
    """The request as its supplier answers it, with its allocation to this customer (the
    form of ``web.allocation``: ``allocation_form`` what was typed, ``allocation_errors`` the
    problems at their fields)."""
    member = principal.membership(org)
    opened = supplier_answers.open_request(ctx, principal, org, recipient_id)
    allocation = allocation_service.allocation_of_request(ctx, principal, org, recipient_id)
    return render(
        request,
        "portal_request.html",
        status_code=status_code,
        title=f"{opened['buyer_name']}: climate data {opened['year']} – {member.org_name}",
        active="portal",
        principal=principal,
        member=member,
        org=org,
        req=opened,
        answers=answers if answers is not None else opened["answers"],
        sections=opened["template"].sections,
        field_types=FieldType,
        option_labels=OPTION_LABELS,
        can_edit=_can_edit(member),
        error=error,
        notice=notice or _prefill_notice(opened, answers),
        field_errors=field_errors or {},
        problem_list=problem_list or [],
        allocation=allocation,
        allocation_form=allocation_form or _allocation_defaults(opened, allocation),
        allocation_errors=allocation_errors or {},
    )


def _allocation_defaults(opened: dict[str, Any], current: dict[str, Any] | None) -> dict[str, str]:
    """The allocation form as first shown: the current allocation, else by revenue in the
    answer's currency over its revenue."""

    def text(value: Any) -> str:
        if value is None:
            return ""
        return f"{value:.0f}" if isinstance(value, float | int) and value % 1 == 0 else str(value)

    if current is not None:
        return {
            "method": current["method"],
            "customer_value": text(current["customer_value"]),
            "total_value": text(current["total_value"]),
            "unit": current["unit"],
            "include_upstream": "yes" if current["include_upstream"] else "",
            "uncertainty_pct": text(current["uncertainty_pct"]),
        }
    answers = opened["answers"]
    return {"method": "revenue", "customer_value": "", "total_value": text(answers.get("revenue")),
            "unit": str(answers.get("currency") or ""), "include_upstream": "",
            "uncertainty_pct": ""}  # fmt: skip


def _prefill_notice(opened: dict[str, Any], typed: dict[str, Any] | None) -> str | None:
    if typed is not None or not opened.get("prefilled_from_run"):
        return None
    return (
        f"Prefilled from your own {opened['year']} inventory (calculation run "
        f"#{opened['prefilled_from_run']}): check every figure and complete the rest before "
        "you submit."
    )


@ui_router.get("/orgs/{org}/portal/requests/{recipient_id}")
def answer_page(
    request: Request, org: str, recipient_id: RowId, ctx: CtxDep, principal: PrincipalDep
) -> Response:
    return _answer_page(request, ctx, principal, org, recipient_id)


async def _form_answers(request: Request) -> tuple[dict[str, Any], list[str]]:
    form = await request.form()
    answers: dict[str, Any] = {}
    for spec in template(CLIMATE_TEMPLATE.key).fields:  # the newest holds every field
        if spec.type is FieldType.CHOICES:
            values = [str(v) for v in form.getlist(spec.name)]
            if values:
                answers[spec.name] = values
        else:
            value = form.get(spec.name)
            if isinstance(value, str) and value.strip():
                answers[spec.name] = value
    share = [str(v) for v in form.getlist("share_with")]
    return answers, share


@ui_router.post("/orgs/{org}/portal/requests/{recipient_id}/draft", dependencies=[Csrf])
async def answer_draft(
    request: Request, org: str, recipient_id: RowId, ctx: CtxDep, principal: PrincipalDep
) -> Response:
    """Autosave (HTMX): returns the save status line."""
    answers, _ = await _form_answers(request)
    saved = supplier_answers.save_draft(ctx, principal, org, recipient_id, answers)
    problems = "; ".join(f"{p['label']}: {p['message']}" for p in saved["problems"])
    text = f"Draft saved at {saved['saved_at'][11:19]}" + (
        f" — check {problems}" if problems else ""
    )
    return render(request, "_draft_status.html", text=text, problems=bool(problems))


@ui_router.post("/orgs/{org}/portal/requests/{recipient_id}/submit", dependencies=[Csrf])
async def answer_submit(
    request: Request, org: str, recipient_id: RowId, ctx: CtxDep, principal: PrincipalDep
) -> Response:
    answers, share = await _form_answers(request)
    page = functools.partial(_answer_page, request, ctx, principal, org, recipient_id)

    def at_fields(exc: FieldsRejectedError) -> Response:
        count = len(exc.problems)
        return page(
            status_code=422,
            error=f"{count} answer{'s' if count != 1 else ''} to check before submitting: "
            "see the marked fields.",
            field_errors={p.field: p.message for p in exc.problems},  # type: ignore[attr-defined]
            problem_list=[(p.field, p.label) for p in exc.problems],  # type: ignore[attr-defined]
            answers=answers,
        )

    return form_result(
        functools.partial(page, answers=answers),
        lambda: supplier_answers.submit(ctx, principal, org, recipient_id, answers, share),
        lambda done: page(
            notice="Submitted and shared with "
            + ", ".join(ctx.workspace.get_org(slug).name for slug in done["shared_with"])
        ),
        fields=at_fields,
    )


@ui_router.post("/orgs/{org}/portal/requests/{recipient_id}/evidence", dependencies=[Csrf])
async def answer_evidence(
    request: Request,
    org: str,
    recipient_id: RowId,
    ctx: CtxDep,
    principal: PrincipalDep,
    file: Annotated[UploadFile, File()],
) -> Response:
    data = await file.read(MAX_EVIDENCE_UPLOAD)
    page = functools.partial(_answer_page, request, ctx, principal, org, recipient_id)
    return form_result(
        page,
        lambda: supplier_answers.add_evidence(
            ctx, principal, org, recipient_id, file.filename or "", data
        ),
        lambda saved: page(notice=f"{saved['file_name']} attached"),
    )


@ui_router.post("/orgs/{org}/portal/answers/{response_id}/revoke", dependencies=[Csrf])
def answer_revoke(
    request: Request,
    org: str,
    response_id: RowId,
    ctx: CtxDep,
    principal: PrincipalDep,
    buyer: Annotated[str, Form(max_length=63)],
) -> Response:
    supplier_answers.revoke(ctx, principal, org, response_id, buyer)
    return portal_page(
        request,
        org,
        ctx,
        principal,
        notice=f"{ctx.workspace.get_org(buyer).name} can no longer see this answer",
    )


@ui_router.post("/orgs/{org}/portal/link-invitations/{invitation_id}", dependencies=[Csrf])
def link_invitation_decide(
    request: Request,
    org: str,
    invitation_id: RowId,
    ctx: CtxDep,
    principal: PrincipalDep,
    decision: Annotated[Literal["accept", "decline"], Form()],
) -> Response:
    """An admin of the supplier organisation accepts or declines a customer's link request."""
    done = portal_service.decide_supplier_link_for(
        ctx, principal, org, invitation_id, decision == "accept"
    )
    notice = (
        f"You are now supplier {done['supplier_id']} of {done['buyer']}"
        if decision == "accept"
        else f"Declined the request of {done['buyer']}"
    )
    return RedirectResponse(f"/orgs/{org}/portal?{urlencode({'notice': notice})}", status_code=303)


# --- sign-up of a supplier from its invitation --------------------------------------------------


@ui_router.get("/supplier-signup/{token}")
def signup_form(request: Request, token: str, ctx: CtxDep) -> Response:
    info = supplier_answers.signup_info(ctx, token)
    return render(
        request,
        "supplier_signup.html",
        title="Create your supplier account",
        info=info,
        token=token,
    )


@ui_router.post("/supplier-signup/{token}", dependencies=[Csrf])
def signup(
    request: Request,
    token: str,
    ctx: CtxDep,
    organisation: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    page = functools.partial(
        render,
        request,
        "supplier_signup.html",
        title="Create your supplier account",
        info=supplier_answers.signup_info(ctx, token),
        token=token,
        organisation=organisation,
    )

    def signed_up(principal: Principal) -> Response:
        request.session.clear()
        slug = next(iter(principal.memberships))
        response = RedirectResponse(f"/orgs/{slug}/portal", status_code=303)
        log_in(request, response, principal)
        return response

    return form_result(
        page, lambda: supplier_answers.sign_up(ctx, token, organisation, password), signed_up
    )
