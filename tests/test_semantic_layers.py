"""The layer facts of the semantic model: initializers, targets, roles.

Rules ask these questions (DL301 today); the tests pin the answers down
independently of any rule's message.
"""
from __future__ import annotations

import textwrap
from typing import Dict

from dllint.semantic.imports import ImportMap
from dllint.semantic.initializers import CONSTANT, IDENTITY, RANDOM, WRITE, initializer_ops, rewritten_later
from dllint.semantic.layers import BLOCK, CONTAINER, NORM, PARAM, WEIGHTED
from dllint.semantic.project import ProjectIndex
from dllint.source import SourceFile, parse_source


def project(files: Dict[str, str]):
    index = ProjectIndex()
    models = {}
    infos = {}
    for path, text in files.items():
        text = textwrap.dedent(text).lstrip("\n")
        name = path[:-3].replace("/", ".")
        source = SourceFile(path=path, text=text, tree=parse_source(text, path), module_name=name)
        infos[path] = index.add(source, ImportMap(source.tree, name))
    for path, info in infos.items():
        models[path] = index.model_for(info)
    return models


def single(text: str):
    return project({"example.py": text})["example.py"]


def ops_by_line(model):
    return {op.node.lineno: op for op in initializer_ops(model)}


def test_initializer_kinds_and_values():
    model = single(
        """
        import torch
        import torch.nn as nn
        from torch.nn import init

        w = layer.weight
        nn.init.zeros_(layer.weight)
        init.constant_(layer.weight, 0.5)
        layer.weight.data.fill_(2)
        layer.weight.normal_(0, 0.02)
        nn.init.eye_(layer.weight)
        layer.weight.data[:3] = other
        layer.weight.data.copy_(torch.ones(4, 4))
        """
    )
    ops = ops_by_line(model)
    assert (ops[6].kind, ops[6].value, ops[6].slot) == (CONSTANT, "0", "weight")
    assert (ops[7].kind, ops[7].value) == (CONSTANT, "0.5")
    assert (ops[8].kind, ops[8].value) == (CONSTANT, "2")
    assert ops[9].kind == RANDOM
    assert ops[10].kind == IDENTITY
    assert ops[11].kind == WRITE
    assert (ops[12].kind, ops[12].value) == (CONSTANT, "1")


def test_keras_initializers_through_names():
    model = single(
        """
        import tensorflow as tf
        from tensorflow.keras import layers

        ZERO = tf.keras.initializers.Constant(0.0)
        a = layers.Dense(4, kernel_initializer=ZERO)
        b = layers.Dense(4, kernel_initializer="he_normal", recurrent_initializer=tf.zeros_initializer())
        c = layers.Dense(4, kernel_initializer=tf.keras.initializers.Constant(value=table))
        """
    )
    found = [(op.node.lineno, op.kind, op.slot) for op in initializer_ops(model)]
    assert (5, CONSTANT, "kernel") in found
    assert (6, RANDOM, "kernel") in found and (6, CONSTANT, "recurrent_kernel") in found
    assert not [f for f in found if f[0] == 7]  # Constant(array): not known to be one value


def test_targets_and_roles_in_a_class():
    model = single(
        """
        import torch
        from torch import nn

        class Policy(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(4, 8)
                self.norm = nn.LayerNorm(8)
                self.out = nn.Linear(8, 2)
                for layer in (self.fc1, self.out):
                    nn.init.zeros_(layer.weight)

            def forward(self, x):
                return self.out(self.norm(torch.relu(self.fc1(x))))
        """
    )
    op = ops_by_line(model)[11]
    targets = model.layers.weight_targets(op)
    assert [(t.layer.name, t.layer.kind, t.slot, t.mixes_units) for t in targets] == [
        ("Policy.fc1", WEIGHTED, "weight", True),
        ("Policy.out", WEIGHTED, "weight", True),
    ]
    assert model.layers.hidden(targets[0].layer) == "its output feeds `out`"
    assert model.layers.hidden(targets[1].layer) is None  # the output head


def test_modules_loop_guard_and_class_layers():
    model = single(
        """
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.body = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.Conv2d(8, 8, 3))
                self.w = nn.Parameter(torch.zeros(8, 2))
                for m in self.modules():
                    if isinstance(m, nn.BatchNorm2d):
                        nn.init.ones_(m.weight)

            def forward(self, x):
                return self.body(x).mean((2, 3)) @ self.w
        """
    )
    layers = model.layers
    class_node = model.tree.body[1]
    members = layers.class_layers(class_node)
    assert [ref.kind for ref in members["body"]] == [CONTAINER]
    assert [ref.kind for ref in members["w"]] == [PARAM]
    children, complete = layers.children(members["body"][0])
    assert complete and [c.refs[0].short_type for c in children] == ["Conv2d", "BatchNorm2d", "ReLU", "Conv2d"]
    op = ops_by_line(model)[10]
    assert [(t.layer.name, t.layer.kind) for t in layers.weight_targets(op)] == [("Net.body[1]", NORM)]
    assert layers.is_weighted(members["w"][0])  # used in a matmul
    # the container's output is multiplied by the weight: every conv in it is hidden
    assert layers.hidden(children[3].refs[0]) == "its output is multiplied by the weight `Net.w`"


