"""Where a model lives: the key of a model expression, through aliases.

`model`, `model.module`, `DDP(model)`, `model.to(device)` and a name every
assignment of which wraps `model` are one model with one key: the scope that
owns the name (a function, the module, or the class for `self.<path>`) and
the attribute path from it.
"""
from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Dict, List, Optional, Set, Tuple

from dllint.semantic import catalog
from dllint.semantic.arguments import positional_or_keyword
from dllint.semantic.imports import dotted_parts
from dllint.semantic.modes.states import Key, key_relation
from dllint.semantic.values import MODEL

if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.module import ModuleModel

_MAX_ALIASES = 32  # how many `a = b` links key_of follows


class ModelKeys:
    """The keys of the model expressions of one file."""

    def __init__(self, semantic: "ModuleModel"):
        self.semantic = semantic
        self._keys: Dict[int, Optional[Key]] = {}

    def key_of(self, expr: ast.AST, _seen: Optional[Set[int]] = None) -> Optional[Key]:
        """Where the model `expr` refers to lives, or None (a call, a subscript ...).

        `model.module` and `model._orig_mod` are `model`; a name whose every
        assignment wraps another model (`net = DDP(model)`, `net = model.to(d)`)
        is that model."""
        cached = self._keys.get(id(expr), False)
        if cached is not False:
            return cached  # type: ignore[return-value]
        key = self._key_of(expr, _seen or set())
        self._keys[id(expr)] = key
        return key

    def _key_of(self, expr: ast.AST, seen: Set[int]) -> Optional[Key]:
        parts = dotted_parts(expr)
        if parts is None:
            return None
        while len(parts) > 1 and parts[-1] in ("module", "_orig_mod"):
            parts.pop()
        root = expr
        while isinstance(root, ast.Attribute):
            root = root.value
        assert isinstance(root, ast.Name)
        semantic = self.semantic
        class_node = semantic._class_of_self(root, root)
        if class_node is not None:
            return class_node, tuple(parts[1:])
        scopes = semantic.scopes
        scope, binding = scopes.lookup(root.id, scopes.scope_at(root), getattr(root, "lineno", None))
        if binding is not None and binding.kind in ("import", "def", "class"):
            return None
        owner = scope.node if scope is not None else semantic.tree
        token = hash((id(scope), root.id))
        # (a bounded number of aliases: `m1 = m0.to(d)`, `m2 = m1.to(d)`, ...
        # thousands deep in a generated file must not exhaust the stack)
        if scope is not None and token not in seen and len(seen) < _MAX_ALIASES:
            alias = self._alias_of(scope, root.id, seen | {token})
            if alias is not None:
                return alias[0], alias[1] + tuple(parts[1:])
        return owner, tuple(parts)

    def _alias_of(self, scope, name: str, seen: Set[int]) -> Optional[Key]:
        """The one other model every binding of `name` in `scope` wraps."""
        bindings = scope.bindings.get(name, [])
        found: Optional[Key] = None
        for binding in bindings:
            if binding.kind != "assign" or binding.path:
                return None
            base = self.alias_base(binding.value)
            if base is None:
                return None
            inner = self._key_of(base, seen)
            if inner is None:
                return None
            if inner[0] is scope.node and inner[1][:1] == (name,):
                return None  # `model = model.to(device)`: its own key
            if found is not None and found != inner:
                return None
            found = inner
        return found

    def alias_base(self, expr: Optional[ast.AST]) -> Optional[ast.AST]:
        """The model expression `expr` is the same module as: `model` for
        `model.to(device)`, `DDP(model)`, `model.module`, `model.eval()`."""
        for _ in range(12):
            if expr is None:
                return None
            if isinstance(expr, (ast.Name, ast.Attribute)):
                return expr if dotted_parts(expr) is not None else None
            if isinstance(expr, ast.IfExp):
                # `model.module if distributed else model`
                body, orelse = self.alias_base(expr.body), self.alias_base(expr.orelse)
                if body is not None and orelse is not None and _strip_wrappers(body) == _strip_wrappers(orelse):
                    return body
                return None
            if not isinstance(expr, ast.Call):
                return None
            func = expr.func
            if isinstance(func, ast.Attribute) and func.attr in catalog.MODEL_SELF_RETURNING_METHODS:
                expr = func.value
                continue
            qualname = self.semantic.qualified_name(func)
            if qualname in catalog.MODEL_ALIASING_CALLS:
                expr = positional_or_keyword(expr, 0, "module")
                continue
            if isinstance(func, ast.Attribute) and func.attr == "prepare" and len(expr.args) == 1 and not expr.keywords:
                expr = expr.args[0]  # accelerator.prepare(model)
                continue
            return None
        return None

    def forward_key(self, call: ast.Call) -> Optional[Key]:
        """The model a call runs forward: `model(x)`, `model.forward(x)`."""
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr in ("forward", "__call__"):
            func = func.value
        if not isinstance(func, (ast.Name, ast.Attribute)):
            return None
        return self.key_of(func)

    def model_forward(self, call: ast.Call) -> Optional[Tuple[Key, ast.expr]]:
        """(the model, its expression) when `call` runs a model forward."""
        func = call.func
        target = func.value if isinstance(func, ast.Attribute) and func.attr in ("forward", "__call__") else func
        if not isinstance(target, (ast.Name, ast.Attribute)):
            return None
        value = self.semantic.value_of(target)
        if value is None or value.kind != MODEL:
            return None
        key = self.key_of(target)
        return (key, target) if key is not None else None

    def passes_key(self, call: ast.Call, key: Key) -> bool:
        """Whether the call receives the model (or a part of it) as an argument."""
        arguments = list(call.args) + [keyword.value for keyword in call.keywords]
        for argument in arguments:
            if isinstance(argument, ast.Starred):
                argument = argument.value
            if self.semantic.holds_no_module(argument):
                continue  # `num_classes=model.num_classes`, `x.mm(model.a)`: no part with a mode
            base = self.alias_base(argument)
            if base is not None and key_relation(self.key_of(base), key) is not None:
                return True
        return False


def _strip_wrappers(expr: ast.AST) -> Optional[List[str]]:
    parts = dotted_parts(expr)
    while parts and len(parts) > 1 and parts[-1] in ("module", "_orig_mod"):
        parts.pop()
    return parts
