"""Where a layer's output goes: the role of a layer in its model.

    hidden_evidence(ref) -> "its output feeds `fc2`" | None

A layer is *hidden* when its output reaches another weighted layer (a
Linear, a convolution, a Dense, a project block holding one, a matmul with a
held weight) before it leaves the model. It is not hidden when its output
is the model's output (a head), or ends in a residual sum or a gate (`x +
branch(x)`, `Add()([x, h])`, `a * b`), or when dllint cannot tell.

Each function or method is read once, in statement order, as a small
abstract interpretation: every value carries the set of layer outputs
("tokens") it is computed from. Calling a layer records that those tokens
*feed* it; a sum or product of two computed values *merges* them and stops
them; `return` hands them to the callers (for `forward`/`call`, to whatever
holds an instance of the class). Branches are read separately and joined,
loop bodies twice (so `for blk in self.blocks: x = blk(x)` shows that the
blocks feed each other).
"""
from __future__ import annotations

import ast
from dataclasses import field, replace
from typing import TYPE_CHECKING, Dict, FrozenSet, List, Optional, Set, Tuple, Union

from dllint.lazy_dataclass import lazy_dataclass
from dllint.semantic.arguments import keyword_value
from dllint.semantic import catalog
from dllint.semantic.callsites import instantiations, project_callers
from dllint.semantic.layers import CONTAINER, EMBEDDING, NORM, PARAM, LayerRef
from dllint.tree import children, walk

if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.module import ModuleModel

FunctionNode = Union[ast.FunctionDef, ast.AsyncFunctionDef]
Token = Tuple[str, object]  # ("attr", name) | ("node", id) | ("param", index) | ("call", id)
_FORWARD_METHODS = ("forward", "call", "__call__", "_forward")
_LEAVING_METHODS = frozenset({"item", "tolist", "numpy", "argmax", "argmin", "argsort", "sample", "multinomial"})
_MAX_DEPTH = 14


@lazy_dataclass(frozen=True)
class Handle:
    """An expression that is a layer object (`self.fc1`, `Dense(64)`, a loop
    variable over `self.blocks`)."""

    token: Token
    refs: Tuple[LayerRef, ...]
    name: str
    role: str = ""  # "merge" (keras Add/Multiply...), "concat"


@lazy_dataclass(frozen=True)
class Flow:
    tokens: FrozenSet[Token] = frozenset()
    active: bool = False              # computed from the inputs (not a constant, weight or buffer)
    weight: Optional[Token] = None    # a weight the class holds (`self.W`, `self.fc.weight`), maybe reshaped
    handle: Optional[Handle] = None
    elements: Optional[Tuple["Flow", ...]] = None  # a tuple/list literal


_INACTIVE = Flow()


@lazy_dataclass
class Consumer:
    name: str
    handle: Optional[Handle] = None          # a layer applied to the value
    weight: Optional[Token] = None           # a matmul / F.linear with a held weight
    call: Optional[ast.Call] = None          # a project function called with the value ...
    callee: Optional[Tuple["ModuleModel", FunctionNode]] = None
    index: int = -1                          # ... as this parameter


@lazy_dataclass
class FunctionFlow:
    model: "ModuleModel"
    node: ast.AST  # FunctionDef or Module
    feeds: Dict[Token, List[Consumer]] = field(default_factory=dict)
    returned: Set[Token] = field(default_factory=set)
    matrix_weights: Set[str] = field(default_factory=set)

    def feed(self, tokens: FrozenSet[Token], consumer: Consumer) -> None:
        for token in tokens:
            self.feeds.setdefault(token, []).append(consumer)


class LayerFlow:
    """The flows of one file's functions, computed on demand."""

    def __init__(self, semantic: "ModuleModel"):
        self.semantic = semantic
        self._flows: Dict[int, FunctionFlow] = {}
        self._matrix: Dict[int, Set[str]] = {}

    def of(self, node: ast.AST) -> FunctionFlow:
        key = id(node)
        if key not in self._flows:
            flow = FunctionFlow(self.semantic, node)
            self._flows[key] = flow  # recursion guard: a flow in progress is seen empty
            _Evaluator(self.semantic, flow).run()
        return self._flows[key]

    def methods(self, class_node: ast.ClassDef) -> List[FunctionFlow]:
        return [self.of(statement) for statement in class_node.body
                if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and statement.name != "__init__"]

    def matrix_weights(self, class_node: ast.ClassDef) -> Set[str]:
        """Attributes of the class used as weight matrices in its methods."""
        key = id(class_node)
        if key not in self._matrix:
            self._matrix[key] = set()
            found: Set[str] = set()
            for flow in self.methods(class_node):
                found |= flow.matrix_weights
            self._matrix[key] = found
        return self._matrix[key]


