"""The transcript data model: segments with integer-millisecond times and word timings.

Times are ``int`` milliseconds everywhere in the model (never floats), as in pysubs2.
A word's ``text`` keeps its leading space as Whisper decodes it (``" world"``), so joining the
words of a segment gives back its text; refinement relies on that to keep words apart.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = 1


@dataclass(slots=True)
class Word:
    """One word with its timing and the decoder's confidence (0..1, ``None`` if unknown)."""

    start: int
    end: int
    text: str
    probability: float | None = None
    # Id of the speaker who says it (a key of ``Transcript.speakers``), or None if unknown.
    speaker: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "p": self.probability,
        }
        if self.speaker is not None:
            d["speaker"] = self.speaker
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Word:
        return cls(
            int(d["start"]),
            int(d["end"]),
            str(d["text"]),
            _opt_float(d.get("p")),
            _opt_str(d.get("speaker")),
        )


@dataclass(slots=True)
class Segment:
    """One cue: start/end in ms, text (may contain ``\\n`` line breaks) and its words."""

    start: int
    end: int
    text: str
    words: list[Word] = field(default_factory=list)
    no_speech_prob: float | None = None
    # Why this cue is doubtful (e.g. "repeats the cue before"), or None: shown, navigable, exported.
    suspect: str | None = None
    # As a subtitle file had them, so a round trip gives the file back: the WebVTT cue identifier,
    # and what follows the end time on the timing line (VTT cue settings, SRT ``X1:`` coordinates).
    cue_id: str | None = None
    cue_settings: str | None = None
    # Id of the speaker of this cue (a key of ``Transcript.speakers``), or None if unknown.
    speaker: str | None = None

    @property
    def duration(self) -> int:
        return self.end - self.start

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"start": self.start, "end": self.end, "text": self.text}
        d["words"] = [w.to_dict() for w in self.words]
        d["no_speech_prob"] = self.no_speech_prob
        if self.suspect is not None:
            d["suspect"] = self.suspect
        if self.cue_id is not None:
            d["cue_id"] = self.cue_id
        if self.cue_settings is not None:
            d["cue_settings"] = self.cue_settings
        d["speaker"] = self.speaker
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Segment:
        return cls(
            start=int(d["start"]),
            end=int(d["end"]),
            text=str(d["text"]),
            words=[Word.from_dict(w) for w in d.get("words", [])],
            no_speech_prob=_opt_float(d.get("no_speech_prob")),
            suspect=None if d.get("suspect") is None else str(d["suspect"]),
            cue_id=None if d.get("cue_id") is None else str(d["cue_id"]),
            cue_settings=None if d.get("cue_settings") is None else str(d["cue_settings"]),
            speaker=_opt_str(d.get("speaker")),
        )


# Distinct on light and dark backgrounds, told apart by most colour-blind viewers (Okabe-Ito).
SPEAKER_COLOURS = (
    "#0072b2",
    "#e69f00",
    "#009e73",
    "#cc79a7",
    "#56b4e9",
    "#d55e00",
    "#f0e442",
    "#999999",
)


@dataclass(slots=True)
class Speaker:
    """Who a speaker id stands for: the name shown and exported, and the colour of their cues."""

    name: str
    colour: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "colour": self.colour}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Speaker:
        return cls(str(d["name"]), str(d.get("colour") or SPEAKER_COLOURS[-1]))


@dataclass(slots=True)
class SourceInfo:
    """Facts about the media a transcript was made from."""

    path: str
    duration_ms: int
    container: str | None = None
    codec: str | None = None
    sample_rate: int | None = None
    channels: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "duration_ms": self.duration_ms,
            "container": self.container,
            "codec": self.codec,
            "sample_rate": self.sample_rate,
            "channels": self.channels,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SourceInfo:
        return cls(
            path=str(d["path"]),
            duration_ms=int(d["duration_ms"]),
            container=d.get("container"),
            codec=d.get("codec"),
            sample_rate=d.get("sample_rate"),
            channels=d.get("channels"),
        )


@dataclass(slots=True)
class Transcript:
    """A whole transcript: ordered segments, the language and where it came from."""

    segments: list[Segment] = field(default_factory=list)
    language: str | None = None
    source: SourceInfo | None = None
    model: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    # Speaker id -> name and colour; ids are what segments and words refer to.
    speakers: dict[str, Speaker] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return " ".join(s.text.strip() for s in self.segments if s.text.strip())

    def speaker_name(self, speaker_id: str | None) -> str | None:
        """The display name of ``speaker_id`` (the id itself if it has no entry), or None."""
        if speaker_id is None:
            return None
        entry = self.speakers.get(speaker_id)
        return entry.name if entry is not None else speaker_id

    def new_speaker_id(self) -> str:
        """An id no segment, word or entry uses yet: ``S1``, ``S2``, ..."""
        used = set(self.speakers) | {s.speaker for s in self.segments}
        used |= {w.speaker for s in self.segments for w in s.words}
        n = 1
        while f"S{n}" in used:
            n += 1
        return f"S{n}"

    def add_speaker(self, name: str | None = None) -> str:
        """Register a new speaker (named ``Speaker N`` unless given) and return its id."""
        sid = self.new_speaker_id()
        colour = SPEAKER_COLOURS[len(self.speakers) % len(SPEAKER_COLOURS)]
        self.speakers[sid] = Speaker(name or f"Speaker {sid[1:]}", colour)
        return sid

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA_VERSION,
            "language": self.language,
            "model": self.model,
            "source": self.source.to_dict() if self.source else None,
            "metadata": self.metadata,
            "speakers": {sid: sp.to_dict() for sid, sp in self.speakers.items()},
            "segments": [s.to_dict() for s in self.segments],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Transcript:
        schema = d.get("schema", SCHEMA_VERSION)
        if schema > SCHEMA_VERSION:
            raise ValueError(f"transcript schema {schema} is newer than this Wavescribe supports")
        src = d.get("source")
        return cls(
            segments=[Segment.from_dict(s) for s in d.get("segments", [])],
            language=d.get("language"),
            source=SourceInfo.from_dict(src) if src else None,
            model=d.get("model"),
            metadata=dict(d.get("metadata") or {}),
            speakers={str(k): Speaker.from_dict(v) for k, v in (d.get("speakers") or {}).items()},
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> Transcript:
        return cls.from_dict(json.loads(text))


def _opt_float(v: Any) -> float | None:
    return None if v is None else float(v)


def _opt_str(v: Any) -> str | None:
    return None if v is None else str(v)
