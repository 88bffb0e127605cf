"""The transparency log: every import and calculation run is an entry, signed by the
organisation that made it; signed tree heads follow each append; anyone holding an exported
bundle can check it offline. The Merkle maths is ``greenchain.domain.ledger`` (RFC 9162)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from greenchain.domain.access import Principal
from greenchain.domain.errors import LedgerIntegrityError, NotFoundError
from greenchain.domain.ledger import (
    canonical_entry,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)
from greenchain.services.context import Context
from greenchain.services.ports import KeyRing, LedgerStore

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
    ),
}


def _parts(ctx: Context) -> tuple[LedgerStore, KeyRing]:
    if ctx.ledger is None or ctx.keys is None:  # pragma: no cover - wiring error
        raise RuntimeError("the ledger is not wired in this context")
    return ctx.ledger, ctx.keys


def row_digest(table: str, row: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON of the fields of ``row`` that its entry records."""
    fields = {}
    for name in ROW_FIELDS[table]:
        value = row.get(name)
        if isinstance(value, str) and name == "summary":
            value = json.loads(value)
        fields[name] = value
    return hashlib.sha256(canonical_entry(fields)).hexdigest()


def _key(ctx: Context, org_id: int | None) -> dict[str, Any]:
    store, keys = _parts(ctx)
    key = store.signing_key(org_id)
    if key is None:
        public, private = keys.generate()
        store.add_signing_key(org_id, public, private, ctx.clock.now())
        key = store.signing_key(org_id)
    assert key is not None
    return key


def record(
    ctx: Context,
    org_id: int,
    org_slug: str,
    kind: str,
    payload: Mapping[str, Any],
    row: tuple[str, int] | None = None,
) -> int:
    """Append a signed entry (and a new signed tree head); returns its sequence number."""
    store, keys = _parts(ctx)
    now = ctx.clock.now()
    body: dict[str, Any] = {
        "kind": kind,
        "org": org_slug,
        "recorded_at": now.isoformat(),
        "payload": dict(payload),
    }
    if row is not None:
        table, row_id = row
        current = store.described_row(table, row_id)
        if current is None:
            raise NotFoundError(f"{table} row {row_id} not found")
        body["row"] = {"table": table, "id": row_id, "sha256": row_digest(table, current)}
    key = _key(ctx, org_id)
    entry = canonical_entry(body)
    signature = keys.sign(key["private_key_pem"], entry)
    seq = store.append(
        org_id, kind, entry.decode(), leaf_hash(entry).hex(), signature, key["public_key"], now
    )
    _sign_head(ctx)
    return seq


def _head_message(tree_size: int, root_hash: str, timestamp: str, log_id: str) -> bytes:
    return canonical_entry(
        {"tree_size": tree_size, "root_hash": root_hash, "timestamp": timestamp, "log_id": log_id}
    )


def _sign_head(ctx: Context) -> dict[str, Any]:
    store, keys = _parts(ctx)
    hashes = [bytes.fromhex(e["leaf_hash"]) for e in store.entries()]
    log_key = _key(ctx, None)
    log_id = hashlib.sha256(bytes.fromhex(log_key["public_key"])).hexdigest()
    root = root_from_leaf_hashes(hashes).hex()
    timestamp = ctx.clock.now().isoformat()
    signature = keys.sign(
        log_key["private_key_pem"], _head_message(len(hashes), root, timestamp, log_id)
    )
    store.save_head(len(hashes), root, timestamp, signature, log_key["public_key"])
    return {
        "tree_size": len(hashes),
        "root_hash": root,
        "timestamp": timestamp,
        "log_id": log_id,
        "signature": signature,
    }


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
    }


def prove(ctx: Context, seq: int, size: int | None = None) -> dict[str, Any]:
    store, _ = _parts(ctx)
    hashes = [bytes.fromhex(e["leaf_hash"]) for e in store.entries()]
    tree_size = size or len(hashes)
    if not 0 <= seq < tree_size <= len(hashes):
        raise NotFoundError(f"no entry {seq} in a log of size {tree_size}")
    proof = inclusion_proof(seq, hashes[:tree_size])
    return {
        "leaf_index": seq,
        "tree_size": tree_size,
        "leaf_hash": hashes[seq].hex(),
        "audit_path": [p.hex() for p in proof],
        "root_hash": root_from_leaf_hashes(hashes[:tree_size]).hex(),
    }


