"""Speakers onto a transcript: words take the speaker of their time; cues split where that changes.

A cue never mixes two speakers after this (rule 4 of issue 16): where its words change speaker
it is cut between them, and each part carries its speaker. A single short word whose speaker
differs from both neighbours is taken as a blip of the clustering (a window that straddled a
change) and follows its neighbours. Cues without words take the speaker who talks longest
during them. The speaker ids are ``S1``, ``S2``... in order of first appearance.
"""

from __future__ import annotations

from wavescribe.core.editing.speaker_commands import split_by_word_speaker
from wavescribe.core.speakers.diarize import Diarization
from wavescribe.core.transcript import SPEAKER_COLOURS, Segment, Speaker, Word

BLIP_MS = 400  # a lone word shorter than this follows its neighbours' speaker


def speaker_id(label: int) -> str:
    return f"S{label + 1}"


def assign_speakers(
    segments: list[Segment], diarization: Diarization
) -> tuple[list[Segment], dict[str, Speaker]]:
    """New segments (cut at speaker changes) and the speakers they use; inputs are not changed."""
    out: list[Segment] = []
    for seg in segments:
        out.extend(_split(seg, diarization))
    used: list[str] = []
    for seg in out:
        if seg.speaker is not None and seg.speaker not in used:
            used.append(seg.speaker)
    speakers = {
        sid: Speaker(
            f"Speaker {sid[1:]}", SPEAKER_COLOURS[(int(sid[1:]) - 1) % len(SPEAKER_COLOURS)]
        )
        for sid in sorted(used, key=lambda s: int(s[1:]))
    }
    return out, speakers


def _split(seg: Segment, d: Diarization) -> list[Segment]:
    if not seg.words:
        who = d.speaker_at(seg.start, seg.end)
        return [_copy(seg, seg.text, [], None if who is None else speaker_id(who))]
    labels = [d.speaker_at(w.start, max(w.end, w.start + 1)) for w in seg.words]
    labels = _without_blips(seg.words, labels)
    ids = [None if who is None else speaker_id(who) for who in labels]
    words = [
        Word(w.start, w.end, w.text, w.probability, sid)
        for w, sid in zip(seg.words, ids, strict=True)
    ]
    if len(set(ids)) == 1:
        return [_copy(seg, seg.text, words, ids[0])]
    return split_by_word_speaker(_copy(seg, seg.text, words, ids[0]))


def _without_blips(words: list[Word], labels: list[int | None]) -> list[int | None]:
    out = list(labels)
    for i in range(len(out)):
        left = out[i - 1] if i > 0 else None
        right = labels[i + 1] if i + 1 < len(labels) else None
        short = words[i].end - words[i].start < BLIP_MS
        if short and out[i] not in (left, right) and (left is not None or right is not None):
            out[i] = left if left is not None else right
    return out


def _copy(seg: Segment, text: str, words: list[Word], speaker: str | None) -> Segment:
    return Segment(
        seg.start, seg.end, text, words, seg.no_speech_prob, seg.suspect, speaker=speaker
    )
