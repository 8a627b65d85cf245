"""Documents: list, read (status, progress %, chapters with summaries and clause flags), export, and the
changes a user makes from the window (retry, cancel, priority, re-summarize with a new focus, delete).

A ``{document_id}`` may be a full id or a unique prefix of at least four characters, as in the CLI.
Every engine call reads or writes the database, so it runs in a worker thread.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from desktop_app.engine.exports import count_chapters

from .context import ApiContext
from .routes_seed import DOC_ID
from .schemas import ERRORS, NOT_FOUND, ChangeResponse, DocumentList, FocusChange, PriorityChange
from .security import sanitize_file_name

router = APIRouter(prefix="/api/documents", tags=["documents"], responses={**ERRORS, **NOT_FOUND})

DocumentId = Annotated[str, Path(pattern=DOC_ID, description="document id, or a unique prefix (≥ 4 characters)")]
StatusFilter = Literal["parsing", "processing", "summarizing", "done", "failed", "cancelled"]


def content_disposition(file_name: str) -> str:
    """An attachment header any name survives: an ASCII ``filename`` and the exact RFC 5987 ``filename*``.

    Headers are Latin-1 on the wire, so a Cyrillic or CJK name in ``filename`` alone cannot be sent.
    """
    fallback = file_name.encode("ascii", "replace").decode("ascii").replace("?", "_").replace('"', "_")
    if fallback == file_name:
        return f'attachment; filename="{file_name}"'
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(file_name, safe='')}"


def _ctx(request: Request) -> ApiContext:
    ctx: ApiContext = request.app.state.ctx
    return ctx


@router.get("", response_model=DocumentList, summary="Every document, newest first (without chapters)")
async def list_documents(
    request: Request, status: Annotated[StatusFilter | None, Query(description="only this status")] = None
) -> dict[str, Any]:
    views = await _ctx(request).call(_ctx(request).engine.documents, status=status)
    return {"documents": [v.to_dict(chapters=False) for v in views]}


@router.get("/{document_id}", summary="A document: status, progress %, chapters with summaries and clause flags")
async def get_document(
    request: Request,
    document_id: DocumentId,
    with_text: Annotated[bool, Query(description="include each chapter's text (summary spans index into it)")] = False,
) -> dict[str, Any]:
    view = await _ctx(request).call(_ctx(request).engine.document, document_id, with_text=with_text)
    body: dict[str, Any] = view.to_dict(with_text=with_text)
    return body


@router.get(
    "/{document_id}/export",
    summary="Export as Markdown (text/markdown) or JSON",
    responses={200: {"content": {"text/markdown": {}, "application/json": {}}}},
)
async def export_document(
    request: Request,
    document_id: DocumentId,
    format: Annotated[Literal["md", "json"], Query(description="md or json")] = "md",
    download: Annotated[bool, Query(description="send as an attachment")] = False,
    with_text: Annotated[bool, Query(description="JSON: include each chapter's text")] = False,
) -> Response:
    ctx = _ctx(request)
    view = await ctx.call(ctx.engine.document, document_id, chapters=False)
    text = await ctx.call(ctx.engine.export, view.id, format, with_text=with_text)
    media = "application/json" if format == "json" else "text/markdown; charset=utf-8"
    headers = {}
    if download:
        stem = sanitize_file_name(view.file_name).rsplit(".", 1)[0] or "document"
        headers["Content-Disposition"] = content_disposition(f"{stem}.{format}")
    return Response(text, media_type=media, headers=headers)


@router.post(
    "/{document_id}/retry",
    response_model=ChangeResponse,
    summary="Queue failed and cancelled chapters (and, with fallbacks=true, those the fallback summarized)",
)
async def retry_document(
    request: Request,
    document_id: DocumentId,
    fallbacks: Annotated[
        bool, Query(description="also redo chapters summarized by the fallback instead of the configured backend")
    ] = False,
) -> dict[str, Any]:
    ctx = _ctx(request)
    doc_id = (await ctx.call(ctx.engine.document, document_id, chapters=False)).id
    count = await ctx.call(ctx.engine.retry, doc_id, fallbacks=fallbacks)
    return {"document_id": doc_id, "retried": count, "message": f"{count_chapters(count)} queued again."}


@router.post("/{document_id}/cancel", response_model=ChangeResponse, summary="Cancel chapters not yet summarized")
async def cancel_document(request: Request, document_id: DocumentId) -> dict[str, Any]:
    ctx = _ctx(request)
    doc_id = (await ctx.call(ctx.engine.document, document_id, chapters=False)).id
    count = await ctx.call(ctx.engine.cancel, doc_id)
    return {"document_id": doc_id, "cancelled": count, "message": f"{count_chapters(count, 'pending ')} cancelled."}


@router.put("/{document_id}/priority", response_model=ChangeResponse, summary="Change priority: high, normal, low")
async def set_priority(request: Request, document_id: DocumentId, change: PriorityChange) -> dict[str, Any]:
    ctx = _ctx(request)
    doc_id = (await ctx.call(ctx.engine.document, document_id, chapters=False)).id
    await ctx.call(ctx.engine.set_priority, doc_id, change.priority)
    return {"document_id": doc_id, "priority": change.priority, "message": f"Priority set to {change.priority}."}


@router.post(
    "/{document_id}/refocus", response_model=ChangeResponse, summary="Summarize the document again with a new focus"
)
async def refocus_document(request: Request, document_id: DocumentId, change: FocusChange) -> dict[str, Any]:
    ctx = _ctx(request)
    doc_id = (await ctx.call(ctx.engine.document, document_id, chapters=False)).id
    count = await ctx.call(ctx.engine.refocus, doc_id, change.focus)
    focus = (change.focus or "").strip() or None
    message = (
        f"{count_chapters(count)} queued with the focus “{focus}”."
        if focus
        else f"{count_chapters(count)} queued, no focus."
    )
    return {"document_id": doc_id, "focus": focus, "requeued": count, "message": message}


@router.delete("/{document_id}", response_model=ChangeResponse, summary="Delete a document and its summaries")
async def delete_document(request: Request, document_id: DocumentId) -> dict[str, Any]:
    ctx = _ctx(request)
    view = await ctx.call(ctx.engine.document, document_id, chapters=False)
    await ctx.call(ctx.engine.remove, view.id)
    return {"document_id": view.id, "removed": True, "message": f"Removed “{view.title}”."}
