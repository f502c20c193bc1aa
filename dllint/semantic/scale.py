"""Scale: what value scale data is at, and which steps changed it.

    scales = semantic.scale
    scales.scale_of(expr) -> Scale | None       # None: dllint cannot tell
    scales.model_input(model_expr) -> ModelInput | None   # what a model does with its input

A `Scale` says where the data's scale was decided (`origin`: `cv2.imread`,
`keras.datasets.mnist.load_data()`, `pd.read_csv`...), the level it is at
(`raw-0-255`, `0-1`, `standardized`, `unscaled`, `token-ids`, `encoded`) and
the value-changing steps seen on the way (`/ 255`, `Normalize`,
`StandardScaler`...). Casts, reshapes, device moves and geometric
augmentation keep the scale; anything dllint does not know (a library
function it has no row for) makes the scale unknown, so rules stay quiet.

Data is followed through assignments, tuple unpacking, `for` loops over
loaders, parameters (from every call of the function, in this file or
another), project functions (their returns, with the caller's arguments
bound to the parameters), generators (`yield`), project `Dataset` classes
(`__getitem__`, with the instantiation's arguments bound to `__init__`'s
parameters, so `self.transform` is the transform this dataset was given),
`DataLoader(..., collate_fn=)`, `TensorDataset`, `tf.data` pipelines and
their `.map(...)` functions, torchvision / albumentations / Keras
preprocessing pipelines (`Compose([...])`), scikit-learn transformers,
`Pipeline`s and `ColumnTransformer`s.

The data a dataset, loader or `tf.data` pipeline yields is an (input,
target) pair; a pair's `Scale` describes its input (`pair=True`), and
unpacking or indexing it with 0 gives the input itself.

Library knowledge is in catalog.py (`# -- input scale --`).
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Dict, List, Optional, Tuple, Union

from dllint.semantic.recursion import guarded
from dllint.semantic import catalog
from dllint.semantic.arguments import keyword_value, positional_or_keyword
from dllint.semantic.module import return_expressions, yield_expressions
from dllint.semantic.values import MODEL

if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.module import ModuleModel

RAW, UNIT, STANDARDIZED, UNSCALED, TOKEN_IDS, ENCODED = (
    "raw-0-255", "0-1", "standardized", "unscaled", "token-ids", "encoded",
)
# One column of a table at its own range: nothing to be heterogeneous with,
# but a scaler or `zscore` applied to it normalizes it (`df["Age"] = ...`).
ONE_COLUMN = "one-column"
NORMALIZED = (UNIT, STANDARDIZED)
_MAX_DEPTH = 40

Step = Tuple[str, ast.AST]  # ("/ 255", node), ("Normalize", node), ...
FunctionNode = Union[ast.FunctionDef, ast.AsyncFunctionDef]


@dataclass(frozen=True)
class Scale:
    level: str
    origin: ast.AST           # where the scale was decided (the raw source, the reader...)
    module: str               # module holding `origin`
    source: str               # `keras.datasets.mnist.load_data()` (for messages)
    steps: Tuple[Step, ...] = ()   # value-changing steps, in order
    floating: bool = False    # cast to float (ToTensor then leaves the values alone)
    pair: bool = False        # an (input, target) pair; the scale is its input's
    problem: Optional[Tuple[str, ast.AST]] = None  # a visible mistake: ("divided by 255 twice", node)

    @property
    def normalized(self) -> bool:
        return self.level in NORMALIZED

    def step(self, level: str, text: str, node: ast.AST, **changes) -> "Scale":
        return replace(self, level=level, steps=self.steps + ((text, node),), **changes)

    def step_names(self) -> List[str]:
        return [text for text, _ in self.steps]


@dataclass(frozen=True)
class ModelInput:
    """What a model does with the data it is given."""

    framework: Optional[str]
    qualname: Optional[str]
    node: ast.AST                         # where the model is made
    normalizes_inside: Optional[str] = None   # evidence: "`layers.Rescaling` in the model"
    pretrained: Optional[str] = None      # "`resnet50(weights=...)`": needs its training statistics
    scale_invariant: bool = False          # trees, naive Bayes
    scale_sensitive: bool = False          # SVC, k-NN, LogisticRegression... (scikit-learn)
    estimator: Optional[str] = None        # the final estimator's class name (scikit-learn)
    preprocessing: Optional[Tuple["_Effect", ...]] = None  # a Pipeline's steps before the estimator
    pipeline_unknown: bool = False
    opaque: Optional[str] = None           # built from a model dllint cannot read (`load_model`, `inputs=base.input`)


# An effect is one step of a transform pipeline: (kind, node, text, extra)
#   kind: "keep", "to_unit", "unit", "standardize", "pretrained", "float",
#         "call" (a project function / lambda applied to the data; extra = (Scales, function, env)),
#         "encode", "columns" (a ColumnTransformer; extra = [(kind-summary)...]), "unknown"
_Effect = Tuple[str, ast.AST, str, object]


class _Arg:
    """A parameter bound for one evaluation: the caller's expression (in the
    caller's file and environment), or a scale given directly."""

    __slots__ = ("scales", "expr", "env", "scale")

    def __init__(self, scales: Optional["Scales"] = None, expr: Optional[ast.AST] = None, env=None, scale: Optional[Scale] = None):
        self.scales, self.expr, self.env, self.scale = scales, expr, env or {}, scale

    def evaluate(self, depth: int) -> Optional[Scale]:
        if self.scale is not None or self.scales is None:
            return self.scale
        return self.scales._scale(self.expr, depth + 1, self.env)

    def effect(self, depth: int) -> Optional[Tuple[_Effect, ...]]:
        if self.scales is None:
            return None
        return self.scales._effect(self.expr, depth + 1, self.env)


Env = Dict[Tuple[int, str], _Arg]


