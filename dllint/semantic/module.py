"""`ModuleModel`: the questions rules ask about one file.

    semantic.qualified_name(node)   -> "torch.nn.CrossEntropyLoss" or None
    semantic.value_of(expr)         -> Value(kind=MODEL, ...) or None
    semantic.resolve_function(call) -> (ModuleModel, FunctionDef) of a project function
    semantic.callers_of(function)   -> calls to it in this file
    semantic.callers_elsewhere(f)   -> calls to it in the other files of the project
    semantic.activations            -> activation provenance (semantic/activations/)
    semantic.loss_sites.at(call)    -> a loss call and what it expects (semantic/loss_sites.py)
    semantic.scale.scale_of(expr)   -> the value scale of data (semantic/scale/)

Values flow through assignments, tuple unpacking, `self.attr`, `with ... as`,
`for ... in`, parameters (from the calls made to the function in the same
file, then from the parameter's name) and return values, within the file
and into other files of the project through the project index. Everything
is computed on first use and cached.
"""
from __future__ import annotations

import ast
from functools import cached_property
from typing import TYPE_CHECKING, Dict, List, Optional, Tuple, Union

from dllint.semantic.recursion import guarded
from dllint.semantic.arguments import positional_or_keyword
from dllint.semantic import catalog
from dllint.semantic.imports import ImportMap, dotted_parts
from dllint.semantic.project import PARAMETER_IMPORTERS, ModuleInfo, ProjectIndex
from dllint.semantic.scopes import Binding, Scope, ScopeTable, pick_binding
from dllint.tree import children
from dllint.semantic.values import (
    BATCH, DATA, LOSS, LOSS_FUNCTION, MODEL, MODEL_OUTPUT, OPTIMIZER, SCHEDULER, TEST, TRAIN,
    VALIDATION, Value, kind_from_name, split_from_name,
)

if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.activations import Activations
    from dllint.semantic.loss_sites import LossSites
    from dllint.semantic.autograd import Autograd
    from dllint.semantic.data_sinks import DataSinks
    from dllint.semantic.item_updates import ItemUpdates
    from dllint.semantic.provenance import Provenance
    from dllint.semantic.training_loops import TrainingLoops
    from dllint.semantic.layers import LayerModel
    from dllint.semantic.scale import Scales
    from dllint.source import SourceFile

FunctionNode = Union[ast.FunctionDef, ast.AsyncFunctionDef]
_MAX_DEPTH = 12  # how far values are chased through bindings and calls


