"""Small, valid text PDFs built by hand, for tests and benchmarks (no PDF-writing library needed).

:func:`make_text_pdf` writes pages of Helvetica text lines (optionally with a heading in a larger
size) and an optional outline, with a correct cross-reference table, so both PDFium and pypdf
read it. Pure function; thread-safe.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PageSpec:
    """One page: an optional heading (drawn at 18 pt) and body lines (11 pt)."""

    lines: Sequence[str]
    heading: str | None = None


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _content(page: PageSpec, header: str | None) -> bytes:
    ops = ["BT"]
    y = 800
    if header:
        ops.append(f"/F1 9 Tf 1 0 0 1 72 820 Tm ({_escape(header)}) Tj")
    if page.heading:
        ops.append(f"/F1 18 Tf 1 0 0 1 72 {y} Tm ({_escape(page.heading)}) Tj")
        y -= 30
    for line in page.lines:
        ops.append(f"/F1 11 Tf 1 0 0 1 72 {y} Tm ({_escape(line)}) Tj")
        y -= 14
    ops.append("ET")
    return "\n".join(ops).encode("latin-1", "replace")


def make_text_pdf(
    pages: Sequence[PageSpec],
    *,
    outline: Sequence[tuple[str, int]] = (),
    title: str = "",
    running_header: str | None = None,
) -> bytes:
    """Return the bytes of a PDF with ``pages`` and a flat ``outline`` of (title, 0-based page)."""
    objects: list[bytes] = []  # object n is objects[n - 1]

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in below
    pages_obj = add(b"")
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    page_ids: list[int] = []
    for page in pages:
        content = _content(page, running_header)
        stream = add(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        page_ids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
                b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (pages_obj, stream, font)
            )
        )
    kids = b" ".join(b"%d 0 R" % pid for pid in page_ids)
    objects[pages_obj - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(page_ids))
    outline_ref = b""
    if outline:
        root = add(b"")
        items = [len(objects) + 1 + i for i in range(len(outline))]
        for i, (text, page_index) in enumerate(outline):
            links = b""
            if i > 0:
                links += b" /Prev %d 0 R" % items[i - 1]
            if i + 1 < len(items):
                links += b" /Next %d 0 R" % items[i + 1]
            title_bytes = _escape(text).encode("latin-1", "replace")
            add(
                b"<< /Title (%s) /Parent %d 0 R /Dest [%d 0 R /Fit]%s >>"
                % (title_bytes, root, page_ids[page_index], links)
            )
        objects[root - 1] = b"<< /Type /Outlines /First %d 0 R /Last %d 0 R /Count %d >>" % (
            items[0],
            items[-1],
            len(items),
        )
        outline_ref = b" /Outlines %d 0 R /PageMode /UseOutlines" % root
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R%s >>" % (pages_obj, outline_ref)
    info = add(b"<< /Title (%s) >>" % _escape(title).encode("latin-1", "replace")) if title else 0

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    trailer = b"<< /Size %d /Root %d 0 R" % (len(objects) + 1, catalog)
    if info:
        trailer += b" /Info %d 0 R" % info
    out += b"trailer\n" + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


_LOREM_TEXT = (
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut "
    "labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco "
    "laboris nisi ut aliquip ex ea commodo consequat."
)
LOREM = _LOREM_TEXT.split(" ")


def body_lines(seed: int, count: int = 40, width: int = 12) -> list[str]:
    """Deterministic filler lines of Latin words, different for each ``seed``."""
    return [" ".join(LOREM[(seed * 7 + i * width + j) % len(LOREM)] for j in range(width)) + "." for i in range(count)]
