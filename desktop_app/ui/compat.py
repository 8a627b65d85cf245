"""A startup check for a Qt binding that corrupts reference counts (PySide6 6.12.0 on Python 3.11).

PySide6/shiboken6 6.12.0 returns ``None``, ``True`` and ``False`` from C++ calls (``label.setText()``,
``signal.emit()``, a model's ``data()`` answering ``None``, queued slots) without taking a reference.
On Python 3.12 and later these objects are immortal and nothing happens; on Python 3.11 each call takes
a reference away until the interpreter aborts ("none_dealloc: deallocating None" / "bool_dealloc"),
which a live document view reaches within seconds. PySide6 6.11 is not affected.

:func:`binding_problem` measures the fault directly (a handful of calls, watching the counts) rather
than trusting version numbers, so a fixed 6.12.x passes.
"""

from __future__ import annotations

import sys


def binding_problem() -> str | None:
    """A user's message if this PySide6 leaks references to None/True, else None."""
    if sys.version_info >= (3, 12):
        return None  # None, True and False are immortal: the fault cannot hurt
    import PySide6
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        fired = Signal()

    probe = _Probe()
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(16):
        probe.setObjectName("probe")  # a C++ call returning None
        probe.fired.emit()  # returns True
    lost = (none_before - sys.getrefcount(None)) >= 16 or (true_before - sys.getrefcount(True)) >= 16
    if not lost:
        return None
    return (
        f"PySide6 {PySide6.__version__} cannot run on Python {sys.version.split()[0]}: it loses references to "
        "None and True and would crash the window.\n"
        "Install PySide6 6.11 (pip install 'PySide6-Essentials>=6.7,<6.12'), or use Python 3.12 or newer."
    )
