"""Every command example of README.md and docs/editors.md prints what they show.

An example is a `$ command` line in a fenced block without a language (or
`console`), followed by the output it shows, up to the next `$` line or the
end of the block. The command runs with bash at the root of a fresh copy of
the repository (its files as they are now, committed to a new git
repository, so `pre-commit try-repo .` works and a `--fix` example changes
nothing for the next), with this environment's `dllint`, `flake8` and
`pre-commit` first on PATH, and its stdout and stderr together, as a
terminal shows them (never a terminal, so never colour). A line `...` in the
shown output stands for any number of lines. Trailing spaces and trailing
blank lines are not compared.

Commands that cannot run here (they install packages or run this suite) are
listed in NOT_RUN with the reason; those whose output depends on the machine
in LOOSE, with what is checked instead. Both lists must name commands the
documents still hold. The `run:` steps of the README's GitHub Actions
examples run in a copy of docs/examples, checked for their exit status, and
a pre-commit `rev:` must be a placeholder or a tag that exists.

When an example drifts, the failure names the document, its line, the
command and the lines to paste in.
"""
from __future__ import annotations

import difflib
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Sequence

import pytest

from dllint import __version__

PROJECT = Path(__file__).resolve().parent.parent
GIT = ["git", "-c", "user.name=dllint tests", "-c", "user.email=tests@dllint.invalid", "-c", "commit.gpgsign=false"]
DOCUMENTS = ("README.md", "docs/editors.md")
WILDCARD = "..."

# The Quick start's two commands are plain lines (no `$`), checked by
# test_quick_start_is_two_commands_and_ci_runs_the_second instead.
NOT_RUN: Dict[str, str] = {}
LOOSE: Dict[str, Callable[[str], bool]] = {
    # flake8's, its plugins' and Python's versions differ per machine
    "flake8 --version": lambda output: f"dllint: {__version__}" in output,
}


@dataclass
class Example:
    document: str
    line: int  # 1-based line of the `$` line
    command: str
    shown: List[str]

    @property
    def where(self) -> str:
        return f"{self.document}:{self.line}"

    @property
    def id(self) -> str:
        return f"{self.where}: {self.command[:60]}"


def _fenced_blocks(document: str):
    """(language, 1-based line of the first line inside, lines) of each fenced block."""
    lines = (PROJECT / document).read_text(encoding="utf-8").splitlines()
    block, language, start = None, "", 0
    for number, line in enumerate(lines, start=1):
        if line.strip().startswith("```"):
            if block is None:
                block, language, start = [], line.strip()[3:].strip(), number + 1
            else:
                yield language, start, block
                block = None
        elif block is not None:
            block.append(line)


def examples() -> List[Example]:
    found = []
    for document in DOCUMENTS:
        for language, start, lines in _fenced_blocks(document):
            if language not in ("", "console"):
                continue
            for offset, line in enumerate(lines):
                if line.startswith("$ "):
                    found.append(Example(document, start + offset, line[2:].strip(), []))
                elif found and found[-1].document == document and found[-1].line >= start:
                    found[-1].shown.append(line)
    return found


def workflow_steps() -> List[str]:
    steps = []
    for language, _, lines in _fenced_blocks("README.md"):
        if language == "yaml":
            steps += [match.group(1) for line in lines if (match := re.match(r"\s*- run: (dllint .*)$", line))]
    return steps


def _environment(tmp_path: Path) -> Dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit-home")
    for name in ("DLLINT_OUTPUT_FORMAT", "NO_COLOR", "PRE_COMMIT_COLOR"):
        env.pop(name, None)
    return env


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory) -> Path:
    """The repository's files as they are now (tracked ones, and new ones of
    the package and at the top), committed to a fresh git repository."""
    def git(*args, cwd):
        return subprocess.run([*GIT, *args], cwd=cwd, check=True, capture_output=True, text=True).stdout

    tracked = git("ls-files", "-z", "--cached", cwd=PROJECT).split("\0")
    untracked = [
        path for path in git("ls-files", "-z", "--others", "--exclude-standard", cwd=PROJECT).split("\0")
        if "/" not in path or path.split("/")[0] in ("dllint", "rules", "docs")
    ]
    repo = tmp_path_factory.mktemp("snapshot") / "dllint"
    for relative in filter(None, tracked + untracked):
        source = PROJECT / relative
        if source.is_file():
            (repo / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, repo / relative)
    git("init", "-q", cwd=repo)
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "snapshot for the README examples", cwd=repo)
    return repo


