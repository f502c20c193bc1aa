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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Dict, Iterable, List, Optional, Sequence, Set, Tuple, Type

from dllint.diagnostics import Diagnostic
from dllint.fork_safety import other_threads_running
from dllint.notebook import MalformedNotebook, Notebook, is_notebook, read_notebook, to_cell_positions
from dllint.registry import ENGINE_CODES, all_rules, triggered_rules
from dllint.selection import CodeSelection
from dllint.semantic.imports import ImportMap
from dllint.semantic.project import DefinedNames, ModuleInfo, ProjectIndex, module_name_for
from dllint.settings import Settings
from dllint.source import InvalidSyntax, SourceFile, UnreadableSource, decode_source, parse_source, read_file, source_lines
from dllint.source import _check_size as read_file_limit_error
from dllint.time_budget import TimeBudget
from dllint.tree import walk
from dllint.suppression import Suppressions, file_is_skipped

if TYPE_CHECKING:  # pragma: no cover
    from dllint.cache import Cache
    from dllint.rule import Rule


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
    # what the user wrote that dllint could not use (an unknown code in a noqa comment)
    warnings: List[str] = field(default_factory=list)


def _engine_diagnostic(path: str, code: str, message: str, line: int = 1, column: int = 1) -> Diagnostic:
    return Diagnostic(path=path, line=line, column=column, code=code, message=message, name=ENGINE_CODES[code])


def read_input(item: Input, max_bytes: int = 0) -> str:
    if item.text is not None:
        return item.text
    return decode_source(read_data(item, max_bytes))


def read_data(item: Input, max_bytes: int = 0) -> bytes:
    """The raw bytes of an input that has no `text` (UnreadableSource if none)."""
    if item.data is not None:
        if max_bytes and len(item.data) > max_bytes:
            read_file_limit_error(len(item.data), max_bytes)
        return item.data
    assert item.path is not None
    return read_file(item.path, max_bytes)


