"""The log file: ``chapterwise.log`` in the log folder, rotated so it never grows without bound.

Only the entry points (the window, the command line) call :func:`install_log_file`; library code only logs.
A second call (a test that runs ``main`` twice, a new ``--data-dir``) replaces the earlier handler instead of
adding one. Main thread, at start-up.
"""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

from desktop_app.paths import LOG_FILE

log = logging.getLogger(__name__)

MAX_BYTES = 2 * 1024 * 1024
BACKUPS = 5  # chapterwise.log.1 … .5: about 12 MB at most
FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"


class ChapterwiseLogFile(RotatingFileHandler):
    """The application's rotating log file (its own class, so it can be found and replaced)."""


def install_log_file(log_dir: Path, level: int | str = logging.INFO) -> Path | None:
    """Send log records at ``level`` and above to ``log_dir/chapterwise.log``; return its path.

    The root logger's level is lowered to ``level`` if needed; an entry point that wants a quieter console gives
    its console handler a level of its own. A folder that cannot be written is a warning on the
    console, not a failure: the application works without its log file. Returns None in that case.
    """
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, ChapterwiseLogFile)]:
        root.removeHandler(handler)
        handler.close()
    path = log_dir / LOG_FILE
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        handler = ChapterwiseLogFile(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
    except OSError as err:
        log.warning("No log file: cannot write to %s (%s)", log_dir, err)
        return None
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > handler.level:
        root.setLevel(handler.level)
    return path
