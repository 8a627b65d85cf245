"""Ingestion of generated files: Markdown, text encodings, PDF structure, detection and limits."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from chapterwise_testing.pdfs import PageSpec, body_lines, make_epub, make_text_pdf
from desktop_app.engine.ingest import (
    SUPPORTED_SUFFIXES,
    CorruptFileError,
    FileTooLargeError,
    IngestError,
    IngestLimits,
    NoTextError,
    UnsupportedFormatError,
    detect_format,
    parse_document,
)
from desktop_app.engine.ingest.headings import match_heading, roman_to_int
from desktop_app.engine.ingest.pdf_text import join_hyphenation, remove_running_lines


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


# --- public API


def test_public_api_shape() -> None:
    limits = IngestLimits()
    assert (limits.max_bytes, limits.max_pages, limits.timeout_s) == (200 * 1024 * 1024, 5000, 120.0)
    with pytest.raises(AttributeError):
        limits.max_pages = 1  # type: ignore[misc]
    assert {".pdf", ".epub", ".docx", ".md", ".txt"} <= set(SUPPORTED_SUFFIXES)


def test_engine_ingest_does_not_import_qt() -> None:
    # In a fresh interpreter: pytest-qt has already imported PySide6 into this one.
    code = (
        "import sys, desktop_app.engine.ingest as i, desktop_app.engine.ingest.pdf, "
        "desktop_app.engine.ingest.epub, desktop_app.engine.ingest.docx, desktop_app.engine.ingest.markdown; "
        "sys.exit(1 if 'PySide6' in sys.modules else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False, timeout=60).returncode == 0


# --- Markdown


def test_markdown_chapters_at_repeated_heading_level_under_a_title(tmp_path: Path) -> None:
    md = (
        "# The Book\n\nA short blurb.\n\n## One\n\nFirst *chapter* text with `code`.\n\n### Detail\n\n"
        "Detail text folds into One.\n\n## Two\n\n- item a\n- item b\n\n```\nprint('x')\n```\n"
    )
    doc = parse_document(write(tmp_path, "book.md", md))
    assert doc.format == "md"
    assert doc.title == "The Book"
    assert [c.title for c in doc.chapters] == ["One", "Two"]
    assert "First chapter text with code." in doc.chapters[0].text
    assert "Detail text folds into One." in doc.chapters[0].text
    assert "*" not in doc.chapters[0].text
    assert "- item a" in doc.chapters[1].text and "print('x')" in doc.chapters[1].text


def test_markdown_front_matter_is_dropped(tmp_path: Path) -> None:
    doc = parse_document(write(tmp_path, "fm.md", "---\ntitle: x\n---\n# A\n\ntext a\n\n# B\n\ntext b\n"))
    assert [c.title for c in doc.chapters] == ["A", "B"]
    assert "title: x" not in doc.chapters[0].text


@pytest.mark.parametrize(
    ("line", "title"),
    [
        ("title: My Notes", "My Notes"),
        ('title: "Quoted: with a colon"', "Quoted: with a colon"),
        ("title: 'It''s quoted'", "It's quoted"),
        ('title: "Quoted" # and a comment', "Quoted"),
        ('title: "Say \\"hi\\""', 'Say "hi"'),
        ("Title:   Spaced   out   # a comment", "Spaced out"),
        ("title: >-\n  Folded over\n  two lines", "Folded over two lines"),
        ("title: |", "fm"),  # an empty block scalar: no title, the file name's turn
        ('title: "never closed', "fm"),  # not valid YAML: nothing from the front matter
        ("title:", "fm"),
        ("subtitle: Not the title", "fm"),
    ],
)
def test_markdown_front_matter_title_names_the_document(tmp_path: Path, line: str, title: str) -> None:
    md = f"---\nlayout: post\n{line}\ntags: [a, b]\n---\n\n## A\n\ntext a\n\n## B\n\ntext b\n"
    doc = parse_document(write(tmp_path, "fm.md", md))
    assert doc.title == title
    assert [c.title for c in doc.chapters] == ["A", "B"]
    assert all("layout" not in c.text for c in doc.chapters)


def test_markdown_front_matter_title_comes_before_the_lone_heading(tmp_path: Path) -> None:
    md = "---\ntitle: From the front matter\n---\n# The Heading\n\n## A\n\ntext a\n\n## B\n\ntext b\n"
    assert parse_document(write(tmp_path, "fm.md", md)).title == "From the front matter"
    assert parse_document(write(tmp_path, "h.md", md.split("---\n", 2)[2])).title == "The Heading"


def test_empty_markdown_has_no_text(tmp_path: Path) -> None:
    with pytest.raises(NoTextError, match="no text"):
        parse_document(write(tmp_path, "empty.md", "# \n\n   \n"))


# --- text and encodings


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [
        ("utf-8", b""),
        ("utf-8", b"\xef\xbb\xbf"),
        ("utf-16-le", b"\xff\xfe"),
        ("utf-16-be", b"\xfe\xff"),
        ("cp1252", b""),
    ],
)
def test_text_encodings_are_detected(tmp_path: Path, encoding: str, prefix: bytes) -> None:
    text = "Chapter 1\n\nÜber die Brücke gingen wir, café.\n\nChapter 2\n\nDer Schluß naïve.\n"
    doc = parse_document(write(tmp_path, "t.txt", prefix + text.encode(encoding)))
    assert [c.title for c in doc.chapters] == ["Chapter 1", "Chapter 2"]
    assert doc.chapters[0].text == "Über die Brücke gingen wir, café."
    assert "\ufeff" not in doc.chapters[0].title


def test_text_without_headings_is_split_into_parts(tmp_path: Path) -> None:
    paragraph = " ".join(["word"] * 500)
    doc = parse_document(write(tmp_path, "long.txt", "\n\n".join([paragraph] * 30)))
    assert doc.structure == "sections"
    assert len(doc.chapters) == 3
    assert all(c.title.startswith("Part ") for c in doc.chapters)


def test_short_text_is_one_chapter_titled_by_file(tmp_path: Path) -> None:
    doc = parse_document(write(tmp_path, "notes.txt", "Just a few words here."))
    assert [(c.title, c.text) for c in doc.chapters] == [("notes", "Just a few words here.")]


def test_page_numbers_of_a_saved_pdf_are_dropped_and_sentences_joined(tmp_path: Path) -> None:
    """A text saved from a paginated document: page numbers as paragraphs, one inside a sentence."""
    body = [
        "The parties agree to the terms below.",
        "1",
        "Payment is due within thirty days. The supplier shall send written notice to the buyer",
        "Page -2-",
        "confirming the delivery date. Late payment bears interest.",
        "3",
        "Either party may end this agreement on notice.",
    ]
    doc = parse_document(write(tmp_path, "saved.txt", "\n\n".join(body)))
    text = doc.chapters[0].text
    assert "written notice to the buyer confirming the delivery date." in text
    assert "Page -2-" not in text
    assert "\n\n1\n\n" not in f"\n\n{text}\n\n" and "\n\n3\n\n" not in text


def test_pdftotext_pages_lose_their_numbers_and_keep_their_sentences(tmp_path: Path) -> None:
    """pdftotext ends each page with a form feed, after the page's number."""
    pages = [
        "The parties agree to the terms below.\n\n1\n",
        "Payment is due within thirty days. The supplier shall send written notice to the buyer\n\n2\n",
        "confirming the delivery date. Late payment bears interest.\n\n3\n",
        "Either party may end this agreement on notice.\n\n4\n",
    ]
    text = parse_document(write(tmp_path, "pdftotext.txt", "\f".join(pages))).chapters[0].text
    assert "written notice to the buyer confirming the delivery date." in text
    assert "\f" not in text and not any(p.strip().isdigit() for p in text.split("\n\n"))


