"""A document's summaries as Markdown or JSON, each sentence with where it came from.

Markdown puts a footnote after every summary sentence naming its chapter (and page, for paged formats),
marks sentences the chapter does not support, and says when a chapter was summarized by the fallback.
JSON is the API's document shape: each chapter with ``summary_sentences``
(``{"text", "start", "end", "page", "support"}``) and ``summarized_by``; with ``with_text`` each chapter also
has its ``text``, so ``text[start:end]`` is an extractive sentence. Pure functions of a
:class:`~.records.DocumentView`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from .records import ChapterRecord, DocumentView
from .states import ChapterStatus
from .summarize.base import SummarySentence
from .summarize.grounding import is_unsupported
from .summarize.sentences import BULLETS


def export_json(doc: DocumentView, *, with_text: bool = False) -> str:
    """The document and its chapters as JSON: ``{"document": {...}, "chapters": [...]}``."""
    body = doc.to_dict(chapters=False)
    chapters = [c.to_dict(with_text=with_text) for c in doc.chapters]
    return json.dumps({"document": body, "chapters": chapters}, indent=2, ensure_ascii=False)


def _reference(chapter: ChapterRecord, sentence: SummarySentence) -> str:
    where = f"ch. {chapter.index + 1}"
    page = chapter.page_at(sentence.start)
    if page is not None:
        where += f", p. {page}"
    return where + (" — not supported by the text" if is_unsupported(sentence) else "")


class _Footnotes:
    """Numbered footnotes, collected while the body is written."""

    def __init__(self) -> None:
        self.notes: list[str] = []

    def mark(self, text: str) -> str:
        self.notes.append(text)
        return f"[^{len(self.notes)}]"

    def lines(self) -> list[str]:
        return [f"[^{i}]: {note}" for i, note in enumerate(self.notes, 1)]


def _grounded(chapter: ChapterRecord, notes: _Footnotes) -> str:
    if not chapter.sentences:
        return chapter.summary or "*(no text to summarize)*"
    texts = [s.text for s in chapter.sentences]
    return join_sentences(texts, [s.text + notes.mark(_reference(chapter, s)) for s in chapter.sentences])


def opens_list_item(sentence: str) -> bool:
    """Whether a summary sentence is an item of a model's bulleted list ("- The fee is …"): shown on a line of its
    own, where the other sentences run on as one paragraph."""
    return sentence.startswith(("- ", "* ", "– ")) or (sentence[:1] in BULLETS and sentence[1:2].isspace())


def join_sentences(sentences: list[str], shown: list[str], *, line_break: str = "\n") -> str:
    """Summary sentences as one paragraph, each as ``shown`` (with its footnote, or as a link), a list's items on
    lines of their own (``line_break`` before each)."""
    out = []
    for i, (sentence, piece) in enumerate(zip(sentences, shown, strict=True)):
        if i:
            out.append(line_break if opens_list_item(sentence) else " ")
        out.append(piece)
    return "".join(out)


def export_markdown(doc: DocumentView) -> str:
    """The document as Markdown: its summary, then a section per chapter, with footnoted sources."""
    notes = _Footnotes()
    chapters = {c.index: c for c in doc.chapters}
    n = doc.chapter_count
    lines = [f"# {doc.title}", ""]
    meta = f"{doc.file_name} · {doc.format.upper()} · {count_chapters(n)} · {doc.status}"
    lines += [f"*{meta}*", ""]
    if doc.focus:
        lines += [f"**Focus:** {doc.focus}", ""]
    if doc.summary and not _repeats_the_only_chapter(doc):
        lines += ["## Summary", ""]
        if doc.summary_sentences:
            shown = []
            for s in doc.summary_sentences:
                chapter = chapters.get(s.chapter) if s.chapter is not None else None
                shown.append(s.text + (notes.mark(_reference(chapter, s)) if chapter else ""))
            lines += [join_sentences([s.text for s in doc.summary_sentences], shown), ""]
        else:
            lines += [doc.summary, ""]
    flags = doc.high_risk_clauses
    if flags:
        lines += ["## High-risk clauses", ""]
        for flag in flags:
            quote = " ".join(str(flag.get("text", "")).split())
            where = f"ch. {flag['chapter_index'] + 1}" + (f", p. {flag['page']}" if flag.get("page") else "")
            lines.append(
                f"- **{flag['category']}** ({flag.get('severity', 'medium')}), {flag['chapter_title']}: “{quote}”"
                + notes.mark(where)
            )
        lines.append("")
    # Where the author numbered the chapters, their numbers are the only ones: a "Front matter" before
    # "1. Definitions" is not numbered "1." too.
    author_numbers = numbered_by_author(c.title for c in doc.chapters)
    for chapter in doc.chapters:
        lines += _chapter_lines(chapter, notes, author_numbers)
    if notes.notes:
        lines += ["---", "", *notes.lines()]
    return "\n".join(lines).rstrip() + "\n"


def _repeats_the_only_chapter(doc: DocumentView) -> bool:
    """Whether the document's summary is its one chapter's summary, which the chapter's section shows."""
    if len(doc.chapters) != 1:
        return False
    return " ".join((doc.summary or "").split()) == " ".join((doc.chapters[0].summary or "").split())