class ModuleModel:
    def __init__(self, source: "SourceFile", project: Optional[ProjectIndex] = None, info: Optional[ModuleInfo] = None):
        self.source = source
        self.tree = source.tree
        if project is None or info is None:
            project = project or ProjectIndex()
            from dllint.semantic.project import module_name_for  # noqa: F401  (documented pairing)

            info = project.add(source, ImportMap(source.tree, source.module_name))
            info._model = self
        self.project = project
        self.info = info
        self.imports = info.imports
        # (id(node), None) for value_of, (id(node), path) for _element_value
        self._value_cache: Dict[Tuple[int, Optional[Tuple[int, ...]]], Optional[Value]] = {}
        self._in_progress: set = set()
        self._calls_by_name: Optional[Dict[str, List[ast.Call]]] = None
        self._callers_elsewhere: Dict[int, List[Tuple["ModuleModel", ast.Call]]] = {}
        self._modes = None
        # id(node) -> (the node, the answer): see qualified_name
        self._qualified_names: Dict[int, Tuple[ast.AST, Optional[str]]] = {}
        self._resolved_calls: Dict[int, Tuple[ast.AST, Optional[Tuple["ModuleModel", FunctionNode]]]] = {}

    # -- structure -------------------------------------------------------
    @cached_property
    def nodes(self) -> List[ast.AST]:
        """Every node of the file in `ast.walk` order, walked once for all
        the semantic modules and rules that need to look at every node;
        without the expression contexts (`Load`, `Store`, `Del`: read
        `node.ctx`), which are no node of one file (see `ScopeTable._walk`)."""
        return self.scopes.order

    @cached_property
    def _nodes_by_type(self) -> Dict[type, List[ast.AST]]:
        found: Dict[type, List[ast.AST]] = {}
        for node in self.nodes:
            found.setdefault(type(node), []).append(node)
        return found

    def nodes_of(self, *types: type) -> List[ast.AST]:
        """The file's nodes of exactly these types, in `ast.walk` order."""
        if len(types) == 1:
            return self._nodes_by_type.get(types[0], [])
        wanted = set(types)
        return [node for node in self.nodes if type(node) in wanted]

    def reads_of(self, name: str) -> List[ast.Name]:
        """Every read of the variable `name` in the file (`ast.Name` in a
        Load context), in `nodes` order, which inside any subtree is the
        order a walk of that subtree gives."""
        found = self.__dict__.get("_reads")
        if found is None:
            found = self.__dict__["_reads"] = {}
            for node in self.nodes_of(ast.Name):
                if isinstance(node.ctx, ast.Load):  # type: ignore[attr-defined]
                    found.setdefault(node.id, []).append(node)  # type: ignore[attr-defined]
        return found.get(name, [])

    @property
    def layers(self) -> "LayerModel":
        """What the file's models are made of and the role of each layer
        (semantic/layers.py); built on first use."""
        cached = self.__dict__.get("_layers")
        if cached is None:
            from dllint.semantic.layers import LayerModel

            cached = self.__dict__["_layers"] = LayerModel(self)
        return cached

    @property
    def scopes(self) -> ScopeTable:
        return self.info.scopes

    def parent(self, node: ast.AST) -> Optional[ast.AST]:
        return self.scopes.parents.get(node)

    def enclosing_function(self, node: ast.AST) -> Optional[FunctionNode]:
        return self.scopes.enclosing(node, (ast.FunctionDef, ast.AsyncFunctionDef))

    def enclosing_class(self, node: ast.AST) -> Optional[ast.ClassDef]:
        return self.scopes.enclosing(node, ast.ClassDef)

    @cached_property
    def activations(self) -> "Activations":
        """Which activation was last applied to a value (built on first use)."""
        from dllint.semantic.activations import Activations

        return Activations(self)

    @cached_property
    def loss_sites(self) -> "LossSites":
        """Where predictions meet classification losses (built on first use)."""
        from dllint.semantic.loss_sites import LossSites

        return LossSites(self)
    @property
    def modes(self):
        """Train/eval mode facts of this file (`semantic/modes/`)."""
        if self._modes is None:
            from dllint.semantic.modes import ModeModel

            self._modes = ModeModel(self)
        return self._modes

    # -- facts kept in their own modules (computed on first use) ---------
    @cached_property
    def scale(self) -> "Scales":
        """What value scale data is at, and which steps changed it (`semantic/scale/`)."""
        from dllint.semantic.scale import Scales

        return Scales(self)

    @cached_property
    def training_loops(self) -> "TrainingLoops":
        """Loops that train, and what one iteration does (`semantic/training_loops.py`)."""
        from dllint.semantic.training_loops import TrainingLoops

        return TrainingLoops(self)

    @cached_property
    def provenance(self) -> "Provenance":
        """Which rows data holds (train / validation / test / all) and where
        that was decided (`semantic/provenance.py`)."""
        from dllint.semantic.provenance import Provenance

        return Provenance(self)

    @cached_property
    def item_updates(self) -> "ItemUpdates":
        """`df[cols] = ...`: what changed part of a variable in place (`semantic/item_updates.py`)."""
        from dllint.semantic.item_updates import ItemUpdates

        return ItemUpdates(self)

    @cached_property
    def data_sinks(self) -> "DataSinks":
        """Where data meets a model, and in which role (`semantic/data_sinks.py`)."""
        from dllint.semantic.data_sinks import DataSinks

        return DataSinks(self)

    @cached_property
    def autograd(self) -> "Autograd":
        """Grad mode and graph-carrying values (`semantic/autograd.py`)."""
        from dllint.semantic.autograd import Autograd

        return Autograd(self)

    # -- names -----------------------------------------------------------
    def qualified_name(self, node: ast.AST) -> Optional[str]:
        """The canonical dotted name an expression refers to, through imports
        and aliases; a project's own top-level class or function gets
        `<module>.<name>`. None for anything else (locals, calls, ...)."""
        if isinstance(node, ast.Call):
            node = node.func
        # Every analysis asks about the same callees: answered once per node.
        # The entry holds the node, so its id cannot be reused by a node made
        # later (rules build a few `ast.Attribute`s of their own).
        entry = self._qualified_names.get(id(node))
        if entry is not None and entry[0] is node:
            return entry[1]
        found = self._qualified_name(node)
        self._qualified_names[id(node)] = (node, found)
        return found

    def _qualified_name(self, node: ast.AST) -> Optional[str]:
        parts = dotted_parts(node)
        if parts is None:
            return None
        head = parts[0]
        resolved = self.imports.resolve_name(head)
        if resolved is None:
            if head in self.info.classes or head in self.info.functions:
                resolved = f"{self.info.name}.{head}" if self.info.name else head
            else:
                return None
        if len(parts) == 1:
            return resolved
        from dllint.semantic.imports import canonical

        return canonical(".".join([resolved] + parts[1:]))

    def is_call_to(self, node: ast.AST, *qualnames: str) -> bool:
        return isinstance(node, ast.Call) and self.qualified_name(node.func) in qualnames

    # -- functions across the project -----------------------------------
    def resolve_function(self, call: ast.Call) -> Optional[Tuple["ModuleModel", FunctionNode]]:
        """The project function (or method of `self`) a call runs (answered
        once per call: the training loops, data sinks and modes all ask)."""
        entry = self._resolved_calls.get(id(call))
        if entry is not None and entry[0] is call:
            return entry[1]
        found = self.function_named(call.func, call)
        self._resolved_calls[id(call)] = (call, found)
        return found

    def function_named(self, expr: ast.AST, at: ast.AST) -> Optional[Tuple["ModuleModel", FunctionNode]]:
        """The project function or method an expression names where `at`
        stands (`init_weights`, `self._init_weights`, `models.init_weights`),
        with the ModuleModel of its file."""
        # This file's own definitions first: another file of the run may
        # share this module's name (two `train.py` in two folders).
        if isinstance(expr, ast.Name):
            scope, binding = self.scopes.lookup(expr.id, self.scopes.scope_at(at), getattr(at, "lineno", None))
            if binding is not None and binding.kind == "def":
                return self, binding.value
        qualname = self.qualified_name(expr)
        if qualname:
            found = self.project.definition(qualname, self.info)
            if found and isinstance(found[1], (ast.FunctionDef, ast.AsyncFunctionDef)):
                return self.project.model_for(found[0]), found[1]
        if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name):
            class_node = self._class_of_self(expr.value, at)
            if class_node is not None:
                for statement in class_node.body:
                    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and statement.name == expr.attr:
                        return self, statement
        return None

    def resolve_class(self, node: ast.AST) -> Optional[Tuple["ModuleModel", ast.ClassDef]]:
        if isinstance(node, ast.Call):
            node = node.func
        if isinstance(node, ast.Name):
            scope, binding = self.scopes.lookup(node.id, self.scopes.scope_at(node), getattr(node, "lineno", None))
            if binding is not None and binding.kind == "class":
                return self, binding.value
        qualname = self.qualified_name(node)
        if qualname:
            found = self.project.definition(qualname, self.info)
            if found and isinstance(found[1], ast.ClassDef):
                return self.project.model_for(found[0]), found[1]
        return None

    def class_qualname(self, node: ast.ClassDef) -> str:
        return f"{self.info.name}.{node.name}" if self.info.name else node.name

    def _class_of_self(self, name: ast.Name, at: ast.AST) -> Optional[ast.ClassDef]:
        scope = self.scopes.scope_at(at)
        while scope is not None and not scope.is_function:
            scope = scope.parent
        if scope is None:
            return None
        class_scope = self.scopes.class_scope_of_method(scope)
        if class_scope is None:
            return None
        function = scope.node
        positional = function.args.posonlyargs + function.args.args
        if positional and positional[0].arg == name.id:
            return class_scope.node
        return None

    def calls(self, name: str) -> List[ast.Call]:
        """Every call in this file whose function's last name is `name`."""
        if self._calls_by_name is None:
            found: Dict[str, List[ast.Call]] = {}
            for node in self.nodes_of(ast.Call):
                parts = dotted_parts(node.func)
                if parts:
                    found.setdefault(parts[-1], []).append(node)
                elif isinstance(node.func, ast.Attribute):  # Net().apply(init), self.layers[0].forward(x)
                    found.setdefault(node.func.attr, []).append(node)
            self._calls_by_name = found
        return self._calls_by_name.get(name, [])

    def callers_of(self, function: FunctionNode) -> List[ast.Call]:
        """Calls in this file that run `function`; for `__init__`, the
        instantiations of its class (`Trainer(model, ...)`)."""
        cache = self.__dict__.setdefault("_callers_of", {})
        if function in cache:
            return cache[function]
        found = [call for call in self.calls(function.name) if (self.resolve_function(call) or (None, None))[1] is function]
        owner = self.parent(function)
        if function.name == "__init__" and isinstance(owner, ast.ClassDef):
            found += [call for call in self.calls(owner.name) if (self.resolve_class(call.func) or (None, None))[1] is owner]
        cache[function] = found
        return found

    def callers_elsewhere(self, function: FunctionNode) -> List[Tuple["ModuleModel", ast.Call]]:
        """Calls of a top-level function of this file (or instantiations of a
        top-level class, for its `__init__`) in the other files of the
        project that import this module: (their ModuleModel, the call)."""
        key = id(function)
        if key in self._callers_elsewhere:
            return self._callers_elsewhere[key]
        found: List[Tuple["ModuleModel", ast.Call]] = []
        owner = self.parent(function)
        if isinstance(owner, ast.ClassDef) and function.name == "__init__" and self.parent(owner) is self.tree:
            name, wanted = owner.name, owner
        elif owner is self.tree:
            name, wanted = function.name, function
        else:
            name, wanted = "", None
        importers = self.project.modules_importing(self.info) if wanted is not None and self.info.name else []
        # A module imported all over the run is a library, not a script's
        # helper: its parameters are not decided by one caller, and looking
        # through every importer made large code bases quadratic.
        if len(importers) <= PARAMETER_IMPORTERS:
            for other in importers:
                model = self.project.model_for(other)
                for call in model.calls(name):
                    resolved = model.resolve_class(call.func) if isinstance(wanted, ast.ClassDef) else model.resolve_function(call)
                    if resolved is not None and resolved[1] is wanted:
                        found.append((model, call))
        self._callers_elsewhere[key] = found
        return found

    # -- values ----------------------------------------------------------
    def value_of(self, node: ast.AST, depth: int = 0) -> Optional[Value]:
        """What `node` holds: a model, an optimizer, a loss tensor, data of a
        split... or None when dllint cannot tell."""
        if depth > _MAX_DEPTH or node is None:
            return None
        key = (id(node), None)
        if key in self._value_cache:
            return self._value_cache[key]
        value = guarded(self._in_progress, key, lambda: self._evaluate(node, depth), None)
        self._value_cache[key] = value
        return value

    def _evaluate(self, node: ast.AST, depth: int) -> Optional[Value]:
        if isinstance(node, ast.Name):
            return self._value_of_name(node, depth)
        if isinstance(node, ast.Attribute):
            return self._value_of_attribute(node, depth)
        if isinstance(node, ast.Call):
            return self._value_of_call(node, depth)
        if isinstance(node, ast.BinOp):
            left, right = self.value_of(node.left, depth + 1), self.value_of(node.right, depth + 1)
            for side in (left, right):
                if side is not None and side.kind == LOSS:
                    return side
            return None
        if isinstance(node, ast.UnaryOp):
            operand = self.value_of(node.operand, depth + 1)
            return operand if operand is not None and operand.kind == LOSS else None
        if isinstance(node, ast.IfExp):
            return self.value_of(node.body, depth + 1) or self.value_of(node.orelse, depth + 1)
        if isinstance(node, ast.Subscript):
            return self._value_of_subscript(node, depth)
        if isinstance(node, (ast.Await, ast.Starred)):
            return self.value_of(node.value, depth + 1)
        if isinstance(node, ast.NamedExpr):
            return self.value_of(node.value, depth + 1)
        return None

    def _value_of_name(self, node: ast.Name, depth: int) -> Optional[Value]:
        scope, binding = self.scopes.lookup(node.id, self.scopes.scope_at(node), node.lineno)
        if binding is not None:
            value = self.value_of_binding(binding, scope, depth)
            if value is not None:
                return value
            if binding.kind in ("import", "def", "class") or self._binds_plain_data(binding, scope, depth):
                return None
        return self._value_from_name(node.id, node)

    # -- evidence against a name ------------------------------------------
    def _binds_plain_data(self, binding: Binding, scope: Optional[Scope], depth: int) -> bool:
        """Whether what a binding assigns says the name holds a string, a
        number, a path or a command-line option (`model_name = args.model`,
        `model = "resnet"`, a parameter whose callers pass strings): evidence
        that beats the name.

        Remembered per binding (a binding on the way is taken as not plain):
        chasing parameters through every caller again at each use made this
        exponential in the length of call chains (minutes on PyTorch's
        sources)."""
        remembered = self.__dict__.setdefault("_plain_bindings", {})
        key = id(binding)
        if key not in remembered:
            remembered[key] = False  # on the way: a cycle is not evidence
            remembered[key] = self._binds_plain_data_uncached(binding, scope, depth)
        return remembered[key]

    def _binds_plain_data_uncached(self, binding: Binding, scope: Optional[Scope], depth: int) -> bool:
        if binding.kind == "assign" and not binding.path:
            return self.is_plain_data(binding.value, depth + 1) or self._is_plain_instance(binding.value)
        if binding.kind == "param":
            if binding.value is not None and self.is_plain_data(binding.value, depth + 1):
                return True  # def __init__(self, model="mlp")
            function = scope.node if scope is not None else None
            if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) and binding.path and depth <= _MAX_DEPTH:
                for call in self.callers_of(function):
                    argument = _call_argument(call, function, binding.path[0], binding.name)
                    if argument is not None and self.is_plain_data(argument, depth + 1):
                        return True
        return False

    def is_plain_data(self, node: ast.AST, depth: int = 0) -> bool:
        """A string, number, path or command-line option: never a model,
        whatever the name it is bound to (`"resnet18"`, `f"{name}.pt"`,
        `os.path.join(...)`, `args.model`, `str(x)`)."""
        if depth > _MAX_DEPTH:
            return False
        if isinstance(node, ast.Constant):
            return node.value is not None and node.value is not Ellipsis
        if isinstance(node, ast.JoinedStr):
            return True
        if isinstance(node, ast.BinOp):
            # "runs/" + name, "%s.pt" % name: string building (not `x / 255.0`)
            return any(isinstance(side, ast.JoinedStr) or isinstance(side, ast.Constant) and isinstance(side.value, str)
                       for side in (node.left, node.right))
        if isinstance(node, ast.IfExp):
            return self.is_plain_data(node.body, depth + 1) and self.is_plain_data(node.orelse, depth + 1)
        if isinstance(node, ast.Name):
            scope, binding = self.scopes.lookup(node.id, self.scopes.scope_at(node), node.lineno)
            return binding is not None and self._binds_plain_data(binding, scope, depth + 1)
        if isinstance(node, ast.Attribute):
            root = node.value
            while isinstance(root, ast.Attribute):
                root = root.value
            return isinstance(root, ast.Name) and self._is_option_namespace(root, depth + 1)
        if isinstance(node, ast.Subscript):
            if self.qualified_name(node.value) == "sys.argv":
                return True
            return isinstance(node.value, ast.Name) and self._is_option_namespace(node.value, depth + 1)
        if isinstance(node, ast.Call):
            qualname = self.qualified_name(node.func)
            if qualname is not None:
                return qualname in catalog.PLAIN_DATA_FUNCTIONS or qualname.startswith(catalog.PLAIN_DATA_PREFIXES)
            if isinstance(node.func, ast.Name):
                _, binding = self.scopes.lookup(node.func.id, self.scopes.scope_at(node), node.lineno)
                return binding is None and node.func.id in catalog.PLAIN_DATA_FUNCTIONS
            if isinstance(node.func, ast.Attribute) and node.func.attr in catalog.STRING_METHODS:
                return self.is_plain_data(node.func.value, depth + 1)
        return False

    def holds_no_module(self, node: ast.AST) -> bool:
        """`model.num_classes`, `model.scale` where the instance's project class
        stores in that attribute a number, a string or an option
        (`self.num_classes = num_classes`, every caller passing a constant) or
        a bare parameter tensor (`self.scale = nn.Parameter(...)`): a setting
        or a weight read off the model, not a part that has a mode."""
        if not isinstance(node, ast.Attribute):
            return False
        instance = self.instance_class(node.value)
        if instance is None:
            return False
        module, class_node = instance
        class_scope = module.scopes.scopes.get(class_node)
        bindings = class_scope.attributes.get(node.attr) if class_scope is not None else None
        if not bindings:
            return False
        return all(module._binds_plain_data(binding, class_scope, 0) or module._binds_parameter(binding) for binding in bindings)

    def _binds_parameter(self, binding: Binding) -> bool:
        value = binding.value
        return binding.kind == "assign" and not binding.path and isinstance(value, ast.Call) \
            and self.qualified_name(value.func) in catalog.TORCH_PARAMETER_CLASSES

    def names_read(self, name: str) -> List[ast.Name]:
        """The `ast.Name` nodes that read `name`, anywhere in the file."""
        index = self.__dict__.get("_names_read")
        if index is None:
            index = self.__dict__["_names_read"] = {}
            for node in self.nodes_of(ast.Name):
                if isinstance(node.ctx, ast.Load):
                    index.setdefault(node.id, []).append(node)
        return index.get(name, [])

    def _is_plain_instance(self, node: ast.AST) -> bool:
        """`model = VSE(opt)` of a project class that is not a model (a
        wrapper holding models, a trainer): its name does not make it one."""
        if not isinstance(node, ast.Call):
            return False
        resolved = self.resolve_class(node.func)
        if resolved is None:
            return False
        module, class_node = resolved
        return self.project.model_framework(module.class_qualname(class_node), module.info) is None \
            and not any(isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name in ("__call__", "forward")
                        for s in class_node.body)

    def _is_option_namespace(self, name: ast.Name, depth: int) -> bool:
        """`args` of `args = parser.parse_args()` (or `vars(...)` of it, or a
        parameter its callers pass it to): its attributes are options."""
        if depth > _MAX_DEPTH:
            return False
        scope, binding = self.scopes.lookup(name.id, self.scopes.scope_at(name), name.lineno)
        if binding is None:
            return False
        if binding.kind == "assign":
            value = binding.value
            if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "vars" and value.args:
                value = value.args[0]
            if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) \
                    and value.func.attr in ("parse_args", "parse_known_args"):
                return True
            if isinstance(value, ast.Call) and self.qualified_name(value.func) in catalog.CONFIG_READERS:
                return True  # cfg = json.load(f); cfg["model"]
            if isinstance(value, ast.Name):
                return self._is_option_namespace(value, depth + 1)
            if isinstance(value, ast.Call) and not binding.path:
                resolved = self.resolve_function(value)
                if resolved is not None:
                    module, function = resolved
                    return any(isinstance(r, ast.Name) and module._is_option_namespace(r, depth + 1) or
                               isinstance(r, ast.Call) and isinstance(r.func, ast.Attribute) and r.func.attr == "parse_args"
                               for r in return_expressions(function))
            return False
        if binding.kind == "param":
            function = scope.node if scope is not None else None
            if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) and binding.path:
                calls = self.callers_of(function)
                for call in calls:
                    argument = _call_argument(call, function, binding.path[0], binding.name)
                    if not (isinstance(argument, ast.Name) and self._is_option_namespace(argument, depth + 1)):
                        return False
                return bool(calls)
        return False

    def _value_from_name(self, name: str, node: ast.AST) -> Optional[Value]:
        kind = kind_from_name(name)
        split = split_from_name(name)
        if kind is None and split is None:
            return None
        if kind is None:
            kind = DATA
        if kind in (DATA, BATCH) or split is not None and kind not in (OPTIMIZER, SCHEDULER, LOSS_FUNCTION, MODEL):
            return Value(DATA if kind != BATCH else BATCH, split=split, origin=node, module=self.info.name, by_name=True)
        return Value(kind, origin=node, module=self.info.name, by_name=True)

    def value_of_binding(self, binding: Binding, scope: Optional[Scope], depth: int) -> Optional[Value]:
        if binding.kind == "assign":
            return self._element_value(binding.value, binding.path, depth + 1)
        if binding.kind == "augassign":
            target_value = None
            statement = binding.value
            operand = self.value_of(statement.value, depth + 1)
            if operand is not None and operand.kind == LOSS:
                return operand
            return target_value
        if binding.kind == "with":
            return self._element_value(binding.value, binding.path, depth + 1)
        if binding.kind == "for":
            return self._iteration_value(binding.value, binding.path, depth + 1)
        if binding.kind == "param":
            return self._parameter_value(binding, scope, depth + 1)
        return None

    def _value_of_attribute(self, node: ast.Attribute, depth: int) -> Optional[Value]:
        if isinstance(node.value, ast.Name):
            class_node = self._class_of_self(node.value, node)
            if class_node is not None:
                class_scope = self.scopes.scopes.get(class_node)
                bindings = class_scope.attributes.get(node.attr) if class_scope else None
                if bindings:
                    binding = pick_binding(bindings, None)
                    value = self.value_of_binding(binding, class_scope, depth)
                    if value is not None:
                        return value
                    if binding.kind == "assign" and not binding.path and self.is_plain_data(binding.value, depth + 1):
                        return None  # self.model = args.model
                return self._value_from_name(node.attr, node)
        base = self.value_of(node.value, depth + 1)
        if base is not None:
            if base.kind == MODEL and node.attr in ("module", "_orig_mod", "model"):
                return base  # DDP / DataParallel / torch.compile wrappers
            if base.kind == MODEL_OUTPUT and node.attr == "loss":
                return Value(LOSS, qualname=base.qualname, origin=node, module=self.info.name)
            if base.kind == LOSS and node.attr == "data":
                return None
            return None
        instance = self.instance_class(node.value, depth + 1)
        if instance is not None:
            # `gan.generator` of `gan = GAN()`: what GAN.__init__ stored
            module, class_node = instance
            class_scope = module.scopes.scopes.get(class_node)
            bindings = class_scope.attributes.get(node.attr) if class_scope is not None else None
            if bindings:
                return module.value_of_binding(pick_binding(bindings, None), class_scope, depth + 1)
        return None

    def _value_of_subscript(self, node: ast.Subscript, depth: int) -> Optional[Value]:
        base = self.value_of(node.value, depth + 1)
        key = node.slice.value if isinstance(node.slice, ast.Index) else node.slice  # type: ignore[attr-defined]
        if base is not None and base.kind == DATA and isinstance(key, ast.Constant) and isinstance(key.value, str):
            return base.with_split(split_from_name(key.value) or base.split)
        if base is not None and base.kind in (DATA, BATCH):
            return base
        if base is not None and base.kind == MODEL_OUTPUT and isinstance(key, ast.Constant) and key.value in ("loss", 0):
            if key.value == "loss":
                return Value(LOSS, qualname=base.qualname, origin=node, module=self.info.name)
        return None

    def instance_class(self, expr: ast.AST, depth: int = 0) -> Optional[Tuple["ModuleModel", ast.ClassDef]]:
        """The project class `expr` is an instance of: `trainer` of
        `trainer = Trainer(...)`, `self.gan` of `self.gan = GAN(opt)`, a
        parameter its first caller in the file passes such an instance."""
        if depth > 4:
            return None
        binding = None
        scope = None
        if isinstance(expr, ast.Name):
            scope, binding = self.scopes.lookup(expr.id, self.scopes.scope_at(expr), expr.lineno)
        elif isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name):
            class_node = self._class_of_self(expr.value, expr)
            class_scope = self.scopes.scopes.get(class_node) if class_node is not None else None
            bindings = class_scope.attributes.get(expr.attr) if class_scope is not None else None
            if bindings:
                scope, binding = class_scope, pick_binding(bindings, None)
        if binding is None:
            return None
        if binding.kind == "assign" and not binding.path:
            value = binding.value
            # `model = model.to(device)`, `net = Net().cuda()`: the same instance
            while isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) \
                    and value.func.attr in catalog.MODEL_SELF_RETURNING_METHODS:
                value = value.func.value
            if isinstance(value, ast.Call):
                return self.resolve_class(value.func)
            if isinstance(value, (ast.Name, ast.Attribute)):
                return self.instance_class(value, depth + 1)
        if binding.kind == "param" and scope is not None and binding.path \
                and isinstance(scope.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for call in self.callers_of(scope.node)[:1]:
                argument = _call_argument(call, scope.node, binding.path[0], binding.name)
                if argument is not None:
                    return self.instance_class(argument, depth + 1)
        return None

    # -- calls -----------------------------------------------------------
    def _value_of_call(self, node: ast.Call, depth: int) -> Optional[Value]:
        qualname = self.qualified_name(node.func)
        if qualname is not None:
            value = self._value_of_library_call(node, qualname, depth)
            if value is not None:
                return value
        func = node.func
        if isinstance(func, ast.Attribute):
            receiver = self.value_of(func.value, depth + 1)
            if receiver is not None:
                value = self._value_of_method_call(node, receiver, func.attr, depth)
                if value is not None:
                    return value
            if func.attr in catalog.HF_MODEL_CONSTRUCTORS and qualname and qualname.startswith(("transformers.", "peft.", "diffusers.")) \
                    and not qualname.rsplit(".", 2)[-2].endswith(catalog.HF_NON_MODEL_SUFFIXES):
                return Value(MODEL, qualname=qualname.rsplit(".", 1)[0], framework="hf", origin=node, module=self.info.name)
        else:
            callee = self.value_of(func, depth + 1)
            if callee is not None:
                if callee.kind == MODEL:
                    return Value(MODEL_OUTPUT, qualname=callee.qualname, framework=callee.framework, origin=node, module=self.info.name)
                if callee.kind == LOSS_FUNCTION:
                    return Value(LOSS, qualname=callee.qualname, origin=node, module=self.info.name)
        resolved_class = self.resolve_class(node.func)
        if resolved_class is not None:
            model, class_node = resolved_class
            class_qualname = model.class_qualname(class_node)
            framework = self.project.model_framework(class_qualname, model.info)
            if framework:
                return Value(MODEL, qualname=class_qualname, framework=framework, origin=node, module=self.info.name)
            return None
        resolved = self.resolve_function(node)
        if resolved is not None:
            return resolved[0].return_value(resolved[1], depth + 1)
        return None

    def _value_of_library_call(self, node: ast.Call, qualname: str, depth: int) -> Optional[Value]:
        here = self.info.name
        if qualname in catalog.TORCH_LOSS_CLASSES or qualname in catalog.KERAS_LOSS_CLASSES:
            return Value(LOSS_FUNCTION, qualname=qualname, origin=node, module=here)
        if qualname in catalog.TORCH_LOSS_FUNCTIONS:
            return Value(LOSS, qualname=qualname, origin=node, module=here)
        if qualname.startswith(catalog.TORCH_SCHEDULER_PREFIXES) or qualname in catalog.SCHEDULER_FACTORIES:
            return Value(SCHEDULER, qualname=qualname, origin=node, module=here)
        if (qualname.startswith(catalog.TORCH_OPTIMIZER_PREFIXES) and _is_class_like(qualname)) or qualname in catalog.OPTIMIZER_FACTORIES:
            return Value(OPTIMIZER, qualname=qualname, origin=node, module=here)
        if qualname in catalog.MODEL_WRAPPERS:
            wrapped = self.value_of(node.args[0], depth + 1) if node.args else None
            if wrapped is not None and wrapped.kind == MODEL:
                return wrapped
            return None
        if qualname in catalog.DATA_LOADERS:
            dataset = positional_or_keyword(node, 0, "dataset")
            inner = self.value_of(dataset, depth + 1) if dataset is not None else None
            return Value(DATA, qualname=qualname, split=inner.split if inner else None, origin=node, module=here)
        if qualname.startswith(("torchvision.datasets.", "torchtext.datasets.", "torchaudio.datasets.")):
            return Value(DATA, qualname=qualname, split=_split_from_arguments(node), origin=node, module=here)
        if qualname in ("datasets.load_dataset", "datasets.load_from_disk"):
            return Value(DATA, qualname=qualname, split=_split_from_arguments(node), origin=node, module=here)
        if qualname in ("torch.utils.data.TensorDataset", "torch.utils.data.Subset", "torch.utils.data.ConcatDataset"):
            splits = {self._split_of(argument, depth) for argument in node.args}
            splits.discard(None)
            return Value(DATA, qualname=qualname, split=splits.pop() if len(splits) == 1 else None, origin=node, module=here)
        if qualname in catalog.TORCH_LAYERS_MODE_DEPENDENT or qualname in catalog.TORCH_LAYERS_MODE_FREE or qualname in catalog.TORCH_CONTAINERS or qualname in catalog.TORCH_LAYERS_MODE_BY_ARGUMENT:
            return Value(MODEL, qualname=qualname, framework="torch", origin=node, module=here)
        if qualname in catalog.KERAS_MODEL_CLASSES:
            return Value(MODEL, qualname=qualname, framework="keras", origin=node, module=here)
        if qualname.startswith(catalog.OPAQUE_MODEL_FACTORIES) and _is_model_factory(qualname):
            framework = "keras" if qualname.startswith("keras.") else "torch"
            return Value(MODEL, qualname=qualname, framework=framework, origin=node, module=here)
        if qualname.startswith("sklearn.") and _is_class_like(qualname) and not qualname.startswith(catalog.SKLEARN_NON_ESTIMATOR_MODULES):
            return Value(MODEL, qualname=qualname, framework="sklearn", origin=node, module=here)
        if qualname in ("sklearn.pipeline.make_pipeline",):
            return Value(MODEL, qualname=qualname, framework="sklearn", origin=node, module=here)
        if qualname in catalog.MODEL_LOADED_IN_SAVED_MODE and self.loads_whole_model(node, depth):
            return Value(MODEL, qualname=qualname, framework="torch", origin=node, module=here)
        return None

    def loads_whole_model(self, call: ast.Call, depth: int = 0) -> bool:
        """Whether `torch.load(...)` unpickles a whole model rather than a
        state dict or checkpoint: what it is bound to is called or switched
        (`model(x)`, `model.eval()`) and never indexed, iterated as a dict or
        handed to `load_state_dict`."""
        if depth > _MAX_DEPTH or any(k.arg == "weights_only" and not _is_false_constant(k.value) for k in call.keywords):
            return False
        node: ast.AST = call
        parent = self.parent(node)
        while isinstance(parent, ast.Attribute) and parent.attr in catalog.MODEL_SELF_RETURNING_METHODS:
            node = self.parent(parent)  # torch.load(p).to(device)
            if not isinstance(node, ast.Call):
                return False
            parent = self.parent(node)
        if isinstance(parent, ast.Return):
            function = self.enclosing_function(parent)
            if function is None:
                return False
            callers = [(self, c) for c in self.callers_of(function)] + self.callers_elsewhere(function)
            return any(module.loads_whole_model(c, depth + 1) for module, c in callers)
        if isinstance(parent, ast.Call) and parent.func is node:
            return True  # torch.load(p)(x)
        if not (isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name)):
            return False
        name = parent.targets[0].id
        scope = self.scopes.scope_at(parent)
        as_model = False
        for use in self.names_read(name):
            if self.scopes.lookup(name, self.scopes.scope_at(use), use.lineno)[0] is not scope:
                continue
            outer = self.parent(use)
            if isinstance(outer, ast.Subscript) and outer.value is use:
                return False
            if isinstance(outer, ast.Compare) and use in outer.comparators:
                return False  # "state_dict" in checkpoint
            if isinstance(outer, ast.Attribute) and outer.attr in catalog.CHECKPOINT_USE_METHODS:
                return False
            if isinstance(outer, ast.Call) and use in outer.args and isinstance(outer.func, ast.Attribute) \
                    and outer.func.attr in ("load_state_dict", "update"):
                return False
            if isinstance(outer, ast.Call) and outer.func is use:
                as_model = True
            elif isinstance(outer, ast.Attribute) and outer.attr in catalog.MODEL_USE_METHODS:
                as_model = True
        return as_model

    def _value_of_method_call(self, node: ast.Call, receiver: Value, method: str, depth: int) -> Optional[Value]:
        here = self.info.name
        if receiver.kind == MODEL:
            if method in catalog.MODEL_SELF_RETURNING_METHODS:
                return receiver
            if receiver.framework == "sklearn" and method in catalog.ESTIMATOR_SELF_RETURNING_METHODS:
                return receiver  # `clf = SVC().fit(X, y)`: scikit-learn's fit returns the estimator
            if method == "forward":
                return Value(MODEL_OUTPUT, qualname=receiver.qualname, framework=receiver.framework, origin=node, module=here)
            if method in ("predict", "predict_proba", "decision_function"):
                return Value(MODEL_OUTPUT, qualname=receiver.qualname, framework=receiver.framework, origin=node, module=here)
        if receiver.kind == LOSS_FUNCTION and method in ("forward", "__call__"):
            return Value(LOSS, qualname=receiver.qualname, origin=node, module=here)
        if receiver.kind == LOSS and method in catalog.LOSS_PRESERVING_METHODS:
            return receiver
        if receiver.kind in (DATA, BATCH) and method in ("to", "cuda", "float", "shuffle", "batch", "map", "prefetch", "filter", "select", "with_format"):
            return receiver
        return None

    def _split_of(self, node: ast.AST, depth: int) -> Optional[str]:
        value = self.value_of(node, depth + 1)
        return value.split if value is not None else None

    # -- tuples, iteration, parameters, returns -------------------------
    def _element_value(self, node: ast.AST, path: Tuple[int, ...], depth: int) -> Optional[Value]:
        """The value at `path` inside what `node` evaluates to (tuple unpacking)."""
        if not path:
            return self.value_of(node, depth)
        if depth > _MAX_DEPTH:
            return None
        # Memoized per (node, path), like value_of per node: a function whose
        # returns call itself (`return f(x - 1)`) otherwise fans out through
        # every return at every level, exponential in the chase depth.
        key = (id(node), path)
        if key in self._value_cache:
            return self._value_cache[key]
        value = guarded(self._in_progress, key, lambda: self._element_value_uncached(node, path, depth), None)
        self._value_cache[key] = value
        return value

    def _element_value_uncached(self, node: ast.AST, path: Tuple[int, ...], depth: int) -> Optional[Value]:
        index, rest = path[0], path[1:]
        if isinstance(node, (ast.Tuple, ast.List)):
            if 0 <= index < len(node.elts) and not any(isinstance(e, ast.Starred) for e in node.elts):
                return self._element_value(node.elts[index], rest, depth + 1)
            return None
        if isinstance(node, ast.Call) and index >= 0:
            qualname = self.qualified_name(node.func)
            split_value = self._split_output(node, qualname, index, rest, depth)
            if split_value is not None:
                return split_value
            resolved = self.resolve_function(node)
            if resolved is not None:
                module, function = resolved
                for returned in return_expressions(function):
                    value = module._element_value(returned, path, depth + 1)
                    if value is not None:
                        return value
        value = self.value_of(node, depth + 1)
        if value is not None and value.kind in (DATA, BATCH):
            return value
        return None

    def _split_output(self, node: ast.Call, qualname: Optional[str], index: int, rest: Tuple[int, ...], depth: int) -> Optional[Value]:
        here = self.info.name
        if qualname == "sklearn.model_selection.train_test_split":
            # X_train, X_test, y_train, y_test = train_test_split(X, y)
            source = node.args[index // 2] if index // 2 < len(node.args) else None
            origin = self.value_of(source, depth + 1) if source is not None else None
            return Value(DATA, qualname=qualname, split=TRAIN if index % 2 == 0 else TEST, origin=node, module=here,
                         framework=origin.framework if origin else None)
        if qualname == "torch.utils.data.random_split":
            lengths = positional_or_keyword(node, 1, "lengths")
            count = len(lengths.elts) if isinstance(lengths, (ast.List, ast.Tuple)) else 2
            splits = (TRAIN, VALIDATION) if count == 2 else (TRAIN, VALIDATION, TEST)
            return Value(DATA, qualname=qualname, split=splits[index] if index < len(splits) else None, origin=node, module=here)
        if qualname and qualname.endswith(".load_data") and qualname.startswith("keras.datasets."):
            # (x_train, y_train), (x_test, y_test) = mnist.load_data()
            return Value(DATA, qualname=qualname, split=(TRAIN, TEST)[index] if index < 2 else None, origin=node, module=here)
        if isinstance(node.func, ast.Attribute) and node.func.attr == "prepare" and node.args:
            # accelerator.prepare(model, optimizer, loader) returns its arguments
            if index < len(node.args):
                return self._element_value(node.args[index], rest, depth + 1)
        return None

    def _iteration_value(self, iterable: ast.AST, path: Tuple[int, ...], depth: int) -> Optional[Value]:
        """What a `for` target holds when looping over `iterable`."""
        if isinstance(iterable, ast.Call):
            qualname = self.qualified_name(iterable.func)
            name = qualname or (iterable.func.id if isinstance(iterable.func, ast.Name) else None)
            if name in ("enumerate",) and iterable.args:
                if path and path[0] == 1:
                    return self._iteration_value(iterable.args[0], path[1:], depth + 1)
                return None
            if (name in catalog.ITERATION_WRAPPERS or name == "tqdm") and iterable.args:
                return self._iteration_value(iterable.args[0], path, depth + 1)
            if name == "zip":
                if path and 0 <= path[0] < len(iterable.args):
                    return self._iteration_value(iterable.args[path[0]], path[1:], depth + 1)
                return None
        value = self.value_of(iterable, depth + 1)
        if value is not None and value.kind in (DATA, BATCH):
            return Value(BATCH, qualname=value.qualname, split=value.split, origin=iterable, module=self.info.name, by_name=value.by_name)
        return None

    def _parameter_value(self, binding: Binding, scope: Optional[Scope], depth: int) -> Optional[Value]:
        function = scope.node if scope is not None else None
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) and binding.path:
            index = binding.path[0]
            for call in self.callers_of(function):
                argument = _call_argument(call, function, index, binding.name)
                if argument is not None:
                    value = self.value_of(argument, depth + 1)
                    if value is not None:
                        return value
            if not self.callers_of(function):
                for caller, call in self.callers_elsewhere(function):
                    argument = _call_argument(call, function, index, binding.name)
                    if argument is not None:
                        value = caller.value_of(argument, depth + 1)
                        if value is not None:
                            return value
        if self._binds_plain_data(binding, scope, depth):
            return None
        return self._value_from_name(binding.name, binding.node)

    def return_value(self, function: FunctionNode, depth: int = 0) -> Optional[Value]:
        for returned in return_expressions(function):
            value = self.value_of(returned, depth + 1)
            if value is not None:
                return value
        return None


