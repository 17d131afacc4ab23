"""Align a script to audio: transcribe (refined), match the words, time them, cut the cues.

The engine transcribes with transcription's own timing refinement (each word placed in the
speech region it was spoken in, cue edges on the sharpened region edges, silence
suppression), so the heard words are timed as well as any transcription; each matched script
word takes its heard word's time, the others are interpolated between their neighbours inside
the speech (or reported as not in the audio), and the script's words are cut into cues by the
subtitle rules (plain text) or keep the cue split they came with (SRT/VTT), then the display
rules apply. Costs one transcription plus a VAD pass and cheap steps.

Measured before this design (benchmarks/word_timing.py, espeak paragraphs): re-timing the
script's words from the *raw* whisper times with ``retime_transcript`` put words a median 438 ms
off, against 72 ms for the refined transcription's own words: paragraph-long pieces gave the
region assignment too little to go on.
"""

from __future__ import annotations

import concurrent.futures
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import numpy as np

from wavescribe.core import errors
from wavescribe.core.align.report import AlignReport
from wavescribe.core.align.script import Script
from wavescribe.core.align.second_listen import listen_again, sparse_spans
from wavescribe.core.align.word_match import match_words
from wavescribe.core.align.word_times import NOT_FOUND, TimedWord, time_words
from wavescribe.core.refine import forced_alignment
from wavescribe.core.refine.display_timing import apply_timing_rules
from wavescribe.core.refine.pipeline import cancel_checker, speech_regions
from wavescribe.core.refine.regroup import build_cues, make_cue
from wavescribe.core.refine.vad import SpeechMap
from wavescribe.core.subtitle_rules import SubtitleRules
from wavescribe.core.transcript import Segment, Transcript, Word

MIN_HEARD_SHARE = 0.05  # fewer script words than this heard: the script is not of this audio

Cancelled = Callable[[], bool]
Retime = forced_alignment.Retime


def align_transcript(
    script: Script,
    heard: Transcript,
    audio: np.ndarray,
    rules: SubtitleRules,
    *,
    cancelled: Cancelled | None = None,
    vad: bool = True,
    speech: SpeechMap | None = None,
    retime: Retime | None = None,
) -> Transcript:
    """The script's words timed to ``audio`` (16 kHz mono float32), using ``heard``: the
    engine's refined transcript of it (``TranscribeOptions(refine=True)``), whose words are
    timed to the speech as well as transcription times them. The result's
    ``metadata["alignment"]`` holds the :class:`AlignReport`; cues holding words that were not
    found (or differ from what was said) have ``suspect`` set. Raises ``errors.InputError`` when
    almost nothing of the script was heard. ``vad=False``: the loudness mask tells where speech
    is (for the words the engine did not hear), not Silero. ``speech``: that map, if the caller
    has it already. ``retime``: where the forced alignment runs (the engine's worker, where a
    native crash costs only it); by default in this process."""
    t0 = time.perf_counter()
    words = script.words
    heard_words = [w for s in heard.segments for w in s.words if w.text.strip()]
    match = match_words(words, [w.text for w in heard_words])
    if match.matched < max(1, MIN_HEARD_SHARE * len(words)):
        raise errors.InputError(
            f"the script does not match the speech: {match.matched} of its {len(words)} words "
            "were heard in the audio"
        )
    audio = np.ascontiguousarray(audio, dtype=np.float32).reshape(-1)
    if speech is None:
        speech = find_speech(audio, vad, cancelled)
    unit_of = [k for k, cue in enumerate(script.cues) for _ in cue.words]
    timed = time_words(words, heard_words, match, speech.speech_ms_in, speech.duration_ms, unit_of)
    aligned = _align_acoustically(audio, timed, speech, heard.language, vad, cancelled, retime)
    pieces = _pieces(script, timed)
    present = [p for p in pieces if p.found]
    for piece in present:
        timed_words = piece.segment().words
        if script.keep_cues:
            cue = make_cue(timed_words, rules)
            cue.text = piece.text or cue.text  # as the user wrote it
            piece.cues = [cue]
        else:
            piece.cues = build_cues(timed_words, rules)
    cues = [c for p in present for c in p.cues]
    apply_timing_rules(cues, rules, media_end=speech.duration_ms)
    out = _with_absent_pieces(pieces, rules, speech.duration_ms)
    report = AlignReport.from_words(timed)
    metadata = dict(heard.metadata)
    summary = report.summary()
    if aligned is not None and "crashed" in aligned:
        summary += "; word boundaries from the transcription (the forced aligner crashed)"
    metadata["alignment"] = report.to_dict() | {
        "summary": summary,
        "seconds": round(time.perf_counter() - t0, 3),
        "forced_alignment": aligned,
    }
    return Transcript(
        segments=out,
        language=heard.language,
        source=heard.source,
        model=heard.model,
        metadata=metadata,
    )


