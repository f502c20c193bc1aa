"""ruff's and flake8's conventions where users expect them (issue 16), each
through the front door: click's runner, and a real process where a terminal,
a signal, git or the environment is involved."""
from __future__ import annotations

import os
import pty
import re
import select
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.conftest import BUGGY, CLEAN, invoke

PROJECT = Path(__file__).resolve().parent.parent
# the same, with or without ruff's `[*]` (it marks a fix `--fix` would apply)
FINDING_RE = re.compile(r"7:5: DL103 (\[\*\] )?`loss\.backward` is not called")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def process(*args, cwd, env=None, input=None):
    """dllint as a real process (`python -m dllint`)."""
    return subprocess.run(
        [sys.executable, "-m", "dllint", *args],
        cwd=cwd, capture_output=True, text=True, env={**os.environ, **(env or {})}, input=input,
    )


def git(*args, cwd):
    subprocess.run(["git", "-c", "init.defaultBranch=main", *args], cwd=cwd, check=True, capture_output=True)


# --------------------------------------------------------------------------- closest configuration


def test_configuration_is_found_from_each_file_not_from_the_working_folder(project, monkeypatch):
    project("proj/pyproject.toml", '[tool.dllint]\nignore = ["DL103"]\n')
    project("proj/src/train.py", BUGGY)
    project("elsewhere/note.txt", "")
    monkeypatch.chdir(project.root / "elsewhere")
    assert invoke("../proj/src").exit_code == 0
    # --config wins over every file's own configuration
    project("strict.toml", 'select = ["DL"]\n')
    assert invoke("--config", "../strict.toml", "../proj/src").exit_code == 1
    assert invoke("--isolated", "../proj/src").exit_code == 1


def test_flake8_plugin_uses_each_files_closest_configuration(project):
    project("proj/pyproject.toml", '[tool.dllint]\nignore = ["DL103"]\n')
    project("proj/src/train.py", BUGGY)
    project("other/train.py", BUGGY)
    flake8 = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "DL", "proj/src", "other"],
        cwd=project.root, capture_output=True, text=True,
    )
    assert [line.split(":")[0] for line in flake8.stdout.splitlines()] == ["other/train.py"]
    assert FINDING_RE.search(flake8.stdout)


def test_each_subproject_of_a_monorepo_uses_its_own_configuration(project):
    project("pyproject.toml", '[tool.dllint]\nextend-exclude = ["generated"]\n')
    project("a/train.py", BUGGY)
    project("b/dllint.toml", 'ignore = ["DL103"]\nextend-exclude = ["scratch"]\n')
    project("b/train.py", BUGGY)
    project("b/scratch/train.py", BUGGY)  # excluded by b's own patterns, relative to b
    project("generated/train.py", BUGGY)
    result = invoke(".")
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == ["a/train.py"]
    assert invoke("--show-files", ".").stdout.splitlines() == ["a/train.py", "b/train.py"]


def test_a_broken_configuration_of_a_linted_subproject_is_an_error(project):
    project("a/train.py", BUGGY)
    project("b/dllint.toml", "select = [\n")
    project("b/train.py", BUGGY)
    assert invoke("a").exit_code == 1  # b is not linted, its file is not read
    broken = invoke(".")
    assert broken.exit_code == 2 and "b/dllint.toml" in broken.stderr and broken.stdout == ""


def test_show_settings_names_the_file_they_come_from(project):
    config = project("sub/pyproject.toml", '[tool.dllint]\nignore = ["DL103"]\noutput-format = "full"\n')
    project("sub/train.py", BUGGY)
    shown = invoke("--show-settings", "sub/train.py")
    assert shown.exit_code == 0
    assert shown.stdout.startswith(f"Resolved settings for: sub/train.py\nSettings path: {config}\n")
    assert 'ignore = ["DL103"]' in shown.stdout and 'output-format = "full"' in shown.stdout
    assert "Settings path: (none: the defaults)" in invoke("--show-settings").stdout


def test_unknown_code_in_configuration_is_a_warning_and_the_rest_applies(project):
    project("pyproject.toml", '[tool.dllint]\nignore = ["DL103", "DL999"]\n')
    project("train.py", BUGGY)
    result = invoke("train.py")
    assert result.exit_code == 0
    assert "dllint: warning: unknown code 'DL999' in 'ignore' of [tool.dllint]" in result.stderr


