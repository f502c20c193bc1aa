"""Training loops: which loops train a model, and what one iteration does.

A *loop* is a `for`, `async for` or `while` statement, or a comprehension
(`[train_step(b) for b in loader]`). One *iteration* of a loop is what runs
each time round: the body (for `while`, also the test; for a comprehension,
the element, the conditions and the inner `for` clauses), followed into the
nested loops it contains and into every project function it calls, in this
file or another file of the project (`train_step(...)`, `self.fit_batch()`,
`trainer.step()` on an instance of a project class), up to four calls deep.
Nested `def`s and lambdas are not followed, except a closure passed to
`optimizer.step`.

What an iteration does is a list of `Event`s:

    BACKWARD      gradients are added into `.grad`: `loss.backward()`,
                  `scaler.scale(loss).backward()`, `accelerator.backward(loss)`,
                  `fabric.backward(loss)`, `self.manual_backward(loss)`,
                  `torch.autograd.backward(loss)`. Not `torch.autograd.grad`
                  or distributed autograd, which fill no `.grad`.
    STEP          an optimizer applies `.grad`: `optimizer.step()`,
                  `optimizer.step(closure)`, `scaler.step(optimizer)`,
                  `xm.optimizer_step(optimizer)`.
    ZERO_GRAD     gradients are cleared: `optimizer.zero_grad()`,
                  `model.zero_grad(set_to_none=True)`, any call named
                  `*zero_grad*` or `*clear_grad*`, any assignment to `p.grad` (or into it),
                  `del p.grad`, `p.grad.zero_()`, `torch._foreach_zero_(grads)`,
                  and `optimizer.zero_grad` written without its call (the
                  intent is there; DL103 reports the missing parentheses).
    ACCUMULATE    `with accelerator.accumulate(model):`, where Accelerate
                  decides when gradients are applied and reset.

A *training loop* is a loop whose iteration has a BACKWARD and a STEP.

The API (`semantic.training_loops` is the `TrainingLoops` of one file)::

    loops = semantic.training_loops
    loops.loops()                        every loop of the file, in source order
    loops.statement_loops()              only the `for` / `while` statements
    loops.training_loops()               the loops that train
    loops.is_training_loop(loop)         backward + optimizer step per iteration
    loops.calls_backward(loop)           backward per iteration (a step or not)
    loops.runs_once(loop)                the body always ends in break / return / raise
    loops.iterates_over_data(loop)       `for x, y in loader`: one batch per iteration
    loops.may_reach_backward(loop)       cheap text-and-names pre-tests for the above
    loops.may_reach_step(loop)
    loops.iteration(loop)                Iteration: .events, .backward, .steps, .zeroing, .opaque
    loops.own_events(loop, kind)         events not inside a nested loop that trains by itself
    loops.may_clear(reset, step)         can this reset clear what this step applies? (per optimizer)
    loops.adds_into_grad(backward)       does this BACKWARD add to the gradients (PyTorch) rather
                                         than overwrite them (MXNet's default)?
    loops.resets_outside(loop)           gradient resets in the loop's function, outside the loop
    loops.optimizer_built_per_iteration(step, loop)
                                         a throwaway optimizer, constructed every iteration
    loops.enclosing_loops(node)          the loops that run `node` once per iteration,
                                         innermost first, inside its own function
    loops.innermost_training_loop(node)  the first of those that trains, or None
    loops.summary(function)              Summary of one call of a project function:
                                         .calls_backward, .steps, .zeroing, .events
    loops.module_summary()               the same for the module's top-level code
    loops.accumulations()                `total += x`, `total = total + x`, `xs.append(x)`
                                         inside loops: Accumulation(statement, node, target, value)
    loops.carried_across(loop, target, node)
                                         can `target`'s value at `node` come from an
                                         earlier iteration (no reset before it)?
    loops.feeds_backward(target, node)   is `target`'s value backpropagated in node's function?
    loops.framework_manages_gradients(node)
                                         True inside a hook whose caller (Lightning,
                                         the Hugging Face Trainer) zeroes gradients

`Summary.opaque` lists the calls that could not be followed and whose name
suggests they may reset gradients out of sight (`self.call_hook(...)`,
`callbacks.on_batch_begin()`, `self.before_step()` of a library base class).

Every `Event` and `Reached` call records where it is (`node`, `module`: the
`ModuleModel` of its file) and how the iteration got there: `via` is the
chain of calls followed (the first one is in the loop's file) and `loops`
the nested loops between the iteration and the event (`LoopRef`s, each with
its own module). An event with an empty `via` is in the loop's own body.
Everything is computed on first use and cached per file.
"""
from __future__ import annotations

import ast
import re
import weakref
from dataclasses import field
from typing import TYPE_CHECKING, Callable, Dict, FrozenSet, Iterable, List, NamedTuple, Optional, Sequence, Set, Tuple, Union

from dllint.lazy_dataclass import lazy_dataclass
from dllint.lazy_pattern import LazyPattern
from dllint.semantic import catalog
from dllint.semantic.imports import dotted_parts
from dllint.semantic.project import BACKWARD_CALL_TEXT, STEP_CALL_TEXT, DefinitionFacts, called_names
from dllint.semantic.scopes import pick_binding
from dllint.semantic.values import BATCH, DATA, MODEL, OPTIMIZER, Value
from dllint.tree import children, statements, walk

if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.module import ModuleModel

BACKWARD = "backward"
STEP = "step"
ZERO_GRAD = "zero_grad"
ACCUMULATE = "accumulate"

