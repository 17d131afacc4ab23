"""Wavescribe: offline audio/video to accurate, well-timed, editable subtitles."""

__version__ = "0.1.0"