class Scales:
    def __init__(self, semantic: "ModuleModel"):
        self.semantic = semantic
        self._cache: Dict[int, Optional[Scale]] = {}
        self._in_progress: set = set()

    @property
    def here(self) -> str:
        return self.semantic.info.name

    # -- public ------------------------------------------------------------
    def scale_of(self, expr: ast.AST) -> Optional[Scale]:
        """The scale of the data `expr` holds (its input part, for a pair)."""
        return self._scale(expr, 0, {})

    def effect_of(self, transform: ast.AST) -> Optional[Tuple[_Effect, ...]]:
        """What a transform (pipeline) does to the scale of what it is applied to."""
        return self._effect(transform, 0, {})

    def apply(self, transform: ast.AST, scale: Scale) -> Optional[Scale]:
        effect = self._effect(transform, 0, {})
        return None if effect is None else self._apply(effect, scale, 0)

    # -- evaluation ----------------------------------------------------------
    def _scale(self, node: Optional[ast.AST], depth: int, env: Env) -> Optional[Scale]:
        if node is None or depth > _MAX_DEPTH:
            return None
        key = (id(node), id(env) if env else 0)
        if not env and id(node) in self._cache:
            return self._cache[id(node)]
        found = guarded(self._in_progress, key, lambda: self._evaluate(node, depth, env), None)
        if not env:
            self._cache[id(node)] = found
        return found

    def _evaluate(self, node: ast.AST, depth: int, env: Env) -> Optional[Scale]:
        if isinstance(node, ast.Name):
            return self._name(node, depth, env)
        if isinstance(node, ast.Attribute):
            return self._attribute(node, depth, env)
        if isinstance(node, ast.Call):
            return self._call(node, depth, env)
        if isinstance(node, ast.BinOp):
            return self._binop(node, depth, env)
        if isinstance(node, ast.Subscript):
            return self._subscript(node, depth, env)
        if isinstance(node, (ast.Tuple, ast.List)):
            if not node.elts or isinstance(node.elts[0], ast.Starred):
                return None
            first = self._scale(node.elts[0], depth + 1, env)
            if first is not None and len(node.elts) > 1:
                return replace(first, pair=True)
            return first
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and key.value in catalog_input_keys():
                    found = self._scale(value, depth + 1, env)
                    return replace(found, pair=True) if found is not None else None
            return None
        if isinstance(node, (ast.ListComp, ast.GeneratorExp, ast.SetComp)):
            return self._scale(node.elt, depth + 1, env)
        if isinstance(node, ast.IfExp):
            body = self._scale(node.body, depth + 1, env)
            orelse = self._scale(node.orelse, depth + 1, env)
            if body is not None and orelse is not None and body.level != orelse.level:
                return None
            return body or orelse
        if isinstance(node, (ast.Starred, ast.Await, ast.NamedExpr)):
            return self._scale(node.value, depth + 1, env)
        return None

    # -- names and bindings ------------------------------------------------------
    def _name(self, node: ast.Name, depth: int, env: Env) -> Optional[Scale]:
        scopes = self.semantic.scopes
        scope, binding = scopes.lookup(node.id, scopes.scope_at(node), node.lineno)
        if binding is None:
            return None
        if binding.kind == "import":
            imported = self._imported(node)
            return imported[0]._scale(imported[1], depth + 1, {}) if imported is not None else None
        return self._updated(self._binding(binding, scope, depth, env), node, depth, env)

    def _updated(self, found: Optional[Scale], name: ast.Name, depth: int, env: Env) -> Optional[Scale]:
        """The data after columns of it were normalized in place (`df[cols] =
        scaler.fit_transform(df[cols])`, `df[c] = zscore(df[c])`): which columns
        is not followed, so the whole table counts as normalized."""
        if found is None or found.normalized:
            return found
        for update in self.semantic.item_updates.before(name):
            changed = self._scale(update.value, depth + 1, env)
            if changed is not None and changed.normalized:
                text = changed.steps[-1][0] if changed.steps else f"`{ast.unparse(update.value)}`"
                found = replace(found, level=changed.level, steps=found.steps + ((f"{text} on `{ast.unparse(update.target)}`", update.statement),))
        return found

    def _binding(self, binding, scope, depth: int, env: Env) -> Optional[Scale]:
        if binding.kind == "assign":
            return self._element(binding.value, binding.path, depth + 1, env)
        if binding.kind == "augassign":
            statement = binding.value
            scopes = self.semantic.scopes
            _, before = scopes.lookup(binding.name, scope, binding.line) if scope is not None else (None, None)
            if before is None or before is binding:
                return None
            previous = self._binding(before, scope, depth + 1, env)
            return self._arithmetic(previous, statement.op, statement.value, statement, depth, env)
        if binding.kind == "for":
            return self._iteration(binding.value, binding.path, depth + 1, env)
        if binding.kind == "param":
            return self._parameter(binding, scope, depth, env)
        return None

    def _parameter(self, binding, scope, depth: int, env: Env) -> Optional[Scale]:
        function = scope.node if scope is not None else None
        if function is None:
            return None
        bound = env.get((id(function), binding.name))
        if bound is not None:
            return bound.evaluate(depth)
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) or not binding.path:
            return None
        if function.name in ("forward", "__call__", "call", "training_step", "validation_step", "test_step", "predict_step"):
            return None  # called by frameworks with whatever they are given
        index = binding.path[0]
        from dllint.semantic.module import _call_argument

        for call in self.semantic.callers_of(function):
            argument = _call_argument(call, function, index, binding.name)
            if argument is not None:
                found = self._scale(argument, depth + 1, {})
                if found is not None:
                    return found
        if not self.semantic.callers_of(function):
            for caller, call in self.semantic.callers_elsewhere(function):
                argument = _call_argument(call, function, index, binding.name)
                if argument is not None:
                    found = caller.scale._scale(argument, depth + 1, {})
                    if found is not None:
                        return found
        return None

    def _element(self, node: ast.AST, path: Tuple[int, ...], depth: int, env: Env) -> Optional[Scale]:
        """The scale at `path` inside what `node` evaluates to (tuple unpacking)."""
        if not path:
            return self._scale(node, depth, env)
        if depth > _MAX_DEPTH:
            return None
        index, rest = path[0], path[1:]
        if isinstance(node, (ast.Tuple, ast.List)):
            if 0 <= index < len(node.elts) and not any(isinstance(e, ast.Starred) for e in node.elts):
                return self._element(node.elts[index], rest, depth + 1, env)
            return None
        if isinstance(node, ast.Call):
            qualname = self._qualified(node.func) or ""
            if qualname.startswith("keras.datasets.") and qualname.endswith(".load_data"):
                # (x_train, y_train), (x_test, y_test) = mnist.load_data()
                level = catalog.KERAS_DATASET_SCALES.get(qualname.split(".")[2])
                if level is None or not rest or rest[0] != 0:
                    return None
                return Scale(level, node, self.here, f"`{_short(qualname)}()` (line {node.lineno})")
            if qualname == "sklearn.model_selection.train_test_split":
                arrays = [a for a in node.args if not isinstance(a, ast.Starred)]
                if index >= 0 and index // 2 < len(arrays):
                    return self._element(arrays[index // 2], rest, depth + 1, env)
                return None
            if qualname.startswith("sklearn.datasets.") and index == 0:
                return self._sklearn_loader(node, qualname)
            if qualname == "torch.utils.data.random_split" and node.args:
                return self._element(node.args[0], rest, depth + 1, env)
            resolved = self.semantic.resolve_function(node)
            if resolved is not None:
                model, function = resolved
                inner = model.scale._bind(function, node, self, env)
                for returned in return_expressions(function):
                    found = model.scale._element(returned, path, depth + 1, inner)
                    if found is not None:
                        return found
                return None
        whole = self._scale(node, depth + 1, env)
        if whole is None:
            return None
        if whole.pair:
            return replace(whole, pair=False) if index == 0 else None
        return None

    def _iteration(self, iterable: ast.AST, path: Tuple[int, ...], depth: int, env: Env) -> Optional[Scale]:
        """What a `for` target holds when looping over `iterable`."""
        if isinstance(iterable, ast.Call):
            qualname = self.semantic.qualified_name(iterable.func)
            name = qualname or (iterable.func.id if isinstance(iterable.func, ast.Name) else None)
            if name == "enumerate" and iterable.args:
                if path and path[0] == 1:
                    return self._iteration(iterable.args[0], path[1:], depth + 1, env)
                return None
            if (name in catalog.ITERATION_WRAPPERS or name == "tqdm") and iterable.args:
                return self._iteration(iterable.args[0], path, depth + 1, env)
            if name == "zip":
                if path and 0 <= path[0] < len(iterable.args):
                    return self._iteration(iterable.args[path[0]], path[1:], depth + 1, env)
                return None
            if name == "range":
                return None
        whole = self._scale(iterable, depth + 1, env)
        if whole is None:
            return None
        if not path:
            return whole
        if whole.pair and path[0] == 0 and len(path) == 1:
            return replace(whole, pair=False)
        return None

    def _bind(self, function: Union[FunctionNode, ast.Lambda], call: Optional[ast.Call], caller: "Scales", env: Env,
              skip_self: Optional[bool] = None) -> Env:
        """The environment for evaluating `function` called by `call` (made in `caller`'s file)."""
        inner: Env = {}
        if call is None:
            return inner
        positional = function.args.posonlyargs + function.args.args
        if skip_self is None:
            skip_self = bool(positional) and positional[0].arg in ("self", "cls") and (
                isinstance(call.func, ast.Attribute) or getattr(function, "name", "") == "__init__")
        names = [a.arg for a in positional][1 if skip_self else 0:]
        for position, argument in enumerate(call.args):
            if isinstance(argument, ast.Starred):
                break
            if position < len(names):
                inner[(id(function), names[position])] = _Arg(caller, argument, env)
        for item in call.keywords:
            if item.arg is not None:
                inner[(id(function), item.arg)] = _Arg(caller, item.value, env)
        return inner

    def _imported(self, node: ast.Name) -> Optional[Tuple["Scales", ast.AST]]:
        """A module-level variable of another project file (`from transforms import TRAIN_TF`):
        that file's Scales and the expression assigned to it."""
        qualname = self.semantic.qualified_name(node)
        if not qualname or "." not in qualname:
            return None
        module_name, attribute = qualname.rsplit(".", 1)
        info = self.semantic.project.module(module_name, self.semantic.info)
        if info is None or info is self.semantic.info:
            return None
        other = self.semantic.project.model_for(info)
        bindings = other.scopes.module_scope.bindings.get(attribute)
        if not bindings or bindings[-1].kind != "assign":
            return None
        value = _unpacked(bindings[-1].value, bindings[-1].path)
        return (other.scale, value) if value is not None else None

    # -- attributes --------------------------------------------------------------
    def _attribute(self, node: ast.Attribute, depth: int, env: Env) -> Optional[Scale]:
        if isinstance(node.value, ast.Name):
            class_node = self.semantic._class_of_self(node.value, node)
            if class_node is not None:
                return self._self_attribute(class_node, node.attr, depth, env)
        if node.attr == "data":
            made = self._construction(node.value, depth)
            if isinstance(made, ast.Call):
                qualname = self.semantic.qualified_name(made.func) or ""
                last = qualname.rsplit(".", 1)[-1]
                if qualname.startswith("torchvision.datasets.") and last in catalog.TORCHVISION_RAW_DATA_DATASETS:
                    return Scale(RAW, node, self.here, f"`{_short(qualname)}(...).data` (line {node.lineno}), which skips the dataset's transforms")
                if qualname.startswith("sklearn.datasets."):
                    return self._sklearn_loader(made, qualname, bunch=True)
        if node.attr in ("values", "T", "mT", "data"):
            return self._scale(node.value, depth + 1, env)
        return None

    def _self_attribute(self, class_node: ast.ClassDef, attr: str, depth: int, env: Env) -> Optional[Scale]:
        class_scope = self.semantic.scopes.scopes.get(class_node)
        bindings = class_scope.attributes.get(attr) if class_scope else None
        if not bindings:
            return None
        binding = bindings[-1]
        statement_scope = self.semantic.scopes.scope_at(binding.node) if binding.node is not None else None
        return self._binding(binding, statement_scope, depth + 1, env)

    def _construction(self, node: ast.AST, depth: int) -> Optional[ast.AST]:
        """The call that made what a name holds (`ds = MNIST(...)` -> the call)."""
        for _ in range(6):
            if isinstance(node, ast.Call):
                return node
            if not isinstance(node, ast.Name):
                return None
            scopes = self.semantic.scopes
            _, binding = scopes.lookup(node.id, scopes.scope_at(node), node.lineno)
            if binding is None or binding.kind != "assign" or binding.path:
                return None
            node = binding.value
        return None

    # -- calls -------------------------------------------------------------------
    def _qualified(self, func: ast.AST) -> Optional[str]:
        """`qualified_name`, also through a module alias assigned to a variable
        (`fashion_mnist = tf.keras.datasets.fashion_mnist; fashion_mnist.load_data()`)."""
        found = self.semantic.qualified_name(func)
        if found is not None or not isinstance(func, ast.Attribute):
            return found
        head, attrs = func, []
        while isinstance(head, ast.Attribute):
            attrs.insert(0, head.attr)
            head = head.value
        if not isinstance(head, ast.Name):
            return None
        scopes = self.semantic.scopes
        _, binding = scopes.lookup(head.id, scopes.scope_at(head), head.lineno)
        if binding is None or binding.kind != "assign" or binding.path or not isinstance(binding.value, ast.Attribute):
            return None
        base = self.semantic.qualified_name(binding.value)
        if base is None or not base.startswith(("keras.", "tensorflow.", "torchvision.", "sklearn.")):
            return None
        from dllint.semantic.imports import canonical

        return canonical(".".join([base] + attrs))

    def _call(self, node: ast.Call, depth: int, env: Env) -> Optional[Scale]:
        qualname = self._qualified(node.func)
        first = node.args[0] if node.args and not isinstance(node.args[0], ast.Starred) else None
        if first is None:  # albumentations `transform(image=img)`, image processors `processor(images=img)`
            first = keyword_value(node, "image") or keyword_value(node, "images")
        if qualname is not None:
            found = self._library_call(node, qualname, first, depth, env)
            if found is not False:
                return found  # type: ignore[return-value]
        func = node.func
        if isinstance(func, ast.Attribute):
            method = func.attr
            if method in ("map", "map_batches") and first is not None:
                # the function may read the data itself (`map(load)` over file names)
                base = self._scale(func.value, depth + 1, env)
                return self._map(base, first, depth, env)
            if method in ("flow", "flow_from_directory", "flow_from_dataframe"):
                return self._image_generator(node, func.value, method, depth, env)
            if method in ("fit_transform", "transform") and not (
                    isinstance(func.value, ast.Name) and self.semantic._class_of_self(func.value, func) is not None):
                transformer = self._effect(func.value, depth + 1, env)
                data = self._scale(first, depth + 1, env) if first is not None else None
                if transformer is None or data is None:
                    return None
                return self._apply(transformer, data, depth)
            if method in catalog.SCALE_KEEPING_METHODS:
                base = self._scale(func.value, depth + 1, env)
                if base is None:
                    return None
                if method in ("float", "double", "half") or (method in ("astype", "to", "type") and _float_dtype(node)):
                    return replace(base, floating=True)
                return base
            if method in ("div", "div_", "true_divide", "mul", "mul_", "sub", "sub_") and first is not None:
                base = self._scale(func.value, depth + 1, env)
                op = {"div": ast.Div(), "div_": ast.Div(), "true_divide": ast.Div(), "mul": ast.Mult(),
                      "mul_": ast.Mult(), "sub": ast.Sub(), "sub_": ast.Sub()}[method]
                return self._arithmetic(base, op, first, node, depth, env)
            if method in ("__getitem__",) and first is not None:
                return self._scale(func.value, depth + 1, env)
        # a transform object called on data: `self.transform(img)`, `preprocess(x)`
        if first is not None:
            effect = self._callable_effect(func, depth, env)
            if effect is not None:
                data = self._scale(first, depth + 1, env)
                return self._apply(effect, data, depth) if data is not None else None
        resolved_class = self.semantic.resolve_class(node.func)
        if resolved_class is not None:
            return self._project_dataset(resolved_class, node, depth, env)
        resolved = self.semantic.resolve_function(node)
        if resolved is not None:
            model, function = resolved
            inner = model.scale._bind(function, node, self, env)
            return model.scale._returned(function, depth + 1, inner)
        return None

    def _returned(self, function: FunctionNode, depth: int, env: Env) -> Optional[Scale]:
        for returned in return_expressions(function) or yield_expressions(function):
            found = self._scale(returned, depth + 1, env)
            if found is not None:
                return found
        return None

    def _library_call(self, node: ast.Call, qualname: str, first: Optional[ast.AST], depth: int, env: Env):
        """A library call's scale; False when the call is not a library call dllint knows."""
        here = self.here
        last = qualname.rsplit(".", 1)[-1]
        if qualname in catalog.RAW_IMAGE_SOURCES:
            found = Scale(RAW, node, here, f"`{_short(qualname)}` (line {node.lineno})")
            if "image_dataset_from_directory" in qualname:
                found = replace(found, pair=True, floating=True)
            return found
        if qualname in catalog.TABLE_READERS:
            return Scale(UNSCALED, node, here, f"`{_short(qualname)}` (line {node.lineno})")
        if qualname in catalog.SKLEARN_HETEROGENEOUS_LOADERS:
            return None  # a Bunch or an (X, y) pair: read through `.data` / unpacking
        if qualname in catalog.SCALE_KEEPING_FUNCTIONS:
            base = self._scale(first, depth + 1, env) if first is not None else None
            if base is None:
                return None
            if _float_dtype(node) or last in ("float32", "float64", "FloatTensor"):
                return replace(base, floating=True)
            return base
        if qualname in catalog.NORMALIZING_FUNCTIONS:
            base = self._scale(first, depth + 1, env) if first is not None else None
            if base is None:
                return None
            level = catalog.NORMALIZING_FUNCTIONS[qualname]
            if level == UNIT and base.level not in (RAW, UNIT):
                level = base.level if base.level not in (UNSCALED, ONE_COLUMN) else UNIT
            return base.step(level, f"`{last}`", node)
        if last == "preprocess_input" and qualname.startswith("keras.applications."):
            base = self._scale(first, depth + 1, env) if first is not None else None
            if base is None:
                return None
            application = qualname.split(".")[2] if qualname.count(".") >= 3 else ""
            if base.level == UNIT and not _self_normalizing_keras(application):
                return base.step(STANDARDIZED, f"`{application}.preprocess_input`", node,
                                 problem=(f"divided to 0-1 before `{application}.preprocess_input`, which expects 0-255 input", node))
            if _self_normalizing_keras(application):
                return base.step(base.level, f"`{application}.preprocess_input` (a pass-through)", node)
            return base.step(STANDARDIZED, f"`{application}.preprocess_input`", node)
        if qualname in ("torch.utils.data.DataLoader", "torch.utils.data.dataloader.DataLoader", "monai.data.DataLoader"):
            dataset = positional_or_keyword(node, 0, "dataset")
            found = self._scale(dataset, depth + 1, env) if dataset is not None else None
            collate = keyword_value(node, "collate_fn")
            if collate is not None and not (isinstance(collate, ast.Constant) and collate.value is None):
                return self._collate(collate, found, depth, env)
            return found
        if qualname in ("torch.utils.data.TensorDataset", "tensorflow.data.Dataset.from_tensor_slices",
                        "tensorflow.data.Dataset.from_tensors", "tensorflow.data.Dataset.zip"):
            if first is None:
                return None
            found = self._scale(first, depth + 1, env)
            if found is None:
                return None
            return replace(found, pair=found.pair or len(node.args) > 1 or isinstance(first, (ast.Tuple, ast.Dict)))
        if qualname in ("torch.utils.data.Subset", "torch.utils.data.ConcatDataset"):
            return self._scale(first, depth + 1, env) if first is not None else None
        if qualname.startswith("torchvision.datasets."):
            transform = positional_or_keyword(node, -1, "transform")
            if transform is None and last in ("ImageFolder", "DatasetFolder") and len(node.args) > 1:
                transform = node.args[1]
            if transform is None or (isinstance(transform, ast.Constant) and transform.value is None):
                return None  # PIL images: they cannot reach a model as they are
            raw = Scale(RAW, node, here, f"the images of `{_short(qualname)}` (line {node.lineno})", pair=True)
            effect = self._effect(transform, depth + 1, env)
            return self._apply(effect, raw, depth) if effect is not None else None
        if qualname.startswith("sklearn.datasets."):
            return None
        if qualname.startswith(("numpy.", "torch.", "tensorflow.", "pandas.", "cv2.", "PIL.", "keras.", "sklearn.",
                                "torchvision.", "albumentations.", "skimage.", "imageio.", "scipy.", "math.")):
            if last in catalog.TRANSFORM_EFFECTS or qualname in catalog.PRETRAINED_PRESETS:
                return False  # a transform object (applied later), not data
            return None
        return False

    def _sklearn_loader(self, node: ast.Call, qualname: str, bunch: bool = False) -> Optional[Scale]:
        if qualname not in catalog.SKLEARN_HETEROGENEOUS_LOADERS:
            return None
        return_x_y = keyword_value(node, "return_X_y")
        if not bunch and not (isinstance(return_x_y, ast.Constant) and return_x_y.value is True):
            return None
        return Scale(UNSCALED, node, self.here, f"`{_short(qualname)}` (line {node.lineno}), whose features span very different ranges")

    def _map(self, base: Optional[Scale], function: ast.AST, depth: int, env: Env) -> Optional[Scale]:
        """`dataset.map(fn)`: fn applied to each element (its first parameter gets the input)."""
        target = self._function_expr(function)
        if base is None:
            if target is None:
                return None
            scales, node = target
            returned = return_expressions(node)
            for expr in returned:
                found = scales._scale(expr, depth + 1, {})
                if found is not None:
                    return found
            return None
        if target is None:
            effect = self._effect(function, depth + 1, env)
            return self._apply(effect, base, depth) if effect is not None else None
        scales, node = target
        positional = node.args.posonlyargs + node.args.args
        if not positional:
            return None
        element = replace(base, pair=False) if base.pair and len(positional) > 1 else base
        inner: Env = {(id(node), positional[0].arg): _Arg(scale=element)}
        returned = return_expressions(node)
        for expr in returned:
            found = scales._scale(expr, depth + 1, inner)
            if found is not None:
                return replace(found, pair=found.pair or base.pair)
        return None

    def _collate(self, collate: ast.AST, dataset: Optional[Scale], depth: int, env: Env) -> Optional[Scale]:
        target = self._function_expr(collate)
        if target is None or dataset is None:
            return None
        scales, node = target
        positional = node.args.posonlyargs + node.args.args
        if not positional:
            return None
        inner: Env = {(id(node), positional[0].arg): _Arg(scale=dataset)}
        returned = return_expressions(node)
        for expr in returned:
            found = scales._scale(expr, depth + 1, inner)
            if found is not None:
                return found
        return None

    def _function_expr(self, expr: ast.AST) -> Optional[Tuple["Scales", Union[FunctionNode, ast.Lambda]]]:
        if isinstance(expr, ast.Lambda):
            return self, expr
        resolved = self.semantic.function_named(expr, expr)
        if resolved is not None:
            return resolved[0].scale, resolved[1]
        return None

    def _image_generator(self, node: ast.Call, generator: ast.AST, method: str, depth: int, env: Env) -> Optional[Scale]:
        """Keras `ImageDataGenerator(...).flow(x)` / `.flow_from_directory(...)`."""
        made = self._construction(generator, depth)
        if not isinstance(made, ast.Call) or not (self.semantic.qualified_name(made.func) or "").endswith("ImageDataGenerator"):
            return None
        if method == "flow":
            first = node.args[0] if node.args else keyword_value(node, "x")
            base = self._scale(first, depth + 1, env) if first is not None else None
        else:
            base = Scale(RAW, node, self.here, f"`{method}` (line {node.lineno})")
        if base is None:
            return None
        base = replace(base, pair=True)
        for keyword in made.keywords:
            if keyword.arg == "rescale" and not (isinstance(keyword.value, ast.Constant) and keyword.value.value in (None, 1, 1.0)):
                return base.step(UNIT, "`ImageDataGenerator(rescale=...)`", made)
            if keyword.arg == "preprocessing_function":
                return None
            if keyword.arg in ("featurewise_std_normalization", "samplewise_std_normalization", "featurewise_center", "samplewise_center") \
                    and not (isinstance(keyword.value, ast.Constant) and keyword.value.value is False):
                return base.step(STANDARDIZED, f"`ImageDataGenerator({keyword.arg}=...)`", made)
        return base

    def _project_dataset(self, resolved, node: ast.Call, depth: int, env: Env) -> Optional[Scale]:
        """An instance of a project class: a Dataset (its `__getitem__`) or an iterable (`__iter__`)."""
        model, class_node = resolved
        methods = {s.name: s for s in class_node.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))}
        reader = methods.get("__getitem__") or methods.get("__iter__")
        if reader is None:
            return None
        init = methods.get("__init__")
        inner = model.scale._bind(init, node, self, env, skip_self=True) if init is not None else {}
        found = model.scale._returned(reader, depth + 1, inner)
        return replace(found, pair=True) if found is not None and not found.pair and _returns_pair(reader) else found

    # -- arithmetic --------------------------------------------------------------
    def _binop(self, node: ast.BinOp, depth: int, env: Env) -> Optional[Scale]:
        left = self._scale(node.left, depth + 1, env)
        if left is None:
            if isinstance(node.op, ast.Mult):  # 1/255 * x
                right = self._scale(node.right, depth + 1, env)
                return self._arithmetic(right, node.op, node.left, node, depth, env)
            return None
        return self._arithmetic(left, node.op, node.right, node, depth, env, left_node=node.left)

    def _arithmetic(self, base: Optional[Scale], op: ast.operator, operand: ast.AST, node: ast.AST, depth: int, env: Env,
                    left_node: Optional[ast.AST] = None) -> Optional[Scale]:
        if base is None:
            return None
        value = self._number(operand, depth)
        if base.level == ONE_COLUMN and value is None and isinstance(op, (ast.Div, ast.Sub)) and not _has_statistic(self, operand):
            return None  # `df["a"] / df["b"]`: a new feature, not a normalization
        if isinstance(op, ast.Div):
            if value is not None:
                if value in (0, 1) or value < 0:
                    return base
                if value >= 2:
                    if base.level in NORMALIZED and base.steps:
                        return base.step(base.level, f"/ {_number_text(value)}", node,
                                         problem=(f"divided by {_number_text(value)} after {base.steps[-1][0]} had already scaled it", node))
                    if _is_subtraction(left_node) and base.level in (RAW, STANDARDIZED):
                        return base.step(STANDARDIZED, f"(x - {_number_text(value)}) / {_number_text(value)}", node)
                    return base.step(UNIT, f"/ {_number_text(value)}", node)
                return base
            if _is_max(operand):
                return base.step(UNIT, "/ max", node)
            return base.step(STANDARDIZED, "/ std", node)
        if isinstance(op, ast.Mult):
            if value is not None:
                if 0 < value < 1:
                    if base.level in NORMALIZED and base.steps and value < 0.01:
                        return base.step(base.level, f"* {_number_text(value)}", node,
                                         problem=(f"scaled by {_number_text(value)} after {base.steps[-1][0]} had already scaled it", node))
                    return base.step(UNIT, f"* {_number_text(value)}", node)
                if value >= 100 and base.level == UNIT:  # back to 0-255: `img * 255`
                    return base.step(RAW, f"* {_number_text(value)}", node)
                return base
            return None
        if isinstance(op, ast.Sub):
            if value is not None:
                return base
            return base.step(STANDARDIZED, "- mean", node)
        if isinstance(op, ast.Add):
            return base
        return None

    def _number(self, node: ast.AST, depth: int) -> Optional[float]:
        """A numeric constant, through names bound once to constants and constant arithmetic."""
        if depth > _MAX_DEPTH:
            return None
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            return float(node.value)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            inner = self._number(node.operand, depth + 1)
            return -inner if inner is not None else None
        if isinstance(node, ast.BinOp):
            left, right = self._number(node.left, depth + 1), self._number(node.right, depth + 1)
            if left is None or right is None:
                return None
            if isinstance(node.op, ast.Div) and right:
                return left / right
            if isinstance(node.op, ast.Mult):
                return left * right
            if isinstance(node.op, ast.Sub):
                return left - right
            if isinstance(node.op, ast.Add):
                return left + right
            return None
        if isinstance(node, ast.Name):
            scopes = self.semantic.scopes
            _, binding = scopes.lookup(node.id, scopes.scope_at(node), node.lineno)
            if binding is not None and binding.kind == "assign" and not binding.path:
                return self._number(binding.value, depth + 1)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "float" and node.args:
            return self._number(node.args[0], depth + 1)
        return None

    def _subscript(self, node: ast.Subscript, depth: int, env: Env) -> Optional[Scale]:
        base = self._scale(node.value, depth + 1, env)
        if base is None:
            return None
        key = node.slice.value if isinstance(node.slice, ast.Index) else node.slice  # type: ignore[attr-defined]
        if base.pair:
            if isinstance(key, ast.Constant):
                if key.value == 0 or key.value in catalog_input_keys():
                    return replace(base, pair=False)
                return None
            return base if isinstance(key, ast.Slice) else replace(base, pair=False)
        if base.level == UNSCALED:
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                return replace(base, level=ONE_COLUMN)  # one column: nothing to be heterogeneous with
            if isinstance(key, ast.List) and len(key.elts) == 1:
                return replace(base, level=ONE_COLUMN)
        return base

    # -- transforms ----------------------------------------------------------------
    def _callable_effect(self, func: ast.AST, depth: int, env: Env) -> Optional[Tuple[_Effect, ...]]:
        """The effect of calling `func` on data, when `func` holds a transform object."""
        if isinstance(func, ast.Call):
            return None
        if isinstance(func, ast.Name) and self.semantic.function_named(func, func) is not None:
            return None
        if isinstance(func, ast.Name) or (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
                                          and self.semantic._class_of_self(func.value, func) is not None):
            held = self._transform_expression(func, depth, env)
            if held is None:
                return None
            return self._effect(func, depth + 1, env)
        return None

    def _transform_expression(self, func: ast.AST, depth: int, env: Env) -> Optional[ast.AST]:
        """Whether a name or `self.attr` holds something built by a call or a parameter."""
        scopes = self.semantic.scopes
        if isinstance(func, ast.Name):
            scope, binding = scopes.lookup(func.id, scopes.scope_at(func), func.lineno)
            if binding is None or binding.kind not in ("assign", "param"):
                return None
            return binding.node
        class_node = self.semantic._class_of_self(func.value, func)  # type: ignore[attr-defined]
        class_scope = scopes.scopes.get(class_node) if class_node is not None else None
        bindings = class_scope.attributes.get(func.attr) if class_scope else None  # type: ignore[attr-defined]
        return bindings[-1].node if bindings else None

    def _effect(self, node: Optional[ast.AST], depth: int, env: Env) -> Optional[Tuple[_Effect, ...]]:
        """What a transform does to the scale of the data it is applied to; None when unknown."""
        if node is None or depth > _MAX_DEPTH:
            return None
        if isinstance(node, ast.Constant) and node.value is None:
            return ()
        if isinstance(node, ast.Name):
            scopes = self.semantic.scopes
            scope, binding = scopes.lookup(node.id, scopes.scope_at(node), node.lineno)
            if binding is None:
                return None
            if binding.kind == "param":
                function = scope.node if scope is not None else None
                bound = env.get((id(function), binding.name))
                if bound is not None:
                    return bound.effect(depth)
                if binding.value is not None:  # the default
                    return self._effect(binding.value, depth + 1, env)
                return self._parameter_effect(binding, scope, depth)
            if binding.kind == "assign" and not binding.path:
                return self._effect(binding.value, depth + 1, env)
            if binding.kind == "import":
                imported = self._imported(node)
                return imported[0]._effect(imported[1], depth + 1, {}) if imported is not None else None
            if binding.kind == "def":
                return (("call", binding.value, f"`{node.id}`", (self, binding.value)),)
            return None
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            class_node = self.semantic._class_of_self(node.value, node)
            if class_node is not None:
                class_scope = self.semantic.scopes.scopes.get(class_node)
                bindings = class_scope.attributes.get(node.attr) if class_scope else None
                if not bindings:
                    return None
                binding = bindings[-1]
                if binding.kind != "assign":
                    return None
                value = _unpacked(binding.value, binding.path)
                if value is None:
                    return None
                return self._effect(value, depth + 1, env)
        if isinstance(node, ast.Lambda):
            return (("call", node, "a lambda", (self, node)),)
        if isinstance(node, ast.IfExp):
            body, orelse = self._effect(node.body, depth + 1, env), self._effect(node.orelse, depth + 1, env)
            if body is not None and orelse is not None and _effect_kinds(body) == _effect_kinds(orelse):
                return body
            return None
        if isinstance(node, (ast.List, ast.Tuple)):
            return self._sequence_effect(node.elts, depth, env)
        if not isinstance(node, ast.Call):
            return None
        if isinstance(node.func, ast.Attribute) and node.func.attr in ("fit", "set_output", "set_params"):
            return self._effect(node.func.value, depth + 1, env)  # `StandardScaler().fit(X_train)` returns the scaler
        qualname = self.semantic.qualified_name(node.func) or ""
        last = qualname.rsplit(".", 1)[-1]
        if isinstance(node.func, ast.Attribute) and node.func.attr == "transforms" and not qualname.startswith("torchvision.transforms"):
            # weights.transforms(), ResNet50_Weights.DEFAULT.transforms()
            return (("pretrained", node, "`weights.transforms()`", None),)
        if qualname in catalog.PRETRAINED_PRESETS or last in ("create_transform",) and qualname.startswith("timm"):
            return (("pretrained", node, f"`{last}`", None),)
        if last in ("Compose", "Sequential") and qualname.startswith(("torchvision.transforms", "albumentations", "keras.", "torch.nn.Sequential")):
            items = node.args[0] if node.args and isinstance(node.args[0], (ast.List, ast.Tuple)) else None
            if items is None and last == "Sequential" and qualname == "torch.nn.Sequential":
                return self._sequence_effect(node.args, depth, env)
            if items is None:
                return None
            return self._sequence_effect(items.elts, depth, env)
        if qualname.startswith(catalog.TRANSFORM_MODULE_PREFIXES) and last in catalog.TRANSFORM_EFFECTS:
            kind = catalog.TRANSFORM_EFFECTS[last]
            if last == "ToDtype" or last == "ConvertImageDtype":
                kind = "unit"
            if last in ("Normalize", "Normalization"):
                return (("standardize", node, f"`{last}{_normalize_constants(self, node)}`", node),)
            if last == "Rescaling":
                scale = self._number(node.args[0], depth) if node.args else None
                if scale is not None and scale >= 0.5:
                    return ()
            return ((kind, node, f"`{last}`", None),)
        if last == "ToDtype" and qualname.startswith("torchvision.transforms"):
            scale = keyword_value(node, "scale")
            if isinstance(scale, ast.Constant) and scale.value is True:
                return (("unit", node, "`ToDtype(scale=True)`", None),)
            return (("float", node, "`ToDtype`", None),)
        if last == "Lambda" and qualname.startswith("torchvision.transforms") and node.args:
            return self._effect(node.args[0], depth + 1, env)
        if last.endswith("Scaler") or last in catalog.SKLEARN_SCALERS:
            if qualname.startswith("sklearn.") or not qualname:
                return (("standardize", node, f"`{last}`", None),)
        if qualname.startswith("sklearn."):
            return self._sklearn_effect(node, qualname, last, depth, env)
        resolved_class = self.semantic.resolve_class(node.func)
        if resolved_class is not None:
            model, class_node = resolved_class
            for statement in class_node.body:
                if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and statement.name in ("__call__", "forward", "call"):
                    init = next((s for s in class_node.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None)
                    inner = model.scale._bind(init, node, self, env, skip_self=True) if init is not None else {}
                    return (("call", statement, f"`{class_node.name}`", (model.scale, statement, inner)),)
            return None
        resolved = self.semantic.resolve_function(node)
        if resolved is not None:  # a project function building the transform
            model, function = resolved
            inner = model.scale._bind(function, node, self, env)
            for returned in return_expressions(function):
                found = model.scale._effect(returned, depth + 1, inner)
                if found is not None:
                    return found
        return None

    def _parameter_effect(self, binding, scope, depth: int) -> Optional[Tuple[_Effect, ...]]:
        function = scope.node if scope is not None else None
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) or not binding.path:
            return None
        from dllint.semantic.module import _call_argument

        effects = []
        calls = [(self, c) for c in self.semantic.callers_of(function)] or [(m.scale, c) for m, c in self.semantic.callers_elsewhere(function)]
        for scales, call in calls:
            argument = _call_argument(call, function, binding.path[0], binding.name)
            if argument is not None:
                effects.append(scales._effect(argument, depth + 1, {}))
        if not effects or any(e is None for e in effects):
            return None
        if len({_effect_kinds(e) for e in effects}) != 1:
            return None  # callers disagree: which one runs is not known here
        return effects[0]

    def _sequence_effect(self, elements, depth: int, env: Env) -> Optional[Tuple[_Effect, ...]]:
        total: List[_Effect] = []
        for element in elements:
            if isinstance(element, ast.Starred):
                return None
            effect = self._effect(element, depth + 1, env)
            if effect is None:
                if self._is_augmentation(element):
                    continue
                return None
            total.extend(effect)
        return tuple(total)

    def _is_augmentation(self, node: ast.AST) -> bool:
        """A Keras random layer or a project layer named like an augmentation: never value-normalizing."""
        qualname = self.semantic.qualified_name(node.func) if isinstance(node, ast.Call) else None
        last = (qualname or "").rsplit(".", 1)[-1]
        return last.startswith(("Random", "Resiz", "CenterCrop"))

    def _sklearn_effect(self, node: ast.Call, qualname: str, last: str, depth: int, env: Env) -> Optional[Tuple[_Effect, ...]]:
        if last in catalog.SKLEARN_ENCODERS:
            return (("encode", node, f"`{last}`", None),)
        if last in catalog.SKLEARN_SCALE_KEEPING:
            return ()
        if last in ("Pipeline", "make_pipeline"):
            steps = self._pipeline_steps(node)
            if steps is None:
                return None
            return self._sequence_effect(steps, depth, env)
        if last in ("ColumnTransformer", "make_column_transformer"):
            return (("columns", node, f"`{last}`", self._column_summary(node, depth, env)),)
        if last == "FunctionTransformer":
            func = positional_or_keyword(node, 0, "func")
            if func is None or (isinstance(func, ast.Constant) and func.value is None):
                return ()
            return None
        if last in ("PCA", "TruncatedSVD", "PolynomialFeatures"):
            return (("keep", node, f"`{last}`", None),)
        return None

    def _pipeline_steps(self, node: ast.Call) -> Optional[List[ast.AST]]:
        qualname = self.semantic.qualified_name(node.func) or ""
        if qualname.endswith("make_pipeline"):
            return [a for a in node.args]
        steps = positional_or_keyword(node, 0, "steps")
        if not isinstance(steps, (ast.List, ast.Tuple)):
            return None
        found = []
        for item in steps.elts:
            if not isinstance(item, ast.Tuple) or len(item.elts) < 2:
                return None
            found.append(item.elts[1])
        return found

    def _column_summary(self, node: ast.Call, depth: int, env: Env) -> Optional[Tuple[str, ...]]:
        """Per column group: "scaled", "encoded", "kept" (passthrough / imputers), "dropped"; None if unknown."""
        qualname = self.semantic.qualified_name(node.func) or ""
        if qualname.endswith("make_column_transformer"):
            transformers = [a.elts[0] for a in node.args if isinstance(a, ast.Tuple) and a.elts]
        else:
            listed = positional_or_keyword(node, 0, "transformers")
            if not isinstance(listed, (ast.List, ast.Tuple)):
                return None
            transformers = [t.elts[1] for t in listed.elts if isinstance(t, ast.Tuple) and len(t.elts) >= 2]
        remainder = keyword_value(node, "remainder")
        if remainder is not None:
            transformers.append(remainder)
        summary = []
        for transformer in transformers:
            if isinstance(transformer, ast.Constant):
                summary.append("kept" if transformer.value == "passthrough" else "dropped")
                continue
            effect = self._effect(transformer, depth + 1, env)
            if effect is None:
                return None
            kinds = _effect_kinds(effect)
            if any(k in ("standardize", "unit", "pretrained") for k in kinds):
                summary.append("scaled")
            elif "encode" in kinds:
                summary.append("encoded")
            elif all(k == "keep" for k in kinds):
                summary.append("kept")
            else:
                return None
        return tuple(summary)

    def _apply(self, effect: Tuple[_Effect, ...], scale: Optional[Scale], depth: int) -> Optional[Scale]:
        if scale is None:
            return None
        pair = scale.pair
        current = replace(scale, pair=False)
        for kind, node, text, extra in effect:
            if kind == "keep":
                continue
            if kind == "to_unit":
                if current.level == RAW and not current.floating:
                    current = current.step(UNIT, text, node, floating=True)
                elif current.level == RAW:
                    current = replace(current, steps=current.steps + ((f"{text} (which leaves float input at its scale)", node),))
                else:
                    current = replace(current, floating=True)
            elif kind == "unit":
                current = current.step(UNIT if current.level in (RAW, UNIT) else current.level, text, node, floating=True)
            elif kind == "float":
                current = replace(current, floating=True, steps=current.steps + ((f"{text} (a cast: the values stay)", node),))
            elif kind == "standardize":
                if current.level == RAW and isinstance(extra, ast.Call) and _small_means(self, extra):
                    current = current.step(RAW, text, node, problem=(f"{text} expects 0-1 input but gets 0-255 values", node))
                else:
                    current = current.step(STANDARDIZED, text, node)
            elif kind == "pretrained":
                current = current.step(STANDARDIZED, text, node, floating=True)
            elif kind == "encode":
                current = current.step(ENCODED, text, node)
            elif kind == "columns":
                if extra is None:
                    return None
                summary = set(extra)
                if "scaled" in summary:
                    current = current.step(STANDARDIZED, text, node)
                elif "kept" in summary and current.level == UNSCALED:
                    current = replace(current, steps=current.steps + ((f"{text} (numeric columns passed through)", node),))
                elif summary <= {"encoded", "dropped"}:
                    current = current.step(ENCODED, text, node)
                else:
                    return None
            elif kind == "call":
                scales, function = extra[0], extra[1]
                inner = dict(extra[2]) if len(extra) > 2 else {}
                positional = function.args.posonlyargs + function.args.args
                if positional and positional[0].arg in ("self", "cls"):
                    positional = positional[1:]
                if not positional:
                    return None
                inner[(id(function), positional[0].arg)] = _Arg(scale=current)
                returned = return_expressions(function)
                result = None
                for expr in returned:
                    result = scales._scale(expr, depth + 1, inner)
                    if result is not None:
                        break
                if result is None:
                    return None
                current = replace(result, pair=False)
            else:
                return None
        return replace(current, pair=pair)

    # -- models ------------------------------------------------------------------
    def model_input(self, model_expr: ast.AST) -> Optional[ModelInput]:
        value = self.semantic.value_of(model_expr)
        if value is None or value.kind != MODEL or value.origin is None or value.by_name:
            return None
        owner = self._model_of(value.module)
        origin = value.origin
        qualname = value.qualname or ""
        last = qualname.rsplit(".", 1)[-1]
        if value.framework == "sklearn":
            return owner.scale._sklearn_model(origin, qualname)
        if value.framework == "keras":
            return owner.scale._keras_model(origin, qualname)
        if value.framework == "torch":
            return owner.scale._torch_model(origin, qualname, last)
        return ModelInput(value.framework, qualname, origin)

    def _model_of(self, module: str) -> "ModuleModel":
        if module == self.here:
            return self.semantic
        info = self.semantic.project.module(module, self.semantic.info)
        return self.semantic.project.model_for(info) if info is not None else self.semantic

    def _sklearn_model(self, origin: ast.AST, qualname: str) -> ModelInput:
        last = qualname.rsplit(".", 1)[-1]
        preprocessing: Tuple[_Effect, ...] = ()
        unknown = False
        estimator_node = origin
        for _ in range(4):
            if not isinstance(estimator_node, ast.Call):
                break
            name = (self.semantic.qualified_name(estimator_node.func) or "").rsplit(".", 1)[-1]
            if name in catalog.SKLEARN_META_ESTIMATORS:
                inner = positional_or_keyword(estimator_node, 0, "estimator")
                resolved = self._construction(inner, 0) if inner is not None else None
                if resolved is None:
                    return ModelInput("sklearn", qualname, origin, pipeline_unknown=True)
                estimator_node = resolved
                continue
            if name in ("Pipeline", "make_pipeline"):
                steps = self._pipeline_steps(estimator_node)
                if not steps:
                    return ModelInput("sklearn", qualname, origin, pipeline_unknown=True)
                effect = self._sequence_effect(steps[:-1], 0, {})
                if effect is None:
                    unknown = True
                else:
                    preprocessing += effect
                final = self._construction(steps[-1], 0)
                if final is None:
                    return ModelInput("sklearn", qualname, origin, pipeline_unknown=True)
                estimator_node = final
                continue
            last = name
            break
        return ModelInput(
            "sklearn", qualname, origin, estimator=last,
            scale_sensitive=last in catalog.SCALE_SENSITIVE_ESTIMATORS,
            scale_invariant=last.endswith(("Tree", "Forest", "Boosting", "Regressor", "Classifier", "NB", "Trees")) and last not in catalog.SCALE_SENSITIVE_ESTIMATORS,
            preprocessing=preprocessing, pipeline_unknown=unknown,
        )

    def _keras_model(self, origin: ast.AST, qualname: str) -> ModelInput:
        last = qualname.rsplit(".", 1)[-1]
        if qualname.startswith("keras.applications."):
            if _self_normalizing_keras(last):
                return ModelInput("keras", qualname, origin, normalizes_inside=f"`{last}` normalizes its 0-255 input inside the graph")
            weights = keyword_value(origin, "weights") if isinstance(origin, ast.Call) else None
            if weights is None or not (isinstance(weights, ast.Constant) and weights.value is None):
                return ModelInput("keras", qualname, origin, pretrained=f"`{last}` with ImageNet weights (expects `preprocess_input`)")
        if isinstance(origin, ast.Call):
            inputs = positional_or_keyword(origin, 0, "inputs")
            if isinstance(inputs, ast.Attribute) or isinstance(inputs, ast.Subscript):
                # keras.Model(inputs=model.input, outputs=...): a view of another model
                return ModelInput("keras", qualname, origin, opaque=f"built on `{ast.unparse(inputs)}`")
        evidence = self._keras_normalization_in_file()
        opaque = self._loaded_models_in_file()
        pretrained = self._keras_pretrained_base_in_file() if evidence is None else None
        return ModelInput("keras", qualname, origin, normalizes_inside=evidence, opaque=opaque, pretrained=pretrained)

    def _loaded_models_in_file(self) -> Optional[str]:
        """A model loaded from disk or a hub in the file: its layers (and any Rescaling) are not visible."""
        for call in self.semantic.nodes_of(ast.Call):
            qualname = self.semantic.qualified_name(call.func) or ""
            if qualname.endswith(catalog.OPAQUE_MODEL_LOADERS):
                return f"`{qualname.rsplit('.', 1)[-1]}` (line {call.lineno})"
        return None

    def _keras_normalization_in_file(self) -> Optional[str]:
        """A normalizing layer or preprocessing anywhere in the file that builds the model."""
        for call in self.semantic.nodes_of(ast.Call):
            qualname = self.semantic.qualified_name(call.func) or ""
            last = qualname.rsplit(".", 1)[-1]
            if qualname.startswith("keras.") and last in ("Rescaling", "Normalization", "preprocess_input", "Lambda", "CenterCrop_"):
                return f"`{last}` (line {call.lineno})"
            if qualname.startswith("keras.applications.") and _self_normalizing_keras(last):
                return f"`{last}` (line {call.lineno}) normalizes inside the graph"
        return None

    def _keras_pretrained_base_in_file(self) -> Optional[str]:
        """A Keras application with ImageNet weights built in the file (a base inside the model)."""
        for call in self.semantic.nodes_of(ast.Call):
            qualname = self.semantic.qualified_name(call.func) or ""
            last = qualname.rsplit(".", 1)[-1]
            if qualname.startswith("keras.applications.") and last[:1].isupper() and not _self_normalizing_keras(last):
                weights = keyword_value(call, "weights")
                if weights is None or not (isinstance(weights, ast.Constant) and weights.value is None):
                    return f"the pretrained `{last}` base (line {call.lineno}, expects `preprocess_input`)"
        return None

    def _torch_model(self, origin: ast.AST, qualname: str, last: str) -> ModelInput:
        if isinstance(origin, ast.Call) and qualname == "torch.hub.load":
            repo = positional_or_keyword(origin, 0, "repo_or_dir")
            entry = positional_or_keyword(origin, 1, "model")
            repo_text = repo.value if isinstance(repo, ast.Constant) and isinstance(repo.value, str) else None
            if repo_text is None or repo_text.split(":")[0] != catalog.TORCH_HUB_TORCHVISION:
                return ModelInput("torch", qualname, origin, opaque=f"loaded with `torch.hub.load` (line {origin.lineno}), whose code may prepare its own input")
            if isinstance(entry, ast.Constant) and isinstance(entry.value, str):
                qualname, last = f"torchvision.models.{entry.value}", entry.value
        if isinstance(origin, ast.Call) and qualname.startswith(catalog.PRETRAINED_VISION_FACTORIES):
            if any(part in last.lower() for part in catalog.TORCHVISION_SELF_NORMALIZING_MODELS):
                return ModelInput("torch", qualname, origin, normalizes_inside=f"`{last}` normalizes in its own transform")
            if _loads_pretrained(origin):
                return ModelInput("torch", qualname, origin, pretrained=f"`{_short(qualname)}` with pretrained weights (line {origin.lineno})")
            return ModelInput("torch", qualname, origin)
        resolved = self.semantic.resolve_class(origin.func) if isinstance(origin, ast.Call) else None
        if resolved is not None:
            model, class_node = resolved
            return model.scale._torch_class(class_node, qualname, origin)
        if isinstance(origin, ast.Call) and qualname == "torch.nn.Sequential":
            first_layer = origin.args[0] if origin.args and isinstance(origin.args[0], ast.Call) else None
            first_name = (self.semantic.qualified_name(first_layer.func) or "") if first_layer is not None else ""
            if first_name.startswith("torch.nn.") and first_name.rsplit(".", 1)[-1].startswith(("BatchNorm", "LayerNorm", "InstanceNorm", "GroupNorm")):
                return ModelInput("torch", qualname, origin, normalizes_inside=f"`{first_name.rsplit('.', 1)[-1]}` is the model's first layer")
            for element in origin.args:
                made = element if isinstance(element, ast.Call) else None
                if made is None:
                    continue
                name = self.semantic.qualified_name(made.func) or ""
                if name.endswith(("Normalize", "Rescaling")):
                    return ModelInput("torch", qualname, origin, normalizes_inside=f"`{name.rsplit('.', 1)[-1]}` in the model")
                inner = self.semantic.resolve_class(made.func)
                if inner is not None:
                    found = inner[0].scale._torch_class(inner[1], name, made)
                    if found.normalizes_inside or found.pretrained:
                        return replace(found, qualname=qualname, node=origin)
                if name.startswith(catalog.PRETRAINED_VISION_FACTORIES) and _loads_pretrained(made):
                    return ModelInput("torch", qualname, origin, pretrained=f"`{_short(name)}` with pretrained weights (line {made.lineno})")
        return ModelInput("torch", qualname, origin)

    def _torch_class(self, class_node: ast.ClassDef, qualname: str, origin: ast.AST, depth: int = 0) -> ModelInput:
        pretrained = None
        for base in class_node.bases:  # a project base class that normalizes, or holds a pretrained backbone
            resolved = self.semantic.resolve_class(base) if depth < 4 else None
            if resolved is not None and resolved[1] is not class_node:
                inherited = resolved[0].scale._torch_class(resolved[1], qualname, origin, depth + 1)
                if inherited.normalizes_inside:
                    return inherited
                pretrained = pretrained or inherited.pretrained
        for node in ast.walk(class_node):
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
                value = self._number(node.right, 0)
                if (value is not None and value >= 2) or isinstance(node.left, ast.BinOp) and isinstance(node.left.op, ast.Sub):
                    return ModelInput("torch", qualname, origin, normalizes_inside=f"`{class_node.name}` scales its input (line {node.lineno})")
            if isinstance(node, ast.Call):
                name = self.semantic.qualified_name(node.func) or ""
                attr = node.func.attr if isinstance(node.func, ast.Attribute) else ""
                if name.endswith(("Normalize", "normalize", "Rescaling")) or attr in ("div", "div_", "sub_", "register_buffer") and _mentions_mean(node):
                    return ModelInput("torch", qualname, origin, normalizes_inside=f"`{class_node.name}` normalizes its input (line {node.lineno})")
                if name.startswith(catalog.PRETRAINED_VISION_FACTORIES) and _loads_pretrained(node):
                    pretrained = f"`{_short(name)}` with pretrained weights (line {node.lineno})"
        return ModelInput("torch", qualname, origin, pretrained=pretrained)


