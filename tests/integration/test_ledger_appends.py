"""Signed appends to the transparency log, on SQLite and PostgreSQL: each append stores its
entry and the signed tree head that ends with it together; appends made at the same time by
threads and by separate processes are serialised into one log that verifies (a process's
threads' appends queued behind a batch being stored are stored together, under one signed
head, and an entry that cannot be sealed fails alone); the key used is the organisation's
current one even when another process rotated it."""

from __future__ import annotations

import multiprocessing
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import replace

import pytest
from sqlalchemy import text

from greenchain.adapters.db.ledger import SqlLedger
from greenchain.adapters.signing import Ed25519Keys, verify_signature
from greenchain.domain.errors import NotFoundError
from greenchain.domain.ledger import MerkleTree, verify_inclusion
from greenchain.services import ledger
from greenchain.services.context import Context
from greenchain.services.orgs import add_organisation
from tests.conftest import SEALING_KEY, make_context

SECRET = SEALING_KEY  # as in tests.conftest.make_context


def _store(ctx: Context) -> SqlLedger:
    assert isinstance(ctx.ledger, SqlLedger)
    return ctx.ledger


def _record(ctx: Context, org_id: int, org_slug: str, n: int) -> int:
    return ledger.record(ctx, org_id, org_slug, "import", {"file_name": f"f{n}.csv"})


def _assert_one_signed_head_per_entry(ctx: Context, count: int) -> None:
    store = _store(ctx)
    entries = store.entries()
    assert [e["seq"] for e in entries] == list(range(count))
    heads = store.heads()
    assert [h["tree_size"] for h in heads] == list(range(1, count + 1))
    leaves = [bytes.fromhex(e["leaf_hash"]) for e in entries]
    for head in heads:
        assert MerkleTree(leaves[: head["tree_size"]]).root().hex() == head["root_hash"]
        message = ledger.head_message(head)
        assert verify_signature(head["public_key"], head["signature"], message)
    assert ledger.verify(ctx, verify_signature) == []


def _assert_signed_heads_cover_the_log(ctx: Context, count: int) -> list[int]:
    """Entries in sequence; signed heads of growing sizes, each over the entries before it,
    the last over all of them; the log verifies. Returns the heads' sizes."""
    store = _store(ctx)
    entries = store.entries()
    assert [e["seq"] for e in entries] == list(range(count))
    heads = store.heads()
    sizes = [h["tree_size"] for h in heads]
    assert sizes == sorted(set(sizes))
    assert sizes[-1] == count
    leaves = [bytes.fromhex(e["leaf_hash"]) for e in entries]
    for head in heads:
        assert MerkleTree(leaves[: head["tree_size"]]).root().hex() == head["root_hash"]
        assert verify_signature(head["public_key"], head["signature"], ledger.head_message(head))
    assert ledger.verify(ctx, verify_signature) == []
    return sizes


def test_each_append_stores_its_entry_with_the_signed_head_that_ends_with_it(ctx: Context):
    org = add_organisation(ctx, "acme")
    for n in range(5):
        seq = _record(ctx, org.id, "acme", n)
        assert _store(ctx).heads()[-1]["tree_size"] == seq + 1
    _assert_one_signed_head_per_entry(ctx, 5)


def test_appends_from_threads_sharing_a_store_are_serialised_into_a_log_that_verifies(
    ctx: Context,
):
    org = add_organisation(ctx, "acme")
    start = threading.Barrier(4)

    def append(worker: int) -> list[int]:
        start.wait()
        return [_record(ctx, org.id, "acme", worker * 100 + n) for n in range(6)]

    with ThreadPoolExecutor(4) as pool:
        seqs = [s for batch in pool.map(append, range(4)) for s in batch]
    assert sorted(seqs) == list(range(24))
    # Entries appended at the same time may share a transaction and one signed head.
    _assert_signed_heads_cover_the_log(ctx, 24)
    head = ledger.get_head(ctx)
    for seq in range(24):  # every entry's inclusion proof holds in the last signed head
        proof = ledger.prove(ctx, seq)
        path = [bytes.fromhex(p) for p in proof["audit_path"]]
        leaf, root = bytes.fromhex(proof["leaf_hash"]), bytes.fromhex(head["root_hash"])
        assert verify_inclusion(seq, head["tree_size"], leaf, path, root)


