"""Which files the app takes as audio or video (by extension), for dialogs, drops and pairing."""

from __future__ import annotations

MEDIA_SUFFIXES = (
    *(".wav", ".flac", ".mp3", ".ogg", ".oga", ".opus", ".m4a", ".aac", ".amr", ".wma", ".aiff"),
    *(".aif", ".caf", ".mp4", ".m4v", ".mkv", ".webm", ".mov", ".avi", ".mpg", ".mpeg", ".ts"),
)
MEDIA_FILTER = "Audio and video (" + " ".join(f"*{s}" for s in MEDIA_SUFFIXES) + ")"
