"""Clause flags: the rule-based detector, the LLM answer parser, and CUAD's labels."""

from __future__ import annotations

import contextlib
import csv
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop_app.engine.pipeline.work import locate
from desktop_app.engine.summarize.clauses import (
    CATEGORIES,
    canonical_category,
    detect_clauses,
    looks_like_contract,
    provisions,
)
from desktop_app.engine.summarize.http import MalformedAnswerError
from desktop_app.engine.summarize.prompts import clean_summary, parse_clauses
from tests.engine.llm_fixtures import CHAPTER, CONTRACT

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "contracts"

REQUIRED = {
    "Uncapped Liability",
    "Cap On Liability",
    "Liquidated Damages",
    "Termination For Convenience",
    "Renewal Term",
    "Non-Compete",
    "Exclusivity",
    "Change Of Control",
    "Anti-Assignment",
    "Most Favored Nation",
    "IP Ownership Assignment",
    "Governing Law",
    "Indemnification",
}


def test_categories_cover_the_issue() -> None:
    assert set(CATEGORIES) >= REQUIRED
    assert CATEGORIES["Indemnification"].cuad is None


@pytest.mark.parametrize(
    ("sentence", "category"),
    [
        ("In no event shall either party's aggregate liability exceed the fees paid hereunder.", "Cap On Liability"),
        (
            "The limitations of liability in this Section shall not apply to breaches of confidentiality.",
            "Uncapped Liability",
        ),
        ("Supplier shall pay liquidated damages of $500 per day of delay.", "Liquidated Damages"),
        (
            "Either party may terminate this Agreement for convenience upon thirty (30) days written notice.",
            "Termination For Convenience",
        ),
        ("This Agreement shall automatically renew for successive one-year terms.", "Renewal Term"),
        ("Distributor shall not sell any products that compete with the Products.", "Non-Compete"),
        ("Company appoints Distributor as its exclusive distributor in the Territory.", "Exclusivity"),
        ("Licensor may terminate upon a change of control of Licensee.", "Change Of Control"),
        ("Neither party may assign this Agreement without the prior written consent of the other.", "Anti-Assignment"),
        ("Prices shall be no less favorable than those offered to any other customer.", "Most Favored Nation"),
        (
            "Consultant hereby assigns to Company all right, title and interest in the Deliverables.",
            "IP Ownership Assignment",
        ),
        ("This Agreement shall be governed by the laws of the State of New York.", "Governing Law"),
        ("Supplier shall indemnify and hold harmless Buyer from any third-party claims.", "Indemnification"),
    ],
)
def test_each_category_has_a_rule(sentence: str, category: str) -> None:
    text = f"{CONTRACT}\n\n{sentence}"
    assert category in {f.category for f in detect_clauses(text)}


def test_flags_quote_the_clause_with_offset_and_severity() -> None:
    flags = detect_clauses(CONTRACT)
    law = next(f for f in flags if f.category == "Governing Law")
    assert law.severity == "low"
    assert law.start is not None and CONTRACT[law.start :].startswith("This Agreement shall be governed")
    assert all(f.severity in ("high", "medium", "low") for f in flags)


def test_a_list_of_clause_kinds_names_them_and_is_not_flagged() -> None:
    listing = (
        "Clauses that deserve a second look include uncapped liability, indemnification, liquidated damages, "
        "renewal terms, termination for convenience, exclusivity and non-compete terms."
    )
    carve_out = (
        "Except for the indemnification obligations under Section 9, in no event shall either party's aggregate "
        "liability exceed the fees paid hereunder."
    )
    flags = detect_clauses(f"{CONTRACT}\n\n{listing}\n\n{carve_out}")
    assert not [f for f in flags if "second look" in f.text], "a list of kinds raised flags"
    carved = {f.category for f in flags if "Section 9" in f.text}
    assert {"Cap On Liability", "Indemnification"} <= carved, "a provision of two kinds keeps both flags"


def test_non_exclusive_and_novels_are_not_flagged() -> None:
    text = CONTRACT.replace("the exclusive distributor", "a non-exclusive distributor")
    assert "Exclusivity" not in {f.category for f in detect_clauses(text)}
    assert not looks_like_contract(CHAPTER)
    assert detect_clauses(CHAPTER + " Their lives were governed by the laws of nature.") == []


def test_a_warranty_extended_is_not_the_agreement_renewed() -> None:
    lead = "This Distribution Agreement is made between the Supplier and the Distributor. "
    warranty = lead + (
        "The Distributor shall offer to end-users the option to purchase extended warranty coverage for an "
        "additional twenty-four (24) months."
    )
    assert "Renewal Term" not in {f.category for f in detect_clauses(warranty, force=True)}
    renewal = lead + "The term of this Agreement may be extended for an additional two year period by the parties."
    assert "Renewal Term" in {f.category for f in detect_clauses(renewal, force=True)}


def test_exclusive_dealing_is_flagged_and_exclusive_dispute_resolution_or_cumulative_rights_are_not() -> None:
    lead = "This Distribution Agreement is made between the Supplier and the Distributor. "

    def kinds(sentence: str) -> set[str]:
        return {f.category for f in detect_clauses(lead + sentence, force=True)}

    assert "Exclusivity" in kinds("The Distributor shall procure the Products solely from the Supplier.")
    assert "Exclusivity" in kinds(
        "Subject to Section 8.3, the Distributor's right to market and sell the Products in the Territory shall be "
        "exclusive."
    )
    assert "Exclusivity" not in kinds(
        "Any dispute arising out of this Agreement shall be resolved exclusively through binding arbitration."
    )
    assert "Exclusivity" not in kinds("Disputes shall be heard exclusively in the state courts of Texas.")
    assert "Exclusivity" not in kinds(
        "No right or remedy herein conferred upon either party is exclusive of any other right or remedy."
    )


def test_common_drafting_of_caps_exclusivity_assignment_and_mfn_is_flagged() -> None:
    lead = "This Distribution Agreement is made between the Supplier and the Distributor. "

    def kinds(sentence: str) -> set[str]:
        return {f.category for f in detect_clauses(lead + sentence, force=True)}

    assert "Anti-Assignment" in kinds(
        "Distributor shall not assign the rights granted in this Section 1.01 without the prior written consent of "
        "the Supplier."
    ), "a section number's full stop does not end the provision"
    assert "Cap On Liability" in kinds("Nor shall the Supplier at any time be liable for any consequential damages.")
    assert "Cap On Liability" in kinds(
        "Neither party shall be liable to the other for any damages based upon loss of goodwill or prospective profits."
    )
    assert "Cap On Liability" not in kinds(
        "Termination is not the sole remedy under this Agreement, and all other remedies shall remain available."
    )
    assert "Exclusivity" in kinds(
        "In order to maintain the exclusivity granted hereunder, the Distributor shall order at least 1,000 units."
    )
    assert "Exclusivity" not in kinds('The term "Territory" means exclusively the United States and Canada.')
    assert "Most Favored Nation" in kinds("The Supplier shall notify the Distributor in writing of any such MFN Terms.")


def test_parse_llm_clause_answers() -> None:
    answer = (
        '<think>hmm</think>```json\n{"clauses": [{"category": "most favoured nation", "severity": "HIGH", '
        '"text": "The Distributor shall indemnify and hold harmless the Company from all claims."}, '
        '{"category": "made up", "severity": "high", "text": "x"}, {"category": "Governing Law", '
        '"text": ""}]}\n```'
    )
    flags = parse_clauses(answer, CONTRACT)
    assert [(f.category, f.severity) for f in flags] == [("Most Favored Nation", "high")]
    assert flags[0].start == CONTRACT.find("The Distributor shall indemnify")
    bare = parse_clauses('Sure! [{"category": "Indemnification", "text": "hold harmless"}]', CONTRACT)
    assert bare[0].severity == "medium"
    with pytest.raises(MalformedAnswerError):
        parse_clauses("I could not find any clauses.", CONTRACT)
    with pytest.raises(MalformedAnswerError):
        parse_clauses('{"clauses": "none"}', CONTRACT)


def test_clean_summary() -> None:
    assert clean_summary("<think>plan</think>Here is a summary:\nThe river rose.") == "The river rose."
    with pytest.raises(MalformedAnswerError):
        clean_summary("<think>only thoughts</think>  ")


@given(st.text(max_size=300))
def test_parsers_never_crash_on_arbitrary_answers(answer: str) -> None:
    with contextlib.suppress(MalformedAnswerError):
        assert all(f.category in CATEGORIES for f in parse_clauses(answer, CONTRACT))
    with contextlib.suppress(MalformedAnswerError):
        assert clean_summary(answer).strip()


def test_aliases() -> None:
    assert canonical_category("Ip Ownership Assignment") == "IP Ownership Assignment"
    assert canonical_category("MFN") == "Most Favored Nation"
    assert canonical_category("weather") is None


@pytest.mark.corpus
def test_detector_against_cuad_labels() -> None:
    if not (CORPUS / "master_clauses_subset.csv").is_file():
        pytest.skip(f"CUAD sample not found at {CORPUS} (the shared corpus is absent)")
    rows = list(csv.DictReader((CORPUS / "master_clauses_subset.csv").open(encoding="utf-8")))
    tp = fp = fn = 0
    for row in rows:
        text = (CORPUS / "txt" / (Path(row["Filename"]).stem + ".txt")).read_text(encoding="utf-8")
        flagged = {f.category for f in detect_clauses(text)}
        for name, spec in CATEGORIES.items():
            wanted = f"{spec.cuad}-Answer".replace(" ", "")
            column = next((k for k in row if spec.cuad and k.replace(" ", "") == wanted), None)
            if column is None:
                continue
            truth = row[column].strip().lower() not in ("", "no")
            tp += truth and name in flagged
            fp += name in flagged and not truth
            fn += truth and name not in flagged
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    assert precision >= 0.8 and recall >= 0.7, (precision, recall)


def test_each_item_of_an_enumerated_list_is_a_provision_with_its_lead_in() -> None:
    text = (
        "This Agreement shall be governed by the laws of the State of California. Each party shall perform its "
        "obligations hereunder and the parties agree to the following terms pursuant to this Agreement.\n\n"
        "This Agreement may be terminated upon the occurrence of any of the following events:\n\n"
        "(a) By either party if the other party is in breach of any material obligation hereunder;\n\n"
        "(b) By either party if the other party becomes insolvent or bankrupt; or\n\n"
        "(c) By either party hereto upon sixty (60) days prior written notice to the other party hereto."
    )
    flags = [f for f in detect_clauses(text) if f.category == "Termination For Convenience"]
    assert flags and "sixty (60) days" in flags[0].text and "following events" in flags[0].text
    one_sentence = (
        "Either party may terminate: (a) on a breach by the other; (b) on its insolvency; (c) on 30 days notice."
    )
    assert provisions(one_sentence) == [
        "Either party may terminate: (a) on a breach by the other;",
        "Either party may terminate: (b) on its insolvency;",
        "Either party may terminate: (c) on 30 days notice.",
    ]


def test_flags_carry_the_exact_span_of_their_sentence() -> None:
    text = (
        "This Agreement is governed by the laws of the State of New York. The parties agree hereto.\n\n"
        "Neither party may assign this Agreement without the prior written consent of the other party. "
        "Each party shall perform its obligations under this Agreement pursuant to its terms hereof."
    )
    flags = {f.category: f for f in detect_clauses(text, force=True)}
    law, assignment = flags["Governing Law"], flags["Anti-Assignment"]
    assert law.start is not None and law.end is not None
    assert text[law.start : law.end] == "This Agreement is governed by the laws of the State of New York."
    assert assignment.start is not None and assignment.end is not None
    assert text[assignment.start : assignment.end].startswith("Neither party may assign")


def test_a_long_provision_is_quoted_to_a_word_s_end_and_marked_as_cut() -> None:
    conditions = ", ".join(f"provided that condition number {i} of the schedule is met in full" for i in range(20))
    sentence = f"This Agreement shall be governed by the laws of the State of Texas, {conditions}."
    law = next(f for f in detect_clauses(sentence, force=True) if f.category == "Governing Law")
    assert len(law.text) <= 600 and law.text.endswith("…")
    kept = law.text.removesuffix("…")
    assert sentence.startswith(kept) and sentence[len(kept)] in " ,", "cut between words, not inside one"
    short = next(f for f in detect_clauses(CONTRACT) if f.category == "Governing Law")
    assert not short.text.endswith("…"), "a quote that fits is kept whole"
    model = parse_clauses(f'[{{"category": "Governing Law", "text": "{sentence}"}}]', sentence)
    assert model[0].text == law.text and model[0].start == 0
    located = locate(model[0], sentence)
    assert (located.start, located.end) == (0, len(kept))
