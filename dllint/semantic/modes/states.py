"""What the mode analysis passes around: where a model lives and what mode it is in.

A `Key` names a model (the scope that owns the name and the attribute path);
a `Mode` is one way that model may be at a point, a `State` the set of them;
`ModeAt` is what rules get back, and `Effect` summarises what calling a
function does to the model in one of its slots.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import FrozenSet, List, Optional, Tuple, Union


FunctionNode = Union[ast.FunctionDef, ast.AsyncFunctionDef]
Body = Union[ast.Module, ast.FunctionDef, ast.AsyncFunctionDef]
# Where a model lives: the scope that owns the name (a function, the module,
# or a class for `self.<path>`), and the attribute path from that name.
Key = Tuple[ast.AST, Tuple[str, ...]]

TRAIN, EVAL, EITHER, UNKNOWN, ENTRY, ESCAPED = "train", "eval", "either", "unknown", "entry", "escaped"
MAX_DEPTH = 8


@dataclass(frozen=True)
class Mode:
    """One way a model may be at a point: put in `kind` mode by `node`.

    EITHER: `.train(flag)` with a value dllint cannot decide. ENTRY: as it was
    when the function was entered (`key` says which model). ESCAPED: the model
    was handed to something that keeps it (a trainer object, a list), which may
    switch it later; it travels along with the other modes. Only whether a
    model escaped matters, never where: every escape is the one
    `ESCAPED_MODE` (see `attributed`).
    """

    kind: str
    node: Optional[ast.AST] = None
    key: Optional[Key] = None


State = FrozenSet[Mode]
EMPTY: State = frozenset()
# One mode for every escape. A mode per escaping statement made a notebook's
# states grow with each `results = {"model": model}` (rebinding the name keeps
# the escapes), and every statement after them copy all of them: quadratic.
ESCAPED_MODE = Mode(ESCAPED)
ESCAPED_ONLY: State = frozenset({ESCAPED_MODE})


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


UNKNOWN_EFFECT = Effect(exit=frozenset({Mode(UNKNOWN)}))


def key_relation(inner: Optional[Key], key: Key) -> Optional[str]:
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


def attributed(kind: str, node: Optional[ast.AST]) -> Mode:
    """A mode of `kind` put there by `node` (an escape is the one escape)."""
    return ESCAPED_MODE if kind == ESCAPED else Mode(kind, node)


def has_escaped(state: State) -> bool:
    return ESCAPED_MODE in state


def keep_escaped(state: State) -> State:
    return ESCAPED_ONLY if ESCAPED_MODE in state else EMPTY
