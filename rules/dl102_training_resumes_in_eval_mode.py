import ast
import re

from dllint.rule import Invalid, Rule, Valid


class TrainingResumesInEvalMode(Rule):
    """
    ## What it does
    Finds a training loop that puts the model into eval mode (`model.eval()`,
    `model.train(False)`, or a call such as `validate(model, ...)` that does
    it) while no `model.train()` reaches the next training step: the forward
    pass of the following iteration runs in eval mode.

    A training loop is a loop whose body runs `loss.backward()` and an
    optimizer step, directly or through the functions it calls. A
    `model.train()` at the top of each epoch, inside the training function
    the loop calls, or at the end of the validation function all count.

    ## Why is this bad?
    After the first validation every later epoch trains with dropout switched
    off and batch norm frozen: it normalises with running statistics and
    never updates them. Training still converges, just to a worse, more
    over-fitted model, and nothing points at the cause.

    ## Known limits
    - Only the model whose forward pass the loop trains is checked: a frozen
      teacher or an EMA copy put into eval mode inside the loop is fine.
    - A model built only from layers that behave the same in both modes
      (no dropout, no batch norm) is not reported.
    - `model.train(flag)` with a value dllint cannot decide counts as
      restoring the mode.
    - Lightning and Hugging Face `Trainer` loops switch modes themselves and
      are not analysed.
    """

    code = "DL102"
    name = "training-resumes-in-eval-mode"
    message = (
        "{what} inside the training loop and nothing puts `{model}` back into training mode before the next "
        "training step, so training continues with dropout off and batch norm frozen; call `{model}.train()` "
        "at the start of each epoch"
    )
    triggers = re.compile(r"backward|step|train|fit")

    def finish(self) -> None:
        modes = self.semantic.modes
        for node, key, _loop in modes.unrestored_evals():
            model = ".".join(key[1]) if key[1] else "self"
            if isinstance(key[0], ast.ClassDef):
                model = "self." + model if key[1] else "self"
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("eval", "train"):
                what = f"`{self.source.segment(node)}` switches to eval mode"
            else:
                what = f"`{self.source.segment(node.func) if isinstance(node, ast.Call) else 'this'}(...)` puts `{model}` into eval mode"
            self.report(node, what=what, model=model)

    VALID = [
        Valid(
            """
            for epoch in range(10):
                model.train()
                for x, y in train_loader:
                    optimizer.zero_grad()
                    criterion(model(x), y).backward()
                    optimizer.step()
                model.eval()
            """,
            title="train() at the top of each epoch",
        ),
    ]

    INVALID = [
        Invalid(
            """
            import torch
            from torch import nn

            model = nn.Sequential(nn.Linear(8, 8), nn.Dropout(0.5), nn.Linear(8, 2))
            model.train()
            for epoch in range(10):
                for x, y in train_loader:
                    optimizer.zero_grad()
                    criterion(model(x), y).backward()
                    optimizer.step()
                model.eval()
            """,
            "11:5",
            title="eval() at the end of the epoch",
        ),
    ]
