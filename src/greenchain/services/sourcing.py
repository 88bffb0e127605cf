"""Requirements for suppliers, who meets them, sourcing tiers from ratings and qualification,
and the incentives granted (``greenchain.domain.scorecards``)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import Any

from greenchain.domain.access import Principal, Role
from greenchain.domain.errors import InvalidDataError
from greenchain.domain.scorecards import (
    RATINGS,
    TIER_RULES,
    AppliesTo,
    Condition,
    Requirement,
    Standing,
    Tier,
    check_requirement,
    sourcing_tier,
)
from greenchain.services.context import Context
from greenchain.services.ports import OrganisationRecord, QualificationStore
from greenchain.services.qualification_cases import get_case, load_case
from greenchain.services.qualification_common import (
    as_date,
    as_iso,
    buyer_org,
    check_year,
    nonempty,
    required_date,
    supplier_of,
    today_of,
)
from greenchain.services.scorecards import (
    attributes_of,
    rate_suppliers,
    supplier_reports,
    supplier_scorecard,
)

INCENTIVE_KINDS: tuple[str, ...] = (
    "preferred_volume",
    "innovation_incentive",
    "longer_contract",
    "faster_payment",
    "joint_development",
    "recognition",
)

TIER_COLUMNS: tuple[str, ...] = (
    "supplier_id",
    "name",
    "strategic",
    "score",
    "rating",
    "coverage",
    "qualification",
    "tier",
    "reason",
    "unmet_requirements",
    "overdue_requirements",
    "spend_usd",
    "t_co2e",
    "incentives",
)


# --- requirements --------------------------------------------------------------------------------


def _requirement(row: Mapping[str, Any]) -> Requirement:
    return Requirement(
        name=row["name"],
        applies_to=AppliesTo(row["applies_to"]),
        conditions=tuple(Condition.parse(c) for c in row["conditions"]),
        due_on=required_date(row["due_on"], "due date"),
    )


def _public_requirement(row: Mapping[str, Any]) -> dict[str, Any]:
    req = _requirement(row)
    return {
        "id": row["id"],
        "name": req.name,
        "applies_to": req.applies_to.value,
        "conditions": [str(c) for c in req.conditions],
        "due_on": req.due_on.isoformat(),
    }


def add_requirement(
    ctx: Context,
    store: QualificationStore,
    org_slug: str,
    *,
    name: str,
    conditions: Sequence[str],
    due_on: dt.date,
    applies_to: str = "strategic",
) -> dict[str, Any]:
    """A rule for ``strategic`` (or ``all``) suppliers, e.g. conditions ``sbt:validated`` and
    ``rba_member`` due 2026-12-31 (see ``CONDITION_HELP``)."""
    try:
        scope = AppliesTo(applies_to.strip().lower())
    except ValueError:
        raise InvalidDataError(
            f"a requirement applies to 'all' or 'strategic' suppliers, not '{applies_to}'"
        ) from None
    requirement = Requirement(
        name=name.strip(),
        applies_to=scope,
        conditions=tuple(Condition.parse(c) for c in conditions if c.strip()),
        due_on=due_on,
    )
    org = buyer_org(ctx, org_slug)
    values = {
        "org_id": org.id,
        "name": requirement.name,
        "applies_to": requirement.applies_to.value,
        "conditions": [str(c) for c in requirement.conditions],
        "due_on": requirement.due_on,
        "created_at": ctx.clock.now(),
    }
    requirement_id = store.add_requirement(values)
    return _public_requirement({**values, "id": requirement_id})


def list_requirements(
    ctx: Context, store: QualificationStore, org_slug: str
) -> list[dict[str, Any]]:
    org = buyer_org(ctx, org_slug)
    return [_public_requirement(row) for row in store.requirements(org.id)]


def remove_requirement(ctx: Context, store: QualificationStore, org_slug: str, name: str) -> None:
    org = buyer_org(ctx, org_slug)
    store.remove_requirement(org.id, name.strip())


def _qualifications(store: QualificationStore, org_id: int, today: dt.date) -> dict[str, str]:
    """Each supplier's qualification as of today, from its most recently changed case:
    in_progress, qualified, conditionally_qualified, rejected, expired, or lapsed (validity
    passed)."""
    found: dict[str, tuple[Any, str]] = {}
    for row in store.cases(org_id):
        case = load_case(store, org_id, int(row["id"]))
        status = case.status_at(today).value
        if case.needs_requalification(today):
            status = "lapsed"
        key = row["updated_at"]
        previous = found.get(case.supplier_id)
        if previous is None or key >= previous[0]:
            found[case.supplier_id] = (key, status)
    return {s: status for s, (_, status) in found.items()}


def _standings(
    ctx: Context,
    store: QualificationStore,
    org: OrganisationRecord,
    year: int,
    cards: Mapping[str, Mapping[str, Any]],
) -> list[tuple[Mapping[str, Any], Standing]]:
    today = today_of(ctx)
    attributes = store.attributes(org.id)
    qualifications = _qualifications(store, org.id, today)
    all_reports = ctx.workspace.all_supplier_reports(org.id)
    result: list[tuple[Mapping[str, Any], Standing]] = []
    for supplier in ctx.workspace.list_suppliers(org.id):
        sid = supplier["supplier_id"]
        reports = [
            r
            for r in supplier_reports(ctx, org.id, sid, all_reports.get(sid, []))
            if r.year <= year
        ]
        latest = max(reports, key=lambda r: r.year) if reports else None
        attrs = attributes_of(attributes.get(sid))
        result.append(
            (
                supplier,
                Standing(
                    supplier_id=sid,
                    strategic=bool(supplier.get("strategic")),
                    sbt_status=latest.sbt_status if latest else None,
                    rba_member=attrs.rba_member,
                    iso_14001=attrs.certificate_valid("iso_14001", today),
                    iso_50001=attrs.certificate_valid("iso_50001", today),
                    verified=latest.verified if latest else None,
                    renewable_share=latest.renewable_share if latest else None,
                    qualification=qualifications.get(sid),
                    rating=cards[sid]["rating"] if sid in cards else None,
                ),
            )
        )
    return result


def compliance(
    ctx: Context,
    store: QualificationStore,
    org_slug: str,
    year: int | None = None,
    *,
    cards: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Who meets each requirement, who does not, and why: one row per requirement and
    supplier it applies to (reported data up to ``year``, default this year; certificates
    and memberships as recorded today; ratings of ``year``, given as ``cards`` by supplier
    when the caller has them)."""
    year = year or today_of(ctx).year
    check_year(year)
    org = buyer_org(ctx, org_slug)
    requirements = [_requirement(r) for r in store.requirements(org.id)]
    if not requirements:
        return []
    if cards is None:
        cards = {c["supplier_id"]: c for c in rate_suppliers(ctx, store, org_slug, year)}
    today = today_of(ctx)
    standings = _standings(ctx, store, org, year, cards)
    rows = []
    for requirement in requirements:
        for supplier, standing in standings:
            result = check_requirement(requirement, standing, today)
            if result is None:
                continue
            rows.append(
                {
                    "requirement": result.requirement,
                    "supplier_id": result.supplier_id,
                    "name": supplier.get("name", result.supplier_id),
                    "strategic": standing.strategic,
                    "status": result.status,
                    "meets": result.meets,
                    "reasons": list(result.reasons),
                    "due_on": result.due_on.isoformat(),
                    "overdue": result.overdue,
                }
            )
    return rows


