"""The pre-commit hook, through the real `pre-commit try-repo`.

try-repo clones a hook repository and installs it as pre-commit installs any
Python hook: a fresh virtualenv and `pip install .` of the clone (from the
package index pip is configured with). The hook repository is a snapshot of
this working tree (tracked files as they are now, and new files of the
package) committed to a temporary git repository, so the test checks the
code as it is now. try-repo builds the hook's environment anew on every
call (it uses a temporary store), 7 to 25 s here, so the tests call it four
times in all.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
GIT = ["git", "-c", "user.name=dllint tests", "-c", "user.email=tests@dllint.invalid", "-c", "commit.gpgsign=false"]

BUGGY = textwrap.dedent(
    """\
    import torch

    model = torch.nn.Linear(4, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for x, y in loader:
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step
    """
)
CLEAN = BUGGY.replace("optimizer.step\n", "optimizer.step()\n")
NOTEBOOK = json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
    {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": BUGGY.splitlines(keepends=True)},
]}, indent=1)


def git(*args: str, cwd: Path) -> str:
    if shutil.which("git") is None:
        pytest.fail("git is not installed; the pre-commit tests need it (as pre-commit does)")
    return subprocess.run([*GIT, *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory) -> Path:
    """This working tree, committed to a fresh repository."""
    inside = subprocess.run(["git", "rev-parse", "--is-inside-work-tree"], cwd=PROJECT, capture_output=True, text=True)
    if inside.stdout.strip() != "true":
        pytest.fail(f"{PROJECT} is not a git work tree: the pre-commit test snapshots it with git ls-files")
    tracked = git("ls-files", "-z", "--cached", cwd=PROJECT).split("\0")
    # New files not yet added count too, but only the package's and the
    # top-level ones: an unignored virtualenv or data folder stays out.
    untracked = [
        path for path in git("ls-files", "-z", "--others", "--exclude-standard", cwd=PROJECT).split("\0")
        if "/" not in path or path.split("/")[0] in ("dllint", "rules")
    ]
    repo = tmp_path_factory.mktemp("hook-repo")
    for relative in filter(None, tracked + untracked):
        source = PROJECT / relative
        if source.is_file():  # a deleted but still tracked file is listed too
            target = repo / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    git("init", "-q", cwd=repo)
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "snapshot for the pre-commit test", cwd=repo)
    return repo


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory) -> Path:
    """pre-commit's own folder (its log), kept out of the user's ~/.cache."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def target(tmp_path) -> Path:
    """A user's repository where the hook runs."""
    repo = tmp_path / "user-repo"
    repo.mkdir()
    git("init", "-q", cwd=repo)
    return repo


def stage(repo: Path, files: dict) -> None:
    for relative, text in files.items():
        path = repo / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    git("add", *files, cwd=repo)


def try_repo(hook_repo: Path, home: Path, cwd: Path, *args: str, hook: str = "dllint") -> subprocess.CompletedProcess:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home)}
    process = subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), hook, "--color", "never", *args],
        cwd=cwd, env=env, capture_output=True, text=True, encoding="utf-8",
    )
    if "An error has occurred" in process.stdout + process.stderr:
        log = home / "pre-commit.log"
        details = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
        pytest.fail(f"pre-commit itself failed:\n{process.stdout}\n{process.stderr}\n{details}")
    return process


def test_hook_fails_on_a_buggy_file_and_passes_on_a_clean_one(hook_repo, pre_commit_home, target):
    stage(
        target,
        {
            "buggy.py": BUGGY,
            "clean.py": CLEAN,
            # pre-commit names each file; --force-exclude in the hook's entry
            # makes dllint's exclusions (the default `build`, the configured
            # `vendored/`) apply to named files too
            "build/lib/train.py": BUGGY,
            "vendored/train.py": BUGGY,
            "pyproject.toml": '[tool.dllint]\nextend-exclude = ["vendored/"]\n',
            "explore.ipynb": NOTEBOOK,
        },
    )

    failed = try_repo(hook_repo, pre_commit_home, target, "--files", "buggy.py", "explore.ipynb")
    assert failed.returncode == 1, failed.stdout
    assert "dllint..." in failed.stdout and "Failed" in failed.stdout
    assert "buggy.py:9:5: DL103 [*] `optimizer.step` is not called" in failed.stdout
    # types_or: [python, jupyter] hands notebooks to the hook too
    assert "explore.ipynb:cell 1:9:5: DL103 [*] `optimizer.step` is not called" in failed.stdout

    passed = try_repo(hook_repo, pre_commit_home, target, "--files", "clean.py", "build/lib/train.py", "vendored/train.py")
    assert passed.returncode == 0, passed.stdout
    assert "Passed" in passed.stdout


def test_the_fix_hook_repairs_and_fails_the_commit(hook_repo, pre_commit_home, target):
    """`dllint-fix` runs `dllint --fix`: the staged file is repaired in the
    work tree and the hook fails (pre-commit fails a hook that changes files),
    so the user stages the repair and commits again."""
    stage(target, {"buggy.py": BUGGY})
    fixed = try_repo(hook_repo, pre_commit_home, target, "--files", "buggy.py", hook="dllint-fix")
    assert fixed.returncode == 1, fixed.stdout
    assert "files were modified by this hook" in fixed.stdout
    assert (target / "buggy.py").read_text(encoding="utf-8") == CLEAN


def test_no_python_file_staged_is_not_a_failure(hook_repo, pre_commit_home, target):
    """Without --files, pre-commit runs the hook on the staged files: here none is Python."""
    stage(target, {"README.md": "# notes\n", "config.yaml": "lr: 0.1\n"})
    skipped = try_repo(hook_repo, pre_commit_home, target)
    assert skipped.returncode == 0, skipped.stdout
    assert "(no files to check)Skipped" in skipped.stdout