LOOP_TYPES = (ast.For, ast.AsyncFor, ast.While, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
LoopNode = Union[ast.For, ast.AsyncFor, ast.While, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp]
FunctionNode = Union[ast.FunctionDef, ast.AsyncFunctionDef]
_SCOPE_TYPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_MAX_CALL_DEPTH = 4  # how deep helper calls are followed (the pre-tests look as deep)
# Names of calls that may reset gradients out of sight: hooks and callbacks.
_MAY_RESET_GRADIENTS = LazyPattern(r"(?i)hook|callback|^on_|^before_|^after_|reset_grad")
# `grad_req="add"`, `setattr("grad_req", "add")`: MXNet told to accumulate.
_GRAD_REQ_ADD = LazyPattern(r"""grad_req['"]?\s*[=,]\s*['"]add['"]""")
_SCALER_NAME = LazyPattern(r"^([a-z0-9_]*_)?(grad_)?scaler$", re.I)


class LoopRef(NamedTuple):
    """A loop and the module it is in (loops reached through calls may be in another file)."""

    module: "ModuleModel"
    node: LoopNode


@lazy_dataclass(frozen=True, eq=False)
class Event:
    """Something one iteration (or one call of a function) does to gradients.

    `subject` is what it acts on: the tensor backpropagated (BACKWARD), the
    optimizer expression (STEP), the object whose gradients are cleared
    (ZERO_GRAD; None for `p.grad = None`). `closure` is the closure passed to
    `optimizer.step(closure)`.
    """

    kind: str
    node: ast.AST
    module: "ModuleModel"
    subject: Optional[ast.expr] = None
    via: Tuple[ast.Call, ...] = ()
    loops: Tuple[LoopRef, ...] = ()
    closure: Optional[ast.AST] = None

    def reached_through(self, call: ast.Call, loops: Tuple[LoopRef, ...]) -> "Event":
        return Event(self.kind, self.node, self.module, self.subject, (call,) + self.via, loops + self.loops, self.closure)

    @property
    def direct(self) -> bool:
        """In the body itself, not in a called function."""
        return not self.via


@lazy_dataclass(frozen=True, eq=False)
class Reached:
    """A call that one iteration (or one call of a function) makes."""

    node: ast.Call
    module: "ModuleModel"
    via: Tuple[ast.Call, ...] = ()
    loops: Tuple[LoopRef, ...] = ()

    def reached_through(self, call: ast.Call, loops: Tuple[LoopRef, ...]) -> "Reached":
        return Reached(self.node, self.module, (call,) + self.via, loops + self.loops)


@lazy_dataclass(frozen=True, eq=False)
class Accumulation:
    """A statement in a loop that adds `value` to `target`: `total += x`,
    `total -= x`, `total = total + x`, `values.append(x)`. `node` is the
    statement, or the `append` call."""

    statement: ast.stmt
    node: ast.AST
    target: ast.expr
    value: ast.expr


@lazy_dataclass
class Summary:
    """What running a piece of code once does: its events, helpers included.
    (Not every call it reaches: nothing asked for them, and on PyTorch's
    sources they were 2.5M records, each a copy per caller.)"""

    events: List[Event] = field(default_factory=list)
    # calls dllint cannot follow whose name suggests they may reset gradients
    # (`self.before_step()` from a library base class, `hooks.call("before_iter")`)
    opaque: List[Reached] = field(default_factory=list)

    def of_kind(self, kind: str) -> List[Event]:
        return [event for event in self.events if event.kind == kind]

    @property
    def backward(self) -> List[Event]:
        return self.of_kind(BACKWARD)

    @property
    def steps(self) -> List[Event]:
        return self.of_kind(STEP)

    @property
    def zeroing(self) -> List[Event]:
        """ZERO_GRAD and ACCUMULATE events: whatever resets gradients."""
        return [event for event in self.events if event.kind in (ZERO_GRAD, ACCUMULATE)]

    @property
    def calls_backward(self) -> bool:
        return bool(self.backward)

    @property
    def trains(self) -> bool:
        return bool(self.backward) and bool(self.steps)


Iteration = Summary


class TrainingLoops:
    def __init__(self, model: "ModuleModel"):
        self.model = model
        self._loops: Optional[List[LoopNode]] = None
        self._statement_loops: Optional[list] = None
        self._accumulations: Optional[List[Accumulation]] = None
        self._iterations: Dict[int, Summary] = {}
        self._summaries: Dict[int, Summary] = {}
        self._training: Dict[int, bool] = {}
        self._may_reach_cache: Dict[Tuple[int, str], bool] = {}
        self._loop_called_names: Dict[int, set] = {}
        self._local_functions: Optional[Dict[str, List[FunctionNode]]] = None

    # -- loops -----------------------------------------------------------
    def _local_functions_named(self, name: str) -> List[FunctionNode]:
        """Functions of this file (nested ones included) called `name`."""
        if self._local_functions is None:
            found: Dict[str, List[FunctionNode]] = {}
            for statement in statements(self.model.tree):
                if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    found.setdefault(statement.name, []).append(statement)
            self._local_functions = found
        return self._local_functions.get(name, [])

    def loops(self) -> List[LoopNode]:
        if self._loops is None:
            found = list(self.model.nodes_of(*LOOP_TYPES))
            found.sort(key=lambda node: (node.lineno, node.col_offset))
            self._loops = found
        return self._loops

    def might_train(self) -> bool:
        """Cheap text test: this file, or a project module it imports, has a
        `.backward(` call. Rules call it before any loop analysis."""
        if _BACKWARD_CALL_TEXT.search(self.model.source.text):
            return True
        project = self.model.project
        for name in self.model.imports.imported_modules + list(self.model.imports.names.values()):
            info = project.module(name) or (project.module(name.rsplit(".", 1)[0]) if "." in name else None)
            if info is not None and _BACKWARD_CALL_TEXT.search(info.source.text):
                return True
        return False

    def statement_loops(self) -> List[Union[ast.For, ast.AsyncFor, ast.While]]:
        """The `for` and `while` statements of the file (no comprehensions), in source order."""
        if self._statement_loops is None:
            self._statement_loops = [node for node in statements(self.model.tree) if isinstance(node, (ast.For, ast.AsyncFor, ast.While))]
            self._statement_loops.sort(key=lambda node: (node.lineno, node.col_offset))
        return self._statement_loops

    def training_loops(self) -> List[LoopNode]:
        return [loop for loop in self.loops() if self.is_training_loop(loop)]

    def is_training_loop(self, loop: LoopNode) -> bool:
        key = id(loop)
        if key not in self._training:
            self._training[key] = False  # a loop reached again while deciding is not one
            self._training[key] = self.may_reach_backward(loop) and self.may_reach_step(loop) and self.iteration(loop).trains
        return self._training[key]

    def iterates_over_data(self, loop: LoopNode) -> bool:
        """A `for` loop whose target is a batch of data (`for x, y in loader`,
        `for i, batch in enumerate(tqdm(val_loader))`), as the semantic model
        tells from the iterable, not a loop over layers, heads or a `range`."""
        if not isinstance(loop, (ast.For, ast.AsyncFor)):
            return False
        for node in walk(loop.target):
            if isinstance(node, ast.Name):
                value = self.model.value_of(node)
                if value is not None and value.kind in (DATA, BATCH):
                    return True
        return False

    def runs_once(self, loop: LoopNode) -> bool:
        """The body ends every iteration with `break`, `return` or `raise`: one pass at most."""
        body = getattr(loop, "body", None)
        return isinstance(body, list) and any(isinstance(statement, (ast.Break, ast.Return, ast.Raise)) for statement in body)

    def calls_backward(self, loop: LoopNode) -> bool:
        """Whether an iteration computes gradients (BACKWARD), helpers included."""
        return self.may_reach_backward(loop) and bool(self.iteration(loop).backward)

    def may_reach_backward(self, loop: LoopNode) -> bool:
        """A cheap test, by text and names only: False when no `backward` can
        run in an iteration (the loop's text and the text of every project
        function it may call, by name, a few calls deep, lack `.backward(`).
        `calls_backward` and `is_training_loop` agree with it."""
        return self._may_reach(loop, _BACKWARD_CALL_TEXT)

    def may_reach_step(self, loop: LoopNode) -> bool:
        """The same cheap test for an optimizer step (`.step(`, `optimizer_step(`)."""
        return self._may_reach(loop, _STEP_CALL_TEXT)

    def _may_reach(self, loop: LoopNode, pattern: LazyPattern) -> bool:
        key = (id(loop), pattern.pattern)
        if key not in self._may_reach_cache:
            if pattern.search(_text_of(self.model, loop)):
                answer = True
            else:
                answer = any(_name_may_reach(self.model, name, pattern, _MAX_CALL_DEPTH - 1) for name in self._names_called_in(loop))
            self._may_reach_cache[key] = answer
        return self._may_reach_cache[key]

    def _names_called_in(self, loop: LoopNode) -> set:
        """`_called_names` of an iteration, kept: both cheap tests (backward
        and step) ask it of every loop, and it walks the whole body."""
        key = id(loop)
        if key not in self._loop_called_names:
            self._loop_called_names[key] = _called_names(iteration_parts(loop))
        return self._loop_called_names[key]

    def iteration(self, loop: LoopNode) -> Summary:
        key = id(loop)
        if key not in self._iterations:
            summary = Summary()
            self._iterations[key] = summary  # recursion guard: a partial answer
            self._scan(iteration_parts(loop), summary, frozenset())
        return self._iterations[key]

    def enclosing_loops(self, node: ast.AST) -> List[LoopNode]:
        """The loops that run `node` once per iteration, innermost first,
        stopping at the enclosing function (or lambda, or class)."""
        found: List[LoopNode] = []
        child, parent = node, self.model.parent(node)
        while parent is not None and not isinstance(parent, _SCOPE_TYPES):
            if isinstance(parent, LOOP_TYPES) and _in_iteration(parent, child):
                found.append(parent)
            child, parent = parent, self.model.parent(parent)
        return found

    def innermost_training_loop(self, node: ast.AST) -> Optional[LoopNode]:
        for loop in self.enclosing_loops(node):
            if self.is_training_loop(loop):
                return loop
        return None

    def own_events(self, loop: LoopNode, kind: str) -> List[Event]:
        """Events of `kind` in the iteration that belong to this loop, not to
        a nested loop that trains by itself (a batch loop inside an epoch loop)."""
        return [
            event for event in self.iteration(loop).of_kind(kind)
            if not any(ref.module.training_loops.is_training_loop(ref.node) for ref in event.loops)
        ]

    def adds_into_grad(self, backward: Event) -> bool:
        """Whether this backward call adds into the gradients, so that they pile
        up until cleared. Not in a file written for MXNet (it imports mxnet and
        nothing of PyTorch's), whose parameters overwrite their gradient on
        every backward unless a `grad_req` of "add" asks for accumulation."""
        model = backward.module
        tops = {name.split(".")[0] for name in model.imports.imported_modules}
        if not tops & catalog.GRADIENT_OVERWRITING_FRAMEWORKS or tops & catalog.TORCH_ECOSYSTEM:
            return True
        return bool(_GRAD_REQ_ADD.search(model.source.text))

    def may_clear(self, reset: Event, step: Event) -> bool:
        """Whether a gradient reset may clear the gradients a step applies.
        True unless provably not: the reset is `zero_grad()` of another
        optimizer, or of a model whose parameters the stepped optimizer does
        not hold, each known from the call that built it (`opt_g.zero_grad()`
        does not clear what `opt_d.step()` applies)."""
        if reset.kind != ZERO_GRAD or reset.subject is None or step.subject is None:
            return True
        # Identities come only from the optimizer classes' own constructors.
        stepped_value = optimizer_value(step.module, step.subject)
        stepped = constructor_of(step.module, step.subject)
        if stepped_value is None or stepped_value.by_name or stepped is None:
            return True
        reset_optimizer = optimizer_value(reset.module, reset.subject)
        if reset_optimizer is not None:
            other = constructor_of(reset.module, reset.subject)
            if reset_optimizer.by_name or other is None or other is stepped:
                return True
            # two optimizers over some of the same models (`info_opt` over
            # `chain(G.parameters(), D.parameters())`, `opt_d` over `D`)
            mine, theirs = _parameter_owners(step.module, stepped), _parameter_owners(reset.module, other)
            return bool(mine and theirs and mine & theirs)
        reset_value = reset.module.value_of(reset.subject)
        if reset_value is None or reset_value.kind != MODEL or reset_value.by_name or not isinstance(reset_value.origin, ast.Call):
            return True
        owner = _parameters_owner(step.module, stepped)
        return owner is None or owner is reset_value.origin

    def optimizer_built_per_iteration(self, step: Event, loop: LoopNode) -> bool:
        """The stepped optimizer is constructed anew on every iteration (in the
        loop, or in the helper that steps it): a throwaway optimizer, as in a
        test or a numerics check, not one that trains across iterations."""
        origin = constructor_of(step.module, step.subject) if step.subject is not None else None
        if origin is None:
            return False
        if step.via:
            return step.module.enclosing_function(origin) is step.module.enclosing_function(step.node)
        return loop.lineno <= origin.lineno <= (loop.end_lineno or loop.lineno)

    def resets_outside(self, loop: LoopNode) -> List[ast.AST]:
        """Gradient resets in the loop's function (or module code) that are not
        inside the loop: the call or statement of this file, in source order."""
        function = self.model.enclosing_function(loop)
        summary = self.summary(function) if function is not None else self.module_summary()
        inside = range(loop.lineno, (loop.end_lineno or loop.lineno) + 1)
        found = []
        for event in summary.zeroing:
            node = event.via[0] if event.via else event.node
            if node.lineno not in inside:
                found.append(node)
        return sorted(found, key=lambda node: (node.lineno, node.col_offset))

    # -- values carried across iterations -------------------------------
    def accumulations(self) -> List[Accumulation]:
        """Every accumulation statement inside a `for` / `while` loop of the
        file (each once, also when loops nest), in source order. Found by
        syntax alone: no semantic model is built for a file without one."""
        if self._accumulations is None:
            found: List[Accumulation] = []
            seen = set()
            for loop in self.statement_loops():
                for statement in _own_statements(loop.body):
                    if id(statement) not in seen:
                        seen.add(id(statement))
                        accumulation = accumulation_in(statement)
                        if accumulation is not None:
                            found.append(accumulation)
            found.sort(key=lambda a: (a.statement.lineno, a.statement.col_offset))
            self._accumulations = found
        return self._accumulations

    def carried_across(self, loop: LoopNode, target: ast.expr, node: ast.AST) -> bool:
        """Whether the value `target` (a name, `self.attr`, `d[key]`) holds
        when `node` runs can come from an earlier iteration of `loop`: False
        when every iteration rebinds it before reaching `node` (`total = 0`,
        `losses = []`, `losses.clear()` earlier in the same block, or in a
        block around `node`)."""
        # Rebinding `stats` also resets `stats["loss"]` and `stats.loss`.
        keys = {target_key(target)}
        base = target
        while isinstance(base, (ast.Attribute, ast.Subscript)):
            base = base.value
            keys.add(target_key(base))
        child = node
        while not isinstance(child, ast.stmt) and self.model.parent(child) is not None:
            child = self.model.parent(child)
        parent = self.model.parent(child)
        while parent is not None:
            for name in ("body", "orelse", "finalbody"):
                block = getattr(parent, name, None)
                if isinstance(block, list) and child in block:
                    if any(_rebinds(statement, key) for statement in block[: block.index(child)] for key in keys):
                        return False
            if parent is loop:
                if isinstance(loop, (ast.For, ast.AsyncFor)) and keys & _bound_keys(loop.target):
                    return False
                return True
            if isinstance(parent, _SCOPE_TYPES):
                return True
            child, parent = parent, self.model.parent(parent)
        return True

    def feeds_backward(self, target: ast.expr, node: ast.AST) -> bool:
        """Whether the value of `target` flows (through assignments in this
        file) into a tensor that is backpropagated in the function holding
        `node`, or in module-level code when `node` is at module level."""
        key = target_key(target)
        function = self.model.enclosing_function(node)
        summary = self.summary(function) if function is not None else self.module_summary()
        for event in summary.backward:
            if event.module is self.model and event.direct and event.subject is not None:
                if key in self._keys_feeding(event.subject, 4):
                    return True
        return False

    def backpropagated(self, expression: ast.expr) -> bool:
        """Whether `expression` (`loss`, `outputs.loss`) is itself differentiated
        by a backward call in the same function (or module-level code). Such a
        tensor holds a single number: `backward()` needs a scalar."""
        key = target_key(expression)
        function = self.model.enclosing_function(expression)
        summary = self.summary(function) if function is not None else self.module_summary()
        return any(
            event.module is self.model and event.direct and event.subject is not None and target_key(event.subject) == key
            and not (isinstance(event.node, ast.Call) and _explicit_gradient(event.node))
            and self._same_binding(event.subject, expression)
            for event in summary.backward
        )

    def _same_binding(self, first: ast.expr, second: ast.expr) -> bool:
        """Two uses of one name see the same assignment (a notebook reuses
        `cost` for the training loss and, later, for a float it computes)."""
        while isinstance(first, (ast.Attribute, ast.Subscript)) and isinstance(second, (ast.Attribute, ast.Subscript)):
            first, second = first.value, second.value
        if not (isinstance(first, ast.Name) and isinstance(second, ast.Name)):
            return True
        scopes = self.model.scopes
        _, one = scopes.lookup(first.id, scopes.scope_at(first), first.lineno)
        _, other = scopes.lookup(second.id, scopes.scope_at(second), second.lineno)
        return one is other

    def _keys_feeding(self, expression: ast.AST, depth: int) -> set:
        keys = set()
        for node in walk(expression):
            if isinstance(node, (ast.Attribute, ast.Subscript)):
                keys.add(target_key(node))
            elif isinstance(node, ast.Name):
                keys.add(node.id)
                if depth > 0:
                    _, binding = self.model.scopes.lookup(node.id, self.model.scopes.scope_at(node), node.lineno)
                    if binding is not None and binding.kind in ("assign", "augassign") and binding.value is not None:
                        keys |= self._keys_feeding(binding.value, depth - 1)
        return keys

    # -- functions -------------------------------------------------------
    def summary(self, function: FunctionNode) -> Summary:
        """What one call of `function` (of this file) does, helpers included."""
        return self._summary(function, frozenset())

    def module_summary(self) -> Summary:
        """What running the module's top-level code once does (functions only when called)."""
        return self._summary(self.model.tree, frozenset())

    def _summary(self, function: Union[FunctionNode, ast.Lambda], active: FrozenSet[int]) -> Summary:
        key = id(function)
        if key in self._summaries:
            return self._summaries[key]
        summary = Summary()
        body = function.body if isinstance(function.body, list) else [function.body]
        self._summaries[key] = summary  # a recursive call sees the partial answer
        self._scan(body, summary, active | {key})
        return summary

    def framework_manages_gradients(self, node: ast.AST) -> bool:
        """Inside a hook that a framework calls with gradients zeroed for it
        (LightningModule.training_step, a transformers.Trainer subclass)."""
        function = node if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else self.model.enclosing_function(node)
        while function is not None:
            class_node = self.model.enclosing_class(function)
            if class_node is not None and self.model.parent(function) is class_node:
                qualname = self.model.class_qualname(class_node)
                ancestry = set(self.model.project.class_ancestry(qualname))
                for base, hooks in catalog.GRADIENT_MANAGING_BASES.items():
                    if base in ancestry and (not hooks or function.name in hooks):
                        return True
            function = self.model.enclosing_function(function)
        return False

    # -- scanning --------------------------------------------------------
    def _scan(self, roots: Sequence[ast.AST], out: Summary, active: FrozenSet[int]) -> None:
        """Collect the events and calls of running `roots` once."""
        model = self.model
        stack: List[Tuple[ast.AST, Tuple[LoopRef, ...]]] = [(root, ()) for root in reversed(roots)]
        while stack:
            node, loops = stack.pop()
            if isinstance(node, _SCOPE_TYPES):
                continue
            if isinstance(node, LOOP_TYPES):
                loops = loops + (LoopRef(model, node),)
            if isinstance(node, ast.Call):
                self._scan_call(node, loops, out, active)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(_mentions_grad(target) for target in targets):
                    out.events.append(Event(ZERO_GRAD, node, model, None, (), loops))
            elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Attribute) and "zero_grad" in node.value.attr:
                # `optimizer.zero_grad` without the call: the intent to clear is
                # there, and the missing parentheses are DL103's finding.
                out.events.append(Event(ZERO_GRAD, node, model, node.value.value, (), loops))
            elif isinstance(node, ast.Delete):
                if any(_mentions_grad(target) for target in node.targets):
                    out.events.append(Event(ZERO_GRAD, node, model, None, (), loops))
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    context = item.context_expr
                    if isinstance(context, ast.Call) and isinstance(context.func, ast.Attribute) and context.func.attr == "accumulate":
                        out.events.append(Event(ACCUMULATE, node, model, context.args[0] if context.args else None, (), loops))
            for child in reversed(children(node)):
                stack.append((child, loops))

    def _scan_call(self, call: ast.Call, loops: Tuple[LoopRef, ...], out: Summary, active: FrozenSet[int]) -> None:
        model = self.model
        target = resolve_callee(model, call)
        if target is not None:
            callee_model, function = target
            if id(function) not in active and len(active) < _MAX_CALL_DEPTH:
                inner = callee_model.training_loops._summary(function, active)
                out.events.extend(event.reached_through(call, loops) for event in inner.events)
                out.opaque.extend(reached.reached_through(call, loops) for reached in inner.opaque)
            return
        event = classify_call(model, call)
        if event is None:
            name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
            if _MAY_RESET_GRADIENTS.search(name):
                out.opaque.append(Reached(call, model, (), loops))
            return
        out.events.append(Event(event.kind, call, model, event.subject, (), loops, event.closure))
        if event.kind == STEP and event.closure is not None:
            closure = _closure_function(model, event.closure)
            if closure is not None and id(closure) not in active:
                inner = self._summary(closure, active)
                out.events.extend(e.reached_through(call, loops) for e in inner.events)


