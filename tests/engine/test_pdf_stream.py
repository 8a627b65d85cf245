"""A PDF with an outline sends its chapters as they are final, and the stream equals the whole-document parse."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from chapterwise_testing.pdfs import PageSpec, make_text_pdf
from desktop_app.engine.ingest import parse_document, pdf_stream
from desktop_app.engine.ingest.limits import IngestLimits
from desktop_app.engine.ingest.pdf import parse_pdf_file
from desktop_app.engine.ingest.pdf_stream import stream_pdf_file
from desktop_app.engine.ingest.pdf_text import HEADER_SHARE, RUNNING_WINDOW, RunningLines, remove_running_lines
from desktop_app.engine.ingest.stream import ChapterBatch, ParseEnd, ParseItem, Restart, collect

LIMITS = IngestLimits(timeout_s=60)
WORDS = "river stone lantern harbor meadow signal copper orchard valley thunder candle bridge".split()


def sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14))).capitalize() + "."


def book(path: Path, pages: int, per_chapter: int, *, titles: list[str] | None = None, **pdf: object) -> Path:
    """A PDF of ``pages`` pages with a chapter heading every ``per_chapter`` pages and an outline of them.

    ``titles`` replaces the outline's titles (bookmarks that do not say what the pages say).
    """
    rng = random.Random(pages)
    specs, outline = [], []
    for p in range(pages):
        heading = f"Chapter {p // per_chapter + 1}" if p % per_chapter == 0 else None
        if heading:
            given = titles[len(outline)] if titles else heading
            outline.append((given, p))
        specs.append(PageSpec(lines=[sentence(rng) for _ in range(25)], heading=heading))
    path.write_bytes(make_text_pdf(specs, outline=outline, title="A generated book", **pdf))  # type: ignore[arg-type]
    return path


def streamed(path: Path) -> list[ParseItem]:
    return list(stream_pdf_file(path, None, LIMITS))


def same_chapters(items: list[ParseItem], path: Path) -> None:
    """The stream's document equals the whole-document parse, chapter by chapter, field by field."""
    got, want = collect(iter(items)), parse_pdf_file(path, None, LIMITS)
    assert (got.title, got.format, got.structure, got.warnings, got.page_count) == (
        want.title,
        want.format,
        want.structure,
        want.warnings,
        want.page_count,
    )
    assert len(got.chapters) == len(want.chapters)
    for a, b in zip(got.chapters, want.chapters, strict=True):
        assert (a.title, a.text, a.kind, a.page, a.page_starts, a.sections, a.level) == (
            b.title,
            b.text,
            b.kind,
            b.page,
            b.page_starts,
            b.sections,
            b.level,
        )


def test_a_long_generated_book_sends_its_first_chapters_long_before_its_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = book(tmp_path / "book.pdf", 400, 4, running_header="A Running Title", page_numbers=True)
    read: list[int] = []
    real_pages = pdf_stream.pdfium_page_texts

    def counted(pdf: object) -> Iterator[str]:
        for text in real_pages(pdf):
            read.append(1)
            yield text

    monkeypatch.setattr(pdf_stream, "pdfium_page_texts", counted)
    stream = stream_pdf_file(path, None, LIMITS)
    first = next(stream)
    # The first chapter goes once the first page's running-lines window is read, not the whole book.
    assert isinstance(first, ChapterBatch) and len(read) == RUNNING_WINDOW
    items = [first, *stream]
    batches = [i for i in items if isinstance(i, ChapterBatch)]
    assert not any(isinstance(i, Restart) for i in items)
    assert isinstance(items[-1], ParseEnd) and items[-1].structure == "outline"
    # Chapters come one by one, the first ones as soon as the first running-lines window is read.
    assert len(batches) == 100 and all(len(b.chapters) == 1 for b in batches)
    assert batches[0].chapters[0].title == "Chapter 1"
    assert "A Running Title" not in batches[0].chapters[0].text  # running lines are gone as in the whole parse
    same_chapters(items, path)


