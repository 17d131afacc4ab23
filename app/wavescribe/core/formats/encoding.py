"""Turning a subtitle file's bytes into text when the file does not say its encoding.

Order: a byte order mark (UTF-8, UTF-16, UTF-32) wins; then UTF-16 without a mark, recognised by
its NUL bytes; then strict UTF-8, which is what nearly every file is today; then Windows-1252, the
usual encoding of old Western subtitles, but only if the result looks like Western text.

That last check is what keeps a legacy Chinese, Cyrillic or Greek file (GB2312, Windows-1251, ...)
from turning silently into mojibake: decoded as 1252 such text is almost all accented letters and
symbols, while Western text is mostly ASCII letters with a few accented ones. When the check fails
the file is refused with a message that asks for ``encoding=``; guessing among CJK and Cyrillic
code pages needs charset detection, which we leave out on purpose. There is no Latin-1 fallback:
the only bytes it decodes that 1252 does not are C1 control codes, which are never subtitle text.
"""

from __future__ import annotations

import codecs

from wavescribe.core.errors import SubtitleParseError

_BOMS = (  # UTF-32 first: its little-endian mark starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode(data: bytes, encoding: str | None = None) -> str:
    """Text of a subtitle file; ``encoding`` overrides detection. A leading BOM is removed."""
    if encoding is not None:
        return _decode(data, encoding).removeprefix("\ufeff")
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return _decode(data[len(bom) :], codec)
    if b"\0" in data:
        odd_nuls, even_nuls = data[1::2].count(0), data[0::2].count(0)
        if max(odd_nuls, even_nuls) * 4 >= len(data):  # ASCII-heavy UTF-16: every other byte
            return _decode(data, "utf-16-le" if odd_nuls > even_nuls else "utf-16-be")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = ""
    if text and _looks_western(text):
        return text
    raise SubtitleParseError(
        "the file is neither UTF-8 nor Western (Windows-1252) text;"
        " open it again with its encoding (e.g. gb2312, cp1251, shift_jis)"
    )


def _decode(data: bytes, codec: str) -> str:
    try:
        return data.decode(codec)
    except LookupError as e:
        raise SubtitleParseError(f"unknown text encoding {codec!r}") from e
    except UnicodeDecodeError as e:
        raise SubtitleParseError(
            f"the file is not valid {codec} text (byte {e.start}); try another encoding"
        ) from e


def _looks_western(text: str) -> bool:
    """At most as many non-ASCII characters as ASCII letters."""
    non_ascii = sum(1 for c in text if not c.isascii())
    ascii_letters = sum(1 for c in text if c.isascii() and c.isalpha())
    return non_ascii <= ascii_letters