# -- the cheap pre-test: which names may lead to a backward call --------------

# A backward call as written: `.backward(`, `.manual_backward(`.
_BACKWARD_CALL_TEXT = BACKWARD_CALL_TEXT
_STEP_CALL_TEXT = STEP_CALL_TEXT
_DEFINITIONS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _text_of(model: "ModuleModel", node: ast.AST) -> str:
    return model.source.lines_text(node.lineno, getattr(node, "end_lineno", None) or node.lineno)


_called_names = called_names


class _DefinitionsByName:
    """Every top-level function and method of a top-level class in the
    project, by name, as the index's `DefinitionFacts` (no tree is parsed)."""

    def __init__(self, project) -> None:
        self.module_count = len(project.modules)
        self._found: Dict[str, List[Tuple[str, DefinitionFacts]]] = {}
        # (path, line, column, pattern) -> whether a call of it may reach the pattern
        self.reaches: Dict[Tuple[str, int, int, str], bool] = {}

    def get(self, project, name: str) -> List[Tuple[str, DefinitionFacts]]:
        """(path of the module, facts) of each definition called `name`."""
        found = self._found.get(name)
        if found is None:
            found = self._found[name] = [
                (info.source.path, facts) for info in project.defining(name) for facts in info.facts_named(name)
            ]
        return found


