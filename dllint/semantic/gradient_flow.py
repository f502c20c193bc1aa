"""Gradient flow: does a value computed here ever reach a backward pass?

    no_gradient_reason(semantic, node) -> "under `torch.inference_mode()`" (the context
                                          or decorator the code uses) / "in `validate()`" /
                                          "in a loop over held-out data" / None

A loss computed under `torch.no_grad()`, in an evaluation function that
trains nothing (`validate`, `test_step`, a Lightning `validation_step`), or
in a loop over validation or test data that runs no `backward()` is only
reported, never differentiated. Rules use this to say what a mistake there
costs: a wrong number in the log, not a wrong gradient.

None means gradients may flow (the default for anything dllint cannot
tell), so a rule's training wording stays.
"""
from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Optional

from dllint.semantic import catalog
from dllint.semantic.values import TEST, VALIDATION
from dllint.tree import walk

if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.module import ModuleModel

_LOOP_WRAPPERS = ("enumerate", "tqdm", "iter", "zip")


def no_gradient_reason(semantic: "ModuleModel", node: ast.AST) -> Optional[str]:
    """Why nothing computed at `node` is differentiated, or None."""
    from dllint.semantic.modes import is_evaluation_name

    modes = semantic.modes
    no_grad = modes.training.no_grad_context(node)
    if no_grad is not None:
        return no_grad
    function = semantic.enclosing_function(node)
    region = function if function is not None else None
    current = semantic.parent(node)
    while current is not None and current is not function:
        if isinstance(current, (ast.For, ast.AsyncFor)) and _held_out(semantic, current.iter) and not modes.trains(current)[0]:
            return "in a loop over held-out data"
        current = semantic.parent(current)
    if region is not None and is_evaluation_name(region.name) and not modes.trains(region)[0] \
            and not _records_gradients(semantic, region):
        return f"in `{region.name}()`"
    return None


def _held_out(semantic: "ModuleModel", iterable: ast.AST) -> bool:
    for _ in range(4):
        if isinstance(iterable, ast.Call) and iterable.args:
            name = semantic.qualified_name(iterable.func) or (iterable.func.id if isinstance(iterable.func, ast.Name) else None)
            if name in catalog.ITERATION_WRAPPERS or name in _LOOP_WRAPPERS:
                iterable = iterable.args[0]
                continue
        break
    value = semantic.value_of(iterable)
    return value is not None and value.kind in ("data", "batch") and value.split in (VALIDATION, TEST)


def _records_gradients(semantic: "ModuleModel", function: ast.AST) -> bool:
    """A `tf.GradientTape`, `torch.autograd.grad` or `.backward()` in the
    function: gradients are taken there after all (a gradient-based
    attack or saliency map in an `evaluate()`)."""
    for node in walk(function):
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute) and node.func.attr in ("backward", "gradient"):
                return True
            if semantic.qualified_name(node.func) in ("torch.autograd.grad", "tensorflow.GradientTape"):
                return True
    return False
