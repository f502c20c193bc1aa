"""Reading a call's arguments, for every semantic module.

`positional_or_keyword(call, 1, "lengths")` is the argument a library
function receives for one parameter, whether passed by position or by name;
an index of -1 means the parameter is keyword-only. Positions after a
`*args` are unknown, so nothing is returned for them.
"""
from __future__ import annotations

import ast
from typing import Optional


def positional_or_keyword(call: ast.Call, index: int, keyword: str) -> Optional[ast.expr]:
    for item in call.keywords:
        if item.arg == keyword:
            return item.value
    if 0 <= index < len(call.args) and not any(isinstance(a, ast.Starred) for a in call.args[: index + 1]):
        return call.args[index]
    return None


def keyword_value(call: ast.Call, name: str) -> Optional[ast.expr]:
    """The value passed as `name=...`, never a positional argument."""
    for item in call.keywords:
        if item.arg == name:
            return item.value
    return None


def constant_string(node: Optional[ast.AST]) -> Optional[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def is_false(node: Optional[ast.AST]) -> bool:
    """A literal false value: `False`, `0`, `None`, `""`."""
    return isinstance(node, ast.Constant) and not node.value
