"""The transparency log: every import and calculation run is an entry, signed by the
organisation that made it; a signed tree head follows each append (or each batch of appends
made at the same time); anyone holding an exported bundle can check it offline. The Merkle
maths is ``greenchain.domain.ledger`` (RFC 9162)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from greenchain.domain.access import Principal, Role
from greenchain.domain.errors import (
    ConflictError,
    InvalidDataError,
    LedgerIntegrityError,
    NotFoundError,
)
from greenchain.domain.ledger import (
    MerkleTree,
    canonical_entry,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)
from greenchain.domain.records import ROW_HASHED_TABLES
from greenchain.domain.targets import CREDIT_FIELDS, CREDIT_FIELDS_ADDED_LATER
from greenchain.services.context import Context
from greenchain.services.ports import KeyRing, LedgerAppend, LedgerStore

#: The row fields an entry vouches for, per table (timestamps excluded: databases differ).
ROW_FIELDS: Mapping[str, tuple[str, ...]] = {
    "imports": (
        "id",
        "org_id",
        "kind",
        "file_name",
        "file_sha256",
        "rows_total",
        "rows_imported",
        "rows_rejected",
    ),
    "calculation_runs": (
        "id",
        "org_id",
        "year",
        "gwp_set",
        "previous_run_id",
        "inputs_sha256",
        "lines_sha256",
        "line_count",
        "rejected_count",
        "summary",
        "lines_arrow",  # SHA-256 of the stored result lines
    ),
    "reduction_claims": (
        "id",
        "org_id",
        "kind",
        "name",
        "scope",
        "year",
        "t_co2e",
        "description",
        "supplier_id",
    ),
    # A target's withdrawal is an entry of its own; ``removed_at`` is not part of the row.
    "targets": (
        "id",
        "org_id",
        "name",
        "kind",
        "scopes",
        "base_year",
        "target_year",
        "reduction",
        "target_share",
        "denominator",
        "coverage",
        "engagement_basis",
        "base_share",
        "neutralise_residual",
        "submitted_year",
        "milestones",
    ),
    "progress_reports": ("id", "org_id", "year", "pdf_sha256", "pdf", "html"),
    "disclosures": ("id", "org_id", "kind", "year", "run_id", "format", "sha256", "content"),
    "carbon_credits": ("id", "org_id", *CREDIT_FIELDS),
}

#: Kinds of entry a verifier may review.
REVIEWABLE = frozenset({"import", "calculation_run", "reduction_claim"})
ASSURANCE_LEVELS = ("limited", "reasonable")


def _parts(ctx: Context) -> tuple[LedgerStore, KeyRing]:
    if ctx.ledger is None or ctx.keys is None:  # pragma: no cover - wiring error
        raise RuntimeError("the ledger is not wired in this context")
    return ctx.ledger, ctx.keys


#: Fields added to a described table after rows were recorded: left out of the digest when
#: empty, so the entries of the rows recorded before still match them.
ADDED_LATER: Mapping[str, frozenset[str]] = {"carbon_credits": CREDIT_FIELDS_ADDED_LATER}


def row_digest(table: str, row: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON of the fields of ``row`` that its entry records."""
    fields = {}
    later = ADDED_LATER.get(table, frozenset())
    for name in ROW_FIELDS[table]:
        value = row.get(name)
        if value is None and name in later:
            continue
        if isinstance(value, str) and name == "summary":
            value = json.loads(value)
        fields[name] = value
    return hashlib.sha256(canonical_entry(fields)).hexdigest()


def ensure_key(ctx: Context, org_id: int | None) -> str:
    """The organisation's current public key, created if it has none yet."""
    return str(_key(ctx, org_id)["public_key"])


class _KeySource(Protocol):
    def signing_key(self, org_id: int | None) -> dict[str, Any] | None: ...
    def add_signing_key(
        self, org_id: int | None, public_key: str, private_key_pem: str, now: dt.datetime
    ) -> None: ...


def _key(ctx: Context, org_id: int | None) -> dict[str, Any]:
    store, keys = _parts(ctx)
    return _current_key(store, keys, org_id, ctx.clock.now())


def _current_key(
    source: _KeySource, keys: KeyRing, org_id: int | None, now: dt.datetime
) -> dict[str, Any]:
    """The current signing key of ``org_id`` as ``source`` sees it, created if it has none."""
    key = source.signing_key(org_id)
    if key is None:
        public, private = keys.generate()
        source.add_signing_key(org_id, public, private, now)
        key = source.signing_key(org_id)
    assert key is not None
    return key


