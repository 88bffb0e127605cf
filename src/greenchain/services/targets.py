"""Climate targets: entered history, target records, SBTi checks, progress and carbon credits.

The maths is ``greenchain.domain.targets``; this module stores targets and credits through a
``TargetStore``, builds the yearly history the checks need (stored calculation runs merged with
totals entered for years the platform did not calculate), and records every target change in
the transparency log. Carbon credits never enter the history, so retiring them cannot move
target progress: they are reported beside it, in the neutralisation statement.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from greenchain.domain.errors import GreenchainError, InvalidDataError, NotFoundError
from greenchain.domain.targets import (
    Credit,
    EngagementBasis,
    ProjectType,
    Scope,
    Target,
    TargetKind,
    YearData,
    check_no_double_retirement,
    check_target,
    credit_location,
    neutralisation,
    progress,
)
from greenchain.services.context import Context
from greenchain.services.ports import OrganisationRecord, RunRecord, TargetStore

SCOPES: tuple[str, ...] = tuple(s.value for s in Scope)
FIRST_YEAR, LAST_YEAR = 1990, 2100

#: The keys of every ``target_progress`` row (values are None when the data is missing).
PROGRESS_KEYS: tuple[str, ...] = (
    "name",
    "kind",
    "scopes",
    "base_year",
    "base_value",
    "target_year",
    "target_value",
    "year",
    "actual_value",
    "expected_value",
    "on_track",
    "gap",
    "required_annual_reduction",
    "unit",
)

E = TypeVar("E", bound=StrEnum)


def _enum(kind: type[E], value: str, what: str) -> E:
    try:
        return kind(value)
    except ValueError:
        known = ", ".join(k.value for k in kind)
        raise InvalidDataError(f"{what} '{value}' is not one of {known}") from None


def _check_year(year: int, what: str = "year") -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidDataError(f"{what} {year} is not a plausible year ({FIRST_YEAR}-{LAST_YEAR})")


def _iso(moment: dt.datetime | None) -> str | None:
    """ISO 8601 in UTC (SQLite hands back naive datetimes of the UTC times stored)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def _org(ctx: Context, org_slug: str) -> OrganisationRecord:
    return ctx.workspace.get_org(org_slug)


# --- history -------------------------------------------------------------------------------------


def add_history_total(
    ctx: Context,
    store: TargetStore,
    org_slug: str,
    year: int,
    scope: str,
    t_co2e: float,
    source: str = "entered",
) -> dict[str, Any]:
    """Enter a year's total for one scope, in t CO2e (e.g. a base year from before the platform).

    ``scope`` is ``1``, ``2_market``, ``2_location`` or ``3``; entering a year and scope again
    replaces the earlier figure (``replaced`` says so).
    """
    _check_year(year)
    scope = _enum(Scope, scope, "scope").value
    if not (math.isfinite(t_co2e) and t_co2e >= 0):
        raise InvalidDataError(f"Scope {scope} emissions {t_co2e} t CO2e must be >= 0")
    source = source.strip() or "entered"
    org = _org(ctx, org_slug)
    replaced = store.set_history_total(org.id, year, scope, float(t_co2e), source)
    return {
        "year": year,
        "scope": scope,
        "t_co2e": float(t_co2e),
        "source": source,
        "replaced": replaced,
    }


