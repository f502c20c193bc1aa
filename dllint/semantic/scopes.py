"""Scopes and bindings: where each name of a module gets its value.

One linear walk records, per scope (module, class, function), every place a
name is bound: assignments (with the position inside a tuple unpacking),
augmented assignments, `for` targets (a comprehension's too, in the
enclosing scope, visible from the comprehension's first line), `with ... as`
targets, parameters, `def` and `class`. Attributes of `self` assigned in any method are recorded
on the class. The model is flow-insensitive on purpose: a use sees the last
binding before it in its scope (or, failing that, any binding), which is
what a reader of a training script assumes too.
"""
from __future__ import annotations

import ast
from collections import deque
from dataclasses import field
from typing import Dict, List, Optional, Tuple, Union

from dllint.lazy_dataclass import lazy_dataclass

FunctionNode = Union[ast.FunctionDef, ast.AsyncFunctionDef]
ScopeNode = Union[ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda]


@lazy_dataclass(frozen=True)
class Binding:
    """`name` gets a value at `line`.

    `kind` is one of: "assign" (value is the assigned expression; `path`
    indexes into a tuple unpacking), "augassign", "for" (value is the
    iterable), "with" (value is the context expression), "param" (value is
    the default, if any; `path` is (index,)), "def", "class", "import".
    """

    name: str
    kind: str
    line: int
    value: Optional[ast.AST] = None
    path: Tuple[int, ...] = ()
    node: Optional[ast.AST] = None  # the statement or parameter that binds
    # a comprehension's `for` target: visible from the comprehension's first
    # line on, the line of its uses (`[model(x) for x in loader]`) included
    comprehension: bool = False


@lazy_dataclass
class Scope:
    node: ScopeNode
    parent: Optional["Scope"]
    bindings: Dict[str, List[Binding]] = field(default_factory=dict)
    # for a class: self.<attr> bindings made in its methods
    attributes: Dict[str, List[Binding]] = field(default_factory=dict)
    globals: set = field(default_factory=set)

    @property
    def is_function(self) -> bool:
        return isinstance(self.node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))

    def add(self, binding: Binding) -> None:
        self.bindings.setdefault(binding.name, []).append(binding)


def _target_names(target: ast.AST, path: Tuple[int, ...] = ()):
    """Yield (name-or-attribute node, unpacking path) for an assignment target."""
    if isinstance(target, (ast.Tuple, ast.List)):
        offset = 0
        for index, element in enumerate(target.elts):
            if isinstance(element, ast.Starred):
                offset = None  # positions after a star are unknown
                yield from _target_names(element.value, path + (-1,))
                continue
            yield from _target_names(element, path + ((index if offset is not None else -1),))
    elif isinstance(target, ast.Starred):
        yield from _target_names(target.value, path + (-1,))
    else:
        yield target, path


