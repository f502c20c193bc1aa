"""`json`: a list of findings, with ruff's keys wherever they mean the same.

    {"code": "DL103", "name": "method-not-called", "message": "...",
     "filename": "train.py", "location": {"row": 41, "column": 9},
     "end_location": {"row": 41, "column": 23}, "noqa_row": 41,
     "fix": {"applicability": "unsafe", "message": "...", "edits": [
         {"content": "()", "location": {...}, "end_location": {...}}]},
     "url": "https://.../DL103.md"}

Rows and columns are 1-based, columns count characters (as ruff's do).
`filename` is the path as reported in the text format (as given on the
command line), not made absolute. `end_location` equals `location` for the
engine's own findings, which have no extent; `fix` is null without a fix.
`noqa_row` is the line where a `# noqa` silences the finding. `cell` is the
notebook cell (1-based, every cell counted) for a finding in a notebook, whose
rows are then counted within the cell (an edit carries its own `cell`), and
null elsewhere, as in ruff's JSON. A fix's `edits` are derived from the libcst
rewrite `--fix` makes of the file as it is on disk (`fixing.reported_edits`);
a fix that no longer applies to that text has no edits.
"""
from __future__ import annotations

import json
from typing import Any, Dict, Optional, Sequence

from dllint.diagnostics import Diagnostic, Edit, Fix
from dllint.formats.context import ReportContext, code_info


def _location(row: int, column: int) -> Dict[str, int]:
    return {"row": row, "column": column}


def _fix(fix: Optional[Fix], edits: Sequence[Edit]) -> Optional[Dict[str, Any]]:
    if fix is None:
        return None
    return {
        "applicability": "safe" if fix.safe else "unsafe",
        "message": fix.message,
        "edits": [
            {"content": edit.replacement, "location": _location(*edit.start), "end_location": _location(*edit.end), **({"cell": edit.cell} if edit.cell is not None else {})}
            for edit in edits
        ],
    }


def finding(diagnostic: Diagnostic, context: ReportContext) -> Dict[str, Any]:
    """One finding as a JSON-ready dict (shared with `json-lines`)."""
    d = diagnostic
    end = _location(d.end_line, d.end_column) if d.end_line is not None and d.end_column is not None else _location(d.line, d.column)
    return {
        "code": d.code,
        "name": d.name or code_info(d.code).name,
        "message": d.message,
        "filename": d.path,
        "location": _location(d.line, d.column),
        "end_location": end,
        "noqa_row": d.line,
        "cell": d.cell,
        "fix": _fix(d.fix, context.fix_edits(d)),
        "url": code_info(d.code).url,
    }


def render(diagnostics: Sequence[Diagnostic], context: ReportContext) -> str:
    return json.dumps([finding(d, context) for d in diagnostics], indent=2, ensure_ascii=False) + "\n"