def return_expressions(function: Union[FunctionNode, ast.Lambda]) -> List[ast.expr]:
    """What a function (not its nested functions) returns; a lambda's body."""
    if isinstance(function, ast.Lambda):
        return [function.body]
    # Kept on the node: value chasing asks once per call site of the function.
    cached = function.__dict__.get("_dllint_returns")
    if cached is not None:
        return cached
    found = _own_values(function, ast.Return)
    function.__dict__["_dllint_returns"] = found
    return found


def yield_expressions(function: FunctionNode) -> List[ast.expr]:
    """What a generator function (not its nested functions) yields."""
    return _own_values(function, ast.Yield)


def _own_values(function: FunctionNode, kind: type) -> List[ast.expr]:
    """The values of the `return` or `yield` nodes of the function itself."""
    found: List[ast.expr] = []
    stack: List[ast.AST] = list(function.body)
    while stack:
        node = stack.pop()
        if isinstance(node, kind) and node.value is not None:
            found.append(node.value)
        elif not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            stack.extend(children(node))
    return found


def _call_argument(call: ast.Call, function: FunctionNode, index: int, name: str) -> Optional[ast.expr]:
    """The argument a call passes for parameter `name` (at `index`)."""
    for item in call.keywords:
        if item.arg == name:
            return item.value
    if index < 0:
        return None
    positional = function.args.posonlyargs + function.args.args
    # A method called as `obj.method(x)` does not pass `self` explicitly, nor
    # does `Trainer(model)` for `__init__(self, model)`.
    is_method_call = bool(positional) and (
        (isinstance(call.func, ast.Attribute) and positional[0].arg in ("self", "cls")) or function.name == "__init__"
    )
    position = index - 1 if is_method_call else index
    if 0 <= position < len(call.args) and not any(isinstance(a, ast.Starred) for a in call.args[: position + 1]):
        return call.args[position]
    return None


def _is_false_constant(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and not node.value


def _split_from_arguments(call: ast.Call) -> Optional[str]:
    for item in call.keywords:
        if item.arg == "train" and isinstance(item.value, ast.Constant):
            return TRAIN if item.value.value else TEST
        if item.arg == "split" and isinstance(item.value, ast.Constant) and isinstance(item.value.value, str):
            return split_from_name(item.value.value.split("[")[0]) or None
    return None


def _is_class_like(qualname: str) -> bool:
    last = qualname.rsplit(".", 1)[-1]
    return last[:1].isupper()


def _is_model_factory(qualname: str) -> bool:
    last = qualname.rsplit(".", 1)[-1]
    # torchvision.models.resnet18, torchvision.models.ResNet, timm.create_model;
    # not torchvision.models.ResNet18_Weights or get_model_weights.
    return not last.endswith("_Weights") and not last.startswith(("get_", "list_")) and "weights" not in last.lower()


# the name the layer modules import
_return_expressions = return_expressions
