"""Train/eval mode: which model is in which mode, where.

A PyTorch module starts in training mode; `.eval()` and `.train(False)` put
it and all its submodules into evaluation mode, `.train()` back. Dropout and
batch norm behave differently in the two. This module follows those switches
through a file and across the files of the project, so that rules only ask:

    modes = semantic.modes
    modes.key_of(expr)               -> Key: where a model lives (`model` in main(),
                                        `self.model` of a class, a global), through
                                        `.module`, DDP, `.to(device)` aliases
    modes.mode_before(node, expr)    -> ModeAt: the modes the model may be in when
                                        `node` runs (through helper functions, methods,
                                        callers in other files, loops)
    modes.is_mode_dependent(expr)    -> False only when every layer is known and none
                                        behaves differently in eval mode
    modes.in_no_grad(node)           -> under torch.no_grad()/inference_mode()
    modes.forward_calls()            -> every `model(x)` / `model.forward(x)` of the file
    modes.exports()                  -> onnx/jit/export calls that record the model's mode
    modes.inference_reason(call)     -> why a forward call is inference (None if not)
    modes.training_loops(function)   -> loops that run backward() and step()
    modes.unrestored_evals()         -> eval switches in a training loop that reach
                                        the next training forward pass
    modes.effect(function, slot)     -> what calling `function` does to the mode of
                                        the model in `slot` (the function summary)

The analysis is a small forward data-flow pass over one function body for one
model (a *key*), computed lazily and cached. A state is the set of modes the
model may be in; `ENTRY` stands for "whatever it was when the function was
entered" and is resolved through the callers. Anything dllint cannot follow
(a library function that receives the model, a pickled model, a callback)
adds `UNKNOWN`, which no rule treats as a finding.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING, Dict, FrozenSet, Iterator, List, Optional, Set, Tuple, Union

from dllint.semantic.arguments import positional_or_keyword
from dllint.semantic import catalog
from dllint.semantic.imports import dotted_parts
from dllint.semantic.module import _call_argument, _return_expressions
from dllint.semantic.scopes import _target_names
from dllint.semantic.values import MODEL, TEST, VALIDATION
from dllint.tree import children, walk

if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.mode_dependence import ModeDependence
    from dllint.semantic.module import ModuleModel

FunctionNode = Union[ast.FunctionDef, ast.AsyncFunctionDef]
Body = Union[ast.Module, ast.FunctionDef, ast.AsyncFunctionDef]
# Where a model lives: the scope that owns the name (a function, the module,
# or a class for `self.<path>`), and the attribute path from that name.
Key = Tuple[ast.AST, Tuple[str, ...]]

TRAIN, EVAL, EITHER, UNKNOWN, ENTRY, ESCAPED = "train", "eval", "either", "unknown", "entry", "escaped"
_MAX_DEPTH = 8


@dataclass(frozen=True)
class Mode:
    """One way a model may be at a point: put in `kind` mode by `node`.

    EITHER: `.train(flag)` with a value dllint cannot decide. ENTRY: as it was
    when the function was entered (`key` says which model). ESCAPED: the model
    was handed to something that keeps it (a trainer object, a list), which may
    switch it later; it travels along with the other modes.
    """

    kind: str
    node: Optional[ast.AST] = None
    key: Optional[Key] = None


State = FrozenSet[Mode]
EMPTY: State = frozenset()


@dataclass(frozen=True)
class ModeAt:
    """The modes a model may be in at a point, resolved through callers."""

    modes: State

    @property
    def surely_training(self) -> bool:
        """Every path to this point leaves the model in training mode."""
        kinds = {mode.kind for mode in self.modes if mode.kind != ESCAPED}
        return kinds == {TRAIN}

    @property
    def eval_nodes(self) -> List[ast.AST]:
        return [mode.node for mode in self.modes if mode.kind == EVAL and mode.node is not None]


@dataclass(frozen=True)
class Effect:
    """What one call of a function does to the model in one of its slots.

    `exit`: the modes at return (ENTRY = unchanged); `yields`: at a `yield`
    (for generator context managers); `forwards_entry`: the mode the model had
    on entry reaches a forward pass with gradients (a training step);
    `forwards`: the function runs such a forward pass at all; `returns_entry`
    and `returns_forward`: the same for a forward pass whose output is only
    returned (`validation(model, loader)` returning a loss it never
    backpropagates is not a training step unless its caller does).
    """

    exit: State
    yields: State = EMPTY
    forwards_entry: bool = False
    forwards: bool = False
    # The same for a forward pass whose output the function only returns (it
    # has no backward() of its own): a training step only where the caller
    # backpropagates through the returned value.
    returns_entry: bool = False
    returns_forward: bool = False


_UNKNOWN_EFFECT = Effect(exit=frozenset({Mode(UNKNOWN)}))

# Function names that say "this evaluates": evaluate, validate, test_epoch, predict ...
_EVALUATION_WORDS = frozenset(
    {"evaluate", "evaluation", "eval", "validate", "validation", "val", "valid", "test", "testing",
     "predict", "prediction", "predictions", "infer", "inference"}
)
_TRAINING_WORDS = frozenset({"train", "training", "fit", "finetune", "update", "backward", "optimize"})
# Parameter names that hold a submodule when stored on self (`self.backbone = backbone`).
_METHODS_OF_TENSORS_AND_OTHERS = frozenset(
    {"item", "tolist", "numpy", "size", "dim", "view", "reshape", "format", "join", "split", "strip",
     "items", "keys", "values", "get", "info", "debug", "warning", "error", "add_scalar", "add_scalars",
     "write", "flush", "close", "set_description", "set_postfix", "numel", "mean", "sum", "argmax",
     "max", "min", "to", "cuda", "cpu", "float", "long", "detach", "clone", "squeeze", "unsqueeze",
     "permute", "transpose", "zero_", "copy_", "add_", "mul_", "backward", "step", "zero_grad",
     "compute", "reset", "eq", "ne", "gt", "lt", "softmax", "sigmoid", "exp", "log", "startswith",
     "endswith", "replace", "lower", "upper", "encode", "decode", "append", "extend", "pop", "insert"}
)


# -- keys -------------------------------------------------------------------------
def _relation(inner: Optional[Key], key: Key) -> Optional[str]:
    """How `inner` relates to `key`: "same", "parent" (it contains `key`),
    "child" (it is a part of `key`) or None."""
    if inner is None or inner[0] is not key[0]:
        return None
    a, b = inner[1], key[1]
    if a == b:
        return "same"
    if len(a) < len(b) and b[: len(a)] == a:
        return "parent"
    if len(a) > len(b) and a[: len(b)] == b:
        return "child"
    return None


def _is_fresh_load(node: ast.AST) -> bool:
    """`X.from_pretrained(...)`: a new object that starts in eval mode, not a
    switch of a model being trained (a validation pipeline built inside the
    training loop around the trained network is not that network)."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
        and node.func.attr in catalog.MODEL_LOADED_IN_EVAL_MODE


def _keep_escaped(state: State) -> State:
    return frozenset(mode for mode in state if mode.kind == ESCAPED)


def _switch(call: ast.Call) -> Mode:
    """The mode `x.train(...)` / `x.eval()` puts a model into."""
    assert isinstance(call.func, ast.Attribute)
    if call.func.attr == "eval":
        return Mode(EVAL, call)
    flag = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "mode"), None)
    if flag is None:
        return Mode(TRAIN, call)
    if isinstance(flag, ast.Constant):
        return Mode(TRAIN if flag.value else EVAL, call)
    return Mode(EITHER, call)


