"""Content words and TF-IDF vectors: the vocabulary every extractive scorer shares.

:func:`tokenize` turns a sentence into lower-cased content words (stop words of English and German
dropped, a crude plural folding); :func:`tfidf` turns a list of such token lists into unit-length
rows of a TF-IDF matrix. Pure functions, thread-safe.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

__all__ = ["STOPWORDS", "tfidf", "tokenize"]

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)

STOPWORDS = frozenset(
    """
    a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have
    having he her here hers herself him himself his how i if in into is it its itself just me more most
    my myself no nor not now of off on once only or other our ours ourselves out over own same she
    should so some such than that the their theirs them themselves then there these they this those
    through to too under until up very was we were what when where which while who whom why will with
    would you your yours yourself yourselves also may might must shall upon thus however therefore
    one two use used using well within without via et al paper section figure table
    der die das und in den von zu mit sich des auf für ist im dem nicht ein eine als auch es an
    werden aus er hat dass sie nach wird bei einer um am sind noch wie einem über einen so zum war
    haben nur oder aber vor zur bis mehr durch man sein wurde sei
    """.split()
)


def tokenize(sentence: str) -> list[str]:
    """Lower-cased content words, stop words dropped, crude plural folding."""
    words = [w for w in _WORD.findall(sentence.lower()) if len(w) > 1 and w not in STOPWORDS and not w.isdigit()]
    return [w[:-1] if len(w) > 4 and w[-1] == "s" and w[-2] != "s" else w for w in words]


def tfidf(token_lists: Sequence[Sequence[str]]) -> tuple[NDArray[np.float64], dict[str, int], NDArray[np.float64]]:
    """Unit-length TF-IDF rows (sublinear term frequency), the vocabulary, and the idf weights."""
    vocab: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    for i, tokens in enumerate(token_lists):
        for t in tokens:
            cols.append(vocab.setdefault(t, len(vocab)))
        rows.extend([i] * len(tokens))
    n, width = len(token_lists), max(len(vocab), 1)
    flat = np.asarray(rows, dtype=np.int64) * width + np.asarray(cols, dtype=np.int64)
    counts = np.bincount(flat, minlength=n * width).reshape(n, width).astype(np.float64)
    present = counts > 0
    matrix = np.zeros_like(counts)
    matrix[present] = 1.0 + np.log(counts[present])
    df = np.count_nonzero(present, axis=0)
    idf = np.log((1.0 + n) / (1.0 + df)) + 1.0
    matrix *= idf
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms, vocab, idf
