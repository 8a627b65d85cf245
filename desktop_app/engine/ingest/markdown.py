"""Markdown files: chapters at headings, rendered to plain text with markdown-it-py.

The chapter level is the shallowest heading level that occurs at least twice; a single heading
above it is taken as the document title, unless YAML front matter names one (``title:``). Pure
function of the file; safe on any thread.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from pathlib import Path

from desktop_app.engine.ingest.base import ParsedChapter, ParsedDocument, count_words
from desktop_app.engine.ingest.encoding import decode_text
from desktop_app.engine.ingest.numbered_chapters import add_numbered_sections, front_matter_title
from desktop_app.engine.ingest.text import MIN_PREAMBLE_WORDS, finish, parts_warning, split_at_headings, tidy

log = logging.getLogger(__name__)

_FRONT_MATTER = re.compile(r"\A---\n(?P<yaml>.*?)\n(?:---|\.\.\.)\n", re.DOTALL)


def yaml_title(front_matter: str) -> str | None:
    """The title a YAML front matter block (between its ``---`` lines) gives, or None.

    Read with PyYAML's ``safe_load``: quoting, escapes, comments and block scalars as YAML has them. A
    block that is not valid YAML, or not a mapping, names nothing; the key is ``title`` (or ``Title``).
    """
    import yaml

    try:
        meta = yaml.safe_load(front_matter)
    except yaml.YAMLError as err:
        log.info("The front matter is not valid YAML (%s); the title comes from the text", err)
        return None
    if not isinstance(meta, dict):
        return None
    value = meta.get("title", meta.get("Title"))
    if value is None or isinstance(value, dict | list):
        return None
    return " ".join(str(value).split()) or None


def _inline_text(token: object) -> str:
    children = getattr(token, "children", None) or []
    out: list[str] = []
    for child in children:
        kind = child.type
        if kind in ("text", "code_inline", "html_inline"):
            out.append(child.content if kind != "html_inline" else "")
        elif kind in ("softbreak", "hardbreak"):
            out.append("\n")
        elif kind == "image":
            out.append(child.content)
    return "".join(out)


def _blocks(tokens: list[object]) -> list[tuple[int, str]]:
    """Flatten tokens into ``(heading level or 0, text)`` blocks in reading order."""
    blocks: list[tuple[int, str]] = []
    heading_level = 0
    in_item = False
    for token in tokens:
        kind = getattr(token, "type", "")
        if kind == "heading_open":
            heading_level = int(getattr(token, "tag", "h1")[1:])
        elif kind == "heading_close":
            heading_level = 0
        elif kind == "list_item_open":
            in_item = True
        elif kind == "inline":
            text = _inline_text(token)
            if heading_level:
                blocks.append((heading_level, text))
            else:
                blocks.append((0, f"- {text}" if in_item else text))
                in_item = False
        elif kind in ("fence", "code_block"):
            blocks.append((0, str(getattr(token, "content", "")).rstrip("\n")))
    return blocks


def _chapter_level(blocks: list[tuple[int, str]]) -> tuple[int, str | None]:
    counts = Counter(level for level, _ in blocks if level)
    for level in sorted(counts):
        if counts[level] >= 2:
            above = [text for lvl, text in blocks if lvl and lvl < level]
            return level, above[0] if len(above) == 1 else None
    if counts:
        level = min(counts)
        return level, None
    return 0, None


def parse_markdown(path: Path, data: bytes) -> ParsedDocument:
    """Parse a Markdown file's bytes into chapters. Thread-safe."""
    from markdown_it import MarkdownIt

    text, _encoding = decode_text(data)
    front = _FRONT_MATTER.match(text)
    meta_title = None
    if front is not None:
        meta_title = yaml_title(front["yaml"])
        text = text[front.end() :]
    tokens: list[object] = list(MarkdownIt("commonmark").enable("table").parse(text))
    blocks = _blocks(tokens)
    level, doc_title = _chapter_level(blocks)
    title = meta_title or doc_title or path.stem
    chapters: list[ParsedChapter] = []
    preamble: list[str] = []
    current: ParsedChapter | None = None
    for lvl, block in blocks:
        if lvl and lvl == level:
            current = ParsedChapter(title=block, text="", level=1)
            chapters.append(current)
        elif lvl and lvl < level:
            continue  # the document title above the chapters
        elif current is None:
            preamble.append(block)
        else:
            current.text += block + "\n\n"
    lead = "\n\n".join(preamble)
    structure = "headings"
    if not chapters:
        chapters, structure = split_at_headings(tidy(lead), title)
    elif count_words(lead) >= MIN_PREAMBLE_WORDS:
        chapters.insert(0, ParsedChapter(title=front_matter_title(lead), text=lead, kind="front"))
    for chapter in chapters:
        add_numbered_sections(chapter)
    doc = finish(
        title,
        "md",
        chapters,
        structure=structure,
        path=path,
        empty_message="This Markdown file has no text: there is nothing to summarize.",
    )
    parts_warning(doc)
    return doc
