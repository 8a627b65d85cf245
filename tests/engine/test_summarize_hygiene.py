"""Sentence spans and hygiene: segmentation, run-together repair, and each junk rule on real documents.

The corpus documents are parsed by the product's own ingestion (real PDFs and EPUBs), once per module.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.engine.ingest import parse_document
from desktop_app.engine.summarize.base import SummaryRequest
from desktop_app.engine.summarize.extractive import ExtractiveSummarizer, analyze
from desktop_app.engine.summarize.hygiene import Junk, clean_text, judge, junk_kind, junk_kinds
from desktop_app.engine.summarize.sentences import sentence_spans, split_sentences
from tests.engine.llm_fixtures import CHAPTER


def _chapters(corpus: Path, *parts: str) -> list[tuple[str, str]]:
    path = corpus.joinpath(*parts)
    if not path.is_file():
        pytest.skip(f"corpus file absent: {path}")
    return [(c.title, c.text) for c in parse_document(path).chapters]


@pytest.fixture(scope="module")
def paper(corpus: Path) -> list[tuple[str, str]]:
    """A two-column ACL paper with its title, author, affiliation and e-mail block (as W02 papers have)."""
    return _chapters(corpus, "summarization", "P05-1045", "P05-1045.pdf")


@pytest.fixture(scope="module")
def geotopo(corpus: Path) -> list[tuple[str, str]]:
    return _chapters(corpus, "pdf", "GeoTopo-komprimiert.pdf")


@pytest.fixture(scope="module")
def alice(corpus: Path) -> list[tuple[str, str]]:
    return _chapters(corpus, "epub", "alice.epub")


def _judged(text: str, title: str = "") -> list[tuple[str, Junk | None]]:
    spans = sentence_spans(text)
    kinds = junk_kinds(text, spans, title)
    return [(" ".join(text[s:e].split()), k) for (s, e), k in zip(spans, kinds, strict=True)]


def _assert_exact_spans(text: str) -> None:
    spans = sentence_spans(text)
    assert spans, "no sentences found"
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end <= len(text)
        assert text[start:end] == text[start:end].strip()
        assert "\n\n" not in text[start:end]
        previous_end = end


# --- segmentation


def test_spans_index_the_original_text_of_real_documents(
    paper: list[tuple[str, str]], alice: list[tuple[str, str]]
) -> None:
    for _title, text in [*paper, *alice]:
        _assert_exact_spans(text)
    text = alice[0][1]
    assert split_sentences(text) == [" ".join(text[s:e].split()) for s, e in sentence_spans(text)]


def test_abbreviations_initials_decimals_and_quotes_do_not_end_a_sentence() -> None:
    text = (
        'Dr. Smith measured 3.5 kg, e.g. in the lab of J. R. Tolkien. "Is it heavy?" she asked. '
        "Work by Finkel et al. (2005) helps. The U.S. Army agreed. Zwei Beispiele, z. B. Kreise, folgen."
    )
    assert split_sentences(text) == [
        "Dr. Smith measured 3.5 kg, e.g. in the lab of J. R. Tolkien.",
        '"Is it heavy?" she asked.',
        "Work by Finkel et al. (2005) helps.",
        "The U.S. Army agreed.",
        "Zwei Beispiele, z. B. Kreise, folgen.",
    ]


def test_run_together_sentences_of_a_damaged_pdf_are_repaired() -> None:
    # The text a lenient PDF parser recovers from a damaged print of the Zen of Python: lines glued
    # at full stops and the printer's footer on its own line.
    text = (
        "Beautiful is better than ugly.Explicit is better than implicit.Simple is better than complex.\n"
        "Page 1/1 Printed by Tim Peters\n"
        "See python.org.Readability counts."
    )
    sentences = split_sentences(text)
    assert sentences[:3] == [
        "Beautiful is better than ugly.",
        "Explicit is better than implicit.",
        "Simple is better than complex.",
    ]
    assert "Page 1/1 Printed by Tim Peters" in sentences
    assert "See python.org." in sentences  # a domain name is not two sentences
    kinds = dict(_judged(text))
    assert kinds["Page 1/1 Printed by Tim Peters"] is Junk.RUNNING_HEAD
    summary = ExtractiveSummarizer().summarize(SummaryRequest(text=text, max_sentences=3)).summary
    assert "Printed by" not in summary and "implicit.Simple" not in summary


def test_a_list_item_keeps_its_number_and_loses_its_bullet() -> None:
    text = (
        "The limitations are based on the following categories of conduct by a service provider:\n"
        "1. Transitory communications;\n"
        "2. System caching; and\n"
        "3. Information location tools.\n"
        "The act is divided into two titles:\n"
        "• Title I implements the treaties.\n"
        "• Title II limits the liability of service providers.\n"
        "We counted 2. Then we stopped."
    )
    sentences = split_sentences(text)
    assert sentences[0] == (
        "The limitations are based on the following categories of conduct by a service provider: "
        "1. Transitory communications; 2. System caching; and 3. Information location tools."
    )
    assert "Title II limits the liability of service providers." in sentences  # its bullet is not its text
    assert not any(s.endswith((" 1.", " 2.")) and s != "We counted 2." for s in sentences)
    assert sentences[-2:] == ["We counted 2.", "Then we stopped."]  # a number ending a line's sentence ends it
    _assert_exact_spans(text)


def test_a_short_quotation_stays_whole_in_the_sentence_that_quotes_it() -> None:
    text = (
        'Alice heard the Rabbit say to itself, "Oh dear! Oh dear! I shall be late!" and ran after it. '
        "It muttered, “The Duchess! The Duchess!” Then it left. "
        '"Never closed. So this cuts. He said "yes." Then more.'
    )
    sentences = split_sentences(text)
    assert sentences == [
        'Alice heard the Rabbit say to itself, "Oh dear! Oh dear! I shall be late!" and ran after it.',
        "It muttered, “The Duchess! The Duchess!”",
        "Then it left.",
        '"Never closed.',
        "So this cuts.",
        'He said "yes."',
        "Then more.",
    ]
    speech = '"' + " ".join(["Go on, go on!"] * 40) + '"'
    assert len(split_sentences(speech)) == 40, "a quotation longer than QUOTE_MAX cuts as usual"
    _assert_exact_spans(text)


def test_a_footnote_number_on_its_own_line_does_not_end_the_sentence_it_stands_in() -> None:
    text = (
        "INTRODUCTION\n"
        "The Digital Millennium Copyright Act was signed into law by\n"
        "1\n"
        "President Clinton on October 28, 1998. The legislation implements two treaties.\n"
        "• Title III, the Computer Maintenance Competition Assurance\n"
        "Act, creates an exemption for making a copy.\n"
        "That ends the page.\n"
        "12\n"
        "The next page starts here."
    )
    sentences = split_sentences(text)
    assert "The Digital Millennium Copyright Act was signed into law by 1 President Clinton on October 28, 1998." in (
        sentences
    )
    assert "Title III, the Computer Maintenance Competition Assurance Act, creates an exemption for making a copy." in (
        sentences
    )
    assert "12" in sentences, "a page number after a finished sentence stands alone"
    _assert_exact_spans(text)


def test_spaces_that_justify_a_fixed_width_line_do_not_cut_its_sentence() -> None:
    """EDGAR's fixed-width text: runs of spaces justify its lines; one before a heading still sets it apart."""
    text = (
        "1.1      Grant  and   Acceptance.   Company  hereby      appoints   the Distributor as its agent.\n\n"
        "The parties agree as follows.     Article 2  Grant of Rights    2.1 Appointment. The agent sells."
    )
    sentences = split_sentences(text)
    assert "Company hereby appoints the Distributor as its agent." in sentences
    assert "The parties agree as follows." in sentences
    assert "Article 2 Grant of Rights" in sentences, "a heading set apart by spaces stays apart"
    _assert_exact_spans(text)


