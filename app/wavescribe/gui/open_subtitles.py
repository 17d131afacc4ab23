"""Open existing subtitles with their audio or video, to edit them without transcribing.

File → Open Subtitles…, a dropped ``.srt``/``.vtt`` (with or without its media in the same drop)
and ``wavescribe FILE.srt MEDIA`` all end in :meth:`SubtitleOpener.open`. The media is the one
given; else the user is asked, the dialog starting at the media this subtitle file was last opened
with (remembered in QSettings) or a media file with the same name beside it. The file is read off
the GUI thread by ``core.formats`` (tags, line breaks, VTT identifiers and settings kept) and shown
as a finished job, like an opened project. Save Subtitles writes it back to that file in its
format: unedited, a well-formed file comes back byte for byte.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QFileDialog, QWidget

from wavescribe.core.formats.cues import FILE_KEY
from wavescribe.gui import settings
from wavescribe.gui.engine_bridge import run_task
from wavescribe.gui.errors import show_error
from wavescribe.gui.media_types import MEDIA_FILTER, MEDIA_SUFFIXES

if TYPE_CHECKING:
    from wavescribe.core.jobs import Job
    from wavescribe.core.transcript import Transcript
    from wavescribe.gui.workspace import Workspace

SUBTITLE_SUFFIXES = (".srt", ".vtt")  # the timed formats core.formats reads (JSON: a transcript)
SUBTITLE_FILTER = "Subtitles (*.srt *.vtt);;Wavescribe transcript (*.json);;All files (*)"
LAST_SUBTITLE_DIR = "subtitles/last_dir"
MEDIA_PAIRS = "subtitles/media"  # group: subtitle path -> the media it was opened with


def is_subtitle(path: str | Path) -> bool:
    return Path(path).suffix.lower() in SUBTITLE_SUFFIXES


def ask_subtitle_path(parent: QWidget | None) -> Path | None:
    """Native open dialog for the subtitle file; tests replace this function."""
    folder = settings.get_dir(LAST_SUBTITLE_DIR)
    chosen, _ = QFileDialog.getOpenFileName(parent, "Open Subtitles", folder, SUBTITLE_FILTER)
    return Path(chosen) if chosen else None


def ask_media_path(parent: QWidget | None, subtitle: Path, offered: Path | None) -> Path | None:
    """Ask for the audio or video of ``subtitle``, starting at ``offered``; tests replace this."""
    start = str(offered) if offered is not None else str(subtitle.parent)
    chosen, _ = QFileDialog.getOpenFileName(
        parent, f"Audio or Video for {subtitle.name}", start, f"{MEDIA_FILTER};;All files (*)"
    )
    return Path(chosen) if chosen else None


def remembered_media(subtitle: Path) -> Path | None:
    """The media ``subtitle`` was last opened with, if that file is still there."""
    value = _pairs().value(_key(subtitle), "")
    path = Path(str(value)) if value else None
    return path if path is not None and path.is_file() else None


def remember_media(subtitle: Path, media: Path) -> None:
    _pairs().setValue(_key(subtitle), str(media.absolute()))


def media_beside(subtitle: Path) -> Path | None:
    """A media file named like ``subtitle`` in its folder (``film.en.srt`` → ``film.mkv``)."""
    stems = {subtitle.stem, subtitle.stem.split(".")[0]}
    try:
        candidates = sorted(subtitle.parent.iterdir())
    except OSError:
        return None
    for c in candidates:
        if c.suffix.lower() in MEDIA_SUFFIXES and c.stem in stems and c.is_file():
            return c
    return None


def pair_up(paths: Iterable[str | Path]) -> tuple[list[tuple[Path, Path | None]], list[Path]]:
    """Split dropped or command-line paths into (subtitle, media or None) pairs and the rest.

    With exactly one media file among them, every subtitle file goes with it; otherwise a subtitle
    file takes the media with its name, else none (the user is asked), and media files are queued.
    """
    all_paths = [Path(p).expanduser() for p in paths]
    subs = [p for p in all_paths if is_subtitle(p)]
    media = [p for p in all_paths if not is_subtitle(p)]
    if not subs:
        return [], media
    playable = [p for p in media if p.suffix.lower() in MEDIA_SUFFIXES]
    if len(playable) == 1:
        return [(s, playable[0]) for s in subs], [p for p in media if p != playable[0]]
    pairs: list[tuple[Path, Path | None]] = []
    used: set[Path] = set()
    for s in subs:
        match = next((m for m in playable if m.stem in (s.stem, s.stem.split(".")[0])), None)
        pairs.append((s, match))
        if match is not None:
            used.add(match)
    return pairs, [p for p in media if p not in used]


class SubtitleOpener(QObject):
    """Opens subtitle files as finished jobs and writes them back (Save Subtitles)."""

    opened = Signal(object)  # the Job
    saved = Signal(str)  # the path written

    def __init__(self, window: QWidget, workspace: Workspace) -> None:
        super().__init__(window)
        self._window = window
        self._workspace = workspace

    def ask_and_open(self) -> None:
        subtitle = ask_subtitle_path(self._window)
        if subtitle is not None:
            self.open(subtitle)

    def open(self, subtitle: Path, media: Path | None = None) -> None:
        """Open ``subtitle`` with ``media`` (asked for when None); errors are one message box."""
        subtitle = Path(subtitle).absolute()
        settings.set_dir(LAST_SUBTITLE_DIR, subtitle.parent)
        if media is None:
            media = ask_media_path(
                self._window, subtitle, remembered_media(subtitle) or media_beside(subtitle)
            )
            if media is None:
                return
        media = Path(media).absolute()

        def read() -> tuple[Transcript, list[str]]:
            from wavescribe.core import formats

            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", formats.SubtitleWarning)
                transcript = formats.read(subtitle)
            return transcript, [str(w.message) for w in caught]

        def done(result: tuple[Transcript, list[str]]) -> None:
            transcript, notes = result
            remember_media(subtitle, media)
            # kept with the transcript: in its project and autosave, so Save Subtitles still
            # knows the file after a restart
            transcript.metadata.setdefault(FILE_KEY, {})["path"] = str(subtitle)
            job = self._workspace.add_transcript(media, transcript)
            n = len(transcript.segments)
            said = f"Opened {subtitle.name}: {n} subtitle{'s' if n != 1 else ''}"
            self._workspace.status.emit(said + (f" ({notes[0]})" if notes else ""))
            self.opened.emit(job)

        run_task(read, done, lambda exc: show_error(self._window, exc, subtitle.name))

    def file_of(self, job: Job | None) -> Path | None:
        """The subtitle file ``job`` was opened from (None: a transcription, or unknown)."""
        if job is None or job.transcript is None:
            return None
        style = job.transcript.metadata.get(FILE_KEY)
        path = style.get("path") if isinstance(style, dict) else None
        return Path(path) if isinstance(path, str) and path else None

    def save(
        self,
        job: Job,
        on_saved: Callable[[], None] | None = None,
        on_abort: Callable[[], None] | None = None,
    ) -> None:
        """Write ``job``'s transcript back to the subtitle file it was opened from (atomically);
        then ``on_saved``, or ``on_abort`` when nothing was written.

        The text is made here, on the GUI thread (milliseconds even for thousands of cues), so
        what is written is the transcript as it is now, whatever is edited while it is written.
        """
        from wavescribe.core import formats
        from wavescribe.core.atomic import write_text_atomic

        target, transcript = self.file_of(job), job.transcript
        if target is None or transcript is None:
            if on_abort is not None:
                on_abort()
            return
        try:
            text = formats.to_string(transcript, formats.format_for_path(target))
        except formats.UnsupportedSubtitleFormat as exc:
            show_error(self._window, exc, target.name)
            if on_abort is not None:
                on_abort()
            return

        def write() -> str:
            write_text_atomic(target, text)
            return str(target)

        def done(path: str) -> None:
            self.saved.emit(path)
            if on_saved is not None:
                on_saved()

        def failed(exc: BaseException) -> None:
            show_error(self._window, exc, target.name)
            if on_abort is not None:
                on_abort()

        run_task(write, done, failed)


def _pairs() -> QSettings:
    return settings.settings()


def _key(subtitle: Path) -> str:
    # QSettings keys treat "/" as groups and "\\" specially: hex keeps any path one flat key.
    return f"{MEDIA_PAIRS}/{str(subtitle.resolve()).encode('utf-8', 'surrogateescape').hex()}"
