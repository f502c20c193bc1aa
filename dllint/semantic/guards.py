"""Guards: which modules or parameters an initialization reaches.

    module_guard(semantic, at, {"m"}, stop)     -> ModuleGuard | None
    guard.admits(layer_ref)                      # the layer passes the `isinstance` /
                                                 #   `classname.find("Conv")` / `type(m) == ...` tests
    parameter_guard(semantic, at, {"name", "p"}, stop) -> "all" | "weights" | "bias" | None
    name_filter(semantic, at, {"name"}, stop)    -> NameFilter | None
    filter.admits(suffix, full)                  # the name a `named_modules()` /
                                                 #   `named_parameters()` loop yields passes
                                                 #   its `in` / `endswith` / `==` tests

Read from the `if` tests around `at` (up to `stop`, the loop or function
that binds the variables), `elif` chains, and earlier `if ...: continue` /
`return` lines, and from an `except` after an init that only a weight matrix
survives (`kaiming_*`, `xavier_*`, `orthogonal_`). None means a test selects in a way dllint does not read (a
name, an attribute value), so callers should not guess.
"""
from __future__ import annotations

import ast
from dllint.tree import walk
from typing import TYPE_CHECKING, Iterable, List, Optional, Set, Tuple

if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.layers import LayerRef
    from dllint.semantic.module import ModuleModel


class ModuleGuard:
    """The `isinstance` / class-name tests an initialization sits under."""

    def __init__(self) -> None:
        self.types: Optional[List[str]] = None      # qualnames
        self.names: Optional[List[str]] = None      # class-name substrings (`classname.find("Conv")`)

    def admits(self, ref: "LayerRef") -> bool:
        if self.types is None and self.names is None:
            return True
        if self.types is not None:
            if ref.qualname in self.types:
                return True
            if ref.class_node is not None and ref.class_model is not None:
                ancestry = set(ref.class_model.project.class_ancestry(ref.qualname or ""))
                if ancestry & set(self.types):
                    return True
        if self.names is not None:
            short = ref.short_type
            if any(part in short for part in self.names):
                return True
        return False


def module_guard(semantic: "ModuleModel", at: ast.AST, variables: Set[str], stop: ast.AST) -> Optional[ModuleGuard]:
    """The type tests on `variables` between `stop` (a loop or function) and
    `at`; None when a test restricts the modules in a way dllint does not
    read (a name, an attribute value)."""
    guard = ModuleGuard()
    for test, positive in _conditions(semantic, at, stop):
        if not _mentions(test, variables):
            continue
        types, names, ok = _type_test(semantic, test, variables)
        if not ok:
            return None
        if not positive:
            if guard.types is None and guard.names is None:
                return None  # `else:` of a type test: some other types
            continue
        if types is not None:
            guard.types = types if guard.types is None else [t for t in guard.types if t in types]
        if names is not None:
            guard.names = names if guard.names is None else guard.names + names
    return guard


def parameter_guard(semantic: "ModuleModel", at: ast.AST, variables: Set[str], stop: ast.AST) -> Optional[str]:
    """Which parameters of a `parameters()` loop reach `at`: "all", "weights",
    "bias"; None when the tests select them some other way."""
    if _after_matrix_init_failed(semantic, at, variables, stop):
        return "bias"
    selection = "all"
    for test, positive in _conditions(semantic, at, stop):
        if not _mentions(test, variables):
            continue
        kind = _parameter_test(test, variables)
        if kind is None and _is_name_test(test, variables):
            continue  # `name.endswith("fc2.weight")`: which layers, read by `name_filter`
        if kind is None:
            return None
        if not positive:
            kind = {"weights": "bias", "bias": "weights"}[kind]
        if kind == "bias" or selection == "bias":
            selection = "bias"
        else:
            selection = "weights"
    return selection


