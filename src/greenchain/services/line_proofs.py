"""Proofs of single purchase lines for a verifier who holds only those lines.

What: ``prove_line`` gives, for a line named by its ``line_id``, everything needed to check
offline that the organisation's ledger vouches for it with these values: the line, its row
hash, its audit path in the Merkle tree over the organisation's sorted row hashes (RFC 9162),
the signed ledger entry that records that tree's root, the entry's inclusion proof in the log
and the signed tree head it is included in. ``check_line_proof`` checks all of it.

Why: an import's entry signs the state of the whole table (the SHA-256 of every sorted row
hash), which proves nothing about one line without all the others. The tree's root is
recorded in an entry of its own (kind ``line_tree``) the first time a line of that state is
proved, carrying the state it was computed from; imports do not pay for it. The tree is built
only from a file whose row hashes give the state the last write's entry signed, so the root
covers exactly the lines that entry vouches for.

Source: RFC 9162 (Certificate Transparency v2), 2.1.1 and 2.1.3; the ledger's maths in
``domain/ledger.py``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from greenchain.domain.errors import InvalidDataError, NotFoundError
from greenchain.domain.ledger import canonical_entry, leaf_hash, verify_inclusion
from greenchain.services import ledger
from greenchain.services.context import Context

TREE_KIND = "line_tree"
TABLE = "purchase_lines"


def _tree_entry(entries: list[dict[str, Any]], state_sha256: str) -> dict[str, Any] | None:
    """The newest ``line_tree`` entry recorded for the state ``state_sha256``."""
    for item in reversed(entries):
        body = json.loads(item["entry"])
        payload = body.get("payload", {})
        if (
            body.get("kind") == TREE_KIND
            and payload.get("table") == TABLE
            and payload.get("state_sha256") == state_sha256
        ):
            return dict(item)
    return None


def prove_line(ctx: Context, org_slug: str, line_id: str) -> dict[str, Any]:
    """The proof of purchase line ``line_id`` of the organisation (see the module)."""
    ws = ctx.workspace
    org = ws.get_org(org_slug)
    proof = ws.line_proof(org.id, line_id)
    if proof is None:
        raise NotFoundError(f"no purchase line '{line_id}' among the lines of '{org_slug}'")
    store, _ = ledger._parts(ctx)
    entries = store.entries_of(org.id)
    _, recorded = ledger.recorded_states(entries).get((org.id, TABLE), (0, {}))
    state = proof["state"]
    if recorded.get("sha256") != state["sha256"]:
        raise InvalidDataError(
            f"the purchase lines of '{org_slug}' are not in the state their last ledger entry "
            "recorded, so no proof is given; run 'greenchain ledger verify' to see what changed"
        )
    tree = _tree_entry(entries, state["sha256"])
    if tree is None:
        ledger.record(
            ctx,
            org.id,
            org.slug,
            TREE_KIND,
            {
                "table": TABLE,
                "rows": state["rows"],
                "state_sha256": state["sha256"],
                "merkle_root": proof["merkle_root"],
            },
        )
        tree = _tree_entry(store.entries_of(org.id), state["sha256"])
        assert tree is not None
    head = store.heads()[-1]
    return {
        "org": org.slug,
        "table": TABLE,
        "line": {k: _json_value(v) for k, v in proof["line"].items()},
        "row_sha256": proof["row_sha256"],
        "leaf_index": proof["leaf_index"],
        "tree_size": proof["tree_size"],
        "audit_path": proof["audit_path"],
        "merkle_root": proof["merkle_root"],
        "tree_entry": {
            "seq": tree["seq"],
            "entry": tree["entry"],
            "signature": tree["signature"],
            "public_key": tree["public_key"],
        },
        "inclusion": ledger.prove(ctx, int(tree["seq"]), int(head["tree_size"])),
        "head": {
            k: head[k] for k in ("tree_size", "root_hash", "timestamp", "signature", "public_key")
        },
    }


def _json_value(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def check_line_proof(
    proof: Mapping[str, Any],
    verify_signature: Callable[[str, str, bytes], bool],
    row_hash: Callable[[str, Mapping[str, Any]], str],
) -> list[ledger.Problem]:
    """Check a line proof without the workspace: the line's hash from its values, its path to
    the tree's root, the signed entry recording that root, the entry's inclusion in the signed
    tree head. Returns the problems found (none: the line is vouched for)."""
    problems: list[ledger.Problem] = []

    def fail(where: str, what: str) -> list[ledger.Problem]:
        problems.append(ledger.Problem(where, what))
        return problems

    try:
        line_id = proof["line"].get("line_id", "?")
        where = f"purchase line {line_id}"
        if row_hash(proof["table"], proof["line"]) != proof["row_sha256"]:
            return fail(where, "its values do not give its row hash (the line was changed)")
        root = bytes.fromhex(proof["merkle_root"])
        leaf = leaf_hash(bytes.fromhex(proof["row_sha256"]))
        path = [bytes.fromhex(h) for h in proof["audit_path"]]
        if not verify_inclusion(
            int(proof["leaf_index"]), int(proof["tree_size"]), leaf, path, root
        ):
            return fail(where, "its audit path does not lead to the tree's root")
        tree = proof["tree_entry"]
        entry = str(tree["entry"]).encode()
        if canonical_entry(json.loads(entry)) != entry:
            return fail(f"entry {tree['seq']}", "not in canonical form")
        if not verify_signature(tree["public_key"], tree["signature"], entry):
            return fail(f"entry {tree['seq']}", "signature does not verify")
        payload = json.loads(entry).get("payload", {})
        if (
            json.loads(entry).get("kind") != TREE_KIND
            or payload.get("merkle_root") != (proof["merkle_root"])
        ):
            return fail(f"entry {tree['seq']}", "does not record this tree's root")
        if int(payload.get("rows", -1)) != int(proof["tree_size"]):
            return fail(f"entry {tree['seq']}", "records a tree of another size")
        head = proof["head"]
        inclusion = proof["inclusion"]
        if not verify_inclusion(
            int(tree["seq"]),
            int(head["tree_size"]),
            leaf_hash(entry),
            [bytes.fromhex(h) for h in inclusion["audit_path"]],
            bytes.fromhex(head["root_hash"]),
        ):
            return fail(f"entry {tree['seq']}", "not included in the signed tree head")
        if not verify_signature(head["public_key"], head["signature"], ledger.head_message(head)):
            return fail(f"tree head of size {head['tree_size']}", "signature does not verify")
    except (KeyError, TypeError, ValueError) as exc:
        return fail("the proof", f"incomplete or malformed ({exc})")
    return problems
