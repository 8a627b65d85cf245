"""Telling a file's format from its first bytes, its zip directory and, last, its name.

Content wins over the suffix: a PDF renamed ``.txt`` is read as a PDF; an old Word ``.doc``
renamed ``.docx`` is refused with advice. Thread-safe; reads at most a few kilobytes.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from desktop_app.engine.ingest.base import UnsupportedFormatError

#: File name suffixes Chapterwise opens (lower case, with the dot), for file dialogs and drops.
SUPPORTED_SUFFIXES: tuple[str, ...] = (".pdf", ".epub", ".docx", ".md", ".markdown", ".txt", ".text")

_BY_SUFFIX = {
    ".pdf": "pdf",
    ".epub": "epub",
    ".docx": "docx",
    ".md": "md",
    ".markdown": "md",
    ".txt": "txt",
    ".text": "txt",
}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SUPPORTED_TEXT = "Chapterwise reads PDF, EPUB, DOCX, Markdown and plain-text files"


def _head(archive: zipfile.ZipFile, name: str, size: int = 64) -> bytes:
    """The first bytes of a member, inflating no more than that (a bomb's ``mimetype`` stays packed)."""
    with archive.open(name) as member:
        return member.read(size)


def _zip_kind(path: Path) -> str | None:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist()[:5000])
            if "mimetype" in names and _head(archive, "mimetype").strip() == b"application/epub+zip":
                return "epub"
            if "META-INF/container.xml" in names:
                return "epub"
            if "word/document.xml" in names:
                return "docx"
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, EOFError, NotImplementedError):
        return None
    return None


def detect_format(path: Path) -> str:
    """Return "pdf", "epub", "docx", "md" or "txt" for ``path``; raise UnsupportedFormatError otherwise.

    Raises FileNotFoundError (an OSError) only when the file does not exist; callers that take
    user input should check existence first or catch OSError.
    """
    with path.open("rb") as fh:
        head = fh.read(2048)
    suffix = path.suffix.lower()
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        kind = _zip_kind(path)
        if kind is not None:
            return kind
        if suffix in (".epub", ".docx"):
            return _BY_SUFFIX[suffix]  # a damaged archive: its parser says what is wrong
        raise UnsupportedFormatError(f"This zip archive is not an EPUB or a Word document. {_SUPPORTED_TEXT}.")
    if head.startswith(_OLE_MAGIC):
        raise UnsupportedFormatError(
            "This is an old Word (.doc) or Office 97–2003 file. Save it as .docx or PDF and open that instead."
        )
    if suffix in _BY_SUFFIX:
        return _BY_SUFFIX[suffix]
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"II*\x00", b"MM\x00*")):
        raise UnsupportedFormatError(f"This is an image, not a document. {_SUPPORTED_TEXT}.")
    raise UnsupportedFormatError(
        f"Files of type '{suffix or 'without a suffix'}' are not supported. {_SUPPORTED_TEXT}."
    )
