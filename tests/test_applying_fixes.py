"""Fixes are made on libcst's concrete tree (`dllint/fixes.py`): each kind of
change, what is kept around it, and the text edits reported for it."""
import json
import subprocess
import sys
import textwrap

import pytest

from dllint.diagnostics import CALL, CALL_METHOD, INSERT_BEFORE, KEEP_PART, REPLACE, SET_KEYWORD, Change, Fix
from dllint.fixes import apply_fixes, apply_fixes_counting, text_edits
from dllint.registry import all_rules
from dllint.runner import Input, Runner
from dllint.settings import Settings
from tests.conftest import invoke
from tests.notebooks import code, notebook


def _fix(*changes, safe=True):
    return Fix("test", tuple(changes), safe=safe)


def _apply_edits(text, edits):
    lines = text.splitlines(keepends=True) + [""]
    offsets = [sum(len(line) for line in lines[:index]) for index in range(len(lines))]
    pieces, cursor = [], 0
    for edit in sorted(edits, key=lambda edit: (edit.start, edit.end)):
        start = offsets[edit.start[0] - 1] + edit.start[1] - 1
        end = offsets[edit.end[0] - 1] + edit.end[1] - 1
        pieces += [text[cursor:start], edit.replacement]
        cursor = end
    return "".join(pieces) + text[cursor:]


def test_an_inserted_statement_takes_the_blocks_indentation_and_the_files_line_ending():
    text = "for x in data:\r\n    # the step\r\n    loss = f(x)  # keep me\r\n    loss.backward()\r\n"
    fix = _fix(Change(INSERT_BEFORE, (3, 5), (3, 5), "opt.zero_grad()"))
    assert apply_fixes(text, [fix]) == (
        "for x in data:\r\n    # the step\r\n    opt.zero_grad()\r\n    loss = f(x)  # keep me\r\n    loss.backward()\r\n"
    )


def test_an_insertion_at_module_level_goes_below_the_comments_above_the_statement():
    text = "import torch\n\n# evaluate\nfor x in val:\n    model(x)\n"
    fix = _fix(Change(INSERT_BEFORE, (4, 1), (4, 1), "model.eval()"))
    assert apply_fixes(text, [fix]) == "import torch\n\n# evaluate\nmodel.eval()\nfor x in val:\n    model(x)\n"


def test_an_insertion_needs_a_statement_starting_there():
    text = "x = 1\nif x: y()\n"
    assert apply_fixes_counting(text, [_fix(Change(INSERT_BEFORE, (2, 7), (2, 7), "z()"))]) == (text, 0)


def test_call_and_replace_keep_the_comments_around():
    text = "model.eval  # switch\nF.softmax(x, dim=1)\n"
    fixes = [_fix(Change(CALL, (1, 1), (1, 11))), _fix(Change(REPLACE, (2, 1), (2, 10), "F.log_softmax"))]
    assert apply_fixes(text, fixes) == "model.eval()  # switch\nF.log_softmax(x, dim=1)\n"


@pytest.mark.parametrize("before, after", [
    ("total += loss\n", "total += loss.item()\n"),
    ("total += a + b\n", "total += (a + b).item()\n"),
    ("total += (a + b)\n", "total += (a + b).item()\n"),
])
def test_call_method_parenthesizes_what_needs_it(before, after):
    import ast

    value = ast.parse(before).body[0].value
    change = Change(CALL_METHOD, (1, value.col_offset + 1), (1, value.end_col_offset + 1), "item")
    assert apply_fixes(before, [_fix(change)]) == after


@pytest.mark.parametrize("before, after", [
    ("loss(F.softmax(a + b, dim=1), y)\n", "loss(a + b, y)\n"),
    ("p = F.softmax(a + b, dim=1).log()\n", "p = (a + b).log()\n"),
    ("loss(F.softmax(\n    logits,  # raw\n    dim=1), y)\n", "loss(logits, y)\n"),
])
def test_keep_part_keeps_the_part_as_written(before, after):
    import ast

    tree = ast.parse(before)
    call = next(node for node in ast.walk(tree) if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "softmax")
    part = call.args[0]
    change = Change(KEEP_PART, (call.lineno, call.col_offset + 1), (call.end_lineno, call.end_col_offset + 1),
                    part=((part.lineno, part.col_offset + 1), (part.end_lineno, part.end_col_offset + 1)))
    assert apply_fixes(before, [_fix(change)]) == after


