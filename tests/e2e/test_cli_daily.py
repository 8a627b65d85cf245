"""The command line as a daily tool: folders, text files without a suffix, options anywhere, human output."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from desktop_app.cli import EXIT_INPUT, EXIT_OK, main
from desktop_app.cli.common import _Progress, error, say
from desktop_app.config import Settings
from desktop_app.engine.service import Engine
from tests.engine.pipeline_helpers import write_markdown


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _titles(capsys: pytest.CaptureFixture[str]) -> list[str]:
    code, out, _ = run(capsys, "list", "--json")
    assert code == EXIT_OK
    return sorted(d["file_name"] for d in json.loads(out))


# --- what summarize reads


def test_a_folder_gives_its_documents_and_recursive_its_subfolders(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "docx"
    (folder / "deeper").mkdir(parents=True)
    write_markdown(folder / "a.md", 2)
    write_markdown(folder / "b.md", 2, seed=2)
    (folder / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    (folder / ".hidden.md").write_text("# Not a document\n\nHidden.\n", encoding="utf-8")
    write_markdown(folder / "deeper" / "c.md", 2, seed=3)
    code, _, err = run(capsys, "-q", "summarize", str(folder), "--format", "json")
    assert code == EXIT_OK, err
    assert _titles(capsys) == ["a.md", "b.md"], "the folder's own documents; not the image, the hidden file or deeper"
    code, _, err = run(capsys, "summarize", str(folder), "--recursive", "--no-wait")
    assert code == EXIT_OK, err
    assert err.startswith("Skipped 2 items in the folders: hidden, or not a document.\n")  # the image, .hidden.md
    assert "c.md" in _titles(capsys)


def test_a_folder_without_documents_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty"
    (empty / "only").mkdir(parents=True)
    write_markdown(empty / "only" / "inside.md", 1)
    code, _, err = run(capsys, "-q", "summarize", str(empty))
    assert code == EXIT_INPUT
    assert (
        err == f"chapterwise: {empty}: no PDF, EPUB, DOCX, Markdown or text file directly in this folder "
        "(add --recursive to read its subfolders)\n"
    )


def test_a_text_file_without_a_suffix_is_read_by_its_content(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = tmp_path / "notes"
    notes.write_text(
        "Meeting notes.\n\nThe budget was approved. The launch moves to May. Everyone agreed.\n", encoding="utf-8"
    )
    binary = tmp_path / "blob"
    binary.write_bytes(bytes(range(256)) * 8)
    code, out, err = run(capsys, "-q", "summarize", str(notes), str(binary), "--format", "json")
    assert code == EXIT_INPUT
    data = json.loads(out)
    assert data["document"]["file_name"] == "notes" and data["document"]["title"] == "notes"
    assert data["document"]["status"] == "done" and "budget" in data["chapters"][0]["summary"]
    assert err.startswith(f"chapterwise: {binary}: ") and "without a suffix" in err
    assert "chapterwise-" not in err, "the message names the user's file, not a temporary copy"


# --- messages and options


def test_errors_are_single_lines_even_under_the_progress_bars(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'p.db'}", data_dir=tmp_path, cache_enabled=False)
    screen = io.StringIO()
    from rich.console import Console

    engine = Engine(settings)
    progress = _Progress(
        enabled=True, engine=engine, console=Console(file=screen, force_terminal=True, width=100, color_system=None)
    )
    try:
        progress.start()
        error(f"{tmp_path / 'missing.pdf'}: no such file")
        say("That password does not open the file.")
    finally:
        progress.stop()
        engine.stop()
    plain = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", screen.getvalue())
    lines = [line.strip() for line in plain.replace("\r", "\n").split("\n")]
    assert [line for line in lines if line][:2] == [
        f"chapterwise: {tmp_path / 'missing.pdf'}: no such file",
        "That password does not open the file.",
    ]
    assert "\n\n" not in plain


def test_errors_without_progress_bars_have_no_blank_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write_markdown(tmp_path / "good.md", 1)
    code, _, err = run(capsys, "summarize", str(tmp_path / "missing.pdf"), str(good), "-o", str(tmp_path / "o.md"))
    assert code == EXIT_INPUT
    assert "\n\n" not in err and err.startswith(f"chapterwise: {tmp_path / 'missing.pdf'}: ")


def test_global_options_work_after_the_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = write_markdown(tmp_path / "b.md", 2)
    data = tmp_path / "elsewhere"
    code, out, err = run(capsys, "summarize", str(book), "--no-wait", "-q", "--data-dir", str(data))
    assert code == EXIT_OK, err
    doc_id = out.split("\t", 1)[0]
    assert (data / "chapterwise.db").exists(), "--data-dir after the command is obeyed"
    code, out, err = run(capsys, "refocus", doc_id, "payment terms", "--no-wait", "-q", "--data-dir", str(data))
    assert code == EXIT_OK, err
    assert out.startswith("2 chapters queued with the new focus")
    # Before the command still works, and an option after it does not undo one given before.
    code, out, _ = run(capsys, "--data-dir", str(data), "list", "-q")
    assert code == EXIT_OK and doc_id[:8] in out


# --- human output, --json for machines


def test_status_list_and_inspect_speak_to_a_person(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = write_markdown(tmp_path / "one.md", 1)
    assert run(capsys, "-q", "summarize", str(book))[0] == EXIT_OK

    code, out, _ = run(capsys, "status")
    assert code == EXIT_OK
    assert "async_enabled" not in out and "True" not in out and "_" not in out.split("\n")[0]
    assert out.startswith("Mode") and "Backlog          0 chapters waiting" in out
    assert "Chapters         1 done" in out and "In progress      no documents" in out
    code, out, _ = run(capsys, "status", "--json")
    assert json.loads(out)["async_enabled"] is True

    code, out, _ = run(capsys, "list")
    header, row = out.splitlines()
    assert header.split() == ["ID", "STATUS", "DONE", "PRIORITY", "TYPE", "TITLE"]
    assert "1/1" in row

    code, out, err = run(capsys, "inspect", "stats")
    assert code == EXIT_OK and out == "", "no empty table header when no engine runs"
    assert err == "No engine is running on this database (start the window or `chapterwise serve`).\n"
    code, out, _ = run(capsys, "inspect", "stats", "--json")
    assert json.loads(out)["instances"] == []


def test_status_shows_what_the_llm_server_said_of_itself(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Context and slots as the server reports them (llama.cpp's /props and /slots), and a clear line when down."""
    from chapterwise_testing.llmsim import LLMSimulator

    monkeypatch.setenv("CHAPTERWISE_DATA_DIR", str(tmp_path / "data"))
    with LLMSimulator(slots=3, n_ctx=4096, chat_template=False) as sim:
        monkeypatch.setenv("CHAPTERWISE_ENDPOINTS", sim.url)
        code, out, err = run(capsys, "status", "--backend", "openai", "--model", "llama3.2:latest")
        assert code == EXIT_OK, err
        line = next(line for line in out.splitlines() if line.startswith("Server"))
        assert f"{sim.url}/v1: up, context 4,096 tokens, 3 parallel slots" in line
        assert "model llama3.2:latest.gguf, no chat template (completion mode)" in line
        code, out, _ = run(capsys, "status", "--json", "--backend", "openai", "--model", "llama3.2:latest")
        (server,) = json.loads(out)["servers"]
        assert server["capacity"]["n_ctx"] == 4096 and server["capacity"]["slots"] == 3
    monkeypatch.setenv("CHAPTERWISE_ENDPOINTS", "http://127.0.0.1:9")
    code, out, _ = run(capsys, "status", "--backend", "openai", "--model", "llama3.2:latest")
    assert code == EXIT_OK
    assert "Server           http://127.0.0.1:9/v1: down. Nothing answers at http://127.0.0.1:9/v1." in out
    code, out, _ = run(capsys, "status")  # the built-in summarizer has no server to ask
    assert "Server" not in out


