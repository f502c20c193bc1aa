"""Each file's work grows linearly with its size (issue 15, first rows).

Time is a poor oracle on a shared machine, so these tests count work: the
number of Python function calls one lint of a file makes (cProfile's
count, deterministic for a given input). A file twice as long should cost
about twice as much; the shapes below were quadratic or exponential before.
"""
from __future__ import annotations

import cProfile
import os
import pstats
from typing import List, Union

from dllint.runner import Input, Runner
from dllint.settings import Settings

_RUNNER = Runner(Settings(), jobs=1)

# A training script written at module level, as a notebook exported to a
# script is: one realistic block, repeated with renamed names.
_HEAD = """\
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(10, 2)
        self.drop = nn.Dropout(0.5)
    def forward(self, x):
        return self.fc(self.drop(x))

train_set = TensorDataset(torch.randn(64, 10), torch.randint(0, 2, (64,)))
"""
_BLOCK = """\
model_{i} = Net()
optimizer_{i} = torch.optim.SGD(model_{i}.parameters(), lr=0.1)
criterion_{i} = nn.CrossEntropyLoss()
loader_{i} = DataLoader(train_set, batch_size=32, shuffle=True)
for epoch in range(3):
    model_{i}.train()
    for inputs, labels in loader_{i}:
        optimizer_{i}.zero_grad()
        loss_{i} = criterion_{i}(model_{i}(inputs), labels)
        loss_{i}.backward()
        optimizer_{i}.step()
    model_{i}.eval()
    with torch.no_grad():
        for inputs, labels in loader_{i}:
            preds_{i} = model_{i}(inputs).argmax(1)
torch.save(model_{i}.state_dict(), "m_{i}.pt")
model_{i}.load_state_dict(torch.load("m_{i}.pt"))
with torch.no_grad():
    y_{i} = model_{i}(torch.randn(1, 10))
"""


def _work(text: Union[str, List[Input]]) -> int:
    """The function calls of one run over a file (or over several inputs)."""
    inputs = [Input(display_path="generated.py", text=text)] if isinstance(text, str) else text
    profile = cProfile.Profile()
    profile.enable()
    result = _RUNNER.run(inputs)
    profile.disable()
    assert not [d for d in result.diagnostics if d.code in ("DL000", "DL001", "DL002")], result.diagnostics
    return pstats.Stats(profile).total_calls  # type: ignore[attr-defined]


def _growth(make, small: int, large: int) -> float:
    """How much more work a file `large/small` times longer takes, per unit of length."""
    _work(make(2))  # warm the caches of the rules' first use
    return _work(make(large)) / _work(make(small)) / (large / small)


def test_a_module_level_script_is_linear_in_its_length():
    def script(blocks: int) -> str:
        return _HEAD + "".join(_BLOCK.format(i=i) for i in range(blocks))

    assert _growth(script, 8, 32) < 1.5


# A notebook that trains a model per cell and keeps each one (`history`):
# the whole file's work hides a quadratic term here until tens of thousands
# of lines (bench/scaling.py's `script` style: 20k -> 40k lines cost 2.4x,
# 40k -> 80k 3.3x, and 2.2 GB), so this counts the calls of the mode
# analysis alone. Before: 1.27. Each cell's escape stayed in the model's
# states (every later statement copied them all), each training loop looked
# at every forward pass of the file, and each forward pass on made-up input
# at every earlier `model = Net()`.
_KEEPING_CELL = """\
model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(2):
    model.train()
    for inputs, labels in loader:
        optimizer.zero_grad()
        criterion(model(inputs), labels).backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        check = model(torch.randn(1, 10))
        shape = model(torch.zeros(2, 10)).shape
history.append({"model": model, "check": check, "shape": shape})
"""


def _mode_work(text: str) -> int:
    """The function calls the mode analysis (`semantic/modes/`) makes in one run over a file."""
    profile = cProfile.Profile()
    profile.enable()
    _RUNNER.run([Input(display_path="generated.py", text=text)])
    profile.disable()
    folder = os.path.join("dllint", "semantic", "modes", "")
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    return sum(calls for (filename, _, _), (_, calls, *_) in stats.items() if folder in filename)


