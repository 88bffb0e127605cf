"""The proof that one named purchase line is among the lines a ledger entry vouches for.

What: the Merkle tree (RFC 9162, as the ledger's own, ``domain/ledger.py``) over the sorted
row hashes of an organisation's newest snapshot of purchase lines: leaf ``SHA-256(0x00 ||
row hash)``, node ``SHA-256(0x01 || left || right)``. For a line named by its ``line_id``:
its values, its row hash, its position among the sorted hashes and the audit path to the
tree's root.

Why: the import's ledger entry signs the table's state (the SHA-256 of all its sorted row
hashes), which anyone holding every hash can check, but which says nothing about one line to
someone holding only that line. With the root signed in an entry of the log, a verifier
checks one line with a few dozen hashes: its hash from its values, the path to the root, the
entry that records the root and the entry's inclusion in a signed tree head.

How: DuckDB hashes the leaves and each level of the tree in bulk (a level is the previous
one's even and odd positions side by side, ``POSITIONAL JOIN``; an odd last node moves up
unchanged, which gives RFC 9162's tree for any size); the top levels (a few thousand nodes)
are finished in Python.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from typing import Any

from greenchain.adapters import duck
from greenchain.adapters.db.row_hashes import content_schema, digest_sorted

#: Levels of at most this many nodes are hashed in Python.
_SMALL = 4096


@dataclass(frozen=True)
class LineProof:
    line: dict[str, Any]
    row_sha256: str
    leaf_index: int
    tree_size: int
    audit_path: list[str]
    merkle_root: str
    #: the table state of the file's row hashes (row count and SHA-256 of the sorted hashes),
    #: computed from the file, to compare with the state the ledger recorded
    state: dict[str, Any]


def _quoted(path: str) -> str:
    return "'" + path.replace("'", "''") + "'"


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def prove_line(path: str, table: str, key: str, value: str) -> LineProof | None:
    """The proof of the row of the snapshot file at ``path`` whose ``key`` is ``value``
    (``None``: no such row)."""
    columns = [f.name for f in content_schema(table)]
    with tempfile.TemporaryDirectory(prefix="greenchain-proof-") as folder:
        con = duck.connect(memory_limit="1GB", spill=folder, input_bytes=os.path.getsize(path))
        try:
            source = f"read_parquet({_quoted(path)})"
            found = con.sql(
                f"SELECT {', '.join(columns)}, row_sha256 FROM {source} WHERE {key} = ? LIMIT 1",
                params=[value],
            ).fetchall()
            if not found:
                return None
            *values, row_sha256 = found[0]
            # level 0: the leaves in the order of the sorted row hashes
            con.execute(
                f"CREATE TEMP TABLE level_0 AS SELECT unhex(sha256(unhex('00' || h))) AS v "
                f"FROM (SELECT coalesce(row_sha256, '') AS h FROM {source}) ORDER BY h"
            )
            state = digest_sorted(
                con.sql(
                    f"SELECT coalesce(row_sha256, '') FROM {source} ORDER BY 1"
                ).to_arrow_reader(1 << 18)
            )
            counted = con.sql(
                f"SELECT count(*) FILTER (WHERE coalesce(row_sha256, '') < ?) FROM {source}",
                params=[row_sha256],
            ).fetchall()[0]
            size, index = int(state["rows"]), int(counted[0])
            path_hashes: list[bytes] = []
            level, width, at = 0, size, index
            while width > _SMALL:
                sibling = con.sql(
                    f"SELECT v FROM level_{level} WHERE rowid = ?", params=[at ^ 1]
                ).fetchall()
                if sibling:
                    path_hashes.append(bytes(sibling[0][0]))
                con.execute(
                    f"CREATE TEMP TABLE level_{level + 1} AS SELECT CASE WHEN b.v IS NULL "
                    f"THEN a.v ELSE unhex(sha256(unhex('01') || a.v || b.v)) END AS v "
                    f"FROM (SELECT v FROM level_{level} WHERE rowid % 2 = 0) a POSITIONAL JOIN "
                    f"(SELECT v FROM level_{level} WHERE rowid % 2 = 1) b"
                )
                con.execute(f"DROP TABLE level_{level}")
                level, width, at = level + 1, (width + 1) // 2, at // 2
            nodes = [bytes(r[0]) for r in con.sql(f"SELECT v FROM level_{level}").fetchall()]
        finally:
            con.close()
    while len(nodes) > 1:
        if at ^ 1 < len(nodes):
            path_hashes.append(nodes[at ^ 1])
        paired = [_node(nodes[i], nodes[i + 1]) for i in range(0, len(nodes) - 1, 2)]
        nodes = paired + ([nodes[-1]] if len(nodes) % 2 else [])
        at //= 2
    return LineProof(
        line=dict(zip(columns, values, strict=True)),
        row_sha256=str(row_sha256),
        leaf_index=index,
        tree_size=size,
        audit_path=[h.hex() for h in path_hashes],
        merkle_root=nodes[0].hex(),
        state=state,
    )
