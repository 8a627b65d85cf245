"""Long chapters: a token budget from the model's context, splitting, and recursive map/reduce.

:func:`estimate_tokens` is a deliberately pessimistic count (about 4/3 token per word, one per
punctuation mark and per CJK character, plus one per two letters outside ASCII: Cyrillic, Greek or
accented words split into many more pieces than English ones) so a chunk never overflows a real
tokenizer's count by much. When a server still answers that the request does not fit
(:class:`~.base.ContextOverflowError`), the text is split again against a smaller budget: the
server's own context size when it said it, else half the previous budget.
:func:`split_to_budget` cuts at paragraph boundaries, then sentence boundaries, then (for a single
run-on sentence) word boundaries. :class:`ChunkingSummarizer` summarizes each chunk (map), joins the
partial summaries and summarizes them as a document (reduce), again and again until the input fits.

Progress: a request's ``on_progress(done, total)`` is called after each part (map and reduce calls) on
the caller's thread, so a long chapter can show "part 3 of 7".

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
from .base import (
    ClauseFlag,
    ContextOverflowError,
    Summarizer,
    SummaryRequest,
    SummaryResult,
    WrappingSummarizer,
    make_preview,
)
from .extractive import split_sentences

log = logging.getLogger(__name__)

_WORD = re.compile(r"[^\W\d_]+|\d+", re.UNICODE)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_PUNCT = re.compile(r"[^\w\s]")
_NON_ASCII_LETTER = re.compile(r"[^\x00-\x7f\W\d_]")


def estimate_tokens(text: str) -> int:
    """A pessimistic token count that needs no tokenizer."""
    cjk = len(_CJK.findall(text))
    rest = _CJK.sub(" ", text) if cjk else text
    words = len(_WORD.findall(rest))
    foreign = len(_NON_ASCII_LETTER.findall(rest))
    return int(words * 4 / 3) + len(_PUNCT.findall(text)) + cjk + foreign // 2 + 1


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
    """Cut a run-on sentence at word boundaries into pieces within ``budget``, in one pass.

    Each word's share of :func:`estimate_tokens` is counted once and added up, so the cost is linear in
    the sentence (re-estimating the growing piece at every word was quadratic: minutes for a long
    unpunctuated chapter). The sum equals the estimate of the joined piece: spaces neither make nor
    merge words, punctuation marks or CJK characters.
    """
    out: list[str] = []
    current: list[str] = []
    words = marks = foreign = 0
    for word in sentence.split():
        w, m, f = _word_cost(word)
        if current and int((words + w) * 4 / 3) + marks + m + (foreign + f) // 2 + 1 > budget:
            out.append(" ".join(current))
            current, words, marks, foreign = [], 0, 0, 0
        current.append(word)
        words += w
        marks += m
        foreign += f
    if current:
        out.append(" ".join(current))
    return out


def _word_cost(word: str) -> tuple[int, int, int]:
    """(words, marks and CJK characters, non-ASCII letters) of one token, as :func:`estimate_tokens` counts."""
    cjk = len(_CJK.findall(word))
    rest = _CJK.sub(" ", word) if cjk else word
    return len(_WORD.findall(rest)), len(_PUNCT.findall(word)) + cjk, len(_NON_ASCII_LETTER.findall(rest))


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

    def context(self) -> int:
        """The context window: the configured one, or the server's when it said it is smaller."""
        inner = self.inner.context_window()
        return min(self.context_tokens, inner) if inner else self.context_tokens

    def budget(self, request: SummaryRequest) -> int:
        """Tokens of text one request may carry: the window less the prompt and the largest answer.

        The answer's room is the inner backend's ``output_tokens`` (for LLMs the larger of the summary and
        the clause answer), else a quarter of the window.
        """
        context = self.context()
        out = self.inner.output_tokens(request)
        reserve = out if out is not None else context // 4
        return max(128, context - self.prompt_tokens - int(reserve))

    def summarize(self, request: SummaryRequest) -> SummaryResult:
        budget = self.budget(request)
        if estimate_tokens(request.text) <= budget:
            try:
                result: SummaryResult = self.inner.summarize(request)
                return result
            except ContextOverflowError as err:
                budget = self._smaller_budget(request, budget, err)
        return self._map_reduce(request, budget)

    def _smaller_budget(self, request: SummaryRequest, budget: int, err: ContextOverflowError) -> int:
        if err.n_ctx and err.n_ctx < self.context():
            self.context_tokens = err.n_ctx
            smaller = self.budget(request)
        else:
            smaller = budget // 2
        log.info("%s; splitting %r again against %d tokens", err, request.title, smaller)
        if smaller >= budget or smaller < 64:
            raise err
        return smaller

    def _map_reduce(self, request: SummaryRequest, budget: int) -> SummaryResult:
        with self._lock:
            self._splits += 1
        started = time.perf_counter()
        results: list[SummaryResult] = []
        chunks = split_to_budget(request.text, budget)
        log.info("Text of %r is over the %d-token budget: %d parts", request.title, budget, len(chunks))
        # The total shown ("part 3 of 7") counts the combining calls too: estimated now from a typical
        # summary's size, made exact for each round once the partial summaries are known.
        typical = max(32, 40 * request.max_sentences)
        plan = _Progress(request, len(chunks) + reduce_calls([typical] * len(chunks), budget))
        # Map: the parts of a chapter are summarized as chapters (with clauses); a too-long list of
        # chapter summaries (kind="document") is reduced group by group.
        partials = [
            self._call(
                replace(request, text=chunk, title=_part_title(request.title, i, len(chunks)), on_progress=None),
                results,
                plan,
                budget,
            )
            for i, chunk in enumerate(chunks, 1)
        ]
        # Reduce, recursively, until the partial summaries fit in one request.
        depth = 0
        reduce_request = replace(request, kind="document", want_clauses=False, on_progress=None)
        while estimate_tokens("\n\n".join(partials)) > budget and len(partials) > 1:
            depth += 1
            if depth > self.max_depth:
                log.warning("Map/reduce of %r did not converge; keeping the leading parts", request.title)
                partials = split_to_budget("\n\n".join(partials), budget)[:1]
                break
            groups = _pack(partials, budget)
            if len(groups) == len(partials):  # each partial alone is near the budget: pair them anyway
                groups = ["\n\n".join(partials[i : i + 2]) for i in range(0, len(partials), 2)]
            plan.expect(reduce_calls([estimate_tokens(p) for p in partials], budget))
            partials = [self._call(replace(reduce_request, text=g), results, plan, budget) for g in groups]
        plan.expect(1 if len(partials) > 1 else 0)
        if len(partials) > 1:
            final = self._call(replace(reduce_request, text="\n\n".join(partials)), results, plan, budget)
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
            fallback_reason=next((r.fallback_reason for r in results if r.fallback_reason), None),
            clause_error=next((r.clause_error for r in results if r.clause_error), None),
        )

    def _call(self, request: SummaryRequest, results: list[SummaryResult], plan: _Progress, budget: int) -> str:
        try:
            result = self.inner.summarize(request)
        except ContextOverflowError as err:
            # The estimate was too kind for this part: summarize it in smaller pieces, as one result.
            result = self._map_reduce(request, self._smaller_budget(request, budget, err))
        results.append(result)
        plan.step()
        return result.summary

    def stream(self, request: SummaryRequest) -> Iterator[str]:
        if estimate_tokens(request.text) <= self.budget(request):
            yield from self.inner.stream(request)
        else:
            yield self.summarize(request).summary

    def stats(self) -> SummarizerStats:
        return replace(self.inner.stats(), map_reduce_splits=self._splits)


