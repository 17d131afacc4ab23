"""The languages Whisper knows (ISO codes as whisper.cpp takes them).

The CLI checks ``-l`` against them and the GUI lists them in its options. :func:`guess_language`
tells a few of them apart by their commonest words, for subtitles that do not say theirs.

Kept here rather than asked of whisper.cpp so the GUI process never loads the native library.
"""

from __future__ import annotations

LANGUAGES: dict[str, str] = {
    "af": "Afrikaans", "am": "Amharic", "ar": "Arabic", "as": "Assamese", "az": "Azerbaijani",
    "ba": "Bashkir", "be": "Belarusian", "bg": "Bulgarian", "bn": "Bengali", "bo": "Tibetan",
    "br": "Breton", "bs": "Bosnian", "ca": "Catalan", "cs": "Czech", "cy": "Welsh",
    "da": "Danish", "de": "German", "el": "Greek", "en": "English", "es": "Spanish",
    "et": "Estonian", "eu": "Basque", "fa": "Persian", "fi": "Finnish", "fo": "Faroese",
    "fr": "French", "gl": "Galician", "gu": "Gujarati", "ha": "Hausa", "haw": "Hawaiian",
    "he": "Hebrew", "hi": "Hindi", "hr": "Croatian", "ht": "Haitian Creole", "hu": "Hungarian",
    "hy": "Armenian", "id": "Indonesian", "is": "Icelandic", "it": "Italian", "ja": "Japanese",
    "jw": "Javanese", "ka": "Georgian", "kk": "Kazakh", "km": "Khmer", "kn": "Kannada",
    "ko": "Korean", "la": "Latin", "lb": "Luxembourgish", "ln": "Lingala", "lo": "Lao",
    "lt": "Lithuanian", "lv": "Latvian", "mg": "Malagasy", "mi": "Maori", "mk": "Macedonian",
    "ml": "Malayalam", "mn": "Mongolian", "mr": "Marathi", "ms": "Malay", "mt": "Maltese",
    "my": "Myanmar", "ne": "Nepali", "nl": "Dutch", "nn": "Nynorsk", "no": "Norwegian",
    "oc": "Occitan", "pa": "Punjabi", "pl": "Polish", "ps": "Pashto", "pt": "Portuguese",
    "ro": "Romanian", "ru": "Russian", "sa": "Sanskrit", "sd": "Sindhi", "si": "Sinhala",
    "sk": "Slovak", "sl": "Slovenian", "sn": "Shona", "so": "Somali", "sq": "Albanian",
    "sr": "Serbian", "su": "Sundanese", "sv": "Swedish", "sw": "Swahili", "ta": "Tamil",
    "te": "Telugu", "tg": "Tajik", "th": "Thai", "tk": "Turkmen", "tl": "Tagalog",
    "tr": "Turkish", "tt": "Tatar", "uk": "Ukrainian", "ur": "Urdu", "uz": "Uzbek",
    "vi": "Vietnamese", "yi": "Yiddish", "yo": "Yoruba", "yue": "Cantonese", "zh": "Chinese",
}  # fmt: skip


def by_name() -> list[tuple[str, str]]:
    """(code, name) pairs sorted by name, for a combo box."""
    return sorted(LANGUAGES.items(), key=lambda item: item[1])


# The commonest short words of the languages whose words the forced aligner can time besides
# English (core/refine/forced_alignment.py), and of two it cannot (so that their texts are not
# taken for one it can), to tell which one a text of no stated language is in (opened
# subtitles). Shared words ("de", "que", "la") count for each language that has them.
_FUNCTION_WORDS = {
    "en": (
        "the of and to in is that for it with as was on be by this are from at his her "
        "have not but they you which"
    ),
    "it": (
        "il lo la i gli le di che e è per un una non in del della dei con si sono ma come "
        "anche più nel alla"
    ),
    "de": (
        "der die das und ist nicht ein eine einen zu den von mit sich des auf für im dem auch "
        "es wird sie wir ich er an aus bei nach wie oder aber wenn so noch nur sind war"
    ),
    "es": (
        "el la los las y que de en es un una por para con no se del al lo como más pero su "
        "sus le ha muy este esta son fue ya a"
    ),
    "fr": (
        "le la les et est que de des en un une du pour dans pas qui sur au avec il elle ce "
        "ne se sont aux cette mais ou plus par a à"
    ),
    "pt": (
        "o a os as e que de do da em um uma para com não se dos das no na por mais é foi ao "
        "mas como seu sua ser são"
    ),
}
FUNCTION_WORDS = {code: frozenset(text.split()) for code, text in _FUNCTION_WORDS.items()}


def guess_language(words: list[str]) -> str | None:
    """Which language of :data:`FUNCTION_WORDS` a text's ``words`` are in; None when none has at
    least 15 % of the words among its function words and twice the runner-up's count of words
    that only it has. (FLEURS, one sentence at a time: all 10 English sentences right, and 38 of
    the 40 German, Spanish, French and Portuguese ones; two None, none wrong.)"""
    candidates = tuple(FUNCTION_WORDS)
    tokens = [w.strip().strip(".,;:!?¿¡\"'«»()[]").lower() for w in words]
    tokens = [t for t in tokens if t]
    if not tokens:
        return None
    hits = {c: sum(t in FUNCTION_WORDS[c] for t in tokens) for c in candidates}
    own = {
        c: sum(
            t in FUNCTION_WORDS[c] and not any(t in FUNCTION_WORDS[o] for o in candidates if o != c)
            for t in tokens
        )
        for c in candidates
    }
    best = max(candidates, key=lambda c: (own[c], hits[c]))
    runner_up = max((own[c] for c in candidates if c != best), default=0)
    if hits[best] < 0.15 * len(tokens) or own[best] < 2 * runner_up or own[best] == 0:
        return None
    return best
