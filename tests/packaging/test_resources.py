"""The package carries its icons and style sheet, and a missing one is a warning a user can find in the log."""

from __future__ import annotations

from pathlib import Path

import pytest

import desktop_app
from desktop_app import resources


def test_the_package_carries_the_window_resources() -> None:
    assert resources.find("styles", "chapterwise.qss") is not None
    assert resources.find("icons", "chapterwise.svg") is not None
    assert resources.ROOT.parent == Path(desktop_app.__file__).resolve().parent  # inside the package


def test_a_missing_resource_is_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    assert resources.find("icons", "no-such-icon.svg") is None
    assert "Resource missing:" in caplog.text
    assert "no-such-icon.svg" in caplog.text
    assert "reinstall Chapterwise" in caplog.text


def test_the_window_warns_about_a_missing_icon(qapp: object, caplog: pytest.LogCaptureFixture) -> None:
    from desktop_app.ui.theme import icon

    assert icon("not-an-icon").isNull()
    assert "Resource missing:" in caplog.text
