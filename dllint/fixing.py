"""`--fix`, `--diff`, `--fix-only`: applying findings' fixes to files.

Rounds, as ruff does it: lint every file (the whole project, so the project
index is what a plain run sees), apply to each file the fixes `--fix` may
apply (safe ones; unsafe ones too with `--unsafe-fixes`), check that the new
text still parses, and lint again with the new texts, until a round applies
nothing or `MAX_ROUNDS` is reached. Findings silenced by `# noqa`, or not
selected for the file, never reach here, so their fixes are never applied.

A fix is a list of text edits at exact positions (`diagnostics.Edit`), so
whatever the edits do not touch, comments, formatting, line endings, stays
as it was. In a notebook the edits are made to the cells' sources and only
those `source` values are rewritten in the notebook's JSON (see
`notebook.replace_cell_sources`). Nothing is written until every round is
done, and then each changed file is written atomically (`file_writer`).
"""
from __future__ import annotations

import io
import tokenize
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Dict, List, Optional, Sequence, Set, Tuple

from dllint.diagnostics import Diagnostic, Fix
from dllint.file_writer import RefusedWrite, check_parses, write_text_atomically
from dllint.fixes import apply_fixes_selecting, is_applicable
from dllint.notebook import MalformedNotebook, is_notebook, read_notebook, replace_cell_sources
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
    """Lint and fix until nothing more applies; write nothing."""
    current: Dict[int, str] = {}
    originals: Dict[int, str] = {}
    counts: Dict[int, int] = defaultdict(int)
    refused: Dict[str, str] = {}
    # (path, code, fix message, replacements) of every fix applied: a fix that
    # comes back after being applied did not remove its finding, and applying
    # it again would only repeat the edit
    applied_before: Set[Tuple[str, str, str, Tuple[str, ...]]] = set()
    for _ in range(MAX_ROUNDS):
        result = runner.run(_with_texts(inputs, current), missing)
        fixes_by_path: Dict[str, List[Diagnostic]] = defaultdict(list)
        for diagnostic in result.diagnostics:
            if is_applicable(diagnostic.fix, unsafe_fixes) and diagnostic.path not in refused:
                if _identity(diagnostic) not in applied_before:
                    fixes_by_path[diagnostic.path].append(diagnostic)
        applied_any = False
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
                applied_any = True
        if not applied_any:
            break
    else:
        result = runner.run(_with_texts(inputs, current), missing)
    files = [FixedFile(inputs[index], originals[index], text, counts[index]) for index, text in sorted(current.items())]
    return FixOutcome(result, files, sorted(refused.items()))


def _identity(diagnostic: Diagnostic) -> Tuple[str, str, str, Tuple[str, ...]]:
    fix = diagnostic.fix
    assert fix is not None
    return (diagnostic.path, diagnostic.code, fix.message, tuple(edit.replacement for edit in fix.edits))


def _with_texts(inputs: Sequence[Input], texts: Dict[int, str]) -> List[Input]:
    return [replace(item, text=texts[index], data=None, tree=None) if index in texts else item for index, item in enumerate(inputs)]


def apply_to_file(path: str, text: str, fixes: Sequence[Fix]) -> Tuple[str, List[Fix]]:
    """`text` with the fixes applied, and those that were; RefusedWrite when
    the result would not parse (nothing is applied then)."""
    if is_notebook(path):
        return _apply_to_notebook(text, fixes)
    new_text, applied = apply_fixes_selecting(text, fixes)
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
        cells = {edit.cell for edit in fix.edits}
        if len(cells) == 1 and None not in cells:  # a fix spread over cells is left alone
            by_cell[cells.pop()].append(fix)
    new_sources: Dict[int, str] = {}
    applied: List[Fix] = []
    for number, cell_fixes in sorted(by_cell.items()):
        cell = notebook.cell_numbered(number)
        if cell is None:
            continue
        source, taken = apply_fixes_selecting(cell.source, cell_fixes)
        if taken and source != cell.source:
            new_sources[cell.index] = source
            applied += taken
    if not new_sources:
        return text, []
    new_text = replace_cell_sources(text, new_sources)
    check_parses(new_text, "notebook.ipynb")
    if len(read_notebook(new_text).errors) > len(notebook.errors):
        raise RefusedWrite("fixing would leave a cell with a syntax error")
    return new_text, applied


# --------------------------------------------------------------------------- output


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


def fixable_summary(diagnostics: Sequence[Diagnostic], unsafe_fixes: bool) -> Optional[str]:
    """ruff's line about fixes: `[*] 2 fixable with the `--fix` option (1
    hidden fix can be enabled with the `--unsafe-fixes` option).`"""
    fixable = sum(1 for d in diagnostics if is_applicable(d.fix, unsafe_fixes))
    hidden = 0 if unsafe_fixes else sum(1 for d in diagnostics if d.fix is not None and not d.fix.safe)
    hint = f" ({hidden} hidden fix{'es' if hidden != 1 else ''} can be enabled with the `--unsafe-fixes` option)" if hidden else ""
    if fixable:
        return f"[*] {fixable} fixable with the `--fix` option{hint}."
    if hidden:
        return f"No fixes available{hint}."
    return None
