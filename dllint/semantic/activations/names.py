"""Following a name, attribute or subscript back to the value it holds.

A name's value is found by reading the statements before its use backwards
(reaching definitions): an `if` whose taken branch, or both of whose
branches, bind the name settles it; a binding inside a loop or one branch
only adds a possibility. Parameters take the argument of the call being
evaluated, else of every call in the file; `self.<attr>` the values the class
assigns it.
"""
from __future__ import annotations

import ast
from typing import TYPE_CHECKING, List, Optional, Sequence, Tuple

from dllint.semantic.activations.part import WalkPart
from dllint.semantic.activations.records import (
    LOGITS, SOFTMAX, Activation, Frame, Path, call_argument, first_parameter, merge, unknown,
)
from dllint.tree import walk

if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.module import ModuleModel


class NameWalk(WalkPart):
    """Names, attributes, subscripts and arithmetic."""

    def name(self, node: ast.Name, model: "ModuleModel", frame: Optional[Frame], path: Path, depth: int) -> Activation:
        scopes = model.scopes
        use_scope = scopes.scope_at(node)
        scope, picked = scopes.lookup(node.id, use_scope, node.lineno)
        if scope is None or picked is None:
            return unknown("unbound")
        if scope is not use_scope or isinstance(scope.node, ast.Lambda) or _bound_by_comprehension(node, model):
            if scope is use_scope:
                return unknown("lambda or comprehension variable")
            return self.binding(picked, scope, model, frame, path, depth)
        return self.reaching(node, scope, model, frame, path, depth)

    def reaching(self, use: ast.Name, scope, model: "ModuleModel", frame: Optional[Frame], path: Path, depth: int) -> Activation:
        """The values the name `use` can hold there: the statements before it
        are read backwards, up through the enclosing blocks, until one binds
        the name on every path (an `if` whose taken branch, or both branches,
        bind it counts); branches not taken on the training path are skipped."""
        candidates: List[Activation] = []
        current: ast.AST = use
        while not isinstance(current, ast.stmt):
            current = model.parent(current)
            if current is None:
                return unknown()
        while True:
            parent = model.parent(current)
            if parent is None:
                break
            if isinstance(parent, (ast.For, ast.AsyncFor)) and current in parent.body and _binds_target(parent.target, use.id):
                candidates.append(unknown("loop variable"))
                return merge(candidates)
            if isinstance(parent, (ast.With, ast.AsyncWith)) and any(
                item.optional_vars is not None and _binds_target(item.optional_vars, use.id) for item in parent.items
            ):
                candidates.append(unknown("with variable"))
                return merge(candidates)
            if isinstance(parent, ast.ExceptHandler) and parent.name == use.id:
                return unknown("exception variable")
            block = _block_holding(parent, current)
            for previous in reversed(block[: _index_in(block, current)]):
                found, certain = self.defines(previous, use.id, model, frame, path, depth)
                candidates += found
                if certain:
                    return merge(candidates)
            if parent is scope.node:
                break
            current = parent
        bindings = [b for b in scope.bindings.get(use.id, []) if b.kind == "param"]
        if bindings:
            candidates.append(self.parameter(bindings[0], scope, model, frame, path, depth))
            return merge(candidates)
        return unknown("not bound on every path")

    def defines(self, statement: ast.stmt, name: str, model: "ModuleModel", frame: Optional[Frame], path: Path, depth: int) -> Tuple[List[Activation], bool]:
        """What `statement` may bind to `name`, and whether it certainly does."""
        if isinstance(statement, (ast.Assign, ast.AnnAssign)):
            if isinstance(statement, ast.AnnAssign) and statement.value is None:
                return [], False
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            for target in reversed(targets):
                selector = _target_path(target, name)
                if selector is None:
                    continue
                if any(step < 0 for step in selector):
                    return [unknown("starred unpacking")], True
                return [self.walk.value(statement.value, model, frame, selector + path, depth)], True
            return [], False
        if isinstance(statement, ast.AugAssign):
            return ([unknown("augmented assignment")], True) if _binds_target(statement.target, name) else ([], False)
        if isinstance(statement, ast.If):
            truth = self.walk.conditions.truth(statement.test, frame, model, depth)
            branches = [statement.body] if truth is True else [statement.orelse] if truth is False else [statement.body, statement.orelse]
            found, all_certain = [], True
            for branch in branches:
                branch_found, certain = self.defines_block(branch, name, model, frame, path, depth)
                found += branch_found
                all_certain = all_certain and certain
            return found, all_certain
        if isinstance(statement, (ast.For, ast.AsyncFor, ast.While)):
            found = [unknown("loop variable")] if not isinstance(statement, ast.While) and _binds_target(statement.target, name) else []
            for branch in (statement.body, statement.orelse):
                branch_found, _ = self.defines_block(branch, name, model, frame, path, depth)
                found += branch_found
            return found, False
        if isinstance(statement, (ast.With, ast.AsyncWith)):
            if any(item.optional_vars is not None and _binds_target(item.optional_vars, name) for item in statement.items):
                return [unknown("with variable")], True
            return self.defines_block(statement.body, name, model, frame, path, depth)
        if isinstance(statement, ast.Try) or type(statement).__name__ == "TryStar":
            found, certain = self.defines_block(statement.body, name, model, frame, path, depth)
            for handler in statement.handlers:
                handler_found, _ = self.defines_block(handler.body, name, model, frame, path, depth)
                found += handler_found
            for branch in (statement.orelse, statement.finalbody):
                branch_found, branch_certain = self.defines_block(branch, name, model, frame, path, depth)
                found += branch_found
                certain = certain or branch_certain
            return found, certain
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return ([unknown("a definition")], True) if statement.name == name else ([], False)
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            for alias in statement.names:
                if (alias.asname or alias.name.split(".")[0]) == name:
                    return [unknown("an import")], True
            return [], False
        if type(statement).__name__ == "Match":
            found = []
            for case in statement.cases:  # type: ignore[attr-defined]
                case_found, _ = self.defines_block(case.body, name, model, frame, path, depth)
                found += case_found
            return found, False
        if isinstance(statement, ast.Expr) and any(isinstance(n, ast.NamedExpr) and n.target.id == name for n in walk(statement)):
            return [unknown("assignment expression")], True
        return [], False

    def defines_block(self, block: Sequence[ast.stmt], name: str, model: "ModuleModel", frame: Optional[Frame], path: Path, depth: int) -> Tuple[List[Activation], bool]:
        """What the block may bind to `name` by its end, read backwards."""
        found: List[Activation] = []
        for statement in reversed(block):
            if isinstance(statement, (ast.Return, ast.Raise, ast.Continue, ast.Break)):
                # a block that leaves early binds nothing for what follows it
                return [], True
            statement_found, certain = self.defines(statement, name, model, frame, path, depth)
            found += statement_found
            if certain:
                return found, True
        return found, False

    def binding(self, binding, scope, model: "ModuleModel", frame: Optional[Frame], path: Path, depth: int) -> Activation:
        if binding.kind == "assign":
            if any(step < 0 for step in binding.path):
                return unknown("starred unpacking")
            return self.walk.value(binding.value, model, frame, tuple(binding.path) + path, depth)
        if binding.kind == "param":
            return self.parameter(binding, scope, model, frame, path, depth)
        return unknown(f"bound by {binding.kind}")

    def parameter(self, binding, scope, model: "ModuleModel", frame: Optional[Frame], path: Path, depth: int) -> Activation:
        function = scope.node
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return unknown("lambda parameter")
        if frame is not None and frame.function is function:
            if frame.call is None:
                return unknown("argument passed by the framework")
            argument = call_argument(frame.call, function, binding, frame.bound)
            if argument is not None:
                return self.walk.value(argument, frame.call_model or model, frame.caller, path, depth)
            if binding.value is not None:
                return self.walk.value(binding.value, model, None, path, depth)
            return unknown("argument not passed")
        callers = model.callers_of(function)[:8]
        if not callers:
            return unknown("parameter with no known caller")
        results = []
        for call in callers:
            bound = (isinstance(call.func, ast.Attribute) and first_parameter(function) in ("self", "cls")) or function.name == "__init__"
            argument = call_argument(call, function, binding, bound)
            if argument is None:
                results.append(self.walk.value(binding.value, model, None, path, depth) if binding.value is not None else unknown())
            else:
                results.append(self.walk.value(argument, model, None, path, depth))
        return merge(results)

    def attribute(self, node: ast.Attribute, model: "ModuleModel", frame: Optional[Frame], path: Path, depth: int) -> Activation:
        if node.attr in ("data", "T", "mT"):
            return self.walk.value(node.value, model, frame, path, depth)
        bound = self.self_attribute_values(node, model)
        if bound is not None:
            return merge([self.walk.value(value, model, None, tuple(bpath) + path, depth) for value, bpath in bound]) if bound else unknown()
        return self.walk.value(node.value, model, frame, ("." + node.attr,) + path, depth)

    def self_attribute_values(self, node: ast.AST, model: "ModuleModel") -> Optional[List[Tuple[ast.AST, Tuple[int, ...]]]]:
        """The expressions assigned to `self.<attr>` in the class, or None
        when `node` is not an attribute of `self`."""
        if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)):
            return None
        class_node = model._class_of_self(node.value, node)
        if class_node is None:
            return None
        class_scope = model.scopes.scopes.get(class_node)
        bindings = class_scope.attributes.get(node.attr, []) if class_scope else []
        values = []
        for binding in bindings:
            if binding.kind != "assign" or any(step < 0 for step in binding.path):
                return []
            values.append((binding.value, binding.path))
        return values

    def subscript(self, node: ast.Subscript, model: "ModuleModel", frame: Optional[Frame], path: Path, depth: int) -> Activation:
        key = node.slice.value if isinstance(node.slice, ast.Index) else node.slice  # type: ignore[attr-defined]
        if isinstance(key, ast.Constant) and isinstance(key.value, (int, str)) and not isinstance(key.value, bool):
            return self.walk.value(node.value, model, frame, (key.value,) + path, depth)
        if isinstance(key, ast.UnaryOp) and isinstance(key.op, ast.USub) and isinstance(key.operand, ast.Constant) and isinstance(key.operand.value, int):
            return self.walk.value(node.value, model, frame, (-key.operand.value,) + path, depth)
        # slices and tensor indices keep the activation of a tensor
        result = self.walk.value(node.value, model, frame, path, depth)
        return result

    def binary(self, node: ast.BinOp, model: "ModuleModel", frame: Optional[Frame], path: Path, depth: int) -> Activation:
        if isinstance(node.op, ast.MatMult):
            return Activation(LOGITS, node, model, label="`@` (a linear map)")
        left = self.walk.value(node.left, model, frame, path, depth)
        # logits scaled by a temperature are still logits
        if isinstance(node.op, (ast.Div, ast.Mult)) and left.kind == LOGITS:
            return left
        # probabilities with a small constant added (`probs + 1e-8`) are still probabilities
        if isinstance(node.op, (ast.Add, ast.Sub)) and left.kind == SOFTMAX and isinstance(node.right, ast.Constant):
            return left
        return unknown("arithmetic")


