"""A small learned sentence ranker: a handful of structural features and a logistic model over them.

The classic unsupervised methods (LexRank, TextRank, LSA) see a bag of sentences. Documents have
structure, and the structure says where the point is: introductions and conclusions carry an
abstract's content, the first sentences of a section state what it does, cue phrases ("we propose",
"in this paper") announce a contribution, and a sentence that other sections echo is central to the
whole (HipoRank's insight). :func:`features` turns the candidate sentences of one text into a matrix of
such features; :func:`scores` applies the weights learned offline by ``bench/train_ranker.py`` (labels:
the body sentences a greedy ROUGE-2 oracle picks against the abstract) and shipped in
:mod:`.ranker_weights`.

Training used only the papers :func:`split_of` puts in ``"tune"``; ``"heldout"`` papers are for
measuring. Books and contracts have no abstract to learn from: for them the same features still say
"early in a section, central, not a fragment", which is what a reader wants there too.

Pure functions, thread-safe.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from . import ranker_weights
from .terms import TfIdf, tfidf, tokenize, tokenize_all

__all__ = ["FEATURES", "Candidates", "features", "scores", "split_of"]

FEATURES: tuple[str, ...] = (
    "centrality",  # similarity to the whole text's centroid
    "cross_section",  # similarity to the other sections' centroids: what other sections echo
    "title_similarity",
    "lead_prior",  # 1 / (1 + position / (n / 10)): authors state their point early
    "section_first",  # one of the first two sentences of its section
    "in_introduction",
    "in_conclusion",
    "cue_phrase",  # "we propose", "in this paper", "results show", …
    "log_length",
    "digits",
    "symbols",
    "citations",
)

# Cue phrases, one pattern per first word: a pattern that opens with a literal is searched for by the
# regular expression engine's fast literal scan, where one alternation of them all is tried at every
# letter. Matched against lower-cased text (a case-insensitive search costs several times more); a word
# start is checked by _per_sentence.
_CUES = tuple(
    re.compile(pattern)
    for pattern in (
        r"in (?:this (?:paper|article|work|study|chapter|thesis)|summary|conclusion)\b",
        r"this (?:paper|article|work|study) "
        r"(?:presents|describes|proposes|introduces|shows|reports|investigates|examines)\b",
        r"we (?:propose|present|introduce|describe|show|demonstrate|develop|find|found|report|investigate|"
        r"argue|explore|evaluate|obtain|achieve|conclude)\b",
        r"our (?:approach|method|model|system|results|experiments|algorithm|framework)\b",
        r"results (?:show|indicate|suggest|demonstrate)\b",
        r"significantly (?:outperform|improve)\b",
        r"substantially (?:outperform|improve)\b",
        r"state[- ]of[- ]the[- ]art\b",
        r"to summari[sz]e\b",
    )
)
_CITATION = re.compile(r"\(\s*[A-Z][^()]{0,60}?(?:19|20)\d\d[a-z]?\s*\)|\[\d+(?:[,–-]\s*\d+)*\]|et al\.")
# Which code points are formula symbols, as a look-up table (every one of them is below U+2300).
_SYMBOL_TABLE = np.zeros(0x2300, dtype=np.bool_)
_SYMBOL_TABLE[[ord(c) for c in "=<>+×÷±∈∉⊆⊂∩∪∅→⇔⇒∀∃∑∏∫≤≥≠≈|{}^_"]] = True
# Which code points ``str.split`` splits at (every one of them is below U+3001).
_SPACE_TABLE = np.array([chr(c).isspace() for c in range(0x3001)], dtype=np.bool_)
_SECTION_KIND = (
    ("in_introduction", re.compile(r"\bintroduction\b|\beinleitung\b|\bmotivation\b|\boverview\b", re.IGNORECASE)),
    ("in_conclusion", re.compile(r"\bconclu|\bfuture work\b|\bdiscussion\b|\bfazit\b|\bschluss", re.IGNORECASE)),
)


@dataclass(frozen=True, slots=True)
class Candidates:
    """The candidate sentences of one text and their features.

    ``rows[i]`` is the index (into the caller's span list) of candidate ``i``; ``matrix`` has one row per
    candidate and one column per name in :data:`FEATURES`; ``tokens`` are the candidates' content words.
    """

    rows: list[int]
    matrix: NDArray[np.float64]
    tokens: list[list[str]]
    vectors: TfIdf
    vocab: dict[str, int]
    idf: NDArray[np.float64]


def features(
    sentences: Sequence[str], sections: Sequence[int], section_titles: Sequence[str], title: str = ""
) -> Candidates:
    """Features of candidate sentences.

    ``sentences`` are the candidates (junk already removed) in text order; ``sections[i]`` is the index
    into ``section_titles`` of the section sentence ``i`` is in (its nearest heading above; "" for text
    before the first heading).
    """
    n = len(sentences)
    tokens = tokenize_all(sentences)
    vectors = tfidf(tokens)
    vocab, idf = vectors.vocab, vectors.idf
    matrix = np.zeros((n, len(FEATURES)), dtype=np.float64)
    if n == 0:
        return Candidates([], matrix, tokens, vectors, vocab, idf)
    column = {name: i for i, name in enumerate(FEATURES)}
    centrality = _unit_max(vectors.dot(vectors.mean()))
    matrix[:, column["centrality"]] = centrality
    section_ids = np.asarray(sections, dtype=np.int64)
    distinct = sorted(set(sections))
    if len(distinct) > 1:
        cross = np.zeros(n)
        for sid in distinct:
            inside = section_ids == sid
            to_section = vectors.dot(vectors.mean(inside))
            to_section[inside] = 0.0  # a sentence's own section does not count
            cross += to_section
        matrix[:, column["cross_section"]] = _unit_max(cross / (len(distinct) - 1))
    else:
        matrix[:, column["cross_section"]] = centrality
    if title.strip():
        q = np.zeros(vectors.width)
        for t in tokenize(title):
            if t in vocab:
                q[vocab[t]] = idf[vocab[t]]
        norm = float(np.sqrt(q @ q))
        if norm > 0:
            matrix[:, column["title_similarity"]] = _unit_max(vectors.dot(q / norm))
    matrix[:, column["lead_prior"]] = 1.0 / (1.0 + np.arange(n) / max(n / 10.0, 1.0))
    kinds = {sid: _section_kinds(section_titles[sid] if 0 <= sid < len(section_titles) else "") for sid in distinct}
    # Each sentence's place in its section (0 for the first), without a Python step per sentence.
    order = np.argsort(section_ids, kind="stable")
    grouped = section_ids[order]
    place = np.empty(n, dtype=np.int64)
    place[order] = np.arange(n) - np.searchsorted(grouped, grouped, side="left")
    matrix[:, column["section_first"]] = place < 2
    for sid in distinct:
        for name in kinds[sid]:
            matrix[section_ids == sid, column[name]] = 1.0
    # One regular-expression pass over all sentences joined, counted back per sentence: a pass per
    # sentence and pattern costs more than everything else here.
    joined = "\n".join(sentences)
    bounds = np.cumsum([len(x) + 1 for x in sentences])
    lengths = np.array([len(x) for x in sentences], dtype=np.float64)
    lowered = joined.lower()
    if len(lowered) == len(joined):  # lower-casing keeps offsets (it does not for a few letters such as "İ")
        cues = sum(_per_sentence(cue, lowered, bounds, n, word_start=True) for cue in _CUES)
        matrix[:, column["cue_phrase"]] = np.asarray(cues) > 0
    matrix[:, column["citations"]] = np.minimum(3, _per_sentence(_CITATION, joined, bounds, n))
    # Characters are counted over the code points at once: a regular expression would stop at each one.
    points = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    starts = np.concatenate(([0], bounds[:-1]))
    digits = np.add.reduceat(((points >= 48) & (points <= 57)).astype(np.float64), starts)
    # Words as ``str.split`` counts them: a character that is no space after one that is (or after the
    # line break between two sentences).
    space = _SPACE_TABLE[np.minimum(points, 0x3000)] & (points <= 0x3000)
    opens = ~space
    opens[1:] &= space[:-1]
    words = np.add.reduceat(opens.astype(np.float64), starts)
    symbols = np.add.reduceat(_SYMBOL_TABLE[np.minimum(points, 0x22FF)].astype(np.float64), starts)
    matrix[:, column["digits"]] = digits / np.maximum(1.0, lengths)
    matrix[:, column["symbols"]] = symbols / np.maximum(1.0, words)
    matrix[:, column["log_length"]] = np.log1p(words)
    return Candidates(list(range(n)), matrix, tokens, vectors, vocab, idf)


def _per_sentence(
    pattern: re.Pattern[str], joined: str, bounds: NDArray[np.int64], n: int, *, word_start: bool = False
) -> NDArray[np.float64]:
    """How many matches of ``pattern`` fall in each sentence of ``joined`` (sentences end at ``bounds``).

    With ``word_start``, a match right after a letter, digit or underscore does not count: the same as
    a leading ``\\b``, which would keep the regular expression engine from skipping ahead to the
    letters the pattern can start with.
    """
    starts = [m.start() for m in pattern.finditer(joined) if not (word_start and _after_word(joined, m.start()))]
    if not starts:
        return np.zeros(n)
    owners = np.searchsorted(bounds, np.asarray(starts), side="right")
    return np.bincount(owners, minlength=n)[:n].astype(np.float64)


def _after_word(text: str, position: int) -> bool:
    previous = text[position - 1 : position]
    return previous.isalnum() or previous == "_"


def _section_kinds(heading: str) -> list[str]:
    return [name for name, pattern in _SECTION_KIND if pattern.search(heading)]


def scores(matrix: NDArray[np.float64]) -> NDArray[np.float64]:
    """The learned score of every row of a feature matrix (a logit: higher = more summary-worthy)."""
    if matrix.shape[0] == 0:
        return np.zeros(0)
    mean = np.asarray(ranker_weights.MEAN, dtype=np.float64)
    scale = np.asarray(ranker_weights.SCALE, dtype=np.float64)
    weights = np.asarray(ranker_weights.WEIGHTS, dtype=np.float64)
    # An element-wise sum rather than a matrix product: see TfIdf on OpenBLAS's threads.
    return np.asarray((((matrix - mean) / scale) * weights).sum(axis=1) + ranker_weights.BIAS, dtype=np.float64)


def split_of(document_id: str) -> Literal["tune", "heldout"]:
    """The deterministic split a dev-set paper belongs to: about 60 % ``tune``, 40 % ``heldout``."""
    digest = hashlib.sha256(document_id.encode("utf-8")).digest()
    return "tune" if digest[0] % 10 < 6 else "heldout"


def _unit_max(values: NDArray[np.float64]) -> NDArray[np.float64]:
    top = float(values.max()) if values.size else 0.0
    return values / top if top > 0 else values
