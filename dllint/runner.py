"""One run of dllint: read, parse, index the project, check, suppress.

A run has two passes. The first reads and parses every file (reporting
DL002 for what cannot be read and DL001 for what does not parse) and adds
each module to the project index. The second runs the rules on every file
that imports a machine-learning framework (or a project module that does),
in one shared walk of its tree. One failing file or rule never stops the
others: a rule's exception becomes a DL000 finding for that file.
"""
from __future__ import annotations

import ast
import gc
import os
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Dict, Iterable, List, Optional, Sequence, Tuple, Type

from dllint.cache import diagnostics_from_json, diagnostics_to_json
from dllint.diagnostics import Diagnostic
from dllint.registry import ENGINE_CODES, all_rules
from dllint.rule import Rule
from dllint.selection import CodeSelection
from dllint.semantic.imports import ImportMap
from dllint.semantic.project import DefinedNames, ModuleInfo, ProjectIndex, module_name_for
from dllint.settings import Settings
from dllint.source import InvalidSyntax, SourceFile, UnreadableSource, decode_source, parse_source
from dllint.tree import walk
from dllint.suppression import file_is_skipped, remove_suppressed

if TYPE_CHECKING:  # pragma: no cover
    from dllint.cache import Cache


@dataclass
class Input:
    """A file to lint: where to read it (or its text) and how to name it."""

    display_path: str
    path: Optional[Path] = None
    text: Optional[str] = None  # given directly (tests, the flake8 plugin)
    data: Optional[bytes] = None  # raw bytes read elsewhere (stdin)
    tree: Optional[ast.Module] = None  # already parsed from `text` (the flake8 plugin)


@dataclass
class RunResult:
    diagnostics: List[Diagnostic] = field(default_factory=list)
    files_checked: int = 0
    # DL000 tracebacks, kept for --verbose
    tracebacks: List[str] = field(default_factory=list)


def _engine_diagnostic(path: str, code: str, message: str, line: int = 1, column: int = 1) -> Diagnostic:
    return Diagnostic(path=path, line=line, column=column, code=code, message=message, name=ENGINE_CODES[code])


def read_input(item: Input) -> str:
    if item.text is not None:
        return item.text
    return decode_source(read_data(item))


def read_data(item: Input) -> bytes:
    """The raw bytes of an input that has no `text`."""
    if item.data is not None:
        return item.data
    assert item.path is not None
    try:
        return item.path.read_bytes()
    except IsADirectoryError:
        raise UnreadableSource("is a directory") from None
    except OSError as error:
        raise UnreadableSource(error.strerror or str(error)) from None


