"""How a variable's value is used after it is computed: only shown, or more.

    display_uses(model, name, scope_node, ignore=...) -> DisplayUses or None
    assigned_values(scope_node, name)                  -> what `name = ...` sets it to

A value is *only displayed* when every read of the variable in its function
(or module) ends in printing or logging: `print`, `logging` / `logger`
methods, `writer.add_scalar`, `wandb.log`, `tqdm`'s `set_postfix` /
`set_description` / `write`, `str.format`, f-strings, `round` / `float` /
`str`, possibly through arithmetic (`total / len(loader)`), `sum` / `len`
/ `numpy` / `statistics` reductions, a dict literal, or one more variable
that is itself only displayed. `total.item()` also counts; those calls are
listed, because a fix that turns the tensor into a number must drop them.
This is what makes a `.item()` fix safe: the value changes type (tensor to
float) but nothing that reads it can tell.
"""
from __future__ import annotations

import ast
from dataclasses import field
from typing import TYPE_CHECKING, Iterable, List, Optional, Set

from dllint.lazy_dataclass import lazy_dataclass
from dllint.semantic.imports import dotted_parts
from dllint.tree import children, walk

if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.module import ModuleModel

# Calls that only show or record their arguments (last name of the callee).
_DISPLAY_CALLS = frozenset(
    {"print", "info", "debug", "warning", "warn", "error", "critical", "log", "add_scalar", "add_scalars",
     "set_postfix", "set_postfix_str", "set_description", "write", "format", "log_metrics", "log_metric",
     "echo", "secho", "str", "repr"}
)
# Calls that turn numbers into numbers: reading through them is still display.
_NUMERIC_CALLS = frozenset({"float", "round", "abs", "sum", "len", "min", "max", "mean", "average", "exp", "sqrt", "log10", "log2"})
_NUMERIC_MODULES = ("numpy.", "math.", "statistics.")


@lazy_dataclass
class DisplayUses:
    """Every read is display; `item_calls` are the `name.item()` calls among them."""

    item_calls: List[ast.Call] = field(default_factory=list)


def display_uses(model: "ModuleModel", name: str, scope_node: ast.AST, ignore: Iterable[ast.AST] = (), _depth: int = 0) -> Optional[DisplayUses]:
    """DisplayUses when every read of `name` inside `scope_node` (a function
    or the module) is only displayed, else None. Reads inside the `ignore`
    subtrees (the statements that build the value) are skipped."""
    skipped: Set[int] = set()
    for node in ignore:
        skipped.update(id(inner) for inner in walk(node))
    found = DisplayUses()
    for node in _own_nodes(scope_node):
        if not (isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load)) or id(node) in skipped:
            continue
        if not _displayed(model, node, scope_node, found, _depth):
            return None
    return found


def _own_nodes(scope_node: ast.AST):
    """Nodes of a function or module body, not of nested functions or classes."""
    stack = list(scope_node.body) if isinstance(scope_node.body, list) else [scope_node.body]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        stack.extend(children(node))


def _displayed(model: "ModuleModel", node: ast.AST, scope_node: ast.AST, found: DisplayUses, depth: int) -> bool:
    child, parent = node, model.parent(node)
    while parent is not None:
        if isinstance(parent, ast.Attribute) and parent.value is child:
            grand = model.parent(parent)
            if parent.attr == "item" and child is node and isinstance(grand, ast.Call) and grand.func is parent and not grand.args:
                found.item_calls.append(grand)
                child, parent = grand, model.parent(grand)
                continue
            return False
        if isinstance(parent, (ast.BinOp, ast.UnaryOp, ast.FormattedValue, ast.JoinedStr, ast.Dict, ast.keyword, ast.Tuple)):
            child, parent = parent, model.parent(parent)
            continue
        if isinstance(parent, ast.Compare):
            return True
        if isinstance(parent, ast.Call):
            if child is parent.func:
                return False
            parts = dotted_parts(parent.func)
            last = parts[-1] if parts else (parent.func.attr if isinstance(parent.func, ast.Attribute) else None)
            qualname = model.qualified_name(parent.func) or ""
            if last in _DISPLAY_CALLS:
                return True
            if last in _NUMERIC_CALLS or qualname.startswith(_NUMERIC_MODULES):
                child, parent = parent, model.parent(parent)
                continue
            return False
        if isinstance(parent, ast.Assign) and child is parent.value and depth < 2:
            if len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name):
                inner = display_uses(model, parent.targets[0].id, scope_node, (), depth + 1)
                if inner is None or inner.item_calls:
                    return False
                return True
            return False
        if isinstance(parent, ast.Expr):
            return True  # a bare expression statement: the value is dropped
        return False
    return False


def assigned_values(scope_node: ast.AST, name: str) -> List[ast.expr]:
    """The values plain assignments give `name` in a function or module
    (`total = 0.0`, `step, total = 0, 0.0`), not those that read it back."""
    values: List[ast.expr] = []
    for node in _own_nodes(scope_node):
        if not isinstance(node, ast.Assign):
            continue
        for target in node.targets:
            if isinstance(target, ast.Name) and target.id == name:
                reads_itself = any(isinstance(n, ast.Name) and n.id == name for n in walk(node.value))
                if not reads_itself:
                    values.append(node.value)
            elif isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple) and len(target.elts) == len(node.value.elts):
                for element, value in zip(target.elts, node.value.elts):
                    if isinstance(element, ast.Name) and element.id == name:
                        values.append(value)
    return values
