"""The project index: the files being linted, understood together.

Every module of the run is registered with its dotted name, its top-level
classes and functions, and its imports, so that `from models import Net` in
`train.py` leads to the class in `models.py`. Modules are looked up by exact
name first, then by their trailing components (a script run from its own
folder imports `models`, while the index may know it as `src.models`).
Each module's `ModuleModel` is built lazily, the first time a rule or
another module asks a question about it.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Dict, Iterator, List, Optional, Tuple, Union

from dllint.semantic.catalog import MODEL_BASES
from dllint.semantic.imports import ML_FRAMEWORKS, ImportMap, dotted_parts

if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.module import ModuleModel
    from dllint.source import SourceFile

FunctionNode = Union[ast.FunctionDef, ast.AsyncFunctionDef]


def module_name_for(path: Path) -> Tuple[str, bool]:
    """Dotted module name of a file, walking up through packages
    (folders with `__init__.py`); and whether it is a package's `__init__`."""
    path = Path(path)
    is_package = path.name == "__init__.py"
    parts: List[str] = [] if is_package else [path.stem]
    folder = path.parent
    try:
        while (folder / "__init__.py").exists():
            parts.append(folder.name)
            if folder.parent == folder:
                break
            folder = folder.parent
    except OSError:
        pass
    parts.reverse()
    return ".".join(part for part in parts if part), is_package


@dataclass
class ModuleInfo:
    name: str
    source: "SourceFile"
    imports: ImportMap
    is_package: bool = False
    classes: Dict[str, ast.ClassDef] = field(default_factory=dict)
    functions: Dict[str, FunctionNode] = field(default_factory=dict)
    _model: Optional["ModuleModel"] = None


