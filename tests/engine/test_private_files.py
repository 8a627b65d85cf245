"""What Chapterwise writes is its user's only: folders 0700, the database 0600, orphaned upload copies removed."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from desktop_app.config import Settings
from desktop_app.engine.private import private_dir, remove_orphans
from desktop_app.engine.service import Engine

pytestmark = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_data_folder_database_and_cache_are_owner_only(tmp_path: Path) -> None:
    old = os.umask(0o022)  # the usual umask, which made 0644 files and 0755 folders
    try:
        data = tmp_path / "data"
        with Engine(Settings(data_dir=data, cache_enabled=True)):
            pass  # opening creates the folder, the database and the cache
    finally:
        os.umask(old)
    assert _mode(data) == 0o700
    assert _mode(data / "chapterwise.db") == 0o600
    for wal in data.glob("chapterwise.db-*"):
        assert _mode(wal) & 0o077 == 0, f"{wal.name} is readable by others"
    assert _mode(data / "cache") == 0o700 and _mode(data / "cache" / "summaries") == 0o700


def test_the_default_data_folder_and_database_of_an_earlier_version_are_narrowed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    from desktop_app.config import default_data_dir

    data = default_data_dir()
    data.mkdir(parents=True)
    data.chmod(0o755)
    (data / "chapterwise.db").touch()
    (data / "chapterwise.db").chmod(0o644)
    Engine(Settings(data_dir=data, skip_pipeline_init=True)).stop()
    assert _mode(data) == 0o700 and _mode(data / "chapterwise.db") == 0o600


def test_an_existing_folder_the_user_chose_keeps_its_mode_but_not_the_database(tmp_path: Path) -> None:
    chosen = tmp_path / "chosen"
    chosen.mkdir()
    chosen.chmod(0o755)
    (chosen / "chapterwise.db").touch()
    (chosen / "chapterwise.db").chmod(0o644)
    Engine(Settings(data_dir=chosen, skip_pipeline_init=True)).stop()
    assert _mode(chosen) == 0o755 and _mode(chosen / "chapterwise.db") == 0o600


def test_a_folder_the_user_chose_for_the_database_is_left_alone(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)
    Engine(Settings(data_dir=tmp_path / "d", database_url=f"sqlite:///{shared / 'x.db'}")).stop()
    assert _mode(shared) == 0o755, "only folders Chapterwise creates or owns are narrowed"
    assert _mode(shared / "x.db") == 0o600


def test_orphaned_upload_copies_are_removed_and_live_ones_kept(tmp_path: Path) -> None:
    uploads = private_dir(tmp_path / "uploads")
    old, live, other = uploads / "upload-old", uploads / "upload-live", uploads / "keep-me"
    for folder in (old, live, other):
        folder.mkdir()
        (folder / "book.pdf").write_bytes(b"%PDF-1.4")
    long_ago = 1_000_000_000
    for path in (old, old / "book.pdf", other, other / "book.pdf"):
        os.utime(path, (long_ago, long_ago))
    assert remove_orphans(uploads, prefix="upload-", older_than_s=3600) == 1
    assert not old.exists() and live.exists() and other.exists()


def test_the_api_server_removes_orphaned_uploads_at_start(tmp_path: Path) -> None:
    from desktop_app.api.server import ApiServer

    data = tmp_path / "data"
    orphan = data / "uploads" / "upload-crashed"
    orphan.mkdir(parents=True)
    (orphan / "book.epub").write_bytes(b"PK")
    os.utime(orphan / "book.epub", (1_000_000_000, 1_000_000_000))
    os.utime(orphan, (1_000_000_000, 1_000_000_000))
    settings = Settings(data_dir=data, skip_pipeline_init=True)
    engine = Engine(settings)
    try:
        ApiServer(engine, settings, port=0)
    finally:
        engine.stop()
    assert not orphan.exists()


def test_the_api_token_folder_is_owner_only_with_a_postgres_database(tmp_path: Path) -> None:
    from desktop_app.api.security import load_or_create_token

    old = os.umask(0o022)
    try:
        data = tmp_path / "fresh"
        load_or_create_token(Settings(data_dir=data, database_url="postgresql://nobody@127.0.0.1:1/none"))
    finally:
        os.umask(old)
    assert _mode(data) == 0o700 and _mode(data / "api_token") == 0o600
