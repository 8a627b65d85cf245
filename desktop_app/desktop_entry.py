"""``chapterwise-gui --install-desktop``: put Chapterwise in the desktop's application menu, for this user.

Copies the desktop entry, the AppStream metainfo and the icons (SVG and PNGs 16–512) that the package carries
into the user's XDG data folder (``$XDG_DATA_HOME``, by default ``~/.local/share``):

- ``applications/org.chapterwise.Chapterwise.desktop``, with ``Exec`` pointing at this installation's launcher
  (a virtualenv's ``chapterwise-gui`` is often not on the menu's ``PATH``);
- ``metainfo/org.chapterwise.Chapterwise.metainfo.xml``, which software centres read;
- ``icons/hicolor/<n>x<n>/apps/org.chapterwise.Chapterwise.png`` and ``icons/hicolor/scalable/apps/….svg``.

Running it again updates the files in place. Qt-free; main thread, no display needed.
"""

from __future__ import annotations

import logging
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from desktop_app import resources

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DesktopInstall:
    """What ``--install-desktop`` wrote, for its message and for tests."""

    desktop_file: Path
    metainfo_file: Path
    icons: tuple[Path, ...]
    exec_command: str
    notes: tuple[str, ...] = field(default=())

    def describe(self) -> str:
        lines = [
            f"Installed the desktop entry {self.desktop_file}",
            f"  starts: {self.exec_command}",
            f"  metainfo: {self.metainfo_file}",
            f"  icons: {len(self.icons)} in {self.icons[0].parents[2] if self.icons else '-'}",
            *self.notes,
            "Chapterwise now appears in the application menu (log out and in if it does not show yet).",
        ]
        return "\n".join(lines)


def launcher_command() -> list[str]:
    """The command that opens the window from this installation: bundle, virtualenv script, or the module."""
    if getattr(sys, "frozen", False):
        return [str(Path(sys.executable).with_name("chapterwise-gui"))]
    script = Path(sys.executable).with_name("chapterwise-gui")
    if script.is_file():
        return [str(script)]
    found = shutil.which("chapterwise-gui")
    if found:
        return [found]
    return [sys.executable, "-m", "desktop_app"]


def desktop_entry_text(command: list[str]) -> str:
    """The packaged desktop entry with ``Exec``/``TryExec`` set to ``command`` (quoted as the spec asks)."""
    source = resources.path("desktop", f"{resources.APP_ID}.desktop").read_text(encoding="utf-8")
    exec_line = " ".join(_quote(part) for part in command) + " %F"
    replaced = {"Exec": exec_line, "TryExec": command[0]}
    lines = []
    for line in source.splitlines():
        key = line.split("=", 1)[0]
        lines.append(f"{key}={replaced[key]}" if key in replaced and "=" in line else line)
    return "\n".join(lines) + "\n"


def _quote(arg: str) -> str:
    # Desktop Entry spec: arguments with reserved characters are double-quoted, with \ " ` $ escaped inside.
    if not any(ch in arg for ch in " \t\n\"'\\><~|&;$*?#()`"):
        return arg
    escaped = arg.replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`").replace("$", "\\$")
    return f'"{escaped}"'


def install_desktop_entry(data_home: Path | None = None, command: list[str] | None = None) -> DesktopInstall:
    """Install the desktop entry, metainfo and icons under ``data_home`` (default: the user's XDG data folder)."""
    home = data_home or platformdirs.user_data_path()
    command = command or launcher_command()
    app_id = resources.APP_ID

    desktop_file = home / "applications" / f"{app_id}.desktop"
    desktop_file.parent.mkdir(parents=True, exist_ok=True)
    desktop_file.write_text(desktop_entry_text(command), encoding="utf-8")

    metainfo_file = home / "metainfo" / f"{app_id}.metainfo.xml"
    metainfo_file.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(resources.path("desktop", f"{app_id}.metainfo.xml"), metainfo_file)

    icons: list[Path] = []
    hicolor = home / "icons" / "hicolor"
    for size in resources.ICON_SIZES:
        source = resources.find("icons", "hicolor", f"{size}x{size}", "apps", f"{app_id}.png")
        if source:
            icons.append(_copy(source, hicolor / f"{size}x{size}" / "apps" / f"{app_id}.png"))
    svg = resources.find("icons", "chapterwise.svg")
    if svg:
        icons.append(_copy(svg, hicolor / "scalable" / "apps" / f"{app_id}.svg"))

    notes = tuple(_refresh_caches(home))
    log.info("Installed the desktop entry %s (Exec %s)", desktop_file, shlex.join(command))
    return DesktopInstall(desktop_file, metainfo_file, tuple(icons), shlex.join(command), notes)


def _copy(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


def _refresh_caches(home: Path) -> list[str]:
    """Tell the desktop about the new files where its cache tools exist; optional, so failures are notes."""
    notes = []
    for tool, args in (
        ("update-desktop-database", [str(home / "applications")]),
        ("gtk-update-icon-cache", ["--ignore-theme-index", "--quiet", str(home / "icons" / "hicolor")]),
    ):
        path = shutil.which(tool)
        if not path:
            continue
        try:
            subprocess.run([path, *args], check=True, capture_output=True, timeout=60)
        except (OSError, subprocess.SubprocessError) as err:
            notes.append(f"  ({tool} did not run: {err})")
    return notes
