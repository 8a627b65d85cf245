"""Content words and TF-IDF vectors: the vocabulary every extractive scorer shares.

:func:`tokenize` turns a sentence into lower-cased content words (stop words of English and German
dropped, a crude plural folding); :func:`tfidf` turns a list of such token lists into unit-length
rows of a sparse TF-IDF matrix. Pure functions, thread-safe (the cache of folded words is shared, and
a race on it at worst folds a word twice).
"""

from __future__ import annotations

import operator
import re
import string
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain, compress

import numpy as np
from numpy.typing import NDArray

__all__ = ["STOPWORDS", "TfIdf", "count_words", "tfidf", "tokenize", "tokenize_all"]

# Letters and digits, an inner apostrophe allowed ("don't"); the underscore is no part of a word (it is
# spaced out before the search: ``\w`` is a fast category test for the engine, ``[^\W_]`` a slow one).
_WORD = re.compile(r"\w+(?:['’]\w+)?")
# ASCII punctuation that never belongs to a word (the apostrophe may), and the underscore.
_NOT_WORD = (*(mark for mark in string.punctuation if mark not in "_'"), "_")

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


class _Folds(dict[str, str]):
    """Each word's content-word form ("" for a stop word, a number or a single letter), learned as
    words are met: a lookup per word, done by ``map`` in C, costs a fraction of the filtering and
    folding it replaces. Cleared when it grows past :data:`_FOLD_LIMIT` so a long-running process
    keeps it bounded; a race between threads at worst folds a word twice.
    """

    def __missing__(self, word: str) -> str:
        if len(word) <= 1 or word in STOPWORDS or word.isdigit():
            folded = ""
        elif len(word) > 4 and word[-1] == "s" and word[-2] != "s":
            folded = word[:-1]
        else:
            folded = word
        if len(self) >= _FOLD_LIMIT:
            self.clear()
        self[word] = folded
        return folded


_FOLD_LIMIT = 200_000
_FOLDS = _Folds()


def _words(lowered: str) -> list[str]:
    """The words of a lower-cased text: runs of letters and digits, an inner apostrophe allowed.

    The same list as ``_WORD.findall`` with the underscores spaced out, found by ``str.split`` once the
    ASCII punctuation is spaced out too: a regular expression steps through the text a character at a
    time, ``str.replace`` and ``str.split`` in C at a fraction of the cost. A piece that is not all
    letters and digits (an apostrophe, a dash or a quotation mark outside ASCII) is searched by the
    pattern alone.
    """
    for mark in _NOT_WORD:
        if mark in lowered:
            lowered = lowered.replace(mark, " ")
    pieces = lowered.split()
    plain = list(map(str.isalnum, pieces))  # str.isalnum is the pattern's test of a word's character
    for i in reversed(list(compress(range(len(pieces)), map(operator.not_, plain)))):
        pieces[i : i + 1] = _WORD.findall(pieces[i])
    return pieces


def tokenize(sentence: str) -> list[str]:
    """Lower-cased content words, stop words dropped, crude plural folding."""
    return list(filter(None, map(_FOLDS.__getitem__, _words(sentence.lower()))))


#: Set between sentences tokenized in one pass; a word no text has (checked before it is used).
_SEPARATOR = "qqzxsentencebreakqqzx"


def tokenize_all(sentences: Sequence[str]) -> list[list[str]]:
    """:func:`tokenize` of every sentence, in one pass over them joined: the same lists, at a fraction
    of the calls."""
    if len(sentences) < 2:
        return [tokenize(s) for s in sentences]
    joined = f"\n{_SEPARATOR}\n".join(sentences).lower()
    if joined.count(_SEPARATOR) != len(sentences) - 1:
        return [tokenize(s) for s in sentences]
    folded = list(filter(None, map(_FOLDS.__getitem__, _words(joined))))
    out: list[list[str]] = []
    pos = 0
    for _ in range(len(sentences) - 1):
        cut = folded.index(_SEPARATOR, pos)
        out.append(folded[pos:cut])
        pos = cut + 1
    out.append(folded[pos:])
    return out


_LINE_MARK = "\x00"  # between lines counted at once: no line is made of it alone


