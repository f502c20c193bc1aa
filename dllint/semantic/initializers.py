"""Initializers: where a file sets a weight, and whether to a constant.

    ops = initializer_ops(semantic)     # every initialization in the file, in order
    op.kind                             # CONSTANT, RANDOM, IDENTITY or WRITE
    op.target                           # torch: the tensor written, as spelled (`self.fc.weight`, `p`)
    op.layer                            # keras: the layer whose weight it sets (`Dense(...)`, `layer` in `layer.set_weights`)
    op.slot                             # which weight: "weight", "bias", "kernel", "recurrent_kernel", ...
    rewritten_later(semantic, op)       # the same tensor is drawn again / overwritten afterwards

Recognised (names through imports, so `nn.init`, `torch.nn.init`, `from torch.nn
import init` are one thing):

* torch: `nn.init.zeros_/ones_/constant_(t)`, `t.zero_()`, `t.fill_(c)`,
  `t.copy_(torch.zeros(...))`, `t.data = torch.zeros(...)`, `t[:] = 0`,
  `nn.Parameter(torch.zeros(...))` (creates), random draws (`normal_`,
  `xavier_*`, `kaiming_*`, `trunc_normal_`, `orthogonal_` ...), `eye_`/`dirac_`;
* Keras: `kernel_initializer=` / `recurrent_initializer=` / depthwise and
  pointwise initializers given as a string, an initializer object or a name
  bound to one; `weights=[np.zeros(...), ...]`; `layer.set_weights([...])`;
  `self.add_weight(..., initializer="zeros")` and `tf.Variable(tf.zeros(...))`
  (creates).
"""
from __future__ import annotations

import ast

from typing import TYPE_CHECKING, Dict, List, Optional, Tuple

from dllint.lazy_dataclass import lazy_dataclass
from dllint.semantic.arguments import positional_or_keyword, keyword_value
from dllint.semantic import catalog
from dllint.semantic.imports import dotted_parts

if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.module import ModuleModel

CONSTANT = "constant"   # every entry gets one value
RANDOM = "random"       # drawn at random (breaks symmetry)
IDENTITY = "identity"   # eye_ / dirac_ / "identity": not constant across units
WRITE = "write"         # some other write into the tensor (a slice, a copy of other data)


@lazy_dataclass(frozen=True, eq=False)
class InitOp:
    node: ast.AST
    kind: str
    target: Optional[ast.expr] = None
    layer: Optional[ast.expr] = None
    slot: str = ""
    api: str = ""
    value: str = ""
    creates: bool = False  # the operation makes the parameter (nn.Parameter(torch.zeros(...)), add_weight)


def initializer_ops(semantic: "ModuleModel") -> List[InitOp]:
    cached = semantic.__dict__.get("_initializer_ops")
    if cached is None:
        cached = _Scanner(semantic).scan()
        semantic.__dict__["_initializer_ops"] = cached
    return cached


def tensor_text(node: ast.AST) -> str:
    """How a tensor is spelled, without `.data` / `.detach()` (the same storage)."""
    return ast.unparse(strip_data(node))


def strip_data(node: ast.AST) -> ast.AST:
    while True:
        if isinstance(node, ast.Attribute) and node.attr == "data":
            node = node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "detach" and not node.args:
            node = node.func.value
        else:
            return node


def constant_tensor(semantic: "ModuleModel", node: Optional[ast.AST], depth: int = 0) -> Optional[str]:
    """The value when `node` builds a tensor holding one value everywhere
    (`torch.zeros(4, 8)`, `np.ones((4, 8)) * 0.1`, `torch.full((4, 8), 0.5)`)."""
    if node is None or depth > 4:
        return None
    if isinstance(node, ast.Call):
        qualname = semantic.qualified_name(node.func)
        if qualname in catalog.CONSTANT_TENSOR_FACTORIES:
            value = catalog.CONSTANT_TENSOR_FACTORIES[qualname]
            if value:
                return value
            fill = positional_or_keyword(node, 1, "fill_value") or positional_or_keyword(node, 1, "value")
            return ast.unparse(fill) if fill is not None else None  # a scalar by the API
        if isinstance(node.func, ast.Attribute) and node.func.attr in catalog.WEIGHT_VIEW_METHODS | {"cuda", "cpu", "double", "astype"}:
            return constant_tensor(semantic, node.func.value, depth + 1)
        return None
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Div, ast.Add, ast.Sub)):
        for tensor, scalar in ((node.left, node.right), (node.right, node.left)):
            inner = constant_tensor(semantic, tensor, depth + 1)
            if inner is not None and _scalar_text(semantic, scalar) is not None:
                return ast.unparse(node)
        return None
    if isinstance(node, ast.Name):
        bound = _bound_value(semantic, node)
        return constant_tensor(semantic, bound, depth + 1) if bound is not None else None
    return None