def import_history_totals(
    ctx: Context,
    store: TargetStore,
    org_slug: str,
    file_name: str,
    rows: Sequence[Mapping[str, str]],
) -> dict[str, Any]:
    """Enter many yearly totals at once (columns ``year, scope, t_co2e[, source]``): every row
    is checked first, and nothing is stored unless all are valid. Rows are numbered as a
    spreadsheet shows them (the header is row 1)."""
    _org(ctx, org_slug)
    problems: list[str] = []
    clean: list[tuple[int, str, float, str]] = []
    for number, row in enumerate(rows, start=2):
        where = f"{file_name}: row {number}"
        values = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
        try:
            year = int(values.get("year", ""))
            _check_year(year)
        except (ValueError, InvalidDataError):
            problems.append(f"{where}, field 'year': '{values.get('year', '')}' is not a year")
            continue
        scope = values.get("scope", "")
        if scope not in SCOPES:
            problems.append(f"{where}, field 'scope': '{scope}' is not one of {', '.join(SCOPES)}")
            continue
        try:
            tonnes = float(values.get("t_co2e", ""))
        except ValueError:
            tonnes = math.nan
        if not (math.isfinite(tonnes) and tonnes >= 0):
            problems.append(
                f"{where}, field 't_co2e': '{values.get('t_co2e', '')}' is not a number >= 0"
            )
            continue
        clean.append((year, scope, tonnes, values.get("source") or f"imported from {file_name}"))
    if not rows:
        problems.append(f"{file_name}: no rows (columns: year, scope, t_co2e, source)")
    if problems:
        shown = "; ".join(problems[:20])
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        raise InvalidDataError(f"nothing imported: {shown}{more}")
    for year, scope, tonnes, source in clean:
        add_history_total(ctx, store, org_slug, year, scope, tonnes, source)
    return {"file": file_name, "rows": len(clean)}


def add_history_revenue(
    ctx: Context,
    store: TargetStore,
    org_slug: str,
    year: int,
    revenue: float,
    currency: str,
) -> dict[str, Any]:
    """Enter a year's revenue (in units of ``currency``, not millions) for intensity targets.

    Every year is kept in one currency, so that intensities of different years compare.
    """
    _check_year(year)
    if not (math.isfinite(revenue) and revenue > 0):
        raise InvalidDataError(f"revenue {revenue} must be > 0")
    code = currency.strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise InvalidDataError(f"currency '{currency}' is not an ISO 4217 code such as USD")
    org = _org(ctx, org_slug)
    for row in store.history_revenue(org.id):
        if row["year"] != year and row["currency"] != code:
            raise InvalidDataError(
                f"revenue for {row['year']} is in {row['currency']}; enter every year in one "
                f"currency (not {code}) so that intensities compare"
            )
    replaced = store.set_history_revenue(org.id, year, float(revenue), code)
    return {"year": year, "revenue": float(revenue), "currency": code, "replaced": replaced}


@dataclass(frozen=True)
class HistoryYear:
    """One year of history with where each figure came from (``run <id>`` or the source)."""

    data: YearData
    sources: dict[str, str] = field(default_factory=dict)
    revenue: float | None = None
    currency: str | None = None
    run_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.data.year,
            "emissions": dict(self.data.emissions),
            "sources": dict(self.sources),
            "revenue": self.revenue,
            "currency": self.currency,
            "run_id": self.run_id,
        }


def _history_years(ctx: Context, store: TargetStore, org_id: int) -> dict[int, HistoryYear]:
    entered: dict[int, dict[str, tuple[float, str]]] = {}
    for row in store.history_totals(org_id):
        entered.setdefault(int(row["year"]), {})[row["scope"]] = (
            float(row["t_co2e"]),
            row["source"],
        )
    revenue = {
        int(r["year"]): (float(r["revenue"]), r["currency"]) for r in store.history_revenue(org_id)
    }
    runs: dict[int, RunRecord] = {}
    for year in ctx.workspace.run_years(org_id):
        run = ctx.workspace.latest_run(org_id, year)
        if run is not None:
            runs[year] = run
    result: dict[int, HistoryYear] = {}
    for year in sorted(set(entered) | set(runs) | set(revenue)):
        emissions: dict[str, float] = {}
        sources: dict[str, str] = {}
        run = runs.get(year)
        by_scope: Mapping[str, Any] = run.summary.get("by_scope", {}) if run else {}
        given = entered.get(year, {})
        for scope in SCOPES:
            measured = float(by_scope.get(scope, 0.0) or 0.0)
            if run is not None and (measured > 0 or scope not in given):
                emissions[scope], sources[scope] = measured, f"run {run.id}"
            elif scope in given:
                emissions[scope], sources[scope] = given[scope]
        amount, currency = revenue.get(year, (None, None))
        by_emissions, by_spend = _supplier_sbt_shares(ctx, org_id, year, run)
        renewable = run.summary.get("renewable_electricity_share") if run else None
        result[year] = HistoryYear(
            data=YearData(
                year=year,
                emissions=emissions,
                revenue_million=amount / 1e6 if amount is not None else None,
                supplier_sbt_share_by_emissions=by_emissions,
                supplier_sbt_share_by_spend=by_spend,
                renewable_share=float(renewable) if renewable is not None else None,
            ),
            sources=sources,
            revenue=amount,
            currency=currency,
            run_id=run.id if run else None,
        )
    return result