def reduce_calls(sizes: list[int], budget: int) -> int:
    """How many combining calls partial summaries of these token ``sizes`` take (the rounds of ``_map_reduce``).

    Exact for the next round; later rounds assume each combined summary is as long as the average partial.
    """
    calls = 0
    while len(sizes) > 1 and sum(sizes) > budget:
        groups: list[int] = []  # the token count of each group, packed as _pack packs the texts
        for size in sizes:
            if groups and groups[-1] + size <= budget:
                groups[-1] += size
            else:
                groups.append(size)
        count = len(groups) if len(groups) < len(sizes) else (len(sizes) + 1) // 2
        calls += count
        sizes = [max(1, sum(sizes) // len(sizes))] * count  # a group's summary: about one partial's length
    return calls + (1 if len(sizes) > 1 else 0)


class _Progress:
    """Counts the parts of one request and tells its ``on_progress``; the total is re-estimated each round."""

    def __init__(self, request: SummaryRequest, total: int) -> None:
        self.callback = request.on_progress
        self.done = 0
        self.total = total

    def expect(self, remaining: int) -> None:
        """``remaining`` more calls are expected from here (the total follows what the partials turned out to be)."""
        self.total = self.done + remaining

    def step(self) -> None:
        self.done += 1
        if self.callback is not None:
            try:
                self.callback(self.done, self.total)
            except Exception:  # a progress display must never fail a summary
                log.exception("Progress callback failed")


def _part_title(title: str, i: int, n: int) -> str:
    return f"{title} (part {i} of {n})" if title else f"part {i} of {n}"


def _sum(values: Iterator[int | None]) -> int | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None
