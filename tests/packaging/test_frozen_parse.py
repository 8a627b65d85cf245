"""In the bundle, documents are parsed in a child too: the app's own executable, started as the parse worker."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from desktop_app.engine.ingest import parse_document
from desktop_app.engine.ingest.base import ParsedChapter, ParsedDocument
from desktop_app.engine.ingest.limits import IngestLimits
from desktop_app.engine.ingest.sandbox import run_isolated
from tests.engine.pipeline_helpers import write_markdown

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the stand-in launcher is a shell script")


@pytest.fixture
def frozen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This interpreter dressed as a bundle: ``sys.frozen`` set, ``sys.executable`` a launcher of entry.py."""
    launcher = tmp_path / "chapterwise"
    launcher.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{ROOT / "packaging" / "entry.py"}" "$@"\n')
    launcher.chmod(0o755)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(launcher))
    return launcher


def who_parses(path: Path, password: str | None, limits: IngestLimits) -> ParsedDocument:
    """Child target: a document whose title says which process parsed it and with what arguments."""
    title = json.dumps([os.getpid(), sys.argv[1:], os.environ.get("CHAPTERWISE_PARSE_WORKER")])
    return ParsedDocument(title, "txt", [ParsedChapter("One", "The text.")])


def test_a_bundle_parses_in_its_own_executable_started_as_the_worker(frozen: Path, tmp_path: Path) -> None:
    source = tmp_path / "source.txt"
    source.write_text("anything")
    doc = run_isolated(f"{__name__}:who_parses", source, None, IngestLimits(timeout_s=60))
    pid, arguments, worker_env = json.loads(doc.title)
    assert pid != os.getpid(), "parsed in the app's own process"
    assert arguments == [] and worker_env is None  # the bare executable, made the worker by entry.py


def test_a_bundle_reads_a_real_document(frozen: Path, tmp_path: Path) -> None:
    doc = parse_document(write_markdown(tmp_path / "book.md", 5))
    assert len(doc.chapters) == 5
