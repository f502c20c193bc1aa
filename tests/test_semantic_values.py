"""What names hold: the semantic model's value flow, in one file and across two."""

import pytest

from dllint.semantic.values import (
    BATCH, DATA, LOSS, LOSS_FUNCTION, MODEL, MODEL_OUTPUT, OPTIMIZER, SCHEDULER, TEST, TRAIN, VALIDATION,
)
from tests.semantic_project import modules


def models(files):
    return modules(files)


def last_value(code, **others):
    """The value of the expression on the last line of `code` (module `train`)."""
    model = models({**others, "train": code})["train"]
    return model.value_of(model.tree.body[-1].value)


def kind_split(value):
    return (value.kind, value.split) if value is not None else None


@pytest.mark.parametrize(
    "code, kind",
    [
        ("import torch\nopt = torch.optim.AdamW(params)\nopt", OPTIMIZER),
        ("from torch.optim import lr_scheduler\ns = lr_scheduler.StepLR(o, 3)\ns", SCHEDULER),
        ("import torch.nn as nn\ncrit = nn.CrossEntropyLoss()\ncrit", LOSS_FUNCTION),
        ("import torch.nn as nn\ncrit = nn.CrossEntropyLoss()\nl = crit(out, y)\nl", LOSS),
        ("import torch.nn.functional as F\nl = F.cross_entropy(out, y).mean() * 2\nl", LOSS),
        ("import torch.nn as nn\nnet = nn.Sequential(nn.Linear(2, 2))\nnet = net.to('cuda')\nnet", MODEL),
        ("import torch.nn as nn\nnet = nn.Linear(2, 2)\nout = net(x)\nout", MODEL_OUTPUT),
        ("import torchvision\nm = torchvision.models.resnet50(weights=None)\nm", MODEL),
        ("import timm\nm = timm.create_model('vit_base_patch16_224')\nm", MODEL),
        ("from transformers import AutoModelForSequenceClassification as A\nm = A.from_pretrained('bert')\nm", MODEL),
        ("from transformers import AutoModel\nm = AutoModel.from_pretrained('bert')\nout = m(**batch)\nout.loss", LOSS),
        ("from sklearn.ensemble import RandomForestClassifier\nclf = RandomForestClassifier()\nclf", MODEL),
        ("from tensorflow import keras\nm = keras.Sequential([])\nm", MODEL),
        ("import torch\nfrom torch.nn.parallel import DistributedDataParallel as DDP\nm = DDP(torch.nn.Linear(1, 1))\nm.module", MODEL),
        ("import copy, torch\nema = copy.deepcopy(torch.nn.Linear(1, 1))\nema", MODEL),
        ("import torch\nx = torch.zeros(3)\nx", None),
    ],
)
def test_values_through_assignments_and_calls(code, kind):
    value = last_value(code)
    assert (value.kind if value else None) == kind
    if value is not None:
        assert value.by_name is False


def test_values_through_self_attributes():
    code = """
    import torch
    class Trainer:
        def __init__(self):
            self.net = torch.nn.Linear(2, 2)
            self.opt = torch.optim.SGD(self.net.parameters(), lr=0.1)
        def step(self):
            return self.opt
    Trainer().step
    """
    model = models({"train": code})["train"]
    step = model.tree.body[1].body[1]
    assert model.value_of(step.body[0].value).kind == OPTIMIZER


def test_values_through_parameters_and_return_values():
    code = """
    import torch
    def build():
        net = torch.nn.Linear(2, 2)
        return net
    def make_optimizer(network):
        return torch.optim.Adam(network.parameters())
    def evaluate(m, loader):
        return m
    model = build()
    optimizer = make_optimizer(model)
    evaluate(model, val_loader)
    optimizer
    """
    model = models({"train": code})["train"]
    assert model.value_of(model.tree.body[-1].value).kind == OPTIMIZER
    evaluate = model.tree.body[3]
    returned = evaluate.body[0].value
    value = model.value_of(returned)
    assert value.kind == MODEL and value.by_name is False  # from the call site, not the name


