"""Give every script word a time from the words the engine heard, or say it was not spoken.

* A matched word (heard as written, or heard as another word in its place) takes the heard word's
  time.
* A run of unmatched script words between two matched neighbours is interpolated by characters
  over the time between them when something was spoken there: heard words the script does not
  have, or, if the engine heard nothing, speech the VAD found that is long enough for the run.
* Otherwise the run is **not in the audio** (a sentence the speaker skipped, a stage direction):
  it gets no time, and the caller reports it instead of stretching it over a pause.

A long run of substitutions that hardly resembles what was heard there is timed over it but
flagged too: the script says something other than the speaker did.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rapidfuzz.distance import Indel

from wavescribe.core.align.word_match import Match, WordMatch, normalise
from wavescribe.core.transcript import Word

MS_PER_CHAR = 60  # read speech runs at ~14-17 characters a second, spaces included
SPEECH_SHARE = 0.5  # of the run's expected duration that must be speech for it to be there
SQUEEZED_WORDS = 2  # this few unmatched words between heard neighbours were said with them
OVERHEARD = 3  # heard words between neighbours spanning this many times the run's own time
LONG_RUN_WORDS = 5  # a differing passage at least this long is reported
SIMILAR_ENOUGH = 0.5  # normalised character similarity below which a passage "differs"

SpeechMeasure = Callable[[int, int], int]  # (start, end) ms -> ms of speech in it

NOT_FOUND = "not found in the audio"
DIFFERS = "differs from what was said"


@dataclass(slots=True)
class TimedWord:
    """A script word with its time (``None``: not in the audio) and why it is doubtful, if so."""

    text: str
    start: int | None
    end: int | None
    how: Match
    doubt: str | None = None

    @property
    def found(self) -> bool:
        return self.start is not None


def time_words(
    script_words: Sequence[str],
    heard: Sequence[Word],
    match: WordMatch,
    speech_ms_in: SpeechMeasure,
    duration_ms: int,
    unit_of: Sequence[int] | None = None,
) -> list[TimedWord]:
    """Times for ``script_words`` (see module doc). ``speech_ms_in(a, b)`` is how much of
    ``[a, b)`` is speech."""
    out = [
        TimedWord(w, None, None, k) if h is None else TimedWord(w, heard[h].start, heard[h].end, k)
        for w, h, k in zip(script_words, match.heard_index, match.kind, strict=True)
    ]
    for i0, i1 in _runs(match, lambda k: k is Match.UNMATCHED):
        units = unit_of if unit_of is not None else [0] * len(out)
        _time_unmatched(out, i0, i1, heard, match, speech_ms_in, duration_ms, units)
    for i0, i1 in _runs(match, lambda k: k is not Match.EXACT):
        if i1 - i0 >= LONG_RUN_WORDS and all(out[i].found for i in range(i0, i1)):
            heard_text = _heard_between(heard, match, i0, i1)
            said = " ".join(normalise(w.text) for w in heard_text)
            written = " ".join(normalise(out[i].text) for i in range(i0, i1))
            if Indel.normalized_similarity(said, written) < SIMILAR_ENOUGH:
                for i in range(i0, i1):
                    out[i].doubt = DIFFERS
    return out


def _runs(match: WordMatch, pick: Callable[[Match], bool]) -> list[tuple[int, int]]:
    """Maximal runs ``[i0, i1)`` of script words whose match kind ``pick`` selects."""
    runs: list[tuple[int, int]] = []
    start: int | None = None
    for i, k in enumerate([*match.kind, None]):
        chosen = k is not None and pick(k)
        if chosen and start is None:
            start = i
        elif not chosen and start is not None:
            runs.append((start, i))
            start = None
    return runs


def _neighbours(match: WordMatch, i0: int, i1: int) -> tuple[int | None, int | None]:
    """Heard indices of the nearest matched script words before ``i0`` and from ``i1`` on."""
    h, last = match.heard_index, match.heard_last
    before = next((last[i] for i in range(i0 - 1, -1, -1) if last[i] is not None), None)
    after = next((h[i] for i in range(i1, len(h)) if h[i] is not None), None)
    return before, after


def _heard_between(heard: Sequence[Word], match: WordMatch, i0: int, i1: int) -> list[Word]:
    """The heard words between the matched neighbours of script words ``[i0, i1)``."""
    before, after = _neighbours(match, i0, i1)
    lo = 0 if before is None else before + 1
    hi = len(heard) if after is None else after
    inner = [h for h in match.heard_index[i0:i1] if h is not None]
    if inner:
        lo, hi = min(lo, min(inner)), max(hi, max(inner) + 1)
    return list(heard[lo:hi])


def _time_unmatched(
    out: list[TimedWord],
    i0: int,
    i1: int,
    heard: Sequence[Word],
    match: WordMatch,
    speech_ms_in: SpeechMeasure,
    duration_ms: int,
    unit_of: Sequence[int],
) -> None:
    before, after = _neighbours(match, i0, i1)
    t0 = 0 if before is None else heard[before].end
    t1 = duration_ms if after is None else heard[after].start
    extra = heard[(0 if before is None else before + 1) : (len(heard) if after is None else after)]
    chars = sum(len(out[i].text) + 1 for i in range(i0, i1))
    said_ms = max((w.end for w in extra), default=0) - min((w.start for w in extra), default=0)
    if extra and said_ms > OVERHEARD * MS_PER_CHAR * chars + 1000:
        # Far more was said between the neighbours than these words (a paragraph read
        # elsewhere in the script): not stretched over it, kept beside their own neighbours.
        _beside_neighbours(out, i0, i1, t0, t1, unit_of)
        return
    if extra:
        t0, t1 = max(t0, min(w.start for w in extra)), min(t1, max(w.end for w in extra))
    elif i1 - i0 <= SQUEEZED_WORDS and before is not None and after is not None:
        t1 = max(t0, t1)  # a word or two said with their neighbours ("25-30" for "25 to 30")
    elif t1 <= t0 or speech_ms_in(t0, t1) < SPEECH_SHARE * MS_PER_CHAR * chars:
        for i in range(i0, i1):
            out[i].doubt = NOT_FOUND
        return
    t1 = max(t1, t0)
    pos = float(t0)
    for i in range(i0, i1):
        share = (len(out[i].text) + 1) / chars * (t1 - t0)
        out[i].start, out[i].end = round(pos), round(pos + share)
        pos += share


def _beside_neighbours(
    out: list[TimedWord], i0: int, i1: int, t0: int, t1: int, unit_of: Sequence[int]
) -> None:
    """Time words ``[i0, i1)`` at a reading pace right after the neighbour before them (those of
    its paragraph or cue) or right before the neighbour after them (the rest)."""
    left_unit = unit_of[i0 - 1] if i0 > 0 else None
    split = i0
    while split < i1 and unit_of[split] == left_unit:
        split += 1
    pos = t0
    for i in range(i0, split):
        length = (len(out[i].text) + 1) * MS_PER_CHAR
        out[i].start, out[i].end = pos, pos + length
        pos += length
    pos = max(t1, pos)
    for i in range(i1 - 1, split - 1, -1):
        length = (len(out[i].text) + 1) * MS_PER_CHAR
        out[i].start, out[i].end = pos - length, pos
        pos -= length
