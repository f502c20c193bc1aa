"""Qualified names through every import form the semantic model knows."""
import textwrap

import pytest

from dllint.semantic.module import ModuleModel
from dllint.source import SourceFile


def qualified(code, module_name="train"):
    """The qualified name of the last line's expression."""
    source = SourceFile.from_text("t.py", textwrap.dedent(code), module_name=module_name)
    return ModuleModel(source).qualified_name(source.tree.body[-1].value)


@pytest.mark.parametrize(
    "code, expected",
    [
        ("import torch.nn as nn\nnn.CrossEntropyLoss", "torch.nn.CrossEntropyLoss"),
        ("from torch import nn\nnn.CrossEntropyLoss", "torch.nn.CrossEntropyLoss"),
        ("import torch\ntorch.nn.CrossEntropyLoss", "torch.nn.CrossEntropyLoss"),
        ("import torch.nn\ntorch.nn.functional.softmax", "torch.nn.functional.softmax"),
        ("from torch.nn import functional as F\nF.softmax", "torch.nn.functional.softmax"),
        ("import torch.nn.functional as F\nF.cross_entropy(x, y)", "torch.nn.functional.cross_entropy"),
        ("from torch.nn import CrossEntropyLoss as CE\nCE", "torch.nn.CrossEntropyLoss"),
        ("import tensorflow as tf\ntf.keras.layers.Dense", "keras.layers.Dense"),
        ("from tensorflow import keras\nkeras.layers.Dense", "keras.layers.Dense"),
        ("from tensorflow.keras import layers\nlayers.Dense", "keras.layers.Dense"),
        ("from keras import layers\nlayers.Dense", "keras.layers.Dense"),
        ("from tensorflow.keras.models import Sequential\nSequential", "keras.Sequential"),
        ("from sklearn.svm import SVC as S\nS", "sklearn.svm.SVC"),
        ("from torch.nn import *\nDropout", "torch.nn.Dropout"),
        ("from torch.nn import *\nNotATorchName", None),
        ("from tensorflow.keras.layers import *\nDense", "keras.layers.Dense"),
        ("import pytorch_lightning as pl\npl.LightningModule", "lightning.pytorch.LightningModule"),
        ("import lightning as L\nL.LightningModule", "lightning.pytorch.LightningModule"),
        ("from torch.nn.modules.loss import CrossEntropyLoss\nCrossEntropyLoss", "torch.nn.CrossEntropyLoss"),
        ("def main():\n    import torch\n    return 1\ntorch.optim.SGD", "torch.optim.SGD"),
        ("class Net:\n    pass\nNet", "train.Net"),
        ("x = 1\nx", None),
        ("import torch\n(a + b).softmax", None),
    ],
)
def test_qualified_names(code, expected):
    assert qualified(code) == expected


@pytest.mark.parametrize(
    "module_name, code, expected",
    [
        ("pkg.train", "from .models import Net\nNet", "pkg.models.Net"),
        ("pkg.sub.train", "from ..data import load\nload", "pkg.data.load"),
        ("pkg.train", "from . import models\nmodels.Net", "pkg.models.Net"),
        ("train", "from .models import Net\nNet", "models.Net"),
    ],
)
def test_relative_imports_of_project_modules(module_name, code, expected):
    assert qualified(code, module_name) == expected


def test_columns_are_characters_not_utf8_bytes():
    source = SourceFile.from_text("t.py", "s = 'ééé'; model.eval\n")
    node = source.tree.body[1].value
    line, column, end_line, end_column = source.position(node)
    assert (line, column, end_line, end_column) == (1, 12, 1, 22)
    assert source.lines[0][column - 1 : end_column - 1] == "model.eval"
