"""Front, back or main matter, or a publisher's notice, from a chapter's title.

Every parser's chapters pass through :func:`kind_of` (in ``text.tidy_chapters``) unless the parser found
the kind itself (a PDF's trailing index pages, a Project Gutenberg header). Back matter (an index, a
bibliography, a glossary) and a publisher's notices (Project Gutenberg's licence) are summarized as
chapters but left out of the document's summary. Pure functions.
"""

from __future__ import annotations

import re

#: Back matter is named by its whole title: a chapter "Index Funds", "Literature Review" or "The Register"
#: is main text.
_BACK_MATTER = re.compile(
    r"((general |subject |author |name )?index( of [\w\s]+)?|indices|stichwortverzeichnis|sachverzeichnis|"
    r"namensverzeichnis|register|bibliograph\w*|(selected |select )?references( and notes)?|notes and references|"
    r"works cited|literature cited|literatur(verzeichnis)?|quellen(verzeichnis)?|glossar\w*|symbolverzeichnis|"
    r"abkürzungsverzeichnis|abbildungsverzeichnis|tabellenverzeichnis|bildquellen|"
    r"list of (figures|tables|symbols|abbreviations)|acknowledg\w*|about the authors?)",
    re.IGNORECASE,
)
_NOTICE = re.compile(r"(the )?(full )?project gutenberg(™)? (licen[cs]e|header)", re.IGNORECASE)
_FRONT_MATTER = re.compile(
    r"^(contents|table of contents|inhalt\w*|preface|vorwort|foreword|geleitwort|copyright)$", re.IGNORECASE
)


def kind_of(title: str) -> str:
    """ "front", "back" or "body" matter, or a publisher's "notice", from a chapter's title."""
    plain = re.sub(r"^[\d.\s]+", "", title).strip()
    if _NOTICE.fullmatch(plain):
        return "notice"
    if _FRONT_MATTER.match(plain):
        return "front"
    if _BACK_MATTER.fullmatch(plain.rstrip(".:")):
        return "back"
    return "body"
