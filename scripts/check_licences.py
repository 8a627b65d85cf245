"""Check the licences of everything Chapterwise installs at run time; fail on a copyleft licence.

    .venv/bin/python scripts/check_licences.py             # table + verdict; exit 1 on a problem
    .venv/bin/python scripts/check_licences.py --markdown  # the same table in Markdown (for notes and docs)

Which packages: the run-time dependency tree of the project as ``pyproject.toml`` declares it (extras like
``psycopg[binary]`` included, environment markers evaluated), followed through each installed package's own
requirements. Build and test tools (PyInstaller, pytest, ruff, ...) are not shipped and are not checked.

Licences are read with pip-licenses (``--from=mixed``: the SPDX ``License-Expression`` where a package has one,
else its trove classifiers, else its ``License`` field) and classified:

- **permissive** (MIT, BSD, Apache, ISC, PSF, Zlib, CC0, ...): fine;
- **weak copyleft** (LGPL, MPL): fine for a program that uses the library unmodified as a separate module,
  which is how Python imports it; reported so a packager sees them;
- **strong copyleft** (GPL, AGPL, SSPL, EUPL, OSL, CC-BY-SA): the check fails. There is no exception list for
  these: the dependency has to go.
- **unknown**: the check fails until someone reads the package's licence and records it in ``REVIEWED``.

``A OR B`` is as good as its best alternative (PySide6: LGPL-3.0 or GPL); ``A AND B``, and lists separated by
``,`` or ``;``, are as bad as their worst part.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from enum import IntEnum
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]


class Verdict(IntEnum):
    """Ordered from good to bad, so the worst part of an ``AND`` is ``max``."""

    PERMISSIVE = 0
    WEAK_COPYLEFT = 1
    UNKNOWN = 2
    STRONG_COPYLEFT = 3


# Checked in this order: "LGPL" must be seen before "GPL", "Affero" before "General Public".
_RULES: tuple[tuple[str, Verdict], ...] = (
    (r"\bAGPL|Affero", Verdict.STRONG_COPYLEFT),
    (r"\bLGPL|Lesser General Public|Library General Public", Verdict.WEAK_COPYLEFT),
    (r"\bGPL|General Public License", Verdict.STRONG_COPYLEFT),
    (r"\bSSPL|Server Side Public", Verdict.STRONG_COPYLEFT),
    (r"\bEUPL|European Union Public", Verdict.STRONG_COPYLEFT),
    (r"\bOSL-|Open Software License", Verdict.STRONG_COPYLEFT),
    (r"CC-BY-SA|ShareAlike", Verdict.STRONG_COPYLEFT),
    (r"\bMPL|Mozilla Public", Verdict.WEAK_COPYLEFT),
    (r"\bEPL|Eclipse Public", Verdict.WEAK_COPYLEFT),
    (
        r"\bMIT\b|MIT-0|\bBSD|0BSD|Apache|\bISC\b|\bPSF|Python Software Foundation|CNRI-Python|\bZlib\b"
        r"|\bCC0|Unlicense|Public Domain|\bHPND\b|Historical Permission|Boost|BSL-1\.0|DFSG approved",
        Verdict.PERMISSIVE,
    ),
)

#: Packages whose metadata does not name its licence precisely, read by hand. Only permissive or weak-copyleft
#: findings belong here: a strong-copyleft package is removed, not reviewed.
REVIEWED: dict[str, tuple[str, str]] = {
    "pypdfium2": (
        "BSD-3-Clause AND Apache-2.0",
        "metadata adds 'dependency licenses': PDFium's bundled libraries (FreeType, libjpeg-turbo, libpng, "
        "OpenJPEG, lcms, zlib, ICU, ...) are permissive; see the wheel's BUILD_LICENSES/",
    ),
}


@dataclass(frozen=True)
class Finding:
    name: str
    version: str
    licence: str
    verdict: Verdict
    note: str = ""


def classify(expression: str) -> Verdict:
    """The verdict for a licence string: SPDX expression, trove classifier(s) or free text."""
    text = expression.strip()
    if not text or text.upper() == "UNKNOWN":
        return Verdict.UNKNOWN
    alternatives = re.split(r"\s+OR\s+", text.strip("()"))
    if len(alternatives) > 1:
        return min(classify(part) for part in alternatives)
    parts = [p for p in re.split(r"\s+AND\s+|;|,", text) if p.strip()]
    if len(parts) > 1:
        return max(classify(part) for part in parts)
    for pattern, verdict in _RULES:
        if re.search(pattern, text, flags=re.IGNORECASE if verdict is not Verdict.PERMISSIVE else 0):
            return verdict
    return Verdict.UNKNOWN


def runtime_requirements(pyproject: Path = ROOT / "pyproject.toml") -> list[Requirement]:
    """The run-time dependencies the project declares (no optional extras)."""
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    return [Requirement(spec) for spec in data["project"]["dependencies"]]


def runtime_tree(roots: list[Requirement]) -> dict[str, str]:
    """Every installed distribution the roots need, transitively: canonical name → installed name."""
    found: dict[str, str] = {}
    seen: set[tuple[str, frozenset[str]]] = set()
    todo = list(roots)
    while todo:
        req = todo.pop()
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        key, extras = canonicalize_name(req.name), frozenset(req.extras)
        if (key, extras) in seen:
            continue
        seen.add((key, extras))
        try:
            dist = metadata.distribution(req.name)
        except metadata.PackageNotFoundError:
            raise SystemExit(f"{req.name} is a dependency but is not installed: run `make setup` first") from None
        found[key] = dist.metadata["Name"]
        for spec in dist.requires or []:
            child = Requirement(spec)
            # A child is needed unconditionally, or by an extra the parent was asked for (psycopg[binary]).
            if child.marker is None or any(child.marker.evaluate({"extra": e}) for e in ("", *extras)):
                child.marker = None
                todo.append(child)
    return found


def read_licences(names: list[str]) -> list[dict[str, str]]:
    """pip-licenses' view of ``names`` (installed distribution names)."""
    command = [sys.executable, "-m", "piplicenses", "--from=mixed", "--format=json", "--packages", *names]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"pip-licenses failed (is the dev extra installed?): {result.stderr.strip()}")
    rows: list[dict[str, str]] = json.loads(result.stdout)
    return rows


