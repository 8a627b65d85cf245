"""Project Gutenberg's plain-text books: the book apart from the header before it and the licence after it.

A Project Gutenberg text opens with a header (the ebook's terms in a paragraph, then "Title:", "Author:",
"Release date:", …) closed by a line ``*** START OF THE PROJECT GUTENBERG EBOOK <TITLE> ***``, and ends at a
line ``*** END OF THE PROJECT GUTENBERG EBOOK <TITLE> ***`` followed by the full licence: about 3,000 words
in numbered sections ("Section 1. General Terms of Use …", "1.E.1.", …). Read as one text, the licence ran
on in the book's last chapter (and into its summary), and a book without chapter headings had the licence's
five sections taken for its structure, the whole book before them left as "Front matter".

:func:`split_gutenberg` finds the markers (older files say "THIS" for "THE", "EBook", "Etext", or close with
"End of the Project Gutenberg EBook of …" / "End of Project Gutenberg's …"); the book between them is split
as any text is, and the header and the licence become chapters of their own around it, of the kind
"notice": a publisher's text, summarized as a chapter but left out of the book's own summary. Nothing is
dropped. Pure functions; safe on any thread.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_START = re.compile(
    r"^[ \t]*\*{3}[ \t]*START OF (?:THE|THIS) PROJECT GUTENBERG E-?(?:BOOK|TEXT)\b[^\n]*$",
    re.IGNORECASE | re.MULTILINE,
)
_END = re.compile(
    r"^[ \t]*(?:\*{3}[ \t]*)?END OF (?:THE |THIS )?PROJECT GUTENBERG(?:['’]S\b| E-?BOOK\b| E-?TEXT\b)[^\n]*$",
    re.IGNORECASE | re.MULTILINE,
)
#: The header's "Title:" line and the lines right under it that open no field of their own ("Author: …"):
#: a long title goes on there (indented in the file, which tidying the text undoes).
_TITLE = re.compile(r"^Title:[ \t]*(\S[^\n]*(?:\n(?![^\S\n]*[A-Z][\w ]{0,30}:)[^\S\n]*\S[^\n]*)*)", re.MULTILINE)

#: The titles of the chapters that hold the header and the licence.
HEADER_TITLE = "Project Gutenberg header"
LICENCE_TITLE = "Project Gutenberg License"


@dataclass(frozen=True, slots=True)
class GutenbergText:
    """A Project Gutenberg text in three: ``header + body + trailer`` is the text it was cut from."""

    header: str  # up to and with the START line ("" where the file has none)
    body: str  # the book
    trailer: str  # from the END line on: the licence ("" where the file has none)
    title: str | None  # the header's "Title:", where it has one


def split_gutenberg(text: str) -> GutenbergText | None:
    """The book, header and licence of a Project Gutenberg text; None for any other text.

    The START line is looked for in the first quarter of the text, the END line after it: a book that
    quotes a marker in its own text is not cut there.
    """
    start = _START.search(text, 0, max(len(text) // 4, 4000))
    body_start = start.end() if start else 0
    end = _END.search(text, body_start)
    if start is None and end is None:
        return None
    body_end = end.start() if end else len(text)
    header = text[:body_start]
    found = _TITLE.search(header)
    title = " ".join(found.group(1).split()) if found else None
    return GutenbergText(header, text[body_start:body_end], text[body_end:], title or None)
