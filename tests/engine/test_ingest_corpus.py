"""Ingestion over the real-world corpus in ../shared/corpus (skipped where that folder is absent).

Each test asserts the behaviour ../shared/corpus/README.md documents for the file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.engine.ingest import (
    CorruptFileError,
    IngestError,
    NoTextError,
    ParsedDocument,
    PasswordRequiredError,
    WrongPasswordError,
    parse_document,
)
from desktop_app.engine.ingest.pdf_text import GARBLED_THRESHOLD, garbled_ratio

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the shared corpus is absent ({CORPUS})"),
]


def corpus_file(*parts: str) -> Path:
    path = CORPUS.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"corpus file absent: {path}")
    return path


def corpus_files(folder: str) -> list[Path]:
    where = CORPUS / folder
    return sorted(where.iterdir()) if where.is_dir() else []


def assert_well_formed(doc: ParsedDocument) -> None:
    assert doc.chapters
    for chapter in doc.chapters:
        assert chapter.title.strip()
        assert chapter.text.strip()
        assert chapter.word_count > 0


# --- every file


@pytest.mark.parametrize(
    "path",
    corpus_files("pdf") + corpus_files("epub") + corpus_files("docx"),
    ids=lambda p: p.name,
)
def test_every_corpus_file_parses_or_fails_cleanly(path: Path) -> None:
    try:
        doc = parse_document(path)
    except IngestError as exc:
        assert exc.message
        assert exc.path == path
    else:
        assert_well_formed(doc)


# --- PDF structure


def test_geotopo_chapters_are_its_top_level_outline_entries() -> None:
    from pypdf import PdfReader

    path = corpus_file("pdf", "GeoTopo-komprimiert.pdf")
    # pypdf lists each entry's children as a nested list after it: 11 entries + 5 lists = 16 items.
    top_level = [item.title for item in PdfReader(path).outline if not isinstance(item, list)]
    doc = parse_document(path)
    assert doc.structure == "outline"
    assert doc.page_count == 117
    # The preface before the first bookmark is kept as front matter, so none of the book is lost.
    assert doc.chapters[0].title == "Vorwort" and doc.chapters[0].kind == "front"
    assert [c.title for c in doc.chapters[1:]] == top_level
    assert doc.chapters[1].title == "1 Topologische Grundbegriffe"
    assert doc.chapters[-1].title == "Stichwortverzeichnis"
    # Sections fold into their chapter; the index is recognised as back matter.
    assert "Metrische Räume" in doc.chapters[1].text
    assert doc.chapters[-1].kind == "back"
    assert doc.chapters[1].kind == "body"
    assert_well_formed(doc)


def test_geotopo_text_has_no_running_headers_or_contents_page() -> None:
    doc = parse_document(corpus_file("pdf", "GeoTopo-komprimiert.pdf"))
    whole = "\n".join(c.text for c in doc.chapters)
    assert "Inhaltsverzeichnis" not in whole
    # The running header "<page> 1 Topologische Grundbegriffe" repeats on every page of chapter 1.
    assert doc.chapters[1].text.count("Topologische Grundbegriffe") <= 2


def test_mistitled_outline_is_noticed_and_headings_used() -> None:
    doc = parse_document(corpus_file("pdf", "mistitled_outlines_example.pdf"))
    assert doc.structure == "headings"
    assert any("bookmarks do not match" in w for w in doc.warnings)
    titles = [c.title for c in doc.chapters]
    assert titles == [f"{n} {name}" for n, name in zip(range(1, 10), ["Foo", "Bar", "Baz"] * 3, strict=True)]
    assert "First" not in titles


def test_dmca_yields_titles_one_to_five() -> None:
    doc = parse_document(corpus_file("pdf", "dmca.pdf"))  # RC4, empty user password: no prompt
    assert doc.structure == "headings"
    titles = [c.title for c in doc.chapters if c.kind == "body"]
    assert [t.split(":")[0] for t in titles[:5]] == ["TITLE I", "TITLE II", "TITLE III", "TITLE IV", "TITLE V"]
    # The closing section is set in the titles' type without a number of its own.
    assert titles[5:] == ["EFFECTIVE DATES"]
    assert titles[0] == "TITLE I: WIPO TREATY IMPLEMENTATION"
    # Body sentences starting "Title I implements ..." are not headings.
    assert all(not t.startswith("Title ") for t in titles)


def test_multicolumn_article_reads_both_columns_and_joins_hyphenation() -> None:
    doc = parse_document(corpus_file("pdf", "multicolumn.pdf"))
    text = "\n".join(c.text for c in doc.chapters)
    assert "adipiscing elit" in text
    assert "adip-" not in text and "\x02" not in text


def test_i1040nr_without_outline_falls_back_to_page_groups_or_headings() -> None:
    doc = parse_document(corpus_file("pdf", "i1040nr.pdf"))
    assert doc.page_count == 50
    assert doc.structure in {"headings", "pages"}
    assert len(doc.chapters) >= 3
    assert_well_formed(doc)


# --- encryption


def test_r6_with_empty_owner_password_opens_without_prompting() -> None:
    doc = parse_document(corpus_file("pdf", "r6-user-password.pdf"))
    assert "pdf encryption test" in doc.chapters[0].text


def test_password_protected_pdf_asks_for_the_password() -> None:
    path = corpus_file("pdf", "libreoffice-writer-password.pdf")
    with pytest.raises(PasswordRequiredError) as info:
        parse_document(path)
    assert not isinstance(info.value, WrongPasswordError)
    assert "password-protected" in info.value.message
    assert "--password" in info.value.message


def test_wrong_password_is_reported_as_wrong() -> None:
    path = corpus_file("pdf", "libreoffice-writer-password.pdf")
    with pytest.raises(WrongPasswordError, match="does not open this PDF"):
        parse_document(path, password="not-the-password")


@pytest.mark.parametrize("password", ["openpassword", "permissionpassword"])
def test_right_password_opens_the_pdf(password: str) -> None:
    doc = parse_document(corpus_file("pdf", "libreoffice-writer-password.pdf"), password=password)
    assert "Lorem ipsum" in doc.chapters[0].text


# --- damaged, hostile, scanned, garbled


def test_broken_xref_is_recovered() -> None:
    doc = parse_document(corpus_file("pdf", "issue-297.pdf"))
    assert "test example" in doc.chapters[0].text


def test_evil_xobjects_recover_or_fail_cleanly_and_quickly() -> None:
    from desktop_app.engine.ingest import IngestLimits

    path = corpus_file("pdf", "issue-1113-evil-xobjects.pdf")
    try:
        doc = parse_document(path, limits=IngestLimits(timeout_s=20))
    except CorruptFileError as exc:
        assert "damaged" in exc.message or "crashed" in exc.message
    else:
        assert_well_formed(doc)


def test_scanned_page_reports_no_text_layer() -> None:
    with pytest.raises(NoTextError, match="no text layer") as info:
        parse_document(corpus_file("pdf", "pdf-with-jbig2.pdf"))
    assert "Tesseract" in info.value.message


def test_multilang_extracts_every_script_cleanly() -> None:
    doc = parse_document(corpus_file("pdf", "multilang.pdf"))
    text = doc.chapters[0].text
    for sample in ("Hello World", "مرحبا بالعالم", "Привет, мир", "你好世界", "สวัสดีชาวโลก", "こんにちは世界"):
        assert sample in text
    assert not doc.warnings
    assert garbled_ratio(text) < GARBLED_THRESHOLD


def test_jo_is_garbled_under_pypdf_and_read_cleanly_through_pdfium() -> None:
    from pypdf import PdfReader

    path = corpus_file("pdf", "jo.pdf")
    # pypdf has no usable ToUnicode map for these fonts: the detector must flag its output ...
    assert garbled_ratio(PdfReader(path).pages[0].extract_text()) > GARBLED_THRESHOLD
    # ... while the text Chapterwise keeps is real Japanese, with no garbled-text warning.
    doc = parse_document(path)
    assert "みんな" in doc.chapters[0].text
    assert garbled_ratio(doc.chapters[0].text) < GARBLED_THRESHOLD
    assert not any("garbled" in w for w in doc.warnings)


# --- EPUB and DOCX


ALICE_CHAPTERS = [
    "Down The Rabbit-Hole",
    "The Pool Of Tears",
    "A Caucus-Race And A Long Tale",
    "The Rabbit Sends In A Little Bill",
    "Advice From A Caterpillar",
    "Pig And Pepper",
    "A Mad Tea-Party",
    "The Queen's Croquet Ground",
    "Who Stole The Tarts?",
    "Alice's Evidence",
]


def test_alice_gives_its_ten_chapters_with_titles() -> None:
    doc = parse_document(corpus_file("epub", "alice.epub"))
    assert doc.format == "epub"
    assert doc.title == "Alice's Adventures in Wonderland"
    assert [c.title for c in doc.chapters] == ALICE_CHAPTERS
    first = doc.chapters[0].text
    assert "Alice was beginning to get very tired" in first
    assert "<p" not in first and "</" not in first
    # Chapter 1 ends where chapter 2 begins.
    assert "Curiouser and curiouser" not in first
    assert_well_formed(doc)


def test_docx_heading_becomes_a_chapter() -> None:
    doc = parse_document(corpus_file("docx", "par-known-paragraphs.docx"))
    assert doc.structure == "headings"
    assert [c.title for c in doc.chapters] == ["Heading Paragraph"]
    assert doc.chapters[0].text == "Normal paragraph"


def test_docx_tables_are_read_in_place() -> None:
    doc = parse_document(corpus_file("docx", "blk-paras-and-tables.docx"))
    text = doc.chapters[0].text
    order = [text.index(s) for s in ("Lorem ipsum", "Text before", "Table", "Between", "Text after", "Donec")]
    assert order == sorted(order)


def test_docx_comments_do_not_leak_into_the_text() -> None:
    import zipfile

    path = corpus_file("docx", "comments-rich-para.docx")
    with zipfile.ZipFile(path) as archive:
        comments = archive.read("word/comments.xml").decode()
    assert "hyperlink" in comments  # the comment text the body must not contain
    text = "\n".join(c.text for c in parse_document(path).chapters)
    assert "Document text" in text
    assert "hyperlink" not in text and "character style" not in text


def test_docx_with_only_images_says_so() -> None:
    with pytest.raises(NoTextError, match="no text"):
        parse_document(corpus_file("docx", "having-images.docx"))


def test_contract_saved_as_text_loses_its_page_numbers_not_its_sentences() -> None:
    """MPLX's text (CUAD) keeps a page number inside "… written notice to Shipper | 4 | confirming …"."""
    doc = parse_document(
        corpus_file("contracts", "txt", "MPLXLP_06_17_2015-EX-10.1-TRANSPORTATION SERVICES AGREEMENT.txt")
    )
    text = "\n\n".join(c.text for c in doc.chapters)
    assert "written notice to Shipper confirming the project's in-service date." in text
    assert not any(paragraph.strip().isdigit() for paragraph in text.split("\n\n"))
