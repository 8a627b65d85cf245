"""What every route shares: the request context around the engine, and JSON errors.

:class:`ApiContext` is stored on the app's state; routes reach the engine through it and run blocking
engine calls on its small thread pools (:meth:`ApiContext.call`, :meth:`ApiContext.upload`), so the
event loop never waits on the database or a parse. :class:`ApiError` is what a route raises to answer
with ``{"error", "message", "status"}``.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import anyio
from fastapi.responses import JSONResponse

from desktop_app.config import Settings
from desktop_app.engine.ingest.base import (
    FileTooLargeError,
    IngestError,
    NoTextError,
    PasswordRequiredError,
    UnsupportedFormatError,
    WrongPasswordError,
)
from desktop_app.engine.service import Engine

from .events import EventHub
from .metrics import ApiMetrics

T = TypeVar("T")

#: Room for the multipart envelope and the small form fields around the file itself.
FORM_OVERHEAD = 1 << 20

STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_format",
    421: "host_not_allowed",
    422: "invalid_request",
    500: "internal_error",
    503: "unavailable",
}


#: How long one reading of the pipeline status serves every request (it costs a few database queries).
STATUS_TTL_S = 0.5


@dataclass
class ApiContext:
    """What the routes share, kept on ``app.state.ctx``."""

    engine: Engine
    settings: Settings
    token: str
    hub: EventHub
    metrics: ApiMetrics
    started: float = field(default_factory=time.time)
    #: Parsing and saving uploads get their own threads, so a burst of uploads never starves the
    #: status and document reads of the shared worker-thread pool.
    upload_limiter: anyio.CapacityLimiter = field(default_factory=lambda: anyio.CapacityLimiter(4))
    #: Every other engine call (each reads or writes the database) shares a few threads: more would only
    #: wait for connections of the engine's pool and for the GIL, and slow the pipeline down.
    db_limiter: anyio.CapacityLimiter = field(default_factory=lambda: anyio.CapacityLimiter(8))
    _status: tuple[float, dict[str, Any]] | None = None
    _status_lock: anyio.Lock = field(default_factory=anyio.Lock)

    @property
    def max_upload_bytes(self) -> int:
        return self.settings.max_file_mb * (1 << 20)

    async def call(self, func: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run an engine call in a worker thread (never on the event loop), at most ``db_limiter`` at once."""
        return await anyio.to_thread.run_sync(functools.partial(func, *args, **kwargs), limiter=self.db_limiter)

    async def pipeline_status(self) -> dict[str, Any]:
        """``Engine.status()``, read at most every ``STATUS_TTL_S`` however many clients poll it.

        While one request re-reads it, the others get the previous reading at once instead of queueing.
        """
        cached = self._status
        if cached is not None and (self._status_lock.locked() or time.monotonic() - cached[0] < STATUS_TTL_S):
            return dict(cached[1])
        async with self._status_lock:
            cached = self._status
            if cached is None or time.monotonic() - cached[0] >= STATUS_TTL_S:
                report = await self.call(self.engine.status, with_documents=False)
                status = report.to_dict()
                cached = self._status = (time.monotonic(), status)
            return dict(cached[1])

    def queue_sizes(self) -> dict[str, int]:
        """The two queue depths, from memory only (``Engine.gauges``), for every upload answer."""
        gauges = self.engine.gauges()
        return {"summary_queue_size": gauges.summary_queue_size, "write_queue_size": gauges.write_queue_size}


class ApiError(Exception):
    """An error a route raises to answer ``status`` with a JSON body carrying ``code`` and ``message``."""

    def __init__(self, status: int, message: str, code: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or STATUS_CODES.get(status, "error")
        self.extra = extra


def error_response(
    status: int, message: str, code: str | None = None, *, headers: Mapping[str, str] | None = None, **extra: Any
) -> JSONResponse:
    body = {"error": code or STATUS_CODES.get(status, "error"), "message": message, "status": status, **extra}
    headers = dict(headers or {})
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="chapterwise"'
    return JSONResponse(body, status_code=status, headers=headers or None)


def ingest_error(err: IngestError) -> ApiError:
    """The HTTP answer for a file that could not be read (the engine's message is written for the user)."""
    if isinstance(err, WrongPasswordError):
        return ApiError(422, err.message, "wrong_password")
    if isinstance(err, PasswordRequiredError):
        return ApiError(422, err.message, "password_required")
    if isinstance(err, UnsupportedFormatError):
        return ApiError(415, err.message, "unsupported_format")
    if isinstance(err, FileTooLargeError):
        return ApiError(413, err.message, "too_large")
    if isinstance(err, NoTextError):
        ocr = bool(getattr(err, "ocr_available", False))
        message = err.message + (" Upload it again with the form field ocr=true." if ocr else "")
        return ApiError(422, message, "no_text", ocr_available=ocr)
    return ApiError(422, err.message, "unreadable_file")
