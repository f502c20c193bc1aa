"""The project index finds the definition meant, also when names collide."""
from __future__ import annotations

import ast

from dllint.semantic.imports import ImportMap
from dllint.semantic.project import ProjectIndex
from dllint.source import SourceFile


def _add(project: ProjectIndex, path: str, module_name: str, text: str):
    tree = ast.parse(text)
    source = SourceFile(path=path, text=text, tree=tree, module_name=module_name)
    return project.add(source, ImportMap(tree, module_name))


def test_two_folders_with_a_model_py_each():
    project = ProjectIndex()
    first = _add(project, "a/model.py", "model", "class SoftmaxNet:\n    pass\n")
    second = _add(project, "b/model.py", "model", "class ChurnNet:\n    pass\n")
    found = project.definition("model.ChurnNet")
    assert found is not None and found[0] is second
    assert project.definition("model.SoftmaxNet")[0] is first
    assert project.definition("model.Missing") is None
