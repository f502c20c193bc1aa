"""Calls: activation functions, shape-keeping functions and methods, helper
functions (their parameters bound to the call's arguments), and calling a
layer or model object (held in a variable, on `self`, or found through the
semantic model's values), whose `forward()` / `call()` is then evaluated.
"""
from __future__ import annotations

import ast
from typing import TYPE_CHECKING, List, Optional, Sequence, Tuple

from dllint.semantic import catalog
from dllint.semantic.activations.part import WalkPart
from dllint.semantic.activations.records import (
    LOG_SOFTMAX, LOGITS, SOFTMAX, Activation, Frame, FunctionNode, Path, first_parameter, is_self, merge, short, unknown,
)
from dllint.semantic.arguments import positional_or_keyword
from dllint.semantic.values import LOSS_FUNCTION, MODEL

if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.module import ModuleModel


class CallWalk(WalkPart):
    """What calls return."""

    def call(self, node: ast.Call, model: "ModuleModel", frame: Optional[Frame], path: Path, depth: int) -> Activation:
        func = node.func
        qualname = None if isinstance(func, ast.Call) else model.qualified_name(func)
        if path and isinstance(path[0], str) and _builds_record(func, qualname):
            # `Output(logits=z).logits`, `dict(logits=z)["logits"]`
            wanted = path[0].lstrip(".")
            for item in node.keywords:
                if item.arg == wanted:
                    return self.walk.value(item.value, model, frame, path[1:], depth)
            return unknown("a field not set by keyword")
        if qualname is not None:
            kind = catalog.ACTIVATION_FUNCTIONS.get(qualname)
            if kind is not None:
                return self.walk.leaf(Activation(kind, node, model, label=f"`{short(model, node)}`"), path)
            if qualname in catalog.LOGIT_FUNCTIONS:
                return self.walk.leaf(Activation(LOGITS, node, model, label=f"`{short(model, node)}`"), path)
            if qualname in catalog.ACTIVATION_PRESERVING_FUNCTIONS:
                source = positional_or_keyword(node, 0, "input")
                return self.walk.value(source, model, frame, path, depth) if source is not None else unknown()
            if qualname in catalog.LOG_FUNCTIONS or qualname in catalog.EXP_FUNCTIONS:
                source = positional_or_keyword(node, 0, "input")
                inner = self.walk.value(source, model, frame, (), depth) if source is not None else unknown()
                return self.walk.leaf(log_or_exp(inner, qualname in catalog.LOG_FUNCTIONS, node, model), path)
        if isinstance(func, ast.Attribute) and not is_self(func.value, model):
            method = func.attr
            receiver = func.value
            if method in catalog.ACTIVATION_METHODS and qualname is None and not self.is_module_object(receiver, model):
                return self.walk.leaf(Activation(catalog.ACTIVATION_METHODS[method], node, model, label=f"`.{method}()`"), path)
            if method in catalog.ACTIVATION_PRESERVING_METHODS and qualname is None and not self.is_module_object(receiver, model):
                return self.walk.value(receiver, model, frame, path, depth)
            if method in ("log", "exp") and qualname is None:
                inner = self.walk.value(receiver, model, frame, (), depth)
                return self.walk.leaf(log_or_exp(inner, method == "log", node, model), path)
            if method == "forward":
                return self.called_object(receiver, node, model, frame, path, depth)
        return self.called_object(func, node, model, frame, path, depth)

    def is_module_object(self, node: ast.AST, model: "ModuleModel") -> bool:
        value = model.value_of(node)
        return value is not None and value.kind in (MODEL, LOSS_FUNCTION) and not value.by_name

    def called_object(self, func: ast.AST, call: ast.Call, model: "ModuleModel", frame: Optional[Frame], path: Path, depth: int) -> Activation:
        """`func(...)` where `func` is a layer, a model, a helper function."""
        # `self(x)` inside a model class runs its own forward()
        if isinstance(func, ast.Name) and is_self(func, model):
            class_node = model._class_of_self(func, func)
            if class_node is not None:
                return self.class_output(class_node, model, call, model, frame, None, path, depth)
        # a constructor called in place: nn.Softmax(dim=1)(x), layers.Dense(10)(x)
        if isinstance(func, ast.Call):
            return self.walk.layers.instance_output(func, model, call, model, frame, path, depth)
        # a layer or model held in a variable or on self
        bound = self.walk.names.self_attribute_values(func, model)
        if bound is not None:
            if not bound:
                return unknown("attribute assigned in several ways")
            return merge([self.stored_callable(value, model, call, model, frame, path, depth) for value, bpath in bound if not bpath] or [unknown()])
        if isinstance(func, ast.Name):
            scope, binding = model.scopes.lookup(func.id, model.scopes.scope_at(func), func.lineno)
            if binding is not None and binding.kind == "assign" and not binding.path:
                return self.stored_callable(binding.value, model, call, model, frame, path, depth)
            if binding is not None and binding.kind == "def":
                return self.function_output(binding.value, model, call, model, frame, False, path, depth)
        # a project function (possibly imported from another file)
        resolved = model.resolve_function(call)
        if resolved is not None:
            callee_model, function = resolved
            bound_call = isinstance(call.func, ast.Attribute) and first_parameter(function) in ("self", "cls")
            instance = frame.instance if frame is not None and bound_call else None
            return self.function_output(function, callee_model, call, model, frame, bound_call, path, depth, instance=instance)
        # a model reached through the semantic model's values (parameters, wrappers, factories)
        return self.model_object_output(func, model, call, model, frame, depth, path=path)

    def stored_callable(self, value: ast.AST, value_model: "ModuleModel", call, call_model, frame, path, depth) -> Activation:
        """Calling what `value` (the expression a name or attribute was
        assigned) evaluates to."""
        if isinstance(value, ast.Call):
            qualname = value_model.qualified_name(value.func)
            resolved_class = value_model.resolve_class(value.func)
            if resolved_class is not None or (qualname is not None and is_constructor(qualname)):
                return self.walk.layers.instance_output(value, value_model, call, call_model, frame, path, depth)
        qualname = value_model.qualified_name(value)
        if qualname is not None and qualname in catalog.ACTIVATION_FUNCTIONS:
            return self.walk.leaf(Activation(catalog.ACTIVATION_FUNCTIONS[qualname], value, value_model, label=f"`{short(value_model, value)}`"), path)
        return self.model_object_output(value, value_model, call, call_model, frame, depth, path=path)

    def model_object_output(self, expression: ast.AST, model: "ModuleModel", call: Optional[ast.Call], call_model, frame, depth: int,
                            *, framework_call: bool = False, path: Path = ()) -> Activation:
        """Calling the model object `expression` evaluates to, found through
        the semantic model's values (its constructor call is the origin)."""
        value = model.value_of(expression)
        if value is None or value.kind != MODEL or value.by_name or not isinstance(value.origin, ast.Call):
            return unknown("not a known model")
        origin_model = file_holding(model, value.origin, value.module)
        if origin_model is None:
            return unknown("model defined out of reach")
        return self.walk.layers.instance_output(value.origin, origin_model, call, call_model, frame, path, depth, framework_call=framework_call)

    def class_output(self, class_node: ast.ClassDef, class_model: "ModuleModel", call: Optional[ast.Call], call_model, frame,
                     instance, path: Path, depth: int, *, framework_call: bool = False) -> Activation:
        found = find_method(class_node, class_model, ("forward", "call"))
        if found is None:
            return unknown("no forward() in the project")
        method_model, method = found
        return self.function_output(method, method_model, call, call_model, frame, True, path, depth, instance=instance, framework_call=framework_call)

    def function_output(self, function: FunctionNode, function_model: "ModuleModel", call: Optional[ast.Call], call_model, caller,
                        bound: bool, path: Path, depth: int, *, instance=None, framework_call: bool = False) -> Activation:
        frame = Frame(function, function_model, call, call_model, caller, bound, instance, framework_call)
        results = []
        for returned in function_model.activations.return_paths(function):
            truths = [self.walk.conditions.truth(test, frame, function_model, depth) if test is not None else None for test, _ in returned.guards]
            if any(truth is not None and truth != wanted for truth, (_, wanted) in zip(truths, returned.guards)):
                continue  # not on the training path
            results.append(self.walk.value(returned.value, function_model, frame, path, depth))
        return merge(results)


