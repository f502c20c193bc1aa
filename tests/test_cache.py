"""The cache between runs (dllint/cache.py): what invalidates an entry, what
is never trusted, and that it never changes what is reported."""
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import dllint.cache
from dllint.runner import Input, Runner
from dllint.settings import Settings
from tests.conftest import BUGGY, CLEAN, MODELS, PREDICT
from tests.notebooks import code, notebook

# predict.py's DL101 goes away when models.py's network loses its dropout.
MODELS_WITHOUT_DROPOUT = MODELS.replace("        self.drop = nn.Dropout(0.5)\n", "")


def write(root: Path, files):
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


def run(root: Path, cache: Path = None, settings: Settings = None, jobs: int = 1):
    """Run over every .py file under `root`; returns (findings, files checked by the rules)."""
    inputs = [Input(display_path=str(path.relative_to(root)), path=path) for path in sorted(root.rglob("*.py"))]
    runner = Runner(settings or Settings(root=root), jobs=jobs, cache_folder=cache)
    checked = []
    original = runner._check

    def counting(item, info, project, result):
        checked.append(item.display_path)
        return original(item, info, project, result)

    runner._check = counting
    found = runner.run(inputs)
    return [(d.path, d.line, d.column, d.code, d.message) for d in found.diagnostics], sorted(checked)


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "code"
    write(root, {"models.py": MODELS, "predict.py": PREDICT, "train.py": BUGGY, "clean.py": CLEAN, "notes.py": "print('no ML here')\n"})
    return root, tmp_path / "cache"


def test_a_warm_run_checks_nothing_and_reports_the_same(tree):
    root, cache = tree
    cold, checked = run(root, cache)
    assert {"predict.py", "train.py"} <= {path for path, *_ in cold}
    assert checked == ["clean.py", "models.py", "predict.py", "train.py"]
    warm, checked = run(root, cache)
    assert warm == cold and checked == []
    assert (cache / ".gitignore").read_text().splitlines()[-1] == "*"


def test_a_changed_file_is_checked_again(tree):
    root, cache = tree
    run(root, cache)
    (root / "clean.py").write_text(BUGGY, encoding="utf-8")
    found, checked = run(root, cache)
    assert checked == ["clean.py"]
    assert found == run(root)[0]
    assert "clean.py" in {path for path, *_ in found}


def test_a_change_in_an_imported_module_checks_its_importers_again(tree):
    root, cache = tree
    cold, _ = run(root, cache)
    assert ("predict.py", "DL101") in {(path, code) for path, _, _, code, _ in cold}
    (root / "models.py").write_text(textwrap.dedent(MODELS_WITHOUT_DROPOUT), encoding="utf-8")
    found, checked = run(root, cache)
    assert "predict.py" in checked and "train.py" not in checked
    assert ("predict.py", "DL101") not in {(path, code) for path, _, _, code, _ in found}
    assert found == run(root)[0]


def test_settings_that_change_findings_are_part_of_the_key(tree):
    root, cache = tree
    run(root, cache)
    ignoring = Settings(root=root, ignore=["DL103"])
    found, checked = run(root, cache, settings=ignoring)
    assert checked == ["clean.py", "models.py", "predict.py", "train.py"]
    assert "DL103" not in {code for _, _, _, code, _ in found}
    assert found == run(root, settings=ignoring)[0]


def test_another_build_of_dllint_does_not_read_the_entries(tree, monkeypatch):
    root, cache = tree
    cold, _ = run(root, cache)
    monkeypatch.setattr(dllint.cache, "_BUILD", "another build")
    found, checked = run(root, cache)
    assert found == cold
    assert checked == ["clean.py", "models.py", "predict.py", "train.py"]


def test_corrupt_and_foreign_entries_are_ignored(tree):
    root, cache = tree
    cold, _ = run(root, cache)
    entries = [path for path in cache.rglob("*") if path.is_file() and path.parent.parent.name in ("index", "results")]
    assert entries
    for number, path in enumerate(entries):
        if number % 3 == 0:
            path.write_bytes(b"\x00not json")
        elif number % 3 == 1:
            path.write_text(json.dumps({"format": 1, "key": "somebody else's", "value": []}))
        else:
            entry = json.loads(path.read_text())
            entry["value"] = {"imports": "garbage"} if path.parent.parent.name == "index" else [{"path": 3}]
            path.write_text(json.dumps(entry))
    found, checked = run(root, cache)
    assert found == cold
    assert checked == ["clean.py", "models.py", "predict.py", "train.py"]


