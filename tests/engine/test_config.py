"""Settings: seed names, the CHAPTERWISE_ prefix, the settings file, and messages that name the setting."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_app.config import Settings, SettingsError, load_settings


def test_defaults(isolated_data_dir: Path) -> None:
    s = load_settings()
    assert s.use_async_summarization is True
    assert s.summary_max_workers == 3
    assert s.skip_pipeline_init is False
    assert s.data_dir == isolated_data_dir
    assert s.resolved_database_url == f"sqlite:///{isolated_data_dir / 'chapterwise.db'}"
    assert (s.summary_queue_size, s.write_queue_size, s.batch_size, s.batch_interval_ms) == (200, 500, 50, 500)
    assert (s.cache_max_entries, s.cache_ttl_seconds) == (10_000, 86_400)


def test_seed_names_and_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USE_ASYNC_SUMMARIZATION", "false")
    monkeypatch.setenv("SUMMARY_MAX_WORKERS", "5")
    monkeypatch.setenv("SKIP_PIPELINE_INIT", "true")
    monkeypatch.setenv("CHAPTERWISE_DATABASE_URL", "postgresql://u@localhost/db")
    monkeypatch.setenv("CHAPTERWISE_ENDPOINTS", "http://a:11434, http://b:11434")
    s = load_settings()
    assert (s.use_async_summarization, s.summary_max_workers, s.skip_pipeline_init) == (False, 5, True)
    assert s.database_url == "postgresql+psycopg://u@localhost/db", "plain postgresql:// URLs use psycopg 3"
    assert s.endpoints == ["http://a:11434", "http://b:11434"]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SUMMARY_MAX_WORKERS", "99"),
        ("SUMMARY_MAX_WORKERS", "three"),
        ("USE_ASYNC_SUMMARIZATION", "maybe"),
        ("CHAPTERWISE_DATABASE_URL", "mysql://x"),
        ("CHAPTERWISE_BACKEND", "gpt"),
        ("CHAPTERWISE_CACHE_TTL_SECONDS", "-1"),
    ],
)
def test_bad_value_names_the_setting(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as err:
        load_settings()
    assert name in str(err.value)


def test_settings_file_is_read_and_environment_wins(isolated_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    isolated_data_dir.mkdir(parents=True)
    (isolated_data_dir / "settings.json").write_text(json.dumps({"summary_sentences": 7, "model": "llama3"}))
    s = load_settings()
    assert (s.summary_sentences, s.model) == (7, "llama3")
    monkeypatch.setenv("CHAPTERWISE_MODEL", "qwen2")
    assert load_settings().model == "qwen2"


def test_save_validates_and_persists(isolated_data_dir: Path) -> None:
    s = load_settings()
    saved = s.save({"summary_sentences": 9})
    assert saved.summary_sentences == 9
    assert load_settings().summary_sentences == 9
    with pytest.raises(ValueError):
        s.save({"summary_sentences": 0})


def test_min_above_max_is_refused() -> None:
    with pytest.raises(ValueError, match="CHAPTERWISE_MIN_WORKERS"):
        Settings(min_workers=10, max_workers=4)
