"""Focused summaries: the focus steers every backend's summary, is part of the cache key, and a document can be
summarized again with a new focus in one action."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import pytest

from desktop_app.config import Settings
from desktop_app.engine.service import Engine
from desktop_app.engine.summarize.base import SummaryRequest
from desktop_app.engine.summarize.extractive import ExtractiveSummarizer, _same_word, tokenize
from desktop_app.engine.summarize.registry import make_summarizer

from .pipeline_helpers import make_document

CONTRACT_CHAPTER = """
This Agreement is made between the Supplier and the Distributor. The Distributor shall market the Products in
the Territory. The Supplier shall deliver the Products within thirty days of each purchase order.
Payment of each invoice is due within forty-five days of its date. Late payments bear interest at one and a half
percent per month, and repeated late payment is a material breach. The Distributor shall pay a penalty of ten
percent of the order value for each cancelled order.
Either party may terminate this Agreement for convenience on ninety days written notice. Upon termination the
Distributor shall return all confidential information. The Supplier warrants that the Products are free from
defects for twelve months. This Agreement is governed by the laws of the State of Delaware. Any dispute shall be
settled by arbitration in Wilmington. The Distributor shall maintain insurance of at least one million dollars.
Notices shall be given in writing to the addresses stated above. The parties are independent contractors.
"""


def focus_hits(summary: str, focus: str) -> int:
    """How many words of ``summary`` are the focus's words or their variants."""
    wanted = tokenize(focus)
    return sum(1 for token in tokenize(summary) if any(_same_word(w, token) for w in wanted))


def test_two_focuses_give_two_summaries_and_two_cache_entries(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, summary_sentences=2)
    summarizer = make_summarizer(settings)
    try:
        payment = SummaryRequest(
            text=CONTRACT_CHAPTER, title="Terms", focus="payment terms and penalties", max_sentences=2
        )
        ending = SummaryRequest(
            text=CONTRACT_CHAPTER, title="Terms", focus="termination and governing law", max_sentences=2
        )
        first = summarizer.summarize(payment)
        second = summarizer.summarize(ending)
        again = summarizer.summarize(payment)
        stats = summarizer.stats().cache
    finally:
        summarizer.close()
    assert first.summary != second.summary
    assert "payment" in first.summary.lower() or "penalty" in first.summary.lower()
    assert "terminate" in second.summary.lower() or "governed" in second.summary.lower()
    assert not first.cached and not second.cached
    assert again.cached and again.summary == first.summary, "the same text with the same focus is a cache hit"
    assert stats is not None and (stats.entries, stats.hits, stats.misses) == (2, 1, 2)


def test_refocus_summarizes_the_document_again_in_one_action(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'f.db'}")
    with Engine(settings) as engine:
        doc = engine.add_parsed(make_document(6, sentences=20), file_name="f.txt")
        before = engine.wait(doc.id, timeout=60)
        assert engine.refocus(doc.id, "harbour trade and winter harvest") == 6
        after = engine.wait(doc.id, timeout=60)
    assert after.focus == "harbour trade and winter harvest"
    assert after.status == "done" and after.done == 6
    assert [c.summary for c in after.chapters] != [c.summary for c in before.chapters]
    hits_before = sum(focus_hits(c.summary or "", after.focus) for c in before.chapters)
    hits_after = sum(focus_hits(c.summary or "", after.focus) for c in after.chapters)
    assert hits_after > hits_before


@pytest.mark.corpus
def test_extractive_focus_brings_more_focus_terms_on_real_papers(corpus: Path) -> None:
    """Over the ScisummNet papers, a focus taken from a later section's title steers the summary toward it."""
    summarizer = ExtractiveSummarizer()
    focused_hits, plain_hits = [], []
    for line in (corpus / "summarization" / "scisummnet_dev.jsonl").read_text(encoding="utf-8").splitlines()[:40]:
        paper = json.loads(line)
        sections = [s for s in paper["sections"] if s.get("title") and len(tokenize(s["title"])) >= 1]
        if paper.get("body_words", 0) < 1000 or len(sections) < 3:
            continue
        focus = sections[len(sections) // 2]["title"]
        text = "\n\n".join(" ".join(s["sentences"]) for s in paper["sections"])
        plain = summarizer.summarize(SummaryRequest(text=text, max_sentences=5)).summary
        focused = summarizer.summarize(SummaryRequest(text=text, max_sentences=5, focus=focus)).summary
        plain_hits.append(focus_hits(plain, focus))
        focused_hits.append(focus_hits(focused, focus))
    assert len(focused_hits) >= 20
    assert statistics.mean(focused_hits) > 1.5 * statistics.mean(plain_hits)
    assert sum(f >= p for f, p in zip(focused_hits, plain_hits, strict=True)) >= 0.9 * len(focused_hits)