def consistency(ctx: Context, first: int, second: int) -> dict[str, Any]:
    store, _ = _parts(ctx)
    hashes = [bytes.fromhex(e["leaf_hash"]) for e in store.entries()]
    if not 0 < first <= second <= len(hashes):
        raise NotFoundError(f"no consistency proof from {first} to {second} (size {len(hashes)})")
    return {
        "first_size": first,
        "second_size": second,
        "proof": [p.hex() for p in consistency_proof(first, hashes[:second])],
    }


def export_bundle(ctx: Context) -> dict[str, Any]:
    """Everything needed to check the log offline: entries, signatures, heads, public keys."""
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
    root and signature, and consistency between successive heads."""
    problems: list[Problem] = []
    known = set(bundle.get("public_keys", []))
    hashes: list[bytes] = []
    for i, item in enumerate(bundle.get("entries", [])):
        entry = item["entry"].encode()
        where = f"entry {item.get('seq', i)}"
        if item.get("seq") != i:
            problems.append(Problem(where, "out of sequence"))
        if leaf_hash(entry).hex() != item["leaf_hash"]:
            problems.append(Problem(where, "content does not match its leaf hash"))
        if canonical_entry(json.loads(entry)) != entry:
            problems.append(Problem(where, "not in canonical JSON form"))
        if item["public_key"] not in known or not verify_signature(
            item["public_key"], item["signature"], entry
        ):
            problems.append(Problem(where, "signature does not verify"))
        hashes.append(leaf_hash(entry))
    previous: tuple[int, bytes] | None = None
    for head in bundle.get("tree_heads", []):
        size, root = int(head["tree_size"]), bytes.fromhex(head["root_hash"])
        where = f"tree head {size}"
        log_id = hashlib.sha256(bytes.fromhex(head["public_key"])).hexdigest()
        message = _head_message(size, head["root_hash"], head["timestamp"], log_id)
        if head["public_key"] not in known or not verify_signature(
            head["public_key"], head["signature"], message
        ):
            problems.append(Problem(where, "signature does not verify"))
        if size > len(hashes) or root_from_leaf_hashes(hashes[:size]) != root:
            problems.append(Problem(where, "root does not match the entries"))
        if previous is not None and previous[0] > 0:
            proof = consistency_proof(previous[0], hashes[:size]) if size <= len(hashes) else []
            if not verify_consistency(previous[0], size, previous[1], root, proof):
                problems.append(Problem(where, f"not consistent with tree head {previous[0]}"))
        previous = (size, root)
    for i, h in enumerate(hashes):
        proof = inclusion_proof(i, hashes)
        if not verify_inclusion(i, len(hashes), h, proof, root_from_leaf_hashes(hashes)):
            problems.append(Problem(f"entry {i}", "inclusion proof fails"))  # pragma: no cover
    return problems


def verify(ctx: Context, verify_signature: Callable[[str, str, bytes], bool]) -> list[Problem]:
    """Check the whole log and the database rows its entries describe."""
    store, _ = _parts(ctx)
    problems = verify_bundle(export_bundle(ctx), verify_signature)
    for item in store.entries():
        body = json.loads(item["entry"])
        row = body.get("row")
        if not row:
            continue
        current = store.described_row(row["table"], int(row["id"]))
        where = f"{row['table']} row {row['id']} (entry {item['seq']})"
        if current is None:
            problems.append(Problem(where, "row deleted"))
        elif row_digest(row["table"], current) != row["sha256"]:
            problems.append(Problem(where, "row changed since it was recorded"))
    return problems


def require_valid(problems: list[Problem]) -> None:
    if problems:
        raise LedgerIntegrityError(
            f"{problems[0]}"
            + (f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else "")
        )


def show_for(ctx: Context, principal: Principal, org_slug: str, seq: int) -> dict[str, Any]:
    """An entry of the organisation ``org_slug`` (other organisations' entries: not found)."""
    member = principal.membership(org_slug)
    store, _ = _parts(ctx)
    found = store.entry(seq)
    if found is None or found["org_id"] != member.org_id:
        raise NotFoundError(f"ledger entry {seq} not found")
    return show(ctx, seq)


def prove_for(
    ctx: Context, principal: Principal, org_slug: str, seq: int, size: int | None = None
) -> dict[str, Any]:
    show_for(ctx, principal, org_slug, seq)
    return prove(ctx, seq, size)


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
