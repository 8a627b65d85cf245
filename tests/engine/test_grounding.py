"""Grounded summaries: every sentence carries its chapter span (and page), support marks what the text does not say."""

from __future__ import annotations

import json
from pathlib import Path

from desktop_app.engine.ingest.base import ParsedChapter, ParsedDocument
from desktop_app.engine.service import Engine
from desktop_app.engine.summarize.base import SummarizerBase, SummaryRequest, SummaryResult, make_preview
from desktop_app.engine.summarize.grounding import SourceIndex, align, find_span, is_unsupported, source_spans

from .pipeline_helpers import settings_for

CHAPTER = (
    "The council met in the winter of 1852 to decide on the new bridge. "
    "After a long debate, the members voted to borrow four thousand pounds from the county bank.\n\n"
    "Construction began in the spring and the bridge opened to carts and walkers in 1854. "
    "Tolls paid back the loan within nine years, and the town's market doubled in size."
)
INVENTED = "Astronauts landed on the moon and planted a flag near the crater."


def test_a_copied_sentence_is_supported_and_an_invented_one_is_not() -> None:
    copied = "The council met in the winter of 1852 to decide on the new bridge."
    paraphrase = "The bridge loan was repaid from tolls in nine years."
    sentences = align([copied, paraphrase, INVENTED], CHAPTER)
    assert sentences[0].support == 1.0 and CHAPTER[sentences[0].start : sentences[0].end] == copied
    assert not is_unsupported(sentences[1]), "a paraphrase of the text is supported"
    assert "Tolls paid back the loan" in CHAPTER[sentences[1].start : sentences[1].end]
    assert is_unsupported(sentences[2]), "a sentence the chapter never says is marked unsupported"


def test_a_model_s_amounts_clause_numbers_and_abbreviations_stay_in_their_sentence() -> None:
    from desktop_app.engine.pipeline.work import ground

    text = (
        "2.1 This Agreement is effective June 11, 2015. The service fee is NTD 1.2 million, and 3.50% of the "
        "legal construction cost is added. Dr. Chang signs for Party B. Notices go to www.example.com."
    )
    summary = (
        "2.1 This Agreement is effective June 11, 2015. The fee is NTD 1.2 million plus 3.50% of the cost. "
        "Dr. Chang signs for Party B."
    )
    sentences = ground(summary, text)
    assert [s.text for s in sentences] == [
        "2.1 This Agreement is effective June 11, 2015.",
        "The fee is NTD 1.2 million plus 3.50% of the cost.",
        "Dr. Chang signs for Party B.",
    ]
    assert " ".join(s.text for s in sentences) == summary, "what the window shows is the model's text"
    first = sentences[0]
    assert first.start == 0 and text[first.start : first.end] == sentences[0].text, "the clause number included"
    assert not any(map(is_unsupported, sentences))
    listed = ground("Key points:\n- The service fee is NTD 1.2 million\n- Dr. Chang signs for Party B", text)
    assert [s.text for s in listed] == ["- The service fee is NTD 1.2 million", "- Dr. Chang signs for Party B"]
    assert not any(map(is_unsupported, listed)), "a list's items are its sentences; its label is layout"
    dotted = ground("Key points:\n• The service fee is NTD 1.2 million\n• Dr. Chang signs for Party B", text)
    assert [s.text for s in dotted] == ["• The service fee is NTD 1.2 million", "• Dr. Chang signs for Party B"]
    spans = [text[a:b] for a, b in source_spans(text)]
    assert "The service fee is NTD 1.2 million, and 3.50% of the legal construction cost is added." in spans
    assert spans[-1] == "Notices go to www.example.com."


def test_clause_quotes_are_found_across_reflowed_lines() -> None:
    text = "12. Termination. Either party may terminate\nthis Agreement   upon thirty (30) days notice."
    span = find_span("Either party may terminate this Agreement upon thirty (30) days notice.", text)
    assert span is not None and text[span[0] : span[1]].startswith("Either party") and text[span[1] - 1] == "."


class ParaphrasingModel(SummarizerBase):
    """An LLM-like backend without spans: two sentences from the chapter and one it made up."""

    name = "openai"
    model = "test-model"

    def summarize(self, request: SummaryRequest) -> SummaryResult:
        if request.kind == "document":
            summary = "The town borrowed money to build a bridge. " + INVENTED
        else:
            first = request.text.split(". ")[0] + "."
            summary = f"{first} {INVENTED}"
        return SummaryResult(summary, make_preview(summary), self.name, self.model, 1.0)