def test_parameter_with_no_caller_falls_back_to_its_name():
    code = """
    def train(model, criterion, loader):
        return model
    """
    model = models({"train": code})["train"]
    value = model.value_of(model.tree.body[0].body[0].value)
    assert value.kind == MODEL and value.by_name is True


def test_with_and_for_targets():
    code = """
    import torch
    from torch.utils.data import DataLoader
    from torchvision import datasets
    test_set = datasets.MNIST("data", train=False)
    loader = DataLoader(test_set, batch_size=64)
    for step, (images, labels) in enumerate(tqdm(loader)):
        pass
    images
    """
    assert kind_split(last_value(code)) == (BATCH, TEST)


@pytest.mark.parametrize(
    "code, expected",
    [
        ("from sklearn.model_selection import train_test_split\nX_tr, X_te, y_tr, y_te = train_test_split(X, y)\nX_te", (DATA, TEST)),
        ("from sklearn.model_selection import train_test_split\nX_tr, X_te, y_tr, y_te = train_test_split(X, y)\ny_tr", (DATA, TRAIN)),
        ("from torch.utils.data import random_split\na, b = random_split(ds, [0.8, 0.2])\nb", (DATA, VALIDATION)),
        ("from torch.utils.data import random_split\na, b, c = random_split(ds, [8, 1, 1])\nc", (DATA, TEST)),
        ("from tensorflow import keras\n(x1, y1), (x2, y2) = keras.datasets.mnist.load_data()\nx2", (DATA, TEST)),
        ("from datasets import load_dataset\nds = load_dataset('glue', 'mrpc')\nds['validation']", (DATA, VALIDATION)),
        ("from datasets import load_dataset\nds = load_dataset('imdb', split='test')\nds", (DATA, TEST)),
        ("from torchvision import datasets\nds = datasets.CIFAR10('d', train=True)\nds", (DATA, TRAIN)),
        ("import torch\nval_loader = make_loader()\nval_loader", (DATA, VALIDATION)),
        ("import torch\nX_test = load()\nX_test", (DATA, TEST)),
    ],
)
def test_data_splits(code, expected):
    assert kind_split(last_value(code)) == expected


def test_tuple_returned_by_a_project_function():
    code = """
    import torch
    from torch.utils.data import DataLoader
    from torchvision import datasets
    def loaders():
        train = DataLoader(datasets.MNIST("d", train=True))
        test = DataLoader(datasets.MNIST("d", train=False))
        return train, test
    a, b = loaders()
    b
    """
    assert kind_split(last_value(code)) == (DATA, TEST)


def test_model_class_and_function_from_another_file():
    files = {
        "models": """
            import torch.nn as nn
            class Net(nn.Module):
                pass
            class Wide(Net):
                pass
            def build(num_classes):
                return Wide()
            """,
        "train": """
            import torch
            from models import build, Wide
            model = build(10)
            plain = Wide()
            model
            """,
    }
    train = models(files)["train"]
    value = train.value_of(train.tree.body[-1].value)
    assert (value.kind, value.qualname, value.framework) == (MODEL, "models.Wide", "torch")
    assert train.project.model_framework("models.Wide") == "torch"


def test_relative_import_in_a_package():
    files = {
        "pkg.models": "import torch\nclass Net(torch.nn.Module):\n    pass\n",
        "pkg.train": "import torch\nfrom .models import Net\nm = Net()\nm\n",
    }
    train = models(files)["pkg.train"]
    assert train.value_of(train.tree.body[-1].value).kind == MODEL


def test_module_found_by_its_trailing_name():
    # the index knows `src.models`; a script run from src/ imports `models`
    files = {
        "src.models": "import torch\nclass Net(torch.nn.Module):\n    pass\n",
        "train": "import torch\nfrom models import Net\nNet()\n",
    }
    train = models(files)["train"]
    assert train.value_of(train.tree.body[-1].value).kind == MODEL


def test_recursive_functions_terminate():
    code = """
    def f(x):
        return g(x)
    def g(x):
        return f(x)
    f(1)
    """
    assert last_value(code) is None
