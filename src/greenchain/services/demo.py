"""The demo workspace: a semiconductor buyer with its suppliers, built from generated files."""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from greenchain.domain.access import Role
from greenchain.domain.errors import NotFoundError
from greenchain.domain.ghg import GwpSet
from greenchain.domain.inventory import InventoryReport
from greenchain.services.context import Context
from greenchain.services.factors import import_factor_sets
from greenchain.services.imports import ImportSummary, import_records
from greenchain.services.inventory import calculate_inventory

DEMO_ORG = "demo-semiconductor"
DEMO_ORG_NAME = "Lumen Semiconductor (demo)"
DEMO_YEARS = (2024, 2025)
DEMO_EMAIL = "analyst@lumen-semi.example"
DEMO_PASSWORD = "greenchain-demo"
IMPORT_ORDER = (
    ("suppliers", "suppliers"),
    ("purchases", "purchases"),
    ("activity", "activity"),
    ("product-footprints", "product_footprints"),
    ("energy-attributes", "energy_attributes"),
    ("take-back", "take_back"),
)


@dataclass(frozen=True)
class DemoResult:
    folder: Path
    imports: list[ImportSummary]
    reports: list[InventoryReport]


def build_demo_workspace(
    ctx: Context, folder: Path, *, seed: int = 2025, fresh: bool = False
) -> DemoResult:
    """Generate the demo files, import factors and files, and calculate both demo years: first
    on purchases and activity data alone, then again after the supplier data is imported."""
    ws = ctx.workspace
    if fresh:
        with contextlib.suppress(NotFoundError):
            ws.delete_org(ws.get_org(DEMO_ORG).id)
    if not ws.factor_ids("epa-supply-chain-v1.3"):
        import_factor_sets(ctx)
    try:
        ws.get_org(DEMO_ORG)
    except NotFoundError:
        ws.add_org(DEMO_ORG, DEMO_ORG_NAME, ctx.clock.now())
    if ctx.accounts is not None:
        from greenchain.services.accounts import add_user

        add_user(ctx, DEMO_EMAIL, DEMO_PASSWORD, DEMO_ORG, Role.ADMIN)
    files = ctx.demo_writer(folder, seed=seed)
    imports = [import_records(ctx, DEMO_ORG, kind, files[name]) for kind, name in IMPORT_ORDER]
    # First the spend-based picture, then the suppliers' reported data arrives: the second
    # run of each year records which spend estimates the supplier data replaced.
    for year in DEMO_YEARS:
        calculate_inventory(ctx, DEMO_ORG, year, GwpSet.AR5)
    imports.append(import_records(ctx, DEMO_ORG, "supplier-data", files["supplier_data"]))
    reports = [calculate_inventory(ctx, DEMO_ORG, year, GwpSet.AR5) for year in DEMO_YEARS]
    if ctx.ledger is not None:
        _demo_ledger(ctx, reports[-1])
    if ctx.targets is not None:
        _demo_targets(ctx, reports)
    if ctx.engagement is not None and ctx.programs is not None and ctx.accounts is not None:
        _demo_engagement(ctx, files, DEMO_YEARS[-1])
    return DemoResult(folder, imports, reports)


DEMO_PARTNER_EMAIL = "partner@keystone-ats.example"
DEMO_SUPPLIER_ORG = "demo-supplier"
DEMO_SUPPLIER_EMAIL = "supplier@demo-supplier.example"


def link_by_consent(ctx: Context, buyer_slug: str, supplier_id: str, supplier_org: str) -> None:
    """Link a demo buyer's supplier record the way a real one is linked: the buyer invites the
    supplier organisation, whose admin (the demo supplier) accepts."""
    from greenchain.services import portal

    portal.invite_supplier_link(ctx, buyer_slug, supplier_id, supplier_org)
    pending = [
        i
        for i in portal.link_invitations(ctx, supplier_org)
        if i["buyer"] == buyer_slug and i["supplier_id"] == supplier_id
    ]
    portal.accept_supplier_link(ctx, supplier_org, pending[-1]["id"])


