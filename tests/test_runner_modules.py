"""Which files of a run the rules look at."""
from pathlib import Path

from dllint.runner import Input, Runner
from dllint.settings import Settings


def _lint(tmp_path: Path, files: dict, select: str):
    inputs = []
    for name, text in files.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        inputs.append(Input(display_path=name, path=path))
    return Runner(Settings(select=[select], root=tmp_path)).run(inputs).diagnostics


def test_a_helper_module_imported_by_training_code_is_checked(tmp_path):
    # engine.py imports nothing: it gets the model and optimizer as arguments.
    helper = "def fit(model, loss):\n    model.train\n"
    found = _lint(tmp_path, {"engine.py": helper, "train.py": "import torch\nfrom engine import fit\nfit(model, 0)\n"}, "DL103")
    assert [(d.path, d.line) for d in found] == [("engine.py", 2)]


def test_a_module_no_training_code_imports_is_skipped(tmp_path):
    found = _lint(tmp_path, {"notes.py": "def fit(model):\n    model.train\n"}, "DL103")
    assert found == []
