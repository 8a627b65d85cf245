"""A password-protected PDF asks for its password, and asks again when it is wrong."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.corpus


def test_password_protected_pdf_asks_for_its_password(qtbot, make_window, corpus) -> None:
    pdf = corpus / "pdf" / "libreoffice-writer-password.pdf"
    if not pdf.is_file():
        pytest.skip(f"{pdf.name} is not in the corpus")
    window = make_window()
    asked: list[bool] = []
    answers = iter(["not-it", "openpassword"])

    def ask(path, wrong: bool) -> str | None:
        asked.append(wrong)
        return next(answers)

    window.prompts.ask_password = ask
    with qtbot.waitSignal(window.document_opened, timeout=60_000):
        window.open_files([pdf])
    assert asked == [False, True]  # asked once, then told the first password was wrong
    assert window.documents_model.rowCount() == 1


def test_password_prompt_cancelled_skips_the_file(qtbot, make_window, corpus) -> None:
    pdf = corpus / "pdf" / "libreoffice-writer-password.pdf"
    if not pdf.is_file():
        pytest.skip(f"{pdf.name} is not in the corpus")
    window = make_window()
    asked: list[bool] = []
    window.prompts.ask_password = lambda path, wrong: asked.append(wrong) or None
    window.open_files([pdf])
    qtbot.waitUntil(lambda: bool(asked) and window.tasks.pending == 0, timeout=60_000)
    assert asked == [False]
    assert window.documents_model.rowCount() == 0
