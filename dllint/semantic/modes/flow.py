"""The data-flow pass: the modes of one model through one function body.

A small forward pass over the statements of a body for one model (a key). A
state is the set of modes the model may be in; `ENTRY` stands for "whatever
it was when the function was entered" and is resolved through the callers
(`resolution.py`). A call of a project function applies that function's
summary (`Effect`); anything dllint cannot follow (a library function that
receives the model, a callback) adds `UNKNOWN`, which no rule treats as a
finding. Runs of statements that cannot touch the model are jumped over
(`semantic/mode_relevance.py`; once the model escaped, fewer of them) and
walked again only when asked about.
"""
from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Dict, List, Optional, Set, Tuple

from dllint.semantic import catalog
from dllint.semantic.modes.states import (
    EITHER, EMPTY, ENTRY, ESCAPED, ESCAPED_MODE, ESCAPED_ONLY, EVAL, TRAIN, UNKNOWN, Body, FunctionNode, Key, Mode,
    State, attributed, has_escaped, keep_escaped, key_relation,
)
from dllint.semantic.modes.switches import switch_of
from dllint.semantic.scopes import _target_names
from dllint.semantic.values import MODEL
from dllint.tree import body_walk, children

if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.mode_relevance import Relevant
    from dllint.semantic.modes import ModeModel


class Flow:
    """The modes of one model (`key`) through one function body."""

    def __init__(self, modes: "ModeModel", function: Body, key: Key):
        self.modes = modes
        self.function = function
        self.key = key
        self.before: Dict[ast.AST, State] = {}
        self.exit: State = EMPTY
        self.yields: State = EMPTY
        # forward passes with gradients of this model (and calls that lead to one)
        self.points: Dict[ast.AST, State] = {}
        self._point_order: Dict[int, int] = {}  # id(point) -> when the flow met it
        # forward passes whose output is only returned, in a function without backward()
        self.pending: Dict[ast.AST, State] = {}
        # the state after each `return` value is evaluated
        self.returns: Dict[ast.AST, State] = {}
        self._loops: List[List[State]] = []  # [breaks, continues] per enclosing loop
        # Runs of statements that cannot touch this model are jumped over
        # (semantic/mode_relevance.py): (their list, first, stop, the state).
        self._index = modes.body_index(function)
        self._relevant = self._index.relevant_positions(key)
        self._relevant_escaped: Optional[Relevant] = None
        self._skipped: List[Tuple[List[ast.stmt], int, int, State]] = []
        self._replaying = False
        start = frozenset({Mode(ENTRY, None, key)})
        end = self._block(function.body, start)
        self.exit |= end

    # -- statements -----------------------------------------------------------
    def _block(self, statements: List[ast.stmt], state: State) -> State:
        index = 0
        while index < len(statements):
            if not self._replaying:
                relevant = self._relevant
                if has_escaped(state):
                    if self._relevant_escaped is None:
                        self._relevant_escaped = self._index.when_escaped(self._relevant)
                    relevant = self._relevant_escaped
                stop = self._index.first_relevant(statements, index, relevant)
                if stop > index:
                    self._skipped.append((statements, index, stop, state))
                    index = stop
                    continue
            state = self._statement(statements[index], state)
            index += 1
        return state

    def state_at(self, node: ast.AST) -> Optional[State]:
        """The state right before a statement or call, None if the flow never
        reaches it. A jumped-over statement is walked again on demand (its
        state passes through unchanged)."""
        found = self.before.get(node)
        if found is not None or not self._skipped:
            return found
        for statements, first, stop, state in reversed(self._skipped):
            at = self._index.statement_at(statements, first, stop, node)
            if at is not None:
                self._replaying = True
                try:
                    self._statement(statements[at], state)
                finally:
                    self._replaying = False
                return self.before.get(node)
        return None

    def points_among(self, nodes: List[ast.AST]) -> List[Tuple[ast.AST, State]]:
        """The forward passes (`points`) among `nodes`, in the order the flow
        met them: what one loop holds, without a scan of every point of the
        body for each loop of a notebook."""
        if len(self._point_order) != len(self.points):
            self._point_order = {id(point): number for number, point in enumerate(self.points)}
        order = self._point_order
        found = sorted((node for node in nodes if id(node) in order), key=lambda node: order[id(node)])
        return [(node, self.points[node]) for node in found]

    def _statement(self, node: ast.stmt, state: State) -> State:
        self.before[node] = state
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return state
        if isinstance(node, ast.If):
            state = self._expr(node.test, state)
            return phase_switch(self._block(node.body, state), self._block(node.orelse, state), state)
        if isinstance(node, (ast.For, ast.AsyncFor)):
            state = self._expr(node.iter, state)
            return self._loop(node, state, lambda s: self._bind(node.target, None, s, node))
        if isinstance(node, ast.While):
            forever = isinstance(node.test, ast.Constant) and bool(node.test.value)
            return self._loop(node, state, lambda s: self._expr(node.test, s), forever)
        if isinstance(node, (ast.With, ast.AsyncWith)):
            exits = []
            for item in node.items:
                state, exit_effect = self._enter(item.context_expr, state)
                exits.append(exit_effect)
                if item.optional_vars is not None:
                    state = self._bind(item.optional_vars, None, state, node)
            state = self._block(node.body, state)
            for exit_effect in reversed(exits):
                if exit_effect is not None:
                    state = exit_effect(state)
            return state
        if isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            body_end = self._block(node.body, state)
            inside = state | body_end
            for statement in node.body:
                inside |= self.before.get(statement, EMPTY)
            handled = EMPTY
            for handler in node.handlers:
                handled |= self._block(handler.body, inside)
            done = self._block(node.orelse, body_end) | handled
            if node.finalbody:
                # runs after normal completion, or on the way out of a return/raise
                after = self._block(node.finalbody, done or inside)
                return after if done else EMPTY
            return done
        if type(node).__name__ == "Match":
            state = self._expr(node.subject, state)  # type: ignore[attr-defined]
            result = state
            for case in node.cases:  # type: ignore[attr-defined]
                result |= self._block(case.body, state)
            return result
        if isinstance(node, ast.Return):
            if node.value is not None:
                state = self._expr(node.value, state)
            self.returns[node] = self.returns.get(node, EMPTY) | state
            self.exit |= state
            return EMPTY
        if isinstance(node, ast.Raise):
            if node.exc is not None:
                self._expr(node.exc, state)
            return EMPTY
        if isinstance(node, ast.Break):
            if self._loops:
                self._loops[-1][0] |= state
            return EMPTY
        if isinstance(node, ast.Continue):
            if self._loops:
                self._loops[-1][1] |= state
            return EMPTY
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            if node.value is None:
                return state
            state = self._expr(node.value, state)
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                state = self._bind(target, node.value, state, node)
            return state
        if isinstance(node, ast.AugAssign):
            return self._expr(node.value, state)
        for child in children(node):
            if isinstance(child, ast.expr):
                state = self._expr(child, state)
        return state

    def _loop(self, node: ast.AST, state: State, head, forever: bool = False) -> State:
        entry = state
        loop_state = entry
        after = EMPTY
        for _ in range(6):
            self._loops.append([EMPTY, EMPTY])
            at_head = head(loop_state)
            end = self._block(node.body, at_head)  # type: ignore[attr-defined]
            breaks, continues = self._loops.pop()
            following = entry | end | continues
            after = breaks | (EMPTY if forever else at_head)
            if following == loop_state:
                break
            loop_state = following
        orelse = getattr(node, "orelse", [])
        if orelse:
            after = breaks | self._block(orelse, EMPTY if forever else head(loop_state))
        return after

    def _enter(self, context: ast.expr, state: State):
        """A `with` item: the state inside, and how leaving changes it."""
        if isinstance(context, ast.Call):
            resolved = self.modes.calls.resolve_callee(context)
            if resolved is not None and is_generator(resolved[1]):
                for sub in children(context):
                    if isinstance(sub, ast.expr):
                        state = self._expr(sub, state)
                self.before[context] = state
                module, function = resolved
                slots = self.modes.calls.slots_for(context, module, function, self.key)
                slots = [(slot, relation) for slot, relation in slots if relation == "same"]
                if slots:
                    for slot, _relation_kind in slots:
                        effect = module.modes.resolution.effect(function, slot)
                        state = self._substitute(effect.yields or effect.exit, state, context, slot)

                    def leave(current: State) -> State:
                        # what the generator does after its yield acts on the
                        # state the with-body left behind
                        for slot, _relation_kind in slots:
                            effect = module.modes.resolution.effect(function, slot)
                            current = self._substitute(effect.exit, current, context, slot)
                        return current

                    return state, leave
                return state, None
        return self._expr(context, state), None

    # -- bindings ---------------------------------------------------------------
    def _bind(self, target: ast.AST, value: Optional[ast.expr], state: State, statement: ast.AST) -> State:
        for element, path in _target_names(target):
            relation = key_relation(self.modes.keys.key_of(element), self.key)
            if relation == "same":
                if value is None or -1 in path:
                    state = keep_escaped(state) | {Mode(UNKNOWN, statement)}
                else:
                    state = keep_escaped(state) | self.modes.assigned.value_state(self.function, statement, value, path, self.key, state)
            elif relation == "parent":
                state = self.modes.assigned.constructed_part(value, path, self.key, element) or frozenset({Mode(UNKNOWN, statement)})
            elif value is not None and relation is None and self._holds_key(value, path):
                # the model is stored somewhere else (`self.model = model`, a list)
                state = state | ESCAPED_ONLY
        return state

    def _holds_key(self, value: ast.expr, path: Tuple[int, ...]) -> bool:
        if path and isinstance(value, (ast.Tuple, ast.List)) and 0 <= path[0] < len(value.elts):
            return self._holds_key(value.elts[path[0]], path[1:])
        candidates = [value]
        if isinstance(value, (ast.Tuple, ast.List, ast.Set)):
            candidates = list(value.elts)
        elif isinstance(value, ast.Dict):
            candidates = [v for v in value.values if v is not None]
        for candidate in candidates:
            base = self.modes.keys.alias_base(candidate)
            if base is not None and key_relation(self.modes.keys.key_of(base), self.key) in ("same", "parent"):
                return True
        return False

    # -- expressions --------------------------------------------------------------
    def _expr(self, node: ast.AST, state: State) -> State:
        if isinstance(node, (ast.Lambda,)):
            return state
        if isinstance(node, ast.IfExp):
            state = self._expr(node.test, state)
            return self._expr(node.body, state) | self._expr(node.orelse, state)
        if isinstance(node, ast.BoolOp):
            state = self._expr(node.values[0], state)
            for value in node.values[1:]:
                state = state | self._expr(value, state)
            return state
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            for generator in node.generators:
                state = self._expr(generator.iter, state)
                state = self._bind(generator.target, None, state, generator.target)
                for condition in generator.ifs:
                    state = self._expr(condition, state)
            elements = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
            for element in elements:
                state = state | self._expr(element, state)
            return state
        if isinstance(node, ast.Call):
            state = self._expr(node.func, state)
            for argument in node.args:
                state = self._expr(argument, state)
            for keyword in node.keywords:
                state = self._expr(keyword.value, state)
            self.before[node] = state
            return self._call(node, state)
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            if node.value is not None:
                state = self._expr(node.value, state)
            self.yields |= state
            return state
        if isinstance(node, ast.NamedExpr):
            state = self._expr(node.value, state)
            return self._bind(node.target, node.value, state, node)
        if isinstance(node, (ast.List, ast.Tuple, ast.Set, ast.Dict)) and isinstance(getattr(node, "ctx", ast.Load()), ast.Load):
            for child in children(node):
                if isinstance(child, ast.expr):
                    state = self._expr(child, state)
            if self._holds_key(node, ()):
                # `for net in (encoder, decoder): net.eval()`, `models = [a, b]`
                state = state | ESCAPED_ONLY
            return state
        for child in children(node):
            if isinstance(child, ast.expr):
                state = self._expr(child, state)
        return state

    def _call(self, call: ast.Call, state: State) -> State:
        modes = self.modes
        key = self.key
        func = call.func
        forward = modes.keys.forward_key(call)
        if forward is not None and key_relation(forward, key) == "same" and not modes.training.in_no_grad(call) \
                and modes.training.feeds_training(call):
            self._add_point(call, state)
        if isinstance(func, ast.Attribute):
            receiver_expr = modes.keys.alias_base(func.value)
            receiver = modes.keys.key_of(receiver_expr) if receiver_expr is not None else None
            relation = key_relation(receiver, key)
            if func.attr in ("eval", "train"):
                if relation in ("same", "parent"):
                    return keep_escaped(state) | {switch_of(call)}
                if relation == "child":
                    # Part of the model switched (a frozen encoder kept in eval,
                    # a head put back in train): the model is in mixed mode on
                    # purpose, and what it was before no longer describes it.
                    return keep_escaped(state) | {Mode(UNKNOWN, call)}
                if has_escaped(state):
                    return state | {Mode(UNKNOWN, call)}  # maybe this model, reached through a container
                if receiver is not None:
                    return state
            if relation in ("same", "parent"):
                resolved = modes.calls.resolve_callee(call)
                if resolved is not None:
                    return self._apply(call, resolved, state)
                if relation == "parent" and forward is not None:
                    value = modes.semantic.value_of(func)
                    if value is not None and value.kind == MODEL:
                        return state  # `gan.generator(z)`: running a part of an object switches nothing
                if func.attr in catalog.MODEL_METHODS_SETTING_EVAL and relation == "same":
                    return keep_escaped(state) | {Mode(EVAL, call)}
                if func.attr in catalog.MODEL_METHODS_SETTING_TRAIN and relation == "same":
                    return keep_escaped(state) | {Mode(TRAIN, call)}
                if func.attr in catalog.MODE_NEUTRAL_MODEL_METHODS:
                    return state
                if func.attr == "apply" and call.args and modes.switches.applies_neutral_function(call.args[0]):
                    return state  # model.apply(init_weights)
                if receiver is not None and not receiver[1] and isinstance(receiver[0], ast.ClassDef):
                    return state  # an inherited method on self (`self.log(...)`)
                return state | {Mode(UNKNOWN, call)}
        resolved = modes.calls.resolve_callee(call)
        if resolved is not None:
            return self._apply(call, resolved, state)
        involved = modes.keys.passes_key(call, key)
        if involved:
            if modes.switches.is_neutral_call(call):
                return state
            if modes.switches.may_keep(call):
                return state | {Mode(UNKNOWN, call), ESCAPED_MODE}
            return state | {Mode(UNKNOWN, call)}
        if has_escaped(state) and forward is None and not modes.switches.is_neutral_call(call):
            return state | {Mode(UNKNOWN, call)}
        return state

    def _apply(self, call: ast.Call, resolved, state: State) -> State:
        module, function = resolved
        slots = self.modes.calls.slots_for(call, module, function, self.key)
        if not slots:
            if has_escaped(state) and module.modes.switches.switches_modes(function):
                return state | {Mode(UNKNOWN, call)}
            return state
        for slot, relation in slots:
            effect = module.modes.resolution.effect(function, slot)
            if relation == "child":
                if any(mode.kind != ENTRY for mode in effect.exit):
                    state = state | {Mode(UNKNOWN, call)}
                continue
            if effect.forwards_entry:
                self.points[call] = self.points.get(call, EMPTY) | state
            elif effect.returns_entry and not self.modes.training.in_no_grad(call) and self.modes.training.feeds_training(call):
                self._add_point(call, state)
            state = self._substitute(effect.exit, state, call, slot)
        return state

    def _add_point(self, call: ast.Call, state: State) -> None:
        """A forward pass (or a call returning one) whose value reaches a
        backward() here, or is returned from a function without one."""
        points = self.points if self.modes.training.has_backward(self.function) else self.pending
        points[call] = points.get(call, EMPTY) | state

    @staticmethod
    def _substitute(modes: State, current: State, call: ast.AST, slot: Key) -> State:
        """Callee modes seen from the caller: ENTRY becomes the caller's state,
        every other mode is attributed to the call."""
        result: Set[Mode] = set(keep_escaped(current))
        for mode in modes:
            if mode.kind == ENTRY:
                if mode.key == slot:
                    result |= current
                else:
                    result.add(Mode(UNKNOWN, call))
            else:
                result.add(attributed(mode.kind, call))
        return frozenset(result)


def phase_switch(body: State, orelse: State, before: State) -> State:
    """`if phase == "train": model.train() else: model.eval()` is
    `model.train(phase == "train")`: the mode follows a condition dllint does
    not decide (the same one that guards the training step), so either."""
    ends = [[m for m in branch if m.kind != ESCAPED] for branch in (body, orelse)]
    if all(len(end) == 1 and end[0] not in before for end in ends) \
            and sorted(end[0].kind for end in ends) == sorted((EVAL, TRAIN)):
        switch = next(end[0] for end in ends if end[0].kind == EVAL)
        return keep_escaped(body | orelse) | {Mode(EITHER, switch.node)}
    return body | orelse


def is_generator(function: FunctionNode) -> bool:
    return any(isinstance(node, (ast.Yield, ast.YieldFrom)) for node in body_walk(function))
