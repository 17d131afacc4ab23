"""Diarization error rate (DER): missed speech + false alarm + confusion, over reference speech.

Scored on 10 ms frames, with reference and hypothesis speakers matched one-to-one to maximise their
overlap (Hungarian assignment), and a forgiveness collar around every reference turn boundary
(frames within ``collar_ms`` either side are not scored), as NIST md-eval and pyannote.metrics do
(pyannote's ``collar=0.5`` is 250 ms each side). Overlapping speech is counted per speaker.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import permutations

import numpy as np

Turn = tuple[int, int, str]  # start ms, end ms, speaker label
STEP_MS = 10


@dataclass(frozen=True, slots=True)
class DerResult:
    """The parts of the error, in seconds of scored reference speech, and their sum's ratio."""

    total: float
    missed: float
    false_alarm: float
    confusion: float

    @property
    def der(self) -> float:
        return (self.missed + self.false_alarm + self.confusion) / self.total if self.total else 0.0


def diarization_error(
    reference: Sequence[Turn], hypothesis: Sequence[Turn], *, collar_ms: int = 250
) -> DerResult:
    """DER of ``hypothesis`` against ``reference`` (see the module docstring)."""
    end = max([t[1] for t in (*reference, *hypothesis)], default=0)
    n = end // STEP_MS + 1
    ref_ids = sorted({t[2] for t in reference})
    hyp_ids = sorted({t[2] for t in hypothesis})
    ref = _activity(reference, ref_ids, n)
    hyp = _activity(hypothesis, hyp_ids, n)
    scored = np.ones(n, bool)
    c = collar_ms // STEP_MS
    for start, stop, _ in reference:
        for edge in (start // STEP_MS, stop // STEP_MS):
            scored[max(0, edge - c) : edge + c] = False
    ref, hyp = ref[:, scored], hyp[:, scored]
    n_ref, n_hyp = ref.sum(0), hyp.sum(0)
    overlap = ref.astype(np.int64) @ hyp.T.astype(np.int64)  # frames each pair speaks together
    matched = _best_matching(overlap)
    correct = np.zeros(ref.shape[1], np.int64)
    for r, h in matched:
        correct += ref[r] & hyp[h]
    sec = STEP_MS / 1000
    return DerResult(
        total=float(n_ref.sum()) * sec,
        missed=float(np.maximum(0, n_ref - n_hyp).sum()) * sec,
        false_alarm=float(np.maximum(0, n_hyp - n_ref).sum()) * sec,
        confusion=float((np.minimum(n_ref, n_hyp) - correct).sum()) * sec,
    )


def _activity(turns: Sequence[Turn], ids: list[str], n: int) -> np.ndarray:
    act = np.zeros((len(ids), n), bool)
    for start, stop, who in turns:
        act[ids.index(who), start // STEP_MS : stop // STEP_MS] = True
    return act


def _best_matching(overlap: np.ndarray) -> list[tuple[int, int]]:
    """Reference-hypothesis pairs with the largest total overlap, each used at most once."""
    n_ref, n_hyp = overlap.shape
    if n_ref == 0 or n_hyp == 0:
        return []
    try:
        from scipy.optimize import linear_sum_assignment
    except ImportError:  # no scipy (the packaged app): few speakers, try every assignment
        if n_ref > n_hyp:
            return [(r, h) for h, r in _best_matching(overlap.T)]
        best = max(
            permutations(range(n_hyp), n_ref), key=lambda p: int(overlap[range(n_ref), p].sum())
        )
        return list(enumerate(best))
    rows, cols = linear_sum_assignment(-overlap)
    return [(int(r), int(c)) for r, c in zip(rows, cols, strict=True)]
