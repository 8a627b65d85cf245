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
    """One page: an optional heading (drawn at 18 pt, or bold at 11 pt) and body lines (11 pt)."""

    lines: Sequence[str]
    heading: str | None = None
    #: Set the heading in bold at the body's size instead of 18 pt.
    bold_heading: bool = False


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _content(page: PageSpec, header: str | None, footer: str | None = None) -> bytes:
    ops = ["BT"]
    y = 800
    if header:
        ops.append(f"/F1 9 Tf 1 0 0 1 72 820 Tm ({_escape(header)}) Tj")
    if footer:
        ops.append(f"/F1 9 Tf 1 0 0 1 280 30 Tm ({_escape(footer)}) Tj")
    if page.heading:
        # A large heading in the body's face, or a bold one at the body's size (F2 is Helvetica-Bold).
        face = "/F2 11" if page.bold_heading else "/F1 18"
        ops.append(f"{face} Tf 1 0 0 1 72 {y} Tm ({_escape(page.heading)}) Tj")
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
    page_numbers: bool = False,
) -> bytes:
    """Return the bytes of a PDF with ``pages`` and a flat ``outline`` of (title, 0-based page).

    ``running_header`` is drawn at the top of every page; ``page_numbers`` puts "Page N of M" at the foot.
    """
    objects: list[bytes] = []  # object n is objects[n - 1]

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in below
    pages_obj = add(b"")
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    bold = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>")
    page_ids: list[int] = []
    for n, page in enumerate(pages, start=1):
        content = _content(page, running_header, f"Page {n} of {len(pages)}" if page_numbers else None)
        stream = add(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        page_ids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
                b"/Resources << /Font << /F1 %d 0 R /F2 %d 0 R >> >> >>" % (pages_obj, stream, font, bold)
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


def make_epub(
    chapters: Sequence[tuple[str, str]],
    *,
    title: str = "A Book",
    toc: str = "nav",
    nested: Sequence[tuple[int, str]] = (),
) -> bytes:
    """Return the bytes of an EPUB whose spine holds one XHTML document per ``(title, body html)`` chapter.

    The title goes into the TOC only; the body is the document's whole ``<body>``.
    ``toc`` is "nav" (EPUB 3 navigation document), "ncx" (EPUB 2) or "none". ``nested`` adds second-level
    TOC entries as ``(chapter index, anchor id)`` pointing into that chapter.
    """
    import io
    import zipfile
    from html import escape

    def doc(heading: str, body: str) -> str:
        return (
            '<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml">'
            f"<head><title>{escape(heading)}</title></head><body>{body}</body></html>"
        )

    def children(i: int, make: str) -> str:
        subs = [anchor for n, anchor in nested if n == i]
        return (make.format(items="".join(f'<li><a href="c{i}.xhtml#{a}">{a}</a></li>' for a in subs))) if subs else ""

    manifest = "".join(
        f'<item id="c{i}" href="c{i}.xhtml" media-type="application/xhtml+xml"/>' for i in range(len(chapters))
    )
    spine = "".join(f'<itemref idref="c{i}"/>' for i in range(len(chapters)))
    files: dict[str, str] = {}
    if toc == "nav":
        manifest += '<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>'
        items = "".join(
            f'<li><a href="c{i}.xhtml">{escape(t)}</a>{children(i, "<ol>{items}</ol>")}</li>'
            for i, (t, _) in enumerate(chapters)
        )
        files["OEBPS/nav.xhtml"] = (
            '<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml" '
            'xmlns:epub="http://www.idpf.org/2007/ops"><body><nav epub:type="toc"><h1>Contents</h1>'
            f"<ol>{items}</ol></nav></body></html>"
        )
    elif toc == "ncx":
        manifest += '<item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>'
        points = "".join(
            f'<navPoint id="p{i}"><navLabel><text>{escape(t)}</text></navLabel><content src="c{i}.xhtml"/></navPoint>'
            for i, (t, _) in enumerate(chapters)
        )
        files["OEBPS/toc.ncx"] = (
            '<?xml version="1.0" encoding="utf-8"?>\n<ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" '
            f'version="2005-1"><navMap>{points}</navMap></ncx>'
        )
    spine_attrs = ' toc="ncx"' if toc == "ncx" else ""
    files["OEBPS/content.opf"] = (
        '<?xml version="1.0" encoding="utf-8"?>\n<package xmlns="http://www.idpf.org/2007/opf" version="3.0">'
        f'<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{escape(title)}</dc:title></metadata>'
        f"<manifest>{manifest}</manifest><spine{spine_attrs}>{spine}</spine></package>"
    )
    for i, (heading, body) in enumerate(chapters):
        files[f"OEBPS/c{i}.xhtml"] = doc(heading, body)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        archive.writestr(
            "META-INF/container.xml",
            '<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
            '<rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
            "</rootfiles></container>",
        )
        for name, text in files.items():
            archive.writestr(name, text)
    return out.getvalue()