def test_model_sentences_are_aligned_and_marked_in_the_record_and_exports(tmp_path: Path) -> None:
    doc = ParsedDocument(
        "Bridge", "pdf", [ParsedChapter("One", CHAPTER, page_starts=[(0, 3), (160, 4)]), ParsedChapter("Two", CHAPTER)]
    )
    with Engine(settings_for(f"sqlite:///{tmp_path / 'g.db'}", tmp_path), summarizer=ParaphrasingModel()) as engine:
        added = engine.add_parsed(doc, file_name="bridge.pdf")
        view = engine.wait(added.id, timeout=30)
        exported = json.loads(engine.export(added.id, "json", with_text=True))
        markdown = engine.export(added.id, "md")
    first = view.chapters[0]
    assert [is_unsupported(s) for s in first.sentences] == [False, True]
    supported = first.sentences[0]
    assert supported.start is not None and supported.end is not None
    assert first.page_at(supported.start) == 3
    chapter_json = exported["chapters"][0]
    assert chapter_json["summary_sentences"][0]["page"] == 3
    assert chapter_json["summary_sentences"][1]["support"] < 0.35
    text = chapter_json["text"]
    s0 = chapter_json["summary_sentences"][0]
    assert text[s0["start"] : s0["end"]].startswith("The council met")
    expected_by = {"backend": "openai", "model": "test-model", "fallback": False, "reason": None}
    assert chapter_json["summarized_by"] == expected_by
    assert exported["document"]["summary_sentences"][0]["chapter"] in (0, 1)
    assert "not supported by the text" in markdown and "[^1]: ch. 1, p. 3" in markdown


def test_a_long_chapter_reports_its_parts_as_they_are_summarized(tmp_path: Path) -> None:
    import random

    from chapterwise_testing.llmsim import LLMSimulator
    from desktop_app.config import Settings
    from desktop_app.engine.events import ChapterProgress

    from .pipeline_helpers import EventLog, paragraph

    rng = random.Random(3)
    long_text = "\n\n".join(paragraph(rng, 12) for _ in range(40))  # several times a 512-token window
    with LLMSimulator(slots=2) as sim:
        settings = Settings(
            data_dir=tmp_path / "d",
            database_url=f"sqlite:///{tmp_path / 'p.db'}",
            backend="ollama",
            model="llama3.2:latest",
            endpoints=[sim.url],
            context_tokens=512,
            cache_enabled=False,
        )
        log = EventLog()
        with Engine(settings) as engine:
            engine.bus.subscribe(log)
            parsed = ParsedDocument("Long", "txt", [ParsedChapter("Long", long_text)])
            doc = engine.add_parsed(parsed, file_name="l.txt")
            view = engine.wait(doc.id, timeout=120)
    parts = log.of(ChapterProgress)
    assert view.chapters[0].status == "done"
    assert len(parts) >= 3 and parts[0].done == 1 and parts[-1].done == parts[-1].total
    assert all(p.chapter_id == view.chapters[0].id for p in parts)


def _align_full(sentences: list[str], source: str) -> list[tuple[int | None, int | None, float | None]]:
    """The reference: every word of the source indexed (what the targeted index must reproduce)."""
    index = SourceIndex(source)
    out: list[tuple[int | None, int | None, float | None]] = []
    for sentence in sentences:
        found = index.best_passage(sentence)
        out.append((None, None, 0.0) if found is None else (found[0], found[1], round(found[2], 3)))
    return out


def test_the_targeted_index_aligns_real_texts_as_the_full_index_does(corpus: Path) -> None:
    texts = [
        p.read_text(encoding="utf-8", errors="replace") for p in sorted((corpus / "contracts" / "txt").glob("*.txt"))
    ]
    assert texts, "the corpus has contract texts"
    checked = 0
    for text in texts:
        spans = source_spans(text)
        # Copied sentences, a paraphrase-like mix of two, and one the text never says.
        picked = [text[s:e] for s, e in spans[:: max(1, len(spans) // 6)]][:6]
        mixed = " ".join(picked[0].split()[:6] + picked[-1].split()[-6:]) + "."
        sentences = [*picked, mixed, INVENTED, "Über 5 Tage, nicht 30."]
        got = [(s.start, s.end, s.support) for s in align(sentences, text)]
        assert got == _align_full(sentences, text)
        checked += sum(1 for g in got if g[0] is not None)
    assert checked >= len(texts) * 6, "most sentences found a passage"


def test_a_summary_none_of_whose_words_the_text_has_finds_no_passage() -> None:
    (sentence,) = align(["Astronauts zigzag quietly."], CHAPTER)
    assert (sentence.start, sentence.end, sentence.support) == (None, None, 0.0)
