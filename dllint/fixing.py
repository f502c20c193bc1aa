"""`--fix`, `--diff`, `--fix-only`: applying findings' fixes to files.

Rounds, as ruff does it: lint every file (the whole project, so the project
index is what a plain run sees), apply to each file the fixes `--fix` may
apply (safe ones; unsafe ones too with `--unsafe-fixes`), check that the new
text still parses, and lint again with the new texts, until a round applies
nothing or `MAX_ROUNDS` is reached. Findings silenced by `# noqa`, or not
selected for the file, never reach here, so their fixes are never applied.

A fix is a list of changes anchored at nodes (`changes.py`), made on the
file's libcst tree (`fixes.py`), so whatever the changes do not touch,
comments, formatting, line endings, stays as it was; only files with a fix
to apply are parsed with libcst. In a notebook the changes are made to each
cell's Python text (IPython syntax stays as it was) and only those `source`
values are rewritten in the notebook's JSON (see
`notebook.replace_cell_sources`). Nothing is written until every round is
done, and then each changed file is written atomically (`file_writer`).
"""
from __future__ import annotations

import io
import tokenize
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Dict, List, Optional, Sequence, Set, Tuple

from dllint.diagnostics import Diagnostic, Edit, Fix
from dllint.file_writer import RefusedWrite, check_parses, write_text_atomically
from dllint.fixes import CannotFix, apply_fixes_selecting, each_change_alone, edit_between, is_applicable, text_edits
from dllint.notebook import MalformedNotebook, in_python_of_cell, is_notebook, read_notebook, replace_cell_sources, source_with_python
from dllint.runner import Input, RunResult, Runner, read_input
from dllint.source import InvalidSyntax, UnreadableSource, parse_source

# A fix that keeps producing a finding with a fix (two rules undoing each
# other's work) must not loop forever.
MAX_ROUNDS = 10


@dataclass
class FixedFile:
    item: Input
    original: str  # as read (a notebook's JSON text)
    text: str  # with the fixes applied
    fixes: int  # how many fixes were applied


@dataclass
class FixOutcome:
    result: RunResult  # the findings that remain after fixing
    files: List[FixedFile] = field(default_factory=list)  # only files that changed
    # (path, reason): fixes that were not applied because the result would not parse
    refused: List[Tuple[str, str]] = field(default_factory=list)

    @property
    def fixed(self) -> int:
        return sum(changed.fixes for changed in self.files)


def fix_run(runner: Runner, inputs: Sequence[Input], missing: Sequence[str], unsafe_fixes: bool) -> FixOutcome:
    """Lint and fix until nothing more applies; write nothing.

    The first round lints everything; a later round checks only the files
    the round before changed (every file is still in the project index, and
    the unchanged ones are not parsed again), as ruff does: the findings of
    a file nobody changed stay those of the first round."""
    current: Dict[int, str] = {}
    originals: Dict[int, str] = {}
    counts: Dict[int, int] = defaultdict(int)
    refused: Dict[str, str] = {}
    # (path, code, fix message, changes) of every fix applied: a fix that
    # comes back after being applied did not remove its finding, and applying
    # it again would only repeat the change
    applied_before: Set[Tuple[str, str, str, Tuple[str, ...]]] = set()
    runner.kept_parses = {}
    first = runner.run(inputs, missing)
    findings: Dict[str, List[Diagnostic]] = defaultdict(list)  # the latest findings of each file
    for diagnostic in first.diagnostics:
        findings[diagnostic.path].append(diagnostic)
    tracebacks, warnings = list(first.tracebacks), list(first.warnings)
    changed: Set[str] = set(findings)  # the files whose findings are new
    try:
        for _ in range(MAX_ROUNDS):
            fixes_by_path: Dict[str, List[Diagnostic]] = defaultdict(list)
            for path in changed:
                for diagnostic in findings.get(path, ()):
                    if is_applicable(diagnostic.fix, unsafe_fixes) and diagnostic.path not in refused:
                        if _identity(diagnostic) not in applied_before:
                            fixes_by_path[diagnostic.path].append(diagnostic)
            changed = set()
            for index, item in enumerate(inputs):
                found = fixes_by_path.get(item.display_path)
                if not found:
                    continue
                text = current[index] if index in current else read_input(item)
                originals.setdefault(index, text)
                try:
                    new_text, applied = apply_to_file(item.display_path, text, [d.fix for d in found if d.fix is not None])
                except RefusedWrite as error:
                    refused[item.display_path] = str(error)
                    continue
                if applied and new_text != text:
                    taken = {id(fix) for fix in applied}
                    applied_before.update(_identity(d) for d in found if id(d.fix) in taken)
                    current[index] = new_text
                    counts[index] += len(applied)
                    changed.add(item.display_path)
            if not changed:
                break
            result = runner.run(_with_texts(inputs, current), missing, only=changed)
            for path in changed:
                findings[path] = [d for d in result.diagnostics if d.path == path]
            tracebacks += result.tracebacks
            warnings += [warning for warning in result.warnings if warning not in warnings]
    finally:
        runner.kept_parses = None
    diagnostics = sorted((d for found in findings.values() for d in found), key=lambda d: d.sort_key)
    result = RunResult(diagnostics, first.files_checked, tracebacks, warnings)
    files = [FixedFile(inputs[index], originals[index], text, counts[index]) for index, text in sorted(current.items())]
    return FixOutcome(result, files, sorted(refused.items()))


