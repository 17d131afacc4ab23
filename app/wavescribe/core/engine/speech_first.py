"""Speech-first decoding: find the speech, then decode only speech, window by window.

1. Silero VAD (:func:`wavescribe.core.refine.vad.detect_speech`, on ONNX Runtime: no torch
   import in the decode path) finds the speech regions.
2. :mod:`speech_windows` packs them into windows of at most 29 s, long silences cut out.
3. Each window is one ``whisper_full`` call with no text context from the one before: a bad window
   cannot poison the next, and nothing is decoded where there is no speech, so no text can land in
   a silence. Token times (relative to the fed audio) are mapped back to the source, each word
   into the piece it was spoken in (:mod:`window_words`: when a segment is cut between pieces).
4. :mod:`decode_guard` checks each window; one with a tell (loop, repetitive, improbable) is
   decoded again with other settings (other beam setting, no prompt, then a higher temperature).
   If every attempt shows a tell, the best one is kept and its segments are marked ``suspect``.
5. A speech region of at least 1 s that got (almost) no word (:mod:`missed_regions`) is decoded
   again on its own; one that still yields nothing is reported (a warning and
   ``metadata["speech_without_text"]``).
6. Speech Silero did not hear (:mod:`unheard`: loud stretches of 1 s or more outside every piece
   whose level swings like speech, not like hum, noise or a music bed) is decoded stretch by
   stretch, each a window of its own, after a quick listen (:mod:`window_decode`) that skips
   the full decode where it hears no probable word; its text is kept only when the guard finds
   no tell and the decoder is sure of it and timed it on the audio (:mod:`unheard_words`; else
   dropped, not flagged: it may be made up over noise), and its span is added to ``speech``
   (shared with refinement, which would otherwise drop text where Silero found no speech).

Parallel decoders (``TranscribeOptions.decoders``, :mod:`decoder_pool`): the ``_pywhispercpp``
binding (pywhispercpp 1.5.1) has no ``whisper_init_state`` / ``whisper_full_with_state``, but its
``whisper_full`` releases the GIL, so each decoder is a whole context (the model loaded again) on
its own thread. Windows' first attempts are decoded ahead in parallel; the guard, retries and
merging stay in time order, so N decoders give the words one gives. Automatic: one decoder below
8 threads (this 2-core box); measurements in ``benchmarks/README.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from wavescribe.core.engine.decode_guard import loops, window_tell, words_of
from wavescribe.core.engine.decoder_pool import DecoderPool
from wavescribe.core.engine.missed_regions import (
    regions_without_words,
    without_words_in,
    words_in,
)
from wavescribe.core.engine.options import TranscribeOptions
from wavescribe.core.engine.speech_windows import (
    Window,
    plan_pieces,
    plan_windows,
)
from wavescribe.core.engine.unheard import (
    frame_levels,
    loud_frames,
    outside,
    sounding,
    unheard_stretches,
)
from wavescribe.core.engine.unheard_words import (
    extended_pieces,
    heard_beside,
    keep_faint,
    keep_unheard,
)
from wavescribe.core.engine.window_decode import (
    RATE,
    Decoded,
    decode_window,
    nothing_said,
    spoken_language,
)
from wavescribe.core.refine.vad import SpeechMap
from wavescribe.core.transcript import Segment

RECENT_WINDOWS = 2
RETRY_TEMPERATURE = 0.5
# Below refinement's 0.5: decoding a little non-speech costs little (the guard and refinement
# deal with it); speech never decoded is lost for good. Soft onsets ("And so" in JFK) score
# 0.3-0.5 in Silero.
DECODE_THRESHOLD = 0.35
Send = Callable[[tuple[Any, ...]], None]


@dataclass(slots=True)
class Attempt:
    """Decoder settings for one try at a window."""

    beam_size: int
    temperature: float = 0.0
    prompt: bool = True


@dataclass(slots=True)
class SpeechFirstReport:
    """What happened, for the transcript's metadata."""

    regions: list[tuple[int, int]] = field(default_factory=list)
    windows: int = 0
    decoded_ms: int = 0
    redecoded_windows: int = 0
    suspect_windows: int = 0
    speech_without_text: list[tuple[int, int]] = field(default_factory=list)
    unheard_speech: list[tuple[int, int]] = field(default_factory=list)  # Silero missed it
    faint_speech: list[tuple[int, int]] = field(default_factory=list)  # under its threshold
    vad: str = ""
    quiet_stretches: int = 0  # unheard stretches a quick listen found no words in
    # Decodes whose words are kept, by how they were timed: whisper.cpp's DTW or its t0/t1.
    timed_dtw: int = 0
    timed_whisper: int = 0

    def count_timing(self, dtw: bool, segments: list[Segment]) -> None:
        if any(s.words for s in segments):
            if dtw:
                self.timed_dtw += 1
            else:
                self.timed_whisper += 1

    @property
    def word_timing(self) -> str:
        """``"dtw"`` when every kept word was timed by DTW, else ``"whisper"``."""
        return "dtw" if self.timed_dtw and not self.timed_whisper else "whisper"

    def to_dict(self) -> dict[str, Any]:
        return {
            "speech_regions": len(self.regions),
            "windows": self.windows,
            "decoded_ms": self.decoded_ms,
            "redecoded_windows": self.redecoded_windows,
            "suspect_windows": self.suspect_windows,
            "speech_without_text": [list(r) for r in self.speech_without_text],
            "unheard_speech": [list(r) for r in self.unheard_speech],
            "faint_speech": [list(r) for r in self.faint_speech],
            "speech_detection": self.vad,
            "quiet_stretches": self.quiet_stretches,
            "word_timing": self.word_timing,
        }


