"""Where files go: the platform's folders, one folder with CHAPTERWISE_DATA_DIR, and the move from the old layout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_app import paths
from desktop_app.config import Settings, load_settings
from desktop_app.paths import AppPaths, app_paths, migrate_legacy_layout, one_folder


@pytest.fixture
def xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Platform folders under tmp_path (XDG variables), and no CHAPTERWISE_DATA_DIR."""
    monkeypatch.delenv("CHAPTERWISE_DATA_DIR", raising=False)
    home = tmp_path / "home"
    for var, sub in (
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_CACHE_HOME", ".cache"),
        ("XDG_STATE_HOME", ".local/state"),
    ):
        monkeypatch.setenv(var, str(home / sub))
    return home


def test_platform_folders_follow_xdg(xdg: Path) -> None:
    found = app_paths()
    assert not found.single_folder
    assert found.config == xdg / ".config" / "chapterwise"
    assert found.data == xdg / ".local/share" / "chapterwise"
    assert found.cache == xdg / ".cache" / "chapterwise"
    assert found.logs.is_relative_to(xdg / ".local/state" / "chapterwise")

    settings = load_settings()
    assert settings.settings_path == found.config / "settings.json"
    assert settings.resolved_cache_dir == found.cache
    assert settings.resolved_database_url == f"sqlite:///{found.data / 'chapterwise.db'}"
    assert settings.paths.logs == found.logs


def test_data_dir_puts_everything_in_one_folder(isolated_data_dir: Path) -> None:
    settings = load_settings()
    assert settings.paths == one_folder(isolated_data_dir)
    assert settings.settings_path == isolated_data_dir / "settings.json"
    assert settings.resolved_cache_dir == isolated_data_dir / "cache"
    assert settings.paths.log_file == isolated_data_dir / "logs" / "chapterwise.log"
    assert settings.paths.window_state_file == isolated_data_dir / "window.ini"


def test_settings_file_is_read_from_the_config_folder(xdg: Path) -> None:
    config = app_paths().settings_file
    config.parent.mkdir(parents=True)
    config.write_text(json.dumps({"summary_sentences": 7}), encoding="utf-8")
    assert load_settings().summary_sentences == 7


def test_saving_settings_keeps_the_platform_layout(xdg: Path) -> None:
    saved = load_settings().save({"summary_sentences": 9})
    assert app_paths().settings_file.is_file()
    assert saved.summary_sentences == 9
    assert not saved.paths.single_folder  # the default data_dir was not written back as a choice


def test_explicit_cache_and_log_folders_win(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "d", cache_dir=tmp_path / "c", log_dir=tmp_path / "l")
    assert settings.paths == AppPaths(
        config=tmp_path / "d", data=tmp_path / "d", cache=tmp_path / "c", logs=tmp_path / "l", single_folder=True
    )


def _old_install(data: Path) -> dict[str, bytes]:
    """Files as an older version left them: everything in the data folder."""
    files = {
        "settings.json": b'{"summary_sentences": 4}',
        "window.ini": b"[General]\ngeometry=@ByteArray(x)\n",
        "recent.json": b'["/tmp/a.pdf"]',
        "chapterwise.db": b"SQLite format 3\x00",
        "cache/summaries/cache.db": b"cache rows",
        "cache/summaries/00/ab.val": b"a summary",
    }
    for name, content in files.items():
        (data / name).parent.mkdir(parents=True, exist_ok=True)
        (data / name).write_bytes(content)
    return files


def test_first_start_moves_an_old_install_without_losing_anything(xdg: Path) -> None:
    layout = app_paths()
    files = _old_install(layout.data)

    moves = migrate_legacy_layout(layout)

    assert all(move.moved for move in moves)
    assert (layout.config / "settings.json").read_bytes() == files["settings.json"]
    assert (layout.config / "window.ini").read_bytes() == files["window.ini"]
    assert (layout.config / "recent.json").read_bytes() == files["recent.json"]
    assert (layout.cache / "summaries" / "cache.db").read_bytes() == files["cache/summaries/cache.db"]
    assert (layout.cache / "summaries" / "00" / "ab.val").read_bytes() == files["cache/summaries/00/ab.val"]
    assert (layout.data / "chapterwise.db").read_bytes() == files["chapterwise.db"]  # the database stays
    assert not (layout.data / "settings.json").exists()
    assert not (layout.data / "cache").exists()
    assert load_settings().summary_sentences == 4  # the moved settings are the ones read
    assert migrate_legacy_layout(layout) == []  # the second start has nothing to do


def test_migration_never_overwrites(xdg: Path, caplog: pytest.LogCaptureFixture) -> None:
    layout = app_paths()
    _old_install(layout.data)
    layout.config.mkdir(parents=True)
    (layout.config / "settings.json").write_text('{"summary_sentences": 8}', encoding="utf-8")

    moves = migrate_legacy_layout(layout)
    kept = [move for move in moves if not move.moved]
    paths.log_moves(moves)

    assert [move.source.name for move in kept] == ["settings.json"]
    assert (layout.data / "settings.json").read_text(encoding="utf-8") == '{"summary_sentences": 4}'
    assert (layout.config / "settings.json").read_text(encoding="utf-8") == '{"summary_sentences": 8}'
    assert "already exists (nothing was overwritten" in caplog.text


def test_one_folder_mode_moves_nothing(isolated_data_dir: Path) -> None:
    _old_install(isolated_data_dir)
    assert migrate_legacy_layout(app_paths()) == []
    assert (isolated_data_dir / "settings.json").is_file()
