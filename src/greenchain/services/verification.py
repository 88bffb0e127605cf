"""The verifier's workspace: the engagements it has, the run under review with its lines and
lineage, the evidence suppliers attached, a reproducible sample of lines with what was checked
and found, findings sent to the organisation, and the statement it signs in the ledger.

A verifier reads an organisation's data only through an engagement that organisation made
(``ledger engage-verifier``), and only what the engagement covers: its runs, their lines,
the evidence of the supplier answers the organisation holds. Every function takes the acting
principal and checks its membership of the verifier organisation first.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from greenchain.domain.access import Principal, Role
from greenchain.domain.errors import InvalidDataError, NotFoundError
from greenchain.domain.inventory import InventoryReport
from greenchain.domain.verification import (
    ASSURANCE_LEVELS,
    CHECK_RESULTS,
    DEFAULT_CONFIDENCE,
    DEFAULT_MATERIALITY,
    SEVERITIES,
    monetary_unit_sample,
    sample_size,
)
from greenchain.services import ledger as ledger_service
from greenchain.services import run_lines
from greenchain.services.context import Context
from greenchain.services.ports import VerificationStore

#: The columns of a sample as listed and exported.
SAMPLE_COLUMNS: tuple[str, ...] = (
    "source",
    "source_id",
    "supplier_id",
    "scope",
    "scope3_category",
    "method",
    "factor_set",
    "factor_id",
    "activity_amount",
    "activity_unit",
    "fx_usd_per_unit",
    "kg_co2e",
    "key_item",
    "note",
    "result",
    "check_note",
)


def _store(ctx: Context) -> VerificationStore:
    if ctx.verification is None:  # pragma: no cover - wiring error
        raise RuntimeError("the verifier's workspace is not wired in this context")
    return ctx.verification


# --- the organisation's side: engaging -----------------------------------------------------------


def engage(
    ctx: Context,
    org_slug: str,
    verifier_slug: str,
    *,
    year: int | None = None,
    scope: str = "",
    assurance_level: str = "limited",
    deadline: dt.date | None = None,
) -> dict[str, Any]:
    """Engage ``verifier_slug`` to verify ``org_slug``'s inventory of ``year`` (scope, level of
    assurance, deadline); engaging again updates the terms."""
    if assurance_level not in ASSURANCE_LEVELS:
        raise InvalidDataError(
            f"assurance level '{assurance_level}' is not one of {', '.join(ASSURANCE_LEVELS)}"
        )
    if year is not None and not 1990 <= year <= 2100:
        raise InvalidDataError(f"year {year} is not a year from 1990 to 2100")
    ledger_service.engage_verifier(ctx, org_slug, verifier_slug)
    org = ctx.workspace.get_org(org_slug)
    verifier = ctx.workspace.get_org(verifier_slug)
    terms = {
        "year": year,
        "scope": scope.strip() or "GHG inventory: Scope 1, 2 and 3",
        "assurance_level": assurance_level,
        "deadline": deadline,
    }
    _store(ctx).set_terms(org.id, verifier.id, **terms)
    return {"org": org_slug, "verifier": verifier_slug, **terms}


def findings_for_org(ctx: Context, principal: Principal, org_slug: str) -> list[dict[str, Any]]:
    """The findings verifiers sent the organisation, newest first."""
    member = principal.membership(org_slug)
    return _store(ctx).findings(member.org_id)


# --- the verifier's side --------------------------------------------------------------------------


def _verifier_id(principal: Principal, verifier_slug: str, role: Role = Role.VIEWER) -> int:
    return principal.membership(verifier_slug, role).org_id


def _engagement(ctx: Context, verifier_id: int, org_slug: str) -> dict[str, Any]:
    """The engagement of ``org_slug`` with the verifier; not engaged reads as not found."""
    for item in _store(ctx).engagements_of(verifier_id):
        if item["org"] == org_slug:
            return item
    raise NotFoundError(f"no engagement with '{org_slug}'")


def _run_under_review(ctx: Context, org_id: int, year: int | None) -> Any:
    """The newest run of the engaged year (of any year when none was given)."""
    if year is not None:
        return ctx.workspace.latest_run(org_id, year)
    runs = ctx.workspace.list_runs(org_id)
    return max(runs, key=lambda r: (r.year, r.id)) if runs else None


def engagements(ctx: Context, principal: Principal, verifier_slug: str) -> list[dict[str, Any]]:
    """Every engagement of the verifier with the run under review and whether it signed."""
    verifier_id = _verifier_id(principal, verifier_slug)
    found = []
    for item in _store(ctx).engagements_of(verifier_id):
        run = _run_under_review(ctx, int(item["org_id"]), item["year"])
        assurance = (
            ledger_service.assurance_of_run(ctx, int(item["org_id"]), run.id, run.year)
            if run is not None
            else {"seq": None, "verified_by": []}
        )
        found.append(
            {
                **_terms(item),
                "run_id": run.id if run else None,
                "run_year": run.year if run else None,
                "total_t_co2e": run.summary.get("total_t_co2e") if run else None,
                "seq": assurance["seq"],
                "signed": any(v["verifier"] == verifier_slug for v in assurance["verified_by"]),
            }
        )
    return found


def _terms(item: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "org": item["org"],
        "org_name": item["org_name"],
        "year": item["year"],
        "scope": item["scope"] or "GHG inventory",
        "assurance_level": item["assurance_level"] or "limited",
        "deadline": item["deadline"],
        "engaged_at": item["created_at"],
    }


def engagement(
    ctx: Context, principal: Principal, verifier_slug: str, org_slug: str
) -> dict[str, Any]:
    """One engagement: its terms, the run under review with its inventory, the ledger entry
    to sign, the evidence of supplier answers, the samples drawn and the findings sent."""
    verifier_id = _verifier_id(principal, verifier_slug)
    item = _engagement(ctx, verifier_id, org_slug)
    org_id = int(item["org_id"])
    run = _run_under_review(ctx, org_id, item["year"])
    report = (
        InventoryReport.from_dict({**run.summary, "run_id": run.id}) if run is not None else None
    )
    assurance = (
        ledger_service.assurance_of_run(ctx, org_id, run.id, run.year)
        if run is not None
        else {"seq": None, "verified_by": []}
    )
    store = _store(ctx)
    return {
        **_terms(item),
        "report": report,
        "seq": assurance["seq"],
        "verified_by": assurance["verified_by"],
        "signed": any(v["verifier"] == verifier_slug for v in assurance["verified_by"]),
        "evidence": _evidence(ctx, org_id, report.year if report else item["year"]),
        "samples": [
            {**s, "size": sample_size(s["materiality"], s["confidence"])}
            for s in store.samples(org_id, verifier_id)
        ],
        "findings": store.findings(org_id, verifier_id),
    }


def _evidence(ctx: Context, org_id: int, year: int | None) -> list[dict[str, Any]]:
    """The files suppliers attached to the answers the organisation holds for ``year``."""
    store = ctx.engagement
    if store is None or year is None:
        return []
    names = ctx.workspace.supplier_names(org_id)
    found = []
    for r in store.recipients(org_id):
        if int(r["year"]) != year or r["response_id"] is None:
            continue
        if not store.has_consent(int(r["response_id"]), org_id):
            continue
        for e in store.evidence(int(r["response_id"])):
            found.append(
                {
                    **e,
                    "response_id": int(r["response_id"]),
                    "supplier_id": r["supplier_id"],
                    "supplier_name": names.get(str(r["supplier_id"]), ""),
                    "status": r["status"],
                }
            )
    return found


def evidence_file(
    ctx: Context,
    principal: Principal,
    verifier_slug: str,
    org_slug: str,
    response_id: int,
    evidence_id: int,
) -> dict[str, Any]:
    """An evidence file of an answer the engaged organisation holds (consent still given)."""
    verifier_id = _verifier_id(principal, verifier_slug)
    org_id = int(_engagement(ctx, verifier_id, org_slug)["org_id"])
    store = ctx.engagement
    if store is None or not store.has_consent(response_id, org_id):
        raise NotFoundError(f"evidence {evidence_id} not found")
    found = store.evidence_file(response_id, evidence_id)
    if found is None:
        raise NotFoundError(f"evidence {evidence_id} not found")
    return found


def _reviewed_run(ctx: Context, verifier_id: int, org_slug: str, run_id: int) -> int:
    """The organisation id when ``run_id`` is one of its runs the verifier may read."""
    org_id = int(_engagement(ctx, verifier_id, org_slug)["org_id"])
    if all(r.id != run_id for r in ctx.workspace.list_runs(org_id)):
        raise NotFoundError(f"calculation run {run_id} not found")
    return org_id


def lines_page(
    ctx: Context,
    principal: Principal,
    verifier_slug: str,
    org_slug: str,
    run_id: int,
    flt: run_lines.LineFilter,
    page: int = 1,
    per_page: int = 100,
) -> dict[str, Any]:
    """A page of the reviewed run's lines, with their lineage (as its organisation sees it)."""
    org_id = _reviewed_run(ctx, _verifier_id(principal, verifier_slug), org_slug, run_id)
    return run_lines.page_of(ctx, org_id, run_id, flt, page, per_page)


