"""Whether code trains: backward(), optimizer steps, and where gradients are off.

`trains(node)` says whether a function, loop or statement runs `backward()`
and an optimizer step (itself or through the project functions it calls);
`feeds_training(call)` whether a forward pass's value reaches a
`backward()`; `in_no_grad(node)` whether it runs under `torch.no_grad()` and
friends. A file that cannot reach a `backward()` (nor can any project module
it imports) trains nothing, which keeps inference-only files cheap.
"""
from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Dict, Iterator, List, Optional, Set, Tuple, Union

from dllint.semantic import catalog
from dllint.semantic.arguments import is_false, positional_or_keyword
from dllint.semantic.imports import dotted_parts
from dllint.semantic.modes.part import ModePart
from dllint.semantic.modes.states import MAX_DEPTH, Body
from dllint.semantic.scopes import _target_names
from dllint.semantic.values import MODEL
from dllint.tree import body_walk, walk, walk_no_defs

if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.modes import ModeModel


class TrainingFacts(ModePart):
    """Where the code of one file trains."""

    def __init__(self, modes: "ModeModel"):
        super().__init__(modes)
        self._trains: Dict[ast.AST, Tuple[bool, bool]] = {}
        self._reaches_backward: Optional[bool] = None
        self._sinks: Dict[ast.AST, Set[int]] = {}
        self._backward: Dict[ast.AST, bool] = {}
        self._updates_models: Optional[bool] = None

    def may_train(self) -> bool:
        """Whether code in this file can reach a `backward()`: its own text,
        or a project module it imports (transitively), has one."""
        if self._reaches_backward is None:
            self._reaches_backward = False
            if ".backward(" in self.semantic.source.text:
                self._reaches_backward = True
                return True
            pending = [self.semantic.info]
            seen: Set[int] = set()
            while pending:
                info = pending.pop()
                if id(info) in seen:
                    continue
                seen.add(id(info))
                if ".backward(" in info.source.text:
                    self._reaches_backward = True
                    break
                for imported in info.imports.imported_modules + list(info.imports.names.values()):
                    target = self.project.module(imported)
                    if target is None and "." in imported:
                        target = self.project.module(imported.rsplit(".", 1)[0])
                    if target is not None:
                        pending.append(target)
        return self._reaches_backward

    def trains(self, root: ast.AST, _depth: int = 0) -> Tuple[bool, bool]:
        """(runs backward(), runs an optimizer step) somewhere in `root`,
        directly or through the project functions it calls."""
        if root in self._trains:
            return self._trains[root]
        if not self.may_train():
            return False, False
        self._trains[root] = (False, False)
        backward = step = False
        nodes = body_walk(root) if isinstance(root, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)) else walk_no_defs(root)
        for node in nodes:
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Attribute):
                if func.attr == "backward":
                    backward = True
                elif func.attr == "step" and self._is_optimizer_step(node):
                    step = True
                elif func.attr in ("fit", "train_step", "training_step") and not (
                        isinstance(func.value, ast.Name) and func.value.id == "self"):
                    value = self.semantic.value_of(func.value)
                    if value is not None and value.kind == MODEL and value.framework in ("keras", "sklearn"):
                        continue
            if _depth < MAX_DEPTH and not (backward and step):
                resolved = self.modes.calls.resolve_callee(node)
                if resolved is not None and resolved[1] is not root:
                    inner_backward, inner_step = resolved[0].modes.training.trains(resolved[1], _depth + 1)
                    backward, step = backward or inner_backward, step or inner_step
            if backward and step:
                break
        self._trains[root] = (backward, step)
        return backward, step

    def updates_models(self) -> bool:
        """Whether an optimizer of this file may update a model's weights. Not
        when every optimizer it builds takes a list of plain tensors
        (`SGD([patch])`, `Adam([delta])`): the loops then train an input, an
        adversarial patch or a perturbation, and the models they run forward
        are fixed functions whose mode the author chose."""
        if self._updates_models is None:
            built = [node for node in self.semantic.nodes_of(ast.Call)
                     if (self.semantic.qualified_name(node.func) or "").startswith(catalog.TORCH_OPTIMIZER_PREFIXES)
                     and self.semantic.qualified_name(node.func).count(".") == 2]
            self._updates_models = not built or not all(self._takes_plain_tensors(node) for node in built)
        return self._updates_models

    def _takes_plain_tensors(self, constructor: ast.Call) -> bool:
        params = positional_or_keyword(constructor, 0, "params")
        if not isinstance(params, (ast.List, ast.Tuple)) or not params.elts:
            return False
        for element in params.elts:
            if not isinstance(element, ast.Name):
                return False  # `model.fc.weight`, `{"params": ...}`, `*model.parameters()`
            value = self.semantic.value_of(element)
            if value is not None and value.kind == MODEL:
                return False
            scopes = self.semantic.scopes
            _, binding = scopes.lookup(element.id, scopes.scope_at(element), element.lineno)
            bound = binding.value if binding is not None else None
            if bound is None or isinstance(bound, (ast.Dict, ast.List, ast.Tuple, ast.ListComp, ast.GeneratorExp)) \
                    or any(isinstance(n, ast.Attribute) and n.attr in ("parameters", "named_parameters") for n in walk(bound)):
                return False  # a parameter group, or the parameters of a model, under a name
        return True

    def _is_optimizer_step(self, call: ast.Call) -> bool:
        func = call.func
        assert isinstance(func, ast.Attribute)
        if call.args and isinstance(func.value, (ast.Name, ast.Attribute)):
            # scaler.step(optimizer)
            value = self.semantic.value_of(call.args[0])
            return value is not None and value.kind == "optimizer"
        value = self.semantic.value_of(func.value)
        if value is not None:
            return value.kind == "optimizer"
        parts = dotted_parts(func.value)
        return bool(parts) and "optim" in parts[-1].lower()

    def training_loops(self, function: Body) -> List[Union[ast.For, ast.While, ast.AsyncFor]]:
        """Loops of `function` whose body runs backward() and an optimizer
        step (directly or through called functions)."""
        loops = []
        for node in body_walk(function):
            if isinstance(node, (ast.For, ast.AsyncFor, ast.While)) and self.trains(node) == (True, True):
                loops.append(node)
        return loops

    def in_no_grad(self, node: ast.AST) -> bool:
        """Inside `with torch.no_grad()` / `inference_mode()` /
        `set_grad_enabled(False)`, or a function decorated with them."""
        return self.no_grad_context(node) is not None

    def no_grad_context(self, node: ast.AST) -> Optional[str]:
        """How gradients are off at `node`, as a message says it: "under
        `torch.inference_mode()`", "in a function decorated with
        `@torch.no_grad()`"; or None."""
        current = self.semantic.parent(node)
        while current is not None:
            if isinstance(current, (ast.With, ast.AsyncWith)):
                for item in current.items:
                    if self._disables_grad(item.context_expr):
                        return f"under `{_short_text(item.context_expr)}`"
            if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for decorator in current.decorator_list:
                    if self._disables_grad(decorator):
                        return f"in a function decorated with `@{_short_text(decorator)}`"
                return None
            if isinstance(current, (ast.Lambda, ast.ClassDef)):
                return None
            current = self.semantic.parent(current)
        return None

    def _disables_grad(self, expr: ast.AST) -> bool:
        call = expr if isinstance(expr, ast.Call) else None
        qualname = self.semantic.qualified_name(call.func if call else expr)
        if qualname in catalog.NO_GRAD_CONTEXTS:
            return True
        if qualname in catalog.GRAD_SWITCH_CONTEXTS and call is not None:
            return is_false(positional_or_keyword(call, 0, "mode"))
        return False

    def feeds_training(self, call: ast.Call) -> bool:
        """Whether the value of `call` (a forward pass) reaches a `backward()`
        in its function, through assignments; in a function without
        backward(), whether it is returned (the caller may backpropagate)."""
        function = self.modes.body_of(call)
        sinks = self._training_sinks(function)
        current: Optional[ast.AST] = call
        while current is not None and current is not function:
            if id(current) in sinks:
                return True
            current = self.semantic.parent(current)
        return False

    def has_backward(self, function: Body) -> bool:
        """Whether `function`'s own body calls backward()."""
        cached = self._backward.get(function)
        if cached is None:
            cached = self._backward[function] = any(
                isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "backward"
                for node in body_walk(function))
        return cached

    def _training_sinks(self, function: Body) -> Set[int]:
        """Ids of the expressions whose value reaches a backward() (or the
        return value, in a function without one). An assignment counts when
        it is inside the innermost loop around the backward(), so a name
        reused by an evaluation loop next to it does not."""
        cached = self._sinks.get(function)
        if cached is not None:
            return cached
        roots: List[ast.AST] = []
        assignments: List[Tuple[List[str], ast.AST, ast.AST]] = []
        returns: List[ast.AST] = []
        for node in body_walk(function):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "backward":
                roots.append(node)  # loss.backward(), scaler.scale(loss).backward(), accelerator.backward(loss)
            elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names = [_dotted(element) for target in targets for element, _ in _target_names(target)]
                assignments.append(([n for n in names if n], node.value, node))
            elif isinstance(node, ast.Return) and node.value is not None:
                returns.append(node.value)
        sinks: Set[int] = set()
        groups: Dict[int, Tuple[Optional[ast.AST], List[ast.AST]]] = {}
        if roots:
            for root in roots:
                loop = next(iter(self.enclosing_loops(root, function)), None)
                groups.setdefault(id(loop), (loop, []))[1].append(root)
        else:
            groups[0] = (None, returns)
        by_id = {id(node): (names, value, node) for names, value, node in assignments}
        for loop, group in groups.values():
            # Within a loop, what feeds backward() is computed before it in the
            # body: a name reused after the last backward() (an evaluation at
            # the end of the iteration) is overwritten before the next one.
            # The loop's own nodes are walked, not every assignment of the
            # function once per loop (a notebook's module level has hundreds
            # of loops); the closure below does not depend on their order.
            if loop is None:
                local = [(names, value) for names, value, _ in assignments]
            else:
                last = max(getattr(root, "lineno", 0) for root in group)
                inside = [by_id[id(node)] for node in walk_no_defs(loop) if id(node) in by_id]
                local = [(names, value) for names, value, node in inside if node.lineno <= last]
            needed = {name for root in group for name in _names_in(root)}
            changed = True
            while changed:
                changed = False
                for names, value in local:
                    if any(name in needed or name.split(".")[0] in needed for name in names):
                        for used in _names_in(value):
                            if used not in needed:
                                needed.add(used)
                                changed = True
            sinks |= {id(root) for root in group}
            sinks |= {id(value) for names, value in local if any(name in needed for name in names)}
        self._sinks[function] = sinks
        return sinks

    def enclosing_loops(self, node: ast.AST, function: Body) -> Iterator[ast.AST]:
        current = self.semantic.parent(node)
        while current is not None and current is not function:
            if isinstance(current, (ast.For, ast.AsyncFor, ast.While)):
                yield current
            current = self.semantic.parent(current)


def _dotted(node: ast.AST) -> Optional[str]:
    parts = dotted_parts(node)
    return ".".join(parts) if parts else None


def _names_in(expr: ast.AST) -> Set[str]:
    """The names and dotted attributes an expression reads (`outputs.loss`
    gives both `outputs.loss` and `outputs`)."""
    found: Set[str] = set()
    for node in walk(expr):
        if isinstance(node, (ast.Name, ast.Attribute)):
            dotted = _dotted(node)
            if dotted:
                found.add(dotted)
    return found


def _short_text(expr: ast.AST) -> str:
    text = ast.unparse(expr)
    return text if len(text) <= 40 else text[:37] + "..."