# -- the question ----------------------------------------------------------------
def hidden_evidence(ref: LayerRef) -> Optional[str]:
    """Why `ref` is a hidden layer, or None."""
    if ref.kind in (NORM, EMBEDDING):
        return None
    return _Query().layer(ref)


class _Query:
    def __init__(self) -> None:
        self.seen: Set[Tuple] = set()
        self.depth = 0

    def _enter(self, key: Tuple) -> bool:
        if key in self.seen or len(self.seen) > 400:
            return False
        self.seen.add(key)
        return True

    def layer(self, ref: LayerRef) -> Optional[str]:
        if ref.kind == PARAM:
            if ref.owner is None or ref.attr is None:
                return None
            return self.class_attribute(ref.owner_model, ref.owner, ref.attr)
        if isinstance(ref.node, ast.ClassDef):
            return self.class_output(ref.model, ref.node)
        if ref.owner is not None and ref.attr is not None:
            return self.class_attribute(ref.owner_model, ref.owner, ref.attr)
        if ref.site is not None:
            return self.node(*ref.site)
        return self.node(ref.model, ref.node)

    # -- where a construction is held ---------------------------------------
    def node(self, model: "ModuleModel", node: ast.AST) -> Optional[str]:
        if not self._enter(("node", id(node))):
            return None
        node, parent = _climb(model, node)
        if parent is None:
            return None
        if isinstance(parent, (ast.Assign, ast.AnnAssign)):
            targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
            for target in targets:
                if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
                    class_node = model._class_of_self(target.value, target)
                    if class_node is not None:
                        found = self.class_attribute(model, class_node, target.attr)
                        if found:
                            return found
                elif isinstance(target, ast.Name):
                    found = self.local_name(model, target, node)
                    if found:
                        return found
            return None
        if isinstance(parent, ast.Call) and parent.func is node:
            scope = _flow_scope(model, parent)
            return self.token(model.layers.flow.of(scope), ("node", id(node)))
        if isinstance(parent, ast.Return):
            function = model.enclosing_function(parent)
            return self.function_result(model, function) if function is not None else None
        container = _container_of(model, node, parent)
        if container is not None:
            return self.container_child(model, container, node)
        return None

    def local_name(self, model: "ModuleModel", target: ast.Name, construction: ast.AST) -> Optional[str]:
        """`layer = nn.Linear(...)`: how `layer` is used afterwards."""
        scope_node = _flow_scope(model, target)
        found = self.token(model.layers.flow.of(scope_node), ("node", id(construction)))
        if found:
            return found
        scope = model.scopes.scope_at(target)
        # (the reads in `scope` all lie inside `scope_node`; an index of the
        # file's reads, not a walk of the whole module for every layer)
        for use in model.reads_of(target.id):
            if use.lineno >= target.lineno and model.scopes.scope_at(use) is scope:
                parent = model.parent(use)
                if isinstance(parent, ast.Attribute) or (isinstance(parent, ast.Call) and parent.func is use):
                    continue
                _, binding = model.scopes.lookup(use.id, scope, use.lineno)
                if binding is None or binding.value is not construction and binding.node is not model.parent(target):
                    continue
                found = self.node(model, use)
                if found:
                    return found
        return None

    def container_child(self, model: "ModuleModel", container: ast.Call, member: ast.AST) -> Optional[str]:
        layers = model.layers
        ref = layers.construction(container)
        if ref is None:
            return None
        children, complete = layers.children(ref)
        position = None
        for child in children:
            if child.expr is member or _contains(child.expr, member):
                position = child
                break
        if position is None:
            return None
        if layers.container_is_sequential(ref):
            for later in children[position.position + 1:]:
                for later_ref in later.refs:
                    if later_ref.model.layers.is_weighted(later_ref):
                        return f"its output feeds `{later_ref.short_type}` (position {later.position}) of the same `{ref.short_type}`"
            if position.repeated and any(r.model.layers.is_weighted(r) for r in position.refs):
                return f"each copy feeds the next one in the same `{ref.short_type}`"
        return self.node(model, container)

    def function_result(self, model: "ModuleModel", function: FunctionNode) -> Optional[str]:
        for caller_model, call in project_callers(model, function):
            found = self.node(caller_model, call)
            if found:
                return found
        return None

    # -- class attributes and outputs -----------------------------------------------
    def class_attribute(self, model: "ModuleModel", class_node: ast.ClassDef, attr: str) -> Optional[str]:
        if not self._enter(("attr", id(class_node), attr)):
            return None
        flows = model.layers.flow.methods(class_node)
        for flow in flows:
            found = self.token(flow, ("attr", attr))
            if found:
                return found
        return None

    def class_output(self, model: "ModuleModel", class_node: ast.ClassDef) -> Optional[str]:
        if not self._enter(("class", id(class_node))):
            return None
        for other_model, call in instantiations(model, class_node):
            found = self.node(other_model, call)
            if found:
                return found
        return None

    # -- tokens in a flow -----------------------------------------------------------------
    def token(self, flow: FunctionFlow, token: Token, follow_return: bool = True) -> Optional[str]:
        if not self._enter(("token", id(flow), token, follow_return)):
            return None
        for consumer in flow.feeds.get(token, ()):
            if consumer.weight is not None:
                return f"its output is multiplied by the weight `{consumer.name}`"
            if consumer.call is not None and consumer.callee is not None:
                callee_model, callee = consumer.callee
                callee_flow = callee_model.layers.flow.of(callee)
                found = self.token(callee_flow, ("param", consumer.index), follow_return=False)
                if found:
                    return f"its output feeds `{consumer.name}`" if consumer.handle is not None else found
                if ("param", consumer.index) in callee_flow.returned:
                    found = self.token(flow, ("call", id(consumer.call)))
                    if found:
                        return found
                continue
            if consumer.handle is not None:
                if consumer.handle.token == token:
                    # `for block in self.blocks: x = block(x)`: the members feed each
                    # other. A whole model fed its own output (a rollout, decoding) is not.
                    if any(ref.kind == CONTAINER and ref.model.layers.is_weighted(ref) for ref in consumer.handle.refs):
                        return f"each member of `{consumer.name}` feeds the next one"
                    continue
                if any(ref.model.layers.is_weighted(ref) for ref in consumer.handle.refs):
                    return f"its output feeds `{consumer.name}`"
        if follow_return and token in flow.returned and token[0] != "param":
            return self.returned(flow)
        return None

    def returned(self, flow: FunctionFlow) -> Optional[str]:
        function = flow.node
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return None
        model = flow.model
        class_node = model.enclosing_class(function)
        if class_node is not None and model.parent(function) is class_node and function.name in _FORWARD_METHODS:
            return self.class_output(model, class_node)
        for caller_model, call in project_callers(model, function):
            scope = _flow_scope(caller_model, call)
            found = self.token(caller_model.layers.flow.of(scope), ("call", id(call)))
            if found:
                return found
        return None


