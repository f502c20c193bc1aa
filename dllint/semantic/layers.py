"""Layers: what a model is made of, and which layer an expression names.

    layers = semantic.layers                     # one LayerModel per file
    layers.constructions(expr)  -> [LayerRef]    # the layers an expression builds (`nn.Linear(...)`,
                                                 #   a helper returning `nn.Sequential(...)`, `Dense(...)`)
    layers.class_layers(class_node) -> {attr: [LayerRef]}   # `self.fc = nn.Linear(...)`, `self.w = nn.Parameter(...)`
    layers.children(container_ref) -> [Child]     # Sequential / ModuleList / keras Sequential members, in order
    layers.within(ref) -> [LayerRef]              # every layer inside (what `.modules()` visits)
    layers.denoted(expr, at) -> [LayerRef] | None # `self.fc1`, `m` in `for m in self.modules()` under
                                                  #   `isinstance(m, nn.Linear)`, `module` of an `apply()`ed function
    layers.weight_targets(op) -> [WeightTarget] | None   # which layers' weights an initializer writes
    layers.is_weighted(ref)                       # has a weight matrix / kernel mixing its inputs
    layers.hidden(ref) -> str | None              # evidence that the layer's output feeds a weighted layer
                                                  #   (see semantic/layerflow.py)

Layer kinds: WEIGHTED (Linear, Conv*, RNNs, Dense, Conv2D, ...), NORM
(BatchNorm, LayerNorm, GroupNorm, RMSNorm, ...; project classes named like
norms too), EMBEDDING, CONTAINER (nn.Sequential/ModuleList/ModuleDict,
keras.Sequential), BLOCK (a project nn.Module / keras Layer), PARAM (a
parameter a class makes itself: `nn.Parameter`, `add_weight`, `tf.Variable`),
FREE (activations, dropout, pooling, ...), UNKNOWN.

Related: semantic/initializers.py (what sets a weight), semantic/guards.py
(`isinstance` tests around an init), semantic/callsites.py (callers,
instantiations, `apply()` sites across files), semantic/layerflow.py (roles).
"""
from __future__ import annotations

import ast
import re

from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Set, Tuple, Union

from dllint.lazy_dataclass import lazy_dataclass
from dllint.lazy_pattern import LazyPattern
from dllint.semantic import catalog
from dllint.semantic.callsites import apply_sites, function_named, project_callers
from dllint.semantic.guards import class_name_aliases, module_guard, name_filter, parameter_guard
from dllint.semantic.initializers import InitOp, strip_data
from dllint.tree import walk

if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.module import ModuleModel

FunctionNode = Union[ast.FunctionDef, ast.AsyncFunctionDef]

WEIGHTED, NORM, EMBEDDING, CONTAINER, BLOCK, PARAM, FREE, UNKNOWN = (
    "weighted", "norm", "embedding", "container", "block", "param", "free", "unknown",
)
_MAX_DEPTH = 10
_WEIGHT_SLOT = LazyPattern(catalog.TORCH_WEIGHT_SLOTS_PATTERN)
_RECURRENT_SLOT = LazyPattern(catalog.TORCH_RECURRENT_SLOTS_PATTERN)
_NORM_CLASS_NAME = LazyPattern(r"(Norm|Normalization|Normalize)(\d?d)?$|^(BN|LN|RMSNorm|Affine)")
_LORA_B = LazyPattern(r"^(lora_?b|lora_up|b)$", re.I)
_LORA_A = LazyPattern(r"^(lora_?a|lora_down|a)$", re.I)
_MODULE_ITERATORS = {"modules": None, "named_modules": 1, "children": None, "named_children": 1}
_PARAMETER_ITERATORS = {"parameters": None, "named_parameters": 1}
_CONTAINER_APPENDERS = ("append", "add", "add_module", "extend", "insert")


class LayerRef:
    """One layer (or parameter) where the code makes it.

    `node` is the construction (`nn.Linear(...)`, `Dense(...)`, `Net()`), the
    `nn.Parameter(...)` / `add_weight(...)` call, or a ClassDef for a layer
    class itself (`self.weight` inside `class ZeroLinear(nn.Linear)`).
    `class_node` / `class_model` locate a project class the layer is an
    instance of; `owner`/`attr` the class attribute that holds it, if any.
    """

    __slots__ = ("model", "node", "kind", "qualname", "name", "class_node", "class_model", "owner", "attr", "owner_model", "site")

    def __init__(self, model: "ModuleModel", node: ast.AST, kind: str, qualname: Optional[str], name: str,
                 class_node: Optional[ast.ClassDef] = None, class_model: Optional["ModuleModel"] = None,
                 owner: Optional[ast.ClassDef] = None, attr: Optional[str] = None,
                 owner_model: Optional["ModuleModel"] = None):
        self.model, self.node, self.kind, self.qualname, self.name = model, node, kind, qualname, name
        self.class_node, self.class_model, self.owner, self.attr = class_node, class_model, owner, attr
        self.owner_model = owner_model or model  # the file of `owner`
        # the expression (model, node) that hands this layer to its user, when
        # the construction sits in a helper shared by several call sites
        self.site: Optional[Tuple["ModuleModel", ast.AST]] = None

    def at_site(self, model: "ModuleModel", node: ast.AST) -> "LayerRef":
        copy = LayerRef(self.model, self.node, self.kind, self.qualname, self.name, self.class_node,
                        self.class_model, self.owner, self.attr, self.owner_model)
        copy.site = (model, node)
        return copy

    def key(self) -> Tuple[int, int, Optional[str]]:
        return (id(self.model), id(self.node), self.attr if self.kind == PARAM else None)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LayerRef) and self.key() == other.key()

    def __hash__(self) -> int:
        return hash(self.key())

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"LayerRef({self.kind}, {self.name}, {self.qualname})"

    @property
    def short_type(self) -> str:
        return (self.qualname or "?").rsplit(".", 1)[-1]


