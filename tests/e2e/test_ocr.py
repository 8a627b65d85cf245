"""Scanned PDFs: without a text layer the user is told so, and with Tesseract installed OCR reads them.

The scanned PDF is made here: lines of text drawn into an image, and only that image put on the PDF page.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from desktop_app.cli import EXIT_INPUT, EXIT_OK, main

pytestmark = pytest.mark.skipif(
    shutil.which("tesseract") is None,
    reason="Tesseract is not installed (`make test` installs Debian's tesseract-ocr as root)",
)

LINES = [
    "Chapter One",
    "The harbour master counted the ships",
    "that arrived before the winter storms.",
    "Every captain paid the harbour toll",
    "in silver coins at the customs house.",
]


def scanned_pdf(path: Path, qapp) -> Path:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QRect, Qt
    from PySide6.QtGui import QColor, QFont, QImage, QPageSize, QPainter, QPdfWriter

    image = QImage(1700, 2200, QImage.Format.Format_Grayscale8)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setPen(QColor("black"))
    painter.setFont(QFont("DejaVu Sans", 40))
    for i, line in enumerate(LINES):
        painter.drawText(QRect(120, 150 + i * 110, 1500, 100), Qt.AlignmentFlag.AlignLeft, line)
    painter.end()
    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.Letter))
    writer.setResolution(200)
    pdf_painter = QPainter(writer)
    pdf_painter.drawImage(QRect(0, 0, 1700, 2200), image)
    pdf_painter.end()
    return path


def test_scanned_pdf_is_refused_with_a_hint_then_read_with_ocr(
    tmp_path: Path,
    qapp,
    capsys: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
) -> None:
    pdf = scanned_pdf(tmp_path / "scan.pdf", qapp)
    code = main(["-q", "summarize", str(pdf)])
    err = capsys.readouterr().err
    assert code == EXIT_INPUT
    assert "no text layer" in err.lower() and "--ocr" in err

    code = main(["-q", "summarize", str(pdf), "--ocr", "--format", "json", "--with-text"])
    out, err = capsys.readouterr()
    assert code == EXIT_OK, err
    result = json.loads(out)
    assert result["document"]["structure"] == "ocr"
    text = " ".join(c["text"] or "" for c in result["chapters"]).lower()
    assert "harbour" in text and "captain" in text, "OCR read the page's lines"
    assert any(c["summary"] for c in result["chapters"]), "and the read text was summarized"
