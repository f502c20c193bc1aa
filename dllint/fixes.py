"""Applying fixes to a text, on its libcst concrete syntax tree.

A rule describes a fix as changes anchored at `ast` nodes (`changes.py`).
Here the text is parsed with libcst, each change finds its node by position
(libcst's `PositionProvider` uses the same spans as `ast`: 1-based lines,
character columns, parentheses excluded), and one transformer makes every
change on the tree; printing the tree gives the new text. Whatever no change
touches, comments, formatting, line endings, is printed exactly as it was
read, and new code takes the file's own indentation and line ending.

A fix is all or nothing: it is applied only when each of its changes finds
its node and none overlaps a change of a fix applied before it (in the order
of their first change), as ruff does; what is left over is picked up by the
next round of `--fix`, which lints the new text again.

libcst is imported only here, and only when a fix is applied or its text
edits are reported (JSON, SARIF): linting never parses with it.

`text_edits` gives the text replacements a fix amounts to, for the formats
that report them: each change is applied alone on the tree and the changed
region read off the printed text, so what is reported is what `--fix` does.
"""
from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from dllint.diagnostics import CALL, CALL_METHOD, INSERT_BEFORE, KEEP_PART, REPLACE, SET_KEYWORD, Change, Edit, Fix
from dllint.lazy_pattern import LazyPattern

if TYPE_CHECKING:  # pragma: no cover
    import libcst as cst

Position = Tuple[int, int]
Span = Tuple[Position, Position]


class CannotFix(Exception):
    """libcst cannot read the text (a syntax libcst does not know yet)."""


def is_applicable(fix: Optional[Fix], unsafe_fixes: bool) -> bool:
    """Whether `--fix` applies this fix: a safe one always, an unsafe one
    only with `--unsafe-fixes`."""
    return fix is not None and (fix.safe or unsafe_fixes)


# --------------------------------------------------------------------------- applying


def apply_fixes(text: str, fixes: Iterable[Fix]) -> str:
    """The text with every fix that fits applied."""
    return apply_fixes_selecting(text, fixes)[0]


def apply_fixes_counting(text: str, fixes: Iterable[Fix]) -> Tuple[str, int]:
    """The text with every fix that fits applied, and how many fixes that was."""
    new_text, applied = apply_fixes_selecting(text, fixes)
    return new_text, len(applied)


def apply_fixes_selecting(text: str, fixes: Iterable[Fix]) -> Tuple[str, List[Fix]]:
    """The text with every fix that fits applied, and those fixes.
    CannotFix when libcst cannot parse the text."""
    fixes = [fix for fix in fixes if fix.changes]
    if not fixes:
        return text, []
    tree = _tree(text)
    located = []
    for fix in fixes:
        found = [tree.locate(change) for change in fix.changes]
        if all(item is not None for item in found):
            located.append((sorted(_span(change) for change in fix.changes), fix))
    located.sort(key=lambda item: item[0][0])
    taken: List[Span] = []
    applied: List[Fix] = []
    for spans, fix in located:
        if any(_overlaps(span, other) for span in spans for other in taken):
            continue
        taken.extend(spans)
        applied.append(fix)
    if not applied:
        return text, []
    return tree.rewrite([change for fix in applied for change in fix.changes]), applied


def text_edits(text: str, fix: Fix) -> Tuple[Edit, ...]:
    """The text replacements `fix` amounts to in `text`, one per change, as
    JSON and SARIF report them; () when it cannot be applied to this text."""
    rewritten = each_change_alone(text, fix)
    if rewritten is None:
        return ()
    return tuple(sorted((edit_between(text, new_text, change) for change, new_text in rewritten), key=lambda edit: (edit.start, edit.end)))


def each_change_alone(text: str, fix: Fix) -> Optional[List[Tuple[Change, str]]]:
    """For each change of `fix`, the text with that change alone made; None
    when one of them finds no node (or libcst cannot read the text)."""
    try:
        tree = _tree(text)
    except CannotFix:
        return None
    if any(tree.locate(change) is None for change in fix.changes):
        return None
    return [(change, tree.rewrite([change])) for change in fix.changes]