@lazy_dataclass(frozen=True)
class Child:
    """A member of a container: the expression that makes it, its layers,
    where it sits, and whether the source makes it several times (a
    comprehension, a loop)."""

    expr: ast.AST
    refs: Tuple[LayerRef, ...]
    position: int
    repeated: bool = False


@lazy_dataclass(frozen=True)
class WeightTarget:
    layer: LayerRef
    slot: str  # "weight", "kernel", "recurrent_kernel", a parameter's name

    @property
    def recurrent(self) -> bool:
        return self.slot == "recurrent_kernel" or bool(_RECURRENT_SLOT.match(self.slot))

    @property
    def mixes_units(self) -> bool:
        """The slot is a weight matrix/kernel of a layer that mixes features
        (not a bias, not a norm's scale, not an embedding table)."""
        if self.layer.kind == PARAM:
            return True  # the layer model decides matrix use (is_weighted)
        if self.layer.kind != WEIGHTED:
            return False
        return self.slot in ("kernel", "recurrent_kernel", "depthwise_kernel", "pointwise_kernel") or bool(_WEIGHT_SLOT.match(self.slot))


class LayerModel:
    def __init__(self, semantic: "ModuleModel"):
        self.semantic = semantic
        self._class_layers: Dict[int, Dict[str, List[LayerRef]]] = {}
        self._class_kind: Dict[int, str] = {}
        # id(function) -> layer -> (line, column) of the last random init of its weight
        self._redrawn: Optional[Dict[int, Dict[LayerRef, Tuple[int, int]]]] = None
        self._children: Dict[int, Tuple[List[Child], bool]] = {}
        self._flow = None

    # -- kinds ---------------------------------------------------------------
    def construction(self, call: ast.AST) -> Optional[LayerRef]:
        """The layer a call builds, when it builds one."""
        if not isinstance(call, ast.Call) or isinstance(call.func, ast.Call):
            return None
        semantic = self.semantic
        qualname = semantic.qualified_name(call.func)
        if qualname is not None:
            kind = _library_kind(qualname)
            if kind is not None:
                return LayerRef(semantic, call, kind, qualname, qualname.rsplit(".", 1)[-1])
            if qualname in catalog.TORCH_PARAMETER_CLASSES or qualname == "tensorflow.Variable":
                return self._parameter_ref(call, qualname)
        if isinstance(call.func, ast.Attribute) and call.func.attr == "add_weight":
            return self._parameter_ref(call, "add_weight")
        resolved = semantic.resolve_class(call.func)
        if resolved is not None:
            class_model, class_node = resolved
            kind = class_model.layers.class_kind(class_node)
            if kind is not None:
                return LayerRef(semantic, call, kind, class_model.class_qualname(class_node), class_node.name,
                                class_node=class_node, class_model=class_model)
        return None

    def _parameter_ref(self, call: ast.Call, qualname: str) -> Optional[LayerRef]:
        from dllint.semantic.initializers import assigned_to

        target = assigned_to(self.semantic, call)
        owner = self.semantic.enclosing_class(call)
        attr = target.attr if isinstance(target, ast.Attribute) else None
        name = f"{owner.name}.{attr}" if owner is not None and attr else (attr or "parameter")
        return LayerRef(self.semantic, call, PARAM, qualname, name, owner=owner, attr=attr)

    def class_kind(self, class_node: ast.ClassDef) -> Optional[str]:
        """WEIGHTED/NORM/EMBEDDING for subclasses of such layers, NORM for
        norm-named modules without weighted layers, BLOCK for other modules;
        None for a class that is not a layer."""
        key = id(class_node)
        if key in self._class_kind:
            return self._class_kind[key] or None
        self._class_kind[key] = ""  # cycle guard
        qualname = self.semantic.class_qualname(class_node)
        kind: Optional[str] = None
        ancestry = list(self.semantic.project.class_ancestry(qualname))
        for base in ancestry:
            base_kind = _library_kind(base)
            if base_kind in (WEIGHTED, NORM, EMBEDDING):
                kind = base_kind
                break
        if kind is None:
            is_module = self.semantic.project.model_framework(qualname) is not None or any(
                base in ("torch.nn.Module", "keras.layers.Layer", "keras.Layer", "torch.nn.modules.module.Module")
                or base.startswith(("timm.", "torchvision.models."))
                for base in ancestry
            )
            if is_module:
                kind = BLOCK
                if _NORM_CLASS_NAME.search(class_node.name) and not self._has_weighted_attribute(class_node):
                    kind = NORM
        self._class_kind[key] = kind or ""
        return kind

    def _has_weighted_attribute(self, class_node: ast.ClassDef) -> bool:
        return any(ref.kind in (WEIGHTED, CONTAINER, BLOCK) for refs in self.class_layers(class_node).values() for ref in refs)

    def is_weighted(self, ref: LayerRef, _seen: Optional[Set] = None) -> bool:
        """The layer multiplies its input by a weight matrix or kernel
        (directly, or through a member layer)."""
        seen = _seen if _seen is not None else set()
        if ref.key() in seen:
            return False
        seen.add(ref.key())
        if ref.kind == WEIGHTED:
            return True
        if ref.kind == PARAM:
            return ref.owner is not None and ref.attr in ref.owner_model.layers.flow.matrix_weights(ref.owner)
        if ref.kind == CONTAINER:
            children, _ = self.children(ref)
            return any(ref.model.layers.is_weighted(member, seen) for child in children for member in child.refs)
        if ref.kind == BLOCK and ref.class_node is not None and ref.class_model is not None:
            class_layers = ref.class_model.layers
            for refs in class_layers.class_layers(ref.class_node).values():
                if any(member.model.layers.is_weighted(member, seen) for member in refs):
                    return True
            return bool(class_layers.flow.matrix_weights(ref.class_node))
        return False

    # -- what expressions build ------------------------------------------------
    def constructions(self, expr: Optional[ast.AST], depth: int = 0) -> List[LayerRef]:
        if expr is None or depth > _MAX_DEPTH:
            return []
        semantic = self.semantic
        if isinstance(expr, ast.IfExp):
            return self.constructions(expr.body, depth + 1) + self.constructions(expr.orelse, depth + 1)
        if isinstance(expr, ast.Call):
            ref = self.construction(expr)
            if ref is not None:
                return [ref]
            qualname = semantic.qualified_name(expr.func)
            if (qualname in catalog.TORCH_LAYER_WRAPPERS or qualname in catalog.MODEL_WRAPPERS) and expr.args:
                return self.constructions(expr.args[0], depth + 1)
            if isinstance(expr.func, ast.Attribute) and expr.func.attr in catalog.MODEL_SELF_RETURNING_METHODS:
                return self.constructions(expr.func.value, depth + 1)
            resolved = semantic.resolve_function(expr)
            if resolved is not None:
                model, function = resolved
                found: List[LayerRef] = []
                for returned in _return_expressions(function):
                    if isinstance(returned, ast.Name) and _is_parameter_of(function, returned.id):
                        continue  # zero_module(layer) hands back what it was given
                    found.extend(ref.at_site(semantic, expr) for ref in model.layers.constructions(returned, depth + 1))
                passed = _passed_through(function, expr)
                if passed is not None:
                    found.extend(self.constructions(passed, depth + 1))
                return found
            return []
        if isinstance(expr, (ast.Name, ast.Attribute, ast.Subscript)):
            return self.denoted(expr, expr, depth + 1) or []
        return []

    # -- classes -----------------------------------------------------------------
    def class_layers(self, class_node: ast.ClassDef) -> Dict[str, List[LayerRef]]:
        """attr -> the layers or parameters `self.attr` is bound to in the class."""
        key = id(class_node)
        if key in self._class_layers:
            return self._class_layers[key]
        self._class_layers[key] = {}  # cycle guard
        found: Dict[str, List[LayerRef]] = {}
        scope = self.semantic.scopes.scopes.get(class_node)
        if scope is not None:
            for attr, bindings in scope.attributes.items():
                refs: List[LayerRef] = []
                for binding in bindings:
                    if binding.kind != "assign" or binding.path:
                        continue
                    for ref in self.constructions(binding.value):
                        refs.append(_held(ref, class_node, attr, self.semantic))
                if refs:
                    found[attr] = refs
            for node in walk(class_node):
                # self.register_parameter("w", nn.Parameter(...)); self.add_module("fc", nn.Linear(...))
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("register_parameter", "add_module") \
                        and len(node.args) >= 2 and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                    for ref in self.constructions(node.args[1]):
                        found.setdefault(node.args[0].value, []).append(_held(ref, class_node, node.args[0].value, self.semantic))
        self._class_layers[key] = found
        return found

    def class_ref(self, class_node: ast.ClassDef) -> Optional[LayerRef]:
        kind = self.class_kind(class_node)
        if kind is None:
            return None
        return LayerRef(self.semantic, class_node, kind, self.semantic.class_qualname(class_node), class_node.name,
                        class_node=class_node, class_model=self.semantic)

    # -- containers --------------------------------------------------------------
    def children(self, ref: LayerRef) -> Tuple[List[Child], bool]:
        """The members of a container, in order, and whether the list is complete."""
        if ref.kind != CONTAINER or not isinstance(ref.node, ast.Call):
            return [], False
        if ref.model is not self.semantic:
            return ref.model.layers.children(ref)
        key = id(ref.node)
        if key in self._children:
            return self._children[key]
        self._children[key] = ([], False)
        builder = _ChildCollector(self)
        call = ref.node
        for argument in call.args:
            builder.add_expression(argument)
        for keyword in call.keywords:
            if keyword.arg is None:
                builder.complete = False
            elif keyword.arg in ("layers", "modules"):
                builder.add_expression(keyword.value)
        holder = _assigned_name(self.semantic, call)
        if holder is not None:
            # model = keras.Sequential(); model.add(Dense(...)); seq.add_module("fc", nn.Linear(...))
            builder.add_method_members(holder, call)
        result = (builder.children, builder.complete)
        self._children[key] = result
        return result

    def container_is_sequential(self, ref: LayerRef) -> bool:
        return ref.qualname in ("torch.nn.Sequential",) or ref.qualname in catalog.KERAS_SEQUENTIAL

    # -- everything inside a model ----------------------------------------------
    def within(self, ref: LayerRef, depth: int = 0, _seen: Optional[Set] = None) -> List[LayerRef]:
        """The layer and every layer and parameter inside it (`.modules()`)."""
        seen = _seen if _seen is not None else set()
        if ref.key() in seen or depth > _MAX_DEPTH:
            return []
        seen.add(ref.key())
        found = [ref]
        if ref.kind == CONTAINER:
            for child in ref.model.layers.children(ref)[0]:
                for member in child.refs:
                    found.extend(member.model.layers.within(_member_named(ref, child, member), depth + 1, seen))
        elif ref.class_node is not None and ref.class_model is not None:
            for refs in ref.class_model.layers.class_layers(ref.class_node).values():
                for member in refs:
                    found.extend(member.model.layers.within(member, depth + 1, seen))
        return found

    # -- what expressions name ---------------------------------------------------
    def denoted(self, expr: ast.AST, at: ast.AST, depth: int = 0) -> Optional[List[LayerRef]]:
        """The layers `expr` refers to at `at`; None when dllint cannot tell."""
        if depth > _MAX_DEPTH:
            return None
        semantic = self.semantic
        expr = strip_data(expr)
        if isinstance(expr, ast.Name):
            class_node = _class_of_self(semantic, expr)
            if class_node is not None:
                ref = self.class_ref(class_node)
                return [ref] if ref is not None else None
            return self._denoted_name(expr, at, depth)
        if isinstance(expr, ast.Attribute):
            if isinstance(expr.value, ast.Name) and _class_of_self(semantic, expr.value) is not None:
                class_node = _class_of_self(semantic, expr.value)
                refs = self.class_layers(class_node).get(expr.attr)
                if refs:
                    return list(refs)
                return None
            bases = self.denoted(expr.value, at, depth + 1)
            if bases is None:
                return None
            found: List[LayerRef] = []
            for base in bases:
                if expr.attr == "layers" and base.kind == CONTAINER:
                    continue  # keras `model.layers` is handled by the subscript
                if base.class_node is not None and base.class_model is not None:
                    found.extend(base.class_model.layers.class_layers(base.class_node).get(expr.attr, ()))
                if expr.attr in ("module", "_orig_mod"):
                    found.append(base)
            return found
        if isinstance(expr, ast.Subscript):
            index = _constant_index(expr.slice)
            value = expr.value
            keras_layers = isinstance(value, ast.Attribute) and value.attr == "layers"
            bases = self.denoted(value.value if keras_layers else value, at, depth + 1)
            if bases is None or index is None:
                return None
            found = []
            for base in bases:
                if base.kind != CONTAINER:
                    continue
                children, complete = base.model.layers.children(base)
                members = [child for child in children if not (keras_layers and _is_keras_input(child))]
                if any(child.repeated for child in members):
                    continue
                if index < 0 and not complete:
                    continue
                if -len(members) <= index < len(members):
                    found.extend(members[index].refs)
            return found
        if isinstance(expr, ast.Call):
            return self.constructions(expr, depth + 1)
        return None

    def _denoted_name(self, name: ast.Name, at: ast.AST, depth: int) -> Optional[List[LayerRef]]:
        semantic = self.semantic
        scope, binding = semantic.scopes.lookup(name.id, semantic.scopes.scope_at(name), getattr(name, "lineno", None))
        if binding is None:
            return None
        if binding.kind == "assign":
            if binding.path:
                return None
            return self.constructions(binding.value, depth + 1) or None
        if binding.kind == "for":
            return self._denoted_iteration(binding.value, binding.path, name.id, binding.node, at, depth)
        if binding.kind == "param" and scope is not None:
            return self._denoted_parameter(scope.node, binding, name.id, at, depth)
        return None

    def _denoted_iteration(self, iterable: ast.AST, path: Tuple[int, ...], variable: str, loop: ast.AST,
                           at: ast.AST, depth: int) -> Optional[List[LayerRef]]:
        while isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Name) and iterable.func.id in ("enumerate", "list", "reversed") \
                and iterable.args:
            if iterable.func.id == "enumerate":
                if not path or path[0] != 1:
                    return None
                path = path[1:]
            iterable = iterable.args[0]
        if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Attribute) and iterable.func.attr in _MODULE_ITERATORS:
            wanted = _MODULE_ITERATORS[iterable.func.attr]
            if (wanted is None and path) or (wanted is not None and path != (wanted,)):
                return None
            owners = self.denoted(iterable.func.value, at, depth + 1)
            if owners is None:
                return None
            guard = module_guard(self.semantic, at, {variable} | class_name_aliases(self.semantic, variable, loop), loop)
            if guard is None:
                return None
            names = name_filter(self.semantic, at, _loop_name_variables(loop, variable), loop)
            if names is None:
                return None
            direct = iterable.func.attr in ("children", "named_children")
            found = []
            for owner in owners:
                members = _direct_members(owner) if direct else owner.model.layers.within(owner)
                found.extend(ref for ref in members if guard.admits(ref) and names.admits(*_module_name(ref, owner)))
            return found
        if path:
            return None
        if isinstance(iterable, (ast.Tuple, ast.List)):
            found: List[LayerRef] = []
            for element in iterable.elts:
                refs = self.denoted(element, at, depth + 1)
                if refs is None:
                    return None
                found.extend(refs)
            return found
        owners = self.denoted(iterable, at, depth + 1)
        if owners is None:
            return None
        found = []
        for owner in owners:
            if owner.kind == CONTAINER:
                for child in owner.model.layers.children(owner)[0]:
                    found.extend(child.refs)
        return found

    def _denoted_parameter(self, function: ast.AST, binding, variable: str, at: ast.AST, depth: int) -> Optional[List[LayerRef]]:
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) or not binding.path:
            return None
        index = binding.path[0]
        positional = function.args.posonlyargs + function.args.args
        is_method = self.semantic.enclosing_class(function) is not None and positional and positional[0].arg in ("self", "cls")
        module_index = 1 if is_method else 0
        found: List[LayerRef] = []
        known = False
        if index == module_index:
            # model.apply(init_fn): init_fn(module) runs on every module of the model
            for model, call in apply_sites(self.semantic, function):
                owners = model.layers.denoted(call.func.value, call, depth + 1)
                if owners is None:
                    continue
                guard = module_guard(self.semantic, at, {variable} | class_name_aliases(self.semantic, variable, function), function)
                if guard is None:
                    return None
                known = True
                for owner in owners:
                    found.extend(ref for ref in owner.model.layers.within(owner) if guard.admits(ref))
        for model, call in project_callers(self.semantic, function):
            from dllint.semantic.module import _call_argument

            argument = _call_argument(call, function, index, variable)
            if argument is None:
                continue
            refs = model.layers.denoted(argument, call, depth + 1)
            if refs is not None:
                known = True
                found.extend(refs)
        return found if known else None

    # -- initializers ---------------------------------------------------------------
    def weight_targets(self, op: InitOp) -> Optional[List[WeightTarget]]:
        """The layers whose weight `op` writes, with the weight's name; None
        when dllint cannot tell which layers they are."""
        if op.layer is not None:
            refs = self.constructions(op.layer) if isinstance(op.layer, ast.Call) else self.denoted(op.layer, op.node)
            if not refs:
                return None
            return [WeightTarget(ref, op.slot) for ref in refs]
        if op.target is None:
            return None
        target = strip_data(op.target)
        if op.creates and not (isinstance(target, ast.Attribute) and not _is_self_name(self.semantic, target.value)):
            ref = self.construction(op.node)
            return [WeightTarget(ref, op.slot)] if ref is not None else None
        # `self.hidden.weight = nn.Parameter(torch.zeros(...))`: a new weight for an existing layer
        if isinstance(target, ast.Name):
            return self._parameter_loop_targets(target, op)
        if not isinstance(target, ast.Attribute):
            return None
        slot = target.attr
        owners = self.denoted(target.value, op.node)
        if owners is None:
            return None
        found: List[WeightTarget] = []
        for owner in owners:
            if owner.class_node is not None and owner.class_model is not None:
                params = owner.class_model.layers.class_layers(owner.class_node).get(slot)
                if params:
                    found.extend(WeightTarget(param, slot) for param in params if param.kind == PARAM)
                    continue
            found.append(WeightTarget(owner, slot))
        return found

    def _parameter_loop_targets(self, name: ast.Name, op: InitOp) -> Optional[List[WeightTarget]]:
        """`for name, p in self.named_parameters(): init(p)`: every weight the
        guard lets through."""
        semantic = self.semantic
        scope, binding = semantic.scopes.lookup(name.id, semantic.scopes.scope_at(name), getattr(name, "lineno", None))
        if binding is None or binding.kind != "for":
            return None
        iterable, path = binding.value, binding.path
        if not (isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Attribute) and iterable.func.attr in _PARAMETER_ITERATORS):
            return None
        wanted = _PARAMETER_ITERATORS[iterable.func.attr]
        if (wanted is None and path) or (wanted is not None and path != (wanted,)):
            return None
        loop = binding.node
        names = {name.id}
        if wanted is not None and isinstance(loop, ast.For) and isinstance(loop.target, ast.Tuple) and isinstance(loop.target.elts[0], ast.Name):
            names.add(loop.target.elts[0].id)
        selection = parameter_guard(semantic, op.node, names, loop)
        if selection is None:
            return None
        if selection == "bias":
            return []
        filter_ = name_filter(semantic, op.node, names - {name.id}, loop)
        if filter_ is None:
            return None
        owners = self.denoted(iterable.func.value, op.node)
        if owners is None:
            return None
        found: List[WeightTarget] = []
        for owner in owners:
            for ref in owner.model.layers.within(owner):
                if ref.kind == PARAM:
                    target = WeightTarget(ref, ref.attr or "weight")
                elif ref.kind in (WEIGHTED, NORM, EMBEDDING) and not (ref.class_node is not None and ref.kind == WEIGHTED and ref.node is ref.class_node):
                    target = WeightTarget(ref, "weight")
                else:
                    continue
                if filter_.admits(*_parameter_name(ref, owner)):
                    found.append(target)
        return found

    def drawn_again(self, op: InitOp) -> bool:
        """Whether a parameter `op` creates (`self.w = nn.Parameter(torch.zeros(...))`)
        gets a non-constant init anywhere in the project: in its class
        (`reset_parameters`, `_init_weights`), through an init function or loop
        over modules whose type tests let its class through (`isinstance(m,
        (QuantLinear, nn.Linear)): normal_(m.weight)`), or a loop over
        parameters that reaches it."""
        from dllint.semantic.initializers import CONSTANT, initializer_ops, is_self

        target = op.target
        owner = self.semantic.enclosing_class(op.node)
        if not isinstance(target, ast.Attribute) or owner is None:
            return False
        attr = target.attr
        created = self.construction(op.node)
        for model in _project_models_mentioning(self.semantic, (attr,), owner.name):
            for other in initializer_ops(model):
                if other is op or other.kind == CONSTANT or other.target is None:
                    continue
                written = strip_data(other.target)
                while isinstance(written, ast.Subscript):
                    written = strip_data(written.value)
                if isinstance(written, ast.Name):
                    # for p in self.parameters(): xavier_uniform_(p)
                    targets = model.layers.weight_targets(other)
                    if targets is None:
                        if model is self.semantic:
                            return True  # an unread parameter loop in this file: assume it reaches
                        continue
                    if created is not None and any(t.layer == created for t in targets):
                        return True
                    continue
                if not isinstance(written, ast.Attribute) or written.attr != attr:
                    continue
                same_class = model is self.semantic and model.enclosing_class(other.node) is owner
                if other.creates or is_self(model, written.value):
                    if same_class and (not other.creates or _after(other.node, op.node)):
                        return True
                    continue
                targets = model.layers.weight_targets(other)
                if targets is not None:
                    if created is not None and any(t.layer == created for t in targets):
                        return True
                    continue
                root = written.value
                while isinstance(root, ast.Attribute):
                    root = root.value
                if not isinstance(root, ast.Name):
                    return True
                stop = model.enclosing_function(other.node) or model.tree
                guard = module_guard(model, other.node, {root.id} | class_name_aliases(model, root.id, stop), stop)
                class_ref = self.class_ref(owner)
                if guard is None or class_ref is None or guard.admits(class_ref):
                    return True
        return False

    def drawn_after(self, op: InitOp, ref: LayerRef) -> bool:
        """Whether the layer's weight, set constant by `op`, is drawn again
        later in the same function: a random init whose targets include it
        (`xavier_uniform_(self.fc1.weight)` after a loop over all modules), or
        a later `model.apply(init_fn)` whose random inits reach it."""
        from dllint.semantic.initializers import CONSTANT, initializer_ops

        semantic = self.semantic
        function = semantic.enclosing_function(op.node)
        if self._redrawn is None:
            # per function, the last place each layer's weight is drawn at
            # random: built once, not scanned again for every constant init
            self._redrawn = {}
            for other in initializer_ops(semantic):
                if other.kind == CONSTANT:
                    continue
                last = self._redrawn.setdefault(id(semantic.enclosing_function(other.node)), {})
                where = (other.node.lineno, other.node.col_offset)
                for t in self.weight_targets(other) or []:
                    if (t.slot == "weight" or other.slot in ("reset",)) and last.get(t.layer, where) <= where:
                        last[t.layer] = where
        last_drawn = self._redrawn.get(id(function), {}).get(ref)
        if last_drawn is not None and last_drawn > (op.node.lineno, op.node.col_offset):
            return True
        for call in semantic.calls("apply"):
            # (a call whose enclosing function is `function` lies inside it)
            if not _after(call, op.node) or not isinstance(call.func, ast.Attribute) or len(call.args) != 1 \
                    or semantic.enclosing_function(call) is not function:
                continue
            named = function_named(semantic, call.args[0], call)
            if named is None:
                continue
            model, applied = named
            for other in initializer_ops(model):
                if other.kind == CONSTANT or model.enclosing_function(other.node) is not applied:
                    continue
                if any(t.layer == ref for t in model.layers.weight_targets(other) or []):
                    return True
        return False

    # -- roles ------------------------------------------------------------------------
    @property
    def flow(self):
        if self._flow is None:
            from dllint.semantic.layerflow import LayerFlow

            self._flow = LayerFlow(self.semantic)
        return self._flow

    def hidden(self, ref: LayerRef) -> Optional[str]:
        """Why the layer is a hidden layer (its output feeds a weighted
        layer), or None when it is not, or dllint cannot tell."""
        from dllint.semantic.layerflow import hidden_evidence

        return hidden_evidence(ref)

    def unit_count(self, ref: LayerRef) -> Optional[int]:
        """The number of output units (features, channels, filters) when the
        construction spells it as a literal: `nn.Linear(64, 1)` -> 1."""
        call = ref.node
        if not isinstance(call, ast.Call) or ref.qualname is None:
            return None
        if ref.qualname.startswith("torch.nn."):
            argument = _call_arg(call, 1, ("out_features", "out_channels", "hidden_size"))
        elif ref.qualname.startswith("keras.layers."):
            argument = _call_arg(call, 0, ("units", "filters"))
        else:
            return None
        if isinstance(argument, ast.Constant) and isinstance(argument.value, int) and not isinstance(argument.value, bool):
            return argument.value
        return None

    def display_name(self, ref: LayerRef) -> str:
        """How a message names a layer: `Policy.fc1`, `Dense (line 12)`."""
        if ref.owner is not None and ref.attr is not None:
            return f"{ref.owner.name}.{ref.attr}"
        if isinstance(ref.node, ast.ClassDef):
            return ref.node.name
        if "[" in ref.name:
            return ref.name
        parent = ref.model.parent(ref.node)
        if isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Attribute):
            target = parent.targets[0]
            owner = _class_of_self(ref.model, target.value) if isinstance(target.value, ast.Name) else None
            if owner is not None:
                return f"{owner.name}.{target.attr}"  # self.f1 = Dense(...)
        if hasattr(ref.node, "lineno"):
            return f"{ref.short_type} at {ref.node.lineno}:{ref.node.col_offset + 1}"
        return ref.short_type

    def is_lora_b(self, ref: LayerRef) -> bool:
        """`lora_B` / `B` next to an `A`: the up-projection of a low-rank adapter."""
        if ref.attr is None or ref.owner is None or not _LORA_B.match(ref.attr):
            return False
        siblings = ref.model.layers.class_layers(ref.owner)
        return any(_LORA_A.match(attr) for attr in siblings)


