"""Render the Chapterwise window mid-run on real documents to a PNG (offscreen; no display needed).

    .venv/bin/python scripts/screenshot.py [--out docs/screenshot.png] [--theme light|dark]

The window runs its real engine against the LLM simulator of the test tools (``chapterwise_testing.llmsim``, which
speaks Ollama's protocol with a configurable latency), so the gauges and the latency chart show a live
pipeline. Documents: a contract from the shared corpus (clause flags), the "Geometrie und Topologie"
PDF and "Alice's Adventures in Wonderland" (EPUB) when ``../shared/corpus`` is present, else
generated Markdown books; the last one is read with a focus. The data directory is a temporary one;
nothing of the user's is touched.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
sys.path.insert(0, str(ROOT))


def documents(tmp: Path) -> list[tuple[Path, str]]:
    """(path, priority) in the order they are added; the last one is shown."""
    alice = CORPUS / "epub" / "alice.epub"
    geotopo = CORPUS / "pdf" / "GeoTopo-komprimiert.pdf"
    contract = CORPUS / "contracts" / "txt" / "MPLXLP_06_17_2015-EX-10.1-TRANSPORTATION SERVICES AGREEMENT.txt"
    if alice.is_file() and geotopo.is_file() and contract.is_file():
        return [(alice, "normal"), (geotopo, "low"), (contract, "high")]
    from tests.engine.pipeline_helpers import write_markdown

    return [
        (write_markdown(tmp / f"book-{i}.md", n, seed=i), p)
        for i, (n, p) in enumerate(((10, "normal"), (40, "low"), (24, "high")))
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshot.png")
    parser.add_argument("--theme", choices=("light", "dark"), default="light")
    parser.add_argument("--latency", type=float, default=0.9, help="simulated model latency, seconds")
    parser.add_argument(
        "--grounded", action="store_true", help="show a summary sentence's source passage highlighted in the text"
    )
    args = parser.parse_args(argv)

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    tmp = Path(tempfile.mkdtemp(prefix="chapterwise-shot-"))
    os.environ["CHAPTERWISE_DATA_DIR"] = str(tmp / "data")

    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication

    from chapterwise_testing.llmsim.server import LLMSimulator
    from desktop_app.config import Settings
    from desktop_app.ui.compat import binding_problem
    from desktop_app.ui.main_window import MainWindow
    from desktop_app.ui.theme import apply_theme

    problem = binding_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 1
    app = QApplication([sys.argv[0], "-platform", os.environ["QT_QPA_PLATFORM"]])
    app.setApplicationName("Chapterwise")
    apply_theme(app, args.theme)
    sim = LLMSimulator(latency=args.latency, tokens_per_second=180.0, slots=6).start()
    settings = Settings(
        data_dir=tmp / "data",
        backend="ollama",
        model="llama3.2",
        endpoints=[sim.url],
        summary_max_workers=4,
        fallback_to_extractive=False,
    )
    window = MainWindow(settings, restore_geometry=False)
    window.prompts.show_dialogs = False
    window.resize(1440, 900)
    window.show()

    def pump(seconds: float, until=lambda: False) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end and not until():
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)

    docs = documents(tmp)
    ids: list[str] = []
    window.document_opened.connect(ids.append)
    for i, (path, priority) in enumerate(docs):
        if i == len(docs) - 1:  # the contract, read with a focus (it stays in the tool bar's field)
            window.focus_field.set_focus("payment terms and penalties")
        window.open_files([path])
        pump(60, lambda n=i: len(ids) > n)
        if priority != "normal":
            window.controller.set_priority(ids[-1], priority)
        if i == 0:  # let the first document finish: the list shows a done one too
            pump(120, lambda: window.documents_model.get(ids[0]).status == "done")
    shown = ids[-1]
    window.documents_panel.select(shown)
    total = window.documents_model.get(shown).chapter_count
    # Mid-run: about half of the shown document done, and a minute of latency history in the chart.
    pump(
        90,
        lambda: (
            window.documents_model.get(shown).final_chapters >= max(2, total // 2)
            and len(window.pipeline_panel.history()) >= 20
        ),
    )
    model = window.chapters_model
    done = [r for r in range(model.rowCount()) if model.chapter(r).status == "done"]
    flagged = [r for r in done if model.chapter(r).clause_flags]
    if flagged or done:
        window.document_pane.select_row((flagged or done)[0])
    pump(0.6)
    if args.grounded:  # as a click on the first summary sentence does
        pane = window.document_pane
        row = pane.current_row()
        pump(10, lambda: row >= 0 and model.chapter(row).text is not None)
        if pane.show_source("span:0"):
            pane.tabs.setCurrentWidget(pane.text_view)
        pump(0.6)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    image = window.grab()
    image.save(str(args.out))
    counts = model.statuses()
    print(
        f"wrote {args.out} ({image.width()}x{image.height()}): {counts}, "
        f"{len(window.pipeline_panel.history())} latency points"
    )
    window.close()
    sim.stop()
    from desktop_app.ui.app import exit_code

    return exit_code(0)


if __name__ == "__main__":
    sys.exit(main())
