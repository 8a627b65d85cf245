"""The command line as a user and a script meet it: output, messages and exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from desktop_app.cli import EXIT_DATABASE, EXIT_INPUT, EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, main
from tests.engine.pipeline_helpers import write_markdown


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["-q", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_summarize_json_then_list_show_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = write_markdown(tmp_path / "book.md", 12)
    code, out, err = run(capsys, "summarize", str(book), "--format", "json")
    assert code == EXIT_OK, err
    data = json.loads(out)
    assert data["document"]["status"] == "done"
    assert [c["index"] for c in data["chapters"]] == list(range(12))
    assert [c["title"] for c in data["chapters"]][:2] == ["Chapter 1", "Chapter 2"]
    for chapter in data["chapters"]:
        assert set(chapter) >= {"index", "title", "status", "summary", "preview"}
        assert chapter["status"] == "done" and chapter["summary"] and chapter["preview"]
    doc_id = data["document"]["id"]

    code, out, _ = run(capsys, "list")
    assert code == EXIT_OK and doc_id[:8] in out and "done" in out
    code, out, _ = run(capsys, "show", doc_id[:8], "--json")
    assert code == EXIT_OK and json.loads(out)["id"] == doc_id
    target = tmp_path / "out" / "book.md"
    code, _, _ = run(capsys, "export", doc_id, "--format", "md", "--output", str(target))
    assert code == EXIT_OK
    markdown = target.read_text(encoding="utf-8")
    assert markdown.startswith("# ") and "## Chapter 12\n" in markdown
    code, out, _ = run(capsys, "status", "--json")
    status = json.loads(out)
    assert code == EXIT_OK
    assert {
        "async_enabled",
        "summary_queue_size",
        "write_queue_size",
        "summary_queue_maxsize",
        "write_queue_maxsize",
        "documents_in_progress",
    } <= set(status)


def test_markdown_output_to_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = write_markdown(tmp_path / "b.md", 3)
    code, out, _ = run(capsys, "summarize", str(book), "--output", str(tmp_path / "r.md"))
    assert code == EXIT_OK and out == ""
    assert "## Chapter 3\n" in (tmp_path / "r.md").read_text(encoding="utf-8")


def test_a_one_chapter_document_s_summary_is_printed_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    note = tmp_path / "note.md"
    sentence = "The committee approved the new budget for the river bridge after a long debate."
    note.write_text(f"# Minutes\n\n{sentence}\n", encoding="utf-8")
    code, out, _ = run(capsys, "summarize", str(note))
    assert code == EXIT_OK
    assert "## Summary" not in out and out.count(sentence) == 1
    assert "## Minutes\n" in out, "the only chapter is not numbered"
    code, out, _ = run(capsys, "summarize", str(write_markdown(tmp_path / "book.md", 2)))
    assert code == EXIT_OK and "## Summary" in out


def test_no_wait_queues_and_resume_finishes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = write_markdown(tmp_path / "later.md", 20)
    code, out, _ = run(capsys, "summarize", str(book), "--no-wait")
    assert code == EXIT_OK and "20 chapters queued" in out
    code, out, _ = run(capsys, "resume")
    assert code == EXIT_OK and "\tdone\t20/20\t" in out


def test_bad_files_exit_3_and_the_others_still_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write_markdown(tmp_path / "good.md", 2)
    (tmp_path / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    code, out, err = run(capsys, "summarize", str(tmp_path / "missing.pdf"), str(tmp_path / "photo.png"), str(good))
    assert code == EXIT_INPUT
    assert "missing.pdf" in err and "no file" in err.lower()
    assert "photo.png" in err
    assert "## Chapter 2\n" in out, "the readable file is still summarized"


def test_invalid_setting_exits_2_naming_it(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SUMMARY_MAX_WORKERS", "0")
    code, _, err = run(capsys, "list")
    assert code == EXIT_USAGE and "SUMMARY_MAX_WORKERS" in err


@pytest.mark.parametrize("argv", [["summarize", ""], ["summarize", "  "], ["--data-dir", "", "list"]])
def test_an_empty_path_is_a_usage_error_and_the_working_folder_is_left_alone(
    argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Path("") is the current folder: a script's unset variable must not summarize what is there, or keep data there.
    work = tmp_path / "work"
    work.mkdir()
    write_markdown(work / "notes.md", 2)
    monkeypatch.chdir(work)
    with pytest.raises(SystemExit) as exited:
        main(["-q", *argv])
    _, err = capsys.readouterr()
    assert exited.value.code == EXIT_USAGE and "an empty path" in err
    assert sorted(p.name for p in work.iterdir()) == ["notes.md"], "nothing was made in the working folder"
    code, out, _ = run(capsys, "list")
    assert code == EXIT_OK and "notes" not in out


def test_unknown_document_exits_5(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "show", "nope-nope")
    assert code == EXIT_NOT_FOUND and "no document 'nope-nope': no document id starts with it" in err
    code, _, err = run(capsys, "show", "abc")
    assert code == EXIT_NOT_FOUND and "an id prefix needs at least 4 characters" in err


def test_help_names_every_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    from desktop_app.cli import common

    codes = {value for name, value in vars(common).items() if name.startswith("EXIT_")}
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    helped = " ".join(capsys.readouterr().out.split())
    listed = helped.split("Exit codes:", 1)[1]
    assert {int(code) for code in re.findall(r"(\d+) [a-z]", listed)} == codes


def test_every_command_s_every_argument_is_explained() -> None:
    import argparse

    from desktop_app.cli import build_parser

    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    unexplained = [
        f"{name} {action.dest}"
        for name, command in [("chapterwise", parser), *commands.choices.items()]
        for action in command._actions
        if not isinstance(action, argparse._SubParsersAction) and not action.help
    ]
    assert not unexplained, f"arguments without a help text: {unexplained}"


def test_unreachable_database_exits_4(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--database", "postgresql://nobody@127.0.0.1:1/x?connect_timeout=2", "list")
    assert code == EXIT_DATABASE and "Cannot open the database" in err


@pytest.mark.corpus
def test_geotopo_book_gets_a_summary_per_outline_chapter(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from pypdf import PdfReader

    pdf = corpus / "pdf" / "GeoTopo-komprimiert.pdf"
    code, out, err = run(capsys, "summarize", str(pdf), "--format", "md")
    assert code == EXIT_OK, err
    headings = [line for line in out.splitlines() if line.startswith("## ") and line != "## Summary"]
    outline = [item.title for item in PdfReader(pdf).outline if not isinstance(item, list)]
    # The author numbered the chapters: those numbers are the headings' only ones ("## Vorwort", "## 1 Topologische…").
    chapter_titles = [h[3:] if h[3:] in outline else h[3:].split(". ", 1)[-1] for h in headings]
    assert not any(re.match(r"\d+\. \d", t) for t in (h[3:] for h in headings)), "no heading is numbered twice"
    # Every chapter of the book's outline is there, in order, each followed by its summary.
    numbered = [t for t in outline if t[:1].isdigit()]
    assert numbered and all(t in chapter_titles for t in numbered)
    sections = out.split("\n## ")[2:]
    assert all(len(section.split("\n\n", 1)[1].strip()) > 40 for section in sections)


@pytest.mark.corpus
def test_a_contract_s_headings_keep_the_author_s_numbers_only(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A "Front matter" before "1. ESTABLISHMENT…" is not numbered "1." too: no number stands twice."""
    contract = corpus / "contracts" / "txt" / "LIMEENERGYCO_09_09_1999-EX-10-DISTRIBUTOR AGREEMENT.txt"
    code, out, err = run(capsys, "summarize", str(contract), "--format", "md")
    assert code == EXIT_OK, err
    headings = [line[3:] for line in out.splitlines() if line.startswith("## ")]
    assert "Front matter" in headings and "1. ESTABLISHMENT OF DISTRIBUTORSHIP" in headings
    numbers = [h.split(" ", 1)[0] for h in headings if h[:1].isdigit()]
    assert len(numbers) == len(set(numbers)) >= 7


def test_cache_stats_and_clear(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = write_markdown(tmp_path / "cached.md", 4)
    assert run(capsys, "summarize", str(book))[0] == EXIT_OK
    code, out, _ = run(capsys, "cache", "stats", "--json")
    assert code == EXIT_OK and json.loads(out)["entries"] >= 4
    code, out, _ = run(capsys, "cache", "clear", "--json")
    assert code == EXIT_OK and json.loads(out)["removed"] >= 4
    assert json.loads(run(capsys, "cache", "stats", "--json")[1])["entries"] == 0