def _span(change: Change) -> Span:
    return change.start, change.end


def _overlaps(a: Span, b: Span) -> bool:
    """Two changes collide when their ranges share text, or when both insert
    at the same place (their order would be a guess)."""
    if a[0] == a[1] == b[0] == b[1]:
        return True
    return a[0] < b[1] and b[0] < a[1]


# --------------------------------------------------------------------------- the tree


@lru_cache(maxsize=4)
def _tree(text: str) -> "_Tree":
    """The libcst tree of `text` with its nodes indexed by position (cached:
    reporting asks once per fix of the same file)."""
    import libcst as cst
    from libcst.metadata import MetadataWrapper

    try:
        module = cst.parse_module(text)
    except (cst.ParserSyntaxError, RecursionError) as error:
        raise CannotFix(f"libcst cannot parse the file ({str(error).splitlines()[0] if str(error) else type(error).__name__})") from None
    return _Tree(MetadataWrapper(module, unsafe_skip_copy=True))


class _Tree:
    def __init__(self, wrapper) -> None:
        import libcst as cst
        from libcst.metadata import PositionProvider

        self.module = wrapper.module
        positions = wrapper.resolve(PositionProvider)
        # (start, end) -> the outermost expression / the statement there; and every node's parent
        self.expressions: Dict[Span, "cst.BaseExpression"] = {}
        self.statements: Dict[Position, "cst.CSTNode"] = {}
        self.parents: Dict[int, "cst.CSTNode"] = {}
        stack: List["cst.CSTNode"] = []

        tree = self

        class _Index(cst.CSTVisitor):
            def on_visit(self, node: "cst.CSTNode") -> bool:
                if stack:
                    tree.parents[id(node)] = stack[-1]
                stack.append(node)
                where = positions.get(node)
                if where is not None:
                    start = (where.start.line, where.start.column + 1)
                    if isinstance(node, cst.BaseExpression):
                        tree.expressions.setdefault((start, (where.end.line, where.end.column + 1)), node)
                    elif isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)) and isinstance(
                        stack[-2] if len(stack) > 1 else None, (cst.Module, cst.IndentedBlock)
                    ):
                        tree.statements.setdefault(start, node)
                return True

            def on_leave(self, original_node: "cst.CSTNode") -> None:
                stack.pop()

        self.module.visit(_Index())

    def locate(self, change: Change) -> Optional["cst.CSTNode"]:
        """The node `change` is anchored at, None when there is none of the right kind."""
        import libcst as cst

        if change.kind == INSERT_BEFORE:
            return self.statements.get(change.start)
        node = self.expressions.get(_span(change))
        if node is None:
            return None
        if change.kind == SET_KEYWORD and not isinstance(node, cst.Call):
            return None
        if change.kind == KEEP_PART and (change.part is None or change.part not in self.expressions):
            return None
        return node

    def rewrite(self, changes: Sequence[Change]) -> str:
        """The module's text with `changes` made (each one located)."""
        replacements: Dict[int, Callable] = {}
        inserts: Dict[int, List[str]] = {}
        for change in changes:
            node = self.locate(change)
            assert node is not None
            if change.kind == INSERT_BEFORE:
                inserts.setdefault(id(node), []).append(change.code)
            else:
                replacements[id(node)] = self._replacement(change, node)
        return self.module.visit(_rewriter()(self.module, replacements, inserts)).code

    def _replacement(self, change: Change, node) -> Callable:
        import libcst as cst

        config = self.module.config_for_parsing
        parent = self.parents.get(id(node))
        if change.kind == REPLACE:
            new = cst.parse_expression(change.code, config=config)
            return lambda updated: new.with_changes(lpar=updated.lpar, rpar=updated.rpar) if updated.lpar and not new.lpar else new
        if change.kind == KEEP_PART:
            assert change.part is not None
            part = self.expressions[change.part]

            def keep(updated):
                if updated.lpar and not part.lpar:
                    return part.with_changes(lpar=updated.lpar, rpar=updated.rpar)
                return _parenthesized(part) if _needs_parentheses(part, parent) else part
            return keep
        if change.kind == CALL:
            return lambda updated: cst.Call(func=updated)
        if change.kind == CALL_METHOD:
            return lambda updated: cst.Call(func=cst.Attribute(value=_parenthesized(updated) if not _is_atom(updated) else updated, attr=cst.Name(change.code)))
        if change.kind == SET_KEYWORD:
            name, value = change.code.split("=", 1)
            return lambda updated: _with_keyword(updated, name, cst.parse_expression(value, config=config))
        raise ValueError(f"unknown change {change.kind!r}")


