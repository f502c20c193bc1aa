"""Activation provenance: which activation, if any, was last applied to a value.

    semantic.activations.of(expr)                -> Activation(kind=SOFTMAX, node=<the F.softmax call>, ...)
    semantic.activations.model_output(model)     -> what calling the model held by `model` returns
    semantic.activations.return_paths(function)  -> each return of a function and the tests that lead to it
    semantic.activations.conditional_activations(function)
                                                 -> activations it returns only in eval mode / behind a flag

Kinds: SOFTMAX, LOG_SOFTMAX, SIGMOID, LOGITS (no activation: what a linear or
convolution layer returns) and UNKNOWN (anything else, or dllint cannot tell).

The answer follows the value back through variables and tuple unpacking,
reshaping and casting (`.view`, `.squeeze`, `[:, -1]`, `.to`), helper
functions (their parameters bound to the call's arguments), the `forward()` /
`call()` of a project model class (in this file or another one), the last
layer of `nn.Sequential` / `keras.Sequential` (also built with `.add`), the
functional Keras graph (`outputs = layers.Dense(10, activation="softmax")(x)`
then `keras.Model(inputs, outputs)`), `keras.applications` models, and
torchvision / timm classifiers (logits, unless their head was replaced).

A name's value is found by reading the statements before its use backwards
(reaching definitions): an `if` whose taken branch, or both of whose
branches, bind the name settles it; a binding inside a loop or one branch
only adds a possibility. Layers added with `.add()`, heads replaced with
`model.fc = ...` and containers changed later count only until the name is
bound again (notebooks rebuild `model` many times).

It answers for the path a loss takes: `self.training` is true, a Keras
`training` argument is true when the framework calls the model (fit), and a
flag takes the value the call passes, or its default (for `self.flag`, the
constructor call's). A return, or an assignment, reached only in evaluation
mode or behind a flag the call does not set is left out; `return_paths()`
and `conditional_activations()` keep them, with their condition, for anyone
who asks about them. Where the paths that remain disagree, or any of them is
not understood (a layer built with `**kwargs`, a list built in a loop), the
answer is UNKNOWN: rules report only what is certain.

`Activations` (here) is the front door, one per file; each question a walk
asks lives in its own module:

    records.py     Activation, ReturnPath, Frame, Question, shared readers
    walk.py        one question's walk: the entry and the dispatch on nodes
    names.py       names (reaching definitions), parameters, attributes, subscripts
    calls.py       calls of functions, methods, layers and models
    layers.py      what calling a layer, a container or a library model returns
    containers.py  containers and heads changed after they are built
    conditions.py  which way a test goes on the training path
"""
from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Dict, List, Sequence, Tuple

from dllint.semantic.activations.calls import file_holding
from dllint.semantic.activations.conditions import parameter_default
from dllint.semantic.activations.records import (
    LOG_SOFTMAX, LOGITS, SIGMOID, SOFTMAX, UNKNOWN, Activation, Frame, FunctionNode, Path, Question, ReturnPath,
    merge, truthiness, unknown,
)
from dllint.semantic.activations.walk import Walk

if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.module import ModuleModel

__all__ = [
    "LOG_SOFTMAX", "LOGITS", "SIGMOID", "SOFTMAX", "UNKNOWN", "Activation", "Activations", "FunctionNode", "Path",
    "ReturnPath", "file_holding", "merge", "unknown",
]


