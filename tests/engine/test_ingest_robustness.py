"""Hostile input: truncated PDFs, random bytes, timeouts, crashing readers. Never a hang, never an
exception that is not an IngestError."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chapterwise_testing.pdfs import PageSpec, body_lines, make_text_pdf
from desktop_app.engine.ingest import (
    CorruptFileError,
    IngestError,
    IngestLimits,
    ParseTimeoutError,
    parse_document,
)
from desktop_app.engine.ingest.sandbox import run_isolated

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
#: Generous for a loaded CI machine, far below a hang.
LIMITS = IngestLimits(timeout_s=30)


def crash_the_reader(path: Path, password: str | None, limits: IngestLimits) -> None:
    """A parser that dies the way a crash in native code does (run in the child only)."""
    os.abort()


def parse_or_ingest_error(path: Path) -> None:
    try:
        doc = parse_document(path, limits=LIMITS)
    except IngestError as exc:
        assert exc.message.strip()
    else:
        assert doc.chapters and all(c.text.strip() for c in doc.chapters)


# --- truncated PDFs


@pytest.mark.corpus
@pytest.mark.skipif(not (CORPUS / "pdf").is_dir(), reason=f"the shared corpus is absent ({CORPUS})")
@pytest.mark.parametrize("fraction", [0.02, 0.25, 0.5, 0.75, 0.98])
def test_truncated_corpus_pdf_recovers_or_fails_cleanly(tmp_path: Path, fraction: float) -> None:
    data = (CORPUS / "pdf" / "dmca.pdf").read_bytes()
    path = tmp_path / "cut.pdf"
    path.write_bytes(data[: int(len(data) * fraction)])
    parse_or_ingest_error(path)


@pytest.mark.parametrize("cut", [10, 100, 400, -200, -30])
def test_truncated_generated_pdf_recovers_or_fails_cleanly(tmp_path: Path, cut: int) -> None:
    data = make_text_pdf([PageSpec(body_lines(i), heading=f"Chapter {i + 1}") for i in range(4)])
    path = tmp_path / "cut.pdf"
    path.write_bytes(data[:cut])
    parse_or_ingest_error(path)


def test_pdf_cut_before_its_xref_still_gives_text(tmp_path: Path) -> None:
    data = make_text_pdf([PageSpec(["the quick brown fox"])])
    path = tmp_path / "noxref.pdf"
    path.write_bytes(data[: data.index(b"xref")])
    doc = parse_document(path, limits=LIMITS)
    assert "quick brown fox" in doc.chapters[0].text


# --- random bytes


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.binary(max_size=2048),
    suffix=st.sampled_from([".pdf", ".epub", ".docx", ".md", ".txt", ".bin"]),
)
def test_random_bytes_never_escape_as_other_errors(tmp_path: Path, data: bytes, suffix: str) -> None:
    path = tmp_path / f"random{suffix}"
    path.write_bytes(data)
    parse_or_ingest_error(path)


@pytest.mark.slow
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    tail=st.binary(min_size=1, max_size=1024),
    keep=st.integers(min_value=0, max_value=2000),
)
def test_pdf_header_with_mangled_body(tmp_path: Path, tail: bytes, keep: int) -> None:
    # Real PDF structure up to ``keep`` bytes, then garbage: this reaches the PDF readers.
    data = make_text_pdf([PageSpec(body_lines(1, count=5))], outline=[("Start", 0)])
    path = tmp_path / "mangled.pdf"
    path.write_bytes(data[:keep] + tail + data[keep + len(tail) :])
    parse_or_ingest_error(path)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(members=st.dictionaries(st.sampled_from(["mimetype", "word/document.xml", "a.xhtml"]), st.binary(max_size=300)))
def test_random_zip_archives(tmp_path: Path, members: dict[str, bytes]) -> None:
    for suffix in (".epub", ".docx"):
        path = tmp_path / f"random{suffix}"
        with zipfile.ZipFile(path, "w") as archive:
            for name, body in members.items():
                archive.writestr(name, body)
        parse_or_ingest_error(path)


# --- time and crashes


def test_a_parse_over_its_time_limit_is_stopped(tmp_path: Path) -> None:
    path = tmp_path / "ok.pdf"
    path.write_bytes(make_text_pdf([PageSpec(["hello"])]))
    # Starting the reader alone takes longer than this, so the limit always passes first.
    with pytest.raises(ParseTimeoutError, match="longer than"):
        parse_document(path, limits=IngestLimits(timeout_s=0.001))


def test_a_crashing_reader_becomes_a_corrupt_file_error(tmp_path: Path) -> None:
    path = tmp_path / "any.pdf"
    path.write_bytes(b"%PDF-1.4\n")
    target = f"{__name__}:crash_the_reader"
    with pytest.raises(CorruptFileError, match="crashed"):
        run_isolated(target, path, None, LIMITS)


def test_parse_document_is_safe_from_several_threads(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    paths = []
    for i in range(4):
        path = tmp_path / f"doc{i}.pdf"
        path.write_bytes(make_text_pdf([PageSpec(body_lines(i), heading=f"Chapter {n}") for n in (1, 2)]))
        paths.append(path)
    with ThreadPoolExecutor(max_workers=4) as pool:
        docs = list(pool.map(lambda p: parse_document(p, limits=LIMITS), paths))
    assert [len(d.chapters) for d in docs] == [2, 2, 2, 2]


def test_a_long_run_of_spaces_in_a_short_word_s_paragraph_is_read_in_one_pass(tmp_path: Path) -> None:
    """A paragraph "page", a long run of spaces and a word: no page number, read as text (the page-number
    pattern is tried on short paragraphs only; on this one it backtracked over every split of the spaces)."""
    path = tmp_path / "spaces.txt"
    path.write_text("1\n\nIntro text here.\n\n" + "page" + " " * 200_000 + "x\n\n2\n\nMore text.\n\n3\n\nEnd.")
    doc = parse_document(path)
    assert "x" in doc.chapters[-1].text.split()