def test_the_last_progress_picture_is_what_the_database_holds(tmp_path: Path) -> None:
    """At Ctrl-C (or any stop) the bars show the chapters really done, not the last event that arrived."""
    from rich.console import Console

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'p.db'}", data_dir=tmp_path, cache_enabled=False)
    watcher = Engine(settings)  # this terminal's engine: it sees no event of the one doing the work
    worker = Engine(settings).start()
    progress = _Progress(
        enabled=True,
        engine=watcher,
        console=Console(file=io.StringIO(), force_terminal=True, width=100, color_system=None),
    )
    try:
        doc = watcher.add_file(write_markdown(tmp_path / "twelve.md", 12))
        progress.start()
        progress.track(doc.id, doc.title, doc.chapter_count)
        assert progress.completed() == {doc.id: 0}
        worker.wait(doc.id, timeout=60)
    finally:
        progress.stop()
        worker.stop()
        watcher.stop()
    assert progress.completed() == {doc.id: 12}


# --- resume


def test_resume_uses_the_backend_a_document_started_with(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from chapterwise_testing.llmsim import LLMSimulator

    book = write_markdown(tmp_path / "later.md", 3)
    with LLMSimulator(latency=0.0) as sim:
        monkeypatch.setenv("CHAPTERWISE_ENDPOINTS", sim.url)
        monkeypatch.setenv("SKIP_PIPELINE_INIT", "true")  # queued only, as if the machine went off at once
        code, out, err = run(
            capsys, "summarize", str(book), "--no-wait", "-q", "--backend", "ollama", "--model", "llama3.2:latest"
        )
        assert code == EXIT_OK, err
        doc_id = out.split("\t", 1)[0]
        monkeypatch.delenv("SKIP_PIPELINE_INIT")
        code, out, _ = run(capsys, "show", doc_id, "--json")
        assert {c["status"] for c in json.loads(out)["chapters"]} == {"pending"}
        code, out, err = run(capsys, "resume", "-q")  # no --backend: the configured one is extractive
        assert code == EXIT_OK, err
        assert "Resuming with ollama/llama3.2:latest, the backend these documents started with" in err
        assert sim.served >= 3, "the chapters went to the model the document started with"
    code, out, _ = run(capsys, "show", doc_id, "--json")
    chapters = json.loads(out)["chapters"]
    assert {c["summarized_by"]["backend"] for c in chapters} == {"ollama"}


def test_resume_reads_again_an_upload_whose_reading_stopped_with_the_app(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading
    from collections.abc import Iterator

    from desktop_app.engine import uploads
    from desktop_app.engine.ingest.base import ParseCancelledError
    from desktop_app.engine.ingest.limits import IngestLimits
    from desktop_app.engine.ingest.stream import ParseItem

    def stopped(
        path: Path, *, password: str | None, limits: IngestLimits, cancel: threading.Event | None = None
    ) -> Iterator[ParseItem]:
        assert cancel is not None and cancel.wait(60)
        raise ParseCancelledError(str(path))
        yield

    real_parse = uploads.parse_file
    monkeypatch.setattr(uploads, "parse_file", stopped)
    with Engine(Settings()) as engine:  # the window, closed while the file was read
        doc_id = engine.add_file(write_markdown(tmp_path / "big.md", 4), background=True).id
    monkeypatch.setattr(uploads, "parse_file", real_parse)
    code, out, err = run(capsys, "resume", "-q")
    assert code == EXIT_OK, err
    assert out.startswith(f"{doc_id}\tdone\t4/4\t"), out


def test_resume_takes_the_backend_it_is_told(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    book = write_markdown(tmp_path / "later.md", 2)
    monkeypatch.setenv("SKIP_PIPELINE_INIT", "true")
    code, out, err = run(
        capsys, "summarize", str(book), "--no-wait", "-q", "--backend", "ollama", "--model", "llama3.2:latest"
    )
    assert code == EXIT_OK, err
    monkeypatch.delenv("SKIP_PIPELINE_INIT")
    code, out, err = run(capsys, "resume", "-q", "--backend", "extractive")
    assert code == EXIT_OK, err
    assert "Resuming with" not in err and "\tdone\t2/2\t" in out