class ProjectIndex:
    def __init__(self) -> None:
        self.modules: Dict[str, ModuleInfo] = {}
        self._same_name: Dict[str, List[ModuleInfo]] = {}
        self._importers: Optional[Dict[int, List[ModuleInfo]]] = None
        self._imported: Optional[Dict[int, List[ModuleInfo]]] = None
        self._by_last_part: Dict[str, List[ModuleInfo]] = {}
        self._model_class_cache: Dict[Tuple[str, Optional[int]], Optional[str]] = {}

    # -- building --------------------------------------------------------
    def add(self, source: "SourceFile", imports: ImportMap, is_package: bool = False) -> ModuleInfo:
        info = ModuleInfo(source.module_name, source, imports, is_package)
        for node in source.tree.body:
            if isinstance(node, ast.ClassDef):
                info.classes[node.name] = node
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                info.functions[node.name] = node
            elif isinstance(node, ast.If):  # `if TYPE_CHECKING:` / version switches
                for inner in node.body + node.orelse:
                    if isinstance(inner, ast.ClassDef):
                        info.classes.setdefault(inner.name, inner)
                    elif isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        info.functions.setdefault(inner.name, inner)
        # Two files may share a name (two `train.py` in one run); the first wins
        # the exact name, both stay reachable through their own sources.
        self.modules.setdefault(info.name, info)
        self._same_name.setdefault(info.name, []).append(info)
        self._by_last_part.setdefault(info.name.rsplit(".", 1)[-1], []).append(info)
        return info

    # -- lookup ----------------------------------------------------------
    def module(self, name: str, near: Optional[ModuleInfo] = None) -> Optional[ModuleInfo]:
        """The module called `name`. When several files share the name (a
        `model.py` in each of several script folders), the one in the folder
        of `near` (the importing module) wins, as on Python's `sys.path`."""
        if near is not None and len(self._same_name.get(name, ())) > 1:
            folder = Path(near.source.path).parent
            for info in self._same_name[name]:
                if Path(info.source.path).parent == folder:
                    return info
        if name in self.modules:
            return self.modules[name]
        top = name.split(".", 1)[0]
        if top in ML_FRAMEWORKS and top not in self.modules:
            # `keras.layers` is the library, not a project `layers.py`
            return None
        last = name.rsplit(".", 1)[-1]
        candidates = [info for info in self._by_last_part.get(last, ()) if _suffix_match(info.name, name)]
        return candidates[0] if len(candidates) == 1 else None

    def definition(self, qualname: str, near: Optional[ModuleInfo] = None, _seen: Optional[set] = None) -> Optional[Tuple[ModuleInfo, ast.AST]]:
        """The project class or function a qualified name refers to (as seen
        from the module `near`, when given)."""
        if "." not in qualname:
            return None
        module_name, attribute = qualname.rsplit(".", 1)
        info = self.module(module_name, near)
        if info is not None and attribute not in info.classes and attribute not in info.functions:
            # Two scripts folders linted together may both have a `model.py`;
            # the one that defines the name is the one meant.
            for other in self._by_last_part.get(module_name.rsplit(".", 1)[-1], ()):
                if other.name == info.name and (attribute in other.classes or attribute in other.functions):
                    info = other
                    break
        if info is None:
            # `from pkg import models` then `models.Net`: the module is the
            # whole name minus its last part, already tried; a package's
            # `__init__` re-exporting a name is followed through its imports.
            return None
        if attribute in info.classes:
            return info, info.classes[attribute]
        if attribute in info.functions:
            return info, info.functions[attribute]
        reexport = info.imports.names.get(attribute)
        if reexport and reexport != qualname:
            # Re-exports can go round in circles (`a` imports `f` from `b`, `b` from `a`).
            seen = _seen if _seen is not None else set()
            if qualname in seen:
                return None
            seen.add(qualname)
            return self.definition(reexport, info, seen)
        return None

    def all_modules(self) -> List[ModuleInfo]:
        """Every module of the run, those that share a name with another included."""
        return [info for infos in self._same_name.values() for info in infos]

    def modules_importing(self, info: ModuleInfo) -> List[ModuleInfo]:
        """The other modules of the run that import `info` (by any name that
        resolves to it from where they are). Indexed once, on first use."""
        self._index_imports()
        return self._importers.get(id(info), [])  # type: ignore[union-attr]

    def modules_imported_by(self, info: ModuleInfo) -> List[ModuleInfo]:
        """The other modules of the run that `info` imports."""
        self._index_imports()
        return self._imported.get(id(info), [])  # type: ignore[union-attr]

    def _index_imports(self) -> None:
        """Both directions of the import graph between the run's modules, in one pass."""
        if self._importers is not None:
            return
        importers: Dict[int, List[ModuleInfo]] = {}
        imported: Dict[int, List[ModuleInfo]] = {}
        for infos in self._same_name.values():
            for other in infos:
                targets: Dict[int, ModuleInfo] = {}
                for name in set(other.imports.imported_modules) | set(other.imports.names.values()):
                    for candidate in (name, name.rsplit(".", 1)[0]):
                        target = self.module(candidate, other)
                        if target is not None and target is not other:
                            targets[id(target)] = target
                imported[id(other)] = list(targets.values())
                for target in targets:
                    importers.setdefault(target, []).append(other)
        self._importers, self._imported = importers, imported

    def model_for(self, info: ModuleInfo) -> "ModuleModel":
        if info._model is None:
            from dllint.semantic.module import ModuleModel

            info._model = ModuleModel(info.source, self, info)
        return info._model

    # -- classes ---------------------------------------------------------
    def base_names(self, info: ModuleInfo, node: ast.ClassDef) -> List[str]:
        model = self.model_for(info)
        names = []
        for base in node.bases:
            qualname = model.qualified_name(base)
            if qualname:
                names.append(qualname)
        return names

    def class_ancestry(self, qualname: str, _seen: Optional[set] = None, near: Optional[ModuleInfo] = None) -> Iterator[str]:
        """The qualified names of a class's bases, transitively through project
        classes, depth first (each base, then its own ancestry). Iterative: a
        generated file may chain hundreds of classes."""
        seen = _seen if _seen is not None else set()
        stack = [self._bases_to_visit(qualname, seen, near)]
        while stack:
            step = next(stack[-1], None)
            if step is None:
                stack.pop()
                continue
            base, info = step
            yield base
            stack.append(self._bases_to_visit(base, seen, info))

    def _bases_to_visit(self, qualname: str, seen: set, near: Optional[ModuleInfo]) -> Iterator[Tuple[str, ModuleInfo]]:
        if qualname in seen:
            return iter(())
        seen.add(qualname)
        found = self.definition(qualname, near)
        if found is None or not isinstance(found[1], ast.ClassDef):
            return iter(())
        info, node = found
        return iter([(base, info) for base in self.base_names(info, node)])

    def model_framework(self, qualname: str, near: Optional[ModuleInfo] = None) -> Optional[str]:
        """"torch", "lightning", "keras" or "hf" when the class is a model."""
        found = self.definition(qualname, near)
        key = (qualname, id(found[0]) if found else None)
        if key not in self._model_class_cache:
            framework = MODEL_BASES.get(qualname)
            if framework is None:
                for base in self.class_ancestry(qualname, near=found[0] if found else near):
                    framework = MODEL_BASES.get(base) or _framework_by_library(base)
                    if framework:
                        break
            self._model_class_cache[key] = framework
        return self._model_class_cache[key]


def _framework_by_library(qualname: str) -> Optional[str]:
    # Any class of these libraries used as a base is a model of that library
    # (`transformers.BertPreTrainedModel`, `timm.models.VisionTransformer`).
    if qualname.startswith("transformers.") and qualname.endswith(("PreTrainedModel", "Model")):
        return "hf"
    if qualname.startswith(("timm.models.", "torchvision.models.")) and qualname[qualname.rfind(".") + 1:][:1].isupper():
        return "torch"
    return None


def _suffix_match(known: str, wanted: str) -> bool:
    known_parts, wanted_parts = known.split("."), wanted.split(".")
    shorter = min(len(known_parts), len(wanted_parts))
    return known_parts[-shorter:] == wanted_parts[-shorter:]


def call_name(node: ast.AST) -> Optional[str]:
    """The last name of a call's function: `evaluate` for `utils.evaluate(...)`."""
    if isinstance(node, ast.Call):
        node = node.func
    parts = dotted_parts(node)
    return parts[-1] if parts else None