def keras_initializer(semantic: "ModuleModel", node: ast.AST, depth: int = 0) -> Optional[Tuple[str, str]]:
    """(kind, value) of a Keras initializer argument; None when unknown."""
    if depth > 4:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        name = node.value.lower()
        if name in catalog.KERAS_CONSTANT_INITIALIZER_NAMES:
            return CONSTANT, catalog.KERAS_CONSTANT_INITIALIZER_NAMES[name]
        if name == "identity":
            return IDENTITY, ""
        return RANDOM, ""
    if isinstance(node, ast.Call):
        qualname = semantic.qualified_name(node.func) or ""
        if qualname in catalog.KERAS_CONSTANT_INITIALIZERS:
            value = catalog.KERAS_CONSTANT_INITIALIZERS[qualname]
            if value:
                return CONSTANT, value
            argument = positional_or_keyword(node, 0, "value")
            if argument is None:
                return CONSTANT, "0"
            text = _scalar_text(semantic, argument)
            return (CONSTANT, text) if text is not None else None
        if qualname == "keras.initializers.get" and node.args:
            return keras_initializer(semantic, node.args[0], depth + 1)
        if qualname.startswith(("keras.initializers.", "tensorflow.initializers.", "tensorflow.keras.initializers.")):
            last = qualname.rsplit(".", 1)[-1]
            return (IDENTITY, "") if last in ("Identity", "identity") else (RANDOM, "")
        if qualname.startswith(("tensorflow.", "keras.")) and qualname.endswith(("_initializer", "Normal", "Uniform")):
            return RANDOM, ""
        return None
    if isinstance(node, ast.Name):
        bound = _bound_value(semantic, node)
        return keras_initializer(semantic, bound, depth + 1) if bound is not None else None
    return None


def rewritten_later(semantic: "ModuleModel", op: InitOp) -> bool:
    """Whether the tensor `op` sets constant is drawn again or overwritten
    before training: for a parameter `op` creates, any non-constant init of
    it in the project (see `LayerModel.drawn_again`); otherwise a later
    random/identity init, `layer.reset_parameters()` or a partial write of
    the same tensor in the same function."""
    if op.target is None:
        return False
    if op.creates and isinstance(op.target, ast.Attribute) and is_self(semantic, op.target.value):
        return semantic.layers.drawn_again(op)
    text = _whole_tensor_text(op.target)
    function = semantic.enclosing_function(op.node)
    owner = _owner_text(op.target)
    for other in initializer_ops(semantic):
        if other is op or other.kind == CONSTANT or other.target is None:
            continue
        if semantic.enclosing_function(other.node) is not function or not _after(other.node, op.node):
            continue
        if _exclusive_branches(semantic, op.node, other.node):
            continue
        if _whole_tensor_text(other.target) == text or (owner is not None and other.slot == "reset" and tensor_text(other.target) == owner):
            return True
    return False