def _definitions(model: "ModuleModel") -> _DefinitionsByName:
    project = model.project
    index = _DEFINITIONS.get(project)
    if index is None or index.module_count != len(project.modules):
        index = _DEFINITIONS[project] = _DefinitionsByName(project)
    return index


def _name_may_reach(model: "ModuleModel", name: str, pattern: LazyPattern, depth: int) -> bool:
    """Whether a call named `name` may run code whose text matches `pattern`."""
    if pattern.search(f".{name}("):
        return True
    definitions = _definitions(model)
    known = definitions.reaches
    # (where it is, whether its text matches, the names it calls (computed when needed))
    candidates: List[Tuple[Tuple[str, int, int, str], bool, Callable[[], Iterable[str]]]] = []
    for path, facts in definitions.get(model.project, name):
        candidates.append(((path, facts.line, facts.column, pattern.pattern), pattern.pattern in facts.matched, lambda facts=facts: facts.calls))
    source = model.source
    for function in model.training_loops._local_functions_named(name):
        text = source.lines_text(function.lineno, function.end_lineno or function.lineno)
        key = (source.path, function.lineno, function.col_offset, pattern.pattern)
        candidates.append((key, bool(pattern.search(text)), lambda function=function: _called_names(function.body)))
    for key, matches, calls in candidates:
        if key not in known:
            known[key] = False
            answer = matches
            if not answer and depth > 0:
                answer = any(_name_may_reach(model, inner, pattern, depth - 1) for inner in calls() if inner != name)
            known[key] = answer
        if known[key]:
            return True
    return False


