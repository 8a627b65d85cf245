"""Where Chapterwise keeps its files: the platform's per-user folders, or one folder for everything.

By default each kind of file goes where the platform expects it (XDG on Linux, through platformdirs):

==========  ==============================================  =========================================
kind        Linux default                                    what
==========  ==============================================  =========================================
config      ``~/.config/chapterwise``                        settings.json, window.ini, recent.json
data        ``~/.local/share/chapterwise``                   chapterwise.db, uploads, the API token
cache       ``~/.cache/chapterwise``                         the summary cache (safe to delete)
logs        ``~/.local/state/chapterwise/log``               chapterwise.log and its rotations
==========  ==============================================  =========================================

``CHAPTERWISE_DATA_DIR`` (or ``--data-dir``) puts everything in that one folder instead, as before: a test run or
a second profile never touches the user's files.

Before these folders were split, everything lived in the data folder. :func:`migrate_legacy_layout` moves those
files to their new homes once, at the first start of a newer version; it never overwrites and never deletes.
Qt-free; called by the entry points before the settings are read, on the main thread.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs

log = logging.getLogger(__name__)

APP_NAME = "chapterwise"
ENV_DATA_DIR = "CHAPTERWISE_DATA_DIR"

SETTINGS_FILE = "settings.json"
DATABASE_FILE = "chapterwise.db"
LOG_FILE = "chapterwise.log"
WINDOW_STATE_FILE = "window.ini"
RECENT_FILE = "recent.json"

#: Files of the old one-folder layout that now belong in the config folder.
_LEGACY_CONFIG_FILES = (SETTINGS_FILE, WINDOW_STATE_FILE, RECENT_FILE)
#: The old layout's cache folder, inside the data folder.
_LEGACY_CACHE = "cache"


@dataclass(frozen=True)
class AppPaths:
    """The four folders Chapterwise writes to; ``single_folder`` when one folder holds them all."""

    config: Path
    data: Path
    cache: Path
    logs: Path
    single_folder: bool = False

    @property
    def settings_file(self) -> Path:
        return self.config / SETTINGS_FILE

    @property
    def database_file(self) -> Path:
        return self.data / DATABASE_FILE

    @property
    def log_file(self) -> Path:
        return self.logs / LOG_FILE

    @property
    def window_state_file(self) -> Path:
        return self.config / WINDOW_STATE_FILE

    @property
    def recent_files_file(self) -> Path:
        return self.config / RECENT_FILE


def platform_paths() -> AppPaths:
    """The platform's per-user folders (XDG base directories on Linux)."""
    return AppPaths(
        config=platformdirs.user_config_path(APP_NAME, appauthor=False),
        data=platformdirs.user_data_path(APP_NAME, appauthor=False),
        cache=platformdirs.user_cache_path(APP_NAME, appauthor=False),
        logs=platformdirs.user_log_path(APP_NAME, appauthor=False),
    )


def one_folder(folder: Path) -> AppPaths:
    """Everything in ``folder``: settings beside the database, the cache and logs in sub-folders."""
    folder = folder.expanduser()
    return AppPaths(config=folder, data=folder, cache=folder / _LEGACY_CACHE, logs=folder / "logs", single_folder=True)


def app_paths(data_dir: Path | None = None, environ: Mapping[str, str] | None = None) -> AppPaths:
    """The folders in effect: ``data_dir`` (``--data-dir``), else ``CHAPTERWISE_DATA_DIR``, else the platform's."""
    environ = os.environ if environ is None else environ
    if data_dir is not None:
        return one_folder(data_dir)
    if environ.get(ENV_DATA_DIR):
        return one_folder(Path(environ[ENV_DATA_DIR]))
    return platform_paths()


@dataclass(frozen=True)
class Move:
    """One file or folder of the old layout: moved, or left where it was because the new place is taken."""

    source: Path
    target: Path
    moved: bool

    def describe(self) -> str:
        if self.moved:
            return f"Moved {self.source} to {self.target}"
        return f"Kept {self.source}: {self.target} already exists (nothing was overwritten; merge them by hand)"


def migrate_legacy_layout(paths: AppPaths) -> list[Move]:
    """Move the settings, window state, recent files and cache of the one-folder layout to their XDG folders.

    Runs at every start and costs a few ``stat`` calls once done: what has moved is no longer there. An item
    whose new place already exists stays where it is (reported, never overwritten), so nothing is lost even if
    two versions ran side by side. In one-folder mode there is nothing to move.
    """
    if paths.single_folder:
        return []
    moves: list[Move] = []
    for name in _LEGACY_CONFIG_FILES:
        moves += _move(paths.data / name, paths.config / name)
    legacy_cache = paths.data / _LEGACY_CACHE
    if legacy_cache.is_dir() and legacy_cache.resolve() != paths.cache.resolve():
        for entry in sorted(legacy_cache.iterdir()):
            moves += _move(entry, paths.cache / entry.name)
        _remove_if_empty(legacy_cache)
    return moves


def _move(source: Path, target: Path) -> list[Move]:
    if not source.exists() or source.resolve() == target.resolve():
        return []
    if target.exists():
        return [Move(source, target, moved=False)]
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(source), str(target))  # a rename, or copy then delete across file systems
    return [Move(source, target, moved=True)]


def _remove_if_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not empty: something stayed because its new place was taken
        folder.rmdir()


def log_moves(moves: list[Move]) -> None:
    """Report a migration in the log (once the log file is set up, so the user can read it later)."""
    for move in moves:
        if move.moved:
            log.info("%s", move.describe())
        else:
            log.warning("%s", move.describe())