def record(
    ctx: Context,
    org_id: int,
    org_slug: str,
    kind: str,
    payload: Mapping[str, Any],
    row: tuple[str, int] | None = None,
    subject_seq: int | None = None,
    states: Sequence[tuple[str, int]] = (),
    within: object | None = None,
) -> int:
    """Append a signed entry (and a new signed tree head); returns its sequence number. The row
    the entry describes is stamped with the entry's leaf hash. ``states`` names the data tables
    (table, organisation id) the write changed: the entry records each one's state after it
    (row count and digest of the row hashes, see ``adapters/db/row_hashes.py``), read in the
    append's transaction. ``within``: the open transaction of the write the entry records
    (handed over by the workspace), so that the write and its entry commit together.

    One transaction on one connection, holding the log's write lock: read the current keys,
    the described row and the leaf hashes added since this process last looked, sign the
    entry, sign the head of the tree that ends with it, store both. Without ``within``, the
    entries that threads of this process append at the same time are stored in one such
    transaction, as a certificate transparency log integrates queued entries in batches:
    each entry signed, one signed head for the batch (see ``LedgerStore.append_queued``);
    an entry appended alone gets its own head."""
    store, keys = _parts(ctx)
    now = ctx.clock.now()
    body: dict[str, Any] = {
        "kind": kind,
        "org": org_slug,
        "recorded_at": now.isoformat(),
        "payload": dict(payload),
    }

    def seal_entry(log: LedgerAppend) -> dict[str, Any]:
        if row is not None:
            table, row_id = row
            current = log.described_row(table, row_id)
            if current is None:
                raise NotFoundError(f"{table} row {row_id} not found")
            body["row"] = {"table": table, "id": row_id, "sha256": row_digest(table, current)}
        if states:
            body["state"] = [
                {"table": table, "org_id": owner, **log.table_state(table, owner)}
                for table, owner in states
            ]
        key = _current_key(log, keys, org_id, now)
        entry = canonical_entry(body)
        return {
            "entry": entry.decode(),
            "leaf_hash": leaf_hash(entry).hex(),
            "signature": keys.sign(key["private_key_pem"], entry),
            "public_key": key["public_key"],
        }

    def seal(log: LedgerAppend) -> dict[str, Any]:
        sealed = seal_entry(log)
        with _TREE_LOCK:
            tree = _synced(store, log.leaf_hashes)
            tree.append(bytes.fromhex(sealed["leaf_hash"]))
            sealed["head"] = _signed_head(ctx, log, tree)
        return sealed

    def sign_head(log: LedgerAppend) -> dict[str, Any]:
        """The head of the stored log, the batch's entries included (read in its
        transaction)."""
        with _TREE_LOCK:
            return _signed_head(ctx, log, _synced(store, log.leaf_hashes))

    try:
        if within is None:
            return store.append_queued(
                org_id, kind, now, seal_entry, sign_head, row=row, subject_seq=subject_seq
            )
        return store.append(
            org_id, kind, now, seal, row=row, subject_seq=subject_seq, within=within
        )
    except BaseException:
        # The kept tree may hold the leaf of the entry that was not stored.
        with _TREE_LOCK:
            _TREES.pop(store, None)
        raise


_TREES: weakref.WeakKeyDictionary[LedgerStore, MerkleTree] = weakref.WeakKeyDictionary()
_TREE_LOCK = threading.Lock()


def _synced(store: LedgerStore, leaf_hashes: Callable[[int], list[str]]) -> MerkleTree:
    """The Merkle tree of the stored log (``leaf_hashes`` reads it from a position), kept
    between calls and extended with new entries; rebuilt when the stored log no longer holds,
    at the kept tree's last position, the leaf kept there. Call with ``_TREE_LOCK`` held."""
    tree = _TREES.get(store)
    if tree is not None and len(tree):
        fresh = leaf_hashes(len(tree) - 1)
        if fresh and bytes.fromhex(fresh[0]) == tree.leaf(len(tree) - 1):
            for h in fresh[1:]:
                tree.append(bytes.fromhex(h))
            return tree
    tree = MerkleTree(bytes.fromhex(h) for h in leaf_hashes(0))
    _TREES[store] = tree
    return tree


def _tree(ctx: Context) -> MerkleTree:
    """The Merkle tree of the stored log."""
    store, _ = _parts(ctx)
    with _TREE_LOCK:
        return _synced(store, store.leaf_hashes)


def _head_message(tree_size: int, root_hash: str, timestamp: str, log_id: str) -> bytes:
    return canonical_entry(
        {"tree_size": tree_size, "root_hash": root_hash, "timestamp": timestamp, "log_id": log_id}
    )


def _signed_head(ctx: Context, source: _KeySource, tree: MerkleTree) -> dict[str, Any]:
    """The head of ``tree`` signed with the log's current key (as ``source`` sees it)."""
    _, keys = _parts(ctx)
    log_key = _current_key(source, keys, None, ctx.clock.now())
    log_id = hashlib.sha256(bytes.fromhex(log_key["public_key"])).hexdigest()
    root = tree.root().hex()
    timestamp = ctx.clock.now().isoformat()
    signature = keys.sign(
        log_key["private_key_pem"], _head_message(len(tree), root, timestamp, log_id)
    )
    return {
        "tree_size": len(tree),
        "root_hash": root,
        "timestamp": timestamp,
        "log_id": log_id,
        "signature": signature,
        "public_key": log_key["public_key"],
    }


def _sign_head(ctx: Context) -> dict[str, Any]:
    store, _ = _parts(ctx)
    head = _signed_head(ctx, store, _tree(ctx))
    store.save_head(
        head["tree_size"],
        head["root_hash"],
        head["timestamp"],
        head["signature"],
        head["public_key"],
    )
    return {k: head[k] for k in ("tree_size", "root_hash", "timestamp", "log_id", "signature")}


