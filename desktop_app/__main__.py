"""``python -m desktop_app`` opens the window (``chapterwise`` is the command line)."""

from __future__ import annotations

import multiprocessing
import sys

if __name__ == "__main__":
    # First: the window's summary pool spawns processes; in a frozen app they re-run this entry point.
    multiprocessing.freeze_support()

    from desktop_app.ui.app import main

    sys.exit(main())
