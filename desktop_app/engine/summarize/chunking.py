"""Long chapters: a token budget from the model's context, splitting, and recursive map/reduce.

:func:`estimate_tokens` is a deliberately pessimistic count (about 4/3 token per word, one per
punctuation mark and per CJK character) so a chunk never overflows a real tokenizer's count by much.
:func:`split_to_budget` cuts at paragraph boundaries, then sentence boundaries, then (for a single
run-on sentence) word boundaries. :class:`ChunkingSummarizer` summarizes each chunk (map), joins the
partial summaries and summarizes them as a document (reduce), again and again until the input fits.

Thread-safe: it keeps no per-call state; its parts run sequentially on the caller's thread.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import replace

from ..reports import SummarizerStats
from .base import ClauseFlag, Summarizer, SummaryRequest, SummaryResult, WrappingSummarizer, make_preview
from .extractive import split_sentences

log = logging.getLogger(__name__)

_WORD = re.compile(r"[^\W\d_]+|\d+", re.UNICODE)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_PUNCT = re.compile(r"[^\w\s]")


def estimate_tokens(text: str) -> int:
    """A pessimistic token count that needs no tokenizer."""
    cjk = len(_CJK.findall(text))
    words = len(_WORD.findall(text)) if not cjk else len(_WORD.findall(_CJK.sub(" ", text)))
    return int(words * 4 / 3) + len(_PUNCT.findall(text)) + cjk + 1


def split_to_budget(text: str, budget: int) -> list[str]:
    """Split ``text`` into pieces of at most ``budget`` estimated tokens, at the largest boundary that works."""
    budget = max(16, budget)
    pieces: list[str] = []
    for block in re.split(r"\n\s*\n", text):
        paragraph = block.strip()
        if not paragraph:
            continue
        if estimate_tokens(paragraph) <= budget:
            pieces.append(paragraph)
            continue
        for sentence in split_sentences(paragraph):
            if estimate_tokens(sentence) <= budget:
                pieces.append(sentence)
            else:
                pieces.extend(_split_words(sentence, budget))
    return _pack(pieces, budget)


def _split_words(sentence: str, budget: int) -> list[str]:
    words, out, current = sentence.split(), [], []
    for word in words:
        current.append(word)
        if estimate_tokens(" ".join(current)) > budget and len(current) > 1:
            current.pop()
            out.append(" ".join(current))
            current = [word]
    if current:
        out.append(" ".join(current))
    return out


def _pack(pieces: list[str], budget: int) -> list[str]:
    """Greedily join consecutive pieces into chunks that stay within the budget."""
    chunks: list[str] = []
    current: list[str] = []
    used = 0
    for piece in pieces:
        cost = estimate_tokens(piece)
        if current and used + cost > budget:
            chunks.append("\n\n".join(current))
            current, used = [], 0
        current.append(piece)
        used += cost
    if current:
        chunks.append("\n\n".join(current))
    return chunks


class ChunkingSummarizer(WrappingSummarizer):
    """Wraps a backend with a context window: fits any text into it by recursive map/reduce.

    ``context_tokens`` is the model's window; ``prompt_tokens`` what the instructions take (the clause
    prompt is the longest); the answer's share comes from the inner backend's ``output_tokens`` when
    it has one (LLMs), else a quarter of the window.
    """

    def __init__(self, inner: Summarizer, *, context_tokens: int, prompt_tokens: int = 600, max_depth: int = 8) -> None:
        super().__init__(inner)
        self.context_tokens = context_tokens
        self.prompt_tokens = prompt_tokens
        self.max_depth = max_depth
        self._lock = threading.Lock()
        self._splits = 0

    def budget(self, request: SummaryRequest) -> int:
        """Tokens of text one request may carry."""
        out = self.inner.output_tokens(request)
        reserve = out if out is not None else self.context_tokens // 4
        return max(128, self.context_tokens - self.prompt_tokens - int(reserve))

    def summarize(self, request: SummaryRequest) -> SummaryResult:
        budget = self.budget(request)
        if estimate_tokens(request.text) <= budget:
            return self.inner.summarize(request)
        with self._lock:
            self._splits += 1
        started = time.perf_counter()
        results: list[SummaryResult] = []
        chunks = split_to_budget(request.text, budget)
        log.info("Text of %r is over the %d-token budget: %d parts", request.title, budget, len(chunks))
        # Map: the parts of a chapter are summarized as chapters (with clauses); a too-long list of
        # chapter summaries (kind="document") is reduced group by group.
        partials = [
            self._call(replace(request, text=chunk, title=_part_title(request.title, i, len(chunks))), results)
            for i, chunk in enumerate(chunks, 1)
        ]
        # Reduce, recursively, until the partial summaries fit in one request.
        depth = 0
        reduce_request = replace(request, kind="document", want_clauses=False)
        while estimate_tokens("\n\n".join(partials)) > budget and len(partials) > 1:
            depth += 1
            if depth > self.max_depth:
                log.warning("Map/reduce of %r did not converge; keeping the leading parts", request.title)
                partials = split_to_budget("\n\n".join(partials), budget)[:1]
                break
            groups = _pack(partials, budget)
            if len(groups) == len(partials):  # each partial alone is near the budget: pair them anyway
                groups = ["\n\n".join(partials[i : i + 2]) for i in range(0, len(partials), 2)]
            partials = [self._call(replace(reduce_request, text=g), results) for g in groups]
        if len(partials) > 1:
            final = self._call(replace(reduce_request, text="\n\n".join(partials)), results)
        else:
            final = partials[0]
        flags: list[ClauseFlag] = []
        seen: set[tuple[str, str]] = set()
        for result in results:
            for flag in result.clause_flags:
                if (flag.category, flag.text) not in seen:
                    seen.add((flag.category, flag.text))
                    flags.append(flag)
        return SummaryResult(
            summary=final,
            preview=make_preview(final),
            backend=results[-1].backend,
            model=results[-1].model,
            latency_ms=(time.perf_counter() - started) * 1000.0,
            clause_flags=flags,
            prompt_tokens=_sum(r.prompt_tokens for r in results),
            completion_tokens=_sum(r.completion_tokens for r in results),
            endpoint=results[-1].endpoint,
            fallback_from=next((r.fallback_from for r in results if r.fallback_from), None),
        )

    def _call(self, request: SummaryRequest, results: list[SummaryResult]) -> str:
        result = self.inner.summarize(request)
        results.append(result)
        return result.summary

    def stream(self, request: SummaryRequest) -> Iterator[str]:
        if estimate_tokens(request.text) <= self.budget(request):
            yield from self.inner.stream(request)
        else:
            yield self.summarize(request).summary

    def stats(self) -> SummarizerStats:
        return replace(self.inner.stats(), map_reduce_splits=self._splits)


def _part_title(title: str, i: int, n: int) -> str:
    return f"{title} (part {i} of {n})" if title else f"part {i} of {n}"


def _sum(values: Iterator[int | None]) -> int | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None