#: Supplier target statuses that count as "has a science-based target".
SBT_STATUSES_THAT_COUNT = frozenset({"targets_set", "validated"})


def _supplier_sbt_shares(
    ctx: Context, org_id: int, year: int, run: RunRecord | None
) -> tuple[float | None, float | None]:
    """Shares of the year's Scope 3 emissions and of spend with suppliers that have set
    science-based targets (their latest report up to the year says so); None without a run."""
    if run is None:
        return None, None
    suppliers = run.summary.get("by_supplier", [])
    total_t = sum(float(s.get("t_co2e", 0.0)) for s in suppliers)
    total_spend = sum(float(s.get("spend_usd", 0.0)) for s in suppliers)
    status = ctx.workspace.supplier_target_status(org_id, year)
    counted = [s for s in suppliers if status.get(s["supplier_id"]) in SBT_STATUSES_THAT_COUNT]
    by_t = sum(float(s.get("t_co2e", 0.0)) for s in counted) / total_t if total_t else None
    by_spend = (
        sum(float(s.get("spend_usd", 0.0)) for s in counted) / total_spend if total_spend else None
    )
    return by_t, by_spend


def history(ctx: Context, store: TargetStore, org_slug: str) -> dict[int, YearData]:
    """The organisation's yearly data for target checks and progress, by year.

    Each year with a stored calculation run takes its scope totals (t CO2e, Scope 2 both
    market- and location-based) from the latest run of the year; totals entered by hand fill
    the years no run covers, and the scopes a run reports nothing for (a run from purchase
    data alone has no Scope 1). Revenue comes from the entered revenue (in millions); the
    renewable electricity share from the run (contractual instruments over purchased
    electricity); the supplier shares with science-based targets from the run's suppliers and
    their reported target status.
    """
    org = _org(ctx, org_slug)
    return {year: item.data for year, item in _history_years(ctx, store, org.id).items()}


def list_history(ctx: Context, store: TargetStore, org_slug: str) -> list[dict[str, Any]]:
    """The merged history, one dict per year, with the source of every figure."""
    org = _org(ctx, org_slug)
    return [item.to_dict() for item in _history_years(ctx, store, org.id).values()]


# --- targets -------------------------------------------------------------------------------------


def target_from_row(row: Mapping[str, Any]) -> Target:
    """A domain ``Target`` from a stored or listed target."""
    return Target(
        name=row["name"],
        kind=TargetKind(row["kind"]),
        scopes=tuple(row["scopes"]),
        base_year=int(row["base_year"]),
        target_year=int(row["target_year"]),
        reduction=row["reduction"],
        target_share=row["target_share"],
        denominator=row["denominator"],
        coverage=float(row["coverage"]),
        engagement_basis=(
            EngagementBasis(row["engagement_basis"]) if row["engagement_basis"] else None
        ),
        base_share=float(row["base_share"]),
        neutralise_residual=bool(row["neutralise_residual"]),
        submitted_year=row["submitted_year"],
        milestones=tuple((int(y), float(v)) for y, v in row["milestones"]),
    )


