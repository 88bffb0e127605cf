"""Supplier engagement programs: one or more sponsoring buyers (a joint program needs every
sponsor's acceptance) work with member suppliers through data requests, workshops and
trainings, a shared best-practice library and joint reduction projects, and follow their
progress.

Each sponsor sees the program, the shared activities and library, its own members, projects and
monitoring, and of the other sponsors' suppliers only those it shares with them (confirmed
matches), by its own id and name: never another sponsor's spend or emissions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from itertools import combinations
from typing import Any

from greenchain.domain.access import Principal, Role
from greenchain.domain.errors import ConflictError, InvalidDataError, NotFoundError
from greenchain.domain.programs import (
    ACTIVITY_KINDS,
    PROJECT_TYPES,
    ProjectStatus,
    SupplierRef,
    match_suppliers,
)
from greenchain.services.context import Context
from greenchain.services.ports import ProgramStore

SBT_COUNTED = frozenset({"targets_set", "validated"})


def _store(ctx: Context) -> ProgramStore:
    if ctx.programs is None:  # pragma: no cover - wiring error
        raise RuntimeError("programs are not wired in this context")
    return ctx.programs


def _sponsor(ctx: Context, principal: Principal, org: str, program_id: int, role: Role) -> int:
    """The caller's organisation id, when it sponsors the program (not found otherwise)."""
    member = principal.membership(org, role)
    if not any(s["org_id"] == member.org_id for s in _store(ctx).sponsors(program_id)):
        raise NotFoundError(f"program {program_id} not found")
    return member.org_id


def _record(ctx: Context, org_id: int, org: str, kind: str, payload: dict[str, Any]) -> None:
    if ctx.ledger is not None:
        from greenchain.services import ledger

        ledger.record(ctx, org_id, org, kind, payload)


# --- programs -----------------------------------------------------------------------------------


def create_program(
    ctx: Context,
    principal: Principal,
    org: str,
    *,
    name: str,
    goals: str,
    start: dt.date,
    end: dt.date,
    co_sponsors: Sequence[str] = (),
) -> dict[str, Any]:
    """A program owned by ``org``; co-sponsors are invited and must accept."""
    owner = principal.membership(org, Role.ANALYST)
    if not name.strip():
        raise InvalidDataError("field 'name': give the program a name")
    if end <= start:
        raise InvalidDataError(f"field 'end': {end} is not after the start {start}")
    sponsor_ids = [owner.org_id]
    for named in co_sponsors:
        other = _organisation_named(ctx, named)
        if other.id not in sponsor_ids:
            sponsor_ids.append(other.id)
    now = ctx.clock.now()
    program_id = _store(ctx).add_program(
        {
            "name": name.strip(),
            "goals": goals.strip(),
            "start": start,
            "end": end,
            "owner_org_id": owner.org_id,
            "created_at": now,
        },
        sponsor_ids,
        now,
    )
    return show_program(ctx, principal, org, program_id)


def _organisation_named(ctx: Context, text: str) -> Any:
    """The organisation a person names: by its name (any case) or its id (slug)."""
    wanted = " ".join(text.split()).casefold()
    found = [
        o for o in ctx.workspace.list_orgs() if wanted in (o.slug.casefold(), o.name.casefold())
    ]
    if len(found) != 1:
        raise InvalidDataError(
            f"co-sponsor '{text.strip()}': no organisation of that name"
            if not found
            else f"co-sponsor '{text.strip()}': several organisations have that name; use its id"
        )
    return found[0]


def accept_sponsorship(
    ctx: Context, principal: Principal, org: str, program_id: int
) -> dict[str, Any]:
    org_id = _sponsor(ctx, principal, org, program_id, Role.ADMIN)
    if not _store(ctx).accept(program_id, org_id, ctx.clock.now()):
        raise ConflictError(f"{org} has already accepted program {program_id}")
    return show_program(ctx, principal, org, program_id)


def list_programs(ctx: Context, principal: Principal, org: str) -> list[dict[str, Any]]:
    member = principal.membership(org)
    return [
        {
            "id": p["id"],
            "name": p["name"],
            "start": str(p["start"]),
            "end": str(p["end"]),
            "accepted": p["accepted_at"] is not None,
        }
        for p in _store(ctx).programs_of(member.org_id)
    ]