# -- helpers ----------------------------------------------------------------------
def _project_models_mentioning(semantic: "ModuleModel", words: Sequence[str], elsewhere: str) -> List["ModuleModel"]:
    """This file, and the project files whose text has all of `words` and `elsewhere`."""
    project = semantic.project
    models = [semantic]
    infos = {id(info): info for info in project.modules.values()}
    for group in getattr(project, "_by_last_part", {}).values():
        for info in group:
            infos.setdefault(id(info), info)
    for info in infos.values():
        if info is semantic.info:
            continue
        text = info.source.text
        if elsewhere in text and all(word in text for word in words):
            models.append(project.model_for(info))
    return models


def _after(node: ast.AST, other: ast.AST) -> bool:
    return (node.lineno, node.col_offset) > (other.lineno, other.col_offset)


def _is_parameter_of(function: FunctionNode, name: str) -> bool:
    arguments = function.args
    return any(a.arg == name for a in arguments.posonlyargs + arguments.args + arguments.kwonlyargs)


def _passed_through(function: FunctionNode, call: ast.Call) -> Optional[ast.expr]:
    """The argument a helper returns unchanged (`def zero_module(m): ...; return m`)."""
    from dllint.semantic.module import _call_argument

    positional = function.args.posonlyargs + function.args.args
    for returned in _return_expressions(function):
        if isinstance(returned, ast.Name):
            for index, argument in enumerate(positional):
                if argument.arg == returned.id:
                    return _call_argument(call, function, index, returned.id)
    return None


