"""The transparency log over real imports and calculation runs, on SQLite and PostgreSQL:
everything recorded verifies, offline too, and any change to a row or an entry is named."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from greenchain.adapters.db.ledger import SqlLedger
from greenchain.adapters.signing import Ed25519Keys, verify_signature
from greenchain.domain.errors import (
    ConflictError,
    InvalidDataError,
    LedgerIntegrityError,
    NotFoundError,
)
from greenchain.domain.ledger import verify_consistency, verify_inclusion
from greenchain.services import ledger
from greenchain.services.context import Context
from greenchain.services.imports import import_records
from greenchain.services.inventory import calculate_inventory
from greenchain.services.orgs import add_organisation
from greenchain.services.reductions import Claim, add_claim
from tests.factories import purchase, supplier, write_csv


@pytest.fixture
def logged(ctx: Context, tmp_path: Path) -> Context:
    ctx.ledger = SqlLedger(ctx.workspace.engine, ctx.workspace.lines)  # type: ignore[attr-defined]
    ctx.keys = Ed25519Keys("test-secret")
    add_organisation(ctx, "acme")
    write_csv(tmp_path / "s.csv", "suppliers", [supplier("S1")])
    import_records(ctx, "acme", "suppliers", tmp_path / "s.csv")
    write_csv(tmp_path / "p.csv", "purchases", [purchase("L1", date="2022-05-01")])
    import_records(ctx, "acme", "purchases", tmp_path / "p.csv")
    calculate_inventory(ctx, "acme", 2022)
    return ctx


def _sql(ctx: Context, statement: str) -> None:
    with ctx.workspace.engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(text(statement))


def test_imports_and_runs_are_signed_entries_that_verify(logged: Context):
    head = ledger.get_head(logged)
    assert head["tree_size"] == 3
    kinds = [ledger.show(logged, i)["entry"]["kind"] for i in range(3)]
    assert kinds == ["import", "import", "calculation_run"]
    assert ledger.verify(logged, verify_signature) == []


def test_proofs_check_against_the_signed_head(logged: Context):
    head = ledger.get_head(logged)
    proof = ledger.prove(logged, 1)
    assert verify_inclusion(
        1,
        proof["tree_size"],
        bytes.fromhex(proof["leaf_hash"]),
        [bytes.fromhex(p) for p in proof["audit_path"]],
        bytes.fromhex(head["root_hash"]),
    )
    first = ledger.prove(logged, 0, 2)["root_hash"]
    step = ledger.consistency(logged, 2, 3)
    assert verify_consistency(
        2,
        3,
        bytes.fromhex(first),
        bytes.fromhex(head["root_hash"]),
        [bytes.fromhex(p) for p in step["proof"]],
    )


def test_a_changed_run_row_is_named(logged: Context):
    _sql(logged, "UPDATE calculation_runs SET inputs_sha256 = 'x' WHERE id = 1")
    problems = ledger.verify(logged, verify_signature)
    assert [str(p) for p in problems] == [
        "calculation_runs row 1 (entry 2): row changed since it was recorded"
    ]


def test_a_changed_import_row_is_named(logged: Context):
    _sql(logged, "UPDATE imports SET rows_total = rows_total + 1 WHERE kind = 'purchases'")
    problems = ledger.verify(logged, verify_signature)
    assert str(problems[0]) == "imports row 2 (entry 1): row changed since it was recorded"


def test_a_changed_entry_or_signature_is_named(logged: Context):
    _sql(logged, "UPDATE ledger_entries SET entry = replace(entry, 'acme', 'acmf') WHERE seq = 0")
    assert str(ledger.verify(logged, verify_signature)[0]).startswith(
        "entry 0: content does not match its leaf hash"
    )


def test_a_forged_signature_is_caught(logged: Context):
    # a first byte that differs from the one signed (keys are random: it may have been 00)
    _sql(
        logged,
        "UPDATE ledger_entries SET signature = CASE WHEN substr(signature, 1, 2) = '00' "
        "THEN 'ff' ELSE '00' END || substr(signature, 3) WHERE seq = 1",
    )
    assert [str(p) for p in ledger.verify(logged, verify_signature)] == [
        "entry 1: signature does not verify"
    ]


def test_an_exported_bundle_verifies_in_another_process_without_the_database(
    logged: Context, tmp_path: Path
):
    bundle = tmp_path / "bundle.json"
    bundle.write_text(json.dumps(ledger.export_bundle(logged)), encoding="utf-8")
    script = (
        "import json, sys\n"
        "from greenchain.adapters.signing import verify_signature\n"
        "from greenchain.services.ledger import verify_bundle\n"
        "problems = verify_bundle(json.load(open(sys.argv[1])), verify_signature)\n"
        "print(len(problems))\n"
    )
    env = {"GREENCHAIN_DB": str(tmp_path / "absent" / "none.db"), "PATH": ""}
    done = subprocess.run(
        [sys.executable, "-c", script, str(bundle)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert done.stdout.strip() == "0"
    assert not (tmp_path / "absent").exists()
    data = json.loads(bundle.read_text())
    data["entries"][0]["entry"] = data["entries"][0]["entry"].replace("acme", "acmf")
    bundle.write_text(json.dumps(data), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", script, str(bundle)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert done.stdout.strip() != "0"


def test_a_row_that_lost_its_entry_hash_is_named(logged: Context):
    _sql(logged, "UPDATE calculation_runs SET ledger_leaf_hash = NULL WHERE id = 1")
    assert [str(p) for p in ledger.verify(logged, verify_signature)] == [
        "calculation_runs row 1 (entry 2): row does not carry its entry's hash"
    ]


def test_a_witness_co_signs_heads_that_extend_what_it_signed_before(logged: Context):
    partner = add_organisation(logged, "partner")
    first = ledger.witness(logged, partner.id, verify_signature)
    assert first["checked_consistency_from"] is None
    add_claim(logged, "acme", Claim("LED retrofit", "2", 2022, 12.5))
    second = ledger.witness(logged, partner.id, verify_signature)
    assert second["checked_consistency_from"] == first["tree_size"] == 3
    assert ledger.witnesses_of_head(logged, second["tree_size"]) == ["partner"]
    assert ledger.verify(logged, verify_signature) == []


def test_a_witness_refuses_a_history_rewritten_after_it_signed(logged: Context):
    partner = add_organisation(logged, "partner")
    ledger.witness(logged, partner.id, verify_signature)
    # The operator swaps entry 0 and builds the next signed tree head on the changed history.
    _sql(logged, f"UPDATE ledger_entries SET leaf_hash = '{'ab' * 32}' WHERE seq = 0")
    ledger._TREES.clear()
    add_claim(logged, "acme", Claim("LED retrofit", "2", 2022, 12.5))
    with pytest.raises(LedgerIntegrityError, match="the history was rewritten"):
        ledger.witness(logged, partner.id, verify_signature)


def test_a_witness_refuses_when_the_head_it_signed_was_replaced(logged: Context):
    partner = add_organisation(logged, "partner")
    ledger.witness(logged, partner.id, verify_signature)
    _sql(
        logged, "UPDATE tree_heads SET timestamp = '2020-01-01T00:00:00+00:00' WHERE tree_size = 3"
    )
    add_claim(logged, "acme", Claim("LED retrofit", "2", 2022, 12.5))
    with pytest.raises(LedgerIntegrityError, match="differs from the one this witness signed"):
        ledger.witness(logged, partner.id, verify_signature)


def test_a_verifier_engaged_by_the_organisation_signs_a_statement(logged: Context):
    add_organisation(logged, "assurer")
    claim = add_claim(logged, "acme", Claim("Heat pump", "1", 2022, 40.0))
    with pytest.raises(NotFoundError):
        ledger.attest(logged, "assurer", claim["ledger_seq"], ledger.Review("claim"))
    ledger.engage_verifier(logged, "acme", "assurer")
    review = ledger.Review("Heat pump claim 2022", assurance="reasonable", findings="Meters read")
    statement = ledger.attest(logged, "assurer", claim["ledger_seq"], review)
    shown = ledger.show(logged, claim["ledger_seq"])["verified_by"]
    assert [(v["seq"], v["verifier"], v["assurance"]) for v in shown] == [
        (statement, "assurer", "reasonable")
    ]
    assert shown[0]["text"] == f"verified by assurer on {shown[0]['date']}"
    assert (
        ledger.show(logged, statement)["entry"]["payload"]["subject"]["leaf_hash"]
        == (ledger.show(logged, claim["ledger_seq"])["leaf_hash"])
    )
    with pytest.raises(ConflictError):
        ledger.attest(logged, "assurer", claim["ledger_seq"], review)
    assert ledger.verify(logged, verify_signature) == []


def test_a_statement_cannot_contradict_the_verifiers_engagement_or_its_own_findings(
    logged: Context,
):
    from greenchain.services import verification
    from greenchain.services.disclosure_basis import run_entry
    from greenchain.services.inventory import get_inventory_report

    add_organisation(logged, "assurer")
    verification.engage(logged, "acme", "assurer", year=2022, assurance_level="limited")
    acme = logged.workspace.get_org("acme")
    run_id = get_inventory_report(logged, "acme", 2022).run_id
    seq = run_entry(logged, acme.id, run_id)
    assert seq is not None
    beyond = ledger.Review("Inventory 2022", assurance="reasonable")
    with pytest.raises(InvalidDataError, match="engagement is for limited assurance"):
        ledger.attest(logged, "assurer", seq, beyond)
    assert logged.verification is not None
    logged.verification.add_finding(
        {
            "org_id": acme.id,
            "verifier_org_id": logged.workspace.get_org("assurer").id,
            "run_id": run_id,
            "severity": "high",
            "description": "Scope 2 double counted",
            "created_at": logged.clock.now(),
        }
    )
    clean = ledger.Review("Inventory 2022", assurance="limited")
    with pytest.raises(InvalidDataError, match="high-severity finding"):
        ledger.attest(logged, "assurer", seq, clean)
    modified = ledger.Review("Inventory 2022", assurance="limited", opinion="modified")
    assert ledger.attest(logged, "assurer", seq, modified) > seq


def test_an_unknown_assurance_level_is_refused_naming_the_field():
    with pytest.raises(InvalidDataError, match="field 'assurance'"):
        ledger.Review("x", assurance="high")


def test_entries_signed_before_a_key_rotation_still_verify(logged: Context):
    before = ledger.show(logged, 0)["public_key"]
    rotated = ledger.rotate_key(logged, logged.workspace.get_org("acme").id)
    assert rotated["retired"] == before != rotated["public_key"]
    claim = add_claim(logged, "acme", Claim("Solar", "2", 2022, 3.0))
    assert ledger.show(logged, claim["ledger_seq"])["public_key"] == rotated["public_key"]
    keys = {k["public_key"]: k for k in ledger.public_keys(logged)}
    assert keys[before]["retired_at"] is not None
    assert ledger.verify(logged, verify_signature) == []


def test_a_changed_claim_row_is_named(logged: Context):
    claim = add_claim(logged, "acme", Claim("Solar", "2", 2022, 3.0))
    _sql(logged, f"UPDATE reduction_claims SET t_co2e = 30 WHERE id = {claim['id']}")
    assert [str(p) for p in ledger.verify(logged, verify_signature)] == [
        f"reduction_claims row {claim['id']} (entry {claim['ledger_seq']}): "
        "row changed since it was recorded"
    ]


def test_a_bundle_carries_the_co_signatures_and_a_forged_one_is_named(logged: Context):
    partner = add_organisation(logged, "partner")
    ledger.witness(logged, partner.id, verify_signature)
    bundle = ledger.export_bundle(logged)
    assert [w["witness"] for w in bundle["witness_signatures"]] == ["partner"]
    assert ledger.verify_bundle(bundle, verify_signature) == []
    bundle["witness_signatures"][0]["tree_size"] = 2
    assert [str(p) for p in ledger.verify_bundle(bundle, verify_signature)] == [
        "witness partner on tree head 2: co-signature does not verify"
    ]


def test_an_organisation_gets_its_signing_key_when_it_is_created(logged: Context):
    before = len(ledger.public_keys(logged))
    add_organisation(logged, "newco")
    assert len(ledger.public_keys(logged)) == before + 1


def test_a_changed_target_row_is_named_and_a_withdrawal_keeps_the_log_valid(logged: Context):
    from greenchain.services import targets

    store = logged.targets
    assert store is not None
    added = targets.add_target(
        logged,
        store,
        "acme",
        name="S1+2 -42%",
        kind="absolute",
        scopes=["1", "2_market"],
        base_year=2020,
        target_year=2030,
        reduction=0.42,
    )
    _sql(logged, "UPDATE targets SET reduction = 0.5")
    assert [str(p) for p in ledger.verify(logged, verify_signature)] == [
        f"targets row {added['id']} (entry {added['ledger_seq']}): "
        "row changed since it was recorded"
    ]
    _sql(logged, "UPDATE targets SET reduction = 0.42")
    targets.remove_target(logged, store, "acme", "S1+2 -42%")
    assert ledger.verify(logged, verify_signature) == []
