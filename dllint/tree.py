"""Fast walks over `ast` trees.

`ast.walk` goes through two generators per node (`iter_child_nodes`,
`iter_fields`); on a large corpus that is most of a linter's time. These
walks read `_fields` directly, and `statements()` visits only statement
nodes for questions (imports, definitions) that never live in expressions.
"""
from __future__ import annotations

import ast
from collections import deque
from typing import Iterator, List

_AST = ast.AST


def walk(node: ast.AST) -> Iterator[ast.AST]:
    """Every node below `node` (included), in `ast.walk`'s order (breadth first)."""
    todo = deque([node])
    popleft, push, extend = todo.popleft, todo.append, todo.extend
    while todo:
        current = popleft()
        for name in current._fields:
            child = getattr(current, name, None)
            if child.__class__ is list:
                extend(item for item in child if isinstance(item, _AST))
            elif isinstance(child, _AST):
                push(child)
        yield current


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


def children(node: ast.AST) -> List[ast.AST]:
    """`ast.iter_child_nodes(node)`, as a list, without its generators."""
    found: List[ast.AST] = []
    for name in node._fields:
        child = getattr(node, name, None)
        if child.__class__ is list:
            found.extend(item for item in child if isinstance(item, _AST))
        elif isinstance(child, _AST):
            found.append(child)
    return found


def walk_no_defs(node: ast.AST) -> Iterator[ast.AST]:
    """Every node below `node` (included), depth first, without entering
    nested functions, lambdas or classes."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        for child in children(current):
            if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                stack.append(child)


def body_walk(function: ast.AST) -> Iterator[ast.AST]:
    """`walk_no_defs` over each statement of a function's (or module's) body:
    what the function itself runs."""
    for statement in function.body:  # type: ignore[attr-defined]
        yield from walk_no_defs(statement)