def get_head(ctx: Context) -> dict[str, Any]:
    store, _ = _parts(ctx)
    heads = store.heads()
    if not heads:
        return _sign_head(ctx)
    head = heads[-1]
    log_id = hashlib.sha256(bytes.fromhex(head["public_key"])).hexdigest()
    return {
        "tree_size": head["tree_size"],
        "root_hash": head["root_hash"],
        "timestamp": head["timestamp"],
        "log_id": log_id,
        "signature": head["signature"],
    }


def prove(ctx: Context, seq: int, size: int | None = None) -> dict[str, Any]:
    tree = _tree(ctx)
    tree_size = size or len(tree)
    if not 0 <= seq < tree_size <= len(tree):
        raise NotFoundError(f"no entry {seq} in a log of size {tree_size}")
    return {
        "leaf_index": seq,
        "tree_size": tree_size,
        "leaf_hash": tree.leaf(seq).hex(),
        "audit_path": [p.hex() for p in tree.inclusion_proof(seq, tree_size)],
        "root_hash": tree.root(tree_size).hex(),
    }


def consistency(ctx: Context, first: int, second: int) -> dict[str, Any]:
    tree = _tree(ctx)
    if not 0 < first <= second <= len(tree):
        raise NotFoundError(f"no consistency proof from {first} to {second} (size {len(tree)})")
    return {
        "first_size": first,
        "second_size": second,
        "proof": [p.hex() for p in tree.consistency_proof(first, second)],
    }


def export_bundle(ctx: Context) -> dict[str, Any]:
    """Everything needed to check the log offline: entries, signatures, tree heads with their
    witnesses' co-signatures, and every public key ever used (retired ones too)."""
    store, _ = _parts(ctx)
    get_head(ctx)
    return {
        "format": "greenchain-ledger-bundle/1",
        "entries": [
            {k: e[k] for k in ("seq", "entry", "leaf_hash", "signature", "public_key")}
            for e in store.entries()
        ],
        "tree_heads": [
            {k: h[k] for k in ("tree_size", "root_hash", "timestamp", "signature", "public_key")}
            for h in store.heads()
        ],
        "witness_signatures": [
            {k: w[k] for k in ("tree_size", "witness", "signature", "public_key")}
            for w in store.witness_signatures()
        ],
        "public_keys": sorted({k["public_key"] for k in store.public_keys()}),
    }


@dataclass(frozen=True)
class Problem:
    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


def verify_bundle(
    bundle: Mapping[str, Any], verify_signature: Callable[[str, str, bytes], bool]
) -> list[Problem]:
    """Check a bundle without a database: every entry's hash and signature, every tree head's
    root and signature, consistency between successive heads, every witness co-signature, and
    that every verification statement names an entry of the log by its leaf hash."""
    problems: list[Problem] = []
    known = set(bundle.get("public_keys", []))

    def signed(public_key: str, signature: str, message: bytes) -> bool:
        return public_key in known and verify_signature(public_key, signature, message)

    tree = MerkleTree()
    bodies: list[dict[str, Any]] = []
    for i, item in enumerate(bundle.get("entries", [])):
        entry = item["entry"].encode()
        where = f"entry {item.get('seq', i)}"
        if item.get("seq") != i:
            problems.append(Problem(where, "out of sequence"))
        if leaf_hash(entry).hex() != item["leaf_hash"]:
            problems.append(Problem(where, "content does not match its leaf hash"))
        try:
            body = json.loads(entry)
        except ValueError:
            body = {}
        if canonical_entry(body) != entry:
            problems.append(Problem(where, "not in canonical JSON form"))
        if not signed(item["public_key"], item["signature"], entry):
            problems.append(Problem(where, "signature does not verify"))
        tree.append(leaf_hash(entry))
        bodies.append(body)
    heads: dict[int, dict[str, Any]] = {}
    previous: tuple[int, bytes] | None = None
    for head in bundle.get("tree_heads", []):
        size, root = int(head["tree_size"]), bytes.fromhex(head["root_hash"])
        heads[size] = head
        where = f"tree head {size}"
        if not signed(head["public_key"], head["signature"], head_message(head)):
            problems.append(Problem(where, "signature does not verify"))
        if size > len(tree) or tree.root(size) != root:
            problems.append(Problem(where, "root does not match the entries"))
        elif previous is not None and previous[0] > 0:
            proof = tree.consistency_proof(previous[0], size)
            if not verify_consistency(previous[0], size, previous[1], root, proof):
                problems.append(Problem(where, f"not consistent with tree head {previous[0]}"))
        previous = (size, root)
    for cosig in bundle.get("witness_signatures", []):
        where = f"witness {cosig['witness']} on tree head {cosig['tree_size']}"
        head = heads.get(int(cosig["tree_size"]))
        if head is None:
            problems.append(Problem(where, "co-signs a tree head that is not in the log"))
        elif not signed(cosig["public_key"], cosig["signature"], head_message(head)):
            problems.append(Problem(where, "co-signature does not verify"))
    for i, body in enumerate(bodies):
        if body.get("kind") != "verification_statement":
            continue
        subject = body.get("payload", {}).get("subject", {})
        seq = subject.get("seq")
        if (
            not isinstance(seq, int)
            or not 0 <= seq < i
            or tree.leaf(seq).hex() != subject.get("leaf_hash")
        ):
            problems.append(Problem(f"entry {i}", "reviews an entry that is not in the log"))
    return problems


