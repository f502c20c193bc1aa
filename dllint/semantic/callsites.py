"""Call sites across the project: who calls a function, makes a class, applies an init.

    project_callers(semantic, function)        -> calls of a project function / method
    instantiations(semantic, class_node)       -> calls that make an instance of a project class
    apply_sites(semantic, function)            -> `model.apply(function)` calls
    function_named(model, expr, at)            -> (ModuleModel, FunctionDef) an expression names

`semantic` is the file defining the function or class. Only files that can
name it (the same file, or a file importing from its module, see
`ProjectIndex.reachers`) are searched; results are cached on the project
index.
"""
from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Dict, List, Optional, Tuple, Union

if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.module import ModuleModel
    from dllint.semantic.project import ModuleInfo

FunctionNode = Union[ast.FunctionDef, ast.AsyncFunctionDef]


def _calls_in(semantic: "ModuleModel", infos: List["ModuleInfo"], name: str) -> List[Tuple["ModuleModel", ast.Call]]:
    found: List[Tuple["ModuleModel", ast.Call]] = []
    for info in infos:
        if name not in info.source.text:
            continue
        model = semantic.project.model_for(info)
        for call in model.calls(name):
            found.append((model, call))
    return found


def project_callers(semantic: "ModuleModel", function: FunctionNode) -> List[Tuple["ModuleModel", ast.Call]]:
    """Calls of a project function or method (defined in `semantic`), in any file of the project."""
    cache = semantic.project.__dict__.setdefault("_dllint_callers", {})
    key = id(function)
    if key not in cache:
        if isinstance(semantic.parent(function), ast.ClassDef):
            # a method is called as `self.method(...)`, which resolves in its own file only
            candidates = [(semantic, call) for call in semantic.calls(function.name)]
        else:
            candidates = _reachable_calls(semantic, function.name)
        cache[key] = [(model, call) for model, call in candidates
                      if (model.resolve_function(call) or (None, None))[1] is function]
    return cache[key]


def instantiations(semantic: "ModuleModel", class_node: ast.ClassDef) -> List[Tuple["ModuleModel", ast.Call]]:
    """Calls that make an instance of a project class (defined in `semantic`)."""
    cache = semantic.project.__dict__.setdefault("_dllint_instantiations", {})
    key = id(class_node)
    if key not in cache:
        cache[key] = [
            (model, call) for model, call in _reachable_calls(semantic, class_node.name)
            if (model.resolve_class(call.func) or (None, None))[1] is class_node
        ]
    return cache[key]


def _reachable_calls(definer: "ModuleModel", name: str) -> List[Tuple["ModuleModel", ast.Call]]:
    """Calls named `name` in the files that can name `definer`'s top-level
    `name`: only the modules that import it (`ProjectIndex.reachers`) get a
    model, not every file that happens to use the name."""
    reach: Dict[int, bool] = {}
    found = []
    project = definer.project
    candidates = project.in_search_order(project.reachers(definer.info, name))
    for model, call in _calls_in(definer, candidates, name):
        if id(model) not in reach:
            reach[id(model)] = _can_reach(model, definer)
        if reach[id(model)]:
            found.append((model, call))
    return found


def _can_reach(model: "ModuleModel", definer: "ModuleModel") -> bool:
    """Whether code in `model` can name what `definer` defines: the same
    file, or a file importing from its module."""
    if model is definer:
        return True
    name = definer.info.name
    if not name:
        return False
    short = name.rsplit(".", 1)[-1]
    for imported in list(model.imports.names.values()) + model.imports.imported_modules:
        if imported == name or imported.startswith(name + ".") or name.endswith("." + imported) \
                or imported == short or imported.startswith(short + "."):
            return True
    return False


def apply_sites(semantic: "ModuleModel", function: FunctionNode) -> List[Tuple["ModuleModel", ast.Call]]:
    """`model.apply(function)` calls in the files that can name `function`
    (`function_named`): the files importing its module, for a top-level
    function (`ProjectIndex.reachers`); its own file, for a method or a
    nested function (named there only, by `self.<name>` or its `def`).
    Reading every file that calls some `.apply` instead made a large run
    parse and model most of it again after each fresh start."""
    project = semantic.project
    cache = project.__dict__.setdefault("_dllint_apply_sites", {})
    if id(function) in cache:
        return cache[id(function)]
    info = semantic.info
    if info.defines_function(function.name) and info.functions[function.name] is function:
        candidates = project.in_search_order(project.reachers(info, function.name))
    else:
        candidates = [info]
    found = []
    for model, call in _calls_in(semantic, candidates, "apply"):
        if isinstance(call.func, ast.Attribute) and len(call.args) == 1:
            named = function_named(model, call.args[0], call)
            if named is not None and named[1] is function:
                found.append((model, call))
    cache[id(function)] = found
    return found


def function_named(model: "ModuleModel", expr: ast.AST, at: ast.AST) -> Optional[Tuple["ModuleModel", FunctionNode]]:
    """The project function or method an expression names (`init_weights`,
    `self._init_weights`, `models.init_weights`), with its file."""
    return model.function_named(expr, at)
