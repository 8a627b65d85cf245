"""``python -m desktop_app.cli``: the command line."""

from __future__ import annotations

import sys

from desktop_app.cli import main

sys.exit(main())
