"""Taking an uploaded file in: a capped copy to a private temporary folder, saved (and parsed in the
background, or first) off the event loop, and waiting until a document is final (its events, and the
database polled with back-off).

Shared by the seed endpoints and the document routes.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO

import anyio
from fastapi import UploadFile
from starlette.concurrency import run_in_threadpool

from desktop_app.config import Settings
from desktop_app.engine.ingest.base import IngestError
from desktop_app.engine.private import private_dir
from desktop_app.engine.records import DocumentView
from desktop_app.engine.states import FINAL_DOCUMENT

from .context import ApiContext, ApiError, ingest_error
from .events import StreamClosedError, Subscription
from .security import sanitize_file_name

log = logging.getLogger(__name__)

CHUNK = 1 << 20
UPLOAD_PREFIX = "upload-"
#: ``wait=true`` re-reads the database at least this often, backing off from the first to the second.
POLL_MIN_S = 0.05
POLL_MAX_S = 2.0
#: Longest an upload with ``wait=true`` (or the synchronous seed call) waits before answering anyway.
DEFAULT_WAIT_S = 3600.0
#: Uploads up to this size are received in memory (:func:`receive_uploads_in_memory`).
SPOOL_BYTES = 16 << 20


def upload_dir(settings: Settings) -> Path:
    """Where uploads are copied while they are parsed (each in its own ``upload-*`` folder, mode 0700)."""
    return settings.data_dir / "uploads"


def receive_uploads_in_memory(limit: int = SPOOL_BYTES) -> None:
    """Keep an upload of up to ``limit`` bytes in memory while the form is received (bigger ones spill to a
    temporary file, as before). Starlette writes a spooled file through a worker thread for every chunk it
    receives: its form parser alone took 110 ms for a 9.6 MB file in 64 KB chunks, 17 ms in memory; the
    whole answer over localhost gained less (about 10 ms of 50–60 on a busy two-core machine)."""
    from starlette.formparsers import MultiPartParser

    MultiPartParser.spool_max_size = limit


def _copy_capped(source: BinaryIO, target: Path, limit: int) -> int:
    """Copy the received file to ``target`` (one worker-thread call, not one a chunk); 413 past ``limit``."""
    size = 0
    with target.open("wb") as out:
        while chunk := source.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise ApiError(
                    413,
                    f"The file is larger than the limit of {limit >> 20} MB (CHAPTERWISE_MAX_FILE_MB).",
                    "too_large",
                )
            out.write(chunk)
    return size


async def add_upload(
    ctx: ApiContext,
    upload: UploadFile,
    *,
    password: str | None = None,
    priority: str = "normal",
    focus: str | None = None,
    ocr: bool = False,
    background: bool = True,
) -> DocumentView:
    """Store ``upload`` under a sanitized name, save it (in a worker thread), then delete the copy.

    ``background=True`` (the default) answers before the file is parsed (the engine keeps its own copy): the
    document is ``parsing``, and a file that cannot be read ends it failed with ``error_kind``. Raises
    :class:`ApiError` for an empty or oversized file and for every ``IngestError`` raised before the
    answer (415, 413, 422): with ``background=False`` that is every file that cannot be read; with
    ``background=True`` only an unsupported type, one over the size limit and an encrypted PDF's password.
    """
    name = sanitize_file_name(upload.filename)
    folder = Path(tempfile.mkdtemp(prefix=UPLOAD_PREFIX, dir=private_dir(upload_dir(ctx.settings))))
    try:
        target = folder / name
        size = await run_in_threadpool(_copy_capped, upload.file, target, ctx.max_upload_bytes)
        if size == 0:
            raise ApiError(422, f"The file {name!r} is empty.", "empty_file")
        log.info("Received upload %s (%d bytes)", name, size)
        try:
            add = functools.partial(
                ctx.engine.add_file,
                target,
                password=password or None,
                priority=priority,
                focus=focus,
                file_name=name,
                ocr=ocr,
                background=background,
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

    Follows the database: re-reads the document at each of its engine events (finished, changed, progress
    at 100 %) and otherwise with a back-off from 50 ms to 2 s, because another instance on the same
    database may be the one that finishes it, and its events never reach this process.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + (DEFAULT_WAIT_S if timeout is None else timeout)
    delay = POLL_MIN_S
    sub = ctx.hub.subscribe(document_id)
    try:
        while True:
            view = await ctx.call(ctx.engine.document, document_id, chapters=False)
            if view.status in FINAL_DOCUMENT:
                break
            left = deadline - loop.time()
            if left <= 0:
                break
            heard = await _next_milestone(sub, min(delay, left))
            if heard is None:
                break
            delay = POLL_MIN_S if heard else min(delay * 2, POLL_MAX_S)
    finally:
        ctx.hub.unsubscribe(sub)
    return await ctx.call(ctx.engine.document, document_id)


async def _next_milestone(sub: Subscription, remaining: float) -> bool | None:
    """True when an event worth re-reading the document arrived, False after ``remaining`` seconds
    without one, None when the stream closed (the server is stopping)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + remaining
    while True:
        left = deadline - loop.time()
        if left <= 0:
            return False
        try:
            event = await sub.get(left)
        except StreamClosedError:
            return None
        if event is None:
            return False
        if event.name in ("document_finished", "document_changed"):
            return True
        if event.name == "document_progress" and event.data.get("percent", 0) >= 100:
            return True