def _after_matrix_init_failed(semantic: "ModuleModel", at: ast.AST, variables: Set[str], stop: ast.AST) -> bool:
    """`try: kaiming_normal_(p)` / `except ...: p.data.fill_(1)`: the handler
    runs only for the parameters the matrix-only init refused, the ones of
    fewer than 2 dimensions (biases, a norm layer's scale), never for a weight
    matrix."""
    from dllint.semantic import catalog

    child, node = at, semantic.parent(at)
    while node is not None and child is not stop:
        if isinstance(node, ast.ExceptHandler):
            attempt = semantic.parent(node)
            if isinstance(attempt, ast.Try) and any(
                    _draws_matrix_only(semantic, call, variables, catalog.TORCH_MATRIX_ONLY_INITS)
                    for statement in attempt.body for call in walk(statement) if isinstance(call, ast.Call)):
                return True
        child, node = node, semantic.parent(node)
    return False


def _draws_matrix_only(semantic: "ModuleModel", call: ast.Call, variables: Set[str], inits) -> bool:
    qualname = semantic.qualified_name(call.func) or ""
    return qualname.startswith("torch.nn.init.") and qualname.rsplit(".", 1)[-1] in inits \
        and bool(call.args) and _mentions(call.args[0], variables)


class NameFilter:
    """The tests on the name a `named_modules()` / `named_parameters()` loop
    yields (`"fc2" in name`, `name.endswith("proj.weight")`, `name == "head"`).

    A layer passes only when every test surely holds for its name. dllint
    knows a suffix of each name (the attribute that holds the layer, plus
    `.weight` for a parameter) and, for a layer held directly by the
    iterated model, the whole name; what depends on the unknown rest counts
    as not passing, so nothing is reported for it."""

    def __init__(self, tests: List[Tuple[ast.expr, bool]], variables: Set[str]):
        self.tests, self.variables = tests, variables

    def admits(self, suffix: Optional[str], full: Optional[str]) -> bool:
        return all(_name_value(test, self.variables, suffix, full) is positive for test, positive in self.tests)


def name_filter(semantic: "ModuleModel", at: ast.AST, variables: Set[str], stop: ast.AST) -> Optional[NameFilter]:
    """The name tests on `variables` between `stop` and `at`; None when a
    test uses the name in a way dllint does not read."""
    tests: List[Tuple[ast.expr, bool]] = []
    for test, positive in _conditions(semantic, at, stop):
        for part in _conjuncts(test, positive):
            if not _mentions(part, variables):
                continue  # a type test on the module, read by `module_guard`
            if not _is_name_test(part, variables):
                return None
            tests.append((part, positive))
    return NameFilter(tests, variables)


def _conjuncts(test: ast.expr, positive: bool) -> List[ast.expr]:
    """What must each hold (or each fail): `a and b` that holds, `a or b` that fails."""
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And if positive else ast.Or):
        return [part for value in test.values for part in _conjuncts(value, positive)]
    return [test]


def _strings(node: ast.AST) -> Optional[List[str]]:
    elements = node.elts if isinstance(node, (ast.Tuple, ast.List, ast.Set)) else [node]
    if all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in elements):
        return [e.value for e in elements]
    return None


def _is_name_variable(node: ast.AST, variables: Set[str]) -> bool:
    return isinstance(node, ast.Name) and node.id in variables


def _is_name_test(test: ast.expr, variables: Set[str]) -> bool:
    """A test dllint can evaluate on a known name (parts that do not mention
    the name are allowed: they count as unknown)."""
    if not _mentions(test, variables):
        return True
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return _is_name_test(test.operand, variables)
    if isinstance(test, ast.BoolOp):
        return all(_is_name_test(value, variables) for value in test.values)
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        left, right, op = test.left, test.comparators[0], test.ops[0]
        if isinstance(op, (ast.In, ast.NotIn)) and _is_name_variable(right, variables) and _strings(left) is not None \
                and not isinstance(left, (ast.Tuple, ast.List, ast.Set)):
            return True  # "fc2" in name
        if isinstance(op, (ast.In, ast.NotIn, ast.Eq, ast.NotEq)) and _is_name_variable(left, variables) \
                and _strings(right) is not None:
            return True  # name == "head", name in ("head", "fc")
    if isinstance(test, ast.Call) and isinstance(test.func, ast.Attribute) and test.func.attr in ("startswith", "endswith") \
            and _is_name_variable(test.func.value, variables) and len(test.args) == 1 and _strings(test.args[0]) is not None:
        return True
    return False


