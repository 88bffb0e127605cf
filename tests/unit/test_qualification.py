"""The qualification state machine, audits and reminders (domain only, no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from greenchain.domain.errors import ConflictError, InvalidDataError
from greenchain.domain.qualification import (
    GREEN_SUPPLY_CHAIN,
    CaseStatus,
    CorrectiveAction,
    Evidence,
    Finding,
    Outcome,
    Pillar,
    Program,
    QualificationCase,
    Severity,
    Stage,
    advance,
    audit_verdict,
    check_findings,
    decide,
    expire,
    open_case,
    reminders,
    requalify,
    score_audit,
)

T0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
APPLICATION = Evidence(documents=("company profile", "Environmental Policy "))
AUDIT = Evidence(audit_score=62.5)
TRAINED = Evidence(training_completed=True)
SCORED = Evidence(score=70.0)


def _at(days: int) -> dt.datetime:
    return T0 + dt.timedelta(days=days)


def _case(program: Program | None = None) -> QualificationCase:
    return open_case("S1", program or Program("green supply chain"), "ana@buyer", T0)


def _to_decision(case: QualificationCase) -> QualificationCase:
    case = advance(case, "preliminary_audit", "ana", _at(10), "documents complete", APPLICATION)
    case = advance(case, "training", "ana", _at(40), "audit passed", AUDIT)
    case = advance(case, "final_evaluation", "ana", _at(80), "training done", TRAINED)
    return advance(case, "decision", "ana", _at(120), "evaluation passed", SCORED)


def test_a_case_walks_every_stage_and_keeps_who_when_why():
    case = decide(_to_decision(_case()), "qualified", "lead", _at(130), "all criteria met")

    assert case.status is CaseStatus.QUALIFIED
    assert [(t.from_stage, t.to_stage) for t in case.transitions] == [
        ("opened", "application"),
        ("application", "preliminary_audit"),
        ("preliminary_audit", "training"),
        ("training", "final_evaluation"),
        ("final_evaluation", "decision"),
        ("decision", "qualified"),
    ]
    last = case.transitions[-1]
    assert (last.who, last.when, last.why) == ("lead", _at(130), "all criteria met")
    assert case.transitions[2].evidence["audit_score"] == 62.5
    assert case.valid_until == _at(130).date() + dt.timedelta(days=1095)


def test_stages_cannot_be_skipped():
    case = _case()
    with pytest.raises(InvalidDataError, match=r"from stage 'application' to 'training'.*skipped"):
        advance(case, "training", "ana", _at(1), "fast track", APPLICATION)
    with pytest.raises(InvalidDataError, match="decision is taken at stage 'decision'"):
        decide(case, "qualified", "ana", _at(1), "looks fine")


def test_stages_cannot_be_revisited_or_unknown():
    case = advance(_case(), "preliminary_audit", "ana", _at(1), "docs", APPLICATION)
    with pytest.raises(InvalidDataError, match="revisited"):
        advance(case, "application", "ana", _at(2), "again", APPLICATION)
    with pytest.raises(InvalidDataError, match="has no stage 'interview'"):
        advance(case, "interview", "ana", _at(2), "?")


def test_a_stage_is_left_only_when_its_requirements_are_met():
    case = _case()
    with pytest.raises(InvalidDataError, match="document 'environmental policy' missing"):
        advance(case, "preliminary_audit", "ana", _at(1), "docs", Evidence(("company profile",)))
    case = advance(case, "preliminary_audit", "ana", _at(1), "docs", APPLICATION)
    with pytest.raises(InvalidDataError, match="no audit on the green_supply_chain"):
        advance(case, "training", "ana", _at(2), "audit")
    with pytest.raises(InvalidDataError, match=r"audit score 40.0 below the minimum 50"):
        advance(case, "training", "ana", _at(2), "audit", Evidence(audit_score=40.0))
    case = advance(case, "training", "ana", _at(2), "audit", AUDIT)
    with pytest.raises(InvalidDataError, match="training not completed"):
        advance(case, "final_evaluation", "ana", _at(3), "trained")


def test_every_transition_needs_who_and_why():
    with pytest.raises(InvalidDataError, match="who"):
        advance(_case(), "preliminary_audit", " ", _at(1), "docs", APPLICATION)
    with pytest.raises(InvalidDataError, match="reason"):
        advance(_case(), "preliminary_audit", "ana", _at(1), "", APPLICATION)


def test_the_window_is_183_days_and_a_case_expires_after_it():
    case = _case()
    assert case.deadline == dt.date(2026, 7, 7)  # 2026-01-05 + 183 days
    on_deadline = advance(case, "preliminary_audit", "ana", _at(183), "docs", APPLICATION)
    assert on_deadline.stage == "preliminary_audit"

    with pytest.raises(ConflictError, match=r"ended on 2026-07-07.*expired"):
        advance(case, "preliminary_audit", "ana", _at(184), "docs", APPLICATION)
    assert case.status_at(_at(184)) is CaseStatus.EXPIRED
    expired = expire(case, _at(184))
    assert expired.status is CaseStatus.EXPIRED
    assert (expired.transitions[-1].from_stage, expired.transitions[-1].to_stage) == (
        "application",
        "expired",
    )
    with pytest.raises(ConflictError, match="expired"):
        decide(expired, "rejected", "lead", _at(185), "too late")
    assert expire(case, _at(100)) is case  # nothing to expire inside the window


def test_no_change_after_a_decision():
    case = decide(_case(), "rejected", "lead", _at(5), "no environmental policy")
    assert case.status is CaseStatus.REJECTED
    assert case.transitions[-1].to_stage == "rejected"
    with pytest.raises(ConflictError, match="rejected"):
        advance(case, "preliminary_audit", "ana", _at(6), "docs", APPLICATION)


def test_conditional_qualification_needs_corrective_actions_with_owner_and_due_date():
    at_decision = _to_decision(_case())
    with pytest.raises(InvalidDataError, match="corrective actions"):
        decide(at_decision, Outcome.CONDITIONALLY_QUALIFIED, "lead", _at(130), "gaps")
    with pytest.raises(InvalidDataError, match="owner"):
        CorrectiveAction("ISO 14001 certificate", " ", dt.date(2026, 12, 31))
    late = CorrectiveAction("ISO 14001 certificate", "QA manager", _at(130).date())
    with pytest.raises(InvalidDataError, match="not after the decision day"):
        decide(at_decision, "conditionally_qualified", "lead", _at(130), "gaps", None, [late])
    action = CorrectiveAction("ISO 14001 certificate", "QA manager", dt.date(2026, 12, 31))
    case = decide(at_decision, "conditionally_qualified", "lead", _at(130), "gaps", None, [action])
    assert case.status is CaseStatus.CONDITIONALLY_QUALIFIED
    assert case.corrective_actions == (action,)
    assert case.transitions[-1].evidence["corrective_actions"][0]["owner"] == "QA manager"


def test_requalification_after_the_validity_period_or_on_demand():
    qualified = decide(_to_decision(_case()), "qualified", "lead", _at(130), "ok")
    valid_until = qualified.valid_until
    assert valid_until is not None
    inside = dt.datetime.combine(valid_until, dt.time(12), tzinfo=dt.UTC)
    with pytest.raises(ConflictError, match="valid until"):
        requalify(qualified, "lead", inside, "yearly review")

    on_demand = requalify(qualified, "lead", inside, "new product line", on_demand=True)
    assert (on_demand.cycle, on_demand.stage, on_demand.status) == (
        2,
        "application",
        CaseStatus.IN_PROGRESS,
    )
    assert on_demand.opened_on == valid_until
    after = requalify(qualified, "lead", inside + dt.timedelta(days=1), "validity ended")
    assert after.cycle == 2
    assert after.decided_on is None
    assert after.transitions[-1].from_stage == "qualified"
    assert after.transitions[-1].cycle == 2
    assert qualified.needs_requalification(valid_until + dt.timedelta(days=1))


def test_requalification_of_a_case_in_progress_is_refused_but_expired_cases_restart():
    with pytest.raises(ConflictError, match="in progress"):
        requalify(_case(), "lead", _at(10), "again")
    restarted = requalify(_case(), "lead", _at(200), "second attempt")
    assert restarted.cycle == 2
    assert [t.to_stage for t in restarted.transitions[-2:]] == ["expired", "application"]


def test_programs_configure_their_stages_and_window():
    program = Program(
        "fast",
        stages=(Stage("apply", documents=("profile",)), Stage("decide", minimum_score=60)),
        window_days=30,
    )
    case = open_case("S9", program, "ana", T0)
    assert case.deadline == dt.date(2026, 2, 4)
    case = advance(case, "decide", "ana", _at(1), "ok", Evidence(documents=("profile",)))
    with pytest.raises(InvalidDataError, match=r"score 55\.0 below the minimum 60"):
        decide(case, "qualified", "lead", _at(2), "ok", Evidence(score=55.0))
    assert decide(case, "qualified", "lead", _at(2), "ok", Evidence(score=60.0)).status is (
        CaseStatus.QUALIFIED
    )
    with pytest.raises(InvalidDataError, match="unique"):
        Program("dup", stages=(Stage("a"), Stage("a")))
    with pytest.raises(InvalidDataError, match="at least two"):
        Program("short", stages=(Stage("a"),))
    with pytest.raises(InvalidDataError, match="unknown audit checklist"):
        Stage("audit", audit_checklist="nope")


def test_reminders_list_windows_ending_within_n_days():
    a = open_case("A", Program("p"), "ana", T0)  # deadline 2026-07-07
    b = open_case("B", Program("p"), "ana", _at(30))  # deadline 2026-08-06
    done = decide(open_case("C", Program("p"), "ana", T0), "rejected", "lead", _at(1), "no")
    today = dt.date(2026, 6, 20)
    found = reminders([b, a, done], today, within_days=30)
    assert [(r.case.supplier_id, r.kind, r.days_left) for r in found] == [("A", "window", 17)]
    assert [r.case.supplier_id for r in reminders([a, b], today, 60)] == ["A", "B"]
    assert reminders([a], dt.date(2026, 7, 8), 30) == []  # passed: expired, not a reminder


# --- audits --------------------------------------------------------------------------------------


def _results(passed: set[str]) -> dict[str, bool]:
    return {code: code in passed for code in GREEN_SUPPLY_CHAIN.codes}


def test_the_built_in_checklist_has_four_pillars_of_four_items():
    pillars = [i.pillar for i in GREEN_SUPPLY_CHAIN.items]
    assert {p: pillars.count(p) for p in Pillar} == dict.fromkeys(Pillar, 4)


def test_audit_score_is_the_pillar_weighted_share_of_items_passed():
    # design 4/4, supplier management 2/4, manufacturing 3/4, disclosure 1/4, equal weights:
    # 100 x (1 + 0.5 + 0.75 + 0.25) / 4 = 62.5
    passed = {"GD1", "GD2", "GD3", "GD4", "GS1", "GS2", "GM1", "GM2", "GM3", "ED1"}
    scored = score_audit(GREEN_SUPPLY_CHAIN, _results(passed))
    assert scored.score == pytest.approx(62.5)
    assert scored.by_pillar["green_supplier_management"] == 0.5
    assert set(scored.failed_items) == {"GS3", "GS4", "GM4", "ED2", "ED3", "ED4"}


def test_audit_needs_every_item_answered():
    results = _results(set())
    del results["ED4"]
    with pytest.raises(InvalidDataError, match="not answered: ED4"):
        score_audit(GREEN_SUPPLY_CHAIN, results)
    with pytest.raises(InvalidDataError, match="no item XX9"):
        score_audit(GREEN_SUPPLY_CHAIN, {**_results(set()), "XX9": True})


def test_major_findings_need_a_corrective_action_plan_and_critical_ones_fail_the_audit():
    audited = dt.date(2026, 2, 1)
    bare = Finding("GM2", Severity.MAJOR, "no environmental management system")
    with pytest.raises(InvalidDataError, match="major finding on GM2 needs a corrective action"):
        check_findings(GREEN_SUPPLY_CHAIN, [bare], audited)
    planned = Finding(
        "GM2",
        Severity.CRITICAL,
        "wastewater discharged without permit",
        CorrectiveAction("obtain permit", "plant manager", dt.date(2026, 5, 1)),
    )
    check_findings(
        GREEN_SUPPLY_CHAIN, [planned, Finding("ED3", Severity.MINOR, "no report")], audited
    )
    assert audit_verdict(90.0, [planned]) == "failed"
    assert audit_verdict(60.0, []) == "passed"
    assert audit_verdict(59.9, []) == "failed"
    with pytest.raises(InvalidDataError, match="severity 'grave'"):
        Finding("GM2", "grave", "x")  # type: ignore[arg-type]