def test_a_notebook_that_keeps_every_model_it_trains_is_linear_in_the_mode_analysis():
    def notebook(cells: int) -> str:
        head = _HEAD + "criterion = nn.CrossEntropyLoss()\nloader = DataLoader(train_set, batch_size=32)\nhistory = []\n"
        return head + _KEEPING_CELL * cells

    _mode_work(notebook(2))
    assert _mode_work(notebook(64)) / _mode_work(notebook(16)) / 4 < 1.1


def test_a_long_elif_chain_is_linear():
    def chain(branches: int) -> str:
        lines = ["import torch", "model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Dropout())", "x = 0",
                 "if x == 0:", "    model.eval()"]
        for k in range(1, branches):
            lines += [f"elif x == {k}:", f"    y_{k} = model(torch.randn(1, 2))"]
        return "\n".join(lines) + "\n"

    assert _growth(chain, 50, 200) < 1.5


def test_values_chased_through_recursive_returns_are_not_exponential():
    def recursive(returns: int) -> str:
        lines = ["import torch", "", "def f(x):"]
        for k in range(returns):
            lines += [f"    if x == {k}:", "        return f(x - 1)"]
        lines += ["    return x, x", "", "a, b = f(3)", "with torch.no_grad():", "    print(a.sum(), b)"]
        return "\n".join(lines) + "\n"

    # 3 returns took 4 s and 4 returns minutes: every return at every level
    assert _growth(recursive, 2, 6) < 2.0


def test_a_generated_module_of_layers_and_constant_inits_is_linear():
    def generated(pairs: int) -> str:
        lines = ["import torch", "import torch.nn as nn", "", "class Big(nn.Module):", "    def __init__(self):",
                 "        super().__init__()"]
        for i in range(pairs):
            lines += [f"        self.layer_{i} = nn.Linear({i % 9 + 1}, {i % 5 + 1})",
                      f"        nn.init.zeros_(self.layer_{i}.weight)"]
        lines += ["    def forward(self, x):", "        return x"]
        return "\n".join(lines) + "\n"

    assert _growth(generated, 50, 200) < 1.5


def test_module_level_layers_with_constant_inits_are_linear():
    # DL301's local_name walked the whole module once per layer
    def layers(count: int) -> str:
        lines = ["import torch", "import torch.nn as nn"]
        for i in range(count):
            lines += [f"layer_{i} = nn.Linear(10, 10)", f"nn.init.zeros_(layer_{i}.weight)",
                      f"h_{i} = layer_{i}(torch.randn(1, 10))"]
        return "\n".join(lines) + "\n"

    assert _growth(layers, 25, 100) < 1.5


def test_a_deep_class_chain_and_a_long_alias_chain_are_no_internal_error():
    lines = ["import torch", "import torch.nn as nn", "class C0(nn.Module):", "    def forward(self, x):",
             "        return x"]
    for k in range(1, 1200):
        lines += [f"class C{k}(C{k - 1}):", "    def forward(self, x):", "        return super().forward(x)"]
    lines += ["m = C1199()", "opt = torch.optim.SGD(m.parameters(), lr=0.1)", "m(1).sum().backward()",
              "m0 = m"] + [f"m{k} = m{k - 1}.to('cpu')" for k in range(1, 3000)] + ["m2999.eval()", "m2999(1)"]
    _work("\n".join(lines) + "\n")


# The site-packages soak's one DL000 (scipy/_lib/cobyqa/models.py) and most of its 8 GB:
# to find the callers of a function, ModeModel.callers() builds the model of every project
# file whose text contains the function's name, so a name that many files use (`evaluate`,
# `update`, `step`) makes each file's work grow with the whole project. The fix belongs to
# issue 14 (the whole-project scans); this test is its reproduction.
_USES_HELPER = """\
import torch

def evaluate(model, loader):
    with torch.no_grad():
        for x in loader:
            model(x)

def main():
    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Dropout())
    evaluate(model, [torch.randn(1, 2)])
"""
_SAME_NAME_ELSEWHERE = "def evaluate():\n    return 1\n\n\n" + "".join(f"value_{j} = evaluate()\n" for j in range(50))