def _name_value(test: ast.expr, variables: Set[str], suffix: Optional[str], full: Optional[str]) -> Optional[bool]:
    """Whether `test` holds for a name ending in `suffix` (None: unknown)
    whose whole text is `full` (None: unknown); None when it depends on
    what is not known."""
    if not _mentions(test, variables):
        return None
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = _name_value(test.operand, variables, suffix, full)
        return None if inner is None else not inner
    if isinstance(test, ast.BoolOp):
        values = [_name_value(value, variables, suffix, full) for value in test.values]
        decisive = isinstance(test.op, ast.Or)  # True decides an `or`, False an `and`
        if decisive in values:
            return decisive
        return None if None in values else not decisive
    if isinstance(test, ast.Compare):
        left, right, op = test.left, test.comparators[0], test.ops[0]
        negated = isinstance(op, (ast.NotIn, ast.NotEq))
        if _is_name_variable(right, variables):
            (text,) = _strings(left) or [""]
            if suffix is not None and text in suffix:
                result: Optional[bool] = True
            else:
                result = None if full is None else text in full
        else:
            result = None if full is None else full in (_strings(right) or [])
        return None if result is None else result != negated
    if isinstance(test, ast.Call) and isinstance(test.func, ast.Attribute):
        texts = _strings(test.args[0]) or []
        if full is not None:
            return any(getattr(full, test.func.attr)(text) for text in texts)
        if test.func.attr == "endswith" and suffix is not None:
            if any(suffix.endswith(text) for text in texts):
                return True
            if all(len(text) <= len(suffix) for text in texts):
                return False
    return None


def _conditions(semantic: "ModuleModel", at: ast.AST, stop: ast.AST) -> Iterable[Tuple[ast.expr, bool]]:
    """(test, holds) for every `if` around `at` up to `stop`, and for every
    earlier `if test: continue/return` in the blocks on the way."""
    child, node = at, semantic.parent(at)
    while node is not None:
        if isinstance(node, ast.If) and child is not node.test and node is not stop:
            in_body = any(child is statement for statement in node.body)
            yield node.test, in_body
        body = _statement_list_holding(node, child)
        if body is not None:
            for statement in body:
                if statement is child:
                    break
                if isinstance(statement, ast.If) and not statement.orelse and len(statement.body) == 1 \
                        and isinstance(statement.body[0], (ast.Continue, ast.Return)):
                    yield statement.test, False
        if node is stop:
            break  # its own body counts: `for m in model.modules(): if ...: continue`
        child, node = node, semantic.parent(node)


def _statement_list_holding(node: ast.AST, child: ast.AST) -> Optional[List[ast.stmt]]:
    for field in ("body", "orelse", "finalbody"):
        statements = getattr(node, field, None)
        if isinstance(statements, list) and any(statement is child for statement in statements):
            return statements
    return None


def _mentions(node: ast.AST, names: Set[str]) -> bool:
    return any(isinstance(n, ast.Name) and n.id in names for n in walk(node))


def _type_test(semantic: "ModuleModel", test: ast.expr, variables: Set[str]) -> Tuple[Optional[List[str]], Optional[List[str]], bool]:
    """(types, name parts, understood) of a module type test."""
    if isinstance(test, ast.BoolOp):
        types: Optional[List[str]] = None
        names: Optional[List[str]] = None
        for value in test.values:
            if not _mentions(value, variables):
                continue
            part_types, part_names, ok = _type_test(semantic, value, variables)
            if not ok:
                return None, None, False
            if isinstance(test.op, ast.And):
                if part_types is not None:
                    types = part_types if types is None else [t for t in types if t in part_types]
                if part_names is not None:
                    names = part_names if names is None else names + part_names
            else:
                if part_types is None and part_names is None:
                    return None, None, True  # `or hasattr(...)`: no restriction
                types = (types or []) + (part_types or [])
                names = (names or []) + (part_names or [])
        return types, names, True
    if isinstance(test, ast.Call) and isinstance(test.func, ast.Name):
        if test.func.id == "isinstance" and len(test.args) == 2:
            return _type_names(semantic, test.args[1]), None, True
        if test.func.id in ("hasattr", "getattr"):
            return None, None, True
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        left, right, op = test.left, test.comparators[0], test.ops[0]
        if isinstance(op, (ast.IsNot, ast.Is)) and isinstance(right, ast.Constant) and right.value is None:
            return None, None, True  # `m.bias is not None`
        if isinstance(left, ast.Call) and isinstance(left.func, ast.Name) and left.func.id == "type" and isinstance(op, (ast.Eq, ast.Is, ast.In)):
            return _type_names(semantic, right), None, True
        if isinstance(left, ast.Call) and isinstance(left.func, ast.Name) and left.func.id == "getattr":
            return None, None, True  # getattr(m, "weight", None) is not None
        # classname.find("Conv") != -1, "Conv" in classname, classname == "Linear"
        text = None
        if isinstance(left, ast.Call) and isinstance(left.func, ast.Attribute) and left.func.attr == "find" and left.args \
                and isinstance(left.args[0], ast.Constant) and isinstance(left.args[0].value, str):
            text = left.args[0].value
        elif isinstance(op, ast.In) and isinstance(left, ast.Constant) and isinstance(left.value, str):
            text = left.value
        elif isinstance(op, ast.Eq) and isinstance(right, ast.Constant) and isinstance(right.value, str):
            text = right.value
        if text is not None:
            return None, [text], True
    if isinstance(test, ast.Call) and isinstance(test.func, ast.Attribute) and test.func.attr in ("startswith", "endswith") \
            and test.args and isinstance(test.args[0], ast.Constant) and isinstance(test.args[0].value, str):
        return None, [test.args[0].value], True
    return None, None, False


