"""The files the installed application reads at run time: icons, the style sheet, the desktop entry.

In the source tree they are the repository's top-level ``resources/`` folder. The wheel carries them beside
this module, in ``desktop_app/resources/`` (pyproject.toml's ``force-include``), and so does the PyInstaller
bundle (the spec's ``datas``); run from the source tree (an editable install, ``PYTHONPATH=.``) this module
finds the top-level folder instead. Qt-free: the desktop installer and the command line use it too; any
thread may call it.
"""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)


def _root() -> Path:
    """Beside this module when installed from a wheel or bundled, else the source tree's ``resources/`` (this
    file is ``<tree>/desktop_app/resources/__init__.py``). An install without either names its own folder in
    the warnings of :func:`find`."""
    here = Path(__file__).resolve().parent
    tree = here.parents[1] / "resources"
    return here if (here / "styles").is_dir() or not tree.is_dir() else tree


#: Where the files are (see :func:`_root`).
ROOT = _root()

#: The desktop entry's file name without ``.desktop``; also the AppStream component id and Qt's desktop file name.
APP_ID = "org.chapterwise.Chapterwise"

#: The PNG sizes of the application icon, in ``icons/hicolor/<n>x<n>/apps/``.
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)

#: The sample document the window offers to open (Help ▸ Open a sample document): a short tour of the app, in
#: ``samples/``, written for it.
SAMPLE = ("samples", "A tour of Chapterwise.md")


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