def head_message(head: Mapping[str, Any]) -> bytes:
    """The bytes the log (and every witness) signs for a tree head."""
    log_id = hashlib.sha256(bytes.fromhex(head["public_key"])).hexdigest()
    return _head_message(int(head["tree_size"]), head["root_hash"], head["timestamp"], log_id)


def verify(ctx: Context, verify_signature: Callable[[str, str, bytes], bool]) -> list[Problem]:
    """Check the whole log and the database rows its entries describe: each row still has the
    content recorded and carries the leaf hash of the newest entry that describes it."""
    store, _ = _parts(ctx)
    problems = verify_bundle(export_bundle(ctx), verify_signature)
    described = [(item, json.loads(item["entry"]).get("row")) for item in store.entries()]
    newest = {(row["table"], int(row["id"])): item["seq"] for item, row in described if row}
    for item, row in described:
        if not row:
            continue
        current = store.described_row(row["table"], int(row["id"]))
        where = f"{row['table']} row {row['id']} (entry {item['seq']})"
        if current is None:
            problems.append(Problem(where, "row deleted"))
        elif row_digest(row["table"], current) != row["sha256"]:
            problems.append(Problem(where, "row changed since it was recorded"))
        elif (
            newest[(row["table"], int(row["id"]))] == item["seq"]
            and current.get("ledger_leaf_hash") != item["leaf_hash"]
        ):
            problems.append(Problem(where, "row does not carry its entry's hash"))
    slugs = {org.id: org.slug for org in ctx.workspace.list_orgs()}
    for row in store.unrecorded():
        if (row["table"], int(row["id"])) in newest:
            continue  # an entry describes it: checked above
        org = slugs.get(int(row["org_id"]), f"#{row['org_id']}")
        problems.append(Problem(f"{row['table']} row {row['id']} of {org}", "has no ledger entry"))
    problems.extend(_data_row_problems(store, described, slugs))
    problems.extend(_answer_problems(store, slugs))
    for run in ctx.workspace.line_file_problems():
        org = slugs.get(int(run["org_id"]), f"#{run['org_id']}")
        problems.append(Problem(f"calculation run {run['run_id']} of {org}", run["problem"]))
    return problems


def _answer_problems(store: LedgerStore, slugs: Mapping[int, str]) -> list[Problem]:
    """Every submitted answer and every accepted request has its entry, and a supplier's
    stored answer matches the digest its newest submission entry recorded (answers saved as a
    draft after submitting are a new version, checked at its next submission)."""
    submitted: dict[int, tuple[int, str]] = {}
    accepted: set[tuple[int, str]] = set()
    for item in store.entries():
        if item["kind"] == "supplier_submission":
            payload = json.loads(item["entry"])["payload"]
            submitted[int(payload["response_id"])] = (item["seq"], payload["answers_sha256"])
        elif item["kind"] == "supplier_data_accepted":
            payload = json.loads(item["entry"])["payload"]
            accepted.add((int(payload["request_id"]), str(payload["supplier_id"])))
    problems = []
    rows = store.answer_rows()
    for row in rows["submitted"]:
        if int(row["id"]) not in submitted:
            org = slugs.get(int(row["org_id"]), f"#{row['org_id']}")
            problems.append(Problem(f"supplier answer {row['id']} of {org}", "has no entry"))
    for row in rows["accepted"]:
        if (int(row["request_id"]), str(row["supplier_id"])) not in accepted:
            org = slugs.get(int(row["org_id"]), f"#{row['org_id']}")
            problems.append(
                Problem(
                    f"acceptance of {row['supplier_id']}'s answer to request "
                    f"{row['request_id']} of {org}",
                    "has no entry",
                )
            )
    for response_id, answers in store.submitted_answers(sorted(submitted)).items():
        seq, digest = submitted[response_id]
        if hashlib.sha256(canonical_entry(answers)).hexdigest() != digest:
            problems.append(
                Problem(
                    f"supplier answer {response_id} (entry {seq})",
                    "answers changed since they were submitted",
                )
            )
    return problems


def recorded_states(
    entries: Iterable[Mapping[str, Any]],
) -> dict[tuple[int, str], tuple[int, Mapping[str, Any]]]:
    """Per (organisation id, table): the sequence number and the state recorded by the newest
    of ``entries`` (in log order) that records one."""
    recorded: dict[tuple[int, str], tuple[int, Mapping[str, Any]]] = {}
    for item in entries:
        for state in json.loads(item["entry"]).get("state", []):
            recorded[(int(state["org_id"]), state["table"])] = (int(item["seq"]), state)
    return recorded


