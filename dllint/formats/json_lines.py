"""`json-lines`: the objects of the `json` format, one per line, so a
consumer can stream them; no findings is no output."""
from __future__ import annotations

import json
from typing import Sequence

from dllint.diagnostics import Diagnostic
from dllint.formats.context import ReportContext
from dllint.formats.json_array import finding


def render(diagnostics: Sequence[Diagnostic], context: ReportContext) -> str:
    return "".join(json.dumps(finding(d, context), ensure_ascii=False) + "\n" for d in diagnostics)
