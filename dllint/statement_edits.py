"""Edits that insert a whole statement on its own line, for fixes that add a
missing call (`optimizer.zero_grad()`, `model.eval()`, `model.train()`).

The new line takes the indentation of the statement it goes next to and the
file's own line ending (libcst prints it in the block's indentation). Where that cannot be done by inserting a line (the
statement shares its line with another, `if x: y`, or `a; b`), there is no
edit and the finding simply has no fix.
"""
from __future__ import annotations

import ast
from typing import Optional

from dllint import changes
from dllint.diagnostics import Change
from dllint.source import SourceFile


def insert_before(source: SourceFile, statement: ast.stmt, code: str) -> Optional[Change]:
    """A change that puts `code` on a new line just above `statement`
    (see `changes.insert_before`)."""
    return changes.insert_before(source, statement, code)


def binds_name(statement: ast.AST, name: str) -> bool:
    """Whether `statement` assigns `name` anywhere inside (so a call on
    `name` placed before it would use another value, or none)."""
    for node in ast.walk(statement):
        if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, (ast.Store, ast.Del)):
            return True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name:
            return True
        if isinstance(node, ast.arg) and node.arg == name:
            return True
    return False


def root_name(expression: ast.expr) -> Optional[str]:
    """`model` for `model`, `self.model`, `models["a"]`... the name a
    dotted expression starts from; None for anything else (a call)."""
    while isinstance(expression, (ast.Attribute, ast.Subscript)):
        expression = expression.value
    return expression.id if isinstance(expression, ast.Name) else None