def _data_row_problems(
    store: LedgerStore,
    described: list[tuple[dict[str, Any], Mapping[str, Any] | None]],
    slugs: Mapping[int, str],
) -> list[Problem]:
    """Each data row against its own hash (a changed row is named by its key and the file it
    came from), then each organisation's table against the state the entry of its last write
    recorded (rows added or removed, or hashes rewritten, change the digest)."""
    recorded = recorded_states(item for item, _ in described)
    files: dict[int, str] = {}
    problems: list[Problem] = []
    for table in ROW_HASHED_TABLES:
        checked = store.check_rows(table)
        for row in checked["rows"]:
            import_id = row["import_id"]
            if import_id is not None and import_id not in files:
                found = store.described_row("imports", int(import_id))
                files[import_id] = found["file_name"] if found else "a deleted import"
            origin = f", import {import_id} ({files[import_id]})" if import_id else ""
            org = slugs.get(int(row["org_id"]), f"#{row['org_id']}")
            problems.append(Problem(f"{table} {row['key']} of {org}{origin}", row["problem"]))
        if checked["bad"] > len(checked["rows"]):
            problems.append(
                Problem(table, f"{checked['bad'] - len(checked['rows']):,} more rows like these")
            )
        for org_id, state in checked["states"].items():
            org = slugs.get(org_id, f"#{org_id}")
            entry = recorded.get((org_id, table))
            if entry is None:
                problems.append(
                    Problem(
                        f"{table} of {org}",
                        f"{state['rows']:,} rows no entry records (stored before row "
                        f"commitments? 'greenchain ledger commit-rows --org {org}' records them)",
                    )
                )
            elif entry[1]["sha256"] != state["sha256"]:
                problems.append(
                    Problem(
                        f"{table} of {org}",
                        f"{state['rows']:,} rows now, {entry[1]['rows']:,} recorded by entry "
                        f"{entry[0]}: rows were added, removed or their hashes rewritten",
                    )
                )
        for (org_id, name), (seq, state) in recorded.items():
            if name == table and org_id not in checked["states"] and state["rows"]:
                problems.append(
                    Problem(
                        f"{table} of {slugs.get(org_id, f'#{org_id}')}",
                        f"no rows now, {state['rows']:,} recorded by entry {seq}",
                    )
                )
    return problems


def commit_rows(ctx: Context, org_slug: str) -> dict[str, Any]:
    """Record the current state of the organisation's data tables in an entry of its own
    (kind ``row_state``), first giving their hash to rows stored before row commitments
    existed. For a workspace upgraded from a version without them: until then ``ledger
    verify`` names those rows and tables. The entry says how many rows it hashed, so the log
    shows that the state was taken over, not written by an import."""
    store, _ = _parts(ctx)
    org = ctx.workspace.get_org(org_slug)
    hashed = {table: store.hash_missing_rows(table, org.id) for table in ROW_HASHED_TABLES}
    seq = record(
        ctx,
        org.id,
        org.slug,
        "row_state",
        {"hashed_rows": hashed},
        states=[(table, org.id) for table in ROW_HASHED_TABLES],
    )
    return {"seq": seq, "hashed_rows": hashed}


def require_valid(problems: list[Problem]) -> None:
    if problems:
        raise LedgerIntegrityError(
            f"{problems[0]}"
            + (f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else "")
        )


# -- keys ---------------------------------------------------------------------------------


def rotate_key(ctx: Context, org_id: int | None) -> dict[str, Any]:
    """Retire the current signing key of an organisation (``None``: the log's own key) and
    create a new one. Retired public keys stay published: what they signed still verifies."""
    store, _ = _parts(ctx)
    old = store.signing_key(org_id)
    store.retire_key(org_id, ctx.clock.now())
    new = _key(ctx, org_id)
    return {"retired": old["public_key"] if old else None, "public_key": new["public_key"]}


def public_keys(ctx: Context) -> list[dict[str, Any]]:
    """Every signing key ever used (public parts only), for offline verification."""
    store, _ = _parts(ctx)
    return [
        {
            "public_key": k["public_key"],
            "log": k["org_id"] is None,
            "created_at": k["created_at"],
            "retired_at": k["retired_at"],
        }
        for k in store.public_keys()
    ]


# -- witnesses ----------------------------------------------------------------------------


def witness(
    ctx: Context, org_id: int, verify_signature: Callable[[str, str, bytes], bool]
) -> dict[str, Any]:
    """Co-sign the newest tree head as the organisation ``org_id``, after checking the log's
    signature on it and that it extends the last head this witness signed (its own earlier
    co-signature re-checked, then an RFC 9162 consistency proof between the two)."""
    store, keys = _parts(ctx)
    head = get_head(ctx)
    heads = {h["tree_size"]: h for h in store.heads()}
    current = heads[head["tree_size"]]
    if not verify_signature(current["public_key"], current["signature"], head_message(current)):
        raise LedgerIntegrityError(f"tree head {head['tree_size']}: log signature does not verify")
    mine = store.witness_signatures(org_id)
    checked_from = None
    if mine:
        last = mine[-1]
        if last["tree_size"] == head["tree_size"]:
            return _cosigned(head, last, None)
        earlier = heads.get(last["tree_size"])
        if earlier is None or not verify_signature(
            last["public_key"], last["signature"], head_message(earlier)
        ):
            raise LedgerIntegrityError(
                f"tree head {last['tree_size']} differs from the one this witness signed"
            )
        proof = (
            consistency(ctx, earlier["tree_size"], head["tree_size"])["proof"]
            if earlier["tree_size"]
            else []
        )
        if earlier["tree_size"] and not verify_consistency(
            earlier["tree_size"],
            head["tree_size"],
            bytes.fromhex(earlier["root_hash"]),
            bytes.fromhex(head["root_hash"]),
            [bytes.fromhex(p) for p in proof],
        ):
            raise LedgerIntegrityError(
                f"tree head {head['tree_size']} is not consistent with tree head "
                f"{earlier['tree_size']} this witness signed: the history was rewritten"
            )
        checked_from = earlier["tree_size"]
    key = _key(ctx, org_id)
    signature = keys.sign(key["private_key_pem"], head_message(current))
    store.add_witness_signature(
        head["tree_size"], org_id, signature, key["public_key"], ctx.clock.now()
    )
    return _cosigned(head, {"signature": signature, "public_key": key["public_key"]}, checked_from)


