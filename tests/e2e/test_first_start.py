"""The window's first start after an upgrade: the old one-folder layout moves to the XDG folders, and the log file
records it. A real ``python -m desktop_app`` process, offscreen, with its XDG folders under the test's tmp_path."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_window_moves_an_old_install_and_writes_its_log(tmp_path: Path) -> None:
    home = tmp_path / "home"
    xdg = {
        "XDG_CONFIG_HOME": home / ".config",
        "XDG_DATA_HOME": home / ".local/share",
        "XDG_CACHE_HOME": home / ".cache",
        "XDG_STATE_HOME": home / ".local/state",
    }
    old = xdg["XDG_DATA_HOME"] / "chapterwise"
    (old / "cache" / "summaries" / "00").mkdir(parents=True)
    (old / "settings.json").write_text('{"summary_sentences": 4}', encoding="utf-8")
    (old / "recent.json").write_text("[]", encoding="utf-8")
    (old / "cache" / "summaries" / "00" / "ab.val").write_bytes(b"a summary")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHAPTERWISE_")}
    env.update({k: str(v) for k, v in xdg.items()})
    env.update(
        {
            "HOME": str(home),
            "QT_QPA_PLATFORM": "offscreen",
            "PYTHONPATH": str(ROOT),
            "CHAPTERWISE_SUMMARY_PROCESSES": "0",
        }
    )

    window = subprocess.Popen(
        [sys.executable, "-m", "desktop_app"], env=env, cwd=tmp_path, stderr=subprocess.PIPE, text=True
    )
    try:
        assert window.stderr is not None
        seen = []
        for line in window.stderr:  # wait for the start-up line, however long the start takes
            seen.append(line)
            if "started; log file in" in line:
                break
        window.send_signal(signal.SIGTERM)  # as a logout would: the window closes gracefully
        seen.append(window.communicate(timeout=120)[1])  # keeps reading stderr, so the window never blocks on it
    finally:
        if window.poll() is None:
            window.kill()
    assert window.returncode == 0, "".join(seen)

    config = xdg["XDG_CONFIG_HOME"] / "chapterwise"
    assert (config / "settings.json").read_text(encoding="utf-8") == '{"summary_sentences": 4}'
    assert (config / "recent.json").is_file()
    assert (xdg["XDG_CACHE_HOME"] / "chapterwise" / "summaries" / "00" / "ab.val").read_bytes() == b"a summary"
    assert not (old / "settings.json").exists()
    [log_file] = (xdg["XDG_STATE_HOME"] / "chapterwise").rglob("chapterwise.log")
    text = log_file.read_text(encoding="utf-8")
    assert f"Moved {old / 'settings.json'} to {config / 'settings.json'}" in text
    assert "started; log file in" in text
