"""The FastAPI application of the local HTTP API: routes, middleware and JSON errors, around one engine.

:func:`create_app` builds it for an engine that is already running (the window's or ``chapterwise serve``'s);
it never starts or stops the engine. Every answer that is not a success is JSON
``{"error": "<code>", "message": "<what a user can act on>", "status": <http status>}``, never a stack trace.

Middleware, outermost first: Host check (421) → CORS (only when ``CHAPTERWISE_CORS_ORIGINS`` is set) →
Bearer token (401) → body-size cap (413) → routes.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import quote

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
    IngestError,
)
from desktop_app.engine.service import DocumentNotFoundError, Engine, database_problem

from .context import FORM_OVERHEAD, ApiContext, ApiError, error_response, ingest_error
from .events import EventHub
from .metrics import ApiMetrics
from .security import (
    BodyLimitMiddleware,
    HostCheckMiddleware,
    TokenMiddleware,
    allowed_hosts,
)
from .uploads import SPOOL_BYTES, receive_uploads_in_memory

log = logging.getLogger(__name__)


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
        message = err.args[0] if err.args else "No such document"
        return error_response(404, f"{message}: {err.reason}." if err.reason else f"{message}.")

    @app.exception_handler(IngestError)
    async def _ingest(_: Request, err: IngestError) -> JSONResponse:
        api = ingest_error(err)
        return error_response(api.status, api.message, api.code)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, err: Exception) -> JSONResponse:
        problem = database_problem(err)
        if problem is not None:  # an outage, not a bug: the client may try again
            log.warning("%s %s: %s", request.method, request.url.path, problem)
            message = f"{problem[:1].upper()}{problem[1:]}. Chapterwise keeps its work and retries; try again shortly."
            return error_response(503, message, headers={"Retry-After": "5"})
        log.error("Unexpected error on %s %s", request.method, request.url.path, exc_info=err)
        return error_response(500, "Something went wrong inside Chapterwise; the details are in its log.")


def create_app(engine: Engine, settings: Settings, *, token: str, bind_host: str | None = None) -> FastAPI:
    """The API around ``engine``; requests need ``token``. ``bind_host`` joins the allowed Host names."""
    hub = EventHub(engine.bus)
    ctx = ApiContext(engine=engine, settings=settings, token=token, hub=hub, metrics=ApiMetrics(engine, hub))
    receive_uploads_in_memory(min(SPOOL_BYTES, ctx.max_upload_bytes))

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
