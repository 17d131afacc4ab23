"""Screenshots of the real app on a real X display (Xvfb): ``python tests/screenshots.py [OUT]``.

Starts ``Xvfb :99`` unless ``DISPLAY`` is already set, runs the app with a fresh data folder (so
it is a first run: the starter model gets prepared) and fresh settings, drives it as a person
would and saves PNGs into OUT (default ``out/screenshots/``):

  01-empty.png          the first-run window
  02-job-running.png    files queued, one transcribing, its subtitles arriving
  03-finished.png       a finished transcript
  04-model-manager.png  the model manager (gui/models/manager.py)
  05-options.png        the transcription options
  06-about.png          the About box with the backend
  07-editor-whole-file.png  the editor on the finished (refined) transcript, the whole file
  08-editor-word-zoom.png   the same zoomed to ~5-15 ms per pixel on a cue: its words drawn
  09-editor-suspect.png     a cue flagged suspect (amber band, badge and row), reached with F8,
                            and a Shift+dragged span ready to re-transcribe
  10-editor-video.png       a video opened with its subtitles: the frame at the playhead with
                            the cue drawn over it, beside the waveform, the transport above
  11-transport.png          the transport bar alone (play/pause, time field, duration, speed)

``--only video`` takes only 10 and 11 (no transcription: a few seconds).
  12-opened-srt-video.png   an SRT opened with its video (File → Open Subtitles…), no transcribing
  13-flagged-cue.png        an opened SRT on JFK, a cue too fast to read flagged in the list
                            (its tooltip says why), the waveform at View → Waveform Gain → Auto

``--only subtitles`` takes only 12 and 13 (no transcription: seconds instead of minutes).

Needs Xvfb and Qt's xcb libraries (see shared/NOTES.md, "Qt on a real X display").
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # speech_synth, shared_data


def start_xvfb(display: str = ":99") -> subprocess.Popen | None:
    """A virtual display, unless one is already set."""
    if os.environ.get("DISPLAY"):
        return None
    from xvfb import start_xvfb as start

    return start(display)


def make_speech(folder: Path) -> Path:
    """About 45 s of spoken sentences, so there is time to catch a job mid-way."""
    import numpy as np

    import speech_synth as synth

    audio, _ = synth.compose(synth.SENTENCES, [900, 1400, 700, 1200, 1000])
    return synth.write_wav(folder / "interview.wav", np.tile(audio, 2))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default="out/screenshots", type=Path)
    parser.add_argument("--only", choices=["video", "subtitles"], help="take only these shots")
    args = parser.parse_args()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    xvfb = start_xvfb()
    scratch = Path(tempfile.mkdtemp(prefix="wavescribe-shots-"))
    os.environ["WAVESCRIBE_DATA_DIR"] = str(scratch / "data")
    os.environ["XDG_CONFIG_HOME"] = str(scratch / "config")
    os.environ.pop("QT_QPA_PLATFORM", None)
    try:
        if args.only == "subtitles":
            return shoot(out, None, scratch)
        return shoot(out, make_speech(scratch), scratch, args.only)
    finally:
        if xvfb is not None:
            xvfb.terminate()
            xvfb.wait()
        shutil.rmtree(scratch, ignore_errors=True)


def shoot(out: Path, speech: Path | None, scratch: Path, only: str | None = None) -> int:
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication, QWidget

    from shared_data import JFK
    from wavescribe.core.jobs import JobState
    from wavescribe.gui.app import create_app
    from wavescribe.gui.main_window import MainWindow

    app = create_app()
    print(f"Qt platform: {app.platformName()} on DISPLAY={os.environ.get('DISPLAY')}")
    window = MainWindow()
    window.resize(1100, 720)
    window.show()

    def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out waiting for {what}")
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
            time.sleep(0.01)

    def settle(seconds: float = 0.4) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)

    def save(widget: QWidget, name: str) -> None:
        settle()
        path = out / name
        if not widget.grab().save(str(path)):
            raise OSError(f"could not write {path}")
        print(f"wrote {path}")

    def top(name: str) -> QWidget | None:
        for w in QApplication.topLevelWidgets():
            if w.isVisible() and (w.objectName() == name or type(w).__name__ == name):
                return w
        return None

    if speech is None:
        shoot_subtitles(window, scratch, wait_for, save)
        QTimer.singleShot(0, window.close)
        window.projects.discard(window.projects.unsaved_jobs())
        settle(0.2)
        window.workspace.shutdown()
        return 0

    label = window.first_run.model_label
    wait_for(lambda: "Looking" not in label.text(), 30, "the model description")
    ws = window.workspace
    if only == "video":
        shoot_video(window, wait_for, save)
        QTimer.singleShot(0, window.close)
        settle(0.2)
        ws.shutdown()
        return 0
    save(window, "01-empty.png")

    jobs = ws.add_files([speech, JFK])
    running = jobs[0]
    wait_for(
        lambda: running.state is JobState.TRANSCRIBING and len(running.segments) >= 3,
        300,
        "a job under way",
    )
    save(window, "02-job-running.png")

    wait_for(lambda: all(j.state.finished for j in jobs), 600, "the jobs to finish")
    ws.show_job(running.id)
    window.transcript_view.selectRow(2)
    save(window, "03-finished.png")

    shoot_editor(window, wait_for, save)
    shoot_video(window, wait_for, save)
    shoot_subtitles(window, scratch, wait_for, save)

    window.open_models()
    settle(1.5)
    manager = top("ModelManagerDialog")
    if manager is not None:
        save(manager, "04-model-manager.png")
        manager.close()
    else:
        print("no model manager yet: 04-model-manager.png skipped")

    window.edit_default_options()
    options = top("optionsDialog")
    if options is not None:
        save(options, "05-options.png")
        options.close()

    window.show_about()
    about = top("aboutDialog")
    if about is not None:
        wait_for(lambda: "Backend: asking" not in about.backend.text(), 60, "the backend line")
        save(about, "06-about.png")
        about.close()

    QTimer.singleShot(0, window.close)
    settle(0.2)
    ws.shutdown()
    window.projects.clean_exit()
    return 0


def shoot_editor(window, wait_for: Callable[..., None], save: Callable[..., None]) -> None:
    """The waveform editor at whole-file zoom, then on one cue, close enough to see its words."""
    from wavescribe.gui.editor.timeline.waveform_view import WORDS_BELOW_MS_PER_PX

    editor = window.editor
    if editor is None or window.lower_pages.currentWidget() is not editor:
        raise RuntimeError("the finished transcript did not open in the editor")
    wf = editor.waveform
    wait_for(lambda: wf.pyramid is not None and editor.samples is not None, 60, "the waveform")
    cues = editor.stack.doc
    # a cue of several words, near the middle: the one whose words are shown
    wordy = [i for i in range(len(cues)) if len(cues[i].words) >= 4] or list(range(len(cues)))
    index = wordy[len(wordy) // 2]
    editor.select(index)
    wf.fit_all()
    save(window, "07-editor-whole-file.png")

    seg = cues[index]
    wf.zoom_to_selection()
    span = (seg.end - seg.start) * 1.25
    wf.viewport.set_zoom(min(max(span / max(wf.width(), 1), 5.0), WORDS_BELOW_MS_PER_PX - 1))
    wf.scroll_to(max(seg.start - (wf.viewport.visible_ms - (seg.end - seg.start)) / 2, 0))
    print(f"word zoom: cue {index + 1}, {wf.viewport.ms_per_px:.1f} ms per pixel")
    save(window, "08-editor-word-zoom.png")
    wf.fit_all()
    shoot_suspect(window, save)


def shoot_suspect(window, save: Callable[..., None]) -> None:
    """A cue flagged the way the loop guard flags one (this clean speech has none of its own),
    reached with Next suspect cue, and a span selected after it."""
    from wavescribe.core.editing.commands import SetSuspect

    editor = window.editor
    cues = editor.stack.doc
    index = min(3, len(cues) - 1)
    editor.stack.push(SetSuspect(index, "repeats the cue before"))
    editor.select(-1)
    editor.actions_by_name["next_suspect"].trigger()
    wf = editor.waveform
    seg = cues[index]
    wf.zoom_to_selection()
    wf.zoom(-2)  # its neighbours in view too
    wf.set_span((seg.end + 300, seg.end + 3000))
    save(window, "09-editor-suspect.png")
    editor.stack.undo()
    wf.set_span(None)


def shoot_video(window, wait_for: Callable[..., None], save: Callable[..., None]) -> None:
    """A video with its subtitles open in the editor, the playhead inside a two-line cue."""
    from shared_data import BUNNY
    from wavescribe.core.transcript import Segment, SourceInfo, Transcript

    segs = [
        Segment(300, 1700, "Morning in the meadow."),
        Segment(1900, 3600, "A big rabbit wakes up in his burrow\nand stretches in the sun."),
        Segment(3800, 5100, "<i>Somewhere, a bird sings.</i>"),
    ]
    transcript = Transcript(segs, "en", SourceInfo(str(BUNNY), 5312))
    window.workspace.add_transcript(str(BUNNY), transcript)
    editor = window.editor
    wait_for(lambda: editor.video.frame is not None and editor.samples is not None, 60, "a frame")
    editor.select(1)
    editor.player.seek(2640)
    wait_for(lambda: editor.video.frame.start_ms == 2640, 10, "the frame at 2.64 s")
    save(window, "10-editor-video.png")
    save(editor.transport, "11-transport.png")


def shoot_subtitles(window, scratch: Path, wait_for: Callable[..., None], save: Callable) -> None:
    """Subtitles opened with their media, as File → Open Subtitles… does (the dialogs answered)."""
    from PySide6.QtCore import Qt

    from shared_data import DATA, JFK
    from wavescribe.gui.editor.segment_model import SegmentModel

    def open_pair(subtitle: Path, media: Path) -> None:
        window.subtitles.open(subtitle, media)
        wait_for(lambda: window.subtitles.file_of(window.workspace.shown) == subtitle, 30, "it")
        editor = window.editor
        wait_for(lambda: editor.samples is not None and editor.waveform.pyramid, 60, "the wave")

    video = DATA / "formats" / "video" / "big_buck_bunny_small.mp4"
    srt = scratch / "big_buck_bunny_small.srt"
    shutil.copyfile(DATA / "subtitles" / "androidx_media" / "subrip" / "typical.srt", srt)
    open_pair(srt, video)
    window.editor.waveform.set_display_gain("auto")  # the clip's audio is quiet
    window.editor.select(1)
    window.editor.waveform.fit_all()
    save(window, "12-opened-srt-video.png")

    jfk_srt = scratch / "jfk.srt"
    jfk_srt.write_text(
        "1\n00:00:00,300 --> 00:00:02,700\n<i>And so, my fellow Americans,</i>\n\n"
        "2\n00:00:03,400 --> 00:00:05,000\nask not what your country can do for you,\n"
        "ask what you can do for your country.\n\n"
        "3\n00:00:05,000 --> 00:00:10,600\n{\\an8}(applause)\n",
        encoding="utf-8",
    )
    open_pair(jfk_srt, JFK)
    editor = window.editor
    editor.waveform.set_display_gain("auto")
    editor.select(0)  # the flagged cue unselected, so its warning colour shows
    editor.waveform.fit_all()
    why = editor.model.data(editor.model.index(1, SegmentModel.START), Qt.ItemDataRole.ToolTipRole)
    window.statusBar().showMessage("Cue 2: " + why.replace("\n", "; "))  # its tooltip
    save(window, "13-flagged-cue.png")


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)  # PySide6 6.12 can crash tearing down at exit; the PNGs are written
