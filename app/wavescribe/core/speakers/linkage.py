"""Average-linkage (UPGMA) agglomerative clustering in numpy, by the nearest-neighbour chain.

scipy has it, but the packaged app leaves scipy out (tens of MB for one function). The chain
algorithm merges reciprocal nearest neighbours, which for a reducible linkage such as the average
gives the same tree as merging the globally closest pair each time, in O(n^2) time and memory:
each step is one ``argmin`` over a row and a Lance-Williams row update
(d(k, a+b) = (|a| d(k, a) + |b| d(k, b)) / (|a| + |b|)). Merges sorted by distance then give any
cut: all merges under a distance, or the first n-k for k clusters.
``tests/core/test_speakers_diarize.py`` checks the partitions against scipy's.
"""

from __future__ import annotations

import numpy as np


class AverageLinkage:
    """The merge tree of ``n`` items from their ``(n, n)`` symmetric distance matrix."""

    def __init__(self, distances: np.ndarray) -> None:
        d = np.array(distances, dtype=np.float64)
        self.n = n = len(d)
        np.fill_diagonal(d, np.inf)
        size = np.ones(n)
        merges: list[tuple[float, int, int]] = []
        chain: list[int] = []
        alive = list(range(n))
        removed = np.zeros(n, bool)
        while len(merges) < n - 1:
            if not chain:
                while removed[alive[-1]]:
                    alive.pop()
                chain.append(alive[-1])
            a = chain[-1]
            b = int(np.argmin(d[a]))
            if len(chain) > 1 and d[a, chain[-2]] <= d[a, b]:
                b = chain[-2]  # ties go back down the chain, so it always ends
            if len(chain) < 2 or b != chain[-2]:
                chain.append(b)
                continue
            chain.pop()
            chain.pop()
            merges.append((float(d[a, b]), a, b))
            row = (size[a] * d[a] + size[b] * d[b]) / (size[a] + size[b])
            d[a], d[:, a] = row, row
            d[a, a] = np.inf
            d[b], d[:, b] = np.inf, np.inf
            size[a] += size[b]
            removed[b] = True
        self.merges = sorted(merges, key=lambda m: m[0])

    def clusters(self, k: int) -> np.ndarray:
        """Labels (1..k) when the tree is cut into ``k`` clusters."""
        k = max(1, min(k, self.n))
        return self._labels(self.n - k)

    def cut_at(self, distance: float) -> np.ndarray:
        """Labels when every merge closer than or at ``distance`` is made."""
        return self._labels(sum(1 for m in self.merges if m[0] <= distance))

    def _labels(self, count: int) -> np.ndarray:
        parent = list(range(self.n))

        def root(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for _, a, b in self.merges[:count]:
            parent[root(b)] = root(a)
        roots = [root(i) for i in range(self.n)]
        numbers: dict[int, int] = {}
        return np.array([numbers.setdefault(r, len(numbers) + 1) for r in roots], np.int64)
