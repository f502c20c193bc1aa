"""The activation facts of the semantic model (semantic/activations.py and
semantic/loss_sites.py), asked directly. The rules DL201-DL204 are tested
through their examples; these tests pin the answers the rules build on."""
from __future__ import annotations

import ast
import textwrap

import pytest

from dllint.semantic.activations import LOG_SOFTMAX, LOGITS, SIGMOID, SOFTMAX, UNKNOWN
from dllint.semantic.loss_sites import EXPECTS_LOG_PROBS, EXPECTS_LOGITS, EXPECTS_PROBS
from dllint.semantic.module import ModuleModel
from dllint.source import SourceFile


def _model(text: str) -> ModuleModel:
    return ModuleModel(SourceFile.from_text("example.py", textwrap.dedent(text).lstrip("\n"), "example"))


def _last_name(model: ModuleModel, name: str) -> ast.Name:
    return [n for n in ast.walk(model.tree) if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)][-1]


@pytest.mark.parametrize(
    "text, kind",
    [
        ("import torch.nn.functional as F\nout = F.softmax(z, dim=1)\nprint(out)", SOFTMAX),
        ("import torch\nout = torch.log_softmax(z, 1)\nprint(out)", LOG_SOFTMAX),
        ("import torch\nout = z.sigmoid().view(-1)\nprint(out)", SIGMOID),
        ("import torch\nout = torch.log(torch.softmax(z, 1) + 1e-8)\nprint(out)", LOG_SOFTMAX),
        ("import torch\nout = torch.log_softmax(z, 1).exp()\nprint(out)", SOFTMAX),
        ("import torch.nn as nn\nfc = nn.Linear(4, 2)\nout = fc(x) / 2.0\nprint(out)", LOGITS),
        ("import torch\nout = torch.relu(z)\nprint(out)", UNKNOWN),
        # an if/else that binds on both branches is certain
        ("import torch\nif flag:\n    out = torch.softmax(a, 1)\nelse:\n    out = b.softmax(1)\nprint(out)", SOFTMAX),
        # ...one that binds on one branch only is not
        ("import torch\nout = a\nif flag:\n    out = torch.softmax(a, 1)\nprint(out)", UNKNOWN),
    ],
)
def test_activation_of_a_variable(text, kind):
    model = _model(text)
    assert model.activations.of(_last_name(model, "out")).kind == kind


def test_a_later_binding_does_not_reach_an_earlier_use():
    model = _model(
        """
        import torch
        out = torch.sigmoid(z)
        print(out)
        out = torch.softmax(z, 1)
        """
    )
    assert model.activations.of(_last_name(model, "out")).kind == SIGMOID


def test_forward_returns_and_their_conditions():
    model = _model(
        """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 3)

            def forward(self, x, return_probs=False):
                logits = self.fc(x)
                if not self.training:
                    return F.softmax(logits, dim=-1)
                if return_probs:
                    return torch.sigmoid(logits)
                return logits

        net = Net()
        out = net(x)
        print(out)
        """
    )
    forward = next(n for n in ast.walk(model.tree) if isinstance(n, ast.FunctionDef) and n.name == "forward")
    assert len(model.activations.return_paths(forward)) == 3
    conditions = {activation.kind: condition for activation, condition in model.activations.conditional_activations(forward)}
    assert conditions[SOFTMAX] == "only in evaluation mode"
    assert conditions[SIGMOID] == "only when `return_probs` is true"
    # the training path: self.training is true, return_probs takes its default
    assert model.activations.of(_last_name(model, "out")).kind == LOGITS


def test_keras_model_output_through_functional_graph_and_add():
    model = _model(
        """
        from tensorflow import keras
        from tensorflow.keras import layers

        inputs = keras.Input(shape=(4,))
        hidden = layers.Dense(8, activation="relu")(inputs)
        outputs = layers.Dense(3, activation="softmax")(hidden)
        functional = keras.Model(inputs, outputs)

        sequential = keras.Sequential()
        sequential.add(layers.Dense(8, activation="relu"))
        sequential.add(layers.Dense(1))
        sequential.add(layers.Dropout(0.2))
        functional.compile(loss="categorical_crossentropy")
        sequential.compile(loss="binary_crossentropy")
        """
    )
    functional, sequential = _last_name(model, "functional"), _last_name(model, "sequential")
    assert model.activations.model_output(functional).kind == SOFTMAX
    output = model.activations.model_output(sequential)
    assert output.kind == LOGITS and "the last layer of the `Sequential`" in output.describe(model)


def test_loss_sites_say_what_each_loss_expects():
    model = _model(
        """
        import torch.nn as nn
        import torch.nn.functional as F
        import tensorflow as tf

        criterion = nn.CrossEntropyLoss()
        a = criterion(p, y)
        b = F.nll_loss(p, y)
        c = tf.keras.losses.BinaryCrossentropy()(y, p)
        d = tf.keras.losses.CategoricalCrossentropy(from_logits=True)(y, p)
        e = F.mse_loss(p, y)
        """
    )
    calls = {
        statement.targets[0].id: statement.value
        for statement in model.tree.body
        if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Call)
    }
    expected = {"a": EXPECTS_LOGITS, "b": EXPECTS_LOG_PROBS, "c": EXPECTS_PROBS, "d": EXPECTS_LOGITS}
    for name, expects in expected.items():
        site = model.loss_sites.at(calls[name])
        assert site is not None and site.expects == expects, name
        assert site.prediction_text() == "p"
    assert model.loss_sites.at(calls["e"]) is None