def attempts_for(options: TranscribeOptions) -> list[Attempt]:
    """The user's settings first, then the other beam setting without prompt, then sampling."""
    other_beam = 1 if options.beam_size > 1 else 5
    return [
        Attempt(options.beam_size),
        Attempt(other_beam, prompt=False),
        Attempt(1, RETRY_TEMPERATURE, prompt=False),
    ]


def decode_speech_first(
    pw: Any,
    ctx: Any,
    audio: np.ndarray,
    options: TranscribeOptions,
    params_for: Callable[[Attempt], Any],
    send: Send,
    cancelled: Callable[[], bool],
    speech: SpeechMap | None = None,
    pool: DecoderPool | None = None,
) -> tuple[list[Segment], SpeechFirstReport]:
    """All segments of ``audio`` (source times) decoded speech-first, and the report.

    ``speech``: Silero's map of ``audio`` when the caller has it (refinement and speaker
    detection then use the same one); found here otherwise. ``pool``: several decoders (``ctx``
    among them): after the first window, every window's first attempt is decoded ahead, in
    parallel; the guard, retries and merging stay in time order here, so the result is the one
    a single decoder gives. An "auto" language is decided first, on the widest speech window
    (:func:`window_decode.spoken_language`).
    """
    from wavescribe.core.refine.vad import detect_speech, regions_from_probs

    duration_ms = len(audio) * 1000 // RATE
    if speech is None:
        speech = detect_speech(audio, cancelled=cancelled)
    regions = speech.regions
    if speech.probs is not None:
        regions = regions_from_probs(speech.probs, duration_ms, threshold=DECODE_THRESHOLD)
    report = SpeechFirstReport(regions=list(regions), vad=speech.method)
    pieces = plan_pieces(regions, duration_ms, probs=speech.probs)
    levels = frame_levels(audio)
    loud = loud_frames(levels)
    stretches = outside(
        plan_pieces(
            unheard_stretches(audio, pieces, levels), duration_ms, pad_ms=0, pad_before_ms=0
        ),
        pieces,
    )
    # A stretch that touches a piece (a sentence's lead-in or tail Silero cut off, or the onset
    # of a bed beside speech) is decoded as part of that piece: no encoder pass of its own.
    pieces, beside = extended_pieces(pieces, stretches)
    # Every other stretch Silero missed is a window of its own: packed together, whisper's
    # times at beam 5 put one clip's sentence in the piece before, so its own piece was never
    # marked as speech and refinement moved the words to another clip.
    joined = [span for span, _ in beside]
    unheard = [Window((s,)) for s in stretches if s not in joined]
    windows = sorted([*plan_windows(pieces), *unheard], key=lambda w: w.start)
    if options.language == "auto" and windows:
        speechful = [w for w in windows if w not in unheard] or windows
        widest = max(speechful, key=lambda w: w.fed_ms)
        options.language = spoken_language(pw, ctx, audio, widest, options.threads) or "auto"
    report.windows = len(windows)
    total = max(1, sum(w.fed_ms for w in windows))
    attempts = attempts_for(options)
    segments: list[Segment] = []
    recent: list[list[str]] = []
    done = 0
    ahead: list[Future[Decoded]] = []
    executor = None
    if pool is not None and pool.size > 1 and len(windows) > 1:
        executor = ThreadPoolExecutor(pool.size, thread_name_prefix="decoder")
    try:
        for k, window in enumerate(windows):
            if k == 1 and executor is not None:
                ahead = [
                    executor.submit(
                        decode_window, pw, pool, audio, w, params_for(attempts[0]), cancelled
                    )
                    for w in windows[1:]
                ]
            dec = pool if ahead else ctx
            first = ahead[k - 1].result() if ahead else None
            report.decoded_ms += window.fed_ms
            done += window.fed_ms
            if (
                window in unheard
                and first is None
                and options.language != "auto"
                and nothing_said(pw, dec, audio, window, params_for(Attempt(1)), cancelled)
            ):
                result, tries = Decoded([]), 1
                report.quiet_stretches += 1
            else:
                result, tries = _decode_guarded(
                    pw,
                    dec,
                    audio,
                    window,
                    attempts,
                    params_for,
                    recent,
                    cancelled,
                    False,
                    first,
                )
            report.redecoded_windows += tries > 1
            if window in unheard:
                _keep_unheard(result, window, speech, report, loud)
            else:
                if result.tell is not None:
                    for seg in result.segments:
                        seg.suspect = result.tell
                report.suspect_windows += any(seg.suspect for seg in result.segments)
            missed = regions_without_words(regions, window, result.segments)
            for region in missed:
                said = [s for sentences in recent for s in sentences]
                said += [" ".join(words_of(s.text)) for s in result.segments]
                span, found, found_dtw = _decode_region(
                    pw, dec, audio, region, attempts, params_for, cancelled, said
                )
                before = words_in(result.segments, span)
                if len([w for s in found for w in s.words]) > before:
                    result.segments = [*without_words_in(result.segments, span), *found]
                    report.count_timing(found_dtw, found)
                    report.suspect_windows += any(s.suspect for s in found)
                elif before == 0:
                    report.speech_without_text.append(region)
                    send(("warning", f"no text decoded for speech at {_clock(region[0])}"))
            if window not in unheard:
                result.segments, heard = heard_beside(result.segments, window, beside)
                for span in heard:
                    alone, _ = _decode_guarded(
                        pw,
                        dec,
                        audio,
                        Window((span,)),
                        attempts,
                        params_for,
                        recent,
                        cancelled,
                        False,
                    )
                    report.windows += 1
                    report.decoded_ms += span[1] - span[0]
                    _keep_unheard(alone, Window((span,)), speech, report, loud)
                    result.segments += alone.segments
                report.faint_speech.extend(keep_faint(result.segments, window, speech))
            result.segments.sort(key=lambda s: s.start)
            report.count_timing(result.dtw, result.segments)
            for seg in result.segments:
                send(("segment", seg.to_dict()))
            segments.extend(result.segments)
            recent = [*recent, [" ".join(words_of(s.text)) for s in result.segments]]
            recent = recent[-RECENT_WINDOWS:]
            send(("progress", "transcribe", done / total))
    finally:
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
    # A window of unheard speech may lie between the pieces of a speech window (each keeps its
    # segments in order; the stream sent above can be out of order there, the result is not).
    segments.sort(key=lambda s: s.start)
    return segments, report


