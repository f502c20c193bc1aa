"""What the activation analysis answers with and passes around.

`Activation` (the kind last applied to a value, and where), `ReturnPath`, the
`Frame` of a function being evaluated for one call, the `Question`'s budget
and cycle guard, and the small readers of code every part uses.
"""
from __future__ import annotations

import ast
from dataclasses import field
from typing import TYPE_CHECKING, Dict, Optional, Sequence, Tuple, Union

from dllint.lazy_dataclass import lazy_dataclass

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
BUDGET = 4000  # steps per question; a question that needs more gets UNKNOWN
MAX_DEPTH = 60


@lazy_dataclass(frozen=True)
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


@lazy_dataclass(frozen=True)
class ReturnPath:
    """A `return` of a function and the tests that lead to it.

    `guards` holds (test, wanted truth) pairs from the enclosing `if`s and the
    early returns before it; a None test stands for a loop or handler that
    may not run.
    """

    value: ast.expr
    guards: Tuple[Tuple[Optional[ast.expr], Optional[bool]], ...]


@lazy_dataclass
class Frame:
    """A function being evaluated for one call of it."""

    function: FunctionNode
    model: "ModuleModel"
    call: Optional[ast.Call] = None  # None: called by the framework (fit), arguments unknown
    call_model: Optional["ModuleModel"] = None
    caller: Optional["Frame"] = None
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


class Question:
    """The bookkeeping of one top-level question: budget and cycle guard."""

    def __init__(self) -> None:
        self.steps = 0
        self.active: set = set()
        self.memo: Dict[tuple, Activation] = {}


def first_parameter(function: FunctionNode) -> Optional[str]:
    positional = function.args.posonlyargs + function.args.args
    return positional[0].arg if positional else None


def short(model: "ModuleModel", node: ast.AST) -> str:
    """The callee as written, for messages: `F.softmax`, `nn.Softmax`."""
    if isinstance(node, ast.Call):
        node = node.func
    return model.source.segment(node) or ""


def is_self(node: ast.AST, model: "ModuleModel") -> bool:
    """`node` is the first parameter of the method it is used in."""
    if not isinstance(node, ast.Name):
        return False
    function = model.enclosing_function(node)
    while function is not None:
        if first_parameter(function) == node.id and isinstance(model.parent(function), ast.ClassDef):
            return True
        function = model.enclosing_function(function)
    return False


def call_argument(call: ast.Call, function: FunctionNode, binding, bound: bool) -> Optional[ast.expr]:
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


def truthiness(value: Optional[ast.AST]) -> Optional[bool]:
    if isinstance(value, ast.Constant):
        return bool(value.value)
    return None


def unpacks_arguments(call: ast.Call) -> bool:
    """`f(*args)` or `f(**kwargs)`: any argument may be hidden in them."""
    return any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords)
