"""The summary cache: diskcache on disk, keyed by a SHA-256 of what determines a summary.

Key = SHA-256 over (backend, model, prompt version, request kind, length budget, focus, title, clause
wish, text): the same chapter summarized the same way is never sent to a model twice. Entries expire
after ``cache_ttl_seconds`` (0 = never); the least recently *used* entries are evicted first, when
the byte cap (diskcache's own ``size_limit``) or the entry cap is passed. A hit costs one hash and one
SQLite read: tens of microseconds.

:func:`open_cache` is what the CLI's ``chapterwise cache stats|clear`` calls. :class:`CachedSummarizer`
wraps any backend; answers that came from a fallback backend are not stored, so the cache never
serves an extractive summary under an LLM's key.

Thread-safe: diskcache opens one SQLite connection per thread; the counters take a lock. Several
processes may share one cache directory.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import diskcache

from .base import PROMPT_VERSION, ClauseFlag, Summarizer, SummaryRequest, SummaryResult, SummarySentence
from .prompts import PROMPTS_VERSION

if TYPE_CHECKING:
    from desktop_app.config import Settings

log = logging.getLogger(__name__)


def cache_key(backend: str, model: str, request: SummaryRequest) -> str:
    """The SHA-256 hex key of a request summarized by ``backend``/``model``."""
    head = json.dumps(
        [
            backend,
            model,
            PROMPT_VERSION,
            PROMPTS_VERSION,
            request.kind,
            request.max_sentences,
            request.focus,
            request.title,
            request.want_clauses,
        ],
        ensure_ascii=False,
    )
    digest = hashlib.sha256(head.encode("utf-8"))
    digest.update(b"\0")
    digest.update(request.text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


class SummaryCache:
    """A capped, expiring, LRU summary store with hit/miss counters. Thread-safe."""

    def __init__(
        self, directory: Path, *, max_entries: int = 10_000, max_bytes: int = 1 << 30, ttl_seconds: float = 86_400
    ) -> None:
        self.directory = Path(directory)
        self.max_entries = max_entries
        self.ttl = ttl_seconds or None
        self._cache = diskcache.Cache(
            str(self.directory), size_limit=max_bytes, eviction_policy="least-recently-used", cull_limit=10
        )
        # diskcache's own counters live in the cache's database, so every process (the window, `chapterwise
        # cache stats`, a second instance) sees the same hit rate.
        self._cache.stats(enable=True)
        self._lock = threading.Lock()
        self.hits = 0  # this process
        self.misses = 0

    def get(self, key: str) -> SummaryResult | None:
        data = self._cache.get(key)
        with self._lock:
            if data is None:
                self.misses += 1
                return None
            self.hits += 1
        return _from_dict(data)

    def put(self, key: str, result: SummaryResult) -> None:
        self._cache.set(key, _to_dict(result), expire=self.ttl)
        if self.max_entries and len(self._cache) > self.max_entries:
            self._evict()

    def _evict(self) -> None:
        # diskcache caps bytes, not entries: drop the least recently used tenth over the entry cap.
        # (Uses diskcache's SQL table layout, stable across 5.x; keys are plain str so stored raw.)
        excess = len(self._cache) - self.max_entries + max(1, self.max_entries // 10)
        rows = self._cache._sql("SELECT key FROM Cache ORDER BY access_time LIMIT ?", (excess,)).fetchall()
        for (key,) in rows:
            self._cache.delete(key)
        log.info("Summary cache over %d entries: evicted %d", self.max_entries, len(rows))

    def stats(self) -> dict[str, Any]:
        """Entries, bytes, limits, the oldest entry and the hit rate (over every process using this cache)."""
        hits, misses = self._cache.stats()
        oldest = self._cache._sql("SELECT MIN(store_time) FROM Cache").fetchone()[0]
        return {
            "hits": int(hits),
            "misses": int(misses),
            "hit_rate": hits / (hits + misses) if hits + misses else 0.0,
            "entries": len(self._cache),
            "bytes": int(self._cache.volume()),
            "oldest_entry": datetime.fromtimestamp(oldest, UTC).isoformat() if oldest else None,
            "max_entries": self.max_entries,
            "max_bytes": int(self._cache.size_limit),
            "ttl_seconds": self.ttl or 0,
            "directory": str(self.directory),
        }

    def expire(self, now: float | None = None) -> int:
        """Remove the entries expired at ``now`` (a ``time.time()`` value; default: now); returns how many."""
        return int(self._cache.expire(now=now))

    def clear(self) -> int:
        """Remove every entry; returns how many were removed."""
        with self._lock:
            self.hits = self.misses = 0
        self._cache.stats(reset=True)
        return int(self._cache.clear())

    def close(self) -> None:
        self._cache.close()


def open_cache(settings: Settings) -> SummaryCache:
    """The cache the settings describe (used by the pipeline's summarizer and by ``chapterwise cache``)."""
    directory = settings.resolved_cache_dir / "summaries"
    directory.mkdir(parents=True, exist_ok=True)
    return SummaryCache(
        directory,
        max_entries=settings.cache_max_entries,
        max_bytes=settings.cache_max_bytes,
        ttl_seconds=settings.cache_ttl_seconds,
    )


class CachedSummarizer:
    """Serves repeated requests from a :class:`SummaryCache`; see the module docstring."""

    def __init__(self, inner: Summarizer, cache: SummaryCache) -> None:
        self.inner = inner
        self.cache = cache
        self.name = inner.name
        self.model = inner.model
        self.cpu_bound = inner.cpu_bound

    @property
    def max_concurrency(self) -> int | None:
        """The inner backend's slots, which it may learn from its servers after start."""
        return self.inner.max_concurrency

    def summarize(self, request: SummaryRequest) -> SummaryResult:
        key = cache_key(self.name, self.model, request)
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        result = self.inner.summarize(request)
        if result.fallback_from is None and result.clause_error is None:  # both are redone later
            self.cache.put(key, result)
        return result

    def stream(self, request: SummaryRequest) -> Iterator[str]:
        hit = self.cache.get(cache_key(self.name, self.model, request))
        if hit is not None:
            yield hit.summary
        else:
            yield from self.inner.stream(request)

    def stats(self) -> dict[str, Any]:
        inner = getattr(self.inner, "stats", None)
        data: dict[str, Any] = dict(inner()) if callable(inner) else {}
        data["cache"] = self.cache.stats()
        return data

    def __getattr__(self, name: str) -> Any:
        # list_models() and other extras of the wrapped backend stay reachable.
        return getattr(self.inner, name)

    def close(self) -> None:
        self.inner.close()
        self.cache.close()


def _to_dict(result: SummaryResult) -> dict[str, Any]:
    return {
        "summary": result.summary,
        "preview": result.preview,
        "backend": result.backend,
        "model": result.model,
        "latency_ms": result.latency_ms,
        "clause_flags": [f.to_dict() for f in result.clause_flags],
        "prompt_tokens": result.prompt_tokens,
        "completion_tokens": result.completion_tokens,
        "endpoint": result.endpoint,
        "sentences": [[s.text, s.start, s.end, s.support, s.chapter] for s in result.sentences],
    }


def _from_dict(data: dict[str, Any]) -> SummaryResult:
    return SummaryResult(
        summary=data["summary"],
        preview=data["preview"],
        backend=data["backend"],
        model=data["model"],
        latency_ms=float(data["latency_ms"]),
        clause_flags=[ClauseFlag.from_dict(f) for f in data.get("clause_flags", [])],
        prompt_tokens=data.get("prompt_tokens"),
        completion_tokens=data.get("completion_tokens"),
        cached=True,
        endpoint=data.get("endpoint"),
        sentences=[SummarySentence(*row) for row in data.get("sentences", [])],
    )
