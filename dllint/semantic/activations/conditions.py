"""Which way a test goes on the training path.

`self.training` is true; a Keras `training` argument is true when the
framework calls the model (fit); a flag takes the value the call passes, or
its default (for `self.flag`, the constructor call's). None: undecided.
"""
from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Optional

from dllint.semantic.activations.part import WalkPart
from dllint.semantic.activations.records import Frame, FunctionNode, call_argument, is_self, truthiness

if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.module import ModuleModel


class Conditions(WalkPart):
    """The truth of tests on the training path."""

    def truth(self, test: ast.expr, frame: Optional[Frame], model: "ModuleModel", depth: int) -> Optional[bool]:
        """Whether `test` holds on the training path: True, False or None."""
        if isinstance(test, ast.Constant):
            return bool(test.value)
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            inner = self.truth(test.operand, frame, model, depth)
            return None if inner is None else not inner
        if isinstance(test, ast.BoolOp):
            values = [self.truth(v, frame, model, depth) for v in test.values]
            if isinstance(test.op, ast.And):
                return False if False in values else (True if all(v is True for v in values) else None)
            return True if True in values else (False if all(v is False for v in values) else None)
        if isinstance(test, ast.Attribute) and isinstance(test.value, ast.Name):
            if test.attr == "training" and is_self(test.value, model):
                return True
            if is_self(test.value, model):
                return truthiness(self.attribute_flag_value(test, model, frame))
            return None
        if isinstance(test, ast.Name):
            return truthiness(self.flag_value(test, model, frame))
        if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Is, ast.IsNot, ast.Eq, ast.NotEq)):
            left, right = test.left, test.comparators[0]
            left_value = self.flag_value(left, model, frame) if isinstance(left, ast.Name) else left
            if isinstance(left, ast.Attribute) and is_self(left.value, model):
                left_value = self.attribute_flag_value(left, model, frame)
            if isinstance(left_value, ast.Constant) and isinstance(right, ast.Constant):
                equal = left_value.value == right.value if isinstance(test.ops[0], (ast.Eq, ast.NotEq)) else left_value.value is right.value
                return equal if isinstance(test.ops[0], (ast.Is, ast.Eq)) else not equal
        return None

    def flag_value(self, name: ast.Name, model: "ModuleModel", frame: Optional[Frame]) -> Optional[ast.AST]:
        """The constant a parameter flag holds for this call, or None."""
        if frame is None or model is not frame.model:
            return None
        scope, binding = model.scopes.lookup(name.id, model.scopes.scope_at(name), name.lineno)
        if binding is None or binding.kind != "param" or scope is None or scope.node is not frame.function:
            return None
        if frame.call is None:
            if frame.framework_call and name.id == "training":
                return ast.Constant(True)
            return None
        argument = call_argument(frame.call, frame.function, binding, frame.bound)
        if argument is None:
            argument = binding.value
            if name.id == "training" and (argument is None or isinstance(argument, ast.Constant) and argument.value is None):
                return None  # Keras decides from the context
        return argument if isinstance(argument, ast.Constant) else None

    def attribute_flag_value(self, node: ast.Attribute, model: "ModuleModel", frame: Optional[Frame]) -> Optional[ast.AST]:
        """`self.flag` set once in `__init__`, from a constant or a
        constructor parameter (whose value comes from the constructor call)."""
        values = self.walk.names.self_attribute_values(node, model)
        if not values or len(values) != 1 or values[0][1]:
            return None
        value = values[0][0]
        if isinstance(value, ast.Constant):
            return value
        if not isinstance(value, ast.Name):
            return None
        scope, binding = model.scopes.lookup(value.id, model.scopes.scope_at(value), value.lineno)
        if binding is None or binding.kind != "param" or scope is None or getattr(scope.node, "name", "") != "__init__":
            return None
        if frame is None or frame.instance is None:
            return None
        constructor, ctor_model = frame.instance
        argument = call_argument(constructor, scope.node, binding, True)
        if argument is None:
            argument = binding.value
        return argument if isinstance(argument, ast.Constant) else None


def parameter_default(name: ast.Name, function: FunctionNode, model: "ModuleModel") -> Optional[ast.AST]:
    scope, binding = model.scopes.lookup(name.id, model.scopes.scope_at(name), name.lineno)
    if binding is not None and binding.kind == "param" and scope is not None and scope.node is function:
        return binding.value
    return None
