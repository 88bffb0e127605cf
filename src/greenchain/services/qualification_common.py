"""What the qualification, scorecard and sourcing use cases share: the buyer organisation, today,
dates as given, and a supplier of the buyer's list."""

from __future__ import annotations

import datetime as dt
from typing import Any

from greenchain.domain.errors import InvalidDataError
from greenchain.services.context import Context
from greenchain.services.ports import OrganisationRecord


def buyer_org(ctx: Context, org_slug: str) -> OrganisationRecord:
    return ctx.workspace.get_org(org_slug)


def today_of(ctx: Context) -> dt.date:
    return ctx.clock.now().date()


def as_iso(moment: dt.datetime | dt.date | None) -> str | None:
    if moment is None:
        return None
    if isinstance(moment, dt.datetime):
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return moment.astimezone(dt.UTC).isoformat(timespec="seconds")
    return moment.isoformat()


def as_date(value: Any) -> dt.date | None:
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    if isinstance(value, dt.datetime):
        return value.date()
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InvalidDataError(f"'{value}' is not a date (YYYY-MM-DD)") from None


def supplier_of(ctx: Context, org_id: int, supplier_id: str) -> dict[str, Any]:
    return ctx.workspace.get_supplier(org_id, supplier_id.strip())


def required_date(value: Any, what: str) -> dt.date:
    found = as_date(value)
    if found is None:
        raise InvalidDataError(f"{what} is missing")
    return found


def nonempty(value: str, what: str) -> str:
    if not value.strip():
        raise InvalidDataError(f"{what} must not be empty")
    return value.strip()


def check_year(year: int) -> None:
    if not 1990 <= year <= 2100:
        raise InvalidDataError(f"year {year} is not a plausible year (1990-2100)")
