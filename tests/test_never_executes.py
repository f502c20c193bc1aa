"""dllint reads code; it never runs or imports it (issue 15)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from dllint.rule import Rule
from dllint.runner import Input, Runner
from dllint.settings import Settings
from tests.conftest import BUGGY

_TRAP = "open({marker!r}, 'a').write({name!r} + '\\n')\nimport sys\nsys.exit(3)\n"


def test_linting_a_package_runs_none_of_its_code(tmp_path):
    marker = tmp_path / "ran.txt"
    package = tmp_path / "project"
    (package / "pkg").mkdir(parents=True)
    for relative in ("pkg/__init__.py", "conftest.py", "setup.py", "click.py", "torch.py", "sitecustomize.py"):
        (package / relative).write_text(_TRAP.format(marker=str(marker), name=relative) + BUGGY)
    (package / "evil.pth").write_text(f"import os; open({str(marker)!r}, 'a').write('pth\\n')\n")
    (package / "train.py").write_text(BUGGY)
    for command in ([sys.executable, "-m", "dllint", "--isolated", "."],
                    [str(Path(sys.executable).parent / "dllint"), "--isolated", "."]):
        done = subprocess.run(command, cwd=package, capture_output=True, timeout=120)
        assert done.returncode == 1, done.stderr
        assert b"train.py:7:5: DL103" in done.stdout
    assert not marker.exists(), marker.read_text()


class Recorder(Rule):
    """## What it does\nRecords which files are analysed."""

    code = "DL103"
    name = "recorder"
    seen: list = []

    def finish(self):
        Recorder.seen.append(self.source.path)


def test_the_ml_gate_is_one_import_away_not_the_whole_import_closure(tmp_path):
    files = {
        "core.py": "import torch\n",                # uses ML
        "models.py": "import core\n",               # imports a module that uses ML
        "helpers.py": "def step(model):\n    model.step()\n",  # imported by an ML module
        "app.py": "import models\n",                # two imports away: not analysed
        "cli.py": "import app\n",
        "unrelated.py": "import json\n",
    }
    files["core.py"] += "import helpers\n"
    inputs = []
    for name, text in files.items():
        path = tmp_path / name
        path.write_text(text)
        inputs.append(Input(display_path=name, path=path))
    Recorder.seen = []
    Runner(Settings(root=tmp_path), rules=[Recorder], jobs=1).run(inputs)
    assert sorted(Recorder.seen) == ["core.py", "helpers.py", "models.py"]
