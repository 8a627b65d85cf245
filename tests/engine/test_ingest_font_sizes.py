"""Headings found by their type size, for PDFs with no outline and no numbered headings."""

from __future__ import annotations

from pathlib import Path

from chapterwise_testing.pdfs import PageSpec, body_lines, make_text_pdf
from desktop_app.engine.ingest import parse_document

TITLES = ["Harbour Trade", "Winter Storms", "The Customs House", "Silver and Grain", "Letters Home"]


def test_larger_type_marks_the_chapters(tmp_path: Path) -> None:
    pages = []
    for i, title in enumerate(TITLES):
        pages.append(PageSpec(lines=body_lines(i, count=40), heading=title))
        pages.append(PageSpec(lines=body_lines(i + 100, count=45)))
    path = tmp_path / "plain-titles.pdf"
    path.write_bytes(make_text_pdf(pages))
    doc = parse_document(path)
    assert doc.structure == "font sizes"
    assert [c.title for c in doc.chapters] == TITLES
    assert all(c.word_count > 500 for c in doc.chapters), "each chapter holds its two pages"


def test_a_single_large_title_is_not_a_chapter_structure(tmp_path: Path) -> None:
    pages = [PageSpec(lines=body_lines(0, count=40), heading="A Report on Harbours")]
    pages += [PageSpec(lines=body_lines(i, count=45)) for i in range(1, 8)]
    path = tmp_path / "one-title.pdf"
    path.write_bytes(make_text_pdf(pages))
    doc = parse_document(path)
    assert doc.structure == "pages"


def test_bold_headings_at_body_size_mark_the_chapters(tmp_path: Path) -> None:
    pages = []
    for i, title in enumerate(TITLES):
        pages.append(PageSpec(lines=body_lines(i, count=40), heading=title, bold_heading=True))
        pages.append(PageSpec(lines=body_lines(i + 100, count=45)))
    path = tmp_path / "bold-titles.pdf"
    path.write_bytes(make_text_pdf(pages))
    doc = parse_document(path)
    assert doc.structure == "bold headings"
    assert [c.title for c in doc.chapters] == TITLES
    assert [c.page for c in doc.chapters] == [1, 3, 5, 7, 9]
    assert not doc.warnings
