"""Climate scorecards of suppliers: what the buyer records about each supplier (certificates,
RBA membership, training, participation, circularity), the buyer's weights and missing-data
policies, and the ratings A to E computed from those and the suppliers' reported data
(``greenchain.domain.scorecards``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from greenchain.domain.access import Principal, Role
from greenchain.domain.errors import GreenchainError, InvalidDataError
from greenchain.domain.scorecards import (
    DEFAULT_WEIGHTS,
    INDICATOR_KEYS,
    Inputs,
    MissingPolicy,
    Scorecard,
    ScorecardConfig,
    SupplierAttributes,
    SupplierReport,
    indicator,
    rate,
)
from greenchain.services.context import Context
from greenchain.services.ports import OrganisationRecord, QualificationStore
from greenchain.services.qualification_common import (
    as_date,
    as_iso,
    buyer_org,
    check_year,
    supplier_of,
    today_of,
)

ATTRIBUTE_FIELDS: tuple[str, ...] = (
    "iso_14001",
    "iso_14001_expires_on",
    "iso_50001",
    "iso_50001_expires_on",
    "rba_member",
    "training_completion_share",
    "participation_share",
    "takeback_reuse_share",
    "recycling_share",
)


# --- supplier attributes ------------------------------------------------------------------------


def set_supplier_attributes(
    ctx: Context,
    store: QualificationStore,
    org_slug: str,
    supplier_id: str,
    **values: Any,
) -> dict[str, Any]:
    """Record what the buyer knows of a supplier (only the fields given change): ISO 14001 /
    ISO 50001 certificates (bool) and their expiry dates, RBA membership (bool), and shares
    0..1 of training completed, program activities attended, take-back reuse and recycling."""
    unknown = sorted(set(values) - set(ATTRIBUTE_FIELDS))
    if unknown:
        raise InvalidDataError(
            f"unknown supplier attribute(s) {', '.join(unknown)} "
            f"(known: {', '.join(ATTRIBUTE_FIELDS)})"
        )
    org = buyer_org(ctx, org_slug)
    supplier = supplier_of(ctx, org.id, supplier_id)
    cleaned: dict[str, Any] = {}
    for key, value in values.items():
        if key.endswith("_expires_on"):
            cleaned[key] = as_date(value)
        elif key.endswith("_share"):
            cleaned[key] = None if value is None else float(value)
        else:
            cleaned[key] = None if value is None else bool(value)
    current = store.attributes(org.id).get(supplier["supplier_id"], {})
    merged = {k: current.get(k) for k in ATTRIBUTE_FIELDS} | cleaned
    attributes_of(merged)  # checks the shares are fractions
    store.set_attributes(org.id, supplier["supplier_id"], cleaned, ctx.clock.now())
    return {"supplier_id": supplier["supplier_id"], **_public_attributes(merged)}


def _public_attributes(values: Mapping[str, Any]) -> dict[str, Any]:
    return {
        k: as_iso(as_date(values.get(k))) if k.endswith("_on") else values.get(k)
        for k in ATTRIBUTE_FIELDS
    }


def attributes_of(values: Mapping[str, Any] | None) -> SupplierAttributes:
    if not values:
        return SupplierAttributes()

    def flag(key: str) -> bool | None:
        value = values.get(key)
        return None if value is None else bool(value)

    def share(key: str) -> float | None:
        value = values.get(key)
        return None if value is None else float(value)

    return SupplierAttributes(
        iso_14001=flag("iso_14001"),
        iso_14001_expires_on=as_date(values.get("iso_14001_expires_on")),
        iso_50001=flag("iso_50001"),
        iso_50001_expires_on=as_date(values.get("iso_50001_expires_on")),
        rba_member=flag("rba_member"),
        training_completion_share=share("training_completion_share"),
        participation_share=share("participation_share"),
        takeback_reuse_share=share("takeback_reuse_share"),
        recycling_share=share("recycling_share"),
    )


def list_supplier_attributes(
    ctx: Context, store: QualificationStore, org_slug: str
) -> list[dict[str, Any]]:
    org = buyer_org(ctx, org_slug)
    return [
        {"supplier_id": s, **_public_attributes(v)}
        for s, v in sorted(store.attributes(org.id).items())
    ]


# --- scorecards ----------------------------------------------------------------------------------


def _config(store: QualificationStore, org_id: int) -> ScorecardConfig:
    rows = store.weights(org_id)
    return ScorecardConfig(
        weights={r["indicator"]: float(r["weight"]) for r in rows},
        missing={r["indicator"]: MissingPolicy(r["missing_policy"]) for r in rows},
    )


def set_weights(
    ctx: Context,
    store: QualificationStore,
    org_slug: str,
    weights: Mapping[str, float],
    missing: Mapping[str, str] | None = None,
    *,
    reset: bool = False,
) -> list[dict[str, Any]]:
    """Set the buyer's weights (any scale >= 0) and missing-data policies (``zero`` or
    ``exclude``) per indicator; others keep theirs. ``reset`` goes back to the defaults
    first. Only this buyer's ratings change."""
    org = buyer_org(ctx, org_slug)
    given = {k.strip(): float(v) for k, v in weights.items()}
    policies_given = {k.strip(): v.strip().lower() for k, v in (missing or {}).items()}
    for key, policy in policies_given.items():
        if policy not in {p.value for p in MissingPolicy}:
            raise InvalidDataError(
                f"missing-data policy '{policy}' of '{key}' is not zero or exclude"
            )
    if reset:
        store.clear_weights(org.id)
    current = _config(store, org.id)
    weights_now = dict(current.weights) | given
    policies = {k: current.policy(k).value for k in INDICATOR_KEYS} | policies_given
    ScorecardConfig(weights=weights_now, missing={k: MissingPolicy(v) for k, v in policies.items()})
    store.set_weights(
        org.id,
        {k: (weights_now[k], policies[k]) for k in set(given) | set(policies_given)},
        ctx.clock.now(),
    )
    return get_weights(ctx, store, org_slug)