def _keep_unheard(
    result: Decoded,
    window: Window,
    speech: SpeechMap,
    report: SpeechFirstReport,
    loud: np.ndarray,
) -> None:
    result.segments, spans = keep_unheard(
        result.segments, result.tell, window, speech, lambda words: sounding(loud, words)
    )
    report.unheard_speech.extend(spans)


def _decode_guarded(
    pw: Any,
    ctx: Any,
    audio: np.ndarray,
    window: Window,
    attempts: list[Attempt],
    params_for: Callable[[Attempt], Any],
    recent: list[list[str]],
    cancelled: Callable[[], bool],
    split: bool,
    first: Decoded | None = None,
    need_words: bool = False,
) -> tuple[Decoded, int]:
    """The first attempt without a tell, else the least doubtful one (its tell kept); and how
    many attempts were made. ``first``: the first attempt's result, decoded ahead.
    ``need_words``: an attempt that yields no word is no answer (a region decoded alone because
    its window gave it none): the next setting is tried, and if none yields words the result is
    empty."""
    flat_recent = [s for sentences in recent for s in sentences]
    tried: list[Decoded] = []
    for i, attempt in enumerate(attempts):
        if i == 0 and first is not None:
            result = first
        else:
            result = decode_window(pw, ctx, audio, window, params_for(attempt), cancelled, split)
        if need_words and not any(s.words for s in result.segments):
            continue
        result.tell = window_tell(
            [s.text for s in result.segments], result.mean_logprob, flat_recent
        )
        if result.tell is None:
            return result, len(tried) + 1
        if i == 0 and len(window.pieces) > 1 and loops(" ".join(s.text for s in result.segments)):
            # Separate pieces may say the same thing (five clips of "Montreal Forced Aligner"
            # in one window), and a loop may carry from one piece into the next: decoded on its
            # own, each piece says only what it says.
            alone = [
                _decode_guarded(
                    pw, ctx, audio, Window((p,)), attempts, params_for, recent, cancelled, split
                )
                for p in window.pieces
            ]
            return _joined([d for d, _ in alone]), 1 + sum(t for _, t in alone)
        tried.append(result)
    if not tried:
        return Decoded([]), len(attempts)
    return _least_doubtful(tried), len(tried)


