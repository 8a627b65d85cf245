"""The wheel a user installs: it carries the icons, style sheet and desktop files, and no test tools.

Builds the wheel from this checkout (``pip wheel --no-deps --no-build-isolation``, so no network is needed),
installs it into a fresh virtual environment, and looks for the resources from there, outside the checkout.
The fresh environment borrows the test environment's dependencies (PySide6 and the rest) through a ``.pth``
line, so the window's theme can load them as it would after ``pip install chapterwise``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from desktop_app import __version__, resources

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow

PROBE = """
import json, sys
from PySide6.QtWidgets import QApplication
import desktop_app
from desktop_app import resources
from desktop_app.ui.theme import apply_theme, icon
app = QApplication([])
apply_theme(app, "light")
try:
    import chapterwise_testing
    testing = True
except ImportError:
    testing = False
print(json.dumps({
    "package": desktop_app.__file__,
    "stylesheet": len(app.styleSheet()),
    "icon": not icon("chapterwise").isNull(),
    "desktop": resources.path("desktop", resources.APP_ID + ".desktop").is_file(),
    "png512": resources.path("icons", "hicolor", "512x512", "apps", resources.APP_ID + ".png").is_file(),
    "testing": testing,
}))
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    [built] = out.glob("chapterwise-*.whl")
    return built


def test_the_wheel_holds_what_a_user_runs_and_nothing_else(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert wheel.name == f"chapterwise-{__version__}-py3-none-any.whl"
    for needed in (
        "desktop_app/resources/styles/chapterwise.qss",
        "desktop_app/resources/icons/chapterwise.svg",
        f"desktop_app/resources/desktop/{resources.APP_ID}.desktop",
        f"desktop_app/resources/desktop/{resources.APP_ID}.metainfo.xml",
        "desktop_app/resources/" + "/".join(resources.SAMPLE),
        *(f"desktop_app/resources/icons/hicolor/{n}x{n}/apps/{resources.APP_ID}.png" for n in resources.ICON_SIZES),
        "desktop_app/engine/store/migrations/script.py.mako",
        "desktop_app/engine/store/migrations/versions/0001_initial_schema.py",
        f"chapterwise-{__version__}.dist-info/licenses/LICENSE",
    ):
        assert needed in names, needed
    assert not [n for n in names if "llmsim" in n or "chapterwise_testing" in n or "ingest/testing" in n]
    assert not [n for n in names if n.startswith(("tests/", "bench/", "scripts/", "packaging/"))]
    metadata = zipfile.ZipFile(wheel).read(f"chapterwise-{__version__}.dist-info/METADATA").decode()
    assert "License-Expression: MIT" in metadata
    assert "tenacity" not in metadata


def test_installed_from_the_wheel_the_window_finds_its_icon_and_stylesheet(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "fresh"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    clean = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}  # no PYTHONPATH: nothing from the checkout
    install = subprocess.run(
        [python, "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
        capture_output=True,
        text=True,
        check=False,
        env=clean,
    )
    assert install.returncode == 0, install.stderr
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
        env=clean,
    ).stdout.strip()
    # The dependencies, borrowed; a plain path line does not run the checkout's editable-install hook.
    (Path(site) / "_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")

    result = subprocess.run(
        [python, "-c", PROBE],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env={**clean, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert Path(found["package"]).is_relative_to(env_dir)  # the installed copy, not the checkout
    assert found["stylesheet"] > 100
    assert found["icon"] and found["desktop"] and found["png512"]
    assert not found["testing"]
    assert "Resource missing" not in result.stderr