def _matches(shown: Sequence[str], printed: Sequence[str]) -> bool:
    """Whether `printed` is `shown`, each `...` line standing for any lines."""
    if not shown:
        return not printed
    if shown[0] == WILDCARD:
        return any(_matches(shown[1:], printed[skip:]) for skip in range(len(printed) + 1))
    return bool(printed) and shown[0] == printed[0] and _matches(shown[1:], printed[1:])


def _trimmed(lines: Sequence[str]) -> List[str]:
    lines = [line.rstrip() for line in lines]
    while lines and not lines[-1]:
        lines.pop()
    return lines


RUNNABLE = [example for example in examples() if example.command not in NOT_RUN]


def test_the_documents_have_examples_and_the_exception_lists_are_current():
    commands = {example.command for example in examples()}
    assert len(commands) >= 6
    assert set(NOT_RUN) <= commands, f"NOT_RUN names commands no document shows any more: {set(NOT_RUN) - commands}"
    assert set(LOOSE) <= commands, f"LOOSE names commands no document shows any more: {set(LOOSE) - commands}"


@pytest.mark.parametrize("example", RUNNABLE, ids=[example.id for example in RUNNABLE])
def test_example_prints_what_the_document_shows(example: Example, snapshot, tmp_path):
    work = tmp_path / "dllint"
    shutil.copytree(snapshot, work, symlinks=True)
    completed = subprocess.run(
        ["bash", "-c", example.command], cwd=work, env=_environment(tmp_path),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8", errors="replace",
    )
    printed = _trimmed(completed.stdout.splitlines())
    if example.command in LOOSE:
        assert LOOSE[example.command]("\n".join(printed)), (
            f"{example.where}: `$ {example.command}` printed something unexpected:\n{completed.stdout}"
        )
        return
    shown = _trimmed(example.shown)
    if _matches(shown, printed):
        return
    first = example.line + 1
    last = example.line + len(example.shown)
    diff = "\n".join(difflib.unified_diff(shown, printed, "shown in " + example.document, "printed", lineterm=""))
    pytest.fail(
        f"{example.where}: `$ {example.command}` prints something else than {example.document} shows "
        f"(exit status {completed.returncode}).\n{diff}\n\n"
        f"To update the example, replace lines {first}-{last} of {example.document} with the lines below "
        f"(keep `...` lines where output is left out on purpose):\n" + "\n".join(printed),
        pytrace=False,
    )


@pytest.mark.parametrize("step", workflow_steps())
def test_github_actions_steps_run(step, tmp_path):
    """The workflow examples' dllint steps, in a folder of buggy scripts:
    the options must exist (no usage error) and files named must appear."""
    shutil.copytree(PROJECT / "docs" / "examples", tmp_path / "work")
    completed = subprocess.run(
        ["bash", "-c", step], cwd=tmp_path / "work", env=_environment(tmp_path), capture_output=True, text=True,
    )
    assert completed.returncode in (0, 1), f"README.md workflow step `{step}` failed:\n{completed.stderr}"
    for name in re.findall(r"--output-file (\S+)", step):
        assert (tmp_path / "work" / name).is_file(), f"`{step}` wrote no {name}"


def test_pre_commit_rev_is_a_placeholder_or_an_existing_tag():
    revisions = []
    for language, start, lines in _fenced_blocks("README.md"):
        if language == "yaml":
            revisions += [(start + offset, line.split("rev:", 1)[1].split("#")[0].strip()) for offset, line in enumerate(lines) if "rev:" in line]
    assert revisions
    tags = subprocess.run(["git", "tag", "--list"], cwd=PROJECT, capture_output=True, text=True).stdout.split()
    for line, revision in revisions:
        assert re.fullmatch(r"<[^>]+>", revision) or revision in tags, (
            f"README.md:{line}: `rev: {revision}` is neither a <placeholder> nor a tag of this repository ({tags or 'none'})"
        )


def test_quick_start_is_two_commands_and_ci_runs_the_second():
    """The README's first fenced block: one command that installs dllint and
    lints docs/examples/, one that installs the test extra and runs the
    suite; `.ci/run` runs exactly that second command."""
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1]
    block = section.split("```", 2)[1]
    commands = [line for line in block.splitlines() if line.strip()]
    assert len(commands) == 2, commands
    assert "pip install" in commands[0] and "dllint" in commands[0] and "docs/examples/" in commands[0]
    assert commands[1] == "python -m pip install -e '.[test]' && python -m pytest"
    ci = (PROJECT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci.splitlines()