# -- helpers -------------------------------------------------------------------

def catalog_input_keys() -> Tuple[str, ...]:
    return ("image", "images", "img", "pixel_values", "x", "input", "inputs", "data", "features")


def _unpacked(value: ast.AST, path: Tuple[int, ...]) -> Optional[ast.AST]:
    """The part of an assigned tuple literal a target gets (`self.a, self.t = a, t`)."""
    for index in path:
        if not isinstance(value, (ast.Tuple, ast.List)) or not 0 <= index < len(value.elts):
            return None
        value = value.elts[index]
    return value


def _returns_pair(function: FunctionNode) -> bool:
    return any(isinstance(r, (ast.Tuple, ast.Dict)) for r in return_expressions(function) + yield_expressions(function))


def _float_dtype(call: ast.Call) -> bool:
    for argument in list(call.args) + [k.value for k in call.keywords if k.arg == "dtype"]:
        text = ast.unparse(argument) if hasattr(ast, "unparse") else ""
        if "float" in text or "double" in text or "half" in text:
            return True
    return False


def _is_subtraction(node: Optional[ast.AST]) -> bool:
    return isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub) or (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("sub", "sub_"))


def _is_max(node: ast.AST) -> bool:
    if isinstance(node, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        return name in ("max", "amax", "reduce_max", "ptp")
    return False


def _number_text(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


def _short(qualname: str) -> str:
    for prefix in ("tensorflow.", "torchvision.", "numpy."):
        if qualname.startswith(prefix):
            return qualname
    return qualname


def _self_normalizing_keras(name: str) -> bool:
    return name.startswith(catalog.KERAS_SELF_NORMALIZING_APPLICATIONS) or name.lower().startswith(
        tuple(p.lower() for p in catalog.KERAS_SELF_NORMALIZING_APPLICATIONS))


def _loads_pretrained(call: ast.Call) -> bool:
    for keyword in call.keywords:
        if keyword.arg in ("weights", "pretrained"):
            value = keyword.value
            if isinstance(value, ast.Constant):
                return value.value not in (None, False)
            return True
    return False


_STATISTICS = ("mean", "std", "var", "min", "max", "median", "amin", "amax", "ptp", "nanmean", "nanstd", "quantile", "percentile")


def _has_statistic(scales: Scales, node: ast.AST, depth: int = 0) -> bool:
    """A mean / std / min / max in an operand (`df.x.std()`, a name bound to one)."""
    for part in ast.walk(node):
        if isinstance(part, ast.Call):
            func = part.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name in _STATISTICS:
                return True
        elif isinstance(part, ast.Name) and depth < 2:
            s = scales.semantic.scopes
            _, binding = s.lookup(part.id, s.scope_at(part), part.lineno)
            if binding is not None and binding.kind == "assign" and binding.value is not None and binding.value is not node:
                value = _unpacked(binding.value, binding.path)
                if value is not None and _has_statistic(scales, value, depth + 1):
                    return True
    return False


def _mentions_mean(node: ast.Call) -> bool:
    text = ast.dump(node).lower()
    return "mean" in text or "std" in text or "255" in text


def _effect_kinds(effect: Tuple[_Effect, ...]) -> Tuple[str, ...]:
    return tuple(kind for kind, _, _, _ in effect if kind != "keep")


def _normalize_constants(scales: Scales, call: ast.Call) -> str:
    mean = positional_or_keyword(call, 0, "mean")
    std = positional_or_keyword(call, 1, "std")
    parts = []
    for name, node in (("mean", mean), ("std", std)):
        literal = _literal(scales, node)
        if literal is None:
            return ""
        parts.append(f"{name}={literal}")
    return "(" + ", ".join(parts) + ")"


def _literal(scales: Scales, node: Optional[ast.AST], depth: int = 0) -> Optional[str]:
    if node is None or depth > 4:
        return None
    if isinstance(node, ast.Name):
        s = scales.semantic.scopes
        _, binding = s.lookup(node.id, s.scope_at(node), node.lineno)
        if binding is not None and binding.kind == "assign":
            return _literal(scales, _unpacked(binding.value, binding.path), depth + 1)
        return None
    if isinstance(node, (ast.List, ast.Tuple)):
        values = [scales._number(e, 0) for e in node.elts]
        if any(v is None for v in values):
            return None
        return "(" + ", ".join(_number_text(v) for v in values) + ")"  # type: ignore[arg-type]
    value = scales._number(node, 0)
    return _number_text(value) if value is not None else None


def _small_means(scales: Scales, call: ast.Call) -> bool:
    """`Normalize(mean=(0.485, ...))`: constants for 0-1 input."""
    mean = positional_or_keyword(call, 0, "mean")
    literal = _literal(scales, mean)
    if literal is None:
        return False
    numbers = [float(p) for p in literal.strip("()").split(",") if p.strip()]
    return bool(numbers) and all(0 <= n <= 1 for n in numbers)