# -- reading a function ---------------------------------------------------------------
class _Evaluator:
    def __init__(self, semantic: "ModuleModel", flow: FunctionFlow):
        self.semantic = semantic
        self.flow = flow
        self.layers = semantic.layers
        node = flow.node
        self.self_name: Optional[str] = None
        self.class_node: Optional[ast.ClassDef] = None
        self.env: Dict[str, Flow] = {}
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            positional = node.args.posonlyargs + node.args.args
            parent = semantic.parent(node)
            if isinstance(parent, ast.ClassDef) and positional and not _is_static(node):
                self.self_name = positional[0].arg
                self.class_node = parent
            for index, argument in enumerate(positional):
                if argument.arg != self.self_name:
                    self.env[argument.arg] = Flow(frozenset({("param", index)}), True)
            for argument in node.args.kwonlyargs:
                self.env[argument.arg] = Flow(frozenset(), True)
            for argument in (node.args.vararg, node.args.kwarg):
                if argument is not None:
                    self.env[argument.arg] = Flow(frozenset(), True)

    def run(self) -> None:
        body = self.flow.node.body
        self.block(body)

    # -- statements ---------------------------------------------------------------
    def block(self, statements: List[ast.stmt]) -> None:
        for statement in statements:
            self.statement(statement)

    def statement(self, node: ast.stmt) -> None:
        if isinstance(node, ast.Assign):
            value = self.expr(node.value)
            for target in node.targets:
                self.bind(target, value, node.value)
        elif isinstance(node, ast.AnnAssign):
            if node.value is not None:
                self.bind(node.target, self.expr(node.value), node.value)
        elif isinstance(node, ast.AugAssign):
            current = self.expr(node.target) if isinstance(node.target, ast.Name) else _INACTIVE
            value = self.binary(node.op, current, self.expr(node.value))
            self.bind(node.target, value, None)
        elif isinstance(node, ast.Return):
            if node.value is not None:
                value = self.expr(node.value)
                self.flow.returned |= _all_tokens(value)
        elif isinstance(node, ast.Expr):
            self.expr(node.value)
        elif isinstance(node, ast.If):
            self.expr(node.test)
            self.branches([node.body, node.orelse])
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            iterable = self.expr(node.iter)
            self.loop(node, iterable)
        elif isinstance(node, ast.While):
            self.expr(node.test)
            before = dict(self.env)
            for _ in range(2):
                self.block(node.body)
                self.env = _join(before, self.env)
            self.block(node.orelse)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                value = self.expr(item.context_expr)
                if item.optional_vars is not None:
                    self.bind(item.optional_vars, value, item.context_expr)
            self.block(node.body)
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            self.block(node.body)
            self.branches([handler.body for handler in node.handlers] + [node.orelse])
            self.block(node.finalbody)
        elif type(node).__name__ == "Match":
            self.expr(node.subject)
            self.branches([case.body for case in node.cases] + [[]])

    def branches(self, bodies: List[List[ast.stmt]]) -> None:
        start = dict(self.env)
        results = []
        for body in bodies:
            self.env = dict(start)
            self.block(body)
            results.append(self.env)
        joined = results[0]
        for other in results[1:]:
            joined = _join(joined, other)
        self.env = joined

    def loop(self, node: ast.AST, iterable: Flow) -> None:
        before = dict(self.env)
        for _ in range(2):
            self.bind_iteration(node.target, node.iter, iterable)
            self.block(node.body)
            self.env = _join(before, self.env)
        self.block(node.orelse)

    def bind_iteration(self, target: ast.AST, iter_node: ast.AST, iterable: Flow) -> None:
        if isinstance(iter_node, ast.Call) and isinstance(iter_node.func, ast.Name) and iter_node.args:
            if iter_node.func.id == "enumerate" and isinstance(target, ast.Tuple) and len(target.elts) == 2:
                self.bind(target.elts[0], _INACTIVE, None)
                self.bind_iteration(target.elts[1], iter_node.args[0], self.expr(iter_node.args[0]))
                return
            if iter_node.func.id == "zip" and isinstance(target, ast.Tuple) and len(target.elts) == len(iter_node.args):
                for element, argument in zip(target.elts, iter_node.args):
                    self.bind_iteration(element, argument, self.expr(argument))
                return
            if iter_node.func.id in ("reversed", "list", "iter"):
                self.bind_iteration(target, iter_node.args[0], self.expr(iter_node.args[0]))
                return
        if iterable.handle is not None:
            # for block in self.blocks: the loop variable is (each of) the container's layers
            self.bind(target, Flow(handle=iterable.handle), None)
            return
        self.bind(target, Flow(iterable.tokens, iterable.active), None)

    def bind(self, target: ast.AST, value: Flow, value_node: Optional[ast.AST]) -> None:
        if isinstance(target, ast.Name):
            self.env[target.id] = value
        elif isinstance(target, (ast.Tuple, ast.List)):
            elements = value.elements
            if elements is not None and len(elements) == len(target.elts) and not any(isinstance(e, ast.Starred) for e in target.elts):
                for element, part in zip(target.elts, elements):
                    self.bind(element, part, None)
            else:
                for element in target.elts:
                    self.bind(element.value if isinstance(element, ast.Starred) else element,
                              Flow(value.tokens, value.active), None)
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            current = self.env.get(target.value.id, _INACTIVE)
            self.env[target.value.id] = _union([current, value])
        elif isinstance(target, ast.Starred):
            self.bind(target.value, value, value_node)

    # -- expressions ----------------------------------------------------------------
    def expr(self, node: Optional[ast.AST]) -> Flow:
        if node is None:
            return _INACTIVE
        if isinstance(node, ast.Name):
            return self.env.get(node.id, _INACTIVE)
        if isinstance(node, ast.Attribute):
            return self.attribute(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.BinOp):
            return self.binary(node.op, self.expr(node.left), self.expr(node.right))
        if isinstance(node, ast.UnaryOp):
            return self.expr(node.operand)
        if isinstance(node, ast.IfExp):
            self.expr(node.test)
            return _union([self.expr(node.body), self.expr(node.orelse)])
        if isinstance(node, ast.Subscript):
            value = self.expr(node.value)
            self.expr(node.slice)
            return replace(value, elements=None)
        if isinstance(node, (ast.Tuple, ast.List)):
            parts = tuple(self.expr(element) for element in node.elts)
            merged = _union(list(parts))
            return replace(merged, elements=parts)
        if isinstance(node, ast.Starred):
            return self.expr(node.value)
        if isinstance(node, ast.NamedExpr):
            value = self.expr(node.value)
            self.bind(node.target, value, node.value)
            return value
        if isinstance(node, ast.Await):
            return self.expr(node.value)
        if isinstance(node, (ast.ListComp, ast.GeneratorExp, ast.SetComp)):
            return self.comprehension(node)
        if isinstance(node, (ast.Compare, ast.BoolOp)):
            for child in children(node):
                self.expr(child) if isinstance(child, ast.expr) else None
            return _INACTIVE
        return _INACTIVE

    def comprehension(self, node) -> Flow:
        saved = dict(self.env)
        for generator in node.generators:
            iterable = self.expr(generator.iter)
            self.bind_iteration(generator.target, generator.iter, iterable)
        value = self.expr(node.elt)
        self.env = saved
        return Flow(value.tokens, value.active)

    def attribute(self, node: ast.Attribute) -> Flow:
        base = node.value
        if self.self_name is not None and isinstance(base, ast.Name) and base.id == self.self_name:
            return self.self_attribute(node.attr)
        value = self.expr(base)
        if value.handle is not None:
            if node.attr in ("weight", "kernel") or node.attr.endswith("_weight"):
                return Flow(weight=value.handle.token)
            if node.attr in ("module", "_orig_mod"):
                return value
            return _INACTIVE
        if node.attr in ("T", "mT", "H", "data"):
            return value
        if node.attr in ("shape", "dtype", "device", "ndim", "is_cuda", "requires_grad", "size"):
            return _INACTIVE
        return Flow(value.tokens, value.active, value.weight)

    def self_attribute(self, attr: str) -> Flow:
        class_node = self.class_node
        refs = self.layers.class_layers(class_node).get(attr) if class_node is not None else None
        if refs:
            if all(ref.kind == PARAM for ref in refs):
                return Flow(weight=("attr", attr))
            return Flow(handle=Handle(("attr", attr), tuple(ref for ref in refs if ref.kind != PARAM), attr))
        scope = self.semantic.scopes.scopes.get(class_node) if class_node is not None else None
        if scope is not None and attr in scope.attributes:
            return _INACTIVE  # a number, a flag, a buffer
        # not bound here: inherited, or set through setattr; a layer we cannot see
        return Flow(handle=Handle(("attr", attr), (), attr))

    def call(self, node: ast.Call) -> Flow:
        semantic = self.semantic
        func = node.func
        qualname = semantic.qualified_name(func) if not isinstance(func, ast.Call) else None
        if qualname is not None:
            handled = self.library_call(node, qualname)
            if handled is not None:
                return handled
        resolved = semantic.resolve_function(node)
        if resolved is not None and not (qualname and _is_layer_qualname(qualname)):
            return self.project_call(node, resolved)
        if isinstance(func, ast.Attribute) and not (self.self_name and isinstance(func.value, ast.Name) and func.value.id == self.self_name):
            receiver = self.expr(func.value)
            if receiver.handle is not None and func.attr in ("forward", "__call__"):
                return self.apply(receiver.handle, node)
            if receiver.handle is None:
                return self.method(node, receiver, func.attr)
            # a method of a layer object (self.fc.reset_parameters(), model.parameters())
            for argument in node.args:
                self.expr(argument)
            return _INACTIVE
        callee = self.expr(func)
        if callee.handle is not None:
            return self.apply(callee.handle, node)
        return self.generic([self.expr(argument) for argument in node.args] + [self.expr(k.value) for k in node.keywords])

    def library_call(self, node: ast.Call, qualname: str) -> Optional[Flow]:
        args = node.args
        if qualname in catalog.TORCH_FUNCTIONAL_WEIGHTED:
            position = catalog.TORCH_FUNCTIONAL_WEIGHTED[qualname]
            inputs = [self.expr(argument) for argument in args[:position]]
            weight_node = args[position] if len(args) > position else keyword_value(node, "weight")
            weight = self.expr(weight_node)
            for argument in args[position + 1:]:
                self.expr(argument)
            for keyword in node.keywords:
                if keyword.value is not weight_node:
                    self.expr(keyword.value)
            return self.matmul(inputs + [weight])
        if qualname in catalog.MATMUL_FUNCTIONS:
            operands = [self.expr(argument) for argument in args if not (isinstance(argument, ast.Constant) and isinstance(argument.value, str))]
            return self.matmul(operands)
        if qualname in catalog.ADD_FUNCTIONS and len(args) >= 2:
            return self.binary(ast.Add(), self.expr(args[0]), self.expr(args[1]))
        if qualname in catalog.MUL_FUNCTIONS and len(args) >= 2:
            return self.binary(ast.Mult(), self.expr(args[0]), self.expr(args[1]))
        if qualname in catalog.CONCAT_FUNCTIONS or qualname in catalog.KERAS_CONCAT_LAYERS and qualname[-1].islower():
            return _union([self.expr(argument) for argument in args])
        if qualname in catalog.KERAS_MERGE_LAYERS and qualname.rsplit(".", 1)[-1][0].islower():
            return self.merge([self.expr(argument) for argument in args])
        if qualname in catalog.KERAS_INPUTS:
            return Flow(active=True)
        if qualname in catalog.KERAS_FUNCTIONAL_MODELS:
            for argument in list(args) + [k.value for k in node.keywords]:
                self.expr(argument)
            return _INACTIVE
        ref = self.layers.construction(node)
        if ref is not None and ref.kind != PARAM:
            for argument in list(args) + [k.value for k in node.keywords]:
                self.expr(argument)
            role = ""
            if qualname in catalog.KERAS_MERGE_LAYERS:
                role = "merge"
            elif qualname in catalog.KERAS_CONCAT_LAYERS:
                role = "concat"
            return Flow(handle=Handle(("node", id(node)), (ref,), ref.short_type, role))
        return None

    def project_call(self, node: ast.Call, resolved) -> Flow:
        model, function = resolved
        positional = function.args.posonlyargs + function.args.args
        offset = 1 if isinstance(node.func, ast.Attribute) and positional and positional[0].arg in ("self", "cls") else 0
        active = False
        for position, argument in enumerate(node.args):
            if isinstance(argument, ast.Starred):
                self.expr(argument)
                break
            value = self.expr(argument)
            active = active or value.active
            self.flow.feed(_all_tokens(value), Consumer(function.name, call=node, callee=resolved, index=position + offset))
        names = [argument.arg for argument in positional]
        for keyword in node.keywords:
            value = self.expr(keyword.value)
            active = active or value.active
            if keyword.arg in names:
                self.flow.feed(_all_tokens(value), Consumer(function.name, call=node, callee=resolved, index=names.index(keyword.arg)))
        return Flow(frozenset({("call", id(node))}), active or not node.args)

    def method(self, node: ast.Call, receiver: Flow, name: str) -> Flow:
        args = [self.expr(argument) for argument in node.args] + [self.expr(k.value) for k in node.keywords]
        if name in catalog.MATMUL_METHODS and args:
            return self.matmul([receiver, args[0]])
        if name in ("add", "add_", "sub", "sub_") and args:
            return self.binary(ast.Add(), receiver, args[0])
        if name in ("mul", "mul_", "div", "div_") and args:
            return self.binary(ast.Mult(), receiver, args[0])
        if name in catalog.WEIGHT_VIEW_METHODS:
            return Flow(receiver.tokens, receiver.active, receiver.weight)
        if name in _LEAVING_METHODS:
            return _INACTIVE  # a Python number, a NumPy array, indices: no longer the layer's output
        return self.generic([receiver] + args)

    def apply(self, handle: Handle, node: ast.Call) -> Flow:
        inputs = [self.expr(argument) for argument in node.args] + [self.expr(k.value) for k in node.keywords]
        if handle.role == "merge":
            return self.merge(inputs)
        if handle.role == "concat":
            return _union(inputs)
        if not handle.refs:
            # a layer dllint cannot see (an activation factory, a setattr'd module)
            passed = self.generic(inputs)
            return Flow(passed.tokens | {handle.token}, True)
        forwards = [_forward_of(ref) for ref in handle.refs]
        if all(forward is not None for forward in forwards):
            # a project block: what its forward() does with each argument
            for resolved in {id(f[1]): f for f in forwards}.values():
                positional = resolved[1].args.posonlyargs + resolved[1].args.args
                for position, argument in enumerate(node.args):
                    if isinstance(argument, ast.Starred):
                        break
                    self.flow.feed(_all_tokens(inputs[position]),
                                   Consumer(handle.name, handle=handle, call=node, callee=resolved, index=position + 1))
                names = [a.arg for a in positional]
                for offset, keyword in enumerate(node.keywords):
                    if keyword.arg in names:
                        self.flow.feed(_all_tokens(inputs[len(node.args) + offset]),
                                       Consumer(handle.name, handle=handle, call=node, callee=resolved, index=names.index(keyword.arg)))
            return Flow(frozenset({handle.token, ("call", id(node))}), True)
        # a library layer (or a block without its own forward): its input is the
        # first argument; the others are states, masks, keys.
        first = inputs[0] if node.args else (inputs[0] if inputs else _INACTIVE)
        self.flow.feed(_all_tokens(first), Consumer(handle.name, handle=handle))
        return Flow(frozenset(_all_tokens(first) | {handle.token}), True)

    # -- combining values -------------------------------------------------------------
    def binary(self, op: ast.operator, left: Flow, right: Flow) -> Flow:
        if isinstance(op, ast.MatMult):
            return self.matmul([left, right])
        if isinstance(op, (ast.Add, ast.Sub, ast.Mult, ast.Div)):
            if left.active and right.active:
                return Flow(active=True)  # a residual sum or a gate: the branches end here
            if left.active:
                return Flow(left.tokens, True)
            if right.active:
                return Flow(right.tokens, True)
            if left.weight is not None and right.weight is not None and left.weight != right.weight:
                # `mu + sigma * eps`, `W + A @ B`: a weight made of several, none of them alone
                return Flow(weight=("combined", id(op)))
            return Flow(weight=left.weight or right.weight)
        return _union([left, right])

    def merge(self, values: List[Flow]) -> Flow:
        flat: List[Flow] = []
        for value in values:
            flat.extend(value.elements if value.elements is not None else [value])
        active = [value for value in flat if value.active]
        if len(active) >= 2:
            return Flow(active=True)
        return _union(flat)

    def matmul(self, operands: List[Flow]) -> Flow:
        active = [operand for operand in operands if operand.active]
        weights = [operand.weight for operand in operands if not operand.active and operand.weight is not None]
        if len(active) == 1 and weights:
            weight = weights[0] if len(weights) == 1 else ("combined", id(operands[0]))
            name = weight[1] if weight[0] == "attr" else "weight"
            if weight[0] == "attr":
                self.flow.matrix_weights.add(str(weight[1]))
            owner = f"{self.class_node.name}." if self.class_node is not None else ""
            self.flow.feed(active[0].tokens, Consumer(f"{owner}{name}", weight=weight))
            return Flow(frozenset(active[0].tokens | {weight}), True)
        return self.generic(operands)

    def generic(self, values: List[Flow]) -> Flow:
        """A call dllint does not know: it passes its inputs on, unless two
        computed values meet (attention scores, sampling, gating)."""
        active = [value for value in values if value.active]
        computed = [value for value in active if any(token[0] != "param" for token in value.tokens)]
        if len(computed) >= 2:
            return Flow(active=True)
        return Flow(frozenset().union(*(value.tokens for value in active)) if active else frozenset(), bool(active))