def test_entries_queued_while_a_batch_is_stored_are_stored_together_under_one_head(
    ctx: Context,
):
    """The first append holds the log while seven more queue up; they are stored in one
    transaction with one signed head; one of them, whose row is missing, fails alone."""
    org = add_organisation(ctx, "acme")
    _record(ctx, org.id, "acme", 0)
    store = _store(ctx)
    assert ctx.keys is not None
    sign, first = ctx.keys.sign, threading.Event()
    queued = threading.Event()

    def held_sign(*args: object) -> str:
        if not first.is_set():
            first.set()
            assert queued.wait(10)
        return str(sign(*args))  # type: ignore[arg-type]

    ctx.keys.sign = held_sign  # type: ignore[method-assign]

    def append(n: int) -> int | str:
        if n == 5:
            try:
                ledger.record(ctx, org.id, "acme", "import", {}, row=("imports", 999999))
            except NotFoundError as exc:
                return str(exc)
        return _record(ctx, org.id, "acme", n)

    with ThreadPoolExecutor(8) as pool:
        leader = pool.submit(append, 1)
        assert first.wait(10)
        followers = [pool.submit(append, n) for n in range(2, 9)]
        while len(store._queue) < 7:  # the seven wait behind the first
            time.sleep(0.01)
        queued.set()
        results = [leader.result(), *(f.result() for f in followers)]
    assert results[0] == 1
    assert "imports row 999999 not found" in str(results[4])
    assert sorted(r for r in results if isinstance(r, int)) == list(range(1, 8))
    sizes = _assert_signed_heads_cover_the_log(ctx, 8)
    assert sizes == [1, 2, 8]  # one head for the first entry, one for the six queued behind it


def test_appends_from_stores_that_keep_their_own_tree_and_keys_are_serialised(ctx: Context):
    """Each worker has its own store and key ring, as separate web workers would."""
    org = add_organisation(ctx, "acme")
    engine = _store(ctx).engine
    start = threading.Barrier(3)

    def append(worker: int) -> list[int]:
        own = replace(ctx, ledger=SqlLedger(engine), keys=Ed25519Keys(SECRET))
        start.wait()
        return [_record(own, org.id, "acme", worker * 100 + n) for n in range(6)]

    with ThreadPoolExecutor(3) as pool:
        seqs = [s for batch in pool.map(append, range(3)) for s in batch]
    assert sorted(seqs) == list(range(18))
    _assert_one_signed_head_per_entry(ctx, 18)


def _append_in_another_process(url: str, org_id: int, worker: int, count: int) -> list[int]:
    other = make_context(url, {})
    try:
        return [_record(other, org_id, "acme", worker * 100 + n) for n in range(count)]
    finally:
        other.workspace.close()  # type: ignore[attr-defined]


def test_appends_from_separate_processes_are_serialised_into_a_log_that_verifies(
    ctx: Context,
):
    org = add_organisation(ctx, "acme")
    _record(ctx, org.id, "acme", 0)
    url = _store(ctx).engine.url.render_as_string(hide_password=False)
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=spawn) as pool:
        jobs = [pool.submit(_append_in_another_process, url, org.id, w, 8) for w in (1, 2)]
        seqs = [s for job in jobs for s in job.result()]
    assert sorted(seqs) == list(range(1, 17))
    # This process's kept tree is behind by the other processes' entries: it catches up.
    seq = _record(ctx, org.id, "acme", 17)
    assert seq == 17
    _assert_one_signed_head_per_entry(ctx, 18)


def test_an_append_signs_with_the_key_another_process_rotated_to(ctx: Context):
    org = add_organisation(ctx, "acme")
    _record(ctx, org.id, "acme", 0)
    other = replace(ctx, ledger=SqlLedger(_store(ctx).engine), keys=Ed25519Keys(SECRET))
    rotated = ledger.rotate_key(other, org.id)
    log_rotated = ledger.rotate_key(other, None)
    seq = _record(ctx, org.id, "acme", 1)
    assert ledger.show(ctx, seq)["public_key"] == rotated["public_key"]
    assert _store(ctx).heads()[-1]["public_key"] == log_rotated["public_key"]
    _assert_one_signed_head_per_entry(ctx, 2)


def test_an_append_whose_row_is_missing_stores_nothing_and_the_next_one_continues(
    ctx: Context,
):
    org = add_organisation(ctx, "acme")
    _record(ctx, org.id, "acme", 0)
    with pytest.raises(NotFoundError, match="imports row 999999 not found"):
        ledger.record(ctx, org.id, "acme", "import", {}, row=("imports", 999999))
    assert len(_store(ctx).entries()) == 1
    assert _record(ctx, org.id, "acme", 1) == 1
    _assert_one_signed_head_per_entry(ctx, 2)


def test_an_organisation_without_a_key_gets_one_with_its_first_entry(ctx: Context):
    org = add_organisation(ctx, "acme")
    store = _store(ctx)
    store.retire_key(org.id, ctx.clock.now())
    store.retire_key(None, ctx.clock.now())
    seq = _record(ctx, org.id, "acme", 0)
    current = store.signing_key(org.id)
    assert current is not None
    assert ledger.show(ctx, seq)["public_key"] == current["public_key"]
    _assert_one_signed_head_per_entry(ctx, 1)


def test_an_append_after_the_last_entry_was_deleted_keeps_the_head_signed_before(
    ctx: Context,
):
    org = add_organisation(ctx, "acme")
    for n in range(3):
        _record(ctx, org.id, "acme", n)
    store = _store(ctx)
    signed_before = store.heads()[-1]
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM ledger_entries WHERE seq = 2"))
    assert _record(ctx, org.id, "acme", 3) == 2
    assert store.heads()[-1] == signed_before
    assert "tree head 3: root does not match the entries" in [
        str(p) for p in ledger.verify(ctx, verify_signature)
    ]
