"""Every parse runs in the child with limits; each limit's error names the limit and its setting.

The hostile files are generated here: a ZIP whose ``mimetype`` inflates to hundreds of megabytes,
text too large for the parse's memory, Markdown with more headings than the chapter limit.
"""

from __future__ import annotations

import resource
import zipfile
from pathlib import Path

import pytest

from desktop_app.engine.ingest import (
    FileTooLargeError,
    IngestLimits,
    ParseTimeoutError,
    detect_format,
    parse_document,
)

MB = 1 << 20


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _mimetype_bomb(path: Path, inflated_mb: int) -> Path:
    """An EPUB-looking ZIP whose ``mimetype`` entry inflates to ``inflated_mb`` MB (a few hundred KB packed)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("mimetype", "w", force_zip64=True) as member:
            member.write(b"application/epub+zip")
            block = b"\0" * MB
            for _ in range(inflated_mb):
                member.write(block)
        archive.writestr("META-INF/container.xml", "<container/>")
    return path


def test_a_zip_bomb_is_refused_from_its_central_directory_and_the_process_stays_small(tmp_path: Path) -> None:
    bomb = _mimetype_bomb(tmp_path / "bomb.epub", 400)
    assert bomb.stat().st_size < 2 * MB
    before = _peak_rss_mb()
    assert detect_format(bomb) == "epub", "detection reads the first bytes of mimetype, not all of it"
    with pytest.raises(FileTooLargeError) as err:
        parse_document(bomb)
    assert _peak_rss_mb() - before < 100, "nothing inflated the bomb in this process"
    assert "zip bomb" in err.value.message and "CHAPTERWISE_MAX_ZIP_RATIO" in err.value.message


def test_the_parse_child_has_a_memory_limit_that_names_its_setting(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    chapter = "A sentence of words goes on and on here. " * 3000
    path.write_text("".join(f"Chapter {i}\n\n{chapter}\n\n" for i in range(500)), encoding="utf-8")
    limits = IngestLimits(max_memory_bytes=128 * MB, max_bytes=1 << 30)
    small = tmp_path / "small.txt"
    small.write_text(f"Chapter 1\n\n{chapter}\n", encoding="utf-8")
    assert parse_document(small, limits=limits).chapters, "an ordinary file parses within the limit"
    with pytest.raises(FileTooLargeError) as err:
        parse_document(path, limits=limits)
    assert "128 MB of memory" in err.value.message and "CHAPTERWISE_PARSE_MEMORY_MB" in err.value.message


def test_text_is_parsed_in_the_child_under_the_time_limit(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("Chapter 1\n\nSome words.\n", encoding="utf-8")
    with pytest.raises(ParseTimeoutError) as err:
        parse_document(path, limits=IngestLimits(timeout_s=0.001))
    assert "CHAPTERWISE_PARSE_TIMEOUT" in err.value.message


def test_a_file_of_headings_is_refused_past_the_chapter_limit(tmp_path: Path) -> None:
    path = tmp_path / "headings.md"
    path.write_text("".join(f"# Heading {i}\n\nText {i}.\n\n" for i in range(300)), encoding="utf-8")
    with pytest.raises(FileTooLargeError) as err:
        parse_document(path, limits=IngestLimits(max_chapters=200))
    assert "300 chapters" in err.value.message and "CHAPTERWISE_MAX_CHAPTERS" in err.value.message
    assert len(parse_document(path, limits=IngestLimits(max_chapters=300)).chapters) == 300


def test_size_and_page_limits_name_their_settings(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("word " * 1000, encoding="utf-8")
    with pytest.raises(FileTooLargeError, match="CHAPTERWISE_MAX_FILE_MB"):
        parse_document(path, limits=IngestLimits(max_bytes=1000))


def test_russian_text_in_cp1251_is_decoded_as_such(tmp_path: Path) -> None:
    text = (
        "Глава первая\n\nВ начале было слово, и слово было у Бога. Москва — столица России, "
        "и улицы её полны людей. Съешь же ещё этих мягких французских булок, да выпей чаю.\n\n"
        "Глава вторая\n\nОсень пришла рано в этом году. Листья падали на мокрую землю.\n"
    )
    path = tmp_path / "russian.txt"
    path.write_bytes(text.encode("cp1251"))
    doc = parse_document(path)
    body = "\n\n".join(f"{c.title}\n\n{c.text}" for c in doc.chapters)
    assert "Москва — столица России" in body and "Осень пришла рано в этом году." in body
