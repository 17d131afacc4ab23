"""Reversible edit commands on a :class:`~wavescribe.core.editing.document.SubtitleDocument`.

Each command is one user gesture: ``do`` checks everything before it changes anything (so a
refused command leaves the document as it was), keeps deep copies of what it replaces, and
``undo`` puts those copies back, so do → undo restores the document exactly. Commands are
applied through :class:`~wavescribe.core.editing.document.UndoHistory`.

Words follow the text. A move (both edges shifted alike) carries a cue's words along; retiming one
edge leaves them where they were spoken. Editing text keeps the timing of every word that is
still there (a diff of old and new words) and spreads the span of replaced words over the words
that replace them, so a typo fix does not lose word timings.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from typing import Literal

from wavescribe.core.editing.document import (
    EditCommand,
    EditRefused,
    SubtitleDocument,
    clone_segment,
)
from wavescribe.core.transcript import Segment, Word

__all__ = [
    "Delete",
    "Edge",
    "Insert",
    "MergeWithNext",
    "ReplaceSpan",
    "SetSuspect",
    "SetText",
    "SetTimes",
    "Shift",
    "Split",
    "covering_span",
    "retext_words",
]

Edge = Literal["start", "end", "body"]


class _Command:
    """Defaults: no merging; subclasses set ``label`` in ``__init__``."""

    label = ""
    id: object | None = None

    def merge_with(self, other: EditCommand) -> bool:
        return False

    def is_noop(self) -> bool:
        return False


class _Restoring(_Command):
    """A command that undoes by putting back copies of the cues it replaced, by index."""

    def __init__(self) -> None:
        self._saved: list[tuple[int, Segment]] = []

    def _save(self, doc: SubtitleDocument, index: int) -> None:
        self._saved.append((index, clone_segment(doc.segments[index])))

    def undo(self, doc: SubtitleDocument) -> None:
        for index, seg in reversed(self._saved):
            doc.segments[index] = clone_segment(seg)
        self._saved = []


class SetTimes(_Restoring):
    """Retime or move one cue. With ``edge`` set (a drag), consecutive ones on the same cue and
    edge merge into one undo step; without it (a nudge, a typed time) each is its own step."""

    def __init__(self, index: int, start: int, end: int, edge: Edge | None = None) -> None:
        super().__init__()
        self.index, self.start, self.end, self.edge = index, int(start), int(end), edge
        self.id = None if edge is None else ("times", index, edge)
        self.label = f"Move cue {index + 1}" if edge == "body" else f"Retime cue {index + 1}"
        self._original: tuple[int, int] | None = None
        # The cue as this command left it: a redo puts it back rather than recomputing, because
        # merged steps (retime start, then end) must not replay as one move that shifts words.
        self._result: Segment | None = None

    def do(self, doc: SubtitleDocument) -> None:
        seg = doc.segment(self.index)
        doc.check_fits(self.index, self.start, self.end)
        self._saved = []
        self._save(doc, self.index)
        if self._result is not None:  # a redo
            doc.segments[self.index] = clone_segment(self._result)
            return
        if self._original is None:
            self._original = (seg.start, seg.end)
        delta = self.start - seg.start
        if delta and self.end - seg.end == delta:
            _shift_words(seg, delta)
        seg.start, seg.end = self.start, self.end
        self._result = clone_segment(seg)

    def merge_with(self, other: EditCommand) -> bool:
        if not isinstance(other, SetTimes) or other.id != self.id:
            return False
        self.start, self.end = other.start, other.end  # keep our copy of the original cue
        self._result = other._result
        return True

    def is_noop(self) -> bool:
        return self._original == (self.start, self.end)


class SetText(_Restoring):
    """Replace a cue's text; its words are re-matched to the new text (see module docstring).

    Refused when the text is unchanged, so closing an editor leaves no empty undo step. Editing
    a suspect cue's text is the user's verdict on it: the flag is cleared in the same step.
    """

    def __init__(self, index: int, text: str) -> None:
        super().__init__()
        self.index, self.text = index, text
        self.label = f"Edit text of cue {index + 1}"

    def do(self, doc: SubtitleDocument) -> None:
        seg = doc.segment(self.index)
        if seg.text == self.text:
            raise EditRefused("the text is unchanged")
        self._saved = []
        self._save(doc, self.index)
        seg.words = retext_words(seg.words, self.text)
        seg.text = self.text
        seg.suspect = None


class SetSuspect(_Restoring):
    """Flag a cue as doubtful with a reason, or clear the flag (``None``: "Mark as checked")."""

    def __init__(self, index: int, reason: str | None) -> None:
        super().__init__()
        self.index, self.reason = index, reason
        verdict = "checked" if reason is None else "suspect"
        self.label = f"Mark cue {index + 1} as {verdict}"

    def do(self, doc: SubtitleDocument) -> None:
        seg = doc.segment(self.index)
        if seg.suspect == self.reason:
            raise EditRefused("the cue is not suspect" if self.reason is None else "unchanged")
        self._saved = []
        self._save(doc, self.index)
        seg.suspect = self.reason


class Split(_Command):
    """Split a cue in two at ``at_ms``, leaving ``gap_ms`` between the halves.

    Words go left by ``word_index`` if given; else, with ``text_pos`` and words that match the
    text, those whose text starts before it; else those whose middle is before ``at_ms``. The text
    is cut at ``text_pos`` if given; else between the same words; else at the space nearest to
    the time's share of the cue.
    """

    def __init__(
        self,
        index: int,
        at_ms: int,
        *,
        word_index: int | None = None,
        text_pos: int | None = None,
        gap_ms: int = 0,
    ) -> None:
        self.index, self.at_ms = index, int(at_ms)
        self.word_index, self.text_pos = word_index, text_pos
        self.gap_ms = max(0, int(gap_ms))
        self.label = f"Split cue {index + 1}"
        self._old: Segment | None = None

    def do(self, doc: SubtitleDocument) -> None:
        seg = doc.segment(self.index)
        left_end = self.at_ms - self.gap_ms // 2
        right_start = left_end + self.gap_ms
        if not seg.start < left_end or not right_start < seg.end:
            raise EditRefused("a split must leave some time on both sides")
        if self.text_pos is not None and not 0 <= self.text_pos <= len(seg.text):
            raise EditRefused("the split position is outside the text")
        if self.word_index is not None and not 0 <= self.word_index <= len(seg.words):
            raise EditRefused("there is no such word to split at")
        k, pos = self._cut(seg)
        left_text, right_text = seg.text[:pos].rstrip(), seg.text[pos:].lstrip()
        old = clone_segment(seg)
        left = Segment(
            seg.start, left_end, left_text, old.words[:k], seg.no_speech_prob, seg.suspect
        )
        right = Segment(
            right_start, seg.end, right_text, old.words[k:], seg.no_speech_prob, seg.suspect
        )
        # Both halves stay where the cue was shown; an identifier must stay unique: left only.
        left.cue_id, left.cue_settings = seg.cue_id, seg.cue_settings
        right.cue_settings = seg.cue_settings
        left.speaker = right.speaker = seg.speaker
        self._old = clone_segment(seg)
        doc.segments[self.index : self.index + 1] = [left, right]

    def _cut(self, seg: Segment) -> tuple[int, int]:
        """(how many words go left, where the text is cut)."""
        spans = [m.span() for m in re.finditer(r"\S+", seg.text)]
        aligned = [w.text.strip() for w in seg.words] == seg.text.split()
        if self.word_index is not None:
            k = self.word_index
        elif self.text_pos is not None and aligned:
            k = sum(1 for a, _ in spans if a < self.text_pos)
        else:
            k = sum(1 for w in seg.words if (w.start + w.end) / 2 < self.at_ms)
        if self.text_pos is not None:
            return k, self.text_pos
        if aligned:
            return k, spans[k][0] if k < len(spans) else len(seg.text)
        share = (self.at_ms - seg.start) / max(1, seg.end - seg.start)
        target = share * len(seg.text)
        cuts = [0, len(seg.text), *(a for a, _ in spans)]
        return k, min(cuts, key=lambda c: (abs(c - target), c))

    def undo(self, doc: SubtitleDocument) -> None:
        assert self._old is not None
        doc.segments[self.index : self.index + 2] = [clone_segment(self._old)]


class MergeWithNext(_Command):
    """Join a cue and the next one into one cue spanning both (texts joined by a space)."""

    def __init__(self, index: int) -> None:
        self.index = index
        self.label = f"Merge cues {index + 1} and {index + 2}"
        self._old: tuple[Segment, Segment] | None = None

    def do(self, doc: SubtitleDocument) -> None:
        a = doc.segment(self.index)
        if self.index + 1 >= len(doc):
            raise EditRefused("the last cue has no next cue to merge with")
        b = doc.segments[self.index + 1]
        text = " ".join(t for t in (a.text.strip(), b.text.strip()) if t)
        probs = [p for p in (a.no_speech_prob, b.no_speech_prob) if p is not None]
        words = [*clone_segment(a).words, *clone_segment(b).words]
        prob = min(probs) if probs else None
        suspect = a.suspect or b.suspect  # still doubtful until someone checks it
        merged = Segment(a.start, max(a.end, b.end), text, words, prob, suspect)
        merged.cue_id, merged.cue_settings = a.cue_id, a.cue_settings
        merged.speaker = a.speaker if a.speaker is not None else b.speaker  # words keep theirs
        self._old = (clone_segment(a), clone_segment(b))
        doc.segments[self.index : self.index + 2] = [merged]

    def undo(self, doc: SubtitleDocument) -> None:
        assert self._old is not None
        doc.segments[self.index : self.index + 1] = [clone_segment(s) for s in self._old]


class Insert(_Command):
    """Create a cue at ``index``; it must fit between its neighbours."""

    def __init__(self, index: int, segment: Segment) -> None:
        self.index, self.segment = index, clone_segment(segment)
        self.label = f"Create cue {index + 1}"

    def do(self, doc: SubtitleDocument) -> None:
        if not 0 <= self.index <= len(doc):
            raise EditRefused(f"cannot insert a cue at position {self.index + 1}")
        doc.check_fits(self.index, self.segment.start, self.segment.end, slot=True)
        doc.segments.insert(self.index, clone_segment(self.segment))

    def undo(self, doc: SubtitleDocument) -> None:
        del doc.segments[self.index]


class Delete(_Command):
    """Remove one cue."""

    def __init__(self, index: int) -> None:
        self.index = index
        self.label = f"Delete cue {index + 1}"
        self._old: Segment | None = None

    def do(self, doc: SubtitleDocument) -> None:
        self._old = clone_segment(doc.segment(self.index))
        del doc.segments[self.index]

    def undo(self, doc: SubtitleDocument) -> None:
        assert self._old is not None
        doc.segments.insert(self.index, clone_segment(self._old))


def _touches(seg: Segment, start: int, end: int) -> bool:
    """Whether a cue lies in [start, end] even partly (a zero-length cue inside it counts)."""
    return (seg.start < end and seg.end > start) or start <= seg.start <= seg.end <= end


def covering_span(segments: Sequence[Segment], start: int, end: int) -> tuple[int, int]:
    """``[start, end]`` grown to cover every cue it touches.

    Re-transcribing a region replaces whole cues: a cue partly inside would otherwise be cut in
    two with half its speech decoded twice, so the region grows to include all of it.
    """
    lo, hi = int(start), int(end)
    for seg in segments:
        if _touches(seg, start, end):
            lo, hi = min(lo, seg.start), max(hi, seg.end)
    return lo, hi


class ReplaceSpan(_Command):
    """Replace every cue in ``[start, end]`` by ``segments`` (a re-transcription), one step.

    Cues partly inside are replaced whole (see :func:`covering_span`). The new cues keep their
    words and suspect flags; they are clipped to the region (and to the cues kept around it),
    dropped if nothing of them is left, and laid end to end where they overlap, so the
    document's invariants hold whatever the decoder returned. Undo puts the removed cues back
    exactly.
    """

    def __init__(self, start: int, end: int, segments: Iterable[Segment]) -> None:
        self.start, self.end = int(start), int(end)
        self.segments = sorted((clone_segment(s) for s in segments), key=lambda s: s.start)
        self.label = f"Re-transcribe {_seconds(self.start)}–{_seconds(self.end)}"
        self.first = 0  # after ``do``: where the new cues begin (not ``index``: many cues change)
        self._removed: list[Segment] = []
        self.replaced = self.added = 0  # after ``do``: cues removed and cues put in their place

    def do(self, doc: SubtitleDocument) -> None:
        if self.end <= self.start or self.start < 0:
            raise EditRefused("the region to re-transcribe is empty")
        segs = doc.segments
        hit = [i for i, s in enumerate(segs) if _touches(s, self.start, self.end)]
        if hit and hit != list(range(hit[0], hit[-1] + 1)):
            raise EditRefused("the region cuts through overlapping cues; fix the overlap first")
        lo, hi = covering_span(segs, self.start, self.end)
        at = hit[0] if hit else sum(1 for s in segs if s.start < self.start)
        after = hit[-1] + 1 if hit else at
        if at > 0:
            lo = max(lo, segs[at - 1].end)
        if after < len(segs):
            hi = min(hi, segs[after].start)
        new: list[Segment] = []
        floor = lo
        for seg in self.segments:
            a = min(max(seg.start, floor), hi)
            b = min(max(seg.end, a), hi)
            if b == a < seg.end:
                continue  # clipped to nothing: it lay outside the region
            fitted = clone_segment(seg)
            fitted.start, fitted.end = a, b
            for w in fitted.words:
                w.start = min(max(w.start, a), b)
                w.end = min(max(w.end, w.start), b)
            new.append(fitted)
            floor = b
        self._removed = [clone_segment(s) for s in segs[at:after]]
        self.first, self.replaced, self.added = at, len(self._removed), len(new)
        segs[at:after] = new

    def undo(self, doc: SubtitleDocument) -> None:
        doc.segments[self.first : self.first + self.added] = [
            clone_segment(s) for s in self._removed
        ]


def _seconds(ms: int) -> str:
    minutes, rest = divmod(ms, 60_000)
    return f"{minutes}:{rest / 1000:06.3f}"


class Shift(_Restoring):
    """Move several cues (and their words) by the same amount, e.g. to fix a sync offset."""

    def __init__(self, indices: Iterable[int], delta_ms: int) -> None:
        super().__init__()
        self.indices = sorted(set(indices))
        self.delta = int(delta_ms)
        n = len(self.indices)
        what = f"cue {self.indices[0] + 1}" if n == 1 else f"{n} cues"
        self.label = f"Shift {what} by {self.delta:+d} ms"

    def do(self, doc: SubtitleDocument) -> None:
        if not self.indices or not self.delta:
            raise EditRefused("nothing to shift")
        chosen = set(self.indices)
        segs = doc.segments
        for i in self.indices:
            doc.segment(i)

        def times(j: int) -> tuple[int, int]:
            d = self.delta if j in chosen else 0
            return segs[j].start + d, segs[j].end + d

        for i in self.indices:
            if times(i)[0] < 0:
                raise EditRefused(f"cue {i + 1} would start before the audio")
            for j in (i - 1, i + 1):
                if 0 <= j < len(segs) and j not in chosen:
                    a, b = sorted((i, j))
                    overlap = times(a)[1] - times(b)[0]
                    if overlap > 0 and overlap > segs[a].end - segs[b].start:
                        raise EditRefused(f"cue {i + 1} would overlap cue {j + 1}")
        self._saved = []
        for i in self.indices:
            self._save(doc, i)
            seg = segs[i]
            seg.start, seg.end = seg.start + self.delta, seg.end + self.delta
            _shift_words(seg, self.delta)


def _shift_words(seg: Segment, delta: int) -> None:
    for w in seg.words:
        w.start += delta
        w.end += delta


def retext_words(words: list[Word], text: str) -> list[Word]:
    """The words of ``text``, keeping the timing of words that survive an edit (see module doc)."""
    tokens = text.split()
    old = [w.text.strip() for w in words]
    if old == tokens:
        return [Word(w.start, w.end, w.text, w.probability, w.speaker) for w in words]
    if not words:
        return []
    out: list[Word] = []
    matcher = difflib.SequenceMatcher(None, old, tokens, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for w, tok in zip(words[i1:i2], tokens[j1:j2], strict=True):
                lead = w.text[: len(w.text) - len(w.text.lstrip())]
                out.append(Word(w.start, w.end, lead + tok, w.probability, w.speaker))
        elif tag == "replace":
            out += _spread(tokens[j1:j2], words[i1].start, words[i2 - 1].end)
        elif tag == "insert":
            a = words[i1 - 1].end if i1 > 0 else words[0].start
            b = words[i1].start if i1 < len(words) else words[-1].end
            out += _spread(tokens[j1:j2], a, max(a, b))
    return out


def _spread(tokens: list[str], start: int, end: int) -> list[Word]:
    """New words sharing [start, end] in proportion to their length (no confidence: unknown)."""
    end = max(start, end)
    total = sum(len(t) for t in tokens)
    out, done = [], 0
    for tok in tokens:
        a = start + (end - start) * done // total
        done += len(tok)
        out.append(Word(a, start + (end - start) * done // total, " " + tok, None))
    return out
