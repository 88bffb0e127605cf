"""Properties of the Merkle log for any entries: proofs verify, tampering is caught."""

from hypothesis import given
from hypothesis import strategies as st

from greenchain.domain.ledger import (
    MerkleTree,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)

entries = st.lists(st.binary(max_size=20), min_size=1, max_size=40)


@given(entries, st.data())
def test_inclusion_proofs_verify_and_reject_other_leaves(leaves, data):
    hashes = [leaf_hash(x) for x in leaves]
    root = root_from_leaf_hashes(hashes)
    index = data.draw(st.integers(0, len(hashes) - 1))
    proof = inclusion_proof(index, hashes)
    assert verify_inclusion(index, len(hashes), hashes[index], proof, root)
    assert not verify_inclusion(index, len(hashes), leaf_hash(b"\xff" * 21), proof, root)


@given(entries, st.data())
def test_a_log_only_grows_consistently(leaves, data):
    hashes = [leaf_hash(x) for x in leaves]
    m = data.draw(st.integers(1, len(hashes)))
    first, second = root_from_leaf_hashes(hashes[:m]), root_from_leaf_hashes(hashes)
    proof = consistency_proof(m, hashes)
    assert verify_consistency(m, len(hashes), first, second, proof)
    if m < len(hashes):
        rewritten = [leaf_hash(b"rewritten"), *hashes[1:]]
        assert not verify_consistency(
            m, len(hashes), first, root_from_leaf_hashes(rewritten), proof
        )


def _reference_root(hashes):
    """RFC 9162 MTH written as the RFC states it, on slices."""
    if len(hashes) == 1:
        return hashes[0]
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    return node_hash(_reference_root(hashes[:k]), _reference_root(hashes[k:]))


def _reference_path(m, hashes):
    if len(hashes) == 1:
        return []
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    if m < k:
        return [*_reference_path(m, hashes[:k]), _reference_root(hashes[k:])]
    return [*_reference_path(m - k, hashes[k:]), _reference_root(hashes[:k])]


@given(entries, st.data())
def test_a_grown_tree_answers_for_every_earlier_size_as_a_fresh_tree_would(leaves, data):
    hashes = [leaf_hash(x) for x in leaves]
    tree = MerkleTree(hashes)
    size = data.draw(st.integers(1, len(hashes)))
    index = data.draw(st.integers(0, size - 1))
    assert tree.root(size) == _reference_root(hashes[:size])
    assert tree.inclusion_proof(index, size) == _reference_path(index, hashes[:size])
    first = data.draw(st.integers(1, size))
    assert tree.consistency_proof(first, size) == MerkleTree(hashes[:size]).consistency_proof(first)
