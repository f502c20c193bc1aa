"""`--fix`, `--unsafe-fixes`, `--diff`, `--fix-only`, through the command line."""
import ast
import json
import os
import stat
import subprocess
import sys
import textwrap

import pytest

from dllint.registry import all_rules
from tests.conftest import BUGGY, CLEAN, invoke
from tests.notebooks import STREAM, code, markdown, notebook

run = invoke


def _examples_with_fixes():
    for rule in all_rules():
        for index, example in enumerate(rule.INVALID):
            if example.fix is not None and not example.files:
                yield pytest.param(rule, example, id=f"{rule.code}-{index}-{example.title or 'example'}")


@pytest.mark.parametrize("rule, example", list(_examples_with_fixes()))
def test_every_fix_repairs_its_finding(project, rule, example):
    (_, before), = example.sources().items()
    path = project("example.py", before)
    result = run("--isolated", "--select", rule.code, "--fix", "--unsafe-fixes", "example.py")
    after = path.read_text(encoding="utf-8")
    assert after == textwrap.dedent(example.fix).lstrip("\n")
    ast.parse(after)
    again = run("--isolated", "--select", rule.code, "example.py")
    assert again.stdout == "", "the fixed file still has the finding"
    assert result.exit_code == 0, result.stdout
    # idempotent: a second --fix changes nothing
    run("--isolated", "--select", rule.code, "--fix", "--unsafe-fixes", "example.py")
    assert path.read_text(encoding="utf-8") == after


def test_fix_applies_safe_fixes_and_reports_what_remains(project):
    path = project("train.py", BUGGY + "model.eval\n")
    result = run("--fix", "train.py")
    assert path.read_text() == CLEAN.replace("    optimizer.zero_grad()\n", "") + "model.eval()\n"
    assert result.stdout.startswith("train.py:8:5: DL601 ")
    assert result.stderr == (
        "dllint: 3 findings in 1 file checked (2 fixed, 1 remaining).\n"
        "dllint: No fixes available (1 hidden fix can be enabled with the `--unsafe-fixes` option).\n"
    )
    assert result.exit_code == 1


def test_summary_says_what_is_fixable_and_with_which_option(project):
    project("train.py", BUGGY)
    project("losses.py", "import tensorflow as tf\nmodel = tf.keras.Sequential([tf.keras.layers.Dense(10)])\nmodel.compile(loss='categorical_crossentropy')\n")
    result = run(".")
    assert result.stderr.splitlines()[-1] == "dllint: [*] 1 fixable with the `--fix` option (1 hidden fix can be enabled with the `--unsafe-fixes` option)."
    assert "DL103 [*] `loss.backward`" in result.stdout and "DL204 [*]" not in result.stdout
    result = run("--unsafe-fixes", ".")
    assert result.stderr.splitlines()[-1] == "dllint: [*] 2 fixable with the `--fix` option."
    assert "DL204 [*]" in result.stdout
    result = run("losses.py")
    assert result.stderr.splitlines()[-1] == "dllint: No fixes available (1 hidden fix can be enabled with the `--unsafe-fixes` option)."


def test_diff_prints_and_writes_nothing(project):
    path = project("train.py", BUGGY)
    result = run("--diff", "train.py")
    assert path.read_text() == BUGGY
    assert result.exit_code == 1
    assert result.stdout == (
        "--- train.py\n+++ train.py\n@@ -4,5 +4,5 @@\n"
        " optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        " for x, y in loader:\n"
        "     loss = nn.functional.mse_loss(model(x), y)\n"
        "-    loss.backward\n"
        "+    loss.backward()\n"
        "     optimizer.step()\n"
    )
    assert result.stderr == "dllint: would fix 1 finding in 1 file (1 more fix available with the `--unsafe-fixes` option).\n"
    project("clean.py", CLEAN)
    nothing = run("--diff", "clean.py")
    assert (nothing.exit_code, nothing.stdout) == (0, "")
    assert nothing.stderr == "dllint: nothing to fix in 1 file checked.\n"


