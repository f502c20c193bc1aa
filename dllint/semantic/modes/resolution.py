"""The modes a model may be in at a point, resolved through the callers.

One flow (`flow.py`) per (body, model), computed when first asked and kept;
the summary of a function for one of its models (`Effect`); and `ENTRY`, the
mode a model had when its function was entered, replaced by the modes each
caller leaves it in (Lightning hooks: the mode the Trainer sets), to a
bounded depth.
"""
from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Dict, List, Optional, Set, Tuple

from dllint.semantic import catalog
from dllint.semantic.modes.calls import argument_for
from dllint.semantic.modes.flow import Flow
from dllint.semantic.modes.part import ModePart
from dllint.semantic.modes.states import (
    ENTRY, EVAL, MAX_DEPTH, TRAIN, UNKNOWN, UNKNOWN_EFFECT, Body, Effect, FunctionNode, Key, Mode, ModeAt, State,
)

if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.module import ModuleModel
    from dllint.semantic.modes import ModeModel

# Nesting of flow computations across the project (a guard against very deep
# or mutually recursive call chains; single-threaded like the runner).
_DEPTH: List[Tuple[ast.AST, Key]] = []


class ModeResolution(ModePart):
    """Flows, function summaries and modes at points of one file."""

    def __init__(self, modes: "ModeModel"):
        super().__init__(modes)
        self._flows: Dict[Tuple[ast.AST, Key], Flow] = {}
        self._busy: Set[Tuple[ast.AST, Key]] = set()
        self._effects: Dict[Tuple[ast.AST, Key], Effect] = {}

    def mode_before(self, node: ast.AST, expr: ast.AST) -> Optional[ModeAt]:
        """The modes the model `expr` may be in right before `node` runs."""
        key = self.modes.keys.key_of(expr)
        if key is None:
            return None
        function = self.modes.body_of(node)
        return ModeAt(self.resolve(function, self.state_before(function, node, key)))

    def mode_before_by_caller(self, node: ast.AST, expr: ast.AST) -> List[Tuple[Optional[Tuple["ModuleModel", ast.Call]], ModeAt]]:
        """`mode_before`, one answer per caller of the function `node` runs in
        when the model is one the function receives: a helper called once
        with a model in eval mode and once with one in training mode is
        judged for each call (the caller, the modes). (None, modes) when the
        modes do not depend on the caller."""
        key = self.modes.keys.key_of(expr)
        if key is None:
            return []
        function = self.modes.body_of(node)
        state = self.state_before(function, node, key)
        entries = [mode for mode in state if mode.kind == ENTRY and mode.key is not None]
        whole = [(None, ModeAt(self.resolve(function, state)))]
        if len(entries) != 1 or not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return whole
        slot = entries[0].key
        assert slot is not None
        class_node = self.semantic.enclosing_class(function)
        if class_node is not None and slot[0] is class_node and self.project.model_framework(self.semantic.class_qualname(class_node)):
            return whole  # hooks of a model class: Lightning decides
        callers, referenced = self.modes.calls.callers(function)
        if referenced or len(callers) < 2:
            return whole
        rest = self.resolve(function, frozenset(mode for mode in state if mode is not entries[0]))
        found: List[Tuple[Optional[Tuple["ModuleModel", ast.Call]], ModeAt]] = []
        for module, call in callers:
            caller_key = module.modes.calls.caller_key(call, self.semantic, function, slot)
            if caller_key is None:
                found.append(((module, call), ModeAt(rest | {Mode(UNKNOWN, call)})))
                continue
            caller_function = module.modes.body_of(call)
            before = module.modes.resolution.state_before(caller_function, call, caller_key)
            found.append(((module, call), ModeAt(rest | module.modes.resolution.resolve(caller_function, before, 1))))
        return found

    def caller_dependent(self, caller: Tuple["ModuleModel", ast.Call], node: ast.AST, expr: ast.AST) -> bool:
        """Mode dependence of the model `expr` (a parameter of the function
        `node` runs in) as one caller passes it."""
        key = self.modes.keys.key_of(expr)
        function = self.modes.body_of(node)
        module, call = caller
        if key is not None and key[0] is function and len(key[1]) == 1 and isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            argument = argument_for(call, function, key[1][0])
            if argument is not None:
                return module.modes.is_mode_dependent(argument)
        return self.modes.is_mode_dependent(expr)

    def resolve(self, function: Body, state: State, depth: int = 0) -> State:
        result: Set[Mode] = set()
        for mode in state:
            if mode.kind == ENTRY and mode.key is not None:
                result |= self.entry_state(function, mode.key, depth)
            else:
                result.add(mode)
        return frozenset(result)

    def entry_state(self, function: Body, key: Key, depth: int = 0) -> State:
        """The modes a model may have when `function` is entered."""
        unknown = frozenset({Mode(UNKNOWN, function)})
        if depth > MAX_DEPTH or not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return unknown
        class_node = self.semantic.enclosing_class(function)
        if class_node is not None and key[0] is class_node:
            framework = self.project.model_framework(self.semantic.class_qualname(class_node))
            if framework == "lightning" and function.name in catalog.LIGHTNING_EVAL_HOOKS:
                return frozenset({Mode(EVAL, function)})
            if framework == "lightning" and function.name in catalog.LIGHTNING_TRAIN_HOOKS:
                return frozenset({Mode(TRAIN, function)})
        callers, referenced = self.modes.calls.callers(function)
        if not callers:
            return unknown
        result: Set[Mode] = set(unknown) if referenced else set()
        for module, call in callers:
            caller_key = module.modes.calls.caller_key(call, self.semantic, function, key)
            if caller_key is None:
                result |= unknown
                continue
            caller_function = module.modes.body_of(call)
            state = module.modes.resolution.state_before(caller_function, call, caller_key)
            result |= module.modes.resolution.resolve(caller_function, state, depth + 1)
        return frozenset(result)

    def flow(self, function: Body, key: Key) -> Optional[Flow]:
        token = (function, key)
        if token in self._flows:
            return self._flows[token]
        if token in self._busy or len(_DEPTH) > MAX_DEPTH * 3:
            return None
        self._busy.add(token)
        _DEPTH.append(token)
        try:
            result = Flow(self.modes, function, key)
        except RecursionError:  # a pathologically deep file: treat the model as unknown here
            return None
        finally:
            self._busy.discard(token)
            _DEPTH.pop()
        self._flows[token] = result
        return result

    def state_before(self, function: Body, node: ast.AST, key: Key) -> State:
        flow = self.flow(function, key)
        if flow is None:
            return frozenset({Mode(UNKNOWN, node)})
        state = flow.state_at(node)
        return state if state is not None else frozenset({Mode(UNKNOWN, node)})

    def effect(self, function: FunctionNode, slot: Key) -> Effect:
        """The summary of `function` for the model in `slot`."""
        token = (function, slot)
        if token in self._effects:
            return self._effects[token]
        flow = self.flow(function, slot)
        if flow is None:
            return UNKNOWN_EFFECT
        entry = Mode(ENTRY, None, slot)
        effect = Effect(
            exit=flow.exit,
            yields=flow.yields,
            forwards_entry=any(entry in state for state in flow.points.values()),
            forwards=bool(flow.points),
            returns_entry=any(entry in state for state in flow.pending.values()),
            returns_forward=bool(flow.pending),
        )
        self._effects[token] = effect
        return effect
