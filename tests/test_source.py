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
