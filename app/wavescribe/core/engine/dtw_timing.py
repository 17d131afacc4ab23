"""Word times from whisper.cpp's DTW token timestamps (``t_dtw``).

whisper.cpp can align each decoded token to the audio by dynamic time warping over the
cross-attention of the model's alignment heads (``dtw_token_timestamps``, chosen when the model is
loaded; flash attention must be off for it). Read right, ``t_dtw`` marks where a token *ends*,
about ``DTW_LAG_MS`` late (measured 90-180 ms, ``benchmarks/dtw_token_times.py``); so a word ends
at its last token's ``t_dtw`` and starts where the token before it ended, both less the lag.
Kept in place by refinement, such words are nearer the truth inside long stretches of speech
than whisper.cpp's own ``t0``/``t1`` re-laid by character shares (``benchmarks/sentence_joins.py``).

Which heads: whisper.cpp has presets for OpenAI's models, told apart here by the GGML header's
shape (layers, width, vocabulary), so an imported or renamed file gets them too. A model of
another shape (distil-large-v3: 2 decoder layers) gets every head of every decoder layer
(``WHISPER_AHEADS_N_TOP_MOST`` with ``n_top`` = its decoder depth): the binding cannot pass
custom heads. ``WAVESCRIBE_DTW`` overrides the choice (:func:`chosen_heads`). If loading with
DTW fails (whisper.cpp 1.8.5 crashes when it refuses the heads), the engine loads the model again
without it (``Engine.start``) and the words keep whisper.cpp's own times.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from wavescribe.core.engine.word_grouping import Token
from wavescribe.core.models.ggml_file import MAGIC, N_VOCAB_EN
from wavescribe.core.models.ggml_layout import HPARAM_FIELDS, Hparams

# t_dtw comes this much after the token's end (measured on raw tokens: 90-180 ms). Through the
# whole product path (2026-12-05, words shifted by 60-160 ms before refinement): espeak's exact
# word times are best at 100 (47/48 ms, 50-56 at 80 or 120-140), Apollo 11 and the FLEURS
# joins move by less than 40 ms either way.
DTW_LAG_MS = 100
DTW_ENV = "WAVESCRIBE_DTW"

# (n_audio_layer, n_text_layer, n_audio_state) -> whisper.cpp preset stem; ".en" by vocabulary.
_SHAPES = {
    (4, 4, 384): "TINY",
    (6, 6, 512): "BASE",
    (12, 12, 768): "SMALL",
    (24, 24, 1024): "MEDIUM",
    (32, 32, 1280): "LARGE",
    (32, 4, 1280): "LARGE_V3_TURBO",
}
N_VOCAB_V3 = 51866  # large-v3 and its turbo; 51865 for the other multilingual models


@dataclass(frozen=True, slots=True)
class AlignmentHeads:
    """Which cross-attention heads DTW uses: a whisper.cpp preset name (a member of
    ``whisper_alignment_heads_preset``) and, for ``WHISPER_AHEADS_N_TOP_MOST``, how many of
    the top decoder layers."""

    preset: str
    n_top: int = -1


def read_hparams(path: str | os.PathLike[str]) -> Hparams | None:
    """The header's hparams (48 bytes read), or None if ``path`` is not a readable GGML file."""
    try:
        with open(path, "rb") as f:
            head = f.read(4 + 4 * len(HPARAM_FIELDS))
    except OSError:
        return None
    if len(head) < 4 + 4 * len(HPARAM_FIELDS) or int.from_bytes(head[:4], "little") != MAGIC:
        return None
    return Hparams(*struct.unpack(f"<{len(HPARAM_FIELDS)}i", head[4:]))


def heads_for(hp: Hparams, name: str = "") -> AlignmentHeads:
    """The alignment heads for a model of header ``hp`` (file ``name`` only tells large-v1 from
    large-v2, whose shapes are equal)."""
    stem = _SHAPES.get((hp.n_audio_layer, hp.n_text_layer, hp.n_audio_state))
    english_only = hp.n_vocab == N_VOCAB_EN
    if stem in ("TINY", "BASE", "SMALL", "MEDIUM"):
        return AlignmentHeads(f"WHISPER_AHEADS_{stem}{'_EN' if english_only else ''}")
    if stem == "LARGE" and not english_only:
        if hp.n_vocab == N_VOCAB_V3:
            return AlignmentHeads("WHISPER_AHEADS_LARGE_V3")
        v1 = "large-v1" in name.lower() or name.lower().endswith("large.bin")
        return AlignmentHeads(f"WHISPER_AHEADS_LARGE_V{1 if v1 else 2}")
    if stem == "LARGE_V3_TURBO" and hp.n_vocab == N_VOCAB_V3:
        return AlignmentHeads("WHISPER_AHEADS_LARGE_V3_TURBO")
    return AlignmentHeads("WHISPER_AHEADS_N_TOP_MOST", hp.n_text_layer)