def filtered_lines(
    ctx: Context,
    principal: Principal,
    verifier_slug: str,
    org_slug: str,
    run_id: int,
    flt: run_lines.LineFilter,
) -> pa.Table:
    org_id = _reviewed_run(ctx, _verifier_id(principal, verifier_slug), org_slug, run_id)
    return run_lines.filter_lines(ctx, org_id, run_id, flt)


def draw_sample(
    ctx: Context,
    principal: Principal,
    verifier_slug: str,
    org_slug: str,
    *,
    materiality: float = DEFAULT_MATERIALITY,
    confidence: float = DEFAULT_CONFIDENCE,
    seed: int | None = None,
) -> dict[str, Any]:
    """Draw a sample of the run under review (monetary-unit sampling, ``domain.verification``)
    and keep its parameters: the same seed draws the same lines again."""
    verifier_id = _verifier_id(principal, verifier_slug, Role.ANALYST)
    item = _engagement(ctx, verifier_id, org_slug)
    size = sample_size(materiality, confidence)
    run = _run_under_review(ctx, int(item["org_id"]), item["year"])
    if run is None:
        raise InvalidDataError(f"{org_slug} has no calculation run to sample yet")
    sample_id = _store(ctx).add_sample(
        {
            "org_id": int(item["org_id"]),
            "verifier_org_id": verifier_id,
            "run_id": run.id,
            "seed": secrets.randbelow(2**31) if seed is None else int(seed),
            "materiality": materiality,
            "confidence": confidence,
            "created_at": ctx.clock.now(),
        }
    )
    return {"sample_id": sample_id, "run_id": run.id, "size": size}