@pytest.mark.parametrize("before, after", [
    ("f()\n", "f(from_logits=True)\n"),
    ("f(a)\n", "f(a, from_logits=True)\n"),
    ("f(a, from_logits = False)\n", "f(a, from_logits = True)\n"),
    ("f(\n    a,\n    b\n)\n", "f(\n    a,\n    b,\n    from_logits=True\n)\n"),
    ("f(\n    a,  # first\n    b,\n)\n", "f(\n    a,  # first\n    b,\n    from_logits=True,\n)\n"),
    ("f(\n    a,\n)\n", "f(\n    a,\n    from_logits=True,\n)\n"),
])
def test_set_keyword_writes_the_argument_in_the_calls_own_layout(before, after):
    import ast

    call = ast.parse(before).body[0].value
    change = Change(SET_KEYWORD, (1, 1), (call.end_lineno, call.end_col_offset + 1), "from_logits=True")
    assert apply_fixes(before, [_fix(change)]) == after


def test_overlapping_fixes_apply_one_per_round_and_unlocated_ones_none():
    text = "total += loss\n"
    first = _fix(Change(CALL_METHOD, (1, 10), (1, 14), "item"))
    second = _fix(Change(CALL_METHOD, (1, 10), (1, 14), "detach"))
    nowhere = _fix(Change(CALL, (1, 3), (1, 5)))
    new_text, count = apply_fixes_counting(text, [first, second, nowhere])
    assert (new_text, count) == ("total += loss.item()\n", 1)


@pytest.mark.parametrize("rule, example", [
    pytest.param(rule, example, id=f"{rule.code}-{index}")
    for rule in all_rules() for index, example in enumerate(rule.INVALID) if example.fix is not None and not example.files
])
def test_reported_edits_are_what_the_fix_does(rule, example):
    """JSON and SARIF report text edits derived from the libcst rewrite: applied
    as plain text replacements, they give exactly the fixed file."""
    (_, text), = example.sources().items()
    result = Runner(Settings(), rules=[rule]).run([Input("example.py", text=text)])
    fixes = [d.fix for d in result.diagnostics if d.fix is not None]
    assert fixes
    for fix in fixes:
        edits = text_edits(text, fix)
        assert edits, fix
        assert _apply_edits(text, edits) == apply_fixes(text, [fix])


def test_a_notebook_fix_leaves_magics_and_shell_lines_as_they_are(project):
    cell = (
        "%matplotlib inline\n"
        "for epoch in range(3):\n"
        "    !nvidia-smi\n"
        "    for x, y in loader:\n"
        "        loss = nn.functional.mse_loss(model(x), y)\n"
        "        loss.backward\n"
        "        optimizer.step()\n"
    )
    setup = ("import torch\nfrom torch import nn\nmodel = nn.Linear(2, 1)\n"
             "optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\nloader = []\n")
    path = project("nb.ipynb", notebook(code(setup), code(cell)))
    invoke("--fix", "--unsafe-fixes", "nb.ipynb")
    source = "".join(json.loads(path.read_text(encoding="utf-8"))["cells"][1]["source"])
    assert source == cell.replace("        loss.backward\n", "        optimizer.zero_grad()\n        loss.backward()\n").rstrip("\n")


def test_linting_never_imports_libcst(tmp_path):
    (tmp_path / "train.py").write_text("import torch\nmodel = torch.nn.Linear(2, 1)\nloss = model(x).sum()\nloss.backward\n")
    script = textwrap.dedent("""
        import sys
        from dllint.cli import cli
        try:
            cli(["--format", "json", "train.py"])
        except SystemExit:
            pass
        sys.stderr.write("libcst" if any(name.split(".")[0] == "libcst" for name in sys.modules) else "no libcst")
    """)
    plain = subprocess.run([sys.executable, "-c", script.replace('"--format", "json", ', "")], capture_output=True, text=True, cwd=tmp_path)
    assert plain.stderr.endswith("no libcst"), plain.stderr
    reported = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path)
    assert reported.stderr.endswith("libcst"), reported.stderr  # JSON reports the fix's edits: only then


def test_a_renamed_attribute_keeps_what_comes_before_it_on_other_lines():
    from rules.dl203_nll_loss_without_log_softmax import NllLossWithoutLogSoftmax

    text = "import torch\nimport torch.nn as nn\n\nloss_fn = nn.NLLLoss()\nloss = loss_fn((torch  # the module\n    .softmax)(scores, dim=-1), target)\n"
    result = Runner(Settings(), rules=[NllLossWithoutLogSoftmax]).run([Input("example.py", text=text)])
    (finding,) = result.diagnostics
    assert apply_fixes(text, [finding.fix]) == text.replace(".softmax)", ".log_softmax)")
