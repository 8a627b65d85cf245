"""Live progress: ``GET /api/events`` (Server-Sent Events) and ``/api/ws`` (WebSocket).

Both stream the same events, in commit order, optionally only one document's (``?document_id=``), and
pipeline gauges about once a second with ``?stats=true``. A stream starts with a ``ready`` event: from
then on nothing committed is missed. Browsers cannot set headers on ``EventSource``/``WebSocket``, so both
also take the token as ``?token=``.

SSE frames: ``id: <seq>``, ``event: <name>``, ``data: <json>``; a comment every 15 s keeps proxies from
closing an idle stream. WebSocket messages: ``{"seq": n, "event": name, "data": {...}}``. A client that
falls 10,000 events behind gets an ``overflow`` event and is disconnected.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.background import BackgroundTask

from desktop_app.engine.service import DocumentNotFoundError

from .context import ApiContext, ApiError
from .events import StreamClosedError, Subscription
from .routes_seed import DOC_ID
from .schemas import ERRORS, NOT_FOUND

log = logging.getLogger(__name__)

router = APIRouter(tags=["live progress"])

KEEPALIVE_S = 15.0
DocumentFilter = Annotated[str | None, Query(pattern=DOC_ID, description="only this document's events")]
StatsFlag = Annotated[bool, Query(description="also stream pipeline gauges (pipeline_stats)")]
TokenParam = Annotated[str | None, Query(description="the API token, for clients that cannot set headers")]


async def _resolve(ctx: ApiContext, document_id: str | None) -> str | None:
    if document_id is None:
        return None
    view = await ctx.call(ctx.engine.document, document_id, chapters=False)
    return view.id


def _ready(document_id: str | None) -> dict[str, object]:
    return {"document_id": document_id}


@router.get(
    "/api/events",
    responses={**ERRORS, **NOT_FOUND, 200: {"content": {"text/event-stream": {}}}},
    response_class=StreamingResponse,
    summary="Server-Sent Events: chapter_committed, document_progress, ... (optionally one document's)",
)
async def sse(
    request: Request,
    document_id: DocumentFilter = None,
    stats: StatsFlag = False,
    token: TokenParam = None,
) -> StreamingResponse:
    ctx: ApiContext = request.app.state.ctx
    doc_id = await _resolve(ctx, document_id)
    sub = ctx.hub.subscribe(doc_id, include_stats=stats)

    async def frames() -> AsyncIterator[str]:
        try:
            yield f"retry: 2000\nevent: ready\ndata: {json.dumps(_ready(doc_id))}\n\n"
            while True:
                try:
                    event = await sub.get(KEEPALIVE_S)
                except StreamClosedError as closed:
                    yield f"event: {closed.args[0]}\ndata: {json.dumps({'reason': closed.args[0]})}\n\n"
                    return
                yield ": keep-alive\n\n" if event is None else event.to_sse()
        finally:
            ctx.hub.unsubscribe(sub)

    return StreamingResponse(
        frames(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        background=BackgroundTask(ctx.hub.unsubscribe, sub),
    )


@router.websocket("/api/ws")
async def websocket_events(
    websocket: WebSocket,
    document_id: DocumentFilter = None,
    stats: StatsFlag = False,
    token: TokenParam = None,
) -> None:
    """The same events as ``/api/events``, as JSON messages."""
    ctx: ApiContext = websocket.app.state.ctx
    try:
        doc_id = await _resolve(ctx, document_id)
    except DocumentNotFoundError as err:
        await _deny(websocket, ApiError(404, f"{err.args[0]}."))
        return
    sub = ctx.hub.subscribe(doc_id, include_stats=stats)
    try:
        await websocket.accept()
        await websocket.send_text(json.dumps({"seq": 0, "event": "ready", "data": _ready(doc_id)}))
        await _pump(websocket, sub)
    except WebSocketDisconnect:
        pass
    finally:
        ctx.hub.unsubscribe(sub)


async def _pump(websocket: WebSocket, sub: Subscription) -> None:
    reader = asyncio.create_task(_until_disconnect(websocket))
    try:
        while True:
            getter = asyncio.create_task(sub.get(KEEPALIVE_S))
            done, _ = await asyncio.wait({getter, reader}, return_when=asyncio.FIRST_COMPLETED)
            if reader in done:
                getter.cancel()
                return
            try:
                event = getter.result()
            except StreamClosedError as closed:
                reason = closed.args[0]
                await websocket.send_text(json.dumps({"seq": -1, "event": reason, "data": {"reason": reason}}))
                await websocket.close(code=1013 if reason == "overflow" else 1001, reason=reason)
                return
            if event is None:
                await websocket.send_text(json.dumps({"seq": -1, "event": "keepalive", "data": {}}))
            else:
                await websocket.send_text(event.to_json())
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await reader


async def _until_disconnect(websocket: WebSocket) -> None:
    """Read (and ignore) what the client sends until it goes away."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return


async def _deny(websocket: WebSocket, err: ApiError) -> None:
    body = {"error": err.code, "message": err.message, "status": err.status}
    try:
        await websocket.send_denial_response(JSONResponse(body, status_code=err.status))
    except RuntimeError:  # the server has no denial-response extension
        await websocket.close(code=4000 + err.status, reason=err.message[:120])
