"""Activation provenance: which activation, if any, was last applied to a value.

    semantic.activations.of(expr)                -> Activation(kind=SOFTMAX, node=<the F.softmax call>, ...)
    semantic.activations.model_output(model)     -> what calling the model held by `model` returns
    semantic.activations.return_paths(function)  -> each return of a function and the tests that lead to it
    semantic.activations.conditional_activations(function)
                                                 -> activations it returns only in eval mode / behind a flag

Kinds: SOFTMAX, LOG_SOFTMAX, SIGMOID, LOGITS (no activation: what a linear or
convolution layer returns) and UNKNOWN (anything else, or dllint cannot tell).

The answer follows the value back through variables and tuple unpacking,
reshaping and casting (`.view`, `.squeeze`, `[:, -1]`, `.to`), helper
functions (their parameters bound to the call's arguments), the `forward()` /
`call()` of a project model class (in this file or another one), the last
layer of `nn.Sequential` / `keras.Sequential` (also built with `.add`), the
functional Keras graph (`outputs = layers.Dense(10, activation="softmax")(x)`
then `keras.Model(inputs, outputs)`), `keras.applications` models, and
torchvision / timm classifiers (logits, unless their head was replaced).

A name's value is found by reading the statements before its use backwards
(reaching definitions): an `if` whose taken branch, or both of whose
branches, bind the name settles it; a binding inside a loop or one branch
only adds a possibility. Layers added with `.add()`, heads replaced with
`model.fc = ...` and containers changed later count only until the name is
bound again (notebooks rebuild `model` many times).

It answers for the path a loss takes: `self.training` is true, a Keras
`training` argument is true when the framework calls the model (fit), and a
flag takes the value the call passes, or its default (for `self.flag`, the
constructor call's). A return, or an assignment, reached only in evaluation
mode or behind a flag the call does not set is left out; `return_paths()`
and `conditional_activations()` keep them, with their condition, for anyone
who asks about them. Where the paths that remain disagree, or any of them is
not understood (a layer built with `**kwargs`, a list built in a loop), the
answer is UNKNOWN: rules report only what is certain.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Dict, List, Optional, Sequence, Tuple, Union

from dllint.semantic.arguments import positional_or_keyword, constant_string
from dllint.semantic import catalog
from dllint.semantic.values import LOSS_FUNCTION, MODEL
from dllint.tree import walk

if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.module import ModuleModel

SOFTMAX = "softmax"
LOG_SOFTMAX = "log_softmax"
SIGMOID = "sigmoid"
LOGITS = "logits"  # no activation
UNKNOWN = "unknown"

FunctionNode = Union[ast.FunctionDef, ast.AsyncFunctionDef]
# A selector into a structured value: an int (tuple element or tensor row), a
# str (dict key) or ".name" (attribute of a model output object).
Path = Tuple[Union[int, str], ...]
_BUDGET = 4000  # steps per question; a question that needs more gets UNKNOWN
_MAX_DEPTH = 60


@dataclass(frozen=True)
class Activation:
    """The activation last applied to a value, and where.

    `node` is the call or layer that applied it (for LOGITS: the layer that
    produced the logits), in the file of `source` (a ModuleModel). `label`
    says how it was spelled (`F.softmax`, `nn.Softmax`, `activation="softmax"`)
    and `note` how it is reached (`last layer of the nn.Sequential`).
    """

    kind: str
    node: Optional[ast.AST] = field(default=None, compare=False)
    source: Optional["ModuleModel"] = field(default=None, compare=False, repr=False)
    label: str = ""
    note: str = ""

    @property
    def known(self) -> bool:
        return self.kind != UNKNOWN

    def function_name(self) -> Optional[str]:
        """`Net.forward` when the activation is applied inside a method."""
        if self.node is None or self.source is None:
            return None
        function = self.source.enclosing_function(self.node)
        if function is None:
            return None
        owner = self.source.enclosing_class(function)
        return f"{owner.name}.{function.name}" if owner is not None and self.source.parent(function) is owner else function.name

    def location(self, here: Optional["ModuleModel"] = None) -> str:
        """`line 12` in the asking file, `model.py:12` in another one."""
        if self.node is None or self.source is None:
            return ""
        line = getattr(self.node, "lineno", 0)
        if here is not None and self.source is here:
            return f"line {line}"
        return f"{self.source.source.path}:{line}"

    def describe(self, here: Optional["ModuleModel"] = None) -> str:
        """`F.softmax` in `Net.forward()`, model.py:20 /
        `nn.Softmax(dim=1)`, the last layer of the `nn.Sequential`, line 3"""
        text = self.label or self.kind
        if self.note:
            joined = self.note.startswith(("with ", "on ", "in ", "whose "))
            text += f" {self.note}" if joined else f", {self.note}"
        function = self.function_name()
        if function:
            text += f" in `{function}()`"
        where = self.location(here)
        return f"{text}, {where}" if where else text


def unknown(reason: str = "") -> Activation:
    return Activation(UNKNOWN, label=reason)


def merge(candidates: Sequence[Activation]) -> Activation:
    """One answer for several possible paths: their common kind, or UNKNOWN."""
    if not candidates:
        return unknown("no path")
    first = candidates[0]
    if len(candidates) == 1:
        return first
    if all(candidate.kind == first.kind for candidate in candidates) and first.known:
        return first
    return unknown("the paths disagree")


@dataclass(frozen=True)
class ReturnPath:
    """A `return` of a function and the tests that lead to it.

    `guards` holds (test, wanted truth) pairs from the enclosing `if`s and the
    early returns before it; a None test stands for a loop or handler that
    may not run.
    """

    value: ast.expr
    guards: Tuple[Tuple[Optional[ast.expr], Optional[bool]], ...]


@dataclass
class _Frame:
    """A function being evaluated for one call of it."""

    function: FunctionNode
    model: "ModuleModel"
    call: Optional[ast.Call] = None  # None: called by the framework (fit), arguments unknown
    call_model: Optional["ModuleModel"] = None
    caller: Optional["_Frame"] = None
    bound: bool = False  # the first parameter (self) is not among the call's arguments
    instance: Optional[Tuple[ast.Call, "ModuleModel"]] = None  # the constructor call of `self`
    framework_call: bool = False  # called by fit(): Keras passes training=True

    @property
    def key(self) -> Tuple[int, ...]:
        frame, key = self, []
        while frame is not None:
            key += [id(frame.function), id(frame.call)]
            frame = frame.caller
        return tuple(key)


class _Question:
    """The bookkeeping of one top-level question: budget and cycle guard."""

    def __init__(self) -> None:
        self.steps = 0
        self.active: set = set()
        self.memo: Dict[tuple, Activation] = {}


class Activations:
    """Activation facts of one file. Built lazily by `ModuleModel.activations`."""

    def __init__(self, model: "ModuleModel"):
        self.model = model
        self._cache: Dict[Tuple[int, Path], Activation] = {}
        self._return_paths: Dict[int, List[ReturnPath]] = {}

    # -- public questions ------------------------------------------------
    def of(self, node: ast.AST, path: Path = ()) -> Activation:
        """The activation last applied to what `node` evaluates to."""
        key = (id(node), path)
        if key not in self._cache:
            self._cache[key] = _Walk(_Question()).value(node, self.model, None, path, 0)
        return self._cache[key]

    def model_output(self, model_expression: ast.AST, *, called_by_framework: bool = True) -> Activation:
        """What the model that `model_expression` holds returns when it is
        called for training (by `fit()` when `called_by_framework`)."""
        key = (id(model_expression), ("<output>", called_by_framework))
        if key not in self._cache:
            walk = _Walk(_Question())
            self._cache[key] = walk.model_object_output(model_expression, self.model, None, None, None, 0, framework_call=called_by_framework)
        return self._cache[key]

    def return_paths(self, function: FunctionNode) -> List[ReturnPath]:
        """Every `return <value>` of `function`, with the tests that lead to it."""
        if id(function) not in self._return_paths:
            found: List[ReturnPath] = []
            _collect_returns(function.body, (), found)
            self._return_paths[id(function)] = found
        return self._return_paths[id(function)]

    def conditional_activations(self, function: FunctionNode) -> List[Tuple[Activation, str]]:
        """Activations `function` returns only off the training path, with
        the condition: (activation, "only in evaluation mode" / "only when
        `return_probs` is true"). A flag counts as off when its default is."""
        walk, frame = _Walk(_Question()), _Frame(function, self.model)
        result = []
        for path in self.return_paths(function):
            for test, wanted in path.guards:
                truth = walk.truth(test, frame, self.model, 0) if test is not None else None
                if truth is None and test is not None and isinstance(test, ast.Name):
                    truth = _truthiness(_parameter_default(test, function, self.model))
                if truth is not None and truth != wanted:
                    activation = walk.value(path.value, self.model, frame, (), 0)
                    if activation.known:
                        result.append((activation, _condition_text(test, wanted, self.model)))
                    break
        return result


def _condition_text(test: ast.expr, wanted: bool, model: "ModuleModel") -> str:
    text = model.source.segment(test)
    if "training" in text:
        return "only in evaluation mode" if ("not" in text) == wanted else "only in training mode"
    return f"only when `{text}` is {'true' if wanted else 'false'}"


def _collect_returns(statements: Sequence[ast.stmt], guards: tuple, found: List[ReturnPath]) -> bool:
    """Add the returns in `statements`; True when the block always leaves."""
    for statement in statements:
        if isinstance(statement, ast.Return):
            if statement.value is not None:
                found.append(ReturnPath(statement.value, guards))
            return True
        if isinstance(statement, ast.Raise):
            return True
        if isinstance(statement, ast.If):
            body_leaves = _collect_returns(statement.body, guards + ((statement.test, True),), found)
            else_leaves = _collect_returns(statement.orelse, guards + ((statement.test, False),), found)
            if body_leaves and else_leaves:
                return True
            if body_leaves:
                guards = guards + ((statement.test, False),)
            elif else_leaves:
                guards = guards + ((statement.test, True),)
        elif isinstance(statement, (ast.For, ast.AsyncFor, ast.While)):
            _collect_returns(statement.body, guards + ((None, None),), found)
            _collect_returns(statement.orelse, guards, found)
        elif isinstance(statement, (ast.With, ast.AsyncWith)):
            if _collect_returns(statement.body, guards, found):
                return True
        elif isinstance(statement, ast.Try) or type(statement).__name__ == "TryStar":
            body_leaves = _collect_returns(statement.body, guards, found)
            for handler in statement.handlers:
                _collect_returns(handler.body, guards + ((None, None),), found)
            _collect_returns(statement.orelse, guards, found)
            if _collect_returns(statement.finalbody, guards, found):
                return True
            if body_leaves and not statement.handlers:
                return True
        elif type(statement).__name__ == "Match":
            for case in statement.cases:  # type: ignore[attr-defined]
                _collect_returns(case.body, guards + ((None, None),), found)
    return False


def _first_parameter(function: FunctionNode) -> Optional[str]:
    positional = function.args.posonlyargs + function.args.args
    return positional[0].arg if positional else None


def _short(model: "ModuleModel", node: ast.AST) -> str:
    """The callee as written, for messages: `F.softmax`, `nn.Softmax`."""
    if isinstance(node, ast.Call):
        node = node.func
    return model.source.segment(node) or ""


def _layer_text(model: "ModuleModel", constructor: ast.Call) -> str:
    """A layer as written when it is short (`nn.Linear(84, 10)`), else its class."""
    text = " ".join((model.source.segment(constructor) or "").split())
    return text if len(text) <= 40 else f"{_short(model, constructor)}(...)"


class _Walk:
    """The evaluation itself. Every method takes the file (`model`) the node
    belongs to and the frame of the function being evaluated (None: no call
    is known, parameters come from the call sites in the file)."""

    def __init__(self, question: _Question):
        self.q = question

    # -- entry ------------------------------------------------------------
    def value(self, node: ast.AST, model: "ModuleModel", frame: Optional[_Frame], path: Path, depth: int) -> Activation:
        if node is None or depth > _MAX_DEPTH:
            return unknown("too deep")
        self.q.steps += 1
        if self.q.steps > _BUDGET:
            return unknown("too costly")
        key = (id(node), frame.key if frame else (), path)
        if key in self.q.memo:
            return self.q.memo[key]
        if key in self.q.active:
            return unknown("recursive")
        self.q.active.add(key)
        try:
            result = self._evaluate(node, model, frame, path, depth + 1)
        finally:
            self.q.active.discard(key)
        self.q.memo[key] = result
        return result

    def _evaluate(self, node: ast.AST, model: "ModuleModel", frame: Optional[_Frame], path: Path, depth: int) -> Activation:
        if isinstance(node, ast.Name):
            return self.name(node, model, frame, path, depth)
        if isinstance(node, ast.Call):
            return self.call(node, model, frame, path, depth)
        if isinstance(node, ast.Attribute):
            return self.attribute(node, model, frame, path, depth)
        if isinstance(node, ast.Subscript):
            return self.subscript(node, model, frame, path, depth)
        if isinstance(node, (ast.Tuple, ast.List)):
            if path and isinstance(path[0], int) and not any(isinstance(e, ast.Starred) for e in node.elts):
                if -len(node.elts) <= path[0] < len(node.elts):
                    return self.value(node.elts[path[0]], model, frame, path[1:], depth)
            return unknown("a tuple")
        if isinstance(node, ast.Dict):
            if path and isinstance(path[0], str):
                for key, item in zip(node.keys, node.values):
                    if constant_string(key) == path[0]:
                        return self.value(item, model, frame, path[1:], depth)
            return unknown("a dict")
        if isinstance(node, ast.IfExp):
            truth = self.truth(node.test, frame, model, depth)
            if truth is True:
                return self.value(node.body, model, frame, path, depth)
            if truth is False:
                return self.value(node.orelse, model, frame, path, depth)
            return merge([self.value(node.body, model, frame, path, depth), self.value(node.orelse, model, frame, path, depth)])
        if isinstance(node, ast.BinOp):
            return self.binary(node, model, frame, path, depth)
        if isinstance(node, ast.NamedExpr):
            return self.value(node.value, model, frame, path, depth)
        if isinstance(node, ast.Await):
            return self.value(node.value, model, frame, path, depth)
        return unknown()

    # -- leaves -------------------------------------------------------------
    @staticmethod
    def leaf(activation: Activation, path: Path) -> Activation:
        """An activation reached with a selector left over: indexing rows of a
        tensor keeps it; a dict key or attribute of a tensor does not."""
        if all(isinstance(step, int) for step in path):
            return activation
        return unknown("a field of a tensor")

    # -- names ----------------------------------------------------------------
    def name(self, node: ast.Name, model: "ModuleModel", frame: Optional[_Frame], path: Path, depth: int) -> Activation:
        scopes = model.scopes
        use_scope = scopes.scope_at(node)
        scope, picked = scopes.lookup(node.id, use_scope, node.lineno)
        if scope is None or picked is None:
            return unknown("unbound")
        if scope is not use_scope or isinstance(scope.node, ast.Lambda) or _bound_by_comprehension(node, model):
            if scope is use_scope:
                return unknown("lambda or comprehension variable")
            return self.binding(picked, scope, model, frame, path, depth)
        return self.reaching(node, scope, model, frame, path, depth)

    def reaching(self, use: ast.Name, scope, model: "ModuleModel", frame: Optional[_Frame], path: Path, depth: int) -> Activation:
        """The values the name `use` can hold there: the statements before it
        are read backwards, up through the enclosing blocks, until one binds
        the name on every path (an `if` whose taken branch, or both branches,
        bind it counts); branches not taken on the training path are skipped."""
        candidates: List[Activation] = []
        current: ast.AST = use
        while not isinstance(current, ast.stmt):
            current = model.parent(current)
            if current is None:
                return unknown()
        while True:
            parent = model.parent(current)
            if parent is None:
                break
            if isinstance(parent, (ast.For, ast.AsyncFor)) and current in parent.body and _binds_target(parent.target, use.id):
                candidates.append(unknown("loop variable"))
                return merge(candidates)
            if isinstance(parent, (ast.With, ast.AsyncWith)) and any(
                item.optional_vars is not None and _binds_target(item.optional_vars, use.id) for item in parent.items
            ):
                candidates.append(unknown("with variable"))
                return merge(candidates)
            if isinstance(parent, ast.ExceptHandler) and parent.name == use.id:
                return unknown("exception variable")
            block = _block_holding(parent, current)
            for previous in reversed(block[: _index_in(block, current)]):
                found, certain = self.defines(previous, use.id, model, frame, path, depth)
                candidates += found
                if certain:
                    return merge(candidates)
            if parent is scope.node:
                break
            current = parent
        bindings = [b for b in scope.bindings.get(use.id, []) if b.kind == "param"]
        if bindings:
            candidates.append(self.parameter(bindings[0], scope, model, frame, path, depth))
            return merge(candidates)
        return unknown("not bound on every path")

    def defines(self, statement: ast.stmt, name: str, model: "ModuleModel", frame: Optional[_Frame], path: Path, depth: int) -> Tuple[List[Activation], bool]:
        """What `statement` may bind to `name`, and whether it certainly does."""
        if isinstance(statement, (ast.Assign, ast.AnnAssign)):
            if isinstance(statement, ast.AnnAssign) and statement.value is None:
                return [], False
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            for target in reversed(targets):
                selector = _target_path(target, name)
                if selector is None:
                    continue
                if any(step < 0 for step in selector):
                    return [unknown("starred unpacking")], True
                return [self.value(statement.value, model, frame, selector + path, depth)], True
            return [], False
        if isinstance(statement, ast.AugAssign):
            return ([unknown("augmented assignment")], True) if _binds_target(statement.target, name) else ([], False)
        if isinstance(statement, ast.If):
            truth = self.truth(statement.test, frame, model, depth)
            branches = [statement.body] if truth is True else [statement.orelse] if truth is False else [statement.body, statement.orelse]
            found, all_certain = [], True
            for branch in branches:
                branch_found, certain = self.defines_block(branch, name, model, frame, path, depth)
                found += branch_found
                all_certain = all_certain and certain
            return found, all_certain
        if isinstance(statement, (ast.For, ast.AsyncFor, ast.While)):
            found = [unknown("loop variable")] if not isinstance(statement, ast.While) and _binds_target(statement.target, name) else []
            for branch in (statement.body, statement.orelse):
                branch_found, _ = self.defines_block(branch, name, model, frame, path, depth)
                found += branch_found
            return found, False
        if isinstance(statement, (ast.With, ast.AsyncWith)):
            if any(item.optional_vars is not None and _binds_target(item.optional_vars, name) for item in statement.items):
                return [unknown("with variable")], True
            return self.defines_block(statement.body, name, model, frame, path, depth)
        if isinstance(statement, ast.Try) or type(statement).__name__ == "TryStar":
            found, certain = self.defines_block(statement.body, name, model, frame, path, depth)
            for handler in statement.handlers:
                handler_found, _ = self.defines_block(handler.body, name, model, frame, path, depth)
                found += handler_found
            for branch in (statement.orelse, statement.finalbody):
                branch_found, branch_certain = self.defines_block(branch, name, model, frame, path, depth)
                found += branch_found
                certain = certain or branch_certain
            return found, certain
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return ([unknown("a definition")], True) if statement.name == name else ([], False)
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            for alias in statement.names:
                if (alias.asname or alias.name.split(".")[0]) == name:
                    return [unknown("an import")], True
            return [], False
        if type(statement).__name__ == "Match":
            found = []
            for case in statement.cases:  # type: ignore[attr-defined]
                case_found, _ = self.defines_block(case.body, name, model, frame, path, depth)
                found += case_found
            return found, False
        if isinstance(statement, ast.Expr) and any(isinstance(n, ast.NamedExpr) and n.target.id == name for n in walk(statement)):
            return [unknown("assignment expression")], True
        return [], False

    def defines_block(self, block: Sequence[ast.stmt], name: str, model: "ModuleModel", frame: Optional[_Frame], path: Path, depth: int) -> Tuple[List[Activation], bool]:
        """What the block may bind to `name` by its end, read backwards."""
        found: List[Activation] = []
        for statement in reversed(block):
            if isinstance(statement, (ast.Return, ast.Raise, ast.Continue, ast.Break)):
                # a block that leaves early binds nothing for what follows it
                return [], True
            statement_found, certain = self.defines(statement, name, model, frame, path, depth)
            found += statement_found
            if certain:
                return found, True
        return found, False

    def binding(self, binding, scope, model: "ModuleModel", frame: Optional[_Frame], path: Path, depth: int) -> Activation:
        if binding.kind == "assign":
            if any(step < 0 for step in binding.path):
                return unknown("starred unpacking")
            return self.value(binding.value, model, frame, tuple(binding.path) + path, depth)
        if binding.kind == "param":
            return self.parameter(binding, scope, model, frame, path, depth)
        return unknown(f"bound by {binding.kind}")

    def parameter(self, binding, scope, model: "ModuleModel", frame: Optional[_Frame], path: Path, depth: int) -> Activation:
        function = scope.node
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return unknown("lambda parameter")
        if frame is not None and frame.function is function:
            if frame.call is None:
                return unknown("argument passed by the framework")
            argument = _call_argument(frame.call, function, binding, frame.bound)
            if argument is not None:
                return self.value(argument, frame.call_model or model, frame.caller, path, depth)
            if binding.value is not None:
                return self.value(binding.value, model, None, path, depth)
            return unknown("argument not passed")
        callers = model.callers_of(function)[:8]
        if not callers:
            return unknown("parameter with no known caller")
        results = []
        for call in callers:
            bound = (isinstance(call.func, ast.Attribute) and _first_parameter(function) in ("self", "cls")) or function.name == "__init__"
            argument = _call_argument(call, function, binding, bound)
            if argument is None:
                results.append(self.value(binding.value, model, None, path, depth) if binding.value is not None else unknown())
            else:
                results.append(self.value(argument, model, None, path, depth))
        return merge(results)

    # -- attributes and subscripts -------------------------------------------
    def attribute(self, node: ast.Attribute, model: "ModuleModel", frame: Optional[_Frame], path: Path, depth: int) -> Activation:
        if node.attr in ("data", "T", "mT"):
            return self.value(node.value, model, frame, path, depth)
        bound = self.self_attribute_values(node, model)
        if bound is not None:
            return merge([self.value(value, model, None, tuple(bpath) + path, depth) for value, bpath in bound]) if bound else unknown()
        return self.value(node.value, model, frame, ("." + node.attr,) + path, depth)

    def self_attribute_values(self, node: ast.AST, model: "ModuleModel") -> Optional[List[Tuple[ast.AST, Tuple[int, ...]]]]:
        """The expressions assigned to `self.<attr>` in the class, or None
        when `node` is not an attribute of `self`."""
        if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)):
            return None
        class_node = model._class_of_self(node.value, node)
        if class_node is None:
            return None
        class_scope = model.scopes.scopes.get(class_node)
        bindings = class_scope.attributes.get(node.attr, []) if class_scope else []
        values = []
        for binding in bindings:
            if binding.kind != "assign" or any(step < 0 for step in binding.path):
                return []
            values.append((binding.value, binding.path))
        return values

    def subscript(self, node: ast.Subscript, model: "ModuleModel", frame: Optional[_Frame], path: Path, depth: int) -> Activation:
        key = node.slice.value if isinstance(node.slice, ast.Index) else node.slice  # type: ignore[attr-defined]
        if isinstance(key, ast.Constant) and isinstance(key.value, (int, str)) and not isinstance(key.value, bool):
            return self.value(node.value, model, frame, (key.value,) + path, depth)
        if isinstance(key, ast.UnaryOp) and isinstance(key.op, ast.USub) and isinstance(key.operand, ast.Constant) and isinstance(key.operand.value, int):
            return self.value(node.value, model, frame, (-key.operand.value,) + path, depth)
        # slices and tensor indices keep the activation of a tensor
        result = self.value(node.value, model, frame, path, depth)
        return result

    def binary(self, node: ast.BinOp, model: "ModuleModel", frame: Optional[_Frame], path: Path, depth: int) -> Activation:
        if isinstance(node.op, ast.MatMult):
            return Activation(LOGITS, node, model, label="`@` (a linear map)")
        left = self.value(node.left, model, frame, path, depth)
        # logits scaled by a temperature are still logits
        if isinstance(node.op, (ast.Div, ast.Mult)) and left.kind == LOGITS:
            return left
        # probabilities with a small constant added (`probs + 1e-8`) are still probabilities
        if isinstance(node.op, (ast.Add, ast.Sub)) and left.kind == SOFTMAX and isinstance(node.right, ast.Constant):
            return left
        return unknown("arithmetic")

    # -- calls ----------------------------------------------------------------
    def call(self, node: ast.Call, model: "ModuleModel", frame: Optional[_Frame], path: Path, depth: int) -> Activation:
        func = node.func
        qualname = None if isinstance(func, ast.Call) else model.qualified_name(func)
        if path and isinstance(path[0], str) and _builds_record(func, qualname):
            # `Output(logits=z).logits`, `dict(logits=z)["logits"]`
            wanted = path[0].lstrip(".")
            for item in node.keywords:
                if item.arg == wanted:
                    return self.value(item.value, model, frame, path[1:], depth)
            return unknown("a field not set by keyword")
        if qualname is not None:
            kind = catalog.ACTIVATION_FUNCTIONS.get(qualname)
            if kind is not None:
                return self.leaf(Activation(kind, node, model, label=f"`{_short(model, node)}`"), path)
            if qualname in catalog.LOGIT_FUNCTIONS:
                return self.leaf(Activation(LOGITS, node, model, label=f"`{_short(model, node)}`"), path)
            if qualname in catalog.ACTIVATION_PRESERVING_FUNCTIONS:
                source = positional_or_keyword(node, 0, "input")
                return self.value(source, model, frame, path, depth) if source is not None else unknown()
            if qualname in catalog.LOG_FUNCTIONS or qualname in catalog.EXP_FUNCTIONS:
                source = positional_or_keyword(node, 0, "input")
                inner = self.value(source, model, frame, (), depth) if source is not None else unknown()
                return self.leaf(_log_or_exp(inner, qualname in catalog.LOG_FUNCTIONS, node, model), path)
        if isinstance(func, ast.Attribute) and not _is_self(func.value, model):
            method = func.attr
            receiver = func.value
            if method in catalog.ACTIVATION_METHODS and qualname is None and not self.is_module_object(receiver, model):
                return self.leaf(Activation(catalog.ACTIVATION_METHODS[method], node, model, label=f"`.{method}()`"), path)
            if method in catalog.ACTIVATION_PRESERVING_METHODS and qualname is None and not self.is_module_object(receiver, model):
                return self.value(receiver, model, frame, path, depth)
            if method in ("log", "exp") and qualname is None:
                inner = self.value(receiver, model, frame, (), depth)
                return self.leaf(_log_or_exp(inner, method == "log", node, model), path)
            if method == "forward":
                return self.called_object(receiver, node, model, frame, path, depth)
        return self.called_object(func, node, model, frame, path, depth)

    def is_module_object(self, node: ast.AST, model: "ModuleModel") -> bool:
        value = model.value_of(node)
        return value is not None and value.kind in (MODEL, LOSS_FUNCTION) and not value.by_name

    def called_object(self, func: ast.AST, call: ast.Call, model: "ModuleModel", frame: Optional[_Frame], path: Path, depth: int) -> Activation:
        """`func(...)` where `func` is a layer, a model, a helper function."""
        # `self(x)` inside a model class runs its own forward()
        if isinstance(func, ast.Name) and _is_self(func, model):
            class_node = model._class_of_self(func, func)
            if class_node is not None:
                return self.class_output(class_node, model, call, model, frame, None, path, depth)
        # a constructor called in place: nn.Softmax(dim=1)(x), layers.Dense(10)(x)
        if isinstance(func, ast.Call):
            return self.instance_output(func, model, call, model, frame, path, depth)
        # a layer or model held in a variable or on self
        bound = self.self_attribute_values(func, model)
        if bound is not None:
            if not bound:
                return unknown("attribute assigned in several ways")
            return merge([self.stored_callable(value, model, call, model, frame, path, depth) for value, bpath in bound if not bpath] or [unknown()])
        if isinstance(func, ast.Name):
            scope, binding = model.scopes.lookup(func.id, model.scopes.scope_at(func), func.lineno)
            if binding is not None and binding.kind == "assign" and not binding.path:
                return self.stored_callable(binding.value, model, call, model, frame, path, depth)
            if binding is not None and binding.kind == "def":
                return self.function_output(binding.value, model, call, model, frame, False, path, depth)
        # a project function (possibly imported from another file)
        resolved = model.resolve_function(call)
        if resolved is not None:
            callee_model, function = resolved
            bound_call = isinstance(call.func, ast.Attribute) and _first_parameter(function) in ("self", "cls")
            instance = frame.instance if frame is not None and bound_call else None
            return self.function_output(function, callee_model, call, model, frame, bound_call, path, depth, instance=instance)
        # a model reached through the semantic model's values (parameters, wrappers, factories)
        return self.model_object_output(func, model, call, model, frame, depth, path=path)

    def stored_callable(self, value: ast.AST, value_model: "ModuleModel", call, call_model, frame, path, depth) -> Activation:
        """Calling what `value` (the expression a name or attribute was
        assigned) evaluates to."""
        if isinstance(value, ast.Call):
            qualname = value_model.qualified_name(value.func)
            resolved_class = value_model.resolve_class(value.func)
            if resolved_class is not None or (qualname is not None and _is_constructor(qualname)):
                return self.instance_output(value, value_model, call, call_model, frame, path, depth)
        qualname = value_model.qualified_name(value)
        if qualname is not None and qualname in catalog.ACTIVATION_FUNCTIONS:
            return self.leaf(Activation(catalog.ACTIVATION_FUNCTIONS[qualname], value, value_model, label=f"`{_short(value_model, value)}`"), path)
        return self.model_object_output(value, value_model, call, call_model, frame, depth, path=path)

    def model_object_output(self, expression: ast.AST, model: "ModuleModel", call: Optional[ast.Call], call_model, frame, depth: int,
                            *, framework_call: bool = False, path: Path = ()) -> Activation:
        """Calling the model object `expression` evaluates to, found through
        the semantic model's values (its constructor call is the origin)."""
        value = model.value_of(expression)
        if value is None or value.kind != MODEL or value.by_name or not isinstance(value.origin, ast.Call):
            return unknown("not a known model")
        origin_model = file_holding(model, value.origin, value.module)
        if origin_model is None:
            return unknown("model defined out of reach")
        return self.instance_output(value.origin, origin_model, call, call_model, frame, path, depth, framework_call=framework_call)

    # -- what calling an instance returns -------------------------------------
    def instance_output(self, constructor: ast.Call, ctor_model: "ModuleModel", call: Optional[ast.Call], call_model, frame,
                        path: Path, depth: int, *, framework_call: bool = False) -> Activation:
        qualname = ctor_model.qualified_name(constructor.func)

        def input_activation() -> Activation:
            if call is None or not call.args or isinstance(call.args[0], ast.Starred):
                return unknown("input unknown")
            return self.value(call.args[0], call_model or ctor_model, frame, path, depth)

        resolved_class = ctor_model.resolve_class(constructor.func)
        if resolved_class is not None:
            class_model, class_node = resolved_class
            return self.class_output(class_node, class_model, call, call_model, frame, (constructor, ctor_model), path, depth, framework_call=framework_call)
        if qualname is None:
            return unknown("unknown constructor")
        layer = self.layer_effect(constructor, ctor_model, qualname, depth)
        if layer is not None:
            if layer == "preserve":
                return input_activation()
            return self.leaf(layer, path)
        if qualname == "torch.nn.Sequential":
            return self.sequence_output(self.torch_sequential_layers(constructor, ctor_model), ctor_model, input_activation, path, depth, "nn.Sequential")
        if qualname == "keras.Sequential":
            return self.sequence_output(self.keras_sequential_layers(constructor, ctor_model), ctor_model, input_activation, path, depth, "Sequential")
        if qualname == "keras.Model":
            outputs = positional_or_keyword(constructor, 1, "outputs")
            if outputs is None:
                return unknown("a subclassed keras.Model")
            return self.value(outputs, ctor_model, None, path, depth)
        if _unpacks_arguments(constructor) and (
            qualname.startswith((catalog.KERAS_APPLICATIONS_PREFIX, "torchvision.models.")) or qualname == catalog.TIMM_CREATE_MODEL
        ):
            return unknown("arguments passed with * or **")
        if qualname.startswith(catalog.KERAS_APPLICATIONS_PREFIX):
            return self.leaf(self.keras_application_output(constructor, ctor_model), path)
        if qualname.startswith("torchvision.models.") or qualname == catalog.TIMM_CREATE_MODEL:
            return self.leaf(self.classifier_factory_output(constructor, ctor_model, qualname, depth), path)
        if qualname.startswith("transformers.") and path and path[0] in (".logits", "logits"):
            # a Hugging Face model's output: `outputs.logits` are raw scores
            return self.leaf(Activation(LOGITS, constructor, ctor_model, label="`.logits` of a Hugging Face model"), path[1:])
        return unknown("library model")

    def layer_effect(self, constructor: ast.Call, model: "ModuleModel", qualname: str, depth: int):
        """A layer's effect: an Activation it sets, "preserve", or None (not a layer)."""
        label = f"`{_layer_text(model, constructor)}`"
        if qualname in catalog.TORCH_ACTIVATION_LAYERS:
            return Activation(catalog.TORCH_ACTIVATION_LAYERS[qualname], constructor, model, label=label)
        if qualname in catalog.TORCH_LOGIT_LAYERS:
            return Activation(LOGITS, constructor, model, label=label)
        if qualname in catalog.TORCH_ACTIVATION_PRESERVING_LAYERS:
            return "preserve"
        if qualname in catalog.KERAS_FIXED_ACTIVATION_LAYERS:
            return Activation(catalog.KERAS_FIXED_ACTIVATION_LAYERS[qualname], constructor, model, label=label)
        if qualname == catalog.KERAS_ACTIVATION_LAYER:
            effect = self.keras_activation_argument(positional_or_keyword(constructor, 0, "activation"), constructor, model, label)
            # `Activation("linear", dtype="float32")` is the identity (a cast): its input's activation goes through
            return "preserve" if effect.kind == LOGITS else effect
        if qualname in catalog.KERAS_LAYERS_WITH_ACTIVATION:
            if _unpacks_arguments(constructor):
                return unknown("arguments passed with * or **")
            argument = positional_or_keyword(constructor, catalog.KERAS_LAYERS_WITH_ACTIVATION[qualname], "activation")
            if argument is None or (isinstance(argument, ast.Constant) and argument.value is None):
                return Activation(LOGITS, constructor, model, label=label, note="with no activation")
            return self.keras_activation_argument(argument, constructor, model, f"`activation={model.source.segment(argument)}`")
        if qualname in catalog.KERAS_ACTIVATION_PRESERVING_LAYERS or qualname in catalog.KERAS_INPUTS:
            return "preserve"
        return None

    def keras_activation_argument(self, argument: Optional[ast.AST], constructor: ast.Call, model: "ModuleModel", label: str) -> Activation:
        """What a Keras `activation=` argument applies: a name (`"softmax"`),
        an activation function given as an object (`keras.activations.linear`,
        `tf.nn.softmax`), `keras.activations.get("softmax")`, or a variable
        assigned one of these."""
        argument = _keras_activation_value(argument, model)
        name = constant_string(argument)
        if name is None and argument is not None:
            if isinstance(argument, ast.Constant) and argument.value is None:
                return Activation(LOGITS, constructor, model, label=label)
            qualname = model.qualified_name(argument)
            if qualname in catalog.ACTIVATION_FUNCTIONS:
                return Activation(catalog.ACTIVATION_FUNCTIONS[qualname], constructor, model, label=label)
            if qualname in catalog.KERAS_ACTIVATION_OBJECTS:
                return Activation(catalog.KERAS_ACTIVATION_OBJECTS[qualname], constructor, model, label=label)
            return unknown("activation given by an expression")
        kind = catalog.KERAS_ACTIVATION_NAMES.get((name or "").lower())
        if kind is None:
            return unknown(f"activation {name!r}")
        return Activation(kind, constructor, model, label=label)

    def sequence_output(self, layers: Optional[List[Tuple[ast.AST, "ModuleModel"]]], model: "ModuleModel",
                        input_activation: Callable[[], Activation], path: Path, depth: int, container: str) -> Activation:
        """The output of a sequence of layers: the last one that is not a
        reshape or dropout decides; with only those, the input does."""
        if layers is None:
            return unknown("layers not known")
        for layer, layer_model in reversed(layers):
            effect = self.element_effect(layer, layer_model, depth)
            if effect == "preserve":
                continue
            if isinstance(effect, Activation):
                if effect.known and any(effect.node is candidate for candidate in (layer, _bound_call(layer, layer_model))):
                    note = f"{effect.note}, " if effect.note else ""
                    where = "on the last layer" if effect.label.startswith("`activation=") else "the last layer"
                    effect = Activation(effect.kind, effect.node, effect.source, effect.label, f"{note}{where} of the `{container}`")
                return self.leaf(effect, path)
            return unknown("last layer not understood")
        return input_activation()

    def element_effect(self, layer: ast.AST, model: "ModuleModel", depth: int):
        """The effect of one layer of a sequence (a constructor call, a
        variable holding one, or a nested model)."""
        if isinstance(layer, ast.Name):
            scope, binding = model.scopes.lookup(layer.id, model.scopes.scope_at(layer), layer.lineno)
            if binding is not None and binding.kind == "assign" and not binding.path and isinstance(binding.value, ast.Call):
                layer = binding.value
        if not isinstance(layer, ast.Call):
            output = self.model_object_output(layer, model, None, None, None, depth)
            return output if output.known else None
        qualname = model.qualified_name(layer.func)
        if qualname is not None:
            effect = self.layer_effect(layer, model, qualname, depth)
            if effect is not None:
                return effect
        output = self.instance_output(layer, model, None, None, None, (), depth)
        return output if output.known else None

    def torch_sequential_layers(self, constructor: ast.Call, model: "ModuleModel") -> Optional[List[Tuple[ast.AST, "ModuleModel"]]]:
        if constructor.keywords or any(isinstance(a, ast.Starred) for a in constructor.args):
            return None
        arguments = list(constructor.args)
        if len(arguments) == 1 and isinstance(arguments[0], ast.Call) and model.qualified_name(arguments[0].func) in ("collections.OrderedDict", "dict"):
            pairs = arguments[0].args[0] if arguments[0].args else None
            if not isinstance(pairs, (ast.List, ast.Tuple)) or not all(isinstance(p, ast.Tuple) and len(p.elts) == 2 for p in pairs.elts):
                return None
            arguments = [p.elts[1] for p in pairs.elts]
        if _container_is_changed(constructor, model, ("append", "extend", "insert", "add_module", "pop")):
            return None
        return [(argument, model) for argument in arguments]

    def keras_sequential_layers(self, constructor: ast.Call, model: "ModuleModel") -> Optional[List[Tuple[ast.AST, "ModuleModel"]]]:
        layers = positional_or_keyword(constructor, 0, "layers")
        found: List[Tuple[ast.AST, "ModuleModel"]] = []
        if isinstance(layers, ast.Name):
            scope, binding = model.scopes.lookup(layers.id, model.scopes.scope_at(layers), layers.lineno)
            layers = binding.value if binding is not None and binding.kind == "assign" and not binding.path else None
            if layers is None:
                return None
        if layers is not None:
            if not isinstance(layers, (ast.List, ast.Tuple)) or any(isinstance(e, ast.Starred) for e in layers.elts):
                return None
            found = [(element, model) for element in layers.elts]
        added = _added_layers(constructor, model)
        if added is None:
            return None
        return found + [(layer, model) for layer in added]

    def keras_application_output(self, constructor: ast.Call, model: "ModuleModel") -> Activation:
        include_top = positional_or_keyword(constructor, -1, "include_top")
        if include_top is not None and not (isinstance(include_top, ast.Constant) and include_top.value is True):
            return unknown("no classification head")
        argument = positional_or_keyword(constructor, -1, "classifier_activation")
        if argument is None:
            return Activation(SOFTMAX, constructor, model, label=f"`{_short(model, constructor)}`", note="whose `classifier_activation` defaults to softmax")
        if isinstance(argument, ast.Constant) and argument.value is None:
            return Activation(LOGITS, constructor, model, label=f"`{_short(model, constructor)}`", note="with `classifier_activation=None`")
        return self.keras_activation_argument(argument, constructor, model, f"`classifier_activation={model.source.segment(argument)}`")

    def classifier_factory_output(self, constructor: ast.Call, model: "ModuleModel", qualname: str, depth: int) -> Activation:
        """torchvision classifiers and timm models return logits, unless their
        head was replaced (then the new head decides) or removed."""
        label = f"`{_short(model, constructor)}`"
        if qualname == catalog.TIMM_CREATE_MODEL:
            classes = positional_or_keyword(constructor, -1, "num_classes")
            if isinstance(classes, ast.Constant) and classes.value == 0:
                return unknown("features only")
            head_attributes = catalog.MODEL_HEAD_ATTRIBUTES
        else:
            name = qualname[len("torchvision.models."):]
            if "." in name or not name[:1].islower() or name.startswith(("get_", "list_")):
                return unknown("not a classifier factory")
            head_attributes = frozenset(attr for prefix, attr in catalog.TORCHVISION_CLASSIFIER_HEADS if name.startswith(prefix))
            if not head_attributes:
                return unknown("not a known classifier")
        replaced = _replaced_heads(constructor, model, head_attributes)
        if replaced is None:
            return unknown("head changed in a way dllint does not follow")
        if not replaced:
            return Activation(LOGITS, constructor, model, label=label, note="a classifier that returns logits")
        results = []
        for value, indexed in replaced:
            effect = self.element_effect(value, model, depth)
            if not isinstance(effect, Activation) or not effect.known:
                return unknown("replaced head not understood")
            if indexed and effect.kind != LOGITS:
                return unknown("one layer of the head replaced")
            results.append(Activation(effect.kind, effect.node, effect.source, effect.label, "in the replaced head"))
        return results[-1]

    # -- classes and functions --------------------------------------------------
    def class_output(self, class_node: ast.ClassDef, class_model: "ModuleModel", call: Optional[ast.Call], call_model, frame,
                     instance, path: Path, depth: int, *, framework_call: bool = False) -> Activation:
        found = _find_method(class_node, class_model, ("forward", "call"))
        if found is None:
            return unknown("no forward() in the project")
        method_model, method = found
        return self.function_output(method, method_model, call, call_model, frame, True, path, depth, instance=instance, framework_call=framework_call)

    def function_output(self, function: FunctionNode, function_model: "ModuleModel", call: Optional[ast.Call], call_model, caller,
                        bound: bool, path: Path, depth: int, *, instance=None, framework_call: bool = False) -> Activation:
        frame = _Frame(function, function_model, call, call_model, caller, bound, instance, framework_call)
        results = []
        for returned in function_model.activations.return_paths(function):
            truths = [self.truth(test, frame, function_model, depth) if test is not None else None for test, _ in returned.guards]
            if any(truth is not None and truth != wanted for truth, (_, wanted) in zip(truths, returned.guards)):
                continue  # not on the training path
            results.append(self.value(returned.value, function_model, frame, path, depth))
        return merge(results)

    # -- conditions ---------------------------------------------------------------
    def truth(self, test: ast.expr, frame: Optional[_Frame], model: "ModuleModel", depth: int) -> Optional[bool]:
        """Whether `test` holds on the training path: True, False or None."""
        if isinstance(test, ast.Constant):
            return bool(test.value)
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            inner = self.truth(test.operand, frame, model, depth)
            return None if inner is None else not inner
        if isinstance(test, ast.BoolOp):
            values = [self.truth(v, frame, model, depth) for v in test.values]
            if isinstance(test.op, ast.And):
                return False if False in values else (True if all(v is True for v in values) else None)
            return True if True in values else (False if all(v is False for v in values) else None)
        if isinstance(test, ast.Attribute) and isinstance(test.value, ast.Name):
            if test.attr == "training" and _is_self(test.value, model):
                return True
            if _is_self(test.value, model):
                return _truthiness(self.attribute_flag_value(test, model, frame))
            return None
        if isinstance(test, ast.Name):
            return _truthiness(self.flag_value(test, model, frame))
        if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Is, ast.IsNot, ast.Eq, ast.NotEq)):
            left, right = test.left, test.comparators[0]
            left_value = self.flag_value(left, model, frame) if isinstance(left, ast.Name) else left
            if isinstance(left, ast.Attribute) and _is_self(left.value, model):
                left_value = self.attribute_flag_value(left, model, frame)
            if isinstance(left_value, ast.Constant) and isinstance(right, ast.Constant):
                equal = left_value.value == right.value if isinstance(test.ops[0], (ast.Eq, ast.NotEq)) else left_value.value is right.value
                return equal if isinstance(test.ops[0], (ast.Is, ast.Eq)) else not equal
        return None

    def flag_value(self, name: ast.Name, model: "ModuleModel", frame: Optional[_Frame]) -> Optional[ast.AST]:
        """The constant a parameter flag holds for this call, or None."""
        if frame is None or model is not frame.model:
            return None
        scope, binding = model.scopes.lookup(name.id, model.scopes.scope_at(name), name.lineno)
        if binding is None or binding.kind != "param" or scope is None or scope.node is not frame.function:
            return None
        if frame.call is None:
            if frame.framework_call and name.id == "training":
                return ast.Constant(True)
            return None
        argument = _call_argument(frame.call, frame.function, binding, frame.bound)
        if argument is None:
            argument = binding.value
            if name.id == "training" and (argument is None or isinstance(argument, ast.Constant) and argument.value is None):
                return None  # Keras decides from the context
        return argument if isinstance(argument, ast.Constant) else None

    def attribute_flag_value(self, node: ast.Attribute, model: "ModuleModel", frame: Optional[_Frame]) -> Optional[ast.AST]:
        """`self.flag` set once in `__init__`, from a constant or a
        constructor parameter (whose value comes from the constructor call)."""
        values = self.self_attribute_values(node, model)
        if not values or len(values) != 1 or values[0][1]:
            return None
        value = values[0][0]
        if isinstance(value, ast.Constant):
            return value
        if not isinstance(value, ast.Name):
            return None
        scope, binding = model.scopes.lookup(value.id, model.scopes.scope_at(value), value.lineno)
        if binding is None or binding.kind != "param" or scope is None or getattr(scope.node, "name", "") != "__init__":
            return None
        if frame is None or frame.instance is None:
            return None
        constructor, ctor_model = frame.instance
        argument = _call_argument(constructor, scope.node, binding, True)
        if argument is None:
            argument = binding.value
        return argument if isinstance(argument, ast.Constant) else None


