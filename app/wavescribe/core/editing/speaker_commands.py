"""Reversible speaker edits: assign, rename, merge, split a cue at a change, apply a diarization.

Each is one undo step. They keep a deep copy of every cue they change and of the speaker table
(``Transcript.speakers``), and ``undo`` puts those back: do -> undo restores the document exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from wavescribe.core.editing.document import EditRefused, SubtitleDocument, clone_segment
from wavescribe.core.transcript import SPEAKER_COLOURS, Segment, Speaker, Word

__all__ = [
    "MergeSpeakers",
    "RenameSpeaker",
    "ReplaceSpeakers",
    "SetSpeaker",
    "SplitAtSpeakerChange",
]


def _copy_speakers(speakers: dict[str, Speaker]) -> dict[str, Speaker]:
    return {k: Speaker(v.name, v.colour) for k, v in speakers.items()}


class _SpeakerCommand:
    """Undo by restoring saved cues (by index) and the speaker table as they were."""

    label = ""
    id: object | None = None

    def __init__(self) -> None:
        self._saved: list[tuple[int, Segment]] = []
        self._speakers: dict[str, Speaker] | None = None

    def merge_with(self, other: object) -> bool:
        return False

    def is_noop(self) -> bool:
        return False

    def _remember(self, doc: SubtitleDocument, indices: Iterable[int] = ()) -> None:
        self._saved = [(i, clone_segment(doc.segments[i])) for i in indices]
        self._speakers = _copy_speakers(doc.transcript.speakers)

    def undo(self, doc: SubtitleDocument) -> None:
        for index, seg in reversed(self._saved):
            doc.segments[index] = clone_segment(seg)
        if self._speakers is not None:
            doc.transcript.speakers = _copy_speakers(self._speakers)


class SetSpeaker(_SpeakerCommand):
    """Set the speaker of some cues (and their words); ``None`` clears it.

    A speaker id the table does not hold yet is added, named ``name`` (or ``Speaker N``).
    """

    def __init__(self, indices: Iterable[int], speaker: str | None, name: str | None = None):
        super().__init__()
        self.indices = sorted(set(indices))
        self.speaker, self.name = speaker, name
        cues = (
            f"cue {self.indices[0] + 1}" if len(self.indices) == 1 else f"{len(self.indices)} cues"
        )
        self.label = f"Set speaker of {cues}"

    def do(self, doc: SubtitleDocument) -> None:
        if not self.indices:
            raise EditRefused("no cue selected")
        segs = [doc.segment(i) for i in self.indices]
        if all(
            s.speaker == self.speaker and all(w.speaker == self.speaker for w in s.words)
            for s in segs
        ):
            raise EditRefused("those cues already have that speaker")
        self._remember(doc, self.indices)
        table = doc.transcript.speakers
        if self.speaker is not None and self.speaker not in table:
            n = self.speaker[1:] if self.speaker[1:].isdigit() else str(len(table) + 1)
            colour = SPEAKER_COLOURS[len(table) % len(SPEAKER_COLOURS)]
            table[self.speaker] = Speaker(self.name or f"Speaker {n}", colour)
        for seg in segs:
            seg.speaker = self.speaker
            for w in seg.words:
                w.speaker = self.speaker


class RenameSpeaker(_SpeakerCommand):
    """Give a speaker a new name: every cue of theirs shows and exports it at once."""

    def __init__(self, speaker: str, name: str) -> None:
        super().__init__()
        self.speaker, self.name = speaker, name.strip()
        self.label = f"Rename speaker to {self.name}"

    def do(self, doc: SubtitleDocument) -> None:
        table = doc.transcript.speakers
        if not self.name:
            raise EditRefused("a speaker needs a name")
        if self.speaker not in table:
            raise EditRefused(f"no speaker {self.speaker}")
        if table[self.speaker].name == self.name:
            raise EditRefused("the name is unchanged")
        self._remember(doc)
        table[self.speaker].name = self.name


class MergeSpeakers(_SpeakerCommand):
    """Make ``source`` the same person as ``target``: their cues and words move to ``target``."""

    def __init__(self, source: str, target: str) -> None:
        super().__init__()
        self.source, self.target = source, target
        self.label = "Merge speakers"

    def do(self, doc: SubtitleDocument) -> None:
        table = doc.transcript.speakers
        if self.source == self.target:
            raise EditRefused("a speaker cannot be merged with itself")
        if self.target not in table:
            raise EditRefused(f"no speaker {self.target}")
        hit = [
            i
            for i, s in enumerate(doc.segments)
            if s.speaker == self.source or any(w.speaker == self.source for w in s.words)
        ]
        if not hit and self.source not in table:
            raise EditRefused(f"no speaker {self.source}")
        self._remember(doc, hit)
        for i in hit:
            seg = doc.segments[i]
            if seg.speaker == self.source:
                seg.speaker = self.target
            for w in seg.words:
                if w.speaker == self.source:
                    w.speaker = self.target
        table.pop(self.source, None)


class SplitAtSpeakerChange(_SpeakerCommand):
    """Cut a cue between its words wherever their speaker changes (words must carry speakers)."""

    def __init__(self, index: int) -> None:
        super().__init__()
        self.index = index
        self.label = f"Split cue {index + 1} at speaker changes"
        self._added = 0

    def do(self, doc: SubtitleDocument) -> None:
        seg = doc.segment(self.index)
        parts = split_by_word_speaker(seg)
        if len(parts) < 2:
            raise EditRefused("the words of this cue do not change speaker")
        self._remember(doc, [self.index])
        doc.segments[self.index : self.index + 1] = parts
        self._added = len(parts)

    def undo(self, doc: SubtitleDocument) -> None:
        doc.segments[self.index : self.index + self._added] = [clone_segment(self._saved[0][1])]
        if self._speakers is not None:
            doc.transcript.speakers = _copy_speakers(self._speakers)


class ReplaceSpeakers(_SpeakerCommand):
    """Put in a whole new set of cues with speakers (the result of "Find speakers"), one step."""

    def __init__(self, segments: Sequence[Segment], speakers: dict[str, Speaker]) -> None:
        super().__init__()
        self.segments = [clone_segment(s) for s in segments]
        self.speakers = _copy_speakers(speakers)
        self.label = "Find speakers"
        self._old: list[Segment] = []

    def do(self, doc: SubtitleDocument) -> None:
        self._remember(doc)
        self._old = [clone_segment(s) for s in doc.segments]
        doc.segments[:] = [clone_segment(s) for s in self.segments]
        doc.transcript.speakers = _copy_speakers(self.speakers)

    def undo(self, doc: SubtitleDocument) -> None:
        doc.segments[:] = [clone_segment(s) for s in self._old]
        super().undo(doc)


def split_by_word_speaker(seg: Segment) -> list[Segment]:
    """``seg`` cut between words where the words' speaker changes (one part if it never does).

    A cut lies where the first word of the next speaker starts, kept inside the cue and after the
    cut before it, so the parts tile the cue exactly even when words stray outside it.
    """
    runs: list[list[Word]] = []
    for w in seg.words:
        if runs and runs[-1][-1].speaker == w.speaker:
            runs[-1].append(w)
        else:
            runs.append([w])
    if len(runs) < 2:
        return [clone_segment(seg)]
    cuts = [seg.start]
    for words in runs[1:]:
        cuts.append(min(max(words[0].start, cuts[-1]), seg.end))
    cuts.append(seg.end)
    parts = []
    for n, words in enumerate(runs):
        text = "".join(w.text for w in words).strip()
        copied = [Word(w.start, w.end, w.text, w.probability, w.speaker) for w in words]
        speaker = words[0].speaker
        parts.append(
            Segment(
                cuts[n], cuts[n + 1], text, copied, seg.no_speech_prob, seg.suspect, speaker=speaker
            )
        )
    return parts
