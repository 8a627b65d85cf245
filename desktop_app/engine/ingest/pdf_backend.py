"""Reading a PDF's pages, outline and title with PDFium (fast) or pypdf (the fallback).

PDFium (pypdfium2) is ten to twenty times faster than pypdf on the corpus with text at least as
good (``bench/pdf_extract.py``), so it is tried first. pypdf takes over where PDFium cannot open a
file: AES-256 files whose *owner* password is empty (PDFium tries the given password as user
password only) and files whose broken cross-reference table pypdf's lenient mode rebuilds.

Run these inside the ingest child process (see ``sandbox.py``): they read structures the file
controls. Not thread-safe across threads on one document; each call opens its own.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop_app.engine.ingest.base import CorruptFileError, PasswordRequiredError, WrongPasswordError
from desktop_app.engine.ingest.limits import IngestLimits, check_page_count

log = logging.getLogger(__name__)

MAX_OUTLINE_DEPTH = 12
MAX_OUTLINE_ENTRIES = 20_000


@dataclass(frozen=True, slots=True)
class OutlineEntry:
    """One bookmark: depth (1 = top), title, 0-based page index."""

    level: int
    title: str
    page: int


@dataclass(slots=True)
class RawPdf:
    """What the structure step needs from a PDF: page texts, outline, metadata title."""

    pages: list[str]
    outline: list[OutlineEntry] = field(default_factory=list)
    title: str = ""
    engine: str = "pdfium"
    encrypted: bool = False


def password_required(path: Path) -> PasswordRequiredError:
    return PasswordRequiredError(
        "This PDF is password-protected: enter its password (window: the prompt; command line: --password).",
        path=path,
    )


def wrong_password(path: Path) -> WrongPasswordError:
    return WrongPasswordError("The password does not open this PDF.", path=path)


# --- PDFium


def read_with_pdfium(path: Path, password: str | None, limits: IngestLimits) -> RawPdf:
    """Extract with PDFium. Raises pypdfium2's PdfiumError when PDFium cannot open the file."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(path, password=password)
    try:
        check_page_count(len(pdf), limits, path)
        pages = list(pdfium_page_texts(pdf))
        return pdfium_raw(pdf, pages, password)
    finally:
        pdf.close()


def pdfium_page_texts(pdf: Any) -> Iterator[str]:
    """Each page's text of an open ``pdfium.PdfDocument``, in order, one page at a time."""
    for i in range(len(pdf)):
        page = pdf[i]
        try:
            textpage = page.get_textpage()
            try:
                yield textpage.get_text_bounded()
            finally:
                textpage.close()
        finally:
            page.close()


def pdfium_outline(pdf: Any) -> list[OutlineEntry]:
    """The bookmarks of an open ``pdfium.PdfDocument`` that point at one of its pages (no page text read)."""
    n = len(pdf)
    outline: list[OutlineEntry] = []
    for bookmark in pdf.get_toc(max_depth=MAX_OUTLINE_DEPTH):
        dest = bookmark.get_dest()
        index = dest.get_index() if dest is not None else None
        if index is not None and 0 <= index < n:
            outline.append(OutlineEntry(bookmark.level + 1, bookmark.get_title() or "", index))
        if len(outline) >= MAX_OUTLINE_ENTRIES:
            break
    return outline


def pdfium_raw(pdf: Any, pages: list[str], password: str | None, outline: list[OutlineEntry] | None = None) -> RawPdf:
    """The :class:`RawPdf` of an open ``pdfium.PdfDocument`` whose ``pages`` were read."""
    meta = pdf.get_metadata_dict(skip_empty=True)
    encrypted = bool(password) or _pdfium_encrypted(pdf)
    found = pdfium_outline(pdf) if outline is None else outline
    return RawPdf(pages, found, str(meta.get("Title", "")), "pdfium", encrypted)


def _pdfium_encrypted(pdf: Any) -> bool:
    from pypdfium2 import raw

    try:
        return bool(raw.FPDF_GetSecurityHandlerRevision(pdf) != -1)
    except Exception:  # an old pypdfium2 without the call: not worth failing a parse for
        return False


# --- pypdf


def _walk_pypdf_outline(reader: Any, items: list[Any], depth: int, out: list[OutlineEntry]) -> None:
    if depth > MAX_OUTLINE_DEPTH:
        return
    for item in items:
        if len(out) >= MAX_OUTLINE_ENTRIES:
            return
        if isinstance(item, list):
            _walk_pypdf_outline(reader, item, depth + 1, out)
            continue
        try:
            page = reader.get_destination_page_number(item)
        except Exception:
            page = None
        if page is not None and page >= 0:
            out.append(OutlineEntry(depth, str(getattr(item, "title", "") or ""), int(page)))