def show_program(ctx: Context, principal: Principal, org: str, program_id: int) -> dict[str, Any]:
    _sponsor(ctx, principal, org, program_id, Role.VIEWER)
    store = _store(ctx)
    program = store.program(program_id)
    assert program is not None
    sponsors = store.sponsors(program_id)
    return {
        "id": program_id,
        "name": program["name"],
        "goals": program["goals"],
        "start": str(program["start"]),
        "end": str(program["end"]),
        "owner": next(s["slug"] for s in sponsors if s["org_id"] == program["owner_org_id"]),
        "sponsors": [
            {"org": s["slug"], "name": s["name"], "accepted": s["accepted_at"] is not None}
            for s in sponsors
        ],
        "active": all(s["accepted_at"] is not None for s in sponsors),
    }


def _require_active(ctx: Context, program_id: int) -> None:
    if not all(s["accepted_at"] is not None for s in _store(ctx).sponsors(program_id)):
        raise ConflictError(f"program {program_id} starts when every sponsor has accepted it")


# --- members and the suppliers sponsors share --------------------------------------------------


def add_members(
    ctx: Context,
    principal: Principal,
    org: str,
    program_id: int,
    supplier_ids: Sequence[str] = (),
    hotspots_year: int | None = None,
) -> dict[str, Any]:
    """Add suppliers by hand, or the hotspot suppliers of a year (those making up the
    configured share of Scope 3)."""
    org_id = _sponsor(ctx, principal, org, program_id, Role.ANALYST)
    chosen = list(supplier_ids)
    if hotspots_year is not None:
        from greenchain.services.inventory import get_hotspots

        chosen += [r.key for r in get_hotspots(ctx, org, hotspots_year).engagement_set]
    known = ctx.workspace.supplier_ids(org_id)
    unknown = [s for s in chosen if s not in known]
    if unknown:
        raise InvalidDataError(f"field 'suppliers': unknown supplier '{unknown[0]}'")
    if not chosen:
        raise InvalidDataError("field 'suppliers': choose suppliers or a hotspot year")
    added = _store(ctx).add_members(program_id, org_id, chosen, ctx.clock.now())
    return {"added": added, "members": len(_store(ctx).members(program_id, org_id))}


def note_improvement_areas(
    ctx: Context, principal: Principal, org: str, program_id: int, supplier_id: str, text: str
) -> dict[str, Any]:
    """Record the improvement areas agreed with a member supplier (replaces the earlier note)."""
    org_id = _sponsor(ctx, principal, org, program_id, Role.ANALYST)
    if len(text) > 5000:
        raise InvalidDataError("field 'improvement_areas': at most 5000 characters")
    if not _store(ctx).set_improvement_areas(program_id, org_id, supplier_id, text.strip()):
        raise NotFoundError(f"'{supplier_id}' is not a member of program {program_id}")
    return {"supplier_id": supplier_id, "improvement_areas": text.strip()}


def _refs(ctx: Context, org_id: int) -> list[SupplierRef]:
    return [
        SupplierRef(
            s["supplier_id"],
            s.get("name") or "",
            s.get("country") or "",
            s.get("lei"),
            s.get("duns"),
            s.get("vat_id"),
        )
        for s in ctx.workspace.list_suppliers(org_id)
    ]


def find_common_suppliers(
    ctx: Context, principal: Principal, org: str, program_id: int
) -> dict[str, Any]:
    """Match every pair of sponsors' suppliers: identifier matches are confirmed at once,
    name-and-country matches wait in the review queue."""
    _sponsor(ctx, principal, org, program_id, Role.ANALYST)
    store = _store(ctx)
    sponsor_ids = [s["org_id"] for s in store.sponsors(program_id)]
    rows = []
    for a, b in combinations(sponsor_ids, 2):
        for m in match_suppliers(_refs(ctx, a), _refs(ctx, b)):
            rows.append(
                {
                    "org_a_id": a,
                    "supplier_a": m.a,
                    "org_b_id": b,
                    "supplier_b": m.b,
                    "basis": m.basis.value,
                    "score": m.score,
                    "status": "pending" if m.needs_review else "confirmed",
                }
            )
    store.replace_matches(program_id, rows)
    found = store.matches(program_id)
    return {
        "confirmed": sum(1 for m in found if m["status"] == "confirmed"),
        "pending": sum(1 for m in found if m["status"] == "pending"),
    }


