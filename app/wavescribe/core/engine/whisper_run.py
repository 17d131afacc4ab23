"""Running whisper.cpp in the engine's worker: speech-first (the default; windows of speech,
:mod:`speech_first`) or over the whole file, each new segment sent to the parent as decoded,
its words timed by DTW where the model was loaded with it (:mod:`dtw_timing`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wavescribe.core import errors
from wavescribe.core.engine.dtw_timing import RawToken, segment_tokens, timed_tokens, token_span
from wavescribe.core.engine.model_loading import computes_dtw, decoder_pool_for
from wavescribe.core.engine.options import TranscribeOptions
from wavescribe.core.engine.word_grouping import words_from_tokens
from wavescribe.core.transcript import Segment

if TYPE_CHECKING:
    from wavescribe.core.engine.speech_first import Attempt
    from wavescribe.core.engine.worker import SpeechOnce


def run_whisper(
    ctx: Any,
    audio: Any,
    options: TranscribeOptions,
    send: Any,
    cancelled: Any,
    speech: SpeechOnce | None = None,
    model_path: str | None = None,
) -> tuple[list[Segment], str | None, dict[str, Any]]:
    """Run whisper.cpp with word-level token timings; each new segment is sent as decoded.

    Speech-first (the default, :mod:`speech_first`) or over the whole file; also returns what
    the decoding did, for the transcript's metadata. ``model_path``: ``ctx``'s model, loaded
    again for parallel decoders (without it, one decoder).
    """
    import _pywhispercpp as pw

    if not pw.whisper_is_multilingual(ctx):
        # English-only models have no language tokens: "auto" would pick a random language.
        if options.language not in ("auto", "en", ""):
            send(("warning", f"this model is English-only; ignoring language {options.language!r}"))
        options.language, options.translate = "en", False
    if options.speech_first:
        return _run_speech_first(pw, ctx, audio, options, send, cancelled, speech, model_path)
    timing = {True: 0, False: 0}  # segments timed by DTW, by whisper.cpp's t0/t1
    segments, language = run_whole_file(pw, ctx, audio, options, send, cancelled, timing)
    word_timing = "dtw" if timing[True] and not timing[False] else "whisper"
    return segments, language, {"mode": "whole file", "word_timing": word_timing}


def _run_speech_first(
    pw: Any,
    ctx: Any,
    audio: Any,
    options: TranscribeOptions,
    send: Any,
    cancelled: Any,
    speech: SpeechOnce | None = None,
    model_path: str | None = None,
) -> tuple[list[Segment], str | None, dict[str, Any]]:
    from wavescribe.core.engine.speech_first import decode_speech_first

    pool = decoder_pool_for(ctx, model_path, options, send)
    threads = max(1, options.threads // pool.size)
    language: str | None = None
    decoded = False  # whisper.cpp's language id means something only after a first decode
    dtw = computes_dtw(ctx)

    def params_for(attempt: Attempt) -> Any:
        nonlocal language, decoded
        if decoded and language is None and options.language == "auto":
            # Decided by the first window (whisper.cpp detects it there); kept for the rest.
            language = detected_language(pw, ctx)
            if language:
                options.language = language
        decoded = True
        return window_params(pw, options, attempt, threads, timestamps=not dtw)

    send(("progress", "transcribe", 0.0))
    segments, report = decode_speech_first(
        pw,
        ctx,
        audio,
        options,
        params_for,
        send,
        cancelled,
        speech=speech.get() if speech is not None else None,
        pool=pool,
    )
    send(("progress", "transcribe", 1.0))
    language = (
        language
        or (detected_language(pw, ctx) if decoded else None)
        or (None if options.language == "auto" else options.language)
    )
    info = {"mode": "speech first", "decoders": pool.size, **report.to_dict()}
    return segments, language, info


def window_params(
    pw: Any, options: TranscribeOptions, attempt: Attempt, threads: int, *, timestamps: bool
) -> Any:
    """whisper.cpp's settings for one speech window, decoded with ``attempt``'s settings.

    Without ``timestamps`` (where DTW times the words) whisper writes no timestamp tokens: the
    windows are ours, so its segments are not needed. With them, whisper ended the text of 9 of
    14 windows of the Columbia address 1.5-7 s early and whisper.cpp encoded the rest in a
    second 30 s pass; without, each was transcribed to its end in one. Fewer tokens too:
    real-40 (tiny.en, beam 5) 15.5 -> 13.3 s, WER 0.095 -> 0.085."""
    params = full_params(pw, options, beam_size=attempt.beam_size, prompt=attempt.prompt)
    params.temperature = attempt.temperature
    params.n_threads = threads  # the threads are shared out among the decoders
    params.suppress_nst = True  # no "[Music]", "(laughs)", as OpenAI's decoder by default
    params.no_timestamps = not timestamps
    return params


def detected_language(pw: Any, ctx: Any) -> str | None:
    try:
        lang_id = pw.whisper_full_lang_id(ctx)
    except Exception:  # nothing decoded yet
        return None
    return str(pw.whisper_lang_str(lang_id)) if lang_id >= 0 else None


def run_whole_file(
    pw: Any,
    ctx: Any,
    audio: Any,
    options: TranscribeOptions,
    send: Any,
    cancelled: Any,
    timing: dict[bool, int],
) -> tuple[list[Segment], str | None]:
    """whisper.cpp over the whole file in pieces of at most 10 min, context carried inside each;
    ``timing`` counts the segments timed by DTW (True) and by whisper.cpp's t0/t1 (False)."""
    from wavescribe.core.engine.chunking import plan_chunks

    eot = pw.whisper_token_eot(ctx)
    segments: list[Segment] = []
    chunks = plan_chunks(audio)
    done = 0  # samples of the chunks already transcribed, for overall progress
    offset_ms = 0
    language: str | None = None
    # Per piece: segments taken so far, and the last token's t_dtw (where the next one starts).
    # With DTW on, whisper.cpp 1.8.5 calls back with other counts than the segments it added,
    # so the callback takes every finished segment not yet taken and the rest is taken after.
    taken = 0
    prev: int | None = None
    dtw_on = computes_dtw(ctx)

    def take_segments(cb_ctx: Any, final: bool) -> None:
        nonlocal taken, prev
        n = pw.whisper_full_n_segments(cb_ctx)
        while taken < n:
            raw = segment_tokens(pw, cb_ctx, taken, eot, offset_ms)
            if not final and dtw_on and any(t[3] < 0 for t in raw):
                return  # DTW times come after the callback for this segment: wait for them
            seg, dtw = segment_at(pw, cb_ctx, taken, raw, prev, offset_ms)
            taken += 1
            prev = raw[-1][3] if raw else prev
            if seg is not None:
                timing[dtw] += 1
                segments.append(seg)
                send(("segment", seg.to_dict()))

    def on_new_segments(cb_ctx: Any, *_: Any) -> None:
        take_segments(cb_ctx, final=False)

    def on_progress(*args: Any) -> None:
        pct = next((a for a in args if isinstance(a, int)), None)
        if pct is not None:
            within = min(1.0, max(0.0, pct / 100.0)) * (chunk_end - chunk_start)
            send(("progress", "transcribe", (done + within) / max(1, audio.size)))

    send(("progress", "transcribe", 0.0))
    for chunk_start, chunk_end in chunks:
        # A fresh parameter struct per piece; after the first, the detected language is kept.
        params = full_params(pw, options)
        pw.assign_new_segment_callback(params, on_new_segments)
        pw.assign_progress_callback(params, on_progress)
        pw.assign_abort_callback(params, cancelled)
        offset_ms = chunk_start * 1000 // 16000
        piece = audio[chunk_start:chunk_end]  # a view: no copy
        taken, prev = 0, None
        rc = pw.whisper_full(ctx, params, piece, piece.size)
        if cancelled():
            raise errors.Cancelled("transcription cancelled")
        if rc != 0:
            raise errors.EngineError(f"whisper.cpp failed to transcribe (error code {rc})")
        take_segments(ctx, final=True)
        lang_id = pw.whisper_full_lang_id(ctx)
        if language is None and lang_id >= 0:
            language = pw.whisper_lang_str(lang_id)
            if options.language == "auto":
                options.language = language
        done += chunk_end - chunk_start
    send(("progress", "transcribe", 1.0))
    return segments, language


