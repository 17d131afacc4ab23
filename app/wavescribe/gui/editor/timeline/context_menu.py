"""The waveform's right-click menus: on a cue (split at a word or the playhead, merge, delete,
re-transcribe, mark a suspect cue as checked, ...) and on a Shift+dragged time span; and
:class:`CueMenus`, the view's side of them (which menu a click gets, splitting at a word).

The cue gestures the editor already owns (split at the playhead, merge, delete, play) come in as
its own ``QAction``s, so the menu shows the same shortcuts as the help sheet and runs the same
code; splitting at the word under the mouse and editing text in place are the waveform's own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QAction, QContextMenuEvent, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

from wavescribe.core.transcript import Word
from wavescribe.gui.editor.transcript_view import format_ms

if TYPE_CHECKING:
    from wavescribe.core.editing.document import SubtitleDocument
    from wavescribe.core.editing.timing_controller import TimingController
    from wavescribe.gui.editor.timeline.geometry import Viewport
    from wavescribe.gui.editor.undo import EditStack

WORDS_BELOW_MS_PER_PX = 15.0  # word timings are drawn (and offered for a split) this far in

# Editor actions offered on a cue, in menu order; a name the editor did not provide is left out.
EDITOR_ACTIONS = ("split", "merge", "delete", "play_cue", "retranscribe", "align_text")
LABELS = {
    "split": "Split at playhead",
    "merge": "Merge with next",
    "delete": "Delete cue",
    "play_cue": "Play cue",
    "retranscribe": "Re-transcribe…",
    "align_text": "Align text…",
    "mark_checked": "Mark as checked",
}


def word_index_at(words: Sequence[Word], ms: int) -> int | None:
    """The word under ``ms``: the one whose span holds it, else the nearest (None: no words)."""
    if not words:
        return None

    def distance(i: int) -> int:
        w = words[i]
        return 0 if w.start <= ms < w.end else min(abs(w.start - ms), abs(w.end - ms))

    return min(range(len(words)), key=lambda i: (distance(i), i))


def cue_menu(
    parent: QWidget,
    *,
    word: tuple[int, str] | None,
    split_at_word: Callable[[int], object],
    edit_text: Callable[[], object],
    editor_actions: Mapping[str, QAction],
    suspect: str | None = None,
) -> QMenu:
    """A menu for one cue; ``word`` is (index, text) of the word under the mouse when shown,
    ``suspect`` the reason the cue is doubtful (it heads the menu, with "Mark as checked")."""
    menu = QMenu(parent)
    menu.setObjectName("cueMenu")
    if suspect is not None:
        why = menu.addAction(f"Suspect: {suspect}")
        why.setObjectName("suspectReason")
        why.setEnabled(False)
        _add_proxy(menu, "mark_checked", editor_actions)
        menu.addSeparator()
    if word is not None:
        index, text = word
        split = menu.addAction(f"Split before “{text.strip()}”")
        split.setObjectName("splitAtWord")
        if index > 0:
            split.triggered.connect(lambda: split_at_word(index))
        else:
            split.setEnabled(False)
            split.setToolTip("The first word starts the cue: there is nothing before it")
    for name in EDITOR_ACTIONS:
        _add_proxy(menu, name, editor_actions)
    menu.addSeparator()
    edit = menu.addAction("Edit text\tF2")
    edit.setObjectName("editText")
    edit.triggered.connect(edit_text)
    return menu


def span_menu(
    parent: QWidget,
    *,
    label: str,
    clear: Callable[[], object],
    editor_actions: Mapping[str, QAction],
) -> QMenu:
    """A menu for a selected time span (``label`` says which): re-transcribe it, or let it go."""
    menu = QMenu(parent)
    menu.setObjectName("spanMenu")
    title = menu.addAction(label)
    title.setEnabled(False)
    _add_proxy(menu, "retranscribe", editor_actions)
    _add_proxy(menu, "align_text", editor_actions)
    forget = menu.addAction("Clear the selection\tEsc")
    forget.setObjectName("clearSpan")
    forget.triggered.connect(clear)
    return menu


def _add_proxy(menu: QMenu, name: str, editor_actions: Mapping[str, QAction]) -> None:
    """The editor's action ``name`` in the menu's wording, so the editor's own keeps its label;
    the keys are shown after a tab, not bound again (that would make them ambiguous)."""
    action = editor_actions.get(name)
    if action is None:
        return
    keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
    item = menu.addAction(f"{LABELS[name]}\t{keys}" if keys else LABELS[name])
    item.setObjectName(name)
    item.setEnabled(action.isEnabled())
    item.triggered.connect(action.trigger)


class CueMenus:
    """A mixin of :class:`~wavescribe.gui.editor.timeline.waveform_view.WaveformView`: the
    right-click menus on a cue or a span, and splitting a cue at the word under the mouse."""

    doc: SubtitleDocument | None
    stack: EditStack | None
    controller: TimingController | None
    viewport: Viewport
    span: tuple[int, int] | None
    _drag: Any
    _editor_actions: Mapping[str, QAction]
    cue_clicked: Any  # the view's Signal(int)

    def hit(self, x: float) -> tuple[str | None, int | None]:
        raise NotImplementedError  # the view's

    def select(self, index: int, reveal: bool = True) -> None:
        raise NotImplementedError  # the view's

    def set_span(self, span: tuple[int, int] | None) -> None:
        raise NotImplementedError  # the view's

    def edit_text(self, index: int) -> None:
        raise NotImplementedError  # the view's

    def set_menu_actions(self, actions: Mapping[str, QAction]) -> None:
        """The editor's cue actions (``split``, ``merge``, ``delete``, ``play_cue``) to offer."""
        self._editor_actions = actions

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        menu = self.cue_menu_at(event.pos().x())
        if menu is None:
            return super().contextMenuEvent(event)
        menu.exec(event.globalPos())
        menu.deleteLater()

    def cue_menu_at(self, x: float) -> QMenu | None:
        """The span's menu inside a selected span; else select the cue under ``x`` and build
        its menu (None: no cue there)."""
        if self._drag is not None or self.doc is None:
            return None
        if self.span is not None and self.span[0] <= self.viewport.ms_at(x) <= self.span[1]:
            a, b = self.span
            return span_menu(
                self,
                label=f"{format_ms(a)} – {format_ms(b)}",
                clear=lambda: self.set_span(None),
                editor_actions=self._editor_actions,
            )
        _, index = self.hit(x)
        if index is None:
            return None
        self.select(index, reveal=False)
        self.cue_clicked.emit(index)
        seg = self.doc[index]
        word = None
        if self.viewport.ms_per_px <= WORDS_BELOW_MS_PER_PX:  # only where words are drawn
            k = word_index_at(seg.words, self.viewport.ms_at(x))
            word = None if k is None else (k, seg.words[k].text)
        return cue_menu(
            self,
            word=word,
            split_at_word=lambda k: self.split_at_word(index, k),
            edit_text=lambda: self.edit_text(index),
            editor_actions=self._editor_actions,
            suspect=seg.suspect,
        )

    def split_at_word(self, index: int, word_index: int) -> bool:
        """Split cue ``index`` before its word ``word_index`` (one undo step)."""
        if self.controller is None or self.stack is None:
            return False
        result = self.controller.split_at_word(index, word_index)
        done = self.stack.push(result.command, result.limit)
        if done:
            self.select(index, reveal=False)
            self.cue_clicked.emit(index)
        return done
