"""Translation readiness: the .ts file holds every string of the window, and a translation with plural
forms replaces the English text, counts included."""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator

from desktop_app.ui.i18n import plural, translate

ROOT = Path(__file__).resolve().parents[2]
TS = ROOT / "desktop_app" / "ui" / "translations" / "chapterwise.ts"
TOOLS = Path(sys.executable).parent


def _tool(name: str) -> str:
    found = shutil.which(name) or str(TOOLS / name)
    if not Path(found).exists():
        pytest.skip(f"{name} is not installed (it comes with PySide6)")
    return found


def _messages(path: Path) -> set[tuple[str, str, bool]]:
    root = ET.parse(path).getroot()
    return {
        (c.findtext("name") or "", m.findtext("source") or "", m.get("numerus") == "yes")
        for c in root.findall("context")
        for m in c.findall("message")
    }


def test_the_ts_file_is_current(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _tool("pyside6-lupdate")
    monkeypatch.syspath_prepend(str(ROOT / "scripts"))
    import update_translations

    fresh = tmp_path / "fresh.ts"
    update_translations.update(fresh)
    assert _messages(fresh) == _messages(TS), "run scripts/update_translations.py after changing strings"
    messages = _messages(TS)
    assert ("Controller", "Cancelled %n chapter(s)", True) in messages
    assert ("PipelinePanel", "Time per chapter", False) in messages
    assert len(messages) > 200


def test_a_translation_with_plural_forms_is_used(qtbot, tmp_path: Path) -> None:
    lrelease = _tool("pyside6-lrelease")
    ts = tmp_path / "chapterwise_de.ts"
    ts.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n<TS version="2.1" language="de" sourcelanguage="en">'
        '<context><name>Controller</name><message numerus="yes"><source>Cancelled %n chapter(s)</source>'
        "<translation><numerusform>%n Kapitel abgebrochen</numerusform>"
        "<numerusform>%n Kapitel abgebrochen (mehrere)</numerusform></translation></message></context></TS>\n",
        encoding="utf-8",
    )
    qm = tmp_path / "chapterwise_de.qm"
    subprocess.run([lrelease, str(ts), "-qm", str(qm)], check=True, capture_output=True)
    translator = QTranslator()
    assert translator.load(str(qm))
    QCoreApplication.installTranslator(translator)
    try:
        one = plural(translate("Controller", "Cancelled %n chapter(s)", "", 1), 1)
        many = plural(translate("Controller", "Cancelled %n chapter(s)", "", 4), 4)
    finally:
        QCoreApplication.removeTranslator(translator)
    assert (one, many) == ("1 Kapitel abgebrochen", "4 Kapitel abgebrochen (mehrere)")
    assert plural(translate("Controller", "Cancelled %n chapter(s)", "", 1), 1) == "Cancelled 1 chapter"
