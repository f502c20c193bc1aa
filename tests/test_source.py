"""SourceFile: text segments and positions of nodes."""
from __future__ import annotations

import ast

import pytest

from dllint.source import SourceFile

TEXTS = [
    "x = 'é'\r\ny = f(1,\r\n  2)\rz = 3\n",
    "a = 'ünï' + \\\n  'b'\n",
    "s = '\x0cform'\nt = (1,\n 2)\n",
    "def f(x):\n    return [y for y in x if y]  # no trailing newline",
]


@pytest.mark.parametrize("text", TEXTS)
def test_segment_matches_ast_get_source_segment(text):
    source = SourceFile.from_text("example.py", text)
    for node in ast.walk(source.tree):
        if hasattr(node, "end_col_offset"):
            assert source.segment(node) == (ast.get_source_segment(text, node) or "")


def test_segment_of_a_node_without_position_is_empty():
    assert SourceFile.from_text("example.py", "x = 1\n").segment(ast.Load()) == ""


@pytest.mark.parametrize("text", TEXTS + ["", "\n", "a\r\rb\r\n\nc", "one line", "ends\r"])
def test_lines_read_from_the_text_are_the_list_of_lines(text):
    # `line`, `line_count` and `lines_text` keep no list of lines, and agree with it.
    source = SourceFile("example.py", text)
    lines = list(SourceFile("example.py", text).lines)
    assert source.line_count == len(lines)
    assert [source.line(number) for number in range(1, len(lines) + 1)] == lines
    for first in range(1, len(lines) + 2):
        for last in range(len(lines) + 2):
            assert source.lines_text(first, last) == "\n".join(lines[first - 1 : last])
    assert source._lines is None