def test_a_streamed_corpus_pdf_with_an_outline_equals_its_whole_parse(corpus: Path) -> None:
    path = corpus / "pdf" / "GeoTopo-komprimiert.pdf"
    items = streamed(path)
    assert len([i for i in items if isinstance(i, ChapterBatch)]) > 1, "its chapters came before its end"
    assert not any(isinstance(i, Restart) for i in items)
    same_chapters(items, path)


@pytest.mark.parametrize("name", ["mistitled_outlines_example.pdf", "dmca.pdf", "i1040nr.pdf", "multicolumn.pdf"])
def test_corpus_pdfs_without_a_usable_outline_send_their_chapters_at_the_end(corpus: Path, name: str) -> None:
    items = streamed(corpus / "pdf" / name)
    assert [type(i) for i in items] == [ChapterBatch, ParseEnd]
    same_chapters(items, corpus / "pdf" / name)


def test_bookmarks_that_do_not_match_their_pages_send_nothing_early(tmp_path: Path) -> None:
    titles = [f"Bookmark {n}" for n in range(40)]
    path = book(tmp_path / "mistitled.pdf", 200, 5, titles=titles)
    items = streamed(path)
    assert [type(i) for i in items] == [ChapterBatch, ParseEnd]
    assert isinstance(items[-1], ParseEnd) and items[-1].structure != "outline"
    same_chapters(items, path)


def test_an_outline_right_at_first_and_wrong_later_restarts_with_the_whole_parse(tmp_path: Path) -> None:
    # The first 30 titles match their pages, so chapters go early; over the whole outline (80) fewer than half do.
    titles = [f"Chapter {n + 1}" if n < 30 else f"Bookmark {n}" for n in range(80)]
    path = book(tmp_path / "half.pdf", 400, 5, titles=titles)
    items = streamed(path)
    restart = next(n for n, i in enumerate(items) if isinstance(i, Restart))
    assert restart > 0 and all(isinstance(i, ChapterBatch) for i in items[:restart])
    assert isinstance(items[-1], ParseEnd) and items[-1].structure != "outline"
    same_chapters(items, path)
    assert items[-1].warnings and "bookmarks do not match" in items[-1].warnings[0]


def test_the_stream_through_the_child_process_gives_the_whole_document(tmp_path: Path) -> None:
    path = book(tmp_path / "book.pdf", 150, 3)
    doc = parse_document(path, limits=LIMITS)
    assert doc.structure == "outline" and len(doc.chapters) == 50
    same_chapters([ChapterBatch(tuple(doc.chapters)), ParseEnd.of(doc)], path)


def test_running_lines_are_told_within_a_window_of_pages_on_long_documents() -> None:
    # A line at the top of the first 60 of 300 pages: a fifth of the document, but most of its window.
    pages = [("Early Part Header\n" if p < 60 else "") + f"Body text of page {p}.\nMore text." for p in range(300)]
    cleaned = remove_running_lines(pages)
    assert HEADER_SHARE > 60 / 300 and not any("Early Part Header" in page for page in cleaned)
    # A short document is one window: the same line on a fifth of its pages stays.
    short = [("Early Part Header\n" if p < 12 else "") + f"Body text of page {p}.\nMore text." for p in range(60)]
    assert sum("Early Part Header" in page for page in remove_running_lines(short)) == 12


def test_running_lines_page_by_page_return_every_page_once_and_in_order() -> None:
    pages = [f"Header\nText {p}\nFooter {p}" for p in range(250)]
    lines = RunningLines(len(pages))
    out: list[str] = []
    ready_at = []
    for n, page in enumerate(pages, start=1):
        got = lines.add(page)
        if got and not out:
            ready_at.append(n)
        out.extend(got)
    assert out == remove_running_lines(pages) and len(out) == 250
    assert ready_at == [RUNNING_WINDOW]  # the first page is final once its window is read
    assert out[0] == "Text 0"
