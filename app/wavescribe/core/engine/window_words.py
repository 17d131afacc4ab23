"""A decoded window's words in source time: which piece each word was spoken in, and how a
decoded segment is cut where the window's pieces meet (see :mod:`speech_first`)."""

from __future__ import annotations

from wavescribe.core.engine.missed_regions import middle_in
from wavescribe.core.engine.speech_windows import Window
from wavescribe.core.refine.hallucination import is_non_speech_marker
from wavescribe.core.refine.regroup import is_sentence_end
from wavescribe.core.transcript import Segment, Word

MIN_PART_WORDS = 3  # a segment's part in one piece this long is a segment of its own
FRAGMENT_WORD_MS = 150  # a fragment's word moved into its sentence's piece takes this long


def in_source(
    window: Window, fed_words: list[Word], split: bool = False, before: Segment | None = None
) -> list[Segment]:
    """Words of one decoded segment in source time, split where the window's pieces meet (if
    ``split``); parts that are only a non-speech marker ("[BLANK_AUDIO]", "(music)") are dropped.

    Whisper times words near a cut a second early or late at times, so a sentence's first words
    can land in the piece before. Refinement re-places every word into the speech regions using
    the whole sentence; a one-word fragment split off it would look like text in silence and be
    dropped there (also when a raw transcript is refined later). So a fragment of fewer than
    ``MIN_PART_WORDS`` goes with its neighbour, into its neighbour's piece (``split`` splits
    every part, for inspecting the mapping). Longer parts are segments of their own: kept
    whole, "... by Lord Byron. Many people don't think" spanned two pieces 16 s apart, and
    refinement laid its last words into the speech between them (another clip's), losing the
    second piece's sentence.

    ``before``: the window's segment before this one. A first fragment in the piece where it
    ends is its last words (:func:`_lead_of`), appended to it (in place)."""
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
        if before is not None and _lead_of(window, before, groups):
            before.words.extend(groups[0][1])
            before.text = "".join(w.text for w in before.words).strip()
            before.end = max(before.end, max(w.end for w in before.words))
            groups = groups[1:]
        groups = _fragments_joined(window, groups)
    out = []
    for _, words in groups:
        text = "".join(w.text for w in words).strip()
        if not text or is_non_speech_marker(text):
            continue
        out.append(Segment(words[0].start, max(w.end for w in words), text, words))
    return out


def _lead_of(window: Window, before: Segment, groups: list[tuple[int, list[Word]]]) -> bool:
    """Whether the first of a segment's parts (by piece) is the end of the sentence before:
    a fragment in the piece where ``before`` ends, the segment going on in another piece, and
    ``before`` not ended (or the fragment ending a sentence itself; else it begins the next
    sentence, timed early).

    At beam 5 on real-40, "... so many words right | here this one Montreal is going to be
    forced ..." kept "here" (right, at the end of its clip) with the next clip's sentence 38 s
    later: one 49 s segment, and refinement, which keeps the words in order, dropped all 16 of
    the second clip's."""
    if len(groups) < 2 or not before.words or len(groups[0][1]) >= MIN_PART_WORDS:
        return False
    last = before.words[-1]
    if not middle_in(last, window.pieces[groups[0][0]]):
        return False
    return not is_sentence_end(last) or is_sentence_end(groups[0][1][-1])


def _fragments_joined(
    window: Window, groups: list[tuple[int, list[Word]]]
) -> list[tuple[int, list[Word]]]:
    """Parts of one segment (by piece) with each part of fewer than ``MIN_PART_WORDS`` words
    joined to the part before it (the first to the one after), and laid in that part's piece
    next to it: a segment spanning two pieces far apart breaks the order refinement keeps the
    words in (words timed 40 s after the next segment's)."""
    out: list[tuple[int, list[Word]]] = []
    for k, words in groups:
        if out and len(words) < MIN_PART_WORDS:
            j, kept = out[-1]
            out[-1] = (j, [*kept, *_laid(window.pieces[j], kept[-1].end, words, after=True)])
        elif out and len(out[-1][1]) < MIN_PART_WORDS:
            _, fragment = out[-1]
            out[-1] = (k, [*_laid(window.pieces[k], words[0].start, fragment, after=False), *words])
        else:
            out.append((k, words))
    return out


def _laid(piece: tuple[int, int], edge: int, words: list[Word], after: bool) -> list[Word]:
    """``words`` from another piece laid in ``piece``, ``FRAGMENT_WORD_MS`` each, right after
    (``after``) or right before ``edge``; words already in ``piece`` are left as they are."""
    a, b = piece
    if all(middle_in(w, piece) for w in words):
        return words
    n = len(words)
    first = edge if after else edge - n * FRAGMENT_WORD_MS
    out = []
    for i, w in enumerate(words):
        start = min(b, max(a, first + i * FRAGMENT_WORD_MS))
        end = min(b, max(start, first + (i + 1) * FRAGMENT_WORD_MS))
        out.append(Word(start, end, w.text, w.probability))
    return out


def pieces_of(window: Window, fed_words: list[Word]) -> list[int]:
    """The piece each word of one decoded segment was spoken in.

    A word whose middle lies in a pause between pieces goes with its sentence. A sentence's
    first words go to the piece of the segment's next word inside a piece (at beam 5 whisper
    timed the first words of "I have a thousand thoughts about that thing" into the pause
    before its piece; squeezed at the end of the piece before, the sentence was then moved by
    refinement to another clip 10 s away). A word going on from the word before stays in the
    piece it starts in: DTW runs a sentence's last word on across the pause ("... reported in
    the nation." timed 0.7 s into its piece and 1.6 s into the next)."""
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
        if ok:
            continue
        ks[i] = next((k for j, k in placed if j > i), placed[-1][1])
        if i > 0 and not is_sentence_end(fed_words[i - 1]):
            k = window.piece_at(fed_words[i].start)
            a, b = window.pieces[k]
            if starts[k] <= fed_words[i].start < starts[k] + b - a:
                ks[i] = k
    return ks
