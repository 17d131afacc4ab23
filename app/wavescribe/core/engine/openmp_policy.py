"""How whisper.cpp's OpenMP threads should wait for each other: spin briefly, or sleep at once.

libgomp reads ``OMP_WAIT_POLICY`` once, when the library loads, so the engine's worker decides
before it imports whisper.cpp. Measured here (tiny.en, 2 threads, greedy, 176 s of speech):

* idle machine: libgomp's default (spin a little, then sleep; what whisper-cli does) 7.9 s,
  ``PASSIVE`` (sleep at once) 11.0 s — every ggml sync pays a wake-up;
* one core taken by another process: default 19.0 s, ``PASSIVE`` 14.5 s — a spinning thread
  waits for one that is not running.

So the worker looks at how busy the CPUs are right now and keeps libgomp's default only when
every thread it will run has a core of its own. A user's own setting always wins.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

import psutil

SAMPLE_S = 0.05  # how long CPU use is sampled at worker start
HEADROOM = 0.25  # a core counts as free when at least 75 % of it was idle


def cpu_times() -> tuple[float, float] | None:
    """(idle, total) CPU seconds of all CPUs since boot (psutil); None where it cannot tell."""
    try:
        times = psutil.cpu_times()
    except (OSError, RuntimeError, NotImplementedError):
        return None
    counted = {k: v for k, v in times._asdict().items() if k not in ("guest", "guest_nice")}
    idle = counted["idle"] + counted.get("iowait", 0.0)  # guest time is already counted in user
    return idle, sum(counted.values())


def idle_cores(cores: int, sample_s: float = SAMPLE_S) -> float | None:
    """How many of ``cores`` were idle over a short sample; None where it cannot be told."""
    before = cpu_times()
    if before is None:
        return None
    time.sleep(sample_s)
    after = cpu_times()
    if after is None or after[1] <= before[1]:
        return None
    return cores * (after[0] - before[0]) / (after[1] - before[1])


def choose_wait_policy(env: Mapping[str, str], threads: int, free: float | None) -> str | None:
    """``"PASSIVE"``, or None to keep libgomp's default (brief spinning).

    ``free`` is the number of idle cores (None: unknown, which counts as busy).
    """
    if "OMP_WAIT_POLICY" in env:
        return None  # the user chose
    if free is not None and free >= threads - HEADROOM:
        return None
    return "PASSIVE"