def _sample(ctx: Context, verifier_id: int, org_slug: str, sample_id: int) -> dict[str, Any]:
    org_id = int(_engagement(ctx, verifier_id, org_slug)["org_id"])
    for s in _store(ctx).samples(org_id, verifier_id):
        if int(s["id"]) == sample_id:
            return s
    raise NotFoundError(f"sample {sample_id} not found")


def sample_lines(
    ctx: Context, principal: Principal, verifier_slug: str, org_slug: str, sample_id: int
) -> dict[str, Any]:
    """The sample's lines drawn again from the stored run, each with what was recorded."""
    verifier_id = _verifier_id(principal, verifier_slug)
    sample = _sample(ctx, verifier_id, org_slug, sample_id)
    org_id, run_id = int(sample["org_id"]), int(sample["run_id"])
    kg = ctx.workspace.run_line_column(org_id, run_id, "kg_co2e")
    size = sample_size(sample["materiality"], sample["confidence"])
    values = [float(v or 0.0) for v in kg.to_pylist()]
    drawn = monetary_unit_sample(values, size, int(sample["seed"]))
    checks = _store(ctx).checks(sample_id)
    rows = (
        ctx.workspace.run_lines_at(org_id, run_id, [d.index for d in drawn]).to_pylist()
        if drawn
        else []
    )
    lines = []
    for d, row in zip(drawn, rows, strict=True):
        check = checks.get((str(row["source"]), str(row["source_id"])), {})
        lines.append(
            {
                **{k: row.get(k) for k in SAMPLE_COLUMNS if k in row},
                "key_item": d.key_item,
                "result": check.get("result"),
                "check_note": check.get("note"),
            }
        )
    total = sum(abs(v) for v in values)
    covered = sum(abs(float(line["kg_co2e"] or 0.0)) for line in lines)
    return {
        **sample,
        "size": size,
        "lines": lines,
        "checked": sum(1 for line in lines if line["result"]),
        "exceptions": sum(1 for line in lines if line["result"] == "exception"),
        "covered_share": covered / total if total else 0.0,
    }