# --------------------------------------------------------------------------- silent passes


def test_missing_path_is_reported_whatever_is_selected(project):
    project("train.py", CLEAN)
    result = invoke("--select", "DL1", "missing.py", "train.py")
    assert result.exit_code == 1
    assert result.stdout == "missing.py:1:1: DL002 no such file or directory\n"
    assert invoke("--ignore", "DL002", "missing.py").exit_code == 1


def test_no_python_files_is_a_warning(project):
    project("empty/.keep", "")
    project("docs/notes.txt", "x")
    for folder in ("empty", "docs"):
        result = invoke(folder)
        assert result.exit_code == 0
        assert "dllint: warning: no Python files found under the given path(s)" in result.stderr
    project("src/train.py", CLEAN)
    assert "warning" not in invoke("src").stderr


def test_named_file_dropped_by_force_exclude_is_a_warning(project):
    project("pyproject.toml", '[tool.dllint]\nextend-exclude = ["vendored/"]\n')
    project("vendored/train.py", BUGGY)
    result = invoke("--force-exclude", "vendored/train.py")
    assert result.exit_code == 0
    assert "vendored/train.py" in result.stderr and "--force-exclude" in result.stderr
    piped = invoke("--force-exclude", "--stdin-filename", "vendored/train.py", "-", input=BUGGY)
    assert piped.stdout == "" and "vendored/train.py" in piped.stderr
    assert invoke("--quiet", "--force-exclude", "vendored/train.py").stderr == ""


# --------------------------------------------------------------------------- output


def test_full_format_shows_the_line_a_caret_and_the_fix(project):
    project("train.py", BUGGY)
    result = invoke("--format", "full", "train.py")
    assert result.stdout == (
        "train.py:7:5: DL103 [*] `loss.backward` is not called, so this statement does nothing; write `loss.backward()` to compute the gradients\n"
        "  |\n"
        "7 |     loss.backward\n"
        "  |     ^^^^^^^^^^^^^ DL103\n"
        "  |\n"
        "  = help: Call `loss.backward()`\n"
    )
    # from stdin, the piped text is shown
    assert "7 |     loss.backward" in invoke("--format", "full", "-", input=BUGGY).stdout


def test_output_format_alias_environment_and_settings(project, monkeypatch):
    project("train.py", BUGGY)
    full = invoke("--format", "full", "train.py").stdout
    assert invoke("--output-format", "full", "train.py").stdout == full
    project("pyproject.toml", '[tool.dllint]\noutput-format = "full"\n')
    assert invoke("train.py").stdout == full
    monkeypatch.setenv("DLLINT_OUTPUT_FORMAT", "pylint")
    assert invoke("train.py").stdout.startswith("train.py:7: [DL103]")
    assert FINDING_RE.match(invoke("--format", "text", "train.py").stdout, len("train.py:"))
    project("pyproject.toml", '[tool.dllint]\noutput-format = "fancy"\n')
    monkeypatch.delenv("DLLINT_OUTPUT_FORMAT")
    bad = invoke("train.py")
    assert bad.exit_code == 2 and "output-format" in bad.stderr


def run_in_terminal(args, cwd, env):
    """dllint with its stdout on a pseudo-terminal; what it printed there."""
    controller, terminal = pty.openpty()
    child = subprocess.Popen(
        [sys.executable, "-m", "dllint", *args], cwd=cwd, stdout=terminal, stderr=subprocess.DEVNULL,
        env={key: value for key, value in env.items() if value is not None},
    )
    os.close(terminal)
    chunks = []
    while True:
        ready, _, _ = select.select([controller], [], [], 30)
        if not ready:
            break
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the terminal closed: the child is done
            break
        if not chunk:
            break
        chunks.append(chunk)
    child.wait(timeout=30)
    os.close(controller)
    return b"".join(chunks).decode("utf-8")