def shared_suppliers(
    ctx: Context, principal: Principal, org: str, program_id: int
) -> list[dict[str, Any]]:
    """The matches involving the caller's organisation, seen from its side: its own supplier id
    and name, the partner sponsor's name for the same company, basis, score and status."""
    org_id = _sponsor(ctx, principal, org, program_id, Role.VIEWER)
    store = _store(ctx)
    names = {s["org_id"]: s["name"] for s in store.sponsors(program_id)}
    own = ctx.workspace.supplier_names(org_id)
    partner_names: dict[int, dict[str, str]] = {}
    result = []
    for m in store.matches(program_id):
        if org_id not in (m["org_a_id"], m["org_b_id"]):
            continue
        mine_first = m["org_a_id"] == org_id
        partner_id = m["org_b_id"] if mine_first else m["org_a_id"]
        supplier_id = m["supplier_a"] if mine_first else m["supplier_b"]
        partner_supplier = m["supplier_b"] if mine_first else m["supplier_a"]
        if partner_id not in partner_names:
            partner_names[partner_id] = ctx.workspace.supplier_names(partner_id)
        result.append(
            {
                "id": m["id"],
                "supplier_id": supplier_id,
                "name": own.get(supplier_id, ""),
                "partner": names.get(partner_id, ""),
                "partner_name": partner_names[partner_id].get(partner_supplier, ""),
                "basis": m["basis"],
                "score": m["score"],
                "status": m["status"],
            }
        )
    return result


def decide_match(
    ctx: Context, principal: Principal, org: str, program_id: int, match_id: int, confirm: bool
) -> dict[str, Any]:
    org_id = _sponsor(ctx, principal, org, program_id, Role.ANALYST)
    mine = {m["id"]: m for m in shared_suppliers(ctx, principal, org, program_id)}
    if match_id not in mine:
        raise NotFoundError(f"match {match_id} not found")
    status = "confirmed" if confirm else "rejected"
    _store(ctx).decide_match(program_id, match_id, status, org_id, ctx.clock.now())
    if confirm:
        _store(ctx).add_members(
            program_id, org_id, [mine[match_id]["supplier_id"]], ctx.clock.now()
        )
    return {**mine[match_id], "status": status}


# --- activities, library ------------------------------------------------------------------------


def add_activity(
    ctx: Context,
    principal: Principal,
    org: str,
    program_id: int,
    *,
    kind: str,
    title: str,
    date: dt.date,
    agenda: str = "",
    materials: str = "",
    invite: Sequence[str] = (),
) -> dict[str, Any]:
    """A workshop, meeting, training or forum; each sponsor invites its own suppliers."""
    org_id = _sponsor(ctx, principal, org, program_id, Role.ANALYST)
    _require_active(ctx, program_id)
    if kind not in ACTIVITY_KINDS:
        raise InvalidDataError(f"field 'kind': '{kind}' is not one of {', '.join(ACTIVITY_KINDS)}")
    if not title.strip():
        raise InvalidDataError("field 'title': give the activity a title")
    members = set(_store(ctx).members(program_id, org_id))
    outside = [s for s in invite if s not in members]
    if outside:
        raise InvalidDataError(f"field 'invite': '{outside[0]}' is not a member of the program")
    activity_id = _store(ctx).add_activity(
        {
            "program_id": program_id,
            "kind": kind,
            "title": title.strip(),
            "date": date,
            "agenda": agenda.strip(),
            "materials": materials.strip(),
            "created_at": ctx.clock.now(),
        },
        [(org_id, s) for s in invite],
    )
    return {"id": activity_id, "kind": kind, "title": title.strip(), "invited": len(set(invite))}


def record_attendance(
    ctx: Context,
    principal: Principal,
    org: str,
    program_id: int,
    activity_id: int,
    attended: Sequence[str],
) -> dict[str, Any]:
    org_id = _sponsor(ctx, principal, org, program_id, Role.ANALYST)
    present = set(attended)
    invited = [i for i in _store(ctx).invitees(activity_id) if i["org_id"] == org_id]
    names = {i["supplier_id"] for i in invited}
    unknown = present - names
    if unknown:
        raise InvalidDataError(f"field 'attended': '{sorted(unknown)[0]}' was not invited")
    for i in invited:
        _store(ctx).set_attendance(
            activity_id, org_id, i["supplier_id"], i["supplier_id"] in present
        )
    return {"activity": activity_id, "attended": len(present), "invited": len(invited)}


