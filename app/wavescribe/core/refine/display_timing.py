"""Display timing of cues: minimum gap, minimum duration, reading speed, maximum duration.

Cue edges start out on the speech (first word's start, last word's end). Then, in this order:

* **gap**: consecutive cues are at least ``min_gap_ms`` apart, so players show a blank between
  them; the earlier cue gives way (its end comes in), unless that would leave it nothing, in which
  case the later one starts later;
* **minimum duration and reading speed**: a cue shorter than ``min_duration_ms``, or than its text
  needs at ``max_cps``, stays up longer into the pause after it, up to the gap before the next cue
  (never past it, never past the media's end, never beyond ``max_duration_ms``). A cue that is still
  shorter than ``min_duration_ms`` may start earlier, into the pause before it. Subtitles that
  linger a little after the voice stops are normal practice; subtitles that come early are not,
  hence this order.

Word times stay where the speech is; a word is only clipped to its cue when the gap rule trims the
cue's end into it.
"""

from __future__ import annotations

import itertools

from wavescribe.core.subtitle_rules import SubtitleRules
from wavescribe.core.transcript import Segment


def apply_timing_rules(
    cues: list[Segment], rules: SubtitleRules, media_end: int | None = None
) -> list[Segment]:
    """Cues (changed in place and returned) with the display rules applied (see module doc)."""
    cues.sort(key=lambda c: c.start)
    _enforce_gaps(cues, rules.min_gap_ms)
    for i, cue in enumerate(cues):
        prev_end = cues[i - 1].end + rules.min_gap_ms if i > 0 else 0
        limit = cues[i + 1].start - rules.min_gap_ms if i + 1 < len(cues) else media_end
        needed = min(rules.min_duration_for(cue.text), max(rules.max_duration_ms, cue.duration))
        if cue.duration < needed:
            want = cue.start + needed
            cue.end = max(cue.end, want if limit is None else min(want, limit))
        if cue.duration < rules.min_duration_ms:
            cue.start = max(min(cue.start, cue.end - rules.min_duration_ms), prev_end, 0)
    for cue in cues:
        _clip_words(cue)
    return cues


def _enforce_gaps(cues: list[Segment], gap: int) -> None:
    for cur, nxt in itertools.pairwise(cues):
        if nxt.start - cur.end >= gap:
            continue
        new_end = nxt.start - gap
        if new_end > cur.start:
            cur.end = new_end
        else:  # the earlier cue is too short to give way: the later one starts later
            cur.end = max(cur.end, cur.start + 1)
            nxt.start = cur.end + gap
            nxt.end = max(nxt.end, nxt.start + 1)


def _clip_words(cue: Segment) -> None:
    for w in cue.words:
        w.start = min(max(w.start, cue.start), cue.end)
        w.end = min(max(w.end, w.start), cue.end)
