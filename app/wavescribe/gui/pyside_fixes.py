"""Work around a PySide6 reference-counting bug that crashes long-running apps on Python 3.11.

PySide6 6.11-6.12 drops a reference to ``None`` on every call of some static ``void`` methods
(measured here on 6.12.0: ``QCoreApplication.processEvents()``, ``sendPostedEvents()``,
``QTest.qWait()``, ``QSettings.setPath()``, ``QApplication.setPalette()``: one per call). 3.12
made ``None`` immortal; on 3.11 its count (about 5,000 in a small process) reaches zero after that
many calls and the interpreter aborts with "Fatal Python error: none_dealloc". Giving ``None`` a
huge head start, once, is what 3.12 does for every process.
"""

from __future__ import annotations

import ctypes
import sys

_HEAD_START = 1 << 40


def protect_none_refcount() -> None:
    """Make ``None`` effectively immortal on CPython < 3.12 (a no-op elsewhere)."""
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return
    if getattr(sys, "_wavescribe_none_protected", False):
        return
    # ob_refcnt is the first field of every object in CPython 3.11's (non-debug) object header.
    ctypes.c_ssize_t.from_address(id(None)).value += _HEAD_START
    sys._wavescribe_none_protected = True  # type: ignore[attr-defined]
