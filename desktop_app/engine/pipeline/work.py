"""What a summary worker does with one item: a chapter, or a finished document's reduce.

Pure functions of (item, summarizer, settings) → result row; no queues, no threads, no database.
The async workers and the synchronous mode both call them, so both behave the same.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from ..messages import ChapterWork, DocumentResult, DocumentWork, DoneChapter
from ..records import OUTSIDE_DOCUMENT_SUMMARY, ChapterRecord
from ..states import ChapterStatus, DocumentStatus
from ..summarize.base import (
    ClauseFlag,
    PermanentError,
    RateLimitedError,
    Summarizer,
    SummaryRequest,
    SummaryResult,
    SummarySentence,
    TransientError,
)
from ..summarize.document import summarize_document_extractive
from ..summarize.grounding import align, align_across, find_span, split_summary

log = logging.getLogger(__name__)

#: Re-queue delays after transient failures: capped exponential with full jitter.
RETRY_BASE_S = 2.0
RETRY_CAP_S = 120.0


def retry_delay(attempt: int, retry_after: float | None = None) -> float:
    if retry_after is not None:
        return min(max(retry_after, 0.0), RETRY_CAP_S)
    return random.uniform(0, min(RETRY_CAP_S, RETRY_BASE_S * 2 ** max(attempt - 1, 0)))


#: The error of a chapter cut off at shutdown (never written).
ABANDONED = "stopped before the summary was finished"


class AbandonedError(Exception):
    """The pipeline stopped while the chapter was being summarized: nothing is written for it.

    Its claim is handed back to the backlog by the stop, so the next start summarizes it again.
    """


def summarize_chapter(
    work: ChapterWork,
    summarizer: Summarizer,
    *,
    max_sentences: int,
    max_attempts: int,
    stopping: Callable[[], bool] = lambda: False,
    on_progress: Callable[[int, int], None] | None = None,
) -> tuple[ChapterRecord, SummaryResult | None, Exception | None]:
    """Summarize one chapter; never raises. Returns the row to write, the raw result and any error.

    A failure while ``stopping()`` (the pipeline cut the summarizer's connections at shutdown) comes back
    as :class:`AbandonedError`, quietly: it says nothing about the chapter.
    """
    attempts = work.attempts + 1

    def row(status: ChapterStatus, **fields: Any) -> ChapterRecord:
        fields.setdefault("backend", summarizer.name)
        fields.setdefault("model", summarizer.model)
        return ChapterRecord(work.chapter_id, work.document_id, work.index, work.title, status, attempts, **fields)

    if not work.text.strip():
        return row(ChapterStatus.DONE, summary="", preview=""), None, None
    request = SummaryRequest(
        text=work.text, title=work.title, focus=work.focus, max_sentences=max_sentences, on_progress=on_progress
    )
    try:
        try:
            result = summarizer.summarize(request)
        except Exception as err:
            if stopping():
                return row(ChapterStatus.PENDING, error=ABANDONED), None, AbandonedError(str(err))
            raise
    except TransientError as err:
        if attempts >= max_attempts:
            message = f"Gave up after {attempts} attempts: {err}"
            return row(ChapterStatus.FAILED, error=message), None, err
        retry_after = err.retry_after if isinstance(err, RateLimitedError) else None
        when = datetime.now(UTC) + timedelta(seconds=retry_delay(attempts, retry_after))
        log.warning(
            "Chapter %s of %s will be retried (attempt %d): %s", work.index + 1, work.document_id, attempts, err
        )
        pending = row(ChapterStatus.PENDING, error=str(err), retry_at=when)
        return pending, None, err
    except PermanentError as err:
        return row(ChapterStatus.FAILED, error=str(err)), None, err
    except Exception as err:  # a bug must fail one chapter, not the worker
        log.exception("Summarizing chapter %s of %s failed", work.index + 1, work.document_id)
        message = f"Internal error while summarizing: {type(err).__name__}: {err}"
        return row(ChapterStatus.FAILED, error=message), None, err
    done = row(
        ChapterStatus.DONE,
        backend=result.backend,
        model=result.model,
        summary=result.summary,
        preview=result.preview,
        sentences=tuple(result.sentences) or ground(result.summary, work.text),
        fallback_reason=(result.fallback_reason or f"{result.fallback_from} was unavailable")
        if result.fallback_from
        else None,
        latency_ms=result.latency_ms,
        prompt_tokens=result.prompt_tokens,
        completion_tokens=result.completion_tokens,
        cached=result.cached,
        clause_flags=tuple(locate(flag, work.text).to_dict() for flag in result.clause_flags),
        clause_error=result.clause_error,
    )
    return done, result, None


def ground(summary: str, text: str) -> tuple[SummarySentence, ...]:
    """A summary that came without spans (a model's), aligned sentence by sentence to the chapter's text."""
    return tuple(align(split_summary(summary), text)) if summary.strip() else ()


def locate(flag: ClauseFlag, text: str) -> ClauseFlag:
    """The clause flag with the span of its quote in the chapter's text, where it can be found."""
    if flag.start is not None and flag.end is not None:
        return flag
    span = find_span(flag.text.removesuffix("…"), text, flag.start)  # a long quote is cut with "…"
    if span is None:
        return flag
    return ClauseFlag(flag.category, flag.severity, flag.text, span[0], span[1])


def summarize_document(
    work: DocumentWork,
    summarizer: Summarizer,
    *,
    max_sentences: int,
    stopping: Callable[[], bool] = lambda: False,
) -> DocumentResult:
    """Reduce the chapter summaries of a finished document into one summary; never raises.

    A reduce cut by the pipeline's stop comes back with the error :data:`ABANDONED`, quietly, and is not
    written: the stop hands the document back, and the next start makes its summary.
    """
    failed, total = work.failed, work.total
    cancelled = total - failed - len(work.chapters) if total else 0
    if failed:
        status, error = DocumentStatus.FAILED, f"{failed} of {total} chapters failed"
    elif cancelled > 0:
        status, error = DocumentStatus.CANCELLED, None
    else:
        status, error = DocumentStatus.DONE, None
    chapters = main_text(work.chapters)
    if not chapters:
        return DocumentResult(work.document_id, status, summary=None, error=error or None)
    if len(chapters) == 1:
        only = chapters[0]
        sentences = [replace(s, chapter=only.index) for s in only.sentences or ground(only.summary, only.text)]
        return DocumentResult(work.document_id, status, summary=only.summary, error=error, sentences=sentences)
    if summarizer.name == "extractive" and all(c.text for c in chapters):
        extractive = _extractive_document(
            summarizer, work, chapters, status=status, error=error, max_sentences=max_sentences
        )
        if extractive.summary or extractive.error:
            return extractive  # else no chapter has prose to quote: reduce the chapter summaries below
    text = "\n\n".join(f"{c.title}\n\n{c.summary}" for c in chapters)
    request = SummaryRequest(
        text=text,
        title=work.title,
        kind="document",
        focus=work.focus,
        max_sentences=max_sentences * 2,
        want_clauses=False,
    )
    try:
        result = summarizer.summarize(request)
    except Exception as err:
        if stopping():
            return DocumentResult(work.document_id, status, summary=None, error=ABANDONED)
        log.warning("Whole-document summary of %s failed: %s", work.document_id, err)
        note = f"The whole-document summary could not be made: {err}"
        return DocumentResult(work.document_id, status, summary=None, error=f"{error}; {note}" if error else note)
    sentences = list(result.sentences) or align_across(
        split_summary(result.summary), [(c.index, c.text) for c in chapters if c.text]
    )
    return DocumentResult(work.document_id, status, summary=result.summary, error=error, sentences=sentences)


#: Words of a whole-document summary per sentence of a chapter summary (5 sentences → 250 words).
DOCUMENT_WORDS_PER_SENTENCE = 50


def main_text(chapters: list[DoneChapter]) -> list[DoneChapter]:
    """The chapters a whole-document summary is made from: all but back matter and notices, where any are left.

    An index, a bibliography or a publisher's licence is summarized as a chapter of its own, but it says
    nothing of what the book says: given a share of the document's summary by its words like any chapter,
    a book's licence was quoted in it. Front matter stays: a preface or an abstract often says it best.
    """
    main = [c for c in chapters if c.kind not in OUTSIDE_DOCUMENT_SUMMARY]
    return main or chapters


def _extractive_document(
    summarizer: Summarizer,
    work: DocumentWork,
    chapters: list[DoneChapter],
    *,
    status: str,
    error: str | None,
    max_sentences: int,
) -> DocumentResult:
    """The built-in backend's whole-document summary, chosen from ``chapters``' text (not their summaries).

    Sentences carry their chapter's index in the document and their exact span in its text.
    """
    try:
        # Where the summarizer runs in worker processes, so does this (0.7 ms a chapter: seconds for a long
        # document, which on a thread of the window's process would compete with it for the interpreter).
        summary = summarizer.compute(
            summarize_document_extractive,
            [(c.title, c.text) for c in chapters],
            words=DOCUMENT_WORDS_PER_SENTENCE * max_sentences,
            focus=work.focus,
        )
    except Exception as err:
        log.warning("Whole-document summary of %s failed: %s", work.document_id, err)
        note = f"The whole-document summary could not be made: {err}"
        return DocumentResult(work.document_id, status, summary=None, error=f"{error}; {note}" if error else note)
    sentences = [replace(s, chapter=chapters[s.chapter or 0].index) for s in summary.sentences]
    return DocumentResult(work.document_id, status, summary=summary.text or None, error=error, sentences=sentences)