def _joined(pieces: list[Decoded]) -> Decoded:
    """Pieces decoded one by one as one window's result; a piece that kept its tell has its
    segments marked suspect (the window as a whole has none)."""
    segments: list[Segment] = []
    for d in pieces:
        for seg in d.segments:
            seg.suspect = d.tell
        segments += d.segments
    probs = [d.mean_logprob for d in pieces if d.mean_logprob is not None]
    mean = sum(probs) / len(probs) if probs else None
    return Decoded(segments, None, mean, all(d.dtw for d in pieces))


def _least_doubtful(tried: list[Decoded]) -> Decoded:
    """Of attempts that all show a tell, the one without a loop, then the most probable: a loop
    left in the text is worse than improbable words, it is what people see first."""
    return max(
        tried,
        key=lambda d: (
            not loops(" ".join(s.text for s in d.segments)),
            -99.0 if d.mean_logprob is None else d.mean_logprob,
        ),
    )


def _decode_region(
    pw: Any,
    ctx: Any,
    audio: np.ndarray,
    region: tuple[int, int],
    attempts: list[Attempt],
    params_for: Callable[[Attempt], Any],
    cancelled: Callable[[], bool],
    recent: Sequence[str] = (),
) -> tuple[tuple[int, int], list[Segment], bool]:
    """A region decoded alone (its padded span, the segments and whether DTW timed them), with
    each setting in turn until one yields words without a tell (else the least doubtful words,
    marked suspect)."""
    from wavescribe.core.engine.speech_windows import PAD_BEFORE_MS, PAD_MS

    duration_ms = len(audio) * 1000 // RATE
    window = Window(((max(0, region[0] - PAD_BEFORE_MS), min(duration_ms, region[1] + PAD_MS)),))
    result, _ = _decode_guarded(
        pw,
        ctx,
        audio,
        window,
        attempts,
        params_for,
        [list(recent)],
        cancelled,
        False,
        need_words=True,
    )
    if result.tell is not None:
        for seg in result.segments:
            seg.suspect = result.tell
    return window.pieces[0], result.segments, result.dtw


def _clock(ms: int) -> str:
    s = ms // 1000
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"
