"""Chapterwise's local HTTP API: FastAPI routes around the embedded engine, served by uvicorn.

``server.ApiServer`` runs it in a background thread (the window, tests); ``server.serve`` runs it in the
foreground with the pipeline (``chapterwise serve``). The package imports the engine only, never Qt.
"""
