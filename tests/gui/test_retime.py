"""Re-time selected cues to the speech: real refinement on JFK, off the GUI thread, one step."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QItemSelectionModel

from shared_data import JFK
from wavescribe.core.transcript import Segment, Transcript
from wavescribe.gui.editor.retime import plan as plan_retime

# JFK's three phrases, timed as a careless subtitle file would: cues end to end, far too long.
CUES = [
    (0, 5000, "And so, my fellow Americans,"),
    (5000, 8000, "ask not what your country\ncan do for you,"),
    (8000, 11000, "<i>ask what you can do for your country.</i>"),
]


@pytest.fixture(autouse=True)
def lite(monkeypatch):
    monkeypatch.setenv("WAVESCRIBE_REFINE_LITE", "1")  # ONNX Silero, as the packaged app


def _open(window, qtbot):
    t = Transcript([Segment(a, b, text) for a, b, text in CUES])
    window.workspace.add_transcript(JFK, t)
    qtbot.waitUntil(lambda: window.editor is not None and window.editor.samples is not None)
    return window.editor


def _select(editor, rows: list[int]) -> None:
    sel = editor.table.selectionModel()
    sel.clear()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for r in rows:
        sel.select(editor.model.index(r, 0), flags)


def _cues(editor):
    return [(s.start, s.end, s.text) for s in editor.stack.doc.segments]


def test_retime_selected_cues_snaps_them_to_the_speech_as_one_step(window, qtbot):
    editor = _open(window, qtbot)
    _select(editor, [0, 1, 2])
    with qtbot.waitSignal(editor.stack.changed, timeout=60_000):
        editor.actions_by_name["retime"].trigger()
        assert editor.retime_bar.isVisible()  # the work runs off the GUI thread, with a bar
    after = _cues(editor)
    assert [t for *_, t in after] == [t for *_, t in CUES]  # text, breaks and tags as written
    # JFK's speech: "And so..." from ~0.3 s, "ask not..." ~5.4-7.8 s, "ask what..." ~8.2-10.6 s
    (a0, b0, _), (a1, b1, _), (a2, b2, _) = after
    assert 200 <= a0 <= 600 and 3500 <= b0 <= 5000
    assert 5200 <= a1 <= 5700 and 7300 <= b1 < a2
    assert 8000 <= a2 <= 8500 and 10000 <= b2 <= 11000
    assert editor.stack.qstack.count() == 1
    assert editor.undo_action.text().startswith("&Undo Re-time 3 cues")
    editor.undo_action.trigger()
    assert _cues(editor) == CUES  # exactly as before


def test_retime_one_cue_leaves_its_neighbours_alone(window, qtbot):
    editor = _open(window, qtbot)
    _select(editor, [1])
    with qtbot.waitSignal(editor.stack.changed, timeout=60_000):
        editor.actions_by_name["retime"].trigger()
    after = _cues(editor)
    assert after[0] == CUES[0] and after[2] == CUES[2]
    assert after[1][2] == CUES[1][2] and after[1][0] >= 5200 and after[1][1] <= 8000
    assert after[1][:2] != CUES[1][:2]


def test_an_edit_while_retiming_wins(window, qtbot):
    editor = _open(window, qtbot)
    _select(editor, [0])
    messages: list[str] = []
    editor.message.connect(messages.append)
    editor.actions_by_name["retime"].trigger()
    editor.model.setData(editor.model.index(2, editor.model.TEXT), "typed meanwhile")
    qtbot.waitUntil(lambda: not editor.retimer.busy, timeout=60_000)
    assert any("edited meanwhile" in m for m in messages)
    assert _cues(editor)[0] == CUES[0]


def test_plan_takes_the_range_between_the_neighbours():
    from wavescribe.core.editing.document import SubtitleDocument
    from wavescribe.gui.editor.retime import plan

    doc = SubtitleDocument(Transcript([Segment(a, b, t) for a, b, t in CUES]))
    job = plan(doc, [1], 11_000)
    assert (job.first, job.last, job.window) == (1, 1, (5000, 8000))  # touching neighbours kept
    job = plan(doc, [2, 0], 12_000)  # not contiguous: the whole range, to the end of the audio
    assert (job.first, job.last, job.window) == (0, 2, (0, 12_000))
    assert plan(doc, [], 11_000) is None
    overlapping = SubtitleDocument(Transcript([Segment(0, 5200, "a"), Segment(5000, 8000, "b")]))
    assert plan(overlapping, [1], 11_000) is None  # the neighbour would be taken along
    zero = SubtitleDocument(Transcript([Segment(5000, 5000, ""), Segment(5000, 8000, "b")]))
    assert plan(zero, [1], 11_000) is None


def _words(segments) -> list[tuple[int, int, str]]:
    return [(w.start, w.end, w.text) for s in segments for w in s.words]


def _retimed_here(editor, word_alignment: bool):
    """What the re-timing of all three cues gives in this process (the reference)."""
    from wavescribe.core.refine.pipeline import retime_transcript

    transcript = Transcript([Segment(a, b, text) for a, b, text in CUES])
    job = plan_retime(editor.stack.doc, [0, 1, 2], len(editor.samples) * 1000 // 16_000)
    audio = editor.samples[: job.window[1] * 16]
    return retime_transcript(transcript, audio, editor.rules, word_alignment=word_alignment)


def test_words_in_the_cues_are_force_aligned_in_the_aligners_own_process(window, qtbot):
    """The boundaries between the words come from the forced alignment, as in transcription, run
    in a worker process (a native crash there cannot take the editor): the same words as the
    aligner gives here, not the cue shared out by character counts; its progress shows."""
    editor = _open(window, qtbot)
    _select(editor, [0, 1, 2])
    shown: list[tuple[str, float]] = []
    editor.retimer.progress.connect(lambda what, f: shown.append((what, f)))
    with qtbot.waitSignal(editor.stack.changed, timeout=60_000):
        editor.actions_by_name["retime"].trigger()
    aligned, spread = _retimed_here(editor, True), _retimed_here(editor, False)
    assert aligned.metadata["refinement"]["forced_alignment"]["failed_regions"] == 0
    assert _words(editor.stack.doc.segments) == _words(aligned.segments)
    assert _words(aligned.segments) != _words(spread.segments)
    assert any("timing words" in what and f >= 0 for what, f in shown), shown
    engine = editor.retimer._engine
    assert engine is not None and engine.model_path == "" and engine._proc.is_alive()
    editor.retimer.shutdown()
    assert editor.retimer._engine is None and not engine._proc


def test_a_crash_in_the_word_aligner_still_retimes_the_cues(window, qtbot):
    """The aligner's process dies (SIGSEGV) as it aligns: the cues are re-timed all the same,
    their words shared out by length, and the status bar says why; the next run aligns."""
    import os
    import signal

    editor = _open(window, qtbot)
    engine = editor.retimer._aligner()
    engine.start()
    sent = engine._conn.send

    def send_then_crash(msg) -> None:
        sent(msg)
        if msg[0] == "force_align":
            os.kill(engine._proc.pid, signal.SIGSEGV)

    engine._conn.send = send_then_crash
    messages: list[str] = []
    editor.message.connect(messages.append)
    _select(editor, [0, 1, 2])
    with qtbot.waitSignal(editor.stack.changed, timeout=60_000):
        editor.actions_by_name["retime"].trigger()
    assert any("words not aligned" in m and "SIGSEGV" in m for m in messages), messages
    assert _words(editor.stack.doc.segments) == _words(_retimed_here(editor, False).segments)
    editor.undo_action.trigger()
    _select(editor, [0, 1, 2])
    with qtbot.waitSignal(editor.stack.changed, timeout=60_000):
        editor.actions_by_name["retime"].trigger()
    assert _words(editor.stack.doc.segments) == _words(_retimed_here(editor, True).segments)


def test_a_cancel_before_the_aligner_runs_does_not_stop_the_next_run(window, qtbot):
    editor = _open(window, qtbot)
    messages: list[str] = []
    editor.message.connect(messages.append)
    _select(editor, [0, 1, 2])
    editor.actions_by_name["retime"].trigger()
    editor.retime_bar.cancel_button.click()
    qtbot.waitUntil(lambda: not editor.retimer.busy, timeout=60_000)
    assert "Re-timing cancelled: nothing changed" in messages
    assert _cues(editor) == CUES
    with qtbot.waitSignal(editor.stack.changed, timeout=60_000):
        editor.actions_by_name["retime"].trigger()
    assert _words(editor.stack.doc.segments) == _words(_retimed_here(editor, True).segments)


def test_cues_are_retimed_when_the_file_is_gone(window, qtbot, tmp_path):
    """The media file moved after it was opened: the editor still has its audio, so the cues
    are re-timed (words by length) and the status bar says why the words were not aligned."""
    import shutil

    copy = tmp_path / "jfk.flac"
    shutil.copy(JFK, copy)
    t = Transcript([Segment(a, b, text) for a, b, text in CUES])
    window.workspace.add_transcript(copy, t)
    qtbot.waitUntil(lambda: window.editor is not None and window.editor.samples is not None)
    editor = window.editor
    copy.unlink()
    messages: list[str] = []
    editor.message.connect(messages.append)
    _select(editor, [0, 1, 2])
    with qtbot.waitSignal(editor.stack.changed, timeout=60_000):
        editor.actions_by_name["retime"].trigger()
    assert any("words not aligned" in m for m in messages), messages
    assert _words(editor.stack.doc.segments) == _words(_retimed_here(editor, False).segments)
