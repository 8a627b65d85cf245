"""EPUB books: chapters from the navigation document / NCX table of contents.

Each top-level TOC entry (or the next level when the top has a single entry) starts a chapter at
its document and anchor; the text runs to the next entry's start through the spine. HTML is
stripped to text with paragraph breaks. Cover, title page, navigation and contents are skipped.
Without a usable TOC every spine document with text becomes a chapter titled by its first heading.
Numbered headings inside a chapter ("3.1 …" under "3 …") become its sections. The package is read
by ``epub_container`` (zipfile + lxml, with size caps). Runs in the ingest child process after the
zip-bomb guard; thread-safe (no shared state).
"""

from __future__ import annotations

import logging
import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop_app.engine.ingest.base import CorruptFileError, ParsedChapter, ParsedDocument
from desktop_app.engine.ingest.epub_container import EpubPackage, TocLink, read_member, read_package
from desktop_app.engine.ingest.limits import IngestLimits, check_zip_archive
from desktop_app.engine.ingest.numbered_chapters import add_numbered_sections
from desktop_app.engine.ingest.text import finish

log = logging.getLogger(__name__)

_SKIP_TITLE = re.compile(
    r"^(cover|title ?page|half ?title|contents|table of contents|copyright( page)?|toc|imprint|"
    r"inhalt(sverzeichnis)?|titelseite|impressum)$",
    re.IGNORECASE,
)
_SKIP_NAME = re.compile(r"(^|/)(cover|titlepage|title_page|toc|nav)(\.x?html?)?$", re.IGNORECASE)
_BLOCK_TAGS = {
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "br", "blockquote", "pre", "section",
    "article", "table", "dd", "dt", "figcaption", "hr",
}  # fmt: skip
_SPACES = re.compile(r"\s+")
_DROP_TAGS = {"script", "style", "head", "title", "svg", "math"}
NO_CHAPTERS = "This EPUB has no readable text: no chapters found."


@dataclass(frozen=True, slots=True)
class _TocEntry:
    title: str
    href: str  # document name inside the book
    anchor: str


def html_to_text(content: bytes) -> tuple[str, dict[str, int]]:
    """Plain text of an (X)HTML document and the text offset of every element ``id``."""
    import lxml.html

    try:
        root = lxml.html.fromstring(content)
    except (ValueError, lxml.etree.ParserError) as exc:
        log.debug("unparsable HTML: %r", exc)
        return "", {}
    parts: list[str] = []
    anchors: dict[str, int] = {}
    length = 0

    def emit(text: str, *, raw: bool = False) -> None:
        nonlocal length
        if not raw:
            text = _SPACES.sub(" ", text)  # HTML: any whitespace run in text is one space
        parts.append(text)
        length += len(text)

    def walk(el: Any) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        tag = tag.rsplit("}", 1)[-1].lower()
        if tag in _DROP_TAGS:
            if el.tail:
                emit(el.tail)
            return
        for key in ("id", "name"):
            ident = el.get(key) if tag else None
            if ident and ident not in anchors:
                anchors[ident] = length
        block = tag in _BLOCK_TAGS
        if block:
            emit("\n", raw=True)
        if tag and el.text:
            emit(el.text)
        for child in el:
            walk(child)
        if block:
            emit("\n\n" if tag != "br" else "", raw=True)
        if el.tail:
            emit(el.tail)

    body = root.find(".//body")
    walk(body if body is not None else root)
    return "".join(parts), anchors


def _toc_entries(toc: list[TocLink], spine: set[str]) -> list[_TocEntry]:
    resolved: list[tuple[int, _TocEntry]] = []
    for link in toc:
        if not link.name or link.name not in spine or _SKIP_TITLE.match(link.title) or _SKIP_NAME.search(link.name):
            continue
        resolved.append((link.depth, _TocEntry(link.title or posixpath.basename(link.name), link.name, link.anchor)))
    if not resolved:
        return []
    top = min(d for d, _ in resolved)
    level = [e for d, e in resolved if d == top]
    if len(level) < 2:
        deeper = [e for d, e in resolved if d == top + 1]
        if len(deeper) >= 2:
            return deeper
    return level


def parse_epub_file(path: Path, password: str | None, limits: IngestLimits, *, use_toc: bool = True) -> ParsedDocument:
    """Parse an EPUB into chapters. Runs in the ingest child process; raises IngestError.

    ``use_toc=False`` hides the table of contents (``bench/structure.py`` measures the fallback that way).
    """
    check_zip_archive(path, limits, kind="EPUB")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise CorruptFileError(f"This EPUB is damaged and cannot be read: {exc}.", path=path) from exc
    with archive:
        package = read_package(archive, path)
        spine = [name for name in package.spine if name not in package.nav_names]
        return _chapters(archive, path, package, spine, use_toc)


def _chapters(
    archive: zipfile.ZipFile, path: Path, package: EpubPackage, spine: list[str], use_toc: bool
) -> ParsedDocument:
    texts: dict[str, tuple[str, dict[str, int]]] = {}

    def text_of(name: str) -> tuple[str, dict[str, int]]:
        if name not in texts:
            texts[name] = html_to_text(read_member(archive, name, path))
        return texts[name]

    entries = _toc_entries(package.toc, set(spine)) if use_toc else []
    chapters: list[ParsedChapter] = []
    structure = "toc"
    if len(entries) >= 1:
        order = {name: i for i, name in enumerate(spine)}
        entries.sort(key=lambda e: (order[e.href], text_of(e.href)[1].get(e.anchor, 0)))
        for n, entry in enumerate(entries):
            start_doc = order[entry.href]
            start_off = text_of(entry.href)[1].get(entry.anchor, 0) if entry.anchor else 0
            if n + 1 < len(entries):
                nxt = entries[n + 1]
                end_doc = order[nxt.href]
                end_off: int | None = text_of(nxt.href)[1].get(nxt.anchor, 0) if nxt.anchor else 0
            else:
                end_doc, end_off = len(spine) - 1, None
            pieces = []
            for i in range(start_doc, end_doc + 1):
                text = text_of(spine[i])[0]
                lo = start_off if i == start_doc else 0
                hi = end_off if i == end_doc and end_off is not None else len(text)
                if i == end_doc and end_off == 0 and i != start_doc:
                    break
                pieces.append(text[lo:hi])
            chapters.append(ParsedChapter(title=entry.title, text="\n\n".join(pieces)))
    else:
        structure = "sections"
        for name in spine:
            if _SKIP_NAME.search(name):
                continue
            text = text_of(name)[0]
            first = next((ln.strip() for ln in text.split("\n") if ln.strip()), name)
            chapters.append(ParsedChapter(title=first[:120], text=text))
    for chapter in chapters:
        add_numbered_sections(chapter)
    title = package.title or path.stem
    return finish(title, "epub", chapters, structure=structure, path=path, empty_message=NO_CHAPTERS)
