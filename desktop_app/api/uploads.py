"""Taking an uploaded file in: a capped copy to a private temporary folder, parsing off the event loop,
and waiting (without polling) until a document is final.

Shared by the seed endpoints and the document routes.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import shutil
import tempfile
from pathlib import Path

import anyio
from fastapi import UploadFile
from starlette.concurrency import run_in_threadpool

from desktop_app.engine.ingest.base import IngestError
from desktop_app.engine.records import DocumentView
from desktop_app.engine.states import FINAL_DOCUMENT

from .context import ApiContext, ApiError, ingest_error
from .events import StreamClosedError, Subscription
from .security import sanitize_file_name

log = logging.getLogger(__name__)

CHUNK = 1 << 20
#: Longest an upload with ``wait=true`` (or the synchronous seed call) waits before answering anyway.
DEFAULT_WAIT_S = 3600.0


async def _copy_capped(upload: UploadFile, target: Path, limit: int) -> int:
    size = 0
    with target.open("wb") as out:
        while True:
            chunk = await upload.read(CHUNK)
            if not chunk:
                return size
            size += len(chunk)
            if size > limit:
                raise ApiError(413, f"The file is larger than the limit of {limit >> 20} MB (CHAPTERWISE_MAX_FILE_MB).",
                               "too_large")
            await run_in_threadpool(out.write, chunk)


async def add_upload(
    ctx: ApiContext,
    upload: UploadFile,
    *,
    password: str | None = None,
    priority: str = "normal",
    focus: str | None = None,
    ocr: bool = False,
    background: bool = False,
) -> DocumentView:
    """Store ``upload`` under a sanitized name, parse and save it (in a worker thread), then delete the copy.

    Raises :class:`ApiError` for an empty or oversized file and for every ``IngestError`` (415, 413, 422).
    """
    name = sanitize_file_name(upload.filename)
    uploads = ctx.settings.data_dir / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="upload-", dir=uploads))
    try:
        target = folder / name
        size = await _copy_capped(upload, target, ctx.max_upload_bytes)
        if size == 0:
            raise ApiError(422, f"The file {name!r} is empty.", "empty_file")
        log.info("Received upload %s (%d bytes)", name, size)
        try:
            add = functools.partial(
                ctx.engine.add_file, target, password=password or None, priority=priority, focus=focus,
                file_name=name, ocr=ocr, background=background,
            )
            return await anyio.to_thread.run_sync(add, limiter=ctx.upload_limiter)
        except IngestError as err:
            log.info("Upload %s refused: %s", name, err.message)
            raise ingest_error(err) from None
    finally:
        await upload.close()
        await run_in_threadpool(shutil.rmtree, folder, True)


async def wait_final(ctx: ApiContext, document_id: str, timeout: float | None = None) -> DocumentView:
    """The document once it is done, failed or cancelled (or as it is after ``timeout`` seconds).

    Waits on the document's engine events (finished, changed, progress at 100 %) and re-reads the
    database at each, so nothing is missed between the first read and the subscription.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + (DEFAULT_WAIT_S if timeout is None else timeout)
    sub = ctx.hub.subscribe(document_id)
    try:
        while True:
            view = await ctx.call(ctx.engine.document, document_id, chapters=False)
            if view.status in FINAL_DOCUMENT:
                break
            if not await _next_milestone(sub, deadline - loop.time()):
                break
    finally:
        ctx.hub.unsubscribe(sub)
    return await ctx.call(ctx.engine.document, document_id)


async def _next_milestone(sub: Subscription, remaining: float) -> bool:
    """True when an event worth re-reading the document arrived; False on timeout or a closed stream."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + remaining
    while True:
        left = deadline - loop.time()
        if left <= 0:
            return False
        try:
            event = await sub.get(left)
        except StreamClosedError:
            return False
        if event is None:
            return False
        if event.name in ("document_finished", "document_changed"):
            return True
        if event.name == "document_progress" and event.data.get("percent", 0) >= 100:
            return True