def test_dmca_s_symbol_font_bullets_are_bullets_and_its_lists_are_read_whole(corpus: Path) -> None:
    sentences = [s for _title, text in _chapters(corpus, "pdf", "dmca.pdf") for s in split_sentences(text)]
    assert not any(s.endswith((" !", ": 1.")) or s.startswith("! ") for s in sentences)
    assert "2. Reverse engineering (section 1201(f))." in sentences
    # A footnote's number on its own line inside a sentence, and a bullet item in Title Case, go on.
    assert "President Clinton on October 28, 1998." not in sentences
    assert any(s.endswith("was signed into law by 1 President Clinton on October 28, 1998.") for s in sentences)
    assert not any(s.startswith("Act,” creates an exemption") for s in sentences)
    summary = ExtractiveSummarizer().summarize(SummaryRequest(text="\n\n".join(sentences))).summary
    assert " !" not in summary


def test_a_heading_line_never_opens_the_next_sentence(paper: list[tuple[str, str]]) -> None:
    text = "1 Introduction\nToday, very large amounts of text are available online. They need summaries."
    assert split_sentences(text)[0] == "1 Introduction"
    headings = ("1 Introduction", "2 Gibbs Sampling for Inference", "3 A Conditional Random Field Model")
    for _title, chapter in paper:
        for sentence in split_sentences(chapter):
            if sentence.startswith(headings):
                assert len(sentence.split()) <= 8, sentence  # the heading alone, never heading + prose


