"""``/health`` (the one route without a token) and ``/metrics`` (Prometheus text format)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from desktop_app import __version__

from .context import ApiContext
from .metrics import CONTENT_TYPE
from .schemas import ERRORS

router = APIRouter(tags=["system"])


@router.get("/health", summary="Liveness; needs no token and tells nothing private")
async def health(request: Request) -> dict[str, Any]:
    ctx: ApiContext = request.app.state.ctx
    return {"status": "ok", "version": __version__, "pipeline_running": ctx.engine.running}


@router.get(
    "/metrics",
    responses={**ERRORS, 200: {"content": {CONTENT_TYPE.split(";")[0]: {}}}},
    response_class=Response,
    summary="Prometheus metrics: queue depths, workers, LLM latency and batch commit histograms, chapters, cache",
)
async def metrics(request: Request) -> Response:
    ctx: ApiContext = request.app.state.ctx
    body = await ctx.call(ctx.metrics.render)
    return Response(body, media_type=CONTENT_TYPE)