def _target_fields(target: Target) -> dict[str, Any]:
    return {
        "name": target.name,
        "kind": target.kind.value,
        "scopes": list(target.scopes),
        "base_year": target.base_year,
        "target_year": target.target_year,
        "reduction": target.reduction,
        "target_share": target.target_share,
        "denominator": target.denominator,
        "coverage": target.coverage,
        "engagement_basis": target.engagement_basis.value if target.engagement_basis else None,
        "base_share": target.base_share,
        "neutralise_residual": target.neutralise_residual,
        "submitted_year": target.submitted_year,
        "milestones": [[y, v] for y, v in target.milestones],
    }


def _public_target(row: Mapping[str, Any]) -> dict[str, Any]:
    target = target_from_row(row)
    return {
        "id": row["id"],
        **_target_fields(target),
        "unit": target.unit,
        "created_at": _iso(row.get("created_at")),
        "removed_at": _iso(row.get("removed_at")),
    }


def _current_targets(store: TargetStore, org_id: int) -> list[Target]:
    return [target_from_row(row) for row in store.targets(org_id)]


def _record(
    ctx: Context,
    org: OrganisationRecord,
    kind: str,
    payload: Mapping[str, Any],
    row: tuple[str, int],
) -> int | None:
    if ctx.ledger is None:
        return None
    from greenchain.services import ledger

    return ledger.record(ctx, org.id, org.slug, kind, payload, row=row)


def add_target(
    ctx: Context,
    store: TargetStore,
    org_slug: str,
    *,
    name: str,
    kind: str,
    scopes: Sequence[str],
    base_year: int,
    target_year: int,
    reduction: float | None = None,
    target_share: float | None = None,
    denominator: str | None = None,
    coverage: float = 1.0,
    engagement_basis: str | None = None,
    base_share: float = 0.0,
    neutralise_residual: bool = False,
    submitted_year: int | None = None,
    milestones: Sequence[tuple[int, float]] = (),
) -> dict[str, Any]:
    """Set a target (validated by the domain ``Target``) and record it in the ledger.

    Fractions are 0..1 (``reduction=0.42`` for a 42 % cut); see ``Target`` for the fields.
    A name is unique among the organisation's current targets (ConflictError otherwise).
    """
    _check_year(base_year, "base year")
    _check_year(target_year, "target year")
    target = Target(
        name=name.strip(),
        kind=_enum(TargetKind, kind, "target kind"),
        scopes=tuple(s.strip() for s in scopes),
        base_year=base_year,
        target_year=target_year,
        reduction=reduction,
        target_share=target_share,
        denominator=denominator.strip() if denominator else None,
        coverage=coverage,
        engagement_basis=(
            _enum(EngagementBasis, engagement_basis, "engagement basis")
            if engagement_basis
            else None
        ),
        base_share=base_share,
        neutralise_residual=neutralise_residual,
        submitted_year=submitted_year,
        milestones=tuple(milestones),
    )
    org = _org(ctx, org_slug)
    fields = _target_fields(target)
    now = ctx.clock.now()
    target_id = store.add_target({"org_id": org.id, **fields, "created_at": now})
    seq = _record(
        ctx,
        org,
        "target_change",
        {"action": "add", "id": target_id, **fields},
        ("targets", target_id),
    )
    return {
        "id": target_id,
        **fields,
        "unit": target.unit,
        "created_at": _iso(now),
        "removed_at": None,
        "ledger_seq": seq,
    }


def list_targets(
    ctx: Context, store: TargetStore, org_slug: str, *, include_removed: bool = False
) -> list[dict[str, Any]]:
    """The organisation's targets (current ones unless ``include_removed``), oldest first."""
    org = _org(ctx, org_slug)
    return [_public_target(row) for row in store.targets(org.id, include_removed)]


def remove_target(ctx: Context, store: TargetStore, org_slug: str, name: str) -> dict[str, Any]:
    """Withdraw a current target: the row is kept with its removal time; the ledger records it."""
    org = _org(ctx, org_slug)
    now = ctx.clock.now()
    target_id = store.remove_target(org.id, name.strip(), now)
    seq = _record(
        ctx,
        org,
        "target_change",
        {"action": "remove", "id": target_id, "name": name.strip()},
        ("targets", target_id),
    )
    return {"id": target_id, "name": name.strip(), "removed_at": _iso(now), "ledger_seq": seq}


