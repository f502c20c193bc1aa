"""Which statements of a body can change what one model's mode flow sees.

The mode flow (`semantic/modes/flow.py`) follows one model (a key) through one
function body or through the module's top level. A training script written
at module level, as notebooks exported to scripts are, has one body that
holds every model: following each model through all of it made such files
quadratic. A statement can only change the flow of a model when it

* mentions the model, a part of it, or something it belongs to (any `Name`
  or `Attribute` whose key relates to the model's key);
* calls a project function (whose summary may switch it: a global, `self`);
* leaves the straight line: `return`, `raise`, `break`, `continue`,
  `yield`, or a `while True:` loop;

and, once the model has escaped into a container (a list, a results dict,
a trainer object), when it

* calls `.eval()` / `.train()` on anything (maybe the model, through the
  container), or
* calls something that is neither a name the flow knows nor mode-neutral
  (`plt.plot(...)` is neutral, `get_hooks()(...)` is not).

Every other statement leaves the state as it is, so the flow jumps over
runs of them. This module indexes a body once: each node's position in a
depth-first walk (so a statement's nodes are one contiguous range), and the
sorted positions of the nodes above, kept as a few sorted lists (asked
together, never merged per model: a notebook has a model per cell).
"""
from __future__ import annotations

import ast
from bisect import bisect_left, bisect_right
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Tuple

from dllint.tree import children

if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.modes import Key, ModeModel

_NOT_ENTERED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_LEAVES_THE_LINE = (ast.Return, ast.Raise, ast.Break, ast.Continue, ast.Yield, ast.YieldFrom)
_NOWHERE = float("inf")
_NONE: List[int] = []

# The positions that matter for one model: a few sorted lists.
Relevant = Tuple[List[int], ...]


class BodyIndex:
    """The relevance index of one body (a function or the module)."""

    def __init__(self, modes: "ModeModel", body: ast.AST):
        self.position: Dict[int, int] = {}  # id(node) -> depth-first position
        self._end: Dict[int, int] = {}  # id(statement) -> position after its last node
        self._always: List[int] = []
        # the calls of no project function: whether each may switch a model
        # that escaped is decided when a flow first needs it
        self._other_calls: List[Tuple[int, ast.Call]] = []
        self._when_escaped: Optional[List[int]] = None
        self._modes = modes
        # key owner -> positions of the nodes whose key has that owner, and
        # (owner, first name of the path or None) -> positions
        self._by_owner: Dict[int, List[int]] = {}
        self._by_head: Dict[Tuple[int, Optional[str]], List[int]] = {}
        self._starts: Dict[int, List[int]] = {}  # id(statement list) -> their start positions
        self._keys: Dict[Tuple[int, Tuple[str, ...]], Relevant] = {}
        counter = 0
        # (node, entered): a node is numbered when entered, and its end is
        # known when the walk comes back to it
        stack: List[Tuple[ast.AST, bool]] = [(statement, False) for statement in reversed(body.body)]  # type: ignore[attr-defined]
        while stack:
            node, done = stack.pop()
            if done:
                self._end[id(node)] = counter
                continue
            self.position[id(node)] = counter
            self._note(modes, node, counter)
            counter += 1
            if isinstance(node, ast.stmt):
                stack.append((node, True))
            if isinstance(node, _NOT_ENTERED):
                continue
            stack.extend((child, False) for child in reversed(children(node)))

    def _note(self, modes: "ModeModel", node: ast.AST, position: int) -> None:
        if isinstance(node, _LEAVES_THE_LINE) or (
                isinstance(node, ast.While) and isinstance(node.test, ast.Constant) and bool(node.test.value)):
            self._always.append(position)
        elif isinstance(node, ast.Call):
            if modes.resolve_callee(node) is not None:
                self._always.append(position)
            else:
                self._other_calls.append((position, node))
        elif isinstance(node, (ast.Name, ast.Attribute)):
            key = modes.key_of(node)
            if key is not None:
                owner = id(key[0])
                self._by_owner.setdefault(owner, []).append(position)
                self._by_head.setdefault((owner, key[1][0] if key[1] else None), []).append(position)

    def relevant_positions(self, key: "Key") -> Relevant:
        """Sorted positions of the nodes that may change the flow of `key`."""
        token = (id(key[0]), key[1])
        found = self._keys.get(token)
        if found is None:
            owner = id(key[0])
            if key[1]:
                found = (self._always, self._by_head.get((owner, key[1][0]), _NONE), self._by_head.get((owner, None), _NONE))
            else:
                found = (self._always, self._by_owner.get(owner, _NONE))
            self._keys[token] = found
        return found

    def when_escaped(self, relevant: Relevant) -> Relevant:
        """`relevant`, and the calls that may switch a model that escaped
        (see `Flow._call`: any `.eval()` / `.train()`, and calls the flow
        neither knows nor sees as mode-neutral)."""
        if self._when_escaped is None:
            keys, switches = self._modes.keys, self._modes.switches
            self._when_escaped = [
                position for position, call in self._other_calls
                if (isinstance(call.func, ast.Attribute) and call.func.attr in ("eval", "train"))
                or (keys.forward_key(call) is None and not switches.is_neutral_call(call))
            ]
        return relevant + (self._when_escaped,)

    def first_relevant(self, statements: List[ast.stmt], index: int, relevant: Sequence[List[int]]) -> int:
        """The index of the first statement at or after `index` that holds a
        relevant position (len(statements) when none does)."""
        starts = self._starts.get(id(statements))
        if starts is None:
            starts = self._starts[id(statements)] = [self.position.get(id(statement), -1) for statement in statements]
        start = starts[index]
        if start < 0:
            return index  # not in this body's index: never skip
        position = _NOWHERE
        for positions in relevant:
            found = bisect_left(positions, start)
            if found < len(positions) and positions[found] < position:
                position = positions[found]
        if position >= self._end.get(id(statements[-1]), _NOWHERE):
            return len(statements)
        return max(index, bisect_right(starts, position) - 1)

    def statement_at(self, statements: List[ast.stmt], first: int, stop: int, node: ast.AST) -> Optional[int]:
        """The index (in first..stop-1) of the statement holding `node`, if any."""
        position = self.position.get(id(node))
        if position is None:
            return None
        starts = self._starts.get(id(statements))
        if starts is None or not starts[first] <= position < self._end.get(id(statements[stop - 1]), -1):
            return None
        return bisect_right(starts, position, first, stop) - 1
