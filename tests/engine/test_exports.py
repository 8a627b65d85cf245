"""How the Markdown export and the window number a document's chapters (``exports.numbered_title``)."""

from __future__ import annotations

import pytest

from desktop_app.engine.exports import carries_number, numbered_by_author, numbered_title


@pytest.mark.parametrize(
    "title",
    [
        "1. Definitions",
        "7 Confidentiality",
        "IV. Term",
        "I. Scope",
        "I",
        "2.3 Payment",
        "Article 1: Definitions",
        "ARTICLE II MARKETING AND SUPPORT",
        "Article IX. Duties of Party B",
        "Chapter One",
        "CHAPTER 12 — The Storm",
        "Schedule A",
        "Exhibit B-1 Form of Notice",
        "Part III",
        "Section 4.2 Fees",
        "§ 5 Haftung",
        "§5 Liability",
        "Kapitel 3",
        "Art. 12 Governing law",
        "Appendix C: Tables",
    ],
)
def test_the_author_s_number_is_recognised_also_when_a_word_names_it(title: str) -> None:
    assert carries_number(title)
    assert numbered_title(title, 4, author_numbers=False) == title


@pytest.mark.parametrize(
    "title",
    [
        "Front matter",
        "Introduction",
        "Part of the deal",
        "Chapter summary",
        "Book reviews",
        "Appendix",
        "A new start",
        "Section",
        "Exhibits and schedules",
        "The first day",
        "I Walked Alone",
    ],
)
def test_a_title_without_the_author_s_number_is_numbered_by_its_place(title: str) -> None:
    assert not carries_number(title)
    assert numbered_title(title, 4, author_numbers=False) == f"5. {title}"
    assert numbered_title(title, 4, author_numbers=True) == title, "the author numbered the other chapters"


def test_a_contract_in_articles_is_numbered_by_its_author_only() -> None:
    titles = ["Front matter", "ARTICLE I APPOINTMENT", "ARTICLE II MARKETING", "ARTICLE III DELIVERY"]
    assert numbered_by_author(titles)
    assert [numbered_title(t, i, author_numbers=True) for i, t in enumerate(titles)] == titles


def test_the_only_chapter_of_a_document_is_not_numbered() -> None:
    assert numbered_by_author(["blk-paras-and-tables"])
    assert not numbered_by_author(["Introduction", "Method"])
    assert not numbered_by_author([])


def test_a_model_s_bulleted_items_are_lines_of_their_own_and_prose_runs_on() -> None:
    from desktop_app.engine.exports import join_sentences

    sentences = ["The agreement runs five years.", "It renews.", "- The fee is NTD 1.2 million", "- Dr. Chang signs"]
    shown = [f"{s}[^{i}]" for i, s in enumerate(sentences, 1)]
    assert join_sentences(sentences, shown) == (
        "The agreement runs five years.[^1] It renews.[^2]\n- The fee is NTD 1.2 million[^3]\n- Dr. Chang signs[^4]"
    )
    assert join_sentences(["1. One.", "2. Two."], ["1. One.", "2. Two."]) == "1. One. 2. Two.", "numbers run on"
    assert join_sentences(["Terms.", "• A fee"], ["Terms.", "• A fee"]) == "Terms.\n• A fee"
