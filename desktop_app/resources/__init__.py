"""The files the installed application reads at run time: icons, the style sheet, the desktop entry.

They live inside the package so that a wheel, an editable install and a PyInstaller bundle all carry them
(the bundle copies this folder to ``desktop_app/resources`` beside the frozen modules, where ``__file__``
points). Qt-free: the desktop installer and the command line use it too; any thread may call it.
"""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent

#: The desktop entry's file name without ``.desktop``; also the AppStream component id and Qt's desktop file name.
APP_ID = "org.chapterwise.Chapterwise"

#: The PNG sizes of the application icon, in ``icons/hicolor/<n>x<n>/apps/``.
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def path(*parts: str) -> Path:
    """The path of a resource, e.g. ``path("styles", "chapterwise.qss")``; it may not exist (see :func:`find`)."""
    return ROOT.joinpath(*parts)


def find(*parts: str) -> Path | None:
    """The path of a resource, or None with a warning in the log that names the missing file.

    A missing resource means a broken install (a wheel built without its data files, a bundle without its
    ``datas``): the window still opens, but the user should be able to see why it looks bare.
    """
    candidate = path(*parts)
    if candidate.is_file():
        return candidate
    log.warning("Resource missing: %s (the installation is incomplete; reinstall Chapterwise)", candidate)
    return None
