"""One window through whisper.cpp: the audio of a window's pieces fed to ``whisper_full``, its
segments and words mapped back to the source timeline (:mod:`window_words`), and the quick listen
that tells whether a stretch Silero missed is worth a full decode.

Speech-first decoding (:mod:`speech_first`) decides which windows to decode and with what
settings; this module only runs them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from wavescribe.core import errors
from wavescribe.core.engine.decode_guard import words_of
from wavescribe.core.engine.decoder_pool import DecoderPool
from wavescribe.core.engine.dtw_timing import segment_tokens, timed_tokens, token_span
from wavescribe.core.engine.speech_windows import Window
from wavescribe.core.engine.window_words import in_source
from wavescribe.core.engine.word_grouping import sentences, words_from_tokens
from wavescribe.core.refine.hallucination import mean_probability
from wavescribe.core.transcript import Segment

RATE = 16000
# A quick listen to a stretch Silero missed (:func:`nothing_said`): the encoder runs over the
# stretch and this much after it, in whisper's 20 ms encoder frames (1500 of them are 30 s).
PROBE_MARGIN_MS = 1000
PROBE_MAX_TOKENS = 24
# ... and words it hears below this mean probability are not worth a full decode. Measured on
# the 47 quick listens of 8 layouts (tiny.en and multilingual base): in beds, base heard "Thank
# you."-like sentences at 0.02-0.32 (and its full decode made them up again, at 0.71-0.91);
# speech Silero missed was heard at 0.37 (tiny.en, a whisper) and above.
PROBE_MIN_PROBABILITY = 0.33
AUDIO_FRAME_MS = 20
AUDIO_CTX = 1500


@dataclass(slots=True)
class Decoded:
    """One window's result: segments in source time, why it is doubtful, mean log-probability."""

    segments: list[Segment]
    tell: str | None = None
    mean_logprob: float | None = None
    dtw: bool = False  # every word timed from whisper.cpp's DTW token times


def decode_window(
    pw: Any,
    ctx: Any,
    audio: np.ndarray,
    window: Window,
    params: Any,
    cancelled: Callable[[], bool],
    split: bool = False,
) -> Decoded:
    """One ``whisper_full`` call on ``window``'s audio; segments mapped to source time (and
    split where the window's pieces meet, if ``split``). ``ctx``: a context, or a pool to
    borrow one from.

    Whisper's segments are cut into sentences: decoded without timestamp tokens (as speech
    windows are, :func:`whisper_run.window_params`), a window is one segment."""
    if isinstance(ctx, DecoderPool):
        with ctx.borrow() as borrowed:
            return decode_window(pw, borrowed, audio, window, params, cancelled, split)
    fed = window.samples(audio, RATE)
    pw.assign_abort_callback(params, cancelled)
    rc = pw.whisper_full(ctx, params, fed, fed.size)
    if cancelled():
        raise errors.Cancelled("transcription cancelled")
    if rc != 0:
        raise errors.EngineError(f"whisper.cpp failed to transcribe (error code {rc})")
    eot = pw.whisper_token_eot(ctx)
    segments: list[Segment] = []
    logprobs: list[float] = []
    dtw = True
    prev: int | None = None  # the last token's t_dtw: where the next token starts
    for i in range(pw.whisper_full_n_segments(ctx)):
        raw = segment_tokens(pw, ctx, i, eot)
        logprobs.extend(float(t[5]) for t in raw)
        tokens, timed_by_dtw = timed_tokens(raw, prev)
        dtw = dtw and (timed_by_dtw or not raw)
        prev = raw[-1][3] if raw else prev
        t0 = 10 * pw.whisper_full_get_segment_t0(ctx, i)
        t1 = 10 * pw.whisper_full_get_segment_t1(ctx, i)
        t1 = max(t0, t1)
        if timed_by_dtw:
            t0, t1 = token_span(tokens, t0, t1)
        for sentence in sentences(words_from_tokens(tokens, t0, t1)):
            before = segments[-1] if segments else None
            segments.extend(in_source(window, sentence, split=split, before=before))
    mean = float(np.mean(logprobs)) if logprobs else None
    return Decoded(segments, None, mean, dtw)


def nothing_said(
    pw: Any,
    ctx: Any,
    audio: np.ndarray,
    window: Window,
    params: Any,
    cancelled: Callable[[], bool],
) -> bool:
    """Whether a quick listen to ``window`` (a stretch Silero missed) hears no word at all, or
    only sentences below ``PROBE_MIN_PROBABILITY`` or said again.

    Greedy, no fallback, and the encoder run over the window's audio plus ``PROBE_MARGIN_MS``
    only (whisper.cpp's ``audio_ctx``) instead of 30 s: ~0.1 s instead of ~1 s for tiny.en on
    2 cores (~1.7 s for base). Reduced context makes whisper less accurate, so a stretch where
    it hears probable words is decoded in full as before. Measured on the 53 single-piece windows
    of 1-12 s in real-long, real-40, real-short and shuffled-1..6 (tiny.en): the 38 where the full
    decode (beam 5) found words all had words in the quick listen too; the 15 where it found
    none had none in the quick listen either ("", ".", ". . .", U+FFFD). The multilingual base
    hears improbable sentences in beds instead (see ``PROBE_MIN_PROBABILITY``)."""
    params.audio_ctx = min(AUDIO_CTX, -(-(window.fed_ms + PROBE_MARGIN_MS) // AUDIO_FRAME_MS))
    params.temperature_inc = 0.0
    params.max_tokens = PROBE_MAX_TOKENS
    heard = decode_window(pw, ctx, audio, window, params, cancelled)
    said: list[str] = []
    for seg in heard.segments:
        words = " ".join(words_of(seg.text))
        prob = mean_probability(seg)
        # A sentence heard again in a few seconds is a loop (base: "I'm going to go to the
        # beach." twice over pink noise, 0.26 then 0.67).
        if words and words not in said and (prob is None or prob >= PROBE_MIN_PROBABILITY):
            return False
        said.append(words)
    return True


def spoken_language(
    pw: Any, ctx: Any, audio: np.ndarray, window: Window, threads: int
) -> str | None:
    """The language whisper hears in ``window`` (its first 30 s), or None if it cannot tell.

    An "auto" language is decided here, on a window of speech, before any window is decoded:
    whisper.cpp decided it on the first window it was given, and on the multilingual base a
    1.2 s stretch Silero had missed at the start of four Spanish FLEURS clips was heard as
    Korean, which every window was then decoded in (WER 0.97)."""
    fed = window.samples(audio, RATE)
    if pw.whisper_pcm_to_mel(ctx, fed, fed.size, threads) != 0:
        return None
    probs = np.zeros(pw.whisper_lang_max_id() + 1, np.float32)
    lang_id = pw.whisper_lang_auto_detect(ctx, 0, threads, probs)
    return str(pw.whisper_lang_str(lang_id)) if lang_id >= 0 else None