class Activations:
    """Activation facts of one file. Built lazily by `ModuleModel.activations`."""

    def __init__(self, model: "ModuleModel"):
        self.model = model
        self._cache: Dict[Tuple[int, Path], Activation] = {}
        self._return_paths: Dict[int, List[ReturnPath]] = {}

    # -- public questions ------------------------------------------------
    def of(self, node: ast.AST, path: Path = ()) -> Activation:
        """The activation last applied to what `node` evaluates to."""
        key = (id(node), path)
        if key not in self._cache:
            self._cache[key] = Walk(Question()).value(node, self.model, None, path, 0)
        return self._cache[key]

    def model_output(self, model_expression: ast.AST, *, called_by_framework: bool = True) -> Activation:
        """What the model that `model_expression` holds returns when it is
        called for training (by `fit()` when `called_by_framework`)."""
        key = (id(model_expression), ("<output>", called_by_framework))
        if key not in self._cache:
            walk = Walk(Question())
            self._cache[key] = walk.calls.model_object_output(model_expression, self.model, None, None, None, 0, framework_call=called_by_framework)
        return self._cache[key]

    def return_paths(self, function: FunctionNode) -> List[ReturnPath]:
        """Every `return <value>` of `function`, with the tests that lead to it."""
        if id(function) not in self._return_paths:
            found: List[ReturnPath] = []
            _collect_returns(function.body, (), found)
            self._return_paths[id(function)] = found
        return self._return_paths[id(function)]

    def conditional_activations(self, function: FunctionNode) -> List[Tuple[Activation, str]]:
        """Activations `function` returns only off the training path, with
        the condition: (activation, "only in evaluation mode" / "only when
        `return_probs` is true"). A flag counts as off when its default is."""
        walk, frame = Walk(Question()), Frame(function, self.model)
        result = []
        for path in self.return_paths(function):
            for test, wanted in path.guards:
                truth = walk.conditions.truth(test, frame, self.model, 0) if test is not None else None
                if truth is None and test is not None and isinstance(test, ast.Name):
                    truth = truthiness(parameter_default(test, function, self.model))
                if truth is not None and truth != wanted:
                    activation = walk.value(path.value, self.model, frame, (), 0)
                    if activation.known:
                        result.append((activation, _condition_text(test, wanted, self.model)))
                    break
        return result


def _condition_text(test: ast.expr, wanted: bool, model: "ModuleModel") -> str:
    text = model.source.segment(test)
    if "training" in text:
        return "only in evaluation mode" if ("not" in text) == wanted else "only in training mode"
    return f"only when `{text}` is {'true' if wanted else 'false'}"


def _collect_returns(statements: Sequence[ast.stmt], guards: tuple, found: List[ReturnPath]) -> bool:
    """Add the returns in `statements`; True when the block always leaves."""
    for statement in statements:
        if isinstance(statement, ast.Return):
            if statement.value is not None:
                found.append(ReturnPath(statement.value, guards))
            return True
        if isinstance(statement, ast.Raise):
            return True
        if isinstance(statement, ast.If):
            body_leaves = _collect_returns(statement.body, guards + ((statement.test, True),), found)
            else_leaves = _collect_returns(statement.orelse, guards + ((statement.test, False),), found)
            if body_leaves and else_leaves:
                return True
            if body_leaves:
                guards = guards + ((statement.test, False),)
            elif else_leaves:
                guards = guards + ((statement.test, True),)
        elif isinstance(statement, (ast.For, ast.AsyncFor, ast.While)):
            _collect_returns(statement.body, guards + ((None, None),), found)
            _collect_returns(statement.orelse, guards, found)
        elif isinstance(statement, (ast.With, ast.AsyncWith)):
            if _collect_returns(statement.body, guards, found):
                return True
        elif isinstance(statement, ast.Try) or type(statement).__name__ == "TryStar":
            body_leaves = _collect_returns(statement.body, guards, found)
            for handler in statement.handlers:
                _collect_returns(handler.body, guards + ((None, None),), found)
            _collect_returns(statement.orelse, guards, found)
            if _collect_returns(statement.finalbody, guards, found):
                return True
            if body_leaves and not statement.handlers:
                return True
        elif type(statement).__name__ == "Match":
            for case in statement.cases:  # type: ignore[attr-defined]
                _collect_returns(case.body, guards + ((None, None),), found)
    return False
