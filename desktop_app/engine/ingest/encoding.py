"""Turning the bytes of a text or Markdown file into a string, whatever encoding it was saved in.

Order: a byte-order mark (UTF-8, UTF-16, UTF-32) wins; then strict UTF-8; then charset-normalizer's
best guess; then Windows-1252 as the legacy fallback (Latin-1 for its five undefined bytes).
Pure functions, thread-safe.
"""

from __future__ import annotations

import codecs
import logging
import unicodedata

from desktop_app.engine.ingest.base import UnsupportedFormatError

log = logging.getLogger(__name__)

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

#: Above this share of control characters a "text" file is taken for binary data.
MAX_CONTROL_RATIO = 0.02


def _control_ratio(text: str) -> float:
    if not text:
        return 0.0
    sample = text[:200_000]
    bad = sum(1 for ch in sample if ch not in "\t\n\r\f\v" and unicodedata.category(ch) in ("Cc", "Cs"))
    return bad / len(sample)


def _guess(data: bytes) -> tuple[str, str] | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data[:1_000_000]).best()
    if best is None or best.encoding is None:
        return None
    try:
        return data.decode(best.encoding), best.encoding
    except (UnicodeDecodeError, LookupError):
        return None


def _legacy(data: bytes) -> str:
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode a text file's bytes; return ``(text, encoding name)``.

    Raises UnsupportedFormatError when the bytes are not text in any encoding (binary data).
    Line endings are normalised to ``\\n``.
    """
    text: str | None = None
    encoding = ""
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                text, encoding = data.decode(name), name
            except UnicodeDecodeError:
                text = None
            break
    if text is None:
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            guessed = _guess(data)
            if guessed is not None:
                text, encoding = guessed
            else:
                text, encoding = _legacy(data), "cp1252"
    text = text.lstrip("\ufeff")
    if _control_ratio(text) > MAX_CONTROL_RATIO:
        raise UnsupportedFormatError(
            "This file does not contain readable text: it looks like binary data. "
            "Chapterwise reads PDF, EPUB, DOCX, Markdown and plain-text files."
        )
    log.debug("decoded %d bytes as %s", len(data), encoding)
    return text.replace("\r\n", "\n").replace("\r", "\n"), encoding