def _demo_engagement(ctx: Context, files: dict[str, Path], year: int) -> None:
    """A joint program of the demo buyer and its partner company over their common suppliers,
    with a training that suppliers attended, a workshop, a library, reduction projects, data
    requests, and one supplier on the platform, with its own inventory, that answered from it,
    allocated its emissions to the demo buyer by the wafers it sold to it and shared the answer
    with it, which accepted."""
    import datetime as dt

    from greenchain.services import engagement as eng
    from greenchain.services import programs as prog
    from greenchain.services import supplier_answers as sup
    from greenchain.services.accounts import add_user
    from greenchain.services.allocation import allocate_to_customer
    from greenchain.services.inventory import get_hotspots

    ws = ctx.workspace

    def org(slug: str, name: str) -> None:
        try:
            ws.get_org(slug)
        except NotFoundError:
            ws.add_org(slug, name, ctx.clock.now())

    org(DEMO_PARTNER, "Keystone Assembly & Test (demo partner)")
    import_records(ctx, DEMO_PARTNER, "suppliers", files["partner_suppliers"])
    import_records(ctx, DEMO_PARTNER, "purchases", files["partner_purchases"])
    import_records(ctx, DEMO_PARTNER, "activity", files["partner_activity"])
    for partner_year in DEMO_YEARS:
        calculate_inventory(ctx, DEMO_PARTNER, partner_year, GwpSet.AR5)
    buyer = add_user(ctx, DEMO_EMAIL, DEMO_PASSWORD, DEMO_ORG, Role.ADMIN)
    partner = add_user(ctx, DEMO_PARTNER_EMAIL, DEMO_PASSWORD, DEMO_PARTNER, Role.ADMIN)
    buyer_org, partner_org = ws.get_org(DEMO_ORG), ws.get_org(DEMO_PARTNER)
    hot = [r.key for r in get_hotspots(ctx, DEMO_ORG, year).engagement_set]
    names = ws.supplier_names(buyer_org.id)
    by_name = {n.upper(): k for k, n in ws.supplier_names(partner_org.id).items()}
    shared = next((s for s in hot if names.get(s, "").upper() in by_name), hot[0])
    # the supplier on the platform is the company its customers know by that record
    supplier_name = names.get(shared, shared)
    org(DEMO_SUPPLIER_ORG, f"{supplier_name} (demo supplier)")
    supplier_user = add_user(ctx, DEMO_SUPPLIER_EMAIL, DEMO_PASSWORD, DEMO_SUPPLIER_ORG, Role.ADMIN)
    link_by_consent(ctx, DEMO_ORG, shared, DEMO_SUPPLIER_ORG)
    if ctx.qualification is not None:
        from greenchain.services.demo_qualification import seed_qualification_demo

        seed_qualification_demo(ctx, DEMO_ORG, DEMO_SUPPLIER_ORG)
    if names.get(shared, "").upper() in by_name:
        link_by_consent(ctx, DEMO_PARTNER, by_name[names[shared].upper()], DEMO_SUPPLIER_ORG)

    program = prog.create_program(
        ctx,
        buyer,
        DEMO_ORG,
        name="Semiconductor supply chain climate program",
        goals="60 % of suppliers by emissions with science-based targets by 2027; "
        "supplier-specific data for the top 30 suppliers by 2026",
        start=dt.date(year + 1, 1, 1),
        end=dt.date(year + 3, 12, 31),
        co_sponsors=[DEMO_PARTNER],
    )
    pid = int(program["id"])
    today = ctx.clock.now().date()
    prog.accept_sponsorship(ctx, partner, DEMO_PARTNER, pid)
    prog.add_members(ctx, buyer, DEMO_ORG, pid, hotspots_year=year)
    prog.add_members(ctx, partner, DEMO_PARTNER, pid, sorted(ws.supplier_ids(partner_org.id))[:15])
    prog.find_common_suppliers(ctx, buyer, DEMO_ORG, pid)
    for match in prog.shared_suppliers(ctx, buyer, DEMO_ORG, pid):
        if match["status"] == "pending":
            prog.decide_match(ctx, buyer, DEMO_ORG, pid, int(match["id"]), confirm=True)
    members = prog.monitoring(ctx, buyer, DEMO_ORG, pid)["rows"]
    invited = [r["supplier_id"] for r in members[:8]]
    if shared not in invited:
        invited[-1] = shared
    training = prog.add_activity(
        ctx,
        buyer,
        DEMO_ORG,
        pid,
        kind="training",
        title="Setting science-based targets",
        date=today - dt.timedelta(days=21),
        agenda="SBTi criteria; base year and boundary; supplier data collection",
        materials="Slides and the SBTi Corporate Net-Zero Standard",
        invite=invited,
    )
    prog.record_attendance(ctx, buyer, DEMO_ORG, pid, int(training["id"]), invited[:6])
    for supplier_id, areas in zip(
        invited[:3],
        (
            "Sub-metering of cleanroom HVAC; renewable electricity sourcing",
            "Process gas abatement; supplier-specific Scope 3 data",
            "Science-based target commitment; ISO 50001",
        ),
        strict=False,
    ):
        prog.note_improvement_areas(ctx, buyer, DEMO_ORG, pid, supplier_id, areas)
    prog.add_action_item(
        ctx,
        buyer,
        DEMO_ORG,
        pid,
        int(training["id"]),
        description="Submit a science-based target commitment letter",
        owner="Supplier sustainability leads",
        due=today + dt.timedelta(days=90),
    )
    prog.add_activity(
        ctx,
        buyer,
        DEMO_ORG,
        pid,
        kind="workshop",
        title="Renewable electricity sourcing in Taiwan and Malaysia",
        date=today + dt.timedelta(days=30),
        agenda="PPAs, I-RECs and on-site solar",
        invite=invited[:5],
    )
    prog.add_article(
        ctx,
        buyer,
        DEMO_ORG,
        pid,
        title="Abating process gases in etch and CVD chambers",
        category="process gases",
        sector="semiconductors",
        body="Point-of-use abatement cuts PFC and NF3 emissions by over 90 %.",
    )
    prog.add_article(
        ctx,
        partner,
        DEMO_PARTNER,
        pid,
        title="Buying renewable electricity with I-RECs",
        category="energy",
        sector="all",
        body="Certificates must match the market and year of consumption.",
    )
    done = prog.add_project(
        ctx,
        buyer,
        DEMO_ORG,
        pid,
        supplier_id=shared,
        type="renewable_electricity",
        title="Rooftop solar and a PPA at the supplier's plant",
        baseline_t=9_800.0,
        expected_t=1_500.0,
        incentive="preferred volume allocation 2027",
    )
    prog.update_project(
        ctx,
        buyer,
        DEMO_ORG,
        pid,
        int(done["id"]),
        status="completed",
        measured_t=1_450.0,
        evidence="Metered generation and PPA invoices, 12 months",
    )
    active = prog.add_project(
        ctx,
        buyer,
        DEMO_ORG,
        pid,
        supplier_id=invited[1],
        type="process_gas_abatement",
        title="Point-of-use abatement on etch tools",
        baseline_t=6_200.0,
        expected_t=2_100.0,
    )
    prog.update_project(ctx, buyer, DEMO_ORG, pid, int(active["id"]), status="active")

    deadline = today + dt.timedelta(days=45)
    recipients = [(s, f"climate@{s.lower()}.example") for s in invited if s != shared]
    recipients.append((shared, DEMO_SUPPLIER_EMAIL))
    sent = eng.send_request(ctx, DEMO_ORG, year=year, deadline=deadline, recipients=recipients)
    partner_record = ws.customers_of(ws.get_org(DEMO_SUPPLIER_ORG).id)
    for link in partner_record:
        if link["buyer"] == DEMO_PARTNER:
            eng.send_request(
                ctx,
                DEMO_PARTNER,
                year=year,
                deadline=deadline,
                recipients=[(link["supplier_id"], DEMO_SUPPLIER_EMAIL)],
            )
    mine = next(
        r
        for r in sup.portal(ctx, supplier_user, DEMO_SUPPLIER_ORG)["requests"]
        if r["buyer"] == DEMO_ORG
    )
    # the supplier calculates its own plant's inventory and answers from it
    import_records(ctx, DEMO_SUPPLIER_ORG, "activity", files["supplier_activity"])
    import_records(ctx, DEMO_SUPPLIER_ORG, "energy-attributes", files["supplier_energy_attributes"])
    own = [calculate_inventory(ctx, DEMO_SUPPLIER_ORG, y, GwpSet.AR5) for y in DEMO_YEARS][-1]
    sup.submit(
        ctx,
        supplier_user,
        DEMO_SUPPLIER_ORG,
        int(mine["id"]),
        {
            "reporting_year": year,
            "revenue": 420_000_000,
            "currency": "USD",
            "scope1_t": round(own.by_scope.get("1", 0.0)),
            "scope2_location_t": round(own.by_scope.get("2_location", 0.0)),
            "scope2_market_t": round(own.by_scope.get("2_market", 0.0)),
            "scope3_upstream_t": 28_400,
            "method": "ghg_protocol",
            "verification": "limited",
            "verifier": "Verity Assurance",
            "sbt_status": "validated",
            "sbt_date": f"{year}-03-15",
            "sbt_ambition": "1.5C",
            "net_zero_year": 2045,
            "renewable_share": 0.32,
            "takeback_reuse_share": 0.18,
            "recycling_share": 0.96,
            "certifications": ["iso_14001", "iso_50001", "rba_member"],
            "reduction_projects": "Rooftop solar 6 MW; chiller heat recovery",
        },
    )
    sup.add_evidence(
        ctx,
        supplier_user,
        DEMO_SUPPLIER_ORG,
        int(mine["id"]),
        f"verification-statement-{year}.pdf",
        _demo_statement_pdf(supplier_name, year),
    )
    # its allocation to the demo buyer (CDP SC1.1): the wafers it sold to it over all it made
    allocate_to_customer(
        ctx,
        supplier_user,
        DEMO_SUPPLIER_ORG,
        int(mine["id"]),
        method="quantity",
        customer_value=186_000,
        total_value=1_240_000,
        unit="wafers",
        uncertainty_pct=5,
    )
    detail = eng.request_detail(ctx, DEMO_ORG, int(sent["id"]))
    answered = next(r for r in detail["recipients"] if r["supplier_id"] == shared)
    eng.accept(ctx, DEMO_ORG, int(answered["id"]))


