"""Several whisper.cpp decoders for speech-first windows, and how many to run.

The pywhispercpp 1.5.1 binding has no ``whisper_init_state`` / ``whisper_full_with_state``, so a
decoder here is a whole context: the model loaded once more. ``_pywhispercpp.whisper_full``
releases the GIL (a Python thread counted millions of loop turns while another decoded JFK), so
Python threads, each with its own context, decode at the same time.

Measured on the 2-core VM (JFK twice, tiny.en, 1 thread per decoder, another job running):
sequential 5.09 s, two threads with two contexts 3.80 s. Against one decoder with both threads
(what the automatic choice keeps there), see ``benchmarks/README.md``.
"""

from __future__ import annotations

import queue
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

THREADS_PER_DECODER = 4  # whisper.cpp's encoder scales well to about here, less beyond
MAX_DECODERS = 4
MEMORY_SHARE = 0.5  # extra model copies may take at most this share of the free memory


def auto_decoders(threads: int, model_bytes: int, available_bytes: int) -> int:
    """Decoders for ``threads`` CPU threads: one per ``THREADS_PER_DECODER`` (one below 8
    threads, so a small machine keeps all its threads on one decoder), as many extra model copies
    as fit in half the free memory."""
    if threads < 2 * THREADS_PER_DECODER:
        return 1
    n = min(MAX_DECODERS, threads // THREADS_PER_DECODER)
    per_copy = max(1, int(model_bytes * 1.3) + 150_000_000)
    fit = 1 + int(available_bytes * MEMORY_SHARE) // per_copy
    return max(1, min(n, fit))


class DecoderPool:
    """Contexts lent one at a time: a thread decodes with the one it borrowed, then returns it."""

    def __init__(self, contexts: list[Any]) -> None:
        self.size = len(contexts)
        self._free: queue.Queue[Any] = queue.Queue()
        for ctx in contexts:
            self._free.put(ctx)

    @contextmanager
    def borrow(self) -> Iterator[Any]:
        ctx = self._free.get()
        try:
            yield ctx
        finally:
            self._free.put(ctx)
