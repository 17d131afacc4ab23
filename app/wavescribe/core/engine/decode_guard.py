"""Is a decoded window believable? Whisper's loop and hallucination tells, as OpenAI's and
faster-whisper's decoders check them (thresholds are theirs: compression ratio 2.4, mean
log-probability -1.0).

A window that shows a tell is decoded again with other settings (see ``speech_first``); if every
attempt shows one, its cues are kept but marked suspect with the reason.
"""

from __future__ import annotations

import re
import zlib
from collections import Counter
from collections.abc import Sequence

COMPRESSION_RATIO_MAX = 2.4
LOGPROB_MIN = -1.0
NGRAM = 4  # a 4-word phrase (of at least two distinct words) said 3 times is a loop
NGRAM_REPEATS = 3
DOUBLED_MIN_WORDS = 5  # a phrase this long said twice in a row is a loop (speakers rarely do it)
TRIPLED_MIN_WORDS = 3  # ... and one this long said three times in a row
RECENT_MIN_WORDS = 6  # a sentence this long, said again from one window to the next, is a loop
MIN_TEXT_CHARS = 40  # gzip on very short text says nothing


def words_of(text: str) -> list[str]:
    return re.sub(r"[^\w' ]+", " ", text.lower()).split()


def compression_ratio(text: str) -> float:
    """Bytes of ``text`` over bytes of its zlib compression: loops compress very well."""
    raw = text.encode("utf-8")
    return len(raw) / max(1, len(zlib.compress(raw)))


def repeated_ngram(words: Sequence[str], n: int = NGRAM, times: int = NGRAM_REPEATS) -> str | None:
    """The most repeated ``n``-word phrase said at least ``times`` times, or None. Phrases of one
    repeated word ("uh uh uh uh") are speech, not a decoder loop."""
    grams = Counter(
        tuple(words[i : i + n]) for i in range(len(words) - n + 1) if len(set(words[i : i + n])) > 1
    )
    if not grams:
        return None
    gram, count = grams.most_common(1)[0]
    return " ".join(gram) if count >= times else None


def doubled_phrase(words: Sequence[str], min_words: int = DOUBLED_MIN_WORDS) -> str | None:
    """The longest phrase said again right after itself, or None: one of at least ``min_words``
    words twice ("we're going to be on the way we're going to be on the way"), or of at least
    ``TRIPLED_MIN_WORDS`` three times ("we're going back, we're going back, we're going back",
    tiny.en on the Apollo 11 radio). Those are decoder echoes; a speaker's emphasis repeats a
    word or two ("no, no, no", "come on, come on") or a short phrase once ("okay, no problem,
    okay, no problem")."""
    for k in range(len(words) // 2, TRIPLED_MIN_WORDS - 1, -1):
        times = 2 if k >= min_words else 3
        for i in range(len(words) - times * k + 1):
            if all(words[i : i + k] == words[i + j * k : i + (j + 1) * k] for j in range(times)):
                return " ".join(words[i : i + k])
    return None


def loops(text: str) -> bool:
    """Whether ``text`` repeats itself the way a looping decoder does."""
    words = words_of(text)
    return (
        repeated_ngram(words) is not None
        or doubled_phrase(words) is not None
        or (len(text) >= MIN_TEXT_CHARS and compression_ratio(text) > COMPRESSION_RATIO_MAX)
    )


def window_tell(
    sentences: Sequence[str], mean_logprob: float | None, recent: Sequence[str] = ()
) -> str | None:
    """Why a window's decoded ``sentences`` (segment texts) look made up, or None.

    ``recent``: normalised sentences of the windows decoded just before this one.
    """
    text = " ".join(s.strip() for s in sentences if s.strip())
    if not text:
        return None
    words = words_of(text)
    gram = repeated_ngram(words)
    if gram is not None:
        return f"repeats “{gram}”"
    doubled = doubled_phrase(words)
    if doubled is not None:
        return f"says “{doubled}” again and again"
    if len(text) >= MIN_TEXT_CHARS:
        ratio = compression_ratio(text)
        if ratio > COMPRESSION_RATIO_MAX:
            return f"repetitive text (compression ratio {ratio:.1f})"
    for s in sentences:
        norm = " ".join(words_of(s))
        if len(norm.split()) >= RECENT_MIN_WORDS and norm in recent:
            return "repeats text decoded just before"
    if mean_logprob is not None and mean_logprob < LOGPROB_MIN:
        return f"improbable text (mean log-probability {mean_logprob:.2f})"
    return None
