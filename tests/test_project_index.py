"""The project index resolves imports between the files of one run, also when names collide."""
from __future__ import annotations

import ast
from pathlib import Path

from dllint.semantic.imports import ImportMap
from dllint.semantic.project import ProjectIndex, module_name_for
from dllint.source import SourceFile


def _index(tmp_path: Path, files):
    project, infos = ProjectIndex(), {}
    for relative, text in files.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        name, is_package = module_name_for(path)
        source = SourceFile.from_text(str(path), text, name)
        infos[relative] = project.add(source, ImportMap(source.tree, name, is_package), is_package)
    return project, infos


def test_a_module_name_shared_by_two_folders_resolves_to_the_importers_folder(tmp_path):
    # Two script folders, each with its own `model.py`: `from model import Net`
    # in b/train.py means b/model.py (the script's folder is first on sys.path).
    torch_net = "import torch.nn as nn\nclass Net(nn.Module):\n    def forward(self, x):\n        return x\n"
    project, infos = _index(tmp_path, {
        "a/model.py": "class Net:\n    pass\n",
        "a/train.py": "from model import Net\nnet = Net()\n",
        "b/model.py": torch_net,
        "b/train.py": "from model import Net\nnet = Net()\n",
    })
    for folder, framework in (("a", None), ("b", "torch")):
        train = project.model_for(infos[f"{folder}/train.py"])
        call = next(node for node in ast.walk(train.tree) if isinstance(node, ast.Call))
        model, _ = train.resolve_class(call.func)
        assert model.source.path == str(tmp_path / folder / "model.py")
        value = train.value_of(call)
        assert (value.framework if value else None) == framework


def test_a_library_module_never_resolves_to_a_project_file_with_the_same_last_name(tmp_path):
    # A project `layers.py` defining `Dense` must not stand in for keras.layers.
    project, infos = _index(tmp_path, {
        "gcn/layers.py": "from tensorflow import keras\nclass Dense(keras.layers.Layer):\n    pass\n",
        "resnet/main.py": "from tensorflow import keras\nhead = keras.layers.Dense(10)\n",
    })
    main = project.model_for(infos["resnet/main.py"])
    call = next(node for node in ast.walk(main.tree) if isinstance(node, ast.Call))
    assert main.qualified_name(call.func) == "keras.layers.Dense"
    assert main.resolve_class(call.func) is None
    assert project.definition("keras.layers.Dense") is None


def test_seen_from_one_ml_framework_another_one_in_the_run_is_the_library(tmp_path):
    # A whole site-packages holds torch's sources beside transformers': a
    # transformers file calls torch as any user does, through its interface.
    # Followed into torch's code, one check built the models of 461 of
    # torch's modules. Torch's own code, and code outside every framework
    # (functorch, a user's project), still resolve torch's names to its files.
    fake_torch = "def relu(x):\n    return x\n"
    project, infos = _index(tmp_path, {
        "torch/__init__.py": "",
        "torch/functional.py": "import torch\n" + fake_torch,
        "torch/nn.py": "import torch\nfrom torch.functional import relu\nlayer = relu(1)\n",
        "transformers/__init__.py": "",
        "transformers/activations.py": "import torch\nfrom torch.functional import relu\nout = relu(1)\n",
        "functorch/__init__.py": "",
        "functorch/ops.py": "import torch\nfrom torch.functional import relu\nout = relu(1)\n",
    })
    resolved = {}
    for name in ("torch/nn.py", "transformers/activations.py", "functorch/ops.py"):
        model = project.model_for(infos[name])
        call = next(node for node in ast.walk(model.tree) if isinstance(node, ast.Call))
        found = model.resolve_function(call)
        resolved[name] = found[0].info.name if found else None
    assert resolved == {"torch/nn.py": "torch.functional", "transformers/activations.py": None, "functorch/ops.py": "torch.functional"}
    torch_functional = infos["torch/functional.py"]
    assert infos["transformers/activations.py"] not in project.modules_importing(torch_functional)
    assert infos["functorch/ops.py"] in project.modules_importing(torch_functional)


def test_a_parameter_takes_its_value_from_callers_in_other_files(tmp_path):
    project, infos = _index(tmp_path, {
        "engine.py": "import torch\ndef train_one_epoch(model, loader, criterion):\n    return criterion(model(1), 2)\n",
        "train.py": "import torch.nn as nn\nfrom engine import train_one_epoch\ntrain_one_epoch(nn.Linear(2, 2), [], nn.CrossEntropyLoss())\n",
    })
    engine = project.model_for(infos["engine.py"])
    function = engine.info.functions["train_one_epoch"]
    assert [model.info.name for model, _ in engine.callers_elsewhere(function)] == ["train"]
    call = next(node for node in ast.walk(engine.tree) if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "criterion")
    assert engine.value_of(call.func).qualname == "torch.nn.CrossEntropyLoss"
    assert engine.value_of(call.args[0].func).qualname == "torch.nn.Linear"


def _add(project: ProjectIndex, path: str, module_name: str, text: str):
    tree = ast.parse(text)
    source = SourceFile(path=path, text=text, tree=tree, module_name=module_name)
    return project.add(source, ImportMap(tree, module_name))


def test_two_folders_with_a_model_py_each():
    project = ProjectIndex()
    first = _add(project, "a/model.py", "model", "class SoftmaxNet:\n    pass\n")
    second = _add(project, "b/model.py", "model", "class ChurnNet:\n    pass\n")
    found = project.definition("model.ChurnNet")
    assert found is not None and found[0] is second
    assert project.definition("model.SoftmaxNet")[0] is first
    assert project.definition("model.Missing") is None
