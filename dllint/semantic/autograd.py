"""Autograd facts: where gradients are recorded, and which values carry a graph.

    autograd = semantic.autograd
    autograd.grad_mode_at(node)     -> ENABLED / DISABLED / None (cannot tell)
    autograd.grad_disabled_here(node)  lexically under no_grad, or in a
                                    function decorated with it (no callers followed)
    autograd.graph(expr)            -> Graph(state, loss, scalar, origin)
    autograd.graph_carrier(expr)    the part of expr that carries the graph (`loss` in `loss * n`)
    autograd.surely_graph_free(expr)  syntactic pre-test: `1`, `x.item()`, `len(x)`
    autograd.callers(function)      -> [(ModuleModel, Call)] in the whole project
    autograd.may_see_losses()       cheap text pre-test: can any value here be a loss?

*Grad mode* at a node is DISABLED inside `with torch.no_grad():`,
`torch.inference_mode()`, `torch.set_grad_enabled(False)` (as a context or
a statement earlier in the same block), in a function decorated with
`@torch.no_grad()` / `@torch.inference_mode()`, in a Lightning
`validation_step` / `test_step` / `predict_step`, and in a function every
project caller of which runs it with grad mode disabled. It is ENABLED at
module level, under `torch.enable_grad()`, and in a function called with
grad mode enabled from at least one place. A function nobody in the project
calls (a library entry point) gives None.

*Graph state* of an expression says whether the value it computes is a
tensor attached to an autograd graph (ATTACHED), surely not (DETACHED:
`.item()`, `.detach()`, `.tolist()`, `.numpy()`, `float(...)`, `.data`,
numbers, values computed under no_grad), or unknown (None). Values are
followed through names, tuple unpacking and project functions' return
values. ATTACHED needs positive evidence: a loss function's result, a
model's output, `outputs.loss`, arithmetic and tensor methods on those, or
a name that `backward()` is called on in the same function.
`loss` is True when the value is a loss (a loss function's result,
`outputs.loss`, or a name like `loss` / `*_loss` holding attached values);
`scalar` when it is known to hold one element (a reduced loss, `.mean()`).
Only PyTorch values carry a graph: in a file that imports TensorFlow, Keras,
JAX, MXNet or Paddle and no PyTorch package, and for Keras or scikit-learn models and
losses anywhere, `graph()` says None.
"""
from __future__ import annotations

import ast
from dataclasses import replace
from typing import TYPE_CHECKING, Dict, Iterable, List, Optional, Set, Tuple, Union

from dllint.lazy_dataclass import lazy_dataclass
from dllint.lazy_pattern import LazyPattern
from dllint.semantic.recursion import guarded
from dllint.semantic import catalog
from dllint.semantic.loss_mentions import lines_mention_loss, mentions_loss
from dllint.semantic.module import return_expressions
from dllint.semantic.values import LOSS, LOSS_FUNCTION, MODEL, MODEL_OUTPUT, kind_from_name

if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.module import ModuleModel

ENABLED = "enabled"
DISABLED = "disabled"
ATTACHED = "attached"
DETACHED = "detached"

FunctionNode = Union[ast.FunctionDef, ast.AsyncFunctionDef]
_MAX_DEPTH = 12
_UNKNOWN_MODE = "unknown"
_DISABLING_NAME = LazyPattern(r"(?i)no_?grad|inference_?mode")
_DISABLING_CODE = LazyPattern(r"no_grad|inference_mode|set_grad_enabled\(\s*False")


@lazy_dataclass(frozen=True)
class Graph:
    state: Optional[str] = None
    loss: bool = False
    scalar: bool = False
    # the call that attached the graph (loss function, model call), when known
    origin: Optional[ast.AST] = None

    @property
    def attached(self) -> bool:
        return self.state == ATTACHED

    @property
    def detached(self) -> bool:
        return self.state == DETACHED


_UNKNOWN = Graph()
_DETACHED = Graph(DETACHED)


