"""Jupyter notebooks, through the command line: every code cell linted as one
program, positions given as `path:cell N:line:col`."""
import json
import subprocess
import sys

import pytest

from tests.conftest import invoke
from tests.notebooks import STREAM, code, markdown, notebook

run = invoke

MODEL = (
    "import torch\n"
    "from torch import nn\n"
    "model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5), nn.Linear(4, 2))\n"
)
TRAIN = (
    "optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
    "for x, y in loader:\n"
    "    optimizer.zero_grad()\n"
    "    loss = nn.functional.cross_entropy(model(x), y)\n"
    "    loss.backward\n"
    "    optimizer.step()\n"
)
EVALUATE = "with torch.no_grad():\n    predictions = model(test_x)\n"


def test_cells_are_one_program_and_positions_are_per_cell(project):
    project(
        "train.ipynb",
        notebook(
            markdown("# Training\nSome text.\n"),
            code("%matplotlib inline\n" + MODEL),
            code("!nvidia-smi\n" + TRAIN, outputs=[STREAM], execution_count=3),
            markdown("## Evaluation"),
            code("%%time\n" + EVALUATE),
        ),
    )
    result = run("train.ipynb")
    assert result.exit_code == 1
    assert result.stdout.startswith("train.ipynb:cell 3:6:5: DL103 [*] `loss.backward`")
    # the model was built in cell 2; cell 5 starts with a cell magic
    assert "\ntrain.ipynb:cell 5:3:19: DL101 " in result.stdout
    assert result.stderr.startswith("dllint: 2 findings in 1 file checked.")


def test_ipython_syntax_is_skipped_without_moving_lines(project):
    cell = (
        "%load_ext autoreload\n"
        "files = !ls data\n"
        "model?\n"
        "??nn.Linear\n"
        "get_ipython().system('ls')\n"
        "ls ./data/train/\n"
        "pip install timm\n"
        "for epoch in range(3):\n"
        "    !echo epoch\n"
        "    %time step()\n"
        "    loss.backward\n"
        "message = ('%d steps'\n"
        "           % 3)\n"
    )
    project("nb.ipynb", notebook(code(MODEL), code(cell)))
    result = run("--select", "DL0,DL103", "nb.ipynb")
    assert result.stdout.splitlines() == [
        "nb.ipynb:cell 2:11:5: DL103 [*] `loss.backward` is not called, so this statement does nothing;"
        " write `loss.backward()` to compute the gradients"
    ]


def test_a_cell_magic_that_is_not_python_hides_its_cell(project):
    project("nb.ipynb", notebook(code(MODEL), code("%%bash\nfor f in *; do echo $f; done\n"), code("%%writefile x.py\nloss.backward\n")))
    result = run("nb.ipynb")
    assert result.exit_code == 0, result.stdout
    assert result.stdout == ""


def test_a_broken_cell_is_reported_and_the_others_are_linted(project):
    project("nb.ipynb", notebook(code(MODEL), code("def broken(:\n    pass\n"), code("loss = model(x).sum()\nloss.backward\n")))
    result = run("nb.ipynb")
    lines = result.stdout.splitlines()
    assert lines[0].startswith("nb.ipynb:cell 2:1:") and " DL001 syntax error" in lines[0]
    assert lines[1].startswith("nb.ipynb:cell 3:2:1: DL103 [*] `loss.backward`")
    assert len(lines) == 2


def test_empty_and_markdown_only_notebooks_are_clean(project):
    project("empty.ipynb", notebook())
    project("text.ipynb", notebook(markdown("# Notes\nimport torch\nloss.backward\n")))
    project("blank.ipynb", notebook(code(""), code("\n\n")))
    result = run(".")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == "dllint: no findings in 3 files checked.\n"


def test_a_notebook_of_another_language_is_not_read_as_python(project):
    project("analysis.ipynb", notebook(code("library(torch)\nx <- c(1, 2)\n"), language="R"))
    result = run("analysis.ipynb")
    assert result.exit_code == 0 and result.stdout == ""