def _align_acoustically(
    audio: np.ndarray,
    timed: list[TimedWord],
    speech: SpeechMap,
    language: str | None,
    vad: bool,
    cancelled: Cancelled | None,
    retime: Retime | None = None,
) -> dict[str, Any] | None:
    """The boundaries between the found script words of each speech region from an acoustic
    forced alignment of the script's own words (:mod:`refine.forced_alignment`; English), in
    place. What it did, or ``None`` when it did not run. Where ``retime`` runs it in the
    engine's worker and that crashes, the words keep their times and the report says so."""
    found = [w for w in timed if w.found]
    if len(found) < 2 or not forced_alignment.enabled(language):
        return None
    _, regions, doubted = speech_regions(audio, vad, cancelled, speech)
    words = [Word(w.start or 0, w.end or 0, w.text) for w in found]
    check = cancel_checker(cancelled)
    check()
    words, report = forced_alignment.retime_by(
        retime, audio, words, regions, doubted, language, check
    )
    if report is None:
        return None
    for w, new in zip(found, words, strict=True):
        w.start, w.end = new.start, new.end
    return report


def align_media(
    engine: Any,
    media: str | os.PathLike[str],
    script: Script,
    options: Any,
    on_event: Callable[[Any], None] | None = None,
    cancelled: Cancelled | None = None,
) -> Transcript:
    """Transcribe ``media`` with ``engine`` (an :class:`engine.client.Engine`, refined as a
    transcription is) and align ``script`` to it; ``options`` are its ``TranscribeOptions``.
    To cancel, call ``engine.cancel()`` (transcription) and make ``cancelled()`` true (the rest).
    """
    from wavescribe.core.events import Progress, Warning_

    # Decoding the audio and finding its speech here overlap the transcription in the worker.
    pool = ThreadPoolExecutor(1, thread_name_prefix="wavescribe-align")
    prepared = pool.submit(_audio_and_speech, media, cancelled)
    pool.shutdown(wait=False)
    # The script's own words are force-aligned below: not the heard ones as well.
    options = replace(options, refine=True, word_alignment=False)
    try:
        heard = engine.transcribe(media, options, on_event)
    finally:
        if not prepared.done():
            concurrent.futures.wait([prepared])
    audio, speech = prepared.result()
    if on_event:
        on_event(Progress("refine", 0.0))

    retime = engine.retimer(media, on_event)
    result = align_transcript(
        script, heard, audio, options.rules, cancelled=cancelled, speech=speech, retime=retime
    )
    spans = sparse_spans(heard, speech) if result.metadata["alignment"]["not_found"] else []
    if spans:  # the engine skipped speech the script says something about: listen again
        heard = listen_again(engine, media, options, heard, spans, cancelled)
        result = align_transcript(
            script, heard, audio, options.rules, cancelled=cancelled, speech=speech, retime=retime
        )
        result.metadata["alignment"]["listened_again_ms"] = [list(s) for s in spans]
    crashed = (result.metadata["alignment"].get("forced_alignment") or {}).get("crashed")
    if crashed and on_event:
        on_event(Warning_(f"words timed from the transcription alone: {crashed}"))
    if on_event:
        on_event(Progress("refine", 1.0))
    return result


