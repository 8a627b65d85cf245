"""A chapter's summary as HTML, each sentence a link to its source passage, and the spans to highlight.

Every summary sentence is an anchor ``span:N`` and every flagged clause an anchor ``flag:N``; the document
pane highlights the passage in the Original text tab when one is hovered or clicked. Sentences the chapter
does not support are marked, and a summary the built-in summarizer wrote in place of the configured
backend says so and why. GUI thread only (pure functions of a chapter record).
"""

from __future__ import annotations

import html
from typing import Any

from desktop_app.engine.exports import join_sentences, numbered_title
from desktop_app.engine.summarize.grounding import is_unsupported
from desktop_app.ui.i18n import plural, status_word, translate
from desktop_app.ui.models.chapters import ChapterRow, format_latency, status_text

SEVERITY_COLORS = {"high": "#ff6b6b", "medium": "#ffb347", "low": "#ffe066"}
#: Background of a sentence the chapter does not support.
UNSUPPORTED_COLOR = "#f8c4c4"


def find_span(text: str, flag: dict[str, Any]) -> tuple[int, int] | None:
    quote = str(flag.get("text") or "")
    if not quote:
        return None
    start, end = flag.get("start"), flag.get("end")
    if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text):
        return start, end  # where the clause stands in the chapter: a long quote is cut with "…"
    if isinstance(start, int) and text[start : start + len(quote)] == quote:
        return start, start + len(quote)
    found = text.find(quote)
    if found < 0:
        found = text.find(quote[:60])
        return (found, found + min(len(quote), 60)) if found >= 0 else None
    return found, found + len(quote)


def italic(text: str) -> str:
    return f"<p><i>{html.escape(text)}</i></p>"


def paragraphs(text: str) -> str:
    return "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n\n") if p.strip())


def summary_html(chapter: ChapterRow, in_parts: tuple[int, int] | None = None, *, author_numbers: bool = False) -> str:
    """The chapter's summary pane. ``author_numbers``: the document's chapters carry the author's numbers, so
    none is numbered by position (:func:`~desktop_app.engine.exports.numbered_title`)."""
    title = numbered_title(chapter.title, chapter.index, author_numbers=author_numbers)
    parts = [f"<h3>{html.escape(title)}</h3>"]
    meta = [
        status_text(chapter, in_parts),
        plural(translate("DocumentPane", "%n word(s)", "", chapter.word_count), chapter.word_count),
    ]
    if chapter.latency_ms is not None or chapter.cached:
        meta.append(format_latency(chapter.latency_ms, chapter.cached))
    parts.append(f"<p style='color:gray'>{' · '.join(meta)}</p>")
    if chapter.status == "done":
        parts.append(grounded(chapter) or italic(translate("DocumentPane", "(no text to summarize)")))
        parts.append(provenance(chapter))
        if chapter.clause_error:
            note = translate("DocumentPane", "The clause check failed: %1").replace("%1", chapter.clause_error)
            parts.append(italic(note))
    elif chapter.status == "failed":
        reason = html.escape(chapter.error or status_word("failed"))
        parts.append("<p><b>" + translate("DocumentPane", "Not summarized:") + f"</b> {reason}</p>")
        parts.append(italic(translate("DocumentPane", "Use Document ▸ Retry failed chapters to try again.")))
    elif chapter.status == "cancelled":
        parts.append(italic(translate("DocumentPane", "Cancelled. Retry to summarize it.")))
    else:
        if in_parts is not None and in_parts[1] > 1:
            progress = translate("DocumentPane", "A long chapter, summarized in %1 parts: %2 done…")
            parts.append(italic(progress.replace("%1", str(in_parts[1])).replace("%2", str(in_parts[0]))))
        else:
            parts.append(italic(translate("DocumentPane", "Waiting for its summary…")))
        if chapter.preview:
            parts.append(f"<p>{html.escape(chapter.preview)}</p>")
    if chapter.clause_flags:
        parts.append("<h4>" + translate("DocumentPane", "Flagged clauses") + "</h4><ul>")
        for i, flag in enumerate(chapter.clause_flags):
            quote = " ".join(str(flag.get("text", "")).split())
            sev = str(flag.get("severity", "medium"))
            color = SEVERITY_COLORS.get(sev, "#ffe066")
            page = chapter.page_at(flag.get("start") if isinstance(flag.get("start"), int) else None)
            where = f" <span style='color:gray'>p. {page}</span>" if page else ""
            parts.append(
                f"<li><a href='flag:{i}' style='text-decoration:none;color:palette(text)'>"
                f"<span style='background:{color};color:black'>&nbsp;{html.escape(str(flag.get('category')))}"
                f" ({sev})&nbsp;</span> “{html.escape(quote)}”</a>{where}</li>"
            )
        parts.append("</ul>")
    return "".join(parts)


def grounded(chapter: ChapterRow) -> str:
    """The summary, each sentence a link to its passage; unsupported sentences marked."""
    if not chapter.sentences:
        return paragraphs(chapter.summary or "")
    links = []
    for i, sentence in enumerate(chapter.sentences):
        page = chapter.page_at(sentence.start)
        tip = translate("DocumentPane", "Page %1").replace("%1", str(page)) if page else ""
        text = html.escape(sentence.text)
        if is_unsupported(sentence):
            warning = translate("DocumentPane", "The chapter does not say this")
            style = f"background:{UNSUPPORTED_COLOR};color:black"
            text = f"<span style='{style}' title='{html.escape(warning)}'>⚠ {text}</span>"
            tip = f"{warning}. {tip}".strip()
        links.append(
            f"<a href='span:{i}' title='{html.escape(tip)}' style='text-decoration:none;color:palette(text)'>{text}</a>"
        )
    return "<p>" + join_sentences([s.text for s in chapter.sentences], links, line_break="<br>") + "</p>"


def provenance(chapter: ChapterRow) -> str:
    """A badge saying who wrote the summary, and why when it was the fallback."""
    if chapter.backend is None:
        return ""
    if chapter.fallback:
        reason = html.escape(chapter.fallback_reason or "")
        label = translate("DocumentPane", "Summarized by the built-in summarizer instead of %1: %2")
        label = label.replace("%1", html.escape(chapter.backend)).replace("%2", reason)
        return f"<p><span style='background:#ffe8a3;color:black'>&nbsp;{label}&nbsp;</span></p>"
    who = chapter.backend + (f"/{chapter.model}" if chapter.model else "")
    return f"<p style='color:gray'>{html.escape(translate('DocumentPane', 'Summarized by %1').replace('%1', who))}</p>"


def anchor_span(chapter: ChapterRow, anchor: str) -> tuple[int, int] | None:
    """The source span of an anchor of :func:`summary_html` (``span:N`` or ``flag:N``), where known."""
    kind, _, number = anchor.partition(":")
    if not number.isdigit():
        return None
    i = int(number)
    if kind == "span" and i < len(chapter.sentences):
        s = chapter.sentences[i]
        return (s.start, s.end) if s.start is not None and s.end is not None else None
    if kind == "flag" and i < len(chapter.clause_flags):
        return find_span(chapter.text or "", chapter.clause_flags[i])
    return None
