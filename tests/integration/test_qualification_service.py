"""Qualification, audits, scorecards, requirements and tiers through the services, on SQLite
and PostgreSQL. The clock stands at 2026-03-01 (``tests.fakes.FixedClock``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from greenchain.adapters.db.qualification import SqlQualification
from greenchain.domain.errors import ConflictError, InvalidDataError, NotFoundError
from greenchain.domain.qualification import GREEN_SUPPLY_CHAIN
from greenchain.services import audits as audit_service
from greenchain.services import qualification as svc
from greenchain.services import scorecards as scorecard_service
from greenchain.services import sourcing as sourcing_service
from greenchain.services.context import Context
from greenchain.services.imports import import_records
from greenchain.services.orgs import add_organisation
from tests.factories import supplier, supplier_report, write_csv

ORG = "acme"
OTHER = "beta"
DOCS = ["company profile", "environmental policy"]
# 4/4, 2/4, 3/4, 1/4 of the pillars' items passed: 62.5
PASSED = {"GD1", "GD2", "GD3", "GD4", "GS1", "GS2", "GM1", "GM2", "GM3", "ED1"}


def _setup_buyer(ctx: Context, tmp_path: Path, slug: str) -> None:
    add_organisation(ctx, slug)
    write_csv(
        tmp_path / f"{slug}-suppliers.csv",
        "suppliers",
        [
            supplier("S1", strategic="true"),
            supplier("S2", strategic="true"),
            supplier("S3"),
        ],
    )
    import_records(ctx, slug, "suppliers", tmp_path / f"{slug}-suppliers.csv")
    write_csv(
        tmp_path / f"{slug}-data.csv",
        "supplier-data",
        [
            supplier_report("S1", year="2023", scope1_t="110", sbt_status="validated"),
            supplier_report(
                "S1", year="2024", scope1_t="100", sbt_status="validated", renewable_share="0.8"
            ),
            supplier_report("S2", year="2024", verified="false", sbt_status="targets_set"),
        ],
    )
    import_records(ctx, slug, "supplier-data", tmp_path / f"{slug}-data.csv")


@pytest.fixture
def store(ctx: Context, tmp_path: Path) -> SqlQualification:
    _setup_buyer(ctx, tmp_path, ORG)
    store = SqlQualification(ctx.workspace.engine)  # type: ignore[attr-defined]
    svc.add_program(ctx, store, ORG, name="green supply chain")
    scorecard_service.set_supplier_attributes(
        ctx,
        store,
        ORG,
        "S1",
        iso_14001=True,
        iso_14001_expires_on="2027-06-30",
        rba_member=True,
        training_completion_share=1.0,
        participation_share=1.0,
        recycling_share=0.5,
    )
    return store


def _audit(ctx: Context, store: SqlQualification, case_id: int, supplier_id: str = "S1"):
    return audit_service.record_audit(
        ctx,
        store,
        ORG,
        supplier_id=supplier_id,
        auditor="auditor@buyer",
        audited_on=ctx.clock.now().date(),
        results={c: c in PASSED for c in GREEN_SUPPLY_CHAIN.codes},
        findings=[
            {
                "item_code": "ED2",
                "severity": "major",
                "description": "emissions not verified",
                "owner": "EHS manager",
                "due_on": "2026-06-30",
            }
        ],
        evidence=["audit-report.pdf"],
        case_id=case_id,
    )


def _to_training(ctx: Context, store: SqlQualification, supplier_id: str = "S1") -> int:
    case = svc.open_qualification(ctx, store, ORG, supplier_id=supplier_id, who="ana@buyer")
    case_id = int(case["id"])
    svc.advance_case(
        ctx,
        store,
        ORG,
        case_id,
        to_stage="preliminary_audit",
        who="ana@buyer",
        why="documents complete",
        documents=DOCS,
    )
    _audit(ctx, store, case_id, supplier_id)
    svc.advance_case(
        ctx, store, ORG, case_id, to_stage="training", who="ana@buyer", why="audit passed"
    )
    return case_id


def _qualify(ctx: Context, store: SqlQualification) -> int:
    case_id = _to_training(ctx, store)
    for stage, why in (("final_evaluation", "trained"), ("decision", "evaluation passed")):
        svc.advance_case(ctx, store, ORG, case_id, to_stage=stage, who="ana@buyer", why=why)
    svc.decide_case(
        ctx, store, ORG, case_id, outcome="qualified", who="lead@buyer", why="criteria met"
    )
    return case_id


def test_a_qualification_from_application_to_decision_is_stored_and_logged(
    ctx: Context, store: SqlQualification
):
    case_id = _qualify(ctx, store)

    case = svc.get_case(ctx, store, ORG, case_id)
    assert (case["status"], case["standing"], case["cycle"]) == ("qualified", "qualified", 1)
    assert case["valid_until"] == "2029-02-28"  # decided 2026-03-01 + 1,095 days
    steps = case["transitions"]
    assert [(s["from"], s["to"]) for s in steps] == [
        ("opened", "application"),
        ("application", "preliminary_audit"),
        ("preliminary_audit", "training"),
        ("training", "final_evaluation"),
        ("final_evaluation", "decision"),
        ("decision", "qualified"),
    ]
    assert steps[-1]["who"] == "lead@buyer"
    assert steps[-1]["why"] == "criteria met"
    # evidence filled in from the store: the case's audit, recorded training, the scorecard
    assert steps[2]["evidence"]["audit_score"] == pytest.approx(62.5)
    assert steps[3]["evidence"]["training_completed"] is True
    card = scorecard_service.supplier_scorecard(ctx, store, ORG, "S1", 2026)
    assert steps[4]["evidence"]["score"] == pytest.approx(card["score"])
    assert all(s["ledger_seq"] is not None for s in steps)
    org = ctx.workspace.get_org(ORG)
    assert ctx.ledger is not None
    kinds = [e["kind"] for e in ctx.ledger.entries_of(org.id)]
    assert kinds.count("qualification_transition") == 6
    (audit,) = case["audits"]
    assert audit["findings"][0]["severity"] == "major"
    (action,) = case["corrective_actions"]
    assert (action["owner"], action["due_on"], action["status"]) == (
        "EHS manager",
        "2026-06-30",
        "open",
    )


def test_stages_cannot_be_skipped_and_nothing_is_stored(ctx: Context, store: SqlQualification):
    case_id = int(svc.open_qualification(ctx, store, ORG, supplier_id="S2", who="ana")["id"])
    with pytest.raises(InvalidDataError, match="from stage 'application' to 'training'"):
        svc.advance_case(
            ctx, store, ORG, case_id, to_stage="training", who="ana", why="x", documents=DOCS
        )
    svc.advance_case(
        ctx,
        store,
        ORG,
        case_id,
        to_stage="preliminary_audit",
        who="ana",
        why="docs",
        documents=DOCS,
    )
    case = svc.get_case(ctx, store, ORG, case_id)
    assert case["stage"] == "preliminary_audit"
    with pytest.raises(InvalidDataError, match="no audit on the green_supply_chain"):
        svc.advance_case(ctx, store, ORG, case_id, to_stage="training", who="ana", why="x")
    assert len(svc.get_case(ctx, store, ORG, case_id)["transitions"]) == 2
    with pytest.raises(ConflictError, match="has a case in this program"):
        svc.open_qualification(ctx, store, ORG, supplier_id="S2", who="ana")


def test_a_case_past_its_window_expires_and_can_start_again(ctx: Context, store: SqlQualification):
    opened = svc.open_qualification(
        ctx, store, ORG, supplier_id="S2", who="ana", applied_on=dt.date(2026, 1, 1)
    )
    case_id = int(opened["id"])
    assert opened["deadline"] == "2026-07-03"
    reminders = svc.list_reminders(ctx, store, ORG, within_days=30)
    assert reminders == []
    ctx.clock.current = dt.datetime(2026, 6, 10, tzinfo=dt.UTC)  # type: ignore[attr-defined]
    (reminder,) = [r for r in svc.list_reminders(ctx, store, ORG, 30) if r["kind"] == "window"]
    assert (reminder["case_id"], reminder["days_left"]) == (case_id, 23)

    ctx.clock.current = dt.datetime(2026, 7, 4, tzinfo=dt.UTC)  # type: ignore[attr-defined]
    assert svc.list_cases(ctx, store, ORG)[0]["status"] == "expired"
    with pytest.raises(ConflictError, match="ended on 2026-07-03"):
        svc.advance_case(
            ctx,
            store,
            ORG,
            case_id,
            to_stage="preliminary_audit",
            who="ana",
            why="late",
            documents=DOCS,
        )
    case = svc.get_case(ctx, store, ORG, case_id)
    assert case["status"] == "expired"
    assert case["transitions"][-1]["to"] == "expired"
    assert case["transitions"][-1]["who"] == "system"
    assert svc.expire_cases(ctx, store, ORG) == []  # already stored

    again = svc.requalify_case(ctx, store, ORG, case_id, who="ana", why="second application")
    assert (again["cycle"], again["stage"], again["status"]) == (2, "application", "in_progress")
    assert again["deadline"] == (dt.date(2026, 7, 4) + dt.timedelta(days=183)).isoformat()


def test_requalification_of_a_valid_qualification_needs_on_demand(
    ctx: Context, store: SqlQualification
):
    case_id = _qualify(ctx, store)
    with pytest.raises(ConflictError, match="valid until 2029-02-28"):
        svc.requalify_case(ctx, store, ORG, case_id, who="lead", why="review")
    again = svc.requalify_case(
        ctx, store, ORG, case_id, who="lead", why="new product line", on_demand=True
    )
    assert again["cycle"] == 2
    assert again["transitions"][-1]["from"] == "qualified"


def test_conditional_qualification_stores_its_corrective_actions(
    ctx: Context, store: SqlQualification
):
    case_id = _to_training(ctx, store)
    for stage in ("final_evaluation", "decision"):
        svc.advance_case(ctx, store, ORG, case_id, to_stage=stage, who="ana", why="next")
    with pytest.raises(InvalidDataError, match="corrective actions"):
        svc.decide_case(
            ctx, store, ORG, case_id, outcome="conditionally_qualified", who="lead", why="gaps"
        )
    result = svc.decide_case(
        ctx,
        store,
        ORG,
        case_id,
        outcome="conditionally_qualified",
        who="lead",
        why="gaps",
        corrective_actions=[
            {"description": "ISO 50001 certificate", "owner": "plant", "due_on": "2026-12-31"}
        ],
    )
    assert result["status"] == "conditionally_qualified"
    assert {a["description"] for a in result["corrective_actions"]} == {
        "emissions not verified",
        "ISO 50001 certificate",
    }


def test_ratings_show_contributions_that_sum_to_the_score(ctx: Context, store: SqlQualification):
    cards = {c["supplier_id"]: c for c in scorecard_service.rate_suppliers(ctx, store, ORG, 2026)}
    assert set(cards) == {"S1", "S2", "S3"}
    for card in cards.values():
        total = sum(i["contribution"] for i in card["indicators"])
        assert total == pytest.approx(card["score"])
    s1 = cards["S1"]
    intensity = next(i for i in s1["indicators"] if i["indicator"] == "carbon_intensity")
    # 2024: (100 + 50) t CO2e / 1 million USD = 150; 100 x (500 - 150) / 450 = 77.78 points
    assert intensity["value"] == pytest.approx(150.0)
    assert intensity["points"] == pytest.approx(100 * 350 / 450)
    assert s1["rating"] == "A"
    s3 = cards["S3"]  # reported nothing, nothing recorded: every indicator missing, rating E
    assert (s3["score"], s3["rating"]) == (0.0, "E")
    assert len(s3["missing"]) == 12


def test_weights_changed_for_one_buyer_change_only_that_buyers_ratings(
    ctx: Context, store: SqlQualification, tmp_path: Path
):
    _setup_buyer(ctx, tmp_path, OTHER)
    before = {b: scorecard_service.rate_suppliers(ctx, store, b, 2026) for b in (ORG, OTHER)}
    assert [c["score"] for c in before[ORG]] != [c["score"] for c in before[OTHER]]  # attributes

    scorecard_service.set_weights(
        ctx, store, OTHER, {"sbt_status": 60.0}, {"renewable_share": "exclude"}
    )

    assert scorecard_service.rate_suppliers(ctx, store, ORG, 2026) == before[ORG]
    after = {c["supplier_id"]: c for c in scorecard_service.rate_suppliers(ctx, store, OTHER, 2026)}
    old = {c["supplier_id"]: c for c in before[OTHER]}
    assert after["S2"]["score"] != old["S2"]["score"]
    shown = {w["indicator"]: w for w in scorecard_service.get_weights(ctx, store, OTHER)}
    assert shown["sbt_status"]["weight"] == 60.0
    assert shown["renewable_share"]["missing_policy"] == "exclude"
    assert {w["indicator"]: w["weight"] for w in scorecard_service.get_weights(ctx, store, ORG)}[
        "sbt_status"
    ] == 15.0
    s2 = next(i for i in after["S2"]["indicators"] if i["indicator"] == "renewable_share")
    assert s2["status"] == "excluded"
    with pytest.raises(InvalidDataError, match="unknown indicator"):
        scorecard_service.set_weights(ctx, store, OTHER, {"colour": 1.0})


def test_compliance_lists_who_meets_the_strategic_supplier_requirement(
    ctx: Context, store: SqlQualification
):
    sourcing_service.add_requirement(
        ctx,
        store,
        ORG,
        name="strategic: SBT and RBA",
        conditions=["sbt:validated", "rba_member"],
        due_on=dt.date(2026, 12, 31),
    )
    rows = {r["supplier_id"]: r for r in sourcing_service.compliance(ctx, store, ORG)}
    assert set(rows) == {"S1", "S2"}  # S3 is not strategic
    assert rows["S1"]["status"] == "meets"
    assert rows["S2"]["status"] == "does_not_meet"
    assert rows["S2"]["reasons"] == [
        "science-based target targets_set (needs validated)",
        "RBA membership not recorded",
    ]
    assert rows["S2"]["overdue"] is False
    with pytest.raises(ConflictError):
        sourcing_service.add_requirement(
            ctx,
            store,
            ORG,
            name="strategic: SBT and RBA",
            conditions=["qualified"],
            due_on=dt.date(2026, 12, 31),
        )


def test_tiers_follow_rating_and_qualification_and_list_incentives(
    ctx: Context, store: SqlQualification
):
    _qualify(ctx, store)
    scorecard_service.set_supplier_attributes(
        ctx, store, ORG, "S2", rba_member=True, iso_14001=True
    )
    sourcing_service.grant_incentive(
        ctx,
        store,
        ORG,
        supplier_id="S1",
        kind="innovation_incentive",
        amount=5000,
        currency="usd",
        reason="10 % CO2 reduction of the main product",
    )
    rows = {r["supplier_id"]: r for r in sourcing_service.tiers(ctx, store, ORG, 2026)}
    assert list(next(iter(rows.values()))) == list(sourcing_service.TIER_COLUMNS)
    assert (rows["S1"]["tier"], rows["S1"]["qualification"]) == ("preferred", "qualified")
    assert rows["S1"]["incentives"] == "innovation_incentive"
    # S3 reported nothing: rated E on no data, it is not assessed (asked for data), not blocked
    assert (rows["S3"]["rating"], rows["S3"]["tier"]) == ("E", "not_assessed")
    assert "request its climate data" in rows["S3"]["reason"]
    assert (rows["S2"]["rating"], rows["S2"]["tier"]) == ("D", "conditional")
    overview = sourcing_service.sourcing_overview(ctx, store, ORG, 2026)
    assert overview["tiers"]["preferred"]["suppliers"] == 1
    assert sum(overview["ratings"].values()) == 3
    with pytest.raises(InvalidDataError, match="incentive kind"):
        sourcing_service.grant_incentive(ctx, store, ORG, supplier_id="S1", kind="cash", reason="x")


def test_preliminary_results_are_announced_in_bulk_with_further_requirements(
    ctx: Context, store: SqlQualification
):
    import datetime as dt

    from greenchain.services import engagement

    _to_training(ctx, store, "S1")
    _to_training(ctx, store, "S2")
    svc.open_qualification(ctx, store, ORG, supplier_id="S3", who="ana")  # not audited yet
    engagement.send_request(
        ctx,
        ORG,
        year=2025,
        deadline=dt.date(2026, 12, 31),
        recipients=[("S2", "quality@s2.example")],
    )

    messages = {
        m["supplier_id"]: m for m in audit_service.announce_preliminary_results(ctx, store, ORG)
    }

    assert set(messages) == {"S1", "S2"}
    assert messages["S1"]["sent_to"] is None  # no contact of record
    assert messages["S2"]["sent_to"] == "quality@s2.example"
    accounts, _ = ctx.require_accounts()
    mailed = [m for m in accounts.pending_mail() if m["recipient"] == "quality@s2.example"]
    assert [m["subject"] for m in mailed][-1].endswith("preliminary results and next steps")
    s2 = messages["S2"]
    assert s2["audit_score"] == pytest.approx(62.5)
    assert "training: training completed" in s2["further_requirements"]
    assert any("final_evaluation" in r for r in s2["further_requirements"])
    assert any("EHS manager" in r for r in s2["further_requirements"])
    assert "major finding on ED2" in s2["body"]
    assert s2["deadline"] in s2["body"]


def test_another_buyer_sees_none_of_it(ctx: Context, store: SqlQualification, tmp_path: Path):
    case_id = _to_training(ctx, store)
    _setup_buyer(ctx, tmp_path, OTHER)
    with pytest.raises(NotFoundError):
        svc.get_case(ctx, store, OTHER, case_id)
    with pytest.raises(NotFoundError):
        svc.advance_case(ctx, store, OTHER, case_id, to_stage="final_evaluation", who="x", why="y")
    assert svc.list_cases(ctx, store, OTHER) == []
    assert audit_service.list_audits(ctx, store, OTHER) == []
    assert scorecard_service.list_supplier_attributes(ctx, store, OTHER) == []
    with pytest.raises(NotFoundError, match="supplier 'S9'"):
        svc.open_qualification(ctx, store, ORG, supplier_id="S9", who="ana")


def test_a_suppliers_view_holds_only_its_own_data(ctx: Context, store: SqlQualification):
    _to_training(ctx, store, "S1")
    _to_training(ctx, store, "S2")
    view = sourcing_service.supplier_view(ctx, store, ORG, "S2", 2026)
    assert {c["supplier_id"] for c in view["cases"]} == {"S2"}
    assert view["scorecard"]["supplier_id"] == "S2"
    assert all(r["supplier_id"] == "S2" for r in view["requirements"])
    assert view["scorecard"]["improvements"]