def test_color_on_a_terminal_never_in_a_pipe_and_no_color_honoured(project):
    project("train.py", BUGGY)
    env = {**os.environ, "NO_COLOR": None}
    assert ANSI.search(run_in_terminal(["train.py"], project.root, env))
    assert not ANSI.search(run_in_terminal(["train.py"], project.root, {**env, "NO_COLOR": "1"}))
    assert not ANSI.search(run_in_terminal(["--color", "never", "train.py"], project.root, env))
    piped = process("train.py", cwd=project.root, env={"NO_COLOR": ""})
    assert not ANSI.search(piped.stdout) and FINDING_RE.search(piped.stdout)
    forced = process("--color", "always", "train.py", cwd=project.root, env={"NO_COLOR": "1"})
    assert ANSI.search(forced.stdout)
    assert ANSI.sub("", forced.stdout) == piped.stdout


# --------------------------------------------------------------------------- what is linted


def test_default_excludes_cover_tool_caches(project):
    for folder in (".ipynb_checkpoints", "__pypackages__", ".direnv", "_build", "buck-out", ".mypy_cache", ".pytest_cache", ".ruff_cache"):
        project(f"{folder}/train.py", BUGGY)
    project("train.py", CLEAN)
    assert invoke("--show-files", ".").stdout == "train.py\n"


def test_exclude_and_no_respect_gitignore_on_the_command_line(project):
    git("init", "-q", cwd=project.root)
    project(".gitignore", "ignored/\n")
    project("ignored/train.py", BUGGY)
    project("build/train.py", BUGGY)
    project("gen/train.py", BUGGY)
    project("train.py", CLEAN)
    assert invoke("--show-files", ".").stdout.splitlines() == ["gen/train.py", "train.py"]
    assert invoke("--show-files", "--no-respect-gitignore", ".").stdout.splitlines() == ["gen/train.py", "ignored/train.py", "train.py"]
    # --exclude replaces the configured patterns and the defaults (build comes back)
    assert invoke("--show-files", "--exclude", "gen", ".").stdout.splitlines() == ["build/train.py", "train.py"]


def test_git_info_exclude_and_global_excludes_file(project, tmp_path_factory):
    git("init", "-q", cwd=project.root)
    (project.root / ".git" / "info").mkdir(exist_ok=True)
    (project.root / ".git" / "info" / "exclude").write_text("scratch/\n", encoding="utf-8")
    home = tmp_path_factory.mktemp("home")
    (home / "global-ignore").write_text("*_local.py\n", encoding="utf-8")
    (home / "gitconfig").write_text(f"[core]\n\texcludesFile = {home / 'global-ignore'}\n", encoding="utf-8")
    project("scratch/train.py", BUGGY)
    project("train_local.py", BUGGY)
    project("train.py", CLEAN)
    env = {"GIT_CONFIG_GLOBAL": str(home / "gitconfig"), "HOME": str(home), "XDG_CONFIG_HOME": str(home / "xdg")}
    shown = process("--show-files", ".", cwd=project.root, env=env)
    assert shown.stdout == "train.py\n", shown.stderr
    # a !negation in a .gitignore overrides them, as in git
    project(".gitignore", "!scratch/\n")
    assert process("--show-files", ".", cwd=project.root, env=env).stdout == "scratch/train.py\ntrain.py\n"
    # and without core.excludesFile, git's default place is read
    (home / "xdg" / "git").mkdir(parents=True)
    (home / "xdg" / "git" / "ignore").write_text("scratch/\n", encoding="utf-8")
    (home / "gitconfig").write_text("", encoding="utf-8")
    (project.root / ".git" / "info" / "exclude").write_text("", encoding="utf-8")
    (project.root / ".gitignore").unlink()
    assert process("--show-files", ".", cwd=project.root, env=env).stdout == "train.py\ntrain_local.py\n"


# --------------------------------------------------------------------------- small things


@pytest.mark.parametrize(
    "source, needs",
    [("type Alias = int\n", (3, 12)), ("match command:\n    case 1:\n        pass\n", (3, 10))],
)
def test_syntax_of_a_newer_python_names_the_running_version(project, source, needs):
    project("train.py", "import torch\n" + source)
    result = invoke("train.py")
    running = ".".join(map(str, sys.version_info[:3]))
    if sys.version_info[:2] >= needs:
        assert result.exit_code == 0
    else:
        assert f"DL001 syntax error: invalid syntax (this file was parsed by Python {running};" in result.stdout
        assert f"Python {needs[0]}.{needs[1]} or newer" in result.stdout
    project("typo.py", "import torch\nx = = 1\n")
    assert "parsed by Python" not in invoke("typo.py").stdout


