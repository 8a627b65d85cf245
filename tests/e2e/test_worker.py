"""``chapterwise worker``: a headless process that works the backlog others add to, and stops on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from desktop_app.config import Settings
from desktop_app.engine.service import Engine
from tests.engine.pipeline_helpers import make_document

ROOT = Path(__file__).resolve().parents[2]


def test_a_worker_process_summarizes_what_another_instance_added(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    settings = Settings(database_url=url, data_dir=tmp_path / "adder", skip_pipeline_init=True, cache_enabled=False)
    adder = Engine(settings)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "CHAPTERWISE_DATA_DIR": str(tmp_path / "worker"),
        "CHAPTERWISE_CACHE_ENABLED": "false",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "desktop_app.cli", "worker", "--db", url],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        doc = adder.add_parsed(make_document(25, sentences=3), file_name="shared.txt")
        final = adder.wait(doc.id, timeout=120)
    finally:
        worker.send_signal(signal.SIGTERM)
        out, err = worker.communicate(timeout=60)
        adder.stop()
    assert final.status == "done" and final.done == 25, err
    assert worker.returncode == 0, err
    assert "working the backlog" in out
    assert "on SQLite it only works this machine's database" in err, "a worker says PostgreSQL is what shares"
    assert "Stopped" in err
