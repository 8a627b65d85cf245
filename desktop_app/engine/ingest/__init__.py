"""Document ingestion: turning a PDF, EPUB, DOCX, Markdown or text file into titled chapters.

Entry point: :func:`parse_document`. It is a pure function of the file, safe to call from any
worker thread (never the GUI thread: it blocks for as long as the parse takes, up to
``limits.timeout_s``). Every file is parsed in a child process with a capped address space that is
killed when the time limit passes, so a hostile file can neither hang, crash nor bloat the caller. Every failure a
file can cause is an :class:`IngestError` subclass whose message is written for the user.

Exception tree::

    IngestError
    ├── UnsupportedFormatError   not a format Chapterwise reads
    ├── PasswordRequiredError    encrypted; the empty password does not open it
    │   └── WrongPasswordError   the password given does not open it
    ├── CorruptFileError         damaged beyond lenient recovery, or crashed the reader
    ├── NoTextError              no text layer (scans), images only, empty, no chapters
    ├── FileTooLargeError        over the size, page or unpacked-size limit
    └── ParseTimeoutError        took longer than the time limit

:class:`ParseCancelledError` is not among them: the caller stopped the parse, nothing is wrong with the file.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path

from desktop_app.engine.ingest.base import (
    CorruptFileError,
    FileTooLargeError,
    IngestError,
    NoTextError,
    ParseCancelledError,
    ParsedChapter,
    ParsedDocument,
    ParseTimeoutError,
    PasswordRequiredError,
    UnsupportedFormatError,
    WrongPasswordError,
)
from desktop_app.engine.ingest.detect import SUPPORTED_SUFFIXES, detect_format
from desktop_app.engine.ingest.limits import IngestLimits, check_file_size, check_zip_archive, is_zip
from desktop_app.engine.ingest.ocr import ocr_pdf, tesseract_available
from desktop_app.engine.ingest.sandbox import stream_isolated
from desktop_app.engine.ingest.stream import ParseItem, collect

__all__ = [
    "SUPPORTED_SUFFIXES",
    "CorruptFileError",
    "FileTooLargeError",
    "IngestError",
    "IngestLimits",
    "NoTextError",
    "ParseCancelledError",
    "ParseTimeoutError",
    "ParsedChapter",
    "ParsedDocument",
    "PasswordRequiredError",
    "UnsupportedFormatError",
    "WrongPasswordError",
    "detect_format",
    "ocr_pdf",
    "parse_document",
    "stream_document",
    "tesseract_available",
]

log = logging.getLogger(__name__)

#: Parsers run in the child process, as "module:function" taking (path, password, limits) and returning a
#: ParsedDocument or yielding stream items (``stream.py``).
_ISOLATED_TARGETS = {
    "pdf": "desktop_app.engine.ingest.pdf_stream:stream_pdf_file",
    "epub": "desktop_app.engine.ingest.epub:parse_epub_file",
    "docx": "desktop_app.engine.ingest.docx:parse_docx_file",
    "md": "desktop_app.engine.ingest.sandbox:parse_markdown_file",
    "txt": "desktop_app.engine.ingest.sandbox:parse_text_file",
}


def parse_document(path: Path, *, password: str | None = None, limits: IngestLimits | None = None) -> ParsedDocument:
    """Read ``path`` into a :class:`ParsedDocument` with at least one chapter, each with text.

    ``password`` opens an encrypted PDF (the empty password is always tried first).
    Blocks the calling thread; bounded by ``limits.timeout_s``; raises only IngestError
    subclasses for anything wrong with the file (OSError-like problems reading it become
    CorruptFileError with the reason).
    """
    return collect(stream_document(path, password=password, limits=limits))


def stream_document(
    path: Path,
    *,
    password: str | None = None,
    limits: IngestLimits | None = None,
    cancel: threading.Event | None = None,
) -> Iterator[ParseItem]:
    """:func:`parse_document` as it goes: chapter batches as they are final, then the end (``stream.py``).

    A PDF whose outline gives its chapters sends them while its later pages are still being read
    (``pdf_stream.py``); other files send every chapter at the end. Blocks the calling thread between
    items; the time limit runs over the whole parse; closing the generator stops the child. Raises as
    :func:`parse_document`, perhaps after some batches; setting ``cancel`` (from another thread) stops the
    child and raises :class:`~.base.ParseCancelledError`.
    """
    path = Path(path)
    limits = limits or IngestLimits()
    try:
        yield from stream_isolated(_target(path, limits), path, password, limits, cancel)
    except IngestError as exc:
        if exc.path is None:
            exc.path = path
        log.info("could not read %s: %s", path, exc.message)
        raise
    except OSError as exc:
        raise CorruptFileError(f"This file cannot be read: {exc.strerror or exc}.", path=path) from exc


def _target(path: Path, limits: IngestLimits) -> str:
    """The child target for ``path``, after the checks that need no parse (raises IngestError or OSError)."""
    if not path.is_file():
        raise IngestError(f"There is no file at {path}.", path=path)
    check_file_size(path, limits)
    if is_zip(path):  # refuse a bomb from its central directory before anything inflates a part
        check_zip_archive(path, limits, kind=path.suffix.lstrip(".").upper() or "ZIP")
    fmt = detect_format(path)
    if fmt == "pdf":
        with path.open("rb") as fh:
            if b"%PDF-" not in fh.read(1024):
                raise CorruptFileError("This file is named .pdf but is not a PDF (it has no PDF header).", path=path)
    return _ISOLATED_TARGETS[fmt]