def _wait_until_reading_stdin(child) -> None:
    """Until `child` waits in a read of its standard input (Linux tells;
    elsewhere, a pause). A fixed 2 s pause was sometimes spent still
    importing on a loaded machine, and the Ctrl-C then hit the imports."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{child.pid}/syscall") as syscall:
                if syscall.read().split()[:2] == ["0", "0x0"]:  # read(0, ...) on x86-64
                    return
        except OSError:
            break
        time.sleep(0.05)
    time.sleep(2)


def test_ctrl_c_exits_130_without_noise(project):
    child = subprocess.Popen(
        [sys.executable, "-m", "dllint", "-"], cwd=project.root,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    _wait_until_reading_stdin(child)
    child.send_signal(signal.SIGINT)
    stdout, stderr = child.communicate(timeout=30)
    assert child.returncode == 130
    assert stdout == b"" and stderr == b""


def test_ctrl_c_while_dllint_is_still_importing_exits_130_without_noise(project):
    # the Ctrl-C arrives as the launcher imports dllint.cli (and click with it)
    script = textwrap.dedent("""
        import builtins, os, signal, sys
        importing = builtins.__import__
        def interrupting(name, *args, **kwargs):
            if name == "dllint.cli":
                os.kill(os.getpid(), signal.SIGINT)
            return importing(name, *args, **kwargs)
        builtins.__import__ = interrupting
        sys.argv = ["dllint", "train.py"]
        from dllint.launcher import main
        main()
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=project.root, capture_output=True, timeout=120)
    assert (done.returncode, done.stdout, done.stderr) == (130, b"", b"")


@pytest.mark.parametrize("habit, hint", [(("check", "src"), "`dllint PATH...`"), (("rule", "DL103"), "`dllint --explain CODE`")])
def test_ruff_subcommands_get_a_one_line_hint(project, habit, hint):
    project("src/train.py", CLEAN)
    result = invoke(*habit)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and hint in result.stderr and "DL002" not in result.stderr
    # a file that really is called `check` is linted
    project("check", CLEAN)
    assert invoke("check").exit_code == 0