# A notebook with a finding to place in a cell, a cell that does not parse,
# an indented cell (columns shifted back) with a magic and a noqa warning.
NOTEBOOK = notebook(
    code("import torch\nfrom torch import nn\nmodel = nn.Linear(4, 2)\n"),
    code("def broken(:\n    pass\n"),
    code("  %time x = 1\n  loss = model(x).sum()\n  loss.backward  # noqa: DL999\n"),
)


def lint_notebooks(root: Path, cache: Path = None):
    """Every .ipynb file under `root`: (findings, noqa warnings)."""
    inputs = [Input(display_path=path.name, path=path) for path in sorted(root.glob("*.ipynb"))]
    found = Runner(Settings(root=root), cache_folder=cache).run(inputs)
    return found.diagnostics, found.warnings


def test_a_warm_run_takes_notebooks_from_the_cache(tmp_path, monkeypatch):
    """A notebook's code cells are kept with its summary: a warm run neither
    decodes its JSON nor parses a cell, and places every finding in the same
    cell, line and column."""
    import dllint.notebook
    import dllint.runner

    root, cache = tmp_path / "code", tmp_path / "cache"
    write(root, {"train.ipynb": NOTEBOOK, "bad.ipynb": "{not json"})
    cold = lint_notebooks(root, cache)
    assert {(d.path, d.cell, d.code) for d in cold[0]} == {
        ("bad.ipynb", None, "DL002"), ("train.ipynb", 2, "DL001"), ("train.ipynb", 3, "DL103")}
    assert [d.column for d in cold[0] if d.code == "DL103"] == [3] and len(cold[1]) == 1
    with monkeypatch.context() as patched:
        def never(*args):
            raise AssertionError("a notebook was read again")

        patched.setattr(dllint.runner, "read_notebook", never)
        patched.setattr(dllint.runner, "parse_source", never)
        patched.setattr(dllint.notebook, "parse_source", never)
        assert lint_notebooks(root, cache) == cold
    write(root, {"train.ipynb": NOTEBOOK.replace("loss.backward ", "loss.backward() ")})
    changed = lint_notebooks(root, cache)
    assert changed == lint_notebooks(root) and "DL103" not in {d.code for d in changed[0]}


def test_a_notebook_entry_of_another_shape_is_ignored(tmp_path):
    root, cache = tmp_path / "code", tmp_path / "cache"
    write(root, {"train.ipynb": NOTEBOOK})
    cold = lint_notebooks(root, cache)
    (entry_path,) = [path for path in (cache / "index").rglob("*") if path.is_file()]
    entry = json.loads(entry_path.read_text())
    entry["value"]["notebook"]["cells"][0][2] = None  # a cell without its source
    entry_path.write_text(json.dumps(entry))
    assert lint_notebooks(root, cache) == cold  # (read from the file, once: no finding twice)


def test_a_cache_that_cannot_be_written_is_not_an_error(tree):
    root, cache = tree
    cache.write_text("a file where the folder should be")
    assert run(root, cache)[0] == run(root)[0]


def test_output_is_the_same_with_and_without_cache_and_with_one_or_two_processes(tmp_path):
    root = tmp_path / "code"
    files = {f"m{index:02d}/train.py": BUGGY if index % 3 else CLEAN for index in range(40)}
    files.update({"models.py": MODELS, "predict.py": PREDICT, "broken.py": "def f(:\n"})
    write(root, files)
    plain = run(root, jobs=1)[0]
    assert {"DL001", "DL101", "DL103"} <= {code for _, _, _, code, _ in plain}
    assert run(root, jobs=2)[0] == plain
    assert run(root, tmp_path / "cache", jobs=2)[0] == plain  # cold, two processes
    assert run(root, tmp_path / "cache", jobs=1)[0] == plain  # warm


def test_two_runs_at_once_share_a_cache_safely(tmp_path):
    root = tmp_path / "code"
    files = {f"m{index:02d}/train.py": BUGGY if index % 2 else CLEAN for index in range(60)}
    files.update({"models.py": MODELS, "predict.py": PREDICT})
    write(root, files)
    cache = tmp_path / "cache"
    command = [sys.executable, "-m", "dllint", "--isolated", "--cache-dir", str(cache), "-j", "1", "."]
    environment = {key: value for key, value in os.environ.items() if key != "DLLINT_CACHE_DIR"}
    runs = [subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment) for _ in range(2)]
    outputs = [process.communicate(timeout=300)[0] for process in runs]
    uncached = subprocess.run([*command[:4], "--no-cache", *command[6:]], cwd=root, capture_output=True, env=environment).stdout
    assert outputs[0] == outputs[1] == uncached
    assert not [path for path in cache.rglob(".tmp-*")]
    for path in cache.rglob("*"):
        if path.is_file() and path.parent.parent.name in ("index", "results"):
            assert json.loads(path.read_text())["key"] == path.name
    warm = subprocess.run(command, cwd=root, capture_output=True, env=environment).stdout
    assert warm == uncached


