"""The licence check: classifies licence strings correctly and passes on the run-time dependency tree."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_licences", ROOT / "scripts" / "check_licences.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


lic = _load()
V = lic.Verdict


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        ("MIT", V.PERMISSIVE),
        ("BSD-3-Clause AND 0BSD AND MIT AND Zlib AND CC0-1.0", V.PERMISSIVE),
        ("Apache-2.0 OR BSD-3-Clause", V.PERMISSIVE),
        ("Python Software Foundation License", V.PERMISSIVE),
        ("LGPL-3.0-only", V.WEAK_COPYLEFT),
        ("LGPL-3.0-only OR GPL-2.0-only OR GPL-3.0-only", V.WEAK_COPYLEFT),  # PySide6: the LGPL option
        ("Mozilla Public License 2.0 (MPL 2.0)", V.WEAK_COPYLEFT),
        ("GNU Affero General Public License v3 or later (AGPLv3+)", V.STRONG_COPYLEFT),  # ebooklib's classifier
        ("AGPL-3.0-or-later", V.STRONG_COPYLEFT),
        ("GPL-3.0-only", V.STRONG_COPYLEFT),
        ("GNU General Public License v2 (GPLv2)", V.STRONG_COPYLEFT),
        ("MIT AND GPL-3.0-only", V.STRONG_COPYLEFT),  # the worst part of an AND counts
        ("Apache Software License; GNU General Public License v2 (GPLv2)", V.STRONG_COPYLEFT),
        ("SSPL-1.0", V.STRONG_COPYLEFT),
        ("CC-BY-SA-4.0", V.STRONG_COPYLEFT),
        ("", V.UNKNOWN),
        ("UNKNOWN", V.UNKNOWN),
        ("Proprietary, see LICENSE.txt", V.UNKNOWN),
    ],
)
def test_classify(text: str, verdict: object) -> None:
    assert lic.classify(text) == verdict


def test_problems_say_what_to_do() -> None:
    bad = lic.Finding("EbookLib", "0.20", "GNU Affero General Public License v3 or later (AGPLv3+)", V.STRONG_COPYLEFT)
    odd = lic.Finding("mystery", "1.0", "", V.UNKNOWN)
    fine = lic.Finding("httpx", "0.28", "BSD-3-Clause", V.PERMISSIVE)
    found = lic.problems([bad, odd, fine])
    assert len(found) == 2
    assert "copyleft licence the MIT-licensed app cannot ship; replace or drop the dependency" in found[0]
    assert "record it in REVIEWED in scripts/check_licences.py" in found[1]


def test_the_tree_follows_extras_and_skips_other_platforms() -> None:
    tree = lic.runtime_tree(
        [Requirement("psycopg[binary]>=3"), Requirement("pywin32; sys_platform == 'win32'")]
        if sys.platform != "win32"
        else [Requirement("psycopg[binary]>=3")]
    )
    assert {"psycopg", "psycopg-binary"} <= set(tree)
    assert "pywin32" not in tree


def test_a_reviewed_entry_cannot_clear_a_copyleft_package(monkeypatch: pytest.MonkeyPatch) -> None:
    # An installed package whose metadata (as pip-licenses reads it) says AGPL: a review cannot clear it.
    monkeypatch.setattr(lic, "runtime_tree", lambda roots: {"agplthing": "agplthing"})
    monkeypatch.setattr(
        lic, "read_licences", lambda names: [{"Name": "agplthing", "Version": "1.0", "License": "AGPL-3.0-or-later"}]
    )
    monkeypatch.setitem(lic.REVIEWED, "agplthing", ("MIT", "a wrong review"))
    findings = {f.name: f for f in lic.check([Requirement("agplthing")])}
    assert findings["agplthing"].verdict == V.STRONG_COPYLEFT


def test_the_runtime_tree_has_no_copyleft_licence() -> None:
    findings = lic.check()
    assert len(findings) > 20  # the whole tree, not only the direct dependencies
    assert lic.problems(findings) == []