@pytest.mark.parametrize(
    "body",
    [
        # Section numbers on lines of their own, before their headings: no sentence runs over them.
        ["1", "Definitions", "Words have meanings.", "2", "Payment", "Pay on time.", "3", "Term", "It ends."],
        # A column of figures that do not rise like pages, one of them between two halves of a sentence.
        ["Revenue was", "120", "in the year and", "45", "more than", "7", "before."],
        # Too few numbers to be a series.
        ["Notice shall be given to the buyer", "2", "confirming the date."],
    ],
)
def test_numbers_that_are_not_page_numbers_stay(tmp_path: Path, body: list[str]) -> None:
    doc = parse_document(write(tmp_path, "kept.txt", "\n\n".join(body)))
    text = "\n\n".join(c.text for c in doc.chapters)
    numbers = [line for line in body if line.isdigit()]
    assert all(f"\n{n}\n" in f"\n{text}\n" for n in numbers), text


def test_binary_data_named_txt_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedFormatError, match="binary"):
        parse_document(write(tmp_path, "x.txt", bytes(range(32)) * 50))


# --- headings


@pytest.mark.parametrize(
    ("line", "title"),
    [
        ("Chapter 3", "Chapter 3"),
        ("CHAPTER IV. THE RETURN", "CHAPTER IV. THE RETURN"),
        ("TITLE II: ONLINE COPYRIGHT", "TITLE II: ONLINE COPYRIGHT"),
        ("2 Bar", "2 Bar"),
        ("Kapitel 12 Die Reise", "Kapitel 12 Die Reise"),
    ],
)
def test_heading_lines(line: str, title: str) -> None:
    heading = match_heading(line)
    assert heading is not None and heading.title == title


