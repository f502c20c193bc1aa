"""ModuleModels of a small project given as text, for the tests that ask the
semantic model directly (values, provenance, data sinks, scale, loops)."""
import textwrap
from typing import Dict

from dllint.semantic.imports import ImportMap
from dllint.semantic.module import ModuleModel
from dllint.semantic.project import ProjectIndex
from dllint.source import SourceFile


def modules(files: Dict[str, str], *, strip_leading_newline: bool = False) -> Dict[str, ModuleModel]:
    """{module name: source text} -> {module name: ModuleModel}, indexed together."""
    index = ProjectIndex()
    infos = {}
    for name, text in files.items():
        text = textwrap.dedent(text)
        if strip_leading_newline:
            text = text.lstrip("\n")
        source = SourceFile.from_text(f"{name}.py", text, module_name=name)
        infos[name] = index.add(source, ImportMap(source.tree, name))
    return {name: index.model_for(info) for name, info in infos.items()}