def check_targets(
    ctx: Context, store: TargetStore, org_slug: str, submitted_year: int | None = None
) -> list[dict[str, Any]]:
    """Each current target checked against the SBTi criteria (``CRITERIA_VERSION``).

    Each target is checked at the year it was submitted, when it records one; otherwise at
    ``submitted_year`` (callers pass the current year).
    """
    org = _org(ctx, org_slug)
    years = {y: item.data for y, item in _history_years(ctx, store, org.id).items()}
    results = []
    for target in _current_targets(store, org.id):
        when = target.submitted_year if target.submitted_year is not None else submitted_year
        check = check_target(target, years, submitted_year=when)
        results.append(
            {
                "name": check.target_name,
                "kind": check.kind.value,
                "meets_all": check.meets_all,
                "criteria": [asdict(c) for c in check.criteria],
                "criteria_version": check.criteria_version,
            }
        )
    return results


def target_progress(
    ctx: Context, store: TargetStore, org_slug: str, year: int
) -> list[dict[str, Any]]:
    """Where each current target stands in ``year`` against its linear (milestone) path.

    One dict per target with the keys of ``PROGRESS_KEYS``; when the base year or ``year`` has
    no data for the target, the computed values are None. Carbon credits play no part.
    """
    _check_year(year)
    org = _org(ctx, org_slug)
    years = {y: item.data for y, item in _history_years(ctx, store, org.id).items()}
    rows = []
    for target in _current_targets(store, org.id):
        try:
            result = progress(target, years, year)
        except GreenchainError:
            row: dict[str, Any] = dict.fromkeys(PROGRESS_KEYS)
            row.update(
                name=target.name,
                kind=target.kind.value,
                scopes=list(target.scopes),
                base_year=target.base_year,
                target_year=target.target_year,
                year=year,
                unit=target.unit,
            )
            rows.append(row)
            continue
        row = asdict(result)
        row["kind"] = result.kind.value
        row["scopes"] = list(result.scopes)
        rows.append({key: row[key] for key in PROGRESS_KEYS})
    return rows


def base_year_flags(
    ctx: Context, store: TargetStore, org_slug: str, threshold: float = 0.05
) -> list[dict[str, Any]]:
    """Targets whose base-year emissions may need recalculating (GHG Protocol ch. 5; SBTi).

    For each current emission target the base year's total on the target scopes is compared
    (1) as entered by hand against the latest stored run of that year, on the scopes both
    report, and (2) between the first and the latest stored run of the year (a restatement).
    A change of more than ``threshold`` (fraction of the earlier figure) is flagged with the
    reason; nothing is changed.
    """
    if not (math.isfinite(threshold) and 0 <= threshold < 1):
        raise InvalidDataError(f"threshold {threshold} must be a fraction in [0, 1)")
    org = _org(ctx, org_slug)
    entered: dict[int, dict[str, float]] = {}
    for row in store.history_totals(org.id):
        entered.setdefault(int(row["year"]), {})[row["scope"]] = float(row["t_co2e"])
    runs_by_year: dict[int, Sequence[RunRecord]] = {}
    flags: list[dict[str, Any]] = []
    for target in _current_targets(store, org.id):
        if not target.is_emission_target:
            continue
        base = target.base_year
        if base not in runs_by_year:
            runs_by_year[base] = ctx.workspace.list_runs(org.id, base)
        runs = runs_by_year[base]
        if not runs:
            continue
        latest = runs[-1]
        latest_scopes = _run_scopes(latest)
        given = entered.get(base, {})
        shared = [s for s in target.scopes if s in given and latest_scopes.get(s, 0.0) > 0]
        if shared:
            before = sum(given[s] for s in shared)
            after = sum(latest_scopes[s] for s in shared)
            flag = _flag(target, shared, before, after, threshold)
            if flag is not None:
                flag["compared"] = f"entered history vs run {latest.id}"
                flag["reason"] = (
                    f"base year {base} Scope {'+'.join(shared)}: entered {before:,.1f} t CO2e, "
                    f"calculated run {latest.id} {after:,.1f} t CO2e "
                    f"({flag['change_fraction']:+.1%}, more than the {threshold:.0%} "
                    "threshold): recalculate the base year"
                )
                flags.append(flag)
        if len(runs) >= 2:
            first = runs[0]
            first_scopes = _run_scopes(first)
            scopes = list(target.scopes)
            before = sum(first_scopes.get(s, 0.0) for s in scopes)
            after = sum(latest_scopes.get(s, 0.0) for s in scopes)
            flag = _flag(target, scopes, before, after, threshold)
            if flag is not None:
                flag["compared"] = f"run {first.id} vs run {latest.id}"
                flag["reason"] = (
                    f"base year {base} Scope {'+'.join(scopes)} restated from {before:,.1f} to "
                    f"{after:,.1f} t CO2e ({flag['change_fraction']:+.1%}, more than the "
                    f"{threshold:.0%} threshold){_restatement_reasons(first, latest)}: "
                    "recalculate the base year"
                )
                flags.append(flag)
    return flags


