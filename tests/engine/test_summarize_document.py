"""The extractive whole-document summary on a real multi-chapter book."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.engine.ingest import parse_document
from desktop_app.engine.messages import DocumentWork, DoneChapter
from desktop_app.engine.pipeline.work import summarize_document
from desktop_app.engine.summarize.base import SummarySentence
from desktop_app.engine.summarize.document import DocumentSummary, KeyPoint, summarize_document_extractive
from desktop_app.engine.summarize.extractive import ExtractiveSummarizer
from desktop_app.engine.summarize.hygiene import junk_kind


@pytest.fixture(scope="module")
def alice(corpus: Path) -> list[tuple[str, str]]:
    path = corpus / "epub" / "alice.epub"
    if not path.is_file():
        pytest.skip(f"corpus file absent: {path}")
    return [(c.title, c.text) for c in parse_document(path).chapters]


def test_whole_book_summary_draws_on_many_chapters_in_order_without_repeats(alice: list[tuple[str, str]]) -> None:
    summary = summarize_document_extractive(alice, words=250)
    sentences = summary.sentences
    chapters = [s.chapter for s in sentences]
    assert len(set(chapters)) >= 3
    positions = [(s.chapter, s.start) for s in sentences]
    assert positions == sorted(positions)
    texts = [s.text for s in sentences]
    assert len(texts) == len(set(texts))
    for s in sentences:
        assert s.chapter is not None and s.start is not None and s.end is not None
        text = alice[s.chapter][1]
        assert " ".join(text[s.start : s.end].split()) == s.text
        assert junk_kind(s.text) is None and s.support is None
    words = sum(len(t.split()) for t in texts)
    assert words <= 250 + max(len(t.split()) for t in texts)


def test_overview_then_key_points_labelled_with_their_chapters(alice: list[tuple[str, str]]) -> None:
    summary = summarize_document_extractive(alice, words=250)
    assert 1 <= len(summary.overview) <= 2
    assert summary.points and all(p.title == alice[p.chapter][0] for p in summary.points)
    text = summary.text
    assert text.startswith(summary.overview[0].text)
    assert "Key points:" in text
    for point in summary.points:
        assert f"- {point.title}: {point.sentences[0].text}" in text


def test_a_key_point_that_opens_with_its_chapter_s_title_is_not_labelled_with_it_again() -> None:
    clauses = [
        (
            "2. Period of transportation services",
            "2. Period of transportation services: this Agreement is valid for an indefinite term. "
            "Subsequent contracts might be entered in case of special business needs of the parties.",
        ),
        (
            "6. Party B shall purchase sufficient insurance…",
            "6. Party B shall purchase sufficient insurance for the transportation vehicles used on every route. "
            "The coverage of third-party liability insurance shall not be lower than RMB1 million per vehicle.",
        ),
        (
            "Payment",
            "Payments are due within thirty days of the invoice date and carry interest when late. "
            "The carrier shall attach the shipper's warehouse records to every invoice it sends.",
        ),
    ]
    text = summarize_document_extractive(clauses, words=100).text
    assert "\n- 2. Period of transportation services: this Agreement is valid" in text
    assert text.count("2. Period of transportation services") == 1, text
    assert "\n- Payment: The carrier shall attach" in text
    assert "\n- 6. Party B shall purchase sufficient insurance…: The coverage" in text  # not its first words
    # A title cut short ("…") that the sentence goes on from: the sentence alone.
    title, clause = (
        "7. Any parcel damage resulting from the…",
        "7. Any parcel damage resulting from the fault of Party B.",
    )
    point = KeyPoint(0, title, [SummarySentence(clause, 0, len(clause), chapter=0)])
    assert DocumentSummary([], [point]).text == f"Key points:\n- {clause}"


def test_chapters_are_covered_in_proportion_to_their_prose(alice: list[tuple[str, str]]) -> None:
    long_title, long_text = alice[0]
    short_title, short_text = alice[1][0], alice[1][1].split("\n\n")[1]
    assert len(long_text.split()) > 10 * len(short_text.split())
    chapters = [(long_title, long_text), (short_title, short_text), ("Index", "Rabbit 1\n\nTears 2")]
    summary = summarize_document_extractive(chapters, words=150)
    by_chapter = [s.chapter for s in summary.sentences]
    assert by_chapter.count(0) > by_chapter.count(1)
    assert 2 not in by_chapter  # nothing but headings and page numbers


def test_empty_input_and_zero_budget_give_an_empty_summary() -> None:
    assert summarize_document_extractive([], words=200).sentences == []
    assert summarize_document_extractive([("One", "A chapter with a sentence or two in it here.")], words=0).text == ""


def test_the_pipeline_reduce_of_the_built_in_backend_reads_chapter_texts(alice: list[tuple[str, str]]) -> None:
    chapters = [
        DoneChapter(index=i + 1, title=title, summary="(chapter summary)", text=text)
        for i, (title, text) in enumerate(alice)
    ]
    work = DocumentWork("doc-1", "Alice's Adventures in Wonderland", None, chapters, total=len(chapters))
    result = summarize_document(work, ExtractiveSummarizer(), max_sentences=5)
    assert result.summary and "Key points:" in result.summary and "(chapter summary)" not in result.summary
    assert len({s.chapter for s in result.sentences}) >= 3
    for s in result.sentences:
        assert s.chapter is not None and s.start is not None and s.end is not None
        text = alice[s.chapter - 1][1]  # the document's chapter index, not the position in the list
        assert " ".join(text[s.start : s.end].split()) == s.text
        assert s.text in result.summary


def test_without_prose_to_quote_the_reduce_falls_back_to_the_chapter_summaries() -> None:
    chapters = [
        DoneChapter(index=i, title=f"Part {i}", summary=f"Part {i} lists tables.", text="Table One\n\nTable Two\n\n12")
        for i in range(2)
    ]
    work = DocumentWork("doc-2", "Tables", None, chapters, total=2)
    result = summarize_document(work, ExtractiveSummarizer(), max_sentences=3)
    assert result.summary and "lists tables" in result.summary


def test_back_matter_and_notices_are_left_out_of_the_document_s_summary(alice: list[tuple[str, str]]) -> None:
    # A publisher's licence is prose: given a share of the summary by its words, it was quoted in it.
    licence = (
        "By using or distributing this work you agree to comply with all the terms of the full license. "
        "You may copy it, give it away or re-use it under the terms of the license included with this ebook. "
        "The foundation owns a compilation copyright in the collection of electronic works. "
    ) * 30
    chapters = [
        DoneChapter(index=i, title=title, summary="(chapter summary)", text=text)
        for i, (title, text) in enumerate(alice)
    ]
    chapters.append(DoneChapter(len(chapters), "Project Gutenberg License", "(licence)", licence, kind="notice"))
    chapters.append(DoneChapter(len(chapters), "Index", "(index)", licence.replace("license", "index"), kind="back"))
    work = DocumentWork("doc-3", "Alice", None, chapters, total=len(chapters))
    result = summarize_document(work, ExtractiveSummarizer(), max_sentences=5)
    assert result.summary and "license" not in result.summary and "index" not in result.summary
    assert all(s.chapter is not None and s.chapter < len(alice) for s in result.sentences)
    # A document of nothing but back matter is still summarized from it.
    only = DocumentWork("doc-4", "Index", None, chapters[-2:], total=2)
    assert summarize_document(only, ExtractiveSummarizer(), max_sentences=5).summary


@pytest.mark.parametrize(("chapters", "words", "focus"), [(400, 250, None), (40, 600, None), (400, 250, "water light")])
def test_only_the_chapters_the_budget_reaches_are_ordered_further_and_the_summary_is_the_same(
    monkeypatch: pytest.MonkeyPatch, chapters: int, words: int, focus: str | None
) -> None:
    """Each chapter's MMR order is taken as far as the summary's budget reaches, not 30 candidates deep.

    The summary is the one every chapter's whole order gives (the order is made in full here, as it was).
    """
    import random

    from desktop_app.engine.summarize import document

    rng = random.Random(11)
    # Words enough that sentences rarely repeat one another (a repeat is skipped and the order taken further).
    vocabulary = ["".join(rng.choice("aeioubcdfgklmnprstvw") for _ in range(rng.randint(4, 9))) for _ in range(3000)]
    vocabulary[:3] = ["water", "light", "river"]

    def sentence() -> str:
        return " ".join(rng.choice(vocabulary) for _ in range(rng.randint(8, 16))).capitalize() + "."

    book = [(f"Chapter {i + 1}", " ".join(sentence() for _ in range(rng.randint(5, 40)))) for i in range(chapters)]
    lazy = document.mmr_iter
    drawn: list[int] = []

    def counted(*args: object, **kwargs: object) -> object:
        for index in lazy(*args, **kwargs):  # type: ignore[arg-type]
            drawn.append(index)
            yield index

    def whole(*args: object, **kwargs: object) -> object:
        return iter(list(lazy(*args, **kwargs)))  # type: ignore[arg-type]

    monkeypatch.setattr(document, "mmr_iter", whole)
    expected = summarize_document_extractive(book, words=words, focus=focus)
    monkeypatch.setattr(document, "mmr_iter", counted)
    summary = summarize_document_extractive(book, words=words, focus=focus)
    assert summary == expected and summary.sentences
    taken_from = {s.chapter for s in summary.sentences}
    # One sentence of every chapter (to know it has one), and a few more where the budget reached: far
    # from 30 a chapter. A chapter asked for more is ordered again, so its first ones are drawn twice.
    assert len(drawn) <= chapters + 3 * (len(summary.sentences) + len(taken_from) + 10), len(drawn)