def _identity(diagnostic: Diagnostic) -> Tuple[str, str, str, Tuple[str, ...]]:
    fix = diagnostic.fix
    assert fix is not None
    return (diagnostic.path, diagnostic.code, fix.message, tuple(f"{change.kind}:{change.code}" for change in fix.changes))


def _with_texts(inputs: Sequence[Input], texts: Dict[int, str]) -> List[Input]:
    return [replace(item, text=texts[index], data=None, tree=None) if index in texts else item for index, item in enumerate(inputs)]


def apply_to_file(path: str, text: str, fixes: Sequence[Fix]) -> Tuple[str, List[Fix]]:
    """`text` with the fixes applied, and those that were; RefusedWrite when
    the result would not parse (nothing is applied then)."""
    if is_notebook(path):
        return _apply_to_notebook(text, fixes)
    try:
        new_text, applied = apply_fixes_selecting(text, fixes)
    except CannotFix as error:
        raise RefusedWrite(str(error)) from None
    try:
        parse_source(new_text, path)
    except (InvalidSyntax, UnreadableSource) as error:
        raise RefusedWrite(f"fixing would leave a syntax error ({error})") from None
    return new_text, applied


def _apply_to_notebook(text: str, fixes: Sequence[Fix]) -> Tuple[str, List[Fix]]:
    try:
        notebook = read_notebook(text)
    except MalformedNotebook as error:
        raise RefusedWrite(str(error)) from None
    by_cell: Dict[int, List[Fix]] = defaultdict(list)
    for fix in fixes:
        cells = {change.cell for change in fix.changes}
        if len(cells) == 1 and None not in cells:  # a fix spread over cells is left alone
            by_cell[cells.pop()].append(fix)  # type: ignore[index]
    new_sources: Dict[int, str] = {}
    applied: List[Fix] = []
    for number, cell_fixes in sorted(by_cell.items()):
        cell = notebook.cell_numbered(number)
        if cell is None:
            continue
        # the changes, given within the cell's Python text (magics are `pass` there)
        converted = [(replace(fix, changes=tuple(in_python_of_cell(change, cell) for change in fix.changes)), fix) for fix in cell_fixes]
        try:
            python, taken = apply_fixes_selecting(cell.python, [new for new, _ in converted])
        except CannotFix:
            continue
        source = source_with_python(cell, python) if taken else None
        if source is not None and source != cell.source:
            new_sources[cell.index] = source
            taken_ids = {id(fix) for fix in taken}
            applied += [fix for new, fix in converted if id(new) in taken_ids]
    if not new_sources:
        return text, []
    new_text = replace_cell_sources(text, new_sources)
    check_parses(new_text, "notebook.ipynb")
    if len(read_notebook(new_text).errors) > len(notebook.errors):
        raise RefusedWrite("fixing would leave a cell with a syntax error")
    return new_text, applied


