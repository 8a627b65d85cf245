"""A run killed with SIGKILL mid-document, started again, finishes every chapter exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.engine.pipeline_helpers import write_markdown

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")


def _cli(data_dir: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "desktop_app.cli", "-q", "--data-dir", str(data_dir), *args]


def test_sigkill_mid_document_then_resume(tmp_path: Path) -> None:
    book = write_markdown(tmp_path / "book.md", 1500, sentences=14)
    data = tmp_path / "data"
    db = create_engine(f"sqlite:///{data / 'chapterwise.db'}")
    proc = subprocess.Popen(
        _cli(data, "summarize", str(book), "--format", "json"), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    done = 0
    tick = threading.Event()
    try:
        for _ in range(1200):  # up to 60 s
            if proc.poll() is not None:
                break
            if (data / "chapterwise.db").exists():
                try:
                    with db.connect() as conn:
                        done = conn.execute(text("SELECT count(*) FROM chapters WHERE status='done'")).scalar() or 0
                except Exception:
                    done = 0  # schema not created yet
            if done >= 100:
                break
            tick.wait(0.05)
        assert proc.poll() is None, (
            f"the run ended before it could be killed: {proc.stderr.read() if proc.stderr else ''}"
        )
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    with db.connect() as conn:
        before = {
            r[0]: (r[1], r[2])
            for r in conn.execute(text("SELECT id, summary, updated_at FROM chapters WHERE status='done'"))
        }
        in_flight = conn.execute(text("SELECT count(*) FROM chapters WHERE status='processing'")).scalar()
    assert 100 <= len(before) < 1500
    assert in_flight, "the kill left claimed chapters behind"

    result = subprocess.run(_cli(data, "resume"), check=False, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr

    with db.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT id, idx, status, attempts, summary, updated_at FROM "
                '(SELECT id, "index" AS idx, status, attempts, summary, updated_at FROM chapters)'
            )
        ).all()
        doc_status = conn.execute(text("SELECT status FROM documents")).scalars().all()
    db.dispose()
    assert len(rows) == 1500 and sorted(r.idx for r in rows) == list(range(1500)), "no chapter lost or duplicated"
    assert all(r.status == "done" for r in rows)
    assert all(r.attempts == 1 for r in rows), "every chapter's result was committed exactly once"
    for row in rows:
        if row.id in before:
            assert (row.summary, row.updated_at) == before[row.id], "a committed chapter was not redone"
    assert doc_status == ["done"]


#: A process that takes an upload in the background and is killed while the file is being read. Its two lines
#: come from two threads, so each is one write of its own (``print`` writes the text and its newline apart, and two
#: threads' prints can interleave into "readingabc…" and a bare newline).
_READING_THEN_KILLED = """
import os, sys, threading
from pathlib import Path
from desktop_app.config import Settings
from desktop_app.engine import uploads
from desktop_app.engine.service import Engine

def reading(path, *, password, limits, cancel=None):
    os.write(1, b"reading\\n")
    threading.Event().wait()  # the file is still being read when the process is killed
    yield

uploads.parse_file = reading
data = Path(sys.argv[1])
engine = Engine(Settings(data_dir=data, database_url=f"sqlite:///{data / 'chapterwise.db'}")).start()
os.write(1, (engine.add_file(Path(sys.argv[2]), background=True).id + "\\n").encode())
threading.Event().wait()
"""


def test_sigkill_while_a_file_is_read_then_the_next_start_reads_it_again(tmp_path: Path) -> None:
    from desktop_app.config import Settings
    from desktop_app.engine.service import Engine

    book = write_markdown(tmp_path / "book.md", 40)
    data = tmp_path / "data"
    proc = subprocess.Popen(
        [sys.executable, "-c", _READING_THEN_KILLED, str(data), str(book)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline().strip() for _ in range(2)]
        if "reading" not in lines:
            proc.kill()  # before its error output is read, which would wait for the process otherwise
            pytest.fail(f"the upload was not being read: {lines!r} {proc.communicate()[1]}")
        doc_id = next(line for line in lines if line != "reading")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    book.unlink()  # the engine reads its own copy of the upload
    with Engine(Settings(data_dir=data, database_url=f"sqlite:///{data / 'chapterwise.db'}")) as engine:
        view = engine.wait(doc_id, timeout=120)
    assert view.status == "done" and view.chapter_count == 40
    assert [c.index for c in view.chapters] == list(range(40)), "no chapter lost or duplicated"
    assert not (data / "parsing" / doc_id).exists()
