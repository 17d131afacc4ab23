"""A decoded window's words in source time: which piece each word was spoken in, and how a
decoded segment is cut where the window's pieces meet (see :mod:`speech_first`)."""

from __future__ import annotations

from wavescribe.core.engine.speech_windows import Window
from wavescribe.core.refine.hallucination import is_non_speech_marker
from wavescribe.core.transcript import Segment, Word

MIN_PART_WORDS = 3  # a segment's part in one piece this long is a segment of its own
_SENTENCE_END = (".", "?", "!", "…")


def in_source(window: Window, fed_words: list[Word], split: bool = False) -> list[Segment]:
    """Words of one decoded segment in source time, split where the window's pieces meet (if
    ``split``); parts that are only a non-speech marker ("[BLANK_AUDIO]", "(music)") are dropped.

    Whisper times words near a cut a second early or late at times, so a sentence's first words
    can land in the piece before. Refinement re-places every word into the speech regions using
    the whole sentence; a one-word fragment split off it would look like text in silence and be
    dropped there (also when a raw transcript is refined later). So a fragment of fewer than
    ``MIN_PART_WORDS`` stays with its neighbour (``split`` splits every part, for inspecting the
    mapping). Longer parts are segments of their own: kept whole, "... by Lord Byron. Many people
    don't think" spanned two pieces 16 s apart, and refinement laid its last words into the
    speech between them (another clip's), losing the second piece's sentence."""
    groups: list[tuple[int, list[Word]]] = []
    starts = window.fed_starts()
    for w, k in zip(fed_words, pieces_of(window, fed_words), strict=True):
        a, b = window.pieces[k]
        start = min(b, max(a, a + w.start - starts[k]))
        end = min(b, max(start, a + w.end - starts[k]))
        if not groups or groups[-1][0] != k:
            groups.append((k, []))
        groups[-1][1].append(Word(start, end, w.text, w.probability))
    if not split:
        groups = _fragments_joined(groups)
    out = []
    for _, words in groups:
        text = "".join(w.text for w in words).strip()
        if not text or is_non_speech_marker(text):
            continue
        out.append(Segment(words[0].start, max(w.end for w in words), text, words))
    return out


def leads_rejoined(window: Window, segments: list[Segment]) -> list[Segment]:
    """``segments`` (one window's, in order) with a segment's first words that are a fragment
    (fewer than ``MIN_PART_WORDS``) in the piece where the segment before it ends moved to that
    segment: whisper began a segment with the last word of the sentence before. Not after a
    sentence's end, unless the fragment ends one: then it begins the next sentence, timed early.

    :func:`in_source` keeps a fragment with its neighbour, as a sentence's first words timed
    into the piece before. At beam 5 on real-40, "... so many words right | here this one
    Montreal is going to be forced ..." put "here" (right, at the end of its clip) with the
    next clip's sentence 38 s later; refinement dropped all 16 words of that 49 s segment."""
    out: list[Segment] = []
    for seg in segments:
        if out and out[-1].words and seg.words:
            prev = out[-1]
            k = _piece(window, prev.words[-1])
            lead = 0
            while lead < len(seg.words) and _piece(window, seg.words[lead]) == k:
                lead += 1
            ends = prev.words[-1].text.strip().endswith(_SENTENCE_END)
            closes = seg.words[lead - 1].text.strip().endswith(_SENTENCE_END) if lead else False
            if 0 < lead < min(MIN_PART_WORDS, len(seg.words)) and (closes or not ends):
                moved, kept = seg.words[:lead], seg.words[lead:]
                out[-1] = _segment([*prev.words, *moved], prev)
                seg = _segment(kept, seg)
        out.append(seg)
    return out


def _segment(words: list[Word], like: Segment) -> Segment:
    text = "".join(w.text for w in words).strip()
    return Segment(words[0].start, max(w.end for w in words), text, words, None, like.suspect)


def _piece(window: Window, w: Word) -> int | None:
    middle = (w.start + w.end) / 2
    return next((k for k, (a, b) in enumerate(window.pieces) if a <= middle <= b), None)


def _fragments_joined(groups: list[tuple[int, list[Word]]]) -> list[tuple[int, list[Word]]]:
    """Parts of one segment (by piece) with each part of fewer than ``MIN_PART_WORDS`` words
    joined to the part before it (the first to the one after)."""
    out: list[tuple[int, list[Word]]] = []
    for k, words in groups:
        if out and (len(words) < MIN_PART_WORDS or len(out[-1][1]) < MIN_PART_WORDS):
            out[-1] = (out[-1][0], [*out[-1][1], *words])
        else:
            out.append((k, words))
    return out


def pieces_of(window: Window, fed_words: list[Word]) -> list[int]:
    """The piece each word of one decoded segment was spoken in.

    A word whose middle lies in a pause between pieces goes with its sentence: to the piece of
    the segment's nearest word inside a piece, the next one for the segment's first words. At
    beam 5 whisper timed the first words of "I have a thousand thoughts about that thing" into
    the pause before its piece; squeezed at the end of the piece before, the sentence was then
    moved by refinement to another clip 10 s away."""
    starts = window.fed_starts()
    ks, inside = [], []
    for w in fed_words:
        mid = (w.start + w.end) / 2
        k = window.piece_at(mid)
        a, b = window.pieces[k]
        ks.append(k)
        inside.append(starts[k] <= mid <= starts[k] + b - a)
    placed = [(i, k) for i, (k, ok) in enumerate(zip(ks, inside, strict=True)) if ok]
    if not placed:
        return ks
    for i, ok in enumerate(inside):
        if not ok:
            ks[i] = next((k for j, k in placed if j > i), placed[-1][1])
    return ks
