"""Why a forward call is inference: what DL101 judges.

Under `torch.no_grad()`; in an evaluation function (`evaluate`, `validate`,
`test_epoch`, `predict` ...), over held-out data, or after loading a
checkpoint, in code that does not train. Not inference: a forward pass in
the loop that trains (a GAN's samples, a metric after the step, unless on
held-out data), tests (`test_*.py`), and shape checks on synthetic inputs
(`synthetic.py`). Also: training mode switched on on purpose right before a
forward pass (batch-norm recalibration, MC dropout).
"""
from __future__ import annotations

import ast
from typing import Optional, Set

from dllint.semantic import catalog
from dllint.semantic.modes.part import ModePart
from dllint.semantic.modes.states import TRAIN, ModeAt
from dllint.semantic.modes.synthetic import is_literal, is_synthetic
from dllint.semantic.values import TEST, VALIDATION
from dllint.tree import body_walk

# Function names that say "this evaluates": evaluate, validate, test_epoch, predict ...
_EVALUATION_WORDS = frozenset(
    {"evaluate", "evaluation", "eval", "validate", "validation", "val", "valid", "test", "testing",
     "predict", "prediction", "predictions", "infer", "inference"}
)
_TRAINING_WORDS = frozenset({"train", "training", "fit", "finetune", "update", "backward", "optimize"})


def _words(name: str) -> Set[str]:
    return {word for word in name.lower().strip("_").split("_") if word}


def is_evaluation_name(name: str) -> bool:
    """`evaluate`, `validate`, `test_epoch`, `run_inference`, `predict` ...
    but not `train_and_evaluate` or a pytest function (`test_model_forward`)."""
    words = _words(name)
    if not words & _EVALUATION_WORDS or words & _TRAINING_WORDS:
        return False
    if name.startswith("test_") and len(words) > 2:
        return False
    return True


class Inference(ModePart):
    """Which forward calls of one file are inference, and why."""

    def inference_reason(self, call: ast.Call, target: ast.expr) -> Optional[str]:
        """Why the forward call `call` of `target` is inference, or None.

        Under no_grad; in an evaluation function, over held-out data, or after
        loading a checkpoint, in code that does not train. A no_grad forward
        pass inside the loop that trains (a GAN's samples, an RL rollout, a
        metric after the step) is monitoring, not inference, unless it runs on
        held-out data."""
        if self.modes.is_test_module() or self._on_synthetic_input(call):
            return None
        function = self.modes.body_of(call)
        loops = list(self.modes.training.enclosing_loops(call, function))
        region = loops[0] if loops else function
        region_trains = self.modes.training.trains(region)[0]
        held_out = None
        for loop in loops:
            if self._split_of_iteration(loop) in (VALIDATION, TEST) and not self.modes.training.trains(loop)[0]:
                held_out = "in a loop over held-out data"
                break
        if held_out is None:
            for argument in list(call.args) + [k.value for k in call.keywords]:
                value = self.semantic.value_of(argument.value if isinstance(argument, ast.Starred) else argument)
                if value is not None and value.kind in ("data", "batch") and value.split in (VALIDATION, TEST):
                    held_out = "on held-out data"
                    break
        no_grad = self.modes.training.no_grad_context(call)
        if no_grad is not None:
            return no_grad if not region_trains or held_out else None
        if region_trains:
            return None
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) and is_evaluation_name(function.name):
            # a model it is given (not a smoke test that builds one and feeds it noise)
            key = self.modes.keys.key_of(target)
            if key is not None and key[0] is not function or loops:
                return f"in `{function.name}()`"
        if held_out is not None:
            return held_out
        key = self.modes.keys.key_of(target)
        if key is not None and not self.modes.training.trains(function)[0] and self.modes.weights.loaded_before(function, call, key):
            return "after loading a checkpoint"
        return None

    def _on_synthetic_input(self, call: ast.Call) -> bool:
        """`model(torch.randn(1, 3, 224, 224))`: a shape check or a warm-up.

        Every argument is synthetic (see `is_synthetic`): noise, constants,
        and, for a model not loaded from a checkpoint, tensors written out in
        the code and what such a model computes from them."""
        arguments = list(call.args) + [k.value for k in call.keywords]
        if not arguments:
            return False
        if isinstance(call.func, ast.Attribute) and call.func.attr not in ("forward", "__call__") \
                and all(is_literal(argument) for argument in arguments):
            return False  # vae.sample(64), model.generate(ids, 20): sizes, not inputs
        key = self.modes.keys.key_of(call.func)
        function = self.modes.body_of(call)
        fresh = key is None or not self.modes.weights.loaded_before(function, call, key)
        return all(is_synthetic(self.semantic, argument, literals=fresh) for argument in arguments)

    def switched_on_purpose(self, node: ast.AST, state: ModeAt) -> bool:
        """Whether the training mode at `node` comes only from explicit
        `.train()` calls earlier in the same function with no training step in
        between: batch-norm recalibration or MC dropout, not a forgotten eval()."""
        function = self.modes.body_of(node)
        line = getattr(node, "lineno", 0)
        starts = []
        for mode in state.modes:
            if mode.kind != TRAIN:
                continue
            call = mode.node
            if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "train"):
                return False
            if self.modes.body_of(call) is not function or call.lineno > line:
                return False
            starts.append(call.lineno)
        if not starts:
            return False
        first = min(starts)
        for other in body_walk(function):
            if isinstance(other, ast.Call) and first < other.lineno < line and self.modes.training.trains(other)[0]:
                return False
        return True

    def _split_of_iteration(self, loop: ast.AST) -> Optional[str]:
        if not isinstance(loop, (ast.For, ast.AsyncFor)):
            return None
        iterable = loop.iter
        for _ in range(4):
            if isinstance(iterable, ast.Call) and iterable.args:
                name = self.semantic.qualified_name(iterable.func) or (
                    iterable.func.id if isinstance(iterable.func, ast.Name) else None)
                if name in catalog.ITERATION_WRAPPERS or name in ("tqdm", "enumerate", "iter"):
                    iterable = iterable.args[0]
                    continue
            break
        value = self.semantic.value_of(iterable)
        if value is None or value.kind not in ("data", "batch"):
            return None
        return value.split
