"""UI fixtures: a main window over a real SQLite file, with the engine's loops in QThreads.

``make_window`` builds windows whose engine may use a test summarizer (``GatedSummarizer`` holds
chapters in flight until the test opens its gate). Every window is closed at teardown, gates first,
so no loop is left waiting on a gate when the pipeline stops.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from desktop_app.config import Settings
from desktop_app.engine.service import Engine
from desktop_app.engine.summarize.base import Summarizer
from desktop_app.ui.compat import binding_problem
from tests.engine.pipeline_helpers import GatedSummarizer

_PROBLEM = binding_problem()


@pytest.fixture(autouse=True)
def _usable_qt_binding() -> None:
    if _PROBLEM:
        pytest.skip(_PROBLEM)


@pytest.fixture
def ui_settings(tmp_path: Path, isolated_data_dir: Path) -> Settings:
    """Settings over a real SQLite file in the test's own data directory, cache off."""
    isolated_data_dir.mkdir(parents=True, exist_ok=True)
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'chapterwise.db'}",
        data_dir=isolated_data_dir,
        cache_enabled=False,
    )


WindowFactory = Callable[..., "MainWindow"]  # noqa: F821 - imported lazily below


@pytest.fixture
def make_window(qtbot, ui_settings: Settings) -> Iterator[WindowFactory]:
    from desktop_app.ui.main_window import MainWindow
    from desktop_app.ui.threads import qthread_spawn

    windows: list[MainWindow] = []
    gates: list[GatedSummarizer] = []

    def make(summarizer: Summarizer | None = None, settings: Settings | None = None) -> MainWindow:
        if isinstance(summarizer, GatedSummarizer):
            gates.append(summarizer)

        def engine_factory(s: Settings) -> Engine:
            return Engine(s, spawn=qthread_spawn, summarizer=summarizer)

        window = MainWindow(settings or ui_settings, engine_factory=engine_factory, restore_geometry=False)
        window.prompts.show_dialogs = False
        # Not qtbot.addWidget: pytest-qt would close the window before this fixture opens the gates.
        window.show()
        windows.append(window)
        return window

    yield make
    for gate in gates:
        gate.gate.set()
    for window in windows:
        window.close()
        assert window.shutdown_ok, "the pipeline did not stop within its timeout"


@pytest.fixture
def book(tmp_path: Path) -> Callable[..., Path]:
    """Writes a Markdown book with ``chapters`` chapters and returns its path."""
    from tests.engine.pipeline_helpers import write_markdown

    def write(chapters: int = 12, name: str = "book.md", seed: int = 7) -> Path:
        return write_markdown(tmp_path / name, chapters, seed=seed)

    return write


@pytest.fixture
def open_and_read(qtbot) -> Callable[..., str]:
    """Opens a file in a window and waits until it is read; returns the document's id.

    Read means its chapters are listed and its row is no longer "parsing". The row hears of the parse's end
    from an event of its own, sometimes just after the chapters are listed, and until then the document's
    actions (cancel, retry, refocus) are off.
    """

    def open_(window, path: Path) -> str:
        with qtbot.waitSignal(window.chapters_loaded, timeout=20_000) as loaded:
            window.open_files([path])
        doc_id = str(loaded.args[0])
        qtbot.waitUntil(lambda: window.documents_model.get(doc_id).status != "parsing", timeout=20_000)
        return doc_id

    return open_
