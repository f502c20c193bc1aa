"""Synthetic inputs: tensors that hold no data read from anywhere.

Noise and constants (`torch.randn(...)`, `torch.zeros(...)`), tensors written
out in the code, those moved, reshaped, wrapped or indexed, and what a model
without trained weights computes from them: a forward pass on such inputs
is a shape check or a warm-up, not inference.
"""
from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Dict, Optional, Set, Tuple

from dllint.semantic import catalog
from dllint.semantic.module import _return_expressions
from dllint.semantic.modes.calls import argument_for
from dllint.semantic.values import MODEL

if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.module import ModuleModel


def is_literal(node: ast.AST) -> bool:
    """`3`, `-1.5`, `[1, 2, 3]`, `((0, 1), (1, 0))`."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, (int, float, bool, complex))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return is_literal(node.operand)
    if isinstance(node, (ast.List, ast.Tuple)):
        return all(is_literal(element) for element in node.elts)
    return False


_Assumed = Set[Tuple[int, str]]


def is_synthetic(semantic: "ModuleModel", expr: ast.AST, params: Optional[Dict[str, Tuple["ModuleModel", ast.expr]]] = None,
                 _assumed: Optional[_Assumed] = None, _depth: int = 0, literals: bool = True) -> bool:
    """Whether the tensor `expr` holds no data read from anywhere: noise or
    constants (`torch.randn(...)`, `torch.zeros(...)`), a tensor whose
    elements are written in the code (`torch.LongTensor([1, 2, 3])`), those
    moved, reshaped or wrapped (`.cuda()`, `Variable(x)`, or a project helper
    that returns such a transform of its argument), indexed (`x[i]`), or
    computed from them by the forward pass of a model not loaded from a
    checkpoint (an encoder's outputs fed to the decoder in a shape check).
    A name is synthetic when every assignment to it in its scope is.

    `params` maps the parameters of a project function being followed to the
    caller's arguments. With `literals` false only noise and constants
    count (a hand-written tensor fed to a trained model is a prediction)."""
    if _depth > 12:
        return False
    assumed = _assumed if _assumed is not None else set()
    recurse = lambda e, m=semantic, p=params: is_synthetic(m, e, p, assumed, _depth + 1, literals)  # noqa: E731
    if is_literal(expr):
        return True
    if isinstance(expr, ast.Subscript):
        return recurse(expr.value)
    if isinstance(expr, ast.Starred):
        return recurse(expr.value)
    if isinstance(expr, ast.IfExp):
        return recurse(expr.body) and recurse(expr.orelse)
    if isinstance(expr, ast.Name):
        return _name_is_synthetic(semantic, expr, params, assumed, _depth, literals)
    if not isinstance(expr, ast.Call):
        return False
    qualname = semantic.qualified_name(expr.func)
    if qualname in catalog.SYNTHETIC_TENSOR_FACTORIES:
        return True
    if qualname in catalog.LITERAL_TENSOR_CONSTRUCTORS:
        return literals and bool(expr.args) and all(is_literal(argument) for argument in expr.args)
    if qualname in catalog.TENSOR_WRAPPERS:
        return bool(expr.args) and recurse(expr.args[0])
    if isinstance(expr.func, ast.Attribute) and expr.func.attr in catalog.TENSOR_TRANSFORM_METHODS:
        return recurse(expr.func.value)
    resolved = _project_function_of(semantic, expr)
    if resolved is not None:
        callee, function = resolved
        returned = _return_expressions(function)
        if not returned:
            return False
        mapping = {}
        for parameter in function.args.posonlyargs + function.args.args + function.args.kwonlyargs:
            argument = argument_for(expr, function, parameter.arg)
            if argument is not None:
                mapping[parameter.arg] = (semantic, argument)
        return all(is_synthetic(callee, value, mapping, assumed, _depth + 1, literals) for value in returned)
    # the forward pass of a model that was not given trained weights
    model = semantic.value_of(expr.func)
    if model is None or model.kind != MODEL:
        return False
    modes = semantic.modes
    key = modes.keys.key_of(expr.func)
    function = modes.body_of(expr)
    if key is None or modes.training.trains(function)[0] or modes.weights.loaded_before(function, expr, key):
        return False
    arguments = list(expr.args) + [k.value for k in expr.keywords]
    return bool(arguments) and all(recurse(argument) for argument in arguments)


def _name_is_synthetic(semantic: "ModuleModel", name: ast.Name, params, assumed: _Assumed, depth: int,
                       literals: bool) -> bool:
    scopes = semantic.scopes
    scope, binding = scopes.lookup(name.id, scopes.scope_at(name), name.lineno)
    if binding is None or scope is None:
        return False
    token = (id(scope), name.id)
    if token in assumed:
        return True  # a cycle through a loop adds no data
    bindings = scope.bindings.get(name.id, [])
    if binding.kind == "param":
        if params is None or name.id not in params or len(bindings) != 1:
            return False
        caller, argument = params[name.id]
        return is_synthetic(caller, argument, None, assumed, depth + 1, literals)
    if any(b.kind != "assign" or b.value is None for b in bindings):
        return False
    assumed.add(token)
    try:
        return all(is_synthetic(semantic, b.value, params, assumed, depth + 1, literals) for b in bindings)
    finally:
        assumed.discard(token)


def _project_function_of(semantic: "ModuleModel", call: ast.Call):
    """The project function a call runs, including a method called on a model
    whose class the project defines (`encoder.init_hidden()`)."""
    resolved = semantic.resolve_function(call)
    if resolved is not None:
        return resolved
    func = call.func
    if not isinstance(func, ast.Attribute):
        return None
    value = semantic.value_of(func.value)
    if value is None or value.kind != MODEL or not value.qualname:
        return None
    found = semantic.project.definition(value.qualname, semantic.info)
    if not found or not isinstance(found[1], ast.ClassDef):
        return None
    for statement in found[1].body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and statement.name == func.attr:
            return semantic.project.model_for(found[0]), statement
    return None