@pytest.mark.parametrize(
    "line",
    [
        "Title I implements the WIPO treaties. First, it makes certain technical",
        "chapter 3 begins here",
        "1 Topologische Grundbegriffe 2",  # a contents line: ends in a page number
        "1.1 Topologische Räume . . . . . . . 2",
        "12 is a number.",
        "",
    ],
)
def test_body_lines_are_not_headings(line: str) -> None:
    assert match_heading(line) is None


def test_roman_numerals() -> None:
    assert [roman_to_int(r) for r in ("i", "iv", "IX", "xl", "mcm")] == [1, 4, 9, 40, None]


# --- PDF text cleaning


def test_running_headers_and_page_numbers_are_removed() -> None:
    pages = [f"My Book Title\nChapter body {i} line one.\nMore text.\n{i + 1}" for i in range(6)]
    cleaned = remove_running_lines(pages)
    assert all("My Book Title" not in p for p in cleaned)
    assert all(not p.rstrip().endswith(str(i + 1)) for i, p in enumerate(cleaned))
    assert "Chapter body 3 line one." in cleaned[3]


def test_hyphenation_is_joined() -> None:
    assert join_hyphenation("adip\x02\niscing and exam-\nple and Schwarz-\nWeiß") == (
        "adipiscing and example and Schwarz-\nWeiß"
    )


# --- generated PDFs


def test_generated_pdf_with_outline_uses_it(tmp_path: Path) -> None:
    pages = [PageSpec(body_lines(i), heading=f"Part {i // 2 + 1} Name" if i % 2 == 0 else None) for i in range(6)]
    outline = [("Part 1 Name", 0), ("Part 2 Name", 2), ("Part 3 Name", 4)]
    path = write(tmp_path, "o.pdf", make_text_pdf(pages, outline=outline, title="Generated Book"))
    doc = parse_document(path)
    assert doc.structure == "outline"
    assert doc.title == "Generated Book"
    assert [(c.title, c.page) for c in doc.chapters] == [("Part 1 Name", 1), ("Part 2 Name", 3), ("Part 3 Name", 5)]


def test_generated_pdf_headings_survive_running_header_removal(tmp_path: Path) -> None:
    pages = [PageSpec(body_lines(i), heading=f"Chapter {i // 3 + 1}: Story" if i % 3 == 0 else None) for i in range(9)]
    path = write(tmp_path, "h.pdf", make_text_pdf(pages, running_header="A Running Header"))
    doc = parse_document(path)
    assert doc.structure == "headings"
    assert [c.title for c in doc.chapters] == ["Chapter 1: Story", "Chapter 2: Story", "Chapter 3: Story"]
    assert all("A Running Header" not in c.text for c in doc.chapters)