def _chapter_lines(chapter: ChapterRecord, notes: _Footnotes, author_numbers: bool) -> list[str]:
    lines = [f"## {numbered_title(chapter.title, chapter.index, author_numbers=author_numbers)}", ""]
    if chapter.status == ChapterStatus.DONE:
        lines += [_grounded(chapter, notes), ""]
        if chapter.fallback:
            lines += [f"*Summarized by the built-in summarizer: {chapter.fallback_reason}*", ""]
        if chapter.clause_error:
            lines += [f"*Clause check failed: {chapter.clause_error}*", ""]
        if chapter.sections:
            lines += ["Sections: " + "; ".join(s.title for s in chapter.sections), ""]
    elif chapter.status == ChapterStatus.FAILED:
        lines += [f"*Not summarized: {chapter.error or 'failed'}*", ""]
    else:
        lines += [f"*{chapter.status}*", ""]
    return lines


def count_chapters(n: int, kind: str = "") -> str:
    """ "1 chapter", "2 pending chapters": a count of chapters in the front ends' messages."""
    return f"{n} {kind}{'chapter' if n == 1 else 'chapters'}"


def numbered_by_author(titles: Iterable[str]) -> bool:
    """Whether the author numbered a document's chapters: then none is numbered by position (the Markdown export
    and the window's summary pane). A document of one chapter counts as numbered: "1." before its only
    chapter says nothing."""
    listed = list(titles)
    return len(listed) == 1 or any(carries_number(title) for title in listed)


def numbered_title(title: str, index: int, *, author_numbers: bool) -> str:
    """A chapter's title as the export and the window show it: numbered by its position (``index`` + 1), unless
    the author numbered the document's chapters (:func:`numbered_by_author`) or this title carries a number."""
    title = title.strip()
    return title if author_numbers or carries_number(title) else f"{index + 1}. {title}"


def carries_number(title: str) -> bool:
    """Whether a chapter title starts with the author's own number: "1. Definitions", "IV. Term", and a number
    named by its word, "Article 1: Definitions", "ARTICLE II MARKETING", "Chapter One", "Schedule A"."""
    words = title.strip().split(None, 2)
    if not words:
        return False
    first = words[0].rstrip(".:)")
    if words[0] == "I" and len(words) > 1:  # "I Walked Alone": the pronoun, not the first of a series
        return False
    if _is_number(first) or (first.startswith("§") and _is_number(first[1:])):  # "§3 Term"
        return True
    return (
        len(words) > 1
        and words[0].rstrip(".").casefold() in _NUMBERING_WORDS
        and (_is_number(token := words[1].rstrip(".:)-–—,")) or _is_letter(token) or token.casefold() in _NUMBER_WORDS)
    )


def _is_number(token: str) -> bool:
    return bool(token) and (token.replace(".", "").isdigit() or _is_roman(token))


def _is_letter(token: str) -> bool:
    """ "A" of "Schedule A", "B-1" of "Exhibit B-1"."""
    head = token.split("-", 1)[0]
    return len(head) == 1 and head.isalpha() and head.isupper()


def _is_roman(token: str) -> bool:
    return bool(token) and len(token) <= 6 and all(ch in "IVXLC" for ch in token.upper()) and token.isupper()


#: Words that name the number after them in a heading, in the languages whose documents are most often brought.
_NUMBERING_WORDS = frozenset(
    "article section chapter part book volume schedule exhibit annex appendix attachment addendum clause "
    "title lecture lesson unit act scene § art sec ch "
    "artikel abschnitt kapitel teil anhang chapitre partie annexe capítulo capitulo artículo articulo parte "
    "capitolo articolo sezione hoofdstuk".split()
)
_NUMBER_WORDS = frozenset(
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty first second third fourth fifth sixth seventh eighth ninth tenth "
    "last final".split()
)


def document_dict(doc: DocumentView, *, with_text: bool = False) -> dict[str, Any]:
    """The API's document JSON: the document's fields with its chapters."""
    return doc.to_dict(chapters=True, with_text=with_text)
