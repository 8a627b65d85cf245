"""Collect the window's user-visible strings into desktop_app/ui/translations/chapterwise.ts for translators.

Runs ``pyside6-lupdate`` over desktop_app/ui, then marks every message whose source has ``%n`` as a plural
(numerus) message: lupdate's Python parser only sees plural forms in ``self.tr(text, "", n)`` calls or with
a literal count, while the window passes the count as a variable to ``translate(context, text, "", n)``.
A translator opens the file in Qt Linguist (``pyside6-linguist``); ``pyside6-lrelease`` compiles it.

Usage: ``python scripts/update_translations.py [OUTPUT.ts]`` (default: the file in the package).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UI = ROOT / "desktop_app" / "ui"
DEFAULT_TS = UI / "translations" / "chapterwise.ts"


def lupdate() -> str:
    found = shutil.which("pyside6-lupdate") or str(Path(sys.executable).with_name("pyside6-lupdate"))
    if not Path(found).exists():
        sys.exit("pyside6-lupdate is not installed (it comes with PySide6)")
    return found


def update(target: Path) -> int:
    """Write ``target``; return the number of messages in it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    sources = sorted(str(p.relative_to(ROOT)) for p in UI.rglob("*.py"))
    subprocess.run(
        [lupdate(), *sources, "-source-language", "en", "-no-obsolete", "-locations", "none", "-ts", str(target)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    tree = ET.parse(target)
    messages = tree.getroot().findall("./context/message")
    for message in messages:
        # lupdate takes "#:" lines (the project's attribute doc comments) as notes for translators: drop them.
        for note in message.findall("extracomment"):
            message.remove(note)
        source = message.findtext("source") or ""
        translation = message.find("translation")
        if "%n" in source and message.get("numerus") != "yes" and translation is not None:
            message.set("numerus", "yes")
            translation.text = None
            ET.SubElement(translation, "numerusform")
    ET.indent(tree, space="    ")
    with target.open("wb") as fh:
        fh.write(b'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n')
        tree.write(fh, encoding="utf-8", xml_declaration=False)
        fh.write(b"\n")
    return len(messages)


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_TS
    print(f"{update(out)} messages in {out}")
