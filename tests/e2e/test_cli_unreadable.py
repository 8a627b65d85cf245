"""A file the command line cannot read exits 3 with its reason, whatever the kind of failure, and leaves no
document behind: ``summarize`` parses each file before it goes on (the window and the API parse in the
background)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from desktop_app.cli import EXIT_INPUT, main
from tests.engine.pipeline_helpers import write_markdown

pytestmark = pytest.mark.corpus


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["-q", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def _listed(capsys: pytest.CaptureFixture[str]) -> list[str]:
    code, out, _ = run(capsys, "list")
    assert code == 0
    return [line for line in out.splitlines() if line and not line.startswith("ID ")]


def test_damaged_and_scanned_files_exit_3_and_the_others_still_run(
    tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "report.pdf"
    broken.write_bytes((corpus / "pdf" / "multicolumn.pdf").read_bytes()[:1500])  # cut short
    scan = corpus / "pdf" / "pdf-with-jbig2.pdf"
    good = write_markdown(tmp_path / "good.md", 2)
    code, out, err = run(capsys, "summarize", str(broken), str(scan), str(good))
    assert code == EXIT_INPUT
    lines = err.splitlines()
    assert lines[0].startswith(f"chapterwise: {broken}: ") and "damaged" in lines[0]
    assert lines[1].startswith(f"chapterwise: {scan}: ") and "text layer" in lines[1].lower()
    assert lines[1].endswith(" Run again with --ocr.") is (shutil.which("tesseract") is not None)
    assert "## Chapter 2\n" in out, "the readable file is still summarized"
    listed = _listed(capsys)
    assert len(listed) == 1 and listed[0].endswith("good"), "nothing is kept for the files that could not be read"


@pytest.mark.parametrize(
    ("setting", "expected"),
    [("CHAPTERWISE_MAX_PAGES=20", "20"), ("CHAPTERWISE_PARSE_TIMEOUT=0.001", "CHAPTERWISE_PARSE_TIMEOUT")],
)
def test_a_file_over_a_limit_exits_3_naming_the_limit(
    corpus: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, setting: str, expected: str
) -> None:
    monkeypatch.setenv(*setting.split("="))
    pdf = corpus / "pdf" / "i1040nr.pdf"  # 50 pages
    code, out, err = run(capsys, "summarize", str(pdf), "--no-wait")
    assert code == EXIT_INPUT
    assert err.startswith(f"chapterwise: {pdf}: ") and expected in err
    assert out == "" and _listed(capsys) == []