def check(roots: list[Requirement] | None = None) -> list[Finding]:
    tree = runtime_tree(roots if roots is not None else runtime_requirements())
    findings = []
    for row in read_licences(sorted(tree.values())):
        name, licence = row["Name"], row["License"]
        reviewed = REVIEWED.get(canonicalize_name(name))
        if reviewed and classify(licence) is not Verdict.STRONG_COPYLEFT:
            findings.append(Finding(name, row["Version"], reviewed[0], classify(reviewed[0]), reviewed[1]))
        else:
            findings.append(Finding(name, row["Version"], licence, classify(licence)))
    return sorted(findings, key=lambda f: (-f.verdict, f.name.lower()))


_LABEL = {
    Verdict.PERMISSIVE: "permissive",
    Verdict.WEAK_COPYLEFT: "weak copyleft (ok)",
    Verdict.UNKNOWN: "UNKNOWN: review it",
    Verdict.STRONG_COPYLEFT: "STRONG COPYLEFT",
}


def table(findings: list[Finding], markdown: bool = False) -> str:
    rows = [(f.name, f.version, f.licence, _LABEL[f.verdict] + (f" ({f.note})" if f.note else "")) for f in findings]
    head = ("package", "version", "licence", "verdict")
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(3)]
    return "\n".join(
        "  ".join(cell.ljust(widths[i]) if i < 3 else cell for i, cell in enumerate(row)) for row in [head, *rows]
    )


def problems(findings: list[Finding]) -> list[str]:
    """One sentence per package that blocks a release."""
    out = []
    for f in findings:
        if f.verdict is Verdict.STRONG_COPYLEFT:
            out.append(
                f"{f.name} {f.version} is {f.licence}: a copyleft licence the MIT-licensed app cannot ship; "
                "replace or drop the dependency"
            )
        elif f.verdict is Verdict.UNKNOWN:
            out.append(
                f"{f.name} {f.version} has no licence this check recognises ({f.licence or 'none'}): "
                "read its licence and record it in REVIEWED in scripts/check_licences.py"
            )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--markdown", action="store_true", help="print the table in Markdown")
    args = parser.parse_args(argv)
    findings = check()
    print(table(findings, markdown=args.markdown))
    found = problems(findings)
    print()
    if found:
        print("Licence check FAILED:", *found, sep="\n  ")
        return 1
    weak = sum(f.verdict is Verdict.WEAK_COPYLEFT for f in findings)
    print(f"Licence check passed: {len(findings)} run-time packages, {weak} weak copyleft (used as libraries).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
