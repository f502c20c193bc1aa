"""What a rule reports: one finding at one place in one file.

Positions are kept in one convention everywhere inside dllint: 1-based lines
and 1-based *character* columns (not the UTF-8 byte offsets that `ast`
gives). Each output format converts at the edge.
"""
from __future__ import annotations

from dataclasses import field
from typing import Optional, Tuple

from dllint.lazy_dataclass import lazy_dataclass


@lazy_dataclass(frozen=True)
class Edit:
    """Replace the text between two positions (1-based line, 1-based column).

    Edits are what a fix does to the text, as JSON and SARIF report it; they
    are derived from the libcst rewrite (`fixes.text_edits`), never written
    by a rule. In a notebook, `cell` is the cell (1-based, as Jupyter numbers
    them) and the positions are within it; elsewhere it is None."""

    start: Tuple[int, int]
    end: Tuple[int, int]
    replacement: str
    cell: Optional[int] = None


# What a `Change` does to the node it is anchored at (see `dllint/changes.py`).
REPLACE = "replace"  # the expression becomes `code` (an expression)
KEEP_PART = "keep-part"  # the expression becomes its sub-expression at `part`, kept as written
CALL = "call"  # the expression `x.eval` becomes the call `x.eval()`
CALL_METHOD = "call-method"  # the expression `loss` becomes `loss.<code>()`
SET_KEYWORD = "set-keyword"  # the call gets the keyword argument `code` (`name=value`), or that value
INSERT_BEFORE = "insert-before"  # the statement starting here gets the statement `code` above it


@lazy_dataclass(frozen=True)
class Change:
    """One change of a fix, anchored at a node of the file by that node's
    position (1-based line, 1-based character column, end exclusive, as
    `SourceFile.position` gives it; for INSERT_BEFORE the statement's start).

    Rules describe *what* to change against the `ast` nodes they see; the
    fixer finds the same node in libcst's concrete tree by its position and
    rewrites it there (`fixes.py`). In a notebook, `cell` is the cell and the
    positions are within it."""

    kind: str
    start: Tuple[int, int]
    end: Tuple[int, int]
    code: str = ""
    part: Optional[Tuple[Tuple[int, int], Tuple[int, int]]] = None  # KEEP_PART: the sub-expression kept
    cell: Optional[int] = None


@lazy_dataclass(frozen=True)
class Fix:
    """A proposed change that a later `--fix` can apply.

    `safe` says whether applying it can never change what the program means
    beyond removing the bug (ruff's "safe" vs "unsafe" fixes).
    """

    message: str
    changes: Tuple[Change, ...]
    safe: bool = True


@lazy_dataclass(frozen=True)
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
