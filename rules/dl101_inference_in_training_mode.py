import ast
import re
from typing import Set, Tuple

from dllint.rule import Invalid, Rule, Valid


class InferenceInTrainingMode(Rule):
    """
    ## What it does
    Finds a model with dropout or batch norm that is used for inference while
    it is still in training mode: no `.eval()` (or `.train(False)`) reaches the
    use since the model was created or last put into training mode.

    Inference is a forward call (`model(x)`, `model.forward(x)`) under
    `torch.no_grad()` / `torch.inference_mode()` (or in a function decorated
    with them); in a function that evaluates (named like `evaluate`,
    `validate`, `test`, `predict`, `infer`) or over validation or test data,
    in code that does not train; after loading a checkpoint in code that only
    predicts; and exporting with `torch.onnx.export`, `torch.jit.trace`,
    `torch.export.export`, or `torch.jit.script` whose result is saved.

    The mode is followed through helper functions and methods (in other files
    of the project too), wrappers (`model.module`, DDP, `.to(device)`),
    context managers, loops and the callers of the function that does the
    inference. Lightning hooks (`validation_step`, ...) and Hugging Face
    models from `from_pretrained` (which returns them in eval mode) are
    understood.

    ## Why is this bad?
    In training mode dropout zeroes random activations and batch norm
    normalises with the statistics of the current batch (and updates its
    running averages with them). Validation scores come out noisy and too
    low, predictions change from run to run and with the batch composition,
    and an exported graph keeps the training behaviour for ever. Nothing
    crashes; the numbers are just wrong. `torch.no_grad()` does not help: it
    turns off gradients, not dropout.

    ## Known limits
    - A model whose layers dllint cannot see (a `torchvision` or `timm`
      factory, a Hugging Face model, a class defined out of reach) is assumed
      to have dropout or batch norm; a model built only from known layers
      without them (Linear, Conv, ReLU, LayerNorm ...) is never reported.
    - Whenever the model may have been switched by something dllint cannot
      follow (a library function or object it was handed to, a pickled model
      from `torch.load`, a callback, `.train(flag)`), nothing is reported.
    - A function that uses a model it receives is only judged through its
      callers in the linted files; with no caller it is not reported.
    - Tests (`test_*.py`) are not treated as evaluation functions.
    """

    code = "DL101"
    name = "inference-in-training-mode"
    message = (
        "`{model}` is used for inference {reason} but is still in training mode, so dropout and batch norm "
        "behave as in training; call `{model}.eval()` before this"
    )
    triggers = re.compile(r"no_grad|inference_mode|set_grad_enabled|onnx|jit|export|eval|valid|test|predict|infer|load_state_dict")

    def finish(self) -> None:
        modes = self.semantic.modes
        seen: Set[Tuple[int, object]] = set()
        uses = []
        for call, target in modes.forward_calls():
            reason = modes.inference_reason(call, target)
            if reason is not None:
                uses.append((call, target, reason))
        for call, target, qualname in modes.exports():
            uses.append((call, target, f"when exported with `{qualname}`"))
        uses.sort(key=lambda use: (use[0].lineno, use[0].col_offset))
        for call, target, reason in uses:
            key = modes.key_of(target)
            if key is None:
                continue
            function = modes.body_of(call)
            if (id(function), key) in seen:
                continue
            state = modes.mode_before(call, target)
            if state is None or not state.surely_training:
                continue
            if not modes.is_mode_dependent(target):
                continue
            seen.add((id(function), key))
            self.report(call, model=self.source.segment(target), reason=reason)

    VALID = [
        Valid(
            """
            import torch

            def validate(model, loader):
                model.eval()
                with torch.no_grad():
                    for x, y in loader:
                        print((model(x).argmax(1) == y).float().mean())
            """,
            title="eval() before the no_grad loop",
        ),
    ]

    INVALID = [
        Invalid(
            """
            import torch
            from torch import nn

            model = nn.Sequential(nn.Linear(8, 8), nn.Dropout(0.5), nn.Linear(8, 2))
            with torch.no_grad():
                y = model(x)
            """,
            "6:9",
            title="dropout model under no_grad",
        ),
    ]