def _type_names(semantic: "ModuleModel", node: ast.AST) -> List[str]:
    elements = node.elts if isinstance(node, (ast.Tuple, ast.List)) else [node]
    names = []
    for element in elements:
        qualname = semantic.qualified_name(element)
        if qualname:
            names.append(qualname)
    return names


def _parameter_test(test: ast.expr, variables: Set[str]) -> Optional[str]:
    """"weights" / "bias" for the usual parameter-name and shape tests."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = _parameter_test(test.operand, variables)
        return {"weights": "bias", "bias": "weights"}.get(inner or "")
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        left, right, op = test.left, test.comparators[0], test.ops[0]
        if isinstance(op, (ast.In, ast.NotIn)) and isinstance(left, ast.Constant) and isinstance(left.value, str):
            kind = "bias" if "bias" in left.value or "norm" in left.value or left.value in ("bn", "ln") else (
                "weights" if "weight" in left.value else None)
            if kind is None:
                return None
            return kind if isinstance(op, ast.In) else {"weights": "bias", "bias": "weights"}[kind]
        # p.dim() > 1, p.ndim >= 2, len(p.shape) > 1, p.dim() == 1
        if isinstance(right, ast.Constant) and isinstance(right.value, int) and _is_rank(left):
            n = right.value
            if isinstance(op, ast.Gt):
                return "weights" if n >= 1 else None
            if isinstance(op, ast.GtE):
                return "weights" if n >= 2 else None
            if isinstance(op, (ast.Eq, ast.Lt, ast.LtE)):
                return "bias" if (n <= 1 if not isinstance(op, ast.Lt) else n <= 2) else None
    if isinstance(test, ast.Call) and isinstance(test.func, ast.Attribute) and test.func.attr in ("endswith", "startswith") \
            and test.args and isinstance(test.args[0], ast.Constant) and isinstance(test.args[0].value, str):
        value = test.args[0].value
        if "bias" in value:
            return "bias"
        if "weight" in value:
            return "weights"
    return None


def _is_rank(node: ast.AST) -> bool:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("dim", "ndimension") and not node.args:
        return True
    if isinstance(node, ast.Attribute) and node.attr == "ndim":
        return True
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "len" and node.args:
        argument = node.args[0]
        if isinstance(argument, ast.Attribute) and argument.attr == "shape":
            return True
        if isinstance(argument, ast.Call) and isinstance(argument.func, ast.Attribute) and argument.func.attr == "size":
            return True
    return False


def class_name_aliases(semantic: "ModuleModel", variable: str, scope_node: ast.AST) -> Set[str]:
    """Names bound to the module's class name: `classname = m.__class__.__name__`."""
    aliases = set()
    for node in walk(scope_node):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            text = ast.unparse(node.value)
            if text in (f"{variable}.__class__.__name__", f"type({variable}).__name__", f"{variable}._get_name()"):
                aliases.add(node.targets[0].id)
    return aliases