# --- junk rules, each on the corpus document that shows it


def test_paper_front_matter_author_block_and_contacts_are_junk(paper: list[tuple[str, str]]) -> None:
    judged = _judged(paper[0][1])
    junk = {s: k for s, k in judged if k is not None}
    assert any("@cs.stanford.edu" in s and k is Junk.CONTACT for s, k in junk.items())
    assert any("Stanford University" in s for s in junk)
    assert any("Proceedings of the 43rd Annual Meeting" in s for s in junk)
    kept = [s for s, k in judged if k is None]
    assert any(s.startswith("We show how to solve this dilemma with Gibbs sampling") for s in kept)  # the abstract
    assert not any("Jenny Rose Finkel" in s or "Stanford" in s for s in kept)


def test_paper_references_captions_and_table_rows_are_junk(paper: list[tuple[str, str]]) -> None:
    judged = [pair for title, text in paper for pair in _judged(text, title)]
    kinds = {k for _s, k in judged}
    assert {Junk.REFERENCE, Junk.CAPTION, Junk.HEADING, Junk.PAGE_NUMBER} <= kinds
    for sentence, kind in judged:
        if sentence.startswith(("Figure 1:", "Table 3:")):
            assert kind is Junk.CAPTION, sentence
        if sentence.startswith(("In Proceedings of the", "S. Abney. 1997.")):
            assert kind is not None, sentence
    assert not any(k is None and "CoNLL, pages" in s for s, k in judged)


def test_geotopo_headings_running_heads_page_numbers_and_formulas_are_junk(geotopo: list[tuple[str, str]]) -> None:
    title, text = next(c for c in geotopo if c[0].startswith("1 Topologische"))
    judged = _judged(text)
    junk = {s: k for s, k in judged if k is not None}
    assert junk.get("1 Topologische Grundbegriffe") is Junk.HEADING
    assert junk.get("1.1 Topologische Räume") is Junk.HEADING
    assert junk.get("Definition 1") is Junk.HEADING
    assert any(k is Junk.RUNNING_HEAD and "TOPOLOGISCHE RÄUME" in s for s, k in junk.items())
    assert any(k is Junk.RUNNING_HEAD and "STETIGKEIT" in s for s, k in junk.items())
    assert Junk.PAGE_NUMBER in junk.values()
    assert any(k is Junk.FORMULA and "U1 ∩ U2 ∈ T" in s for s, k in junk.items())
    summary = ExtractiveSummarizer().summarize(SummaryRequest(text=text, title=title, max_sentences=5))
    for sentence in summary.sentences:
        assert junk_kind(sentence.text) is None, sentence.text
        assert not sentence.text.startswith(("1 Topologische", "1.1 Topologische", "Definition 1"))


def test_alice_chapter_titles_and_dialogue_fragments_are_not_summary_sentences(alice: list[tuple[str, str]]) -> None:
    backend = ExtractiveSummarizer()
    for title, text in alice:
        result = backend.summarize(SummaryRequest(text=text, title=title, max_sentences=4))
        assert not result.summary.startswith(title)
        for sentence in result.sentences:
            assert len(sentence.text.split()) >= 6, sentence.text
            assert sentence.start is not None and sentence.end is not None
            assert " ".join(text[sentence.start : sentence.end].split()) == sentence.text


