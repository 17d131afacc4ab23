"""The subtitle rules chosen in Options drive the open transcript's warnings, at once."""

from __future__ import annotations

from PySide6.QtCore import Qt
from test_options import open_dialog

from shared_data import JFK
from wavescribe.core.editing.rule_check import Rule
from wavescribe.core.transcript import Segment, Transcript
from wavescribe.gui.editor.segment_model import WARN


def _open(window, qtbot) -> None:
    t = Transcript(
        [
            Segment(0, 2500, "This line has fifty characters,\nall of them read."),  # 20 cps
            Segment(3000, 4000, "calm"),  # 1 s
            Segment(5200, 7500, "a gap of 200 ms after me"),
            Segment(7700, 9000, "last"),
        ]
    )
    window.workspace.add_transcript(JFK, t)
    qtbot.waitUntil(lambda: window.editor is not None and window.editor.model is not None)


def _rules(window, row: int) -> list[Rule]:
    return [v.rule for v in window.editor.model.warnings(row)]


def test_options_rules_recheck_the_open_transcript(window, qtbot):
    _open(window, qtbot)
    model = window.editor.model
    assert _rules(window, 0) == [Rule.TOO_FAST]
    cps = model.index(0, model.CPS)
    assert model.data(cps, Qt.ItemDataRole.ForegroundRole).color() == WARN
    assert _rules(window, 1) == [] and _rules(window, 2) == []

    dialog = open_dialog(qtbot, window.options_action.trigger)
    dialog.max_cps.setValue(25.0)
    dialog.min_gap.setValue(300)
    dialog.min_duration.setValue(2.1)
    dialog.accept()

    assert window.editor.model is model  # the same list, re-checked in place
    assert _rules(window, 0) == []  # 20 cps is within 25
    assert model.data(cps, Qt.ItemDataRole.ForegroundRole) is None
    assert _rules(window, 1) == [Rule.TOO_SHORT]  # 1 s < 2.1 s
    assert _rules(window, 2) == [Rule.GAP_TOO_SMALL]  # 200 ms < 300
    assert "at least 300" in model.data(model.index(2, model.START), Qt.ItemDataRole.ToolTipRole)
    rules = window.workspace.defaults.rules
    assert (rules.max_cps, rules.min_gap_ms, rules.min_duration_ms) == (25.0, 300, 2100)


def test_the_next_editor_and_job_use_the_saved_rules(window, qtbot):
    dialog = open_dialog(qtbot, window.options_action.trigger)
    dialog.max_cps.setValue(10.0)
    dialog.accept()
    _open(window, qtbot)  # the editor is made after the change
    assert window.editor.rules.max_cps == 10.0
    assert _rules(window, 2) == [Rule.TOO_FAST]  # 24 characters in 2.3 s: 10.4 cps