class ScopeTable:
    """Every scope of a module, each node's parent and its scope."""

    def __init__(self, tree: ast.Module):
        self.parents: Dict[ast.AST, ast.AST] = {}
        self.order: List[ast.AST] = []  # every node but the contexts, in `ast.walk` order
        self.module_scope = Scope(tree, None)
        self._scope_cache: Dict[ast.AST, Scope] = {}
        self._enclosing_cache: Dict[object, Dict[ast.AST, Optional[ast.AST]]] = {}
        self.scopes: Dict[ast.AST, Scope] = {tree: self.module_scope}
        self._walk(tree, self.module_scope)
        # The walk is breadth first, so bindings arrive out of source order;
        # lookups (pick_binding) expect them in source order.
        for scope in self.scopes.values():
            for table in (scope.bindings, scope.attributes):
                for bindings in table.values():
                    bindings.sort(key=_source_order)

    # -- building --------------------------------------------------------
    def _walk(self, root: ast.AST, scope: Scope) -> None:
        # Breadth first, iteratively (deeply nested real files cannot exhaust
        # the stack), in `ast.walk`'s order, which `order` keeps: the file's
        # node index (`ModuleModel.nodes`) is this walk, not another one.
        # Without the expression contexts (`Load`, `Store`, `Del`): a third
        # of all nodes, one object shared by every tree `ast.parse` builds,
        # so neither a parent nor a scope nor a place in a file is theirs
        # (their leaving the walk does not move the other nodes in it).
        todo = deque([(root, scope)])
        pop, push = todo.popleft, todo.append
        parents, order = self.parents, self.order
        node_ast, context = ast.AST, ast.expr_context
        while todo:
            node, scope = pop()
            order.append(node)
            inner = scope
            node_type = type(node)
            if node_type in _BINDING_NODES:
                self._bind(node, scope)
            if node_type in _SCOPE_NODES:
                inner = Scope(node, scope)
                self.scopes[node] = inner
                self._bind_parameters(node, inner)
                for child in _children(node):
                    parents[child] = node
                    # Decorators, defaults and bases are evaluated in the enclosing scope.
                    push((child, scope if _is_outer_part(node, child) else inner))
                continue
            # (`_children`, written out: this loop visits every node of every modelled file)
            for name in node._fields:
                child = getattr(node, name, None)
                if child.__class__ is list:
                    for item in child:
                        if isinstance(item, node_ast):
                            parents[item] = node
                            push((item, inner))
                elif isinstance(child, node_ast) and not isinstance(child, context):
                    parents[child] = node
                    push((child, inner))

    def _bind_parameters(self, node: ast.AST, scope: Scope) -> None:
        if isinstance(node, ast.ClassDef):
            return
        arguments = node.args
        positional = arguments.posonlyargs + arguments.args
        defaults: List[Optional[ast.expr]] = [None] * (len(positional) - len(arguments.defaults)) + list(arguments.defaults)
        for index, (argument, default) in enumerate(zip(positional, defaults)):
            scope.add(Binding(argument.arg, "param", argument.lineno if hasattr(argument, "lineno") else node.lineno, default, (index,), argument))
        for argument, default in zip(arguments.kwonlyargs, arguments.kw_defaults):
            scope.add(Binding(argument.arg, "param", getattr(argument, "lineno", node.lineno), default, (-1,), argument))
        for argument in (arguments.vararg, arguments.kwarg):
            if argument is not None:
                scope.add(Binding(argument.arg, "param", getattr(argument, "lineno", node.lineno), None, (-1,), argument))

    def _bind(self, node: ast.AST, scope: Scope) -> None:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                self._bind_target(target, node.value, "assign", node, scope)
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            self._bind_target(node.target, node.value, "assign", node, scope)
        elif isinstance(node, ast.AugAssign):
            self._bind_target(node.target, node, "augassign", node, scope)
        elif isinstance(node, ast.NamedExpr):
            self._bind_target(node.target, node.value, "assign", node, scope)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            self._bind_target(node.target, node.iter, "for", node, scope)
        elif isinstance(node, ast.comprehension):
            # comprehensions have no line of their own: the expression holding
            # them starts where their element, which uses the target, starts
            owner = self.parents.get(node)
            line = getattr(owner, "lineno", node.target.lineno)
            self._bind_target(node.target, node.iter, "for", node.target, scope, line, comprehension=True)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if item.optional_vars is not None:
                    self._bind_target(item.optional_vars, item.context_expr, "with", node, scope)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            scope.add(Binding(node.name, "def", node.lineno, node, (), node))
        elif isinstance(node, ast.ClassDef):
            scope.add(Binding(node.name, "class", node.lineno, node, (), node))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name != "*":
                    local = alias.asname or alias.name.split(".")[0]
                    scope.add(Binding(local, "import", node.lineno, None, (), node))
        elif isinstance(node, ast.Global):
            scope.globals.update(node.names)

    def _bind_target(self, target: ast.AST, value: ast.AST, kind: str, statement: ast.AST, scope: Scope,
                     line: Optional[int] = None, comprehension: bool = False) -> None:
        for element, path in _target_names(target, ()):
            if isinstance(element, ast.Name):
                owner = self.module_scope if element.id in scope.globals else scope
                owner.add(Binding(element.id, kind, line or statement.lineno, value, path, statement, comprehension))
            elif isinstance(element, ast.Attribute) and isinstance(element.value, ast.Name):
                class_scope = self._self_class_scope(element.value.id, scope)
                if class_scope is not None:
                    class_scope.attributes.setdefault(element.attr, []).append(
                        Binding(element.attr, kind, statement.lineno, value, path, statement)
                    )

    def _self_class_scope(self, name: str, scope: Scope) -> Optional[Scope]:
        """The class scope when `name` is the first parameter of one of its methods."""
        if not scope.is_function or scope.parent is None or not isinstance(scope.parent.node, ast.ClassDef):
            return None
        function = scope.node
        positional = function.args.posonlyargs + function.args.args
        if positional and positional[0].arg == name:
            return scope.parent
        return None

    # -- queries ---------------------------------------------------------
    def scope_at(self, node: ast.AST) -> Scope:
        """The scope a node's code runs in (found through its parents).

        Every node passed on the way up runs in the same scope, and is
        remembered: a 1,000-branch elif chain is 1,000 levels deep, and
        climbing all of them for each question made it quadratic."""
        cache = self._scope_cache
        found = cache.get(node)
        if found is not None:
            return found
        passed = [node]
        child, parent = node, self.parents.get(node)
        result = self.module_scope
        while parent is not None:
            scope = self.scopes.get(parent)
            if scope is not None:
                if not _is_outer_part(parent, child):
                    result = scope
                    break
            else:
                known = cache.get(parent)
                if known is not None:
                    result = known
                    break
            passed.append(parent)
            child, parent = parent, self.parents.get(parent)
        for item in passed:
            cache[item] = result
        return result

    def enclosing(self, node: ast.AST, types) -> Optional[ast.AST]:
        """The nearest proper ancestor of one of `types` (remembered, like scope_at)."""
        cache = self._enclosing_cache.get(types)
        if cache is None:
            cache = self._enclosing_cache[types] = {}
        if node in cache:
            return cache[node]
        passed = [node]
        current = self.parents.get(node)
        while current is not None and not isinstance(current, types):
            if current in cache:
                result = cache[current]
                break
            passed.append(current)
            current = self.parents.get(current)
        else:
            result = current
        for item in passed:
            cache[item] = result
        return result

    def lookup(self, name: str, scope: Scope, line: Optional[int] = None) -> Tuple[Optional[Scope], Optional[Binding]]:
        """The binding of `name` visible from `scope` at `line` (Python's LEGB
        rule, skipping class scopes for code inside methods)."""
        current: Optional[Scope] = scope
        first = True
        while current is not None:
            if isinstance(current.node, ast.ClassDef) and not first:
                current = current.parent
                continue
            bindings = current.bindings.get(name)
            if bindings:
                return current, pick_binding(bindings, line if current is scope else None)
            first = False
            current = current.parent
        return None, None

    def class_scope_of_method(self, scope: Scope) -> Optional[Scope]:
        if scope.is_function and scope.parent is not None and isinstance(scope.parent.node, ast.ClassDef):
            return scope.parent
        return None