# -- helpers --------------------------------------------------------------------
def _parameter_default(name: ast.Name, function: FunctionNode, model: "ModuleModel") -> Optional[ast.AST]:
    scope, binding = model.scopes.lookup(name.id, model.scopes.scope_at(name), name.lineno)
    if binding is not None and binding.kind == "param" and scope is not None and scope.node is function:
        return binding.value
    return None


def _unpacks_arguments(call: ast.Call) -> bool:
    """`f(*args)` or `f(**kwargs)`: any argument may be hidden in them."""
    return any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords)


def _truthiness(value: Optional[ast.AST]) -> Optional[bool]:
    if isinstance(value, ast.Constant):
        return bool(value.value)
    return None


def _log_or_exp(inner: Activation, is_log: bool, node: ast.AST, model: "ModuleModel") -> Activation:
    if is_log and inner.kind == SOFTMAX:
        return Activation(LOG_SOFTMAX, node, model, label=f"`{_short(model, node)}` of {inner.label}")
    if not is_log and inner.kind == LOG_SOFTMAX:
        return Activation(SOFTMAX, node, model, label=f"`{_short(model, node)}` of {inner.label}")
    return unknown("log/exp of something else")


def _is_self(node: ast.AST, model: "ModuleModel") -> bool:
    """`node` is the first parameter of the method it is used in."""
    if not isinstance(node, ast.Name):
        return False
    function = model.enclosing_function(node)
    while function is not None:
        if _first_parameter(function) == node.id and isinstance(model.parent(function), ast.ClassDef):
            return True
        function = model.enclosing_function(function)
    return False


