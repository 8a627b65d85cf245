"""Chapters as the author made them: numbered sections, contents, front matter, titles, pages, running lines.

Corpus tests read ../shared/corpus through the ``corpus`` fixture (skipped where it is absent); the rest
build their input here, as contracts and papers the detector has never seen.
"""

from __future__ import annotations

import itertools
import re
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chapterwise_testing.pdfs import PageSpec, body_lines, make_epub, make_text_pdf
from desktop_app.engine.ingest import FileTooLargeError, IngestLimits, ParsedDocument, parse_document
from desktop_app.engine.ingest.numbering import find_structure
from desktop_app.engine.ingest.text import tidy_mapped

SENTENCE = "The parties agree that the terms set out here apply to every order placed under this agreement. "


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def titles(doc: ParsedDocument) -> list[str]:
    return [c.title for c in doc.chapters]


def body_titles(doc: ParsedDocument) -> list[str]:
    return [c.title for c in doc.chapters if c.kind != "front"]


def assert_offsets_consistent(doc: ParsedDocument) -> None:
    """Sections and page starts point into their chapter's text; pages count up within the document."""
    last_page = 0
    for chapter in doc.chapters:
        for section in chapter.sections:
            assert 0 <= section.start < section.end <= len(chapter.text), (chapter.title, section)
            number = re.match(r"[\d.]+", section.title)
            if number:
                assert chapter.text[section.start :].startswith(number.group(0).rstrip(".")), section
        if doc.format != "pdf":
            assert chapter.page_starts == []
            continue
        pairs = chapter.page_starts
        assert pairs and pairs[0][0] == 0 and pairs[0][1] == chapter.page, chapter.title
        for (a_off, a_page), (b_off, b_page) in itertools.pairwise(pairs):
            assert a_off < b_off and a_page < b_page, pairs
        assert all(0 <= off < max(1, len(chapter.text)) for off, _ in pairs)
        assert all(1 <= page <= (doc.page_count or 0) for _, page in pairs)
        assert pairs[0][1] >= last_page, "chapters run forward through the pages"
        last_page = pairs[-1][1]


# --- numbered headings in every style


def contract(headings: list[str], *, runs: int = 3) -> str:
    """A contract whose sections open with ``headings`` and carry a few sentences each."""
    return "SERVICES AGREEMENT\n\nThis agreement is made between the parties named below.\n\n" + "\n\n".join(
        f"{head} {SENTENCE * runs}" for head in headings
    )


STYLES = [
    (["1. Services. At the request of the client.", "2. Fees. Fees are due.", "3. Term. It runs a year."],
     ["1. Services", "2. Fees", "3. Term"]),
    (["1.0 DEFINITIONS", "2.0 TERM", "3.0 SCOPE OF SERVICES"], None),
    (["Section 1. Scope", "Section 2. Payment", "Section 3. Notices"], None),
    (["ARTICLE I\nDEFINITIONS", "ARTICLE II\nTERM", "ARTICLE III\nFEES"],
     ["ARTICLE I DEFINITIONS", "ARTICLE II TERM", "ARTICLE III FEES"]),
    (["Article 1 Definitions", "Article 2 Grant", "Article 3 Payment"], None),
    (["§ 1 Geltungsbereich", "§ 2 Vergütung", "§ 3 Kündigung"], None),
    # Run into their first sentence with no stop between (CUAD's STAAR agreement).
    (["1. Business of Distributor Distributor is an independent contractor.", "2. Term The term is one year.",
      "3. Prices and Terms 3.1 The prices are fixed.", "4. Integrated Agreement This Agreement is all of it.",
      "5. Duties of Party A   Party A shall report monthly.", "6. Notice Any notice is written."],
     ["1. Business of Distributor", "2. Term", "3. Prices and Terms", "4. Integrated Agreement",
      "5. Duties of Party A", "6. Notice"]),
    # Not plainly a title and a sentence: up to the full stop, as before.
    (["1. Party B shall provide the parcels.", "2. Party A shall pay for them.", "3. Results See Section 3.1 below."],
     ["1. Party B shall provide the parcels", "2. Party A shall pay for them", "3. Results See Section 3.1 below"]),
]  # fmt: skip


@pytest.mark.parametrize(("headings", "expected"), STYLES)
def test_numbered_headings_in_every_style_make_chapters(
    tmp_path: Path, headings: list[str], expected: list[str] | None
) -> None:
    text = contract([h if h.endswith(".") else h + "\n" for h in headings])
    doc = parse_document(write(tmp_path, "contract.txt", text))
    assert doc.structure == "headings"
    assert body_titles(doc) == (expected or headings)


