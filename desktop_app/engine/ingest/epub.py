"""EPUB books (ebooklib): chapters from the navigation document / NCX table of contents.

Each top-level TOC entry (or the next level when the top has a single entry) starts a chapter at
its document and anchor; the text runs to the next entry's start through the spine. HTML is
stripped to text with paragraph breaks. Cover, title page, navigation and contents are skipped.
Without a usable TOC every spine document with text becomes a chapter titled by its first heading.
Runs in the ingest child process after the zip-bomb guard; thread-safe (no shared state).
"""

from __future__ import annotations

import logging
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from desktop_app.engine.ingest.base import CorruptFileError, ParsedChapter, ParsedDocument
from desktop_app.engine.ingest.limits import IngestLimits, check_zip_archive
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


def _flatten_toc(toc: Any, depth: int, out: list[tuple[int, Any]]) -> None:
    for entry in toc or []:
        if isinstance(entry, tuple) and len(entry) == 2:
            out.append((depth, entry[0]))
            _flatten_toc(entry[1], depth + 1, out)
        elif isinstance(entry, list):
            _flatten_toc(entry, depth + 1, out)
        else:
            out.append((depth, entry))


def _toc_entries(book: Any, base_of: dict[str, str]) -> list[_TocEntry]:
    flat: list[tuple[int, Any]] = []
    _flatten_toc(book.toc, 1, flat)
    resolved: list[tuple[int, _TocEntry]] = []
    for depth, link in flat:
        href = unquote(str(getattr(link, "href", "") or ""))
        title = " ".join(str(getattr(link, "title", "") or "").split())
        name, _, anchor = href.partition("#")
        name = base_of.get(name) or base_of.get(posixpath.normpath(name)) or ""
        if not name or _SKIP_TITLE.match(title) or _SKIP_NAME.search(name):
            continue
        resolved.append((depth, _TocEntry(title or posixpath.basename(name), name, anchor)))
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
    import ebooklib
    from ebooklib import epub

    check_zip_archive(path, limits, kind="EPUB")
    try:
        book = epub.read_epub(str(path), options={"ignore_ncx": False})
    except (epub.EpubException, KeyError, ValueError, OSError, AttributeError, TypeError, IndexError) as exc:
        raise CorruptFileError(f"This EPUB is damaged and cannot be read: {exc}.", path=path) from exc
    documents: dict[str, Any] = {}
    for item in book.get_items():
        if item.get_type() == ebooklib.ITEM_DOCUMENT and not isinstance(item, epub.EpubNav):
            documents[item.get_name()] = item
    spine: list[str] = []
    by_id = {item.get_id(): item for item in documents.values()}
    for entry in book.spine:
        idref = entry[0] if isinstance(entry, tuple) else entry
        item = by_id.get(idref)
        if item is not None and item.get_name() not in spine:
            spine.append(item.get_name())
    if not spine:
        spine = list(documents)
    base_of = {name: name for name in documents}
    texts: dict[str, tuple[str, dict[str, int]]] = {}

    def text_of(name: str) -> tuple[str, dict[str, int]]:
        if name not in texts:
            texts[name] = html_to_text(documents[name].get_content())
        return texts[name]

    entries = [e for e in _toc_entries(book, base_of) if e.href in spine] if use_toc else []
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
    meta = book.get_metadata("DC", "title")
    title = str(meta[0][0]) if meta and meta[0] and meta[0][0] else path.stem
    return finish(title, "epub", chapters, structure=structure, path=path, empty_message=NO_CHAPTERS)