_SCOPE_NODES = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef})
_BINDING_NODES = frozenset(
    {
        ast.Assign, ast.AnnAssign, ast.AugAssign, ast.NamedExpr, ast.For, ast.AsyncFor, ast.comprehension,
        ast.With, ast.AsyncWith, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import,
        ast.ImportFrom, ast.Global,
    }
)


def _children(node: ast.AST) -> List[ast.AST]:
    """`ast.iter_child_nodes` without its two generators per node."""
    found: List[ast.AST] = []
    for name in node._fields:
        child = getattr(node, name, None)
        if child.__class__ is list:
            found.extend(item for item in child if isinstance(item, ast.AST))
        elif isinstance(child, ast.AST):
            found.append(child)
    return found


def _source_order(binding: Binding) -> Tuple[int, int]:
    return binding.line, getattr(binding.node, "col_offset", 0) if binding.node is not None else 0


def pick_binding(bindings: List[Binding], line: Optional[int]) -> Binding:
    """The last binding before `line`; the last one at all when none precedes it.
    A comprehension's target counts as before the uses on its own line.

    `bindings` are in source order (ScopeTable sorts them), so a binary
    search finds it: a name a module-level script rebinds in every cell
    (`model = ...`) has thousands of bindings, and scanning them all for
    each read made such scripts quadratic."""
    if line is not None:
        low, high = 0, len(bindings)
        while low < high:
            middle = (low + high) // 2
            if bindings[middle].line < line:
                low = middle + 1
            else:
                high = middle
        index = low
        while index < len(bindings) and bindings[index].line == line:
            index += 1
            if bindings[index - 1].comprehension:
                low = index
        if low:
            return bindings[low - 1]
    return bindings[-1]


def _is_outer_part(owner: ast.AST, child: ast.AST) -> bool:
    if isinstance(owner, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return child in owner.decorator_list or child is owner.returns or child in owner.args.defaults or child in owner.args.kw_defaults
    if isinstance(owner, ast.ClassDef):
        return child in owner.decorator_list or child in owner.bases or child in owner.keywords
    if isinstance(owner, ast.Lambda):
        return child in owner.args.defaults or child in owner.args.kw_defaults
    return False