def test_run_in_heading_stays_in_the_text_and_a_line_heading_does_not(tmp_path: Path) -> None:
    text = contract(["1. Services. At the request and direction of the client.", "2. Fees. Fees are due monthly."])
    doc = parse_document(write(tmp_path, "c.txt", text))
    first = doc.chapters[-2]
    assert first.title == "1. Services"
    assert first.text.startswith("1. Services. At the request and direction")
    lined = parse_document(write(tmp_path, "d.txt", contract(["1. SERVICES\n", "2. FEES\n"])))
    assert lined.chapters[-1].title == "2. FEES"
    assert not lined.chapters[-1].text.startswith("2. FEES")


def test_decimal_numbers_become_sections_of_their_chapter(tmp_path: Path) -> None:
    text = contract(
        [
            "1. GRANT.",
            "2. FEES AND COSTS.",
            "2.1 Initial Franchise Fee. The fee is paid once.",
            "2.2 Royalty. A royalty is paid monthly.",
            "2.2.1 Late payment. Interest accrues.",
            "3. TERM.",
            "3.1 Renewal. The term renews.",
        ]
    )
    doc = parse_document(write(tmp_path, "franchise.txt", text))
    assert body_titles(doc) == ["1. GRANT", "2. FEES AND COSTS", "3. TERM"]
    fees = doc.chapters[-2]
    assert [(s.title, s.level) for s in fees.sections] == [
        ("2.1 Initial Franchise Fee", 2),
        ("2.2 Royalty", 2),
        ("2.2.1 Late payment", 3),
    ]
    royalty = fees.sections[1]
    assert fees.text[royalty.start : royalty.end].startswith("2.2 Royalty.")
    assert "2.2.1 Late payment" in fees.text[royalty.start : royalty.end], "a section holds its subsections"
    assert_offsets_consistent(doc)


def test_titles_of_a_fixed_width_contract_end_at_their_full_stop(tmp_path: Path) -> None:
    """Text laid out at a fixed width, justified with runs of spaces and wrapped short (EDGAR's style)."""
    text = (
        "DISTRIBUTOR AGREEMENT\n\nThis agreement is made between the parties named below.\n\n"
        "1. DUTIES\n\n"
        "         1.1      Grant  and   Acceptance.   Company  hereby   appoints   the Distributor.\n\n"
        '         1.2      Delivery.  Other than "drop ship"  deliveries,  all deliveries\n\n'
        "                  made  under this  Agreement  shall be FOB the  Company's  site.\n\n"
        "2. ENDING\n\n"
        "         2.1      Accrued  Obligations.  In the event that either party fails to comply, it pays.\n\n"
        '         2.2      The term "Products"  means  the goods listed. They are listed below.\n\n'
        "3. GENERAL\n\n"
        "         3.1      Notices.  Notices are written and sent by mail to the addresses above.\n"
    )
    doc = parse_document(write(tmp_path, "fixed.txt", text))
    titles = [s.title for c in doc.chapters for s in c.sections]
    assert titles == [
        "1.1 Grant and Acceptance",
        "1.2 Delivery",
        "2.1 Accrued Obligations",
        '2.2 The term "Products"',  # lower-case words go on: not a title's
        "3.1 Notices",
    ]
    assert_offsets_consistent(doc)


def test_a_title_ends_before_the_next_heading_on_its_line(tmp_path: Path) -> None:
    """CUAD's texts run an article's heading and its first section together, three spaces apart."""
    text = contract(
        [
            "Article 1 Definitions   1.1 Terms. Words have the meanings given here.",
            "Article 2 Grant of Rights   2.1 Appointment. The company appoints the distributor.",
            "Article 3 Payment   3.1 Fees. Fees are due monthly.",
        ]
    )
    doc = parse_document(write(tmp_path, "articles.txt", text))
    assert body_titles(doc) == ["Article 1 Definitions", "Article 2 Grant of Rights", "Article 3 Payment"]


def test_references_and_list_items_are_not_headings(tmp_path: Path) -> None:
    text = (
        "AGREEMENT\n\n"
        + SENTENCE * 3
        + "as set out in Section 2. The supplier shall deliver.\n\n"
        + "The buyer shall pay within 30 days under Article 4 above.\n\n"
        + SENTENCE * 3
    )
    doc = parse_document(write(tmp_path, "refs.txt", text))
    assert doc.structure == "sections"
    assert len(doc.chapters) == 1


