"""The FastAPI application of the local HTTP API: routes, middleware and JSON errors, around one engine.

:func:`create_app` builds it for an engine that is already running (the window's or ``chapterwise serve``'s);
it never starts or stops the engine. Every answer that is not a success is JSON
``{"error": "<code>", "message": "<what a user can act on>", "status": <http status>}``, never a stack trace.

Middleware, outermost first: Host check (421) → CORS (only when ``CHAPTERWISE_CORS_ORIGINS`` is set) →
Bearer token (401) → body-size cap (413) → routes.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import quote

import anyio
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from desktop_app import __version__
from desktop_app.config import Settings
from desktop_app.engine.ingest.base import (
    FileTooLargeError,
    IngestError,
    NoTextError,
    PasswordRequiredError,
    UnsupportedFormatError,
    WrongPasswordError,
)
from desktop_app.engine.service import DocumentNotFoundError, Engine

from .events import EventHub
from .metrics import ApiMetrics
from .security import (
    BodyLimitMiddleware,
    HostCheckMiddleware,
    TokenMiddleware,
    allowed_hosts,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Room for the multipart envelope and the small form fields around the file itself.
FORM_OVERHEAD = 1 << 20

STATUS_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    409: "conflict", 413: "too_large", 415: "unsupported_format", 421: "host_not_allowed",
    422: "invalid_request", 500: "internal_error", 503: "unavailable",
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
                status = await self.call(self.engine.status, with_documents=False)
                cached = self._status = (time.monotonic(), status)
            return dict(cached[1])

    def queue_sizes(self) -> dict[str, int]:
        """The two queue depths, from memory only (``Engine.gauges``), for every upload answer."""
        gauges = self.engine.gauges()
        return {"summary_queue_size": gauges["summary_queue_size"], "write_queue_size": gauges["write_queue_size"]}


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


def _validation_message(err: RequestValidationError) -> tuple[str, list[dict[str, Any]]]:
    fields = []
    parts = []
    for problem in err.errors():
        loc = [str(p) for p in problem.get("loc", ()) if p not in ("body", "query", "path", "header")]
        where = ".".join(loc) or "request"
        fields.append({"field": where, "problem": str(problem.get("msg", "invalid"))})
        parts.append(f"{where}: {problem.get('msg', 'invalid')}")
    return "Invalid request: " + "; ".join(parts), fields


def _allowed_methods(request: Request) -> str:
    """Every method some route serves on this path (Starlette's own 405 names only the first route's)."""
    methods = []
    for method in ("DELETE", "GET", "HEAD", "PATCH", "POST", "PUT"):
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes):
            methods.append(method)
    return ", ".join(methods)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, err: ApiError) -> JSONResponse:
        return error_response(err.status, err.message, err.code, **err.extra)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, err: StarletteHTTPException) -> JSONResponse:
        if err.status_code == 404 and err.detail == "Not Found":
            message = f"No such endpoint: {request.method} {request.url.path} (see /docs)."
        elif err.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path} (see /docs)."
            return error_response(405, message, headers={"Allow": _allowed_methods(request)})
        elif err.status_code == 400 and err.detail == "There was an error parsing the body":
            message = "The request body could not be read: send JSON (or multipart/form-data for uploads)."
        else:
            message = str(err.detail)
        return error_response(err.status_code, message, headers=err.headers)  # 405 keeps its Allow header

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, err: RequestValidationError) -> JSONResponse:
        message, fields = _validation_message(err)
        return error_response(422, message, fields=fields)

    @app.exception_handler(DocumentNotFoundError)
    async def _not_found(_: Request, err: DocumentNotFoundError) -> JSONResponse:
        return error_response(404, f"{err.args[0] if err.args else 'No such document'}.")

    @app.exception_handler(IngestError)
    async def _ingest(_: Request, err: IngestError) -> JSONResponse:
        api = ingest_error(err)
        return error_response(api.status, api.message, api.code)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, err: Exception) -> JSONResponse:
        log.error("Unexpected error on %s %s", request.method, request.url.path, exc_info=err)
        return error_response(500, "Something went wrong inside Chapterwise; the details are in its log.")


def create_app(engine: Engine, settings: Settings, *, token: str, bind_host: str | None = None) -> FastAPI:
    """The API around ``engine``; requests need ``token``. ``bind_host`` joins the allowed Host names."""
    hub = EventHub(engine.bus)
    ctx = ApiContext(engine=engine, settings=settings, token=token, hub=hub, metrics=ApiMetrics(engine, hub))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        import asyncio

        hub.attach(asyncio.get_running_loop())
        ctx.metrics.attach()
        try:
            yield
        finally:
            ctx.metrics.detach()
            hub.detach()

    app = FastAPI(
        title="Chapterwise local API",
        version=__version__,
        description=(
            "Hand documents to Chapterwise and follow their chapter summaries. Every route but `/health` "
            "needs `Authorization: Bearer <token>`; the token is in the data directory's `api_token` file "
            "(or `CHAPTERWISE_API_TOKEN`). Event streams also accept `?token=`."
        ),
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    install_error_handlers(app)

    from . import routes_documents, routes_events, routes_seed, routes_system

    app.include_router(routes_seed.router)
    app.include_router(routes_documents.router)
    app.include_router(routes_events.router)
    app.include_router(routes_system.router)

    @app.get("/docs", include_in_schema=False)
    async def docs(request: Request) -> HTMLResponse:
        # A browser cannot send the Bearer header for the page itself: carry ?token= on to the schema.
        given = request.query_params.get("token")
        schema = "/openapi.json" + (f"?token={quote(given)}" if given else "")
        return get_swagger_ui_html(openapi_url=schema, title="Chapterwise local API")

    app.add_middleware(
        BodyLimitMiddleware, limit=ctx.max_upload_bytes + FORM_OVERHEAD, file_limit_mb=settings.max_file_mb
    )
    app.add_middleware(TokenMiddleware, token=token)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
            max_age=600,
        )
    app.add_middleware(HostCheckMiddleware, allowed=allowed_hosts(bind_host or settings.api_host))
    return app