def test_a_project_where_many_files_use_a_helpers_name_is_linear_in_its_files():
    def project(files: int) -> List[Input]:
        return ([Input(display_path=f"pkg/train_{i}.py", text=_USES_HELPER) for i in range(files)]
                + [Input(display_path=f"pkg/other_{i}.py", text=_SAME_NAME_ELSEWHERE) for i in range(files)])

    # before: 1.8 (each train_i.py resolved the 50 calls in every other_j.py)
    assert _growth(project, 16, 64) < 1.5


# Many script folders linted together, each with its own `train.py` importing
# its own `models.py` (course repositories look like this): finding the
# `models` meant by each `train.py` among all the same-named modules was a
# scan of every folder per import, so the index grew with the square of the
# number of folders.
_FOLDER_MODELS = """\
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)
        self.drop = nn.Dropout(0.5)

def evaluate(model, x):
    return model(x)
"""
_FOLDER_TRAIN = """\
import torch
from models import Net, evaluate

model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for x in [torch.randn(2, 4)]:
    loss = model(x).sum()
    loss.backward()
    optimizer.step()
print(evaluate(model, torch.randn(1, 4)))
"""


def test_many_folders_of_same_named_modules_are_linear_in_the_number_of_files():
    def project(folders: int) -> List[Input]:
        inputs = []
        for i in range(folders):
            inputs.append(Input(display_path=f"course/part_{i}/models.py", text=_FOLDER_MODELS))
            inputs.append(Input(display_path=f"course/part_{i}/train.py", text=_FOLDER_TRAIN))
        return inputs

    # before: 1.9 (the lookup of `models` near each train.py scanned every folder)
    assert _growth(project, 8, 96) < 1.5


def test_the_binding_a_read_sees_is_found_without_scanning_every_binding():
    # A notebook rebinds `model` in every cell: a scan of all its bindings for
    # each read made module-level scripts quadratic (a list comprehension, so
    # the call counts above did not see it). Count the bindings looked at.
    from dllint.semantic.scopes import Binding, pick_binding

    class Counted(list):
        looked_at = 0

        def __getitem__(self, index):
            Counted.looked_at += 1
            return super().__getitem__(index)

        def __iter__(self):
            Counted.looked_at += len(self)
            return super().__iter__()

    bindings = Counted(Binding("model", "assign", line) for line in range(1, 20001, 2))
    assert pick_binding(bindings, 10_000).line == 9_999
    assert pick_binding(bindings, 1).line == 19_999  # none before: the last one
    assert pick_binding(bindings, None).line == 19_999
    assert Counted.looked_at < 50


# A package checked inside a large run (a site-packages holds hundreds of
# packages): the other packages' files call methods and functions of the
# same names (`.evaluate(...)`, `.apply(...)`) but never import this one.
# Whole-project searches by name gave each of them a model (a parse and a
# scope table), so checking one package cost more the more packages were
# installed beside it, and a whole site-packages was quadratic.
_PACKAGE_MODELS = """\
import torch
import torch.nn as nn


def init_weights(module):
    if isinstance(module, nn.Linear):
        nn.init.zeros_(module.weight)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(4, 8)
        self.out = nn.Linear(8, 2)
        self.drop = nn.Dropout(0.5)

    def forward(self, x):
        return self.out(self.drop(self.hidden(x)))



class Trainer:
    def evaluate(self, model, x):
        with torch.no_grad():
            return model(x)
"""
_PACKAGE_TRAIN = """\
import torch
from models import Net, Trainer, init_weights

model = Net()
model.apply(init_weights)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for x in [torch.randn(2, 4)]:
    optimizer.zero_grad()
    loss = model(x).sum()
    loss.backward()
    optimizer.step()
print(Trainer().evaluate(model, torch.randn(1, 4)))
"""
_UNRELATED = """\
import torch


def evaluate(runner, batch):
    scores = runner.evaluate(batch)
    return scores.apply(torch.sigmoid)
"""