def add_action_item(
    ctx: Context,
    principal: Principal,
    org: str,
    program_id: int,
    activity_id: int,
    *,
    description: str,
    owner: str,
    due: dt.date,
    supplier_id: str | None = None,
) -> dict[str, Any]:
    org_id = _sponsor(ctx, principal, org, program_id, Role.ANALYST)
    if not description.strip() or not owner.strip():
        raise InvalidDataError("fields 'description' and 'owner' are needed")
    item_id = _store(ctx).add_action(
        {
            "activity_id": activity_id,
            "org_id": org_id,
            "supplier_id": supplier_id,
            "description": description.strip(),
            "owner": owner.strip(),
            "due": due,
            "status": "open",
        }
    )
    return {"id": item_id, "status": "open"}


def add_article(
    ctx: Context,
    principal: Principal,
    org: str,
    program_id: int,
    *,
    title: str,
    category: str,
    sector: str,
    body: str,
) -> dict[str, Any]:
    _sponsor(ctx, principal, org, program_id, Role.ANALYST)
    if not title.strip() or not body.strip():
        raise InvalidDataError("fields 'title' and 'body' are needed")
    article_id = _store(ctx).add_article(
        {
            "program_id": program_id,
            "title": title.strip(),
            "category": category.strip() or "general",
            "sector": sector.strip() or "all",
            "body": body.strip(),
            "created_at": ctx.clock.now(),
        }
    )
    return {"id": article_id, "title": title.strip()}


def activities(
    ctx: Context, principal: Principal, org: str, program_id: int
) -> list[dict[str, Any]]:
    org_id = _sponsor(ctx, principal, org, program_id, Role.VIEWER)
    store = _store(ctx)
    result = []
    for a in store.activities(program_id):
        mine = [i for i in store.invitees(int(a["id"])) if i["org_id"] == org_id]
        result.append(
            {
                "id": a["id"],
                "kind": a["kind"],
                "title": a["title"],
                "date": str(a["date"]),
                "agenda": a["agenda"],
                "materials": a["materials"],
                "invited": [i["supplier_id"] for i in mine],
                "attended": [i["supplier_id"] for i in mine if i["attended"]],
                "actions": [
                    {
                        "description": x["description"],
                        "owner": x["owner"],
                        "due": str(x["due"]),
                        "status": x["status"],
                        "supplier_id": x["supplier_id"],
                    }
                    for x in store.actions(int(a["id"]), org_id)
                ],
            }
        )
    return result


def library(ctx: Context, principal: Principal, org: str, program_id: int) -> list[dict[str, Any]]:
    _sponsor(ctx, principal, org, program_id, Role.VIEWER)
    return [
        {k: a[k] for k in ("id", "title", "category", "sector", "body")}
        for a in _store(ctx).articles(program_id)
    ]


# --- reduction projects -------------------------------------------------------------------------


def add_project(
    ctx: Context,
    principal: Principal,
    org: str,
    program_id: int,
    *,
    supplier_id: str,
    type: str,
    title: str,
    baseline_t: float,
    expected_t: float,
    incentive: str = "",
) -> dict[str, Any]:
    org_id = _sponsor(ctx, principal, org, program_id, Role.ANALYST)
    if supplier_id not in _store(ctx).members(program_id, org_id):
        raise InvalidDataError(f"field 'supplier_id': '{supplier_id}' is not a member")
    if type not in PROJECT_TYPES:
        raise InvalidDataError(f"field 'type': '{type}' is not one of {', '.join(PROJECT_TYPES)}")
    if baseline_t < 0 or not 0 <= expected_t <= max(baseline_t, expected_t):
        raise InvalidDataError("field 'expected_t': expected reduction must be >= 0")
    project_id = _store(ctx).add_project(
        {
            "program_id": program_id,
            "org_id": org_id,
            "supplier_id": supplier_id,
            "type": type,
            "title": title.strip() or type.replace("_", " "),
            "baseline_t": float(baseline_t),
            "expected_t": float(expected_t),
            "measured_t": None,
            "status": ProjectStatus.PLANNED.value,
            "incentive": incentive.strip(),
            "evidence": "",
            "updated_at": ctx.clock.now(),
        }
    )
    return {"id": project_id, "status": "planned"}


