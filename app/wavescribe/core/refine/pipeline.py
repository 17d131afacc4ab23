"""Timing refinement: whisper.cpp's rough word times → cues timed to speech, cut to the rules.

The steps, each in its own module:

1. **Where is speech** (:mod:`vad`): Silero VAD from the ``silero-vad`` wheel on ONNX Runtime,
   offline, model kept per process, the same under both paths below; a loudness mask if Silero
   cannot run (or ``vad=False``). Regions that are only a steady sound's onset (hum setting in
   after a sentence) are dropped (:mod:`background_onsets`); then :mod:`edge_sharpening` sharpens
   every region's edges to a few ms from the signal.
2. **No text in silence** (:mod:`hallucination`): segments with no speech under them, or little
   speech plus one of Whisper's tells (repeat, improbable words, stock phrase), are dropped.
3. **Words into speech** (:mod:`word_placement`): each word is assigned to the speech region it was
   spoken in and laid out inside it (when ``metadata["word_timing"]`` is ``"dtw"``, whisper.cpp's
   DTW token times, each word keeps its own time, clamped into the region). This, not edge
   nudging, is what fixes whisper.cpp's worst errors: whole words placed a second or more into
   the silence after a sentence.
4. **stable-ts silence suppression**: the words become a ``stable_whisper.WhisperResult`` and its
   ``suppress_silence`` pulls word edges out of the short pauses inside a region (fine-grained
   VAD dips), so no word starts or ends inside silence. stable-ts is handed the silences that
   step 1 found (its own VAD would load Silero again, on torch, through ``torch.hub``).
5. **Word boundaries from the sounds** (:mod:`forced_alignment`, English): inside each region
   the words' phones are force-aligned to the audio (PocketSphinx) and the boundaries between
   words taken from that; the region's outer edges stay. Measured in
   ``benchmarks/word_timing.py`` (espeak words 47/48 -> 8/7 ms median error).
6. **Cues** (:mod:`regroup`, :mod:`line_breaks`, :mod:`display_timing`): sentence / pause / clause /
   length splitting, balanced lines, min gap, min duration, reading speed, max duration. This
   follows the order of stable-ts's default ``regroup()`` but is our own code: stable-ts's regroup
   knows characters and duration, not reading speed, minimum duration or balanced lines, and pure
   Python can be property-tested without torch.

Why not stable-ts alone: fed whisper.cpp's word times, its suppression and VAD left sentence ends
0.1-1.4 s off (NOTES); here median edge errors are a few ms on clean speech, tens of ms in noise
(``benchmarks/timing.py``).

**The lite path**: without stable-ts/torch (the packaged app ships neither) the same pipeline runs
without step 4; ``metadata["refinement"]["method"]`` says what ran (``"silero-onnx, stable-ts"``,
``"silero-onnx, no stable-ts"``, ``"loudness, ..."``). ``lite=True`` (or the environment
variable ``WAVESCRIBE_REFINE_LITE=1``) forces it where torch is installed, for tests and
``benchmarks/timing.py --lite``. What step 4 adds over the lite path is measured there.

stable-ts and torch are imported inside the functions (they cost 1-2 s): importing this module is
cheap, and a machine without them still refines (lite).
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from wavescribe.core import errors
from wavescribe.core.audio.silence import gaps
from wavescribe.core.refine import forced_alignment
from wavescribe.core.refine.background_onsets import without_background_onsets
from wavescribe.core.refine.display_timing import apply_timing_rules
from wavescribe.core.refine.edge_sharpening import sharpen_edges
from wavescribe.core.refine.hallucination import drop_unspoken
from wavescribe.core.refine.regroup import build_cues, carry_suspect, make_cue
from wavescribe.core.refine.vad import (
    RATE,
    SpeechMap,
    detect_speech,
    load_silero_onnx,
    regions_from_probs,
)
from wavescribe.core.refine.word_placement import (
    assign_regions,
    estimate_offset,
    join_wordless_regions,
    layout_words,
)
from wavescribe.core.subtitle_rules import SubtitleRules
from wavescribe.core.transcript import Segment, Transcript, Word

FINE_SILENCE_MS = 64  # pauses inside a region that stable-ts may pull word edges out of
MIN_WORD_S = 0.03

_warm_lock = threading.Lock()
_warm_thread: threading.Thread | None = None


LITE_ENV = "WAVESCRIBE_REFINE_LITE"


def lite_forced() -> bool:
    """Whether ``WAVESCRIBE_REFINE_LITE`` asks for the lite path (no torch, no stable-ts)."""
    return os.environ.get(LITE_ENV, "").strip().lower() not in ("", "0", "false", "no")


def _is_lite(lite: bool | None) -> bool:
    return lite_forced() if lite is None else lite


def _stable_whisper(lite: bool | None = None) -> tuple[Any, str | None]:
    """stable-ts (``None`` on the lite path) and, when it is missing, why."""
    if _is_lite(lite):
        return None, "requested (no torch, no stable-ts)"
    try:
        import stable_whisper
        import torch  # noqa: F401  (stable-ts needs it; fail here, with a clear message)
    except Exception as exc:  # ImportError, or a broken torch install (missing .so)
        return None, f"stable-ts is not usable here ({type(exc).__name__}: {exc})"
    return stable_whisper, None


def warm_up(vad: bool = True, lite: bool | None = None) -> None:
    """Import stable-ts/torch (if there) and load Silero now, so that refinement later costs only
    its own work (the imports alone take 1-2 s). Errors are left for the real call to report."""
    try:
        _stable_whisper(lite)
        if vad:
            load_silero_onnx()
    except Exception:
        pass


def warm_up_in_background(vad: bool = True, lite: bool | None = None) -> threading.Thread:
    """Run :func:`warm_up` in a daemon thread, once per process (later calls get that thread).

    Meant for the engine's worker: started when a job that will be refined begins, the imports
    overlap with decoding and whisper.cpp (which releases the GIL while it runs).
    """
    global _warm_thread
    with _warm_lock:
        if _warm_thread is None:
            _warm_thread = threading.Thread(
                target=warm_up, args=(vad, lite), name="wavescribe-refine-warm-up", daemon=True
            )
            _warm_thread.start()
        return _warm_thread


def refine_transcript(
    transcript: Transcript,
    audio: np.ndarray,
    rules: SubtitleRules,
    *,
    cancelled: Callable[[], bool] | None = None,
    vad: bool = True,
    lite: bool | None = None,
    speech: SpeechMap | None = None,
    word_alignment: bool = True,
    progress: Callable[[float], None] | None = None,
) -> Transcript:
    """Whisper output re-timed to the speech and re-cut into cues that keep ``rules``.

    ``audio`` is the 16 kHz mono float32 the transcript was made from. Without stable-ts (or with
    ``lite``; ``None``: as ``WAVESCRIBE_REFINE_LITE`` says) the lite path runs: no torch, no
    silence suppression. ``speech``: Silero's map of this same audio when the caller already has
    it (the worker's speech-first decoding), so that VAD is not run twice. ``word_alignment``:
    force-align the words inside each region (:mod:`forced_alignment`'s languages), the longest
    step on a long file: ``progress`` hears its share done, from ``ALIGN_FROM`` to 1. Raises
    ``errors.Cancelled`` if ``cancelled()``.
    """
    t0 = time.perf_counter()
    sw, why_lite = _stable_whisper(lite)
    check = cancel_checker(cancelled)
    speech, regions, doubted = speech_regions(audio, vad, cancelled, speech)
    segments, dropped = drop_unspoken(transcript.segments, speech)
    segments = [_with_words(s) for s in segments]
    words, seg_of, spans = _words_of(segments)
    keep = transcript.metadata.get("word_timing") == "dtw"
    placement = assign_regions(words, regions, seg_of, spans, trust_times=keep)
    split, (regions, placement) = regions, join_wordless_regions(words, placement, regions)
    laid = layout_words(words, placement, regions, keep_times=keep)
    check()
    # A pause now inside a joined word is not a silence for stable-ts to cut the word at.
    joined = set(gaps(split, speech.duration_ms)) - set(gaps(regions, speech.duration_ms))
    laid = _suppress_silence(sw, laid, speech, regions, sorted(joined))
    check()
    aligned = None
    if word_alignment:
        aligning = None if progress is None else _from(ALIGN_FROM, progress)
        laid, aligned = forced_alignment.retime_words(
            audio, laid, regions, transcript.language, check, doubted, aligning
        )
    cues = build_cues(laid, rules)
    # A cue made from words of a suspect segment stays suspect (laid keeps the placed words).
    suspect_of = [
        segments[seg_of[i]].suspect for i, r in enumerate(placement.region_of) if r is not None
    ]
    carry_suspect(cues, suspect_of)
    apply_timing_rules(cues, rules, media_end=speech.duration_ms)
    check()
    info = _info(speech, sw, why_lite)
    info["dropped_segments"] = [{"text": d.segment.text, "reason": d.reason} for d in dropped]
    info["dropped_words"] = sum(r is None for r in placement.region_of)
    info["words_kept_in_place"] = keep
    info["forced_alignment"] = aligned
    info["seconds"] = round(time.perf_counter() - t0, 3)
    return _result(transcript, cues, info)


ALIGN_FROM = 0.3  # the share of refinement done when the forced alignment starts (rough)


def _from(start: float, progress: Callable[[float], None]) -> Callable[[float], None]:
    return lambda f: progress(start + (1.0 - start) * f)


def retime_transcript(
    transcript: Transcript,
    audio: np.ndarray,
    rules: SubtitleRules,
    *,
    cancelled: Callable[[], bool] | None = None,
    vad: bool = True,
    resegment: bool = False,
    lite: bool | None = None,
    word_alignment: bool = True,
    retime: forced_alignment.Retime | None = None,
    progress: Callable[[float], None] | None = None,
) -> Transcript:
    """Re-time existing subtitles (e.g. an imported SRT/VTT) to ``audio``; no text is dropped.

    A constant offset between the file and the audio is found first and removed
    (:func:`word_placement.estimate_offset`). Cues without word timings get words spread over the
    cue by character count; then, as in
    :func:`refine_transcript`, every word is assigned to the speech region it most plausibly
    belongs to and laid out in it, so each cue starts at its speech onset and ends at its offset.
    The cues keep their text and line breaks as authored unless ``resegment`` asks to re-cut them
    by ``rules``; the display rules (gap, minimum duration, reading speed) are applied either way.
    ``lite`` as in :func:`refine_transcript`. ``word_alignment``: the boundaries between the words
    of each region from the forced alignment, as in transcription (the transcript's language,
    or the one its words read as), in this process or through ``retime`` (the engine's
    worker); ``progress`` hears its share done.
    """
    t0 = time.perf_counter()
    sw, why_lite = _stable_whisper(lite)
    check = cancel_checker(cancelled)
    speech, regions, doubted = speech_regions(audio, vad, cancelled)
    source = [s for s in transcript.segments if s.text.strip()]
    shift = estimate_offset([(s.start, s.end) for s in source], regions, speech.duration_ms)
    source = [_shifted(s, shift) for s in source] if shift else source
    with_words = [_with_words(s) for s in source]
    words, seg_of, spans = _words_of(with_words)
    if regions:
        placement = assign_regions(words, regions, seg_of, spans, allow_drop=False)
        laid = _suppress_silence(sw, layout_words(words, placement, regions), speech, regions)
    else:  # no speech found at all: nothing to time against, keep the times as they are
        laid = [Word(w.start, w.end, w.text, w.probability) for w in words]
    check()
    aligned = None
    if word_alignment and regions:
        language = transcript.language or forced_alignment.AUTO
        rough = not any(s.words for s in source)  # no word times: laid by length
        laid, aligned = forced_alignment.retime_by(
            retime, audio, laid, regions, doubted, language, check, progress, rough
        )
    if resegment:
        cues = build_cues(laid, rules)
    else:
        cues, k = [], 0
        for seg in with_words:
            own = laid[k : k + len(seg.words)]
            k += len(seg.words)
            cue = make_cue(own, rules)
            cue.text = seg.text  # as the user wrote it
            cue.cue_id, cue.cue_settings = seg.cue_id, seg.cue_settings
            cues.append(cue)
    apply_timing_rules(cues, rules, media_end=speech.duration_ms)
    check()
    info = _info(speech, sw, why_lite)
    info["retimed"] = True
    info["shift_ms"] = shift
    info["forced_alignment"] = aligned
    info["seconds"] = round(time.perf_counter() - t0, 3)
    return _result(transcript, cues, info)


def spread_words(seg: Segment) -> list[Word]:
    """Words for a cue that has none: its text split at spaces, times shared by character count."""
    tokens = seg.text.split()
    if not tokens:
        return []
    weights = np.array([len(t) + 1 for t in tokens], float)
    edges = seg.start + np.concatenate(([0.0], np.cumsum(weights))) / weights.sum() * seg.duration
    return [
        Word(round(edges[i]), round(edges[i + 1]), " " + tok, None) for i, tok in enumerate(tokens)
    ]


def _with_words(seg: Segment) -> Segment:
    """The segment with words that all carry text (spread over it when it has none)."""
    words = [w for w in seg.words if w.text.strip()]
    out = Segment(
        seg.start, seg.end, seg.text, words or spread_words(seg), seg.no_speech_prob, seg.suspect
    )
    out.cue_id, out.cue_settings = seg.cue_id, seg.cue_settings
    return out


def _shifted(seg: Segment, shift: int) -> Segment:
    words = [
        Word(max(0, w.start + shift), max(0, w.end + shift), w.text, w.probability)
        for w in seg.words
    ]
    out = Segment(max(0, seg.start + shift), max(0, seg.end + shift), seg.text, words)
    out.cue_id, out.cue_settings = seg.cue_id, seg.cue_settings
    return out


def cancel_checker(cancelled: Callable[[], bool] | None) -> Callable[[], None]:
    """A ``check()`` that raises ``errors.Cancelled`` once ``cancelled()`` is true."""

    def check() -> None:
        if cancelled is not None and cancelled():
            raise errors.Cancelled("timing refinement cancelled")

    return check


def _info(speech: SpeechMap, sw: Any, why_lite: str | None) -> dict[str, Any]:
    """What ran: speech detection, and whether stable-ts's silence suppression did."""
    suppression = "stable-ts" if sw is not None else "no stable-ts"
    info: dict[str, Any] = {
        "method": f"{speech.method}, {suppression}",
        "speech_detection": speech.method,
        "silence_suppression": sw is not None,
        "notes": list(speech.notes),
    }
    if why_lite:
        info["notes"].append(f"lite refinement: {why_lite}")
    return info


def speech_regions(
    audio: np.ndarray,
    vad: bool,
    cancelled: Callable[[], bool] | None,
    known: SpeechMap | None = None,
) -> tuple[SpeechMap, list[tuple[int, int]], dict[int, int]]:
    """Where ``audio`` has speech (one Silero runtime for every path, or ``known``), its
    regions less a steady background's onset, edges sharpened, and the ends sharpening doubts
    (:func:`edge_sharpening.sharpen_edges`). Raises ``errors.Cancelled``."""
    check = cancel_checker(cancelled)
    check()
    audio = np.ascontiguousarray(audio, dtype=np.float32).reshape(-1)
    if vad and known is not None and known.duration_ms == len(audio) * 1000 // RATE:
        speech = known
    else:
        speech = detect_speech(audio, use_vad=vad, cancelled=cancelled)
    check()
    regions = without_background_onsets(audio, speech.regions, speech.duration_ms)
    sharp, doubted = sharpen_edges(audio, regions, speech.duration_ms)
    return speech, sharp, doubted


def _words_of(
    segments: Sequence[Segment],
) -> tuple[list[Word], list[int], list[tuple[int, int]]]:
    """All words, the index of each one's segment, and each segment's span."""
    words: list[Word] = []
    seg_of: list[int] = []
    spans: list[tuple[int, int]] = []
    for k, seg in enumerate(segments):
        spans.append(
            (
                min([seg.start, *(w.start for w in seg.words)]),
                max([seg.end, *(w.end for w in seg.words)]),
            )
        )
        words.extend(seg.words)
        seg_of.extend([k] * len(seg.words))
    return words, seg_of, spans


def _fine_silences(
    speech: SpeechMap, regions: list[tuple[int, int]], keep_out: Sequence[tuple[int, int]] = ()
) -> list[tuple[int, int]]:
    """Silences for stable-ts: the gaps between regions, plus short dips inside them (not those
    that touch ``keep_out``)."""
    silences = gaps(regions, speech.duration_ms)
    if speech.probs is not None:
        dips = regions_from_probs(speech.probs, speech.duration_ms, min_silence_ms=FINE_SILENCE_MS)
        silences += [
            (b1, a2)
            for (_, b1), (a2, _) in itertools.pairwise(dips)
            if any(a < b1 and a2 < b for a, b in regions)
            and not any(k0 < a2 and b1 < k1 for k0, k1 in keep_out)
        ]
    return sorted(silences)


def _suppress_silence(
    sw: Any,
    words: list[Word],
    speech: SpeechMap,
    regions: list[tuple[int, int]],
    keep_out: Sequence[tuple[int, int]] = (),
) -> list[Word]:
    """stable-ts's silence suppression on our words: word edges move out of silences (nothing
    happens without stable-ts: the lite path). Dips touching ``keep_out`` are not silences."""
    if sw is None:
        return words
    silences = _fine_silences(speech, regions, keep_out)
    if not words or not silences:
        return words
    result = sw.WhisperResult(
        {
            "segments": [
                {
                    "start": words[0].start / 1000,
                    "end": words[-1].end / 1000,
                    "text": "".join(w.text for w in words),
                    "words": [
                        {
                            "word": w.text,
                            "start": w.start / 1000,
                            "end": w.end / 1000,
                            "probability": 1.0 if w.probability is None else w.probability,
                        }
                        for w in words
                    ],
                }
            ]
        },
        check_sorted=False,
    )
    starts = np.array([s for s, _ in silences], float) / 1000
    ends = np.array([e for _, e in silences], float) / 1000
    result.suppress_silence(starts, ends, min_word_dur=MIN_WORD_S, word_level=True, verbose=False)
    new = result.all_words()
    if len(new) != len(words):  # never expected; keep our own layout rather than lose words
        return words
    out = []
    for old, w in zip(words, new, strict=True):
        start, end = round(w.start * 1000), round(w.end * 1000)
        out.append(Word(start, max(start, end), old.text, old.probability))
    return out


def _result(transcript: Transcript, cues: list[Segment], info: dict[str, Any]) -> Transcript:
    metadata = dict(transcript.metadata)
    metadata["refined"] = True
    metadata["refinement"] = info
    return Transcript(
        segments=cues,
        language=transcript.language,
        source=transcript.source,
        model=transcript.model,
        metadata=metadata,
    )


__all__ = [
    "LITE_ENV",
    "lite_forced",
    "refine_transcript",
    "retime_transcript",
    "spread_words",
    "warm_up",
    "warm_up_in_background",
]