class Runner:
    """`apply_noqa=False` leaves `# noqa` comments to the caller (flake8 reads
    them itself, and honours its own `--disable-noqa`). `resolver` (a
    `config.SettingsResolver`) gives each file the settings of its closest
    configuration; without it `settings` apply to every file. `cache_folder`
    keeps results between runs there (`dllint/cache.py`); without it, every
    run starts from nothing."""

    def __init__(
        self,
        settings: Settings,
        rules: Optional[Sequence[Type[Rule]]] = None,
        jobs: int = 1,
        *,
        apply_noqa: bool = True,
        resolver=None,
        cache_folder: Optional[Path] = None,
    ):
        self.settings = settings
        self.selection = CodeSelection(settings)
        self.resolver = resolver
        self._selections: Dict[int, Tuple[Settings, CodeSelection]] = {id(settings): (settings, self.selection)}
        # None: every rule, each imported when a file's text first can need
        # it (`registry.triggered_rules`; a run whose files need no rule, or
        # whose findings the cache holds, imports neither the rules nor the
        # semantic model)
        self._rules: Optional[List[Type[Rule]]] = None if rules is None else list(rules)
        self._every_rule = rules is None
        self.apply_noqa = apply_noqa
        # processes for the second pass: 1 serial, 0 one per CPU
        self.jobs = jobs
        self.cache: Optional["Cache"] = None
        if cache_folder is not None:
            from dllint.cache import Cache

            self.cache = Cache(cache_folder, self._runner_fingerprint())
        # `--fix` rounds: display path -> (text, notebook) of the round before,
        # so notebooks a round did not change are not read again (unchanged
        # Python files come from the cache's index; trees are not kept here:
        # that cost some 400 MB on the ecosystem set)
        self.kept_parses: Optional[Dict[str, tuple]] = None
        # whether the run under way froze everything frozen (see `run`)
        self._owns_freeze = True
        # characters of text the run under way has parsed (see `run`)
        self._text_read = 0
        # whether the models of pinned modules count in `_PARSED_TEXT_BUDGET`
        # (in a large run's groups, see `_check_in_groups`)
        self._models_of_pinned_counted = False

    @property
    def rules(self) -> List[Type[Rule]]:
        if self._rules is None:
            self._rules = list(all_rules())
        return self._rules

    def _runner_fingerprint(self) -> str:
        """What of this runner, beyond each file's settings, can change a
        finding. The default, every rule, is "all": the cache's build
        fingerprint already hashes each rule's source."""
        if self._every_rule:
            return f"noqa={self.apply_noqa}|all"
        rules = ",".join(f"{rule.__module__}.{rule.__qualname__}" for rule in self._rules)
        return f"noqa={self.apply_noqa}|{rules}"

    def run(self, inputs: Iterable[Input], missing: Sequence[str] = (), only: Optional[Set[str]] = None) -> RunResult:
        """Lint `inputs`; with `only`, every input is read and indexed but only
        the files displayed with those paths are checked (`--fix` rounds)."""
        # The run freezes what it keeps out of the cyclic collector (see
        # `_index_file`). Its index is cyclic garbage once the run returns, and
        # frozen garbage is never collected: a process that runs again (the
        # flake8 plugin, `--fix` rounds, an editor) grew by every run's trees
        # (78 KB a run on the rules' examples, 5.5 GB in a long fuzz). So the
        # run hands what it froze back to the collector when it ends, unless
        # the caller had frozen objects of its own (those are not ours to thaw).
        self._owns_freeze = gc.get_freeze_count() == 0
        if self._owns_freeze and _THAWED_TEXT[0] > _THAWED_TEXT_BUDGET:
            # Thawed, the garbage of the runs before is left to the
            # collector's own schedule, which did not free it: in a long fuzz
            # the process still grew by 37 MB every 1,000 runs. Collected
            # here, once their text passes the budget, before this run
            # freezes anything (what it froze would be kept until its end).
            gc.collect()
            _THAWED_TEXT[0] = 0
        self._text_read = 0
        try:
            return self._run(inputs, missing, only)
        finally:
            if self._owns_freeze:
                gc.unfreeze()
                _THAWED_TEXT[0] += self._text_read + _RUN_AS_TEXT

    def _run(self, inputs: Iterable[Input], missing: Sequence[str], only: Optional[Set[str]]) -> RunResult:
        result = RunResult()
        for path in missing:
            result.diagnostics.append(_engine_diagnostic(path, "DL002", "no such file or directory"))
        project = ProjectIndex()
        parsed: List[Tuple[Input, ModuleInfo]] = []
        notebooks: Dict[str, Notebook] = {}
        first_pass = _FirstPass(project, result, notebooks)
        for item in inputs:
            result.files_checked += 1
            try:
                added = self._read_and_index(item, first_pass)
            except Exception:  # noqa: BLE001 - the last resort: one file never stops the run
                import traceback  # (imported only when something fails)

                step = _STEP[0]
                result.tracebacks.append(f"{item.display_path}: {step}\n{traceback.format_exc()}")
                result.diagnostics.append(_engine_diagnostic(
                    item.display_path, "DL000", f"internal error while {step} this file; rerun with --verbose for the traceback"))
                continue
            if added is not None:
                parsed.append(added)

        # for the second pass (forked workers inherit it): noqa warnings in cells
        self._notebooks = notebooks
        ml_modules = _modules_using_ml(project, [info for _, info in parsed])
        position = {id(info): number for number, info in enumerate(project.all_modules())}
        to_check = [_Check(item, position[id(info)]) for item, info in parsed
                    if id(info) in ml_modules and (only is None or item.display_path in only)]
        if self.cache is not None and to_check:
            to_check = self._cached_results(to_check, project, first_pass.contents, result)
        # (a warm first pass pins nothing: the ML trees are parsed now only
        # when more than a chunk of files is left to check, see `_pin_trees`)
        pinning = first_pass.pins.full or self.cache is not None and len(to_check) > _FILES_PER_CHUNK
        # The models a check builds live until the run ends (or a fresh
        # start, which collects them itself): full collections only rescan
        # them (on PyTorch's sources, -j 1: 17 full collections, 5.9 of 55.6 s)
        thresholds = gc.get_threshold()
        gc.set_threshold(*_SECOND_PASS_GC_THRESHOLDS)
        try:
            if pinning and _ml_text_size(project) > _PINNED_TEXT_BUDGET:
                self._check_in_groups(to_check, project, result)
            else:
                if pinning:
                    _pin_trees(_ml_modules(project))
                self._check_some(to_check, project, result)
        finally:
            gc.set_threshold(*thresholds)

        kept = [d for d in result.diagnostics if self._reported(d)]
        if notebooks:
            kept = [to_cell_positions(d, notebooks[d.path]) if d.path in notebooks and d.cell is None else d for d in kept]
        kept.sort(key=lambda d: d.sort_key)
        result.diagnostics = kept
        return result

    def _read_and_index(self, item: Input, run: "_FirstPass") -> Optional[Tuple[Input, ModuleInfo]]:
        """First pass over one file: read, parse, add to the project index.
        None when the file gets a DL001/DL002 or is skipped. With a cache, a
        file whose bytes it knows is neither decoded nor parsed."""
        _STEP[0] = "reading"
        result = run.result
        data: Optional[bytes] = None
        if item.text is None:
            try:
                data = read_data(item, int(self.settings.max_file_size * 1e6))
            except UnreadableSource as error:
                result.diagnostics.append(_engine_diagnostic(item.display_path, "DL002", f"cannot read file: {error}"))
                return None
        _STEP[0] = "indexing"
        module_name, is_package = module_name_for(item.path) if item.path is not None else (Path(item.display_path).stem, False)
        content = entry_key = None
        if self.cache is not None and item.tree is None:
            from dllint.cache import content_hash

            content = content_hash(data if data is not None else item.text.encode("utf-8", "surrogatepass"))  # type: ignore[union-attr]
            entry_key = self.cache.index_key(item.display_path, module_name, is_package, content)
            entry = self.cache.get("index", entry_key)
            if entry is not None:
                try:
                    cached = self._index_from_cache(entry, item, data, module_name, is_package, run)
                except (KeyError, TypeError, ValueError, AttributeError):
                    pass  # not an entry this version wrote: index the file itself
                else:
                    if cached is None:
                        return None
                    run.contents[id(cached[1])] = content
                    return cached
        added, entry = self._index_file(item, data, module_name, is_package, run)
        if entry_key is not None:
            self.cache.put("index", entry_key, entry)  # type: ignore[union-attr]
        if added is not None and content is not None:
            run.contents[id(added[1])] = content
        return added

    def _index_file(
        self, item: Input, data: Optional[bytes], module_name: str, is_package: bool, run: "_FirstPass"
    ) -> Tuple[Optional[Tuple[Input, ModuleInfo]], Dict[str, object]]:
        """Index one file from its text: returns it with its module (None when
        there is nothing to check), and what the cache may keep of it: the
        module's summary or its DL001/DL002, and a notebook's cells."""
        try:
            text = item.text if item.text is not None else decode_source(data)  # type: ignore[arg-type]
        except UnreadableSource as error:
            return _failed(run, _engine_diagnostic(item.display_path, "DL002", f"cannot read file: {error}"))
        if not is_notebook(item.display_path):
            return self._index_text(item, text, module_name, is_package, run)
        _STEP[0] = "reading the notebook"
        try:
            notebook = self._kept(item.display_path, text) or read_notebook(text)
            self._keep(item.display_path, text, notebook)
        except MalformedNotebook as error:
            return _failed(run, _engine_diagnostic(item.display_path, "DL002", f"malformed notebook: {error}"))
        item, module_name = _notebook_as_program(item, module_name, notebook, run)
        added, entry = self._index_text(item, item.text, module_name, is_package, run)  # type: ignore[arg-type]
        entry["notebook"] = notebook.to_json()
        return added, entry

    def _index_text(
        self, item: Input, text: str, module_name: str, is_package: bool, run: "_FirstPass"
    ) -> Tuple[Optional[Tuple[Input, ModuleInfo]], Dict[str, object]]:
        """`_index_file` once the file's Python text is known."""
        if file_is_skipped(text):
            return None, {"skipped": True}
        _STEP[0] = "parsing"
        try:
            tree = item.tree if item.tree is not None else parse_source(text, item.display_path)
        except InvalidSyntax as error:
            return _failed(run, _engine_diagnostic(item.display_path, "DL001", f"syntax error: {error.reason}", error.line, error.column))
        except UnreadableSource as error:
            return _failed(run, _engine_diagnostic(item.display_path, "DL002", f"cannot read file: {error}"))
        _STEP[0] = "indexing"
        source = SourceFile(path=item.display_path, text=text, module_name=module_name)
        self._text_read += len(text)
        imports = ImportMap(tree, module_name, is_package)
        # The facts of each definition cost a walk of the file: recorded now
        # for ML code, read from the tree if ever asked for elsewhere.
        # (the lines are not kept on `source`: for a large run they would
        # double what the index holds of every text)
        names = DefinedNames.of(tree, source_lines(text) if imports.imports_ml_framework else None)
        info = run.project.add(source, imports, is_package, names)
        if item.tree is not None or imports.imports_ml_framework and run.pins.keep(source):
            # Given by the caller (flake8), or ML code, nearly always checked:
            # kept for the run (shared copy-on-write by forked processes),
            # unless the ML code is too large to keep at once (see
            # `_PinnedTrees`). Freezing keeps the cyclic collector from
            # rescanning every kept node after each file (that alone made
            # parsing 4x slower). (Dropping these too, to parse them again in
            # each process with `_PARSED_TEXT_BUDGET` at 8M characters, still
            # reached 1.6 GB in one process on PyTorch's sources, where one
            # file's check pulls in far more than the budget, and parsed
            # everything twice.)
            source.adopt_tree(tree, pinned=True)
            gc.freeze()
        elif not imports.imports_ml_framework and run.kept.keep(source):
            source.adopt_tree(tree)
        entry = {"imports": [imports.names, imports.star_modules, imports.imported_modules], "names": names.to_json()}
        return (item, info), entry

    def _kept(self, key: str, text: str):
        """What a `--fix` round before this one kept of the notebook, if its text is the same."""
        if self.kept_parses is None or key not in self.kept_parses or self.kept_parses[key][0] != text:
            return None
        return self.kept_parses[key][1]

    def _keep(self, key: str, text: str, value) -> None:
        if self.kept_parses is not None:
            self.kept_parses[key] = (text, value)

    @staticmethod
    def _index_from_cache(
        entry: Dict[str, object], item: Input, data: Optional[bytes], module_name: str, is_package: bool, run: "_FirstPass"
    ) -> Optional[Tuple[Input, ModuleInfo]]:
        """`_index_file` from what it kept. The whole entry is read before
        anything is added, so that one this version did not write (it
        raises) leaves nothing behind."""
        from dllint.cache import diagnostics_from_json

        notebook = Notebook.from_json(entry["notebook"]) if "notebook" in entry else None  # type: ignore[arg-type]
        found = diagnostics_from_json(entry["diagnostics"]) if "diagnostics" in entry else []  # type: ignore[arg-type]
        summary = None
        if not entry.get("skipped") and "diagnostics" not in entry:
            names, star_modules, imported_modules = entry["imports"]  # type: ignore[misc]
            summary = ImportMap.restore(names, star_modules, imported_modules), DefinedNames.from_json(entry["names"])  # type: ignore[arg-type]
        if notebook is not None:
            # (its program is the text: the notebook's bytes are not kept)
            item, module_name = _notebook_as_program(item, module_name, notebook, run)
            data = None
        run.result.diagnostics.extend(found)
        if summary is None:
            return None
        source = SourceFile(path=item.display_path, text=item.text, module_name=module_name, data=data)
        return item, run.project.add(source, summary[0], is_package, summary[1])

    def _cached_results(
        self, to_check: List["_Check"], project: ProjectIndex, contents: Dict[int, str], result: RunResult
    ) -> List["_Check"]:
        """Findings the cache holds for files of `to_check`; returns the files
        still to check, each with the key its findings will be kept under."""
        from dllint.cache import dependency_hashes, diagnostics_from_json

        assert self.cache is not None
        modules = project.all_modules()
        dependencies = dependency_hashes(project, contents)
        remaining = []
        for check in to_check:
            info = modules[check.module]
            if id(info) not in contents:
                remaining.append(check)
                continue
            settings, _ = self._settings_for(Path(check.item.display_path))
            check.key = self.cache.results_key(
                check.item.display_path, _settings_fingerprint(settings), contents[id(info)], dependencies[id(info)])
            cached = self.cache.get("results", check.key)
            if cached is not None:
                try:
                    found = diagnostics_from_json(cached["diagnostics"])
                    warnings = [str(warning) for warning in cached["warnings"]]
                except (KeyError, TypeError, ValueError, AttributeError):
                    pass
                else:
                    result.diagnostics.extend(found)
                    result.warnings.extend(warnings)
                    continue
            remaining.append(check)
        return remaining

    def _parallel_jobs(self, files: int) -> int:
        jobs = max(1, min(self.jobs if self.jobs else (os.cpu_count() or 1), files // _FILES_PER_CHUNK))
        if jobs == 1:
            return 1  # (and multiprocessing, slow to import, is not imported)
        import multiprocessing

        if "fork" not in multiprocessing.get_all_start_methods():
            return 1  # the project index is shared by forking; elsewhere, one process
        if other_threads_running():
            return 1  # forking beside other threads can deadlock the child (see fork_safety)
        return jobs

    def _check_some(self, to_check: List["_Check"], project: ProjectIndex, result: RunResult) -> ProjectIndex:
        """The second pass over `to_check`, in several processes when there
        are enough files; returns the index this process ended with."""
        if self._parallel_jobs(len(to_check)) > 1:
            self._check_in_parallel(to_check, project, result)
            return project
        return self._check_all(to_check, project, result)

    def _check_in_groups(self, to_check: List["_Check"], project: ProjectIndex, result: RunResult) -> None:
        """The second pass of a run whose ML code is too large to keep every
        tree of at once (`_PINNED_TEXT_BUDGET`, a whole site-packages): the
        files are checked group by group (`_groups`: packages, cut by
        subpackage when larger than `_GROUP_TEXT_BUDGET`, in the order of the
        files), each with the trees of its own ML modules pinned (shared by
        the processes forked for it) and forgotten before the next; a module
        outside the group is parsed when a check asks for it. The trees
        parsed and the pinned modules modelled count in `_PARSED_TEXT_BUDGET`
        between two files. So what a process holds between files is bounded
        by the budgets, not by the run; within one file's check it is not."""
        for checks, positions in _groups(to_check, project.all_modules(), _GROUP_TEXT_BUDGET):
            # (by position in `all_modules()`: a fresh start copies the modules)
            pinned = [project.all_modules()[index] for index in positions]
            _pin_trees(pinned)
            self._models_of_pinned_counted = True
            try:
                project = self._check_some(checks, project, result)
            finally:
                self._models_of_pinned_counted = False
            modules = project.all_modules()
            for info in pinned + [modules[index] for index in positions]:
                info.source.unpin()
            # (the old index's models and modules refer to one another, and
            # were frozen with the trees: thawed so the collector frees them)
            project = project.fresh()
            if self._owns_freeze:  # (a caller's frozen objects are not ours to thaw: then the group's stay)
                gc.unfreeze()
                gc.collect()

    def _check_all(self, to_check: Sequence["_Check"], project: ProjectIndex, result: RunResult) -> ProjectIndex:
        """The second pass over `to_check` in this process; findings go to
        `result`. Trees are parsed as the checks ask for them; when those
        held pass `_PARSED_TEXT_BUDGET`, the index starts afresh (no tree, no
        model, no cached fact), so memory stays bounded however large the
        run. Returns the index it ended with."""
        modules = project.all_modules()
        for check in to_check:
            held = project.parsed_text_size + (project.modelled_pinned_size if self._models_of_pinned_counted else 0)
            if held > _PARSED_TEXT_BUDGET:
                project = _forget_trees(project)
                modules = project.all_modules()
            project.begin_check()
            failures, warnings = len(result.tracebacks), len(result.warnings)
            diagnostics = self._check(check.item, modules[check.module], project, result)
            result.diagnostics.extend(diagnostics)
            if self.cache is not None and check.key is not None and len(result.tracebacks) == failures:
                # (a rule that failed or ran out of time is tried again next time)
                from dllint.cache import diagnostics_to_json

                self.cache.put("results", check.key, {
                    "diagnostics": diagnostics_to_json(diagnostics), "warnings": result.warnings[warnings:]})
        return project

    def _check_in_parallel(self, to_check: List["_Check"], project: ProjectIndex, result: RunResult) -> None:
        """The second pass over several processes. They are forked after the
        first pass, so each starts with the whole project index (and the
        trees the first pass kept) already in memory, shared copy-on-write
        (frozen out of the garbage collector, which would otherwise touch and
        copy it), and parses the other trees it needs itself.

        Each process checks a contiguous run of the files (its lane, see
        `_Lanes`), a chunk at a time, and then takes chunks from the end of
        the lane with most left. Files are in path order, so a lane's files
        mostly share a neighbourhood, whose semantic models one process then
        builds once; handed out in turn, every chunk's neighbourhood was
        modelled again by each process."""
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed
        from concurrent.futures.process import BrokenProcessPool

        global _FORKED
        _ = self.rules  # imported here, before forking, so that the workers share them
        chunks = -(-len(to_check) // _FILES_PER_CHUNK)
        jobs = self._parallel_jobs(len(to_check))
        fork = multiprocessing.get_context("fork")
        _FORKED = (self, to_check, project, _Lanes(chunks, jobs, fork))
        finished: Set[int] = set()

        def check(processes: int, task, arguments: Iterable[int]) -> None:
            with ProcessPoolExecutor(processes, mp_context=fork) as pool:
                for future in as_completed([pool.submit(task, argument) for argument in arguments]):
                    try:
                        chunk, diagnostics, tracebacks, warnings = future.result()
                    except BrokenProcessPool:
                        continue
                    finished.add(chunk)
                    result.diagnostics.extend(diagnostics)
                    result.tracebacks.extend(tracebacks)
                    result.warnings.extend(warnings)

        gc.freeze()
        try:
            # Not multiprocessing.Pool: it waits forever for the chunk of a
            # process that was killed (by the out-of-memory killer, say). Here
            # the chunks left unfinished fail (the killed process takes the
            # others' down with it); each is tried again alone, in a process
            # of its own, and the files of one still lost say so.
            check(jobs, _check_next_chunk, range(chunks))  # one task per chunk: each takes one
            lost = [chunk for chunk in range(chunks) if chunk not in finished]
            for chunk in lost:
                check(1, _check_chunk, [chunk])
        finally:
            _FORKED = None  # (what was frozen stays so until the run ends: `run`)
        for chunk in lost:
            if chunk in finished:
                continue
            for index in _chunk_files(chunk, len(to_check)):
                path = to_check[index].item.display_path
                result.tracebacks.append(f"{path}: the process checking it ended abruptly")
                result.diagnostics.append(_engine_diagnostic(
                    path, "DL000", "not checked: the process checking this file (or another file of its batch) ended "
                                   "abruptly (killed, perhaps for lack of memory)"))

    def _settings_for(self, path: Path) -> Tuple[Settings, CodeSelection]:
        settings = self.settings if self.resolver is None else self.resolver.for_path(path, is_dir=False)
        if id(settings) not in self._selections:
            self._selections[id(settings)] = (settings, CodeSelection(settings))
        return self._selections[id(settings)]

    def _reported(self, diagnostic: Diagnostic) -> bool:
        return self._settings_for(Path(diagnostic.path))[1].is_enabled_for(Path(diagnostic.path), diagnostic.code)

    def _check(self, item: Input, info: ModuleInfo, project: ProjectIndex, result: RunResult) -> List[Diagnostic]:
        """The rules on one file, within the file's time budget."""
        source = info.source
        settings, _ = self._settings_for(Path(item.display_path))
        budget = TimeBudget.for_file(settings.per_file_timeout, source.text)
        running = ["the semantic model"]
        found: List[Diagnostic] = []
        # what the check parses of other modules is theirs to pay for, not this file's
        project.on_parse = lambda other: other is info or budget.extend_for(other.source.text.count("\n") + 1)
        try:
            ran_over = budget.run(lambda: self._check_rules(item, info, project, result, running, found, budget))
        except Exception:  # noqa: BLE001 - the last resort: one file never stops the run
            found.append(self._internal_error(running[0], source, result))
            ran_over = False
        finally:
            project.on_parse = None
        if ran_over and budget.finished:
            # every interruption was swallowed (by a finalizer, say): the checks all ran, late
            result.tracebacks.append(f"{source.path}: the checks finished past the time budget ({budget.describe()})")
            found.append(_engine_diagnostic(
                source.path, "DL000",
                f"the checks of this file finished late, past its time budget ({budget.describe()}); their findings "
                f"are reported (raise `per-file-timeout` to allow more)"))
        elif ran_over:
            result.tracebacks.append(f"{source.path}: {running[0]} exceeded the time budget ({budget.describe()})")
            found.append(_engine_diagnostic(
                source.path, "DL000",
                f"{running[0]} exceeded this file's time budget ({budget.describe()}); the file's other checks "
                f"were skipped (raise `per-file-timeout` to allow more)"))
        if not self.apply_noqa:
            return found
        try:
            suppressions = Suppressions.of(source.text)
            notebook = getattr(self, "_notebooks", {}).get(item.display_path)
            result.warnings.extend(suppressions.warnings(source.path, notebook.locate if notebook is not None else None))
            return suppressions.remove_suppressed(found, source.tree)
        except Exception:  # noqa: BLE001
            return found + [self._internal_error("suppression", source, result)]

    def _check_rules(self, item: Input, info: ModuleInfo, project: ProjectIndex, result: RunResult,
                     running: List[str], found: List[Diagnostic], budget: TimeBudget) -> None:
        source = info.source
        path = Path(item.display_path)
        settings, selection = self._settings_for(path)
        if self._every_rule:
            active = triggered_rules(source.text, lambda code: selection.is_enabled_for(path, code))
        else:
            active = [
                rule for rule in self.rules
                if selection.is_enabled_for(path, rule.code)
                and (rule.triggers is None or rule.triggers.occurs_in(source.text))
            ]
        if not active:
            return
        semantic = project.model_for(info)
        instances: List[Rule] = []
        for rule_class in active:
            running[0] = f"rule {rule_class.code}"
            try:
                instances.append(rule_class(source, semantic, settings.rule_options.get(rule_class.code)))
            except Exception:  # noqa: BLE001 - a broken rule must not stop the run
                found.append(self._internal_error(rule_class.code, source, result))
        handlers = _handlers(instances)
        failed: set = set()
        if handlers:
            for count, node in enumerate(walk(source.tree)):
                if not count % 4096:
                    budget.check()
                for rule in handlers.get(type(node), ()):
                    if id(rule) in failed:
                        continue
                    running[0] = f"rule {rule.code}"
                    try:
                        getattr(rule, "visit_" + type(node).__name__)(node)
                    except Exception:  # noqa: BLE001
                        failed.add(id(rule))
                        found.append(self._internal_error(rule.code, source, result))
        for rule in instances:
            if id(rule) in failed:
                continue
            running[0] = f"rule {rule.code}"
            budget.check()
            try:
                rule.finish()
            except Exception:  # noqa: BLE001
                failed.add(id(rule))
                found.append(self._internal_error(rule.code, source, result))
                continue
            found.extend(rule.diagnostics)

    @staticmethod
    def _internal_error(code: str, source: SourceFile, result: RunResult) -> Diagnostic:
        """`code` is a rule's code, or what else was running ("rule DL101", "suppression")."""
        import traceback  # (imported only when something fails)

        result.tracebacks.append(f"{source.path}: {code}\n{traceback.format_exc()}")
        where = f"rule {code}" if not code.startswith(("rule ", "the ", "suppression")) else code
        return _engine_diagnostic(source.path, "DL000", f"internal error in {where} on this file; rerun with --verbose for the traceback")


def _failed(run: "_FirstPass", diagnostic: Diagnostic) -> Tuple[None, Dict[str, object]]:
    """A file of the first pass that gets a DL001 or DL002, and its cache entry."""
    from dllint.cache import diagnostics_to_json

    run.result.diagnostics.append(diagnostic)
    return None, {"diagnostics": diagnostics_to_json([diagnostic])}


def _notebook_as_program(item: Input, module_name: str, notebook: Notebook, run: "_FirstPass") -> Tuple[Input, str]:
    """A notebook's input and module name as the program of its code cells,
    the notebook kept to report in cells, and the DL001 of each cell that
    does not parse."""
    run.notebooks[item.display_path] = notebook
    for problem in notebook.errors:
        run.result.diagnostics.append(
            replace(_engine_diagnostic(item.display_path, "DL001", f"syntax error: {problem.reason}", problem.line, problem.column), cell=problem.cell)
        )
    # never importable: no clash with a .py module
    return replace(item, text=notebook.program, data=None), module_name.replace(".", "-") + "-ipynb"


# What the first pass is doing (named by its last-resort DL000).
_STEP = ["reading"]


# The cyclic collector's thresholds for the second pass (forked processes
# inherit them): young objects collected in larger batches, and a full
# collection after a hundred of the middle generation's rather than ten.
# On PyTorch's sources (-j 1) the collector's time fell from 7.6 to 2.2 s,
# the run's CPU from 55.6 to 51.0 s, with no higher peak (2,445 MB).
_SECOND_PASS_GC_THRESHOLDS = (20_000, 20, 100)
# Characters of text read by the runs of this process whose garbage was
# thawed at their end and not yet collected (see `Runner.run`), and how many
# may pass before the next run collects it: a long-running process (the flake8
# plugin, a fuzz) holds some 200 MB of old runs at most, and pays for one full
# collection per 4M characters linted (or some 3,000 runs of small files).
_THAWED_TEXT = [0]
_THAWED_TEXT_BUDGET = 4_000_000
# What a run leaves whatever its size (its index, models, rules' state),
# counted as that much text: a fuzzed 250-character file left some 37 KB.
# (At 50,000 a fuzz held 99 MB but spent 60% more CPU in collections.)
_RUN_AS_TEXT = 1_000
# Files one forked process takes at a time; runs with fewer than two chunks stay in one process.
_FILES_PER_CHUNK = 16


def _pin_trees(modules: Sequence[ModuleInfo]) -> None:
    """Parse and keep (pin) the trees of `modules` for the checks to come,
    as a first pass without the cache does for the ML modules. A first pass
    that read every summary from the cache holds no tree; when more than a
    chunk of files is left to check (a module many files import has
    changed), parsing each neighbourhood again after every fresh start
    (`_PARSED_TEXT_BUDGET`) cost far more than the cold run (PyTorch's
    sources, `torch/__init__.py`'s neighbours changed: over 3 CPU minutes per
    process against 80 s for the whole cold run)."""
    for info in modules:
        source = info.source
        if not source.has_tree:
            try:
                source.adopt_tree(parse_source(source.text, source.path), pinned=True)
            except (InvalidSyntax, UnreadableSource):
                continue  # (its DL001 / DL002 came from the cache)
    gc.freeze()


def _ml_modules(project: ProjectIndex) -> List[ModuleInfo]:
    return [info for info in project.all_modules() if info.imports.imports_ml_framework]


def _ml_text_size(project: ProjectIndex) -> int:
    return sum(info.source.text_size for info in _ml_modules(project))


def _group_keys(modules: List[ModuleInfo], budget: int) -> Callable[[ModuleInfo], str]:
    """The group a module is checked with on a large run: its top-level
    package (or script), or, when that package's ML text is larger than
    `budget`, its subpackage one level down, and so on (transformers' 54M
    characters: `transformers.models.bert`, `transformers.generation`...)."""
    ml_text: Dict[str, int] = {}
    for info in modules:
        if info.imports.imports_ml_framework:
            parts = info.name.split(".")
            for length in range(1, len(parts) + 1):
                prefix = ".".join(parts[:length])
                ml_text[prefix] = ml_text.get(prefix, 0) + info.source.text_size

    def group_of(info: ModuleInfo) -> str:
        parts = info.name.split(".")
        for length in range(1, len(parts)):
            prefix = ".".join(parts[:length])
            if ml_text.get(prefix, 0) <= budget:
                return prefix
        return info.name

    return group_of


def _groups(to_check: List["_Check"], modules: List[ModuleInfo], budget: int) -> List[Tuple[List["_Check"], List[int]]]:
    """`to_check` cut into runs of files of the same packages (`_group_keys`),
    in their order, each with the positions in `modules` of those packages'
    ML modules (whose trees it pins); neighbouring packages share a run
    while their ML text stays within `budget`."""
    group_of = _group_keys(modules, budget)
    ml_modules: Dict[str, List[int]] = {}
    for index, info in enumerate(modules):
        if info.imports.imports_ml_framework:
            ml_modules.setdefault(group_of(info), []).append(index)
    size = {name: sum(modules[index].source.text_size for index in found) for name, found in ml_modules.items()}
    groups: List[Tuple[List["_Check"], List[int]]] = []
    checks: List["_Check"] = []
    names: List[str] = []
    held = 0
    for check in to_check:
        name = group_of(modules[check.module])
        if name not in names:
            if checks and held + size.get(name, 0) > budget:
                groups.append((checks, [index for known in names for index in ml_modules.get(known, ())]))
                checks, names, held = [], [], 0
            names.append(name)
            held += size.get(name, 0)
        checks.append(check)
    if checks:
        groups.append((checks, [index for known in names for index in ml_modules.get(known, ())]))
    return groups


# Characters of ML code whose trees the first pass keeps for the whole run
# (pinned, shared by the forked processes). PyTorch's sources (48M characters,
# 45.6M of them in modules with an ML import) fit; a larger run (a whole
# site-packages: 10 GB summed over the processes, unfinished after 13
# minutes, when every ML tree was pinned) keeps none, and its second pass
# pins one group of packages at a time (`_check_in_groups`). (At 64M, the
# site-packages' scikit-learn and torch, 59M, made one group, and a process
# checking it passed 4.8 GB.)
_PINNED_TEXT_BUDGET = 48_000_000
# Characters of ML code whose trees one group of a larger run pins
# (`_check_in_groups`). At 48M (one top-level package a group), a whole
# site-packages' transformers group (54M) held 1.2 GB of pinned trees in the
# main process, and each checking process passed 7 GB.
_GROUP_TEXT_BUDGET = 16_000_000
# Characters of source text whose trees (and semantic models) one process may
# hold while checking before it forgets them all between two files: a tree
# costs about 23 bytes per character of text, its models as much again. In a
# large run's groups, the text of the pinned modules modelled counts too
# (`ProjectIndex.modelled_pinned_size`).
_PARSED_TEXT_BUDGET = 16_000_000
# Trees the first pass keeps for the second, so that a small run (some 25,000
# lines) parses each file once; past this much text, it keeps none (a large
# run parses the files it checks again, in the process that checks them). At
# 3M characters the standard library's run peaked at 179 MB, at 1M at 115 MB.
_KEPT_TREES_BUDGET = 1_000_000
# Text whose trees (with their scope tables) a fresh start keeps: those of the
# modules used last, the neighbourhood of the next files checked (files are
# checked in path order).
_KEPT_ACROSS_FRESH_STARTS = _PARSED_TEXT_BUDGET // 2
# What a forked process of `Runner._check_in_parallel` works on (inherited, never pickled).
_FORKED: Optional[Tuple["Runner", List["_Check"], ProjectIndex, "_Lanes"]] = None
# The index one forked process checks with (it may start afresh, see `_check_all`).
_PROJECT_IN_PROCESS: Optional[ProjectIndex] = None
# The lane of `_Lanes` one forked process claimed with its first chunk.
_LANE_IN_PROCESS: Optional[int] = None


def _settings_fingerprint(settings: Settings) -> str:
    """What of a file's settings can change its findings, as text."""
    return repr((
        settings.select, settings.ignore, settings.extend_select, settings.extend_ignore,
        sorted(settings.per_file_ignores.items()), sorted((code, sorted(options.items(), key=repr)) for code, options in settings.rule_options.items()),
        str(settings.root), settings.per_file_timeout,
    ))


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


class _PinnedTrees:
    """The ML trees the first pass pins for the second, while their text is
    within `_PINNED_TEXT_BUDGET`; past it, none (those pinned so far are
    dropped: the second pass pins them group by group)."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.size = 0
        self.sources: List[SourceFile] = []

    @property
    def full(self) -> bool:
        return self.size > self.budget

    def keep(self, source: SourceFile) -> bool:
        """Whether to pin `source`'s tree (counted either way)."""
        was_full = self.full
        self.size += len(source.text)
        if not self.full:
            self.sources.append(source)
            return True
        if not was_full:
            for kept in self.sources:
                kept.unpin()
            self.sources = []
        return False


@dataclass
class _FirstPass:
    """What the first pass builds: the index, the findings so far, the
    notebooks read, the trees kept and pinned, and each module's content hash (by `id`
    of its `ModuleInfo`, for the cache)."""

    project: ProjectIndex
    result: RunResult
    notebooks: Dict[str, Notebook]
    kept: _TreesKept = field(default_factory=lambda: _TreesKept(_KEPT_TREES_BUDGET))
    pins: _PinnedTrees = field(default_factory=lambda: _PinnedTrees(_PINNED_TEXT_BUDGET))
    contents: Dict[int, str] = field(default_factory=dict)


def _forget_trees(project: ProjectIndex) -> ProjectIndex:
    fresh = project.fresh(keep=_KEPT_ACROSS_FRESH_STARTS)
    # the old index's models refer to one another (cycles): collect them now
    gc.collect()
    return fresh


def _chunk_files(chunk: int, files: int) -> range:
    """The places in the second pass's list of the files of chunk number `chunk`."""
    return range(chunk * _FILES_PER_CHUNK, min((chunk + 1) * _FILES_PER_CHUNK, files))


def _check_chunk(chunk: int) -> Tuple[int, List[Diagnostic], List[str], List[str]]:
    """Check the files of one chunk in this forked process: the chunk's
    number, then its findings, tracebacks and warnings."""
    global _PROJECT_IN_PROCESS
    runner, to_check, project, _ = _FORKED  # type: ignore[misc]
    if _PROJECT_IN_PROCESS is None:
        _PROJECT_IN_PROCESS = project
    partial = RunResult()
    checks = [to_check[index] for index in _chunk_files(chunk, len(to_check))]
    _PROJECT_IN_PROCESS = runner._check_all(checks, _PROJECT_IN_PROCESS, partial)
    return chunk, partial.diagnostics, partial.tracebacks, partial.warnings


def _check_next_chunk(_task: int) -> Tuple[int, List[Diagnostic], List[str], List[str]]:
    """Check the next chunk of this process's lane (claimed by its first task), or one taken from another lane."""
    global _LANE_IN_PROCESS
    lanes: _Lanes = _FORKED[3]  # type: ignore[index]
    if _LANE_IN_PROCESS is None:
        _LANE_IN_PROCESS = lanes.claim()
    return _check_chunk(lanes.take(_LANE_IN_PROCESS))


class _Lanes:
    """The chunks of the second pass cut into one contiguous lane per
    process, in shared memory (made before forking, so every forked process
    sees the same): each process claims a lane, takes chunks from its front
    and, when it is empty, from the end of the lane with most chunks left.
    As many tasks as chunks are handed out, each taking one chunk, so every
    chunk is taken once."""

    def __init__(self, chunks: int, lanes: int, context) -> None:
        self.lanes = lanes
        # lanes claimed so far; then each lane's next chunk and its end
        self._shared = context.Array("l", 1 + 2 * lanes)
        for lane in range(lanes):
            self._shared[1 + 2 * lane] = chunks * lane // lanes
            self._shared[2 + 2 * lane] = chunks * (lane + 1) // lanes

    def claim(self) -> int:
        """A lane for a new process (past the last, it only takes from others)."""
        with self._shared.get_lock():
            lane = self._shared[0]
            self._shared[0] = lane + 1
        return lane

    def take(self, lane: int) -> int:
        shared = self._shared
        with shared.get_lock():
            if lane < self.lanes and shared[1 + 2 * lane] < shared[2 + 2 * lane]:
                chunk = shared[1 + 2 * lane]
                shared[1 + 2 * lane] = chunk + 1
                return chunk
            fullest = max(range(self.lanes), key=lambda other: shared[2 + 2 * other] - shared[1 + 2 * other])
            chunk = shared[2 + 2 * fullest] - 1
            shared[2 + 2 * fullest] = chunk
            return chunk


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
    """Modules that import an ML framework; the project modules that import
    one of those (a `train.py` importing `models.py`); and the project modules
    such a module imports (a `train_one_epoch()` helper module needs no import
    of its own: it gets the model and optimizer as arguments).

    One step each way, not the transitive closure: in an installed
    site-packages, where a handful of files import torch, following every
    importer of every importer pulled most of the tree into analysis."""
    direct = [info for info in modules if info.imports.imports_ml_framework]
    using = {id(info) for info in direct}
    for info in direct:
        using.update(id(target) for target in project.modules_imported_by(info))
        using.update(id(importer) for importer in project.modules_importing(info))
    return using