def update_project(
    ctx: Context,
    principal: Principal,
    org: str,
    program_id: int,
    project_id: int,
    *,
    status: str,
    measured_t: float | None = None,
    evidence: str = "",
) -> dict[str, Any]:
    """Move a project on; a completed one with a measured annual reduction is recorded as a
    reduction claim in the ledger (which roadmaps can count and verifiers review)."""
    org_id = _sponsor(ctx, principal, org, program_id, Role.ANALYST)
    mine = {p["id"]: p for p in _store(ctx).projects(program_id, org_id)}
    if project_id not in mine:
        raise NotFoundError(f"project {project_id} not found")
    try:
        new = ProjectStatus(status)
    except ValueError:
        raise InvalidDataError(
            f"field 'status': '{status}' is not one of {', '.join(s.value for s in ProjectStatus)}"
        ) from None
    if new is ProjectStatus.COMPLETED and (measured_t is None or measured_t < 0):
        raise InvalidDataError("field 'measured_t': a completed project needs its measured t CO2e")
    _store(ctx).update_project(
        project_id,
        status=new.value,
        measured_t=measured_t,
        evidence=evidence.strip(),
        updated_at=ctx.clock.now(),
    )
    claim = None
    if new is ProjectStatus.COMPLETED and measured_t:
        from greenchain.services.reductions import Claim, add_claim

        project = mine[project_id]
        claim = add_claim(
            ctx,
            org,
            Claim(
                project["title"],
                "3",
                ctx.clock.now().year,
                float(measured_t),
                f"Joint {project['type'].replace('_', ' ')} project with supplier "
                f"{project['supplier_id']} (program {program_id}). {evidence.strip()}",
                "project_result",
                project["supplier_id"],
            ),
        )
    return {"id": project_id, "status": new.value, "claim": claim}


def projects(ctx: Context, principal: Principal, org: str, program_id: int) -> list[dict[str, Any]]:
    org_id = _sponsor(ctx, principal, org, program_id, Role.VIEWER)
    return [
        {
            k: p[k]
            for k in (
                "id",
                "supplier_id",
                "type",
                "title",
                "baseline_t",
                "expected_t",
                "measured_t",
                "status",
                "incentive",
            )
        }
        for p in _store(ctx).projects(program_id, org_id)
    ]


# --- monitoring ---------------------------------------------------------------------------------


def monitoring(
    ctx: Context, principal: Principal, org: str, program_id: int, year: int | None = None
) -> dict[str, Any]:
    """The caller's members: response rate to its data requests, shares of members (by
    emissions and by spend, from the latest inventory run) with reported data, science-based
    targets, training and active projects, the reductions projects measured or expect, and each
    member's emissions intensity over the years."""
    org_id = _sponsor(ctx, principal, org, program_id, Role.VIEWER)
    store = _store(ctx)
    ws = ctx.workspace
    members = store.members(program_id, org_id)
    years = ws.run_years(org_id)
    year = year or (max(years) if years else ctx.clock.now().year - 1)
    run = ws.latest_run(org_id, year)
    by_supplier = {s["supplier_id"]: s for s in (run.summary.get("by_supplier", []) if run else [])}
    status = ws.supplier_target_status(org_id, year)
    trained = store.attended(program_id, org_id, "training")
    attended = store.attended(program_id, org_id)
    project_rows = store.projects(program_id, org_id)
    areas = store.improvement_areas(program_id, org_id)
    active = {p["supplier_id"] for p in project_rows if p["status"] in ("active", "completed")}
    answered = 0
    asked = 0
    if ctx.engagement is not None:
        for r in ctx.engagement.recipients(org_id):
            if r["supplier_id"] in members:
                asked += 1
                answered += r["status"] in ("submitted", "accepted", "returned")
    rows: list[dict[str, Any]] = []
    for supplier_id in members:
        reports = ws.supplier_reports(org_id, supplier_id)
        reported = any(int(r["year"]) <= year for r in reports)
        rows.append(
            {
                "supplier_id": supplier_id,
                "t_co2e": float(by_supplier.get(supplier_id, {}).get("t_co2e", 0.0)),
                "spend_usd": float(by_supplier.get(supplier_id, {}).get("spend_usd", 0.0)),
                "reported": reported,
                "sbt": status.get(supplier_id) in SBT_COUNTED,
                "trained": supplier_id in trained,
                "attended": supplier_id in attended,
                "project": supplier_id in active,
                "improvement_areas": areas.get(supplier_id, ""),
                "intensity": [
                    {
                        "year": int(r["year"]),
                        "t_per_million": round(
                            (float(r["scope1_t"]) + float(r["scope2_market_t"]))
                            / (float(r["revenue"]) / 1e6),
                            3,
                        ),
                        "currency": r["currency"],
                    }
                    for r in reports
                    if float(r["revenue"] or 0) > 0
                ],
            }
        )

    def share(flag: str, weight: str) -> float | None:
        total = sum(float(r[weight]) for r in rows)
        part = sum(float(r[weight]) for r in rows if r[flag])
        return round(part / total, 4) if total else None

    return {
        "program": program_id,
        "year": year,
        "members": len(rows),
        "requests_sent": asked,
        "response_rate": round(answered / asked, 4) if asked else None,
        "shares": {
            flag: {"by_emissions": share(flag, "t_co2e"), "by_spend": share(flag, "spend_usd")}
            for flag in ("reported", "sbt", "trained", "project")
        },
        "reductions_t": {
            "measured": round(sum(p["measured_t"] or 0.0 for p in project_rows), 3),
            "expected": round(
                sum(p["expected_t"] for p in project_rows if p["status"] != "cancelled"), 3
            ),
        },
        "rows": rows,
    }