def combine(graphs: Iterable[Graph]) -> Graph:
    """The graph state of a value computed from several (a sum, a choice)."""
    graphs = list(graphs)
    attached = [graph for graph in graphs if graph.attached]
    if attached:
        # one number only when every part is one number with a graph (a sum of loss terms)
        scalar = all(g.attached and g.scalar for g in graphs)
        return Graph(ATTACHED, loss=any(g.loss for g in attached), scalar=scalar, origin=attached[0].origin)
    if graphs and all(graph.detached for graph in graphs):
        return _DETACHED
    return _UNKNOWN


class Autograd:
    def __init__(self, model: "ModuleModel"):
        self.model = model
        self._graphs: Dict[int, Graph] = {}
        self._in_progress: Set[int] = set()
        # (id(node), path) -> graph state of that element, see _element_graph
        self._element_graphs: Dict[Tuple[int, Tuple[int, ...]], Graph] = {}
        self._elements_in_progress: Set[Tuple[int, Tuple[int, ...]]] = set()
        self._modes: Dict[int, Optional[str]] = {}
        self._callers: Dict[int, List[Tuple["ModuleModel", ast.Call]]] = {}
        self._may_see_losses: Optional[bool] = None
        tops = {name.split(".")[0] for name in model.imports.imported_modules}
        # A TensorFlow / JAX / MXNet file: its losses and outputs hold no torch graph.
        self.records_graphs = not (tops & catalog.GRAPHLESS_FRAMEWORKS) or bool(tops & catalog.TORCH_ECOSYSTEM)

    # -- a cheap pre-test ---------------------------------------------------
    def may_see_losses(self) -> bool:
        """False when no expression of this file can be a loss for `graph()`:
        neither the file nor a project function or class it imports by name
        mentions a loss (`loss`, `criterion`, `*_entropy`, `kl_div`)."""
        if self._may_see_losses is None:
            self._may_see_losses = self._mentions_losses()
        return self._may_see_losses

    def _mentions_losses(self) -> bool:
        if mentions_loss(self.model.source):
            return True
        project = self.model.project
        for qualname in self.model.imports.names.values():
            # (the definition's lines, found from the index: nothing is parsed)
            found = project.definition_lines(qualname) if "." in qualname else None
            if found is not None:
                info, first, last = found
                if lines_mention_loss(info.source, first, last):
                    return True
        return False

    # -- callers across the project ----------------------------------------
    def callers(self, function: FunctionNode) -> List[Tuple["ModuleModel", ast.Call]]:
        """Every call of `function` (defined in this file): in this file (the
        calls `resolve_callee` follows: functions, `self.method()`, methods of
        instances of project classes) and in the files that import this one."""
        key = id(function)
        if key not in self._callers:
            from dllint.semantic.training_loops import resolve_callee

            def calls_in(model: "ModuleModel") -> List[Tuple["ModuleModel", ast.Call]]:
                return [(model, call) for call in model.calls(function.name) if (resolve_callee(model, call) or (None, None))[1] is function]

            found = calls_in(self.model)
            if self.model.parent(function) is self.model.tree:
                found += self.model.callers_elsewhere(function)
            elif self.model.info.name:
                for other in self.model.project.modules_importing(self.model.info):
                    # (a file that cannot call it by name gets no model: a
                    # module imported everywhere has thousands of importers)
                    if function.name in other.source.text:
                        found += calls_in(self.model.project.model_for(other))
            self._callers[key] = found
        return self._callers[key]

    # -- grad mode ----------------------------------------------------------
    def grad_disabled_here(self, node: ast.AST) -> bool:
        """Lexically under a no-grad context, or in a no-grad decorated function."""
        mode = self._lexical_mode(node)
        if mode is not None:
            return mode == DISABLED
        function = self.model.enclosing_function(node)
        while function is not None:
            decorated = self._decorator_mode(function)
            if decorated is not None:
                return decorated == DISABLED
            if self._lexical_mode(function) is not None:
                return self._lexical_mode(function) == DISABLED
            function = self.model.enclosing_function(function)
        return False

    def grad_mode_at(self, node: ast.AST) -> Optional[str]:
        return self._grad_mode(node, frozenset())

    def _grad_mode(self, node: ast.AST, active: frozenset) -> Optional[str]:
        mode = self._lexical_mode(node)
        if mode is not None:
            return None if mode == _UNKNOWN_MODE else mode
        function = self.model.enclosing_function(node)
        if function is None:
            return ENABLED
        return self._function_mode(function, active)

    def _function_mode(self, function: FunctionNode, active: frozenset) -> Optional[str]:
        key = id(function)
        if key in self._modes:
            return self._modes[key]
        if key in active or len(active) > 8:
            return None
        mode = self._decorator_mode(function)
        if mode is None and self._is_lightning_eval_hook(function):
            mode = DISABLED
        if mode is None:
            outer = self.model.enclosing_function(function)
            if outer is not None:
                # A nested function: its callers are in the outer function.
                mode = self._callers_mode(function, active | {key}) or self._function_mode(outer, active | {key})
            else:
                mode = self._callers_mode(function, active | {key})
        self._modes[key] = mode
        return mode

    def _callers_mode(self, function: FunctionNode, active: frozenset) -> Optional[str]:
        modes = [caller_model.autograd._grad_mode(call, active) for caller_model, call in self.callers(function)]
        if ENABLED in modes:
            return ENABLED
        if modes and all(mode == DISABLED for mode in modes):
            return DISABLED
        return None

    def _decorator_mode(self, function: FunctionNode) -> Optional[str]:
        for decorator in function.decorator_list:
            mode = self._context_mode(decorator)
            if mode is not None and mode != _UNKNOWN_MODE:
                return mode
            if self._disabling_wrapper(decorator):
                return DISABLED
        return None

    def _disabling_wrapper(self, decorator: ast.expr) -> bool:
        """A decorator of the project or another library that switches
        gradients off: its name says so (`@smart_inference_mode()`,
        `@no_grad_wrapper`), or its code uses `no_grad` / `inference_mode`."""
        from dllint.semantic.imports import dotted_parts
        from dllint.semantic.training_loops import resolve_callee

        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        parts = dotted_parts(target)
        if parts and _DISABLING_NAME.search(parts[-1]):
            return True
        resolved = resolve_callee(self.model, decorator) if isinstance(decorator, ast.Call) else self._function_named(decorator)
        if resolved is None:
            return False
        module, function = resolved
        text = module.source.lines_text(function.lineno, function.end_lineno or function.lineno)
        return bool(_DISABLING_CODE.search(text))

    def _function_named(self, expression: ast.expr):
        """The project function a name or dotted name refers to, with its module."""
        qualname = self.model.qualified_name(expression)
        found = self.model.project.definition(qualname) if qualname else None
        if found is not None and isinstance(found[1], (ast.FunctionDef, ast.AsyncFunctionDef)):
            return self.model.project.model_for(found[0]), found[1]
        if isinstance(expression, ast.Name):
            _, binding = self.model.scopes.lookup(expression.id, self.model.scopes.scope_at(expression), expression.lineno)
            if binding is not None and binding.kind == "def":
                return self.model, binding.value
        return None

    def _is_lightning_eval_hook(self, function: FunctionNode) -> bool:
        if function.name not in catalog.LIGHTNING_NO_GRAD_HOOKS:
            return False
        class_node = self.model.enclosing_class(function)
        if class_node is None or self.model.parent(function) is not class_node:
            return False
        ancestry = set(self.model.project.class_ancestry(self.model.class_qualname(class_node)))
        return bool(ancestry & catalog.LIGHTNING_MODULE_BASES)

    def _context_mode(self, expression: ast.AST) -> Optional[str]:
        """DISABLED / ENABLED / _UNKNOWN_MODE for a grad-mode context or decorator, else None."""
        call = expression if isinstance(expression, ast.Call) else None
        qualname = self.model.qualified_name(call.func if call is not None else expression)
        if qualname is None:
            return None
        if qualname in catalog.GRAD_DISABLING:
            if call is not None and qualname.endswith("inference_mode"):
                flag = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "mode"), None)
                if isinstance(flag, ast.Constant) and flag.value is False:
                    return None
            return DISABLED
        if qualname in catalog.GRAD_ENABLING:
            return ENABLED
        if qualname in catalog.GRAD_SWITCHES and call is not None:
            flag = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "mode"), None)
            if isinstance(flag, ast.Constant) and isinstance(flag.value, bool):
                return ENABLED if flag.value else DISABLED
            return _UNKNOWN_MODE
        return None

    def _lexical_mode(self, node: ast.AST) -> Optional[str]:
        """The grad mode set by the `with` blocks and `set_grad_enabled(...)`
        statements around `node`, up to its function; None if none."""
        child, parent = node, self.model.parent(node)
        while parent is not None and not isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            if isinstance(parent, (ast.With, ast.AsyncWith)) and child in parent.body:
                for item in reversed(parent.items):
                    mode = self._context_mode(item.context_expr)
                    if mode is not None:
                        return mode
            mode = self._statement_switch_before(parent, child)
            if mode is not None:
                return mode
            child, parent = parent, self.model.parent(parent)
        if parent is not None or isinstance(child, ast.stmt):
            container = parent if parent is not None else self.model.tree
            mode = self._statement_switch_before(container, child)
            if mode is not None:
                return mode
        return None

    def _statement_switch_before(self, parent: ast.AST, child: ast.AST) -> Optional[str]:
        for name in ("body", "orelse", "finalbody"):
            block = getattr(parent, name, None)
            if isinstance(block, list) and child in block:
                for statement in reversed(block[: block.index(child)]):
                    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
                        qualname = self.model.qualified_name(statement.value.func)
                        if qualname in catalog.GRAD_SWITCHES:
                            mode = self._context_mode(statement.value)
                            if mode is not None:
                                return mode
                return None
        return None

    # -- graph state --------------------------------------------------------
    def graph(self, node: ast.AST, depth: int = 0) -> Graph:
        """Whether the value of `node` is a tensor attached to an autograd graph."""
        key = id(node)
        if key in self._graphs:
            return self._graphs[key]
        if depth > _MAX_DEPTH:
            return _UNKNOWN
        result = guarded(self._in_progress, key, lambda: self._evaluate(node, depth), _UNKNOWN)
        self._graphs[key] = result
        return result

    def _evaluate(self, node: ast.AST, depth: int) -> Graph:
        if not self.records_graphs:
            return _UNKNOWN
        if isinstance(node, (ast.Constant, ast.JoinedStr, ast.Compare, ast.BoolOp)):
            return _DETACHED
        if isinstance(node, ast.Name):
            return self._graph_of_name(node, depth)
        if isinstance(node, ast.BinOp):
            for side, other in ((node.left, node.right), (node.right, node.left)):
                if _is_number(side):  # `-0.5 * torch.mean(...)`: still one number, still a loss
                    return self.graph(other, depth + 1)
            return combine((self.graph(node.left, depth + 1), self.graph(node.right, depth + 1)))
        if isinstance(node, ast.UnaryOp):
            operand = self.graph(node.operand, depth + 1)
            return operand if not isinstance(node.op, ast.Not) else _DETACHED
        if isinstance(node, ast.IfExp):
            return combine((self.graph(node.body, depth + 1), self.graph(node.orelse, depth + 1)))
        if isinstance(node, ast.Attribute):
            return self._graph_of_attribute(node, depth)
        if isinstance(node, ast.Subscript):
            return self._graph_of_subscript(node, depth)
        if isinstance(node, ast.Call):
            return self._graph_of_call(node, depth)
        if isinstance(node, (ast.Await, ast.NamedExpr)):
            return self.graph(node.value, depth + 1)
        return _UNKNOWN

    def graph_carrier(self, expression: ast.expr) -> ast.expr:
        """The part of `expression` that carries the graph: `loss` in
        `loss * x.size(0)`, the whole expression when that cannot be narrowed."""
        while True:
            if isinstance(expression, ast.BinOp):
                sides = [side for side in (expression.left, expression.right) if self.graph(side).attached]
                if len(sides) == 1:
                    expression = sides[0]
                    continue
            if isinstance(expression, ast.UnaryOp):
                expression = expression.operand
                continue
            return expression

    @staticmethod
    def surely_graph_free(expression: ast.expr) -> bool:
        """Values no graph can hide in, told apart by syntax alone (`1`,
        `x.item()`, `f"..."`, `len(x)`): a pre-test before `graph()`."""
        if isinstance(expression, (ast.Constant, ast.JoinedStr, ast.Compare, ast.BoolOp, ast.Tuple, ast.List, ast.Dict, ast.Set)):
            return True
        if isinstance(expression, ast.Call):
            func = expression.func
            if isinstance(func, ast.Attribute) and func.attr in ("item", "detach", "tolist", "numpy"):
                return True
            if isinstance(func, ast.Name) and func.id in catalog.GRAPH_FREE_BUILTINS:
                return True
        return False

    def _graph_of_name(self, node: ast.Name, depth: int) -> Graph:
        graph = self._graph_of_binding(node, depth)
        if graph.state is None and self.model.training_loops.backpropagated(node):
            # `loss.backward()` on this name: whatever made it, it is a loss
            # tensor with a graph (and one number: backward() needs a scalar).
            return Graph(ATTACHED, loss=True, scalar=True)
        if graph.attached and not graph.loss and kind_from_name(node.id) == LOSS:
            graph = replace(graph, loss=True)
        return graph

    def _graph_of_binding(self, node: ast.Name, depth: int) -> Graph:
        model = self.model
        _, binding = model.scopes.lookup(node.id, model.scopes.scope_at(node), node.lineno)
        if binding is None:
            return _UNKNOWN
        if binding.kind == "assign":
            return self._element_graph(binding.value, binding.path, depth + 1)
        if binding.kind == "augassign":
            graph = self.graph(binding.value.value, depth + 1)
            return graph if graph.attached else _UNKNOWN
        if binding.kind == "for" and binding.path[:1] == (0,) and len(binding.path) == 1 and _is_enumerate(binding.value):
            return _DETACHED  # the count of `for i, batch in enumerate(...)`: an int
        return _UNKNOWN

    def _element_graph(self, value: ast.AST, path: Tuple[int, ...], depth: int) -> Graph:
        """The graph state of the element at `path` of what `value` computes."""
        if not path:
            return self.graph(value, depth)
        if depth > _MAX_DEPTH:
            return _UNKNOWN
        # Memoized per (node, path): a function whose returns call itself
        # would otherwise be chased through every return at every level.
        key = (id(value), path)
        if key in self._element_graphs:
            return self._element_graphs[key]
        result = guarded(self._elements_in_progress, key, lambda: self._element_graph_uncached(value, path, depth), _UNKNOWN)
        self._element_graphs[key] = result
        return result

    def _element_graph_uncached(self, value: ast.AST, path: Tuple[int, ...], depth: int) -> Graph:
        index = path[0]
        if isinstance(value, (ast.Tuple, ast.List)):
            if 0 <= index < len(value.elts) and not any(isinstance(e, ast.Starred) for e in value.elts):
                return self._element_graph(value.elts[index], path[1:], depth + 1)
            return _UNKNOWN
        if isinstance(value, ast.Call):
            from dllint.semantic.training_loops import resolve_callee

            target = resolve_callee(self.model, value)
            if target is not None:
                callee_model, function = target
                graphs = [callee_model.autograd._element_graph(returned, path, depth + 1) for returned in return_expressions(function)]
                result = combine(graphs) if graphs else _UNKNOWN
                if result.attached and self.grad_disabled_here(value):
                    return _DETACHED
                if result.attached and result.scalar and not result.loss and len(path) == 1 \
                        and callee_model.autograd.returns_loss_terms(function, depth + 1):
                    result = replace(result, loss=True)
                return result
            whole = self.graph(value, depth + 1)
            if whole.attached:
                # one element of a model's outputs: attached, but not a loss
                return Graph(ATTACHED, loss=False, origin=whole.origin)
            return whole if whole.detached else _UNKNOWN
        return _UNKNOWN

    def _graph_of_attribute(self, node: ast.Attribute, depth: int) -> Graph:
        if node.attr in ("data", "grad", "shape", "dtype", "device", "requires_grad"):
            return _DETACHED
        value = self.model.value_of(node)
        if value is not None and value.kind == LOSS and not value.by_name:
            if self.grad_disabled_here(node):
                return _DETACHED
            return Graph(ATTACHED, loss=True, scalar=True, origin=node)
        if isinstance(node.value, ast.Name) and self.model._class_of_self(node.value, node) is not None:
            return _UNKNOWN
        base = self.graph(node.value, depth + 1)
        if base.attached:
            return Graph(ATTACHED, loss=False, origin=base.origin)
        return _UNKNOWN

    def _graph_of_subscript(self, node: ast.Subscript, depth: int) -> Graph:
        value = self.model.value_of(node)
        if value is not None and value.kind == LOSS and not value.by_name:
            if self.grad_disabled_here(node):
                return _DETACHED
            return Graph(ATTACHED, loss=True, scalar=True, origin=node)
        key = _constant_key(node.slice)
        if key is not None:
            item = self._item_graph(node.value, key, depth + 1)
            if item is not None:
                return item
        base = self.graph(node.value, depth + 1)
        if base.attached:
            return Graph(ATTACHED, loss=base.loss, origin=base.origin)
        return _UNKNOWN

    # -- several losses returned together -------------------------------------
    def _item_graph(self, container: ast.expr, key: Union[str, int], depth: int) -> Optional[Graph]:
        """`parts["kl"]` / `parts[1]` where `parts` holds what a project
        function returns as a dict or tuple literal; None when not known."""
        if depth > _MAX_DEPTH:
            return None
        if isinstance(container, ast.Name):
            _, binding = self.model.scopes.lookup(container.id, self.model.scopes.scope_at(container), container.lineno)
            if binding is None or binding.kind != "assign" or binding.path:
                return None
            container = binding.value
        if not isinstance(container, ast.Call):
            return None
        from dllint.semantic.training_loops import resolve_callee

        target = resolve_callee(self.model, container)
        if target is None:
            return None
        callee_model, function = target
        autograd = callee_model.autograd
        items = [_literal_item(returned, key) for returned in return_expressions(function)]
        if not items or any(item is None for item in items):
            return None
        result = combine(autograd.graph(item, depth + 1) for item in items)
        if result.attached and self.grad_disabled_here(container):
            return _DETACHED
        if result.attached and result.scalar and not result.loss and autograd.returns_loss_terms(function, depth + 1):
            result = replace(result, loss=True)
        return result

    def returns_loss_terms(self, function: FunctionNode, depth: int = 0) -> bool:
        """The function returns several values as a tuple or dict literal and
        one of them is a loss: its other one-number parts with a graph are
        loss terms too (`return recon_loss, kl`, `{"cls": cls, "box": box}`)."""
        for returned in return_expressions(function):
            parts = returned.elts if isinstance(returned, ast.Tuple) else returned.values if isinstance(returned, ast.Dict) else []
            if len(parts) > 1 and any(self.graph(part, depth + 1).loss for part in parts if part is not None):
                return True
        return False

    def _graph_of_call(self, node: ast.Call, depth: int) -> Graph:
        model = self.model
        func = node.func
        if isinstance(func, ast.Attribute):
            method = func.attr
            if method in catalog.GRAPH_FREE_METHODS:
                return _DETACHED
            receiver = self.graph(func.value, depth + 1)
            if receiver.attached:
                if method in catalog.GRAPH_PRESERVING_METHODS:
                    reduces = method in ("mean", "sum") and not node.args and not node.keywords
                    keeps_shape = method in ("to", "cuda", "cpu", "float", "double", "half", "clone", "contiguous", "type_as", "mul", "div", "add", "sub", "pow", "abs", "exp", "log", "sqrt", "neg")
                    return Graph(ATTACHED, loss=receiver.loss, scalar=reduces or (keeps_shape and receiver.scalar), origin=receiver.origin)
                return _UNKNOWN
        if isinstance(func, ast.Name) and func.id in catalog.GRAPH_FREE_BUILTINS:
            _, binding = model.scopes.lookup(func.id, model.scopes.scope_at(node), node.lineno)
            if binding is None:
                return _DETACHED
        qualname = model.qualified_name(func)
        if qualname is not None:
            if qualname.startswith(catalog.GRAPH_FREE_PREFIXES):
                return _DETACHED
            if qualname in catalog.TORCH_FRESH_TENSORS:
                requires = next((k.value for k in node.keywords if k.arg == "requires_grad"), None)
                return _UNKNOWN if requires is not None else _DETACHED
            if qualname in catalog.TORCH_LOSS_FUNCTIONS:
                return self._loss_result(node, _reduces(node))
        callee = model.value_of(func)
        if callee is not None and callee.kind == LOSS_FUNCTION and not (callee.qualname or "").startswith("keras."):
            return self._loss_result(node, self._loss_function_reduces(callee))
        if callee is not None and callee.kind == MODEL and callee.framework not in ("keras", "sklearn"):
            return self._model_output(node)
        value = model.value_of(node)
        if value is not None and value.kind == LOSS and not value.by_name:
            return self._loss_result(node, False)
        if value is not None and value.kind == MODEL_OUTPUT and value.framework not in ("keras", "sklearn"):
            return self._model_output(node)
        from dllint.semantic.training_loops import resolve_callee

        target = resolve_callee(model, node)
        if target is not None:
            callee_model, function = target
            graphs = [callee_model.autograd.graph(returned, depth + 1) for returned in return_expressions(function)]
            result = combine(graphs) if graphs else _UNKNOWN
            if result.attached and self.grad_disabled_here(node):
                return _DETACHED
            if len(graphs) == 1 and result.attached:
                result = replace(result, scalar=graphs[0].scalar)
            return result
        if qualname is not None and qualname.startswith("torch.") or isinstance(func, ast.Name) and func.id == "sum":
            arguments = [self.graph(argument, depth + 1) for argument in node.args]
            result = combine(arguments)
            if result.attached:
                reduces = qualname in ("torch.mean", "torch.sum") and len(node.args) == 1 and not node.keywords
                return replace(result, scalar=reduces)
            return result if result.attached else _UNKNOWN
        return _UNKNOWN

    def _loss_result(self, node: ast.Call, scalar: bool) -> Graph:
        if self.grad_disabled_here(node):
            return _DETACHED
        return Graph(ATTACHED, loss=True, scalar=scalar, origin=node)

    def _model_output(self, node: ast.Call) -> Graph:
        if self.grad_disabled_here(node):
            return _DETACHED
        return Graph(ATTACHED, loss=False, origin=node)

    @staticmethod
    def _loss_function_reduces(value) -> bool:
        """Whether calling the loss function object built by `value` returns one number."""
        if value.by_name or not isinstance(value.origin, ast.Call):
            return False
        return _reduces(value.origin)


def _reduces(call: ast.Call) -> bool:
    for keyword in call.keywords:
        if keyword.arg == "reduction":
            return isinstance(keyword.value, ast.Constant) and keyword.value.value in ("mean", "sum")
        if keyword.arg in ("reduce", "size_average"):
            return False
    return True


def _is_enumerate(node: Optional[ast.AST]) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "enumerate"


def _is_number(node: ast.AST) -> bool:
    if isinstance(node, ast.UnaryOp):
        node = node.operand
    return isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool)


def _constant_key(node: ast.AST) -> Optional[Union[str, int]]:
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, int)) and not isinstance(node.value, bool):
        return node.value
    return None


def _literal_item(returned: ast.expr, key: Union[str, int]) -> Optional[ast.expr]:
    """The expression at `key` of a returned dict or tuple literal."""
    if isinstance(returned, ast.Dict) and isinstance(key, str):
        for name, value in zip(returned.keys, returned.values):
            if isinstance(name, ast.Constant) and name.value == key:
                return value
        return None
    if isinstance(returned, (ast.Tuple, ast.List)) and isinstance(key, int) \
            and not any(isinstance(e, ast.Starred) for e in returned.elts) and -len(returned.elts) <= key < len(returned.elts):
        return returned.elts[key]
    return None
