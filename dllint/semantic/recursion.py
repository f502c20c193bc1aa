"""One guard for the value chases of the semantic model.

Every chase (what a name holds, which rows data has, what scale it is at,
whether a tensor carries a graph) follows assignments, parameters and
returns, so it can come back to the node it started from. The answer on the
way round is "unknown" (each chase says what that is); the outer call goes on.
"""
from __future__ import annotations

from typing import Callable, Hashable, Set, TypeVar

T = TypeVar("T")


def guarded(active: Set[Hashable], key: Hashable, compute: Callable[[], T], on_cycle: T) -> T:
    """`compute()`, unless `key` is already being computed further up the
    stack: then `on_cycle`."""
    if key in active:
        return on_cycle
    active.add(key)
    try:
        return compute()
    finally:
        active.discard(key)