def monitoring_rows(report: dict[str, Any]) -> list[list[Any]]:
    """The member table of a monitoring report (header first), as its CSV export has it:
    numbers in a fixed format, the intensity over the years in one cell."""
    rows: list[list[Any]] = [
        ["supplier_id", "t_co2e", "spend_usd", "reported", "sbt", "trained", "project", "intensity"]
    ]
    for r in report["rows"]:
        rows.append(
            [
                r["supplier_id"],
                Decimal(f"{r['t_co2e']:.3f}"),
                Decimal(f"{r['spend_usd']:.2f}"),
                r["reported"],
                r["sbt"],
                r["trained"],
                r["project"],
                "; ".join(
                    f"{i['year']}: {i['t_per_million']} t/M {i['currency']}" for i in r["intensity"]
                ),
            ]
        )
    return rows


def monitoring_sheets(report: dict[str, Any]) -> list[tuple[str, list[list[Any]]]]:
    """The sheets of a monitoring workbook: Summary, Members and Intensity."""
    summary: list[list[Any]] = [
        ["program", report["program"]],
        ["year", report["year"]],
        ["members", report["members"]],
        ["response rate", report["response_rate"]],
    ]
    for flag, share in report["shares"].items():
        summary.append([f"{flag} by emissions", share["by_emissions"]])
        summary.append([f"{flag} by spend", share["by_spend"]])
    members: list[list[Any]] = [
        ["supplier_id", "t_co2e", "spend_usd", "reported", "sbt", "trained", "project"]
    ]
    intensity: list[list[Any]] = [["supplier_id", "year", "t CO2e per million revenue", "currency"]]
    for r in report["rows"]:
        members.append(
            [
                r["supplier_id"],
                r["t_co2e"],
                r["spend_usd"],
                r["reported"],
                r["sbt"],
                r["trained"],
                r["project"],
            ]
        )
        for i in r["intensity"]:
            intensity.append([r["supplier_id"], i["year"], i["t_per_million"], i["currency"]])
    return [("Summary", summary), ("Members", members), ("Intensity", intensity)]


def programs_for_supplier(ctx: Context, principal: Principal, org: str) -> list[dict[str, Any]]:
    """The programs a supplier organisation takes part in (through any customer's record of it):
    the activities it is invited to and the library the sponsors share with members."""
    member = principal.membership(org)
    store = _store(ctx)
    links = {
        (int(c["buyer_org_id"]), str(c["supplier_id"]))
        for c in ctx.workspace.customers_of(member.org_id)
    }
    seen: dict[int, dict[str, Any]] = {}
    for buyer_id, supplier_id in sorted(links):
        for p in store.programs_of(buyer_id):
            program_id = int(p["id"])
            if supplier_id not in store.members(program_id, buyer_id):
                continue
            entry = seen.setdefault(
                program_id,
                {
                    "id": program_id,
                    "name": p["name"],
                    "goals": p["goals"],
                    "sponsors": [s["name"] for s in store.sponsors(program_id)],
                    "activities": [],
                    "library": [
                        {k: a[k] for k in ("title", "category", "sector", "body")}
                        for a in store.articles(program_id)
                    ],
                },
            )
            for a in store.activities(program_id):
                invited = [
                    i
                    for i in store.invitees(int(a["id"]))
                    if (int(i["org_id"]), str(i["supplier_id"])) in links
                ]
                if invited and all(x["title"] != a["title"] for x in entry["activities"]):
                    entry["activities"].append(
                        {
                            "kind": a["kind"],
                            "title": a["title"],
                            "date": str(a["date"]),
                            "agenda": a["agenda"],
                            "attended": any(i["attended"] for i in invited),
                        }
                    )
    return list(seen.values())
