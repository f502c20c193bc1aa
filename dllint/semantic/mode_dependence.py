"""Mode dependence: whether a model has a layer that behaves differently in
training and evaluation mode.

    semantic.modes.dependence.is_mode_dependent(expr) -> bool
    semantic.modes.dependence.class_dependent(class_node) -> bool

A model is mode-free only when every layer it is built from is known and none
of them is dropout, batch norm, instance norm with running statistics, an RNN
or transformer with dropout, `F.dropout(..., training=self.training)`, or
code reading `self.training`. A layer made and applied at once in forward
(`nn.Dropout(p)(x)`) is not a submodule, so `.eval()` cannot change it and it
does not count; nor does a loss module. Layers dllint cannot see (a `timm` or
`torchvision` factory, a Hugging Face model, a class from another library, a
module passed in as a parameter) count as mode-dependent.
"""
from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING, Dict, FrozenSet, List, Optional, Set, Tuple

from dllint.lazy_pattern import LazyPattern
from dllint.semantic.arguments import is_false, positional_or_keyword
from dllint.semantic import catalog
from dllint.semantic.imports import dotted_parts
from dllint.semantic.modes.calls import argument_for
from dllint.semantic.values import MODEL
from dllint.tree import body_walk, walk

if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.module import ModuleModel
    from dllint.semantic.modes import ModeModel

_MODULE_LIKE_NAME = LazyPattern(
    r"^(model|net|network|module|backbone|encoder|decoder|head|block|body|stem|features|classifier|trunk|neck|"
    r"embedder|transformer|cnn|rnn|lstm|gru|"
    r"[a-z0-9_]+_(model|net|network|module|backbone|encoder|decoder|head|block))$",
    re.I,
)
_FORWARD_METHODS = LazyPattern(r"^(_*forward\w*|__call__)$")