@pytest.mark.parametrize(
    ("sentence", "kind"),
    [
        ("2 Previous Work", Junk.HEADING),
        ("Pig And Pepper", Junk.HEADING),
        ("{jrfinkel, grenager, mannning}@cs.stanford.edu", Junk.CONTACT),
        ("8http://svmlight.joachims.org Features # of frequency or NB ME SVM", Junk.CONTACT),
        ("In Proc. of the AAAI Workshop on Learning for Text Categorization, pages 41-48.", Junk.REFERENCE),
        ("Features # of frequency or NB ME SVM 82.7 81.0 77.9 78.7 80.2", Junk.TABLE),
        ("Table 2: Average three-fold cross-validation accuracies, in percent.", Junk.CAPTION),
        ("STETIGKEIT (x1, y1) (x2, y2) x1 x2 U1 × X2", Junk.FORMULA),
        ("4 1.1. TOPOLOGISCHE RÄUME", Junk.RUNNING_HEAD),
        ("Page 1/1 Printed by Tim Peters", Junk.RUNNING_HEAD),
        ("- 12 -", Junk.PAGE_NUMBER),
        ("Computer Science Department Stanford University Stanford, CA 94305", Junk.FRONT_MATTER),
        (". γ1 und γ2 aus Abbildung 3.3a nicht homotop.", Junk.FRAGMENT),
        ("(b) Fall 2 Abbildung 4.20: Zwei Punkte liegen immer auf genau einer Geraden", Junk.CAPTION),
        ("As shown in Table 2, accuracy improves when x = 3 and y = 4 in all runs of the experiment.", None),
        ("Figure 3 shows that the consistency constraint holds in most documents.", None),
        ("We use the tagger of Smith et al. (2003) on pages of newswire text.", None),
        # A contract's title block, longer than a heading: every word capitalised, no stop.
        (
            "Outsourcing Contract on Development of Miaoli Royal Resort Hotel Planning Unit: Chang Chen-Bin "
            "Architects Office October 29, 2015",
            Junk.HEADING,
        ),
        ("The Covenanter of the Hotel and the Architects of Miaoli agree on the Terms of the Contract below", None),
    ],
)
def test_junk_rules_on_the_examples_readers_met(sentence: str, kind: Junk | None) -> None:
    assert junk_kind(sentence) is kind


def test_a_line_repeated_on_many_pages_is_a_running_head() -> None:
    pages = [
        "The window lists every document you added.",
        "Each chapter shows its summary as soon as it is ready.",
        "A document can be summarized again with a new focus.",
        "The local API serves the same engine over HTTP.",
    ]
    text = "".join(f"Chapterwise User Guide\n{prose} Page {n} ends here.\n\n" for n, prose in enumerate(pages, 1))
    kinds = _judged(text)
    assert {k for s, k in kinds if s == "Chapterwise User Guide"} == {Junk.RUNNING_HEAD}
    assert analyze(text).candidates  # the prose stays


def test_text_for_llm_backends_loses_page_furniture_and_keeps_the_rest(geotopo: list[tuple[str, str]]) -> None:
    zen = "Beautiful is better than ugly.Explicit is better than implicit.\nPage 1/1 Printed by Tim Peters\nSimple."
    assert clean_text(zen) == "Beautiful is better than ugly. Explicit is better than implicit.\nSimple."
    _title, text = next(c for c in geotopo if c[0].startswith("1 Topologische"))
    cleaned = clean_text(text)
    assert "1. TOPOLOGISCHE RÄUME" in text and "1. TOPOLOGISCHE RÄUME" not in cleaned
    assert "1.1 Topologische Räume" in cleaned and "Definition 1" in cleaned  # headings stay
    assert "Ein topologischer Raum ist ein Paar (X, T)" in cleaned


def test_function_words_counted_at_once_equal_the_count_line_by_line() -> None:
    from desktop_app.engine.summarize import hygiene
    from desktop_app.engine.summarize.terms import count_words

    lines = [*split_sentences(CHAPTER), "", "(of) the; Über die Straße.", "ΟΔΟΣ of a the", "x1 = y2 + z3"]
    lines = [" ".join(line.split()) for line in lines]
    once = count_words(lines, hygiene._FUNCTION_WORDS, hygiene._PUNCTUATION_MARKS)
    assert once == [
        sum(w in hygiene._FUNCTION_WORDS for w in line.lower().translate(hygiene._PUNCTUATION).split())
        for line in lines
    ]
    assert max(once) >= 3
    assert [hygiene._line_kind(line, n) for line, n in zip(lines, once, strict=True)] == list(
        map(hygiene._line_kind, lines)
    )


# --- judged lazily: the structure first, each candidate in full when its turn comes


