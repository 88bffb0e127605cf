"""A single purchase line is proved to a verifier who holds only it: its audit path in the
Merkle tree over the organisation's sorted row hashes (RFC 9162, the ledger's own maths), the
signed entry that records the tree's root, the entry's inclusion in a signed tree head."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from greenchain.adapters.db import line_proofs
from greenchain.adapters.db.line_proofs import prove_line as prove_row
from greenchain.adapters.db.row_hashes import content_schema, row_hash_of, with_row_hashes
from greenchain.adapters.signing import verify_signature
from greenchain.domain.errors import InvalidDataError, NotFoundError
from greenchain.domain.ledger import MerkleTree, leaf_hash
from greenchain.services import ledger
from greenchain.services.context import Context
from greenchain.services.imports import import_records
from greenchain.services.line_proofs import check_line_proof, prove_line
from greenchain.services.orgs import add_organisation
from tests.factories import purchase, supplier, write_csv


def _snapshot_file(folder: Path, n: int) -> tuple[Path, list[str]]:
    schema = content_schema("purchase_lines")
    rows = pa.table(
        {
            f.name: (
                pa.array([f"L{i:04d}" for i in range(n)])
                if f.name == "line_id"
                else pa.array([float(i + 1) for i in range(n)])
                if f.name == "amount"
                else pa.nulls(n, f.type)
            )
            for f in schema
        },
        schema=schema,
    )
    hashed = with_row_hashes("purchase_lines", rows)
    path = folder / f"snapshot-{n}.parquet"
    pq.write_table(hashed, path)
    return path, sorted(hashed.column("row_sha256").to_pylist())


@pytest.mark.parametrize("small", [2, 4096])
@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 13, 100])
def test_the_tree_and_every_path_are_the_ledgers_merkle_maths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, n: int, small: int
):
    monkeypatch.setattr(line_proofs, "_SMALL", small)  # 2: DuckDB hashes every level
    path, hashes = _snapshot_file(tmp_path, n)
    tree = MerkleTree(leaf_hash(bytes.fromhex(h)) for h in hashes)
    for i in range(n):
        proof = prove_row(str(path), "purchase_lines", "line_id", f"L{i:04d}")
        assert proof is not None
        assert proof.merkle_root == tree.root().hex()
        assert proof.tree_size == n
        assert hashes[proof.leaf_index] == proof.row_sha256
        assert proof.audit_path == [h.hex() for h in tree.inclusion_proof(proof.leaf_index)]
    assert prove_row(str(path), "purchase_lines", "line_id", "nope") is None


def _lines(ctx: Context, folder: Path) -> None:
    add_organisation(ctx, "acme")
    write_csv(folder / "s.csv", "suppliers", [supplier("S1")])
    import_records(ctx, "acme", "suppliers", folder / "s.csv")
    lines = [purchase(f"L{i:02d}", "S1", amount=str(100 + i)) for i in range(1, 26)]
    write_csv(folder / "p.csv", "purchases", lines)
    import_records(ctx, "acme", "purchases", folder / "p.csv")


def _check(proof: dict[str, Any]) -> list[str]:
    return [str(p) for p in check_line_proof(proof, verify_signature, row_hash_of)]


def test_a_named_line_is_proved_and_the_proof_checks_offline(ctx: Context, tmp_path: Path):
    _lines(ctx, tmp_path)
    proof = prove_line(ctx, "acme", "L07")
    assert proof["line"]["line_id"] == "L07"
    assert proof["line"]["amount"] == 107.0
    assert proof["tree_size"] == 25
    assert _check(json.loads(json.dumps(proof))) == []  # as a file carries it
    entries = len(ledger.export_bundle(ctx)["entries"])
    again = prove_line(ctx, "acme", "L19")  # the same lines: the root's entry is reused
    assert again["tree_entry"]["seq"] == proof["tree_entry"]["seq"]
    assert len(ledger.export_bundle(ctx)["entries"]) == entries
    assert _check(again) == []
    assert [str(p) for p in ledger.verify(ctx, verify_signature)] == []


def test_a_changed_value_path_root_or_head_fails_the_check(ctx: Context, tmp_path: Path):
    _lines(ctx, tmp_path)
    proof = prove_line(ctx, "acme", "L03")

    def altered(change: Any) -> list[str]:
        forged = copy.deepcopy(proof)
        change(forged)
        return _check(forged)

    assert "row hash" in altered(lambda p: p["line"].update(amount=1.0))[0]
    assert "audit path" in altered(lambda p: p.update(leaf_index=p["leaf_index"] ^ 1))[0]
    forged_root = "00" * 32

    def other_root(p: dict[str, Any]) -> None:
        p["merkle_root"] = forged_root
        p["audit_path"] = []
        p["tree_size"] = 1
        p["leaf_index"] = 0

    assert altered(other_root)
    assert "signature" in altered(lambda p: p["head"].update(timestamp="2000-01-01T00:00:00"))[0]
    assert "malformed" in altered(lambda p: p.pop("inclusion"))[0]


def test_a_new_import_gets_a_new_root_and_a_changed_file_gets_no_proof(
    ctx: Context, tmp_path: Path
):
    _lines(ctx, tmp_path)
    first = prove_line(ctx, "acme", "L01")
    write_csv(tmp_path / "more.csv", "purchases", [purchase("L90", "S1", amount="5")])
    import_records(ctx, "acme", "purchases", tmp_path / "more.csv")
    second = prove_line(ctx, "acme", "L01")
    assert second["tree_size"] == 26
    assert second["tree_entry"]["seq"] > first["tree_entry"]["seq"]
    assert _check(second) == []
    # the file rewritten with a changed amount and its recomputed hash: the state differs
    path = ctx.workspace.snapshots.path(1, "purchase_lines")  # type: ignore[attr-defined]
    stored = pq.read_table(path)
    amount = stored.column_names.index("amount")
    changed = stored.set_column(amount, "amount", pc.multiply(stored.column("amount"), 2.0))
    content = changed.select(content_schema("purchase_lines").names)
    rehashed = with_row_hashes("purchase_lines", content).column("row_sha256")
    changed = changed.set_column(changed.column_names.index("row_sha256"), "row_sha256", rehashed)
    pq.write_table(changed, path)
    with pytest.raises(InvalidDataError, match="not in the state"):
        prove_line(ctx, "acme", "L01")
    with pytest.raises(NotFoundError):
        prove_line(ctx, "acme", "L99")


def test_the_cli_writes_a_proof_and_checks_it(ctx: Context, tmp_path: Path, monkeypatch):
    from greenchain.entrypoints.cli import line_proofs as cli
    from greenchain.entrypoints.cli.main import app

    _lines(ctx, tmp_path)
    monkeypatch.setattr(cli, "open_context", lambda *a, **k: (ctx, None))
    out = tmp_path / "proof.json"
    proved = CliRunner().invoke(
        app, ["ledger", "prove-line", "--org", "acme", "L05", "--out", str(out)]
    )
    assert proved.exit_code == 0, proved.output
    checked = CliRunner().invoke(app, ["ledger", "check-line", str(out)])
    assert checked.exit_code == 0, checked.output
    assert "OK: line L05" in checked.output
    data = json.loads(out.read_text())
    data["line"]["amount"] = 0.5
    out.write_text(json.dumps(data))
    refused = CliRunner().invoke(app, ["ledger", "check-line", str(out)])
    assert refused.exit_code != 0
    assert "row hash" in refused.output