def get_weights(ctx: Context, store: QualificationStore, org_slug: str) -> list[dict[str, Any]]:
    """Every indicator with the buyer's weight, its share of the total, the missing-data
    policy and how values are normalised."""
    org = buyer_org(ctx, org_slug)
    config = _config(store, org.id)
    total = sum(config.weights.values())
    return [
        {
            "indicator": key,
            "label": indicator(key).label,
            "weight": config.weights[key],
            "default_weight": DEFAULT_WEIGHTS[key],
            "weight_share": config.weights[key] / total,
            "missing_policy": config.policy(key).value,
            "normalisation": indicator(key).normalisation,
        }
        for key in INDICATOR_KEYS
    ]


def supplier_reports(
    ctx: Context,
    org_id: int,
    supplier_id: str,
    rows: Sequence[Mapping[str, Any]] | None = None,
) -> list[SupplierReport]:
    """The supplier's reports with revenue in millions of USD (None when the currency has no
    rate for the year: intensity is then missing, never guessed)."""
    found = []
    if rows is None:
        rows = ctx.workspace.supplier_reports(org_id, supplier_id)
    for row in rows:
        year = int(row["year"])
        revenue: float | None
        try:
            rate_usd = ctx.conversions.usd_per_unit(str(row["currency"]), year)
            revenue = float(row["revenue"]) * rate_usd / 1e6
        except GreenchainError:
            revenue = None
        share, reuse, recycling = (
            None if row.get(k) is None else float(row[k])
            for k in ("renewable_share", "takeback_reuse_share", "recycling_share")
        )
        found.append(
            SupplierReport(
                year=year,
                revenue_million=revenue,
                scope1_t=float(row["scope1_t"]),
                scope2_market_t=float(row["scope2_market_t"]),
                verified=bool(row["verified"]),
                sbt_status=row.get("sbt_status") or "none",
                renewable_share=share,
                takeback_reuse_share=reuse,
                recycling_share=recycling,
            )
        )
    return found


def _as_of(ctx: Context, year: int) -> dt.date:
    """Certificates are judged at the end of the year rated, or today if earlier."""
    return min(today_of(ctx), dt.date(year, 12, 31))


def rate_one(
    ctx: Context,
    store: QualificationStore,
    org: OrganisationRecord,
    supplier_id: str,
    year: int,
    config: ScorecardConfig | None = None,
    attributes: Mapping[str, Mapping[str, Any]] | None = None,
    reports: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
) -> Scorecard:
    attrs = attributes if attributes is not None else store.attributes(org.id)
    data = Inputs(
        reports=supplier_reports(
            ctx, org.id, supplier_id, reports.get(supplier_id, []) if reports is not None else None
        ),
        attributes=attributes_of(attrs.get(supplier_id)),
        year=year,
        as_of=_as_of(ctx, year),
    )
    return rate(supplier_id, data, config or _config(store, org.id))


def _card_dict(card: Scorecard, supplier: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "supplier_id": card.supplier_id,
        "name": supplier.get("name", card.supplier_id),
        "strategic": bool(supplier.get("strategic", False)),
        "year": card.year,
        "score": card.score,
        "rating": card.rating,
        "coverage": card.coverage,
        "assessed": card.assessed,
        "missing": card.missing,
        "indicators": [
            {
                "indicator": i.key,
                "label": i.label,
                "value": i.value,
                "unit": i.unit,
                "note": i.note,
                "points": i.points,
                "weight": i.weight,
                "weight_share": i.weight_share,
                "contribution": i.contribution,
                "status": i.status,
            }
            for i in card.indicators
        ],
        "improvements": card.improvements(),
    }


def rate_suppliers(
    ctx: Context, store: QualificationStore, org_slug: str, year: int
) -> list[dict[str, Any]]:
    """Every supplier's scorecard for ``year`` with the buyer's weights: score 0..100, rating
    A-E, each indicator's value, points, weight and contribution (contributions add up to the
    score), data gaps, and what would raise the rating. Best first."""
    check_year(year)
    org = buyer_org(ctx, org_slug)
    config = _config(store, org.id)
    attributes = store.attributes(org.id)
    reports = ctx.workspace.all_supplier_reports(org.id)
    cards = [
        _card_dict(
            rate_one(ctx, store, org, s["supplier_id"], year, config, attributes, reports), s
        )
        for s in ctx.workspace.list_suppliers(org.id)
    ]
    return sorted(cards, key=lambda c: (-c["score"], c["supplier_id"]))


def supplier_scorecard(
    ctx: Context, store: QualificationStore, org_slug: str, supplier_id: str, year: int
) -> dict[str, Any]:
    check_year(year)
    org = buyer_org(ctx, org_slug)
    supplier = supplier_of(ctx, org.id, supplier_id)
    return _card_dict(rate_one(ctx, store, org, supplier["supplier_id"], year), supplier)


def set_weights_for(
    ctx: Context,
    principal: Principal,
    store: QualificationStore,
    org_slug: str,
    weights: Mapping[str, float],
    missing: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    principal.membership(org_slug, Role.ANALYST)
    return set_weights(ctx, store, org_slug, weights, missing)


def rate_suppliers_for(
    ctx: Context, principal: Principal, store: QualificationStore, org_slug: str, year: int
) -> list[dict[str, Any]]:
    principal.membership(org_slug)
    return rate_suppliers(ctx, store, org_slug, year)
