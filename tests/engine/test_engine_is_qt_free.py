"""The engine (and the API, which imports only the engine) never imports Qt: checked in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys

CHECK = """
import importlib, pkgutil, sys
import desktop_app.engine as engine
import desktop_app.api as api
names = [m.name for m in pkgutil.walk_packages(engine.__path__, "desktop_app.engine.")]
names += [m.name for m in pkgutil.walk_packages(api.__path__, "desktop_app.api.")]
names = [n for n in names if ".migrations" not in n]
for name in names:
    importlib.import_module(name)
assert len(names) > 15, names
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "shiboken6") or m.startswith("desktop_app.ui"))
print(len(names), loaded)
sys.exit(1 if loaded else 0)
"""


def test_engine_imports_no_qt() -> None:
    result = subprocess.run([sys.executable, "-c", CHECK], check=False, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.split()[1:] == ["[]"]