def _binds_target(target: ast.AST, name: str) -> bool:
    return _target_path(target, name) is not None


def _target_path(target: ast.AST, name: str, prefix: Tuple[int, ...] = ()) -> Optional[Tuple[int, ...]]:
    """Where `name` sits in an assignment target: () for `name = ...`,
    (1,) for `a, name = ...`; -1 marks positions after a starred element."""
    if isinstance(target, ast.Name):
        return prefix if target.id == name else None
    if isinstance(target, ast.Starred):
        return _target_path(target.value, name, prefix + (-1,))
    if isinstance(target, (ast.Tuple, ast.List)):
        starred = False
        for index, element in enumerate(target.elts):
            starred = starred or isinstance(element, ast.Starred)
            found = _target_path(element, name, prefix + ((-1 if starred else index),))
            if found is not None:
                return found
    return None


def _block_holding(parent: ast.AST, child: ast.AST) -> List[ast.stmt]:
    for field_name in ("body", "orelse", "finalbody", "handlers"):
        block = getattr(parent, field_name, None)
        if isinstance(block, list) and any(item is child for item in block):
            return block
    return []


def _index_in(block: Sequence[ast.AST], item: ast.AST) -> int:
    for index, candidate in enumerate(block):
        if candidate is item:
            return index
    return 0


