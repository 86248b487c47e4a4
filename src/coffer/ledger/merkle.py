"""RFC 6962 (RFC 9162) Merkle trees over journal entries: roots, proofs and their checks.

The checks (:func:`verify_inclusion`, :func:`verify_consistency`) need nothing but the
proof, the leaf and a signed root, so they can run without trusting the database.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

_sha256 = hashlib.sha256


def leaf_hash(data: bytes) -> bytes:
    return _sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return _sha256(b"\x01" + left + right).digest()


def _split(size: int) -> int:
    """The largest power of two strictly smaller than ``size`` (size >= 2)."""
    return 1 << ((size - 1).bit_length() - 1)


def root(leaves: Sequence[bytes]) -> bytes:
    """Merkle tree hash of already-hashed leaves (``leaf_hash`` outputs)."""
    if not leaves:
        return _sha256(b"").digest()
    frontier = Frontier()
    for leaf in leaves:
        frontier.append_leaf_hash(leaf)
    return frontier.root()


class Frontier:
    """The roots of the perfect subtrees of a growing tree: O(log n) state, O(1) appends."""

    __slots__ = ("nodes", "size")

    def __init__(self, size: int = 0, nodes: Sequence[bytes] = ()) -> None:
        self.size = size
        self.nodes: list[bytes] = list(nodes)

    def append_leaf_hash(self, leaf: bytes) -> None:
        nodes = self.nodes
        nodes.append(leaf)
        size = self.size = self.size + 1
        while not size & 1:
            right = nodes.pop()
            nodes[-1] = _sha256(b"\x01" + nodes[-1] + right).digest()
            size >>= 1

    def append_leaves(self, data: Iterable[bytes]) -> None:
        """``append_leaf_hash(leaf_hash(item))`` for each item, in one loop."""
        nodes = self.nodes
        size = self.size
        for item in data:
            nodes.append(_sha256(b"\x00" + item).digest())
            size += 1
            subtree = size
            while not subtree & 1:
                right = nodes.pop()
                nodes[-1] = _sha256(b"\x01" + nodes[-1] + right).digest()
                subtree >>= 1
        self.size = size

    def root(self) -> bytes:
        if not self.nodes:
            return _sha256(b"").digest()
        current = self.nodes[-1]
        for node in reversed(self.nodes[:-1]):
            current = node_hash(node, current)
        return current

    def copy(self) -> Frontier:
        return Frontier(self.size, self.nodes)

    def to_bytes(self) -> bytes:
        return b"".join(self.nodes)

    @classmethod
    def from_bytes(cls, size: int, data: bytes) -> Frontier:
        return cls(size, [data[i : i + 32] for i in range(0, len(data), 32)])


def inclusion_path(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """Audit path for leaf ``index`` in the tree of ``leaves`` (RFC 6962 section 2.1.1)."""
    size = len(leaves)
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is outside a tree of size {size}")
    if size == 1:
        return []
    k = _split(size)
    if index < k:
        return [*inclusion_path(index, leaves[:k]), root(leaves[k:])]
    return [*inclusion_path(index - k, leaves[k:]), root(leaves[:k])]


def consistency_path(old_size: int, leaves: Sequence[bytes]) -> list[bytes]:
    """Proof that the tree of the first ``old_size`` leaves is a prefix (RFC 6962 2.1.2)."""
    size = len(leaves)
    if not 0 < old_size <= size:
        raise ValueError(f"no consistency proof from size {old_size} to size {size}")
    return _subproof(old_size, leaves, True)


def _subproof(m: int, leaves: Sequence[bytes], complete: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [root(leaves)]
    k = _split(n)
    if m <= k:
        return [*_subproof(m, leaves[:k], complete), root(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], False), root(leaves[:k])]


def verify_inclusion(
    leaf: bytes, index: int, tree_size: int, path: Sequence[bytes], expected_root: bytes
) -> bool:
    """RFC 9162 section 2.1.3.2. ``leaf`` is the leaf hash."""
    if not 0 <= index < tree_size:
        return False
    fn, sn = index, tree_size - 1
    current = leaf
    for node in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            current = node_hash(node, current)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            current = node_hash(current, node)
        fn >>= 1
        sn >>= 1
    return sn == 0 and current == expected_root


def verify_consistency(
    old_size: int,
    new_size: int,
    old_root: bytes,
    new_root: bytes,
    path: Sequence[bytes],
) -> bool:
    """RFC 9162 section 2.1.4.2."""
    if old_size == new_size:
        return old_root == new_root and not path
    if not 0 < old_size < new_size:
        return False
    nodes = list(path)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is the first node
        nodes.insert(0, old_root)
    if not nodes:
        return False
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = nodes[0]
    for node in nodes[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(node, fr)
            sr = node_hash(node, sr)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, node)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root