_ACCUMULATOR = (ast.Name, ast.Attribute, ast.Subscript)


def accumulation_in(statement: ast.stmt) -> Optional[Accumulation]:
    """The accumulation `statement` makes, if it is one."""
    if isinstance(statement, ast.AugAssign):
        if isinstance(statement.op, (ast.Add, ast.Sub)) and isinstance(statement.target, _ACCUMULATOR):
            return Accumulation(statement, statement, statement.target, statement.value)
        return None
    if isinstance(statement, ast.Assign):
        if len(statement.targets) != 1 or not isinstance(statement.targets[0], _ACCUMULATOR):
            return None
        target, value = statement.targets[0], statement.value
        if not isinstance(value, ast.BinOp) or not isinstance(value.op, ast.Add):
            return None
        key = target_key(target)
        if isinstance(value.left, _ACCUMULATOR) and target_key(value.left) == key:
            return Accumulation(statement, statement, target, value.right)
        if isinstance(value.right, _ACCUMULATOR) and target_key(value.right) == key:
            return Accumulation(statement, statement, target, value.left)
        return None
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
        call = statement.value
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr == "append" and len(call.args) == 1 and not call.keywords:
            if isinstance(func.value, _ACCUMULATOR):
                return Accumulation(statement, call, func.value, call.args[0])
    return None


