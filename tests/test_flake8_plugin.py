"""The flake8 plugin, tested through flake8 itself.

flake8 runs as a subprocess (as editors run it), except where a test has to
break dllint on purpose: there flake8's own application runs in-process
with one function patched.
"""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from dllint import __version__

BUGGY = textwrap.dedent(
    """\
    import torch
    from torch import nn

    model = nn.Linear(4, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for inputs, targets in loader:
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(inputs), targets)
        print("époque"); loss.backward
        optimizer.step
    """
)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def flake8(*args: str, cwd: Path, stdin: str = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flake8", *args],
        cwd=cwd, input=stdin, capture_output=True, text=True, encoding="utf-8",
    )


def dllint(*args: str, cwd: Path, stdin: str = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dllint", "--isolated", "-q", *args],
        cwd=cwd, input=stdin, capture_output=True, text=True, encoding="utf-8",
    )


def test_flake8_knows_the_plugin(tmp_path):
    assert f"dllint: {__version__}" in flake8("--version", cwd=tmp_path).stdout


def test_flake8_prints_the_same_lines_and_columns_as_dllint(tmp_path):
    write(tmp_path, "train.py", BUGGY)
    shown = flake8("--isolated", "--select", "DL", "train.py", cwd=tmp_path)
    assert shown.returncode == 1, shown.stderr
    assert shown.stdout.splitlines() == [
        "train.py:9:22: DL103 `loss.backward` is not called, so this statement does nothing; write `loss.backward()` to compute the gradients",
        "train.py:10:5: DL103 `optimizer.step` is not called, so this statement does nothing; write `optimizer.step()` to apply the update",
    ]
    # column 22 counts characters (`é` is two UTF-8 bytes): the same as the
    # CLI, which also marks the findings `--fix` repairs (flake8 cannot fix)
    assert shown.stdout == dllint("train.py", cwd=tmp_path).stdout.replace("[*] ", "")


def test_plugin_codes_are_on_by_default_alongside_flake8s_own(tmp_path):
    write(tmp_path, "train.py", "import os\n" + BUGGY)
    shown = flake8("--isolated", "train.py", cwd=tmp_path).stdout
    assert "F401 'os' imported but unused" in shown
    assert "train.py:10:22: DL103" in shown


def test_noqa_is_flake8s(tmp_path):
    write(
        tmp_path,
        "train.py",
        BUGGY.replace("optimizer.step\n", "optimizer.step  # noqa: DL103\n").replace(
            "loss.backward\n", "loss.backward  # noqa: E501\n"
        ),
    )
    shown = flake8("--isolated", "--select", "DL", "train.py", cwd=tmp_path).stdout.splitlines()
    assert [line.split(": ")[1].split()[0] for line in shown] == ["DL103"]
    assert shown[0].startswith("train.py:9:22:")  # `# noqa: E501` does not silence DL103
    # The plugin hands flake8 every finding and flake8 applies `# noqa`, so
    # --disable-noqa shows them all.
    everything = flake8("--isolated", "--select", "DL", "--disable-noqa", "train.py", cwd=tmp_path).stdout
    assert "train.py:10:5: DL103" in everything and "train.py:9:22: DL103" in everything


def test_bare_noqa_and_flake8_select(tmp_path):
    write(tmp_path, "train.py", BUGGY.replace("optimizer.step\n", "optimizer.step  # noqa\n"))
    assert "train.py:10:5" not in flake8("--isolated", "train.py", cwd=tmp_path).stdout
    only_f = flake8("--isolated", "--select", "F", "train.py", cwd=tmp_path).stdout
    assert "F821 undefined name 'loader'" in only_f and "DL" not in only_f
    assert "DL103" in flake8("--isolated", "--ignore", "DL1", "--select", "DL103", "train.py", cwd=tmp_path).stdout


