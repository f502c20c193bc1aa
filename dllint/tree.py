"""Fast walks over `ast` trees.

`ast.walk` goes through two generators per node (`iter_child_nodes`,
`iter_fields`); on a large corpus that is most of a linter's time. These
walks read `_fields` directly, and `statements()` visits only statement
nodes for questions (imports, definitions) that never live in expressions.
"""
from __future__ import annotations

import ast
from typing import Iterator, List

_AST = ast.AST


def walk(node: ast.AST) -> Iterator[ast.AST]:
    """Every node below `node` (included), parents before children."""
    stack: List[ast.AST] = [node]
    pop, push, extend = stack.pop, stack.append, stack.extend
    while stack:
        current = pop()
        yield current
        for name in current._fields:
            child = getattr(current, name, None)
            if child.__class__ is list:
                extend(item for item in child if isinstance(item, _AST))
            elif isinstance(child, _AST):
                push(child)


_STATEMENT_LISTS = ("body", "orelse", "finalbody", "handlers", "cases")


def statements(node: ast.AST) -> Iterator[ast.stmt]:
    """Every statement nested in `node`'s bodies (functions and classes included)."""
    stack: List[ast.AST] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.stmt):
            yield current
        for name in _STATEMENT_LISTS:
            children = getattr(current, name, None)
            if children:
                stack.extend(children)