def _library_kind(qualname: str) -> Optional[str]:
    if qualname in catalog.TORCH_WEIGHTED_LAYERS or qualname in catalog.KERAS_WEIGHTED_LAYERS:
        return WEIGHTED
    if qualname in catalog.TORCH_NORM_LAYERS or qualname in catalog.KERAS_NORM_LAYERS:
        return NORM
    if qualname in catalog.TORCH_EMBEDDING_LAYERS or qualname in catalog.KERAS_EMBEDDING_LAYERS:
        return EMBEDDING
    if qualname in catalog.TORCH_CONTAINERS or qualname in catalog.KERAS_SEQUENTIAL:
        return CONTAINER
    if qualname in catalog.TORCH_LAYERS_MODE_FREE or qualname in catalog.TORCH_LAYERS_MODE_DEPENDENT:
        return FREE
    if qualname.startswith("keras.layers.") and qualname.rsplit(".", 1)[-1][:1].isupper():
        return FREE
    return None


def _held(ref: LayerRef, owner: ast.ClassDef, attr: str, owner_model: "ModuleModel") -> LayerRef:
    """The same layer, known to be `self.<attr>` of `owner`."""
    if ref.kind == PARAM:
        return ref if ref.owner is owner and ref.attr == attr else LayerRef(
            ref.model, ref.node, PARAM, ref.qualname, f"{owner.name}.{attr}", owner=owner, attr=attr, owner_model=owner_model)
    return LayerRef(ref.model, ref.node, ref.kind, ref.qualname, f"{owner.name}.{attr}",
                    class_node=ref.class_node, class_model=ref.class_model, owner=owner, attr=attr, owner_model=owner_model)


