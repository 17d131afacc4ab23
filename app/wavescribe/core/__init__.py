"""Headless core of Wavescribe: audio, models, engine, refinement, transcript, formats.

Nothing under this package imports Qt; the CLI and the GUI are thin layers over it.
"""
