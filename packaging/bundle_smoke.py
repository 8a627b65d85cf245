"""Build the PyInstaller bundle, run it on real documents, and print what it took.

    .venv/bin/python packaging/bundle_smoke.py DOCUMENT [DOCUMENT ...]   # build, then run
    .venv/bin/python packaging/bundle_smoke.py --no-build DOCUMENT        # run the bundle already in dist/

Steps, each timed:
1. ``pyinstaller packaging/pyinstaller.spec`` (unless ``--no-build``); the bundle's size on disk.
2. The window, ``chapterwise-gui DOCUMENT...``, offscreen (``QT_QPA_PLATFORM=offscreen``) with its own data
   folder. Its summary pool runs in spawned worker processes, which is what ``freeze_support`` is for.
   The bundle's own ``chapterwise list --json`` is asked until every document is ``done``; then the window gets
   SIGTERM (as a logout would send) and must exit cleanly.
3. The console program, ``chapterwise summarize DOCUMENT --format json``, in a fresh data folder.

Exit status 0 when every document completed both ways. Output: one table.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "packaging" / "pyinstaller.spec"


def version() -> str:
    match = re.search(r'__version__ = "([^"]+)"', (ROOT / "desktop_app" / "__init__.py").read_text())
    assert match
    return match.group(1)


def bundle_dir() -> Path:
    return ROOT / "dist" / f"Chapterwise-{version()}"


def build() -> float:
    started = time.monotonic()
    # This checkout first, also for PyInstaller's helper processes (a virtualenv may hold another, editable one).
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--clean",
            "--distpath",
            str(ROOT / "dist"),
            "--workpath",
            str(ROOT / "build" / "pyinstaller"),
            str(SPEC),
        ],
        check=True,
        cwd=ROOT,
        env=env,
    )
    return time.monotonic() - started


def size_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink()) / 1e6


def documents_status(cli: Path, env: dict[str, str]) -> list[dict[str, object]]:
    result = subprocess.run(
        [str(cli), "list", "--json"], capture_output=True, text=True, env=env, check=False, timeout=120
    )
    if result.returncode != 0:
        return []
    rows: list[dict[str, object]] = json.loads(result.stdout or "[]")
    return rows


def run_window(folder: Path, docs: list[Path], timeout: float) -> tuple[bool, float, str]:
    """Start the window on ``docs``; True once the bundle's CLI sees every document done and the window exits 0."""
    with tempfile.TemporaryDirectory(prefix="chapterwise-smoke-") as data:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "CHAPTERWISE_DATA_DIR": data}
        env.pop("PYTHONPATH", None)
        started = time.monotonic()
        window = subprocess.Popen(
            [str(folder / "chapterwise-gui"), *map(str, docs)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        detail = "timed out"
        done = False
        try:
            while time.monotonic() - started < timeout and window.poll() is None:
                rows = documents_status(folder / "chapterwise", env)
                states = [str(r["status"]) for r in rows]
                if len(rows) == len(docs) and all(s in ("done", "failed", "cancelled") for s in states):
                    done = all(s == "done" for s in states)
                    detail = ", ".join(
                        f"{r['file_name']}: {r['status']} ({r['done']}/{r['chapter_count']})" for r in rows
                    )
                    break
                time.sleep(1.0)
            elapsed = time.monotonic() - started
        finally:
            if window.poll() is None:
                window.send_signal(signal.SIGTERM)
            try:
                output, _ = window.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                window.kill()
                output, _ = window.communicate()
        if window.returncode != 0:
            done = False
            detail += f"; the window exited with {window.returncode}: {output[-2000:]}"
        missing = [line for line in output.splitlines() if "Resource missing:" in line]
        if missing:  # the bundle lacks its icons or style sheet (the spec's datas)
            done = False
            detail += "; " + "; ".join(missing[:3])
        return done, elapsed, detail


def run_console(folder: Path, doc: Path, timeout: float) -> tuple[bool, float, str]:
    with tempfile.TemporaryDirectory(prefix="chapterwise-smoke-") as data:
        env = {**os.environ, "CHAPTERWISE_DATA_DIR": data}
        env.pop("PYTHONPATH", None)
        started = time.monotonic()
        result = subprocess.run(
            [str(folder / "chapterwise"), "-q", "summarize", str(doc), "--format", "json"],
            capture_output=True,
            text=True,
            env=env,
            check=False,
            timeout=timeout,
        )
        elapsed = time.monotonic() - started
        if result.returncode != 0:
            return False, elapsed, f"exit {result.returncode}: {result.stderr[-1000:]}"
        view = json.loads(result.stdout)
        status, chapters = view["document"]["status"], view["chapters"]
        return status == "done", elapsed, f"{status}, {len(chapters)} chapter{'' if len(chapters) == 1 else 's'}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the bundle and check it summarizes documents.")
    parser.add_argument("documents", nargs="+", type=Path, help="documents to open (PDF, EPUB, DOCX, Markdown, text)")
    parser.add_argument("--no-build", action="store_true", help="use the bundle already in dist/")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds to wait for the documents")
    args = parser.parse_args(argv)
    missing = [str(d) for d in args.documents if not d.is_file()]
    if missing:
        parser.error(f"no such document: {', '.join(missing)}")
    docs = [d.resolve() for d in args.documents]

    rows: list[tuple[str, str, str]] = []
    build_s = None if args.no_build else build()
    folder = bundle_dir()
    if not (folder / "chapterwise-gui").is_file():
        print(f"No bundle in {folder}: run `make bundle` first", file=sys.stderr)
        return 1
    rows.append(("build", "-" if build_s is None else f"{build_s:.0f} s", f"pyinstaller {SPEC.name}"))
    rows.append(("bundle size", f"{size_mb(folder):.0f} MB", str(folder.relative_to(ROOT))))

    ok_window, took, detail = run_window(folder, docs, args.timeout)
    rows.append(("window (offscreen)", f"{took:.1f} s", ("OK  " if ok_window else "FAIL ") + detail))
    ok_console = True
    for doc in docs:
        ok, took, detail = run_console(folder, doc, args.timeout)
        ok_console &= ok
        rows.append((f"chapterwise summarize {doc.name}", f"{took:.1f} s", ("OK  " if ok else "FAIL ") + detail))

    width = max(len(r[0]) for r in rows)
    print(f"\n{'step'.ljust(width)}  {'time/size':>10}  result")
    for step, value, result in rows:
        print(f"{step.ljust(width)}  {value:>10}  {result}")
    return 0 if ok_window and ok_console else 1


if __name__ == "__main__":
    sys.exit(main())
