"""The frozen application's one entry point: the window as ``chapterwise-gui``, the command line as ``chapterwise``.

PyInstaller builds both executables from this script (one analysis, two launchers); the launcher's own name
says which program to run. ``freeze_support`` comes first: the window's summary pool starts its worker
processes with ``spawn``, which in a bundle re-runs this executable, and without it each worker would open
another window. The document parser runs the same way: started with ``CHAPTERWISE_PARSE_WORKER=1``, this
executable is the parse worker (``desktop_app.engine.ingest.worker``), so a file that crashes or bloats the
parser takes down that child only.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from pathlib import Path


def run() -> int:
    if os.environ.get("CHAPTERWISE_PARSE_WORKER") == "1":  # engine/ingest/sandbox.py: a parse in a child process
        os.environ.pop("CHAPTERWISE_PARSE_WORKER")
        from desktop_app.engine.ingest.worker import main as parse_worker

        return parse_worker()
    multiprocessing.freeze_support()
    if Path(sys.executable).stem.lower() == "chapterwise":
        from desktop_app.cli import main as cli_main

        return cli_main()
    from desktop_app.ui.app import main as window_main

    return window_main()


if __name__ == "__main__":
    sys.exit(run())