def _bound_by_comprehension(node: ast.Name, model: "ModuleModel") -> bool:
    current = model.parent(node)
    while current is not None and not isinstance(current, ast.stmt):
        if isinstance(current, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            if any(_binds_target(generator.target, node.id) for generator in current.generators):
                return True
        current = model.parent(current)
    return False


def _bound_call(node: ast.AST, model: "ModuleModel") -> Optional[ast.AST]:
    """The call a plain name was assigned (`head = nn.Linear(...)`)."""
    if isinstance(node, ast.Name):
        scope, binding = model.scopes.lookup(node.id, model.scopes.scope_at(node), node.lineno)
        if binding is not None and binding.kind == "assign" and not binding.path:
            return binding.value
    return None


def _builds_record(func: ast.AST, qualname: Optional[str]) -> bool:
    """A call that builds a record from keywords: `dict(...)`, a class
    (`SequenceClassifierOutput(...)`, a namedtuple or dataclass)."""
    if qualname == "dict" or (isinstance(func, ast.Name) and func.id == "dict"):
        return True
    last = (qualname or "").rsplit(".", 1)[-1] or (func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else "")
    return last[:1].isupper()


def _is_constructor(qualname: str) -> bool:
    return (
        qualname in catalog.TORCH_ACTIVATION_LAYERS
        or qualname in catalog.TORCH_LOGIT_LAYERS
        or qualname in catalog.TORCH_ACTIVATION_PRESERVING_LAYERS
        or qualname in catalog.KERAS_LAYERS_WITH_ACTIVATION
        or qualname in catalog.KERAS_FIXED_ACTIVATION_LAYERS
        or qualname in catalog.KERAS_ACTIVATION_PRESERVING_LAYERS
        or qualname == catalog.KERAS_ACTIVATION_LAYER
        or qualname in ("torch.nn.Sequential", "keras.Sequential", "keras.Model")
        or qualname.startswith((catalog.KERAS_APPLICATIONS_PREFIX, "torchvision.models."))
        or qualname == catalog.TIMM_CREATE_MODEL
    )


def _call_argument(call: ast.Call, function: FunctionNode, binding, bound: bool) -> Optional[ast.expr]:
    """The argument `call` passes for the parameter of `binding`."""
    for item in call.keywords:
        if item.arg == binding.name:
            return item.value
        if item.arg is None:  # **kwargs: cannot tell
            return None
    index = binding.path[0] if binding.path else -1
    if index < 0:
        return None
    position = index - 1 if bound else index
    if position < 0:
        return None
    for argument in call.args[: position + 1]:
        if isinstance(argument, ast.Starred):
            return None
    if position < len(call.args):
        return call.args[position]
    return None


def _find_method(class_node: ast.ClassDef, model: "ModuleModel", names: Sequence[str]) -> Optional[Tuple["ModuleModel", FunctionNode]]:
    """The first of `names` defined by the class or a project base class."""
    seen = set()
    queue: List[Tuple[ast.ClassDef, "ModuleModel"]] = [(class_node, model)]
    while queue:
        node, node_model = queue.pop(0)
        if id(node) in seen:
            continue
        seen.add(id(node))
        for name in names:
            for statement in node.body:
                if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and statement.name == name:
                    return node_model, statement
        for base in node.bases:
            resolved = node_model.resolve_class(base)
            if resolved is None and isinstance(base, ast.Name) and base.id in node_model.info.classes:
                resolved = (node_model, node_model.info.classes[base.id])
            if resolved is not None:
                queue.append((resolved[1], resolved[0]))
    return None


def file_holding(model: "ModuleModel", node: ast.AST, module_name: str) -> Optional["ModuleModel"]:
    """The file whose tree holds `node` (two files may share a module name)."""
    if node in model.scopes.parents:
        return model
    info = model.project.module(module_name) if module_name else None
    candidates = [info] if info is not None else []
    candidates += [other for other in model.project.modules.values() if other.name.rsplit(".", 1)[-1] == module_name.rsplit(".", 1)[-1]]
    for candidate in candidates:
        other = model.project.model_for(candidate)
        if node in other.scopes.parents:
            return other
    return None


# Module methods that return the module itself: `x = Ctor(...).to(device)` still binds the new module to `x`.
_RETURNS_SELF = frozenset({"to", "cuda", "cpu", "float", "half", "double", "train", "eval"})


@dataclass(frozen=True)
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


def _container_is_changed(constructor: ast.Call, model: "ModuleModel", methods: Sequence[str]) -> bool:
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


def _added_layers(constructor: ast.Call, model: "ModuleModel") -> Optional[List[ast.AST]]:
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


def _replaced_heads(constructor: ast.Call, model: "ModuleModel", head_attributes) -> Optional[List[Tuple[ast.AST, bool]]]:
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


def _keras_activation_value(argument: Optional[ast.AST], model: "ModuleModel", depth: int = 0) -> Optional[ast.AST]:
    """The expression an activation argument stands for: a variable's
    assigned value (`act = tf.nn.softmax`), the name inside
    `keras.activations.get("softmax")`."""
    if argument is None or depth > 3:
        return argument
    if isinstance(argument, ast.Name):
        scope, binding = model.scopes.lookup(argument.id, model.scopes.scope_at(argument), getattr(argument, "lineno", None))
        if binding is not None and binding.kind == "assign" and not binding.path and binding.value is not None \
                and scope is not None and len(scope.bindings.get(argument.id, ())) == 1:  # assigned once: no branch decides
            return _keras_activation_value(binding.value, model, depth + 1)
        return argument
    if isinstance(argument, ast.Call) and argument.args and model.qualified_name(argument.func) in catalog.KERAS_ACTIVATION_GETTERS:
        return _keras_activation_value(argument.args[0], model, depth + 1)
    return argument
