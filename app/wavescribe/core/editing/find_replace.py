"""Find and replace across the cues' text, as reversible commands (see :mod:`.commands`)."""

from __future__ import annotations

import re
from collections.abc import Callable

from wavescribe.core.editing.commands import _Restoring, retext_words
from wavescribe.core.editing.document import EditRefused, SubtitleDocument

__all__ = ["ReplaceAll", "search_pattern"]


class ReplaceAll(_Restoring):
    """Find and replace across every cue's text, as one undo step (``count`` after ``do``).

    Plain text is matched literally and replaced literally; with ``regex`` the replacement may
    use ``\\1`` and ``\\g<name>``. ``whole_words`` only matches at word boundaries.
    """

    def __init__(
        self,
        find: str,
        replace: str,
        *,
        case_sensitive: bool = False,
        regex: bool = False,
        whole_words: bool = False,
    ) -> None:
        super().__init__()
        self.pattern = search_pattern(
            find, case_sensitive=case_sensitive, regex=regex, whole_words=whole_words
        )
        self.replacement: str | Callable[[re.Match[str]], str] = (
            replace if regex else lambda _m: replace
        )
        self.count = 0  # replacements made, after ``do``
        self.cues = 0  # cues changed, after ``do``
        self.label = f"Replace “{find}” with “{replace}”"

    def do(self, doc: SubtitleDocument) -> None:
        changes: list[tuple[int, str]] = []
        count = 0
        try:
            for i, seg in enumerate(doc.segments):
                text, n = self.pattern.subn(self.replacement, seg.text)
                if n and text != seg.text:
                    changes.append((i, text))
                    count += n
        except (re.error, IndexError) as exc:
            raise EditRefused(f"the replacement is not valid: {exc}") from exc
        if not changes:
            raise EditRefused(f"no cue contains “{self.pattern.pattern}”")
        self._saved = []
        for i, text in changes:
            self._save(doc, i)
            seg = doc.segments[i]
            seg.words = retext_words(seg.words, text)
            seg.text = text
        self.count, self.cues = count, len(changes)


def search_pattern(
    find: str, *, case_sensitive: bool = False, regex: bool = False, whole_words: bool = False
) -> re.Pattern[str]:
    """The pattern that find and replace look for; :class:`EditRefused` if it is empty or bad.

    Plain text is matched literally; ``whole_words`` only matches at word boundaries.
    """
    if not find:
        raise EditRefused("there is nothing to find")
    source = find if regex else re.escape(find)
    if whole_words:
        source = rf"\b(?:{source})\b"
    try:
        return re.compile(source, 0 if case_sensitive else re.IGNORECASE)
    except re.error as exc:
        raise EditRefused(f"the pattern is not valid: {exc}") from exc