class ModeDependence:
    """Mode dependence of the models of one file."""

    def __init__(self, modes: "ModeModel"):
        self.modes = modes
        self.semantic = modes.semantic
        self.project = modes.project
        self._dependent_classes: Dict[ast.ClassDef, bool] = {}
        # __init__ parameters set to 0 by the construction being judged (class_dependent_at)
        self._zeros: FrozenSet[str] = frozenset()

    def is_mode_dependent(self, expr: ast.AST, _depth: int = 0) -> bool:
        """False only when the model provably has no layer that behaves
        differently in eval mode (every layer known, no dropout, batch norm,
        instance norm with running stats, `F.dropout(training=...)`,
        `self.training`). Unknown layers count as mode-dependent."""
        value = self.semantic.value_of(expr)
        if value is None or value.kind != MODEL:
            return True
        if not value.by_name:
            return self._value_dependent(value)
        key = self.modes.key_of(expr)
        function = self.modes.body_of(expr)
        if key is None or key[0] is not function or len(key[1]) != 1 or _depth > 4:
            return True
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return True
        callers, _ = self.modes.callers(function)
        if not callers:
            return True
        for module, call in callers:
            caller_key = module.modes.caller_key(call, self.semantic, function, key)
            argument = argument_for(call, function, key[1][0])
            if caller_key is None or argument is None:
                return True
            if module.modes.dependence.is_mode_dependent(argument, _depth + 1):
                return True
        return False

    def _value_dependent(self, value) -> bool:
        qualname = value.qualname
        if value.framework not in ("torch", "lightning", None) or qualname is None:
            return True
        if qualname in catalog.TORCH_LAYERS_MODE_FREE:
            return False
        module = self._module_holding(value.origin, value.module)
        if qualname in catalog.MODEL_LOADED_IN_SAVED_MODE:
            return module is None or not isinstance(value.origin, ast.Call) or \
                module.modes.dependence._unpickled_dependent(value.origin)
        if qualname in catalog.TORCH_LAYERS_DROPOUT_ARGUMENT:
            return not isinstance(value.origin, ast.Call) or not _dropout_disabled(
                value.origin, catalog.TORCH_LAYERS_DROPOUT_ARGUMENT[qualname])
        if qualname in catalog.TORCH_LAYER_STACKS:
            if module is None or not isinstance(value.origin, ast.Call):
                return True
            return module.modes.dependence._container_dependent(value.origin, set())
        if qualname in catalog.TORCH_LAYERS_MODE_DEPENDENT:
            return True
        if qualname in catalog.TORCH_LAYERS_MODE_BY_ARGUMENT:
            return not isinstance(value.origin, ast.Call) or _argument_enables(value.origin, catalog.TORCH_LAYERS_MODE_BY_ARGUMENT[qualname])
        if qualname in catalog.TORCH_CONTAINERS:
            if module is None or not isinstance(value.origin, ast.Call):
                return True
            return module.modes.dependence._container_dependent(value.origin, set())
        if module is not None and isinstance(value.origin, ast.Call):
            resolved = module.resolve_class(value.origin.func)
            if resolved is not None:
                return resolved[0].modes.dependence.class_dependent_at(resolved[1], value.origin)
        found = self.project.definition(qualname)
        if found is not None and isinstance(found[1], ast.ClassDef):
            return self.project.model_for(found[0]).modes.dependence.class_dependent(found[1])
        return True

    def _unpickled_dependent(self, load: ast.Call) -> bool:
        """A model from `torch.load(path)`: the model `torch.save(model, path)`
        wrote to the same literal path in this file, else one of the project
        model classes this file defines or imports (unpickling needs the
        class); mode-free only when every candidate is."""
        path = positional_or_keyword(load, 0, "f")
        # `model = torch.load(p)` ... `torch.save(model, p)`: the saved model
        # is the loaded one, so its answer cannot come from itself.
        unpickling = self.__dict__.setdefault("_unpickling", set())
        if isinstance(path, ast.Constant) and id(load) not in unpickling:
            unpickling.add(id(load))
            try:
                for call in self.semantic.calls("save"):
                    if self.semantic.qualified_name(call.func) == "torch.save" and len(call.args) >= 2 \
                            and isinstance(call.args[1], ast.Constant) and call.args[1].value == path.value:
                        return self.is_mode_dependent(call.args[0])
            finally:
                unpickling.discard(id(load))
        candidates = []
        info = self.semantic.info
        names = [f"{info.name}.{name}" if info.name else name for name in info.classes]
        names += list(self.semantic.imports.names.values())
        for qualname in names:
            if self.project.model_framework(qualname, info) != "torch":
                continue
            found = self.project.definition(qualname, info)
            if found is not None and isinstance(found[1], ast.ClassDef):
                candidates.append((self.project.model_for(found[0]), found[1]))
        if not candidates:
            return True
        return any(module.modes.dependence.class_dependent(node) for module, node in candidates)

    def _module_holding(self, node: Optional[ast.AST], name: str) -> Optional["ModuleModel"]:
        if node is None:
            return None
        if node in self.semantic.scopes.parents:
            return self.semantic
        for info in self.project.named(name):
            module = self.project.model_for(info)
            if node in module.scopes.parents:
                return module
        return None

    def class_dependent_at(self, class_node: ast.ClassDef, construction: ast.Call) -> bool:
        """`class_dependent`, knowing the arguments it is built with: a
        dropout rate that the construction sets to 0 (`Attention(..., 0.0)`
        for `self.drop = nn.Dropout(dropout)`) disables that dropout."""
        dependent = self.class_dependent(class_node)
        zeros = _zero_parameters(class_node, construction)
        if not dependent or not zeros:
            return dependent
        self._zeros = zeros
        try:
            return self._class_dependent(class_node, {id(class_node)})
        finally:
            self._zeros = frozenset()

    def class_dependent(self, class_node: ast.ClassDef, _seen: Optional[Set[int]] = None) -> bool:
        if self._zeros:
            # another class met while judging one construction: its own
            # parameters are not the ones the construction set
            zeros, self._zeros = self._zeros, frozenset()
            try:
                return self.class_dependent(class_node, _seen)
            finally:
                self._zeros = zeros
        if class_node in self._dependent_classes:
            return self._dependent_classes[class_node]
        seen = _seen or set()
        if id(class_node) in seen:
            return True
        seen.add(id(class_node))
        self._dependent_classes[class_node] = True  # while in progress
        result = self._class_dependent(class_node, seen)
        self._dependent_classes[class_node] = result
        return result

    def _class_dependent(self, class_node: ast.ClassDef, seen: Set[int]) -> bool:
        for base in class_node.bases:
            qualname = self.semantic.qualified_name(base)
            if qualname is None:
                return True
            if qualname in catalog.MODEL_BASES or qualname in catalog.TORCH_CONTAINERS or qualname == "object":
                continue
            found = self.project.definition(qualname)
            if found is not None and isinstance(found[1], ast.ClassDef):
                if self.project.model_for(found[0]).modes.dependence.class_dependent(found[1], seen):
                    return True
                continue
            return True
        # attributes the class calls as modules: `self.backbone(x)`
        called = {node.func.attr for node in walk(class_node) if isinstance(node, ast.Call)
                  and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name)
                  and node.func.value.id == "self"}
        for statement in class_node.body:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                # a method that is neither a forward pass nor a training step
                # may build layers (`_make_layer(block, ...)`); one that calls
                # `.backward()` trains, and the models it calls are its
                # arguments (an RL agent's `train_net(self, critic, batch)`)
                construction = not _FORWARD_METHODS.match(statement.name) and not _runs_backward(statement)
                if self._scan(statement, construction, seen, called):
                    return True
            elif not isinstance(statement, ast.ClassDef) and self._scan(statement, True, seen):
                return True
        return False

    def _scan(self, root: ast.AST, construction: bool, seen: Set[int], called: FrozenSet[str] = frozenset()) -> bool:
        """Whether code that builds or runs a model contains a mode-dependent
        (or unknown) layer."""
        semantic = self.semantic
        parameters: Set[str] = set()
        if isinstance(root, (ast.FunctionDef, ast.AsyncFunctionDef)):
            parameters = {a.arg for a in root.args.posonlyargs + root.args.args + root.args.kwonlyargs}
        for node in walk(root):
            if isinstance(node, ast.Attribute) and node.attr == "training" and isinstance(node.value, ast.Name) \
                    and node.value.id == "self":
                return True
            if isinstance(node, (ast.Name, ast.Attribute)) and isinstance(getattr(node, "ctx", None), ast.Load):
                qualname = semantic.qualified_name(node) if dotted_parts(node) else None
                if qualname in catalog.TORCH_LAYERS_MODE_DEPENDENT or qualname in catalog.TORCH_LAYERS_MODE_BY_ARGUMENT:
                    parent = semantic.parent(node)
                    if not (isinstance(parent, ast.Call) and parent.func is node):
                        return True  # passed as a value: `norm_layer=nn.BatchNorm2d`
            if construction and isinstance(node, ast.Assign) and isinstance(node.value, ast.Name) \
                    and node.value.id in parameters and any(
                        isinstance(t, ast.Attribute) and (t.attr in called or _MODULE_LIKE_NAME.search(node.value.id))
                        for t in node.targets):
                return True  # self.backbone = backbone: a module of unknown content
            if not isinstance(node, ast.Call):
                continue
            if self._call_dependent(node, construction, seen):
                return True
        return False

    def _call_dependent(self, call: ast.Call, construction: bool, seen: Set[int]) -> bool:
        semantic = self.semantic
        qualname = semantic.qualified_name(call.func)
        if not construction and _built_and_applied(semantic, call):
            return False  # `nn.Dropout(p)(x)` in forward: a fresh layer, never told the model's mode
        if qualname is not None:
            if qualname in catalog.TORCH_LAYERS_DROPOUT_ARGUMENT:
                return not _dropout_disabled(call, catalog.TORCH_LAYERS_DROPOUT_ARGUMENT[qualname], self._zeros)
            if qualname in catalog.TORCH_LAYER_STACKS:
                return self._container_dependent(call, seen)
            if qualname in catalog.TORCH_LAYERS_MODE_DEPENDENT:
                return True
            if qualname in catalog.TORCH_LAYERS_MODE_BY_ARGUMENT:
                return _argument_enables(call, catalog.TORCH_LAYERS_MODE_BY_ARGUMENT[qualname])
            if qualname in catalog.TORCH_FUNCTIONAL_MODE_BY_ARGUMENT:
                name, index = catalog.TORCH_FUNCTIONAL_MODE_BY_ARGUMENT[qualname]
                flag = positional_or_keyword(call, index, name)
                return flag is not None and not is_false(flag)
            if qualname in catalog.TORCH_CONTAINERS:
                return self._container_dependent(call, seen)
            if qualname in catalog.TORCH_LAYERS_MODE_FREE or qualname in catalog.TORCH_NON_LAYER_CLASSES \
                    or qualname in catalog.NON_MODULE_CLASSES or qualname in catalog.TORCH_LOSS_CLASSES:
                return False  # a loss computes the same in both modes
            found = self.project.definition(qualname)
            if found is not None:
                module = self.project.model_for(found[0])
                if isinstance(found[1], ast.ClassDef):
                    if self.project.model_framework(qualname):
                        return module.modes.dependence.class_dependent(found[1], seen)
                    return False
                if id(found[1]) in seen:
                    return False
                seen.add(id(found[1]))
                return module.modes.dependence._scan(found[1], True, seen)
            if isinstance(call.func, ast.Attribute) and call.func.attr in catalog.HF_MODEL_CONSTRUCTORS:
                return True
            last = qualname.rsplit(".", 1)[-1]
            if qualname.startswith("torch.nn.functional.") or not last[:1].isupper():
                if qualname.startswith(("torch.", "math.", "numpy.", "functools.", "itertools.", "builtins.", "einops.")):
                    return False
                return construction and qualname.startswith(catalog.OPAQUE_MODEL_FACTORIES + ("timm.", "torchvision.", "transformers."))
            if qualname.startswith(("torch.nn.", "torchvision.", "timm.", "transformers.", "torch.ao.", "torch.quantization.")):
                return True  # a layer dllint does not know
            if qualname.startswith(("torch.", "typing.", "dataclasses.", "enum.")):
                return False
            return True  # a class from another library: a layer of unknown content
        func = call.func
        if not construction:
            return False
        if isinstance(func, ast.Name):
            scopes = semantic.scopes
            scope, binding = scopes.lookup(func.id, scopes.scope_at(func), func.lineno)
            if binding is None or binding.kind in ("def", "class", "import"):
                return False
            if binding.kind == "for" and scope is not None \
                    and _own_submodules(binding.value, scopes.class_scope_of_method(scope)):
                return False  # `branch(x) for branch in self.heads`: judged where `self.heads` is built
            return True  # norm_layer(dim), block(...): built from a parameter
        return False

    def _container_dependent(self, call: ast.Call, seen: Set[int]) -> bool:
        """nn.Sequential(...)/ModuleList(...): its elements, following names."""
        elements: List[ast.AST] = list(call.args) + [k.value for k in call.keywords]
        return any(self._element_dependent(element, seen, 0) for element in elements)

    def _element_dependent(self, element: ast.AST, seen: Set[int], depth: int) -> bool:
        if depth > 6:
            return True
        if isinstance(element, ast.Starred):
            return self._element_dependent(element.value, seen, depth + 1)
        if isinstance(element, (ast.List, ast.Tuple, ast.Set)):
            return any(self._element_dependent(e, seen, depth + 1) for e in element.elts)
        if isinstance(element, ast.Dict):
            return any(self._element_dependent(v, seen, depth + 1) for v in element.values if v is not None)
        if isinstance(element, ast.Constant):
            return False
        if isinstance(element, (ast.ListComp, ast.GeneratorExp, ast.SetComp)):
            return self._element_dependent(element.elt, seen, depth + 1)
        if isinstance(element, ast.Call):
            qualname = self.semantic.qualified_name(element.func)
            if qualname in ("collections.OrderedDict", "dict", "list", "tuple", "reversed") or (
                    qualname is None and isinstance(element.func, ast.Name) and element.func.id in ("dict", "list", "tuple", "reversed")):
                return any(self._element_dependent(a, seen, depth + 1) for a in element.args)
            if qualname is None and not (isinstance(element.func, ast.Name)):
                return True  # `model.children()`, `make()[0]`: modules of unknown content
            return self._scan(element, True, seen)
        if isinstance(element, ast.Name):
            scopes = self.semantic.scopes
            scope, binding = scopes.lookup(element.id, scopes.scope_at(element), element.lineno)
            if binding is None or scope is None or binding.kind not in ("assign", "augassign"):
                return True
            for other in scope.bindings.get(element.id, []):
                if other.kind == "param" and _is_plain_parameter(other):
                    continue  # `act: str = "relu"`, replaced by a layer below
                if other.kind not in ("assign", "augassign") or other.path:
                    return True
                value = other.value.value if other.kind == "augassign" else other.value  # type: ignore[union-attr]
                if self._element_dependent(value, seen, depth + 1):
                    return True
            # layers.append(...) / layers.extend(...) / layers.insert(...)
            if not isinstance(scope.node, ast.Lambda):
                for node in body_walk(scope.node):
                    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                            isinstance(node.func.value, ast.Name) and node.func.value.id == element.id:
                        if any(self._element_dependent(a, seen, depth + 1) for a in node.args):
                            return True
            return False
        return True  # an attribute, a subscript ...: an existing module of unknown content