def _demo_statement_pdf(supplier: str, year: int) -> bytes:
    """A one-page PDF standing for the supplier's verification statement (evidence)."""
    text = f"Verity Assurance: limited assurance statement, {supplier}, {year}"
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out


def _demo_targets(ctx: Context, reports: list[InventoryReport]) -> None:
    """Base year 2020 (before the platform: entered by hand, derived from the first run so the
    demo stays consistent with its generated data), revenue, and targets like those companies
    publish."""
    from greenchain.services import targets as t

    store = ctx.targets
    assert store is not None
    first = reports[0].by_scope
    base = {
        "1": first.get("1", 0.0) * 1.18 or 9_500.0,
        "2_market": first.get("2_market", 0.0) * 1.35 or 21_000.0,
        "2_location": first.get("2_location", 0.0) * 1.2 or 23_000.0,
        "3": first.get("3", 0.0) * 1.1,
    }
    for scope, value in base.items():
        t.add_history_total(ctx, store, DEMO_ORG, 2020, scope, round(value, 1), "2020 CDP response")
    for year, revenue in ((2020, 1.45e9), (2024, 1.92e9), (2025, 2.05e9)):
        t.add_history_revenue(ctx, store, DEMO_ORG, year, revenue, "USD")
    existing = {x["name"] for x in t.list_targets(ctx, store, DEMO_ORG)}
    targets: list[dict[str, Any]] = [
        dict(
            name="Scope 1+2 -42 % by 2030",
            kind="absolute",
            scopes=["1", "2_market"],
            base_year=2020,
            target_year=2030,
            reduction=0.42,
            submitted_year=2022,
        ),
        dict(
            name="Scope 3 -25 % by 2030",
            kind="absolute",
            scopes=["3"],
            base_year=2020,
            target_year=2030,
            reduction=0.25,
            coverage=0.7,
            submitted_year=2022,
        ),
        dict(
            name="Scope 3 intensity -60 % by 2030",
            kind="intensity",
            scopes=["3"],
            base_year=2020,
            target_year=2030,
            reduction=0.6,
            denominator="revenue",
            submitted_year=2022,
        ),
        dict(
            name="Net zero 2050",
            kind="net_zero",
            scopes=["1", "2_market", "3"],
            base_year=2020,
            target_year=2050,
            reduction=0.9,
            coverage=0.95,
            neutralise_residual=True,
            submitted_year=2022,
        ),
    ]
    targets += [
        dict(
            name="100 % renewable electricity by 2030",
            kind="renewable_electricity",
            scopes=["2_market"],
            base_year=2020,
            target_year=2030,
            target_share=1.0,
            base_share=0.0,
            submitted_year=2022,
        ),
        dict(
            name="60 % of suppliers by emissions with SBTs by 2027",
            kind="supplier_engagement",
            scopes=["3"],
            base_year=2022,
            target_year=2027,
            target_share=0.6,
            base_share=0.05,
            engagement_basis="emissions",
            submitted_year=2022,
        ),
    ]
    for fields in targets:
        if fields["name"] not in existing:
            t.add_target(ctx, store, DEMO_ORG, **fields)
    t.save_scenario(
        ctx,
        store,
        DEMO_ORG,
        "2030 plan: suppliers, renewables, efficiency",
        {
            "until": 2030,
            "efficiency_rate": 0.03,
            "renewable_current": 0.26,
            "renewable_share": 1.0,
            "renewable_by": 2030,
            "supplier_share": 0.45,
            "supplier_rate": 0.042,
        },
    )
    if not t.list_credits(ctx, store, DEMO_ORG):
        # credits retired in the last demo year: a biochar removal in Finland, cookstoves in
        # Ghana authorised under Paris Agreement Art. 6.2 (corresponding adjustment), and a
        # block that does not say (ESRS E1-7 lists it as not known)
        year = DEMO_YEARS[-1]
        for registry, serial, last, kind, standard, adjusted, where, claim in (
            ("Puro.earth", 40_001, 41_200, "removal", "Puro Standard", False, "FI",
             "Net zero 2050: residual emissions neutralisation"),
            ("Verra", 7_700_001, 7_705_000, "avoidance", "VCS", True, "GH",
             f"Business travel {year}"),
            ("Gold Standard", 310_001, 312_500, "avoidance", "Gold Standard", None, None,
             f"Events {year}"),
        ):  # fmt: skip
            t.retire_credit(
                ctx,
                store,
                DEMO_ORG,
                registry=registry,
                serial_start=serial,
                serial_end=last,
                vintage=year - 1,
                project_type=kind,
                standard=standard,
                quantity_t=float(last - serial + 1),
                retired_for=claim,
                corresponding_adjustment=adjusted,
                location=where,
                cancelled_on=dt.date(year, 12, 15),
            )


