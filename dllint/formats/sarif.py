"""`sarif`: SARIF 2.1.0, the format GitHub code scanning uploads.

One run. `tool.driver` names dllint, its version and home page, and lists the
rules the run's select/ignore let through (not every rule dllint has), each
with a short description (the rule's summary), a full description (its *What
it does*), its rendered documentation as `help` and the URL of its page.
Results point at files by URIs relative to the repository root (see
`ReportContext.root`), with the `%SRCROOT%` base declared in
`originalUriBaseIds`; files outside it get absolute `file:` URIs. Regions are 1-based with an exclusive end
column, as SARIF wants; columns count Unicode code points (dllint's
character columns), which `columnKind` says. A finding's fix becomes a
SARIF `fix`.

A finding in a notebook points into the notebook file itself (the line and
column of the JSON text that holds the cell's source line, which is what a
viewer of the file shows), and carries the cell and the position within it
in its `properties` (`cell`, `cellLine`, `cellColumn`). A notebook that
cannot be read again (read from stdin) keeps the cell position as region.
A fix in a notebook is one replacement in the notebook file's text: the JSON
lines holding the cell's `source` that change, replaced by their new lines
(the positions are the file's, like the finding's region), so that a tool
applying SARIF fixes gets the fixed notebook. Replacements are derived from
the libcst rewrite that `--fix` makes (`fixing.reported_edits`).
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence
from urllib.parse import quote

from dllint import __version__
from dllint.diagnostics import Diagnostic, Edit
from dllint.formats.context import ReportContext, code_info
from dllint.notebook import MalformedNotebook, file_position

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"


def _artifact_location(path: str, root: Path) -> Dict[str, str]:
    """A URI relative to %SRCROOT% when `path` lies under the root, else absolute."""
    absolute = Path(os.path.abspath(path))
    for candidate, base in ((absolute, Path(os.path.abspath(root))), (Path(os.path.realpath(absolute)), Path(os.path.realpath(root)))):
        try:
            relative = candidate.relative_to(base)
        except ValueError:
            continue
        return {"uri": quote(relative.as_posix()), "uriBaseId": SRCROOT}
    return {"uri": absolute.as_uri()}


def _region(line: int, column: int, end_line: Optional[int], end_column: Optional[int]) -> Dict[str, int]:
    region = {"startLine": line, "startColumn": column}
    if end_line is not None and end_column is not None:
        region.update(endLine=end_line, endColumn=end_column)
    return region


def _replacement(edit: Edit) -> Dict[str, Any]:
    return {
        "deletedRegion": _region(edit.start[0], edit.start[1], edit.end[0], edit.end[1]),
        "insertedContent": {"text": edit.replacement},
    }


def _notebook_region(d: Diagnostic, texts: Dict[str, Optional[str]]) -> Optional[Dict[str, int]]:
    if d.path not in texts:
        try:
            with open(d.path, encoding="utf-8") as handle:
                texts[d.path] = handle.read()
        except (OSError, UnicodeDecodeError):
            texts[d.path] = None
    text = texts[d.path]
    if text is None or d.cell is None:
        return None
    try:
        line, column = file_position(text, d.cell - 1, d.line, d.column)
        if d.end_line is None or d.end_column is None:
            return _region(line, column, None, None)
        end_line, end_column = file_position(text, d.cell - 1, d.end_line, d.end_column)
    except (MalformedNotebook, ValueError, IndexError, AssertionError):
        return None
    return _region(line, column, end_line, end_column)


def _fixes(d: Diagnostic, location: Dict[str, str], context: ReportContext) -> Optional[List[Dict[str, Any]]]:
    """The finding's fix as a SARIF `fix`, replacements derived from the libcst
    rewrite. In a notebook the artifact is the notebook file: one replacement
    of the JSON lines that hold the changed cell source."""
    if d.fix is None:
        return None
    if d.cell is None:
        edits = list(context.fix_edits(d))
    else:
        edit = context.fix_file_edit(d)
        edits = [edit] if edit is not None else []
    if not edits:
        return None
    return [
        {
            "description": {"text": d.fix.message},
            "artifactChanges": [{"artifactLocation": location, "replacements": [_replacement(edit) for edit in edits]}],
        }
    ]


def _result(d: Diagnostic, index: Dict[str, int], root: Path, notebook_texts: Dict[str, Optional[str]], context: ReportContext) -> Dict[str, Any]:
    location = _artifact_location(d.path, root)
    region = _region(d.line, d.column, d.end_line, d.end_column)
    if d.cell is not None:
        region = _notebook_region(d, notebook_texts) or region
    result: Dict[str, Any] = {
        "ruleId": d.code,
        # DL000 is dllint failing, not the code being wrong
        "level": "warning" if d.code == "DL000" else "error",
        "message": {"text": d.message},
        "locations": [
            {"physicalLocation": {"artifactLocation": location, "region": region}}
        ],
    }
    if d.cell is not None:
        result["properties"] = {"cell": d.cell, "cellLine": d.line, "cellColumn": d.column}
    if d.code in index:
        result["ruleIndex"] = index[d.code]
    fixes = _fixes(d, location, context)
    if fixes:
        result["fixes"] = fixes
    return result


def _rule(code: str) -> Dict[str, Any]:
    info = code_info(code)
    return {
        "id": info.code,
        "name": info.name,
        "shortDescription": {"text": info.summary},
        "fullDescription": {"text": info.description},
        "help": {"text": info.documentation, "markdown": info.documentation},
        "helpUri": info.url,
        "defaultConfiguration": {"level": "warning" if code == "DL000" else "error"},
    }


def log(diagnostics: Sequence[Diagnostic], context: ReportContext) -> Dict[str, Any]:
    from dllint.rule_docs import PROJECT_URL

    codes: List[str] = [info.code for info in context.selected()]
    # A finding whose code was not selected cannot reach here (the runner
    # filters), but keep the log consistent if one does.
    codes += sorted({d.code for d in diagnostics} - set(codes))
    index = {code: position for position, code in enumerate(codes)}
    root = Path(context.root)
    notebook_texts: Dict[str, Optional[str]] = {}
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "dllint",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": PROJECT_URL,
                        "rules": [_rule(code) for code in codes],
                    }
                },
                "originalUriBaseIds": {SRCROOT: {"uri": Path(os.path.abspath(root)).as_uri().rstrip("/") + "/"}},
                "columnKind": "unicodeCodePoints",
                "results": [_result(d, index, root, notebook_texts, context) for d in diagnostics],
            }
        ],
    }


def render(diagnostics: Sequence[Diagnostic], context: ReportContext) -> str:
    return json.dumps(log(diagnostics, context), indent=2, ensure_ascii=False) + "\n"
