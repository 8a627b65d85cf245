"""``chapterwise-gui`` and ``python -m desktop_app``: open the window, with the files named on the command line.

Without a display (a server, an SSH session without X forwarding) the command says so and names the
command line instead of letting Qt abort with a platform-plugin error.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from desktop_app import __version__
from desktop_app.engine.memory import settle_memory
from desktop_app.inputs import path_argument

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from desktop_app.config import Settings

log = logging.getLogger(__name__)

NO_DISPLAY = (
    "No display available: Chapterwise's window needs a desktop session.\n"
    "Use the command line instead: chapterwise summarize FILE (see chapterwise --help)."
)
EXIT_NO_DISPLAY = 2


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="chapterwise-gui",
        description="Summarize long documents chapter by chapter, live, in a desktop window.",
    )
    parser.add_argument(
        "files", nargs="*", type=path_argument, help="documents to open (PDF, EPUB, DOCX, Markdown, text)"
    )
    parser.add_argument(
        "--theme",
        choices=("system", "light", "dark"),
        default="system",
        help="colour scheme (default: follow the system)",
    )
    parser.add_argument(
        "--install-desktop",
        action="store_true",
        help="add Chapterwise to the desktop's application menu (for this user) and exit",
    )
    parser.add_argument("--version", action="version", version=f"Chapterwise {__version__}")
    return parser.parse_args(argv)


def display_problem() -> str | None:
    """Why no window can be shown here, or None if a display looks available.

    On Linux (and other X11/Wayland systems) a window needs ``DISPLAY`` or ``WAYLAND_DISPLAY``, unless
    ``QT_QPA_PLATFORM`` picks a platform explicitly (``offscreen``, ``vnc``, ...). When a display is set,
    a short probe in a child process catches Qt's fatal "could not load the Qt platform plugin" error
    (missing libxcb-* packages), which would otherwise abort this process.
    """
    if sys.platform in ("win32", "darwin"):
        return None
    if os.environ.get("QT_QPA_PLATFORM"):
        return None
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        return NO_DISPLAY
    if os.environ.get("CHAPTERWISE_SKIP_DISPLAY_PROBE"):
        return None
    probe = "from PySide6.QtGui import QGuiApplication; QGuiApplication([])"
    try:
        result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None  # let Qt try: the probe itself could not run
    if result.returncode == 0:
        return None
    detail = next((line for line in result.stderr.splitlines() if "plugin" in line.lower()), result.stderr.strip())
    return (
        f"The window cannot open on this display: {detail}\n"
        "On Debian/Ubuntu, `make system-deps` (or apt-get install libxcb-cursor0 libxkbcommon-x11-0)"
        " usually fixes it.\n"
        "Meanwhile, use the command line: chapterwise summarize FILE (see chapterwise --help)."
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Open the main window; returns the exit code (2 when there is no display)."""
    args = parse_args(argv)
    if args.install_desktop:
        from desktop_app.desktop_entry import install_desktop_entry

        print(install_desktop_entry().describe())
        return 0
    problem = display_problem()
    if problem:
        print(problem, file=sys.stderr)
        return EXIT_NO_DISPLAY

    from desktop_app.ui.compat import binding_problem

    problem = binding_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 1

    from PySide6.QtWidgets import QApplication, QMessageBox

    from desktop_app import resources
    from desktop_app.config import SettingsError, load_settings
    from desktop_app.logfile import install_log_file
    from desktop_app.paths import app_paths, log_moves, migrate_legacy_layout
    from desktop_app.ui.main_window import MainWindow
    from desktop_app.ui.theme import apply_theme, icon
    from desktop_app.ui.widgets.log_panel import quiet_libraries, shared_log_handler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    app.setApplicationName("Chapterwise")
    app.setOrganizationName("Chapterwise")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(resources.APP_ID)
    app.setWindowIcon(icon("chapterwise"))
    apply_theme(app, args.theme)
    handler = shared_log_handler()

    moves = migrate_legacy_layout(app_paths())  # before the settings file is read from its new place
    try:
        settings = load_settings()
    except SettingsError as err:
        QMessageBox.critical(None, "Chapterwise: bad settings", f"{err}\n\nFix the setting and start again.")
        print(err, file=sys.stderr)
        return 1
    logging.getLogger().setLevel(settings.log_level)
    quiet_libraries(settings.log_level)
    install_log_file(settings.paths.logs, settings.log_level)
    log_moves(moves)

    window = MainWindow(window_defaults(settings), log_handler=handler)
    window.show()
    quit_on_signals(app)
    log.info("Chapterwise %s started; log file in %s", __version__, settings.paths.logs)
    settle_memory()
    favour_gui_thread()
    if args.files:
        window.open_files(args.files)
    code = app.exec()
    window.shutdown()  # closing the window already did this; quitting by other means has not
    return exit_code(int(code))


def quit_on_signals(app: QApplication) -> None:
    """SIGTERM (a logout, ``kill``) and Ctrl-C close the window as its close button does: gracefully.

    Python runs signal handlers only between bytecodes, and Qt's event loop is C++; a cheap timer lets the
    interpreter in a few times a second. The close is posted to the event loop rather than done in the handler:
    a signal that arrives while the window is still starting would otherwise close it before ``exec`` runs,
    and the loop would then wait forever for a last window to close.
    """
    from PySide6.QtCore import QTimer

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: QTimer.singleShot(0, app.closeAllWindows))
    tick = QTimer(app)
    tick.timeout.connect(lambda: None)
    tick.start(250)


#: How long a Python thread may hold the interpreter lock while another waits for it (Python's default: 5 ms).
GUI_SWITCH_INTERVAL_S = 0.0002


def favour_gui_thread() -> None:
    """Let the GUI thread take the interpreter lock back within 0.2 ms instead of Python's 5 ms.

    A repaint or a timer slot crosses between Qt's C++ and Python many times, and the bindings release
    the lock around C++ calls; while the DB writer or the feeder computes, each crossing waits up to the
    switch interval for the lock, which added up to event handlers of 30–60 ms wall time for 3–5 ms of
    work during a burst of commits (measured in bench/gui_responsiveness.py). Only the window's process
    does this; the burst's own throughput did not measurably change.
    """
    sys.setswitchinterval(GUI_SWITCH_INTERVAL_S)


def window_defaults(settings: Settings) -> Settings:
    """The window runs the built-in summarizer in one worker process a core, unless the user chose otherwise.

    On the pipeline's threads the summarizer would hold Python's interpreter lock while the window paints
    (measured in bench/gui_responsiveness.py); in processes it never does, and it uses every core.
    """
    if "summary_processes" in settings.model_fields_set:
        return settings
    return settings.model_copy(update={"summary_processes": max(1, min(os.cpu_count() or 1, 8))})


def exit_code(code: int) -> int:
    """Return ``code``, or end the process now if a loop is still busy past the shutdown timeout.

    A loop can outlive the timeout only inside a call that cannot be interrupted (an LLM request);
    its chapter is already handed back to the backlog. Letting Python tear down its running QThread
    would abort the process with Qt's "Destroyed while thread is still running", so exit directly.
    """
    from desktop_app.ui import threads

    busy = threads.running_loops()
    if busy:
        log.warning(
            "Exiting with %d loops still busy (%s); their chapters resume next time", len(busy), ", ".join(busy)
        )
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


if __name__ == "__main__":
    sys.exit(main())