def test_generated_pdf_without_structure_is_grouped_by_pages(tmp_path: Path) -> None:
    pages = [PageSpec(body_lines(i, count=5)) for i in range(25)]
    doc = parse_document(write(tmp_path, "p.pdf", make_text_pdf(pages)))
    assert doc.structure == "pages"
    assert [c.title for c in doc.chapters] == ["Pages 1–9", "Pages 10–18", "Pages 19–25"]


def test_pdf_page_limit(tmp_path: Path) -> None:
    path = write(tmp_path, "big.pdf", make_text_pdf([PageSpec(["x y z"])] * 5))
    with pytest.raises(FileTooLargeError, match="5 pages"):
        parse_document(path, limits=IngestLimits(max_pages=4))


def test_pdf_without_any_text_has_no_text_layer(tmp_path: Path) -> None:
    with pytest.raises(NoTextError, match="no text layer"):
        parse_document(write(tmp_path, "blank.pdf", make_text_pdf([PageSpec([])] * 2)))


# --- detection and limits


def test_content_wins_over_suffix(tmp_path: Path) -> None:
    path = write(tmp_path, "really-a-pdf.txt", make_text_pdf([PageSpec(["hello world"])]))
    assert detect_format(path) == "pdf"
    assert parse_document(path).format == "pdf"


@pytest.mark.parametrize(
    ("name", "data", "match"),
    [
        ("image.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 50, "image"),
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 50, r"\.docx"),
        ("data.xyz", b"hello", "not supported"),
    ],
)
def test_unsupported_files(tmp_path: Path, name: str, data: bytes, match: str) -> None:
    with pytest.raises(UnsupportedFormatError, match=match):
        parse_document(write(tmp_path, name, data))


def test_file_size_limit(tmp_path: Path) -> None:
    with pytest.raises(FileTooLargeError, match="limit"):
        parse_document(write(tmp_path, "a.txt", "word " * 1000), limits=IngestLimits(max_bytes=1000))


def test_missing_file_is_an_ingest_error(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="no file"):
        parse_document(tmp_path / "nope.pdf")


def test_pdf_suffix_without_pdf_header(tmp_path: Path) -> None:
    with pytest.raises(CorruptFileError, match="not a PDF"):
        parse_document(write(tmp_path, "fake.pdf", b"hello, I am not a PDF"))


def test_zip_bomb_docx_is_refused_before_unpacking(tmp_path: Path) -> None:
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"<" + b" " * (20 * 1024 * 1024) + b"/>")
    with pytest.raises(FileTooLargeError, match="zip bomb"):
        parse_document(path)


def test_damaged_epub_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "broken.epub"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/epub+zip")
    with pytest.raises(CorruptFileError, match="EPUB"):
        parse_document(path)


def test_epub_without_content_says_no_chapters_found(tmp_path: Path) -> None:
    path = write(tmp_path, "empty.epub", make_epub([("Blank", "<p> </p>")], title="Empty"))
    with pytest.raises(NoTextError, match="no chapters found"):
        parse_document(path)


def test_docx_heading_levels_and_tables(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_heading("The Report", level=1)
    document.add_heading("Scope", level=2)
    document.add_paragraph("Scope text.")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "cell A"
    table.rows[0].cells[1].text = "cell B"
    document.add_heading("Findings", level=2)
    document.add_paragraph("Findings text.")
    path = tmp_path / "report.docx"
    document.save(str(path))
    doc = parse_document(path)
    assert doc.title == "The Report"
    assert [c.title for c in doc.chapters] == ["Scope", "Findings"]
    assert doc.chapters[0].text == "Scope text.\n\ncell A | cell B"


def test_empty_docx_says_so(tmp_path: Path) -> None:
    import docx

    path = tmp_path / "empty.docx"
    docx.Document().save(str(path))
    with pytest.raises(NoTextError, match="no text"):
        parse_document(path)