@lru_cache(maxsize=None)
def _rewriter():
    """The transformer class (defined on first use: libcst is imported only then)."""
    import libcst as cst

    class Rewrite(cst.CSTTransformer):
        """Every change in one pass: replacements by the original node's
        identity, insertions into the body (module or block) that holds the
        statement they go above."""

        def __init__(self, module, replacements, inserts) -> None:
            super().__init__()
            self.module = module
            self.replacements = replacements
            self.inserts = inserts

        def on_leave(self, original_node, updated_node):
            replace = self.replacements.get(id(original_node))
            if replace is not None:
                return replace(updated_node)
            if self.inserts and isinstance(original_node, (cst.Module, cst.IndentedBlock)):
                if any(id(statement) in self.inserts for statement in original_node.body):
                    return updated_node.with_changes(body=self._body(original_node.body, updated_node.body))
            return updated_node

        def _body(self, original, updated):
            body = []
            for before, after in zip(original, updated):
                codes = self.inserts.get(id(before), [])
                if codes:
                    new = [cst.parse_statement(code, config=self.module.config_for_parsing) for code in codes]
                    # comments above the statement stay above the new line too
                    new[0] = new[0].with_changes(leading_lines=after.leading_lines)
                    after = after.with_changes(leading_lines=())
                    body += new
                body.append(after)
            return body

    return Rewrite


# --------------------------------------------------------------------------- building nodes


def _is_atom(node) -> bool:
    """An expression that binds tighter than any operator: `x`, `a.b`, `f()`, `a[0]`, `(x + y)`."""
    import libcst as cst

    atoms = (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.SimpleString, cst.ConcatenatedString, cst.FormattedString,
             cst.Integer, cst.Float, cst.Imaginary, cst.List, cst.Dict, cst.Set, cst.ListComp, cst.SetComp, cst.DictComp,
             cst.GeneratorExp, cst.Ellipsis)
    return bool(getattr(node, "lpar", ())) or isinstance(node, atoms)


def _parenthesized(node):
    import libcst as cst

    return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def _needs_parentheses(part, parent) -> bool:
    """Whether `part`, put where its enclosing call was, needs parentheses: not
    when it is an atom or the place takes any expression (an argument, an
    element, the value of an assignment or a `return`)."""
    import libcst as cst

    if _is_atom(part):
        return False
    places = (cst.Arg, cst.Element, cst.DictElement, cst.Assign, cst.AnnAssign, cst.AugAssign, cst.Return, cst.Expr, cst.Index)
    return not isinstance(parent, places)


