"""Which calls switch a model's mode, and to what.

`model.eval()`, `model.train(flag)`; project functions that switch a mode
(themselves or through what they call); and the calls that never do
(builtins, `torch.*`, tensor and logging methods, `model.apply(init)`), so
that handing a model to them leaves its mode as it was.
"""
from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Dict

from dllint.semantic import catalog
from dllint.semantic.imports import dotted_parts
from dllint.semantic.modes.part import ModePart
from dllint.semantic.modes.states import EITHER, EVAL, MAX_DEPTH, TRAIN, FunctionNode, Mode
from dllint.semantic.values import MODEL
from dllint.tree import body_walk

if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.modes import ModeModel

# Methods of tensors, strings, loggers and containers: a call of one switches no mode.
METHODS_OF_TENSORS_AND_OTHERS = frozenset(
    {"item", "tolist", "numpy", "size", "dim", "view", "reshape", "format", "join", "split", "strip",
     "items", "keys", "values", "get", "info", "debug", "warning", "error", "add_scalar", "add_scalars",
     "write", "flush", "close", "set_description", "set_postfix", "numel", "mean", "sum", "argmax",
     "max", "min", "to", "cuda", "cpu", "float", "long", "detach", "clone", "squeeze", "unsqueeze",
     "permute", "transpose", "zero_", "copy_", "add_", "mul_", "backward", "step", "zero_grad",
     "compute", "reset", "eq", "ne", "gt", "lt", "softmax", "sigmoid", "exp", "log", "startswith",
     "endswith", "replace", "lower", "upper", "encode", "decode", "append", "extend", "pop", "insert"}
)


def switch_of(call: ast.Call) -> Mode:
    """The mode `x.train(...)` / `x.eval()` puts a model into."""
    assert isinstance(call.func, ast.Attribute)
    if call.func.attr == "eval":
        return Mode(EVAL, call)
    flag = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "mode"), None)
    if flag is None:
        return Mode(TRAIN, call)
    if isinstance(flag, ast.Constant):
        return Mode(TRAIN if flag.value else EVAL, call)
    return Mode(EITHER, call)


class Switches(ModePart):
    """Which calls of one file may switch a model's mode."""

    def __init__(self, modes: "ModeModel"):
        super().__init__(modes)
        self._switches: Dict[ast.AST, bool] = {}

    def switches_modes(self, function: FunctionNode, _depth: int = 0) -> bool:
        """Whether `function` (or what it calls) switches any model's mode."""
        if function in self._switches:
            return self._switches[function]
        self._switches[function] = True  # while in progress: assume it does
        result = False
        for node in body_walk(function):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in (
                    "eval", "train", "freeze", "unfreeze"):
                result = True
                break
            if isinstance(node, ast.Call) and _depth < MAX_DEPTH:
                resolved = self.modes.calls.resolve_callee(node)
                if resolved is not None and resolved[0].modes.switches.switches_modes(resolved[1], _depth + 1):
                    result = True
                    break
        self._switches[function] = result
        return result

    def applies_neutral_function(self, expr: ast.expr) -> bool:
        """`init_weights` in `model.apply(init_weights)`: a project function
        that switches no mode."""
        semantic = self.semantic
        target = None
        qualname = semantic.qualified_name(expr) if dotted_parts(expr) else None
        if qualname:
            found = self.project.definition(qualname)
            if found is not None and isinstance(found[1], (ast.FunctionDef, ast.AsyncFunctionDef)):
                target = (self.project.model_for(found[0]), found[1])
        if target is None and isinstance(expr, ast.Name):
            _, binding = semantic.scopes.lookup(expr.id, semantic.scopes.scope_at(expr), expr.lineno)
            if binding is not None and binding.kind == "def":
                target = (semantic, binding.value)
        return target is not None and not target[0].modes.switches.switches_modes(target[1])

    def is_neutral_call(self, call: ast.Call) -> bool:
        """Calls that never switch a model's mode: builtins, torch.* and
        friends, tensor and logging methods."""
        qualname = self.semantic.qualified_name(call.func)
        if qualname is not None:
            if qualname in catalog.MODE_NEUTRAL_FUNCTIONS or qualname.startswith(catalog.MODE_NEUTRAL_PREFIXES):
                return True
            return False
        func = call.func
        if isinstance(func, ast.Name):
            scopes = self.semantic.scopes
            _, binding = scopes.lookup(func.id, scopes.scope_at(func), func.lineno)
            return binding is None and func.id in catalog.MODE_NEUTRAL_FUNCTIONS
        if isinstance(func, ast.Attribute):
            if dotted_parts(func.value) is None:
                return True  # a method of a computed value: `(a == b).sum()`
            if func.attr in METHODS_OF_TENSORS_AND_OTHERS:
                return True
            value = self.semantic.value_of(func.value)
            return value is not None and value.kind != MODEL
        return False

    def may_keep(self, call: ast.Call) -> bool:
        """Whether a call that receives a model may keep a reference to it
        (an object built around it, a container it is added to) and switch
        it later: `Trainer(model=model)`, `models.append(model)`."""
        parts = dotted_parts(call.func)
        if not parts:
            return True
        last = parts[-1]
        return last[:1].isupper() or last in ("append", "extend", "insert", "add", "register", "setdefault", "update", "__setitem__", "watch")
