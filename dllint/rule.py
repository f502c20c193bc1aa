"""The base class every rule in `rules/` subclasses, and its examples.

A rule is a small class: a code, a kebab-case name that names the problem, a
message, a docstring in ruff's sections (What it does / Why is this bad? /
Example / Use instead / Known limits) and two lists of examples. The examples
are at once the rule's tests (tests/test_rule_examples.py) and its docs
(docs/rules/DLnnn.md): the first INVALID example is rendered as *Example* and
the first VALID one as *Use instead*.

Checking happens in one shared walk over the tree: the runner calls
`visit_<NodeType>(node)` on every rule that defines it, then `finish()`.
Rules ask the semantic model (`self.semantic`) what values are; they never
resolve imports or names themselves.
"""
from __future__ import annotations

import ast
import inspect
import re
from dataclasses import field
from typing import TYPE_CHECKING, Any, ClassVar, Dict, List, Mapping, Optional, Sequence, Tuple

from dllint.diagnostics import Diagnostic, Fix
from dllint.lazy_dataclass import lazy_dataclass
from dllint.lazy_pattern import LazyPattern

_LINE_BREAK = LazyPattern(r"[ \t]*(?:\r\n|\r|\n)[ \t]*")


def one_line(text: str) -> str:
    """`text` on one line: every output format prints a finding per line, and
    messages quote source code, which may span lines (`(model\\n    .eval)`).
    A break becomes a space, or nothing where the code continues (after an
    opening bracket, before a dot or a closing bracket)."""

    def join(match: "re.Match[str]") -> str:
        before = text[match.start() - 1] if match.start() else ""
        after = text[match.end()] if match.end() < len(text) else ""
        return "" if before in "([{" or after in ".)]}," else " "

    return _LINE_BREAK.sub(join, text)


if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.module import ModuleModel
    from dllint.source import SourceFile


@lazy_dataclass(frozen=True)
class Example:
    """Source text a rule must (INVALID) or must not (VALID) report.

    `code` is one file, dedented. For a project (several files understood
    together) give `files` instead, mapping relative paths to their text; the
    file holding the finding is named in each expected position.

    `expect` lists the positions the rule reports, as printed: "line:col" for
    a one-file example, "path:line:col" for a project example. `fix` is the
    text of the file after the finding's fix is applied, where there is one.
    """

    code: str = ""
    expect: Tuple[str, ...] = ()
    files: Mapping[str, str] = field(default_factory=dict)
    fix: Optional[str] = None
    title: str = ""

    def sources(self) -> Dict[str, str]:
        import textwrap  # (the examples are read by the tests and the docs, not by a run)

        if self.files:
            return {path: textwrap.dedent(text).lstrip("\n") for path, text in self.files.items()}
        return {"example.py": textwrap.dedent(self.code).lstrip("\n")}


def Valid(code: str = "", *, files: Optional[Mapping[str, str]] = None, title: str = "") -> Example:
    return Example(code=code, files=dict(files or {}), title=title)


def Invalid(
    code: str = "",
    *positions: str,
    files: Optional[Mapping[str, str]] = None,
    expect: Sequence[str] = (),
    fix: Optional[str] = None,
    title: str = "",
) -> Example:
    expect = tuple(positions) + tuple(expect)
    if not expect:
        raise ValueError("an INVALID example must say where the rule reports")
    return Example(code=code, expect=tuple(expect), files=dict(files or {}), fix=fix, title=title)


class Rule:
    code: ClassVar[str] = ""
    name: ClassVar[str] = ""
    message: ClassVar[str] = ""
    # option name -> default value; configured under [tool.dllint.<CODE>]
    options: ClassVar[Dict[str, Any]] = {}
    # A pattern the file's text must contain for the rule to have anything to
    # say; files without it skip the rule (and, when no rule is left, the walk).
    triggers: ClassVar[Optional[LazyPattern]] = None
    VALID: ClassVar[Sequence[Example]] = ()
    INVALID: ClassVar[Sequence[Example]] = ()

    def __init__(self, source: "SourceFile", semantic: "ModuleModel", options: Optional[Dict[str, Any]] = None):
        self.source = source
        self.semantic = semantic
        self.settings: Dict[str, Any] = {**self.options, **(options or {})}
        self.diagnostics: List[Diagnostic] = []

    # -- documentation -------------------------------------------------
    @classmethod
    def documentation(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def summary(cls) -> str:
        """The first sentence of *What it does*, for tables and SARIF."""
        doc = cls.documentation()
        lines = doc.splitlines()
        for index, line in enumerate(lines):
            if line.strip().lower().startswith("## what it does"):
                body = []
                for following in lines[index + 1 :]:
                    if following.startswith("## "):
                        break
                    body.append(following.strip())
                text = " ".join(part for part in body if part)
                return text.split(". ")[0].rstrip(".") + "."
        return lines[0] if lines else ""

    # -- reporting -----------------------------------------------------
    def report(self, node: ast.AST, message: Optional[str] = None, *, fix: Optional[Fix] = None, **details: Any) -> None:
        """Report `node`. `details` fill the placeholders of `message`."""
        text = one_line((message or self.message).format(**details))
        self.diagnostics.append(self.source.diagnostic(node, self.code, text, name=self.name, fix=fix))

    def finish(self) -> None:
        """Called once after the walk; whole-file rules do their work here."""
