"""A written word as the words a speaker says for it, and a rough pronunciation for unknown ones.

A forced aligner needs the spoken form: "1994" is said "nineteen ninety four", "20th"
"twentieth", "3.5%" "three point five percent", "well-known" is two dictionary words. Numbers go
through ``num2words``. A word missing from the pronunciation dictionary (a name, a coinage) gets
a rough letter-to-sound pronunciation: for placing word boundaries, phones of the right kind in
the right order are enough.
"""

from __future__ import annotations

import re
import unicodedata

# ARPABET for letter groups, longest first at each position (rough English spelling rules).
_GROUPS: dict[str, str] = {
    "tch": "CH", "sch": "S K", "igh": "AY", "ough": "AO", "tion": "SH AH N", "sion": "ZH AH N",
    "ch": "CH", "sh": "SH", "th": "TH", "ph": "F", "wh": "W", "ck": "K", "ng": "NG", "qu": "K W",
    "gh": "G", "kn": "N", "wr": "R", "dg": "JH",
    "ee": "IY", "ea": "IY", "oo": "UW", "ou": "AW", "ow": "OW", "oa": "OW", "ai": "EY",
    "ay": "EY", "ei": "EY", "ey": "EY", "oi": "OY", "oy": "OY", "au": "AO", "aw": "AO",
    "ie": "IY", "ue": "UW", "er": "ER", "ir": "ER", "ur": "ER", "ar": "AA R", "or": "AO R",
    "a": "AE", "b": "B", "c": "K", "d": "D", "e": "EH", "f": "F", "g": "G", "h": "HH", "i": "IH",
    "j": "JH", "k": "K", "l": "L", "m": "M", "n": "N", "o": "AA", "p": "P", "q": "K", "r": "R",
    "s": "S", "t": "T", "u": "AH", "v": "V", "w": "W", "x": "K S", "y": "IY", "z": "Z",
}  # fmt: skip
_LONGEST = max(len(g) for g in _GROUPS)
_VOWELS = set("aeiouy")

_COLON = re.compile(r"^(\d{1,2}):(\d{1,2})$")
_ORDINAL = re.compile(r"^(\d+)(st|nd|rd|th)$")
_NUMBER = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$|^\d+(\.\d+)?$")
_SPLIT = re.compile(r"[-‐‑–—/_+&]+")
_EDGE = re.compile(r"^[^\w$%]+|[^\w%]+$")
_WORDS = re.compile(r"[a-z']+")


def spoken_words(written: str) -> list[str]:
    """The lower-case words a speaker says for ``written`` (one word of a transcript or script);
    empty for punctuation alone."""
    text = written.strip().lower().replace("’", "'").replace("‘", "'")
    # Accents off ("café" -> cafe, "naïve" -> naive): the dictionary spells English words plain.
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    out: list[str] = []
    for part in _SPLIT.split(text):
        part = _EDGE.sub("", part)
        if not part:
            continue
        out.extend(_spoken_part(part))
    return [w for w in out if w.strip("'")]


def _spoken_part(part: str) -> list[str]:
    suffix: list[str] = []
    if part.startswith("$"):
        part, suffix = part[1:], ["dollars"]
    if part.endswith("%"):
        part, suffix = part[:-1], ["percent"]
    colon = _COLON.match(part)
    if colon:  # "3:2" is a ratio (three to two); "10:30", "9:05" a time (ten thirty, nine oh five)
        left, right = int(colon.group(1)), colon.group(2)
        if len(right) == 2:
            minutes = [] if right == "00" else _number_words(int(right), "cardinal")
            if right.startswith("0") and right != "00":
                minutes = ["oh", *minutes]
            return _number_words(left, "cardinal") + minutes + suffix
        return [*_number_words(left, "cardinal"), "to", *_number_words(int(right), "cardinal")]
    ordinal = _ORDINAL.match(part)
    if ordinal:
        return _number_words(int(ordinal.group(1)), "ordinal") + suffix
    if _NUMBER.match(part):
        plain = part.replace(",", "")
        if "." in plain:
            return _number_words(float(plain), "cardinal") + suffix
        n = int(plain)
        year = len(plain) == 4 and 1100 <= n <= 2099 and "," not in part and not suffix
        return _number_words(n, "year" if year else "cardinal") + suffix
    letters = re.sub(r"[^a-z']", " ", part).split()
    if any(ch.isdigit() for ch in part):  # "mp3", "4k": letters and digits said one by one
        return [w for ch in part if ch.isalnum() for w in _spoken_part(ch)] + suffix
    return letters + suffix


def _number_words(n: float, to: str) -> list[str]:
    from num2words import num2words

    return _WORDS.findall(num2words(n, to=to).replace("-", " "))


def rough_phones(word: str) -> str:
    """A rough ARPABET pronunciation of a word the dictionary lacks (letters of a-z and ')."""
    w = re.sub(r"[^a-z]", "", word.lower())
    if len(w) > 2 and w.endswith("e") and w[-2] not in _VOWELS:
        w = w[:-1]  # a final silent e
    phones: list[str] = []
    i = 0
    while i < len(w):
        for size in range(min(_LONGEST, len(w) - i), 0, -1):
            group = w[i : i + size]
            if group in _GROUPS:
                if size == 1 and phones and i > 0 and w[i - 1] == group and group not in _VOWELS:
                    pass  # a doubled consonant is one sound
                elif group == "y" and i == 0:
                    phones.append("Y")
                else:
                    phones.append(_GROUPS[group])
                i += size
                break
    return " ".join(phones) or "AH"
