"""The states a chapter and a document go through, and document priorities.

Plain enums with no database or Qt import, so every layer (the store, the pipeline, the window, the
API, the command line) names a state through them instead of repeating its string. ``StrEnum``
members compare equal to their strings, so a value read from the database or a JSON body matches.
"""

from __future__ import annotations

import enum


class ChapterStatus(enum.StrEnum):
    """Where a chapter is: ``pending`` is the backlog, ``processing`` is claimed by an instance."""

    PENDING = "pending"
    PROCESSING = "processing"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


#: A chapter in one of these states is not worked on again unless a user asks (retry, refocus).
TERMINAL_CHAPTER = frozenset({ChapterStatus.DONE, ChapterStatus.FAILED, ChapterStatus.CANCELLED})
#: A chapter in one of these states is still to be summarized.
OPEN_CHAPTER = frozenset({ChapterStatus.PENDING, ChapterStatus.PROCESSING})


class DocumentStatus(enum.StrEnum):
    PARSING = "parsing"  # saved at upload; its chapters are being read from the file in the background
    PROCESSING = "processing"  # chapters are being summarized
    SUMMARIZING = "summarizing"  # every chapter is final; the whole-document summary is being made
    DONE = "done"  # every chapter done, document summary saved
    FAILED = "failed"  # finished, but some chapters failed
    CANCELLED = "cancelled"


#: A document in one of these states has ended; ``Engine.wait`` returns.
FINAL_DOCUMENT = frozenset({DocumentStatus.DONE, DocumentStatus.FAILED, DocumentStatus.CANCELLED})


class ParseFailure(enum.StrEnum):
    """Why a document's file could not be read, when that was found after the upload answered.

    An upload that answers before parsing cannot raise the parser's exception to its caller, so the kind
    is kept on the document (and its ``DocumentFinished`` event) for the window, the API and the command
    line to act on as they do on the exceptions: offer OCR, ask for a password, or say what went wrong.
    The values are the API's error codes where one exists.
    """

    NO_TEXT = "no_text"  # no text layer (scanned pages): OCR may read it
    PASSWORD_REQUIRED = "password_required"  # encrypted, and the empty password does not open it
    WRONG_PASSWORD = "wrong_password"  # a password was given and it does not open the file
    TOO_LARGE = "too_large"  # over a limit: bytes, pages, chapters, unpacked size, memory
    DAMAGED = "damaged"  # broken beyond lenient reading
    TIMEOUT = "timeout"  # reading took longer than the parse time limit
    UNSUPPORTED = "unsupported_format"  # not a type Chapterwise reads
    UNREADABLE = "unreadable"  # anything else (an unexpected error of the reader)

    @property
    def needs_password(self) -> bool:
        return self in (ParseFailure.PASSWORD_REQUIRED, ParseFailure.WRONG_PASSWORD)


class Priority(enum.IntEnum):
    LOW = 0
    NORMAL = 1
    HIGH = 2

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: int | str) -> Priority:
        """``"high"``/``"normal"``/``"low"`` or 0–2; raises ValueError with a message for the user."""
        if isinstance(value, str) and not value.strip().lstrip("-").isdigit():
            try:
                return cls[value.strip().upper()]
            except KeyError:
                raise ValueError(f"Unknown priority {value!r} (use high, normal or low)") from None
        try:
            return cls(int(value))
        except ValueError:
            raise ValueError(f"Unknown priority {value!r} (use high, normal or low)") from None