def test_fix_only_reports_nothing_else(project):
    path = project("train.py", BUGGY)
    result = run("--fix-only", "train.py")
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == "dllint: fixed 1 finding in 1 file (1 more fix available with the `--unsafe-fixes` option).\n"
    assert "loss.backward()\n" in path.read_text()


def test_noqa_findings_keep_their_code(project):
    text = BUGGY.replace("    loss.backward\n", "    loss.backward  # noqa: DL103\n    optimizer.step\n")
    path = project("train.py", text)
    run("--fix", "train.py")
    fixed = path.read_text()
    assert "    loss.backward  # noqa: DL103\n" in fixed and "    optimizer.step()\n" in fixed


def test_crlf_and_the_rest_of_the_file_are_kept(project):
    text = BUGGY.replace("\n", "\r\n").replace("import torch\r\n", "import torch  # the framework\r\n\r\n\r\n")
    path = project("train.py", text.encode("utf-8"))
    os.chmod(path, 0o751)
    run("--fix", "train.py")
    assert path.read_bytes() == text.replace("loss.backward\r\n", "loss.backward()\r\n").encode("utf-8")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o751


def test_settings_fix_and_unsafe_fixes(project):
    project("pyproject.toml", "[tool.dllint]\nfix = true\nunsafe-fixes = true\n")
    path = project("losses.py", "import tensorflow as tf\nmodel = tf.keras.Sequential([tf.keras.layers.Dense(10)])\nmodel.compile(loss='categorical_crossentropy')\n")
    result = run("losses.py")
    assert result.exit_code == 0
    assert "CategoricalCrossentropy(from_logits=True)" in path.read_text()
    assert run("--no-fix", "losses.py").exit_code == 0


def test_stdin_gets_the_fixed_source_on_stdout(project):
    result = run("--fix", "--stdin-filename", "train.py", "-", input=BUGGY)
    assert result.stdout == BUGGY.replace("loss.backward\n", "loss.backward()\n")
    assert "train.py:8:5: DL601" in result.stderr


def test_notebook_fix_changes_only_cell_sources(project):
    model = "import torch\nfrom torch import nn\nmodel = nn.Linear(2, 2)\n"
    before = notebook(
        markdown("# Title"),
        code(model, outputs=[STREAM], execution_count=1),
        code("%time loss = model(x).sum()\nloss.backward\noptimizer.step\n", outputs=[STREAM], execution_count=2),
        code("!ls\n"),
    )
    path = project("nb.ipynb", before)
    diff = run("--diff", "nb.ipynb")
    assert diff.exit_code == 1 and path.read_text(encoding="utf-8") == before
    assert diff.stdout == (
        "--- nb.ipynb:cell 3\n+++ nb.ipynb:cell 3\n@@ -1,3 +1,3 @@\n"
        " %time loss = model(x).sum()\n-loss.backward\n-optimizer.step\n\\ No newline at end of file\n"
        "+loss.backward()\n+optimizer.step()\n\\ No newline at end of file\n"
    )
    run("--fix", "nb.ipynb")
    after = path.read_text(encoding="utf-8")
    # byte for byte the same file but for the two changed lines of cell 3
    assert after == before.replace('"loss.backward\\n"', '"loss.backward()\\n"').replace('"optimizer.step"', '"optimizer.step()"')
    assert json.loads(after)["cells"][2]["outputs"] == [STREAM]
    assert run("nb.ipynb").stdout == ""


def test_a_fix_that_would_break_the_file_is_refused(project, monkeypatch):
    from dllint import fixes

    path = project("train.py", BUGGY)
    original = fixes.apply_fixes_selecting

    def breaking(text, found):
        new_text, applied = original(text, found)
        return new_text + "(\n", applied

    monkeypatch.setattr("dllint.fixing.apply_fixes_selecting", breaking)
    result = run("--fix", "train.py")
    assert path.read_text() == BUGGY
    assert "train.py: fixes not applied: fixing would leave a syntax error" in result.stderr


def test_real_process_fix(project):
    path = project("train.py", BUGGY)
    completed = subprocess.run([sys.executable, "-m", "dllint", "--fix", "train.py"], capture_output=True, text=True, cwd=project.root)
    assert completed.returncode == 1  # DL601 remains
    assert "loss.backward()" in path.read_text()
    assert completed.stderr.startswith("dllint: 2 findings in 1 file checked (1 fixed, 1 remaining).")


