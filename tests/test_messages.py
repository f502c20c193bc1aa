"""A finding's message is one line, whatever code it quotes."""
from __future__ import annotations

from dllint.rule import one_line
from dllint.runner import Input, Runner
from dllint.settings import Settings


def test_code_quoted_across_lines_is_joined_where_the_code_continues():
    assert one_line("`(model\n    .eval)` is not called") == "`(model.eval)` is not called"
    assert one_line("`f(a,\r\n      b)`") == "`f(a, b)`"
    assert one_line("`[\n  x\n]`") == "`[x]`"
    assert one_line("no break here") == "no break here"


def test_a_finding_on_an_attribute_spanning_lines_has_a_one_line_message(tmp_path):
    script = tmp_path / "evaluate.py"
    script.write_text("import torch\nmodel = torch.nn.Linear(2, 2)\n(model\n    .eval)\n", encoding="utf-8")
    result = Runner(Settings(select=["DL103"], root=tmp_path)).run([Input(display_path="evaluate.py", path=script)])
    [finding] = result.diagnostics
    assert "\n" not in finding.message
    assert finding.message.startswith("`model.eval` is not called")