def _own_statements(body: Sequence[ast.stmt]):
    """Statements in `body`, nested blocks included, not inside nested functions or classes."""
    stack = list(reversed(body))
    while stack:
        statement = stack.pop()
        yield statement
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for name in ("body", "orelse", "finalbody", "handlers"):
            block = getattr(statement, name, None)
            if isinstance(block, list):
                stack.extend(reversed(block))
        for case in getattr(statement, "cases", ()) or ():
            stack.extend(reversed(case.body))


def target_key(target: ast.AST) -> str:
    """A name for an assignment target: `total`, `self.total`, `stats['loss']`."""
    if isinstance(target, ast.Name):
        return target.id
    try:
        return ast.unparse(target)
    except Exception:  # noqa: BLE001 - unparse of odd nodes
        return ast.dump(target)


def _bound_keys(target: ast.AST) -> set:
    if isinstance(target, (ast.Tuple, ast.List)):
        keys = set()
        for element in target.elts:
            keys |= _bound_keys(element.value if isinstance(element, ast.Starred) else element)
        return keys
    return {target_key(target)}


def _rebinds(statement: ast.stmt, key: str) -> bool:
    """`statement` gives `key` a fresh value that does not depend on its old one."""
    if isinstance(statement, (ast.Assign, ast.AnnAssign)):
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        if statement.value is None or not any(key in _bound_keys(target) for target in targets):
            return False
        return not any(
            isinstance(node, (ast.Name, ast.Attribute, ast.Subscript)) and target_key(node) == key
            for node in walk(statement.value)
        )
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
        func = statement.value.func
        return isinstance(func, ast.Attribute) and func.attr == "clear" and target_key(func.value) == key
    if isinstance(statement, ast.Delete):
        # del losses[:]
        return any(isinstance(t, ast.Subscript) and isinstance(t.slice, ast.Slice) and target_key(t.value) == key for t in statement.targets)
    return False


