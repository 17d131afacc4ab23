"""Group whisper.cpp tokens into words with timings.

A token that starts with a space opens a new word, as in Whisper's own word splitting; scripts
written without spaces (CJK, Thai) get one word per character so refinement can still place them.
Token bytes are joined before decoding because one UTF-8 character may span two tokens.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from wavescribe.core.refine.regroup import is_sentence_end
from wavescribe.core.transcript import Word

Token = tuple[bytes, int, int, float]  # (bytes, start ms, end ms, probability)


def words_from_tokens(tokens: Sequence[Token], seg_start: int, seg_end: int) -> list[Word]:
    """Words from ``tokens``, times clamped into the segment and made non-decreasing."""
    groups: list[list[Token]] = []
    for tok in tokens:
        if not groups or _opens_word(tok[0], b"".join(t[0] for t in groups[-1])):
            groups.append([tok])
        else:
            groups[-1].append(tok)
    words: list[Word] = []
    prev_end = seg_start
    for group in groups:
        text = b"".join(t[0] for t in group).decode("utf-8", errors="replace")
        if not text.strip():
            continue
        start = min(max(group[0][1], prev_end), seg_end)
        end = min(max(group[-1][2], start), seg_end)
        prob = sum(t[3] for t in group) / len(group)
        words.append(Word(start=start, end=end, text=text, probability=round(prob, 4)))
        prev_end = end
    return words


def sentences(words: Sequence[Word]) -> list[list[Word]]:
    """``words`` cut after each word that ends a sentence (as cues are: :func:`is_sentence_end`)."""
    out: list[list[Word]] = [[]]
    for w in words:
        out[-1].append(w)
        if is_sentence_end(w):
            out.append([])
    return [s for s in out if s]


def _opens_word(token: bytes, current: bytes) -> bool:
    if token.startswith(b" "):
        return True
    try:
        cur_text = current.decode("utf-8")
        tok_text = token.decode("utf-8")
    except UnicodeDecodeError:  # mid-character: keep gluing
        return False
    if not tok_text or not cur_text:
        return False
    return _unspaced_script(tok_text[0]) or _unspaced_script(cur_text[-1])


def _unspaced_script(ch: str) -> bool:
    """True for characters of scripts that do not separate words with spaces."""
    name = unicodedata.name(ch, "")
    return name.startswith(("CJK ", "HIRAGANA", "KATAKANA", "THAI", "LAO ", "KHMER", "HANGUL"))
