"""Where the models of a file run forward, and where they are exported.

`model(x)`, `model.forward(x)`, `model.generate(x)` (a library model's
inference method, or a method of a project model class that runs its
layers), `pair.embed(x)` of a plain project class holding models (the models
that method runs), and `torch.onnx.export(model, ...)` / `torch.jit.trace`,
which record the mode the model is in. A model class running its own
submodules (`self.layer(x)`) is left out.
"""
from __future__ import annotations

import ast
from typing import List, Tuple

from dllint.semantic import catalog
from dllint.semantic.arguments import is_false, positional_or_keyword
from dllint.semantic.modes.part import ModePart
from dllint.semantic.modes.states import FunctionNode
from dllint.semantic.modes.switches import METHODS_OF_TENSORS_AND_OTHERS
from dllint.semantic.values import MODEL
from dllint.tree import body_walk, walk_no_defs


class ForwardCalls(ModePart):
    """The forward calls and exports of the models of one file."""

    def forward_calls(self) -> List[Tuple[ast.Call, ast.expr]]:
        """Every forward call of a PyTorch model in this file, with the model
        expression; calls a model makes to its own submodules are left out."""
        found = []
        imported = self.semantic.imports.names
        for node in self.semantic.nodes_of(ast.Call):
            func = node.func
            target = func.value if isinstance(func, ast.Attribute) and func.attr in ("forward", "__call__") else func
            if isinstance(func, ast.Attribute) and target is func and isinstance(func.value, (ast.Name, ast.Attribute)):
                root = func.value
                while isinstance(root, ast.Attribute):
                    root = root.value
                if not isinstance(root, ast.Name) or root.id in imported or func.attr in METHODS_OF_TENSORS_AND_OTHERS \
                        and func.attr not in catalog.MODEL_INFERENCE_METHODS:
                    continue  # `torch.cat(...)`, `x.view(...)`, `logger.info(...)`
                if self._runs_model_method(node):
                    found.append((node, func.value))  # model.generate(x), model.encode(x)
                    continue
                parts = self._wrapper_parts_run(node)
                if parts:
                    found.extend((node, part) for part in parts)  # pair.embed(x): pair.img_enc, pair.txt_enc
                    continue
            if not isinstance(target, (ast.Name, ast.Attribute)):
                continue
            if isinstance(target, ast.Attribute):
                root = target.value
                while isinstance(root, ast.Attribute):
                    root = root.value
                if isinstance(root, ast.Name) and root.id in imported:
                    continue  # `torch.cat(...)`, `F.relu(...)`: a library function, never a model instance
            if self.is_internal(target):
                continue
            value = self.semantic.value_of(target)
            if value is None or value.kind != MODEL or value.framework not in ("torch", "lightning", "hf", None):
                continue
            found.append((node, target))
        return found

    def _wrapper_parts_run(self, call: ast.Call) -> List[ast.expr]:
        """For a method call on an instance of a plain project class holding
        models (`pair.embed(x)` of `class Pair` with `self.img_enc`), the
        models it runs, as expressions `pair.img_enc` at the call."""
        func = call.func
        assert isinstance(func, ast.Attribute)
        if func.attr.startswith("__") or self.is_internal(func.value):
            return []
        instance = self.semantic.instance_class(func.value)
        if instance is None or self.project.model_framework(instance[0].class_qualname(instance[1])):
            return []
        resolved = self.modes.calls.resolve_callee(call)
        if resolved is None or resolved[0].modes.switches.switches_modes(resolved[1]):
            return []
        owner = resolved[0].enclosing_class(resolved[1])
        if owner is None:
            return []
        inner = resolved[0].modes
        for node in walk_no_defs(resolved[1]):
            if isinstance(node, ast.Call):
                forward = inner.keys.model_forward(node)
                if forward is not None and forward[0][0] is owner and inner.inference.inference_reason(node, forward[1]):
                    return []  # judged inside the method (`@torch.no_grad() def predict(self, x)`)
        found = []
        for part in dict.fromkeys(resolved[0].modes.forwards.trained_parts(resolved[1], owner, training=False)):
            expr = ast.Attribute(value=func.value, attr=part[0], ctx=ast.Load())
            ast.copy_location(expr, func.value)
            expr.end_lineno, expr.end_col_offset = func.value.end_lineno, func.value.end_col_offset  # type: ignore[attr-defined]
            self.semantic.scopes.parents[expr] = call
            for extra in part[1:]:
                expr = ast.Attribute(value=expr, attr=extra, ctx=ast.Load())
                ast.copy_location(expr, func.value)
                self.semantic.scopes.parents[expr] = call
            found.append(expr)
        return found

    def _runs_model_method(self, call: ast.Call) -> bool:
        """`model.generate(x)`, `model.encode(x)`, `model.sample(n)`, or any
        method of a project model class that runs its submodules (and does
        not switch modes itself): inference exactly like `model(x)`."""
        func = call.func
        assert isinstance(func, ast.Attribute)
        if func.attr.startswith("_") or func.attr in catalog.MODEL_SELF_RETURNING_METHODS \
                or func.attr in catalog.MODE_NEUTRAL_MODEL_METHODS and func.attr not in catalog.MODEL_INFERENCE_METHODS \
                or func.attr in ("eval", "train", "apply"):
            return False
        if self.is_internal(func.value):
            return False
        value = self.semantic.value_of(func.value)
        if value is None or value.kind != MODEL or value.framework not in ("torch", "lightning", "hf", None):
            return False
        resolved = self.modes.calls.resolve_callee(call)
        if resolved is not None:
            module, method = resolved
            if module.enclosing_class(method) is None or module.modes.switches.switches_modes(method):
                return False
            return module.modes.forwards._runs_submodules(method)
        return not value.by_name and value.framework != "lightning" and func.attr in catalog.MODEL_INFERENCE_METHODS

    def _runs_submodules(self, method: FunctionNode, _depth: int = 0) -> bool:
        """Whether a model method calls `self(...)`, `self.forward(...)`, a
        submodule `self.<layer>(...)`, or another method that does."""
        class_node = self.semantic.enclosing_class(method)
        if class_node is None:
            return False
        methods = {s.name: s for s in class_node.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))}
        for node in body_walk(method):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Name) and func.id == "self":
                return True
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self":
                if func.attr == "forward":
                    return True
                if func.attr in methods:
                    if _depth < 3 and methods[func.attr] is not method and self._runs_submodules(methods[func.attr], _depth + 1):
                        return True
                    continue
                value = self.semantic.value_of(func)
                if value is not None and value.kind == MODEL:
                    return True
        return False

    def trained_parts(self, method: FunctionNode, class_node: ast.ClassDef, _depth: int = 0,
                      training: bool = True) -> List[Tuple[str, ...]]:
        """The self.<model> attribute paths a method runs forward with
        gradients toward a backward() (or returns), also through the other
        methods of the class it calls; with `training` false, every
        self.<model> it runs forward at all."""
        parts: List[Tuple[str, ...]] = []
        for node in walk_no_defs(method):
            if not isinstance(node, ast.Call) or training and (self.modes.training.in_no_grad(node) or not self.modes.training.feeds_training(node)):
                continue
            forward = self.modes.keys.model_forward(node)
            if forward is not None:
                if forward[0][0] is class_node and forward[0][1]:
                    parts.append(forward[0][1])
                continue
            func = node.func
            if _depth < 3 and isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
                    and self.modes.keys.key_of(func.value) == (class_node, ()):
                resolved = self.modes.calls.resolve_callee(node)
                if resolved is not None and resolved[1] is not method:
                    parts += resolved[0].modes.forwards.trained_parts(resolved[1], class_node, _depth + 1, training)
        return parts

    def is_internal(self, target: ast.AST) -> bool:
        """`self.layer(x)` inside a model class: the model running its parts."""
        root = target
        while isinstance(root, ast.Attribute):
            root = root.value
        if not isinstance(root, ast.Name):
            return True
        class_node = self.semantic._class_of_self(root, root)
        if class_node is None:
            return False
        return self.project.model_framework(self.semantic.class_qualname(class_node)) is not None

    def exports(self) -> List[Tuple[ast.Call, ast.expr, str]]:
        """Calls that export a model in the mode it is in: onnx, jit.trace,
        torch.export, and jit.script when its result is saved right away."""
        found = []
        for node in self.modes.nodes:
            if not isinstance(node, ast.Call):
                continue
            qualname = self.semantic.qualified_name(node.func)
            if qualname in catalog.MODEL_EXPORTERS:
                if qualname in catalog.ONNX_LEGACY_EXPORTERS and any(
                        (k.arg == "dynamo" and is_false(k.value)) or k.arg == "training" for k in node.keywords):
                    continue  # the TorchScript-based exporter switches to eval itself (or is told not to)
                name, index = catalog.MODEL_EXPORTERS[qualname]
                target = positional_or_keyword(node, index, name)
            elif qualname in catalog.MODEL_SCRIPTERS and self._is_saved(node):
                target = positional_or_keyword(node, 0, "obj")
            else:
                continue
            target = self.modes.keys.alias_base(target) if target is not None else None  # `model.cpu()`
            if isinstance(target, (ast.Name, ast.Attribute)) and not self.is_internal(target) and not self.modes.is_test_module():
                value = self.semantic.value_of(target)
                if value is not None and value.kind == MODEL and value.framework in ("torch", "lightning", "hf", None):
                    found.append((node, target, qualname))
        return found

    def _is_saved(self, call: ast.Call) -> bool:
        parent = self.semantic.parent(call)
        if isinstance(parent, ast.Attribute) and parent.attr == "save":
            return True
        if isinstance(parent, ast.Call) and self.semantic.qualified_name(parent.func) == "torch.jit.save":
            return True
        if isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name):
            name = parent.targets[0].id
            for node in walk_no_defs(self.modes.body_of(call)):
                if isinstance(node, ast.Call):
                    if isinstance(node.func, ast.Attribute) and node.func.attr == "save" and \
                            isinstance(node.func.value, ast.Name) and node.func.value.id == name:
                        return True
                    if self.semantic.qualified_name(node.func) == "torch.jit.save" and node.args and \
                            isinstance(node.args[0], ast.Name) and node.args[0].id == name:
                        return True
        return False
