"""Results kept between runs, as ruff keeps them: `.dllint_cache/`.

A rerun over unchanged files reads what the last run learnt instead of
parsing and checking again. Two kinds of entries, each a small JSON file
named by the SHA-256 of its key:

* `index/`: what the first pass learns of a file (the module's imports and
  the names it defines, or its DL001/DL002; for a notebook also its code
  cells, which place findings in cells and make the module's text), keyed
  by the file's bytes, its name and module name, and the build of dllint.
* `results/`: a checked file's findings and `noqa` warnings, keyed by its
  bytes, its name, the settings of the file that can change findings
  (selection, per-file ignores, rule options, the time budget), the rules
  run and whether `noqa` is applied, the build of dllint, and the dependency
  hash of the project files it is understood with (see
  `dependency_hashes`): a change in `models.py` checks `train.py` again. A
  file where a rule failed or the time budget ran out is not kept.

The build is the version and a hash of dllint's own source files, so a new
rule, a fixed rule or an edited catalog is a new build. Every entry repeats
its key; an entry that cannot be read, is not JSON, has another format or
another key (a hash collision, a file from elsewhere) is ignored, never
trusted. Entries are written to a temporary file and renamed into place, so
runs that share a cache at the same time never see half an entry.

What the key does not see: the analyses that search the whole project by
name (who calls a function called `train`, which files mention `.backward(`)
may read a file outside a file's import neighbourhood; a change there reaches
a cached finding only once the file or one of its neighbours changes.
`--no-cache` always checks everything.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Optional, Sequence

from dllint import __version__
from dllint.diagnostics import Change, Diagnostic, Fix

if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.project import ProjectIndex

CACHE_FOLDER = ".dllint_cache"
_FORMAT = 1


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _digest(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()


_BUILD: Optional[str] = None


def build_fingerprint() -> str:
    """dllint's version and a hash of its own source files (rules and catalog
    included), so that any change to the linter is a new key."""
    global _BUILD
    if _BUILD is None:
        import dllint
        import dllint.rules

        digest = hashlib.sha256(__version__.encode())
        for root in [*dllint.__path__, *dllint.rules.__path__]:
            for relative in _source_files(root):
                digest.update(relative.encode("utf-8", "surrogatepass"))
                try:
                    with open(os.path.join(root, relative), "rb") as handle:
                        digest.update(handle.read())
                except OSError:
                    digest.update(b"?")
        _BUILD = digest.hexdigest()
    return _BUILD


def _source_files(root: str) -> List[str]:
    """The `.py` files under `root`, relative to it, sorted. (`os.walk`, not
    `Path.rglob`: every cached run asks, and rglob took a third of the time.)"""
    found = []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [name for name in subfolders if name != "__pycache__"]
        base = os.path.relpath(folder, root)
        found += [name if base == "." else os.path.join(base, name) for name in files if name.endswith(".py")]
    return sorted(found)


class Cache:
    """One cache folder. Reading never fails (a bad entry is a miss); writing
    never fails the run (a folder that cannot be written is not written)."""

    def __init__(self, folder: Path, runner_fingerprint: str):
        self.folder = Path(folder)
        self.runner = runner_fingerprint
        self.build = build_fingerprint()
        self._writable = True
        self._made: set = set()

    # -- keys --------------------------------------------------------------
    def index_key(self, path: str, module_name: str, is_package: bool, content: str) -> str:
        return _digest("index", self.build, path, module_name, str(is_package), content)

    def results_key(self, path: str, settings: str, content: str, dependencies: str) -> str:
        """`settings`: what of the file's own settings can change its findings."""
        return _digest("results", self.build, self.runner, settings, path, content, dependencies)

    # -- entries -------------------------------------------------------------
    def get(self, kind: str, key: str) -> Optional[Any]:
        try:
            with open(self._entry(kind, key), "rb") as handle:
                entry = json.loads(handle.read())
            if not isinstance(entry, dict) or entry.get("format") != _FORMAT or entry.get("key") != key:
                return None
            return entry["value"]
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, kind: str, key: str, value: Any) -> None:
        if not self._writable:
            return
        path = self._entry(kind, key)
        try:
            self._prepare(path.parent)
            text = json.dumps({"format": _FORMAT, "key": key, "value": value}, separators=(",", ":"))
            _write_atomically(path, text)
        except OSError:
            self._writable = False

    def _entry(self, kind: str, key: str) -> Path:
        return self.folder / kind / key[:2] / key

    def _prepare(self, folder: Path) -> None:
        if folder in self._made:
            return
        if not self.folder.is_dir():
            self.folder.mkdir(parents=True, exist_ok=True)
        ignore = self.folder / ".gitignore"
        if not ignore.exists():
            _write_atomically(ignore, "# Automatically created by dllint.\n*\n")
        tag = self.folder / "CACHEDIR.TAG"
        if not tag.exists():
            _write_atomically(tag, "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by dllint.\n")
        folder.mkdir(parents=True, exist_ok=True)
        self._made.add(folder)