def _run_scopes(run: RunRecord) -> dict[str, float]:
    by_scope = run.summary.get("by_scope", {})
    return {s: float(by_scope.get(s, 0.0) or 0.0) for s in SCOPES}


def _restatement_reasons(first: RunRecord, latest: RunRecord) -> str:
    reasons: list[str] = []
    if first.gwp_set != latest.gwp_set:
        reasons.append(f"GWP set changed from {first.gwp_set} to {latest.gwp_set}")
    for item in latest.summary.get("restatements", []) or []:
        reason = str(item.get("reason", "")).strip()
        if reason and reason not in reasons:
            reasons.append(reason)
    if not reasons:
        return ""
    shown = "; ".join(reasons[:3]) + ("; ..." if len(reasons) > 3 else "")
    return f" because: {shown}"


def _flag(
    target: Target, scopes: Sequence[str], before: float, after: float, threshold: float
) -> dict[str, Any] | None:
    if before > 0:
        change = (after - before) / before
    elif after > 0:
        change = math.inf
    else:
        return None
    if abs(change) <= threshold:
        return None
    return {
        "target": target.name,
        "base_year": target.base_year,
        "scopes": list(scopes),
        "previous_t_co2e": before,
        "current_t_co2e": after,
        "change_fraction": change,
        "threshold": threshold,
    }


# --- carbon credits ------------------------------------------------------------------------------


def _credit_from_row(row: Mapping[str, Any]) -> Credit:
    return Credit(
        serial_start=int(row["serial_start"]),
        serial_end=int(row["serial_end"]),
        registry=row["registry"],
        vintage=int(row["vintage"]),
        project_type=ProjectType(row["project_type"]),
        standard=row["standard"],
        quantity_t=float(row["quantity_t"]),
        retired_for=row["retired_for"],
        corresponding_adjustment=row.get("corresponding_adjustment"),
        location=row.get("location"),
        cancelled_on=_date(row.get("cancelled_on")),
    )


