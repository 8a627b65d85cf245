"""The second seed's JavaScript flow (FormData upload with async=true, then polling every 2 s until
``completed``), run by Node against a live server."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import LiveApi, contract_markdown

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "js_flow.mjs"


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed (the JS flow needs node ≥ 18)")
def test_seed_javascript_flow_polls_until_completed(api: LiveApi, tmp_path: Path) -> None:
    document = tmp_path / "contract.md"
    document.write_bytes(contract_markdown())
    run = subprocess.run(
        ["node", str(SCRIPT), "--url", api.url, "--token", api.token, "--file", str(document)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr + run.stdout
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    polls = [line for line in lines if line.get("poll")]
    assert polls and polls[-1]["status"] == "completed"
    result = lines[-1]
    assert result["status"] == "completed"
    assert result["progress"] == 100
    assert result["summary"]
    assert {c["category"] for c in result["high_risk_clauses"]} >= {"Indemnification", "Uncapped Liability"}


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_seed_javascript_flow_reports_a_bad_token(api: LiveApi, tmp_path: Path) -> None:
    document = tmp_path / "contract.md"
    document.write_bytes(contract_markdown())
    run = subprocess.run(
        ["node", str(SCRIPT), "--url", api.url, "--token", "wrong", "--file", str(document)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 2
    assert "HTTP 401" in run.stderr
