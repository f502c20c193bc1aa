"""`# noqa` comments, flake8's way, and `# dllint: noqa` for a whole file."""
import pytest

from dllint.runner import Input, Runner
from dllint.settings import Settings

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
    # codes after the file marker are not a file-level skip (flake8 ignores those too)
    assert codes("# dllint: noqa: DL103\nmodel.eval\n", tmp_path) == [(4, "DL103")]