def test_the_structure_judged_first_has_the_headings_of_the_full_judgement(
    paper: list[tuple[str, str]], geotopo: list[tuple[str, str]]
) -> None:
    deferred = 0
    for title, text in [*paper, *geotopo]:
        spans = sentence_spans(text)
        lines, full = judge(text, spans, title)
        _lines, first = judge(text, spans, title, settle=False)
        assert [k is Junk.HEADING for k in first] == [k is Junk.HEADING for k in full], title
        for line, now, settled in zip(lines, first, full, strict=True):
            if settled is None:
                assert now is None, line  # prose is never set aside by the first pass
            elif now is None:
                assert junk_kind(line) is not None, line  # what is left is judged in full later
                deferred += 1
    assert deferred >= 10  # captions, formulas, table rows: left for later on these documents


def test_a_candidate_judged_lazily_is_never_picked(paper: list[tuple[str, str]]) -> None:
    summarizer = ExtractiveSummarizer()
    turned_down = 0
    for title, text in paper:
        analysis = analyze(text, title)
        admitted = [j for j in range(len(analysis.candidates)) if analysis.admits(j)]
        turned_down += len(analysis.candidates) - len(admitted)
        request = SummaryRequest(text=text, title=title, max_sentences=len(analysis.candidates) or 1)
        picked = summarizer.ranked(request, limit=len(analysis.candidates))
        assert all(junk_kind(s.text) is None for s in picked), title
        assert len(picked) == len(admitted), title  # every other candidate is still there
    assert turned_down >= 3  # the paper's long captions and formulas are candidates until judged


def test_a_long_run_of_marks_is_read_once() -> None:
    """200,000 full stops closing a paragraph: tried at each of them, the boundary search took hours."""
    text = "It starts here. The run follows.\n\n" + "." * 200_000 + "\n\nIt ends here. Nothing more."
    sentences = split_sentences(text)
    assert sentences[0] == "It starts here." and sentences[-1] == "Nothing more."
    _assert_exact_spans(text)


def test_boundaries_found_from_their_full_stops_are_the_patterns_matches(paper: list[tuple[str, str]]) -> None:
    import random

    from desktop_app.engine.summarize import boundaries, sentences

    rng = random.Random(3)
    pieces = [*'the end etc Fig al abc . 12 4 ٣ 1.2 A The ! ? … 。 " ” ) ] ( “ ¿'.split(), ". ", " ", "\n", "\u00a0"]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 60))) for _ in range(3000)]
    texts += [text for _title, text in paper]
    texts += ["Prices and Terms 4.1 The prices. 123.45 Above 1.2. Then x.5.5 A and 7.1 B", "in the lab. The end. Xyz"]
    texts += ["Contents" + "." * 300 + " 5 More.", "It ends" + "!?." * 100, "." * 500 + " A", "…" * 50 + "! B"]
    for text in texts:
        for start, end in ((0, len(text)), (1, len(text) - 1), (len(text) // 3, len(text))):
            expected = {
                m.end() for m in boundaries.PLAIN.finditer(text, start, end) if m.group(1) not in sentences._NOT_PLAIN
            }
            assert boundaries.plain_ends(text, start, end, sentences._NOT_PLAIN) == expected, (text, start, end)
            numbers = [m.start() for m in boundaries.SUBCLAUSE.finditer(text, start, end)]
            assert list(boundaries.subclause_numbers(text, start, end)) == numbers, (text, start, end)
            runs = [m.span() for m in boundaries.CANDIDATE.finditer(text, start, end)]
            assert [m.span() for m in boundaries.boundary_matches(text, start, end)] == runs, (text, start, end)


def test_a_footnote_whose_mark_runs_into_its_first_word_is_not_prose(paper: list[tuple[str, str]]) -> None:
    assert junk_kind("7While there is no theoretical justification for this, we found it to work well.") is Junk.CAPTION
    assert junk_kind("10Haghighi and Klein (2009) reports on true mentions.") is Junk.CAPTION
    for prose in ("3D printing is used for the parts.", "2 of the 5 models were trained on it.", "The 4Kids brand."):
        assert junk_kind(prose) is None, prose
    summary = " ".join(
        ExtractiveSummarizer().summarize(SummaryRequest(text=text, title=title)).summary for title, text in paper
    )
    assert "7While" not in summary, "the paper's footnote is not in its summary"
