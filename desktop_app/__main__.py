"""``python -m desktop_app`` opens the window (``chapterwise`` is the command line)."""

from __future__ import annotations

import sys

from desktop_app.ui.app import main

if __name__ == "__main__":
    sys.exit(main())