def log_or_exp(inner: Activation, is_log: bool, node: ast.AST, model: "ModuleModel") -> Activation:
    if is_log and inner.kind == SOFTMAX:
        return Activation(LOG_SOFTMAX, node, model, label=f"`{short(model, node)}` of {inner.label}")
    if not is_log and inner.kind == LOG_SOFTMAX:
        return Activation(SOFTMAX, node, model, label=f"`{short(model, node)}` of {inner.label}")
    return unknown("log/exp of something else")


def _builds_record(func: ast.AST, qualname: Optional[str]) -> bool:
    """A call that builds a record from keywords: `dict(...)`, a class
    (`SequenceClassifierOutput(...)`, a namedtuple or dataclass)."""
    if qualname == "dict" or (isinstance(func, ast.Name) and func.id == "dict"):
        return True
    last = (qualname or "").rsplit(".", 1)[-1] or (func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else "")
    return last[:1].isupper()


def is_constructor(qualname: str) -> bool:
    return (
        qualname in catalog.TORCH_ACTIVATION_LAYERS
        or qualname in catalog.TORCH_LOGIT_LAYERS
        or qualname in catalog.TORCH_ACTIVATION_PRESERVING_LAYERS
        or qualname in catalog.KERAS_LAYERS_WITH_ACTIVATION
        or qualname in catalog.KERAS_FIXED_ACTIVATION_LAYERS
        or qualname in catalog.KERAS_ACTIVATION_PRESERVING_LAYERS
        or qualname == catalog.KERAS_ACTIVATION_LAYER
        or qualname in ("torch.nn.Sequential", "keras.Sequential", "keras.Model")
        or qualname.startswith((catalog.KERAS_APPLICATIONS_PREFIX, "torchvision.models."))
        or qualname == catalog.TIMM_CREATE_MODEL
    )