def test_upper_case_headings_make_chapters_without_numbers(tmp_path: Path) -> None:
    text = "\n\n".join(f"{head}\n\n{SENTENCE * 3}" for head in ("RECITALS", "DEFINITIONS", "PAYMENT TERMS", "NOTICES"))
    doc = parse_document(write(tmp_path, "upper.txt", text))
    assert titles(doc) == ["RECITALS", "DEFINITIONS", "PAYMENT TERMS", "NOTICES"]


# --- tables of contents and front matter


def test_table_of_contents_is_never_a_chapter(tmp_path: Path) -> None:
    toc = "TABLE OF CONTENTS\n\n1. DEFINITIONS 1\n2. GRANT 2\n3. FEES AND COSTS 4\n4. TERM 6\n\n"
    body = "\n\n".join(
        f"{n}. {name}. {SENTENCE * 4}" for n, name in enumerate(["DEFINITIONS", "GRANT", "FEES AND COSTS", "TERM"], 1)
    )
    intro = "FRANCHISE AGREEMENT\n\n" + SENTENCE * 3 + "\n\n"
    doc = parse_document(write(tmp_path, "franchise.txt", intro + toc + body))
    assert body_titles(doc) == ["1. DEFINITIONS", "2. GRANT", "3. FEES AND COSTS", "4. TERM"]
    assert all("FEES AND COSTS 4" not in c.text for c in doc.chapters)
    assert doc.chapters[0].title == "Front matter" and doc.chapters[0].kind == "front"


def test_find_structure_reports_the_contents_span() -> None:
    text = "CONTENTS\n1. Alpha 1\n2. Beta 2\n3. Gamma 3\n\n" + "\n\n".join(
        f"{n}. {name}\n{SENTENCE * 3}" for n, name in enumerate(["Alpha", "Beta", "Gamma"], 1)
    )
    found = find_structure(text)
    assert found is not None and found.contents is not None
    lo, hi = found.contents
    assert "1. Alpha 1" in text[lo:hi] and "3. Gamma 3" in text[lo:hi]
    assert [c.start >= hi for c in found.chapters] == [True, True, True]


def test_text_before_an_abstract_is_named_abstract(tmp_path: Path) -> None:
    text = (
        ("Learning to Count\n\nA. Author\n\nAbstract\n\n" + SENTENCE * 4 + "\n\n1 Introduction\n\n" + SENTENCE * 4)
        + "\n\n2 Method\n\n"
        + SENTENCE * 4
    )
    doc = parse_document(write(tmp_path, "paper.txt", text))
    assert titles(doc) == ["Abstract", "1 Introduction", "2 Method"]
    assert doc.chapters[0].kind == "front"


def test_long_text_without_headings_says_it_was_cut_into_parts(tmp_path: Path) -> None:
    text = "\n\n".join(SENTENCE * 8 for _ in range(150))
    doc = parse_document(write(tmp_path, "plain.txt", text))
    assert len(doc.chapters) > 1
    assert any("No chapter headings were found" in w for w in doc.warnings)


def test_tidy_carries_offsets_along() -> None:
    text = "  Head\u00a0line  \n\n\n\n   1.1 First  \n\ntext"
    tidied, (start,) = tidy_mapped(text, [text.index("1.1")])
    assert tidied.startswith("Head line")
    assert tidied[start:].startswith("1.1 First")


# --- PDF: pages, running lines, page groups


