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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Dict, FrozenSet, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

from dllint.lazy_pattern import LazyPattern
from dllint.semantic.catalog import MODEL_BASES
from dllint.semantic.imports import ML_FRAMEWORKS, ImportMap, dotted_parts
from dllint.source import parse_source, source_lines
from dllint.tree import walk

if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.module import ModuleModel
    from dllint.semantic.scopes import ScopeTable
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


# A module imported by more modules than this is a library: the values of
# its functions' parameters are not looked for in its importers' calls
# (`ModuleModel.callers_elsewhere`; looking through every importer made large
# code bases quadratic).
PARAMETER_IMPORTERS = 8

# Text patterns the index tests on every top-level function and method, so
# that "may a call of `name` reach a backward call?" is answered for the
# whole project without parsing it again (`training_loops._name_may_reach`).
BACKWARD_CALL_TEXT = LazyPattern(r"\.\s*(manual_)?backward\s*\(")
STEP_CALL_TEXT = LazyPattern(r"\.\s*(optimizer_)?step\s*\(")
DEFINITION_PATTERNS: Tuple[LazyPattern, ...] = (BACKWARD_CALL_TEXT, STEP_CALL_TEXT)


class DefinitionFacts:
    """What the index keeps of one top-level function or method of a
    top-level class: where it is, which of `DEFINITION_PATTERNS` its lines
    match, and the last names of the calls in its body."""

    __slots__ = ("name", "line", "column", "matched", "calls")

    def __init__(self, name: str, line: int, column: int, matched: FrozenSet[str], calls: FrozenSet[str]):
        self.name = name
        self.line = line
        self.column = column
        self.matched = matched
        self.calls = calls

    @classmethod
    def of(cls, node: FunctionNode, lines: Sequence[str]) -> "DefinitionFacts":
        text = "\n".join(lines[node.lineno - 1 : node.end_lineno or node.lineno])
        matched = frozenset(pattern.pattern for pattern in DEFINITION_PATTERNS if pattern.search(text))
        return cls(node.name, node.lineno, node.col_offset, matched, frozenset(called_names(node.body)))

    def to_json(self) -> list:
        return [self.name, self.line, self.column, sorted(self.matched), sorted(self.calls)]

    @classmethod
    def from_json(cls, item: Sequence) -> "DefinitionFacts":
        name, line, column, matched, calls = item
        return cls(name, line, column, frozenset(matched), frozenset(calls))


def called_names(roots: Sequence[ast.AST]) -> set:
    """The last names of every call under `roots` (`f` of `f(x)`, `step` of `opt.step()`)."""
    names = set()
    call, attribute, name = ast.Call, ast.Attribute, ast.Name
    for root in roots:
        for node in walk(root):
            if node.__class__ is call:
                func = node.func  # type: ignore[attr-defined]
                if func.__class__ is attribute:
                    names.add(func.attr)
                elif func.__class__ is name:
                    names.add(func.id)
    return names


@dataclass(frozen=True)
class DefinedNames:
    """The names a module defines at its top level (classes and functions,
    also inside a top-level `if`), the names of the methods of its top-level
    classes, and the facts of those functions and methods, in that order
    (None when not recorded: they are then read from the tree on first use):
    what the index answers without the module's tree. `spans` holds the
    first and last line of each top-level class, then of each function, in
    the order of `classes` and `functions`, so that a question about a
    definition's text (does it mention a loss?) needs no tree."""

    classes: Tuple[str, ...] = ()
    functions: Tuple[str, ...] = ()
    methods: Tuple[str, ...] = ()
    definitions: Optional[Tuple[DefinitionFacts, ...]] = None
    spans: Tuple[Tuple[int, int], ...] = ()

    @classmethod
    def of(cls, tree: ast.Module, lines: Optional[Sequence[str]] = None) -> "DefinedNames":
        """`lines` (the file's lines) lets it record each definition's facts."""
        classes, functions = _top_level_definitions(tree)
        methods = tuple(sorted({
            statement.name
            for node in classes.values()
            for statement in node.body
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef))
        }))
        definitions = None if lines is None else _definition_facts(classes, functions, lines)
        spans = tuple((node.lineno, node.end_lineno or node.lineno) for node in [*classes.values(), *functions.values()])
        return cls(tuple(classes), tuple(functions), methods, definitions, spans)

    def span_of(self, name: str, is_class: bool) -> Tuple[int, int]:
        """The first and last line of the top-level class (or function) `name`."""
        if is_class:
            return self.spans[self.classes.index(name)]
        return self.spans[len(self.classes) + self.functions.index(name)]

    def to_json(self) -> list:
        definitions = None if self.definitions is None else [facts.to_json() for facts in self.definitions]
        return [list(self.classes), list(self.functions), list(self.methods), definitions, [list(span) for span in self.spans]]

    @classmethod
    def from_json(cls, item: Sequence) -> "DefinedNames":
        classes, functions, methods, definitions, spans = item
        facts = None if definitions is None else tuple(DefinitionFacts.from_json(one) for one in definitions)
        return cls(tuple(classes), tuple(functions), tuple(methods), facts, tuple((first, last) for first, last in spans))


