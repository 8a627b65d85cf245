"""A dropped scanned PDF: the window offers OCR (Tesseract installed) and reads the pages when accepted."""

from __future__ import annotations

import shutil

import pytest

from tests.e2e.test_ocr import scanned_pdf
from tests.ui.test_drop import _drop, _mime


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="Tesseract is not installed (`make test` installs it)")
def test_scanned_pdf_is_read_with_ocr_when_the_user_accepts(qtbot, qapp, make_window, tmp_path) -> None:
    window = make_window()
    offers: list[str] = []
    window.prompts.ask_ocr = lambda path, message: offers.append(message) or True
    pdf = scanned_pdf(tmp_path / "scan.pdf", qapp)
    with qtbot.waitSignal(window.document_opened, timeout=60_000) as opened:
        assert _drop(window.drop_area, _mime([pdf]))
    assert offers and "text layer" in offers[0].lower()
    doc = window.engine.document(str(opened.args[0]), chapters=False)
    assert doc.structure == "ocr"
    # The scan was found by the parse after the window answered; that failed try is not kept.
    qtbot.waitUntil(lambda: window.documents_model.rowCount() == 1, timeout=10_000)
    assert [d.id for d in window.engine.documents()] == [doc.id]
