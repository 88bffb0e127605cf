"""Data requests through the supplier portal, on SQLite and PostgreSQL: two buyers share a
supplier; it answers once and shares with one of them only; that buyer accepts and its next
inventory run uses the supplier's data, while the other buyer sees nothing of the answer."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from greenchain.domain.access import Role
from greenchain.domain.errors import InvalidDataError, NotFoundError
from greenchain.services import engagement as eng
from greenchain.services import ledger
from greenchain.services import supplier_answers as sup
from greenchain.services.accounts import add_user, get_principal
from greenchain.services.context import Context
from greenchain.services.imports import import_records
from greenchain.services.inventory import calculate_inventory
from greenchain.services.orgs import add_organisation
from tests.factories import activity, link_supplier, purchase, supplier, write_csv

PASSWORD = "correct horse battery"
ANSWER = {
    "reporting_year": 2024,
    "revenue": "50000000",
    "currency": "usd",
    "scope1_t": "1200",
    "scope2_market_t": "800",
    "scope2_location_t": "950",
    "scope3_upstream_t": "4000",
    "method": "ghg_protocol",
    "verification": "limited",
    "verifier": "Verity Assurance",
    "sbt_status": "validated",
    "sbt_date": "2023-05-01",
    "renewable_share": "0.4",
    "certifications": ["iso_14001", "rba_member"],
}


@pytest.fixture
def two_buyers(ctx: Context, tmp_path: Path):
    for slug in ("chipco", "osatco", "steelco"):
        add_organisation(ctx, slug)
    for buyer in ("chipco", "osatco"):
        write_csv(tmp_path / f"{buyer}-s.csv", "suppliers", [supplier("ST-1", name="Steel Co")])
        import_records(ctx, buyer, "suppliers", tmp_path / f"{buyer}-s.csv")
        write_csv(
            tmp_path / f"{buyer}-p.csv",
            "purchases",
            [purchase(f"{buyer}-1", "ST-1", date="2024-04-01", amount="100000")],
        )
        import_records(ctx, buyer, "purchases", tmp_path / f"{buyer}-p.csv")
        link_supplier(ctx, buyer, "ST-1", "steelco")
    supplier_user = add_user(ctx, "sam@steel.example", PASSWORD, "steelco", Role.ANALYST)
    deadline = dt.date(2026, 6, 30)
    a = eng.send_request(
        ctx,
        "chipco",
        year=2024,
        deadline=deadline,
        recipients=[("ST-1", "sam@steel.example")],
    )
    b = eng.send_request(
        ctx,
        "osatco",
        year=2024,
        deadline=deadline,
        recipients=[("ST-1", "sam@steel.example")],
    )
    return ctx, get_principal(ctx, supplier_user.user_id), a["id"], b["id"]


def _recipient(ctx: Context, buyer: str, request_id: int) -> int:
    return int(eng.request_detail(ctx, buyer, request_id)["recipients"][0]["id"])


def test_a_supplier_already_asked_for_the_year_is_not_asked_again(two_buyers):
    ctx, _, first, _ = two_buyers
    with pytest.raises(
        InvalidDataError, match=rf"already asked for 2024: ST-1 \(request {first}\)"
    ):
        eng.send_request(
            ctx,
            "chipco",
            year=2024,
            deadline=dt.date(2026, 6, 30),
            recipients=[("ST-1", "sam@steel.example")],
        )
    assert [r["id"] for r in eng.list_requests(ctx, "chipco")] == [first]
    # another year is another question
    later = eng.send_request(
        ctx,
        "chipco",
        year=2025,
        deadline=dt.date(2026, 6, 30),
        recipients=[("ST-1", "sam@steel.example")],
    )
    assert later["id"] != first


def test_a_supplier_answers_once_and_only_the_customer_it_shares_with_sees_it(two_buyers):
    ctx, sam, a, b = two_buyers
    portal = sup.portal(ctx, sam, "steelco")
    assert sorted(r["buyer"] for r in portal["requests"]) == ["chipco", "osatco"]
    for_a = _recipient(ctx, "chipco", a)
    opened = sup.open_request(ctx, sam, "steelco", for_a)
    assert opened["status"] == "opened"
    assert opened["other_customers"] == [("osatco", "osatco")]
    draft = sup.save_draft(ctx, sam, "steelco", for_a, {"scope1_t": "12x", "revenue": "5e7"})
    assert draft["problems"] == [
        {"field": "scope1_t", "label": "Scope 1 (t CO2e)", "message": "'12x' is not a number"}
    ]
    with pytest.raises(InvalidDataError, match=r"Scope 1 \(t CO2e\): required"):
        sup.submit(ctx, sam, "steelco", for_a, {**ANSWER, "scope1_t": ""})
    done = sup.submit(ctx, sam, "steelco", for_a, ANSWER)
    assert done["shared_with"] == ["chipco"]

    seen_by_a = eng.request_detail(ctx, "chipco", a)["recipients"][0]
    assert seen_by_a["status"] == "submitted"
    assert seen_by_a["answer"]["answers"]["scope1_t"] == 1200.0
    seen_by_b = eng.request_detail(ctx, "osatco", b)["recipients"][0]
    assert seen_by_b["status"] == "invited"
    assert seen_by_b["answer"] is None
    with pytest.raises(InvalidDataError, match="cannot become accepted"):
        eng.accept(ctx, "osatco", _recipient(ctx, "osatco", b))
    with pytest.raises(NotFoundError):
        eng.accept(ctx, "osatco", for_a)  # another buyer's recipient


def test_an_accepted_answer_replaces_the_spend_estimate_at_the_next_run(two_buyers):
    ctx, sam, a, _ = two_buyers
    before = calculate_inventory(ctx, "chipco", 2024)
    assert before.by_supplier[0].method == "spend_based"
    for_a = _recipient(ctx, "chipco", a)
    sup.submit(ctx, sam, "steelco", for_a, ANSWER)
    accepted = eng.accept(ctx, "chipco", for_a)
    assert accepted["supplier_data"]["verified"] is True
    after = calculate_inventory(ctx, "chipco", 2024)
    assert after.by_supplier[0].method == "supplier_specific"
    assert [r.supplier_id for r in after.restatements] == ["ST-1"]
    assert "supplier" in after.restatements[0].reason
    other = calculate_inventory(ctx, "osatco", 2024)
    assert other.by_supplier[0].method == "spend_based"
    kinds = [ledger.show(ctx, i)["entry"]["kind"] for i in range(ledger.get_head(ctx)["tree_size"])]
    assert "supplier_submission" in kinds
    assert "supplier_data_accepted" in kinds


def test_sharing_with_a_second_customer_and_revoking_stops_future_use(two_buyers):
    ctx, sam, a, b = two_buyers
    for_a, for_b = _recipient(ctx, "chipco", a), _recipient(ctx, "osatco", b)
    done = sup.submit(ctx, sam, "steelco", for_a, ANSWER, share_with=["osatco"])
    assert done["shared_with"] == ["chipco", "osatco"]
    eng.accept(ctx, "osatco", for_b)
    used = calculate_inventory(ctx, "osatco", 2024)
    assert used.by_supplier[0].method == "supplier_specific"
    revoked = sup.revoke(ctx, sam, "steelco", done["response_id"], "osatco")
    assert revoked["dropped_rows"] == 1
    assert eng.request_detail(ctx, "osatco", b)["recipients"][0]["answer"] is None
    after = calculate_inventory(ctx, "osatco", 2024)
    assert after.by_supplier[0].method == "spend_based"
    # the earlier run is kept as it was calculated
    assert ctx.workspace.latest_run(ctx.workspace.get_org("osatco").id, 2024).id == after.run_id


def test_a_returned_answer_is_corrected_and_submitted_again(two_buyers):
    ctx, sam, a, _ = two_buyers
    for_a = _recipient(ctx, "chipco", a)
    sup.submit(ctx, sam, "steelco", for_a, ANSWER)
    with pytest.raises(InvalidDataError, match="field 'comment'"):
        eng.return_for_correction(ctx, "chipco", for_a, " ")
    eng.return_for_correction(ctx, "chipco", for_a, "Scope 2 market-based looks too low")
    portal = sup.portal(ctx, sam, "steelco")
    returned = next(r for r in portal["requests"] if r["buyer"] == "chipco")
    assert returned["status"] == "returned"
    assert returned["comment"] == "Scope 2 market-based looks too low"
    sup.submit(ctx, sam, "steelco", for_a, {**ANSWER, "scope2_market_t": "900"})
    assert eng.request_detail(ctx, "chipco", a)["recipients"][0]["status"] == "submitted"


def test_evidence_is_limited_in_type_and_size_and_kept_with_its_hash(two_buyers):
    ctx, sam, a, _ = two_buyers
    for_a = _recipient(ctx, "chipco", a)
    with pytest.raises(InvalidDataError, match="evidence must be one of"):
        sup.add_evidence(ctx, sam, "steelco", for_a, "run.exe", b"MZ")
    with pytest.raises(InvalidDataError, match="larger than 10 MB"):
        sup.add_evidence(ctx, sam, "steelco", for_a, "big.pdf", b"x" * (10 * 1024 * 1024 + 1))
    with pytest.raises(InvalidDataError, match=r"report\.pdf: not a PDF file"):
        sup.add_evidence(ctx, sam, "steelco", for_a, "report.pdf", b"MZ\x90\x00 a program")
    with pytest.raises(InvalidDataError, match=r"data\.csv: not a CSV file"):
        sup.add_evidence(ctx, sam, "steelco", for_a, "data.csv", b"MZ\x90\x00\x03")
    saved = sup.add_evidence(ctx, sam, "steelco", for_a, "verification.pdf", b"%PDF-1.7 ok")
    assert len(saved["sha256"]) == 64
    sup.submit(ctx, sam, "steelco", for_a, ANSWER)
    evidence = eng.request_detail(ctx, "chipco", a)["recipients"][0]["answer"]["evidence"]
    assert [e["file_name"] for e in evidence] == ["verification.pdf"]


def test_the_supplier_opens_its_evidence_from_a_request_it_has_not_answered_yet(two_buyers):
    from greenchain.services.engagement_common import evidence_download

    ctx, sam, a, b = two_buyers
    for_a, for_b = _recipient(ctx, "chipco", a), _recipient(ctx, "osatco", b)
    saved = sup.add_evidence(ctx, sam, "steelco", for_a, "verification.pdf", b"%PDF-1.7 ok")
    sup.submit(ctx, sam, "steelco", for_a, ANSWER)
    # osatco's request lists the answer's evidence before it is answered: it opens
    found = evidence_download(ctx, sam, "steelco", for_b, saved["id"])
    assert found["file_name"] == "verification.pdf"
    # osatco itself sees nothing until the answer is shared with it
    osat = add_user(ctx, "oli@osat.example", PASSWORD, "osatco", Role.ANALYST)
    with pytest.raises(NotFoundError):
        evidence_download(ctx, get_principal(ctx, osat.user_id), "osatco", for_b, saved["id"])


def test_a_request_is_checked_before_anything_is_sent(two_buyers):
    ctx, _, _, _ = two_buyers
    with pytest.raises(InvalidDataError, match="unknown supplier 'NOPE'"):
        eng.send_request(
            ctx,
            "chipco",
            year=2024,
            deadline=dt.date(2026, 6, 30),
            recipients=[("ST-1", "a@b.example"), ("NOPE", "c@d.example")],
        )
    with pytest.raises(InvalidDataError, match="field 'deadline'"):
        eng.send_request(
            ctx,
            "chipco",
            year=2024,
            deadline=dt.date(2020, 1, 1),
            recipients=[("ST-1", "a@b.example")],
        )
    assert len(eng.list_requests(ctx, "chipco")) == 1


def test_a_supplier_without_an_account_signs_up_from_the_link(ctx: Context, tmp_path: Path):
    add_organisation(ctx, "chipco", "Chip Co")
    write_csv(tmp_path / "s.csv", "suppliers", [supplier("GAS-9", name="Gas Works")])
    import_records(ctx, "chipco", "suppliers", tmp_path / "s.csv")
    eng.send_request(
        ctx,
        "chipco",
        year=2024,
        deadline=dt.date(2026, 6, 30),
        recipients=[("GAS-9", "gw@gas.example")],
    )
    accounts, _ = ctx.require_accounts()
    mail = [m for m in accounts.pending_mail() if m["recipient"] == "gw@gas.example"]
    token = mail[0]["body"].split("/supplier-signup/")[1].split()[0]
    info = sup.signup_info(ctx, token)
    assert info["supplier_name"] == "Gas Works"
    assert info["has_account"] is False
    principal = sup.sign_up(ctx, token, "Gas Works Ltd", PASSWORD)
    assert "gas-works-ltd" in principal.memberships
    assert sup.portal(ctx, principal, "gas-works-ltd")["requests"][0]["status"] == "opened"
    with pytest.raises(NotFoundError):
        sup.sign_up(ctx, token, "Gas Works Ltd", PASSWORD)  # the link works once
    add_organisation(ctx, "other")
    add_user(ctx, "taken@gas.example", PASSWORD, "other", Role.VIEWER)
    eng.send_request(
        ctx,
        "chipco",
        year=2025,
        deadline=dt.date(2026, 6, 30),
        recipients=[("GAS-9", "taken@gas.example")],
    )


def test_a_stranger_sees_no_request(two_buyers):
    ctx, _, a, _ = two_buyers
    add_organisation(ctx, "nosy")
    nosy = add_user(ctx, "n@nosy.example", PASSWORD, "nosy", Role.ADMIN)
    assert sup.portal(ctx, nosy, "nosy")["requests"] == []
    with pytest.raises(NotFoundError):
        sup.open_request(ctx, nosy, "nosy", _recipient(ctx, "chipco", a))
    with pytest.raises(NotFoundError):
        sup.portal(ctx, nosy, "steelco")


def test_a_supplier_answers_from_its_own_inventory_and_its_take_back_feeds_the_rating(
    two_buyers, tmp_path: Path
):
    from greenchain.adapters.db.qualification import SqlQualification
    from greenchain.services import scorecards

    ctx, sam, a, _ = two_buyers
    write_csv(tmp_path / "own-a.csv", "activity", [activity("E1", amount="2000000")])
    import_records(ctx, "steelco", "activity", tmp_path / "own-a.csv")
    take_back = {"record_id": "TB1", "year": "2024", "product_line": "coils",
                 "tonnes_returned": "50", "share_reused": "0.2",
                 "share_recycled": "0.8"}  # fmt: skip
    write_csv(tmp_path / "own-tb.csv", "take-back", [take_back])
    import_records(ctx, "steelco", "take-back", tmp_path / "own-tb.csv")
    own = calculate_inventory(ctx, "steelco", 2024)

    for_a = _recipient(ctx, "chipco", a)
    opened = sup.open_request(ctx, sam, "steelco", for_a)
    assert opened["prefilled_from_run"] == own.run_id
    prefilled = opened["answers"]
    assert prefilled["scope2_location_t"] == own.by_scope["2_location"]
    assert (prefilled["takeback_reuse_share"], prefilled["recycling_share"]) == (0.2, 1.0)
    assert "revenue" not in prefilled  # what the inventory does not know is left to answer

    answer = {**prefilled, "revenue": "50000000", "currency": "USD", "verification": "none",
              "sbt_status": "committed"}  # fmt: skip
    sup.submit(ctx, sam, "steelco", for_a, answer)
    assert sup.open_request(ctx, sam, "steelco", for_a)["prefilled_from_run"] is None
    accepted = eng.accept(ctx, "chipco", for_a)
    assert accepted["supplier_data"]["takeback_reuse_share"] == 0.2

    store = SqlQualification(ctx.workspace.engine)  # type: ignore[attr-defined]
    card = scorecards.supplier_scorecard(ctx, store, "chipco", "ST-1", 2024)
    circularity = next(i for i in card["indicators"] if i["indicator"] == "circularity")
    assert circularity["value"] == 0.6  # mean of 0.2 reused and 1.0 of the rest recycled
    assert "reported for 2024" in circularity["note"]


def _kinds(ctx: Context) -> list[str]:
    size = ledger.get_head(ctx)["tree_size"]
    return [ledger.show(ctx, i)["entry"]["kind"] for i in range(size)]


def test_answering_a_second_customer_leaves_the_first_ones_acceptance_as_it_was(two_buyers):
    ctx, sam, a, b = two_buyers
    for_a, for_b = _recipient(ctx, "chipco", a), _recipient(ctx, "osatco", b)
    sup.submit(ctx, sam, "steelco", for_a, ANSWER)
    eng.accept(ctx, "chipco", for_a)
    submissions = _kinds(ctx).count("supplier_submission")
    # the second customer's page offers the first one again, already ticked
    done = sup.submit(ctx, sam, "steelco", for_b, ANSWER, share_with=["chipco"])
    assert done["shared_with"] == ["chipco", "osatco"]
    assert eng.request_detail(ctx, "chipco", a)["recipients"][0]["status"] == "accepted"
    assert eng.request_detail(ctx, "osatco", b)["recipients"][0]["status"] == "submitted"
    assert _kinds(ctx).count("supplier_submission") == submissions + 1


def test_an_updated_answer_goes_back_to_the_customer_that_had_accepted_it(two_buyers):
    ctx, sam, a, b = two_buyers
    for_a, for_b = _recipient(ctx, "chipco", a), _recipient(ctx, "osatco", b)
    sup.submit(ctx, sam, "steelco", for_a, ANSWER)
    eng.accept(ctx, "chipco", for_a)
    sup.submit(ctx, sam, "steelco", for_b, {**ANSWER, "scope1_t": "1100"}, share_with=["chipco"])
    assert eng.request_detail(ctx, "chipco", a)["recipients"][0]["status"] == "submitted"


def test_a_submission_and_its_ledger_entry_are_written_together_or_not_at_all(
    two_buyers, monkeypatch: pytest.MonkeyPatch
):
    ctx, sam, a, _ = two_buyers
    for_a = _recipient(ctx, "chipco", a)

    def broken(*args: object, **kwargs: object) -> int:
        raise RuntimeError("the log is unavailable")

    monkeypatch.setattr(ledger, "record", broken)
    with pytest.raises(RuntimeError):
        sup.submit(ctx, sam, "steelco", for_a, ANSWER)
    seen = eng.request_detail(ctx, "chipco", a)["recipients"][0]
    assert seen["status"] == "invited"
    assert seen["answer"] is None
    assert sup.portal(ctx, sam, "steelco")["answers"] == []
