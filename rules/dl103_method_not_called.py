import ast

from dllint import changes
from dllint.diagnostics import Fix
from dllint.lazy_pattern import LazyPattern
from dllint.rule import Invalid, Rule, Valid
from dllint.semantic.values import LOSS, MODEL, OPTIMIZER, SCHEDULER

# method -> the kinds of receiver on which leaving it uncalled is a bug
_METHODS = {
    "eval": (MODEL,),
    "train": (MODEL,),
    "zero_grad": (MODEL, OPTIMIZER),
    "step": (OPTIMIZER, SCHEDULER),
    "backward": (LOSS,),
}

_WHAT = {MODEL: "model", OPTIMIZER: "optimizer", SCHEDULER: "scheduler", LOSS: "loss tensor"}


class MethodNotCalled(Rule):
    """
    ## What it does
    Finds `model.eval`, `model.train`, `optimizer.zero_grad`, `optimizer.step`,
    `loss.backward` and `scheduler.step` written as a statement without the
    parentheses that would call them.

    ## Why is this bad?
    A bare attribute is a statement that does nothing: Python looks the method
    up and throws it away. The program still runs, but no gradients are
    computed, the weights never change, or the model never leaves training
    mode, and nothing crashes to tell you.

    ## Known limits
    The receiver must be known as a model, optimizer, scheduler or loss tensor
    to the semantic model (from how it was built, or at least from its name:
    `model`, `optimizer`, `scheduler`, `loss`, ...). An attribute named `step`
    or `eval` on anything else (`env.step`) is not reported.

    ## Fix safety
    The fix adds the parentheses. It is safe: the statement does nothing as
    written, and the call is what its author meant (the program's behaviour
    changes, which is the point of the fix).
    """

    code = "DL103"
    name = "method-not-called"
    message = "`{expression}` is not called, so this statement does nothing; write `{expression}()` to {purpose}"
    triggers = LazyPattern(r"\.(eval|train|zero_grad|step|backward)\b(?![ \t]*\()")

    _PURPOSE = {
        "eval": "put the model in evaluation mode",
        "train": "put the model back in training mode",
        "zero_grad": "clear the gradients",
        "step": "apply the update",
        "backward": "compute the gradients",
    }

    def visit_Expr(self, node: ast.Expr) -> None:
        attribute = node.value
        if not isinstance(attribute, ast.Attribute) or attribute.attr not in _METHODS:
            return
        receiver = self.semantic.value_of(attribute.value)
        if receiver is None or receiver.kind not in _METHODS[attribute.attr]:
            return
        if attribute.attr == "step" and receiver.kind == SCHEDULER:
            purpose = "advance the learning-rate schedule"
        else:
            purpose = self._PURPOSE[attribute.attr]
        expression = self.source.segment(attribute)
        change = changes.call(self.source, attribute)
        fix = Fix(message=f"Call `{expression}()`", changes=(change,), safe=True) if change is not None else None
        self.report(attribute, expression=expression, purpose=purpose, fix=fix)

    VALID = [
        Valid(
            """
            import torch
            from torch import nn

            model = nn.Linear(4, 2)
            criterion = nn.CrossEntropyLoss()
            optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()
            """,
            title="every method is called",
        ),
        Valid(
            """
            import gym

            env = gym.make("CartPole-v1")
            env.step
            """,
            title="an attribute named `step` on something that is not an optimizer",
        ),
        Valid(
            """
            import torch

            def closure():
                optimizer.zero_grad()
                loss = loss_fn(model(x), y)
                loss.backward()
                return loss

            optimizer = torch.optim.LBFGS(model.parameters())
            optimizer.step(closure)
            """,
            title="L-BFGS closure passed to step",
        ),
        Valid(
            """
            import torch

            class Runner:
                def __init__(self, model):
                    self.model = model
                    self.fit = model.train
            """,
            title="a bound method stored for later is not a statement",
        ),
    ]

    INVALID = [
        Invalid(
            """
            import torch
            from torch import nn

            model = nn.Linear(4, 2)
            criterion = nn.CrossEntropyLoss()
            optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
            loss = criterion(model(x), y)
            loss.backward
            optimizer.step()
            """,
            "8:1",
            fix="""
            import torch
            from torch import nn

            model = nn.Linear(4, 2)
            criterion = nn.CrossEntropyLoss()
            optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()
            """,
            title="a loss built from a criterion",
        ),
        Invalid(
            """
            import torch.optim as optim

            opt = optim.Adam(net.parameters())
            for i, (x, y) in enumerate(loader):
                if (i + 1) % 4 == 0:
                    opt.step
                    opt.zero_grad()
            """,
            "6:9",
            title="an aliased optimizer inside gradient accumulation",
        ),
        Invalid(
            """
            from torchvision.models import resnet18

            def evaluate(network, loader):
                network.eval
                for x, _ in loader:
                    network(x)

            evaluate(resnet18(), val_loader)
            """,
            "4:5",
            title="a model passed to a helper",
        ),
        Invalid(
            """
            import torch

            class Trainer:
                def __init__(self, model):
                    self.model = model
                    self.scheduler = torch.optim.lr_scheduler.StepLR(self.optimizer, 10)

                def end_epoch(self):
                    self.scheduler.step
            """,
            "9:9",
            title="a scheduler held on `self`",
        ),
        Invalid(
            """
            import torch

            def train(model, loader):
                model.train
                for x, y in loader:
                    pass
            """,
            "4:5",
            title="a parameter named like a model",
        ),
        Invalid(
            files={
                "nets.py": """
                    from torch import nn

                    class Net(nn.Module):
                        def __init__(self):
                            super().__init__()
                            self.fc = nn.Linear(8, 2)
                    """,
                "predict.py": """
                    import torch
                    from nets import Net

                    classifier = Net()
                    classifier.eval
                    """,
            },
            expect=("predict.py:5:1",),
            title="a model class from another file of the project",
        ),
    ]
