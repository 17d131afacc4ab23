"""What an alignment found: how many script words were heard, and the passages that were not."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from wavescribe.core.align.word_match import Match
from wavescribe.core.align.word_times import TimedWord

EXCERPT_CHARS = 60


@dataclass(frozen=True, slots=True)
class Passage:
    """A stretch of the script that could not be matched to the audio: its first word's index,
    how many words, an excerpt, why, and where it was put (ms)."""

    first_word: int
    words: int
    excerpt: str
    reason: str
    at_ms: int | None


@dataclass(slots=True)
class AlignReport:
    """Counts over the script's words, and the doubtful passages in script order."""

    words: int = 0
    exact: int = 0
    substituted: int = 0
    interpolated: int = 0
    not_found: int = 0
    passages: list[Passage] = field(default_factory=list)

    @classmethod
    def from_words(cls, timed: list[TimedWord]) -> AlignReport:
        report = cls(words=len(timed))
        for w in timed:
            if not w.found:
                report.not_found += 1
            elif w.how is Match.EXACT:
                report.exact += 1
            elif w.how is Match.SUBSTITUTED:
                report.substituted += 1
            else:
                report.interpolated += 1
        i = 0
        while i < len(timed):
            reason = timed[i].doubt
            if reason is None:
                i += 1
                continue
            j = i
            while j < len(timed) and timed[j].doubt == reason:
                j += 1
            text = " ".join(w.text for w in timed[i:j])
            excerpt = text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"
            report.passages.append(Passage(i, j - i, excerpt, reason, timed[i].start))
            i = j
        return report

    def summary(self) -> str:
        """One line: heard / substituted / interpolated / not found, and passages reported."""
        line = (
            f"{self.words} script words: {self.exact} heard, {self.substituted} heard "
            f"differently, {self.interpolated} timed from their neighbours, "
            f"{self.not_found} not found in the audio"
        )
        if self.passages:
            line += f"; {len(self.passages)} passage(s) flagged"
        return line

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
