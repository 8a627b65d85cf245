"""The rotating log file: written by the entry points, rotated, replaced rather than duplicated."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from logging.handlers import RotatingFileHandler
from pathlib import Path

import pytest

from desktop_app import cli, logfile
from desktop_app.logfile import ChapterwiseLogFile, install_log_file


@pytest.fixture(autouse=True)
def _restore_root() -> Iterator[None]:
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
        handler.close()
    root.setLevel(level)


def _ours() -> list[logging.Handler]:
    return [h for h in logging.getLogger().handlers if isinstance(h, ChapterwiseLogFile)]


def test_records_reach_the_file_and_a_second_install_replaces_the_first(tmp_path: Path) -> None:
    first = install_log_file(tmp_path / "one")
    second = install_log_file(tmp_path / "two")
    logging.getLogger("desktop_app.test").info("hello %s", "file")
    for handler in _ours():
        handler.flush()

    assert first == tmp_path / "one" / "chapterwise.log"
    assert len(_ours()) == 1
    assert second is not None and "hello file" in second.read_text(encoding="utf-8")
    assert "hello file" not in first.read_text(encoding="utf-8")


def test_the_file_rotates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logfile, "MAX_BYTES", 2_000)
    path = install_log_file(tmp_path)
    assert path is not None
    handler = _ours()[0]
    assert isinstance(handler, RotatingFileHandler) and handler.backupCount == logfile.BACKUPS
    for i in range(200):
        logging.getLogger("desktop_app.test").warning("line %d of a long run", i)
    handler.flush()
    assert (tmp_path / "chapterwise.log.1").is_file()
    assert path.stat().st_size <= 2_000
    assert not (tmp_path / f"chapterwise.log.{logfile.BACKUPS + 1}").exists()


def test_an_unwritable_folder_is_a_warning_not_a_failure(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    assert install_log_file(blocker / "logs") is None
    assert "No log file: cannot write to" in caplog.text


def test_the_command_line_writes_the_log_file(isolated_data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["list", "--json"])
    for handler in _ours():
        handler.flush()
    log_file = isolated_data_dir / "logs" / "chapterwise.log"
    assert code == 0
    assert log_file.is_file()
    assert "INFO" in log_file.read_text(encoding="utf-8")  # the console shows warnings only; the file more
    assert "INFO" not in capsys.readouterr().err
