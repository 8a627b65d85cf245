"""The icons and style sheet are found from the source tree, and a missing one is a warning a user can find in the log.

Installed from the wheel they are found beside the module (``test_wheel.py``); in the bundle, by its smoke test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import desktop_app
from desktop_app import resources


def test_the_source_tree_finds_the_window_resources_at_its_top_level() -> None:
    assert resources.find("styles", "chapterwise.qss") is not None
    assert resources.find("icons", "chapterwise.svg") is not None
    top_level = Path(desktop_app.__file__).resolve().parents[1] / "resources"
    assert top_level == resources.ROOT


def test_a_missing_resource_is_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    assert resources.find("icons", "no-such-icon.svg") is None
    assert "Resource missing:" in caplog.text
    assert "no-such-icon.svg" in caplog.text
    assert "reinstall Chapterwise" in caplog.text


def test_the_window_warns_about_a_missing_icon(qapp: object, caplog: pytest.LogCaptureFixture) -> None:
    from desktop_app.ui.theme import icon

    assert icon("not-an-icon").isNull()
    assert "Resource missing:" in caplog.text