def find_method(class_node: ast.ClassDef, model: "ModuleModel", names: Sequence[str]) -> Optional[Tuple["ModuleModel", FunctionNode]]:
    """The first of `names` defined by the class or a project base class."""
    seen = set()
    queue: List[Tuple[ast.ClassDef, "ModuleModel"]] = [(class_node, model)]
    while queue:
        node, node_model = queue.pop(0)
        if id(node) in seen:
            continue
        seen.add(id(node))
        for name in names:
            for statement in node.body:
                if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and statement.name == name:
                    return node_model, statement
        for base in node.bases:
            resolved = node_model.resolve_class(base)
            if resolved is None and isinstance(base, ast.Name) and base.id in node_model.info.classes:
                resolved = (node_model, node_model.info.classes[base.id])
            if resolved is not None:
                queue.append((resolved[1], resolved[0]))
    return None


def file_holding(model: "ModuleModel", node: ast.AST, module_name: str) -> Optional["ModuleModel"]:
    """The file whose tree holds `node` (two files may share a module name)."""
    if node in model.scopes.parents:
        return model
    info = model.project.module(module_name) if module_name else None
    candidates = [info] if info is not None else []
    candidates += model.project.ending_with(module_name.rsplit(".", 1)[-1])
    for candidate in candidates:
        other = model.project.model_for(candidate)
        if node in other.scopes.parents:
            return other
    return None