# -- helpers ---------------------------------------------------------------------------
def _all_tokens(value: Flow) -> FrozenSet[Token]:
    tokens = set(value.tokens)
    if value.elements is not None:
        for element in value.elements:
            tokens |= element.tokens
    return frozenset(tokens)


def _union(values: List[Flow]) -> Flow:
    tokens: Set[Token] = set()
    active = False
    weight = None
    for value in values:
        tokens |= _all_tokens(value)
        active = active or value.active
        weight = weight or value.weight
    handles = {value.handle for value in values if value.handle is not None}
    handle = handles.pop() if len(handles) == 1 and len(values) == 1 else None
    return Flow(frozenset(tokens), active, weight if not active else None, handle)


def _join(first: Dict[str, Flow], second: Dict[str, Flow]) -> Dict[str, Flow]:
    joined = dict(first)
    for name, value in second.items():
        if name not in joined or joined[name] is value:
            joined[name] = value
            continue
        other = joined[name]
        handle = other.handle if other.handle == value.handle else None
        joined[name] = Flow(other.tokens | value.tokens, other.active or value.active,
                            other.weight if other.weight == value.weight else None, handle)
    return joined


def _forward_of(ref: LayerRef) -> Optional[Tuple["ModuleModel", FunctionNode]]:
    """The `forward`/`call` a project block defines itself."""
    if ref.class_node is None or ref.class_model is None:
        return None
    for statement in ref.class_node.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and statement.name in ("forward", "call", "__call__"):
            return ref.class_model, statement
    return None


