"""Limits that keep a hostile or oversized file from exhausting the machine.

Each limit's error names the limit and the setting that raises it, so a user with a genuinely large
book knows what to change: file size (``CHAPTERWISE_MAX_FILE_MB``), what a ZIP-based file unpacks to
(ten times that) and how well one part compresses (``CHAPTERWISE_MAX_ZIP_RATIO``), pages
(``CHAPTERWISE_MAX_PAGES``), chapters (``CHAPTERWISE_MAX_CHAPTERS``), the parse's time
(``CHAPTERWISE_PARSE_TIMEOUT``) and memory (``CHAPTERWISE_PARSE_MEMORY_MB``, enforced on the child
process with ``RLIMIT_AS``, see :mod:`.worker`).

Every function here is pure and thread-safe; nothing here can be cancelled because nothing here
blocks for long (the checks read file sizes and zip central directories only, never a member).
"""

from __future__ import annotations

import logging
import zipfile
from dataclasses import dataclass
from pathlib import Path

from desktop_app.engine.ingest.base import CorruptFileError, FileTooLargeError

log = logging.getLogger(__name__)

_MB = 1024 * 1024

#: A zip member may not unpack to more than this many times its packed size (zip-bomb guard).
MAX_ZIP_RATIO = 200
#: Zip members are never small enough to be suspicious below this packed size (bytes).
_RATIO_FLOOR = 64 * 1024
#: Archives with more members than this are refused (EPUB and DOCX have tens to a few thousand).
MAX_ZIP_MEMBERS = 20_000


@dataclass(frozen=True)
class IngestLimits:
    """How much of a file the parsers may read, and for how long.

    ``max_bytes`` caps the file on disk and, ten times over, what a DOCX or EPUB may unpack to;
    ``max_zip_ratio`` caps how well one of their parts may compress; ``max_pages`` caps a PDF's page
    count and ``max_chapters`` any document's chapters; ``timeout_s`` bounds one parse, after which the
    parse is stopped and :class:`~desktop_app.engine.ingest.base.ParseTimeoutError` raised;
    ``max_memory_bytes`` is the parse child's address space (0: unlimited).
    """

    max_bytes: int = 200 * _MB
    max_pages: int = 5000
    timeout_s: float = 120.0
    max_chapters: int = 5000
    max_memory_bytes: int = 2048 * _MB
    max_zip_ratio: int = MAX_ZIP_RATIO

    @property
    def max_unpacked_bytes(self) -> int:
        return self.max_bytes * 10


def _human(n: int) -> str:
    if n >= _MB:
        return f"{n / _MB:.0f} MB"
    return f"{n / 1024:.0f} KB"


def check_file_size(path: Path, limits: IngestLimits) -> int:
    """Return the file's size, or raise FileTooLargeError when it is over ``limits.max_bytes``."""
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise FileTooLargeError(
            f"This file is {_human(size)}, over the {_human(limits.max_bytes)} limit for one document "
            "(the setting CHAPTERWISE_MAX_FILE_MB raises it).",
            path=path,
        )
    return size


def check_page_count(pages: int, limits: IngestLimits, path: Path | None = None) -> None:
    """Raise FileTooLargeError when a paged document has more pages than ``limits.max_pages``."""
    if pages > limits.max_pages:
        raise FileTooLargeError(
            f"This document has {pages} pages, over the {limits.max_pages}-page limit "
            "(the setting CHAPTERWISE_MAX_PAGES raises it).",
            path=path,
        )


def check_chapter_count(chapters: int, limits: IngestLimits, path: Path | None = None) -> None:
    """Raise FileTooLargeError when a document splits into more chapters than ``limits.max_chapters``."""
    if chapters > limits.max_chapters:
        raise FileTooLargeError(
            f"This document splits into {chapters} chapters, over the {limits.max_chapters}-chapter limit "
            "(the setting CHAPTERWISE_MAX_CHAPTERS raises it).",
            path=path,
        )


def memory_error_message(limits: IngestLimits) -> str:
    """What a parse that ran out of its address space tells the user."""
    if not limits.max_memory_bytes:
        return "Reading this file needed more memory than there is."
    return (
        f"Reading this file needed more than the {_human(limits.max_memory_bytes)} of memory a parse may use "
        "(the setting CHAPTERWISE_PARSE_MEMORY_MB raises it): the file may be built to exhaust readers."
    )


def check_zip_archive(path: Path, limits: IngestLimits, *, kind: str) -> None:
    """Refuse zip bombs before a DOCX or EPUB library unpacks anything.

    Reads the central directory only. Raises FileTooLargeError for archives that would unpack
    past ``limits.max_unpacked_bytes``, hold too many members, or compress one member suspiciously
    well; CorruptFileError when the file is not a readable zip at all.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise CorruptFileError(
            f"This {kind} file is damaged: its zip container cannot be read ({exc}).", path=path
        ) from exc
    if len(infos) > MAX_ZIP_MEMBERS:
        raise FileTooLargeError(
            f"This {kind} file holds {len(infos)} parts, over the {MAX_ZIP_MEMBERS} limit.", path=path
        )
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > _RATIO_FLOOR and info.file_size > limits.max_zip_ratio * max(info.compress_size, 1):
            log.warning("zip member %s of %s: ratio over %d", info.filename, path, limits.max_zip_ratio)
            raise FileTooLargeError(
                f"This {kind} file looks like a zip bomb: its part {info.filename!r} unpacks to "
                f"{_human(info.file_size)} from {_human(info.compress_size)}, more than {limits.max_zip_ratio} "
                "times (the setting CHAPTERWISE_MAX_ZIP_RATIO raises the limit).",
                path=path,
            )
    if total > limits.max_unpacked_bytes:
        raise FileTooLargeError(
            f"This {kind} file unpacks to {_human(total)}, over the {_human(limits.max_unpacked_bytes)} limit "
            "(ten times CHAPTERWISE_MAX_FILE_MB).",
            path=path,
        )


def is_zip(path: Path) -> bool:
    """Whether ``path`` is a ZIP container (EPUB, DOCX, or a file that only claims to be one)."""
    try:
        with path.open("rb") as fh:
            return fh.read(4) == b"PK\x03\x04"
    except OSError:
        return False
