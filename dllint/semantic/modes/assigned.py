"""The mode a model gets from what is bound to it.

`model = Net()` is in training mode, `model = X.from_pretrained(...)` in
eval mode, `model = torch.load(path)` in the mode it was saved in (training,
for dllint), `model = other.eval()` in eval mode, `model = helper(other)` in
the mode the helper returns `other` in, and `gan.generator` of
`gan = GAN(opt)` in the mode `GAN.__init__` leaves it in.
"""
from __future__ import annotations

import ast
from typing import Optional, Set, Tuple

from dllint.semantic import catalog
from dllint.semantic.modes.calls import argument_for
from dllint.semantic.modes.part import ModePart
from dllint.semantic.modes.states import (
    EMPTY, ENTRY, EVAL, MAX_DEPTH, TRAIN, UNKNOWN, Body, FunctionNode, Key, Mode, State, attributed, key_relation,
)
from dllint.semantic.modes.switches import switch_of
from dllint.semantic.values import MODEL
from dllint.tree import body_walk, walk


class AssignedModes(ModePart):
    """The modes of the models the expressions of one file evaluate to."""

    def value_state(self, function: Body, statement: ast.AST, expr: ast.expr, path: Tuple[int, ...],
                    key: Key, current: State, depth: int = 0) -> State:
        """The modes of the model `expr` evaluates to (at `path` of a tuple)."""
        unknown = frozenset({Mode(UNKNOWN, expr)})
        if depth > MAX_DEPTH:
            return unknown
        if path:
            if isinstance(expr, (ast.Tuple, ast.List)):
                if 0 <= path[0] < len(expr.elts) and not any(isinstance(e, ast.Starred) for e in expr.elts):
                    return self.value_state(function, statement, expr.elts[path[0]], path[1:], key, current, depth + 1)
                return unknown
            if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "prepare":
                if 0 <= path[0] < len(expr.args):
                    return self.value_state(function, statement, expr.args[path[0]], path[1:], key, current, depth + 1)
                return unknown
            if isinstance(expr, ast.Call):
                resolved = self.modes.calls.resolve_callee(expr)
                if resolved is not None:
                    return self._returned_state(expr, resolved, path, function, key, current, depth)
            return unknown
        if isinstance(expr, ast.IfExp):
            return self.value_state(function, statement, expr.body, (), key, current, depth + 1) | \
                self.value_state(function, statement, expr.orelse, (), key, current, depth + 1)
        if isinstance(expr, (ast.Name, ast.Attribute)):
            inner = self.modes.keys.key_of(expr)
            if inner is None:
                return unknown
            if inner == key:
                return current
            if key_relation(inner, key) is not None:
                return unknown
            return self.modes.resolution.state_before(function, statement, inner)
        if not isinstance(expr, ast.Call):
            return unknown
        func = expr.func
        if isinstance(func, ast.Attribute):
            if func.attr in ("eval", "train"):
                return frozenset({switch_of(expr)})
            if func.attr in catalog.MODEL_SELF_RETURNING_METHODS:
                return self.value_state(function, statement, func.value, (), key, current, depth + 1)
        qualname = self.semantic.qualified_name(func)
        if qualname in catalog.TORCH_CONTAINERS:
            return self._container_state(function, statement, expr, key, current)
        if qualname in catalog.MODEL_ALIASING_CALLS or qualname in catalog.MODEL_COPYING_CALLS:
            inner_expr = expr.args[0] if expr.args else None
            if inner_expr is None:
                return unknown
            return self.value_state(function, statement, inner_expr, (), key, current, depth + 1)
        resolved = self.modes.calls.resolve_callee(expr)
        if resolved is not None:
            return self._returned_state(expr, resolved, (), function, key, current, depth)
        if qualname in catalog.MODEL_LOADED_IN_SAVED_MODE and self.semantic.loads_whole_model(expr):
            return frozenset({Mode(TRAIN, expr)})
        if qualname in catalog.MODEL_LOADED_IN_UNKNOWN_MODE:
            return unknown
        if isinstance(func, ast.Attribute) and func.attr in catalog.MODEL_LOADED_IN_EVAL_MODE:
            return frozenset({Mode(EVAL, expr)})
        if isinstance(func, ast.Attribute) and func.attr in ("from_config", "load_from_checkpoint"):
            return frozenset({Mode(TRAIN, expr)})
        if self._builds_module(expr, qualname):
            return frozenset({Mode(TRAIN, expr)})
        return unknown

    def constructed_part(self, value: Optional[ast.expr], path: Tuple[int, ...], key: Key, target: ast.AST) -> Optional[State]:
        """The mode of `key`, a part of the object `target` is bound to, when
        that object is built here by a project class (`gan = GAN(opt)` for
        `gan.generator`): as the class's `__init__` leaves that attribute."""
        if path or not isinstance(value, ast.Call):
            return None
        inner = self.modes.keys.key_of(target)
        resolved = self.semantic.resolve_class(value.func)
        if inner is None or resolved is None:
            return None
        module, class_node = resolved
        init = self.modes.calls.method_of(module.class_qualname(class_node), "__init__")
        if init is None:
            return None
        owner = module.enclosing_class(init[1])
        effect = init[0].modes.resolution.effect(init[1], (owner, key[1][len(inner[1]):]))
        return frozenset(attributed(UNKNOWN if mode.kind == ENTRY else mode.kind, value) for mode in effect.exit)

    def _container_state(self, function: Body, statement: ast.AST, call: ast.Call, key: Key, current: State) -> State:
        """nn.Sequential(...) is new, but the modules in it keep their mode:
        `nn.Sequential(*list(model.children())[:-1])` is in `model`'s mode."""
        result: Set[Mode] = {Mode(TRAIN, call)}
        for node in walk(call):
            if node is call or not isinstance(node, (ast.Name, ast.Attribute)):
                continue
            parent = self.semantic.parent(node)
            if isinstance(parent, ast.Attribute) and parent.value is node:
                continue  # only whole chains
            value = self.semantic.value_of(node)
            if value is None or value.kind != MODEL:
                continue
            if isinstance(parent, ast.Call) and parent.func is node and self._builds_module(parent, self.semantic.qualified_name(node)):
                continue  # a layer being built here
            inner = self.modes.keys.key_of(node)
            if inner is None:
                result.add(Mode(UNKNOWN, call))
            elif inner == key:
                result |= current
            else:
                result |= self.modes.resolution.state_before(function, statement, inner)
        return frozenset(result)

    def _builds_module(self, call: ast.Call, qualname: Optional[str]) -> bool:
        """A call that builds a fresh module (in training mode), not from a
        model it is given (`create_feature_extractor(model)`)."""
        for argument in list(call.args) + [k.value for k in call.keywords]:
            value = self.semantic.value_of(argument.value if isinstance(argument, ast.Starred) else argument)
            if value is not None and value.kind == MODEL:
                return False
        if qualname is not None:
            if qualname in catalog.TORCH_LAYERS_MODE_DEPENDENT or qualname in catalog.TORCH_LAYERS_MODE_FREE \
                    or qualname in catalog.TORCH_CONTAINERS or qualname in catalog.TORCH_LAYERS_MODE_BY_ARGUMENT:
                return True
            if qualname.startswith(("torchvision.models.", "timm.create_model", "timm.models.")):
                last = qualname.rsplit(".", 1)[-1]
                return "weights" not in last.lower() and not last.startswith(("get_", "list_"))
        resolved = self.semantic.resolve_class(call.func)
        if resolved is not None:
            module, class_node = resolved
            return self.project.model_framework(module.class_qualname(class_node)) in ("torch", "lightning", "hf")
        return False

    def _returned_state(self, call: ast.Call, resolved, path: Tuple[int, ...], function: Body, key: Key,
                        current: State, depth: int) -> State:
        module, callee = resolved
        returned = module.modes.assigned.returned_modes(callee, path, depth + 1)
        result: Set[Mode] = set()
        for mode in returned:
            if mode.kind != ENTRY:
                result.add(attributed(mode.kind, call))
                continue
            # the caller's model that was passed for this slot
            argument = None
            if mode.key is not None and mode.key[0] is callee and len(mode.key[1]) == 1:
                argument = argument_for(call, callee, mode.key[1][0])
            if argument is None:
                result.add(Mode(UNKNOWN, call))
                continue
            result |= self.value_state(function, call, argument, (), key, current, depth + 1)
        return frozenset(result) if result else frozenset({Mode(UNKNOWN, call)})

    def returned_modes(self, function: FunctionNode, path: Tuple[int, ...], depth: int = 0) -> State:
        """The modes of the model a function returns (ENTRY of a parameter
        when it returns what it was given)."""
        result: Set[Mode] = set()
        nowhere: Key = (function, ("<returned>",))
        for node in body_walk(function):
            if not isinstance(node, ast.Return) or node.value is None:
                continue
            expr: Optional[ast.expr] = node.value
            rest = path
            while rest and isinstance(expr, (ast.Tuple, ast.List)):
                expr = expr.elts[rest[0]] if 0 <= rest[0] < len(expr.elts) else None
                rest = rest[1:]
            if expr is None or rest:
                result.add(Mode(UNKNOWN, node))
                continue
            base = self.modes.keys.alias_base(expr)
            inner = self.modes.keys.key_of(base) if base is not None else None
            if inner is not None:
                flow = self.modes.resolution.flow(function, inner)
                state = flow.returns.get(node) if flow is not None else None
                result |= state if state is not None else {Mode(UNKNOWN, node)}
            else:
                result |= self.value_state(function, node, expr, (), nowhere, EMPTY, depth + 1)
        return frozenset(result)