def test_a_syntax_error_is_flake8s_e999(tmp_path):
    write(tmp_path, "broken.py", "import torch\n\nx = = 1\n")
    write(tmp_path, "train.py", BUGGY)
    shown = flake8("--isolated", "--select", "E999,DL", "broken.py", "train.py", cwd=tmp_path)
    lines = shown.stdout.splitlines()
    assert lines[0].startswith("broken.py:3:") and " E999 SyntaxError: " in lines[0]
    assert not any("DL001" in line for line in lines)
    assert len([line for line in lines if "DL103" in line]) == 2  # the other file is still linted


def test_extend_ignore_d_hides_dllint_and_extend_select_dl_brings_it_back(tmp_path):
    """flake8 matches codes by prefix: pydocstyle users' `extend-ignore = D`
    also ignores every DL code. `extend-select = DL` is the fix."""
    write(tmp_path, "train.py", BUGGY)
    write(tmp_path, ".flake8", "[flake8]\nextend-ignore = D\n")
    assert "DL103" not in flake8("train.py", cwd=tmp_path).stdout
    write(tmp_path, ".flake8", "[flake8]\nextend-ignore = D\nextend-select = DL\n")
    assert flake8("train.py", cwd=tmp_path).stdout.count("DL103") == 2
    # the same trap with `select`: a list without DL
    write(tmp_path, ".flake8", "[flake8]\nselect = E,F,W\n")
    assert "DL103" not in flake8("train.py", cwd=tmp_path).stdout
    write(tmp_path, ".flake8", "[flake8]\nselect = E,F,W,DL\n")
    assert flake8("train.py", cwd=tmp_path).stdout.count("DL103") == 2


def test_stdin_as_editors_send_it(tmp_path):
    shown = flake8("--isolated", "--select", "DL", "--stdin-display-name", "src/train.py", "-", cwd=tmp_path, stdin=BUGGY)
    assert shown.stdout.splitlines()[0].startswith("src/train.py:9:22: DL103")


def test_dllint_configuration_still_applies(tmp_path):
    write(tmp_path, "train.py", BUGGY)
    write(tmp_path, "pyproject.toml", "[tool.dllint]\nignore = ['DL103']\n")
    assert flake8("--isolated", "--select", "DL", "train.py", cwd=tmp_path).stdout == ""


def test_a_broken_dllint_configuration_is_reported_and_the_defaults_used(tmp_path):
    write(tmp_path, "train.py", BUGGY)
    write(tmp_path, "pyproject.toml", "[tool.dllint]\nno-such-key = 1\n")
    shown = flake8("--isolated", "--select", "DL", "train.py", cwd=tmp_path)
    lines = shown.stdout.splitlines()
    assert lines[0].startswith("train.py:1:1: DL000 dllint configuration error, linting with the defaults:")
    assert "no-such-key" in lines[0]
    assert [line.split(":")[1] for line in lines[1:]] == ["9", "10"]


def test_a_file_without_ml_code_has_no_findings(tmp_path):
    write(tmp_path, "plain.py", "class Stepper:\n    def go(self, optimizer):\n        optimizer.step\n")
    assert flake8("--isolated", "--select", "DL", "plain.py", cwd=tmp_path).stdout == ""


# --------------------------------------------------------------------------- failures never stop flake8


def run_flake8_in_process(argv, capsys):
    from flake8.main.application import Application

    application = Application()
    application.run(argv)
    return application.exit_code(), capsys.readouterr().out


