"""`# noqa` comments, flake8's way, and `# dllint: noqa` for a whole file (or some codes in it)."""
import pytest

from dllint.runner import Input, Runner
from dllint.settings import Settings
from tests.conftest import invoke

HEADER = "import torch\nmodel = torch.nn.Linear(2, 2)\n"


def codes(text, tmp_path):
    result = Runner(Settings(root=tmp_path)).run([Input("t.py", text=HEADER + text)])
    return [(d.line, d.code) for d in result.diagnostics]


@pytest.mark.parametrize(
    "comment, silenced",
    [
        ("", False),
        ("  # noqa", True),
        ("  # NOQA", True),
        ("  #noqa", True),
        ("  # noqa: DL103", True),
        ("  # noqa:DL103", True),
        ("  # noqa: dl103", True),
        ("  # noqa: DL1", True),
        ("  # noqa: DL", True),
        ("  # noqa: E501,DL103", True),
        ("  # noqa: E501, DL103", True),
        ("  # noqa: DL101", False),
        ("  # noqa: E501", False),
        ("  # some words noqa", False),
    ],
)
def test_inline_noqa(comment, silenced, tmp_path):
    found = codes(f"model.eval{comment}\n", tmp_path)
    assert (found == []) is silenced


def test_noqa_on_the_first_line_of_a_multiline_statement(tmp_path):
    text = "x = [  # noqa: DL103\n    1,\n]\n(model\n    .eval)  # noqa\n(model  # noqa\n    .eval)\n(model\n    .eval)\n"
    # line 6: the noqa is on the statement's last line, which is not where it goes
    assert codes(text, tmp_path) == [(6, "DL103"), (10, "DL103")]


def test_file_level_noqa_skips_the_file(tmp_path):
    assert codes("# dllint: noqa\nmodel.eval\n", tmp_path) == []
    assert codes("model.eval\n# DLLINT:NOQA\n", tmp_path) == []
    # with codes, the file is linted and only those codes are silenced in it
    assert codes("# dllint: noqa: DL103\nmodel.eval\n", tmp_path) == []


TWO_CODES = """\
import torch
model = torch.nn.Linear(2, 2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for x, y in loader:
    loss = torch.nn.functional.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
model.eval
"""


def test_file_wide_noqa_with_codes_silences_only_those_codes(project):
    project("train.py", "# dllint: noqa: DL103\n" + TWO_CODES)
    result = invoke("train.py")
    assert [line.split(" ")[1] for line in result.stdout.splitlines()] == ["DL601"]
    project("train.py", TWO_CODES + "# dllint: noqa: DL6, DL103\n")
    assert invoke("train.py").exit_code == 0


def test_noqa_inside_a_string_does_not_suppress(project):
    project("train.py", TWO_CODES.replace("model.eval\n", 'model.eval; note = "# noqa"\n'))
    assert "8:1: DL103" in invoke("train.py").stdout
    project("train.py", TWO_CODES + 'doc = """\n# dllint: noqa\n"""\n')
    assert invoke("train.py").exit_code == 1
    # the same text as a real comment does suppress
    project("train.py", TWO_CODES.replace("model.eval\n", "model.eval  # noqa: DL103\n"))
    assert "DL103" not in invoke("train.py").stdout


def test_noqa_inside_a_multiline_string_statement_keeps_working(project):
    project("train.py", TWO_CODES.replace("model.eval\n", '(model  # noqa: DL103\n    .eval)\n'))
    assert "DL103" not in invoke("train.py").stdout


def test_unknown_code_in_noqa_is_a_warning_naming_it(project):
    project("train.py", TWO_CODES.replace("model.eval\n", "model.eval  # noqa: DL999, E501\n"))
    result = invoke("train.py")
    assert "dllint: warning: train.py:8: unknown code DL999 in a noqa comment; it silences nothing" in result.stderr
    assert "E501" not in result.stderr  # another tool's code is not ours to judge
    assert "8:1: DL103" in result.stdout
    project("train.py", "# dllint: noqa: DL9\n" + TWO_CODES)
    assert "train.py:1: unknown code DL9" in invoke("train.py").stderr
    assert invoke("--quiet", "train.py").stderr == ""


def test_other_tools_noqa_comments_are_read_only_when_there_are_findings(monkeypatch):
    # Library code is full of `# noqa: F401` and has no findings: tokenizing
    # every such file cost seconds on the torch corpus. The comments are read
    # when a finding asks, and they still silence it then.
    import tokenize

    from dllint import suppression
    from dllint.diagnostics import Diagnostic

    text = "import os  # noqa: F401\nx = 1  # noqa\n"
    tokenized = []
    real = tokenize.generate_tokens
    monkeypatch.setattr(suppression.tokenize, "generate_tokens", lambda *a: tokenized.append(1) or real(*a))
    found = suppression.Suppressions.of(text)
    assert found.warnings("f.py") == [] and found.remove_suppressed([], None) == [] and not tokenized
    finding = Diagnostic(path="f.py", line=2, column=1, code="DL101", message="m")
    assert found.remove_suppressed([finding], None) == [] and tokenized
    assert found.by_line == {1: ["F401"], 2: None}