def _date(value: dt.date | str | None) -> dt.date | None:
    """A calendar date from the database (a date) or a record (YYYY-MM-DD)."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


def credit_cancellation_year(credit: Mapping[str, Any]) -> int | None:
    """The year a recorded block (:func:`list_credits`) was cancelled in its registry: its
    cancellation date, or for a block recorded before dates were kept the year it was
    recorded. ESRS E1-7 and CDP C11.2a count a block in that year."""
    cancelled = _date(credit.get("cancelled_on"))
    if cancelled is not None:
        return cancelled.year
    recorded = credit.get("retired_at")
    return dt.datetime.fromisoformat(recorded).year if recorded else None


def _public_credit(row: Mapping[str, Any]) -> dict[str, Any]:
    cancelled = _date(row.get("cancelled_on"))
    return {
        "id": row["id"],
        "registry": row["registry"],
        "serial_start": int(row["serial_start"]),
        "serial_end": int(row["serial_end"]),
        "vintage": int(row["vintage"]),
        "project_type": row["project_type"],
        "standard": row["standard"],
        "quantity_t": float(row["quantity_t"]),
        "retired_for": row["retired_for"],
        "corresponding_adjustment": (
            None
            if row.get("corresponding_adjustment") is None
            else bool(row["corresponding_adjustment"])
        ),
        "location": row.get("location"),
        "cancelled_on": None if cancelled is None else cancelled.isoformat(),
        "retired_at": _iso(row.get("retired_at")),
    }


def retire_credit(
    ctx: Context,
    store: TargetStore,
    org_slug: str,
    *,
    registry: str,
    serial_start: int,
    serial_end: int,
    vintage: int,
    project_type: str,
    standard: str,
    quantity_t: float,
    retired_for: str,
    corresponding_adjustment: bool | None = None,
    location: str | None = None,
    cancelled_on: dt.date | None = None,
) -> dict[str, Any]:
    """Record a block of credits (1 credit = 1 t CO2e) retired for ``retired_for``.

    ``corresponding_adjustment``: whether the host country adjusted its own accounts for the
    credits (Paris Agreement Art. 6); ``location``: "EU", "non-EU" or the project's country
    (ISO 3166 alpha-2, stored as EU or non-EU); both optional, disclosed under ESRS E1-7.
    ``cancelled_on``: the date the registry cancelled the block (today when not given; not
    later than today, not before the vintage year): ESRS E1-7 reports the credits cancelled
    in the reporting year.

    A serial already recorded in the registry, by any organisation, is refused with
    ConflictError: a tonne is never retired twice. Credits never change the inventory or
    target progress; they count only in ``neutralisation_statement``.
    """
    _check_year(vintage, "vintage")
    if not standard.strip():
        raise InvalidDataError("credits need the standard they were issued under (e.g. VCS)")
    if not retired_for.strip():
        raise InvalidDataError("say whom or what claim the credits are retired for")
    today = ctx.clock.now().date()
    if cancelled_on is not None and cancelled_on > today:
        raise InvalidDataError(
            f"cancellation date {cancelled_on.isoformat()} is in the future: record credits "
            "once the registry has cancelled them"
        )
    credit = Credit(
        serial_start=serial_start,
        serial_end=serial_end,
        registry=registry.strip(),
        vintage=vintage,
        project_type=_enum(ProjectType, project_type, "project type"),
        standard=standard.strip(),
        quantity_t=quantity_t,
        retired_for=retired_for.strip(),
        corresponding_adjustment=corresponding_adjustment,
        location=credit_location(location),
        cancelled_on=cancelled_on or today,
    )
    org = _org(ctx, org_slug)
    existing = [_credit_from_row(row) for row in store.registry_credits(credit.registry)]
    check_no_double_retirement(existing, credit)
    now = ctx.clock.now()
    values = {
        "org_id": org.id,
        "registry": credit.registry,
        "serial_start": credit.serial_start,
        "serial_end": credit.serial_end,
        "vintage": credit.vintage,
        "project_type": credit.project_type.value,
        "standard": credit.standard,
        "quantity_t": float(credit.quantity_t),
        "retired_for": credit.retired_for,
        "corresponding_adjustment": credit.corresponding_adjustment,
        "location": credit.location,
        "cancelled_on": credit.cancelled_on,
        "retired_at": now,
    }
    credit_id = store.add_credit(values)
    public = _public_credit({**values, "id": credit_id})
    seq = _record(
        ctx,
        org,
        "credit_retirement",
        {k: v for k, v in public.items() if k != "retired_at"},
        ("carbon_credits", credit_id),
    )
    return {**public, "ledger_seq": seq}


def list_credits(ctx: Context, store: TargetStore, org_slug: str) -> list[dict[str, Any]]:
    org = _org(ctx, org_slug)
    return [_public_credit(row) for row in store.credits(org.id)]


def neutralisation_statement(
    ctx: Context,
    store: TargetStore,
    org_slug: str,
    year: int,
    boundary: str,
    *,
    scopes: Sequence[str] | None = None,
    retired_for: str | None = None,
) -> dict[str, Any]:
    """Retired credits set against the residual emissions of ``year`` (t CO2e).

    The residual is the sum of ``scopes`` in the year's history; by default the scopes of the
    current net-zero target, else Scope 1 + Scope 2 market-based (else location-based) +
    Scope 3. Only removals neutralise (net zero); removals and avoidance together cover a
    carbon-neutral claim for ``boundary``. With ``retired_for`` only credits retired for it
    count. Nothing here changes the inventory or target progress.
    """
    _check_year(year)
    org = _org(ctx, org_slug)
    years = _history_years(ctx, store, org.id)
    item = years.get(year)
    if item is None:
        raise NotFoundError(f"no emissions recorded for {year}: enter history or run the inventory")
    emissions = item.data.emissions
    if scopes is None:
        net_zero = [t for t in _current_targets(store, org.id) if t.kind is TargetKind.NET_ZERO]
        if net_zero:
            chosen = list(net_zero[0].scopes)
        else:
            scope2 = "2_market" if "2_market" in emissions else "2_location"
            chosen = [s for s in ("1", scope2, "3") if s in emissions]
    else:
        chosen = [_enum(Scope, s.strip(), "scope").value for s in scopes]
    residual = sum(emissions.get(s, 0.0) for s in chosen)
    credits = [_credit_from_row(row) for row in store.credits(org.id)]
    statement = neutralisation(residual, credits, boundary=boundary, retired_for=retired_for)
    return {
        "year": year,
        "scopes": chosen,
        **asdict(statement),
        "retired_t": statement.retired_t,
    }


# --- roadmap scenarios ---------------------------------------------------------------------------

SCENARIO_LEVERS = {
    "until": (1990, 2100),
    "supplier_share": (0.0, 1.0),
    "supplier_rate": (0.0, 1.0),
    "renewable_share": (0.0, 1.0),
    "renewable_by": (1990, 2100),
    "renewable_current": (0.0, 1.0),
    "efficiency_rate": (0.0, 1.0),
    "projects": (0, 1),
}


def save_scenario(
    ctx: Context, store: TargetStore, org_slug: str, name: str, levers: Mapping[str, Any]
) -> dict[str, Any]:
    """Save the what-if levers of a roadmap under a name (saving the name again replaces it)."""
    org = _org(ctx, org_slug)
    name = name.strip()
    if not 1 <= len(name) <= 200:
        raise InvalidDataError("field 'name': give the scenario a name of 1 to 200 characters")
    clean: dict[str, Any] = {}
    for key, value in levers.items():
        if key not in SCENARIO_LEVERS:
            raise InvalidDataError(
                f"field '{key}': not a roadmap lever (use {', '.join(SCENARIO_LEVERS)})"
            )
        if value is None:
            continue
        low, high = SCENARIO_LEVERS[key]
        number = float(value)
        if not (math.isfinite(number) and low <= number <= high):
            raise InvalidDataError(f"field '{key}': {value} is outside {low} to {high}")
        clean[key] = int(number) if isinstance(low, int) else number
    replaced = store.save_scenario(org.id, name, clean, ctx.clock.now())
    return {"name": name, "levers": clean, "replaced": replaced}


def list_scenarios(ctx: Context, store: TargetStore, org_slug: str) -> list[dict[str, Any]]:
    org = _org(ctx, org_slug)
    return [
        {"name": s["name"], "levers": s["levers"], "created_at": _iso(s["created_at"])}
        for s in store.scenarios(org.id)
    ]


def delete_scenario(ctx: Context, store: TargetStore, org_slug: str, name: str) -> None:
    org = _org(ctx, org_slug)
    if not store.delete_scenario(org.id, name.strip()):
        raise NotFoundError(f"no roadmap scenario named '{name.strip()}'")
