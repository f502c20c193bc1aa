"""What the index answers from its summaries, and what a fresh start keeps.

A large run cannot hold every tree: questions that only need a
definition's text are answered from the first pass's summaries, and a
fresh start (`ProjectIndex.fresh`) keeps only the trees and scope tables
of the modules used last, never a model or a cache."""
from __future__ import annotations

import gc
from pathlib import Path

from dllint import runner as runner_module
from dllint.runner import Input, Runner
from dllint.semantic.imports import ImportMap
from dllint.semantic.project import DefinedNames, ProjectIndex, module_name_for
from dllint.settings import Settings
from dllint.source import SourceFile, parse_source, source_lines
from tests.conftest import HELPER_MODULE_PROJECT


def _index_without_trees(tmp_path: Path, files, facts: bool = True):
    """An index built as the runner's first pass builds it for a large run:
    summaries recorded, trees dropped."""
    project, infos = ProjectIndex(), {}
    for relative, text in files.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        name, is_package = module_name_for(path)
        tree = parse_source(text, str(path))
        names = DefinedNames.of(tree, source_lines(text) if facts else None)
        source = SourceFile(str(path), text, module_name=name)
        infos[relative] = project.add(source, ImportMap(tree, name, is_package), is_package, names)
    return project, infos


MODELS = (
    "import torch\n"
    "\n"
    "@torch.no_grad()\n"
    "def score(model, batch):\n"
    "    return model(batch)\n"
    "\n"
    "class Trainer:\n"
    "    def fit(self, model, batch):\n"
    "        loss = model(batch).sum()\n"
    "        loss.backward()\n"
)


def test_a_definitions_lines_are_found_without_parsing_its_module(tmp_path):
    project, infos = _index_without_trees(tmp_path, {
        "pkg/__init__.py": "from pkg.models import Trainer\n",
        "pkg/models.py": MODELS,
        "train.py": "from pkg import Trainer, score\n",
    })
    models = infos["pkg/models.py"]
    # through the package's re-export, as `definition` follows it
    info, first, last = project.definition_lines("pkg.Trainer")
    assert (info, first, last) == (models, 7, 10)
    assert project.definition_lines("pkg.models.score")[1:] == (4, 5)
    assert project.definition_lines("pkg.models.missing") is None
    assert not models.source.has_tree
    # the same span as the node `definition` parses for
    _, node = project.definition("pkg.Trainer")
    assert (node.lineno, node.end_lineno) == (first, last)


def test_facts_read_from_a_tree_are_recorded_and_the_tree_not_kept(tmp_path):
    # A module without an ML import has no facts from the first pass.
    project, infos = _index_without_trees(tmp_path, {"helpers.py": MODELS.replace("import torch\n", "")}, facts=False)
    helpers = infos["helpers.py"]
    [facts] = helpers.facts_named("fit")
    assert "backward" in facts.calls
    assert not helpers.source.has_tree
    assert helpers.names.definitions is not None  # carried by a fresh start


def test_a_fresh_start_keeps_the_trees_of_the_modules_used_last_and_nothing_computed(tmp_path):
    project, infos = _index_without_trees(tmp_path, {
        "a.py": "import torch\nx = torch.zeros(3)\n",
        "b.py": "import torch\ny = torch.ones(3)\n",
    })
    a, b = infos["a.py"], infos["b.py"]
    project.begin_check()
    project.model_for(a).value_of(a.source.tree.body[1].value)
    project.begin_check()
    model_b = project.model_for(b)
    tree_b, scopes_b = b.source.tree, model_b.scopes
    assert project.parsed_text_size == len(a.source.text) + len(b.source.text)

    fresh = project.fresh(keep=len(b.source.text))
    new_a, new_b = fresh.module("a"), fresh.module("b")
    assert new_b.source.tree is tree_b and new_b.scopes is scopes_b
    assert not new_a.source.has_tree
    assert new_a._model is None and new_b._model is None
    assert fresh.parsed_text_size == len(b.source.text)
    assert fresh.model_for(new_b) is not model_b


