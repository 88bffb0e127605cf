"""The transparency log's Merkle tree against the Certificate Transparency test vectors
(RFC 6962 / RFC 9162 use the same tree: certificate-transparency merkle_tree_test inputs)."""

import pytest

from greenchain.domain.ledger import (
    EMPTY_ROOT,
    canonical_entry,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)

INPUTS = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    bytes(range(0x60, 0x70)),
]
ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
HASHES = [leaf_hash(x) for x in INPUTS]


def test_the_empty_tree_hashes_to_sha256_of_nothing():
    assert root_from_leaf_hashes([]) == EMPTY_ROOT
    assert EMPTY_ROOT.hex().startswith("e3b0c442")


@pytest.mark.parametrize("size", range(1, 9))
def test_roots_match_the_certificate_transparency_vectors(size):
    assert root_from_leaf_hashes(HASHES[:size]).hex() == ROOTS[size - 1]


def test_inclusion_proof_of_the_first_leaf_in_eight_matches_the_vector():
    assert [p.hex() for p in inclusion_proof(0, HASHES)] == [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ]


def test_consistency_proof_from_six_to_eight_matches_the_vector():
    assert [p.hex() for p in consistency_proof(6, HASHES)] == [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ]


def test_every_inclusion_and_consistency_proof_of_the_vectors_verifies():
    for n in range(1, 9):
        root = root_from_leaf_hashes(HASHES[:n])
        for i in range(n):
            assert verify_inclusion(i, n, HASHES[i], inclusion_proof(i, HASHES[:n]), root)
        for m in range(1, n + 1):
            first = root_from_leaf_hashes(HASHES[:m])
            assert verify_consistency(m, n, first, root, consistency_proof(m, HASHES[:n]))


def test_a_changed_entry_fails_its_inclusion_proof():
    root = root_from_leaf_hashes(HASHES)
    proof = inclusion_proof(5, HASHES)
    assert not verify_inclusion(5, 8, leaf_hash(b"changed"), proof, root)
    assert not verify_inclusion(4, 8, HASHES[5], proof, root)


def test_entries_are_hashed_in_canonical_json():
    assert canonical_entry({"b": 1, "a": [1.0, "x"]}) == b'{"a":[1,"x"],"b":1}'
