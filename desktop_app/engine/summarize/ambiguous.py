"""The full stops only syntok can judge: asked about in one call for a whole text.

:mod:`.sentences` cuts most boundaries by regular expression and leaves the ambiguous ones ("et al.
The", "J. Smith", "Fig. 3") to syntok (MIT, a maintained rule-based segmenter). syntok's tokenizer and
state machine cost far more per token than the rest of the segmentation, so it is shown a small window
around each such full stop, and all of a text's windows at once. Pure functions, thread-safe.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

import syntok.segmenter as _syntok

__all__ = ["Run", "ask_syntok"]

_WINDOW = 48  # characters of context before an ambiguous full stop handed to syntok with it
# ... and after it: syntok's rules look at the next word or two only (its case, an opening bracket, a
# number), so a shorter look ahead gives the same boundaries (checked on every dev paper and contract)
# for fewer of the tokens that cost its state machine most of its time.
_AHEAD = 12
_SEPARATOR = "\n\n"  # between the windows handed to syntok: a paragraph break, which syntok never crosses


@dataclass(frozen=True, slots=True)
class Run:
    """A run of prose lines: its certain cuts (syntok's boundaries are added to them), and the full stops
    only syntok can judge."""

    start: int
    end: int
    cuts: list[int]
    ambiguous: list[int]


def ask_syntok(text: str, runs: list[Run]) -> None:
    """Whether syntok ends a sentence at each ambiguous full stop, asked in one call for the whole text.

    Each full stop is judged on a window of a few words before it and one or two after: syntok's rules
    look at the tokens next to it (abbreviation, initial, ordinal, bracket), which the window holds,
    and a window costs a fraction of what the whole text would. The windows (overlapping ones merged)
    are handed to syntok as the paragraphs of one document, which it segments one by one, so one call
    answers for all of
    them; a boundary it finds goes into its run's ``cuts``.
    """
    windows: list[tuple[int, int, Run]] = []
    for run in runs:
        for position in run.ambiguous:
            left = text.rfind(" ", run.start, max(run.start, position - _WINDOW))
            right = text.find(" ", min(run.end, position + _AHEAD), run.end)
            lo = left + 1 if left >= 0 else run.start
            hi = right if right >= 0 else run.end
            if windows and windows[-1][2] is run and lo <= windows[-1][1]:
                windows[-1] = (windows[-1][0], max(hi, windows[-1][1]), run)
            else:
                windows.append((lo, hi, run))
    if not windows:
        return
    wanted = {position: run for run in runs for position in run.ambiguous}
    document: list[str] = []
    starts: list[int] = []  # where each window begins in the document
    length = 0
    for lo, hi, _run in windows:
        starts.append(length)
        document.append(text[lo:hi])
        length += hi - lo + len(_SEPARATOR)
    for paragraph in _syntok.analyze(_SEPARATOR.join(document)):
        for sentence in paragraph:
            if not sentence:
                continue
            last = sentence[-1]
            index = bisect_right(starts, last.offset) - 1
            lo, hi, run = windows[index]
            shift = lo - starts[index]
            start = shift + last.offset
            if start >= hi - 1:
                continue  # the window's own end is no boundary
            end = start + len(last.value)
            for position in (end - 1, end, end + 1):
                if wanted.get(position) is run:
                    run.cuts.append(position)