def test_the_cache_folder_is_chosen_by_option_then_environment_then_project_root(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from dllint.cli import cli

    write(tmp_path, {"train.py": BUGGY})
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DLLINT_CACHE_DIR", raising=False)
    CliRunner().invoke(cli, ["--isolated", "train.py"])
    assert (tmp_path / ".dllint_cache" / ".gitignore").is_file()
    CliRunner().invoke(cli, ["--isolated", "train.py"], env={"DLLINT_CACHE_DIR": str(tmp_path / "env")})
    assert (tmp_path / "env" / ".gitignore").is_file()
    CliRunner().invoke(cli, ["--isolated", "--cache-dir", "option", "train.py"], env={"DLLINT_CACHE_DIR": str(tmp_path / "env2")})
    assert (tmp_path / "option" / ".gitignore").is_file() and not (tmp_path / "env2").exists()
    CliRunner().invoke(cli, ["--isolated", "--no-cache", "train.py"], env={"DLLINT_CACHE_DIR": str(tmp_path / "env3")})
    assert not (tmp_path / "env3").exists()


def test_noqa_warnings_are_repeated_by_a_warm_run(tmp_path):
    root = tmp_path / "code"
    write(root, {"train.py": BUGGY.replace("loss.backward\n", "loss.backward  # noqa: DL999\n", 1)})
    cache = tmp_path / "cache"
    runs = []
    for _ in range(2):
        inputs = [Input(display_path="train.py", path=root / "train.py")]
        runs.append(Runner(Settings(root=root), cache_folder=cache).run(inputs).warnings)
    assert runs[0] and runs[0] == runs[1]


def test_findings_with_fixes_survive_the_cache():
    """A fix's changes (kind, anchor, code, kept part, cell) come back from the cache as they went in."""
    from dllint.cache import diagnostics_from_json, diagnostics_to_json
    from dllint.diagnostics import INSERT_BEFORE, KEEP_PART, Change, Diagnostic, Fix

    changes = (Change(KEEP_PART, (3, 8), (3, 30), part=((3, 18), (3, 24))), Change(INSERT_BEFORE, (5, 5), (5, 5), "model.eval()", cell=2))
    found = [Diagnostic("train.py", 3, 8, "DL201", "m", name="n", end_line=3, end_column=30, fix=Fix("f", changes, safe=False))]
    assert diagnostics_from_json(json.loads(json.dumps(diagnostics_to_json(found)))) == found


def test_a_change_that_leaves_many_files_to_check_parses_each_of_them_once(tmp_path, monkeypatch):
    # the warm first pass holds no tree; with many files to check again, the
    # ML modules are parsed once and kept, as in a cold run, instead of each
    # check parsing its neighbours again after every fresh start
    import dllint.runner
    import dllint.source

    root, cache = tmp_path / "code", tmp_path / "cache"
    # each file reads models.py's network, and imports settings.py, which changes
    importers = {f"predict_{number}.py": "import settings\n" + textwrap.dedent(PREDICT) for number in range(40)}
    write(root, {"models.py": MODELS, "settings.py": "import torch\nDEVICE = 'cpu'\n", **importers})
    cold, _ = run(root, cache)
    write(root, {"settings.py": "import torch\nDEVICE = 'cuda'\n"})
    monkeypatch.setattr(dllint.runner, "_PARSED_TEXT_BUDGET", 1)  # a fresh start before every file
    monkeypatch.setattr(dllint.runner, "_KEPT_ACROSS_FRESH_STARTS", 0)  # keeping nothing
    parses = []
    for module in (dllint.runner, dllint.source):
        original = module.parse_source
        monkeypatch.setattr(module, "parse_source", lambda text, path, original=original: parses.append(path) or original(text, path))
    again, checked = run(root, cache)
    assert len(checked) == 41 and again == cold
    assert sorted(parses) == sorted(set(parses)) and len(parses) == 42
