"""Clicking a summary sentence highlights its passage in the Original text tab, with its page."""

from __future__ import annotations

from PySide6.QtCore import QUrl

from desktop_app.engine.ingest.base import ParsedChapter, ParsedDocument
from tests.engine.test_grounding import CHAPTER, ParaphrasingModel


def _summarized(qtbot, make_window, doc: ParsedDocument, file_name: str):
    """The window's document pane showing ``doc``'s one chapter, summarized by a model that paraphrases."""
    window = make_window(ParaphrasingModel())
    view = window.engine.add_parsed(doc, file_name=file_name)
    with qtbot.waitSignal(window.chapters_loaded, timeout=20_000):
        window.controller.show_document(view.id)
    model, pane = window.chapters_model, window.document_pane
    qtbot.waitUntil(lambda: model.rowCount() == 1 and model.statuses() == {"done": 1}, timeout=20_000)
    pane.select_row(0)
    qtbot.waitUntil(lambda: model.chapter(0).text is not None, timeout=5_000)
    return pane


def test_clicking_a_sentence_highlights_its_passage_and_marks_the_unsupported_one(qtbot, make_window) -> None:
    doc = ParsedDocument("Bridge", "pdf", [ParsedChapter("One", CHAPTER, page_starts=[(0, 7), (160, 8)])])
    pane = _summarized(qtbot, make_window, doc, "bridge.pdf")
    html = pane.summary_view.toHtml()
    assert "span:0" in html and "span:1" in html, "each sentence links to its source"
    assert "⚠" in pane.summary_view.toPlainText(), "the sentence the chapter does not say is marked"

    pane.summary_view.anchorClicked.emit(QUrl("span:0"))
    assert pane.tabs.currentWidget() is pane.text_view
    start, end = pane.source_span
    assert CHAPTER[start:end].startswith("The council met in the winter of 1852")
    assert pane.source_page == 7 and "7" in pane.source_label.text()
    highlighted = [s.cursor.selectedText() for s in pane.text_view.extraSelections()]
    assert any(h.startswith("The council met") for h in highlighted)
    assert pane.text_view.textCursor().position() == start, "the passage is scrolled into view"


def test_a_source_without_a_page_leaves_the_tabs_their_room(qtbot, make_window) -> None:
    pane = _summarized(qtbot, make_window, ParsedDocument("Bridge", "txt", [ParsedChapter("One", CHAPTER)]), "b.txt")
    pane.summary_view.anchorClicked.emit(QUrl("span:0"))
    assert pane.source_span is not None and pane.source_page is None
    assert pane.source_label.text() == "", "no page to name: nothing beside the tabs"
    assert "highlighted" in pane.text_view.toolTip()


def test_a_chapter_heading_keeps_the_author_s_number_only_and_a_cut_clause_is_found_whole(qtbot) -> None:
    from desktop_app.engine.records import ChapterRecord
    from desktop_app.ui.widgets.summary_html import find_span, summary_html

    numbered = ChapterRecord("c", "d", 2, "2. Effective Date and Term", "done", 1, summary="It runs.")
    assert "<h3>2. Effective Date and Term</h3>" in summary_html(numbered)
    plain = ChapterRecord("c", "d", 0, "Front matter", "done", 1, summary="It runs.")
    assert "<h3>1. Front matter</h3>" in summary_html(plain)
    assert "<h3>Front matter</h3>" in summary_html(plain, author_numbers=True)  # before "1. Definitions"

    text = "Intro. " + "This Agreement renews automatically for one-year terms " * 20 + "unless cancelled."
    start, end = 7, len(text)
    flag = {"category": "Renewal Term", "text": text[start : start + 300].rsplit(" ", 1)[0] + "…"}
    assert find_span(text, {**flag, "start": start, "end": end}) == (start, end)


def test_a_model_s_bulleted_items_are_lines_of_their_own_in_the_summary_pane(qtbot) -> None:
    from desktop_app.engine.records import ChapterRecord
    from desktop_app.engine.summarize.base import SummarySentence
    from desktop_app.ui.widgets.summary_html import grounded

    sentences = (
        SummarySentence("Key terms follow.", 0, 5, 0.9),
        SummarySentence("They are short.", 5, 10, 0.9),
        SummarySentence("- The fee is NTD 1.2 million", 10, 20, 0.9),
        SummarySentence("- Dr. Chang signs", 20, 30, 0.9),
    )
    chapter = ChapterRecord("c", "d", 0, "Terms", "done", 1, summary="x", sentences=sentences)
    html_text = grounded(chapter)
    assert html_text.count("<br>") == 2 and "Key terms follow.</a> <a" in html_text


def test_the_summary_pane_numbers_chapters_as_the_export_does(qtbot, make_window) -> None:
    chapters = [ParsedChapter("Front matter", CHAPTER), ParsedChapter("1. Definitions", CHAPTER)]
    window = make_window()
    view = window.engine.add_parsed(ParsedDocument("Agreement", "txt", chapters), file_name="agreement.txt")
    with qtbot.waitSignal(window.chapters_loaded, timeout=20_000):
        window.controller.show_document(view.id)
    pane = window.document_pane
    qtbot.waitUntil(lambda: window.chapters_model.rowCount() == 2, timeout=20_000)
    pane.select_row(0)
    assert pane.summary_view.toPlainText().startswith("Front matter"), "the author numbered the others"
    pane.select_row(1)
    assert pane.summary_view.toPlainText().startswith("1. Definitions")