# -- scanning ---------------------------------------------------------------
class _Scanner:
    def __init__(self, semantic: "ModuleModel"):
        self.semantic = semantic
        self.ops: List[InitOp] = []

    def scan(self) -> List[InitOp]:
        for node in self.semantic.nodes:
            if isinstance(node, ast.Call):
                self._call(node)
            elif isinstance(node, ast.Assign) and len(node.targets) == 1:
                self._assign(node)
        self.ops.sort(key=lambda op: (op.node.lineno, op.node.col_offset))
        return self.ops

    def _add(self, **fields) -> None:
        self.ops.append(InitOp(**fields))

    def _call(self, node: ast.Call) -> None:
        semantic = self.semantic
        if isinstance(node.func, ast.Call):
            return  # `Dense(...)(x)`: the layer call is scanned on its own
        qualname = semantic.qualified_name(node.func)
        if qualname in catalog.TORCH_CONSTANT_INITS:
            func_text = ast.unparse(node.func)
            target = positional_or_keyword(node, 0, "tensor")
            value = catalog.TORCH_CONSTANT_INITS[qualname]
            if not value:
                argument = positional_or_keyword(node, 1, "val")
                if argument is None:
                    return
                value = ast.unparse(argument)  # a Python number by the API
            if target is not None:
                self._add(node=node, kind=CONSTANT, target=target, slot=_slot(target), api=f"{func_text}()", value=value)
            return
        if qualname in catalog.TORCH_IDENTITY_INITS:
            target = positional_or_keyword(node, 0, "tensor")
            if target is not None:
                self._add(node=node, kind=IDENTITY, target=target, slot=_slot(target), api=f"{ast.unparse(node.func)}()")
            return
        if qualname in catalog.TORCH_PARAMETER_CLASSES or qualname in ("tensorflow.Variable",):
            return  # creations are read from their assignment (_assign)
        parts = dotted_parts(node.func)
        last = parts[-1] if parts else (node.func.attr if isinstance(node.func, ast.Attribute) else None)
        is_method = isinstance(node.func, ast.Attribute) and qualname is None
        if not is_method and last in catalog.RANDOM_INIT_NAMES and node.args:
            target = node.args[0]
            self._add(node=node, kind=RANDOM, target=target, slot=_slot(target), api=f"{ast.unparse(node.func)}()")
            return
        if qualname and qualname.startswith("keras.layers."):
            self._keras_layer(node)
        if not isinstance(node.func, ast.Attribute):
            return
        method = node.func.attr
        receiver = node.func.value
        if method == "add_weight":
            return  # read from its assignment (_assign)
        if method == "register_parameter" and len(node.args) >= 2 and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            target = ast.copy_location(ast.Attribute(value=receiver, attr=node.args[0].value, ctx=ast.Load()), node)
            self._creation(node.args[1], target)
            return
        if method == "set_weights" and node.args:
            self._set_weights(node, receiver)
            return
        if not is_method:
            return
        target = strip_data(receiver)
        if method in catalog.TENSOR_CONSTANT_METHODS:
            if method == "zero_":
                value = "0"
            else:
                # a number or a 0-dim tensor: one value either way
                argument = positional_or_keyword(node, 0, "value")
                value = ast.unparse(argument) if argument is not None else None
            kind = CONSTANT if value is not None else WRITE
            self._add(node=node, kind=kind, target=target, slot=_slot(target), api=f".{method}()", value=value or "")
        elif method in catalog.TENSOR_RANDOM_METHODS:
            self._add(node=node, kind=RANDOM, target=target, slot=_slot(target), api=f".{method}()")
        elif method in ("copy_", "assign"):
            source = positional_or_keyword(node, 0, "src") or positional_or_keyword(node, 0, "value")
            value = constant_tensor(semantic, source)
            kind = CONSTANT if value is not None else WRITE
            self._add(node=node, kind=kind, target=target, slot=_slot(target), api=f".{method}()", value=value or "")
        elif method in catalog.LAYER_REINIT_METHODS:
            self._add(node=node, kind=RANDOM, target=target, slot="reset", api=f".{method}()")

    def _assign(self, node: ast.Assign) -> None:
        target = node.targets[0]
        if isinstance(target, (ast.Attribute, ast.Name)):
            self._creation(node.value, target)
        if isinstance(target, ast.Subscript):
            written = strip_data(target.value)
            if not isinstance(written, (ast.Attribute, ast.Name)):
                return
            value = _scalar_text(self.semantic, node.value) if _whole(target.slice) else None
            if value is not None:
                self._add(node=node, kind=CONSTANT, target=written, slot=_slot(written), api="slice assignment", value=value)
            else:
                self._add(node=node, kind=WRITE, target=written, slot=_slot(written), api="slice assignment")
        elif isinstance(target, ast.Attribute) and target.attr == "data":
            written = strip_data(target)
            value = constant_tensor(self.semantic, node.value)
            kind = CONSTANT if value is not None else WRITE
            self._add(node=node, kind=kind, target=written, slot=_slot(written), api="`.data =`", value=value or "")

    def _creation(self, value: ast.AST, target: ast.expr) -> None:
        """`target = nn.Parameter(...)` / `tf.Variable(...)` / `self.add_weight(...)`,
        also under a conditional or `.to(device)`."""
        for call in _created_by(value):
            if isinstance(call.func, ast.Call):
                continue
            qualname = self.semantic.qualified_name(call.func)
            if qualname in catalog.TORCH_PARAMETER_CLASSES or qualname == "tensorflow.Variable":
                self._parameter(call, qualname, target)
            elif isinstance(call.func, ast.Attribute) and call.func.attr == "add_weight":
                self._add_weight(call, target)

    def _parameter(self, node: ast.Call, qualname: str, target: ast.expr) -> None:
        data = positional_or_keyword(node, 0, "data") or positional_or_keyword(node, 0, "initial_value")
        value = constant_tensor(self.semantic, data)
        api = "nn.Parameter" if "Parameter" in qualname else "tf.Variable"
        if value is not None:
            self._add(node=node, kind=CONSTANT, target=target, slot=_slot(target), api=f"{api}({ast.unparse(data)})",
                      value=value, creates=True)
        elif target is not None and not (isinstance(data, ast.Call) and "empty" in ast.unparse(data.func)):
            # made from data that is not constant: random or copied
            self._add(node=node, kind=WRITE, target=target, slot=_slot(target), api=api, creates=True)

    def _add_weight(self, node: ast.Call, target: ast.expr) -> None:
        initializer = keyword_value(node, "initializer")
        if initializer is None:
            self._add(node=node, kind=RANDOM, target=target, slot=_slot(target), api="add_weight()", creates=True)
            return
        found = keras_initializer(self.semantic, initializer)
        if found is None:
            self._add(node=node, kind=WRITE, target=target, slot=_slot(target), api="add_weight()", creates=True)
            return
        kind, value = found
        self._add(node=node, kind=kind, target=target, slot=_slot(target),
                  api=f"add_weight(initializer={ast.unparse(initializer)})", value=value, creates=True)

    def _keras_layer(self, node: ast.Call) -> None:
        for keyword in node.keywords:
            slot = catalog.KERAS_WEIGHT_INITIALIZER_KEYWORDS.get(keyword.arg or "")
            if slot is not None:
                found = keras_initializer(self.semantic, keyword.value)
                if found is not None:
                    kind, value = found
                    self._add(node=keyword, kind=kind, layer=node, slot=slot,
                              api=f"{keyword.arg}={ast.unparse(keyword.value)}", value=value)
            elif keyword.arg == "weights" and isinstance(keyword.value, (ast.List, ast.Tuple)) and keyword.value.elts:
                value = constant_tensor(self.semantic, keyword.value.elts[0])
                if value is not None:
                    self._add(node=keyword, kind=CONSTANT, layer=node, slot="kernel",
                              api=f"weights=[{ast.unparse(keyword.value.elts[0])}, ...]", value=value)

    def _set_weights(self, node: ast.Call, receiver: ast.expr) -> None:
        weights = node.args[0]
        if isinstance(weights, ast.Name):
            weights = _bound_value(self.semantic, weights) or weights
        if not isinstance(weights, (ast.List, ast.Tuple)) or not weights.elts:
            return
        value = constant_tensor(self.semantic, weights.elts[0])
        kind = CONSTANT if value is not None else WRITE
        self._add(node=node, kind=kind, layer=receiver, slot="kernel",
                  api=f"set_weights([{ast.unparse(weights.elts[0])}, ...])", value=value or "")


