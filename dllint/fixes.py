"""Applying the edits a finding's fix carries to a file's text."""
from __future__ import annotations

from typing import Iterable, List, Sequence, Tuple

from dllint.diagnostics import Fix


def _offset(line_starts: Sequence[int], position: Tuple[int, int]) -> int:
    line, column = position
    return line_starts[line - 1] + column - 1


def apply_fixes(text: str, fixes: Iterable[Fix]) -> str:
    """The text with every edit applied. Overlapping edits keep the first."""
    line_starts: List[int] = [0]
    for index, character in enumerate(text):
        if character == "\n":
            line_starts.append(index + 1)
    edits = sorted(
        ((_offset(line_starts, e.start), _offset(line_starts, e.end), e.replacement) for fix in fixes for e in fix.edits),
        key=lambda edit: (edit[0], edit[1]),
    )
    pieces, cursor = [], 0
    for start, end, replacement in edits:
        if start < cursor:
            continue  # overlaps an edit already taken
        pieces += [text[cursor:start], replacement]
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)
