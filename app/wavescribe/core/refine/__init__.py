"""Refinement: whisper.cpp's rough word times → words inside the speech → cues cut to the rules."""