def test_license_file_matches_pyproject_and_urls_are_declared():
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == {"text": "MIT"}
    assert (PROJECT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License\n")
    from dllint.rule_docs import PROJECT_URL

    assert project["urls"]["Homepage"] == PROJECT_URL
    assert all(url.startswith(PROJECT_URL) for url in project["urls"].values())


# --------------------------------------------------------------------------- --add-noqa

ADOPTED = '''\
import torch
model = torch.nn.Linear(2, 2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for x, y in loader:
    loss = torch.nn.functional.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()  # noqa: E501
model.eval  # keep this comment
doc = """# noqa: E1
"""; model.train
(model
  .eval)
total = 1 + \\
    2; model.eval
'''


def test_add_noqa_silences_every_current_finding_and_is_idempotent(project):
    path = project("train.py", ADOPTED)
    path.chmod(0o640)
    before = invoke("train.py")
    assert before.exit_code == 1 and len(re.findall(r"^train\.py:\d+:\d+: DL", before.stdout, re.M)) == 5
    added = invoke("--add-noqa", "train.py")
    assert added.exit_code == 0, added.stderr
    assert "dllint: added 5 noqa comments to 1 file." in added.stderr
    assert path.read_text(encoding="utf-8") == ADOPTED.replace(
        "optimizer.step()  # noqa: E501\n", "optimizer.step()  # noqa: E501, DL601\n"
    ).replace(
        "model.eval  # keep this comment\n", "model.eval  # keep this comment  # noqa: DL103\n"
    ).replace(
        # the end of this line is inside the string: the comment goes on the
        # statement's first line, and the string is left as it was
        'doc = """# noqa: E1\n', 'doc = """# noqa: E1\n'
    ).replace(
        '"""; model.train\n', '"""; model.train  # noqa: DL103\n'
    ).replace(
        "(model\n", "(model  # noqa: DL103\n"
    ).replace(
        "total = 1 + \\\n", "total = 1 + \\\n"
    ).replace(
        "    2; model.eval\n", "    2; model.eval  # noqa: DL103\n"
    )
    assert invoke("train.py").exit_code == 0
    again = invoke("--add-noqa", "train.py")
    assert "added 0 noqa comments to 0 files" in again.stderr
    assert oct(path.stat().st_mode & 0o777) == oct(0o640)
    assert sorted(p.name for p in project.root.iterdir()) == ["train.py"]  # no temporary file left


def test_add_noqa_keeps_line_endings_and_leaves_stdin_alone(project):
    path = project("train.py", b"import torch\r\nmodel = torch.nn.Linear(2, 2)\r\nmodel.eval\r\n")
    assert invoke("--add-noqa", "train.py").exit_code == 0
    assert path.read_bytes() == b"import torch\r\nmodel = torch.nn.Linear(2, 2)\r\nmodel.eval  # noqa: DL103\r\n"
    piped = invoke("--add-noqa", "-", input=BUGGY)
    assert piped.stdout == "" and "added 0 noqa comments" in piped.stderr


def test_plain_name_excludes_match_as_pathspec_would():
    """Discovery matches plain-name patterns by set lookups (speed); the
    answers must be pathspec's, with and without a negation in the list."""
    import itertools

    import pathspec

    from dllint.discovery import _Scope
    from dllint.settings import Settings

    pattern_sets = [
        ["build", ".mypy_cache/", "notes.py", "gen/*.py"],
        ["build", "!build/keep.py", "out/"],
        ["src/generated", "*.pyc", "_build"],
    ]
    paths = ["build", "a/build", "a/build/x.py", "build.py", "x/.mypy_cache", ".mypy_cache", "notes.py", "a/notes.py",
             "gen/a.py", "out", "a/out/b.py", "build/keep.py", "src/generated/x.py", "docs/_build/html", "a/b/c.py"]
    for patterns in pattern_sets:
        scope = _Scope.of(Settings(exclude=patterns))
        spec = pathspec.GitIgnoreSpec.from_lines(patterns)
        for path, is_dir in itertools.product(paths, (False, True)):
            expected = spec.match_file(path + "/" if is_dir else path)
            assert scope.excludes(path, is_dir) == expected, (patterns, path, is_dir)


def test_statistics_go_to_the_output_file_when_one_is_given(project):
    project("train.py", BUGGY)
    result = invoke("--statistics", "--output-file", "stats.txt", "train.py")
    assert result.stdout == "" and result.exit_code == 1
    assert (project.root / "stats.txt").read_text(encoding="utf-8") == "1  DL103  method-not-called\n"


def test_full_format_in_a_notebook_shows_the_line_of_the_cell(project):
    notebook = (PROJECT / "docs" / "examples" / "explore_digits.ipynb").read_text(encoding="utf-8")
    project("explore.ipynb", notebook)
    shown = invoke("--format", "full", "explore.ipynb").stdout
    assert "explore.ipynb:cell 5:5:5: DL103" in shown
    assert "5 |     optimizer.step\n  |     ^^^^^^^^^^^^^^ DL103\n" in shown
    piped = invoke("--format", "full", "--stdin-filename", "piped.ipynb", "-", input=notebook).stdout
    assert "5 |     optimizer.step\n" in piped


def test_add_noqa_in_a_notebook_writes_into_the_cells(project):
    original = (PROJECT / "docs" / "examples" / "explore_digits.ipynb").read_text(encoding="utf-8")
    path = project("explore.ipynb", original)
    assert invoke("explore.ipynb").exit_code == 1
    added = invoke("--add-noqa", "explore.ipynb")
    assert "added 2 noqa comments to 1 file" in added.stderr
    assert invoke("explore.ipynb").exit_code == 0
    changed = [(old, new) for old, new in zip(original.splitlines(), path.read_text(encoding="utf-8").splitlines()) if old != new]
    assert len(changed) == 2 and len(original.splitlines()) == len(path.read_text(encoding="utf-8").splitlines())
    assert all(re.search(r"  # noqa: DL10[13](\\n)?\",?$", new) for _, new in changed)


def test_unknown_noqa_code_in_a_notebook_is_named_by_cell(project):
    notebook = (PROJECT / "docs" / "examples" / "explore_digits.ipynb").read_text(encoding="utf-8")
    project("explore.ipynb", notebook.replace('"    optimizer.step"', '"    optimizer.step  # noqa: DL999"'))
    result = invoke("explore.ipynb")
    assert "dllint: warning: explore.ipynb:cell 5:5: unknown code DL999 in a noqa comment" in result.stderr
