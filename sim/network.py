"""Word-of-mouth network: a seeded small-world graph held as a compressed sparse row.

A Watts-Strogatz ring (each customer linked to ``degree/2`` neighbours on each side, a
share ``rewire`` of links moved to random customers) is built with numpy, without
networkx, so that it scales to millions of customers; :func:`to_networkx` converts a small
one for inspection. Segments are contiguous blocks of customers, so the ring mostly links
customers of the same segment (a business talks mostly to its peers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Network", "small_world"]


@dataclass(frozen=True)
class Network:
    """Undirected graph in CSR form: neighbours of ``i`` are ``indices[indptr[i]:indptr[i+1]]``."""

    indptr: np.ndarray
    indices: np.ndarray

    @property
    def size(self) -> int:
        return self.indptr.shape[0] - 1

    def degree(self) -> np.ndarray:
        return np.diff(self.indptr)

    def neighbours_of(self, nodes: np.ndarray) -> np.ndarray:
        """All neighbours of ``nodes`` concatenated (with repeats), as int64."""
        nodes = np.asarray(nodes, dtype=np.int64)
        if nodes.size == 0:
            return np.empty(0, dtype=np.int64)
        starts = self.indptr[nodes]
        counts = self.indptr[nodes + 1] - starts
        total = int(counts.sum())
        if total == 0:
            return np.empty(0, dtype=np.int64)
        # Positions starts[k] .. starts[k]+counts[k]-1 for every k, without a Python loop.
        offsets = np.repeat(starts - np.cumsum(counts) + counts, counts)
        positions = offsets + np.arange(total)
        return self.indices[positions].astype(np.int64, copy=False)

    def to_networkx(self):
        import networkx as nx

        graph = nx.Graph()
        graph.add_nodes_from(range(self.size))
        src = np.repeat(np.arange(self.size), self.degree())
        graph.add_edges_from(zip(src.tolist(), self.indices.tolist()))
        return graph


def small_world(n: int, degree: int, rewire: float, rng: np.random.Generator) -> Network:
    """Seeded Watts-Strogatz graph on ``n`` nodes (self-loops and duplicates removed)."""
    if n < 2:
        return Network(np.zeros(n + 1, dtype=np.int64), np.empty(0, dtype=np.int32))
    half = min(degree // 2, (n - 1) // 2) or 1
    src = np.repeat(np.arange(n, dtype=np.int64), half)
    dst = (src + np.tile(np.arange(1, half + 1, dtype=np.int64), n)) % n
    moved = rng.random(src.shape[0]) < rewire
    dst[moved] = rng.integers(0, n, size=int(moved.sum()))
    keep = src != dst
    src, dst = src[keep], dst[keep]
    # Both directions, then sort by source; drop duplicate links.
    a = np.concatenate([src, dst])
    b = np.concatenate([dst, src])
    key = a * n + b
    key = np.unique(key)
    a, b = key // n, key % n
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(a, minlength=n), out=indptr[1:])
    return Network(indptr, b.astype(np.int32))
