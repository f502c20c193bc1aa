"""The scope table: which binding of a name a use sees."""
import ast

from dllint.semantic.scopes import ScopeTable


def test_a_use_sees_the_nearest_binding_before_it():
    tree = ast.parse(
        "def f():\n"
        "    x = 1\n"
        "    for i in y:\n"
        "        x = 2\n"
        "    x = 3\n"
        "    print(x)\n"
    )
    table = ScopeTable(tree)
    scope = table.scopes[tree.body[0]]
    assert table.lookup("x", scope, 6)[1].line == 5
    assert table.lookup("x", scope, 5)[1].line == 4
    assert table.lookup("x", scope, 3)[1].line == 2
    assert table.lookup("x", scope, None)[1].line == 5
