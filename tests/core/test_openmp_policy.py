"""The OpenMP wait policy the engine's worker picks: spin on free cores, sleep when they're busy."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from wavescribe.core.engine.openmp_policy import choose_wait_policy, cpu_times, idle_cores


def test_free_cores_keep_libgomp_default() -> None:
    assert choose_wait_policy({}, threads=2, free=1.9) is None
    assert choose_wait_policy({}, threads=4, free=3.8) is None


def test_busy_or_unknown_cores_sleep_at_once() -> None:
    assert choose_wait_policy({}, threads=2, free=1.2) == "PASSIVE"
    assert choose_wait_policy({}, threads=2, free=None) == "PASSIVE"


def test_the_users_own_setting_wins() -> None:
    assert choose_wait_policy({"OMP_WAIT_POLICY": "ACTIVE"}, threads=2, free=0.0) is None
    assert choose_wait_policy({"OMP_WAIT_POLICY": "PASSIVE"}, threads=2, free=2.0) is None


def test_a_busy_core_is_seen_as_busy() -> None:
    """A real spinning process takes one core away from what ``idle_cores`` reports."""
    cores = os.cpu_count() or 1
    idle, total = cpu_times() or (0, 0)
    assert 0 < idle < total
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.3)  # let it get going
        free = idle_cores(cores, sample_s=0.3)
    finally:
        spinner.kill()
        spinner.wait()
    assert free is not None
    assert free <= cores - 0.7, f"{free:.2f} of {cores} cores idle with one spinning"
    assert choose_wait_policy({}, threads=cores, free=free) == "PASSIVE"
