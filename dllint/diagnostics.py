"""What a rule reports: one finding at one place in one file.

Positions are kept in one convention everywhere inside dllint: 1-based lines
and 1-based *character* columns (not the UTF-8 byte offsets that `ast`
gives). Each output format converts at the edge.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Tuple


@dataclass(frozen=True)
class Edit:
    """Replace the text between two positions (1-based line, 1-based column).

    In a notebook, `cell` is the cell (1-based, as Jupyter numbers them) and
    the positions are within it; elsewhere it is None."""

    start: Tuple[int, int]
    end: Tuple[int, int]
    replacement: str
    cell: Optional[int] = None


@dataclass(frozen=True)
class Fix:
    """A proposed change that a later `--fix` can apply.

    `safe` says whether applying it can never change what the program means
    beyond removing the bug (ruff's "safe" vs "unsafe" fixes).
    """

    message: str
    edits: Tuple[Edit, ...]
    safe: bool = True


@dataclass(frozen=True)
class Diagnostic:
    path: str
    line: int
    column: int
    code: str
    message: str
    name: str = ""
    end_line: Optional[int] = None
    end_column: Optional[int] = None
    fix: Optional[Fix] = None
    # The first line of the statement that holds the finding: a `# noqa` there
    # also suppresses it (multi-line calls put the comment on their first line).
    statement_line: Optional[int] = field(default=None, compare=False)
    # In a notebook: the cell (1-based, every cell counted, as Jupyter shows
    # them); `line` and `end_line` are then lines within that cell.
    cell: Optional[int] = None

    @property
    def location(self) -> str:
        """`path:line:col`, or `path:cell N:line:col` in a notebook (ruff's form)."""
        cell = f"cell {self.cell}:" if self.cell is not None else ""
        return f"{self.path}:{cell}{self.line}:{self.column}"

    @property
    def sort_key(self):
        return (self.path, self.cell or 0, self.line, self.column, self.code)