def _definition_facts(classes: Dict[str, ast.ClassDef], functions: Dict[str, FunctionNode], lines: Sequence[str]) -> Tuple[DefinitionFacts, ...]:
    found = [DefinitionFacts.of(node, lines) for node in functions.values()]
    found += [
        DefinitionFacts.of(statement, lines)
        for node in classes.values()
        for statement in node.body
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef))
    ]
    return tuple(found)


def _top_level_definitions(tree: ast.Module) -> Tuple[Dict[str, ast.ClassDef], Dict[str, FunctionNode]]:
    classes: Dict[str, ast.ClassDef] = {}
    functions: Dict[str, FunctionNode] = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            classes[node.name] = node
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            functions[node.name] = node
        elif isinstance(node, ast.If):  # `if TYPE_CHECKING:` / version switches
            for inner in node.body + node.orelse:
                if isinstance(inner, ast.ClassDef):
                    classes.setdefault(inner.name, inner)
                elif isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    functions.setdefault(inner.name, inner)
    return classes, functions


def _frameworks_apart(name: str, near: str) -> bool:
    """Whether module `name` is in one ML framework and module `near` in
    another (a whole site-packages: `transformers` calling `torch`). A
    framework's code uses the others through their public interfaces, so
    their insides are the library there, as when they are not in the run:
    followed, a check of one transformers file built the models of 461 of
    torch's modules (22M characters)."""
    top, near_top = name.split(".", 1)[0], near.split(".", 1)[0]
    return top != near_top and top in ML_FRAMEWORKS and near_top in ML_FRAMEWORKS


class ModuleInfo:
    """One module of the run as the index keeps it for the whole run: its
    name, imports, the names it defines and its text (`source.text`).

    Its tree is parsed on first use (`source.tree`, `classes`, `functions`),
    in the process that asks; most modules of a large run are never asked
    about, and keeping every tree of a run costs gigabytes."""

    def __init__(self, name: str, source: "SourceFile", imports: ImportMap, is_package: bool = False, names: Optional[DefinedNames] = None):
        self.name = name
        self.source = source
        self.imports = imports
        self.is_package = is_package
        self.names = names if names is not None else DefinedNames.of(source.tree, source.lines)
        self._class_names = frozenset(self.names.classes)
        self._function_names = frozenset(self.names.functions)
        self._method_names = frozenset(self.names.methods)
        self._facts: Optional[Dict[str, List[DefinitionFacts]]] = None
        self._definitions: Optional[Tuple[Dict[str, ast.ClassDef], Dict[str, FunctionNode]]] = None
        self._scopes: Optional["ScopeTable"] = None
        self._model: Optional["ModuleModel"] = None
        # the number of the last file check that used this module (see `ProjectIndex.fresh`)
        self.last_used = 0
        # whether the index counts this module's text in `parsed_text_size`
        self._held = False

    @property
    def scopes(self) -> "ScopeTable":
        """The scope table of the module's tree: a fact of the tree alone
        (it refers to no other module), so it is kept with the tree when
        the index starts afresh."""
        if self._scopes is None:
            from dllint.semantic.scopes import ScopeTable  # (not imported by runs that analyse nothing)

            self._scopes = ScopeTable(self.source.tree)
        return self._scopes

    def __repr__(self) -> str:
        return f"ModuleInfo({self.name!r}, {self.source.path!r})"

    @property
    def classes(self) -> Dict[str, ast.ClassDef]:
        return self._nodes()[0]

    @property
    def functions(self) -> Dict[str, FunctionNode]:
        return self._nodes()[1]

    def defines(self, name: str) -> bool:
        """Whether `name` is a top-level class or function here (no tree needed)."""
        return name in self._class_names or name in self._function_names

    def defines_class(self, name: str) -> bool:
        return name in self._class_names

    def defines_function(self, name: str) -> bool:
        return name in self._function_names

    def defines_method(self, name: str) -> bool:
        """Whether a top-level class here has a method called `name`."""
        return name in self._method_names

    def facts_named(self, name: str) -> List[DefinitionFacts]:
        """The facts of the top-level function called `name` and of the
        methods called `name` of top-level classes, in that order. A module
        whose first pass did not record them is parsed only when it defines
        `name`."""
        if name not in self._function_names and name not in self._method_names:
            return []
        if self._facts is None:
            self._facts = {}
            definitions = self.names.definitions
            if definitions is None:
                # Not recorded by the first pass: read from a tree that is not
                # kept (only this summary is wanted), and recorded in `names`,
                # which outlive the trees (`ProjectIndex.fresh`).
                source = self.source
                tree = source.tree if source.has_tree else parse_source(source.text, source.path)
                definitions = _definition_facts(*_top_level_definitions(tree), source_lines(source.text))
                self.names = replace(self.names, definitions=definitions)
            for facts in definitions:
                self._facts.setdefault(facts.name, []).append(facts)
        return self._facts.get(name, [])

    def _nodes(self) -> Tuple[Dict[str, ast.ClassDef], Dict[str, FunctionNode]]:
        if self._definitions is None:
            self._definitions = _top_level_definitions(self.source.tree)
        return self._definitions


