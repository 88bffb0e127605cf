"""The transparency log's maths: a Merkle tree as RFC 9162 (Certificate Transparency v2)
defines it, with inclusion and consistency proofs, over RFC 8785 canonical JSON entries.

* leaf hash ``SHA-256(0x00 || entry)``, node hash ``SHA-256(0x01 || left || right)``;
* the tree of ``n`` leaves splits at ``k``, the largest power of two smaller than ``n``
  (RFC 9162, 2.1.1), so any size has one shape;
* ``inclusion_proof``/``verify_inclusion`` follow 2.1.3.1 and 2.1.3.2,
  ``consistency_proof``/``verify_consistency`` follow 2.1.4.1 and 2.1.4.2.

Pure functions on bytes: storage, signing and keys live elsewhere.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import rfc8785

EMPTY_ROOT = hashlib.sha256(b"").digest()


def canonical_entry(entry: Mapping[str, Any]) -> bytes:
    """The RFC 8785 (JCS) canonical JSON bytes of an entry: the bytes that are hashed."""
    return rfc8785.dumps(dict(entry))


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (``n`` > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


class MerkleTree:
    """Leaf hashes with every complete (power-of-two, aligned) subtree hash kept, so that
    appending costs O(1) amortised hashes and any root or proof of a tree of the first ``size``
    leaves costs O(log² size) at worst: each subtree RFC 9162 splits into starts at a multiple
    of its own split, so its left part is always a kept complete subtree."""

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self._levels: list[list[bytes]] = [[]]
        for leaf in leaf_hashes:
            self.append(leaf)

    def __len__(self) -> int:
        return len(self._levels[0])

    def leaf(self, index: int) -> bytes:
        return self._levels[0][index]

    def append(self, leaf: bytes) -> None:
        levels = self._levels
        levels[0].append(leaf)
        level = 0
        while len(levels[level]) % 2 == 0:
            if level + 1 == len(levels):
                levels.append([])
            levels[level + 1].append(node_hash(levels[level][-2], levels[level][-1]))
            level += 1

    def _size(self, size: int | None) -> int:
        n = len(self) if size is None else size
        if not 0 <= n <= len(self):
            raise ValueError(f"no tree of size {n} in a log of {len(self)} leaves")
        return n

    def _root(self, start: int, end: int) -> bytes:
        n = end - start
        if n == 0:
            return EMPTY_ROOT
        height = n.bit_length() - 1
        if n == 1 << height and start % n == 0:
            return self._levels[height][start >> height]
        k = _split(n)
        return node_hash(self._root(start, start + k), self._root(start + k, end))

    def root(self, size: int | None = None) -> bytes:
        """MTH(D[size]) (RFC 9162, 2.1.1); the whole tree by default."""
        return self._root(0, self._size(size))

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """PATH(index, D[size]) (RFC 9162, 2.1.3.1)."""
        n = self._size(size)
        if not 0 <= index < n:
            raise ValueError(f"leaf index {index} outside a tree of size {n}")
        return self._path(index, 0, n)

    def _path(self, m: int, start: int, end: int) -> list[bytes]:
        if end - start == 1:
            return []
        k = start + _split(end - start)
        if m < k:
            return [*self._path(m, start, k), self._root(k, end)]
        return [*self._path(m, k, end), self._root(start, k)]

    def consistency_proof(self, first_size: int, size: int | None = None) -> list[bytes]:
        """PROOF(first_size, D[size]) (RFC 9162, 2.1.4.1)."""
        n = self._size(size)
        if not 0 < first_size <= n:
            raise ValueError(f"no consistency proof from size {first_size} to size {n}")
        return self._subproof(first_size, 0, n, True)

    def _subproof(self, m: int, start: int, end: int, complete: bool) -> list[bytes]:
        n = end - start
        if m == n:
            return [] if complete else [self._root(start, end)]
        k = _split(n)
        if m <= k:
            return [*self._subproof(m, start, start + k, complete), self._root(start + k, end)]
        return [*self._subproof(m - k, start + k, end, False), self._root(start, start + k)]


def root_from_leaf_hashes(hashes: Sequence[bytes]) -> bytes:
    """MTH(D[n]) over leaf hashes (RFC 9162, 2.1.1)."""
    return MerkleTree(hashes).root()


def inclusion_proof(index: int, hashes: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n]): the audit path of leaf ``index`` in the tree of ``hashes`` (2.1.3.1)."""
    return MerkleTree(hashes).inclusion_proof(index)


def consistency_proof(first_size: int, hashes: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]): that the tree of the first ``first_size`` leaves is a prefix (2.1.4.1)."""
    return MerkleTree(hashes).consistency_proof(first_size)


def verify_inclusion(
    leaf_index: int, tree_size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> bool:
    """Check an inclusion proof as RFC 9162, 2.1.3.2 prescribes (``leaf`` is the leaf hash)."""
    if not 0 <= leaf_index < tree_size:
        return False
    fn, sn = leaf_index, tree_size - 1
    r = leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    first_size: int,
    second_size: int,
    first_root: bytes,
    second_root: bytes,
    proof: Sequence[bytes],
) -> bool:
    """Check a consistency proof as RFC 9162, 2.1.4.2 prescribes."""
    if first_size <= 0 or first_size > second_size:
        return False
    if first_size == second_size:
        return not proof and first_root == second_root
    path = list(proof)
    if first_size & (first_size - 1) == 0:  # a power of two: the first root starts the path
        path.insert(0, first_root)
    if not path:
        return False
    fn, sn = first_size - 1, second_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root