@pytest.fixture
def project(tmp_path, monkeypatch):
    write(tmp_path, "bad.py", BUGGY)
    write(tmp_path, "good.py", BUGGY)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_an_internal_error_on_one_file_does_not_stop_flake8(project, monkeypatch, capsys):
    from dllint import runner

    real_run = runner.Runner.run

    def failing_run(self, inputs, missing=()):
        inputs = list(inputs)
        if inputs[0].display_path.endswith("bad.py"):
            raise RuntimeError("the semantic model fell over")
        return real_run(self, inputs, missing)

    monkeypatch.setattr(runner.Runner, "run", failing_run)
    code, out = run_flake8_in_process(["--isolated", "--jobs", "1", "--select", "DL", "bad.py", "good.py"], capsys)
    lines = out.splitlines()
    assert lines[0] == (
        "bad.py:1:1: DL000 dllint failed on this file (RuntimeError: the semantic model fell over);"
        " run `dllint -v bad.py` for the traceback"
    )
    assert [line.split(":")[:2] for line in lines[1:]] == [["good.py", "9"], ["good.py", "10"]]
    assert code == 1


def test_a_failing_rule_is_dl000_and_the_other_rules_still_report(project, monkeypatch, capsys):
    from dllint.registry import rules_by_code

    rule = rules_by_code()["DL103"]

    def broken(self, node):
        raise ValueError("boom")

    monkeypatch.setattr(rule, "visit_Expr", broken)
    code, out = run_flake8_in_process(["--isolated", "--jobs", "1", "--select", "DL", "bad.py"], capsys)
    assert out.splitlines() == [
        "bad.py:1:1: DL000 internal error in rule DL103 on this file; rerun with --verbose for the traceback"
    ]
    assert code == 1


def _flake8_then_modules(folder: Path, *args: str) -> str:
    """Runs flake8's application in a fresh process on one file and prints
    whether dllint's runner was imported by the end."""
    script = textwrap.dedent(
        """\
        import sys
        from flake8.main.application import Application

        app = Application()
        app.run(sys.argv[1:])
        print("IMPORTED" if "dllint.runner" in sys.modules else "NOT IMPORTED")
        print(app.result_count)
        """
    )
    done = subprocess.run([sys.executable, "-c", script, "--jobs", "1", *args], cwd=folder, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_plugin_does_nothing_when_flake8_selects_no_dl_code(tmp_path):
    write(tmp_path, "train.py", BUGGY)
    assert "DL103" in _flake8_then_modules(tmp_path, "--isolated", "train.py")
    assert "\nIMPORTED" in _flake8_then_modules(tmp_path, "--isolated", "train.py")
    for args in (["--select", "E,F,W"], ["--extend-ignore", "D"], ["--ignore", "DL"]):
        shown = _flake8_then_modules(tmp_path, "--isolated", *args, "train.py")
        assert "NOT IMPORTED" in shown and "DL" not in shown.replace("NOT IMPORTED", ""), args
    for args in (["--select", "F,DL103"], ["--extend-ignore", "D", "--extend-select", "DL"], ["--ignore", "DL1", "--select", "DL103"]):
        shown = _flake8_then_modules(tmp_path, "--isolated", *args, "train.py")
        assert "DL103" in shown and "\nIMPORTED" in "\n" + shown, args


@pytest.mark.parametrize(
    "select, extend_select, ignore, extend_ignore, expected",
    [
        (None, None, None, None, True),  # flake8's defaults include the plugin's DL
        (["E", "F"], None, None, None, False),
        (["E", "F"], ["DL1"], None, None, True),
        (["D"], None, None, None, True),  # D selects DL codes too
        (["DL103"], None, None, None, True),
        (None, None, ["DL"], None, False),
        (None, None, None, ["D"], False),
        (None, None, ["DL103"], None, True),
        (None, ["DL"], None, ["D"], True),
        ([""], None, None, None, True),
    ],
)
def test_which_flake8_options_leave_dl_codes_to_report(select, extend_select, ignore, extend_ignore, expected):
    from types import SimpleNamespace

    from dllint.flake8_plugin import selects_dllint

    options = SimpleNamespace(
        select=select, extend_select=extend_select, ignore=ignore, extend_ignore=extend_ignore,
        extended_default_select=["C90", "F", "E", "W", "DL"],
    )
    assert selects_dllint(options) is expected
    assert selects_dllint(SimpleNamespace()) is True  # not flake8's options: stay on