def _walk_no_defs(node: ast.AST) -> Iterator[ast.AST]:
    """ast.walk that does not enter nested functions, lambdas or classes."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        for child in children(current):
            if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                stack.append(child)


def _body_walk(function: Body) -> Iterator[ast.AST]:
    for statement in function.body:
        yield from _walk_no_defs(statement)


def argument_for(call: ast.Call, function: FunctionNode, name: str) -> Optional[ast.expr]:
    """The argument `call` passes for parameter `name` of `function`."""
    positional = [a.arg for a in function.args.posonlyargs + function.args.args]
    return _call_argument(call, function, positional.index(name) if name in positional else -1, name)


def _is_false(node: Optional[ast.AST]) -> bool:
    return isinstance(node, ast.Constant) and not node.value


def _words(name: str) -> Set[str]:
    return {word for word in name.lower().strip("_").split("_") if word}


def is_evaluation_name(name: str) -> bool:
    """`evaluate`, `validate`, `test_epoch`, `run_inference`, `predict` ...
    but not `train_and_evaluate` or a pytest function (`test_model_forward`)."""
    words = _words(name)
    if not words & _EVALUATION_WORDS or words & _TRAINING_WORDS:
        return False
    if name.startswith("test_") and len(words) > 2:
        return False
    return True


# -- the data-flow pass ---------------------------------------------------------------
class _Flow:
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
        # forward passes whose output is only returned, in a function without backward()
        self.pending: Dict[ast.AST, State] = {}
        # the state after each `return` value is evaluated
        self.returns: Dict[ast.AST, State] = {}
        self._loops: List[List[State]] = []  # [breaks, continues] per enclosing loop
        start = frozenset({Mode(ENTRY, None, key)})
        end = self._block(function.body, start)
        self.exit |= end

    # -- statements -----------------------------------------------------------
    def _block(self, statements: List[ast.stmt], state: State) -> State:
        for statement in statements:
            state = self._statement(statement, state)
        return state

    def _statement(self, node: ast.stmt, state: State) -> State:
        self.before[node] = state
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return state
        if isinstance(node, ast.If):
            state = self._expr(node.test, state)
            return _phase_switch(self._block(node.body, state), self._block(node.orelse, state), state)
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
            resolved = self.modes.resolve_callee(context)
            if resolved is not None and _is_generator(resolved[1]):
                for sub in children(context):
                    if isinstance(sub, ast.expr):
                        state = self._expr(sub, state)
                self.before[context] = state
                module, function = resolved
                slots = self.modes.slots_for(context, module, function, self.key)
                slots = [(slot, relation) for slot, relation in slots if relation == "same"]
                if slots:
                    for slot, _relation_kind in slots:
                        effect = module.modes.effect(function, slot)
                        state = self._substitute(effect.yields or effect.exit, state, context, slot)

                    def leave(current: State) -> State:
                        # what the generator does after its yield acts on the
                        # state the with-body left behind
                        for slot, _relation_kind in slots:
                            effect = module.modes.effect(function, slot)
                            current = self._substitute(effect.exit, current, context, slot)
                        return current

                    return state, leave
                return state, None
        return self._expr(context, state), None

    # -- bindings ---------------------------------------------------------------
    def _bind(self, target: ast.AST, value: Optional[ast.expr], state: State, statement: ast.AST) -> State:
        for element, path in _target_names(target):
            relation = _relation(self.modes.key_of(element), self.key)
            if relation == "same":
                if value is None or -1 in path:
                    state = _keep_escaped(state) | {Mode(UNKNOWN, statement)}
                else:
                    state = _keep_escaped(state) | self.modes.value_state(self.function, statement, value, path, self.key, state)
            elif relation == "parent":
                state = self.modes.constructed_part(value, path, self.key, element) or frozenset({Mode(UNKNOWN, statement)})
            elif value is not None and relation is None and self._holds_key(value, path):
                # the model is stored somewhere else (`self.model = model`, a list)
                state = state | {Mode(ESCAPED, statement)}
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
            base = self.modes.alias_base(candidate)
            if base is not None and _relation(self.modes.key_of(base), self.key) in ("same", "parent"):
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
                state = state | {Mode(ESCAPED, node)}
            return state
        for child in children(node):
            if isinstance(child, ast.expr):
                state = self._expr(child, state)
        return state

    def _call(self, call: ast.Call, state: State) -> State:
        modes = self.modes
        key = self.key
        func = call.func
        forward = modes.forward_key(call)
        if forward is not None and _relation(forward, key) == "same" and not modes.in_no_grad(call) \
                and modes.feeds_training(call):
            self._add_point(call, state)
        if isinstance(func, ast.Attribute):
            receiver_expr = modes.alias_base(func.value)
            receiver = modes.key_of(receiver_expr) if receiver_expr is not None else None
            relation = _relation(receiver, key)
            if func.attr in ("eval", "train"):
                if relation in ("same", "parent"):
                    return _keep_escaped(state) | {_switch(call)}
                if relation == "child":
                    # Part of the model switched (a frozen encoder kept in eval,
                    # a head put back in train): the model is in mixed mode on
                    # purpose, and what it was before no longer describes it.
                    return _keep_escaped(state) | {Mode(UNKNOWN, call)}
                if any(mode.kind == ESCAPED for mode in state):
                    return state | {Mode(UNKNOWN, call)}  # maybe this model, reached through a container
                if receiver is not None:
                    return state
            if relation in ("same", "parent"):
                resolved = modes.resolve_callee(call)
                if resolved is not None:
                    return self._apply(call, resolved, state)
                if relation == "parent" and forward is not None:
                    value = modes.semantic.value_of(func)
                    if value is not None and value.kind == MODEL:
                        return state  # `gan.generator(z)`: running a part of an object switches nothing
                if func.attr in catalog.MODEL_METHODS_SETTING_EVAL and relation == "same":
                    return _keep_escaped(state) | {Mode(EVAL, call)}
                if func.attr in catalog.MODEL_METHODS_SETTING_TRAIN and relation == "same":
                    return _keep_escaped(state) | {Mode(TRAIN, call)}
                if func.attr in catalog.MODE_NEUTRAL_MODEL_METHODS:
                    return state
                if func.attr == "apply" and call.args and modes.applies_neutral_function(call.args[0]):
                    return state  # model.apply(init_weights)
                if receiver is not None and not receiver[1] and isinstance(receiver[0], ast.ClassDef):
                    return state  # an inherited method on self (`self.log(...)`)
                return state | {Mode(UNKNOWN, call)}
        resolved = modes.resolve_callee(call)
        if resolved is not None:
            return self._apply(call, resolved, state)
        involved = modes.passes_key(call, key)
        if involved:
            if modes.is_neutral_call(call):
                return state
            if modes.may_keep(call):
                return state | {Mode(UNKNOWN, call), Mode(ESCAPED, call)}
            return state | {Mode(UNKNOWN, call)}
        if any(mode.kind == ESCAPED for mode in state) and forward is None and not modes.is_neutral_call(call):
            return state | {Mode(UNKNOWN, call)}
        return state

    def _apply(self, call: ast.Call, resolved, state: State) -> State:
        module, function = resolved
        slots = self.modes.slots_for(call, module, function, self.key)
        if not slots:
            if any(mode.kind == ESCAPED for mode in state) and module.modes.switches_modes(function):
                return state | {Mode(UNKNOWN, call)}
            return state
        for slot, relation in slots:
            effect = module.modes.effect(function, slot)
            if relation == "child":
                if any(mode.kind != ENTRY for mode in effect.exit):
                    state = state | {Mode(UNKNOWN, call)}
                continue
            if effect.forwards_entry:
                self.points[call] = self.points.get(call, EMPTY) | state
            elif effect.returns_entry and not self.modes.in_no_grad(call) and self.modes.feeds_training(call):
                self._add_point(call, state)
            state = self._substitute(effect.exit, state, call, slot)
        return state

    def _add_point(self, call: ast.Call, state: State) -> None:
        """A forward pass (or a call returning one) whose value reaches a
        backward() here, or is returned from a function without one."""
        points = self.points if self.modes.has_backward(self.function) else self.pending
        points[call] = points.get(call, EMPTY) | state

    @staticmethod
    def _substitute(modes: State, current: State, call: ast.AST, slot: Key) -> State:
        """Callee modes seen from the caller: ENTRY becomes the caller's state,
        every other mode is attributed to the call."""
        result: Set[Mode] = set(_keep_escaped(current))
        for mode in modes:
            if mode.kind == ENTRY:
                if mode.key == slot:
                    result |= current
                else:
                    result.add(Mode(UNKNOWN, call))
            else:
                result.add(Mode(mode.kind, call))
        return frozenset(result)


def _phase_switch(body: State, orelse: State, before: State) -> State:
    """`if phase == "train": model.train() else: model.eval()` is
    `model.train(phase == "train")`: the mode follows a condition dllint does
    not decide (the same one that guards the training step), so either."""
    ends = [[m for m in branch if m.kind != ESCAPED] for branch in (body, orelse)]
    if all(len(end) == 1 and end[0] not in before for end in ends) \
            and sorted(end[0].kind for end in ends) == sorted((EVAL, TRAIN)):
        switch = next(end[0] for end in ends if end[0].kind == EVAL)
        return _keep_escaped(body | orelse) | {Mode(EITHER, switch.node)}
    return body | orelse


def _is_generator(function: FunctionNode) -> bool:
    return any(isinstance(node, (ast.Yield, ast.YieldFrom)) for node in _body_walk(function))


# -- per-file facts -------------------------------------------------------------------
class ModeModel:
    """Mode facts of one file; other files' facts through `project`."""

    def __init__(self, semantic: "ModuleModel"):
        self.semantic = semantic
        self.project = semantic.project
        self._flows: Dict[Tuple[ast.AST, Key], _Flow] = {}
        self._busy: Set[Tuple[ast.AST, Key]] = set()
        self._effects: Dict[Tuple[ast.AST, Key], Effect] = {}
        self._callers: Dict[ast.AST, Tuple[List[Tuple["ModuleModel", ast.Call]], bool]] = {}
        self._trains: Dict[ast.AST, Tuple[bool, bool]] = {}
        self._switches: Dict[ast.AST, bool] = {}
        self._keys: Dict[int, Optional[Key]] = {}
        self._nodes: Optional[List[ast.AST]] = None
        self._loads: Optional[Dict[str, List[ast.AST]]] = None
        self._reaches_backward: Optional[bool] = None
        self._sinks: Dict[ast.AST, Set[int]] = {}
        self._backward: Dict[ast.AST, bool] = {}
        self._dependence: Optional["ModeDependence"] = None

    @property
    def nodes(self) -> List[ast.AST]:
        """Every node of the file, walked once."""
        if self._nodes is None:
            self._nodes = self.semantic.nodes
        return self._nodes

    def loads(self, name: str) -> List[ast.AST]:
        """Names and attributes read (not stored) with this last name."""
        if self._loads is None:
            found: Dict[str, List[ast.AST]] = {}
            for node in self.nodes:
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                    found.setdefault(node.id, []).append(node)
                elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
                    found.setdefault(node.attr, []).append(node)
            self._loads = found
        return self._loads.get(name, [])

    def may_train(self) -> bool:
        """Whether code in this file can reach a `backward()`: its own text,
        or a project module it imports (transitively), has one."""
        if self._reaches_backward is None:
            self._reaches_backward = False
            if ".backward(" in self.semantic.source.text:
                self._reaches_backward = True
                return True
            pending = [self.semantic.info]
            seen: Set[int] = set()
            while pending:
                info = pending.pop()
                if id(info) in seen:
                    continue
                seen.add(id(info))
                if ".backward(" in info.source.text:
                    self._reaches_backward = True
                    break
                for imported in info.imports.imported_modules + list(info.imports.names.values()):
                    target = self.project.module(imported)
                    if target is None and "." in imported:
                        target = self.project.module(imported.rsplit(".", 1)[0])
                    if target is not None:
                        pending.append(target)
        return self._reaches_backward

    # -- keys -------------------------------------------------------------------------
    def key_of(self, expr: ast.AST, _seen: Optional[Set[int]] = None) -> Optional[Key]:
        """Where the model `expr` refers to lives, or None (a call, a subscript ...).

        `model.module` and `model._orig_mod` are `model`; a name whose every
        assignment wraps another model (`net = DDP(model)`, `net = model.to(d)`)
        is that model."""
        cached = self._keys.get(id(expr), False)
        if cached is not False:
            return cached  # type: ignore[return-value]
        key = self._key_of(expr, _seen or set())
        self._keys[id(expr)] = key
        return key

    def _key_of(self, expr: ast.AST, seen: Set[int]) -> Optional[Key]:
        parts = dotted_parts(expr)
        if parts is None:
            return None
        while len(parts) > 1 and parts[-1] in ("module", "_orig_mod"):
            parts.pop()
        root = expr
        while isinstance(root, ast.Attribute):
            root = root.value
        assert isinstance(root, ast.Name)
        semantic = self.semantic
        class_node = semantic._class_of_self(root, root)
        if class_node is not None:
            return class_node, tuple(parts[1:])
        scopes = semantic.scopes
        scope, binding = scopes.lookup(root.id, scopes.scope_at(root), getattr(root, "lineno", None))
        if binding is not None and binding.kind in ("import", "def", "class"):
            return None
        owner = scope.node if scope is not None else semantic.tree
        token = hash((id(scope), root.id))
        if scope is not None and token not in seen:
            alias = self._alias_of(scope, root.id, seen | {token})
            if alias is not None:
                return alias[0], alias[1] + tuple(parts[1:])
        return owner, tuple(parts)

    def _alias_of(self, scope, name: str, seen: Set[int]) -> Optional[Key]:
        """The one other model every binding of `name` in `scope` wraps."""
        bindings = scope.bindings.get(name, [])
        found: Optional[Key] = None
        for binding in bindings:
            if binding.kind != "assign" or binding.path:
                return None
            base = self.alias_base(binding.value)
            if base is None:
                return None
            inner = self._key_of(base, seen)
            if inner is None:
                return None
            if inner[0] is scope.node and inner[1][:1] == (name,):
                return None  # `model = model.to(device)`: its own key
            if found is not None and found != inner:
                return None
            found = inner
        return found

    def alias_base(self, expr: Optional[ast.AST]) -> Optional[ast.AST]:
        """The model expression `expr` is the same module as: `model` for
        `model.to(device)`, `DDP(model)`, `model.module`, `model.eval()`."""
        for _ in range(12):
            if expr is None:
                return None
            if isinstance(expr, (ast.Name, ast.Attribute)):
                return expr if dotted_parts(expr) is not None else None
            if isinstance(expr, ast.IfExp):
                # `model.module if distributed else model`
                body, orelse = self.alias_base(expr.body), self.alias_base(expr.orelse)
                if body is not None and orelse is not None and _strip_wrappers(body) == _strip_wrappers(orelse):
                    return body
                return None
            if not isinstance(expr, ast.Call):
                return None
            func = expr.func
            if isinstance(func, ast.Attribute) and func.attr in catalog.MODEL_SELF_RETURNING_METHODS:
                expr = func.value
                continue
            qualname = self.semantic.qualified_name(func)
            if qualname in catalog.MODEL_ALIASING_CALLS:
                expr = positional_or_keyword(expr, 0, "module")
                continue
            if isinstance(func, ast.Attribute) and func.attr == "prepare" and len(expr.args) == 1 and not expr.keywords:
                expr = expr.args[0]  # accelerator.prepare(model)
                continue
            return None
        return None

    def forward_key(self, call: ast.Call) -> Optional[Key]:
        """The model a call runs forward: `model(x)`, `model.forward(x)`."""
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr in ("forward", "__call__"):
            func = func.value
        if not isinstance(func, (ast.Name, ast.Attribute)):
            return None
        return self.key_of(func)

    def model_forward(self, call: ast.Call) -> Optional[Tuple[Key, ast.expr]]:
        """(the model, its expression) when `call` runs a model forward."""
        func = call.func
        target = func.value if isinstance(func, ast.Attribute) and func.attr in ("forward", "__call__") else func
        if not isinstance(target, (ast.Name, ast.Attribute)):
            return None
        value = self.semantic.value_of(target)
        if value is None or value.kind != MODEL:
            return None
        key = self.key_of(target)
        return (key, target) if key is not None else None

    def passes_key(self, call: ast.Call, key: Key) -> bool:
        """Whether the call receives the model (or a part of it) as an argument."""
        arguments = list(call.args) + [keyword.value for keyword in call.keywords]
        for argument in arguments:
            if isinstance(argument, ast.Starred):
                argument = argument.value
            base = self.alias_base(argument)
            if base is not None and _relation(self.key_of(base), key) is not None:
                return True
        return False

    def is_neutral_call(self, call: ast.Call) -> bool:
        """Calls that never switch a model's mode: builtins, torch.* and
        friends, tensor and logging methods."""
        qualname = self.semantic.qualified_name(call.func)
        if qualname is not None:
            if qualname in catalog.MODE_NEUTRAL_FUNCTIONS or qualname.startswith(catalog.MODE_NEUTRAL_PREFIXES):
                return True
            return False
        func = call.func
        if isinstance(func, ast.Name):
            scopes = self.semantic.scopes
            _, binding = scopes.lookup(func.id, scopes.scope_at(func), func.lineno)
            return binding is None and func.id in catalog.MODE_NEUTRAL_FUNCTIONS
        if isinstance(func, ast.Attribute):
            if dotted_parts(func.value) is None:
                return True  # a method of a computed value: `(a == b).sum()`
            if func.attr in _METHODS_OF_TENSORS_AND_OTHERS:
                return True
            value = self.semantic.value_of(func.value)
            return value is not None and value.kind != MODEL
        return False

    def may_keep(self, call: ast.Call) -> bool:
        """Whether a call that receives a model may keep a reference to it
        (an object built around it, a container it is added to) and switch
        it later: `Trainer(model=model)`, `models.append(model)`."""
        parts = dotted_parts(call.func)
        if not parts:
            return True
        last = parts[-1]
        return last[:1].isupper() or last in ("append", "extend", "insert", "add", "register", "setdefault", "update", "__setitem__", "watch")

    # -- calls and callees ----------------------------------------------------------
    def resolve_callee(self, call: ast.Call) -> Optional[Tuple["ModuleModel", FunctionNode]]:
        """The project function or method a call runs: `helper(...)`,
        `self.method(...)`, `model.method(...)` of a project model class."""
        resolved = self.semantic.resolve_function(call)
        if resolved is not None:
            return resolved
        func = call.func
        if isinstance(func, ast.Attribute):
            value = self.semantic.value_of(func.value)
            if value is not None and value.kind == MODEL and value.qualname:
                return self._method_of(value.qualname, func.attr)
            instance = self.semantic.instance_class(func.value)
            if instance is not None:
                # a method of a plain project class holding models (a trainer, a GAN pair)
                return self._method_of(instance[0].class_qualname(instance[1]), func.attr)
        return None

    def _method_of(self, class_qualname: str, name: str, depth: int = 0) -> Optional[Tuple["ModuleModel", FunctionNode]]:
        if depth > 6:
            return None
        found = self.project.definition(class_qualname)
        if found is None or not isinstance(found[1], ast.ClassDef):
            return None
        info, class_node = found
        module = self.project.model_for(info)
        for statement in class_node.body:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and statement.name == name:
                return module, statement
        for base in self.project.base_names(info, class_node):
            method = self._method_of(base, name, depth + 1)
            if method is not None:
                return method
        return None

    def slots_for(self, call: ast.Call, module: "ModuleModel", function: FunctionNode, key: Key) -> List[Tuple[Key, str]]:
        """Which keys of `function` hold the caller's model `key` during this
        call, and how (the same model, or a part of it)."""
        slots: List[Tuple[Key, str]] = []
        positional = function.args.posonlyargs + function.args.args
        class_node = module.enclosing_class(function)
        is_method = class_node is not None and positional and positional[0].arg in ("self", "cls") and \
            not any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in function.decorator_list)
        offset = 0
        if is_method and isinstance(call.func, ast.Attribute):
            offset = 1
            relation = _relation(self.key_of(call.func.value), key)
            if relation is not None:
                receiver = self.key_of(call.func.value)
                assert receiver is not None
                sub = key[1][len(receiver[1]):] if relation == "parent" else ()
                slots.append(((class_node, sub), relation if relation != "parent" else "same"))
        for index, argument in enumerate(call.args):
            if isinstance(argument, ast.Starred):
                break
            position = index + offset
            if position < len(positional):
                self._slot_for_argument(argument, function, positional[position].arg, key, slots)
            elif function.args.vararg is not None:
                break
        names = {a.arg for a in positional + function.args.kwonlyargs}
        for keyword in call.keywords:
            if keyword.arg in names:
                self._slot_for_argument(keyword.value, function, keyword.arg, key, slots)
        # a free variable: a global of the same file, or a local of an enclosing function
        if not isinstance(key[0], ast.ClassDef) and module is self.semantic and key[0] is not function:
            if isinstance(key[0], ast.Module) or self._encloses(key[0], function):
                slots.append((key, "same"))
        return slots

    def _encloses(self, outer: ast.AST, inner: ast.AST) -> bool:
        current = self.semantic.parent(inner)
        while current is not None:
            if current is outer:
                return True
            current = self.semantic.parent(current)
        return False

    def _slot_for_argument(self, argument: ast.expr, function: FunctionNode, name: str, key: Key,
                           slots: List[Tuple[Key, str]]) -> None:
        base = self.alias_base(argument)
        inner = self.key_of(base) if base is not None else None
        relation = _relation(inner, key)
        if relation is None or inner is None:
            return
        sub = key[1][len(inner[1]):] if relation == "parent" else ()
        slots.append(((function, (name,) + sub), "same" if relation == "parent" else relation))

    def callers(self, function: Body) -> Tuple[List[Tuple["ModuleModel", ast.Call]], bool]:
        """Every call of `function` in the project, and whether it is also
        used as a value (a callback dllint cannot follow)."""
        if function in self._callers:
            return self._callers[function]
        found: List[Tuple["ModuleModel", ast.Call]] = []
        referenced = False
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            name = function.name
            for info in self.project.all_modules():
                if name not in info.source.text:
                    continue
                module = self.project.model_for(info)
                call_funcs = set()
                for call in module.calls(name):
                    call_funcs.add(id(call.func))
                    resolved = module.modes.resolve_callee(call)
                    if resolved is not None and resolved[1] is function:
                        found.append((module, call))
                if not referenced:
                    for node in module.modes.loads(name):
                        if id(node) not in call_funcs and module.modes._refers_to(node, function):
                            referenced = True
                            break
        self._callers[function] = (found, referenced)
        return found, referenced

    def _refers_to(self, node: ast.AST, function: FunctionNode) -> bool:
        """Whether the name or attribute `node` (not called) is `function`."""
        semantic = self.semantic
        if isinstance(node, ast.Name):
            _, binding = semantic.scopes.lookup(node.id, semantic.scopes.scope_at(node), node.lineno)
            if binding is not None and binding.kind == "def":
                return binding.value is function
        qualname = semantic.qualified_name(node) if dotted_parts(node) else None
        if qualname:
            found = self.project.definition(qualname)
            if found is not None:
                return found[1] is function
        if isinstance(node, ast.Attribute):
            if isinstance(node.value, ast.Name) and semantic._class_of_self(node.value, node) is not None:
                return semantic._class_of_self(node.value, node) is semantic.enclosing_class(function)
            return dotted_parts(node) is None or semantic.qualified_name(node) is None and \
                semantic.enclosing_class(function) is not None
        return False

    # -- flows and summaries ---------------------------------------------------------
    def body_of(self, node: ast.AST) -> Body:
        """The function (or module) whose body `node` runs in."""
        function = self.semantic.enclosing_function(node)
        return function if function is not None else self.semantic.tree

    def flow(self, function: Body, key: Key) -> Optional[_Flow]:
        token = (function, key)
        if token in self._flows:
            return self._flows[token]
        if token in self._busy or len(_DEPTH) > _MAX_DEPTH * 3:
            return None
        self._busy.add(token)
        _DEPTH.append(token)
        try:
            result = _Flow(self, function, key)
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
        return flow.before.get(node, frozenset({Mode(UNKNOWN, node)}))

    def effect(self, function: FunctionNode, slot: Key) -> Effect:
        """The summary of `function` for the model in `slot`."""
        token = (function, slot)
        if token in self._effects:
            return self._effects[token]
        flow = self.flow(function, slot)
        if flow is None:
            return _UNKNOWN_EFFECT
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

    def applies_neutral_function(self, expr: ast.expr) -> bool:
        """`init_weights` in `model.apply(init_weights)`: a project function
        that switches no mode."""
        semantic = self.semantic
        target = None
        qualname = semantic.qualified_name(expr) if dotted_parts(expr) else None
        if qualname:
            found = self.project.definition(qualname)
            if found is not None and isinstance(found[1], (ast.FunctionDef, ast.AsyncFunctionDef)):
                target = (self.project.model_for(found[0]), found[1])
        if target is None and isinstance(expr, ast.Name):
            _, binding = semantic.scopes.lookup(expr.id, semantic.scopes.scope_at(expr), expr.lineno)
            if binding is not None and binding.kind == "def":
                target = (semantic, binding.value)
        return target is not None and not target[0].modes.switches_modes(target[1])

    def switches_modes(self, function: FunctionNode, _depth: int = 0) -> bool:
        """Whether `function` (or what it calls) switches any model's mode."""
        if function in self._switches:
            return self._switches[function]
        self._switches[function] = True  # while in progress: assume it does
        result = False
        for node in _body_walk(function):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in (
                    "eval", "train", "freeze", "unfreeze"):
                result = True
                break
            if isinstance(node, ast.Call) and _depth < _MAX_DEPTH:
                resolved = self.resolve_callee(node)
                if resolved is not None and resolved[0].modes.switches_modes(resolved[1], _depth + 1):
                    result = True
                    break
        self._switches[function] = result
        return result

    # -- the value a model gets from an assignment -----------------------------------
    def value_state(self, function: Body, statement: ast.AST, expr: ast.expr, path: Tuple[int, ...],
                    key: Key, current: State, depth: int = 0) -> State:
        """The modes of the model `expr` evaluates to (at `path` of a tuple)."""
        unknown = frozenset({Mode(UNKNOWN, expr)})
        if depth > _MAX_DEPTH:
            return unknown
        if path:
            if isinstance(expr, (ast.Tuple, ast.List)):
                if 0 <= path[0] < len(expr.elts) and not any(isinstance(e, ast.Starred) for e in expr.elts):
                    return self.value_state(function, statement, expr.elts[path[0]], path[1:], key, current, depth + 1)
                return unknown
            if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "prepare":
                if 0 <= path[0] < len(expr.args):
                    return self.value_state(function, statement, expr.args[path[0]], path[1:], key, current, depth + 1)
                return unknown
            if isinstance(expr, ast.Call):
                resolved = self.resolve_callee(expr)
                if resolved is not None:
                    return self._returned_state(expr, resolved, path, function, key, current, depth)
            return unknown
        if isinstance(expr, ast.IfExp):
            return self.value_state(function, statement, expr.body, (), key, current, depth + 1) | \
                self.value_state(function, statement, expr.orelse, (), key, current, depth + 1)
        if isinstance(expr, (ast.Name, ast.Attribute)):
            inner = self.key_of(expr)
            if inner is None:
                return unknown
            if inner == key:
                return current
            if _relation(inner, key) is not None:
                return unknown
            return self.state_before(function, statement, inner)
        if not isinstance(expr, ast.Call):
            return unknown
        func = expr.func
        if isinstance(func, ast.Attribute):
            if func.attr in ("eval", "train"):
                return frozenset({_switch(expr)})
            if func.attr in catalog.MODEL_SELF_RETURNING_METHODS:
                return self.value_state(function, statement, func.value, (), key, current, depth + 1)
        qualname = self.semantic.qualified_name(func)
        if qualname in catalog.TORCH_CONTAINERS:
            return self._container_state(function, statement, expr, key, current)
        if qualname in catalog.MODEL_ALIASING_CALLS or qualname in catalog.MODEL_COPYING_CALLS:
            inner_expr = expr.args[0] if expr.args else None
            if inner_expr is None:
                return unknown
            return self.value_state(function, statement, inner_expr, (), key, current, depth + 1)
        resolved = self.resolve_callee(expr)
        if resolved is not None:
            return self._returned_state(expr, resolved, (), function, key, current, depth)
        if qualname in catalog.MODEL_LOADED_IN_SAVED_MODE and self.semantic.loads_whole_model(expr):
            return frozenset({Mode(TRAIN, expr)})
        if qualname in catalog.MODEL_LOADED_IN_UNKNOWN_MODE:
            return unknown
        if isinstance(func, ast.Attribute) and func.attr in catalog.MODEL_LOADED_IN_EVAL_MODE:
            return frozenset({Mode(EVAL, expr)})
        if isinstance(func, ast.Attribute) and func.attr in ("from_config", "load_from_checkpoint"):
            return frozenset({Mode(TRAIN, expr)})
        if self._builds_module(expr, qualname):
            return frozenset({Mode(TRAIN, expr)})
        return unknown

    def constructed_part(self, value: Optional[ast.expr], path: Tuple[int, ...], key: Key, target: ast.AST) -> Optional[State]:
        """The mode of `key`, a part of the object `target` is bound to, when
        that object is built here by a project class (`gan = GAN(opt)` for
        `gan.generator`): as the class's `__init__` leaves that attribute."""
        if path or not isinstance(value, ast.Call):
            return None
        inner = self.key_of(target)
        resolved = self.semantic.resolve_class(value.func)
        if inner is None or resolved is None:
            return None
        module, class_node = resolved
        init = self._method_of(module.class_qualname(class_node), "__init__")
        if init is None:
            return None
        owner = module.enclosing_class(init[1])
        effect = init[0].modes.effect(init[1], (owner, key[1][len(inner[1]):]))
        return frozenset(Mode(UNKNOWN if mode.kind == ENTRY else mode.kind, value) for mode in effect.exit)

    def _container_state(self, function: Body, statement: ast.AST, call: ast.Call, key: Key, current: State) -> State:
        """nn.Sequential(...) is new, but the modules in it keep their mode:
        `nn.Sequential(*list(model.children())[:-1])` is in `model`'s mode."""
        result: Set[Mode] = {Mode(TRAIN, call)}
        for node in walk(call):
            if node is call or not isinstance(node, (ast.Name, ast.Attribute)):
                continue
            parent = self.semantic.parent(node)
            if isinstance(parent, ast.Attribute) and parent.value is node:
                continue  # only whole chains
            value = self.semantic.value_of(node)
            if value is None or value.kind != MODEL:
                continue
            if isinstance(parent, ast.Call) and parent.func is node and self._builds_module(parent, self.semantic.qualified_name(node)):
                continue  # a layer being built here
            inner = self.key_of(node)
            if inner is None:
                result.add(Mode(UNKNOWN, call))
            elif inner == key:
                result |= current
            else:
                result |= self.state_before(function, statement, inner)
        return frozenset(result)

    def _builds_module(self, call: ast.Call, qualname: Optional[str]) -> bool:
        """A call that builds a fresh module (in training mode), not from a
        model it is given (`create_feature_extractor(model)`)."""
        for argument in list(call.args) + [k.value for k in call.keywords]:
            value = self.semantic.value_of(argument.value if isinstance(argument, ast.Starred) else argument)
            if value is not None and value.kind == MODEL:
                return False
        if qualname is not None:
            if qualname in catalog.TORCH_LAYERS_MODE_DEPENDENT or qualname in catalog.TORCH_LAYERS_MODE_FREE \
                    or qualname in catalog.TORCH_CONTAINERS or qualname in catalog.TORCH_LAYERS_MODE_BY_ARGUMENT:
                return True
            if qualname.startswith(("torchvision.models.", "timm.create_model", "timm.models.")):
                last = qualname.rsplit(".", 1)[-1]
                return "weights" not in last.lower() and not last.startswith(("get_", "list_"))
        resolved = self.semantic.resolve_class(call.func)
        if resolved is not None:
            module, class_node = resolved
            return self.project.model_framework(module.class_qualname(class_node)) in ("torch", "lightning", "hf")
        return False

    def _returned_state(self, call: ast.Call, resolved, path: Tuple[int, ...], function: Body, key: Key,
                        current: State, depth: int) -> State:
        module, callee = resolved
        returned = module.modes.returned_modes(callee, path, depth + 1)
        result: Set[Mode] = set()
        for mode in returned:
            if mode.kind != ENTRY:
                result.add(Mode(mode.kind, call))
                continue
            # the caller's model that was passed for this slot
            argument = None
            if mode.key is not None and mode.key[0] is callee and len(mode.key[1]) == 1:
                argument = argument_for(call, callee, mode.key[1][0])
            if argument is None:
                result.add(Mode(UNKNOWN, call))
                continue
            result |= self.value_state(function, call, argument, (), key, current, depth + 1)
        return frozenset(result) if result else frozenset({Mode(UNKNOWN, call)})

    def returned_modes(self, function: FunctionNode, path: Tuple[int, ...], depth: int = 0) -> State:
        """The modes of the model a function returns (ENTRY of a parameter
        when it returns what it was given)."""
        result: Set[Mode] = set()
        nowhere: Key = (function, ("<returned>",))
        for node in _body_walk(function):
            if not isinstance(node, ast.Return) or node.value is None:
                continue
            expr: Optional[ast.expr] = node.value
            rest = path
            while rest and isinstance(expr, (ast.Tuple, ast.List)):
                expr = expr.elts[rest[0]] if 0 <= rest[0] < len(expr.elts) else None
                rest = rest[1:]
            if expr is None or rest:
                result.add(Mode(UNKNOWN, node))
                continue
            base = self.alias_base(expr)
            inner = self.key_of(base) if base is not None else None
            if inner is not None:
                flow = self.flow(function, inner)
                state = flow.returns.get(node) if flow is not None else None
                result |= state if state is not None else {Mode(UNKNOWN, node)}
            else:
                result |= self.value_state(function, node, expr, (), nowhere, EMPTY, depth + 1)
        return frozenset(result)

    # -- resolving ENTRY through the callers -----------------------------------------
    def mode_before(self, node: ast.AST, expr: ast.AST) -> Optional[ModeAt]:
        """The modes the model `expr` may be in right before `node` runs."""
        key = self.key_of(expr)
        if key is None:
            return None
        function = self.body_of(node)
        return ModeAt(self.resolve(function, self.state_before(function, node, key)))

    def mode_before_by_caller(self, node: ast.AST, expr: ast.AST) -> List[Tuple[Optional[Tuple["ModuleModel", ast.Call]], ModeAt]]:
        """`mode_before`, one answer per caller of the function `node` runs in
        when the model is one the function receives: a helper called once
        with a model in eval mode and once with one in training mode is
        judged for each call (the caller, the modes). (None, modes) when the
        modes do not depend on the caller."""
        key = self.key_of(expr)
        if key is None:
            return []
        function = self.body_of(node)
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
        callers, referenced = self.callers(function)
        if referenced or len(callers) < 2:
            return whole
        rest = self.resolve(function, frozenset(mode for mode in state if mode is not entries[0]))
        found: List[Tuple[Optional[Tuple["ModuleModel", ast.Call]], ModeAt]] = []
        for module, call in callers:
            caller_key = module.modes.caller_key(call, self.semantic, function, slot)
            if caller_key is None:
                found.append(((module, call), ModeAt(rest | {Mode(UNKNOWN, call)})))
                continue
            caller_function = module.modes.body_of(call)
            before = module.modes.state_before(caller_function, call, caller_key)
            found.append(((module, call), ModeAt(rest | module.modes.resolve(caller_function, before, 1))))
        return found

    def caller_dependent(self, caller: Tuple["ModuleModel", ast.Call], node: ast.AST, expr: ast.AST) -> bool:
        """Mode dependence of the model `expr` (a parameter of the function
        `node` runs in) as one caller passes it."""
        key = self.key_of(expr)
        function = self.body_of(node)
        module, call = caller
        if key is not None and key[0] is function and len(key[1]) == 1 and isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            argument = argument_for(call, function, key[1][0])
            if argument is not None:
                return module.modes.is_mode_dependent(argument)
        return self.is_mode_dependent(expr)

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
        if depth > _MAX_DEPTH or not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return unknown
        class_node = self.semantic.enclosing_class(function)
        if class_node is not None and key[0] is class_node:
            framework = self.project.model_framework(self.semantic.class_qualname(class_node))
            if framework == "lightning" and function.name in catalog.LIGHTNING_EVAL_HOOKS:
                return frozenset({Mode(EVAL, function)})
            if framework == "lightning" and function.name in catalog.LIGHTNING_TRAIN_HOOKS:
                return frozenset({Mode(TRAIN, function)})
        callers, referenced = self.callers(function)
        if not callers:
            return unknown
        result: Set[Mode] = set(unknown) if referenced else set()
        for module, call in callers:
            caller_key = module.modes.caller_key(call, self.semantic, function, key)
            if caller_key is None:
                result |= unknown
                continue
            caller_function = module.modes.body_of(call)
            state = module.modes.state_before(caller_function, call, caller_key)
            result |= module.modes.resolve(caller_function, state, depth + 1)
        return frozenset(result)

    def caller_key(self, call: ast.Call, module: "ModuleModel", function: FunctionNode, slot: Key) -> Optional[Key]:
        """The caller's model that `function`'s `slot` holds during `call`."""
        owner, path = slot
        if owner is function and path:
            argument = argument_for(call, function, path[0])
            base = self.alias_base(argument) if argument is not None else None
            inner = self.key_of(base) if base is not None else None
            return (inner[0], inner[1] + path[1:]) if inner is not None else None
        if isinstance(owner, ast.ClassDef) and isinstance(call.func, ast.Attribute):
            receiver = self.key_of(call.func.value)
            return (receiver[0], receiver[1] + path) if receiver is not None else None
        if module is self.semantic and not isinstance(owner, ast.ClassDef):
            return slot
        return None

    # -- what the model is made of -----------------------------------------------------
    @property
    def dependence(self) -> "ModeDependence":
        if self._dependence is None:
            from dllint.semantic.mode_dependence import ModeDependence

            self._dependence = ModeDependence(self)
        return self._dependence

    def is_mode_dependent(self, expr: ast.AST) -> bool:
        """False only when the model provably has no layer that behaves
        differently in eval mode (see `mode_dependence.py`)."""
        return self.dependence.is_mode_dependent(expr)

    # -- contexts ----------------------------------------------------------------------
    def in_no_grad(self, node: ast.AST) -> bool:
        """Inside `with torch.no_grad()` / `inference_mode()` /
        `set_grad_enabled(False)`, or a function decorated with them."""
        current = self.semantic.parent(node)
        while current is not None:
            if isinstance(current, (ast.With, ast.AsyncWith)):
                for item in current.items:
                    if self._disables_grad(item.context_expr):
                        return True
            if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef)):
                return any(self._disables_grad(decorator) for decorator in current.decorator_list)
            if isinstance(current, (ast.Lambda, ast.ClassDef)):
                return False
            current = self.semantic.parent(current)
        return False

    def _disables_grad(self, expr: ast.AST) -> bool:
        call = expr if isinstance(expr, ast.Call) else None
        qualname = self.semantic.qualified_name(call.func if call else expr)
        if qualname in catalog.NO_GRAD_CONTEXTS:
            return True
        if qualname in catalog.GRAD_SWITCH_CONTEXTS and call is not None:
            return _is_false(positional_or_keyword(call, 0, "mode"))
        return False

    def trains(self, root: ast.AST, _depth: int = 0) -> Tuple[bool, bool]:
        """(runs backward(), runs an optimizer step) somewhere in `root`,
        directly or through the project functions it calls."""
        if root in self._trains:
            return self._trains[root]
        if not self.may_train():
            return False, False
        self._trains[root] = (False, False)
        backward = step = False
        nodes = _body_walk(root) if isinstance(root, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)) else _walk_no_defs(root)
        for node in nodes:
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Attribute):
                if func.attr == "backward":
                    backward = True
                elif func.attr == "step" and self._is_optimizer_step(node):
                    step = True
                elif func.attr in ("fit", "train_step", "training_step") and not (
                        isinstance(func.value, ast.Name) and func.value.id == "self"):
                    value = self.semantic.value_of(func.value)
                    if value is not None and value.kind == MODEL and value.framework in ("keras", "sklearn"):
                        continue
            if _depth < _MAX_DEPTH and not (backward and step):
                resolved = self.resolve_callee(node)
                if resolved is not None and resolved[1] is not root:
                    inner_backward, inner_step = resolved[0].modes.trains(resolved[1], _depth + 1)
                    backward, step = backward or inner_backward, step or inner_step
            if backward and step:
                break
        self._trains[root] = (backward, step)
        return backward, step

    def feeds_training(self, call: ast.Call) -> bool:
        """Whether the value of `call` (a forward pass) reaches a `backward()`
        in its function, through assignments; in a function without
        backward(), whether it is returned (the caller may backpropagate)."""
        function = self.body_of(call)
        sinks = self._training_sinks(function)
        current: Optional[ast.AST] = call
        while current is not None and current is not function:
            if id(current) in sinks:
                return True
            current = self.semantic.parent(current)
        return False

    def has_backward(self, function: Body) -> bool:
        """Whether `function`'s own body calls backward()."""
        cached = self._backward.get(function)
        if cached is None:
            cached = self._backward[function] = any(
                isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "backward"
                for node in _body_walk(function))
        return cached

    def _training_sinks(self, function: Body) -> Set[int]:
        """Ids of the expressions whose value reaches a backward() (or the
        return value, in a function without one). An assignment counts when
        it is inside the innermost loop around the backward(), so a name
        reused by an evaluation loop next to it does not."""
        cached = self._sinks.get(function)
        if cached is not None:
            return cached
        roots: List[ast.AST] = []
        assignments: List[Tuple[List[str], ast.AST, ast.AST]] = []
        returns: List[ast.AST] = []
        for node in _body_walk(function):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "backward":
                roots.append(node)  # loss.backward(), scaler.scale(loss).backward(), accelerator.backward(loss)
            elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names = [_dotted(element) for target in targets for element, _ in _target_names(target)]
                assignments.append(([n for n in names if n], node.value, node))
            elif isinstance(node, ast.Return) and node.value is not None:
                returns.append(node.value)
        sinks: Set[int] = set()
        groups: Dict[int, Tuple[Optional[ast.AST], List[ast.AST]]] = {}
        if roots:
            for root in roots:
                loop = next(iter(self._enclosing_loops(root, function)), None)
                groups.setdefault(id(loop), (loop, []))[1].append(root)
        else:
            groups[0] = (None, returns)
        for loop, group in groups.values():
            inside = None if loop is None else {id(node) for node in _walk_no_defs(loop)}
            # Within a loop, what feeds backward() is computed before it in the
            # body: a name reused after the last backward() (an evaluation at
            # the end of the iteration) is overwritten before the next one.
            last = max(getattr(root, "lineno", 0) for root in group) if loop is not None else None
            local = [(names, value) for names, value, node in assignments
                     if inside is None or (id(node) in inside and node.lineno <= last)]
            needed = {name for root in group for name in _names_in(root)}
            changed = True
            while changed:
                changed = False
                for names, value in local:
                    if any(name in needed or name.split(".")[0] in needed for name in names):
                        for used in _names_in(value):
                            if used not in needed:
                                needed.add(used)
                                changed = True
            sinks |= {id(root) for root in group}
            sinks |= {id(value) for names, value in local if any(name in needed for name in names)}
        self._sinks[function] = sinks
        return sinks

    def _is_optimizer_step(self, call: ast.Call) -> bool:
        func = call.func
        assert isinstance(func, ast.Attribute)
        if call.args and isinstance(func.value, (ast.Name, ast.Attribute)):
            # scaler.step(optimizer)
            value = self.semantic.value_of(call.args[0])
            return value is not None and value.kind == "optimizer"
        value = self.semantic.value_of(func.value)
        if value is not None:
            return value.kind == "optimizer"
        parts = dotted_parts(func.value)
        return bool(parts) and "optim" in parts[-1].lower()

    def training_loops(self, function: Body) -> List[Union[ast.For, ast.While, ast.AsyncFor]]:
        """Loops of `function` whose body runs backward() and an optimizer
        step (directly or through called functions)."""
        loops = []
        for node in _body_walk(function):
            if isinstance(node, (ast.For, ast.AsyncFor, ast.While)) and self.trains(node) == (True, True):
                loops.append(node)
        return loops

    def is_test_module(self) -> bool:
        """A pytest/unittest file (`test_*.py`, `*_test.py`, `conftest.py`):
        it runs models to check them, not to evaluate them."""
        name = self.semantic.source.path.replace("\\", "/").rsplit("/", 1)[-1]
        return name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"

    # -- uses of models ------------------------------------------------------------
    def forward_calls(self) -> List[Tuple[ast.Call, ast.expr]]:
        """Every forward call of a PyTorch model in this file, with the model
        expression; calls a model makes to its own submodules are left out."""
        found = []
        imported = self.semantic.imports.names
        for node in self.semantic.nodes_of(ast.Call):
            func = node.func
            target = func.value if isinstance(func, ast.Attribute) and func.attr in ("forward", "__call__") else func
            if isinstance(func, ast.Attribute) and target is func and isinstance(func.value, (ast.Name, ast.Attribute)):
                root = func.value
                while isinstance(root, ast.Attribute):
                    root = root.value
                if not isinstance(root, ast.Name) or root.id in imported or func.attr in _METHODS_OF_TENSORS_AND_OTHERS \
                        and func.attr not in catalog.MODEL_INFERENCE_METHODS:
                    continue  # `torch.cat(...)`, `x.view(...)`, `logger.info(...)`
                if self._runs_model_method(node):
                    found.append((node, func.value))  # model.generate(x), model.encode(x)
                    continue
                parts = self._wrapper_parts_run(node)
                if parts:
                    found.extend((node, part) for part in parts)  # pair.embed(x): pair.img_enc, pair.txt_enc
                    continue
            if not isinstance(target, (ast.Name, ast.Attribute)):
                continue
            if isinstance(target, ast.Attribute):
                root = target.value
                while isinstance(root, ast.Attribute):
                    root = root.value
                if isinstance(root, ast.Name) and root.id in imported:
                    continue  # `torch.cat(...)`, `F.relu(...)`: a library function, never a model instance
            if self._is_internal(target):
                continue
            value = self.semantic.value_of(target)
            if value is None or value.kind != MODEL or value.framework not in ("torch", "lightning", "hf", None):
                continue
            found.append((node, target))
        return found

    def _wrapper_parts_run(self, call: ast.Call) -> List[ast.expr]:
        """For a method call on an instance of a plain project class holding
        models (`pair.embed(x)` of `class Pair` with `self.img_enc`), the
        models it runs, as expressions `pair.img_enc` at the call."""
        func = call.func
        assert isinstance(func, ast.Attribute)
        if func.attr.startswith("__") or self._is_internal(func.value):
            return []
        instance = self.semantic.instance_class(func.value)
        if instance is None or self.project.model_framework(instance[0].class_qualname(instance[1])):
            return []
        resolved = self.resolve_callee(call)
        if resolved is None or resolved[0].modes.switches_modes(resolved[1]):
            return []
        owner = resolved[0].enclosing_class(resolved[1])
        if owner is None:
            return []
        inner = resolved[0].modes
        for node in _walk_no_defs(resolved[1]):
            if isinstance(node, ast.Call):
                forward = inner.model_forward(node)
                if forward is not None and forward[0][0] is owner and inner.inference_reason(node, forward[1]):
                    return []  # judged inside the method (`@torch.no_grad() def predict(self, x)`)
        found = []
        for part in dict.fromkeys(resolved[0].modes.trained_parts(resolved[1], owner, training=False)):
            expr = ast.Attribute(value=func.value, attr=part[0], ctx=ast.Load())
            ast.copy_location(expr, func.value)
            expr.end_lineno, expr.end_col_offset = func.value.end_lineno, func.value.end_col_offset  # type: ignore[attr-defined]
            self.semantic.scopes.parents[expr] = call
            for extra in part[1:]:
                expr = ast.Attribute(value=expr, attr=extra, ctx=ast.Load())
                ast.copy_location(expr, func.value)
                self.semantic.scopes.parents[expr] = call
            found.append(expr)
        return found

    def _runs_model_method(self, call: ast.Call) -> bool:
        """`model.generate(x)`, `model.encode(x)`, `model.sample(n)`, or any
        method of a project model class that runs its submodules (and does
        not switch modes itself): inference exactly like `model(x)`."""
        func = call.func
        assert isinstance(func, ast.Attribute)
        if func.attr.startswith("_") or func.attr in catalog.MODEL_SELF_RETURNING_METHODS \
                or func.attr in catalog.MODE_NEUTRAL_MODEL_METHODS and func.attr not in catalog.MODEL_INFERENCE_METHODS \
                or func.attr in ("eval", "train", "apply"):
            return False
        if self._is_internal(func.value):
            return False
        value = self.semantic.value_of(func.value)
        if value is None or value.kind != MODEL or value.framework not in ("torch", "lightning", "hf", None):
            return False
        resolved = self.resolve_callee(call)
        if resolved is not None:
            module, method = resolved
            if module.enclosing_class(method) is None or module.modes.switches_modes(method):
                return False
            return module.modes._runs_submodules(method)
        return not value.by_name and value.framework != "lightning" and func.attr in catalog.MODEL_INFERENCE_METHODS

    def _runs_submodules(self, method: FunctionNode, _depth: int = 0) -> bool:
        """Whether a model method calls `self(...)`, `self.forward(...)`, a
        submodule `self.<layer>(...)`, or another method that does."""
        class_node = self.semantic.enclosing_class(method)
        if class_node is None:
            return False
        methods = {s.name: s for s in class_node.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))}
        for node in _body_walk(method):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Name) and func.id == "self":
                return True
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self":
                if func.attr == "forward":
                    return True
                if func.attr in methods:
                    if _depth < 3 and methods[func.attr] is not method and self._runs_submodules(methods[func.attr], _depth + 1):
                        return True
                    continue
                value = self.semantic.value_of(func)
                if value is not None and value.kind == MODEL:
                    return True
        return False

    def _is_internal(self, target: ast.AST) -> bool:
        """`self.layer(x)` inside a model class: the model running its parts."""
        root = target
        while isinstance(root, ast.Attribute):
            root = root.value
        if not isinstance(root, ast.Name):
            return True
        class_node = self.semantic._class_of_self(root, root)
        if class_node is None:
            return False
        return self.project.model_framework(self.semantic.class_qualname(class_node)) is not None

    def exports(self) -> List[Tuple[ast.Call, ast.expr, str]]:
        """Calls that export a model in the mode it is in: onnx, jit.trace,
        torch.export, and jit.script when its result is saved right away."""
        found = []
        for node in self.nodes:
            if not isinstance(node, ast.Call):
                continue
            qualname = self.semantic.qualified_name(node.func)
            if qualname in catalog.MODEL_EXPORTERS:
                if qualname in catalog.ONNX_LEGACY_EXPORTERS and any(
                        (k.arg == "dynamo" and _is_false(k.value)) or k.arg == "training" for k in node.keywords):
                    continue  # the TorchScript-based exporter switches to eval itself (or is told not to)
                name, index = catalog.MODEL_EXPORTERS[qualname]
                target = positional_or_keyword(node, index, name)
            elif qualname in catalog.MODEL_SCRIPTERS and self._is_saved(node):
                target = positional_or_keyword(node, 0, "obj")
            else:
                continue
            target = self.alias_base(target) if target is not None else None  # `model.cpu()`
            if isinstance(target, (ast.Name, ast.Attribute)) and not self._is_internal(target) and not self.is_test_module():
                value = self.semantic.value_of(target)
                if value is not None and value.kind == MODEL and value.framework in ("torch", "lightning", "hf", None):
                    found.append((node, target, qualname))
        return found

    def _is_saved(self, call: ast.Call) -> bool:
        parent = self.semantic.parent(call)
        if isinstance(parent, ast.Attribute) and parent.attr == "save":
            return True
        if isinstance(parent, ast.Call) and self.semantic.qualified_name(parent.func) == "torch.jit.save":
            return True
        if isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name):
            name = parent.targets[0].id
            for node in _walk_no_defs(self.body_of(call)):
                if isinstance(node, ast.Call):
                    if isinstance(node.func, ast.Attribute) and node.func.attr == "save" and \
                            isinstance(node.func.value, ast.Name) and node.func.value.id == name:
                        return True
                    if self.semantic.qualified_name(node.func) == "torch.jit.save" and node.args and \
                            isinstance(node.args[0], ast.Name) and node.args[0].id == name:
                        return True
        return False

    def inference_reason(self, call: ast.Call, target: ast.expr) -> Optional[str]:
        """Why the forward call `call` of `target` is inference, or None.

        Under no_grad; in an evaluation function, over held-out data, or after
        loading a checkpoint, in code that does not train. A no_grad forward
        pass inside the loop that trains (a GAN's samples, an RL rollout, a
        metric after the step) is monitoring, not inference, unless it runs on
        held-out data."""
        if self.is_test_module() or self._on_synthetic_input(call):
            return None
        function = self.body_of(call)
        loops = list(self._enclosing_loops(call, function))
        region = loops[0] if loops else function
        region_trains = self.trains(region)[0]
        held_out = None
        for loop in loops:
            if self._split_of_iteration(loop) in (VALIDATION, TEST) and not self.trains(loop)[0]:
                held_out = "in a loop over held-out data"
                break
        if held_out is None:
            for argument in list(call.args) + [k.value for k in call.keywords]:
                value = self.semantic.value_of(argument.value if isinstance(argument, ast.Starred) else argument)
                if value is not None and value.kind in ("data", "batch") and value.split in (VALIDATION, TEST):
                    held_out = "on held-out data"
                    break
        if self.in_no_grad(call):
            return "under `torch.no_grad()`" if not region_trains or held_out else None
        if region_trains:
            return None
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) and is_evaluation_name(function.name):
            # a model it is given (not a smoke test that builds one and feeds it noise)
            key = self.key_of(target)
            if key is not None and key[0] is not function or loops:
                return f"in `{function.name}()`"
        if held_out is not None:
            return held_out
        key = self.key_of(target)
        if key is not None and not self.trains(function)[0] and self._loaded_before(function, call, key):
            return "after loading a checkpoint"
        return None

    def _on_synthetic_input(self, call: ast.Call) -> bool:
        """`model(torch.randn(1, 3, 224, 224))`: a shape check or a warm-up.

        Every argument is synthetic (see `is_synthetic`): noise, constants,
        and, for a model not loaded from a checkpoint, tensors written out in
        the code and what such a model computes from them."""
        arguments = list(call.args) + [k.value for k in call.keywords]
        if not arguments:
            return False
        if isinstance(call.func, ast.Attribute) and call.func.attr not in ("forward", "__call__") \
                and all(_is_literal(argument) for argument in arguments):
            return False  # vae.sample(64), model.generate(ids, 20): sizes, not inputs
        key = self.key_of(call.func)
        function = self.body_of(call)
        fresh = key is None or not self._loaded_before(function, call, key)
        return all(is_synthetic(self.semantic, argument, literals=fresh) for argument in arguments)

    def switched_on_purpose(self, node: ast.AST, state: ModeAt) -> bool:
        """Whether the training mode at `node` comes only from explicit
        `.train()` calls earlier in the same function with no training step in
        between: batch-norm recalibration or MC dropout, not a forgotten eval()."""
        function = self.body_of(node)
        line = getattr(node, "lineno", 0)
        starts = []
        for mode in state.modes:
            if mode.kind != TRAIN:
                continue
            call = mode.node
            if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "train"):
                return False
            if self.body_of(call) is not function or call.lineno > line:
                return False
            starts.append(call.lineno)
        if not starts:
            return False
        first = min(starts)
        for other in _body_walk(function):
            if isinstance(other, ast.Call) and first < other.lineno < line and self.trains(other)[0]:
                return False
        return True

    def _enclosing_loops(self, node: ast.AST, function: Body) -> Iterator[ast.AST]:
        current = self.semantic.parent(node)
        while current is not None and current is not function:
            if isinstance(current, (ast.For, ast.AsyncFor, ast.While)):
                yield current
            current = self.semantic.parent(current)

    def _split_of_iteration(self, loop: ast.AST) -> Optional[str]:
        if not isinstance(loop, (ast.For, ast.AsyncFor)):
            return None
        iterable = loop.iter
        for _ in range(4):
            if isinstance(iterable, ast.Call) and iterable.args:
                name = self.semantic.qualified_name(iterable.func) or (
                    iterable.func.id if isinstance(iterable.func, ast.Name) else None)
                if name in catalog.ITERATION_WRAPPERS or name in ("tqdm", "enumerate", "iter"):
                    iterable = iterable.args[0]
                    continue
            break
        value = self.semantic.value_of(iterable)
        if value is None or value.kind not in ("data", "batch"):
            return None
        return value.split

    def _loaded_before(self, function: Body, node: ast.AST, key: Key) -> bool:
        """The model got trained weights before `node`: `model.load_state_dict(...)`
        earlier in the function, or it came from a project function that loads
        them (`model = load_model(path)`)."""
        line = getattr(node, "lineno", 0)
        for other in _body_walk(function):
            if not isinstance(other, ast.Call) or other.lineno >= line:
                continue
            if isinstance(other.func, ast.Attribute) and other.func.attr in ("load_state_dict", "load_from_checkpoint") \
                    and _relation(self.key_of(other.func.value), key) in ("same", "parent"):
                return True
            parent = self.semantic.parent(other)
            while isinstance(parent, ast.Attribute) and isinstance(self.semantic.parent(parent), ast.Call):
                parent = self.semantic.parent(self.semantic.parent(parent))  # torch.load(p).to(device)
            if isinstance(parent, ast.Assign) and self.semantic.qualified_name(other.func) in catalog.MODEL_LOADED_IN_SAVED_MODE \
                    and any(_relation(self.key_of(element), key) == "same"
                            for target in parent.targets for element, _ in _target_names(target)):
                return True  # model = torch.load(path)
            if isinstance(parent, ast.Assign) and parent.value is other and any(
                    _relation(self.key_of(element), key) == "same"
                    for target in parent.targets for element, _ in _target_names(target)):
                resolved = self.resolve_callee(other)
                if resolved is not None and any(
                        isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "load_state_dict"
                        for n in _body_walk(resolved[1])):
                    return True
        return False

    # -- DL102: eval inside a training loop -----------------------------------------
    def unrestored_evals(self) -> List[Tuple[ast.AST, Key, ast.AST]]:
        """Eval switches inside a training loop that reach a forward pass with
        gradients of the same model (in the next iteration or later in the
        same one): (the eval call or the call that leads to it, the model,
        the training loop)."""
        found: List[Tuple[ast.AST, Key, ast.AST]] = []
        reported: Set[int] = set()
        if not self.may_train():
            return found
        loops = [node for node in self.nodes if isinstance(node, (ast.For, ast.AsyncFor, ast.While))
                 and self.trains(node) == (True, True)]
        for loop in loops:
            function = self.body_of(loop)
            inside = {id(node) for node in _walk_no_defs(loop)}
            for key, example in self._trained_keys(loop, function):
                flow = self.flow(function, key)
                if flow is None:
                    continue
                for point, state in flow.points.items():
                    if id(point) not in inside:
                        continue
                    if any(mode.kind in (UNKNOWN, EITHER) and mode.node is not None and id(mode.node) in inside
                           for mode in state):
                        continue  # something in the loop may have switched it back
                    for mode in state:
                        if mode.kind == EVAL and mode.node is not None and id(mode.node) in inside \
                                and id(mode.node) not in reported and not _is_fresh_load(mode.node) \
                                and not self._only_in_last_iteration(mode.node, loop):
                            if not self._key_dependent(key, example):
                                break
                            reported.add(id(mode.node))
                            found.append((mode.node, key, loop))
        found.sort(key=lambda item: (getattr(item[0], "lineno", 0), getattr(item[0], "col_offset", 0)))
        return found

    def _only_in_last_iteration(self, node: ast.AST, loop: ast.AST) -> bool:
        """`if epoch == args.epochs - 1: model.eval()`: nothing trains after it."""
        if not isinstance(loop, (ast.For, ast.AsyncFor)) or not isinstance(loop.target, ast.Name):
            return False
        variable = loop.target.id
        bound = None
        if isinstance(loop.iter, ast.Call) and isinstance(loop.iter.func, ast.Name) and loop.iter.func.id == "range" \
                and loop.iter.args:
            bound = ast.dump(loop.iter.args[-1] if len(loop.iter.args) <= 2 else loop.iter.args[1])
        current = self.semantic.parent(node)
        while current is not None and current is not loop:
            if isinstance(current, ast.If) and isinstance(current.test, ast.Compare) \
                    and len(current.test.ops) == 1 and isinstance(current.test.ops[0], (ast.Eq, ast.GtE)):
                sides = [current.test.left, current.test.comparators[0]]
                names = [{n.id for n in walk(side) if isinstance(n, ast.Name)} for side in sides]
                for here, other, other_names in ((sides[0], sides[1], names[1]), (sides[1], sides[0], names[0])):
                    if isinstance(here, ast.Name) and here.id == variable and variable not in other_names:
                        last = isinstance(other, ast.BinOp) and isinstance(other.op, ast.Sub) \
                            and isinstance(other.right, ast.Constant) and other.right.value == 1
                        if last and bound is not None and ast.dump(other.left) == bound:
                            return True
                        if bound is not None and ast.dump(other) == bound and isinstance(current.test.ops[0], ast.GtE):
                            return True
            current = self.semantic.parent(current)
        return False

    def _trained_keys(self, loop: ast.AST, function: Body) -> List[Tuple[Key, ast.AST]]:
        """Models run forward with gradients in the loop (directly or in the
        functions it calls), with an expression naming each."""
        keys: Dict[Key, ast.AST] = {}
        for node in _walk_no_defs(loop):
            if not isinstance(node, ast.Call):
                continue
            forward = self.model_forward(node)
            if forward is not None:
                key, func = forward
                if not self.in_no_grad(node) and not self._is_internal(func) and self.feeds_training(node):
                    keys.setdefault(key, func)
                continue
            resolved = self.resolve_callee(node)
            if resolved is None:
                continue
            module, callee = resolved
            candidates: List[ast.AST] = list(node.args) + [k.value for k in node.keywords]
            if isinstance(node.func, ast.Attribute):
                candidates.append(node.func.value)
            for candidate in candidates:
                base = self.alias_base(candidate)
                key = self.key_of(base) if base is not None else None
                if key is None or key in keys:
                    continue
                for slot, relation in self.slots_for(node, module, callee, key):
                    effect = module.modes.effect(callee, slot)
                    if relation == "same" and (effect.forwards or effect.returns_forward and self.feeds_training(node)):
                        keys[key] = base
                        break
            for slot_key in self._self_keys_forwarded(node, module, callee):
                keys.setdefault(slot_key, node)
        return list(keys.items())

    def _self_keys_forwarded(self, call: ast.Call, module: "ModuleModel", callee: FunctionNode) -> List[Key]:
        """`self.train_epoch()`: the self.<model> keys the method trains."""
        if not (isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name)):
            return []
        receiver = self.key_of(call.func.value)
        class_node = module.enclosing_class(callee)
        if receiver is None or class_node is None:
            return []
        if receiver[0] is not class_node and self.semantic.instance_class(call.func.value) is None:
            return []
        # `trainer.train_step(x)`: trainer.<model> for each self.<model> it trains
        return [(receiver[0], receiver[1] + sub) for sub in module.modes.trained_parts(callee, class_node)]

    def trained_parts(self, method: FunctionNode, class_node: ast.ClassDef, _depth: int = 0,
                      training: bool = True) -> List[Tuple[str, ...]]:
        """The self.<model> attribute paths a method runs forward with
        gradients toward a backward() (or returns), also through the other
        methods of the class it calls; with `training` false, every
        self.<model> it runs forward at all."""
        parts: List[Tuple[str, ...]] = []
        for node in _walk_no_defs(method):
            if not isinstance(node, ast.Call) or training and (self.in_no_grad(node) or not self.feeds_training(node)):
                continue
            forward = self.model_forward(node)
            if forward is not None:
                if forward[0][0] is class_node and forward[0][1]:
                    parts.append(forward[0][1])
                continue
            func = node.func
            if _depth < 3 and isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
                    and self.key_of(func.value) == (class_node, ()):
                resolved = self.resolve_callee(node)
                if resolved is not None and resolved[1] is not method:
                    parts += resolved[0].modes.trained_parts(resolved[1], class_node, _depth + 1, training)
        return parts

    def _key_dependent(self, key: Key, example: ast.AST) -> bool:
        """Mode dependence of a trained model; one reached only through a
        method of a class (`self.train_step()`) is assumed dependent."""
        if isinstance(example, ast.Call):
            return True
        return self.is_mode_dependent(example)