def _is_static(function: FunctionNode) -> bool:
    return any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in function.decorator_list)


def _is_layer_qualname(qualname: str) -> bool:
    return qualname.startswith(("torch.nn.", "keras."))


def _flow_scope(model: "ModuleModel", node: ast.AST) -> ast.AST:
    function = model.enclosing_function(node)
    return function if function is not None else model.tree


def _contains(root: ast.AST, node: ast.AST) -> bool:
    return any(child is node for child in walk(root))


def _climb(model: "ModuleModel", node: ast.AST) -> Tuple[ast.AST, Optional[ast.AST]]:
    """Up through what hands a layer on unchanged: a conditional, a wrapper
    (`weight_norm(...)`, `DataParallel(...)`), `.to(device)`."""
    parent = model.parent(node)
    while parent is not None:
        if isinstance(parent, ast.IfExp) and node is not parent.test:
            node, parent = parent, model.parent(parent)
            continue
        if isinstance(parent, ast.Call) and node in parent.args and not isinstance(parent.func, ast.Call) and (
            model.qualified_name(parent.func) in catalog.TORCH_LAYER_WRAPPERS
            or model.qualified_name(parent.func) in catalog.MODEL_WRAPPERS
            or model.qualified_name(parent.func) in catalog.KERAS_LAYER_WRAPPERS
        ):
            node, parent = parent, model.parent(parent)
            continue
        if isinstance(parent, ast.Attribute) and parent.attr in catalog.MODEL_SELF_RETURNING_METHODS:
            grand = model.parent(parent)
            if isinstance(grand, ast.Call) and grand.func is parent:
                node, parent = grand, model.parent(grand)
                continue
        if isinstance(parent, ast.Call) and node in parent.args and _returns_its_argument(model, parent, parent.args.index(node)):
            node, parent = parent, model.parent(parent)  # zero_module(conv): a helper handing the layer back
            continue
        break
    return node, parent


