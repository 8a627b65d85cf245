"""What ``chapterwise summarize`` reads: files, folders (``--recursive`` for their subfolders), and text files
without a suffix, told by their content.

The engine recognises formats by content and, for text, by suffix; a notes file called ``README`` or
``notes`` has no suffix to go by. :func:`text_kind` reads its first kilobytes: UTF-8 without NUL bytes
is text (Markdown when it has Markdown headings). :func:`readable` then hands the engine a copy named
``notes.txt`` (or ``.md``) in a temporary folder, and the document keeps its own name. Main thread only.
"""

from __future__ import annotations

import codecs
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from desktop_app.engine.ingest.detect import SUPPORTED_SUFFIXES

SNIFF_BYTES = 8192
_MARKDOWN_HEADING = re.compile(rb"^#{1,6} \S", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Inputs:
    """The files to read, in order, and one message per argument that gave none."""

    files: tuple[Path, ...]
    problems: tuple[str, ...]


def text_kind(path: Path) -> str | None:
    """ "md" or "txt" if ``path`` holds UTF-8 text (judged on its first 8 KB), else None."""
    try:
        with path.open("rb") as fh:
            head = fh.read(SNIFF_BYTES)
    except OSError:
        return None
    if not head.strip() or b"\0" in head:
        return None
    try:
        # Not final: the 8 KB may end inside a multi-byte character.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return None
    return "md" if _MARKDOWN_HEADING.search(head) else "txt"


def _readable_here(path: Path) -> bool:
    if path.name.startswith("."):
        return False  # .DS_Store, .gitignore: never a document
    if path.suffix.lower() in SUPPORTED_SUFFIXES:
        return True
    return not path.suffix and text_kind(path) is not None


def _folder_files(folder: Path, recursive: bool) -> Iterator[Path]:
    entries = sorted(folder.rglob("*") if recursive else folder.iterdir())
    for entry in entries:
        hidden = any(part.startswith(".") for part in entry.relative_to(folder).parts)
        if not hidden and entry.is_file() and _readable_here(entry):
            yield entry


def collect(paths: list[Path], *, recursive: bool = False) -> Inputs:
    """Expand folders into the documents inside them; files are passed on as given (the engine judges them)."""
    files: list[Path] = []
    problems: list[str] = []
    for path in paths:
        if path.is_dir():
            found = list(_folder_files(path, recursive))
            if not found:
                where = "in this folder or its subfolders" if recursive else "directly in this folder"
                hint = "" if recursive else " (add --recursive to read its subfolders)"
                problems.append(f"{path}: no PDF, EPUB, DOCX, Markdown or text file {where}{hint}")
            files += found
        else:
            files.append(path)
    return Inputs(tuple(dict.fromkeys(files)), tuple(problems))


def readable(path: Path, scratch: Path) -> Path:
    """``path`` itself, or for a text file without a suffix a copy the engine can read, in ``scratch``."""
    if path.suffix or not path.is_file():
        return path
    kind = text_kind(path)
    if kind is None:
        return path  # the engine says what it is not
    folder = scratch / str(len(list(scratch.iterdir())))  # one folder a file: the copy keeps the file's name
    folder.mkdir()
    copy = folder / f"{path.name}.{kind}"
    shutil.copyfile(path, copy)
    return copy


__all__ = ["Inputs", "collect", "readable", "text_kind"]
