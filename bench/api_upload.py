"""How long ``POST /api/upload`` takes to answer for a big PDF: the file sent over localhost and saved, the
document row written, the parse left to the background (the API's default).

    PYTHONPATH=. .venv/bin/python bench/api_upload.py               # 2,000 pages, background and parse-first
    PYTHONPATH=. .venv/bin/python bench/api_upload.py --pages 500

``bench/suite.py --only upload`` reports the background answer beside the engine's own.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.pipeline import generated_pdf
from desktop_app.config import Settings
from desktop_app.engine.events import DocumentAdded, Event
from desktop_app.engine.memory import settle_memory
from desktop_app.engine.service import Engine


def api_upload_ms(folder: Path, pdf: Path, *, background: bool = True, finish: bool = True) -> float:
    """ms from posting ``pdf`` to ``POST /api/upload`` to its answer, on a server that has answered one small
    upload before; the summaries are not waited for. ``finish``: wait for the parse to end before the engine
    stops; otherwise the document is removed after the answer, which ends its parse."""
    import httpx

    from desktop_app.api.server import ApiServer

    settings = Settings(data_dir=folder, database_url=f"sqlite:///{folder / 'db.sqlite'}", cache_enabled=False)
    added: set[str] = set()
    changed = threading.Condition()

    def on_event(event: Event) -> None:
        if isinstance(event, DocumentAdded):
            with changed:
                added.add(event.document_id)
                changed.notify_all()

    with Engine(settings) as engine:
        settle_memory()  # as `chapterwise serve` does once the engine is up
        engine.bus.subscribe(on_event)
        server = ApiServer(engine, settings, port=0)
        server.start()
        try:
            auth = {"Authorization": f"Bearer {server.token}"}
            with httpx.Client(base_url=server.url, headers=auth, timeout=300) as client:
                body = pdf.read_bytes()
                # A running server has answered before: the first request's one-time costs are not the upload's.
                client.post("/api/upload", files={"file": ("warm-up.md", b"# Warm-up\n\nA line.\n")}).raise_for_status()
                started = time.perf_counter()
                form = {"background": "true" if background else "false"}
                response = client.post("/api/upload", files={"file": (pdf.name, body)}, data=form)
                answered = time.perf_counter() - started
                doc_id = response.raise_for_status().json()["document_id"]
            if finish:
                with changed:  # the parse ends before the engine stops
                    changed.wait_for(lambda: doc_id in added, 300)
            else:
                engine.remove(doc_id)
        finally:
            server.stop()
    return answered * 1000.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="chapterwise-bench-") as scratch:
        root = Path(scratch)
        pdf = root / "book.pdf"
        generated_pdf(pdf, pages=args.pages)
        rows = []
        for background in (True, False):
            folder = root / ("background" if background else "parse-first")
            folder.mkdir()
            name = "background (default)" if background else "background=false"
            rows.append((name, api_upload_ms(folder, pdf, background=background)))
        size = pdf.stat().st_size / 1e6
    print(f"POST /api/upload, {args.pages:,}-page PDF ({size:.1f} MB over localhost)")
    print(f"{'upload':<24} {'answer ms':>10}")
    for name, ms in rows:
        print(f"{name:<24} {ms:>10.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