DEMO_VERIFIER = "demo-assurance"
DEMO_VERIFIER_EMAIL = "verifier@verity-assurance.example"
DEMO_PARTNER = "demo-osat-partner"


def _demo_ledger(ctx: Context, latest: InventoryReport) -> None:
    """Reduction claims of the demo company, reviewed by a verifier organisation, and the tree
    head co-signed by a partner company acting as witness."""
    from greenchain.services import ledger
    from greenchain.services.reductions import Claim, add_claim

    ws = ctx.workspace
    for slug, name in (
        (DEMO_VERIFIER, "Verity Assurance (demo verifier)"),
        (DEMO_PARTNER, "Keystone Assembly & Test (demo partner)"),
    ):
        try:
            ws.get_org(slug)
        except NotFoundError:
            ws.add_org(slug, name, ctx.clock.now())
    if ctx.accounts is not None:
        from greenchain.services.accounts import add_user

        add_user(ctx, DEMO_VERIFIER_EMAIL, DEMO_PASSWORD, DEMO_VERIFIER, Role.ANALYST)
    org = ws.get_org(DEMO_ORG)
    supplier = sorted(ws.supplier_ids(org.id))[0]
    year = DEMO_YEARS[-1]
    chiller = add_claim(
        ctx,
        DEMO_ORG,
        Claim(
            "Chiller heat recovery, fab 2",
            "2",
            year,
            1240.5,
            "Heat recovered from process chillers replaces gas boilers; metered 12 months.",
        ),
    )
    add_claim(
        ctx,
        DEMO_ORG,
        Claim(
            "Joint PFC abatement with supplier",
            "3",
            year,
            3815.0,
            "Point-of-use abatement installed at the supplier's etch tools, co-funded.",
            "project_result",
            supplier,
        ),
    )
    from greenchain.services import verification

    verification.engage(
        ctx,
        DEMO_ORG,
        DEMO_VERIFIER,
        year=year,
        scope=f"GHG inventory {year}: Scope 1, 2 and 3 and the reduction claims",
        assurance_level="limited",
        deadline=dt.date(year + 1, 3, 31),
    )
    ledger.attest(
        ctx,
        DEMO_VERIFIER,
        chiller["ledger_seq"],
        ledger.Review(
            f"Reduction claim 'Chiller heat recovery, fab 2', {year}",
            assurance="limited",
            findings="Meter readings and boiler gas invoices reconciled; no misstatement found.",
        ),
    )
    run_entries = [
        e["seq"]
        for e in ctx.ledger.entries_of(org.id)  # type: ignore[union-attr]
        if e["kind"] == "calculation_run"
    ]
    ledger.attest(
        ctx,
        DEMO_VERIFIER,
        run_entries[-1],
        ledger.Review(
            f"GHG inventory {year} (run {latest.run_id}), Scope 1, 2 and 3",
            assurance="limited",
            findings="Spend-based Scope 3 estimates disclosed as such.",
        ),
    )
    assert ctx.keys is not None
    ledger.witness(ctx, ws.get_org(DEMO_PARTNER).id, ctx.keys.verify)
