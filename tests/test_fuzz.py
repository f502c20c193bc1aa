"""Fuzzing: whatever dllint is given, what it returns holds together.

Programs come from Python's grammar (hypothesmith), prefixed with ML imports
so that the rules run, and from mutations of the example scripts in
docs/examples and of the rules' examples (lines deleted, swapped, indented,
names renamed, the file cut at a random byte, form feeds and exotic Unicode
line and space characters inserted). For every input:

* every position lies inside the file (lines as the tokenizer counts them);
* a `# noqa` added to the reported line silences the finding;
* the output is the same when linted again (and across PYTHONHASHSEED);
* input that does not parse yields DL001/DL002 only, and nothing yields DL000.

Profiles: `ci` (default, bounded to well under a minute) and `long`, chosen
with DLLINT_FUZZ_PROFILE=long (and DLLINT_FUZZ_EXAMPLES=N to set the count).
"""
from __future__ import annotations

import ast
import io
import os
import subprocess
import sys
import tokenize
import warnings
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
hypothesmith = pytest.importorskip("hypothesmith")
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

from dllint.registry import all_rules  # noqa: E402
from dllint.runner import Input, Runner  # noqa: E402
from dllint.settings import Settings  # noqa: E402
from dllint.source import source_lines  # noqa: E402

_SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile("ci", max_examples=40, deadline=None, suppress_health_check=_SLOW, derandomize=True)
settings.register_profile("long", max_examples=int(os.environ.get("DLLINT_FUZZ_EXAMPLES", "3000")), deadline=None,
                          suppress_health_check=_SLOW)
_PROFILE = settings.get_profile(os.environ.get("DLLINT_FUZZ_PROFILE", "ci"))

REPOSITORY = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((REPOSITORY / "docs" / "examples").glob("*.py"))
SEEDS = [path.read_text(encoding="utf-8") for path in EXAMPLES] + [
    text for rule in all_rules() for example in rule.INVALID + rule.VALID
    if not example.files for text in example.sources().values()
]
ML_PREFIX = "import torch\nimport torch.nn as nn\nimport tensorflow as tf\nfrom sklearn.model_selection import train_test_split\n"
# characters Python keeps inside a line that str.splitlines() breaks at, and odd spaces
EXOTIC = ["\x0c", "\x0b", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029", "\u00a0", "\u3000", "\t", "\r", "\r\n", "\ufeff"]

_RUNNER = Runner(Settings(), jobs=1)


def lint(text: str):
    return _RUNNER.run([Input(display_path="fuzzed.py", text=text)]).diagnostics


def check_invariants(text: str) -> None:
    diagnostics = lint(text)
    codes = {d.code for d in diagnostics}
    assert "DL000" not in codes, (diagnostics, text)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarnings of fuzzed code are not ours
            ast.parse(text)
        parses = True
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        parses = False
    if not parses:
        assert codes <= {"DL001", "DL002"}, (diagnostics, text)
    lines = source_lines(text)
    for d in diagnostics:
        if d.code in ("DL001", "DL002"):
            continue
        assert 1 <= d.line <= len(lines), (d, text)
        assert 1 <= d.column <= len(lines[d.line - 1]) + 1, (d, text)
        if d.end_line is not None:
            assert d.line <= d.end_line <= len(lines), (d, text)
            assert 1 <= (d.end_column or 1) <= len(lines[d.end_line - 1]) + 1, (d, text)
    assert [d.sort_key for d in lint(text)] == [d.sort_key for d in diagnostics], "not deterministic"
    for d in diagnostics[:3]:
        if d.code in ("DL001", "DL002"):
            continue
        silenced = _with_noqa(text, d.line, d.code)
        if silenced is not None:
            again = [other for other in lint(silenced) if (other.line, other.column, other.code) == (d.line, d.column, d.code)]
            assert not again, (d, silenced)


def _with_noqa(text: str, line: int, code: str):
    """`text` with `# noqa: CODE` at the end of `line`, or None when a comment
    cannot go there (inside a string, after a line continuation)."""
    pieces = _split_keeping_ends(text)
    if not 1 <= line <= len(pieces):
        return None
    body = pieces[line - 1].rstrip("\r\n")
    end = pieces[line - 1][len(body):]
    if body.rstrip().endswith("\\"):
        return None
    pieces[line - 1] = f"{body}  # noqa: {code}{end or ''}"
    changed = "".join(pieces)
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(changed).readline))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(changed)
    except (tokenize.TokenError, SyntaxError, ValueError, IndentationError):
        return None
    if not any(t.type == tokenize.COMMENT and t.start[0] == line and "noqa" in t.string for t in tokens):
        return None
    return changed


def _split_keeping_ends(text: str):
    import re

    return re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", text)


@st.composite
def mutated_examples(draw):
    text = draw(st.sampled_from(SEEDS))
    lines = _split_keeping_ends(text)
    for _ in range(draw(st.integers(0, 4))):
        if not lines:
            break
        kind = draw(st.sampled_from(["delete", "swap", "indent", "rename", "exotic", "truncate", "duplicate"]))
        at = draw(st.integers(0, len(lines) - 1))
        if kind == "delete":
            del lines[at]
        elif kind == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        elif kind == "indent":
            lines[at] = draw(st.sampled_from(["    ", "\t", " ", "        "])) + lines[at]
        elif kind == "duplicate":
            lines.insert(at, lines[at])
        elif kind == "rename":
            words = sorted({word for line in lines for word in line.replace("(", " ").replace(".", " ").split() if word.isidentifier()})
            if words:
                old = draw(st.sampled_from(words))
                new = draw(st.sampled_from(["model", "loss", "optimizer", "x", "val_loader", "eval", "train", "é", old + "_2"]))
                lines = [line.replace(old, new) for line in lines]
        elif kind == "exotic":
            position = draw(st.integers(0, len(lines[at])))
            lines[at] = lines[at][:position] + draw(st.sampled_from(EXOTIC)) + lines[at][position:]
        elif kind == "truncate":
            data = "".join(lines).encode("utf-8")
            cut = draw(st.integers(0, len(data)))
            return data[:cut].decode("utf-8", errors="ignore")
    return "".join(lines)


@_PROFILE
@given(mutated_examples())
def test_mutated_examples_hold_the_invariants(text):
    check_invariants(text)


@settings(_PROFILE, max_examples=max(10, _PROFILE.max_examples // 4))
@given(hypothesmith.from_grammar())
def test_grammar_generated_programs_hold_the_invariants(source):
    check_invariants(ML_PREFIX + source)


def test_a_form_feed_and_line_separators_do_not_move_lines():
    # str.splitlines() breaks at \x0c and U+2028: the noqa and the columns were off by those lines
    text = (
        "import torch\nfrom torch import nn\nmodel = nn.Linear(2, 1)\n"
        "s = 'a\u2028b\x85c'\n\x0coptimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        "for x, y in loader:\n    loss = nn.functional.mse_loss(model(x), y)\n    loss.backward  # noqa: DL103\n"
        "    optimizer.step()\n    optimizer.zero_grad()\n"
    )
    assert [d.code for d in lint(text)] == []
    check_invariants(text.replace("  # noqa: DL103", ""))


def test_output_is_the_same_across_hash_seeds(tmp_path):
    def run(hash_seed):
        return subprocess.run(
            [sys.executable, "-c", "from dllint.cli import main; main()", "--isolated", "--format", "json", "-j", "1",
             *map(str, EXAMPLES)], capture_output=True, env={**os.environ, "PYTHONHASHSEED": hash_seed}, cwd=tmp_path,
            timeout=300,
        ).stdout

    first = run("0")
    assert first and first == run("12345")