def test_apply_in_another_file_reaches_the_model():
    models = project(
        {
            "nets.py": """
                import torch.nn as nn

                class Net(nn.Module):
                    def __init__(self):
                        super().__init__()
                        self.a = nn.Linear(4, 4)
                        self.b = nn.Linear(4, 1)

                    def forward(self, x):
                        return self.b(self.a(x))
                """,
            "init.py": """
                import torch.nn as nn

                def init(m):
                    if isinstance(m, nn.Linear):
                        nn.init.zeros_(m.weight)
                """,
            "train.py": """
                from nets import Net
                from init import init

                Net().apply(init)
                """,
        }
    )
    model = models["init.py"]
    op = initializer_ops(model)[0]
    targets = model.layers.weight_targets(op)
    roles = {t.layer.name: model.layers.hidden(t.layer) for t in targets}
    assert roles == {"Net.a": "its output feeds `b`", "Net.b": None}


def test_residual_branch_and_gate_are_not_hidden():
    model = single(
        """
        import torch
        from torch import nn

        class Block(nn.Module):
            def __init__(self, d):
                super().__init__()
                self.fc = nn.Linear(d, d)
                self.gate = nn.Linear(d, d)
                self.proj = nn.Linear(d, d)

            def forward(self, x):
                h = x + self.fc(x)
                return self.proj(h * torch.sigmoid(self.gate(x)))
        """
    )
    members = model.layers.class_layers(model.tree.body[2])
    assert model.layers.hidden(members["fc"][0]) is None
    assert model.layers.hidden(members["gate"][0]) is None


def test_keras_functional_roles():
    model = single(
        """
        from tensorflow import keras
        from tensorflow.keras import layers

        inputs = keras.Input((8,))
        h = layers.Dense(16)(inputs)
        r = layers.Dense(8)(h)
        x = layers.Add()([inputs, r])
        outputs = layers.Dense(1)(x)
        model = keras.Model(inputs, outputs)
        """
    )
    calls = {n.lineno: n for n in __import__("ast").walk(model.tree) if hasattr(n, "func") and getattr(n.func, "attr", "") == "Dense"}
    hidden = {line: model.layers.hidden(model.layers.construction(call)) for line, call in calls.items()}
    assert hidden == {5: "its output feeds `Dense`", 6: None, 8: None}


def test_zeros_drawn_again_in_another_file():
    models = project(
        {
            "layers.py": """
                import torch
                import torch.nn as nn
                import torch.nn.functional as F

                class QuantLinear(nn.Module):
                    def __init__(self, n_in, n_out):
                        super().__init__()
                        self.weight = nn.Parameter(torch.zeros(n_out, n_in))

                    def forward(self, x):
                        return F.linear(x, self.weight)
                """,
            "model.py": """
                import torch.nn as nn
                from layers import QuantLinear

                def init_weights(module):
                    if isinstance(module, (QuantLinear, nn.Linear)):
                        nn.init.normal_(module.weight, std=0.02)
                """,
        }
    )
    model = models["layers.py"]
    op = initializer_ops(model)[0]
    assert op.creates and op.kind == CONSTANT
    assert rewritten_later(model, op)


def test_slice_writes_after_zeroing_rewrite_the_weight():
    model = single(
        """
        import torch.nn as nn

        class Merger(nn.Module):
            def __init__(self):
                super().__init__()
                self.linear = nn.Linear(4, 4)
                self.linear.weight.data.zero_()
                for i in range(4):
                    self.linear.weight.data[i, i] = 1.0
        """
    )
    op = ops_by_line(model)[7]
    assert op.kind == CONSTANT and rewritten_later(model, op)


def test_project_block_kinds():
    model = single(
        """
        import torch
        import torch.nn as nn

        class LayerNorm2d(nn.LayerNorm):
            pass

        class ScaledRMSNorm(nn.Module):
            def __init__(self, d):
                super().__init__()
                self.weight = nn.Parameter(torch.ones(d))

        class Mlp(nn.Module):
            def __init__(self, d):
                super().__init__()
                self.fc = nn.Linear(d, d)
        """
    )
    classes = [node for node in model.tree.body if node.__class__.__name__ == "ClassDef"]
    assert [model.layers.class_kind(node) for node in classes] == [NORM, NORM, BLOCK]


def test_calls_include_methods_called_on_expressions():
    model = single(
        """
        import torch.nn as nn

        nn.Linear(2, 2).apply(init)
        model.layers[0].forward(x)
        """
    )
    assert len(model.calls("apply")) == 1
    assert len(model.calls("forward")) == 1


def test_a_list_grown_by_adding_to_itself_is_an_extension():
    # `blocks = blocks + [...]` reads the list it replaces: chasing it used to find the same
    # assignment again and again until Python's recursion limit (DL000 in DL301)
    model = single(
        """
        import torch.nn as nn

        class Tower(nn.Module):
            def __init__(self, widths):
                super().__init__()
                blocks = [nn.Flatten()]
                for a, b in zip(widths, widths[1:]):
                    blocks = blocks + [nn.Linear(a, b), nn.GELU()]
                self.tower = nn.Sequential(*blocks, nn.Linear(widths[-1], 10))
                twice = [nn.Linear(4, 4)]
                twice.extend(twice)
                self.pair = nn.Sequential(*twice)
        """
    )
    layers = model.layers
    members = layers.class_layers(model.tree.body[1])
    children, complete = layers.children(members["tower"][0])
    assert complete
    assert [(c.refs[0].short_type, c.repeated) for c in children] == [
        ("Flatten", False), ("Linear", True), ("GELU", True), ("Linear", False)]
    children, _ = layers.children(members["pair"][0])
    assert [c.refs[0].short_type for c in children] == ["Linear", "Linear"]