def record_check(
    ctx: Context,
    principal: Principal,
    verifier_slug: str,
    org_slug: str,
    sample_id: int,
    *,
    source: str,
    source_id: str,
    result: str,
    note: str = "",
) -> dict[str, Any]:
    """Record what was checked on a sampled line and found (``agreed`` or ``exception``)."""
    if result not in CHECK_RESULTS:
        raise InvalidDataError(f"result '{result}' is not one of {', '.join(CHECK_RESULTS)}")
    if result == "exception" and not note.strip():
        raise InvalidDataError("say what differs: an exception needs a note")
    verifier_id = _verifier_id(principal, verifier_slug, Role.ANALYST)
    drawn = sample_lines(ctx, principal, verifier_slug, org_slug, sample_id)["lines"]
    if not any(x["source"] == source and x["source_id"] == source_id for x in drawn):
        raise NotFoundError(f"line {source_id} is not in sample {sample_id}")
    _store(ctx).record_check(
        sample_id, source, source_id, result, note.strip()[:2000], ctx.clock.now()
    )
    del verifier_id
    return {"sample_id": sample_id, "source_id": source_id, "result": result}


def add_finding(
    ctx: Context,
    principal: Principal,
    verifier_slug: str,
    org_slug: str,
    *,
    severity: str,
    description: str,
    source_id: str = "",
) -> dict[str, Any]:
    """Send the organisation a finding on the run under review (it sees it on its ledger
    page and its administrators get an email)."""
    if severity not in SEVERITIES:
        raise InvalidDataError(f"severity '{severity}' is not one of {', '.join(SEVERITIES)}")
    if not description.strip():
        raise InvalidDataError("describe the finding")
    verifier_id = _verifier_id(principal, verifier_slug, Role.ANALYST)
    item = _engagement(ctx, verifier_id, org_slug)
    run = _run_under_review(ctx, int(item["org_id"]), item["year"])
    if run is None:
        raise InvalidDataError(f"{org_slug} has no calculation run to report on yet")
    finding_id = _store(ctx).add_finding(
        {
            "org_id": int(item["org_id"]),
            "verifier_org_id": verifier_id,
            "run_id": run.id,
            "severity": severity,
            "description": description.strip()[:4000],
            "source_id": source_id.strip() or None,
            "created_at": ctx.clock.now(),
        }
    )
    verifier = ctx.workspace.get_org(verifier_slug)
    _tell_admins(
        ctx,
        int(item["org_id"]),
        f"{verifier.name}: {severity} finding on run {run.id}",
        f"{verifier.name} sent a {severity} finding on calculation run {run.id} "
        f"({run.year}):\n\n{description.strip()}\n"
        + (f"\nLine: {source_id.strip()}\n" if source_id.strip() else ""),
    )
    return {"id": finding_id, "run_id": run.id, "severity": severity}


def _tell_admins(ctx: Context, org_id: int, subject: str, body: str) -> None:
    if ctx.accounts is None:
        return
    now = ctx.clock.now()
    for email in ctx.accounts.admin_emails(org_id):
        ctx.accounts.queue_mail(email, subject, body, now)