def _returns_its_argument(model: "ModuleModel", call: ast.Call, position: int) -> bool:
    resolved = model.resolve_function(call)
    if resolved is None:
        return False
    function = resolved[1]
    positional = function.args.posonlyargs + function.args.args
    offset = 1 if isinstance(call.func, ast.Attribute) and positional and positional[0].arg in ("self", "cls") else 0
    if position + offset >= len(positional):
        return False
    name = positional[position + offset].arg
    returned = _return_names(function)
    return bool(returned) and returned == {name}


def _return_names(function: FunctionNode) -> Set[str]:
    from dllint.semantic.module import _return_expressions

    names = set()
    for expression in _return_expressions(function):
        names.add(expression.id if isinstance(expression, ast.Name) else "")
    return names


def _container_of(model: "ModuleModel", node: ast.AST, parent: ast.AST) -> Optional[ast.Call]:
    """The container call (`nn.Sequential(...)`, `keras.Sequential([...])`,
    `nn.ModuleList(...)`) a layer expression is a member of, directly, through
    a list literal / comprehension / OrderedDict, a list variable, or
    `model.add(...)` / `.append(...)` / `.add_module(...)`."""
    current, above = node, parent
    for _ in range(6):
        if isinstance(above, ast.Call):
            ref = model.layers.construction(above)
            if ref is not None and ref.kind == CONTAINER:
                return above
            func = above.func
            if isinstance(func, ast.Attribute) and func.attr in ("add", "append", "add_module", "extend") and isinstance(func.value, ast.Name):
                return _container_bound_to(model, func.value) or _container_from_list(model, func.value)
            if (model.qualified_name(func) or "").endswith("OrderedDict"):
                current, above = above, model.parent(above)
                continue
            return None
        if isinstance(above, (ast.List, ast.Tuple, ast.Starred, ast.Dict, ast.ListComp, ast.GeneratorExp)):
            current, above = above, model.parent(above)
            continue
        if isinstance(above, (ast.Assign, ast.AugAssign)) and isinstance(current, (ast.List, ast.Tuple, ast.ListComp)):
            target = above.targets[0] if isinstance(above, ast.Assign) and len(above.targets) == 1 else getattr(above, "target", None)
            if isinstance(target, ast.Name):
                return _container_from_list(model, target)
            return None
        if isinstance(above, ast.BinOp):
            current, above = above, model.parent(above)
            continue
        return None
    return None


def _container_bound_to(model: "ModuleModel", name: ast.Name) -> Optional[ast.Call]:
    scope, binding = model.scopes.lookup(name.id, model.scopes.scope_at(name), name.lineno)
    if binding is not None and binding.kind == "assign" and isinstance(binding.value, ast.Call):
        ref = model.layers.construction(binding.value)
        if ref is not None and ref.kind == CONTAINER:
            return binding.value
    return None


def _container_from_list(model: "ModuleModel", name: ast.Name) -> Optional[ast.Call]:
    """The container built from list variable `name` later in the same scope."""
    scope = model.scopes.scope_at(name)
    for node in walk(scope.node):
        if isinstance(node, ast.Call) and model.scopes.scope_at(node) is scope and node.lineno >= name.lineno:
            ref = model.layers.construction(node)
            if ref is None or ref.kind != CONTAINER:
                continue
            for argument in node.args:
                inner = argument.value if isinstance(argument, ast.Starred) else argument
                if isinstance(inner, ast.Name) and inner.id == name.id:
                    return node
    return None
