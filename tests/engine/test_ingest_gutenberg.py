"""Project Gutenberg's plain-text books: the book apart from its header and its licence; back matter by title."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from desktop_app.engine.ingest import parse_document
from desktop_app.engine.ingest.base import count_words
from desktop_app.engine.ingest.gutenberg import HEADER_TITLE, LICENCE_TITLE, split_gutenberg
from desktop_app.engine.ingest.matter import kind_of
from desktop_app.engine.service import Engine
from desktop_app.engine.states import DocumentStatus

from .pipeline_helpers import settings_for

HEADER = """The Project Gutenberg eBook of The Lighthouse Keeper

This ebook is for the use of anyone anywhere in the United States and most other parts of the world at no
cost and with almost no restrictions whatsoever. You may copy it, give it away or re-use it under the terms
of the Project Gutenberg License included with this ebook or online at www.gutenberg.org.

Title: The Lighthouse Keeper
       and Other Stories

Author: A. N. Author

Release date: March 3, 2011 [eBook #35512]

Language: English

*** START OF THE PROJECT GUTENBERG EBOOK THE LIGHTHOUSE KEEPER ***
"""

# The licence's shape: its own numbered sections ("Section 1.", "1.A.", "1.E.1.") after the END line.
LICENCE = """*** END OF THE PROJECT GUTENBERG EBOOK THE LIGHTHOUSE KEEPER ***

Updated editions will replace the previous one and the old editions will be renamed.

START: FULL LICENSE

THE FULL PROJECT GUTENBERG LICENSE

PLEASE READ THIS BEFORE YOU DISTRIBUTE OR USE THIS WORK

To protect the mission of promoting the free distribution of electronic works, you agree to comply with
all the terms of the Full Project Gutenberg License available with this file.

Section 1. General Terms of Use and Redistributing Project Gutenberg electronic works

1.A. By reading or using any part of this electronic work, you indicate that you have read and accept all
the terms of this license. If you do not agree, you must cease using and return or destroy all copies.

1.B. The name is a registered trademark and may only be used by people who agree to these terms.

1.E. Unless you have removed all references to Project Gutenberg:

1.E.1. The following sentence must appear prominently whenever any copy of a work is accessed or copied.

1.E.2. A work derived from texts not protected by copyright law can be copied and distributed freely.

Section 2. Information about the Mission of Project Gutenberg

The collection is synonymous with the free distribution of electronic works in formats readable by the
widest variety of computers, thanks to the efforts of hundreds of volunteers and many donations.

Section 3. Information about the Project Gutenberg Literary Archive Foundation

The Foundation is a non-profit educational corporation organized under the laws of the state of Mississippi.

Section 4. Information about Donations to the Project Gutenberg Literary Archive Foundation

The project depends upon and cannot survive without widespread public support and donations.

Section 5. General Information About Project Gutenberg electronic works

The originator of the concept produced and distributed eBooks with only a loose network of volunteers.
"""

WORDS = (
    "keeper lamp tower storm ship harbour night wave rock light sea gull boat rope bell fog coast island "
    "village captain letter winter morning wind cliff signal"
).split()


def prose(seed: int, paragraphs: int) -> str:
    rng = random.Random(seed)
    out = []
    for _ in range(paragraphs):
        sentences = []
        for _ in range(rng.randint(3, 6)):
            words = [rng.choice(WORDS) for _ in range(rng.randint(8, 16))]
            sentences.append(f"The {' '.join(words)}.")
        out.append(" ".join(sentences))
    return "\n\n".join(out)


def book(*, chapters: bool) -> str:
    if chapters:
        body = "\n\n".join(f"CHAPTER {n}.\n\n{prose(n, 12)}" for n in ("I", "II", "III", "IV"))
        dedication = "To my mother, who kept the light burning through every storm of the long winters on the island."
        contents = "Contents\n\n CHAPTER I.\n CHAPTER II.\n CHAPTER III.\n CHAPTER IV."
        body = f"The Lighthouse Keeper\n\nby A. N. Author\n\n{dedication}\n\n{contents}\n\n\n{body}"
    else:
        body = prose(7, 40)
    return f"{HEADER}\n\n{body}\n\n\n{LICENCE}"


def write(tmp_path: Path, text: str, name: str = "35512-0.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_book_s_header_and_licence_are_chapters_of_their_own_around_it(tmp_path: Path) -> None:
    doc = parse_document(write(tmp_path, book(chapters=True)))
    titles = [c.title for c in doc.chapters]
    assert doc.title == "The Lighthouse Keeper and Other Stories"  # the header's "Title:", not "35512-0"
    assert titles == [HEADER_TITLE, "CHAPTER I.", "CHAPTER II.", "CHAPTER III.", "CHAPTER IV.", LICENCE_TITLE]
    assert [c.kind for c in doc.chapters] == ["notice", "body", "body", "body", "body", "notice"]
    header, licence = doc.chapters[0], doc.chapters[-1]
    assert header.text.startswith("The Project Gutenberg eBook")
    assert header.text.endswith("*** START OF THE PROJECT GUTENBERG EBOOK THE LIGHTHOUSE KEEPER ***")
    assert licence.text.startswith("*** END OF THE PROJECT GUTENBERG EBOOK")
    # Nothing of either is dropped (the book's short title page and contents are left out, as in any text).
    assert header.word_count == count_words(HEADER) and licence.word_count == count_words(LICENCE)
    assert all("Gutenberg" not in c.text and "license" not in c.text.lower() for c in doc.chapters[1:-1])


def test_a_book_without_chapter_headings_is_not_split_at_its_licence_s_sections(tmp_path: Path) -> None:
    # Read as one text, "Section 1." … "Section 5." of the licence were the book's structure and the whole
    # book its "Front matter".
    text = book(chapters=False)
    doc = parse_document(write(tmp_path, text))
    assert [c.title for c in doc.chapters] == [HEADER_TITLE, "The Lighthouse Keeper and Other Stories", LICENCE_TITLE]
    assert [c.kind for c in doc.chapters] == ["notice", "body", "notice"]
    assert doc.chapters[1].text.startswith("The ") and "Gutenberg" not in doc.chapters[1].text
    assert not doc.warnings  # one part of the book: not "split into parts"
    assert sum(c.word_count for c in doc.chapters) == count_words(text)


@pytest.mark.parametrize(
    "end",
    [
        "*** END OF THIS PROJECT GUTENBERG EBOOK THE LIGHTHOUSE KEEPER ***",
        "End of the Project Gutenberg EBook of The Lighthouse Keeper, by A. N. Author\n\n"
        "*** END OF THIS PROJECT GUTENBERG EBOOK THE LIGHTHOUSE KEEPER ***",
        "End of Project Gutenberg's The Lighthouse Keeper, by A. N. Author",
        "***END OF THE PROJECT GUTENBERG ETEXT THE LIGHTHOUSE KEEPER***",
    ],
)
def test_older_end_lines_end_the_book_too(end: str) -> None:
    text = f"{HEADER}\n{prose(3, 5)}\n\n{end}\n\n{LICENCE.split(chr(10), 1)[1]}"
    split = split_gutenberg(text)
    assert split is not None
    assert split.trailer.startswith(end.split("\n", maxsplit=1)[0])
    assert "Project Gutenberg" not in split.body
    assert split.header + split.body + split.trailer == text


def test_a_text_without_the_markers_is_not_touched(tmp_path: Path) -> None:
    ending = "We read to the end of the Project Gutenberg pages."
    text = f"CHAPTER I.\n\n{prose(1, 8)}\n\nCHAPTER II.\n\n{prose(2, 8)}\n\n{ending}"
    assert split_gutenberg(text) is None
    doc = parse_document(write(tmp_path, text, "story.txt"))
    assert doc.title == "story" and [c.kind for c in doc.chapters] == ["body", "body"]


def test_a_bare_end_line_stays_with_the_last_chapter(tmp_path: Path) -> None:
    end = "*** END OF THE PROJECT GUTENBERG EBOOK X ***"
    text = f"{HEADER}\n\nCHAPTER I.\n\n{prose(1, 8)}\n\nCHAPTER II.\n\n{prose(2, 8)}\n\n{end}\n"
    doc = parse_document(write(tmp_path, text))
    assert [c.title for c in doc.chapters] == [HEADER_TITLE, "CHAPTER I.", "CHAPTER II."]
    assert doc.chapters[-1].text.endswith(end)


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("Index", "back"),
        ("12. References", "back"),
        ("Bibliography", "back"),
        ("Literaturverzeichnis", "back"),
        ("About the Author", "back"),
        ("THE FULL PROJECT GUTENBERG LICENSE", "notice"),
        ("Contents", "front"),
        ("Preface", "front"),
        # Named like back matter, but main text: back matter is named by its whole title.
        ("Index Funds and Their Costs", "body"),
        ("2. Literature Review", "body"),
        ("The Register of Ships", "body"),
        ("7. License Grant", "body"),
        ("Appendix A", "body"),
    ],
)
def test_back_matter_is_named_by_its_whole_title(title: str, kind: str) -> None:
    assert kind_of(title) == kind


def test_a_book_s_summary_does_not_quote_its_licence(tmp_path: Path) -> None:
    # The header and the licence are summarized as chapters of their own; the whole-document summary is
    # made from the book.
    path = write(tmp_path, book(chapters=False))
    with Engine(settings_for(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path)) as engine:
        view = engine.add_file(path, background=True)
        done = engine.wait(view.id, timeout=60)
    assert done.status == DocumentStatus.DONE and done.chapter_count == 3
    assert [c.kind for c in done.chapters] == ["notice", "body", "notice"]  # saved with the chapters
    assert [c.to_dict()["kind"] for c in done.chapters] == ["notice", "body", "notice"]
    notices = {c.index for c in done.chapters if c.title in (HEADER_TITLE, LICENCE_TITLE)}
    assert len(notices) == 2 and all(c.summary for c in done.chapters)  # summarized, as any chapter
    assert done.summary and done.summary_sentences
    assert all(s.chapter not in notices for s in done.summary_sentences)
    assert "Gutenberg" not in done.summary and "license" not in done.summary.lower()
