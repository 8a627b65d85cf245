"""The spawn hook: how the engine starts its long-lived loops.

The engine never creates threads itself; it calls a ``Spawn`` function with a name and a loop function.
The default runs the loop on a plain daemon thread (command line, API server, tests). The window passes a
function that hosts the loop in a ``QThread`` instead. A loop ends when the engine tells it to (stop
flags and poison pills); ``join`` only waits for that.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol


class Handle(Protocol):
    """A running loop."""

    name: str

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the loop to end; True if it has ended."""
        ...

    def is_alive(self) -> bool: ...


Spawn = Callable[[str, Callable[[], None]], Handle]


class ThreadHandle:
    """A loop running on a plain ``threading.Thread``."""

    def __init__(self, name: str, target: Callable[[], None]) -> None:
        self.name = name
        self._thread = threading.Thread(name=name, target=target, daemon=True)
        self._thread.start()

    def join(self, timeout: float | None = None) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def is_alive(self) -> bool:
        return self._thread.is_alive()


def thread_spawn(name: str, target: Callable[[], None]) -> Handle:
    """The default spawn hook: a daemon thread per loop."""
    return ThreadHandle(name, target)
