"""How a container or library model is changed after it is built.

`model.add(layer)` after `model = Sequential(...)`, layers appended,
inserted, popped or assigned into an `nn.Sequential`, and a classifier's
head replaced (`model.fc = nn.Linear(...)`). Each counts only until the name
is bound again (notebooks rebuild `model` many times); `model = model.to(device)`
keeps the same module and does not end the window.
"""
from __future__ import annotations

import ast

from typing import TYPE_CHECKING, List, Optional, Sequence, Tuple

from dllint.lazy_dataclass import lazy_dataclass
from dllint.tree import walk

if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.module import ModuleModel


# Module methods that return the module itself: `x = Ctor(...).to(device)` still binds the new module to `x`.
_RETURNS_SELF = frozenset({"to", "cuda", "cpu", "float", "half", "double", "train", "eval"})


@lazy_dataclass(frozen=True)
class _Window:
    """Where the object built by `target = Constructor(...)` can be changed
    through `target`: in `scope`, after the assignment and before the next
    assignment to the same target (notebooks rebuild `model` many times)."""

    target: str  # `model` / `self.head`
    scope: ast.AST
    start: Tuple[int, int]
    end: Optional[Tuple[int, int]]

    def holds(self, node: ast.AST) -> bool:
        position = (node.lineno, node.col_offset)  # type: ignore[attr-defined]
        return position >= self.start and (self.end is None or position < self.end)


def _assignment_target(constructor: ast.Call, model: "ModuleModel") -> Optional[_Window]:
    """The window of `x = Ctor(...)` (or `x = Ctor(...).to(device)`)."""
    statement = model.parent(constructor)
    if isinstance(statement, ast.Attribute) and statement.attr in _RETURNS_SELF:
        # `Ctor(...).to(device)`: the constructor's parent is the attribute, then its call
        call = model.parent(statement)
        statement = model.parent(call) if isinstance(call, ast.Call) and call.func is statement else statement
    if not isinstance(statement, (ast.Assign, ast.AnnAssign)):
        return None
    targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
    if len(targets) != 1:
        return None
    target = targets[0]
    text = model.source.segment(target)
    if isinstance(target, ast.Name):
        scope_node = model.enclosing_function(statement) or model.tree
    elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
        scope_node = model.enclosing_class(statement) or model.tree
    else:
        return None
    start = (statement.end_lineno or statement.lineno, statement.end_col_offset or 0)
    later = [
        (node.lineno, node.col_offset)
        for node in walk(scope_node)
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node is not statement and (node.lineno, node.col_offset) >= start
        and any(model.source.segment(item) == text for item in (node.targets if isinstance(node, ast.Assign) else [node.target]))
        and not _same_module(node.value, text, model)  # `model = model.to(device)` keeps the module
    ]
    return _Window(text, scope_node, start, min(later) if later else None)


def _same_module(value: Optional[ast.AST], text: str, model: "ModuleModel") -> bool:
    """Whether `value` is the module `text` names, through methods that return it (`model.to(device).eval()`)."""
    while isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in _RETURNS_SELF:
        value = value.func.value
    return value is not None and not isinstance(value, ast.Call) and model.source.segment(value) == text


def _calls_on(window: _Window, model: "ModuleModel", methods: Sequence[str]) -> List[ast.Call]:
    found = []
    for node in walk(window.scope):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in methods:
            if window.holds(node) and model.source.segment(node.func.value) == window.target:
                found.append(node)
    return found


def container_is_changed(constructor: ast.Call, model: "ModuleModel", methods: Sequence[str]) -> bool:
    """Whether the container built by `constructor` gains, loses or swaps layers later."""
    window = _assignment_target(constructor, model)
    if window is None:
        return False
    text = window.target
    if _calls_on(window, model, methods):
        return True
    for node in walk(window.scope):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.Delete)) and window.holds(node):
            targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
            for item in targets:
                if isinstance(item, ast.Subscript) and model.source.segment(item.value) == text:
                    return True
                if isinstance(item, ast.Attribute) and model.source.segment(item.value) == text:
                    return True
    return False


def added_layers(constructor: ast.Call, model: "ModuleModel") -> Optional[List[ast.AST]]:
    """Layers appended with `model.add(layer)` after `model = Sequential(...)`,
    in order; None when an `.add` is conditional, in a loop, or layers are popped."""
    window = _assignment_target(constructor, model)
    if window is None:
        return []
    if _calls_on(window, model, ("pop",)):
        return None
    adds = sorted(_calls_on(window, model, ("add",)), key=lambda c: (c.lineno, c.col_offset))
    if not adds:
        return []
    last = adds[-1]
    # the last `.add` must run unconditionally after the constructor
    current = model.parent(last)
    while current is not None and current is not window.scope:
        if isinstance(current, (ast.If, ast.For, ast.AsyncFor, ast.While, ast.Try)):
            return None
        current = model.parent(current)
    layers = []
    for add in adds:
        if len(add.args) != 1 or add.keywords:
            return None
        layers.append(add.args[0])
    return layers


def replaced_heads(constructor: ast.Call, model: "ModuleModel", head_attributes) -> Optional[List[Tuple[ast.AST, bool]]]:
    """Assignments that replace the classification head of a library model:
    (new layer, whether only one layer of the head was replaced); None when
    the head is changed in a way not followed (`reset_classifier`, a loop)."""
    window = _assignment_target(constructor, model)
    if window is None:
        return []
    text = window.target
    if _calls_on(window, model, ("reset_classifier",)):
        return None
    replaced = []
    for node in walk(window.scope):
        if not isinstance(node, ast.Assign) or len(node.targets) != 1 or not window.holds(node):
            continue
        item = node.targets[0]
        indexed = False
        if isinstance(item, ast.Subscript):
            item, indexed = item.value, True
        while isinstance(item, ast.Attribute) and isinstance(item.value, ast.Attribute) and model.source.segment(item.value.value) == text:
            item, indexed = item.value, True  # model.heads.head = ...
        if isinstance(item, ast.Attribute) and model.source.segment(item.value) == text and item.attr in head_attributes:
            replaced.append((node.value, indexed, node.lineno))
    replaced.sort(key=lambda entry: entry[2])
    return [(value, indexed) for value, indexed, _ in replaced]
