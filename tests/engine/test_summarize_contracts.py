"""Hygiene on agreements: the whole-document summary of corpus contracts quotes clauses, not their furniture.

CUAD's contracts (converted from EDGAR filings) lay headings out inline ("Article 2  Grant of Rights
2.1 Appointment."), number their clauses, restate numbers in brackets ("thirty (30) days") and end in
signature blocks. The contracts are parsed by the product's own ingestion, once per module.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from desktop_app.engine.ingest import parse_document
from desktop_app.engine.summarize.document import summarize_document_extractive
from desktop_app.engine.summarize.extractive import analyze
from desktop_app.engine.summarize.hygiene import Junk, junk_kind, junk_kinds
from desktop_app.engine.summarize.sentences import sentence_spans, split_sentences

CONTRACTS = ("contracts", "txt")
RESTATED_NUMBER = re.compile(r"^\(\d+\)\s+[a-z]")


def _contract(corpus: Path, prefix: str) -> list[tuple[str, str]]:
    folder = corpus.joinpath(*CONTRACTS)
    found = sorted(folder.glob(f"{prefix}*.txt")) if folder.is_dir() else []
    if not found:
        pytest.skip(f"corpus contract absent: {folder}/{prefix}*")
    return [(c.title, c.text) for c in parse_document(found[0]).chapters]


@pytest.fixture(scope="module")
def contracts(corpus: Path) -> dict[str, list[tuple[str, str]]]:
    folder = corpus.joinpath(*CONTRACTS)
    paths = sorted(folder.glob("*.txt")) if folder.is_dir() else []
    if len(paths) < 3:
        pytest.skip(f"corpus contracts absent: {folder}")
    return {p.name: [(c.title, c.text) for c in parse_document(p).chapters] for p in paths}


@pytest.mark.parametrize(
    ("sentence", "kind"),
    [
        ("3.5 Service of Products in Territory.", Junk.HEADING),
        ("Article 2 Grant of Rights 2.1 Appointment.", Junk.HEADING),
        ("Article XII.", Junk.HEADING),
        ("Sales.", Junk.HEADING),
        ("(30) days of Distributor's or, as the case may be, the end-user's receipt of Products.", Junk.FRAGMENT),
        ("Notices and communications to Company shall be sent to:", Junk.FRAGMENT),
        ("Designs and drawings relevant to miscellaneous works III.", Junk.FRAGMENT),
        ("Miscellaneous works review (about 2 - 4 months); VII.", Junk.FRAGMENT),
        ("Establishment of Documents & Drawings Relevant to Miscellaneous Works 1.", Junk.HEADING),
        ("See the results in Section 2.", None),
        (
            "In the event of any damages or other defect in a Product which is discovered by Distributor within",
            Junk.FRAGMENT,
        ),
        ("By: /s/ Greg Demetri Name: Greg Demetri Title: CEO", Junk.SIGNATURE),
        ("IN WITNESS WHEREOF, the parties have executed this Agreement as of the Effective Date.", Junk.SIGNATURE),
        ("Date: December 22, 2014", Junk.SIGNATURE),
        ('"Expansion Volume Commitment" has the meaning set forth in Section 6.6.', Junk.DEFINITIONS),
        ('"Affiliate", "Products", "Territory", "Market" and "Term" (each as defined below).', Junk.DEFINITIONS),
        ("Source: IMPERIAL GARDEN & RESORT, INC., DRS (on F-1), 10/28/2016", Junk.RUNNING_HEAD),
        ("If to the Distributor to: Electric City of Illinois L.L.C.", Junk.CONTACT),
        ("With a copy to: Smith & Jones LLP, 1 Main Street, Boston.", Junk.CONTACT),
        ("(2) - Assumes shipper transports a different volume on a per day basis each month of the year", Junk.CAPTION),
        ("If to be effective, the notice shall be in writing.", None),
        ("If to the extent permitted: the party shall act.", None),
        # Clauses themselves stay quotable, capitals and numbers included.
        ("TIME IS OF THE ESSENCE.", None),
        ("The Company shall pay the Distributor within thirty (30) days of receipt of an invoice.", None),
        ("(A) The Company represents that, to the best of its knowledge, Products comply with all laws.", None),
        ("We set the window to 2.", None),
        # A clause's item "(c)" is not a copyright sign; "(c) 2008 …" is.
        (
            "Freight and payment method: (a) Verification of freight; (b) Party A shall not pay any other "
            "charges; (c) Clearance of freight: the final amount is subject to actual carriage.",
            None,
        ),
        ("(c) 2008 Association for Computational Linguistics", Junk.FRONT_MATTER),
    ],
)
def test_contract_junk_rules(sentence: str, kind: Junk | None) -> None:
    assert junk_kind(sentence) is kind


def test_an_inline_clause_heading_is_set_apart_from_its_first_clause() -> None:
    text = (
        "… or any successive renewal term. 4. Prices and Terms 4.1 The prices which Distributor shall pay "
        "are listed in Exhibit A. As shown in Section 3.2 The results are final."
    )
    sentences = split_sentences(text)
    assert "Prices and Terms" in sentences
    assert "4.1 The prices which Distributor shall pay are listed in Exhibit A." in sentences
    assert "As shown in Section 3.2 The results are final." in sentences  # not Title Case: not a heading


def test_a_clause_number_opening_a_line_ends_a_clause_left_without_its_full_stop() -> None:
    text = (
        "Company agrees to ship units as close as possible to the schedule of each order, unless\n"
        "Company otherwise indicates in writing\n"
        "3.02.  Shipment. All shipments of Products shall be made FOB Company's office.\n"
        "The fees are those set out in Section\n"
        "4.1 The Distributor shall pay them within thirty days."
    )
    sentences = split_sentences(text)
    assert sentences[0].endswith("unless Company otherwise indicates in writing")
    assert "All shipments of Products shall be made FOB Company's office." in sentences
    assert not any(s.endswith("writing 3.02.") for s in sentences)
    assert "The fees are those set out in Section 4.1 The Distributor shall pay them within thirty days." in sentences


def test_headings_set_apart_by_spaces_on_one_long_line_are_their_own_sentences(corpus: Path) -> None:
    chapters = _contract(corpus, "AURASYSTEMSINC")
    sentences = [s for _title, text in chapters for s in split_sentences(text)]
    assert "2.1 Appointment." in sentences
    assert not any(s.startswith("Article 2 Grant of Rights 2.1") for s in sentences)
    assert "Article 2 Grant of Rights" in sentences
    assert junk_kind("Article 2 Grant of Rights") is Junk.HEADING


def test_whole_contract_summaries_quote_no_headings_fragments_or_signatures(
    contracts: dict[str, list[tuple[str, str]]],
) -> None:
    for name, chapters in contracts.items():
        summary = summarize_document_extractive(chapters, words=300)
        assert summary.sentences, name
        for sentence in summary.sentences:
            assert junk_kind(sentence.text) is None, (name, sentence.text)
            assert not RESTATED_NUMBER.match(sentence.text), (name, sentence.text)  # "(30) days of …"
        texts = [s.text for s in summary.sentences]
        assert len(texts) == len(set(texts)), name


def test_the_summary_of_a_distributor_agreement_opens_with_its_parties_and_grant(corpus: Path) -> None:
    chapters = _contract(corpus, "LIMEENERGYCO")
    summary = summarize_document_extractive(chapters, words=250)
    text = summary.text
    assert "3.5 Service of Products in Territory." not in text
    assert "(30) days of" not in text
    assert "If to the Distributor to:" not in text  # the notice clause's address
    assert "exclusive" in text.lower()


def test_a_transportation_agreements_table_note_is_not_quoted(corpus: Path) -> None:
    chapters = _contract(corpus, "MPLXLP")
    text = summarize_document_extractive(chapters, words=600).text
    assert "Assumes shipper transports" not in text
    assert "Shipper" in text


def test_a_clause_heading_echoed_by_its_first_sentence_is_set_apart() -> None:
    text = (
        "The term ends in 2020. Business of Distributor Distributor is and shall remain an independent "
        "contractor. No Waiver No waiver by either party shall be effective. New products are Products."
    )
    sentences = split_sentences(text)
    assert sentences[1:5] == [
        "Business of Distributor",
        "Distributor is and shall remain an independent contractor.",
        "No Waiver",
        "No waiver by either party shall be effective.",
    ]
    assert junk_kind("Business of Distributor") is Junk.HEADING
    assert "New products are Products." in sentences  # a word repeated later in a sentence is no echo


def test_a_chapter_s_run_in_heading_is_not_part_of_its_summary_s_first_sentence() -> None:
    text = (
        "3. Term The term of this Agreement shall commence on the Effective Date and run for five years. "
        "Either party may renew the term for one more year by written notice. The renewal is not automatic."
    )
    analysis = analyze(text, "3. Term")
    first = analysis.lines[0]
    assert first.startswith("The term of this Agreement shall commence"), first
    start, end = analysis.spans[0]
    assert text[start:end] == first, "the span still indexes the text"
    assert analyze(text, "").lines[0].startswith("3. Term The term"), "without the title nothing is cut"
    numbered = "4. Prices and Terms 4.1 The prices are fixed in Exhibit A for the first year of the term."
    assert analyze(numbered, "4. Prices and Terms").lines[-1].startswith("4.1 The prices"), "a clause keeps its number"
    shouted = "3. TERM: The term of this Agreement shall commence on the Effective Date and run for five years."
    assert analyze(shouted, "3. Term").lines[0].startswith("The term of this Agreement"), "its case and colon aside"
    sentence = "THE PARTIES AGREE THAT THIS AGREEMENT IS GOVERNED BY THE LAWS OF TEXAS."
    assert analyze(sentence, "The Parties").lines[0] == sentence, "a sentence in capitals is not a heading run in"


def test_no_contract_summary_opens_a_sentence_with_its_clause_heading(
    contracts: dict[str, list[tuple[str, str]]],
) -> None:
    for name, chapters in contracts.items():
        for sentence in summarize_document_extractive(chapters, words=600).sentences:
            assert not sentence.text.startswith(("Business of Distributor Distributor", "No Waiver No")), name


def test_a_list_item_run_into_the_next_items_number_is_a_fragment(corpus: Path) -> None:
    text = (
        "II. Attendance of Concerned Work Coordination Meeting 1. Attendance of relevant review meetings and "
        "presentations 2. Reply to relevant consultations. The fee is due in 30 days. It is paid in 2."
    )
    spans = sentence_spans(text)
    kinds = dict(zip((text[s:e] for s, e in spans), junk_kinds(text, spans), strict=True))
    assert kinds["Attendance of relevant review meetings and presentations 2."] is Junk.FRAGMENT
    assert kinds["Reply to relevant consultations."] is None
    assert kinds["It is paid in 2."] is None  # the sentence before does not end on 1
    chapters = _contract(corpus, "ImperialGarden")
    assert "presentations 2." not in summarize_document_extractive(chapters, words=600).text
