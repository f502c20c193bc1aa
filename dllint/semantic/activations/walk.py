"""One question's walk: the value an expression evaluates to, followed back
to the activation last applied to it.

`Walk.value` is the entry of every step (depth, budget, memo, cycle guard)
and dispatches on the node; each kind of node is one part's question:
`names.py` (names, reaching definitions, parameters, attributes,
subscripts), `calls.py` (calls of functions, methods, layers and models),
`layers.py` (what calling a layer or a library model returns), and
`conditions.py` (which way a test goes on the training path).
"""
from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Optional

from dllint.semantic.activations.calls import CallWalk
from dllint.semantic.activations.conditions import Conditions
from dllint.semantic.activations.layers import LayerWalk
from dllint.semantic.activations.names import NameWalk
from dllint.semantic.activations.records import BUDGET, MAX_DEPTH, Activation, Frame, Path, Question, merge, unknown
from dllint.semantic.arguments import constant_string

if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.module import ModuleModel


class Walk:
    """The evaluation itself. Every method takes the file (`model`) the node
    belongs to and the frame of the function being evaluated (None: no call
    is known, parameters come from the call sites in the file)."""

    def __init__(self, question: Question):
        self.q = question
        self.names = NameWalk(self)
        self.calls = CallWalk(self)
        self.layers = LayerWalk(self)
        self.conditions = Conditions(self)

    def value(self, node: ast.AST, model: "ModuleModel", frame: Optional[Frame], path: Path, depth: int) -> Activation:
        if node is None or depth > MAX_DEPTH:
            return unknown("too deep")
        self.q.steps += 1
        if self.q.steps > BUDGET:
            return unknown("too costly")
        key = (id(node), frame.key if frame else (), path)
        if key in self.q.memo:
            return self.q.memo[key]
        if key in self.q.active:
            return unknown("recursive")
        self.q.active.add(key)
        try:
            result = self._evaluate(node, model, frame, path, depth + 1)
        finally:
            self.q.active.discard(key)
        self.q.memo[key] = result
        return result

    def _evaluate(self, node: ast.AST, model: "ModuleModel", frame: Optional[Frame], path: Path, depth: int) -> Activation:
        if isinstance(node, ast.Name):
            return self.names.name(node, model, frame, path, depth)
        if isinstance(node, ast.Call):
            return self.calls.call(node, model, frame, path, depth)
        if isinstance(node, ast.Attribute):
            return self.names.attribute(node, model, frame, path, depth)
        if isinstance(node, ast.Subscript):
            return self.names.subscript(node, model, frame, path, depth)
        if isinstance(node, (ast.Tuple, ast.List)):
            if path and isinstance(path[0], int) and not any(isinstance(e, ast.Starred) for e in node.elts):
                if -len(node.elts) <= path[0] < len(node.elts):
                    return self.value(node.elts[path[0]], model, frame, path[1:], depth)
            return unknown("a tuple")
        if isinstance(node, ast.Dict):
            if path and isinstance(path[0], str):
                for key, item in zip(node.keys, node.values):
                    if constant_string(key) == path[0]:
                        return self.value(item, model, frame, path[1:], depth)
            return unknown("a dict")
        if isinstance(node, ast.IfExp):
            truth = self.conditions.truth(node.test, frame, model, depth)
            if truth is True:
                return self.value(node.body, model, frame, path, depth)
            if truth is False:
                return self.value(node.orelse, model, frame, path, depth)
            return merge([self.value(node.body, model, frame, path, depth), self.value(node.orelse, model, frame, path, depth)])
        if isinstance(node, ast.BinOp):
            return self.names.binary(node, model, frame, path, depth)
        if isinstance(node, ast.NamedExpr):
            return self.value(node.value, model, frame, path, depth)
        if isinstance(node, ast.Await):
            return self.value(node.value, model, frame, path, depth)
        return unknown()

    @staticmethod
    def leaf(activation: Activation, path: Path) -> Activation:
        """An activation reached with a selector left over: indexing rows of a
        tensor keeps it; a dict key or attribute of a tensor does not."""
        if all(isinstance(step, int) for step in path):
            return activation
        return unknown("a field of a tensor")
