"""Shell completion for ``chapterwise``: the generated bash script completes commands and options in a real bash."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from desktop_app import cli


def _script(shell: str, capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as done:
        cli.main(["--print-completion", shell])
    assert done.value.code == 0
    return capsys.readouterr().out


def _complete(script: Path, *words: str) -> list[str]:
    """What bash offers after ``chapterwise WORDS`` (the last word is the one being completed)."""
    line = " ".join(("chapterwise", *words))
    program = f"""
source {script}
COMP_WORDS=(chapterwise {" ".join(repr(w) for w in words)})
COMP_CWORD={len(words)}
COMP_LINE={line!r}
COMP_POINT={len(line)}
_shtab_chapterwise
printf '%s\\n' "${{COMPREPLY[@]}}"
"""
    result = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", program], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return [w.strip() for w in result.stdout.splitlines() if w.strip()]


@pytest.mark.skipif(not shutil.which("bash"), reason="bash is not installed")
def test_bash_completes_commands_and_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "chapterwise.bash"
    script.write_text(_script("bash", capsys), encoding="utf-8")

    assert _complete(script, "su") == ["summarize"]
    assert {"status", "show"} <= set(_complete(script, "s"))
    assert "--format" in _complete(script, "summarize", "--fo")
    assert set(_complete(script, "priority", "doc", "")) == {"high", "normal", "low"}


@pytest.mark.parametrize("shell", ["zsh", "fish", "tcsh", "powershell"])
def test_other_shells_get_a_script(shell: str, capsys: pytest.CaptureFixture[str]) -> None:
    script = _script(shell, capsys)
    assert "summarize" in script and "refocus" in script


def test_help_names_every_shell_it_completes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    described = re.search(r"print a shell completion script \(([^)]*)\)", text)
    assert described, text
    choices = re.search(r"--print-completion \{([^}]*)\}", text)
    assert choices and set(described.group(1).split(", ")) == set(choices.group(1).split(","))