def test_checking_a_package_costs_the_same_however_many_unrelated_packages_are_beside_it():
    from unittest import mock

    from dllint.semantic.module import ModuleModel

    def models_built(unrelated: int) -> int:
        inputs = [Input(display_path="mine/models.py", text=_PACKAGE_MODELS),
                  Input(display_path="mine/train.py", text=_PACKAGE_TRAIN)]
        inputs += [Input(display_path=f"other_{i}/scores_{i}.py", text=_UNRELATED) for i in range(unrelated)]
        built = [0]
        original = ModuleModel.__init__

        def counted(model, *args, **kwargs):
            built[0] += 1
            original(model, *args, **kwargs)

        with mock.patch.object(ModuleModel, "__init__", counted):
            result = _RUNNER.run(inputs, only={"mine/models.py", "mine/train.py"})
        assert not [d for d in result.diagnostics if d.code in ("DL000", "DL001", "DL002")], result.diagnostics
        return built[0]

    # before: 2 + 1 per unrelated file (`.apply` sites, then the callers of
    # `Trainer.evaluate`, were looked for in every file whose text had the name)
    assert models_built(40) == models_built(4) == 2


def _helpers_returning_one_another(helpers: int) -> str:
    """`prepare_k` returns `prepare_(k-1)` of its rows on two branches; the
    last one prepares the test split for a fit."""
    lines = ["from sklearn.model_selection import train_test_split", "from sklearn.linear_model import LogisticRegression",
             "def prepare_0(rows):", "    return rows"]
    for k in range(1, helpers + 1):
        lines += [f"def prepare_{k}(rows, scale=False):", "    if scale:", f"        return prepare_{k - 1}(rows, scale)",
                  f"    return prepare_{k - 1}(rows)"]
    lines += ["X_train, X_test, y_train, y_test = train_test_split(X, y)", "model = LogisticRegression()",
              f"model.fit(prepare_{helpers}(X_test), y_test)"]
    return "\n".join(lines) + "\n"


def test_provenance_remembers_what_it_found_inside_a_followed_call(monkeypatch):
    # Inside a call being followed nothing was remembered: each helper's two
    # returns doubled the work (12 helpers: 266,240 evaluations; now 132).
    # This is where a whole site-packages run spent its minutes.
    from dllint.semantic import provenance

    evaluations = [0]
    evaluate = provenance.Provenance._evaluate_element

    def counted(self, *args, **kwargs):
        evaluations[0] += 1
        return evaluate(self, *args, **kwargs)

    monkeypatch.setattr(provenance.Provenance, "_evaluate_element", counted)
    counts = []
    for helpers in (6, 12):
        evaluations[0] = 0
        Runner(Settings(), jobs=1).run([Input(display_path="generated.py", text=_helpers_returning_one_another(helpers))])
        counts.append(evaluations[0])
    assert counts[1] < 3 * counts[0], counts


def _scale_helpers_returning_one_another(helpers: int) -> str:
    """`prepare_k` returns `prepare_(k-1)` of its images on two branches; the
    images reach `fit` with no scale the flow can tell (`tolist()`), so every
    return is looked at."""
    lines = ["from tensorflow import keras", "def prepare_0(images):", "    return images"]
    for k in range(1, helpers + 1):
        lines += [f"def prepare_{k}(images, flat=False):", "    if flat:", f"        return prepare_{k - 1}(images, flat)",
                  f"    return prepare_{k - 1}(images)"]
    lines += ["(x_train, y_train), _ = keras.datasets.mnist.load_data()", "features = x_train.tolist()",
              "model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(10)])",
              f"model.fit(prepare_{helpers}(features), y_train)"]
    return "\n".join(lines) + "\n"


def test_the_scale_flow_remembers_what_it_found_inside_a_followed_call(monkeypatch):
    # Each followed call builds a new environment, and the flow remembered
    # nothing inside one: 12 helpers took 61,441 evaluations (now 214). The
    # answers are remembered by what the arguments mean, not by which
    # environment object holds them.
    from dllint.semantic.scale import flow

    evaluations = [0]
    evaluate = flow.DataFlow._evaluate

    def counted(self, *args, **kwargs):
        evaluations[0] += 1
        return evaluate(self, *args, **kwargs)

    monkeypatch.setattr(flow.DataFlow, "_evaluate", counted)
    counts = []
    for helpers in (6, 12):
        evaluations[0] = 0
        result = Runner(Settings(), jobs=1).run([Input(display_path="generated.py", text=_scale_helpers_returning_one_another(helpers))])
        assert not [d for d in result.diagnostics if d.code == "DL000"], result.diagnostics
        counts.append(evaluations[0])
    assert counts[0] > 0 and counts[1] < 3 * counts[0], counts
