"""The summary cache: diskcache on disk, keyed by a SHA-256 of what determines a summary.

Key = SHA-256 over (backend, model, prompt version, request kind, length budget, focus, title, clause
wish, text): the same chapter summarized the same way is never sent to a model twice. Entries expire
after ``cache_ttl_seconds`` (0 = never); the least recently *used* entries are evicted first, when
the byte cap (diskcache's own ``size_limit``) or the entry cap is passed. A hit costs one hash and one
SQLite read: tens of microseconds.

:func:`open_cache` is what the CLI's ``chapterwise cache stats|clear`` calls. :class:`CachedSummarizer`
wraps any backend; answers that came from a fallback backend are not stored, so the cache never
serves an extractive summary under an LLM's key.

A cache that cannot be written (a full disk, a read-only folder) turns itself off with one warning and
on again when a write succeeds: summaries never fail because of it.

Thread-safe: diskcache opens one SQLite connection per thread; the counters take a lock. Several
processes may share one cache directory.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import diskcache

from ..private import private_dir
from ..reports import CacheStats, SummarizerStats
from .base import (
    PROMPT_VERSION,
    ClauseFlag,
    Summarizer,
    SummaryRequest,
    SummaryResult,
    SummarySentence,
    WrappingSummarizer,
)
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
        self.directory = private_dir(Path(directory))
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

    def stats(self) -> CacheStats:
        """Entries, bytes, limits, the oldest entry and the hit rate (over every process using this cache)."""
        hits, misses = self._cache.stats()
        oldest = self._cache._sql("SELECT MIN(store_time) FROM Cache").fetchone()[0]
        return CacheStats(
            hits=int(hits),
            misses=int(misses),
            hit_rate=hits / (hits + misses) if hits + misses else 0.0,
            entries=len(self._cache),
            bytes=int(self._cache.volume()),
            oldest_entry=datetime.fromtimestamp(oldest, UTC).isoformat() if oldest else None,
            max_entries=self.max_entries,
            max_bytes=int(self._cache.size_limit),
            ttl_seconds=self.ttl or 0,
            directory=str(self.directory),
        )

    def probe(self) -> None:
        """Write and remove one small entry; raises when the folder cannot be written (full, read-only)."""
        self._cache.set("chapterwise-probe", b"x" * 1024)
        self._cache.delete("chapterwise-probe")

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
    return SummaryCache(
        settings.resolved_cache_dir / "summaries",
        max_entries=settings.cache_max_entries,
        max_bytes=settings.cache_max_bytes,
        ttl_seconds=settings.cache_ttl_seconds,
    )


#: Errors that mean the cache's folder cannot be used now (full, read-only, gone), not a bad request.
CACHE_ERRORS: tuple[type[BaseException], ...] = (OSError, sqlite3.Error, diskcache.Timeout)
#: While the cache is off, a write is tried again this often (seconds).
RETRY_S = 60.0


class CachedSummarizer(WrappingSummarizer):
    """Serves repeated requests from a :class:`SummaryCache`; see the module docstring.

    The cache is an optimisation, never a reason for a summary to fail: when its folder cannot be read
    or written (a full disk, a read-only or missing folder) the cache turns itself off with one warning
    and summaries go straight to the backend; every ``RETRY_S`` seconds a write is tried again (reopening
    the cache through ``opener``), and the cache turns itself on again when it succeeds. Thread-safe.
    """

    def __init__(
        self,
        inner: Summarizer,
        cache: SummaryCache | None = None,
        *,
        opener: Callable[[], SummaryCache] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(inner)
        self.opener = opener
        self.clock = clock
        self._state = threading.Lock()
        self._off: str | None = None
        self._retry_at = 0.0
        self.directory = str(cache.directory) if cache is not None else ""
        if cache is None and opener is not None:
            try:
                cache = opener()
            except CACHE_ERRORS as err:
                self._turn_off(err)
        self.cache = cache

    # --- on and off

    @property
    def available(self) -> bool:
        return self._off is None

    def _turn_off(self, err: BaseException) -> None:
        reason = f"{type(err).__name__}: {err}"
        with self._state:
            first = self._off is None
            self._off = reason
            self._retry_at = self.clock() + RETRY_S
        if first:
            log.warning(
                "Summary cache turned off (%s); summaries are made without it, and it is tried again every %.0f s",
                reason,
                RETRY_S,
            )

    def _usable(self) -> SummaryCache | None:
        """The cache if it is on, or back on after a successful probe; None while it is off."""
        if self._off is None:
            return self.cache
        with self._state:
            if self.clock() < self._retry_at:
                return None
            self._retry_at = self.clock() + RETRY_S
        try:
            cache = self.cache
            if self.opener is not None:
                if cache is not None:
                    cache.close()
                cache = self.opener()
            if cache is None:
                return None
            cache.probe()
        except CACHE_ERRORS as err:
            log.debug("Summary cache still unavailable: %s", err)
            return None
        with self._state:
            self.cache, self._off = cache, None
        log.warning("Summary cache turned on again (%s can be written)", cache.directory)
        return cache

    # --- summarizing

    def summarize(self, request: SummaryRequest) -> SummaryResult:
        key = cache_key(self.name, self.model, request)
        cache = self._usable()
        if cache is not None:
            try:
                hit = cache.get(key)
            except CACHE_ERRORS as err:
                self._turn_off(err)
                cache, hit = None, None
            if hit is not None:
                return hit
        result = self.inner.summarize(request)
        if cache is not None and result.fallback_from is None and result.clause_error is None:  # both are redone later
            try:
                cache.put(key, result)
            except CACHE_ERRORS as err:
                self._turn_off(err)
        return result

    def stream(self, request: SummaryRequest) -> Iterator[str]:
        cache = self._usable()
        hit = None
        if cache is not None:
            try:
                hit = cache.get(cache_key(self.name, self.model, request))
            except CACHE_ERRORS as err:
                self._turn_off(err)
        if hit is not None:
            yield hit.summary
        else:
            yield from self.inner.stream(request)

    def stats(self) -> SummarizerStats:
        cache = self.cache if self._off is None else None
        if cache is not None:
            try:
                return replace(self.inner.stats(), cache=cache.stats())
            except CACHE_ERRORS as err:
                self._turn_off(err)
        off = CacheStats(directory=self.directory, available=False, error=self._off)
        return replace(self.inner.stats(), cache=off)

    def close(self) -> None:
        self.inner.close()
        if self.cache is not None:
            with contextlib.suppress(*CACHE_ERRORS):
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
