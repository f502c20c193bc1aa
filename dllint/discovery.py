"""Finds the Python files a run lints, from the paths given on the command line.

Folders are walked in sorted order, following symbolic links (each real
folder is entered once, so a link back to an ancestor ends rather than
loops). A walk does not enter what is excluded:

* `exclude` + `extend-exclude`, gitignore-style patterns, are matched against
  each path relative to the folder being walked, relative to the project root
  (`settings.root`), and by its bare name, so `build` drops every folder
  called build at any depth while `src/generated` only drops that one;
* when `respect-gitignore` is on, every `.gitignore` on the way applies
  below its own folder, as git applies it: those of the walked folder's
  ancestors up to the repository root (the nearest folder holding `.git`)
  too, a deeper file overriding a shallower one, `!negation` included.
  Outside a repository, only the .gitignore files met by the walk apply.

What the user names is what they mean: a named file is linted even when
excluded, `.py` or not, and a named folder that is itself excluded is walked,
its contents judged only by the patterns from that folder down. With
`force-exclude`, named paths are judged like any other.

Nothing here raises for a bad path: missing paths and unreadable folders are
collected in the result for the caller to report. A named symbolic link that
loops or leads nowhere is passed on as a file, so that reading it reports
why (DL002). Only regular files are ever opened: a walk lists only entries
that are files (named pipes, devices and sockets are not), and the reader
checks again (`source.read_file`).
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, NamedTuple, Optional, Sequence, Set, Tuple

import pathspec

from dllint.settings import Settings

GITIGNORE = ".gitignore"


@dataclass
class DiscoveryResult:
    files: List[Path] = field(default_factory=list)
    # paths given that do not exist, as given
    missing: List[str] = field(default_factory=list)
    # (folder, the operating system's reason) for each folder that could not be read
    errors: List[Tuple[str, str]] = field(default_factory=list)


def discover(paths: Sequence[str], settings: Settings) -> DiscoveryResult:
    return _Discovery(settings).run(paths)


def repository_root(folder: Path) -> Optional[Path]:
    """The root of the git work tree holding `folder`, if any."""
    found = _repository_root(os.path.abspath(folder))
    return Path(found) if found is not None else None


def is_excluded_file(path: str, settings: Settings) -> bool:
    """Whether a file named on the command line is excluded, judged as
    `force-exclude` judges named files. The file need not exist: this is how
    `--stdin-filename` is judged."""
    discovery = _Discovery(settings)
    position = discovery._position_of_named(path, is_dir=False, detached=False)
    return discovery._is_excluded(position, discovery._name_of_named(path, position), is_dir=False)


@dataclass(frozen=True)
class _Gitignore:
    """The patterns of one `.gitignore`, and where its folder is.

    `base` is the folder's path relative to the walk's anchor (see
    `_Position`), posix, "" for the anchor itself.
    """

    base: str
    spec: pathspec.GitIgnoreSpec

    def verdict(self, anchored_path: str, is_dir: bool) -> Optional[bool]:
        """True: ignored; False: re-included by a `!` pattern; None: not mentioned."""
        if self.base:
            if not anchored_path.startswith(self.base + "/"):
                return None
            anchored_path = anchored_path[len(self.base) + 1 :]
        return self.spec.check_file(anchored_path + "/" if is_dir else anchored_path).include


@dataclass(frozen=True)
class _Position:
    """Where an entry of a walk is, in each frame its patterns are matched in.

    `anchor_path` is relative to the walk's anchor: the repository root when
    gitignore files above the walked folder apply, else the walked folder.
    `root_path` is relative to the project root, None outside the project.
    """

    path: str  # as the user will see it: the given path joined with the names below it
    walk_path: str  # relative to the walked folder, posix
    anchor_path: str
    root_path: Optional[str]
    gitignores: Tuple[_Gitignore, ...]  # those that apply, shallowest first

    def child(self, name: str) -> "_Position":
        return _Position(
            path=os.path.join(self.path, name),
            walk_path=_join(self.walk_path, name),
            anchor_path=_join(self.anchor_path, name),
            root_path=None if self.root_path is None else _join(self.root_path, name),
            gitignores=self.gitignores,
        )


class _Entry(NamedTuple):
    name: str
    is_dir: bool
    is_link: bool


def _join(parent: str, name: str) -> str:
    return f"{parent}/{name}" if parent else name


def _posix_relpath(path: str, start: str) -> str:
    relative = os.path.relpath(path, start)
    return "" if relative == os.curdir else relative.replace(os.sep, "/")


class _Discovery:
    def __init__(self, settings: Settings):
        self._settings = settings
        self._exclude = pathspec.GitIgnoreSpec.from_lines([*settings.exclude, *settings.extend_exclude])
        self._root = os.path.abspath(settings.root)
        self._real_root = os.path.realpath(settings.root)
        self._result = DiscoveryResult()
        self._seen_files: Set[str] = set()
        # real folder path -> its .gitignore patterns, or None when it has none
        self._gitignore_cache: Dict[str, Optional[pathspec.GitIgnoreSpec]] = {}

    def run(self, paths: Sequence[str]) -> DiscoveryResult:
        for given in paths:
            if not os.path.exists(given) and not os.path.islink(given):
                self._result.missing.append(given)
            elif os.path.isdir(given):
                self._walk_named_folder(given)
            else:
                self._add_named_file(given)
        return self._result

    # ------------------------------------------------------------------ named paths

    def _add_named_file(self, given: str) -> None:
        if self._settings.force_exclude:
            position = self._position_of_named(given, is_dir=False, detached=False)
            if self._is_excluded(position, self._name_of_named(given, position), is_dir=False):
                return
        self._add_file(given)

    def _walk_named_folder(self, given: str) -> None:
        position = self._position_of_named(given, is_dir=True, detached=False)
        if self._is_excluded(position, self._name_of_named(given, position), is_dir=True):
            if self._settings.force_exclude:
                return
            # Named on purpose: judge what is inside by the patterns from here
            # down only, not by the ancestry that excluded the folder itself.
            position = self._position_of_named(given, is_dir=True, detached=True)
        self._walk(position)

    @staticmethod
    def _name_of_named(given: str, position: _Position) -> str:
        """The bare name a named path is matched by, "" for none.

        Inside the project, the path relative to the root already puts every
        folder name below the root to the test; the names above it (say the
        project lives in ~/build) must not exclude the whole project.
        """
        return "" if position.root_path is not None else os.path.basename(os.path.abspath(given))

    def _position_of_named(self, given: str, is_dir: bool, detached: bool) -> _Position:
        """The position of a named path, with the .gitignore files of its ancestors.

        A named folder is the top of its walk (`walk_path` ""); a named file
        is in its folder's walk. `detached` leaves out the project root and
        the ancestors' .gitignore files.
        """
        absolute = os.path.abspath(given)
        walk_path = "" if is_dir else os.path.basename(absolute)
        root_path = None if detached else self._relative_to_root(absolute)
        folder = absolute if is_dir else os.path.dirname(absolute)
        if detached or not self._settings.respect_gitignore:
            return _Position(given, walk_path, walk_path, root_path, gitignores=())
        # Outside a repository no .gitignore above the walk applies; a named
        # file is then judged as if its folder were walked.
        repository = _repository_root(folder) or folder

        # A walked folder reads its own .gitignore when it enters itself, so
        # for a folder the ancestry starts at its parent; a named file is not
        # walked, so its own folder's .gitignore is part of its ancestry.
        # `repository` was found by taking dirnames of `folder`, so the
        # strings nest and the lengths say who is above whom.
        ancestors = []
        current = os.path.dirname(absolute)
        while len(current) >= len(repository):
            ancestors.append(current)
            if current == repository:
                break
            current = os.path.dirname(current)
        gitignores = []
        for ancestor in reversed(ancestors):
            spec = self._gitignore_in(ancestor)
            if spec is not None:
                gitignores.append(_Gitignore(_posix_relpath(ancestor, repository), spec))
        anchor_path = _posix_relpath(absolute, repository)
        return _Position(given, walk_path, anchor_path, root_path, tuple(gitignores))

    def _relative_to_root(self, absolute: str) -> Optional[str]:
        for candidate, root in ((absolute, self._root), (os.path.realpath(absolute), self._real_root)):
            try:
                relative = _posix_relpath(candidate, root)
            except ValueError:  # another drive, on Windows
                continue
            if relative != os.pardir and not relative.startswith(os.pardir + "/"):
                return relative
        return None

    # ------------------------------------------------------------------ walking

    def _walk(self, top: _Position) -> None:
        visited_folders: Set[str] = set()
        # A stack of pending entries, pushed in reverse so that they pop in
        # sorted order: files and folders interleave by name, depth first.
        # Each carries its real path when it is cheap to know (None: ask).
        pending: List[Tuple[_Position, bool, Optional[str]]] = [(top, True, None)]
        while pending:
            position, is_dir, real = pending.pop()
            real = real or os.path.realpath(position.path)
            if not is_dir:
                self._add_file(position.path, real)
                continue
            if real in visited_folders:
                continue  # a symbolic link back to a folder this walk already covers
            visited_folders.add(real)
            entries = self._entries_of(position.path)
            if entries is None:
                continue
            if self._settings.respect_gitignore and any(entry.name == GITIGNORE for entry in entries):
                spec = self._gitignore_in(position.path)
                if spec is not None:
                    own = _Gitignore(position.anchor_path, spec)
                    position = dataclasses.replace(position, gitignores=position.gitignores + (own,))
            for entry in reversed(entries):
                if not entry.is_dir and not entry.name.endswith(".py"):
                    continue
                child = position.child(entry.name)
                if not self._is_excluded(child, entry.name, entry.is_dir):
                    # Below a real folder, a name that is no link is real too;
                    # this spares a realpath() per file.
                    child_real = None if entry.is_link else os.path.join(real, entry.name)
                    pending.append((child, entry.is_dir, child_real))

    def _entries_of(self, folder: str) -> Optional[List["_Entry"]]:
        """The folders and files in `folder`, sorted by name; None if it cannot be read."""
        entries = []
        try:
            with os.scandir(folder) as scan:
                for entry in scan:
                    try:
                        # Both follow symbolic links; a dangling link is neither.
                        if entry.is_dir():
                            entries.append(_Entry(entry.name, True, entry.is_symlink()))
                        elif entry.is_file():
                            entries.append(_Entry(entry.name, False, entry.is_symlink()))
                    except OSError:
                        continue
        except OSError as error:
            self._result.errors.append((folder, error.strerror or str(error)))
            return None
        entries.sort()
        return entries

    def _add_file(self, path: str, real: Optional[str] = None) -> None:
        real = real or os.path.realpath(path)
        if real not in self._seen_files:
            self._seen_files.add(real)
            self._result.files.append(Path(path))

    # ------------------------------------------------------------------ exclusion

    def _is_excluded(self, position: _Position, name: str, is_dir: bool) -> bool:
        suffix = "/" if is_dir else ""
        # dict.fromkeys: the frames often agree (walking "." from the root),
        # and each match costs a pass over every pattern.
        candidates = dict.fromkeys((name, position.walk_path, position.root_path))
        if any(candidate and self._exclude.match_file(candidate + suffix) for candidate in candidates):
            return True
        # The deepest .gitignore that has a say about this path decides.
        for gitignore in reversed(position.gitignores):
            verdict = gitignore.verdict(position.anchor_path, is_dir)
            if verdict is not None:
                return verdict
        return False

    def _gitignore_in(self, folder: str) -> Optional[pathspec.GitIgnoreSpec]:
        key = os.path.realpath(folder)
        if key not in self._gitignore_cache:
            path = os.path.join(folder, GITIGNORE)
            spec = None
            try:
                if not os.path.isfile(path):
                    raise FileNotFoundError(path)  # a folder, a named pipe: not a .gitignore to read
                with open(path, encoding="utf-8", errors="replace") as handle:
                    spec = _gitignore_spec(handle.read().splitlines())
            except FileNotFoundError:
                pass
            except OSError as error:
                self._result.errors.append((path, error.strerror or str(error)))
            self._gitignore_cache[key] = spec
        return self._gitignore_cache[key]


def _gitignore_spec(lines: List[str]) -> pathspec.GitIgnoreSpec:
    """The patterns of a .gitignore; a line pathspec cannot compile is
    skipped, as git skips a pattern it cannot use."""
    try:
        return pathspec.GitIgnoreSpec.from_lines(lines)
    except Exception:  # noqa: BLE001 - pathspec raises ValueError, re.error, ...
        usable = []
        for line in lines:
            try:
                pathspec.GitIgnoreSpec.from_lines([line])
            except Exception:  # noqa: BLE001
                continue
            usable.append(line)
        return pathspec.GitIgnoreSpec.from_lines(usable)


def _repository_root(folder: str) -> Optional[str]:
    """The nearest folder at or above `folder` that holds `.git` (a folder, or a file in worktrees)."""
    current = folder
    while True:
        if os.path.exists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent
