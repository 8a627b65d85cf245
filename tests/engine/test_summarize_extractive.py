"""The built-in extractive backend: budget, order, clause flags, and the ROUGE bar on real data."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from desktop_app.engine.summarize.base import SummaryRequest
from desktop_app.engine.summarize.extractive import ExtractiveSummarizer, split_sentences
from tests.engine.llm_fixtures import CHAPTER, CONTRACT

ROOT = Path(__file__).resolve().parents[2]
SCISUMM = ROOT.parent / "shared" / "corpus" / "summarization" / "scisummnet_dev.jsonl"


def test_budget_order_and_preview() -> None:
    result = ExtractiveSummarizer().summarize(SummaryRequest(text=CHAPTER, max_sentences=2))
    picked = split_sentences(result.summary)
    assert len(picked) == 2
    source = split_sentences(CHAPTER)
    assert [source.index(s) for s in picked] == sorted(source.index(s) for s in picked)
    assert result.preview == picked[0]
    assert result.backend == "extractive" and result.clause_flags == []


def test_contract_chapters_get_rule_based_flags_but_documents_do_not() -> None:
    backend = ExtractiveSummarizer()
    assert {f.category for f in backend.summarize(SummaryRequest(text=CONTRACT)).clause_flags} >= {"Governing Law"}
    assert backend.summarize(SummaryRequest(text=CONTRACT, kind="document")).clause_flags == []
    assert backend.summarize(SummaryRequest(text=CONTRACT, want_clauses=False)).clause_flags == []


def test_empty_text() -> None:
    result = ExtractiveSummarizer().summarize(SummaryRequest(text="   "))
    assert result.summary == "" and result.preview == ""


@pytest.mark.corpus
@pytest.mark.slow
def test_beats_sumy_lexrank_and_textrank_on_rouge2() -> None:
    if not SCISUMM.is_file():
        pytest.skip(f"ScisummNet dev set not found at {SCISUMM} (the shared corpus is absent)")
    sys.path.insert(0, str(ROOT / "bench"))
    import quality

    records = quality.load(SCISUMM, 12, "heldout")
    rows = quality.evaluate(records, 150, 5, ["builtin", "lexrank", "textrank"])
    r2 = {(r["method"], r["reference"]): r["rouge2"] for r in rows}
    for reference in ("abstract", "human"):
        ours = r2[("chapterwise extractive", reference)]
        assert ours > r2[("sumy LexRank", reference)], json.dumps(rows)
        assert ours > r2[("sumy TextRank", reference)], json.dumps(rows)


def test_a_chapter_heading_is_not_a_summary_sentence() -> None:
    text = (
        "A Caucus-Race And A Long Tale\n\n"
        "They were indeed a queer-looking party that assembled on the bank. The birds had draggled feathers "
        "and the animals had their fur clinging close to them. All were dripping wet, cross, and uncomfortable. "
        "The first question of course was how to get dry again. They had a consultation about this."
    )
    result = ExtractiveSummarizer().summarize(SummaryRequest(text=text, max_sentences=2))
    assert "Caucus-Race" not in result.summary
    assert result.preview.startswith("They were indeed")


def test_a_text_without_prose_is_its_own_summary_page_numbers_aside() -> None:
    result = ExtractiveSummarizer().summarize(SummaryRequest(text="test example\n\n12"))
    assert result.summary == "test example"
    assert [(s.start, s.end) for s in result.sentences] == [(0, 12)]


def test_a_text_without_prose_does_not_repeat_its_chapter_s_heading_unless_that_is_all_it_has() -> None:
    title = "Article I. Outsourced Project"
    text = f"{title}\nDevelopment of Miaoli Royal Resort Hotel"
    result = ExtractiveSummarizer().summarize(SummaryRequest(text=text, title=title))
    assert result.summary == "Development of Miaoli Royal Resort Hotel"
    assert [(s.start, s.end) for s in result.sentences] == [(len(title) + 1, len(text))]
    shouted = ExtractiveSummarizer().summarize(
        SummaryRequest(text="ARTICLE I OUTSOURCED PROJECT:\nScope of work", title="Article I Outsourced Project")
    )
    assert shouted.summary == "Scope of work"
    alone = ExtractiveSummarizer().summarize(SummaryRequest(text=title, title=title))
    assert alone.summary == title, "a lone heading is still its own summary"


def test_a_back_of_book_index_is_summarized_by_its_first_words_not_all_of_it() -> None:
    from desktop_app.engine.summarize.extractive import FALLBACK_WORDS

    # Sub-entries in lower case, as an index's are: their lines run on as one "sentence" of 1,200 words.
    entries = [f"hyphen{i}-\nated, {i + 3}" if i % 5 == 2 else f"entry{i}, {i + 3}" for i in range(600)]
    text = "Index\nAbbildung\n" + "\n".join(entries)
    result = ExtractiveSummarizer().summarize(SummaryRequest(text=text, title="Index"))
    assert result.sentences, "a text without prose still gets a summary"
    assert 0 < len(result.summary.split()) <= FALLBACK_WORDS
    for sentence in result.sentences:
        assert sentence.start is not None and sentence.end is not None
        raw = text[sentence.start : sentence.end]
        assert " ".join(raw.replace("-\n", "").split()) == sentence.text, "an exact span of the text"
        assert not raw[-1].isspace() and (sentence.end == len(text) or text[sentence.end].isspace()), "whole words"


def test_a_text_whose_every_candidate_is_turned_down_when_judged_is_still_its_own_summary() -> None:
    from desktop_app.engine.summarize.extractive import analyze

    formulas = [
        "a = b + c = d + e = f + g = h + i = j + k = l + m = n + o = p + q.",
        "x = y + z = w + v = u + t = s + r = q + p = o + n = m + l = k + j.",
        "12",
    ]
    text = "\n\n".join(formulas)
    analysis = analyze(text)
    assert analysis.candidates == [0, 1] and not any(map(analysis.admits, range(2)))  # judged only when picked
    result = ExtractiveSummarizer().summarize(SummaryRequest(text=text, max_sentences=3))
    assert [s.text for s in result.sentences] == formulas[:2]  # rather than nothing; the page number aside


def test_shared_tokens_and_sparse_tfidf_match_the_plain_computation() -> None:
    import numpy as np

    from desktop_app.engine.summarize.terms import tfidf, tokenize, tokenize_all

    sentences = [*split_sentences(CHAPTER), "", "the of and", "Models are learning models’ models."]
    assert tokenize_all(sentences) == [tokenize(s) for s in sentences]
    tokens = [tokenize(s) for s in sentences]
    sparse = tfidf(tokens)
    dense = np.zeros((len(tokens), sparse.width))
    for i, row in enumerate(tokens):
        for t in set(row):
            dense[i, sparse.vocab[t]] = (1.0 + np.log(row.count(t))) * sparse.idf[sparse.vocab[t]]
    norms = np.linalg.norm(dense, axis=1, keepdims=True)
    dense /= np.where(norms == 0, 1.0, norms)
    assert np.allclose(sparse.dense(), dense)
    probe = np.linspace(0.0, 1.0, sparse.width)
    assert np.allclose(sparse.dot(probe), dense @ probe)
    assert np.allclose(sparse.mean(), dense.mean(axis=0))


def test_words_and_tokens_counted_at_once_equal_the_plain_counts() -> None:
    import re

    import numpy as np

    from desktop_app.engine.summarize import terms
    from desktop_app.engine.summarize.ranker import FEATURES, features

    sentences = [
        *split_sentences(CHAPTER),
        "snake_case and under_scores_ are not one word, don't split it’s apostrophe_’s.",
        "Ein Satz\u00a0mit   Abständen\u2003und\u3000Ideogrammen 一二三 und\ttabs.",
        " leading and trailing spaces ",
        "x_1 + y_2 = z",
        "’Tis a'.b, “quoted” – dashed—words… 3.5% (n=12) [a/b] ’90s models’ l’état o''k x²+y³ ½ Ⅻ.",
    ]
    plain = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")  # a word: letters and digits, no underscore

    def tokens_of(sentence: str) -> list[str]:
        return [f for f in map(terms._FOLDS.__getitem__, plain.findall(sentence.lower())) if f]

    assert terms.tokenize_all(sentences) == [tokens_of(s) for s in sentences]
    assert [terms.tokenize(s) for s in sentences] == [tokens_of(s) for s in sentences]
    assert "snake" in terms.tokenize(sentences[-5]) and "case" in terms.tokenize(sentences[-5])
    log_length = features(sentences, [0] * len(sentences), [""]).matrix[:, FEATURES.index("log_length")]
    assert log_length.tolist() == [float(np.log1p(len(s.split()))) for s in sentences]


AMBIGUOUS = (
    "As J. Smith and A. B. Jones showed (cf. Fig. 3), the U.S. data agree. See Smith et al. The results "
    "of Mr. Brown differ, e.g. in Sec. 4. They were measured at 3 p.m. Then the No. 5 model won."
)


def test_syntok_asked_once_a_text_answers_as_asked_window_by_window() -> None:
    """One call for every ambiguous full stop of a text: the same boundaries as one call per stop."""
    import syntok.segmenter as syntok

    from desktop_app.engine.summarize import ambiguous
    from desktop_app.engine.summarize import sentences as module

    text = "\n\n".join([AMBIGUOUS, "A heading line\n" + AMBIGUOUS, CHAPTER])
    runs = [p for start, end in module.paragraph_spans(text) for p in module._paragraph_pieces(text, start, end)]
    runs = [r for r in runs if isinstance(r, ambiguous.Run)]
    asked = {id(r): list(r.cuts) for r in runs}
    assert sum(len(r.ambiguous) for r in runs) >= 10
    ambiguous.ask_syntok(text, runs)
    for run in runs:
        expected = set()
        for position in run.ambiguous:  # syntok on the stop's own window, as a caller asking one by one would
            left = text.rfind(" ", run.start, max(run.start, position - ambiguous._WINDOW))
            right = text.find(" ", min(run.end, position + ambiguous._AHEAD), run.end)
            lo, hi = (left + 1 if left >= 0 else run.start), (right if right >= 0 else run.end)
            for paragraph in syntok.analyze(text[lo:hi]):
                for sentence in paragraph:
                    last = sentence[-1]
                    if abs(lo + last.offset + len(last.value) - position) <= 1 and lo + last.offset < hi - 1:
                        expected.add(position)
        assert set(run.cuts) - set(asked[id(run)]) == expected
    assert any(set(r.cuts) - set(asked[id(r)]) for r in runs)  # some stops are boundaries, some not
    assert any(set(r.ambiguous) - set(r.cuts) for r in runs)


def test_mmr_order_brings_bounds_up_to_date_and_picks_as_the_plain_greedy_does() -> None:
    import random

    import numpy as np

    from desktop_app.engine.summarize.extractive import mmr_order

    def plain(tokens: list[list[str]], values: np.ndarray, k: int, turned_down: set[int]) -> list[int]:
        ranking = np.argsort(-values, kind="stable").tolist()
        pool, spare = ranking[: max(k * 6, 40)], ranking[max(k * 6, 40) :]
        overlap = dict.fromkeys(ranking, 0.0)
        chosen: list[int] = []
        while len(chosen) < k and pool:
            best = max(pool, key=lambda i: float(values[i]) * (1.0 - 0.6 * overlap[i]))
            pool.remove(best)
            if best in turned_down:
                if spare:  # the next best by score takes its place, compared with those chosen so far
                    pool.append(spare.pop(0))
                    a = set(tokens[pool[-1]])
                    for c in chosen:
                        b = set(tokens[c])
                        if a and b:
                            overlap[pool[-1]] = max(overlap[pool[-1]], len(a & b) / min(len(a), len(b)))
                continue
            chosen.append(best)
            b = set(tokens[best])
            for i in pool:
                a = set(tokens[i])
                if a and b:
                    overlap[i] = max(overlap[i], len(a & b) / min(len(a), len(b)))
        return chosen

    rng = random.Random(7)
    words = [f"w{i}" for i in range(30)]
    for trial in range(400):
        n = rng.randint(1, 140)
        tokens = [rng.sample(words, rng.randint(0, 8)) for _ in range(n)]
        # few distinct values: many ties, which go to the earlier sentence in the pool
        values = np.array([rng.choice((0.0, 0.25, 0.5, 0.75, 1.0)) for _ in range(n)])
        turned_down = {i for i in range(n) if rng.random() < rng.choice((0.1, 0.6, 1.0))}
        k = rng.randint(1, 15)
        assert mmr_order(tokens, values, k, admit=lambda i, down=turned_down: i not in down) == plain(
            tokens, values, k, turned_down
        ), trial
