"""``greenchain ledger prove-line`` and ``check-line``: the proof that the ledger vouches for
one purchase line, for a verifier who holds only that line (see ``services/line_proofs.py``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from greenchain.entrypoints.cli.common import (
    OrgOption,
    console,
    open_context,
    print_json,
    read_json,
)
from greenchain.entrypoints.cli.errors import err_console, guarded


@guarded
def prove_line(
    org: OrgOption,
    line_id: Annotated[str, typer.Argument(help="The purchase line's line_id.")],
    out: Annotated[
        Path | None, typer.Option(help="Write the proof to this JSON file (default: print it).")
    ] = None,
) -> None:
    """Proof that the ledger vouches for one purchase line: its values and row hash, its audit
    path in the Merkle tree over the organisation's row hashes, the signed entry recording the
    tree's root (added the first time a line of the current lines is proved), the entry's
    inclusion proof and the signed tree head. Check it with 'greenchain ledger check-line'."""
    from greenchain.services.line_proofs import prove_line as prove

    proof = prove(open_context()[0], org, line_id)
    if out is None:
        print_json(proof)
        return
    out.write_text(json.dumps(proof, indent=2), encoding="utf-8")
    console.print(
        f"Proof of line {line_id} ({proof['tree_size']:,} lines, entry "
        f"{proof['tree_entry']['seq']}) written to {out}"
    )


@guarded
def check_line(
    proof_file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="A proof from 'prove-line'.")
    ],
) -> None:
    """Check a line proof offline (no database): the line's values against its hash, the path
    to the tree's root, the entry that records the root and its signature, the entry's
    inclusion in the signed tree head and the head's signature."""
    from greenchain.bootstrap import row_hasher, signature_verifier
    from greenchain.domain.errors import InvalidDataError
    from greenchain.services import ledger
    from greenchain.services.line_proofs import check_line_proof

    proof = read_json(proof_file, "line proof")
    if not isinstance(proof, dict):
        raise InvalidDataError(f"{proof_file}: not a line proof")
    problems = check_line_proof(proof, signature_verifier, row_hasher)
    for problem in problems[1:]:  # the first one is the error's message
        err_console.print(f"  {problem}")
    ledger.require_valid(problems)
    console.print(
        f"OK: line {proof['line'].get('line_id')} is line {proof['leaf_index'] + 1:,} of "
        f"{proof['tree_size']:,} whose Merkle root entry {proof['tree_entry']['seq']} records, "
        f"included in the signed tree head of size {proof['head']['tree_size']:,}."
    )


def add_line_proof_commands(ledger_app: typer.Typer) -> None:
    ledger_app.command("prove-line")(prove_line)
    ledger_app.command("check-line")(check_line)