def _with_keyword(call, name: str, value):
    """`call` with `name=value`: the value replaced when the keyword is there,
    else the argument added last, on its own line when the arguments are."""
    import libcst as cst

    args = list(call.args)
    for index, arg in enumerate(args):
        if arg.keyword is not None and arg.keyword.value == name:
            args[index] = arg.with_changes(value=value)
            return call.with_changes(args=args)
    new = cst.Arg(value=value, keyword=cst.Name(name), equal=cst.AssignEqual(
        whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")))
    if not args:
        return call.with_changes(args=[new])
    last = args[-1]
    between = _separator(call)
    if isinstance(last.comma, cst.Comma):  # a trailing comma: the new argument keeps the same form
        new = new.with_changes(comma=last.comma)
        args[-1] = last.with_changes(comma=between)
    else:
        new = new.with_changes(whitespace_after_arg=last.whitespace_after_arg)
        args[-1] = last.with_changes(comma=between, whitespace_after_arg=cst.SimpleWhitespace(""))
    return call.with_changes(args=args + [new])


def _separator(call):
    """The comma between two arguments, as the call writes it (without a
    comment that follows it): `, `, or a comma, a new line and the
    indentation of the arguments."""
    import libcst as cst

    def without_comment(whitespace):
        if isinstance(whitespace, cst.ParenthesizedWhitespace):
            return whitespace.with_changes(first_line=cst.TrailingWhitespace(newline=whitespace.first_line.newline))
        return whitespace

    for arg in call.args[:-1]:
        if isinstance(arg.comma, cst.Comma):
            return arg.comma.with_changes(whitespace_after=without_comment(arg.comma.whitespace_after))
    if isinstance(call.whitespace_before_args, cst.ParenthesizedWhitespace):
        # one argument on its own line: the next one goes on a line of its own at the same indentation
        return cst.Comma(whitespace_after=without_comment(call.whitespace_before_args))
    return cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


# --------------------------------------------------------------------------- text edits

_LINE = LazyPattern(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def _line_starts(text: str) -> List[int]:
    return [0] + [match.end() for match in _LINE.finditer(text) if match.group().endswith(("\n", "\r"))]


def edit_between(text: str, new_text: str, change: Change) -> Edit:
    """The replacement that turns `text` into `new_text`, over the anchor of
    `change` when only that region differs (an insertion: at the start of the
    statement's line), else over the smallest differing region."""
    starts = _line_starts(text)

    def offset(position: Position) -> int:
        line, column = position
        return (starts[line - 1] if line - 1 < len(starts) else len(text)) + column - 1

    if change.kind == INSERT_BEFORE:
        start = end = offset((change.start[0], 1))
    else:
        start, end = offset(change.start), offset(change.end)
    tail = len(text) - end
    if new_text.startswith(text[:start]) and new_text.endswith(text[end:]) and len(new_text) - tail >= start:
        replacement = new_text[start : len(new_text) - tail]
        head, foot = _common_ends(text[start:end], replacement)
        return Edit(_position(starts, start + head), _position(starts, end - foot), replacement[head : len(replacement) - foot])
    prefix = 0
    while prefix < min(len(text), len(new_text)) and text[prefix] == new_text[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(len(text), len(new_text)) - prefix and text[-1 - suffix] == new_text[-1 - suffix]:
        suffix += 1
    return Edit(_position(starts, prefix), _position(starts, len(text) - suffix), new_text[prefix : len(new_text) - suffix])


def _common_ends(old: str, new: str) -> Tuple[int, int]:
    """How many characters `old` and `new` share at their start and at their
    end, without cutting a name in two (`F.softmax` -> `F.log_softmax` is
    `softmax` replaced, not `log_` inserted)."""
    def cuts_a_name(text: str, at: int) -> bool:
        return 0 < at < len(text) and _is_name_character(text[at - 1]) and _is_name_character(text[at])

    head = 0
    while head < min(len(old), len(new)) and old[head] == new[head]:
        head += 1
    while head and (cuts_a_name(old, head) or cuts_a_name(new, head)):
        head -= 1
    foot = 0
    while foot < min(len(old), len(new)) - head and old[-1 - foot] == new[-1 - foot]:
        foot += 1
    while foot and (cuts_a_name(old, len(old) - foot) or cuts_a_name(new, len(new) - foot)):
        foot -= 1
    return head, foot


def _is_name_character(character: str) -> bool:
    return character.isalnum() or character == "_"


def _position(starts: Sequence[int], offset: int) -> Position:
    import bisect

    index = bisect.bisect_right(starts, offset) - 1
    return index + 1, offset - starts[index] + 1
