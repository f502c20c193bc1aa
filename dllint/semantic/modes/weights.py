"""Whether a model holds trained weights at a point.

`model.load_state_dict(...)` or `load_from_checkpoint(...)` earlier in the
function, `model = torch.load(path)` (also through `.to(device)`), or
`model = helper(...)` of a project function that loads a state dict. A model
with trained weights fed hand-written tensors is making a prediction, not
checking shapes.
"""
from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Dict, List, Optional, Tuple

from dllint.semantic import catalog
from dllint.semantic.modes.part import ModePart
from dllint.semantic.modes.states import Body, Key, key_relation
from dllint.semantic.scopes import _target_names
from dllint.tree import body_walk

if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.modes import ModeModel

_NEVER = float("inf")


class LoadedWeights(ModePart):
    """Where the models of one file get trained weights."""

    def __init__(self, modes: "ModeModel"):
        super().__init__(modes)
        self._load_events_of: Dict[int, Dict[Tuple[int, Optional[str]], List[Tuple[int, ast.Call, Key, str]]]] = {}
        self._weight_loaders: Dict[int, bool] = {}
        # id(call) -> whether it loads weights; the calls are this file's own
        # (events of _load_events), kept alive by its tree
        self._call_loads: Dict[int, bool] = {}
        self._first_loads: Dict[Tuple[int, Key], float] = {}

    def loaded_before(self, function: Body, node: ast.AST, key: Key) -> bool:
        """The model got trained weights before `node`: `model.load_state_dict(...)`
        earlier in the function, or it came from a project function that loads
        them (`model = load_model(path)`)."""
        return self._first_load_line(function, key) < getattr(node, "lineno", 0)

    def _first_load_line(self, function: Body, key: Key) -> float:
        """The first line of `function` where `key` may get trained weights
        (infinity when none). Once per model: a notebook that rebinds `model`
        in each cell asks about every earlier `model = Net()` for each of its
        forward calls."""
        token = (id(function), key)
        found = self._first_loads.get(token)
        if found is not None:
            return found
        found = _NEVER
        events = self._load_events(function)
        owner = id(key[0])
        for head in ((owner, key[1][0]), (owner, None)) if key[1] else ((owner, None),):
            for other_line, other, inner, kind in events.get(head, ()):
                if other_line >= found:
                    continue
                if kind == "load" and key_relation(inner, key) in ("same", "parent"):
                    found = other_line
                elif kind == "saved" and key_relation(inner, key) == "same":
                    found = other_line  # model = torch.load(path)
                elif kind == "assign" and key_relation(inner, key) == "same" and self._loads_weights(other):
                    found = other_line
        self._first_loads[token] = found
        return found

    def _load_events(self, function: Body) -> Dict[Tuple[int, Optional[str]], List[Tuple[int, ast.Call, Key, str]]]:
        """The calls of `function` that may give a model trained weights, by the
        model's (owner, first name): `m.load_state_dict(...)` ("load"),
        `m = torch.load(path)` possibly through `.to(device)` ("saved") and
        `m = helper(...)` ("assign", when the helper loads). Built once per
        function: asking for each forward call made module-level scripts
        quadratic."""
        found = self._load_events_of.get(id(function))
        if found is not None:
            return found
        found = {}
        for other in body_walk(function):
            if not isinstance(other, ast.Call):
                continue
            inners: List[Tuple[Optional[Key], str]] = []
            if isinstance(other.func, ast.Attribute) and other.func.attr in ("load_state_dict", "load_from_checkpoint"):
                inners.append((self.modes.keys.key_of(other.func.value), "load"))
            parent = self.semantic.parent(other)
            while isinstance(parent, ast.Attribute) and isinstance(self.semantic.parent(parent), ast.Call):
                parent = self.semantic.parent(self.semantic.parent(parent))  # torch.load(p).to(device)
            if isinstance(parent, ast.Assign) and self.semantic.qualified_name(other.func) in catalog.MODEL_LOADED_IN_SAVED_MODE:
                inners += [(self.modes.keys.key_of(element), "saved") for target in parent.targets for element, _ in _target_names(target)]
            parent = self.semantic.parent(other)
            if isinstance(parent, ast.Assign) and parent.value is other:
                inners += [(self.modes.keys.key_of(element), "assign") for target in parent.targets for element, _ in _target_names(target)]
            for inner, kind in inners:
                if inner is not None:
                    head = (id(inner[0]), inner[1][0] if inner[1] else None)
                    found.setdefault(head, []).append((other.lineno, other, inner, kind))
        self._load_events_of[id(function)] = found
        return found

    def _loads_weights(self, call: ast.Call) -> bool:
        """`call` runs a project function that calls `load_state_dict`.
        Answered once per call: the models of one name (`model`, `model.head`)
        share their assignments."""
        answer = self._call_loads.get(id(call))
        if answer is None:
            answer = self._call_loads[id(call)] = self._callee_loads_weights(call)
        return answer

    def _callee_loads_weights(self, call: ast.Call) -> bool:
        resolved = self.modes.calls.resolve_callee(call)
        if resolved is None:
            return False
        known = self._weight_loaders.get(id(resolved[1]))
        if known is None:
            known = self._weight_loaders[id(resolved[1])] = any(
                isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "load_state_dict"
                for n in body_walk(resolved[1]))
        return known
