"""Calls between the project's functions, as the mode analysis follows them.

Which project function or method a call runs (`helper(model)`,
`self.step()`, `model.generate()` of a project model class,
`trainer.fit()` of a plain class holding models); which of its keys hold
the caller's model during the call (the slots); and every call of a
function across the project (its callers), with whether it is also used as
a value dllint cannot follow (a callback).
"""
from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Dict, List, Optional, Tuple

from dllint.semantic.imports import dotted_parts
from dllint.semantic.module import _call_argument
from dllint.semantic.modes.part import ModePart
from dllint.semantic.modes.states import Body, FunctionNode, Key, key_relation
from dllint.semantic.values import MODEL

if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.module import ModuleModel
    from dllint.semantic.modes import ModeModel


def argument_for(call: ast.Call, function: FunctionNode, name: str) -> Optional[ast.expr]:
    """The argument `call` passes for parameter `name` of `function`."""
    positional = [a.arg for a in function.args.posonlyargs + function.args.args]
    return _call_argument(call, function, positional.index(name) if name in positional else -1, name)


class ProjectCalls(ModePart):
    """Callees, slots and callers of the functions one file calls or defines."""

    def __init__(self, modes: "ModeModel"):
        super().__init__(modes)
        self._callers: Dict[ast.AST, Tuple[List[Tuple["ModuleModel", ast.Call]], bool]] = {}
        self._callees: Dict[int, Optional[Tuple["ModuleModel", FunctionNode]]] = {}
        self._loads: Optional[Dict[str, List[ast.AST]]] = None

    def resolve_callee(self, call: ast.Call) -> Optional[Tuple["ModuleModel", FunctionNode]]:
        """The project function or method a call runs: `helper(...)`,
        `self.method(...)`, `model.method(...)` of a project model class."""
        cached = self._callees.get(id(call), False)
        if cached is False:
            cached = self._callees[id(call)] = self._resolve_callee(call)
        return cached  # type: ignore[return-value]

    def _resolve_callee(self, call: ast.Call) -> Optional[Tuple["ModuleModel", FunctionNode]]:
        resolved = self.semantic.resolve_function(call)
        if resolved is not None:
            return resolved
        func = call.func
        if isinstance(func, ast.Attribute):
            value = self.semantic.value_of(func.value)
            if value is not None and value.kind == MODEL and value.qualname:
                return self.method_of(value.qualname, func.attr)
            instance = self.semantic.instance_class(func.value)
            if instance is not None:
                # a method of a plain project class holding models (a trainer, a GAN pair)
                return self.method_of(instance[0].class_qualname(instance[1]), func.attr)
        return None

    def method_of(self, class_qualname: str, name: str, depth: int = 0) -> Optional[Tuple["ModuleModel", FunctionNode]]:
        if depth > 6:
            return None
        found = self.project.definition(class_qualname)
        if found is None or not isinstance(found[1], ast.ClassDef):
            return None
        info, class_node = found
        module = self.project.model_for(info)
        for statement in class_node.body:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and statement.name == name:
                return module, statement
        for base in self.project.base_names(info, class_node):
            method = self.method_of(base, name, depth + 1)
            if method is not None:
                return method
        return None

    def slots_for(self, call: ast.Call, module: "ModuleModel", function: FunctionNode, key: Key) -> List[Tuple[Key, str]]:
        """Which keys of `function` hold the caller's model `key` during this
        call, and how (the same model, or a part of it)."""
        slots: List[Tuple[Key, str]] = []
        positional = function.args.posonlyargs + function.args.args
        class_node = module.enclosing_class(function)
        is_method = class_node is not None and positional and positional[0].arg in ("self", "cls") and \
            not any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in function.decorator_list)
        offset = 0
        if is_method and isinstance(call.func, ast.Attribute):
            offset = 1
            relation = key_relation(self.modes.keys.key_of(call.func.value), key)
            if relation is not None:
                receiver = self.modes.keys.key_of(call.func.value)
                assert receiver is not None
                sub = key[1][len(receiver[1]):] if relation == "parent" else ()
                slots.append(((class_node, sub), relation if relation != "parent" else "same"))
        for index, argument in enumerate(call.args):
            if isinstance(argument, ast.Starred):
                break
            position = index + offset
            if position < len(positional):
                self._slot_for_argument(argument, function, positional[position].arg, key, slots)
            elif function.args.vararg is not None:
                break
        names = {a.arg for a in positional + function.args.kwonlyargs}
        for keyword in call.keywords:
            if keyword.arg in names:
                self._slot_for_argument(keyword.value, function, keyword.arg, key, slots)
        # a free variable: a global of the same file, or a local of an enclosing function
        if not isinstance(key[0], ast.ClassDef) and module is self.semantic and key[0] is not function:
            if isinstance(key[0], ast.Module) or self._encloses(key[0], function):
                slots.append((key, "same"))
        return slots

    def _encloses(self, outer: ast.AST, inner: ast.AST) -> bool:
        current = self.semantic.parent(inner)
        while current is not None:
            if current is outer:
                return True
            current = self.semantic.parent(current)
        return False

    def _slot_for_argument(self, argument: ast.expr, function: FunctionNode, name: str, key: Key,
                           slots: List[Tuple[Key, str]]) -> None:
        base = self.modes.keys.alias_base(argument)
        inner = self.modes.keys.key_of(base) if base is not None else None
        relation = key_relation(inner, key)
        if relation is None or inner is None:
            return
        sub = key[1][len(inner[1]):] if relation == "parent" else ()
        slots.append(((function, (name,) + sub), "same" if relation == "parent" else relation))

    def caller_key(self, call: ast.Call, module: "ModuleModel", function: FunctionNode, slot: Key) -> Optional[Key]:
        """The caller's model that `function`'s `slot` holds during `call`."""
        owner, path = slot
        if owner is function and path:
            argument = argument_for(call, function, path[0])
            base = self.modes.keys.alias_base(argument) if argument is not None else None
            inner = self.modes.keys.key_of(base) if base is not None else None
            return (inner[0], inner[1] + path[1:]) if inner is not None else None
        if isinstance(owner, ast.ClassDef) and isinstance(call.func, ast.Attribute):
            receiver = self.modes.keys.key_of(call.func.value)
            return (receiver[0], receiver[1] + path) if receiver is not None else None
        if module is self.semantic and not isinstance(owner, ast.ClassDef):
            return slot
        return None

    def callers(self, function: Body) -> Tuple[List[Tuple["ModuleModel", ast.Call]], bool]:
        """Every call of `function` in the project, and whether it is also
        used as a value (a callback dllint cannot follow)."""
        if function in self._callers:
            return self._callers[function]
        found: List[Tuple["ModuleModel", ast.Call]] = []
        referenced = False
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            name = function.name
            # A top-level function can be named only where its module is
            # imported (`ProjectIndex.reachers`), and a method of a top-level
            # class called only where an instance of it can be
            # (`ProjectIndex.instance_reachers`): the files of the project
            # that merely use the same name (`evaluate`, `step`) get no model.
            info = self.semantic.info
            owner = self.semantic.parent(function)
            if owner is self.semantic.tree:
                infos = self.project.reachers(info, name)
            elif isinstance(owner, ast.ClassDef) and self.semantic.parent(owner) is self.semantic.tree:
                infos = self.project.instance_reachers(info, owner.name)
            else:
                infos = self.project.all_modules()
            for info in infos:
                if name not in info.source.text:
                    continue
                module = self.project.model_for(info)
                call_funcs = set()
                for call in module.calls(name):
                    call_funcs.add(id(call.func))
                    resolved = module.modes.calls.resolve_callee(call)
                    if resolved is not None and resolved[1] is function:
                        found.append((module, call))
                if not referenced:
                    for node in module.modes.calls.loads(name):
                        if id(node) not in call_funcs and module.modes.calls._refers_to(node, function):
                            referenced = True
                            break
        self._callers[function] = (found, referenced)
        return found, referenced

    def _refers_to(self, node: ast.AST, function: FunctionNode) -> bool:
        """Whether the name or attribute `node` (not called) is `function`."""
        semantic = self.semantic
        if isinstance(node, ast.Name):
            _, binding = semantic.scopes.lookup(node.id, semantic.scopes.scope_at(node), node.lineno)
            if binding is not None and binding.kind == "def":
                return binding.value is function
        qualname = semantic.qualified_name(node) if dotted_parts(node) else None
        if qualname:
            found = self.project.definition(qualname)
            if found is not None:
                return found[1] is function
        if isinstance(node, ast.Attribute):
            if isinstance(node.value, ast.Name) and semantic._class_of_self(node.value, node) is not None:
                return semantic._class_of_self(node.value, node) is semantic.enclosing_class(function)
            return dotted_parts(node) is None or semantic.qualified_name(node) is None and \
                semantic.enclosing_class(function) is not None
        return False

    def loads(self, name: str) -> List[ast.AST]:
        """Names and attributes read (not stored) with this last name."""
        if self._loads is None:
            found: Dict[str, List[ast.AST]] = {}
            for node in self.modes.nodes:
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                    found.setdefault(node.id, []).append(node)
                elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
                    found.setdefault(node.attr, []).append(node)
            self._loads = found
        return self._loads.get(name, [])
