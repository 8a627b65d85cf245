"""The process's start-up objects moved out of the cyclic garbage collector's reach, once the engine is up.

A full collection walks every object the collector tracks: in a running app, over a hundred thousand made at
start-up (SQLAlchemy's mappers and compiled statements, the modules, the Qt bindings and the window where
there is one), which live as long as the process. Walked again at each full collection, they cost the thread
that happens to allocate tens of milliseconds now and then: a pause in the window, and 4–7 % of a
2,000-chapter burst's processing time (measured in bench/suite.py and bench/gui_responsiveness.py).
Frozen (``gc.freeze``), they are left out of every later collection; what the session allocates is collected
as before.
"""

from __future__ import annotations

import gc


def settle_memory() -> None:
    """Collect what start-up left behind, then freeze the rest out of later collections.

    Called once by each long-running entry point (the window, ``chapterwise serve``, ``chapterwise worker``)
    when its engine is up. Objects frozen are still freed when nothing refers to them; only their cycles wait
    for the process's end.
    """
    gc.collect()
    gc.freeze()
