"""Input that is not good Python gives a finding, never a traceback, and never stops the other files."""


from dllint.rule import Rule
from dllint.runner import Input, Runner
from dllint.settings import Settings
from tests.conftest import BUGGY, invoke, refuse_to_open


run = invoke


def test_syntax_error_is_dl001_at_the_error_and_other_files_are_linted(project):
    project("broken.py", "import torch\ndef f(:\n    pass\n")
    project("train.py", BUGGY)
    result = run(".")
    lines = result.stdout.splitlines()
    assert lines[0].startswith("broken.py:2:7: DL001 syntax error: ")
    assert lines[1].startswith("train.py:7:5: DL103")
    assert result.exit_code == 1


def test_binary_and_undecodable_files_are_dl002(project):
    project("weights.py", b"\x00\x01\x02binary")
    project("latin.py", b"# -*- coding: utf-8 -*-\nname = '\xe9t\xe9'\n")
    project("train.py", BUGGY)
    out = run(".").stdout
    assert "latin.py:1:1: DL002 cannot read file: cannot decode as utf-8" in out
    assert "weights.py:1:1: DL002 cannot read file: binary file" in out
    assert "train.py:7:5: DL103" in out


def test_coding_cookie_is_honoured(project):
    project("legacy.py", "# -*- coding: latin-1 -*-\n".encode() + "import torch\nnom = 'été'\n".encode("latin-1") + BUGGY.encode())
    out = run("legacy.py").stdout
    assert "DL002" not in out and "DL103" in out


def test_unreadable_file_is_dl002(project, monkeypatch):
    project("train.py", BUGGY)
    refuse_to_open(monkeypatch, "train.py")
    out = run("train.py").stdout
    assert out == "train.py:1:1: DL002 cannot read file: Permission denied\n"


class Explodes(Rule):
    """## What it does\nNothing but fail."""

    code = "DL103"  # borrows a real code so selection lets it run
    name = "explodes"

    def visit_Call(self, node):
        raise ZeroDivisionError("boom")


def test_a_failing_rule_is_dl000_and_does_not_stop_other_rules_or_files(tmp_path):
    from dllint.registry import rules_by_code

    files = [Input("a.py", text=BUGGY), Input("b.py", text=BUGGY)]
    result = Runner(Settings(root=tmp_path), rules=[Explodes, rules_by_code()["DL103"]]).run(files)
    codes = [(d.path, d.code) for d in result.diagnostics]
    assert codes == [("a.py", "DL000"), ("a.py", "DL103"), ("b.py", "DL000"), ("b.py", "DL103")]
    assert "ZeroDivisionError: boom" in result.tracebacks[0]
    assert "internal error in rule DL103" in result.diagnostics[0].message


def test_verbose_prints_the_traceback_of_an_internal_error(project, monkeypatch):
    import dllint.runner

    project("train.py", BUGGY)
    monkeypatch.setattr(dllint.runner, "triggered_rules", lambda text, enabled: [Explodes])
    quiet = run("train.py")
    assert "DL000" in quiet.stdout and "Traceback" not in quiet.stderr
    verbose = run("--verbose", "train.py")
    assert "ZeroDivisionError: boom" in verbose.stderr


def test_deeply_nested_code_does_not_crash(project):
    project("deep.py", "import torch\nx = " + "(" * 500 + "1" + ")" * 500 + "\n")
    result = run("deep.py")
    assert result.exit_code in (0, 1)
    assert "Traceback" not in result.stderr