def _cosigned(
    head: Mapping[str, Any], cosig: Mapping[str, Any], checked_from: int | None
) -> dict[str, Any]:
    return {
        "tree_size": head["tree_size"],
        "root_hash": head["root_hash"],
        "checked_consistency_from": checked_from,
        "signature": cosig["signature"],
        "public_key": cosig["public_key"],
    }


def witnesses_of_head(ctx: Context, tree_size: int) -> list[str]:
    store, _ = _parts(ctx)
    return [w["witness"] for w in store.witness_signatures() if w["tree_size"] == tree_size]


# -- third-party verification -------------------------------------------------------------


def engage_verifier(ctx: Context, org_slug: str, verifier_slug: str) -> None:
    """Let the organisation ``verifier_slug`` review ``org_slug``'s entries."""
    store, _ = _parts(ctx)
    org = ctx.workspace.get_org(org_slug)
    verifier = ctx.workspace.get_org(verifier_slug)
    if org.id == verifier.id:
        raise InvalidDataError("an organisation cannot verify its own records")
    store.engage_verifier(org.id, verifier.id, ctx.clock.now())


@dataclass(frozen=True)
class Review:
    """A verifier's conclusion on one entry."""

    scope: str
    standard: str = "ISO 14064-3:2019"
    assurance: str = "limited"
    findings: str = ""
    opinion: str = "unmodified"

    def __post_init__(self) -> None:
        if self.assurance not in ASSURANCE_LEVELS:
            raise InvalidDataError(
                f"field 'assurance': '{self.assurance}' is not one of {', '.join(ASSURANCE_LEVELS)}"
            )
        if not self.scope.strip():
            raise InvalidDataError("field 'scope': say what was reviewed")
        if not self.standard.strip():
            raise InvalidDataError("field 'standard': name the verification standard")
        if self.opinion not in ("unmodified", "modified", "adverse"):
            raise InvalidDataError(
                f"field 'opinion': '{self.opinion}' is not one of unmodified, modified, adverse"
            )


def _check_consistent(
    ctx: Context, verifier_id: int, org_id: int, body: Mapping[str, Any], review: Review
) -> None:
    """A statement may not contradict the verifier's own engagement: its level of assurance is
    the one the organisation engaged it for, and an unmodified opinion on a calculation run
    cannot stand beside a high-severity finding the verifier raised on that run (ISO
    14064-3:2019 6.3: the opinion follows from the evidence gathered)."""
    if ctx.verification is None:
        return
    terms = next(
        (
            e
            for e in ctx.verification.engagements_of(verifier_id)
            if e["org"] == body["org"] and e.get("assurance_level")
        ),
        None,
    )
    if terms is not None and terms["assurance_level"] != review.assurance:
        raise InvalidDataError(
            f"field 'assurance': the engagement is for {terms['assurance_level']} assurance, "
            f"not {review.assurance}"
        )
    run_id = body.get("payload", {}).get("run_id")
    if review.opinion != "unmodified" or run_id is None:
        return
    high = [
        f
        for f in ctx.verification.findings(org_id, verifier_id)
        if f["run_id"] == run_id and f["severity"] == "high"
    ]
    if high:
        raise InvalidDataError(
            f"field 'opinion': {len(high)} high-severity finding(s) raised on run {run_id} "
            "stand against an unmodified opinion; issue a modified or adverse one, or verify "
            "a recalculated run"
        )


def attest(ctx: Context, verifier_slug: str, seq: int, review: Review) -> int:
    """The organisation ``verifier_slug`` signs a verification statement on entry ``seq``; the
    statement is itself an entry. The entry's organisation must have engaged the verifier."""
    store, _ = _parts(ctx)
    verifier = ctx.workspace.get_org(verifier_slug)
    subject = store.entry(seq)
    if subject is None or subject["org_id"] is None:
        raise NotFoundError(f"ledger entry {seq} not found")
    if not store.is_engaged(subject["org_id"], verifier.id):
        raise NotFoundError(f"ledger entry {seq} not found")
    if subject["kind"] not in REVIEWABLE:
        raise InvalidDataError(
            f"ledger entry {seq} is a {subject['kind']}: a verifier reviews "
            + ", ".join(sorted(REVIEWABLE))
        )
    body = json.loads(subject["entry"])
    if any(json.loads(s["entry"])["org"] == verifier_slug for s in store.statements_about([seq])):
        raise ConflictError(f"{verifier_slug} has already verified ledger entry {seq}")
    _check_consistent(ctx, verifier.id, int(subject["org_id"]), body, review)
    payload = {
        "subject": {
            "seq": seq,
            "leaf_hash": subject["leaf_hash"],
            "kind": subject["kind"],
            "org": body["org"],
        },
        "scope": review.scope,
        "standard": review.standard,
        "assurance": review.assurance,
        "findings": review.findings,
        "opinion": review.opinion,
    }
    return record(
        ctx, verifier.id, verifier_slug, "verification_statement", payload, subject_seq=seq
    )


