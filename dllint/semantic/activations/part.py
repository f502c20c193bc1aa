"""What every part of one question's walk holds: the `Walk`.

A part asks the others through `self.walk` (`self.walk.value(...)`,
`self.walk.conditions.truth(...)`).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.activations.walk import Walk


class WalkPart:
    def __init__(self, walk: "Walk"):
        self.walk = walk
