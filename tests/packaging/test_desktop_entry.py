"""The desktop entry, AppStream metainfo and icons: valid, complete, and installed into the XDG data folder."""

from __future__ import annotations

import configparser
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app import __version__, resources
from desktop_app.desktop_entry import desktop_entry_text, install_desktop_entry
from desktop_app.ui import app

ROOT = Path(__file__).resolve().parents[2]
DESKTOP = resources.path("desktop", f"{resources.APP_ID}.desktop")
METAINFO = resources.path("desktop", f"{resources.APP_ID}.metainfo.xml")


def _entry(text: str) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(text)
    return parser["Desktop Entry"]


def test_the_entry_names_the_icon_and_the_id_the_window_uses() -> None:
    entry = _entry(DESKTOP.read_text(encoding="utf-8"))
    assert entry["Icon"] == resources.APP_ID
    assert entry["Exec"].endswith("%F")
    assert "application/pdf" in entry["MimeType"]
    assert f"<id>{resources.APP_ID}</id>" in METAINFO.read_text(encoding="utf-8")
    assert f'<release version="{__version__}"' in METAINFO.read_text(encoding="utf-8")


@pytest.mark.skipif(
    not shutil.which("desktop-file-validate"),
    reason="desktop-file-validate is not installed "
    "(Debian package desktop-file-utils; scripts/system-deps.sh test installs it)",
)
def test_desktop_file_validate_accepts_the_entry_as_shipped_and_as_installed(tmp_path: Path) -> None:
    installed = install_desktop_entry(tmp_path, ["/opt/My Apps/chapterwise-gui"])
    for path in (DESKTOP, installed.desktop_file):
        result = subprocess.run(["desktop-file-validate", str(path)], capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "error" not in result.stdout.lower()


@pytest.mark.skipif(
    not shutil.which("appstreamcli"),
    reason="appstreamcli is not installed (Debian package appstream; scripts/system-deps.sh test installs it)",
)
def test_appstreamcli_validates_the_metainfo() -> None:
    result = subprocess.run(
        ["appstreamcli", "validate", "--no-net", str(METAINFO)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_icons_exist_in_every_size() -> None:
    from PySide6.QtGui import QImage

    for size in resources.ICON_SIZES:
        image = QImage(str(resources.path("icons", "hicolor", f"{size}x{size}", "apps", f"{resources.APP_ID}.png")))
        assert (image.width(), image.height()) == (size, size)
    ico = (ROOT / "packaging" / "chapterwise.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", ico)
    sides = sorted(struct.unpack_from("<B", ico, 6 + 16 * i)[0] or 256 for i in range(count))
    assert (reserved, kind) == (0, 1)
    assert sides == [16, 24, 32, 48, 64, 128, 256]


def test_install_puts_every_file_in_the_xdg_data_folder(tmp_path: Path) -> None:
    installed = install_desktop_entry(tmp_path, ["/usr/bin/chapterwise-gui"])

    assert installed.desktop_file == tmp_path / "applications" / f"{resources.APP_ID}.desktop"
    assert installed.metainfo_file.read_bytes() == METAINFO.read_bytes()
    for size in resources.ICON_SIZES:
        assert (tmp_path / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{resources.APP_ID}.png").is_file()
    assert (tmp_path / "icons" / "hicolor" / "scalable" / "apps" / f"{resources.APP_ID}.svg").is_file()
    assert _entry(installed.desktop_file.read_text(encoding="utf-8"))["Exec"] == "/usr/bin/chapterwise-gui %F"
    assert "Installed the desktop entry" in installed.describe()


def test_exec_quotes_paths_with_spaces_as_the_spec_asks() -> None:
    entry = _entry(desktop_entry_text([sys.executable, "-m", "desktop_app"]))
    assert entry["Exec"] == f"{sys.executable} -m desktop_app %F"
    entry = _entry(desktop_entry_text(["/opt/My Apps/chapterwise-gui"]))
    assert entry["Exec"] == '"/opt/My Apps/chapterwise-gui" %F'
    assert entry["TryExec"] == "/opt/My Apps/chapterwise-gui"


def test_the_window_command_installs_the_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert app.main(["--install-desktop"]) == 0
    assert (tmp_path / "applications" / f"{resources.APP_ID}.desktop").is_file()
    assert "Installed the desktop entry" in capsys.readouterr().out