def iteration_parts(loop: LoopNode) -> List[ast.AST]:
    """The parts of a loop that run once per iteration."""
    if isinstance(loop, (ast.For, ast.AsyncFor)):
        return list(loop.body)
    if isinstance(loop, ast.While):
        return [loop.test] + list(loop.body)
    parts: List[ast.AST] = []
    if isinstance(loop, ast.DictComp):
        parts += [loop.key, loop.value]
    else:
        parts.append(loop.elt)
    for index, generator in enumerate(loop.generators):
        if index:
            parts.append(generator.iter)
        parts.extend(generator.ifs)
    return parts


def _in_iteration(loop: LoopNode, child: ast.AST) -> bool:
    if isinstance(loop, (ast.For, ast.AsyncFor)):
        return child in loop.body
    if isinstance(loop, ast.While):
        return child is loop.test or child in loop.body
    if isinstance(child, ast.comprehension):
        return child is not loop.generators[0]
    return True


# -- what a single call does ---------------------------------------------

@lazy_dataclass(frozen=True)
class _Classified:
    kind: str
    subject: Optional[ast.expr] = None
    closure: Optional[ast.AST] = None


def classify_call(model: "ModuleModel", call: ast.Call) -> Optional[_Classified]:
    """BACKWARD / STEP / ZERO_GRAD for one call, not following project functions."""
    func = call.func
    if isinstance(func, ast.Attribute):
        name, receiver = func.attr, func.value
    elif isinstance(func, ast.Name):
        name, receiver = func.id, None
    else:
        return None
    if name in ("backward", "manual_backward"):
        qualname = model.qualified_name(func)
        if qualname in catalog.BACKWARD_WITHOUT_GRAD:
            return None
        return _Classified(BACKWARD, _backpropagated(model, call, receiver, qualname))
    if "zero_grad" in name or "clear_grad" in name or name == "_foreach_zero_":
        subject = receiver if receiver is not None and name != "_foreach_zero_" else (call.args[0] if call.args else None)
        return _Classified(ZERO_GRAD, subject)
    if name in ("zero_", "fill_", "mul_") and receiver is not None and _mentions_grad(receiver):
        return _Classified(ZERO_GRAD, receiver)
    if name == "step" and receiver is not None:
        if optimizer_value(model, receiver) is not None:
            closure = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "closure"), None)
            return _Classified(STEP, receiver, closure)
        if call.args and _is_grad_scaler(model, receiver):
            return _Classified(STEP, call.args[0])
        return None
    if name == "optimizer_step" and call.args:
        qualname = model.qualified_name(func) or ""
        if qualname.startswith("torch_xla."):
            return _Classified(STEP, call.args[0])
    return None


def _backpropagated(model: "ModuleModel", call: ast.Call, receiver: Optional[ast.expr], qualname: Optional[str]) -> Optional[ast.expr]:
    """The tensor a backward call differentiates."""
    takes_tensor = qualname == "torch.autograd.backward" or (isinstance(call.func, ast.Attribute) and call.func.attr == "manual_backward")
    if not takes_tensor and receiver is not None and call.args:
        parts = dotted_parts(receiver)
        last = parts[-1].lower() if parts else ""
        takes_tensor = any(word in last for word in catalog.BACKWARD_OWNER_WORDS)
    if takes_tensor:
        return call.args[0] if call.args else None
    # scaler.scale(loss).backward()
    if isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Attribute) and receiver.func.attr == "scale" and receiver.args:
        return receiver.args[0]
    return receiver


def _explicit_gradient(call: ast.Call) -> bool:
    """`y.backward(gradient)`: a tensor with several elements, differentiated
    with an explicit gradient (not `accelerator.backward(loss)`)."""
    func = call.func
    if not isinstance(func, ast.Attribute) or func.attr != "backward" or isinstance(func.value, ast.Call):
        return False
    owner = (dotted_parts(func.value) or [""])[-1].lower()
    if any(word in owner for word in catalog.BACKWARD_OWNER_WORDS):
        return False
    return bool(call.args) or any(keyword.arg in ("gradient", "grad_tensors") for keyword in call.keywords)


def _mentions_grad(node: ast.AST) -> bool:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        if isinstance(node, ast.Attribute) and node.attr == "grad":
            return True
        node = node.value
    return False


def _is_grad_scaler(model: "ModuleModel", receiver: ast.expr) -> bool:
    origin = constructor_of(model, receiver)
    if origin is not None:
        qualname = model.qualified_name(origin.func)
        if qualname is not None:
            return qualname in catalog.GRAD_SCALERS
    parts = dotted_parts(receiver)
    return bool(parts) and bool(_SCALER_NAME.match(parts[-1]))


