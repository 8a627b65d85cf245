"""Plain-text files: decode, then split at chapter headings or, failing that, into parts.

Also holds the small helpers every parser uses to finish a document (clean whitespace, drop empty
chapters). Pure functions of the file; safe on any thread; bounded by the caller's size limit.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from desktop_app.engine.ingest.base import NoTextError, ParsedChapter, ParsedDocument, count_words
from desktop_app.engine.ingest.encoding import decode_text
from desktop_app.engine.ingest.headings import match_heading, select_headings

log = logging.getLogger(__name__)

#: A text without headings longer than this many words is cut into parts of about this size.
PART_WORDS = 5000
#: Text before the first heading becomes its own chapter only when it has at least this many words.
MIN_PREAMBLE_WORDS = 30

_BLANK_RUNS = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")
_TRAILING_WS = re.compile(r"[ \t]+\n|\n[ \t]+")


def tidy(text: str) -> str:
    """Trim trailing spaces and collapse runs of blank lines; keep paragraph breaks."""
    text = _TRAILING_WS.sub("\n", text.replace("\u00a0", " "))
    return _BLANK_RUNS.sub("\n\n", text).strip()


def finish(
    title: str, fmt: str, chapters: list[ParsedChapter], *, structure: str, path: Path, empty_message: str
) -> ParsedDocument:
    """Tidy chapter texts, drop chapters left without text, raise NoTextError if none remain."""
    kept: list[ParsedChapter] = []
    for chapter in chapters:
        chapter.text = tidy(chapter.text)
        chapter.title = " ".join(chapter.title.split())[:300] or "Untitled"
        if count_words(chapter.text) > 0:
            kept.append(chapter)
        else:
            log.debug("dropping chapter %r of %s: no text", chapter.title, path)
    if not kept:
        raise NoTextError(empty_message, path=path)
    return ParsedDocument(title=title or path.stem, format=fmt, chapters=kept, structure=structure)


def split_into_parts(text: str, title: str, part_words: int = PART_WORDS) -> list[ParsedChapter]:
    """Cut a long text without headings into parts of about ``part_words`` at paragraph breaks."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    if count_words(text) <= part_words * 1.5:
        return [ParsedChapter(title=title, text=text)]
    parts: list[ParsedChapter] = []
    current: list[str] = []
    words = 0
    for para in paragraphs:
        current.append(para)
        words += count_words(para)
        if words >= part_words:
            parts.append(ParsedChapter(title=f"Part {len(parts) + 1}", text="\n\n".join(current)))
            current, words = [], 0
    if current:
        if parts and words < part_words // 3:
            parts[-1].text += "\n\n" + "\n\n".join(current)
        else:
            parts.append(ParsedChapter(title=f"Part {len(parts) + 1}", text="\n\n".join(current)))
    return parts


def split_at_headings(text: str, fallback_title: str) -> tuple[list[ParsedChapter], str]:
    """Split ``text`` at a consistent series of heading lines; return (chapters, structure)."""
    lines = text.split("\n")
    candidates = []
    for i, line in enumerate(lines):
        heading = match_heading(line)
        # A heading stands alone: blank (or start of text) before it.
        if heading is not None and (i == 0 or not lines[i - 1].strip()):
            candidates.append((i, heading))
    chosen = select_headings(candidates)
    if not chosen:
        return split_into_parts(text, fallback_title), "sections"
    chapters: list[ParsedChapter] = []
    preamble = "\n".join(lines[: chosen[0][0]])
    if count_words(preamble) >= MIN_PREAMBLE_WORDS:
        chapters.append(ParsedChapter(title="Introduction", text=preamble, kind="front"))
    for n, (start, heading) in enumerate(chosen):
        end = chosen[n + 1][0] if n + 1 < len(chosen) else len(lines)
        chapters.append(ParsedChapter(title=heading.title, text="\n".join(lines[start + 1 : end])))
    return chapters, "headings"


def parse_text(path: Path, data: bytes) -> ParsedDocument:
    """Parse a plain-text file's bytes. Thread-safe; raises NoTextError for an empty file."""
    text, encoding = decode_text(data)
    log.debug("%s: %s text", path, encoding)
    chapters, structure = split_at_headings(text, path.stem)
    return finish(
        path.stem,
        "txt",
        chapters,
        structure=structure,
        path=path,
        empty_message="This text file is empty: there is nothing to summarize.",
    )
