"""The one progress throttle the CLI, the GUI and downloads share."""

from __future__ import annotations

from wavescribe.core.throttle import Throttle


def test_one_report_per_interval_and_edges_always() -> None:
    now = [100.0]
    throttle = Throttle(0.1, clock=lambda: now[0])
    assert throttle.ready()  # the first report goes out
    now[0] += 0.05
    assert not throttle.ready()
    assert throttle.ready(force=True)  # an edge (a stage starting or ending)
    now[0] += 0.09
    assert not throttle.ready()  # the interval restarted at the forced report
    now[0] += 0.01
    assert throttle.ready()