def _member_named(container: LayerRef, child: Child, member: LayerRef) -> LayerRef:
    """`Regressor.body[0]` for a member of a container held as `self.body`."""
    if container.owner is None or member.owner is not None:
        return member
    copy = LayerRef(member.model, member.node, member.kind, member.qualname,
                    f"{container.name}[{'*' if child.repeated else child.position}]",
                    member.class_node, member.class_model)
    copy.site = member.site
    return copy


def _loop_name_variables(loop: ast.AST, variable: str) -> Set[str]:
    """`name` in `for name, m in model.named_modules()` (also under `enumerate`)."""
    target = getattr(loop, "target", None)
    for node in walk(target) if target is not None else ():
        if isinstance(node, ast.Tuple) and len(node.elts) == 2 and isinstance(node.elts[0], ast.Name) \
                and isinstance(node.elts[1], ast.Name) and node.elts[1].id == variable:
            return {node.elts[0].id}
    return set()


def _module_name(ref: LayerRef, root: LayerRef) -> Tuple[Optional[str], Optional[str]]:
    """(known suffix, whole name) of `ref` as `root.named_modules()` names it:
    the attribute holding it, and the whole name for the root itself ("")
    and for a layer the root's class holds directly."""
    if ref.key() == root.key():
        return "", ""
    if ref.attr is None:
        return None, None
    top = root.class_node is not None and ref.owner is root.class_node
    return ref.attr, (ref.attr if top else None)


