"""ScopeTable: which binding a use of a name sees."""
from __future__ import annotations

import ast

from dllint.semantic.scopes import ScopeTable


def _use(tree: ast.Module, line: int) -> ast.Name:
    return next(n for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.lineno == line)


def test_a_use_sees_the_last_binding_before_it():
    text = "model = 1\nprint(model)\nmodel = 2\nprint(model)\nmodel = 3\nprint(model)\n"
    tree = ast.parse(text)
    table = ScopeTable(tree)
    for line, value in ((2, 1), (4, 2), (6, 3)):
        use = _use(tree, line)
        _, binding = table.lookup("model", table.scope_at(use), use.lineno)
        assert binding.value.value == value


def test_bindings_are_kept_in_source_order():
    tree = ast.parse("def f(x):\n    a = 1\n    if x:\n        a = 2\n    for a in x:\n        pass\n    a = 4\n")
    table = ScopeTable(tree)
    function_scope = table.scopes[tree.body[0]]
    assert [binding.line for binding in function_scope.bindings["a"]] == [2, 4, 5, 7]


def test_a_comprehension_target_is_seen_on_its_own_lines():
    text = (
        "for x in train_batches:\n"
        "    step(x)\n"
        "scores = [score(x) for x in test_batches]\n"
        "more = [score(x)\n"
        "        for x in other_batches]\n"
        "x = x + 1\n"
    )
    tree = ast.parse(text)
    table = ScopeTable(tree)

    def iterated(line):
        use = next(n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == "x" and isinstance(n.ctx, ast.Load) and n.lineno == line)
        _, binding = table.lookup("x", table.scope_at(use), use.lineno)
        return binding.value.id if binding.kind == "for" else binding.kind

    assert iterated(2) == "train_batches"
    assert iterated(3) == "test_batches"
    assert iterated(4) == "other_batches"  # the element is on the line before its `for`
    # an assignment's own line still reads the binding before it
    assert iterated(6) == "other_batches"


def test_the_node_order_is_ast_walk_without_the_expression_contexts():
    tree = ast.parse(
        "import torch\n"
        "@decorate(k=1)\n"
        "def f(a, b=[x for x in y], *, c=None):\n"
        "    z = lambda q: q + a\n"
        "    del a\n"
        "    return [b[i] for i in z(c)]\n"
        "class C(Base, metaclass=M):\n"
        "    y: int = f(1)\n"
    )
    table = ScopeTable(tree)
    walked = [node for node in ast.walk(tree) if not isinstance(node, ast.expr_context)]
    assert table.order == walked
    assert all(table.parents[child] is node for node in walked for child in ast.iter_child_nodes(node)
               if not isinstance(child, ast.expr_context))
    assert not any(isinstance(node, ast.expr_context) for node in table.parents)
