"""Joint engagement programs on SQLite and PostgreSQL: two sponsors find the suppliers they
share, run a training with attendance and a reduction project, and each follows only its own
members."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from greenchain.domain.access import Role
from greenchain.domain.errors import ConflictError, InvalidDataError, NotFoundError
from greenchain.domain.programs import SupplierRef, match_suppliers, normalise_name
from greenchain.services import programs as prog
from greenchain.services.accounts import add_user
from greenchain.services.context import Context
from greenchain.services.imports import import_records
from greenchain.services.inventory import calculate_inventory
from greenchain.services.orgs import add_organisation
from greenchain.services.reductions import list_claims
from tests.factories import purchase, supplier, supplier_report, write_csv

PASSWORD = "correct horse battery"


def test_legal_forms_and_punctuation_do_not_stop_a_name_match():
    assert normalise_name("Tainan Silicon Co., Ltd.") == normalise_name("TAINAN SILICON CO LTD")
    matches = match_suppliers(
        [SupplierRef("A1", "Tainan Silicon Co., Ltd.", "TW"), SupplierRef("A2", "Alpha", "DE")],
        [SupplierRef("B1", "TAINAN SILICON CO LTD", "TW"), SupplierRef("B2", "Alpha", "FR")],
    )
    assert [(m.a, m.b, m.basis.value) for m in matches] == [("A1", "B1", "name_country")]


def test_an_identifier_match_wins_over_a_similar_name():
    matches = match_suppliers(
        [SupplierRef("A1", "Acme", "US", duns="123456789")],
        [SupplierRef("B1", "Acme", "US"), SupplierRef("B2", "Other name", "US", duns="123456789")],
    )
    assert [(m.a, m.b, m.basis.value, m.needs_review) for m in matches] == [
        ("A1", "B2", "duns", False)
    ]


@pytest.fixture
def joint(ctx: Context, tmp_path: Path):
    add_organisation(ctx, "chipco", "Chip Co")
    add_organisation(ctx, "osatco", "OSAT Co")
    chip = add_user(ctx, "ana@chip.example", PASSWORD, "chipco", Role.ADMIN)
    osat = add_user(ctx, "oli@osat.example", PASSWORD, "osatco", Role.ADMIN)
    write_csv(
        tmp_path / "a.csv",
        "suppliers",
        [
            supplier("C-1", name="Tainan Silicon Co., Ltd.", country="TW"),
            supplier("C-2", name="Kyoto Gases KK", country="JP", duns="123456789"),
            supplier("C-3", name="Only Chip Supplier", country="US"),
        ],
    )
    import_records(ctx, "chipco", "suppliers", tmp_path / "a.csv")
    write_csv(
        tmp_path / "b.csv",
        "suppliers",
        [
            supplier("O-7", name="TAINAN SILICON CO LTD", country="TW"),
            supplier("O-8", name="Kyoto Gas Company", country="JP", duns="123456789"),
        ],
    )
    import_records(ctx, "osatco", "suppliers", tmp_path / "b.csv")
    write_csv(
        tmp_path / "p.csv",
        "purchases",
        [
            purchase("L1", "C-1", date="2024-02-01", amount="300000"),
            purchase("L2", "C-2", date="2024-02-01", amount="100000"),
        ],
    )
    import_records(ctx, "chipco", "purchases", tmp_path / "p.csv")
    write_csv(
        tmp_path / "sd.csv",
        "supplier-data",
        [supplier_report("C-1", year="2024", sbt_status="validated")],
    )
    import_records(ctx, "chipco", "supplier-data", tmp_path / "sd.csv")
    calculate_inventory(ctx, "chipco", 2024)
    program = prog.create_program(
        ctx,
        chip,
        "chipco",
        name="Joint supplier climate program",
        goals="60 % of suppliers by emissions with science-based targets by 2027",
        start=dt.date(2026, 1, 1),
        end=dt.date(2027, 12, 31),
        co_sponsors=["osatco"],
    )
    return ctx, chip, osat, program["id"]


def test_a_joint_program_starts_when_every_sponsor_accepts(joint):
    ctx, chip, osat, pid = joint
    shown = prog.show_program(ctx, chip, "chipco", pid)
    assert [s["accepted"] for s in shown["sponsors"]] == [True, False]
    assert shown["active"] is False
    with pytest.raises(ConflictError, match="every sponsor"):
        prog.add_activity(
            ctx, chip, "chipco", pid, kind="training", title="SBT 101", date=dt.date(2026, 3, 1)
        )
    assert prog.accept_sponsorship(ctx, osat, "osatco", pid)["active"] is True


def test_sponsors_see_the_suppliers_they_share_and_nothing_of_the_others(joint):
    ctx, chip, osat, pid = joint
    found = prog.find_common_suppliers(ctx, chip, "chipco", pid)
    assert found == {"confirmed": 1, "pending": 1}
    mine = {m["supplier_id"]: m for m in prog.shared_suppliers(ctx, chip, "chipco", pid)}
    assert set(mine) == {"C-1", "C-2"}
    assert mine["C-2"]["status"] == "confirmed"
    assert mine["C-2"]["partner_name"] == "Kyoto Gas Company"
    theirs = {m["supplier_id"] for m in prog.shared_suppliers(ctx, osat, "osatco", pid)}
    assert theirs == {"O-7", "O-8"}  # never C-3, the supplier only chipco has
    decided = prog.decide_match(ctx, osat, "osatco", pid, mine["C-1"]["id"], confirm=True)
    assert decided["status"] == "confirmed"
    assert "spend" not in str(prog.shared_suppliers(ctx, osat, "osatco", pid))
    with pytest.raises(NotFoundError):
        prog.show_program(ctx, chip, "chipco", pid + 1)


def test_training_attendance_and_a_completed_project_show_in_monitoring(joint):
    ctx, chip, osat, pid = joint
    prog.accept_sponsorship(ctx, osat, "osatco", pid)
    prog.add_members(ctx, chip, "chipco", pid, ["C-1", "C-2"])
    with pytest.raises(InvalidDataError, match="not a member"):
        prog.add_activity(
            ctx,
            chip,
            "chipco",
            pid,
            kind="training",
            title="x",
            date=dt.date(2026, 3, 1),
            invite=["C-3"],
        )
    training = prog.add_activity(
        ctx,
        chip,
        "chipco",
        pid,
        kind="training",
        title="Setting science-based targets",
        date=dt.date(2026, 3, 1),
        agenda="SBTi criteria; data collection",
        invite=["C-1", "C-2"],
    )
    prog.record_attendance(ctx, chip, "chipco", pid, training["id"], ["C-1"])
    prog.add_action_item(
        ctx,
        chip,
        "chipco",
        pid,
        training["id"],
        description="Submit SBT commitment",
        owner="C-2 sustainability lead",
        due=dt.date(2026, 6, 30),
        supplier_id="C-2",
    )
    project = prog.add_project(
        ctx,
        chip,
        "chipco",
        pid,
        supplier_id="C-1",
        type="renewable_electricity",
        title="Rooftop solar at the Tainan fab",
        baseline_t=5000,
        expected_t=800,
        incentive="preferred volume 2027",
    )
    with pytest.raises(InvalidDataError, match="measured"):
        prog.update_project(ctx, chip, "chipco", pid, project["id"], status="completed")
    done = prog.update_project(
        ctx, chip, "chipco", pid, project["id"], status="completed", measured_t=750.0
    )
    assert done["claim"]["ledger_seq"] is not None
    assert [c["supplier_id"] for c in list_claims(ctx, "chipco")] == ["C-1"]

    prog.note_improvement_areas(
        ctx, chip, "chipco", pid, "C-2", "Metering of compressed air; SBT commitment"
    )
    with pytest.raises(NotFoundError):
        prog.note_improvement_areas(ctx, chip, "chipco", pid, "C-3", "not a member")
    report = prog.monitoring(ctx, chip, "chipco", pid)
    rows = {r["supplier_id"]: r for r in report["rows"]}
    assert rows["C-2"]["improvement_areas"].startswith("Metering")
    assert rows["C-1"]["trained"] is True
    assert rows["C-2"]["trained"] is False
    assert rows["C-1"]["sbt"] is True
    assert rows["C-1"]["project"] is True
    assert rows["C-1"]["intensity"][0]["year"] == 2024
    total = rows["C-1"]["t_co2e"] + rows["C-2"]["t_co2e"]
    assert report["shares"]["sbt"]["by_emissions"] == pytest.approx(
        rows["C-1"]["t_co2e"] / total, abs=1e-4
    )
    assert report["reductions_t"] == {"measured": 750.0, "expected": 800.0}
    assert prog.monitoring(ctx, osat, "osatco", pid)["rows"] == []  # osatco sees its own only
    rows = prog.monitoring_rows(report)
    assert rows[0][:2] == ["supplier_id", "t_co2e"]
    assert len(rows) == 3
    activities = prog.activities(ctx, osat, "osatco", pid)
    assert activities[0]["invited"] == []  # the other sponsor's invitees stay private


def test_a_member_supplier_sees_its_activities_and_the_library_in_its_portal(joint):
    from tests.factories import link_supplier

    ctx, chip, osat, pid = joint
    prog.accept_sponsorship(ctx, osat, "osatco", pid)
    add_organisation(ctx, "tainan", "Tainan Silicon")
    sam = add_user(ctx, "sam@tainan.example", PASSWORD, "tainan", Role.VIEWER)
    link_supplier(ctx, "chipco", "C-1", "tainan")
    prog.add_members(ctx, chip, "chipco", pid, ["C-1", "C-2"])
    prog.add_activity(
        ctx,
        chip,
        "chipco",
        pid,
        kind="workshop",
        title="Solar PPAs",
        date=dt.date(2026, 4, 1),
        invite=["C-1"],
    )
    prog.add_activity(
        ctx,
        chip,
        "chipco",
        pid,
        kind="workshop",
        title="Only for C-2",
        date=dt.date(2026, 4, 2),
        invite=["C-2"],
    )
    prog.add_article(
        ctx, osat, "osatco", pid, title="I-RECs", category="energy", sector="all", body="How to."
    )
    seen = prog.programs_for_supplier(ctx, sam, "tainan")
    assert [p["name"] for p in seen] == ["Joint supplier climate program"]
    assert [a["title"] for a in seen[0]["activities"]] == ["Solar PPAs"]
    assert [a["title"] for a in seen[0]["library"]] == ["I-RECs"]
    add_organisation(ctx, "stranger")
    eve = add_user(ctx, "eve@stranger.example", PASSWORD, "stranger", Role.ADMIN)
    assert prog.programs_for_supplier(ctx, eve, "stranger") == []
