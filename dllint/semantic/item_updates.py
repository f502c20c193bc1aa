"""Item updates: `df[cols] = ...` changes part of what `df` holds.

    updates = semantic.item_updates
    updates.before(name)    -> [ItemUpdate], the updates a read of `name` sees

An assignment to an item, a slice or columns of a variable (`df["Age"] =
...`, `df[cols] = ...`, `df.loc[:, cols] = ...`, `X[:, 0] = ...`) does not
rebind the variable, so the scope table has no binding for it; the data the
variable holds still changed. A read of the variable sees the updates made
after the binding it reads (the same binding) and before the read, in
source order: flow-insensitive, like the rest of the model. Only updates of
a plain name are recorded (not `self.df[...]`), and `del df[col]` and
augmented updates (`df[col] /= 255`) are not.
"""
from __future__ import annotations

import ast

from typing import TYPE_CHECKING, Dict, List, Optional

from dllint.lazy_dataclass import lazy_dataclass

if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.module import ModuleModel

_INDEXERS = ("loc", "iloc", "at", "iat")


@lazy_dataclass(frozen=True)
class ItemUpdate:
    target: ast.Subscript     # `df[cols]`, `df.loc[:, cols]`
    value: ast.expr           # what is stored there
    statement: ast.Assign


class ItemUpdates:
    def __init__(self, model: "ModuleModel"):
        self.model = model
        self._by_name: Optional[Dict[str, List[ItemUpdate]]] = None

    def before(self, name: ast.Name) -> List[ItemUpdate]:
        """The item updates of the variable `name` reads, made after the binding
        it reads and before the read, in the same scope, in source order."""
        updates = self._all().get(name.id)
        if not updates:
            return []
        scopes = self.model.scopes
        scope = scopes.scope_at(name)
        owner, binding = scopes.lookup(name.id, scope, name.lineno)
        if binding is None or owner is not scope:
            return []
        found = []
        for update in updates:
            line = update.statement.lineno
            if not binding.line <= line < name.lineno:
                continue
            if scopes.scope_at(update.statement) is not scope:
                continue
            target = _variable(update.target)
            if target is None or scopes.lookup(name.id, scope, target.lineno)[1] is not binding:
                continue
            found.append(update)
        return found

    def _all(self) -> Dict[str, List[ItemUpdate]]:
        if self._by_name is None:
            found: Dict[str, List[ItemUpdate]] = {}
            for statement in self.model.nodes_of(ast.Assign):
                for target in statement.targets:
                    if isinstance(target, ast.Subscript):
                        variable = _variable(target)
                        if variable is not None:
                            found.setdefault(variable.id, []).append(ItemUpdate(target, statement.value, statement))
            for updates in found.values():
                updates.sort(key=lambda u: (u.statement.lineno, u.statement.col_offset))
            self._by_name = found
        return self._by_name


def _variable(target: ast.Subscript) -> Optional[ast.Name]:
    """The variable an item target updates: `df` in `df[c]` and `df.loc[:, c]`."""
    base = target.value
    if isinstance(base, ast.Attribute) and base.attr in _INDEXERS:
        base = base.value
    return base if isinstance(base, ast.Name) else None