def test_a_fix_that_does_not_remove_its_finding_is_applied_once(tmp_path):
    """Rounds stop when the only fixes left were applied before: without
    that, a fix that leaves its finding would repeat its edit every round."""
    from dllint.diagnostics import INSERT_BEFORE, Change, Fix
    from dllint.fixing import fix_run
    from dllint.rule import Rule
    from dllint.runner import Input, Runner
    from dllint.settings import Settings

    class Stubborn(Rule):
        code = "DL999"
        name = "stubborn"

        def visit_Module(self, node):
            self.report(node, "always", fix=Fix("Add a call", (Change(INSERT_BEFORE, (1, 1), (1, 1), "again()"),), safe=True))

    path = tmp_path / "train.py"
    path.write_text("import torch\n")
    outcome = fix_run(Runner(Settings(root=tmp_path), rules=[Stubborn]), [Input("train.py", path)], (), unsafe_fixes=False)
    assert [changed.text for changed in outcome.files] == ["again()\nimport torch\n"]
    assert outcome.fixed == 1


def test_later_rounds_check_only_the_files_that_changed_and_parse_nothing_else_again(tmp_path, monkeypatch):
    """The first round lints the whole project; after it only the fixed files are
    checked again, and the others are not even parsed again (they come from the
    cache's index) (issue 13: fixing a large project took as many whole-project
    runs as there were rounds)."""
    import dllint.runner as runner_module
    from dllint.fixing import fix_run
    from dllint.runner import Input, Runner
    from dllint.settings import Settings

    (tmp_path / "train.py").write_text(BUGGY)
    (tmp_path / "clean.py").write_text(CLEAN)
    (tmp_path / "models.py").write_text("from torch import nn\n\nclass Net(nn.Module):\n    pass\n")
    checked, parsed = [], []
    real_check, real_parse = Runner._check, runner_module.parse_source
    monkeypatch.setattr(Runner, "_check", lambda self, item, *rest: checked.append(item.display_path) or real_check(self, item, *rest))
    monkeypatch.setattr(runner_module, "parse_source", lambda text, path: parsed.append(path) or real_parse(text, path))
    inputs = [Input(name, tmp_path / name) for name in ("clean.py", "models.py", "train.py")]
    outcome = fix_run(Runner(Settings(root=tmp_path), jobs=1, cache_folder=tmp_path / ".cache"), inputs, (), unsafe_fixes=True)
    assert [changed.item.display_path for changed in outcome.files] == ["train.py"]
    assert outcome.fixed == 2  # loss.backward() in round 1, then optimizer.zero_grad()
    rounds = len(checked) - 3
    assert rounds >= 1 and checked[3:] == ["train.py"] * rounds
    assert sorted(parsed[:3]) == ["clean.py", "models.py", "train.py"] and set(parsed[3:]) == {"train.py"}
    assert [d.code for d in outcome.result.diagnostics] == []


def test_an_inserted_line_takes_the_files_crlf(project):
    path = project("train.py", BUGGY.replace("\n", "\r\n").encode("utf-8"))
    run("--fix", "--unsafe-fixes", "train.py")
    fixed = BUGGY.replace("    loss.backward\n", "    optimizer.zero_grad()\n    loss.backward()\n")
    assert path.read_bytes() == fixed.replace("\n", "\r\n").encode("utf-8")


def test_noqa_inside_a_notebook_cell_keeps_the_finding_and_its_code(project):
    cell = "loss = model(x).sum()\nloss.backward  # noqa: DL103\noptimizer.step\n"
    path = project("nb.ipynb", notebook(code("import torch\nfrom torch import nn\nmodel = nn.Linear(2, 2)\n"), code(cell)))
    run("--fix", "nb.ipynb")
    source = "".join(json.loads(path.read_text(encoding="utf-8"))["cells"][1]["source"])
    assert source == cell.replace("optimizer.step\n", "optimizer.step()")
