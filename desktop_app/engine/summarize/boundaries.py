"""Where a run of prose may end a sentence, found by regular expressions that open with a full stop.

:mod:`.sentences` judges candidate boundaries (:data:`CANDIDATE`), calls the commonest ones plain at
once (:data:`PLAIN`: "… the word. The …") and sets apart clause numbers inside a line
(:data:`SUBCLAUSE`). Those patterns open with a class (``\\s``, ``\\d``, a set of marks) that the
regular expression engine tries at every character of a text; the same matches are found here from
their full stops, which the engine finds by its fast scan for a literal, and read back from there.
The patterns themselves stay as the definition (the tests compare the two on random texts). Pure
functions, thread-safe.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = ["CANDIDATE", "PLAIN", "SUBCLAUSE", "boundary_matches", "plain_ends", "subclause_numbers"]

# A candidate boundary: terminal punctuation (closing quotes/brackets included), whitespace, then
# something that can open a sentence.
CANDIDATE = re.compile(r"[.!?。！？…]+[\"'”’)\]]*(?=\s+[\"'“‘(\[¿¡]?[^\s\"'“‘(\[])")
# The same matches in two searches (:func:`boundary_matches`): those that open with a full stop, found
# by the engine's fast scan for a literal, and those that open with another mark, searched for only
# where there is one.
_STOP_RUN = r"[.!?。！？…]*[\"'”’)\]]*(?=\s+[\"'“‘(\[¿¡]?[^\s\"'“‘(\[])"
_CANDIDATE_STOP = re.compile(r"\." + _STOP_RUN)
_CANDIDATE_OTHER = re.compile(r"[!?。！？…]" + _STOP_RUN)
# The same, each tried at a run's first mark only: the look-behind after the first mark turns down any
# other mark of a run at once. Tried at every mark of a long run that no sentence follows (a row of dots
# at a paragraph's end), each try read the rest of the run: time that grew with the square of its length
# (10,000 dots took 1.6 s). A pattern that opens with its full stop keeps the engine's fast scan for it.
_FIRST_STOP = re.compile(r"\.(?<![.!?。！？…]\.)" + _STOP_RUN)
_FIRST_OTHER = re.compile(r"[!?。！？…](?<![.!?。！？…][!?。！？…])" + _STOP_RUN)
_OTHER_MARKS = "!?。！？…"
_RUN_MARKS = frozenset("." + _OTHER_MARKS)
# A full stop after a lower-case word of three letters or more, then a capitalised word and a space:
# plain unless the word is an abbreviation or a title (checked by the caller).
# Searched as its full stop (:func:`plain_ends`): a pattern that opens with a literal is found by the
# engine's fast scan, one that opens with ``\s`` is tried at every character.
PLAIN = re.compile(r"\s([a-z]{3,})\.(?=\s+[A-Z][a-z]*\s)")
_PLAIN_STOP = re.compile(r"\.(?=\s+[A-Z][a-z]*\s)")
# A clause number inside a line, then a capital: "… Prices and Terms 4.1 The prices which …". Searched
# from its full stop too (:func:`subclause_numbers`); after a space: checked by the caller.
SUBCLAUSE = re.compile(r"\d{1,2}\.\d{1,2}\.?\s+[A-Z]")
_SUBCLAUSE_STOP = re.compile(r"\.\d{1,2}\.?\s+[A-Z]")


def plain_ends(text: str, start: int, end: int, exclude: frozenset[str]) -> set[int]:
    """The ends of the matches of :data:`PLAIN` in ``text[start:end]`` whose word is not in ``exclude``.

    Found from the full stops the look-ahead allows, each word read back to the space before it: the
    same matches, as no two of them can overlap (a match ends at a full stop, which no word holds).
    """
    ends: set[int] = set()
    for match in _PLAIN_STOP.finditer(text, start, end):
        stop = match.start()
        first = stop
        while first > start and "a" <= text[first - 1] <= "z":
            first -= 1
        if stop - first >= 3 and first > start and text[first - 1].isspace() and text[first:stop] not in exclude:
            ends.add(stop + 1)
    return ends


def subclause_numbers(text: str, start: int, end: int) -> Iterator[int]:
    """Where the matches of :data:`SUBCLAUSE` in ``text[start:end]`` begin, found from their full stops.

    A match begins one or two digits before its first full stop: two when both are digits, as the
    leftmost match would (``\\d`` is ``str.isdecimal``).
    """
    for match in _SUBCLAUSE_STOP.finditer(text, start, end):
        stop = match.start()
        if stop > start and text[stop - 1].isdecimal():
            yield stop - 2 if stop - 2 >= start and text[stop - 2].isdecimal() else stop - 1


def boundary_matches(text: str, start: int, end: int) -> list[re.Match[str]]:
    """The matches of :data:`CANDIDATE` in ``text[start:end]``, in order, found in two searches.

    A match takes a whole run of marks, so a match that either search finds after a mark of the run
    (a mark at ``start`` or later) is no match of the pattern: the one at the run's first mark is.
    """
    # A run that began before ``start`` begins again there; the look-behinds see the text before it.
    again = 0 < start < end and text[start - 1] in _RUN_MARKS
    found = list(_FIRST_STOP.finditer(text, start, end))
    if again and (first := _CANDIDATE_STOP.match(text, start, end)) is not None:
        found.insert(0, first)
    if any(text.find(mark, start, end) >= 0 for mark in _OTHER_MARKS):
        found.extend(_FIRST_OTHER.finditer(text, start, end))
        if again and (first := _CANDIDATE_OTHER.match(text, start, end)) is not None:
            found.append(first)
        found.sort(key=lambda match: match.start())
    return found