class ProjectIndex:
    def __init__(self) -> None:
        self.modules: Dict[str, ModuleInfo] = {}
        self._same_name: Dict[str, List[ModuleInfo]] = {}
        self._importers: Optional[Dict[int, List[ModuleInfo]]] = None
        self._imported: Optional[Dict[int, List[ModuleInfo]]] = None
        self._by_last_part: Dict[str, List[ModuleInfo]] = {}
        # (name, folder) -> the first module of that name in that folder
        self._by_folder: Dict[Tuple[str, Path], ModuleInfo] = {}
        # name -> modules defining a top-level function or a method of a
        # top-level class by that name (built on first use, for `defining`)
        self._defining: Optional[Dict[str, List[ModuleInfo]]] = None
        # the modules that can name a module's top-level definitions
        # (`reachers`) or hold instances of its classes (`instance_reachers`)
        self._reachers: Dict[Tuple, List[ModuleInfo]] = {}
        self._position: Optional[Dict[int, int]] = None
        # id(info) -> its place in `search_order()` (built on first use)
        self._search_position: Optional[Dict[int, int]] = None
        self._model_class_cache: Dict[Tuple[str, Optional[int]], Optional[str]] = {}
        # characters of text whose tree (not pinned) the index holds: what a
        # long run's memory follows
        self.parsed_text_size = 0
        # characters of text of the pinned modules this index built a model
        # (and so a scope table) of: not parsed here, but modelled
        self.modelled_pinned_size = 0
        # the number of the file being checked (`begin_check`), for `ModuleInfo.last_used`
        self.check_number = 0
        # told of each module whose tree is parsed while a file is checked
        # (the runner adds that module's share to the file's time budget)
        self.on_parse: Optional[Callable[[ModuleInfo], None]] = None

    # -- building --------------------------------------------------------
    def add(self, source: "SourceFile", imports: ImportMap, is_package: bool = False, names: Optional[DefinedNames] = None) -> ModuleInfo:
        """Register a module. Without `names`, they are read from its tree
        (which is then kept); with them, the tree is parsed only if asked for."""
        info = ModuleInfo(source.module_name, source, imports, is_package, names)
        self._register(info)
        return info

    def _register(self, info: ModuleInfo) -> None:
        if info.source.has_tree and not info.source.pinned:
            self._hold(info)
        info.source.on_tree = lambda size: self._tree_changed(info, size)
        # Two files may share a name (two `train.py` in one run); the first wins
        # the exact name, both stay reachable through their own sources.
        self.modules.setdefault(info.name, info)
        self._same_name.setdefault(info.name, []).append(info)
        self._by_last_part.setdefault(info.name.rsplit(".", 1)[-1], []).append(info)
        self._by_folder.setdefault((info.name, Path(info.source.path).parent), info)
        self._defining = None
        self._reachers.clear()
        self._position = None
        self._search_position = None

    def fresh(self, keep: int = 0) -> "ProjectIndex":
        """The same modules with nothing computed: no `ModuleModel`, none of
        the caches that analyses keep on the index, no tree but the pinned
        ones, except for the modules used last, up to `keep` characters of
        their text, which keep their tree and scope table (facts of one file
        alone, so no question about another module can find them out of
        date). A long run starts afresh when it holds too many trees
        (`parsed_text_size`). `all_modules()` keeps its order."""
        kept = set()
        size = 0
        for info in sorted((info for info in self.all_modules() if info._held), key=lambda info: -info.last_used):
            size += len(info.source.text)
            if size > keep:
                break
            kept.add(id(info))
        project = ProjectIndex()
        project.check_number = self.check_number
        for info in self.all_modules():
            carried = id(info) in kept
            copy = ModuleInfo(info.name, info.source.without_tree(keep=carried), info.imports, info.is_package, info.names)
            if carried:
                copy._scopes, copy.last_used = info._scopes, info.last_used
            project._register(copy)
        return project

    def begin_check(self) -> None:
        """A new file's check starts (what it uses counts as used last)."""
        self.check_number += 1

    def _hold(self, info: ModuleInfo) -> None:
        info.last_used = self.check_number
        if not info._held:
            info._held = True
            self.parsed_text_size += len(info.source.text)

    def _tree_changed(self, info: ModuleInfo, size: int) -> None:
        """`info`'s tree was parsed (`size` > 0) or forgotten."""
        if size > 0:
            self._hold(info)
            if self.on_parse is not None:
                self.on_parse(info)
        elif info._held:
            info._held = False
            self.parsed_text_size -= len(info.source.text)

    # -- lookup ----------------------------------------------------------
    def module(self, name: str, near: Optional[ModuleInfo] = None) -> Optional[ModuleInfo]:
        """The module called `name`. When several files share the name (a
        `model.py` in each of several script folders), the one in the folder
        of `near` (the importing module) wins, as on Python's `sys.path`.
        Seen from an ML framework's own code, another framework is the
        library, as when it is not in the run (`_frameworks_apart`)."""
        if near is not None and _frameworks_apart(name, near.name):
            return None
        if near is not None and len(self._same_name.get(name, ())) > 1:
            info = self._by_folder.get((name, Path(near.source.path).parent))
            if info is not None:
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

    def definition(self, qualname: str, near: Optional[ModuleInfo] = None) -> Optional[Tuple[ModuleInfo, ast.AST]]:
        """The project class or function a qualified name refers to (as seen
        from the module `near`, when given)."""
        found = self._defined_where(qualname, near)
        if found is None:
            return None
        info, attribute = found
        return info, (info.classes[attribute] if info.defines_class(attribute) else info.functions[attribute])

    def definition_lines(self, qualname: str) -> Optional[Tuple[ModuleInfo, int, int]]:
        """Where `definition(qualname)` is, as its module and its first and
        last line, from the index's summaries (nothing is parsed)."""
        found = self._defined_where(qualname, None)
        if found is None:
            return None
        info, attribute = found
        first, last = info.names.span_of(attribute, info.defines_class(attribute))
        return info, first, last

    def _defined_where(self, qualname: str, near: Optional[ModuleInfo], _seen: Optional[set] = None) -> Optional[Tuple[ModuleInfo, str]]:
        """The module defining what `qualname` names, and its name there."""
        if "." not in qualname:
            return None
        module_name, attribute = qualname.rsplit(".", 1)
        info = self.module(module_name, near)
        if info is not None and not info.defines(attribute):
            # Two scripts folders linted together may both have a `model.py`;
            # the one that defines the name is the one meant.
            for other in self._same_name.get(info.name, ()):
                if other.defines(attribute):
                    info = other
                    break
        if info is None:
            # `from pkg import models` then `models.Net`: the module is the
            # whole name minus its last part, already tried; a package's
            # `__init__` re-exporting a name is followed through its imports.
            return None
        if info.defines(attribute):
            return info, attribute
        reexport = info.imports.names.get(attribute)
        if reexport and reexport != qualname:
            # Re-exports can go round in circles (`a` imports `f` from `b`, `b` from `a`).
            seen = _seen if _seen is not None else set()
            if qualname in seen:
                return None
            seen.add(qualname)
            return self._defined_where(reexport, info, seen)
        return None

    def defining(self, name: str) -> List[ModuleInfo]:
        """The modules (in `all_modules()` order) that define a top-level
        function or a method of a top-level class called `name`, from their
        summaries: one index for the run, built on first use."""
        if self._defining is None:
            index: Dict[str, List[ModuleInfo]] = {}
            for info in self.all_modules():
                for defined in {*info.names.functions, *info.names.methods}:
                    index.setdefault(defined, []).append(info)
            self._defining = index
        return self._defining.get(name, [])

    def reachers(self, info: ModuleInfo, name: str) -> List[ModuleInfo]:
        """The modules whose code can name `info`'s top-level function or
        class `name` (in `all_modules()` order): `info` itself, the modules
        sharing its module name that do not define `name` (`definition`
        falls back from those to the one that does), and every module
        importing one of those, directly or through modules importing them
        (re-exports). A call anywhere else cannot resolve to it, so a search
        for its callers reads only these files. Linear in the import graph."""
        seeds = [info] + [other for other in self._same_name.get(info.name, ()) if other is not info and not other.defines(name)]
        # one list per set of seeds, not per name: a module's importers are
        # most of a large run, and hundreds of its names are asked about
        key = ("names", *(id(seed) for seed in seeds))
        if key not in self._reachers:
            seen = {id(other): other for other in seeds}
            queue = list(seeds)
            while queue:
                for importer in self.modules_importing(queue.pop()):
                    if id(importer) not in seen:
                        seen[id(importer)] = importer
                        queue.append(importer)
            position = self._positions()
            self._reachers[key] = sorted(seen.values(), key=lambda module: position.get(id(module), -1))
        return self._reachers[key]

    def instance_reachers(self, info: ModuleInfo, class_name: str) -> List[ModuleInfo]:
        """The modules whose code can hold an instance of `info`'s top-level
        class `class_name` (and so call its methods): those that can name it
        (`reachers`), and the modules they import, transitively, whose
        top-level functions take their arguments' values from their callers
        in other files (`ModuleModel.callers_elsewhere`: modules imported by
        at most `PARAMETER_IMPORTERS` others). Every other flow of a value
        between files follows an import towards the class's module. In
        `all_modules()` order; computed once per list of `reachers`."""
        named = self.reachers(info, class_name)
        key = ("instances", id(named))
        if key not in self._reachers:
            seen = {id(other): other for other in named}
            queue = list(seen.values())
            while queue:
                for imported in self.modules_imported_by(queue.pop()):
                    if id(imported) not in seen and len(self.modules_importing(imported)) <= PARAMETER_IMPORTERS:
                        seen[id(imported)] = imported
                        queue.append(imported)
            position = self._positions()
            self._reachers[key] = sorted(seen.values(), key=lambda module: position.get(id(module), -1))
        return self._reachers[key]

    def in_search_order(self, infos: Iterable[ModuleInfo]) -> List[ModuleInfo]:
        """`infos` in the order whole-project searches read the modules: the
        module holding each name first (in the order the names came), then
        the other files sharing a name with one of them. One position table
        for the run, so a search over a few modules costs a few look-ups,
        not a walk over every module of a large run."""
        if self._search_position is None:
            order = {id(info): info for info in self.modules.values()}
            for group in self._by_last_part.values():
                for info in group:
                    order.setdefault(id(info), info)
            self._search_position = {key: number for number, key in enumerate(order)}
        position = self._search_position
        return sorted(infos, key=lambda info: position.get(id(info), -1))

    def named(self, name: str) -> List[ModuleInfo]:
        """Every module of the run called `name` (several files may share a name)."""
        return self._same_name.get(name, [])

    def ending_with(self, last_part: str) -> List[ModuleInfo]:
        """The module holding each name whose last component is `last_part`
        (`models` for `src.models`), in the order the names came."""
        return [info for info in self._by_last_part.get(last_part, ()) if self.modules.get(info.name) is info]

    def _positions(self) -> Dict[int, int]:
        if self._position is None:
            self._position = {id(module): number for number, module in enumerate(self.all_modules())}
        return self._position

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
        info.last_used = self.check_number
        if info._model is None:
            from dllint.semantic.module import ModuleModel

            if info.source.pinned:
                self.modelled_pinned_size += info.source.text_size
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