def _parameter_name(ref: LayerRef, root: LayerRef) -> Tuple[Optional[str], Optional[str]]:
    """(known suffix, whole name) of the weight `root.named_parameters()`
    yields for `ref`: `fc2.weight`, a parameter's own name."""
    if ref.kind == PARAM:
        suffix = ref.attr
    else:
        suffix = f"{ref.attr}.weight" if ref.attr is not None else "weight"
    top = ref.attr is not None and root.class_node is not None and ref.owner is root.class_node
    return suffix, (suffix if top else None)


def _direct_members(ref: LayerRef) -> List[LayerRef]:
    if ref.kind == CONTAINER:
        return [_member_named(ref, child, member) for child in ref.model.layers.children(ref)[0] for member in child.refs]
    if ref.class_node is not None and ref.class_model is not None:
        return [member for refs in ref.class_model.layers.class_layers(ref.class_node).values() for member in refs]
    return []


def _call_arg(call: ast.Call, index: int, keywords: Sequence[str]) -> Optional[ast.expr]:
    for keyword in call.keywords:
        if keyword.arg in keywords:
            return keyword.value
    if index < len(call.args) and not any(isinstance(a, ast.Starred) for a in call.args[: index + 1]):
        return call.args[index]
    return None


def _is_self_name(semantic: "ModuleModel", node: ast.AST) -> bool:
    return isinstance(node, ast.Name) and _class_of_self(semantic, node) is not None


