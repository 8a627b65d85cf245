"""The cache turns itself off on a full or unusable folder (one warning) and on again when it can write.

A full disk is an ``ENOSPC``-raising shim around diskcache's writes; an unusable folder is a file where
the cache folder should be (tests run as root, where a read-only mode would not stop a write).
"""

from __future__ import annotations

import errno
import logging
from pathlib import Path

import diskcache
import pytest

from desktop_app.config import Settings
from desktop_app.engine.summarize import cache as cache_module
from desktop_app.engine.summarize.base import SummaryRequest
from desktop_app.engine.summarize.cache import CachedSummarizer, open_cache
from desktop_app.engine.summarize.extractive import ExtractiveSummarizer
from desktop_app.engine.summarize.registry import make_summarizer
from tests.engine.llm_fixtures import CHAPTER


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _request(i: int) -> SummaryRequest:
    return SummaryRequest(text=f"{CHAPTER}\n\nVariant {i}.", title=f"Chapter {i}")


def test_a_full_disk_turns_the_cache_off_once_and_back_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(data_dir=tmp_path)
    clock = Clock()
    summarizer = CachedSummarizer(ExtractiveSummarizer(), opener=lambda: open_cache(settings), clock=clock)
    real_set = diskcache.Cache.set
    full = True

    def no_space(self: diskcache.Cache, *args: object, **kwargs: object) -> bool:
        if full:
            raise OSError(errno.ENOSPC, "No space left on device")
        return bool(real_set(self, *args, **kwargs))

    monkeypatch.setattr(diskcache.Cache, "set", no_space)
    with caplog.at_level(logging.WARNING, logger=cache_module.__name__):
        results = [summarizer.summarize(_request(i)) for i in range(30)]
    assert all(r.summary for r in results), "every summary is made although the cache cannot store it"
    warnings = [r for r in caplog.records if "turned off" in r.getMessage()]
    assert len(warnings) == 1 and "No space left on device" in warnings[0].getMessage()
    stats = summarizer.stats().cache
    assert stats is not None and not stats.available and "No space left" in (stats.error or "")

    full = False
    assert not summarizer.summarize(_request(0)).cached, "still off until the retry time"
    clock.now += cache_module.RETRY_S
    summarizer.summarize(_request(0))  # the probe writes, the cache is on again and stores this one
    assert summarizer.available
    assert summarizer.summarize(_request(0)).cached
    summarizer.close()


def test_an_unusable_cache_folder_at_start_is_a_warning_not_a_traceback(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the cache folder should be", encoding="utf-8")
    settings = Settings(data_dir=tmp_path, cache_dir=blocked)
    with caplog.at_level(logging.WARNING, logger=cache_module.__name__):
        summarizer = make_summarizer(settings)
    assert summarizer.summarize(_request(1)).summary
    assert any("Summary cache turned off" in r.getMessage() for r in caplog.records)
    stats = summarizer.stats().cache
    assert stats is not None and stats.available is False
    summarizer.close()
