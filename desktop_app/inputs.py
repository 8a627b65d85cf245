"""What the front ends read when given paths: files, folders, and text files without a suffix, told by content.

Shared by ``chapterwise summarize`` (folders one level deep, or all the way down with ``--recursive``) and the
window (a dropped or opened folder is read all the way down). Hidden files and folders (``.git``,
``.DS_Store``) and files of other types inside a folder are skipped quietly; :attr:`Inputs.skipped` counts
them so a front end can say how many.

The engine recognises formats by content and, for text, by suffix; a notes file called ``README`` or
``notes`` has no suffix to go by. :func:`text_kind` reads its first kilobytes: UTF-8 without NUL bytes
is text (Markdown when it has Markdown headings). :func:`readable` then hands the engine a copy named
``notes.txt`` (or ``.md``) in a temporary folder, and the document keeps its own name.

Plain functions, no Qt; they touch the file system, so the window calls them off the GUI thread where a
folder may be large.
"""

from __future__ import annotations

import argparse
import codecs
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from desktop_app.engine.ingest.detect import SUPPORTED_SUFFIXES

SNIFF_BYTES = 8192
_MARKDOWN_HEADING = re.compile(rb"^#{1,6} \S", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Inputs:
    """The files to read, in order, one message per argument that gave none, and what the folders held besides.

    ``skipped`` counts what was left out inside the folders: hidden files and folders, and files of a type
    Chapterwise does not read.
    """

    files: tuple[Path, ...]
    problems: tuple[str, ...]
    skipped: int = 0
    #: The folders given that held no document (each also has its message in ``problems``).
    empty_folders: tuple[Path, ...] = ()


def path_argument(value: str) -> Path:
    """A path given on a command line; an empty one is refused (``argparse`` calls it: exit 2, with the reason).

    ``Path("")`` is the current folder: a script whose variable was left unset (``chapterwise summarize "$F"``)
    would otherwise summarize every document in the folder it runs in, or keep its data there.
    """
    if not value.strip():
        raise argparse.ArgumentTypeError("an empty path (a variable left unset?)")
    return Path(value)


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


def is_readable(path: Path) -> bool:
    """Whether ``path`` looks like a document Chapterwise reads: a known suffix, or text without a suffix."""
    if path.name.startswith("."):
        return False  # .DS_Store, .gitignore: never a document
    if path.suffix.lower() in SUPPORTED_SUFFIXES:
        return True
    return not path.suffix and text_kind(path) is not None


def _folder_files(folder: Path, recursive: bool) -> tuple[list[Path], int]:
    """The documents in ``folder`` (sorted, folder by folder) and how many entries were skipped."""
    found: list[Path] = []
    skipped = 0
    for root, dirs, names in os.walk(folder):
        if recursive:  # a hidden folder counts once: its contents are never looked at
            skipped += sum(1 for d in dirs if d.startswith("."))
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")) if recursive else []
        for name in sorted(names):
            path = Path(root) / name
            if path.is_file() and is_readable(path):
                found.append(path)
            else:
                skipped += 1
    return found, skipped


def collect(paths: list[Path], *, recursive: bool = False) -> Inputs:
    """Expand folders into the documents inside them; files are passed on as given (the engine judges them)."""
    files: list[Path] = []
    problems: list[str] = []
    skipped = 0
    empty: list[Path] = []
    for path in paths:
        if path.is_dir():
            found, left_out = _folder_files(path, recursive)
            skipped += left_out
            if not found:
                empty.append(path)
                where = "in this folder or its subfolders" if recursive else "directly in this folder"
                hint = "" if recursive else " (add --recursive to read its subfolders)"
                problems.append(f"{path}: no PDF, EPUB, DOCX, Markdown or text file {where}{hint}")
            files += found
        else:
            files.append(path)
    return Inputs(tuple(dict.fromkeys(files)), tuple(problems), skipped, tuple(empty))


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


__all__ = ["Inputs", "collect", "is_readable", "path_argument", "readable", "text_kind"]