def _class_of_self(semantic: "ModuleModel", name: ast.Name) -> Optional[ast.ClassDef]:
    return semantic._class_of_self(name, name)


def _constant_index(node: ast.AST) -> Optional[int]:
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) \
            and isinstance(node.operand.value, int):
        return -node.operand.value
    return None


def _is_keras_input(child: Child) -> bool:
    return any(ref.qualname == "keras.layers.InputLayer" for ref in child.refs)


def _assigned_name(semantic: "ModuleModel", call: ast.Call) -> Optional[ast.Name]:
    parent = semantic.parent(call)
    if isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name):
        return parent.targets[0]
    return None


def _grown_by(value: ast.AST, name: str) -> Optional[ast.AST]:
    """What `name = name + <added>` adds to the list, or None when the value
    does not start from the name itself."""
    if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add) and isinstance(value.left, ast.Name) \
            and value.left.id == name:
        return value.right
    return None


def _return_expressions(function: FunctionNode) -> List[ast.expr]:
    from dllint.semantic.module import _return_expressions as returns

    return returns(function)


class _ChildCollector:
    """Builds a container's member list from its arguments, list variables
    and later `.add()` / `.append()` / `.add_module()` calls."""

    def __init__(self, layers: LayerModel):
        self.layers = layers
        self.semantic = layers.semantic
        self.children: List[Child] = []
        self.complete = True

    def _add_refs(self, expr: ast.AST, repeated: bool = False) -> None:
        if self._is_input(expr):
            return
        refs = self.layers.constructions(expr)
        if not refs:
            self.complete = False
        self.children.append(Child(expr, tuple(refs), len(self.children), repeated))

    def _is_input(self, expr: ast.AST) -> bool:
        return isinstance(expr, ast.Call) and self.semantic.qualified_name(expr.func) in catalog.KERAS_INPUTS

    def add_expression(self, expr: ast.AST, repeated: bool = False) -> None:
        if isinstance(expr, ast.Starred):
            self.add_sequence(expr.value, repeated)
        elif isinstance(expr, (ast.List, ast.Tuple, ast.ListComp, ast.GeneratorExp)) or self._is_ordered_dict(expr):
            self.add_sequence(expr, repeated)
        elif isinstance(expr, ast.Name) and self._is_list_variable(expr):
            self.add_sequence(expr, repeated)
        else:
            self._add_refs(expr, repeated)

    def _is_ordered_dict(self, expr: ast.AST) -> bool:
        return isinstance(expr, ast.Dict) or (isinstance(expr, ast.Call) and (self.semantic.qualified_name(expr.func) or "").endswith("OrderedDict"))

    def _is_list_variable(self, name: ast.Name) -> bool:
        scope, binding = self.semantic.scopes.lookup(name.id, self.semantic.scopes.scope_at(name), name.lineno)
        return binding is not None and binding.kind == "assign" and isinstance(binding.value, (ast.List, ast.ListComp, ast.Tuple, ast.BinOp))

    def add_sequence(self, expr: ast.AST, repeated: bool = False) -> None:
        if isinstance(expr, (ast.List, ast.Tuple)):
            for element in expr.elts:
                self.add_expression(element, repeated)
        elif isinstance(expr, (ast.ListComp, ast.GeneratorExp)):
            self.add_expression(expr.elt, True)
        elif isinstance(expr, ast.Dict):
            for value in expr.values:
                self.add_expression(value, repeated)
        elif isinstance(expr, ast.Call) and expr.args:  # OrderedDict([("fc", nn.Linear(...)), ...])
            pairs = expr.args[0]
            if isinstance(pairs, (ast.List, ast.Tuple)):
                for pair in pairs.elts:
                    if isinstance(pair, ast.Tuple) and len(pair.elts) == 2:
                        self.add_expression(pair.elts[1], repeated)
                    else:
                        self.complete = False
            else:
                self.complete = False
        elif isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
            self.add_sequence(expr.left, repeated)
            self.add_sequence(expr.right, repeated)
        elif isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mult):
            self.complete = False
        elif isinstance(expr, ast.Name):
            self.add_list_variable(expr, repeated)
        else:
            self.complete = False

    def add_list_variable(self, name: ast.Name, repeated: bool) -> None:
        """`layers = [...]; layers.append(x); layers += [y]` in source order, up to the use."""
        semantic = self.semantic
        scope = semantic.scopes.scope_at(name)
        root = scope.node
        events: List[Tuple[Tuple[int, int], str, ast.AST]] = []
        use = (name.lineno, name.col_offset)
        for node in walk(root):
            # only what is complete before the use: `layers = layers + [...]` reads the list it replaces,
            # so the statement around a use is never one of its own events
            if (getattr(node, "end_lineno", None) or 10 ** 9, getattr(node, "end_col_offset", None) or 0) > use \
                    or semantic.scopes.scope_at(node) is not scope:
                continue
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                    and node.targets[0].id == name.id:
                grown = _grown_by(node.value, name.id)
                if grown is not None:  # `layers = layers + [...]` is `layers += [...]`
                    events.append(((node.lineno, node.col_offset), "extend", grown))
                else:
                    events.append(((node.lineno, node.col_offset), "reset", node.value))
            elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name) and node.target.id == name.id:
                events.append(((node.lineno, node.col_offset), "extend", node.value))
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name) \
                    and node.func.value.id == name.id and node.func.attr in ("append", "extend", "insert"):
                if node.func.attr == "insert":
                    self.complete = False
                    continue
                if node.args:
                    events.append(((node.lineno, node.col_offset), node.func.attr, node.args[0]))
        events.sort(key=lambda event: event[0])
        # keep what the last reset before the use starts from
        for index in range(len(events) - 1, -1, -1):
            if events[index][1] == "reset":
                events = events[index:]
                break
        for _, what, value in events:
            looped = repeated or self._in_loop(value, root)
            if what == "append":
                self._add_refs(value, looped)
            else:
                self.add_sequence(value, looped)

    def _in_loop(self, node: ast.AST, root: ast.AST) -> bool:
        current = self.semantic.parent(node)
        while current is not None and current is not root:
            if isinstance(current, (ast.For, ast.While, ast.AsyncFor, ast.comprehension)):
                return True
            current = self.semantic.parent(current)
        return False

    def add_method_members(self, holder: ast.Name, construction: ast.Call) -> None:
        scope = self.semantic.scopes.scope_at(holder)
        for call in self.semantic.calls("add") + self.semantic.calls("add_module") + self.semantic.calls("append") + self.semantic.calls("extend"):
            func = call.func
            if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == holder.id):
                continue
            if self.semantic.scopes.scope_at(call) is not scope or call.lineno < holder.lineno:
                continue
            _, binding = self.semantic.scopes.lookup(holder.id, scope, call.lineno)
            if binding is None or binding.value is not construction:
                continue
            member = call.args[1] if func.attr == "add_module" and len(call.args) > 1 else (call.args[0] if call.args else None)
            if member is None:
                continue
            looped = self._in_loop(call, scope.node)
            if func.attr == "extend":
                self.add_sequence(member, looped)
            else:
                self._add_refs(member, looped)
        # method members are collected after the arguments: order by position
        # is approximate when both are used, which is rare.
