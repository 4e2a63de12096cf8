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
from numba import njit

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


def small_world(n: int, degree: int, rewire: float, rng: np.random.Generator, chunk: int = 1 << 18) -> Network:
    """Seeded Watts-Strogatz graph on ``n`` nodes, built in chunks without a Python loop per node.

    Each node links to the next ``degree/2`` nodes on the ring; a share ``rewire`` of links
    is moved to a random node; self-loops are dropped. A rewired link may duplicate an
    existing one (probability about ``rewire * degree / n`` per link); it is kept, so such
    a pair counts twice in word of mouth, which is negligible at the sizes simulated.

    Memory: node ids are int32 and so is ``indptr`` while there are fewer than 2^31 link
    ends; links are placed ``chunk`` at a time, so the peak is about 12 bytes per link end
    plus 16 per node (about 130 bytes per customer at degree 10) instead of a global sort.
    The order of neighbours within a row is not part of the contract (only the multiset is).
    """
    if n < 2:
        return Network(np.zeros(n + 1, dtype=np.int64), np.empty(0, dtype=np.int32))
    half = max(1, min(degree // 2, (n - 1) // 2))
    links = n * half
    src = np.repeat(np.arange(n, dtype=np.int32), half)
    dst = np.tile(np.arange(1, half + 1, dtype=np.int32), n)
    dst += src
    dst[dst >= n] -= n
    # Which links are rewired: uniforms drawn chunk by chunk (the same stream as one big draw).
    moved = np.concatenate(
        [start + np.flatnonzero(rng.random(min(chunk, links - start)) < rewire) for start in range(0, links, chunk)]
    )
    dst[moved] = rng.integers(0, n, size=moved.size, dtype=np.int32)
    del moved
    degree_of = np.bincount(src, minlength=n)
    degree_of += np.bincount(dst, minlength=n)
    loops = src[np.flatnonzero(src == dst)]  # self-loops (from rewiring) are dropped
    degree_of -= 2 * np.bincount(loops, minlength=n)
    total = int(degree_of.sum())
    index_type = np.int32 if total < 2**31 - 1 else np.int64
    indptr = np.zeros(n + 1, dtype=index_type)
    np.cumsum(degree_of, out=indptr[1:])
    del degree_of
    indices = np.empty(total, dtype=np.int32)
    fill = indptr[:-1].astype(np.int64)  # next free slot of each row
    _place_links(indices, fill, src, dst, chunk)
    return Network(indptr, indices)


@njit(cache=True)
def _place_links(indices, fill, src, dst, chunk):
    """Append each link ``src[k] - dst[k]`` (self-loops dropped) to both rows, advancing ``fill``.

    Chunk by chunk: first ``i -> j`` in row ``i`` for every link of the chunk, in link order,
    then ``j -> i`` in row ``j``; the rows' order is that of a stable sort of each chunk's links
    by row, as the placement has always been.
    """
    for start in range(0, src.size, chunk):
        stop = min(start + chunk, src.size)
        for k in range(start, stop):
            if src[k] != dst[k]:
                indices[fill[src[k]]] = dst[k]
                fill[src[k]] += 1
        for k in range(start, stop):
            if src[k] != dst[k]:
                indices[fill[dst[k]]] = src[k]
                fill[dst[k]] += 1
