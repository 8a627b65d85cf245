"""What every parser returns, and the errors a user can meet while a file is read.

Parsers are pure functions of a file: they never touch the database or the pipeline, so the same
code serves the window, the command line and the HTTP API. They run on whichever thread calls them
(never the GUI thread: the callers move parsing off it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from ..states import ParseFailure


def count_words(text: str) -> int:
    """Words as a reader counts them: runs of non-space characters (fast on whole books)."""
    return len(text.split())


@dataclass(frozen=True, slots=True)
class Section:
    """A lower-level section inside a chapter ("6.1 Initial Franchise Fee"), located in the chapter's text.

    ``start``/``end`` are character offsets into :attr:`ParsedChapter.text` (``text[start:end]`` is the
    section, its heading line included); ``level`` is 2 for the first level below the chapter.
    """

    title: str
    start: int
    end: int
    level: int = 2


@dataclass(slots=True)
class ParsedChapter:
    """One chapter as found in the file: a title and its plain text."""

    title: str
    text: str
    #: The chapter's depth in the document's structure (1 = top level).
    level: int = 1
    #: First page (1-based) for paged formats, else None.
    page: int | None = None
    #: "body" for the main text, "front" (preface, contents) or "back" (index, bibliography,
    #: appendix lists) where the parser recognised such matter and kept it as a chapter, "notice" for a
    #: publisher's text around the book (Project Gutenberg's header and licence).
    kind: str = "body"
    #: Lower-level sections inside the chapter, in order, with their offsets into ``text``.
    sections: list[Section] = field(default_factory=list)
    #: For paged formats: ``(offset, page)`` pairs, ascending, saying that ``text[offset:]`` starts on
    #: ``page`` (1-based) until the next pair. Empty where the format has no pages.
    page_starts: list[tuple[int, int]] = field(default_factory=list)

    @property
    def word_count(self) -> int:
        return count_words(self.text)


@dataclass(slots=True)
class ParsedDocument:
    """A whole document: its title, format and chapters in reading order."""

    title: str
    format: str  # "pdf" | "epub" | "docx" | "md" | "txt"
    chapters: list[ParsedChapter]
    #: Where the chapter split came from ("outline", "headings", "pages", "sections", "toc", ...).
    structure: str = ""
    #: Things the user should know that did not stop the parse (garbled text, outline ignored, ...).
    warnings: list[str] = field(default_factory=list)
    page_count: int | None = None


class ParseCancelledError(Exception):
    """The caller stopped the parse (the engine is stopping); nothing is wrong with the file."""


class IngestError(Exception):
    """A file could not be turned into chapters. The message is written for the user.

    ``kind`` names the failure for callers that learn of it later, from the document (an upload that
    answered before parsing): each subclass sets its own.
    """

    kind: ClassVar[ParseFailure] = ParseFailure.UNREADABLE

    def __init__(self, message: str, *, path: Path | None = None) -> None:
        super().__init__(message)
        self.path = path

    @property
    def message(self) -> str:
        return str(self.args[0])


class UnsupportedFormatError(IngestError):
    """The file's type is not one Chapterwise reads."""

    kind = ParseFailure.UNSUPPORTED


class PasswordRequiredError(IngestError):
    """The file is encrypted and the empty password does not open it."""

    kind = ParseFailure.PASSWORD_REQUIRED


class WrongPasswordError(PasswordRequiredError):
    """A password was given and it does not open the file."""

    kind = ParseFailure.WRONG_PASSWORD


class CorruptFileError(IngestError):
    """The file is damaged beyond what lenient reading can recover."""

    kind = ParseFailure.DAMAGED


class NoTextError(IngestError):
    """The file has no extractable text (scanned pages, images only, empty).

    ``ocr_available`` says whether Tesseract was found on this machine, so a caller can offer OCR.
    """

    kind = ParseFailure.NO_TEXT

    def __init__(self, message: str, *, path: Path | None = None, ocr_available: bool = False) -> None:
        super().__init__(message, path=path)
        self.ocr_available = ocr_available


class FileTooLargeError(IngestError):
    """The file, its page count or its unpacked size is over a configured limit."""

    kind = ParseFailure.TOO_LARGE


class ParseTimeoutError(IngestError):
    """Reading the file took longer than the configured limit."""

    kind = ParseFailure.TIMEOUT
