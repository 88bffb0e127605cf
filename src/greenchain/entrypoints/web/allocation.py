"""A supplier allocates its emissions to the customer of a request (CDP Supply Chain SC1.1), on
that request's page in its portal (``web.engagement``'s answer page): by revenue from this
customer or quantity sold to it, over the total, with or without upstream Scope 3 and with its
uncertainty. The JSON API is in ``web.engagement_api``; every route goes through
``greenchain.services.allocation``, which checks who may see what."""

from __future__ import annotations

import functools
import re
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from greenchain.domain.access import Principal
from greenchain.domain.errors import InvalidDataError
from greenchain.entrypoints.web import fields
from greenchain.entrypoints.web.deps import CtxDep, PrincipalDep, RowId
from greenchain.entrypoints.web.engagement import _answer_page
from greenchain.entrypoints.web.ui import Csrf, form_result
from greenchain.services import allocation as service
from greenchain.services.context import Context

ui_router = APIRouter(include_in_schema=False)

#: The form's fields as people read them.
FIELD_LABELS = {
    "method": "Allocation method",
    "customer_value": "This customer's value",
    "total_value": "Total",
    "unit": "Unit",
    "include_upstream": "Include upstream Scope 3",
    "uncertainty_pct": "Uncertainty (±%)",
}
_AT_FIELD = re.compile(r"^(?:field '(?P<quoted>\w+)'|(?P<bare>\w+)): (?P<message>.+)$", re.S)


def at_field(message: str) -> tuple[str, str] | None:
    """The form field a refusal names and what it says of it (``field 'total_value': ...`` of
    the domain, ``total_value: ...`` of ``web.fields``), or None when it names none."""
    found = _AT_FIELD.match(message)
    if found is None:
        return None
    name = found["quoted"] or found["bare"]
    return (name, found["message"]) if name in FIELD_LABELS else None


def _page(
    request: Request,
    ctx: Context,
    principal: Principal,
    org: str,
    recipient_id: int,
    form: dict[str, str] | None,
    *,
    status_code: int = 200,
    error: str | None = None,
    notice: str | None = None,
) -> Response:
    """The request's page with the allocation form as typed (None: as stored) and a refusal
    at its field."""
    problems: dict[str, str] = {}
    if error is not None and (named := at_field(error)) is not None:
        problems[named[0]] = named[1]
        error = f"Allocation not saved: check {FIELD_LABELS[named[0]]}."
    elif error is not None:
        error = f"Allocation not saved: {error}"
    return _answer_page(
        request,
        ctx,
        principal,
        org,
        recipient_id,
        status_code=status_code,
        error=error,
        notice=notice,
        allocation_form=form,
        allocation_errors=problems,
    )


@ui_router.post("/orgs/{org}/portal/requests/{recipient_id}/allocation", dependencies=[Csrf])
def allocation_form(
    request: Request,
    org: str,
    recipient_id: RowId,
    ctx: CtxDep,
    principal: PrincipalDep,
    method: Annotated[str, Form(max_length=20)] = "revenue",
    customer_value: Annotated[str, Form(max_length=40)] = "",
    total_value: Annotated[str, Form(max_length=40)] = "",
    unit: Annotated[str, Form(max_length=40)] = "",
    include_upstream: Annotated[str, Form(max_length=10)] = "",
    uncertainty_pct: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    form = {"method": method, "customer_value": customer_value, "total_value": total_value,
            "unit": unit, "include_upstream": include_upstream,
            "uncertainty_pct": uncertainty_pct}  # fmt: skip

    def save() -> dict[str, Any]:
        given = fields.number(customer_value, "customer_value")
        total = fields.number(total_value, "total_value")
        return service.allocate_to_customer(
            ctx,
            principal,
            org,
            recipient_id,
            method=method,
            customer_value=_required(given, "customer_value"),
            total_value=_required(total, "total_value"),
            unit=unit,
            include_upstream=bool(include_upstream),
            uncertainty_pct=fields.number(uncertainty_pct, "uncertainty_pct"),
        )

    def saved(made: dict[str, Any]) -> Response:
        return page(
            None,
            notice=f"Allocation saved: {made['allocated_t']:,.1f} t CO2e, "
            f"{made['share'] * 100:.2f} % of your output",
        )

    page = functools.partial(_page, request, ctx, principal, org, recipient_id)
    return form_result(functools.partial(page, form), save, saved)


def _required(value: float | None, field: str) -> float:
    if value is None:
        raise InvalidDataError(f"{field}: a number is needed")
    return value


__all__ = ["at_field", "ui_router"]
