"""What is kept of words decoded where Silero heard no speech (or only faint speech).

Speech-first decoding (:mod:`speech_first`) decodes the stretches :mod:`unheard` finds by their
level; whisper may be right there (whispered or falsetto speech Silero scores near zero) or may
make words up over a bed. Such words are kept only when the decoder is sure of them and timed
them on the audio (:func:`sure`); the spans they cover are then added to the speech map, which
refinement shares (it would otherwise drop text where Silero found no speech). Short stretches
touching a piece are decoded with that piece (:func:`extended_pieces`), and taken out of it
again where words were heard there (:func:`heard_beside`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from wavescribe.core.engine.missed_regions import middle_in, without_words_in, words_in
from wavescribe.core.engine.speech_windows import MAX_WINDOW_MS, Window
from wavescribe.core.refine.hallucination import MIN_SPEECH_MS, mean_probability
from wavescribe.core.refine.hallucination import tell as segment_tell
from wavescribe.core.refine.vad import SpeechMap
from wavescribe.core.transcript import Segment, Word

Span = tuple[int, int]

# Words decoded where only the level found speech (:mod:`unheard`) are kept at this mean
# probability: a creaky voice's noisy tail beside a noise bed gave one word at 0.51 ("There's"
# over 2.5 s); whispered and falsetto speech Silero missed came out at 0.7 and above.
UNHEARD_MIN_PROBABILITY = 0.6
BESIDE_MS = 300  # a stretch Silero missed this close to a piece is decoded as part of it ...
# ... if it is at most this long: real-long's three such stretches (lead-ins and tails of FLEURS
# clips beside beds, 1.1-3 s) cost a whole encoder pass each, alone. Longer ones stay alone:
# 2.4-8.8 s of hum, noise or music added to a window changed how its other pieces were decoded.
BESIDE_MAX_MS = 1500
HEARD_SHARE = 0.25  # Silero heard less of a sure segment's words than this: it missed them


def keep_unheard(
    segments: list[Segment],
    tell: str | None,
    window: Window,
    speech: SpeechMap,
    sound: Callable[[Sequence[Word]], Span] | None = None,
) -> tuple[list[Segment], list[Span]]:
    """A window of speech Silero did not hear: its segments kept, and the spans added to
    ``speech``. None if the guard found a ``tell`` in the window; else those that are
    :func:`sure`, and the parts of its pieces that hold their words: where they sound
    (``sound``: :func:`unheard.sounding` on the file's levels), the words' outer edges moved
    there."""
    if tell is not None:
        return [], []
    # Also each segment on its own: a stock phrase or improbable words over music are dropped,
    # and words the decoder is unsure of: only the level said speech was there.
    kept = [s for s in segments if sure(s)]
    # Speech where the words are, not the whole stretch: a stretch can take in a bed beside the
    # speech (1.5 s of level swing is measured around each point), and refinement, told the
    # bed is speech, drew the next sentence's first word into it.
    spans = []
    for a, b in window.pieces:
        words = sorted(
            (w for s in kept for w in s.words if middle_in(w, (a, b))),
            key=lambda w: w.start,
        )
        if not words:
            continue
        wa, wb = sound(words) if sound else (words[0].start, max(w.end for w in words))
        words[0].start = min(max(words[0].start, wa), words[0].end)
        words[-1].end = max(min(words[-1].end, wb), words[-1].start)
        spans.append((max(a, wa), min(b, wb)))
    for seg in kept:
        if seg.words:
            seg.start = min(w.start for w in seg.words)
            seg.end = max(w.end for w in seg.words)
    speech.add_speech(spans, "the decoder found words where Silero heard no speech")
    return kept, spans


def extended_pieces(
    pieces: Sequence[Span], stretches: Sequence[Span]
) -> tuple[list[Span], list[tuple[Span, int]]]:
    """``pieces`` with each stretch of at most ``BESIDE_MAX_MS`` that touches one (within
    ``BESIDE_MS``) joined to it, and the stretches so joined, each with the piece's edge it was
    joined at. A joined piece stays within one window (``MAX_WINDOW_MS``)."""
    out = [list(p) for p in pieces]
    beside: list[tuple[Span, int]] = []
    for a, b in stretches:
        for p in out:
            after, before = 0 <= a - p[1] <= BESIDE_MS, 0 <= p[0] - b <= BESIDE_MS
            short = b - a <= BESIDE_MAX_MS and max(b, p[1]) - min(a, p[0]) <= MAX_WINDOW_MS
            if (after or before) and short:
                beside.append(((a, b), p[1] if after else p[0]))
                p[0], p[1] = min(a, p[0]), max(b, p[1])
                break
    return [(a, b) for a, b in out], beside


def heard_beside(
    segments: list[Segment], window: Window, beside: Sequence[tuple[Span, int]]
) -> tuple[list[Segment], list[Span]]:
    """``segments`` less the words heard in stretches joined to pieces of ``window``
    (:func:`extended_pieces`), and those stretches: such a stretch is decoded again on its
    own, as any stretch Silero missed (in the joined decode, DTW drew words over the bed beside
    them: "years." over 1.7 s of a music bed, JFK's soft "And" over 4 s of noise).

    A word begun before the piece's old edge (after it, for a stretch before the piece) is the
    piece's, cut at that edge as it was when the piece was decoded alone."""
    heard = []
    for span, edge in beside:
        if not any(pa <= span[0] and span[1] <= pb for pa, pb in window.pieces):
            continue
        after = span[0] >= edge
        for seg in segments:
            crossing = [w for w in seg.words if w.start < edge < w.end]
            for w in crossing:
                if after:
                    w.end = edge
                else:
                    w.start = edge
            if crossing:
                seg.start = min(w.start for w in seg.words)
                seg.end = max(w.end for w in seg.words)
        if words_in(segments, span):
            segments = without_words_in(segments, span)
            heard.append(span)
    return segments, heard


def keep_faint(segments: list[Segment], window: Window, speech: SpeechMap) -> list[Span]:
    """Mark as speech (and return) where sure words were decoded but Silero heard little.

    - A piece Silero scored between speech-first's ``DECODE_THRESHOLD`` and its own threshold
      (so refinement's map holds almost none of it): the whole piece. A falsetto "This is all
      very high pitched" scored so: decoded well, then dropped by refinement as "no speech
      under it".
    - A segment whose words Silero heard for under ``HEARD_SHARE`` of their time: the span of
      its words (:func:`under_heard`).

    The words must pass the bar of unheard speech (:func:`sure`)."""
    spans = []
    for piece in window.pieces:
        segs = [s for s in segments if words_in([s], piece)]
        if speech.speech_ms_in(*piece) < MIN_SPEECH_MS:
            if segs and all(sure(s) for s in segs):
                spans.append(piece)
        else:
            spans += [span for s in segs if sure(s) and (span := under_heard(s, piece, speech))]
    speech.add_speech(spans, "the decoder found words where Silero heard faint speech")
    return spans


def under_heard(seg: Segment, piece: Span, speech: SpeechMap) -> Span | None:
    """The span of ``seg``'s words in ``piece`` when Silero heard under ``HEARD_SHARE`` of it,
    else None. Where Silero did hear the first (last) word, the span starts (ends) at its region's
    edge instead: DTW runs a last word on into the pause after it, Silero's edge does not.

    Refinement lays a segment's words inside the speech regions; Silero scored a fast "I really
    don't know how people talk like this" (1.7 s) at 0.1-0.44 but for its last 160 ms, and the
    nine words DTW had timed (the first within 30 ms of the gold text) were squeezed into those
    160 ms. Segments whose words Silero heard for 0.37-0.5 of their time are real pauses between
    slow words (the Columbia address, the fillers clips): they keep Silero's regions."""
    words = [w for w in seg.words if middle_in(w, piece)]
    if len(words) < 2:
        return None
    a, b = max(piece[0], words[0].start), min(piece[1], words[-1].end)
    if b - a < MIN_SPEECH_MS or speech.speech_ms_in(a, b) >= HEARD_SHARE * (b - a):
        return None
    heard = [(ra, rb) for ra, rb in speech.regions if ra < b and a < rb]
    if heard and heard[0][0] < words[0].end:
        a = max(a, heard[0][0])
    if heard and heard[-1][1] > words[-1].start:
        b = min(b, heard[-1][1])
    return a, b


def sure(seg: Segment) -> bool:
    """Whether words decoded where Silero heard no (or faint) speech are kept: no tell of their
    own (a stock phrase, improbable words), a mean probability of at least
    ``UNHEARD_MIN_PROBABILITY`` (words without one are not), and timed on the audio
    (:func:`untimed`)."""
    prob = mean_probability(seg)
    return (
        segment_tell(seg, ()) is None
        and prob is not None
        and prob >= UNHEARD_MIN_PROBABILITY
        and not untimed(seg)
    )


def untimed(seg: Segment) -> bool:
    """Whether at least half of ``seg``'s words take no time at all.

    DTW times each token on the audio it attends to; words with nothing under them pile up at
    the segment's end. The multilingual base made up "Thank you.", "I'm sorry." and "I'm going
    to go to the bathroom." in beds Silero rightly skipped, at mean probabilities of 0.71-0.91
    (no bar on probability parts them from whispered speech at 0.62-0.95), and with all words
    but the first of no length; the real speech decoded in such stretches (tiny.en and base, 8
    layouts) had at most one such word in four."""
    return 2 * sum(w.end <= w.start for w in seg.words) >= len(seg.words) > 0
