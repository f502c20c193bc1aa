"""How a message names a place in the project.

Messages point at other places by line ("split off on line 127"). A place in
the file being reported is `line 127`; a place in another file of the project
is `lstm_utils.py:127`, the way tracebacks and linters write it, so the user
is not sent to line 127 of a file that has 40 lines (and a notebook's "line N
of cell M" translation leaves it alone).
"""
from __future__ import annotations

import ast

from pathlib import PurePath
from typing import TYPE_CHECKING

from dllint.lazy_dataclass import lazy_dataclass
from dllint.lazy_pattern import LazyPattern

if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.module import ModuleModel

_LINE = LazyPattern(r"\bline (\d+)\b")


@lazy_dataclass(frozen=True)
class Place:
    """A node and the file that holds it."""

    node: ast.AST
    model: "ModuleModel"

    @property
    def line(self) -> int:
        return getattr(self.node, "lineno", 0)

    def text_from(self, here: "ModuleModel") -> str:
        """`line 127`, or `lstm_utils.py:127` when read from another file."""
        return as_read_from(f"line {self.line}", self.model, here)


def as_read_from(text: str, model: "ModuleModel", here: "ModuleModel") -> str:
    """`text`, a description written in `model`'s file, as a message of
    `here` quotes it: its line numbers name their file when that is another one."""
    if model is here:
        return text
    name = PurePath(model.info.source.path).name
    return _LINE.sub(lambda match: f"{name}:{match.group(1)}", text)
