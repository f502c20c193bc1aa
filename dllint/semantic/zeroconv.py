"""Zero-convs: a block's output layer zeroed on purpose where it is built.

    block_output(ref) -> (model, class_node, attr) | None
        the layer is `self.<attr>` of a project block whose `forward()`/`call()`
        returns the layer's output as it is: `return self.conv_out(h)`, or
        `h = self.conv_out(h); return h`, with nothing applied after it
        (no activation, no other layer) and no other use of its output in
        the block.
    zeroing_helpers(ref) -> [(model, FunctionDef)]
        the project helpers the construction is handed to and that hand it
        back (`zero_module(nn.Conv2d(...))`, `def zero_module(m): ...; return m`).
    is_zero_conv(semantic, op, ref)
        `op` (an initialization in `semantic`) runs inside one of those helpers,
        and the layer is its block's output layer: the ControlNet /
        guided-diffusion zero-conv, which makes a whole block start as a no-op
        (its output is exactly zero) while every layer before it keeps its
        random init. Whatever consumes the block's output afterwards, the
        block's own hidden layers are not constant, so this is deliberate.

Both conditions are needed: a helper that zeroes a layer deep inside a block
(`self.fc1 = zero_module(nn.Linear(...))` feeding `self.fc2`) still zeroes a
hidden layer, and a block's output layer zeroed by a blanket loop over every
module is not a marked zero-conv.
"""
from __future__ import annotations

import ast
from typing import TYPE_CHECKING, List, Optional, Tuple, Union

from dllint.tree import walk

if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.initializers import InitOp
    from dllint.semantic.layers import LayerRef
    from dllint.semantic.module import ModuleModel

FunctionNode = Union[ast.FunctionDef, ast.AsyncFunctionDef]
_FORWARD_METHODS = ("forward", "call", "__call__")


def zeroing_helpers(ref: "LayerRef") -> List[Tuple["ModuleModel", FunctionNode]]:
    """The helpers that receive the construction and return it, innermost first."""
    return _climb_helpers(ref)[0]


def _climb_helpers(ref: "LayerRef") -> Tuple[List[Tuple["ModuleModel", FunctionNode]], ast.AST]:
    from dllint.semantic.layerflow import _returns_its_argument

    model, node = ref.model, ref.node
    helpers: List[Tuple["ModuleModel", FunctionNode]] = []
    if not isinstance(node, ast.Call):
        return helpers, node
    parent = model.parent(node)
    while isinstance(parent, ast.Call) and node in parent.args and _returns_its_argument(model, parent, parent.args.index(node)):
        resolved = model.resolve_function(parent)
        if resolved is None:
            break
        helpers.append(resolved)
        node, parent = parent, model.parent(parent)
    return helpers, node


def block_output(ref: "LayerRef") -> Optional[Tuple["ModuleModel", ast.ClassDef, str]]:
    """The block and attribute of which this layer is the output layer, or None."""
    if ref.site is not None:
        return None  # built in a helper shared by several call sites
    model = ref.model
    _, top = _climb_helpers(ref)
    holder = model.parent(top)
    if not (isinstance(holder, ast.Assign) and len(holder.targets) == 1 and holder.value is top):
        return None
    target = holder.targets[0]
    if not (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)):
        return None
    class_node = model._class_of_self(target.value, target)
    if class_node is None:
        return None
    attr = target.attr
    forward = next((statement for statement in class_node.body
                    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and statement.name in _FORWARD_METHODS), None)
    if forward is None or not _returns_output_of(model, forward, attr):
        return None
    # nothing in the block takes the layer's output as its input
    if any(flow.feeds.get(("attr", attr)) for flow in model.layers.flow.methods(class_node)):
        return None
    return model, class_node, attr


def is_zero_conv(semantic: "ModuleModel", op: "InitOp", ref: "LayerRef") -> bool:
    """`op` zeroes `ref` inside a helper wrapped around its construction, and
    `ref` is its block's output layer."""
    function = semantic.enclosing_function(op.node)
    if function is None:
        return False
    if not any(helper is function for _, helper in zeroing_helpers(ref)):
        return False
    return block_output(ref) is not None


# -- helpers ---------------------------------------------------------------------------
def _returns_output_of(model: "ModuleModel", function: FunctionNode, attr: str) -> bool:
    """Some `return` of `function` hands back `self.<attr>(...)` unchanged."""
    positional = function.args.posonlyargs + function.args.args
    if not positional:
        return False
    self_name = positional[0].arg
    for node in walk(function):
        if not isinstance(node, ast.Return) or node.value is None or model.enclosing_function(node) is not function:
            continue
        value = node.value
        if isinstance(value, ast.Name):
            scope = model.scopes.scope_at(node)
            _, binding = model.scopes.lookup(value.id, scope, node.lineno)
            if binding is None or binding.kind != "assign" or binding.path:
                continue
            value = binding.value
        if _calls_attribute(value, self_name, attr):
            return True
    return False


def _calls_attribute(value: Optional[ast.AST], self_name: str, attr: str) -> bool:
    return isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == attr \
        and isinstance(value.func.value, ast.Name) and value.func.value.id == self_name
