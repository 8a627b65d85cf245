"""The two seeds' endpoints, with their shapes and field names kept.

First seed (async summary pipeline): ``POST /api/upload`` answers at once, before the file is parsed,
with ``"status": "parsing"``, the chapters known so far and the queue depths (``background=false``
parses first and answers with every chapter; ``wait=true`` or ``USE_ASYNC_SUMMARIZATION=false`` parse
first and answer once every chapter is done). A parse that fails after the answer ends the document
failed with ``error_kind`` (and ``ocr_available``), on ``GET /api/documents/{id}`` and the event stream's
``document_finished``. ``GET /api/pipeline/status`` shows the gauges.

Second seed (document summarizer): ``POST /api/document-summarizer/summarize/`` takes the file as
``document`` and ``async=true|false`` (``async=true`` answers before the parse, ``pending`` while the
file is read); ``GET /api/document-summarizer/sessions/{session_id}/status/`` is polled. A session id is
the document id.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile

from desktop_app.engine.states import FINAL_DOCUMENT

from .context import ApiContext
from .schemas import (
    ERRORS,
    NOT_FOUND,
    UPLOAD_ERRORS,
    PipelineStatus,
    SessionStatus,
    UploadResponse,
    chapter_brief,
    parse_failure,
    session_status,
)
from .uploads import add_upload, wait_final

log = logging.getLogger(__name__)

router = APIRouter(responses=ERRORS)

DOC_ID = r"^[0-9A-Za-z-]{4,64}$"
Priority = Literal["high", "normal", "low"]
ASYNC_MESSAGE = "File uploaded and parsing started. Summaries are being generated in the background."
DONE_MESSAGE = "File uploaded and summarized."


def _ctx(request: Request) -> ApiContext:
    ctx: ApiContext = request.app.state.ctx
    return ctx


@router.post(
    "/api/upload",
    response_model=UploadResponse,
    responses=UPLOAD_ERRORS,
    tags=["seed: async summary pipeline"],
    summary="Upload a document; answers at once (or when done, with wait=true)",
)
async def upload(
    request: Request,
    *,
    file: Annotated[UploadFile, File(description="PDF, EPUB, DOCX, Markdown or text file")],
    wait: Annotated[bool, Form(description="answer when every chapter is done")] = False,
    password: Annotated[str | None, Form(max_length=1024, description="password of an encrypted PDF")] = None,
    priority: Annotated[Priority, Form()] = "normal",
    focus: Annotated[str | None, Form(max_length=2000, description="steer the summaries")] = None,
    ocr: Annotated[bool, Form(description="read a scanned PDF with Tesseract OCR (when installed)")] = False,
    background: Annotated[
        bool,
        Form(
            description='answer at once, before the file is parsed, with "status": "parsing" (the default); '
            "false parses first, so a file that cannot be read is answered 4xx"
        ),
    ] = True,
    wait_query: Annotated[bool, Query(alias="wait", description="same as the form field")] = False,
    timeout: Annotated[float | None, Query(gt=0, le=86400, description="longest wait, seconds")] = None,
) -> dict[str, Any]:
    ctx = _ctx(request)
    waits = wait or wait_query
    # A client that waits for the summaries anyway gets a file it cannot read as a 4xx, as before.
    view = await add_upload(
        ctx, file, password=password, priority=priority, focus=focus, ocr=ocr, background=background and not waits
    )
    if waits:
        view = await wait_final(ctx, view.id, timeout)
    finished = view.status in FINAL_DOCUMENT
    queues = ctx.queue_sizes()
    return {
        "message": DONE_MESSAGE if finished else ASYNC_MESSAGE,
        "document_id": view.id,
        "chapters": [chapter_brief(c) for c in view.chapters],
        "status": view.status,
        "summary_queue_size": queues["summary_queue_size"],
        "write_queue_size": queues["write_queue_size"],
        "title": view.title,
        "progress": round(view.progress, 1),
        "summary": view.summary,
        "high_risk_clauses": view.high_risk_clauses,
        **parse_failure(view),
    }


@router.get(
    "/api/pipeline/status",
    response_model=PipelineStatus,
    tags=["seed: async summary pipeline"],
    summary="Queue depths and sizes, workers, LLM latency percentiles, cache stats",
)
async def pipeline_status(request: Request) -> dict[str, Any]:
    return await _ctx(request).pipeline_status()


@router.post(
    "/api/document-summarizer/summarize/",
    response_model=SessionStatus,
    responses=UPLOAD_ERRORS,
    tags=["seed: document summarizer"],
    summary="Summarize a document: async=true answers a session_id to poll, else the complete analysis",
)
async def summarize(
    request: Request,
    *,
    document: Annotated[UploadFile, File(description="the document to analyse")],
    async_: Annotated[bool, Form(alias="async", description="answer at once with a session_id")] = False,
    password: Annotated[str | None, Form(max_length=1024)] = None,
    priority: Annotated[Priority, Form()] = "normal",
    focus: Annotated[str | None, Form(max_length=2000)] = None,
    ocr: Annotated[bool, Form(description="read a scanned PDF with Tesseract OCR (when installed)")] = False,
) -> dict[str, Any]:
    ctx = _ctx(request)
    view = await add_upload(
        ctx, document, password=password, priority=priority, focus=focus, ocr=ocr, background=async_
    )
    if async_:
        view = await ctx.call(ctx.engine.document, view.id)
    else:
        view = await wait_final(ctx, view.id)
    body = session_status(view)
    if async_ and body["status"] not in ("completed", "failed"):
        body["message"] = "Analysis started: poll the session's status."
    return body


@router.get(
    "/api/document-summarizer/sessions/{session_id}/status/",
    response_model=SessionStatus,
    responses=NOT_FOUND,
    tags=["seed: document summarizer"],
    summary="A session's status, progress % and message; summary and high_risk_clauses once completed",
)
async def session(
    request: Request, session_id: Annotated[str, Path(pattern=DOC_ID, description="the session (document) id")]
) -> dict[str, Any]:
    view = await _ctx(request).call(_ctx(request).engine.document, session_id)
    return session_status(view)