def read_with_pypdf(path: Path, password: str | None, limits: IngestLimits) -> RawPdf:
    """Extract with pypdf in lenient mode, decrypting with ``password`` (or the empty one)."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

    try:
        reader = PdfReader(path, strict=False)
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as exc:
        raise CorruptFileError(f"This PDF is damaged and cannot be read: {exc}.", path=path) from exc
    encrypted = bool(reader.is_encrypted)
    if encrypted:
        try:
            ok = reader.decrypt(password or "")
        except DependencyError as exc:
            raise CorruptFileError(
                "This PDF uses AES encryption, which needs the 'cryptography' package: install it "
                "(pip install cryptography) and try again.",
                path=path,
            ) from exc
        except (PdfReadError, NotImplementedError) as exc:
            raise CorruptFileError(f"This PDF's encryption cannot be read: {exc}.", path=path) from exc
        if not ok:
            raise wrong_password(path) if password else password_required(path)
    try:
        n = len(reader.pages)
    except FileNotDecryptedError as exc:
        raise password_required(path) from exc
    check_page_count(n, limits, path)
    pages = []
    for i in range(n):
        try:
            pages.append(reader.pages[i].extract_text() or "")
        except RecursionError:
            raise
        except Exception as exc:  # one bad page must not lose the others
            log.debug("pypdf: page %d of %s unreadable: %r", i + 1, path, exc)
            pages.append("")
    outline: list[OutlineEntry] = []
    try:
        _walk_pypdf_outline(reader, list(reader.outline), 1, outline)
    except RecursionError:
        raise
    except Exception as exc:
        log.debug("pypdf: outline of %s unreadable: %r", path, exc)
    title = ""
    try:
        meta = reader.metadata
        title = str(meta.title or "") if meta is not None else ""
    except Exception as exc:
        log.debug("pypdf: metadata of %s unreadable: %r", path, exc)
    return RawPdf(pages, outline, title, "pypdf", encrypted)


_OBJ = re.compile(rb"(?<![0-9])(\d{1,7})\s+(\d{1,5})\s+obj\b")
_CATALOG = re.compile(rb"/Type\s*/Catalog\b")


def rebuild_xref(data: bytes) -> bytes | None:
    """A truncated PDF (a download cut short) with a fresh cross-reference table, or None.

    Finds every ``N G obj`` by scanning, keeps the last definition of each object, and appends an
    xref table and a trailer pointing at the catalog. Complete objects before the cut survive.
    """
    offsets: dict[int, tuple[int, int]] = {}
    root = None
    for m in _OBJ.finditer(data):
        number, gen = int(m.group(1)), int(m.group(2))
        offsets[number] = (m.start(), gen)
        end = data.find(b"endobj", m.end())
        if _CATALOG.search(data[m.end() : end if end != -1 else m.end() + 4096]):
            root = (number, gen)
    if root is None or not offsets:
        return None
    size = max(offsets) + 1
    body = data.rstrip() + b"\n"
    table = [b"xref\n0 %d\n0000000000 65535 f \n" % size]
    for number in range(1, size):
        if number in offsets:
            table.append(b"%010d %05d n \n" % offsets[number])
        else:
            table.append(b"0000000000 65535 f \n")
    trailer = b"trailer\n<< /Size %d /Root %d %d R >>\nstartxref\n%d\n%%%%EOF\n" % (size, *root, len(body))
    return body + b"".join(table) + trailer


def _read_repaired(path: Path, password: str | None, limits: IngestLimits) -> RawPdf | None:
    import pypdfium2 as pdfium

    repaired = rebuild_xref(path.read_bytes())
    if repaired is None:
        return None
    try:
        pdf_raw = read_with_pdfium_bytes(repaired, password, limits, path)
    except pdfium.PdfiumError as exc:
        log.debug("repaired %s still unreadable: %s", path, exc)
        return None
    log.info("%s: cross-reference table rebuilt", path)
    return pdf_raw


def read_with_pdfium_bytes(data: bytes, password: str | None, limits: IngestLimits, path: Path) -> RawPdf:
    """:func:`read_with_pdfium` on bytes in memory (a repaired file)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="chapterwise-") as tmp:
        copy = Path(tmp) / "repaired.pdf"
        copy.write_bytes(data)
        return read_with_pdfium(copy, password, limits)


def read_pdf(path: Path, password: str | None, limits: IngestLimits) -> RawPdf:
    """Open with PDFium, then pypdf, then a rebuilt xref; map every failure to an IngestError."""
    import pypdfium2 as pdfium

    try:
        return read_with_pdfium(path, password, limits)
    except pdfium.PdfiumError as exc:
        reason = str(exc)
        log.debug("PDFium cannot open %s (%s): trying pypdf", path, reason)
    try:
        return read_with_pypdf(path, password, limits)
    except PasswordRequiredError:
        raise
    except CorruptFileError as exc:
        if "password" in reason.lower():
            raise wrong_password(path) if password else password_required(path) from exc
        repaired = _read_repaired(path, password, limits)
        if repaired is not None:
            return repaired
        raise
