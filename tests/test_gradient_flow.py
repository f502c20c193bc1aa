"""semantic/gradient_flow.py, and DL201's wording where no gradients flow."""
from __future__ import annotations

import textwrap

import pytest

from dllint.registry import all_rules
from dllint.runner import Input, Runner
from dllint.settings import Settings

MODEL = """
import torch
import torch.nn as nn
import torch.nn.functional as F

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(784, 10)

    def forward(self, x):
        return F.softmax(self.fc(x), dim=1)

model = Net()
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
"""


def dl201_messages(tmp_path, code, header=MODEL, select="DL201"):
    path = tmp_path / "train.py"
    path.write_text(textwrap.dedent(header) + textwrap.dedent(code))
    rule = next(rule for rule in all_rules() if rule.code == select)
    settings = Settings(select=[select], root=tmp_path)
    result = Runner(settings, rules=[rule]).run([Input(display_path="train.py", path=path)])
    return [d.message for d in result.diagnostics]


TRAINING = """
for x, y in train_loader:
    optimizer.zero_grad()
    loss = criterion(model(x), y)
    loss.backward()
    optimizer.step()
"""

EVALUATION = {
    "under no_grad": ("""
        with torch.no_grad():
            print(criterion(model(x), y).item())
        """, "under `torch.no_grad()`"),
    "evaluation function": ("""
        def validate(net, batches):
            return sum(criterion(net(x), y).item() for x, y in batches)

        validate(model, batches)
        """, "in `validate()`"),
    "held-out loop": ("""
        total = 0.0
        for x, y in val_loader:
            total += criterion(model(x), y).item()
        """, "in a loop over held-out data"),
}


def test_training_step_says_gradients_are_squashed(tmp_path):
    (message,) = dl201_messages(tmp_path, TRAINING)
    assert "squashes the gradients" in message
    assert "reported" not in message


@pytest.mark.parametrize("code, reason", list(EVALUATION.values()), ids=list(EVALUATION))
def test_evaluation_step_says_the_reported_loss_is_wrong(tmp_path, code, reason):
    (message,) = dl201_messages(tmp_path, code)
    assert reason in message
    assert "the loss reported here is not the model's cross-entropy" in message
    assert "gradients are squashed" not in message and "squashes the gradients" not in message


def test_evaluation_function_that_takes_gradients_keeps_the_training_wording(tmp_path):
    code = """
        def evaluate_saliency(net, x, y):
            x.requires_grad_(True)
            loss = criterion(net(x), y)
            loss.backward()
            return x.grad

        evaluate_saliency(model, images, labels)
        """
    (message,) = dl201_messages(tmp_path, code)
    assert "squashes the gradients" in message


BINARY_AND_NLL = """
import torch
import torch.nn as nn
import torch.nn.functional as F

model = nn.Sequential(nn.Linear(16, 1), nn.Sigmoid())
tagger = nn.Sequential(nn.Linear(16, 5))
"""


@pytest.mark.parametrize("select, code, training, evaluation", [
    ("DL202", "nn.BCEWithLogitsLoss()(model(x), y)", "the gradients vanish", "the loss reported here is wrong"),
    ("DL203", "F.nll_loss(tagger(x), y)", "falls without bound", "the loss reported here is not a negative log-likelihood"),
])
def test_other_activation_rules_word_the_cost_by_context(tmp_path, select, code, training, evaluation):
    (message,) = dl201_messages(tmp_path, f"loss = {code}\nloss.backward()\n", BINARY_AND_NLL, select)
    assert training in message
    (message,) = dl201_messages(tmp_path, f"with torch.no_grad():\n    print({code}.item())\n", BINARY_AND_NLL, select)
    assert evaluation in message and "under `torch.no_grad()`" in message