# --------------------------------------------------------------------------- output


def reported_edits(path: str, text: str, fix: Fix) -> Tuple[Edit, ...]:
    """The text replacements `fix` amounts to, for JSON and SARIF: derived
    from the libcst rewrite, so they are what `--fix` does. In a notebook
    (`text` is its JSON) they are given within the fix's cell, in its source.
    () when the fix cannot be applied to `text` as it is now."""
    if not is_notebook(path):
        return text_edits(text, fix)
    cells = {change.cell for change in fix.changes}
    try:
        notebook = read_notebook(text)
    except MalformedNotebook:
        return ()
    cell = notebook.cell_numbered(cells.pop()) if len(cells) == 1 and None not in cells else None  # type: ignore[arg-type]
    if cell is None:
        return ()
    rewritten = each_change_alone(cell.python, replace(fix, changes=tuple(in_python_of_cell(change, cell) for change in fix.changes)))
    if rewritten is None:
        return ()
    edits = []
    for change, (_, python) in zip(fix.changes, rewritten):
        source = source_with_python(cell, python)
        if source is None:
            return ()
        edits.append(replace(edit_between(cell.source, source, change), cell=cell.number))
    return tuple(sorted(edits, key=lambda edit: (edit.start, edit.end)))


def notebook_file_edit(text: str, fix: Fix) -> Optional[Edit]:
    """The fix as one replacement in the notebook file's JSON text (whole
    lines of it), for SARIF, whose artifact is the file: applying it to the
    file gives the fixed notebook. None when the fix cannot be applied."""
    try:
        new_text, applied = _apply_to_notebook(text, [fix])
    except RefusedWrite:
        return None
    if not applied or new_text == text:
        return None
    prefix = 0
    limit = min(len(text), len(new_text))
    while prefix < limit and text[prefix] == new_text[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and text[-1 - suffix] == new_text[-1 - suffix]:
        suffix += 1
    start = text.rfind("\n", 0, prefix) + 1  # whole lines: from the start of the first changed one
    end = len(text) - suffix
    if end > start and not text[end - 1 : end] == "\n":
        following = text.find("\n", end)
        end = len(text) if following == -1 else following + 1
        suffix = len(text) - end
    inserted = new_text[start : len(new_text) - suffix]
    return Edit(_file_position(text, start), _file_position(text, end), inserted)


def _file_position(text: str, offset: int) -> Tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1



def unified_diff(changed: FixedFile) -> str:
    """The change as a unified diff; for a notebook, one diff per changed cell."""
    import difflib  # only --diff prints one

    path = changed.item.display_path
    if not is_notebook(path):
        return "".join(difflib.unified_diff(_lines(changed.original), _lines(changed.text), fromfile=path, tofile=path))
    before = {cell.number: cell.source for cell in read_notebook(changed.original).cells}
    after = {cell.number: cell.source for cell in read_notebook(changed.text).cells}
    pieces = []
    for number in sorted(after):
        if before.get(number) != after[number]:
            name = f"{path}:cell {number}"
            pieces.append("".join(difflib.unified_diff(_lines(before.get(number, "")), _lines(after[number]), fromfile=name, tofile=name)))
    return "".join(pieces)


def _lines(text: str) -> List[str]:
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += "\n\\ No newline at end of file\n"
    return lines


def write_fixed(changed: FixedFile) -> None:
    """Write a fixed file back, atomically, in the encoding it was read in
    (and with its byte order mark)."""
    assert changed.item.path is not None
    encoding, bom = "utf-8", False
    try:
        data = changed.item.path.read_bytes()
        bom = data.startswith(b"\xef\xbb\xbf")
        if not is_notebook(changed.item.display_path):
            encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except (OSError, SyntaxError):
        pass
    if encoding == "utf-8-sig":
        encoding, bom = "utf-8", True
    try:
        write_text_atomically(changed.item.path, changed.text, encoding=encoding, bom=bom)
    except UnicodeEncodeError as error:
        raise RefusedWrite(f"the fixed text cannot be written as {encoding}: {error.reason}") from None