# Nesting of flow computations across the project (a guard against very deep
# or mutually recursive call chains; single-threaded like the runner).
_DEPTH: List[Tuple[ast.AST, Key]] = []




def _dotted(node: ast.AST) -> Optional[str]:
    parts = dotted_parts(node)
    return ".".join(parts) if parts else None


def _names_in(expr: ast.AST) -> Set[str]:
    """The names and dotted attributes an expression reads (`outputs.loss`
    gives both `outputs.loss` and `outputs`)."""
    found: Set[str] = set()
    for node in walk(expr):
        if isinstance(node, (ast.Name, ast.Attribute)):
            dotted = _dotted(node)
            if dotted:
                found.add(dotted)
    return found


def _strip_wrappers(expr: ast.AST) -> Optional[List[str]]:
    parts = dotted_parts(expr)
    while parts and len(parts) > 1 and parts[-1] in ("module", "_orig_mod"):
        parts.pop()
    return parts


# -- synthetic tensors -------------------------------------------------------------
def _is_literal(node: ast.AST) -> bool:
    """`3`, `-1.5`, `[1, 2, 3]`, `((0, 1), (1, 0))`."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, (int, float, bool, complex))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return _is_literal(node.operand)
    if isinstance(node, (ast.List, ast.Tuple)):
        return all(_is_literal(element) for element in node.elts)
    return False


_Assumed = Set[Tuple[int, str]]


def is_synthetic(semantic: "ModuleModel", expr: ast.AST, params: Optional[Dict[str, Tuple["ModuleModel", ast.expr]]] = None,
                 _assumed: Optional[_Assumed] = None, _depth: int = 0, literals: bool = True) -> bool:
    """Whether the tensor `expr` holds no data read from anywhere: noise or
    constants (`torch.randn(...)`, `torch.zeros(...)`), a tensor whose
    elements are written in the code (`torch.LongTensor([1, 2, 3])`), those
    moved, reshaped or wrapped (`.cuda()`, `Variable(x)`, or a project helper
    that returns such a transform of its argument), indexed (`x[i]`), or
    computed from them by the forward pass of a model not loaded from a
    checkpoint (an encoder's outputs fed to the decoder in a shape check).
    A name is synthetic when every assignment to it in its scope is.

    `params` maps the parameters of a project function being followed to the
    caller's arguments. With `literals` false only noise and constants
    count (a hand-written tensor fed to a trained model is a prediction)."""
    if _depth > 12:
        return False
    assumed = _assumed if _assumed is not None else set()
    recurse = lambda e, m=semantic, p=params: is_synthetic(m, e, p, assumed, _depth + 1, literals)  # noqa: E731
    if _is_literal(expr):
        return True
    if isinstance(expr, ast.Subscript):
        return recurse(expr.value)
    if isinstance(expr, ast.Starred):
        return recurse(expr.value)
    if isinstance(expr, ast.IfExp):
        return recurse(expr.body) and recurse(expr.orelse)
    if isinstance(expr, ast.Name):
        return _name_is_synthetic(semantic, expr, params, assumed, _depth, literals)
    if not isinstance(expr, ast.Call):
        return False
    qualname = semantic.qualified_name(expr.func)
    if qualname in catalog.SYNTHETIC_TENSOR_FACTORIES:
        return True
    if qualname in catalog.LITERAL_TENSOR_CONSTRUCTORS:
        return literals and bool(expr.args) and all(_is_literal(argument) for argument in expr.args)
    if qualname in catalog.TENSOR_WRAPPERS:
        return bool(expr.args) and recurse(expr.args[0])
    if isinstance(expr.func, ast.Attribute) and expr.func.attr in catalog.TENSOR_TRANSFORM_METHODS:
        return recurse(expr.func.value)
    resolved = _project_function_of(semantic, expr)
    if resolved is not None:
        callee, function = resolved
        returned = _return_expressions(function)
        if not returned:
            return False
        mapping = {}
        for parameter in function.args.posonlyargs + function.args.args + function.args.kwonlyargs:
            argument = argument_for(expr, function, parameter.arg)
            if argument is not None:
                mapping[parameter.arg] = (semantic, argument)
        return all(is_synthetic(callee, value, mapping, assumed, _depth + 1, literals) for value in returned)
    # the forward pass of a model that was not given trained weights
    model = semantic.value_of(expr.func)
    if model is None or model.kind != MODEL:
        return False
    modes = semantic.modes
    key = modes.key_of(expr.func)
    function = modes.body_of(expr)
    if key is None or modes.trains(function)[0] or modes._loaded_before(function, expr, key):
        return False
    arguments = list(expr.args) + [k.value for k in expr.keywords]
    return bool(arguments) and all(recurse(argument) for argument in arguments)


def _name_is_synthetic(semantic: "ModuleModel", name: ast.Name, params, assumed: _Assumed, depth: int,
                       literals: bool) -> bool:
    scopes = semantic.scopes
    scope, binding = scopes.lookup(name.id, scopes.scope_at(name), name.lineno)
    if binding is None or scope is None:
        return False
    token = (id(scope), name.id)
    if token in assumed:
        return True  # a cycle through a loop adds no data
    bindings = scope.bindings.get(name.id, [])
    if binding.kind == "param":
        if params is None or name.id not in params or len(bindings) != 1:
            return False
        caller, argument = params[name.id]
        return is_synthetic(caller, argument, None, assumed, depth + 1, literals)
    if any(b.kind != "assign" or b.value is None for b in bindings):
        return False
    assumed.add(token)
    try:
        return all(is_synthetic(semantic, b.value, params, assumed, depth + 1, literals) for b in bindings)
    finally:
        assumed.discard(token)


def _project_function_of(semantic: "ModuleModel", call: ast.Call):
    """The project function a call runs, including a method called on a model
    whose class the project defines (`encoder.init_hidden()`)."""
    resolved = semantic.resolve_function(call)
    if resolved is not None:
        return resolved
    func = call.func
    if not isinstance(func, ast.Attribute):
        return None
    value = semantic.value_of(func.value)
    if value is None or value.kind != MODEL or not value.qualname:
        return None
    found = semantic.project.definition(value.qualname, semantic.info)
    if not found or not isinstance(found[1], ast.ClassDef):
        return None
    for statement in found[1].body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and statement.name == func.attr:
            return semantic.project.model_for(found[0]), statement
    return None
