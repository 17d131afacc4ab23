"""Grouping speaker embeddings into speakers, with an automatic count the user can bound.

Average-linkage agglomerative clustering on cosine distance (:mod:`.linkage`, numpy), cut where
the closest two groups are further apart than :data:`THRESHOLD`, chosen on the conversations of
``benchmarks/diarization.py`` over six layout seeds (42 conversations; ``--seeds 1,2,3,4,5,6``):
0.38 found the count in 38 and let one 2-speaker DER reach 0.22 (a voice split in two); 0.41 finds
it in 41 (worst DER 0.12); 0.44 and up merge two different voices. Groups
smaller than :data:`MIN_SHARE` of the windows at that cut are not counted as speakers: they are
windows that straddle a change of speaker, laughter, or noise. The count is then clamped to the
user's bounds, the largest groups become seeds, and every window goes to the nearest seed
centroid (a few rounds of spherical k-means), which repairs the greedy merges of the tree.
"""

from __future__ import annotations

import numpy as np

from wavescribe.core.speakers.count import AUTO, SpeakerCount
from wavescribe.core.speakers.linkage import AverageLinkage

THRESHOLD = 0.41  # cosine distance at which the tree is cut (see the module docstring)
MIN_SHARE = 0.08  # a group needs this share of the windows (and 2 of them) to count as a speaker
ROUNDS = 5


def cluster(embeddings: np.ndarray, count: SpeakerCount = AUTO) -> np.ndarray:
    """A speaker label (0..k-1) per L2-normed embedding row."""
    n = len(embeddings)
    if n == 0:
        return np.zeros(0, np.int64)
    if n == 1 or count.high == 1:
        return np.zeros(n, np.int64)
    tree = AverageLinkage(np.clip(1.0 - embeddings @ embeddings.T, 0.0, 2.0))
    cut = tree.cut_at(THRESHOLD)
    found = max(1, len(_significant(cut)))
    k = int(min(max(found, count.low), count.high, n))
    if k == 1:
        return np.zeros(n, np.int64)
    seeds = _significant(cut)
    m = len(set(cut.tolist()))
    while len(seeds) < k and m < n:  # need more speakers than the threshold gave: cut deeper
        m += 1
        seeds = _significant(tree.clusters(m))
        if len(seeds) < k and m == n:
            break
    if len(seeds) < k:
        seeds = _largest(tree.clusters(k), k)
    return _refine(embeddings, seeds[:k])


def _significant(labels: np.ndarray) -> list[np.ndarray]:
    """Member masks of the groups big enough to be speakers, largest first."""
    n = len(labels)
    groups = [labels == v for v in np.unique(labels)]
    big = [g for g in groups if g.sum() >= max(2, MIN_SHARE * n)]
    return sorted(big, key=lambda g: -int(g.sum()))


def _largest(labels: np.ndarray, k: int) -> list[np.ndarray]:
    groups = [labels == v for v in np.unique(labels)]
    return sorted(groups, key=lambda g: -int(g.sum()))[:k]


def _refine(embeddings: np.ndarray, seeds: list[np.ndarray]) -> np.ndarray:
    """Spherical k-means from the seed groups; labels renumbered by first appearance."""
    centroids = np.stack([_unit(embeddings[g].mean(0)) for g in seeds])
    labels = np.argmax(embeddings @ centroids.T, axis=1)
    for _ in range(ROUNDS):
        keep = [k for k in range(len(centroids)) if (labels == k).any()]
        centroids = np.stack([_unit(embeddings[labels == k].mean(0)) for k in keep])
        new = np.argmax(embeddings @ centroids.T, axis=1)
        if np.array_equal(new, labels):
            break
        labels = new
    _, first = np.unique(labels, return_index=True)
    order = {int(labels[i]): rank for rank, i in enumerate(sorted(first))}
    return np.array([order[int(v)] for v in labels], np.int64)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / max(float(np.linalg.norm(v)), 1e-12)