def optimizer_value(model: "ModuleModel", expression: ast.expr) -> Optional[Value]:
    """The optimizer `expression` holds, or None.

    The semantic model's name-based guess (`opt`, `optimizer`, `*_optimizer`)
    is accepted only when nothing better is known: a name bound to a call of
    a library class that is not an optimizer (`DistributedOptimizer`, whose
    gradients live in a distributed-autograd context) is not one. A project
    class is an optimizer when it subclasses `torch.optim.Optimizer`.
    """
    value = model.value_of(expression)
    if value is None or value.kind != OPTIMIZER:
        return None
    if value.qualname in catalog.OPTIMIZERS_WITHOUT_GRAD:
        return None
    if not value.by_name:
        return value
    origin = constructor_of(model, expression)
    if origin is None:
        return value
    qualname = model.qualified_name(origin.func)
    if qualname in catalog.OPTIMIZERS_WITHOUT_GRAD:
        return None
    resolved = model.resolve_class(origin.func)
    if resolved is not None:
        class_qualname = resolved[0].class_qualname(resolved[1])
        ancestry = set(model.project.class_ancestry(class_qualname))
        return value if any(base.startswith(catalog.TORCH_OPTIMIZER_PREFIXES) for base in ancestry) else None
    if qualname is not None and qualname.split(".")[0] not in ("self",) and "optim" not in qualname.rsplit(".", 1)[-1].lower():
        return None
    return value


def _parameter_owners(model: "ModuleModel", constructor: ast.Call) -> Optional[Set[ast.AST]]:
    """The calls that built every model whose parameters an optimizer
    constructor takes: `Adam(net.parameters())`, `chain(a.parameters(),
    b.parameters())`, `list(a.parameters()) + list(b.parameters())`; None
    when any part is something else."""
    params = constructor.args[0] if constructor.args else next((k.value for k in constructor.keywords if k.arg == "params"), None)
    owners: Set[ast.AST] = set()

    def collect(node: Optional[ast.AST]) -> bool:
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return collect(node.left) and collect(node.right)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "parameters":
            value = model.value_of(node.func.value)
            if value is None or value.kind != MODEL or value.by_name or not isinstance(value.origin, ast.Call):
                return False
            owners.add(value.origin)
            return True
        if isinstance(node, ast.Call) and node.args and not node.keywords and (
                model.qualified_name(node.func) == "itertools.chain" or isinstance(node.func, ast.Name) and node.func.id == "list"):
            return all(collect(argument) for argument in node.args)
        return False

    return owners if collect(params) else None


def _parameters_owner(model: "ModuleModel", constructor: ast.Call) -> Optional[ast.AST]:
    """The call that built the one model whose `.parameters()` an optimizer
    constructor takes (`Adam(netD.parameters(), ...)`), or None."""
    params = constructor.args[0] if constructor.args else next((k.value for k in constructor.keywords if k.arg == "params"), None)
    if not (isinstance(params, ast.Call) and isinstance(params.func, ast.Attribute) and params.func.attr == "parameters"):
        return None
    value = model.value_of(params.func.value)
    if value is None or value.kind != MODEL or value.by_name or not isinstance(value.origin, ast.Call):
        return None
    return value.origin


def constructor_of(model: "ModuleModel", expression: ast.expr) -> Optional[ast.Call]:
    """The call whose result `expression` (a name or `self.attr`) was bound to:
    `SGD(...)` for `opt` after `opt = SGD(...)`, or None."""
    binding = None
    if isinstance(expression, ast.Name):
        _, binding = model.scopes.lookup(expression.id, model.scopes.scope_at(expression), getattr(expression, "lineno", None))
    elif isinstance(expression, ast.Attribute) and isinstance(expression.value, ast.Name):
        class_node = model._class_of_self(expression.value, expression)
        if class_node is not None:
            class_scope = model.scopes.scopes.get(class_node)
            bindings = class_scope.attributes.get(expression.attr) if class_scope else None
            if bindings:
                binding = pick_binding(bindings, None)
    if binding is None or binding.kind != "assign" or binding.path:
        return None
    value = binding.value
    return value if isinstance(value, ast.Call) else None


def resolve_callee(model: "ModuleModel", call: ast.Call) -> Optional[Tuple["ModuleModel", FunctionNode]]:
    """The project function a call runs: a function, a method of `self`, or a
    method of an instance of a project class (`trainer.step()` after
    `trainer = Trainer(...)`). Methods of project optimizers (subclasses of
    `torch.optim.Optimizer`) are not followed: their `step` is a STEP."""
    resolved = model.resolve_function(call)
    if resolved is not None:
        return resolved
    func = call.func
    if not isinstance(func, ast.Attribute):
        return None
    origin = constructor_of(model, func.value)
    if origin is None:
        return None
    found = model.resolve_class(origin.func)
    if found is None:
        return None
    class_model, class_node = found
    qualname = class_model.class_qualname(class_node)
    ancestry = list(model.project.class_ancestry(qualname))
    if any(base.startswith(catalog.TORCH_OPTIMIZER_PREFIXES) for base in ancestry):
        return None
    for candidate_model, candidate in [(class_model, class_node)] + _project_bases(model, ancestry):
        for statement in candidate.body:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and statement.name == func.attr:
                return candidate_model, statement
    return None


def _project_bases(model: "ModuleModel", ancestry: Sequence[str]) -> List[Tuple["ModuleModel", ast.ClassDef]]:
    found = []
    for qualname in ancestry:
        definition = model.project.definition(qualname)
        if definition is not None and isinstance(definition[1], ast.ClassDef):
            found.append((model.project.model_for(definition[0]), definition[1]))
    return found


def _closure_function(model: "ModuleModel", closure: ast.AST) -> Optional[Union[FunctionNode, ast.Lambda]]:
    if isinstance(closure, ast.Lambda):
        return closure
    if isinstance(closure, ast.Name):
        _, binding = model.scopes.lookup(closure.id, model.scopes.scope_at(closure), closure.lineno)
        if binding is not None and binding.kind == "def":
            return binding.value
    return None