def _binds_target(target: ast.AST, name: str) -> bool:
    return _target_path(target, name) is not None


def _target_path(target: ast.AST, name: str, prefix: Tuple[int, ...] = ()) -> Optional[Tuple[int, ...]]:
    """Where `name` sits in an assignment target: () for `name = ...`,
    (1,) for `a, name = ...`; -1 marks positions after a starred element."""
    if isinstance(target, ast.Name):
        return prefix if target.id == name else None
    if isinstance(target, ast.Starred):
        return _target_path(target.value, name, prefix + (-1,))
    if isinstance(target, (ast.Tuple, ast.List)):
        starred = False
        for index, element in enumerate(target.elts):
            starred = starred or isinstance(element, ast.Starred)
            found = _target_path(element, name, prefix + ((-1 if starred else index),))
            if found is not None:
                return found
    return None


def _block_holding(parent: ast.AST, child: ast.AST) -> List[ast.stmt]:
    for field_name in ("body", "orelse", "finalbody", "handlers"):
        block = getattr(parent, field_name, None)
        if isinstance(block, list) and any(item is child for item in block):
            return block
    return []


def _index_in(block: Sequence[ast.AST], item: ast.AST) -> int:
    for index, candidate in enumerate(block):
        if candidate is item:
            return index
    return 0


def _bound_by_comprehension(node: ast.Name, model: "ModuleModel") -> bool:
    current = model.parent(node)
    while current is not None and not isinstance(current, ast.stmt):
        if isinstance(current, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            if any(_binds_target(generator.target, node.id) for generator in current.generators):
                return True
        current = model.parent(current)
    return False
