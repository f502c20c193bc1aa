"""DL102's question: eval switches in a training loop that nothing undoes.

An `.eval()` (or a call that leads to one) inside a loop that trains, whose
mode reaches the next forward pass with gradients of the same model, in the
same iteration or the next. Left out: a switch only in the last iteration
(`if epoch == epochs - 1`), a freshly loaded model, a loop where something
else may switch it back, and models without mode-dependent layers.
"""
from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Dict, List, Set, Tuple

from dllint.semantic import catalog
from dllint.semantic.modes.part import ModePart
from dllint.semantic.modes.states import EITHER, EVAL, UNKNOWN, Body, FunctionNode, Key
from dllint.tree import walk, walk_no_defs

if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.module import ModuleModel


def is_fresh_load(node: ast.AST) -> bool:
    """`X.from_pretrained(...)`: a new object that starts in eval mode, not a
    switch of a model being trained (a validation pipeline built inside the
    training loop around the trained network is not that network)."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
        and node.func.attr in catalog.MODEL_LOADED_IN_EVAL_MODE


class UnrestoredEvals(ModePart):
    """The unrestored eval switches of one file."""

    def unrestored_evals(self) -> List[Tuple[ast.AST, Key, ast.AST]]:
        """Eval switches inside a training loop that reach a forward pass with
        gradients of the same model (in the next iteration or later in the
        same one): (the eval call or the call that leads to it, the model,
        the training loop)."""
        found: List[Tuple[ast.AST, Key, ast.AST]] = []
        reported: Set[int] = set()
        if not self.modes.training.may_train() or not self.modes.training.updates_models():
            return found  # nothing trains, or only inputs / patches are optimized
        loops = [node for node in self.modes.nodes if isinstance(node, (ast.For, ast.AsyncFor, ast.While))
                 and self.modes.training.trains(node) == (True, True)]
        for loop in loops:
            function = self.modes.body_of(loop)
            nodes = list(walk_no_defs(loop))
            inside = {id(node) for node in nodes}
            for key, example in self._trained_keys(loop, function):
                flow = self.modes.resolution.flow(function, key)
                if flow is None:
                    continue
                for point, state in flow.points_among(nodes):
                    if any(mode.kind in (UNKNOWN, EITHER) and mode.node is not None and id(mode.node) in inside
                           for mode in state):
                        continue  # something in the loop may have switched it back
                    for mode in state:
                        if mode.kind == EVAL and mode.node is not None and id(mode.node) in inside \
                                and id(mode.node) not in reported and not is_fresh_load(mode.node) \
                                and not self._only_in_last_iteration(mode.node, loop):
                            if not self._key_dependent(key, example):
                                break
                            reported.add(id(mode.node))
                            found.append((mode.node, key, loop))
        found.sort(key=lambda item: (getattr(item[0], "lineno", 0), getattr(item[0], "col_offset", 0)))
        return found

    def _only_in_last_iteration(self, node: ast.AST, loop: ast.AST) -> bool:
        """`if epoch == args.epochs - 1: model.eval()`: nothing trains after it."""
        if not isinstance(loop, (ast.For, ast.AsyncFor)) or not isinstance(loop.target, ast.Name):
            return False
        variable = loop.target.id
        bound = None
        if isinstance(loop.iter, ast.Call) and isinstance(loop.iter.func, ast.Name) and loop.iter.func.id == "range" \
                and loop.iter.args:
            bound = ast.dump(loop.iter.args[-1] if len(loop.iter.args) <= 2 else loop.iter.args[1])
        current = self.semantic.parent(node)
        while current is not None and current is not loop:
            if isinstance(current, ast.If) and isinstance(current.test, ast.Compare) \
                    and len(current.test.ops) == 1 and isinstance(current.test.ops[0], (ast.Eq, ast.GtE)):
                sides = [current.test.left, current.test.comparators[0]]
                names = [{n.id for n in walk(side) if isinstance(n, ast.Name)} for side in sides]
                for here, other, other_names in ((sides[0], sides[1], names[1]), (sides[1], sides[0], names[0])):
                    if isinstance(here, ast.Name) and here.id == variable and variable not in other_names:
                        last = isinstance(other, ast.BinOp) and isinstance(other.op, ast.Sub) \
                            and isinstance(other.right, ast.Constant) and other.right.value == 1
                        if last and bound is not None and ast.dump(other.left) == bound:
                            return True
                        if bound is not None and ast.dump(other) == bound and isinstance(current.test.ops[0], ast.GtE):
                            return True
            current = self.semantic.parent(current)
        return False

    def _trained_keys(self, loop: ast.AST, function: Body) -> List[Tuple[Key, ast.AST]]:
        """Models run forward with gradients in the loop (directly or in the
        functions it calls), with an expression naming each."""
        keys: Dict[Key, ast.AST] = {}
        for node in walk_no_defs(loop):
            if not isinstance(node, ast.Call):
                continue
            forward = self.modes.keys.model_forward(node)
            if forward is not None:
                key, func = forward
                if not self.modes.training.in_no_grad(node) and not self.modes.forwards.is_internal(func) and self.modes.training.feeds_training(node):
                    keys.setdefault(key, func)
                continue
            resolved = self.modes.calls.resolve_callee(node)
            if resolved is None:
                continue
            module, callee = resolved
            candidates: List[ast.AST] = list(node.args) + [k.value for k in node.keywords]
            if isinstance(node.func, ast.Attribute):
                candidates.append(node.func.value)
            for candidate in candidates:
                base = self.modes.keys.alias_base(candidate)
                key = self.modes.keys.key_of(base) if base is not None else None
                if key is None or key in keys:
                    continue
                for slot, relation in self.modes.calls.slots_for(node, module, callee, key):
                    effect = module.modes.resolution.effect(callee, slot)
                    if relation == "same" and (effect.forwards or effect.returns_forward and self.modes.training.feeds_training(node)):
                        keys[key] = base
                        break
            for slot_key in self._self_keys_forwarded(node, module, callee):
                keys.setdefault(slot_key, node)
        return list(keys.items())

    def _self_keys_forwarded(self, call: ast.Call, module: "ModuleModel", callee: FunctionNode) -> List[Key]:
        """`self.train_epoch()`: the self.<model> keys the method trains."""
        if not (isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name)):
            return []
        receiver = self.modes.keys.key_of(call.func.value)
        class_node = module.enclosing_class(callee)
        if receiver is None or class_node is None:
            return []
        if receiver[0] is not class_node and self.semantic.instance_class(call.func.value) is None:
            return []
        # `trainer.train_step(x)`: trainer.<model> for each self.<model> it trains
        return [(receiver[0], receiver[1] + sub) for sub in module.modes.forwards.trained_parts(callee, class_node)]

    def _key_dependent(self, key: Key, example: ast.AST) -> bool:
        """Mode dependence of a trained model; one reached only through a
        method of a class (`self.train_step()`) is assumed dependent."""
        if isinstance(example, ast.Call):
            return True
        return self.modes.is_mode_dependent(example)
