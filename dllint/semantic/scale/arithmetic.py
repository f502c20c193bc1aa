"""Arithmetic on data: what `x / 255`, `(x - mean) / std`, `x * 255` do to its scale.

Also the numbers involved: constants, names bound once to constants, and
constant arithmetic (`1 / 255.0`, `float(MAX)`).
"""
from __future__ import annotations

import ast
from typing import Optional

from dllint.semantic.scale.part import ScalePart
from dllint.semantic.scale.records import MAX_DEPTH, NORMALIZED, ONE_COLUMN, RAW, STANDARDIZED, UNIT, Env, Scale, unpacked


class Arithmetic(ScalePart):
    """The scale after the arithmetic of one file."""

    def _binop(self, node: ast.BinOp, depth: int, env: Env) -> Optional[Scale]:
        left = self.scales.flow._scale(node.left, depth + 1, env)
        if left is None:
            if isinstance(node.op, ast.Mult):  # 1/255 * x
                right = self.scales.flow._scale(node.right, depth + 1, env)
                return self._arithmetic(right, node.op, node.left, node, depth, env)
            return None
        return self._arithmetic(left, node.op, node.right, node, depth, env, left_node=node.left)

    def _arithmetic(self, base: Optional[Scale], op: ast.operator, operand: ast.AST, node: ast.AST, depth: int, env: Env,
                    left_node: Optional[ast.AST] = None) -> Optional[Scale]:
        if base is None:
            return None
        value = self._number(operand, depth)
        if base.level == ONE_COLUMN and value is None and isinstance(op, (ast.Div, ast.Sub)) and not self._has_statistic(operand):
            return None  # `df["a"] / df["b"]`: a new feature, not a normalization
        if isinstance(op, ast.Div):
            if value is not None:
                if value in (0, 1) or value < 0:
                    return base
                if value >= 2:
                    if base.level in NORMALIZED and base.steps:
                        return base.step(base.level, f"/ {number_text(value)}", node,
                                         problem=(f"divided by {number_text(value)} after {base.steps[-1][0]} had already scaled it", node))
                    if _is_subtraction(left_node) and base.level in (RAW, STANDARDIZED):
                        return base.step(STANDARDIZED, f"(x - {number_text(value)}) / {number_text(value)}", node)
                    return base.step(UNIT, f"/ {number_text(value)}", node)
                return base
            if _is_max(operand):
                return base.step(UNIT, "/ max", node)
            return base.step(STANDARDIZED, "/ std", node)
        if isinstance(op, ast.Mult):
            if value is not None:
                if 0 < value < 1:
                    if base.level in NORMALIZED and base.steps and value < 0.01:
                        return base.step(base.level, f"* {number_text(value)}", node,
                                         problem=(f"scaled by {number_text(value)} after {base.steps[-1][0]} had already scaled it", node))
                    return base.step(UNIT, f"* {number_text(value)}", node)
                if value >= 100 and base.level == UNIT:  # back to 0-255: `img * 255`
                    return base.step(RAW, f"* {number_text(value)}", node)
                return base
            return None
        if isinstance(op, ast.Sub):
            if value is not None:
                if base.level == UNIT and 0 < value <= 1:
                    # `x / 127.5 - 1`, `x / 255 - 0.5`: centred on zero, the [-1, 1] that
                    # Keras' "tf"-mode `preprocess_input` (MobileNet, Xception, Inception) gives
                    return base.step(STANDARDIZED, f"- {number_text(value)}", node)
                return base
            return base.step(STANDARDIZED, "- mean", node)
        if isinstance(op, ast.Add):
            return base
        return None

    def _has_statistic(self, node: ast.AST, depth: int = 0) -> bool:
        """A mean / std / min / max in an operand (`df.x.std()`, a name bound to one)."""
        for part in ast.walk(node):
            if isinstance(part, ast.Call):
                func = part.func
                name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
                if name in _STATISTICS:
                    return True
            elif isinstance(part, ast.Name) and depth < 2:
                scopes = self.semantic.scopes
                _, binding = scopes.lookup(part.id, scopes.scope_at(part), part.lineno)
                if binding is not None and binding.kind == "assign" and binding.value is not None and binding.value is not node:
                    value = unpacked(binding.value, binding.path)
                    if value is not None and self._has_statistic(value, depth + 1):
                        return True
        return False

    def _number(self, node: ast.AST, depth: int) -> Optional[float]:
        """A numeric constant, through names bound once to constants and constant arithmetic."""
        if depth > MAX_DEPTH:
            return None
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            return float(node.value)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            inner = self._number(node.operand, depth + 1)
            return -inner if inner is not None else None
        if isinstance(node, ast.BinOp):
            left, right = self._number(node.left, depth + 1), self._number(node.right, depth + 1)
            if left is None or right is None:
                return None
            if isinstance(node.op, ast.Div) and right:
                return left / right
            if isinstance(node.op, ast.Mult):
                return left * right
            if isinstance(node.op, ast.Sub):
                return left - right
            if isinstance(node.op, ast.Add):
                return left + right
            return None
        if isinstance(node, ast.Name):
            scopes = self.semantic.scopes
            _, binding = scopes.lookup(node.id, scopes.scope_at(node), node.lineno)
            if binding is not None and binding.kind == "assign" and not binding.path:
                return self._number(binding.value, depth + 1)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "float" and node.args:
            return self._number(node.args[0], depth + 1)
        return None


_STATISTICS = ("mean", "std", "var", "min", "max", "median", "amin", "amax", "ptp", "nanmean", "nanstd", "quantile", "percentile")


def _is_subtraction(node: Optional[ast.AST]) -> bool:
    return isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub) or (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("sub", "sub_"))


def _is_max(node: ast.AST) -> bool:
    if isinstance(node, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        return name in ("max", "amax", "reduce_max", "ptp")
    return False


def number_text(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"