def find_speech(
    audio: np.ndarray, vad: bool = True, cancelled: Cancelled | None = None
) -> SpeechMap:
    """Where ``audio`` has speech: Silero on ONNX Runtime (no torch import in this process: the
    worker refined already), or the loudness mask."""
    from wavescribe.core.refine.vad import detect_speech

    audio = np.ascontiguousarray(audio, dtype=np.float32).reshape(-1)
    return detect_speech(audio, use_vad=vad, cancelled=cancelled)


def _audio_and_speech(
    media: str | os.PathLike[str], cancelled: Cancelled | None
) -> tuple[np.ndarray, SpeechMap]:
    from wavescribe.core.audio.load import load_audio

    audio, _ = load_audio(media, cancel=cancelled)
    return audio, find_speech(audio, True, cancelled)


class _Piece:
    """Consecutive script words of one cue (or paragraph) that are all found, or all not."""

    def __init__(self, text: str | None, words: list[TimedWord], found: bool) -> None:
        self.text = text  # the cue's own text (subtitles), or None: cut by the rules
        self.words = words
        self.found = found
        self.doubt: str | None = None  # set for a whole subtitle cue with doubtful words
        self.cues: list[Segment] = []

    def segment(self) -> Segment:
        words = [Word(w.start or 0, w.end or 0, " " + w.text) for w in self.words]
        text = self.text if self.text is not None else " ".join(w.text for w in self.words)
        return Segment(words[0].start, words[-1].end, text, words)


def _pieces(script: Script, timed: list[TimedWord]) -> list[_Piece]:
    """Subtitles: one piece per cue (found if any of its words is). Plain text: each paragraph
    split where words stop or start being found."""
    pieces: list[_Piece] = []
    k = 0
    for cue in script.cues:
        own = timed[k : k + len(cue.words)]
        k += len(cue.words)
        if script.keep_cues:
            found = [w for w in own if w.found]
            piece = _Piece(cue.text, found or own, bool(found))
            piece.doubt = next((w.doubt for w in own if w.doubt), None)
            pieces.append(piece)
            continue
        start = len(pieces)
        for w in own:
            if len(pieces) == start or pieces[-1].found != w.found:
                pieces.append(_Piece(None, [w], w.found))
            else:
                pieces[-1].words.append(w)
    return pieces


def _with_absent_pieces(
    pieces: list[_Piece], rules: SubtitleRules, duration_ms: int
) -> list[Segment]:
    """All cues in script order: found pieces' cues flagged where doubtful, and the pieces not in
    the audio as flagged cues put right after the cue before them."""
    out: list[Segment] = []
    for n, piece in enumerate(pieces):
        if piece.found:
            _flag(piece)
            out.extend(piece.cues)
            continue
        anchor = out[-1].end if out else 0
        after = next((p.cues[0].start for p in pieces[n + 1 :] if p.found and p.cues), duration_ms)
        end = max(anchor, min(after - rules.min_gap_ms, anchor + rules.min_duration_ms))
        words = [Word(anchor, end, " " + w.text) for w in piece.words]
        if piece.text is not None:
            cue = Segment(anchor, end, piece.text, words)
            cues = [cue]
        else:
            cues = build_cues(words, rules) if len(words) > 1 else [make_cue(words, rules)]
        for cue in cues:
            cue.start, cue.end = anchor, end
            cue.suspect = piece.doubt or NOT_FOUND
        out.extend(cues)
    return out


def _flag(piece: _Piece) -> None:
    """Flag the cues of a found piece that hold doubtful words (cues hold its words in order)."""
    if piece.doubt:
        for cue in piece.cues:
            cue.suspect = piece.doubt
        return
    k = 0
    for cue in piece.cues:
        own = piece.words[k : k + len(cue.words)]
        k += len(cue.words)
        doubt = next((w.doubt for w in own if w.doubt), None)
        if doubt:
            cue.suspect = doubt
