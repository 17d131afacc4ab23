"""Work around a PySide6 reference-counting bug that crashes long-running apps on Python 3.11.

PySide6 6.11-6.12 drops a reference to ``None`` on every call of some static ``void`` methods
(measured here on 6.12.0: ``QCoreApplication.processEvents()``, ``sendPostedEvents()``,
``QTest.qWait()``, ``QSettings.setPath()``, ``QApplication.setPalette()``: one per call), and to
``True`` or ``False`` somewhere as well (a long test session aborted at exit with "Fatal Python
error: bool_dealloc"). 3.12 made these singletons immortal; on 3.11 a count of a few thousand
reaches zero after that many calls and the interpreter aborts ("none_dealloc", "bool_dealloc").
Giving each a huge head start, once, is what 3.12 does for every process.
"""

from __future__ import annotations

import ctypes
import sys

_HEAD_START = 1 << 40


def protect_singleton_refcounts() -> None:
    """Make ``None``, ``True`` and ``False`` effectively immortal on CPython < 3.12."""
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return
    if getattr(sys, "_wavescribe_singletons_protected", False):
        return
    # ob_refcnt is the first field of every object in CPython 3.11's (non-debug) object header.
    for singleton in (None, True, False):
        ctypes.c_ssize_t.from_address(id(singleton)).value += _HEAD_START
    sys._wavescribe_singletons_protected = True  # type: ignore[attr-defined]
