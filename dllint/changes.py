"""What a fix changes, described by a rule against the `ast` nodes it sees.

A rule never writes text edits: it says which node changes and how (replace
this expression, keep only this part of it, call it, call a method on it,
set a keyword of this call, insert a statement above this one), and the
fixer applies that to the file's libcst tree (`fixes.py`), which keeps
comments, formatting and line endings by construction. Detection stays on
`ast`; libcst is only imported for the files being fixed.

Each builder returns a `diagnostics.Change` anchored at the node's position
(`SourceFile.position`: 1-based lines, 1-based character columns), or None
when the node has no position to anchor to.
"""
from __future__ import annotations

import ast
from typing import Optional, Tuple

from dllint.diagnostics import CALL, CALL_METHOD, INSERT_BEFORE, KEEP_PART, REPLACE, SET_KEYWORD, Change
from dllint.source import SourceFile

Span = Tuple[Tuple[int, int], Tuple[int, int]]


def span_of(source: SourceFile, node: ast.AST) -> Optional[Span]:
    line, column, end_line, end_column = source.position(node)
    if end_line is None or end_column is None:
        return None
    return (line, column), (end_line, end_column)


def _anchored(kind: str, source: SourceFile, node: ast.AST, code: str = "", part: Optional[Span] = None) -> Optional[Change]:
    span = span_of(source, node)
    if span is None:
        return None
    return Change(kind, span[0], span[1], code, part)


def replace(source: SourceFile, node: ast.expr, code: str) -> Optional[Change]:
    """`node` becomes the expression `code`."""
    return _anchored(REPLACE, source, node, code)


def rename_attribute(source: SourceFile, node: ast.Attribute, name: str) -> Optional[Change]:
    """`F.softmax` -> `F.log_softmax`: only the attribute's name is replaced
    (whatever comes before it, on any number of lines, stays as written)."""
    span = span_of(source, node)
    if span is None:
        return None
    (end_line, end_column) = span[1]
    return Change(REPLACE, (end_line, end_column - len(node.attr)), (end_line, end_column), name)


def keep_part(source: SourceFile, node: ast.expr, part: ast.expr) -> Optional[Change]:
    """`node` becomes its sub-expression `part`, kept as written
    (`F.softmax(logits, dim=1)` -> `logits`; `total.item()` -> `total`)."""
    kept = span_of(source, part)
    return _anchored(KEEP_PART, source, node, part=kept) if kept is not None else None


def call(source: SourceFile, node: ast.expr) -> Optional[Change]:
    """`model.eval` -> `model.eval()`."""
    return _anchored(CALL, source, node)


def call_method(source: SourceFile, node: ast.expr, method: str) -> Optional[Change]:
    """`loss` -> `loss.item()` (parenthesised where the expression needs it)."""
    return _anchored(CALL_METHOD, source, node, method)


def set_keyword(source: SourceFile, node: ast.Call, name: str, value: str) -> Optional[Change]:
    """The call gets `name=value`: its existing `name=` argument takes the
    new value, or the argument is added last."""
    return _anchored(SET_KEYWORD, source, node, f"{name}={value}")


def insert_before(source: SourceFile, statement: ast.stmt, code: str) -> Optional[Change]:
    """The statement `code` on its own line just above `statement`, at its
    indentation; None when something else comes first on the statement's
    line (`if x: y`, `a; b`), where no line can be inserted."""
    line = statement.lineno
    if not 1 <= line <= len(source.lines):
        return None
    column = source.character_column(line, statement.col_offset)
    if source.lines[line - 1][: column - 1].strip():
        return None
    return Change(INSERT_BEFORE, (line, column), (line, column), code)