def test_pdf_page_starts_survive_running_header_and_page_number_removal(tmp_path: Path) -> None:
    names = ["1 Scope", "2 Method", "3 Results"]
    pages = [PageSpec(body_lines(n, 30), heading=names[n // 2] if n % 2 == 0 else None) for n in range(6)]
    path = write(tmp_path, "r.pdf", make_text_pdf(pages, running_header="The Running Header", page_numbers=True))
    doc = parse_document(path)
    assert body_titles(doc) == names
    for chapter in doc.chapters:
        assert "The Running Header" not in chapter.text
        assert not re.search(r"Page \d of 6", chapter.text)
    assert [[page for _, page in c.page_starts] for c in doc.chapters] == [[1, 2], [3, 4], [5, 6]]
    second = doc.chapters[0]
    assert second.text[second.page_starts[1][0] :].startswith(body_lines(1, 1)[0][:20])
    assert_offsets_consistent(doc)


def test_pdf_without_headings_warns_about_page_groups(tmp_path: Path) -> None:
    path = write(tmp_path, "flat.pdf", make_text_pdf([PageSpec(body_lines(n, 30)) for n in range(25)]))
    doc = parse_document(path)
    assert doc.structure == "pages"
    assert any("page groups of 9 pages" in w for w in doc.warnings), doc.warnings
    assert_offsets_consistent(doc)


# --- EPUB without ebooklib


def test_epub_with_ncx_only_and_nested_nav(tmp_path: Path) -> None:
    chapters = [("One", "<h1>One</h1><p>" + SENTENCE + "</p>"), ("Two", "<h1>Two</h1><p>" + SENTENCE + "</p>")]
    ncx = parse_document(write(tmp_path, "ncx.epub", make_epub(chapters, toc="ncx", title="Old Book")))
    assert (ncx.title, titles(ncx), ncx.structure) == ("Old Book", ["One", "Two"], "toc")
    body = '<h1>Three</h1><p id="a">3.1 Alpha part. ' + SENTENCE + '</p><p id="b">3.2 Beta part. ' + SENTENCE + "</p>"
    nested = make_epub([("3 Three", body), ("4 Four", "<p>" + SENTENCE + "</p>")], nested=[(0, "a"), (0, "b")])
    doc = parse_document(write(tmp_path, "nested.epub", nested))
    assert titles(doc) == ["3 Three", "4 Four"]
    assert [s.title for s in doc.chapters[0].sections] == ["3.1 Alpha part", "3.2 Beta part"]
    assert_offsets_consistent(doc)


def test_epub_mimetype_part_is_never_read(tmp_path: Path) -> None:
    data = bytearray(make_epub([("One", "<p>" + SENTENCE + "</p>")]))
    # Spoil the stored mimetype's bytes: reading that part would fail its CRC check.
    at = data.index(b"application/epub+zip")
    data[at : at + 11] = b"XXXXXXXXXXX"
    doc = parse_document(write(tmp_path, "m.epub", bytes(data)))
    assert titles(doc) == ["One"]


def test_epub_part_over_the_cap_is_refused_with_a_clear_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop_app.engine.ingest import epub_container
    from desktop_app.engine.ingest.epub import parse_epub_file

    path = write(tmp_path, "big.epub", make_epub([("One", "<p>" + SENTENCE * 50 + "</p>")]))
    monkeypatch.setattr(epub_container, "MAX_MEMBER_BYTES", 2000)
    with pytest.raises(FileTooLargeError, match=r"over the 0 MB limit for one part|unpacks past"):
        parse_epub_file(path, None, IngestLimits())


def test_epub_xml_entities_are_not_expanded(tmp_path: Path) -> None:
    data = make_epub([("One", "<p>" + SENTENCE + "</p>")])
    src = tmp_path / "src.epub"
    src.write_bytes(data)
    out = tmp_path / "entity.epub"
    with zipfile.ZipFile(src) as old, zipfile.ZipFile(out, "w") as new:
        for info in old.infolist():
            body = old.read(info.filename)
            if info.filename.endswith(".opf"):
                body = body.replace(
                    b"<package",
                    b'<!DOCTYPE package [<!ENTITY x SYSTEM "file:///etc/passwd">]><package',
                    1,
                ).replace(b"<dc:title>A Book", b"<dc:title>A Book&x;")
            new.writestr(info, body)
    doc = parse_document(out)
    assert "root:" not in doc.title


# --- the corpus


def test_corpus_contracts_split_into_their_numbered_sections(corpus: Path) -> None:
    folder = corpus / "contracts" / "txt"
    expected = {
        "AURASYSTEMSINC": [f"Article {n}" for n in range(1, 9)],
        "LIMEENERGYCO": [f"{n}." for n in range(1, 8)],
        "MPLXLP": [f"{n}." for n in range(1, 19) if n != 7] + ["7 Confidentiality"],
        "BLACKBOXSTOCKSINC": [f"ARTICLE {r} " for r in "I II III IV V VI VII VIII IX".split()],
        "ImperialGardenResortInc": [f"Article {r}." for r in "I II III IV V VI VII VIII IX X XI XII".split()],
    }
    for prefix, heads in expected.items():
        path = next(folder.glob(f"{prefix}*.txt"))
        doc = parse_document(path)
        found = body_titles(doc)
        assert len(found) == len(heads), (prefix, found)
        for head in heads:
            assert any(t.startswith(head) for t in found), (prefix, head, found)
        assert_offsets_consistent(doc)
    lime = parse_document(next(folder.glob("LIMEENERGYCO*.txt")))
    assert [s.title.split()[0] for s in lime.chapters[1].sections][:3] == ["1.1", "1.2", "1.3"]
    # Numbered paragraphs without titles of their own, and run-in headings after sentences.
    zto = body_titles(parse_document(next(folder.glob("ZtoExpress*.txt"))))
    assert [t.split(".")[0] for t in zto] == [str(n) for n in range(1, 16)]
    staar = body_titles(parse_document(next(folder.glob("StaarSurgical*.txt"))))
    assert len(staar) >= 24 and staar[-1].startswith("26. Counterparts")


def test_edgar_contract_pdf_splits_into_articles_with_sections_and_pages(corpus: Path) -> None:
    doc = parse_document(next((corpus / "contracts" / "pdf").glob("BLACKBOX*")))
    assert doc.structure == "headings"
    assert body_titles(doc)[0] == "ARTICLE I APPOINTMENT OF DISTRIBUTORSHIP"
    assert [t.split()[1] for t in body_titles(doc)] == "I II III IV V VI VII VIII IX".split()
    first = doc.chapters[1]
    assert [s.title.split()[0] for s in first.sections] == ["1.01.", "1.02", "1.03.", "1.04."]
    assert doc.chapters[-1].page_starts[0][1] >= 3
    assert_offsets_consistent(doc)


def test_geotopo_with_its_outline_hidden_finds_its_chapters(corpus: Path) -> None:
    from desktop_app.engine.ingest.pdf import parse_pdf_file

    doc = parse_pdf_file(corpus / "pdf" / "GeoTopo-komprimiert.pdf", None, IngestLimits(), use_outline=False)
    assert doc.structure == "headings"
    numbered = [c.title for c in doc.chapters if c.title[0].isdigit()]
    assert [t.split()[0] for t in numbered] == ["1", "2", "3", "4", "5"]
    assert numbered[1] == "2 Mannigfaltigkeiten und Simplizialkomplexe"
    assert {"Lösungen der Übungsaufgaben", "Symbolverzeichnis", "Stichwortverzeichnis"} <= set(titles(doc))
    assert "Inhaltsverzeichnis" not in titles(doc), "the table of contents is not a chapter"
    first = next(c for c in doc.chapters if c.title.startswith("1 "))
    assert first.page == 6
    assert [s.title for s in first.sections][:2] == ["1.1 Topologische Räume", "1.2 Metrische Räume"]
    assert_offsets_consistent(doc)


def test_paper_title_is_the_first_pages_largest_text_and_its_abstract_is_front_matter(corpus: Path) -> None:
    doc = parse_document(corpus / "summarization" / "P05-1045" / "P05-1045.pdf")
    assert doc.title == "Incorporating Non-local Information into Information Extraction Systems by Gibbs Sampling"
    assert doc.chapters[0].title == "Abstract" and doc.chapters[0].kind == "front"
    assert doc.chapters[1].title == "1 Introduction"
    assert "Introduction" not in [c.title for c in doc.chapters if c.kind == "front"]
    # Unnumbered headings after the last numbered section, in the section headings' type.
    assert [(c.title, c.kind) for c in doc.chapters[-2:]] == [("Acknowledgements", "back"), ("References", "back")]
    assert "Acknowledgements" not in doc.chapters[-3].text


def test_every_corpus_pdf_has_consistent_page_starts(corpus: Path) -> None:
    checked = 0
    for path in sorted((corpus / "pdf").glob("*.pdf")):
        if path.name in {"libreoffice-writer-password.pdf", "pdf-with-jbig2.pdf", "issue-1113-evil-xobjects.pdf"}:
            continue
        doc = parse_document(path)
        assert all(c.page_starts for c in doc.chapters), path.name
        assert_offsets_consistent(doc)
        checked += 1
    assert checked >= 8


def test_long_series_past_ninety_nine_with_numbered_list_items_inside(tmp_path: Path) -> None:
    parts = []
    for n in range(1, 121):
        items = f"1. An item. {SENTENCE}\n\n2. Another. {SENTENCE}"
        parts.append(f"{n}. HEADING {n}\n\n{n}.1 First part. {SENTENCE * 2}\n\n{items}")
    doc = parse_document(write(tmp_path, "long.txt", "\n\n".join(parts)))
    assert body_titles(doc) == [f"{n}. HEADING {n}" for n in range(1, 121)]
    assert all(len(c.sections) == 1 for c in doc.chapters)


def test_docx_automatic_list_numbers_give_the_chapters(tmp_path: Path) -> None:
    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    document = docx.Document()
    document.add_paragraph("SERVICES AGREEMENT")
    document.add_paragraph("This agreement is made between the parties named below. " + SENTENCE)
    for name in ("Services", "Fees", "Term"):
        # Word's own numbering: the "1." is drawn from the numbering part, not typed into the text.
        paragraph = document.add_paragraph(f"{name}. The supplier acts as asked. " + SENTENCE * 2, style="List Number")
        num_pr = OxmlElement("w:numPr")
        for tag, value in (("w:ilvl", "0"), ("w:numId", "5")):
            element = OxmlElement(tag)
            element.set(qn("w:val"), value)
            num_pr.append(element)
        paragraph._p.get_or_add_pPr().insert(0, num_pr)
        document.add_paragraph("A point of detail under it.", style="List Bullet")
    path = tmp_path / "numbered.docx"
    document.save(str(path))
    doc = parse_document(path)
    assert doc.structure == "headings"
    assert titles(doc) == ["1. Services", "2. Fees", "3. Term"]
    assert doc.chapters[1].text.startswith("2. Fees. The supplier acts as asked.")
    assert "A point of detail under it." in doc.chapters[1].text, "bullets carry no number"


def test_table_of_contents_is_a_hint_for_the_top_level(tmp_path: Path) -> None:
    # The numbered sections run in after sentences (weak evidence) while three schedules stand on lines
    # of their own; the contents list the numbered sections, so they are the chapters.
    toc = "CONTENTS\n\n1. Scope 2\n2. Fees 3\n3. Term 4\n\n"
    names = ["Scope", "Fees", "Term"]
    body = "AGREEMENT. " + SENTENCE + "".join(f"{n}. {name}. {SENTENCE * 3}" for n, name in enumerate(names, 1))
    schedules = "".join(f"\n\nSchedule {n}\n\n{SENTENCE * 2}" for n in (1, 2, 3))
    doc = parse_document(write(tmp_path, "hinted.txt", toc + body + schedules))
    assert body_titles(doc) == ["1. Scope", "2. Fees", "3. Term"]
    without = parse_document(write(tmp_path, "plain.txt", body + schedules))
    assert body_titles(without) == ["Schedule 1", "Schedule 2", "Schedule 3"], "without the contents"


def test_pdf_without_title_metadata_is_titled_by_its_first_pages_largest_text(tmp_path: Path) -> None:
    pages = [PageSpec(body_lines(0, 30), heading="A Study of Harbours")]
    pages += [PageSpec(body_lines(n, 30)) for n in range(1, 3)]
    doc = parse_document(write(tmp_path, "W02-1011.pdf", make_text_pdf(pages)))
    assert doc.title == "A Study of Harbours"
    named = parse_document(write(tmp_path, "named.pdf", make_text_pdf(pages, title="Harbours: A Study")))
    assert named.title == "Harbours: A Study", "metadata that names the document wins"
    truncated = parse_document(write(tmp_path, "t.pdf", make_text_pdf(pages, title="Proceedings of the...")))
    assert truncated.title == "A Study of Harbours"


def test_a_contents_first_page_gives_no_title(corpus: Path) -> None:
    doc = parse_document(corpus / "pdf" / "mistitled_outlines_example.pdf")
    assert doc.title == "mistitled_outlines_example"


# --- any text: the structure always points into the chapters' texts

_PIECES = [
    "1. Services. ",
    "2. FEES AND COSTS\n",
    "2.1 Fee. ",
    "2.1.1 Late. ",
    "3.0 TERM\n",
    "ARTICLE IV\n",
    "Article 2 above shall ",
    "Section 5. ",
    "§ 6 Kündigung\n",
    "CONTENTS\n",
    "RECITALS\n",
    "   ",
    "\n\n",
    "\u00a0",
    "see Section 4. ",
    SENTENCE,
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=60))
def test_any_text_gives_consistent_sections(pieces: list[str]) -> None:
    from desktop_app.engine.ingest.base import NoTextError
    from desktop_app.engine.ingest.text import parse_text

    try:
        doc = parse_text(Path("any.txt"), "".join(pieces).encode("utf-8"))
    except NoTextError:
        return
    assert doc.chapters and all(c.text.strip() for c in doc.chapters)
    assert_offsets_consistent(doc)