def test_malformed_notebooks_are_dl002_and_the_run_goes_on(project):
    project("not_json.ipynb", '{"cells": [\n')
    project("no_cells.ipynb", '{"nbformat": 4, "metadata": {}}')
    project("old.ipynb", json.dumps({"nbformat": 3, "cells": [], "worksheets": []}))
    project("bad_source.ipynb", json.dumps({"nbformat": 4, "cells": [{"cell_type": "code", "source": 3}]}))
    project("train.ipynb", notebook(code(MODEL + "loss.backward\n")))
    result = run(".")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "bad_source.ipynb:1:1: DL002 malformed notebook: cell 1 has a `source` that is neither text nor a list of lines"
    assert lines[1] == "no_cells.ipynb:1:1: DL002 malformed notebook: no list of `cells` (nbformat 4 is supported)"
    assert lines[2].startswith("not_json.ipynb:1:1: DL002 malformed notebook: not valid JSON (")
    assert lines[3] == "old.ipynb:1:1: DL002 malformed notebook: nbformat 3 is not supported (nbformat 4 is)"
    assert lines[4].startswith("train.ipynb:cell 1:4:1: DL103")


def test_noqa_inside_a_cell(project):
    project("nb.ipynb", notebook(code(MODEL), code("loss.backward  # noqa: DL103\noptimizer.step  # noqa\nloss.backward\n")))
    result = run("--select", "DL103", "nb.ipynb")
    assert [line.split(" DL103")[0] for line in result.stdout.splitlines()] == ["nb.ipynb:cell 2:3:1:"]


def test_per_file_ignores_excludes_and_checkpoints(project):
    project("pyproject.toml", '[tool.dllint]\nextend-exclude = ["drafts/"]\n[tool.dllint.per-file-ignores]\n"quiet/*.ipynb" = ["DL103"]\n')
    buggy = notebook(code(MODEL + "loss.backward\n"))
    project("nb.ipynb", buggy)
    project("quiet/nb.ipynb", buggy)
    project("drafts/nb.ipynb", buggy)
    project(".ipynb_checkpoints/nb-checkpoint.ipynb", buggy)
    project("sub/.ipynb_checkpoints/nb-checkpoint.ipynb", buggy)
    assert run("--show-files").stdout.splitlines() == ["nb.ipynb", "quiet/nb.ipynb"]
    result = run(".")
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == ["nb.ipynb"]


def test_a_model_class_from_a_project_module(project):
    project(
        "models.py",
        "from torch import nn\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.drop = nn.Dropout(0.5)\n\n    def forward(self, x):\n        return self.drop(x)\n",
    )
    project("explore.ipynb", notebook(code("import torch\nfrom models import Net\nnet = Net()\n"), code("with torch.no_grad():\n    out = net(test_x)\n")))
    result = run(".")
    assert "explore.ipynb:cell 2:2:11: DL101" in result.stdout


def test_json_and_sarif_carry_the_cell(project):
    path = project("nb.ipynb", notebook(markdown("# x"), code(MODEL + "print('é')  ;  loss.backward\n")))
    findings = json.loads(run("--format", "json", "nb.ipynb").stdout)
    assert [(f["cell"], f["location"], f["end_location"]) for f in findings] == [(2, {"row": 4, "column": 16}, {"row": 4, "column": 29})]
    assert findings[0]["fix"]["edits"] == [{"content": "()", "location": {"row": 4, "column": 29}, "end_location": {"row": 4, "column": 29}, "cell": 2}]
    log = json.loads(run("--format", "sarif", "nb.ipynb").stdout)
    (result,) = log["runs"][0]["results"]
    assert result["properties"] == {"cell": 2, "cellLine": 4, "cellColumn": 16}
    region = result["locations"][0]["physicalLocation"]["region"]
    # the region points into the notebook file, at the text of the cell's line
    file_line = path.read_text(encoding="utf-8").splitlines()[region["startLine"] - 1]
    assert file_line[region["startColumn"] - 1 : region["endColumn"] - 1] == "loss.backward"
    # the fix is a replacement in the notebook file: applying it gives the fixed notebook
    (fix,) = result["fixes"]
    (change,) = fix["artifactChanges"]
    assert change["artifactLocation"] == result["locations"][0]["physicalLocation"]["artifactLocation"]
    (replacement,) = change["replacements"]
    text = path.read_text(encoding="utf-8")
    fixed = _apply_sarif_replacement(text, replacement)
    assert json.loads(fixed)["cells"][1]["source"][-1] == "print('é')  ;  loss.backward()"
    assert json.loads(fixed)["cells"][0] == json.loads(text)["cells"][0]
    run("--fix", "nb.ipynb")
    assert path.read_text(encoding="utf-8") == fixed


def _apply_sarif_replacement(text, replacement):
    """A SARIF replacement (1-based lines, 1-based code point columns, end exclusive) applied to `text`."""
    lines = text.splitlines(keepends=True)
    region = replacement["deletedRegion"]

    def offset(line, column):
        return sum(len(item) for item in lines[: line - 1]) + column - 1

    start = offset(region["startLine"], region["startColumn"])
    end = offset(region["endLine"], region["endColumn"])
    return text[:start] + replacement["insertedContent"]["text"] + text[end:]