def test_findings_are_the_same_when_the_index_starts_afresh_before_every_file(tmp_path, monkeypatch):
    # Files that ask about one another (a model class, a training helper),
    # checked with everything kept and with a fresh start before each file.
    files = HELPER_MODULE_PROJECT
    for name, text in files.items():
        (tmp_path / name).write_text(text)

    def lint():
        inputs = [Input(str(tmp_path / name), path=tmp_path / name) for name in sorted(files)]
        return [(d.path, d.line, d.column, d.code, d.message) for d in Runner(Settings()).run(inputs).diagnostics]

    kept = lint()
    assert kept  # the example has something to find
    monkeypatch.setattr(runner_module, "_PARSED_TEXT_BUDGET", 0)
    monkeypatch.setattr(runner_module, "_KEPT_TREES_BUDGET", 0)
    monkeypatch.setattr(runner_module, "_KEPT_ACROSS_FRESH_STARTS", 0)
    assert lint() == kept


_TRAINING = "import torch\nmodel = torch.nn.Linear(2, 2)\nwith torch.no_grad():\n    print(model(batch))\n"


def test_a_run_hands_what_it_froze_back_to_the_collector():
    # frozen garbage is never collected: a process that lints again (the
    # flake8 plugin, --fix rounds) kept every earlier run's trees
    assert gc.get_freeze_count() == 0
    Runner(Settings(), jobs=1).run([Input(display_path="train.py", text=_TRAINING)])
    assert gc.get_freeze_count() == 0


def test_a_run_leaves_alone_what_its_caller_froze():
    holder = [object()]
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        Runner(Settings(), jobs=1).run([Input(display_path="train.py", text=_TRAINING)])
        assert gc.get_freeze_count() >= frozen
    finally:
        gc.unfreeze()
    assert holder


# Two packages of a large run: `b` applies `a`'s init function to `a`'s model,
# so the finding in `a/models.py` needs `b`'s file, outside `a`'s group.
_PACKAGES = {
    "a/__init__.py": "",
    "a/models.py": (
        "import torch.nn as nn\n\n\n"
        "def init_weights(module):\n"
        "    if isinstance(module, nn.Linear):\n"
        "        nn.init.zeros_(module.weight)\n\n\n"
        "class Net(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.hidden = nn.Linear(4, 8)\n"
        "        self.out = nn.Linear(8, 2)\n\n"
        "    def forward(self, x):\n"
        "        return self.out(self.hidden(x))\n"
    ),
    "a/train.py": (
        "import torch\n"
        "from a.models import Net\n\n"
        "model = Net()\n"
        "optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        "for x in [torch.randn(2, 4)]:\n"
        "    loss = model(x).sum()\n"
        "    loss.backward()\n"
        "    optimizer.step()\n"
    ),
    "b/__init__.py": "",
    "b/finetune.py": "import torch\nfrom a.models import Net, init_weights\n\nmodel = Net()\nmodel.apply(init_weights)\n",
}


def test_a_run_too_large_to_pin_every_ml_tree_pins_one_package_at_a_time(tmp_path, monkeypatch):
    kept, pinned = _pinned_per_group(tmp_path, monkeypatch, _PACKAGES)
    assert ("models.py", 6, "DL301") in kept and ("train.py", 9, "DL601") in kept
    assert pinned == [(["a/__init__.py", "a/models.py", "a/train.py", "b/finetune.py"], ["a.models", "a.train", "b.finetune"])]
    budget = len(_PACKAGES["a/models.py"]) + len(_PACKAGES["a/train.py"])
    monkeypatch.setattr(runner_module, "_PINNED_TEXT_BUDGET", budget)
    monkeypatch.setattr(runner_module, "_GROUP_TEXT_BUDGET", budget)
    found, pinned = _pinned_per_group(tmp_path, monkeypatch, _PACKAGES)
    assert found == kept
    assert pinned == [(["a/__init__.py", "a/models.py", "a/train.py"], ["a.models", "a.train"]), (["b/finetune.py"], ["b.finetune"])]


