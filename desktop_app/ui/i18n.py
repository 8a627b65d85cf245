"""Translation helpers: every user-visible string of the window goes through Qt's translator.

Strings are marked with ``translate("Context", "text")`` (the name ``pyside6-lupdate`` looks for), so
``make translations`` (see docs/GUI.md) collects them into ``desktop_app/ui/translations/chapterwise.ts``
for a translator. Counts use Qt's plural forms: the source text says ``"%n chapter(s)"`` and a translation
supplies each form; without a translation loaded, :func:`plural` turns the English source into correct
English ("1 chapter", "2 chapters"). GUI thread or any thread (the translator is read-only).
"""

from __future__ import annotations

import re

from PySide6.QtCore import QCoreApplication

translate = QCoreApplication.translate

_OPTIONAL_PLURAL = re.compile(r"\((s|es)\)")
_IRREGULAR = (("(y/ies)", "y", "ies"),)


def plural(text: str, n: int) -> str:
    """``text`` (already through ``translate(..., n)``) with English "(s)" resolved for ``n``.

    A loaded translation has no "(s)" left, so this changes nothing then.
    """
    for marker, one, many in _IRREGULAR:
        text = text.replace(marker, one if n == 1 else many)
    return _OPTIONAL_PLURAL.sub("" if n == 1 else r"\1", text)


def status_word(status: str) -> str:
    """A chapter's or document's status as the user reads it (the engine's word, translated)."""
    words = {
        "parsing": translate("Status", "parsing…"),
        "pending": translate("Status", "pending"),
        "processing": translate("Status", "processing"),
        "summarizing": translate("Status", "summarizing"),
        "done": translate("Status", "done"),
        "failed": translate("Status", "failed"),
        "cancelled": translate("Status", "cancelled"),
    }
    return words.get(status, status)


def priority_word(priority: str) -> str:
    """A document's priority as the user reads it."""
    words = {
        "high": translate("Priority", "high"),
        "normal": translate("Priority", "normal"),
        "low": translate("Priority", "low"),
    }
    return words.get(priority, priority)


__all__ = ["plural", "priority_word", "status_word", "translate"]
