"""The app's task runner: work off the GUI thread, results back on it, owned by the QApplication."""

from __future__ import annotations

import threading
from concurrent.futures import Executor, Future
from typing import Any

from PySide6.QtWidgets import QApplication

from wavescribe.gui.engine_bridge import TaskRunner, install, run_task


class Synchronous(Executor):
    """Runs each task at once, on the calling thread."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        future.set_result(fn(*args, **kwargs))
        return future


def test_the_runner_is_the_applications_child_and_made_once() -> None:
    runner = install()
    assert runner.parent() is QApplication.instance()
    assert install() is runner


def test_results_and_errors_come_back_on_the_gui_thread(qtbot) -> None:
    seen: list[tuple[str, object, bool]] = []
    gui = threading.current_thread()

    def note(kind: str):
        return lambda value: seen.append((kind, value, threading.current_thread() is gui))

    run_task(lambda: threading.current_thread() is gui, note("done"))
    run_task(lambda: 1 / 0, None, note("error"))
    qtbot.waitUntil(lambda: len(seen) == 2)
    done = next(s for s in seen if s[0] == "done")
    error = next(s for s in seen if s[0] == "error")
    assert done[1] is False and done[2]  # ran on the pool, reported on the GUI thread
    assert isinstance(error[1], ZeroDivisionError) and error[2]


def test_a_runner_with_a_synchronous_pool_still_reports_through_the_event_loop(qtbot) -> None:
    app = QApplication.instance()
    runner = TaskRunner(app, Synchronous())
    try:
        got: list[int] = []
        assert runner.run(lambda: 42, got.append).result() == 42
        assert got == []  # queued, not called re-entrantly
        qtbot.waitUntil(lambda: got == [42])
    finally:
        runner.setParent(None)
        runner.deleteLater()
