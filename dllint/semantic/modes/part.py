"""What every part of the mode analysis holds: the file's `ModeModel`.

Each part answers one question for one file and asks the others through
`self.modes` (`self.modes.keys.key_of(...)`, `module.modes.calls.callers(...)`
for another file's).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.modes import ModeModel


class ModePart:
    def __init__(self, modes: "ModeModel"):
        self.modes = modes
        self.semantic = modes.semantic
        self.project = modes.project