def count_words(lines: Sequence[str], words: frozenset[str], strip: str) -> list[int]:
    """How many of ``words`` each line has, counted in one pass over the lines joined.

    The same count as ``sum(w in words for w in line.lower().translate(...).split())`` line by line, the
    characters of ``strip`` removed, at one call of each string method for the whole text rather than one
    a line; characters are removed by ``str.replace`` (``str.translate`` walks a text with any non-ASCII
    letter char by char). A line made of the separator alone gives -1 for every line: count them singly.
    """
    if not lines:
        return []
    joined = f" {_LINE_MARK} ".join(lines).lower()
    for mark in strip:
        joined = joined.replace(mark, "")
    tokens = joined.split()
    if tokens.count(_LINE_MARK) != len(lines) - 1:
        return [-1] * len(lines)
    flags = list(map(words.__contains__, tokens))
    counts: list[int] = []
    pos = 0
    for _ in range(len(lines) - 1):
        cut = tokens.index(_LINE_MARK, pos)
        counts.append(sum(flags[pos:cut]))
        pos = cut + 1
    counts.append(sum(flags[pos:]))
    return counts


@dataclass(frozen=True, slots=True)
class TfIdf:
    """Unit-length TF-IDF rows (sublinear term frequency) kept sparse, with the vocabulary and idf.

    Row ``rows[k]`` has ``values[k]`` in column ``cols[k]``. Products are sums over these entries
    (:func:`numpy.bincount`) rather than a dense matrix product: a dense product over a few hundred
    sentences hands the work to OpenBLAS's threads, whose spin-waiting costs more processor time than
    the product itself (measured: 12 of 27 ms a paper on two busy cores).
    """

    rows: NDArray[np.int64]
    cols: NDArray[np.int64]
    values: NDArray[np.float64]
    n: int
    vocab: dict[str, int]
    idf: NDArray[np.float64]

    @property
    def width(self) -> int:
        """Columns: the vocabulary's size (at least 1)."""
        return max(len(self.vocab), 1)

    def dot(self, vector: NDArray[np.float64]) -> NDArray[np.float64]:
        """Every row's dot product with ``vector`` (one value per column)."""
        product = np.bincount(self.rows, weights=self.values * vector[self.cols], minlength=self.n)
        return np.asarray(product, dtype=np.float64)

    def mean(self, mask: NDArray[np.bool_] | None = None) -> NDArray[np.float64]:
        """The mean row (of the rows where ``mask`` is true, when given), as a dense vector."""
        if mask is None:
            return np.bincount(self.cols, weights=self.values, minlength=self.width) / max(self.n, 1)
        keep = mask[self.rows]
        count = max(int(np.count_nonzero(mask)), 1)
        return np.bincount(self.cols[keep], weights=self.values[keep], minlength=self.width) / count

    def dense(self) -> NDArray[np.float64]:
        """The rows as a dense ``n × width`` matrix."""
        matrix = np.zeros((self.n, self.width))
        matrix[self.rows, self.cols] = self.values
        return matrix


def tfidf(token_lists: Sequence[Sequence[str]]) -> TfIdf:
    """Unit-length TF-IDF rows (sublinear term frequency) of token lists, sparse."""
    every = list(chain.from_iterable(token_lists))
    # Columns in order of first appearance, looked up by map in C rather than word by word.
    vocab = {t: i for i, t in enumerate(dict.fromkeys(every))}
    lengths = [len(tokens) for tokens in token_lists]
    n, width = len(token_lists), max(len(vocab), 1)
    rows_all = np.repeat(np.arange(n, dtype=np.int64), lengths)
    flat = rows_all * width + np.fromiter(map(vocab.__getitem__, every), dtype=np.int64, count=len(every))
    cells, counts = np.unique(flat, return_counts=True)
    rows, cols = cells // width, cells % width
    df = np.bincount(cols, minlength=width)
    idf = np.log((1.0 + n) / (1.0 + df)) + 1.0
    values = (1.0 + np.log(counts)) * idf[cols]
    norms = np.sqrt(np.bincount(rows, weights=values * values, minlength=n))
    norms[norms == 0] = 1.0
    return TfIdf(rows, cols, values / norms[rows], n, vocab, idf)
