"""Private files and folders: what Chapterwise writes is readable by its user only.

The database holds every document's text and the data folder holds the API token, so on POSIX the
folders Chapterwise creates are 0700 and its files 0600, whatever the umask; folders and files made by
an earlier version with wider modes are narrowed when they are opened again. On Windows the user's
profile folder already keeps other users out, and these functions only create what is missing.

Called on whichever thread opens the database, the cache or the API (no shared state).
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from pathlib import Path

log = logging.getLogger(__name__)

POSIX = os.name == "posix"
DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path, *, ours: bool = True) -> Path:
    """Create ``path`` (and its missing parents) owner-only.

    ``ours`` narrows an existing ``path`` too (Chapterwise's data and cache folders); a folder the user
    chose for a file (the parent of a ``sqlite:///`` path, say ``/tmp``) is left as it is.
    """
    path = Path(path).expanduser()
    missing = [p for p in (path, *path.parents) if not p.exists()]
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    if POSIX:
        for created in missing:
            _narrow(created, DIR_MODE)
        if ours:
            _narrow(path, DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty if it is missing, owner-only; narrow an existing file's mode."""
    path = Path(path).expanduser()
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE))
    if POSIX:
        _narrow(path, FILE_MODE)
    return path


def _narrow(path: Path, mode: int) -> None:
    try:
        current = path.stat().st_mode & 0o777
        if current & ~mode:
            path.chmod(current & mode)
    except OSError as err:  # a folder of someone else's (a shared parent): leave it, say so once
        log.debug("Could not narrow the permissions of %s: %s", path, err)


def remove_orphans(folder: Path, *, prefix: str, older_than_s: float) -> int:
    """Remove ``prefix*`` subfolders of ``folder`` untouched for ``older_than_s`` (left by a crash).

    A folder still being written (a live upload of another process on the same data folder) is younger
    than that and is kept. Returns how many were removed.
    """
    if not folder.is_dir():
        return 0
    cutoff = time.time() - older_than_s
    removed = 0
    for entry in folder.iterdir():
        if not entry.name.startswith(prefix) or not entry.is_dir():
            continue
        try:
            newest = max([entry.stat().st_mtime, *(f.stat().st_mtime for f in entry.iterdir())])
        except OSError:
            continue
        if newest < cutoff:
            shutil.rmtree(entry, ignore_errors=True)
            removed += 1
    if removed:
        log.info("Removed %d upload copies left by an earlier run in %s", removed, folder)
    return removed