def _built_and_applied(semantic: "ModuleModel", call: ast.Call) -> bool:
    """`nn.Dropout(p)(x)`: a layer made and called in one expression is not a
    submodule, so `.eval()` never reaches it (it always runs in training mode)."""
    if isinstance(call.func, ast.Call):
        return True  # the application: `(...)(x)`
    parent = semantic.parent(call)
    return isinstance(parent, ast.Call) and parent.func is call


def _own_submodules(iterable: Optional[ast.AST], class_scope) -> bool:
    """A loop over layers the model builds itself: `self.heads`,
    `enumerate(self.heads)`, `zip(self.heads, self.norms)`,
    `self.blocks.values()`, where every `self.heads = ...` of the class is a
    call (`nn.ModuleList([...])`), not a module handed in."""
    if isinstance(iterable, ast.Call):
        func = iterable.func
        if isinstance(func, ast.Name) and func.id in ("enumerate", "zip", "reversed"):
            return bool(iterable.args) and all(_own_submodules(a, class_scope) for a in iterable.args)
        if isinstance(func, ast.Attribute) and func.attr in ("values", "children") and not iterable.args:
            return _own_submodules(func.value, class_scope)
        return False
    if class_scope is None or not (isinstance(iterable, ast.Attribute) and isinstance(iterable.value, ast.Name)
                                   and iterable.value.id == "self"):
        return False
    assigned = class_scope.attributes.get(iterable.attr, [])
    return bool(assigned) and all(isinstance(binding.value, ast.Call) for binding in assigned)