# -- helpers ------------------------------------------------------------------
def _slot(target: ast.AST) -> str:
    """The weight a tensor expression names: `self.fc.weight` -> "weight",
    `p` -> "p"; a subscript (`emb.weight[pad]`) is a part, not a weight."""
    target = strip_data(target)
    if isinstance(target, ast.Attribute):
        return target.attr
    if isinstance(target, ast.Name):
        return target.id
    return ""


def _whole_tensor_text(node: ast.AST) -> str:
    """The tensor a write goes into, slices included: `w.data[:4].normal_()` writes into `w`."""
    node = strip_data(node)
    while isinstance(node, ast.Subscript):
        node = strip_data(node.value)
    return ast.unparse(node)


def _owner_text(target: ast.AST) -> Optional[str]:
    target = strip_data(target)
    if isinstance(target, ast.Attribute):
        return ast.unparse(target.value)
    return None


def is_self(semantic: "ModuleModel", node: ast.AST) -> bool:
    """`node` is the first parameter of a method (`self`)."""
    if not isinstance(node, ast.Name):
        return False
    function = semantic.enclosing_function(node)
    if function is None or semantic.enclosing_class(function) is None:
        return False
    positional = function.args.posonlyargs + function.args.args
    return bool(positional) and positional[0].arg == node.id


