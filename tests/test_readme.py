"""Every `$ dllint ...` example in README.md, run and compared.

Each example runs through the CLI (click's runner) in a fresh copy of
docs/examples/ with the repository's pyproject.toml, so a `--fix` example
changes nothing for the next one; the block shows stdout, then stderr.
"""
from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from tests.conftest import invoke

ROOT = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"^```\n\$ (dllint [^\n]*)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def examples():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return [pytest.param(command, output, id=command) for command, output in BLOCK.findall(text)]


def test_the_readme_has_examples_of_notebooks_and_fixing():
    commands = [param.values[0] for param in examples()]
    assert any(".ipynb" in command for command in commands)
    assert any("--fix" in command for command in commands) and any("--diff" in command for command in commands)


@pytest.mark.parametrize("command, output", examples())
def test_readme_example(command, output, tmp_path, monkeypatch):
    shutil.copytree(ROOT / "docs" / "examples", tmp_path / "docs" / "examples")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    monkeypatch.chdir(tmp_path)
    result = invoke(*shlex.split(command)[1:])
    assert result.stdout + result.stderr == output
