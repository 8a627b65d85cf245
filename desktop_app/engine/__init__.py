"""The embedded engine: ingestion, store, summarizers and the async pipeline.

Nothing below this package imports Qt or the UI; the window, the command line and the HTTP API
all drive the same :class:`~desktop_app.engine.service.Engine`.
"""

from __future__ import annotations