def test_stdin_with_a_notebook_file_name(project):
    text = notebook(code(MODEL), code("loss.backward\n"))
    result = run("--stdin-filename", "nb.ipynb", "-", input=text)
    assert result.stdout.startswith("nb.ipynb:cell 2:1:1: DL103")


def test_real_process_on_a_notebook(project):
    project("nb.ipynb", notebook(code(MODEL), code("loss.backward\n")))
    completed = subprocess.run([sys.executable, "-m", "dllint", "nb.ipynb"], capture_output=True, text=True, cwd=project.root)
    assert completed.returncode == 1
    assert completed.stdout.startswith("nb.ipynb:cell 2:1:1: DL103 [*] `loss.backward`")


def test_an_indented_cell_is_dedented_as_ipython_does_and_columns_stay_true(project):
    path = project("nb.ipynb", notebook(code(MODEL), code("  for x in data:\n      loss = model(x).sum()\n      loss.backward\n"), code("torch.*Tensor?\n")))
    result = run("nb.ipynb")
    assert result.stdout.startswith("nb.ipynb:cell 2:3:7: DL103 [*] `loss.backward`"), result.stdout
    run("--fix", "nb.ipynb")
    assert json.loads(path.read_text(encoding="utf-8"))["cells"][1]["source"][2] == "      loss.backward()"


def test_a_line_added_to_an_indented_cell_gets_the_cells_indentation_back(project):
    training = "  for x, y in loader:\n      loss = nn.functional.mse_loss(model(x), y)\n      loss.backward()\n      optimizer.step()\n"
    path = project("nb.ipynb", notebook(code(MODEL + "optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"), code(training)))
    findings = json.loads(run("--format", "json", "nb.ipynb").stdout)
    assert [(f["code"], f["cell"], f["fix"]["edits"]) for f in findings] == [
        ("DL601", 2, [{"content": "      optimizer.zero_grad()\n", "location": {"row": 3, "column": 1}, "end_location": {"row": 3, "column": 1}, "cell": 2}])
    ]
    run("--fix", "--unsafe-fixes", "nb.ipynb")
    assert "".join(json.loads(path.read_text(encoding="utf-8"))["cells"][1]["source"]) == training.replace(
        "      loss.backward()", "      optimizer.zero_grad()\n      loss.backward()").rstrip("\n")


def test_lines_named_in_a_message_are_told_by_cell(project):
    training = "for x, y in loader:\n    loss = nn.functional.mse_loss(model(x), y)\n    loss.backward()\n    optimizer.step()\n"
    project("nb.ipynb", notebook(markdown("# x"), code(MODEL + "optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\noptimizer.zero_grad()\n"), code(training)))
    result = run("nb.ipynb")
    assert result.stdout.startswith(
        "nb.ipynb:cell 3:4:5: DL601 `optimizer.step()` runs on every iteration of the loop on line 1 of cell 3 but gradients are"
        " only cleared outside it (line 5 of cell 2), not between its steps"
    ), result.stdout


def test_a_name_that_is_also_an_automagic_is_python_when_used_as_a_value():
    # `history` and `time` are IPython automagics, but `history = model.fit(`
    # continued on the next lines is an assignment (a false DL001 on
    # tensorflow/docs' keras/regression notebook, after a `%%time` line)
    from dllint.notebook import python_of_cell

    cell = "%%time\nhistory = model.fit(\n    x, y,\n    epochs=10)\n"
    assert python_of_cell(cell) == "\nhistory = model.fit(\n    x, y,\n    epochs=10)\n"
    assert python_of_cell("%%time\nls ./data\nhistory.history\n") == "\npass\nhistory.history\n"


def test_a_notebook_read_back_from_its_json_is_the_same():
    from dllint.notebook import Notebook, read_notebook

    read = read_notebook(notebook(code(MODEL), code("def broken(:\n"), code("  %time x = 1\n  loss.backward\n")))
    assert read.errors and read.cells[2].indent == 2
    again = Notebook.from_json(json.loads(json.dumps(read.to_json())))
    assert again == read and again.program == read.program
    for wrong in ({"cells": [[1, 0, "x"]], "errors": []}, {"cells": [], "errors": [["1", 1, 1, "why"]]}, {"cells": []}):
        with pytest.raises((ValueError, KeyError)):
            Notebook.from_json(wrong)