def _runs_backward(function: ast.AST) -> bool:
    return any(isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "backward"
               for node in walk(function))


def _is_plain_parameter(binding) -> bool:
    """A parameter that holds a number, a string or a flag, not a module."""
    argument = binding.node
    annotation = getattr(argument, "annotation", None)
    if isinstance(annotation, ast.Name) and annotation.id in ("str", "int", "float", "bool"):
        return True
    return isinstance(binding.value, ast.Constant) and binding.value.value is not None


def _dropout_disabled(call: ast.Call, spec: Tuple[str, int], zeros: FrozenSet[str] = frozenset()) -> bool:
    """`dropout=0.0` / `p=0` given explicitly, or a parameter known to be 0."""
    name, index = spec
    value = positional_or_keyword(call, index, name)
    if isinstance(value, ast.Name):
        return value.id in zeros
    return isinstance(value, ast.Constant) and value.value == 0 and not isinstance(value.value, bool)


def _zero_parameters(class_node: ast.ClassDef, construction: ast.Call) -> FrozenSet[str]:
    """The `__init__` parameters that `construction` (or their default) sets to 0."""
    init = next((s for s in class_node.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None)
    if init is None or any(isinstance(a, ast.Starred) for a in construction.args):
        return frozenset()
    positional = (init.args.posonlyargs + init.args.args)[1:]
    defaults = [None] * (len(positional) - len(init.args.defaults)) + list(init.args.defaults)
    keywords = {k.arg: k.value for k in construction.keywords if k.arg}
    zeros = set()
    pairs = list(zip(positional, defaults)) + list(zip(init.args.kwonlyargs, init.args.kw_defaults))
    for index, (parameter, default) in enumerate(pairs):
        if parameter.arg in keywords:
            value = keywords[parameter.arg]
        elif index < len(positional) and index < len(construction.args):
            value = construction.args[index]
        else:
            value = default
        if isinstance(value, ast.Constant) and not isinstance(value.value, bool) and value.value == 0:
            zeros.add(parameter.arg)
    return frozenset(zeros)


def _argument_enables(call: ast.Call, spec: Tuple[str, int]) -> bool:
    """`nn.LSTM(..., dropout=0.3)`, `nn.InstanceNorm2d(c, track_running_stats=True)`."""
    name, index = spec
    value = positional_or_keyword(call, index, name)
    if value is None:
        return False
    return not is_false(value)
