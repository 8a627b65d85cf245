"""The frozen application's one entry point: the window as ``chapterwise-gui``, the command line as ``chapterwise``.

PyInstaller builds both executables from this script (one analysis, two launchers); the launcher's own name
says which program to run. ``freeze_support`` comes first: the window's summary pool starts its worker
processes with ``spawn``, which in a bundle re-runs this executable, and without it each worker would open
another window.
"""

from __future__ import annotations

import multiprocessing
import sys
from pathlib import Path


def run() -> int:
    multiprocessing.freeze_support()
    if Path(sys.executable).stem.lower() == "chapterwise":
        from desktop_app.cli import main as cli_main

        return cli_main()
    from desktop_app.ui.app import main as window_main

    return window_main()


if __name__ == "__main__":
    sys.exit(run())