def full_params(
    pw: Any, options: TranscribeOptions, *, beam_size: int | None = None, prompt: bool = True
) -> Any:
    # Every parameter is set on a fresh struct each call: pywhispercpp's Model keeps them between
    # calls, which silently turned later jobs word-level (see NOTES).
    beam = options.beam_size if beam_size is None else beam_size
    if beam > 1:
        params = pw.whisper_full_default_params(
            pw.whisper_sampling_strategy.WHISPER_SAMPLING_BEAM_SEARCH
        )
        params.beam_search = {"beam_size": beam, "patience": -1.0}
    else:
        params = pw.whisper_full_default_params(
            pw.whisper_sampling_strategy.WHISPER_SAMPLING_GREEDY
        )
    # Candidates for temperature-fallback retries, in both modes (as whisper-cli and Whisper do).
    params.greedy = {"best_of": 5}
    params.n_threads = options.threads
    params.language = options.language or "auto"
    params.detect_language = False
    params.translate = options.translate
    params.token_timestamps = True
    params.print_progress = False
    params.print_realtime = False
    params.print_timestamps = False
    params.print_special = False
    if options.initial_prompt and prompt:
        params.initial_prompt = options.initial_prompt
    return params


def segment_at(
    pw: Any, ctx: Any, i: int, raw: list[RawToken], prev: int | None, offset_ms: int = 0
) -> tuple[Segment | None, bool]:
    """Segment ``i`` with its words (``raw``: its tokens; ``prev``: the t_dtw of the token
    before them), and whether DTW timed them."""
    text = pw.whisper_full_get_segment_text(ctx, i).decode("utf-8", errors="replace")
    start = offset_ms + 10 * pw.whisper_full_get_segment_t0(ctx, i)
    end = max(start, offset_ms + 10 * pw.whisper_full_get_segment_t1(ctx, i))
    tokens, dtw = timed_tokens(raw, prev)
    if dtw:
        start, end = token_span(tokens, start, end)
    words = words_from_tokens(tokens, start, end)
    if not text.strip() and not words:
        return None, dtw
    return Segment(start=start, end=end, text=text.strip(), words=words), dtw