def _scalar_text(semantic: "ModuleModel", node: Optional[ast.AST], depth: int = 0) -> Optional[str]:
    """The text of a number (`0.01`, `-1`, `1 / 64`, a name bound to one)."""
    if node is None or depth > 3:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return ast.unparse(node)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return ast.unparse(node) if _scalar_text(semantic, node.operand, depth + 1) is not None else None
    if isinstance(node, ast.BinOp) and _scalar_text(semantic, node.left, depth + 1) and _scalar_text(semantic, node.right, depth + 1):
        return ast.unparse(node)
    if isinstance(node, ast.Name):
        bound = _bound_value(semantic, node)
        if bound is not None and _scalar_text(semantic, bound, depth + 1) is not None:
            return node.id
    return None


def _bound_value(semantic: "ModuleModel", name: ast.Name) -> Optional[ast.AST]:
    """The expression a name was last assigned (a plain assignment only)."""
    scope, binding = semantic.scopes.lookup(name.id, semantic.scopes.scope_at(name), getattr(name, "lineno", None))
    if binding is None or binding.kind != "assign" or binding.path:
        return None
    return binding.value


def assigned_to(semantic: "ModuleModel", call: ast.Call) -> Optional[ast.expr]:
    """`self.w` in `self.w = nn.Parameter(...)` (through a `.to()` or a
    conditional); the name given to `register_parameter`."""
    node: ast.AST = call
    parent = semantic.parent(node)
    while isinstance(parent, ast.IfExp) or (
        isinstance(parent, ast.Attribute) and parent.attr in ("to", "cuda") and isinstance(semantic.parent(parent), ast.Call)
    ):
        node = parent if isinstance(parent, ast.IfExp) else semantic.parent(parent)
        parent = semantic.parent(node)
    if isinstance(parent, (ast.Assign, ast.AnnAssign)):
        targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
        if len(targets) == 1 and isinstance(targets[0], (ast.Attribute, ast.Name)):
            return targets[0]
    if isinstance(parent, ast.Call) and isinstance(parent.func, ast.Attribute) and parent.func.attr == "register_parameter":
        name = positional_or_keyword(parent, 0, "name")
        if isinstance(name, ast.Constant) and isinstance(name.value, str):
            return ast.copy_location(ast.Attribute(value=parent.func.value, attr=name.value, ctx=ast.Load()), parent)
    return None


def _created_by(value: ast.AST) -> List[ast.Call]:
    """The calls an assigned value comes from, through conditionals and `.to()`."""
    if isinstance(value, ast.IfExp):
        return _created_by(value.body) + _created_by(value.orelse)
    if isinstance(value, ast.Call):
        func = value.func
        if isinstance(func, ast.Attribute) and func.attr in ("to", "cuda") and isinstance(func.value, ast.Call):
            return _created_by(func.value)
        return [value]
    return []


def _whole(index: ast.AST) -> bool:
    """`[:]` or `[...]`: the whole tensor."""
    if isinstance(index, ast.Slice):
        return index.lower is None and index.upper is None and index.step is None
    return isinstance(index, ast.Constant) and index.value is Ellipsis


def _after(node: ast.AST, other: ast.AST) -> bool:
    return (node.lineno, node.col_offset) > (other.lineno, other.col_offset)


def _exclusive_branches(semantic: "ModuleModel", first: ast.AST, second: ast.AST) -> bool:
    """The two nodes sit in different branches of one `if`/`elif` chain."""
    ancestors: Dict[int, Tuple[ast.AST, ast.AST]] = {}
    child, node = first, semantic.parent(first)
    while node is not None:
        ancestors[id(node)] = (node, child)
        child, node = node, semantic.parent(node)
    child, node = second, semantic.parent(second)
    while node is not None:
        if id(node) in ancestors:
            if isinstance(node, ast.If):
                first_child = ancestors[id(node)][1]
                in_body = lambda c: any(c is s for s in node.body)  # noqa: E731
                return in_body(first_child) != in_body(child)
            return False
        child, node = node, semantic.parent(node)
    return False
