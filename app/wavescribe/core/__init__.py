"""Headless core of Wavescribe: audio, models, engine, refinement, transcript, formats.

Nothing under this package imports Qt; the CLI and the GUI are thin layers over it. Beside the
rooms (``audio``, ``models``, ``engine``, ``refine``, ``editing``, ``project``, ``formats``) a few
small modules hold what every room shares, once: ``errors`` (typed errors with a structured
``Hint`` that each shell phrases for its user), ``atomic`` (atomic writes, disk-full errors),
``humanize`` (sizes and durations in words), ``throttle`` (progress reports per interval),
``word_error`` (word error rate), ``paths``, ``transcript``, ``subtitle_rules`` and ``jobs``.
State lives in objects their owner creates (the GUI's workspace owns a ``PeakCache`` and a
``SystemInfo``), never in module-level registries.
"""