# --- sourcing tiers and incentives ---------------------------------------------------------------


def tiers(
    ctx: Context, store: QualificationStore, org_slug: str, year: int
) -> list[dict[str, Any]]:
    """The sourcing tier of every supplier (``TIER_RULES``: rating, qualification, overdue
    requirements) with spend and emissions from the year's calculation run, for export
    (keys ``TIER_COLUMNS``). Incentives granted are listed by kind."""
    check_year(year)
    org = buyer_org(ctx, org_slug)
    cards = {c["supplier_id"]: c for c in rate_suppliers(ctx, store, org_slug, year)}
    return _tiers(ctx, store, org, year, cards, compliance(ctx, store, org_slug, year, cards=cards))


def _tiers(
    ctx: Context,
    store: QualificationStore,
    org: OrganisationRecord,
    year: int,
    cards: Mapping[str, Mapping[str, Any]],
    requirement_rows: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    today = today_of(ctx)
    qualifications = _qualifications(store, org.id, today)
    unmet: dict[str, int] = {}
    overdue: dict[str, int] = {}
    for row in requirement_rows:
        if not row["meets"]:
            unmet[row["supplier_id"]] = unmet.get(row["supplier_id"], 0) + 1
            if row["overdue"]:
                overdue[row["supplier_id"]] = overdue.get(row["supplier_id"], 0) + 1
    run = ctx.workspace.latest_run(org.id, year)
    by_supplier = {s["supplier_id"]: s for s in (run.summary.get("by_supplier", []) if run else [])}
    incentives: dict[str, list[str]] = {}
    for item in store.incentives(org.id):
        incentives.setdefault(item["supplier_id"], []).append(item["kind"])
    rows = []
    for supplier in ctx.workspace.list_suppliers(org.id):
        sid = supplier["supplier_id"]
        card = cards[sid]
        qualification = qualifications.get(sid)
        tier, reason = sourcing_tier(
            card["rating"], qualification, overdue.get(sid, 0), card["coverage"]
        )
        emissions = by_supplier.get(sid, {})
        rows.append(
            {
                "supplier_id": sid,
                "name": supplier.get("name", sid),
                "strategic": bool(supplier.get("strategic")),
                "score": round(card["score"], 2),
                "rating": card["rating"],
                "coverage": round(card["coverage"], 4),
                "qualification": qualification or "none",
                "tier": tier.value,
                "reason": reason,
                "unmet_requirements": unmet.get(sid, 0),
                "overdue_requirements": overdue.get(sid, 0),
                "spend_usd": emissions.get("spend_usd"),
                "t_co2e": emissions.get("t_co2e"),
                "incentives": ", ".join(sorted(set(incentives.get(sid, [])))),
            }
        )
    order = {t.value: i for i, t in enumerate(Tier)}
    return sorted(rows, key=lambda r: (order[r["tier"]], -r["score"], r["supplier_id"]))


def tier_rules() -> list[dict[str, str]]:
    """The tier rule table, first match wins."""
    return [{"qualification": q, "ratings": r, "tier": t.value} for q, r, t in TIER_RULES]


def tier_table(rows: Sequence[Mapping[str, Any]]) -> list[list[Any]]:
    """The tier export, header first, one row per supplier (columns ``TIER_COLUMNS``)."""
    return [list(TIER_COLUMNS), *([row[k] for k in TIER_COLUMNS] for row in rows)]


def tier_sheets(rows: Sequence[Mapping[str, Any]], year: int) -> list[tuple[str, list[list[Any]]]]:
    """The sheets of the tier workbook: the tiers of ``year`` and the rule table."""
    rules: list[list[Any]] = [["qualification", "ratings", "tier"]]
    rules += [[r["qualification"], r["ratings"], r["tier"]] for r in tier_rules()]
    return [(f"Tiers {year}", tier_table(rows)), ("Rules", rules)]


def sourcing_overview(
    ctx: Context, store: QualificationStore, org_slug: str, year: int
) -> dict[str, Any]:
    """For charts: suppliers per rating, and suppliers, spend (USD) and emissions (t CO2e) per
    tier."""
    rows = tiers(ctx, store, org_slug, year)
    ratings = dict.fromkeys(RATINGS, 0)
    by_tier: dict[str, dict[str, float]] = {
        t.value: {"suppliers": 0, "spend_usd": 0.0, "t_co2e": 0.0} for t in Tier
    }
    for row in rows:
        ratings[row["rating"]] += 1
        bucket = by_tier[row["tier"]]
        bucket["suppliers"] += 1
        bucket["spend_usd"] += float(row["spend_usd"] or 0.0)
        bucket["t_co2e"] += float(row["t_co2e"] or 0.0)
    return {"year": year, "ratings": ratings, "tiers": by_tier}


def grant_incentive(
    ctx: Context,
    store: QualificationStore,
    org_slug: str,
    *,
    supplier_id: str,
    kind: str,
    reason: str,
    amount: float | None = None,
    currency: str | None = None,
    granted_on: dt.date | None = None,
) -> dict[str, Any]:
    """Record an incentive granted to a supplier (e.g. preferred_volume, or an
    innovation_incentive for a CO2 reduction) with its amount and reason."""
    kind = kind.strip().lower()
    if kind not in INCENTIVE_KINDS:
        raise InvalidDataError(
            f"incentive kind '{kind}' is not one of {', '.join(INCENTIVE_KINDS)}"
        )
    if amount is not None and not (math.isfinite(amount) and amount >= 0):
        raise InvalidDataError(f"amount {amount} must be >= 0")
    code = currency.strip().upper() if currency else None
    if code is not None and (len(code) != 3 or not code.isalpha()):
        raise InvalidDataError(f"currency '{currency}' is not an ISO 4217 code such as USD")
    if amount is not None and code is None and kind != "preferred_volume":
        raise InvalidDataError("give the currency of the amount")
    org = buyer_org(ctx, org_slug)
    supplier = supplier_of(ctx, org.id, supplier_id)
    values = {
        "org_id": org.id,
        "supplier_id": supplier["supplier_id"],
        "kind": kind,
        "amount": amount,
        "currency": code,
        "reason": nonempty(reason, "the reason"),
        "granted_on": granted_on or today_of(ctx),
        "created_at": ctx.clock.now(),
    }
    incentive_id = store.add_incentive(values)
    return _public_incentive({**values, "id": incentive_id})


def _public_incentive(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "supplier_id": row["supplier_id"],
        "kind": row["kind"],
        "amount": row["amount"],
        "currency": row["currency"],
        "reason": row["reason"],
        "granted_on": as_iso(as_date(row["granted_on"])),
    }


def list_incentives(
    ctx: Context, store: QualificationStore, org_slug: str, supplier_id: str | None = None
) -> list[dict[str, Any]]:
    org = buyer_org(ctx, org_slug)
    return [_public_incentive(r) for r in store.incentives(org.id, supplier_id)]


def compliance_for(
    ctx: Context,
    principal: Principal,
    store: QualificationStore,
    org_slug: str,
    year: int | None = None,
) -> list[dict[str, Any]]:
    principal.membership(org_slug)
    return compliance(ctx, store, org_slug, year)


def tiers_for(
    ctx: Context, principal: Principal, store: QualificationStore, org_slug: str, year: int
) -> list[dict[str, Any]]:
    principal.membership(org_slug)
    return tiers(ctx, store, org_slug, year)


def grant_incentive_for(
    ctx: Context, principal: Principal, store: QualificationStore, org_slug: str, **kwargs: Any
) -> dict[str, Any]:
    principal.membership(org_slug, Role.ANALYST)
    return grant_incentive(ctx, store, org_slug, **kwargs)


# --- a supplier's own view -----------------------------------------------------------------------


def supplier_view(
    ctx: Context, store: QualificationStore, org_slug: str, supplier_id: str, year: int
) -> dict[str, Any]:
    """What one supplier of the buyer may see: its own cases, scorecard with gaps and what
    would raise it, requirement results and tier; nothing about other suppliers."""
    org = buyer_org(ctx, org_slug)
    supplier = supplier_of(ctx, org.id, supplier_id)
    sid = supplier["supplier_id"]
    cases = [
        get_case(ctx, store, org_slug, int(c["id"]))
        for c in store.cases(org.id)
        if c["supplier_id"] == sid
    ]
    check_year(year)
    cards = {c["supplier_id"]: c for c in rate_suppliers(ctx, store, org_slug, year)}
    requirement_rows = compliance(ctx, store, org_slug, year, cards=cards)
    tier = next(
        r for r in _tiers(ctx, store, org, year, cards, requirement_rows) if r["supplier_id"] == sid
    )
    return {
        "supplier_id": sid,
        "name": supplier.get("name", sid),
        "cases": cases,
        "scorecard": supplier_scorecard(ctx, store, org_slug, sid, year),
        "requirements": [r for r in requirement_rows if r["supplier_id"] == sid],
        "tier": {k: tier[k] for k in ("tier", "reason")},
        "incentives": list_incentives(ctx, store, org_slug, sid),
    }