def _write_atomically(path: Path, text: str) -> None:
    """Write to a temporary file beside `path`, then rename it into place:
    a reader sees the old entry or the new one, never half of one."""
    # (what tempfile.mkstemp does, without importing tempfile and random on
    # every run: a one-file run must start fast)
    temporary = str(path.parent / f".tmp-{os.getpid()}-{os.urandom(8).hex()}")
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        _remove(temporary)
        raise


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


# -- what a file's findings depend on ------------------------------------------
def dependency_hashes(project: "ProjectIndex", contents: Dict[int, str]) -> Dict[int, str]:
    """For each module of `project` (by `id` of its info), one hash of the
    bytes of every project module it imports, directly or through others
    (itself included), and of the modules that import it directly (whose
    calls give its functions their arguments). `contents` holds each
    module's content hash.

    The imports are hashed as a Merkle tree over the strongly connected
    components of the import graph (import cycles are common in packages),
    so the whole run costs time linear in its imports."""
    modules = project.all_modules()
    closure = _closure_hashes(modules, project.modules_imported_by, contents)
    found: Dict[int, str] = {}
    for info in modules:
        importers = sorted(contents[id(other)] for other in project.modules_importing(info) if id(other) in contents)
        found[id(info)] = _digest(closure[id(info)], *importers)
    return found


def _closure_hashes(modules, imported_by, contents: Dict[int, str]) -> Dict[int, str]:
    """Tarjan's algorithm, without recursion; a component is hashed once all
    the components it imports are (Tarjan finishes them first)."""
    index: Dict[int, int] = {}
    low: Dict[int, int] = {}
    on_stack: set = set()
    stack: List[object] = []
    component_hash: Dict[int, str] = {}
    counter = 0
    for root in modules:
        if id(root) in index:
            continue
        work = [(root, iter(imported_by(root)))]
        index[id(root)] = low[id(root)] = counter
        counter += 1
        stack.append(root)
        on_stack.add(id(root))
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if id(child) not in index:
                    index[id(child)] = low[id(child)] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(id(child))
                    work.append((child, iter(imported_by(child))))
                    advanced = True
                    break
                if id(child) in on_stack:
                    low[id(node)] = min(low[id(node)], index[id(child)])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[id(parent)] = min(low[id(parent)], low[id(node)])
            if low[id(node)] == index[id(node)]:
                members = []
                while True:
                    member = stack.pop()
                    on_stack.discard(id(member))
                    members.append(member)
                    if member is node:
                        break
                member_ids = {id(member) for member in members}
                imported = {
                    component_hash[id(child)]
                    for member in members
                    for child in imported_by(member)
                    if id(child) not in member_ids
                }
                digest = _digest(*sorted(contents.get(id(member), "") for member in members), "|", *sorted(imported))
                for member in members:
                    component_hash[id(member)] = digest
    return component_hash


# -- findings as JSON ----------------------------------------------------------
def diagnostics_to_json(diagnostics: Iterable[Diagnostic]) -> List[Dict[str, Any]]:
    found = []
    for d in diagnostics:
        item: Dict[str, Any] = {"path": d.path, "line": d.line, "column": d.column, "code": d.code, "message": d.message, "name": d.name}
        if d.end_line is not None:
            item["end_line"] = d.end_line
        if d.end_column is not None:
            item["end_column"] = d.end_column
        if d.statement_line is not None:
            item["statement_line"] = d.statement_line
        if d.cell is not None:
            item["cell"] = d.cell
        if d.fix is not None:
            item["fix"] = {
                "message": d.fix.message,
                "safe": d.fix.safe,
                "changes": [[c.kind, list(c.start), list(c.end), c.code, [list(c.part[0]), list(c.part[1])] if c.part else None, c.cell]
                            for c in d.fix.changes],
            }
        found.append(item)
    return found


def diagnostics_from_json(items: Sequence[Dict[str, Any]]) -> List[Diagnostic]:
    found = []
    for item in items:
        fix = item.get("fix")
        found.append(
            Diagnostic(
                path=item["path"],
                line=item["line"],
                column=item["column"],
                code=item["code"],
                message=item["message"],
                name=item.get("name", ""),
                end_line=item.get("end_line"),
                end_column=item.get("end_column"),
                fix=None if fix is None else Fix(
                    message=fix["message"],
                    changes=tuple(
                        Change(kind, tuple(start), tuple(end), code, (tuple(part[0]), tuple(part[1])) if part else None, cell)
                        for kind, start, end, code, part, cell in fix["changes"]
                    ),
                    safe=fix["safe"],
                ),
                statement_line=item.get("statement_line"),
                cell=item.get("cell"),
            )
        )
    return found