def test_a_process_that_runs_again_collects_the_runs_before_once_they_pass_a_budget(monkeypatch):
    # thawed, old runs' garbage was left to the collector's own schedule,
    # which did not free it (a long fuzz grew by 37 MB every 1,000 runs)
    full_collections = []

    def note(phase, info):
        if phase == "start" and info["generation"] == 2:
            full_collections.append(1)

    monkeypatch.setattr(runner_module, "_THAWED_TEXT", [0])
    monkeypatch.setattr(runner_module, "_THAWED_TEXT_BUDGET", 2 * runner_module._RUN_AS_TEXT)
    gc.callbacks.append(note)  # (the collector holds the list itself: it cannot be replaced)
    try:
        runner = Runner(Settings(), jobs=1)
        for _ in range(2):
            runner.run([Input(display_path="train.py", text=_TRAINING)])
        assert runner_module._THAWED_TEXT[0] > 2 * runner_module._RUN_AS_TEXT
        collected_before = len(full_collections)
        runner.run([Input(display_path="train.py", text=_TRAINING)])
    finally:
        gc.callbacks.remove(note)
    assert len(full_collections) > collected_before
    assert runner_module._THAWED_TEXT[0] < 2 * runner_module._RUN_AS_TEXT


_NESTED = {
    "big/__init__.py": "",
    "big/text/__init__.py": "",
    "big/text/models.py": _PACKAGES["a/models.py"],
    "big/text/train.py": _PACKAGES["a/train.py"].replace("a.models", "big.text.models"),
    "big/vision/__init__.py": "",
    "big/vision/finetune.py": _PACKAGES["b/finetune.py"].replace("a.models", "big.text.models"),
}


def _pinned_per_group(tmp_path, monkeypatch, files):
    """Lint `files` in `tmp_path`: the findings, and for each call of
    `_check_some` the files it checked and the modules pinned meanwhile."""
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    pinned_while_checking = []
    check_some = Runner._check_some

    def recording(runner, to_check, project, result):
        pinned_while_checking.append((
            sorted(Path(check.item.display_path).relative_to(tmp_path).as_posix() for check in to_check),
            sorted(info.name for info in project.all_modules() if info.source.pinned),
        ))
        return check_some(runner, to_check, project, result)

    inputs = [Input(str(tmp_path / name), path=tmp_path / name) for name in sorted(files)]
    with monkeypatch.context() as patch:  # undone on return: a second call records through the real method
        patch.setattr(Runner, "_check_some", recording)
        found = [(Path(d.path).name, d.line, d.code) for d in Runner(Settings()).run(inputs).diagnostics]
    return found, pinned_while_checking


def test_a_package_larger_than_a_group_is_cut_by_its_subpackages(tmp_path, monkeypatch):
    # transformers alone (54M characters of ML code) was one group: 1.2 GB of
    # pinned trees, and each checking process passed 7 GB
    kept, pinned = _pinned_per_group(tmp_path, monkeypatch, _NESTED)
    assert len(pinned) == 1
    text = sum(len(_NESTED[name]) for name in ("big/text/models.py", "big/text/train.py"))
    monkeypatch.setattr(runner_module, "_PINNED_TEXT_BUDGET", text)
    monkeypatch.setattr(runner_module, "_GROUP_TEXT_BUDGET", text)
    found, pinned = _pinned_per_group(tmp_path, monkeypatch, _NESTED)
    assert found == kept
    assert pinned == [
        (["big/text/__init__.py", "big/text/models.py", "big/text/train.py"], ["big.text.models", "big.text.train"]),
        (["big/vision/finetune.py"], ["big.vision.finetune"]),
    ]


def test_in_a_group_the_models_of_pinned_modules_count_in_the_budget(tmp_path, monkeypatch):
    # nothing outside the group is parsed here, so only the models of the
    # pinned modules can bring a fresh start between two files
    monkeypatch.setattr(runner_module, "_PINNED_TEXT_BUDGET", 1)
    monkeypatch.setattr(runner_module, "_PARSED_TEXT_BUDGET", 50)
    fresh_starts = []
    forget = runner_module._forget_trees

    def counted(project):
        fresh_starts.append((project.parsed_text_size, project.modelled_pinned_size))
        return forget(project)

    monkeypatch.setattr(runner_module, "_forget_trees", counted)
    kept, _ = _pinned_per_group(tmp_path, monkeypatch, _PACKAGES)
    assert ("models.py", 6, "DL301") in kept and ("train.py", 9, "DL601") in kept
    assert any(parsed <= 50 < modelled for parsed, modelled in fresh_starts), fresh_starts
