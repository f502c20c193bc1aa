import os
import tempfile
import textwrap

import pytest

# The CLI keeps a cache (.dllint_cache in the project root) by default: the
# suite's runs keep theirs out of the repository, in one folder of their own.
os.environ.setdefault("DLLINT_CACHE_DIR", tempfile.mkdtemp(prefix="dllint-test-cache-"))

# A small training script with one DL103 finding at 7:5 (`loss.backward`).
BUGGY = textwrap.dedent(
    """\
    import torch
    from torch import nn
    model = nn.Linear(2, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for x, y in loader:
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward
        optimizer.step()
    """
)
# Clean for every rule: the call is made, and gradients are cleared each step (DL601).
CLEAN = BUGGY.replace("loss.backward\n", "loss.backward()\n").replace("optimizer.step()\n", "optimizer.step()\n    optimizer.zero_grad()\n")


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A folder to lint, made the current directory, with no configuration above it."""
    monkeypatch.chdir(tmp_path)

    def write(relative, text):
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    write.root = tmp_path
    return write


def invoke(*args, input=None):
    """Run the CLI through click's runner with stdout and stderr kept apart
    (click < 8.2 mixes them unless told not to; 8.2 removed the option)."""
    from click.testing import CliRunner

    from dllint.cli import cli

    try:
        runner = CliRunner(mix_stderr=False)
    except TypeError:
        runner = CliRunner()
    return runner.invoke(cli, list(args), input=input, catch_exceptions=False)


# A two-file project: models.py defines a network with dropout, and predict.py
# runs it under no_grad without eval() (DL101 needs both files).
MODELS = """
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)
        self.drop = nn.Dropout(0.5)
"""
PREDICT = """
import torch
from models import Net

model = Net()
model.load_state_dict(torch.load("net.pt"))
images = torch.load("images.pt")
with torch.no_grad():
    print(model(images).argmax(dim=1))
"""


def refuse_to_open(monkeypatch, name_ending: str) -> None:
    """Make dllint's reader get "Permission denied" for files whose name ends so."""
    import dllint.source

    original = dllint.source.os.open

    def refuse(path, *args, **kwargs):
        if str(path).endswith(name_ending):
            raise PermissionError(13, "Permission denied")
        return original(path, *args, **kwargs)

    monkeypatch.setattr(dllint.source.os, "open", refuse)


# A model class, a training helper without an ML import of its own, and a
# script that uses both: each file's check asks about the other two.
HELPER_MODULE_PROJECT = {
    "models.py": "import torch.nn as nn\nclass Net(nn.Module):\n    def forward(self, x):\n        return x\n",
    "loops.py": (
        "def train_one_epoch(model, loader, optimizer, criterion):\n"
        "    for x, y in loader:\n"
        "        loss = criterion(model(x), y)\n"
        "        loss.backward()\n"
        "        optimizer.step()\n"
    ),
    "train.py": (
        "import torch\n"
        "from models import Net\n"
        "from loops import train_one_epoch\n"
        "model = Net()\n"
        "optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        "for epoch in range(3):\n"
        "    model.eval()\n"
        "    train_one_epoch(model, [], optimizer, torch.nn.CrossEntropyLoss())\n"
    ),
}