def _org_name(ctx: Context, slug: str) -> str:
    """An organisation's name for a reader; its id when it no longer exists."""
    try:
        return ctx.workspace.get_org(slug).name
    except NotFoundError:
        return slug


def statements(ctx: Context, seqs: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The verification statements on each of ``seqs``: who verified, when, to what level."""
    store, _ = _parts(ctx)
    found: dict[int, list[dict[str, Any]]] = {s: [] for s in seqs}
    for item in store.statements_about(seqs):
        body = json.loads(item["entry"])
        payload = body["payload"]
        found[int(item["subject_seq"])].append(
            {
                "seq": item["seq"],
                "verifier": body["org"],
                "date": body["recorded_at"][:10],
                "standard": payload["standard"],
                "assurance": payload["assurance"],
                "opinion": payload["opinion"],
                "scope": payload["scope"],
                "findings": payload["findings"],
                "text": f"verified by {_org_name(ctx, body['org'])} on {body['recorded_at'][:10]}",
            }
        )
    return found


# -- reads for authorised parties ---------------------------------------------------------


def run_assurance(
    ctx: Context, principal: Principal, org_slug: str, run_id: int, year: int
) -> dict[str, Any]:
    """Whether a run is recorded and verified: its entry, the verification statements on it,
    and (when it has none) the newest run of the same year that a verifier did sign, so the
    dashboard can say that the figure on screen is not the verified one."""
    return assurance_of_run(ctx, principal.membership(org_slug).org_id, run_id, year)


def assurance_of_run(ctx: Context, org_id: int, run_id: int, year: int) -> dict[str, Any]:
    """``run_assurance`` for an organisation the caller may read (access checked before)."""
    store, _ = _parts(ctx)
    runs: dict[int, int] = {}
    for item in store.entries_of(org_id):
        if item["kind"] == "calculation_run":
            payload = json.loads(item["entry"])["payload"]
            if int(payload.get("year", 0)) == year:
                runs[int(payload["run_id"])] = int(item["seq"])
    reviews = statements(ctx, list(runs.values()))
    seq = runs.get(run_id)
    verified_run = None
    for other, other_seq in sorted(runs.items(), reverse=True):
        if other != run_id and reviews.get(other_seq):
            verified_run = {"run_id": other, "seq": other_seq, "by": reviews[other_seq]}
            break
    return {
        "seq": seq,
        "verified_by": reviews.get(seq, []) if seq is not None else [],
        "verified_run": verified_run,
    }


def show(ctx: Context, seq: int) -> dict[str, Any]:
    store, _ = _parts(ctx)
    found = store.entry(seq)
    if found is None:
        raise NotFoundError(f"ledger entry {seq} not found")
    return {
        "seq": seq,
        "entry": json.loads(found["entry"]),
        "leaf_hash": found["leaf_hash"],
        "signature": found["signature"],
        "public_key": found["public_key"],
        "verified_by": statements(ctx, [seq])[seq],
    }


def _readable(ctx: Context, principal: Principal, org_slug: str, seq: int) -> dict[str, Any]:
    """Entry ``seq`` if ``org_slug`` (where the principal is a member) made it, or reviews it
    as an engaged verifier; otherwise not found."""
    member = principal.membership(org_slug)
    store, _ = _parts(ctx)
    found = store.entry(seq)
    if found is None or found["org_id"] is None:
        raise NotFoundError(f"ledger entry {seq} not found")
    if found["org_id"] != member.org_id and not store.is_engaged(found["org_id"], member.org_id):
        raise NotFoundError(f"ledger entry {seq} not found")
    return found


def show_for(ctx: Context, principal: Principal, org_slug: str, seq: int) -> dict[str, Any]:
    _readable(ctx, principal, org_slug, seq)
    return show(ctx, seq)


def prove_for(
    ctx: Context, principal: Principal, org_slug: str, seq: int, size: int | None = None
) -> dict[str, Any]:
    _readable(ctx, principal, org_slug, seq)
    return prove(ctx, seq, size)


def attest_for(
    ctx: Context, principal: Principal, verifier_slug: str, seq: int, review: Review
) -> dict[str, Any]:
    principal.membership(verifier_slug, Role.ANALYST)
    return show(ctx, attest(ctx, verifier_slug, seq, review))


def witness_for(
    ctx: Context,
    principal: Principal,
    org_slug: str,
    verify_signature: Callable[[str, str, bytes], bool],
) -> dict[str, Any]:
    member = principal.membership(org_slug, Role.ADMIN)
    return witness(ctx, member.org_id, verify_signature)


def proof_status(
    ctx: Context,
    principal: Principal,
    org_slug: str,
    verify_signature: Callable[[str, str, bytes], bool],
    *,
    kind: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    page: int = 1,
    per_page: int | None = None,
) -> dict[str, Any]:
    """The organisation's entries, newest first, each checked now: signature, inclusion in
    the newest signed tree head, the described row unchanged, and who verified it. Filtered by
    kind and recording date (inclusive) and paged (``per_page`` None: all)."""
    member = principal.membership(org_slug)
    store, _ = _parts(ctx)
    head = get_head(ctx)
    root = bytes.fromhex(head["root_hash"])
    heads = {h["tree_size"]: h for h in store.heads()}
    head_ok = verify_signature(
        heads[head["tree_size"]]["public_key"],
        head["signature"],
        head_message(heads[head["tree_size"]]),
    )
    tree = _tree(ctx)
    mine = [e for e in store.entries_of(member.org_id) if e["seq"] < head["tree_size"]]
    kinds = sorted({e["kind"] for e in mine})
    items = [
        e
        for e in reversed(mine)
        if (kind is None or e["kind"] == kind)
        and (since is None or e["created_at"].date() >= since)
        and (until is None or e["created_at"].date() <= until)
    ]
    total = len(items)
    if per_page is not None:
        items = items[(page - 1) * per_page : page * per_page]
    reviews = statements(ctx, [e["seq"] for e in items])
    rows = []
    for item in items:
        entry = item["entry"].encode()
        body = json.loads(entry)
        seq = item["seq"]
        included = leaf_hash(entry).hex() == item["leaf_hash"] and verify_inclusion(
            seq,
            head["tree_size"],
            leaf_hash(entry),
            tree.inclusion_proof(seq, head["tree_size"]),
            root,
        )
        row_state = None
        if body.get("row"):
            described = body["row"]
            current = store.described_row(described["table"], int(described["id"]))
            row_state = (
                current is not None
                and row_digest(described["table"], current) == described["sha256"]
                and current.get("ledger_leaf_hash") == item["leaf_hash"]
            )
        rows.append(
            {
                "seq": seq,
                "kind": item["kind"],
                "kind_label": kind_label(item["kind"]),
                "recorded_at": body["recorded_at"],
                "summary": _summary(body),
                "signature_ok": verify_signature(item["public_key"], item["signature"], entry),
                "included": included,
                "row_ok": row_state,
                "verified_by": reviews[seq],
            }
        )
    return {
        "head": head,
        "head_signature_ok": head_ok,
        "witnesses": witnesses_of_head(ctx, head["tree_size"]),
        "entries": rows,
        "total": total,
        "kinds": [{"kind": k, "label": kind_label(k)} for k in kinds],
    }


#: How each kind of entry is named to people.
KIND_LABELS: Mapping[str, str] = {
    "import": "Import",
    "calculation_run": "Calculation run",
    "reduction_claim": "Reduction claim",
    "verification_statement": "Verification statement",
    "target_change": "Target change",
    "credit_retired": "Credits retired",
    "progress_report": "Progress report",
    "disclosure": "Disclosure issued",
    "supplier_submission": "Supplier answer submitted",
    "supplier_data_accepted": "Supplier data accepted",
    "supplier_consent_revoked": "Supplier consent revoked",
    "qualification_transition": "Qualification step",
    "pact_pull": "PACT footprints pulled",
    "pact_event_footprints": "PACT footprints received",
    "pact_published_footprints": "PACT footprints updated",
    "row_state": "Table state taken over",
    "line_tree": "Merkle root of the purchase lines",
}


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind.replace("_", " ").capitalize())


def _tonnes(value: Any) -> str:
    return f"{float(value):,.1f} t CO2e" if isinstance(value, int | float) else "– t CO2e"


def _summary(body: Mapping[str, Any]) -> str:
    payload = body.get("payload", {})
    kind = body.get("kind")
    if kind == "import":
        return (
            f"{str(payload.get('kind', '')).replace('-', ' ')} file {payload.get('file_name')}: "
            f"{int(payload.get('rows_imported') or 0):,} rows imported, "
            f"{int(payload.get('rows_rejected') or 0):,} rejected"
        )
    if kind == "calculation_run":
        return (
            f"inventory {payload.get('year')} (run {payload.get('run_id')}): "
            f"{_tonnes(payload.get('total_t_co2e'))}"
        )
    if kind == "reduction_claim":
        return f"{payload.get('name')}: {_tonnes(payload.get('t_co2e'))} in {payload.get('year')}"
    if kind == "line_tree":
        return f"Merkle root over {int(payload.get('rows') or 0):,} purchase lines (line proofs)"
    if kind == "verification_statement":
        subject = payload.get("subject", {})
        return f"verification of entry {subject.get('seq')} ({subject.get('org')})"
    if kind == "qualification_transition":
        return (
            f"{payload.get('supplier_id')}: {payload.get('from')} → {payload.get('to')} "
            f"({payload.get('program')}; {payload.get('why')})"
        )
    if kind == "target_change":
        return f"{payload.get('action')} target '{payload.get('name')}'"
    if kind in ("supplier_data_accepted", "supplier_submission"):
        who = payload.get("supplier_id") or ", ".join(payload.get("shared_with", []))
        return f"{kind_label(str(kind))}: {who}, {payload.get('year')}"
    if kind == "pact_pull":
        return (
            f"{payload.get('footprints')} footprint(s) from {payload.get('supplier_id')}, "
            f"{len(payload.get('products', []))} product(s) matched"
        )
    if kind == "progress_report":
        return f"progress report {payload.get('report_id')} for {payload.get('year')}"
    if kind == "disclosure":
        return (
            f"{payload.get('kind')} {payload.get('year')} ({payload.get('format')}) from run "
            f"{payload.get('run_id')}, SHA-256 {str(payload.get('sha256'))[:12]}…"
        )
    return kind_label(str(kind))
