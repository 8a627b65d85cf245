"""The summary cache: keys, hits, TTL, LRU entry cap, stats, clear, and its place in the registry."""

from __future__ import annotations

import time
from pathlib import Path

from desktop_app.config import Settings
from desktop_app.engine.summarize.base import SummaryRequest, SummaryResult
from desktop_app.engine.summarize.cache import CachedSummarizer, SummaryCache, cache_key, open_cache
from desktop_app.engine.summarize.extractive import ExtractiveSummarizer
from desktop_app.engine.summarize.registry import make_summarizer
from tests.engine.llm_fixtures import CHAPTER, CONTRACT


def result(summary: str = "A summary.") -> SummaryResult:
    return SummaryResult(summary=summary, preview=summary, backend="ollama", model="m", latency_ms=5.0)


def test_key_depends_on_backend_model_and_request() -> None:
    request = SummaryRequest(text=CHAPTER)
    key = cache_key("ollama", "llama3.2", request)
    assert len(key) == 64 and key == cache_key("ollama", "llama3.2", SummaryRequest(text=CHAPTER))
    assert key != cache_key("openai", "llama3.2", request)
    assert key != cache_key("ollama", "qwen", request)
    assert key != cache_key("ollama", "llama3.2", SummaryRequest(text=CHAPTER + " "))
    assert key != cache_key("ollama", "llama3.2", SummaryRequest(text=CHAPTER, max_sentences=2))


def test_hit_miss_stats_and_clear(tmp_path: Path) -> None:
    cache = SummaryCache(tmp_path / "c")
    assert cache.get("k") is None
    cache.put("k", result())
    hit = cache.get("k")
    assert hit is not None and hit.cached and hit.summary == "A summary."
    stats = cache.stats()
    assert (stats.hits, stats.misses, stats.entries) == (1, 1, 1)
    assert stats.hit_rate == 0.5 and stats.bytes > 0
    assert cache.clear() == 1
    assert cache.stats().entries == 0
    cache.close()


def test_ttl_expires(tmp_path: Path) -> None:
    cache = SummaryCache(tmp_path / "c", ttl_seconds=60)
    cache.put("k", result())
    stored = time.time()
    assert cache.expire(now=stored + 30) == 0, "within its TTL an entry stays"
    assert cache.get("k") is not None
    assert cache.expire(now=stored + 61) == 1, "past its TTL it is gone"
    assert cache.get("k") is None
    cache.close()


def test_entry_cap_evicts_least_recently_used(tmp_path: Path) -> None:
    cache = SummaryCache(tmp_path / "c", max_entries=10)
    for i in range(10):
        cache.put(f"k{i}", result(f"s{i}"))
    assert cache.get("k0") is not None  # k0 is now recently used; k1 is the oldest
    cache.put("k10", result())
    assert cache.stats().entries <= 10
    assert cache.get("k0") is not None
    assert cache.get("k1") is None
    cache.close()


def test_cached_summarizer_serves_second_call_and_keeps_flags(tmp_path: Path) -> None:
    summarizer = CachedSummarizer(ExtractiveSummarizer(), SummaryCache(tmp_path / "c"))
    first = summarizer.summarize(SummaryRequest(text=CONTRACT))
    second = summarizer.summarize(SummaryRequest(text=CONTRACT))
    assert not first.cached and second.cached
    assert second.summary == first.summary
    assert [f.to_dict() for f in second.clause_flags] == [f.to_dict() for f in first.clause_flags]
    cache_stats = summarizer.stats().cache
    assert cache_stats is not None and cache_stats.hits == 1
    summarizer.close()


def test_registry_wraps_with_cache_from_settings(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, cache_max_entries=50, cache_ttl_seconds=60)
    summarizer = make_summarizer(settings)
    assert summarizer.cpu_bound and summarizer.max_concurrency is None
    summarizer.summarize(SummaryRequest(text=CHAPTER))
    assert summarizer.summarize(SummaryRequest(text=CHAPTER)).cached
    stats = summarizer.stats()
    assert stats.cache is not None and stats.cache.entries == 1 and stats.cache.max_entries == 50
    summarizer.close()
    cli_cache = open_cache(settings)  # what `chapterwise cache stats|clear` uses
    assert cli_cache.stats().entries == 1
    assert cli_cache.clear() == 1
    cli_cache.close()


def test_cache_disabled(tmp_path: Path) -> None:
    summarizer = make_summarizer(Settings(data_dir=tmp_path, cache_enabled=False))
    summarizer.summarize(SummaryRequest(text=CHAPTER))
    assert not summarizer.summarize(SummaryRequest(text=CHAPTER)).cached
    assert not (tmp_path / "cache").exists()