def chosen_heads(
    hp: Hparams | None, name: str, environ: Mapping[str, str] = os.environ
) -> AlignmentHeads | None:
    """The heads to load the model with, or None for no DTW: ``WAVESCRIBE_DTW`` off (0, false,
    no, off), or no header; ``WAVESCRIBE_DTW=top:N`` asks for every head of the top N decoder
    layers (for a fine-tuned model whose heads moved); otherwise :func:`heads_for`."""
    value = environ.get(DTW_ENV, "").strip().lower()
    if value in ("0", "false", "no", "off") or hp is None:
        return None
    if value.startswith("top:") and value[4:].isdigit():
        return AlignmentHeads("WHISPER_AHEADS_N_TOP_MOST", int(value[4:]))
    return heads_for(hp, name)


# bytes, t0, t1, t_dtw (ms; < 0: none), probability, log-probability
RawToken = tuple[bytes, int, int, int, float, float]


def dtw_tokens(
    raw: Sequence[RawToken], prev: int | None = None, lag_ms: int = DTW_LAG_MS
) -> list[Token] | None:
    """Tokens timed from ``t_dtw``: each ends at its own ``t_dtw`` and starts at the previous
    token's (``prev``: the one before ``raw``, of the same decode; the very first starts at its
    own ``t0``), less ``lag_ms``; None if a token has no ``t_dtw`` (DTW did not run), so the
    caller keeps whisper.cpp's ``t0``/``t1``."""
    if not raw or any(t[3] < 0 for t in raw):
        return None
    out: list[Token] = []
    for text, t0, _t1, t_dtw, p, _ in raw:
        end = max(0, t_dtw - lag_ms)
        start = min(end, max(0, t0 if prev is None else prev - lag_ms))
        out.append((text, start, end, p))
        prev = t_dtw
    return out


def whisper_tokens(raw: Sequence[RawToken]) -> list[Token]:
    """Tokens timed by whisper.cpp's own ``t0``/``t1``."""
    return [(text, t0, t1, p) for text, t0, t1, _, p, _ in raw]


def segment_tokens(pw: Any, ctx: Any, i: int, eot: int, offset_ms: int = 0) -> list[RawToken]:
    """The text tokens of decoded segment ``i`` (times in ms, ``offset_ms`` added; ``t_dtw``
    -1 where whisper.cpp computed none) and their log-probabilities."""
    out: list[RawToken] = []
    for j in range(pw.whisper_full_n_tokens(ctx, i)):
        d = pw.whisper_full_get_token_data(ctx, i, j)
        if d.id >= eot:  # timestamps, language and task tokens carry no text
            continue
        t_dtw = offset_ms + 10 * d.t_dtw if d.t_dtw >= 0 else -1
        text = pw.whisper_token_to_bytes(ctx, d.id)
        out.append((text, offset_ms + 10 * d.t0, offset_ms + 10 * d.t1, t_dtw, d.p, d.plog))
    return out


def timed_tokens(raw: Sequence[RawToken], prev: int | None = None) -> tuple[list[Token], bool]:
    """``raw`` timed from DTW where it has ``t_dtw`` (True), else by ``t0``/``t1`` (False)."""
    dtw = dtw_tokens(raw, prev)
    return (dtw, True) if dtw is not None else (whisper_tokens(raw), False)


def token_span(tokens: Sequence[Token], t0: int, t1: int) -> tuple[int, int]:
    """The segment span ``t0``-``t1`` widened to hold every token (DTW times may lie outside
    whisper.cpp's segment times, which would otherwise clamp them)."""
    if not tokens:
        return t0, t1
    return min(t0, tokens[0][1]), max(t1, max(t[2] for t in tokens))
