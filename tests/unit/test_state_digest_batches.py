"""The state digest of a table, computed from hashes added in batches and sorted out of core,
is the digest of the one joined string it always was: ledger entries stored before still
verify."""

from __future__ import annotations

import hashlib

import duckdb
import pyarrow as pa

from greenchain.adapters.db.row_hashes import StateDigest, state_digest


def _one_string_digest(hashes: list[str | None]) -> dict[str, object]:
    """The first definition: SHA-256 of every hash, sorted, joined by newlines in one string
    (a NULL as an empty line)."""
    with duckdb.connect() as con:
        con.register("hashes", pa.table({"h": pa.array(hashes, pa.string())}))
        count, digest = con.execute(
            "SELECT count(*), sha256(coalesce(string_agg(coalesce(h, ''), chr(10) "
            "ORDER BY coalesce(h, '')), '')) FROM hashes"
        ).fetchone() or (0, "")
    return {"rows": int(count), "sha256": str(digest)}


def _hash(n: int) -> str:
    return hashlib.sha256(str(n).encode()).hexdigest()


def test_batched_digest_equals_the_one_string_digest_with_nulls_and_duplicates() -> None:
    hashes = [_hash(3), None, _hash(1), _hash(3), None, _hash(2), _hash(1)]
    expected = _one_string_digest(hashes)
    assert state_digest(hashes) == expected
    with StateDigest() as digest:
        digest.BATCH_ROWS = 2  # read back in several batches
        for start in range(0, len(hashes), 3):
            digest.add(pa.array(hashes[start : start + 3], pa.string()))
        assert digest.result() == expected


def test_digest_of_no_rows_is_the_digest_of_the_empty_string() -> None:
    assert state_digest([]) == _one_string_digest([])
    assert state_digest([]) == {"rows": 0, "sha256": hashlib.sha256(b"").hexdigest()}


def test_digest_of_only_missing_hashes_counts_empty_lines() -> None:
    assert state_digest([None, None]) == _one_string_digest([None, None])
    assert state_digest([None, None])["sha256"] == hashlib.sha256(b"\n").hexdigest()