class Runner:
    """`apply_noqa=False` leaves `# noqa` comments to the caller (flake8 reads
    them itself, and honours its own `--disable-noqa`). `cache_folder` keeps
    results between runs there (`dllint/cache.py`); without it, every run
    starts from nothing."""

    def __init__(
        self,
        settings: Settings,
        rules: Optional[Sequence[Type[Rule]]] = None,
        jobs: int = 1,
        *,
        apply_noqa: bool = True,
        cache_folder: Optional[Path] = None,
    ):
        self.settings = settings
        self.selection = CodeSelection(settings)
        self.rules = list(all_rules() if rules is None else rules)
        self.apply_noqa = apply_noqa
        # processes for the second pass: 1 serial, 0 one per CPU
        self.jobs = jobs
        self.cache: Optional["Cache"] = None
        if cache_folder is not None:
            from dllint.cache import Cache

            self.cache = Cache(cache_folder, self._settings_fingerprint())

    def _settings_fingerprint(self) -> str:
        """Everything of this runner that can change a finding, as text."""
        rules = ",".join(f"{rule.__module__}.{rule.__qualname__}" for rule in self.rules)
        return f"{self.settings!r}|noqa={self.apply_noqa}|{rules}"

    def run(self, inputs: Iterable[Input], missing: Sequence[str] = ()) -> RunResult:
        result = RunResult()
        for path in missing:
            result.diagnostics.append(_engine_diagnostic(path, "DL002", "no such file or directory"))
        project = ProjectIndex()
        indexed: List[Tuple[Input, ModuleInfo]] = []
        contents: Dict[int, str] = {}  # id(info) -> hash of the file's bytes (for the cache)
        kept = _TreesKept(_KEPT_TREES_BUDGET)
        for item in inputs:
            result.files_checked += 1
            info = self._index(item, project, kept, result, contents)
            if info is not None:
                indexed.append((item, info))

        ml_modules = _modules_using_ml(project, [info for _, info in indexed])
        position = {id(info): number for number, info in enumerate(project.all_modules())}
        to_check = [_Check(item, position[id(info)]) for item, info in indexed if id(info) in ml_modules]
        if self.cache is not None and to_check:
            to_check = self._cached_results(to_check, project, contents, result)
        if self._parallel_jobs(len(to_check)) > 1:
            self._check_in_parallel(to_check, project, result)
        else:
            result.diagnostics.extend(self._check_all(to_check, project, result)[0])

        reported = [d for d in result.diagnostics if self._reported(d)]
        reported.sort(key=lambda d: d.sort_key)
        result.diagnostics = reported
        return result

    def _index(
        self, item: Input, project: ProjectIndex, kept: "_TreesKept", result: RunResult, contents: Dict[int, str]
    ) -> Optional[ModuleInfo]:
        """The first pass over one file: read it, parse it (DL002, DL001) and
        add what the project index needs of it. Its tree is dropped, unless
        the run is small enough to keep every tree until it is checked. With
        a cache, a file whose bytes it knows is neither decoded nor parsed."""
        data: Optional[bytes] = None
        if item.text is None:
            try:
                data = read_data(item)
            except UnreadableSource as error:
                result.diagnostics.append(_engine_diagnostic(item.display_path, "DL002", f"cannot read file: {error}"))
                return None
        module_name, is_package = module_name_for(item.path) if item.path is not None else (Path(item.display_path).stem, False)
        entry_key = content = None
        if self.cache is not None and item.tree is None:
            from dllint.cache import content_hash

            content = content_hash(data if data is not None else item.text.encode("utf-8", "surrogatepass"))  # type: ignore[union-attr]
            entry_key = self.cache.index_key(item.display_path, module_name, is_package, content)
            entry = self.cache.get("index", entry_key)
            if entry is not None:
                try:
                    info = self._index_from_cache(entry, item, data, module_name, is_package, project, result)
                except (KeyError, TypeError, ValueError, AttributeError):
                    pass  # not an entry this version wrote: index the file itself
                else:
                    if info is not None:
                        contents[id(info)] = content
                    return info
        info, entry = self._index_file(item, data, module_name, is_package, project, kept, result)
        if entry_key is not None:
            self.cache.put("index", entry_key, entry)  # type: ignore[union-attr]
            if info is not None:
                contents[id(info)] = content  # type: ignore[assignment]
        return info

    def _index_file(
        self, item: Input, data: Optional[bytes], module_name: str, is_package: bool,
        project: ProjectIndex, kept: "_TreesKept", result: RunResult,
    ) -> Tuple[Optional[ModuleInfo], Dict[str, object]]:
        """Index one file from its text; returns its module (None when there is
        nothing to check) and what the cache keeps of it."""
        def fail(diagnostic: Diagnostic) -> Tuple[None, Dict[str, object]]:
            result.diagnostics.append(diagnostic)
            return None, {"diagnostics": diagnostics_to_json([diagnostic])}

        try:
            text = item.text if item.text is not None else decode_source(data)  # type: ignore[arg-type]
        except UnreadableSource as error:
            return fail(_engine_diagnostic(item.display_path, "DL002", f"cannot read file: {error}"))
        if file_is_skipped(text):
            return None, {"skipped": True}
        try:
            tree = item.tree if item.tree is not None else parse_source(text, item.display_path)
        except InvalidSyntax as error:
            return fail(_engine_diagnostic(item.display_path, "DL001", f"syntax error: {error.reason}", error.line, error.column))
        except UnreadableSource as error:
            return fail(_engine_diagnostic(item.display_path, "DL002", f"cannot read file: {error}"))
        lines = text.splitlines()
        source = SourceFile(path=item.display_path, text=text, module_name=module_name)
        imports = ImportMap(tree, module_name, is_package)
        # The facts of each definition cost a walk of the file: recorded now
        # for ML code, read from the tree if ever asked for elsewhere.
        names = DefinedNames.of(tree, lines if imports.imports_ml_framework else None)
        info = project.add(source, imports, is_package, names)
        if item.tree is not None or imports.imports_ml_framework:
            # Given by the caller (flake8), or ML code, nearly always checked:
            # kept for the run (shared copy-on-write by forked processes).
            # Freezing keeps the cyclic collector from rescanning every kept
            # node after each file (that alone made parsing 4x slower).
            source.adopt_tree(tree, lines, pinned=True)
            gc.freeze()
        elif kept.keep(source):
            source.adopt_tree(tree, lines)
        entry = {"imports": [imports.names, imports.star_modules, imports.imported_modules], "names": names.to_json()}
        return info, entry

    @staticmethod
    def _index_from_cache(
        entry: Dict[str, object], item: Input, data: Optional[bytes], module_name: str, is_package: bool,
        project: ProjectIndex, result: RunResult,
    ) -> Optional[ModuleInfo]:
        if entry.get("skipped"):
            return None
        if "diagnostics" in entry:
            result.diagnostics.extend(diagnostics_from_json(entry["diagnostics"]))  # type: ignore[arg-type]
            return None
        names, star_modules, imported_modules = entry["imports"]  # type: ignore[misc]
        imports = ImportMap.restore(names, star_modules, imported_modules)
        defined = DefinedNames.from_json(entry["names"])  # type: ignore[arg-type]
        source = SourceFile(path=item.display_path, text=item.text, module_name=module_name, data=data)
        return project.add(source, imports, is_package, defined)

    def _cached_results(
        self, to_check: List["_Check"], project: ProjectIndex, contents: Dict[int, str], result: RunResult
    ) -> List["_Check"]:
        """Findings the cache holds for files of `to_check`; returns the files
        still to check, each with the key its findings will be kept under."""
        from dllint.cache import dependency_hashes

        assert self.cache is not None
        modules = project.all_modules()
        dependencies = dependency_hashes(project, contents)
        remaining = []
        for check in to_check:
            info = modules[check.module]
            check.key = self.cache.results_key(check.item.display_path, contents[id(info)], dependencies[id(info)])
            cached = self.cache.get("results", check.key)
            if cached is not None:
                try:
                    result.diagnostics.extend(diagnostics_from_json(cached))
                    continue
                except (KeyError, TypeError, ValueError, AttributeError):
                    pass
            remaining.append(check)
        return remaining

    def _parallel_jobs(self, files: int) -> int:
        jobs = self.jobs if self.jobs else (os.cpu_count() or 1)
        jobs = max(1, min(jobs, files // _FILES_PER_CHUNK))
        if jobs > 1:
            import multiprocessing

            if "fork" not in multiprocessing.get_all_start_methods():
                return 1  # the project index is shared by forking; elsewhere, one process
        return jobs

    def _check_all(
        self, to_check: Sequence["_Check"], project: ProjectIndex, result: RunResult
    ) -> Tuple[List[Diagnostic], ProjectIndex]:
        """The second pass over `to_check` (inputs and their module's place in
        `project.all_modules()`) in this process. Trees are parsed as the
        checks ask for them; when those held pass `_PARSED_TEXT_BUDGET`, the
        index starts afresh (no tree, no cached fact), so memory stays bounded
        however large the run. Returns the findings and the index it ended with."""
        found: List[Diagnostic] = []
        modules = project.all_modules()
        for check in to_check:
            if project.parsed_text_size > _PARSED_TEXT_BUDGET:
                project = _forget_trees(project)
                modules = project.all_modules()
            failures = len(result.tracebacks)
            diagnostics = self._check(check.item, modules[check.module], project, result)
            found.extend(diagnostics)
            if self.cache is not None and check.key is not None and len(result.tracebacks) == failures:
                # (a rule that failed is tried again next time, traceback and all)
                self.cache.put("results", check.key, diagnostics_to_json(diagnostics))
        return found, project

    def _check_in_parallel(self, to_check: List["_Check"], project: ProjectIndex, result: RunResult) -> None:
        """The second pass over several processes. They are forked after the
        first pass, so each starts with the whole project index already in
        memory (shared copy-on-write; it is frozen out of the garbage
        collector, which would otherwise touch and copy it), parses the trees
        it needs itself, and takes chunks of files as it finishes the last."""
        global _FORKED
        _FORKED = (self, to_check, project)
        chunks = [range(start, min(start + _FILES_PER_CHUNK, len(to_check))) for start in range(0, len(to_check), _FILES_PER_CHUNK)]
        import multiprocessing

        gc.freeze()
        try:
            with multiprocessing.get_context("fork").Pool(self._parallel_jobs(len(to_check))) as pool:
                for diagnostics, tracebacks in pool.imap_unordered(_check_chunk, chunks):
                    result.diagnostics.extend(diagnostics)
                    result.tracebacks.extend(tracebacks)
        finally:
            _FORKED = None
            gc.unfreeze()

    def _reported(self, diagnostic: Diagnostic) -> bool:
        return self.selection.is_enabled_for(Path(diagnostic.path), diagnostic.code)

    def _check(self, item: Input, info: ModuleInfo, project: ProjectIndex, result: RunResult) -> List[Diagnostic]:
        source = info.source
        path = Path(item.display_path)
        active = [
            rule for rule in self.rules
            if self.selection.is_enabled_for(path, rule.code)
            and (rule.triggers is None or rule.triggers.search(source.text))
        ]
        if not active:
            return []
        semantic = project.model_for(info)
        found: List[Diagnostic] = []
        instances: List[Rule] = []
        for rule_class in active:
            try:
                instances.append(rule_class(source, semantic, self.settings.rule_options.get(rule_class.code)))
            except Exception:  # noqa: BLE001 - a broken rule must not stop the run
                found.append(self._internal_error(rule_class.code, source, result))
        handlers = _handlers(instances)
        failed: set = set()
        if handlers:
            for node in walk(source.tree):
                for rule in handlers.get(type(node), ()):
                    if id(rule) in failed:
                        continue
                    try:
                        getattr(rule, "visit_" + type(node).__name__)(node)
                    except Exception:  # noqa: BLE001
                        failed.add(id(rule))
                        found.append(self._internal_error(rule.code, source, result))
        for rule in instances:
            if id(rule) in failed:
                continue
            try:
                rule.finish()
            except Exception:  # noqa: BLE001
                failed.add(id(rule))
                found.append(self._internal_error(rule.code, source, result))
                continue
            found.extend(rule.diagnostics)
        return remove_suppressed(found, source.lines, source.tree) if self.apply_noqa else found

    @staticmethod
    def _internal_error(code: str, source: SourceFile, result: RunResult) -> Diagnostic:
        result.tracebacks.append(f"{source.path}: {code}\n{traceback.format_exc()}")
        return _engine_diagnostic(source.path, "DL000", f"internal error in rule {code} on this file; rerun with --verbose for the traceback")


# Files one forked process takes at a time; runs with fewer than two chunks stay in one process.
_FILES_PER_CHUNK = 16
# Characters of source text whose trees (and semantic models) one process may
# hold while checking before it forgets them all: about 30 bytes of tree per
# character, so some 500 MB of trees, whatever the size of the run.
_PARSED_TEXT_BUDGET = 16_000_000
# Trees the first pass keeps for the second, so that a small run parses each
# file once; past this much text, it keeps none (a large run parses the files
# it checks again, in the process that checks them).
_KEPT_TREES_BUDGET = 3_000_000
# What a forked process of `Runner._check_in_parallel` works on (inherited, never pickled).
_FORKED: Optional[Tuple["Runner", List["_Check"], ProjectIndex]] = None
# The index one forked process checks with (it may start afresh, see `_check_all`).
_PROJECT_IN_PROCESS: Optional[ProjectIndex] = None


@dataclass
class _Check:
    """A file of the second pass: its input, its module's place in
    `ProjectIndex.all_modules()`, and the cache key of its findings."""

    item: Input
    module: int
    key: Optional[str] = None


class _TreesKept:
    """The first pass's trees, kept while the run is small (see `_KEPT_TREES_BUDGET`)."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.size = 0
        self.sources: List[SourceFile] = []

    def keep(self, source: SourceFile) -> bool:
        if self.size > self.budget:
            return False
        self.size += len(source.text)
        if self.size <= self.budget:
            self.sources.append(source)
            return True
        for kept in self.sources:  # too large a run: keep none
            kept.forget_tree()
        self.sources = []
        return False


def _forget_trees(project: ProjectIndex) -> ProjectIndex:
    fresh = project.fresh()
    # the old index's models refer to one another (cycles): collect them now
    gc.collect()
    return fresh


def _check_chunk(indices: range) -> Tuple[List[Diagnostic], List[str]]:
    global _PROJECT_IN_PROCESS
    runner, to_check, project = _FORKED  # type: ignore[misc]
    if _PROJECT_IN_PROCESS is None:
        _PROJECT_IN_PROCESS = project
    partial = RunResult()
    selected = [to_check[index] for index in indices]
    found, _PROJECT_IN_PROCESS = runner._check_all(selected, _PROJECT_IN_PROCESS, partial)
    partial.diagnostics.extend(found)
    return partial.diagnostics, partial.tracebacks


def _handlers(rules: Sequence[Rule]) -> Dict[type, List[Rule]]:
    handlers: Dict[type, List[Rule]] = {}
    for rule in rules:
        for attribute in dir(type(rule)):
            if attribute.startswith("visit_"):
                node_type = getattr(ast, attribute[len("visit_"):], None)
                if isinstance(node_type, type):
                    handlers.setdefault(node_type, []).append(rule)
    return handlers


def _modules_using_ml(project: ProjectIndex, modules: Sequence[ModuleInfo]) -> set:
    """Modules that import an ML framework, or a project module that does, and
    the project modules such a module imports (a `train_one_epoch()` helper
    module needs no import of its own: it gets the model and optimizer as
    arguments)."""
    direct = [info for info in modules if info.imports.imports_ml_framework]
    using = {id(info) for info in direct}
    for info in direct:
        using.update(id(target) for target in project.modules_imported_by(info))
    # and, transitively, every module that imports one of those
    todo = [info for info in modules if id(info) in using]
    while todo:
        for importer in project.modules_importing(todo.pop()):
            if id(importer) not in using:
                using.add(id(importer))
                todo.append(importer)
    return using
