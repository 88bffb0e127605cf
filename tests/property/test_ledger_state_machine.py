"""A Hypothesis state machine over the whole transparency log on SQLite: organisations append
reduction claims, a partner witnesses tree heads, a verifier reviews entries, keys rotate; at
every step a valid history verifies, and any change to an entry, a signature, a tree head, a
co-signature, a proof or a described row is detected and named."""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import text

from greenchain.adapters.signing import verify_signature
from greenchain.domain.ledger import verify_inclusion
from greenchain.services import ledger
from greenchain.services.orgs import add_organisation
from greenchain.services.reductions import Claim, add_claim
from tests.conftest import make_context


def _flip(hex_text: str, position: int) -> str:
    i = position % len(hex_text)
    return hex_text[:i] + ("1" if hex_text[i] == "0" else "0") + hex_text[i + 1 :]


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = tempfile.TemporaryDirectory()
        self.ctx = make_context(f"sqlite:///{Path(self.folder.name) / 'log.db'}", {})
        self.acme = add_organisation(self.ctx, "acme")
        self.witness_org = add_organisation(self.ctx, "partner")
        add_organisation(self.ctx, "assurer")
        ledger.engage_verifier(self.ctx, "acme", "assurer")
        self.claims: list[tuple[int, int]] = []  # (claim id, entry seq)
        self.reviewed: set[int] = set()

    def teardown(self) -> None:
        self.ctx.workspace.close()  # type: ignore[attr-defined]
        self.folder.cleanup()

    @rule(tonnes=st.floats(0.5, 1e6), scope=st.sampled_from(["1", "2", "3"]))
    def append_claim(self, tonnes: float, scope: str) -> None:
        made = add_claim(self.ctx, "acme", Claim("Project", scope, 2025, tonnes))
        self.claims.append((made["id"], made["ledger_seq"]))

    @rule()
    def witness(self) -> None:
        signed = ledger.witness(self.ctx, self.witness_org.id, verify_signature)
        assert signed["tree_size"] == ledger.get_head(self.ctx)["tree_size"]

    @rule()
    def rotate_key(self) -> None:
        ledger.rotate_key(self.ctx, self.acme.id)

    @precondition(lambda self: self.claims)
    @rule(data=st.data())
    def review(self, data: st.DataObject) -> None:
        _, seq = data.draw(st.sampled_from(self.claims))
        if seq in self.reviewed:
            return
        ledger.attest(self.ctx, "assurer", seq, ledger.Review("claim"))
        self.reviewed.add(seq)
        assert ledger.show(self.ctx, seq)["verified_by"][0]["verifier"] == "assurer"

    @precondition(lambda self: self.claims)
    @rule(data=st.data(), position=st.integers(0, 63))
    def proofs_hold_and_a_changed_proof_fails(self, data: st.DataObject, position: int) -> None:
        size = ledger.get_head(self.ctx)["tree_size"]
        seq = data.draw(st.integers(0, size - 1))
        proof = ledger.prove(self.ctx, seq)
        path = [bytes.fromhex(p) for p in proof["audit_path"]]
        leaf, root = bytes.fromhex(proof["leaf_hash"]), bytes.fromhex(proof["root_hash"])
        assert verify_inclusion(seq, size, leaf, path, root)
        if path:
            k = data.draw(st.integers(0, len(path) - 1))
            path[k] = bytes.fromhex(_flip(path[k].hex(), position))
            assert not verify_inclusion(seq, size, leaf, path, root)
        assert not verify_inclusion(
            seq,
            size,
            bytes.fromhex(_flip(leaf.hex(), position)),
            [bytes.fromhex(p) for p in proof["audit_path"]],
            root,
        )

    @precondition(lambda self: self.claims)
    @rule(data=st.data(), position=st.integers(0, 200))
    def a_changed_entry_is_named(self, data: st.DataObject, position: int) -> None:
        bundle = copy.deepcopy(ledger.export_bundle(self.ctx))
        i = data.draw(st.integers(0, len(bundle["entries"]) - 1))
        item = bundle["entries"][i]
        content = item["entry"]
        j = position % len(content)
        item["entry"] = content[:j] + ("X" if content[j] != "X" else "Y") + content[j + 1 :]
        problems = ledger.verify_bundle(bundle, verify_signature)
        assert any(p.where == f"entry {i}" for p in problems)

    @precondition(lambda self: self.claims)
    @rule(data=st.data(), position=st.integers(0, 127))
    def a_changed_signature_is_named(self, data: st.DataObject, position: int) -> None:
        bundle = copy.deepcopy(ledger.export_bundle(self.ctx))
        i = data.draw(st.integers(0, len(bundle["entries"]) - 1))
        bundle["entries"][i]["signature"] = _flip(bundle["entries"][i]["signature"], position)
        problems = ledger.verify_bundle(bundle, verify_signature)
        assert [str(p) for p in problems] == [f"entry {i}: signature does not verify"]

    @rule(data=st.data(), position=st.integers(0, 63))
    def a_changed_tree_head_is_named(self, data: st.DataObject, position: int) -> None:
        bundle = copy.deepcopy(ledger.export_bundle(self.ctx))
        head = data.draw(st.sampled_from(bundle["tree_heads"]))
        head["root_hash"] = _flip(head["root_hash"], position)
        problems = ledger.verify_bundle(bundle, verify_signature)
        assert any(p.where == f"tree head {head['tree_size']}" for p in problems)

    @rule(data=st.data(), position=st.integers(0, 127))
    def a_changed_co_signature_is_named(self, data: st.DataObject, position: int) -> None:
        bundle = copy.deepcopy(ledger.export_bundle(self.ctx))
        if not bundle["witness_signatures"]:
            return
        cosig = data.draw(st.sampled_from(bundle["witness_signatures"]))
        cosig["signature"] = _flip(cosig["signature"], position)
        problems = ledger.verify_bundle(bundle, verify_signature)
        assert [str(p) for p in problems] == [
            f"witness partner on tree head {cosig['tree_size']}: co-signature does not verify"
        ]

    @precondition(lambda self: self.claims)
    @rule(data=st.data(), delta=st.floats(0.001, 10.0))
    def a_changed_row_is_named(self, data: st.DataObject, delta: float) -> None:
        claim_id, seq = data.draw(st.sampled_from(self.claims))
        engine = self.ctx.workspace.engine  # type: ignore[attr-defined]
        with engine.begin() as conn:
            before = conn.execute(
                text("SELECT t_co2e FROM reduction_claims WHERE id = :i"), {"i": claim_id}
            ).scalar_one()
            conn.execute(
                text("UPDATE reduction_claims SET t_co2e = :v WHERE id = :i"),
                {"v": before + delta, "i": claim_id},
            )
        problems = [str(p) for p in ledger.verify(self.ctx, verify_signature)]
        assert problems == [
            f"reduction_claims row {claim_id} (entry {seq}): row changed since it was recorded"
        ]
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE reduction_claims SET t_co2e = :v WHERE id = :i"),
                {"v": before, "i": claim_id},
            )

    @invariant()
    def a_valid_history_verifies(self) -> None:
        assert ledger.verify(self.ctx, verify_signature) == []


LedgerMachine.TestCase.settings = settings(max_examples=25, stateful_step_count=15, deadline=None)
test_the_ledger_detects_any_change = LedgerMachine.TestCase
