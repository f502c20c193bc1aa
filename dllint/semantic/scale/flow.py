"""Following data to where its scale was decided.

Names and their bindings, tuple unpacking (`load_data()`, `train_test_split`,
`random_split`, a project function's returns), `for` loops over loaders
(through `enumerate`, `tqdm`, `zip`), parameters (bound by the caller's
environment, else from every call in this file or another), `self.<attr>`,
module variables imported from other project files, and indexing (the input
of an (input, target) pair). Calls and arithmetic are `calls.py`'s and
`arithmetic.py`'s.
"""
from __future__ import annotations

import ast
from dataclasses import replace
from typing import TYPE_CHECKING, Dict, Hashable, Optional, Tuple, Union

from dllint.semantic import catalog
from dllint.semantic.module import return_expressions, yield_expressions
from dllint.semantic.recursion import guarded
from dllint.semantic.scale.part import ScalePart
from dllint.semantic.scale.records import (
    MAX_DEPTH, ONE_COLUMN, RAW, UNSCALED, Arg, Env, FunctionNode, Scale, catalog_input_keys, environment_meaning, short,
    unpacked,
)

if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.scale import Scales

# pandas indexers: `frame.loc[...]` / `frame.iloc[...]` select rows and columns of the frame
_FRAME_INDEXERS = frozenset({"loc", "iloc"})
# list methods that change a list of column names in place
_LIST_MUTATORS = frozenset({"append", "extend", "insert", "remove", "pop", "clear"})


class DataFlow(ScalePart):
    """The scale of the data an expression of one file holds."""

    def __init__(self, scales: "Scales"):
        super().__init__(scales)
        self._cache: Dict[int, Optional[Scale]] = {}
        # inside followed calls: (node, depth, what the environment means) ->
        # the scale, and the environment (kept alive: the key holds ids of its parts)
        self._cache_in_calls: Dict[Hashable, Tuple[Optional[Scale], Env]] = {}
        self._in_progress: set = set()

    def _scale(self, node: Optional[ast.AST], depth: int, env: Env) -> Optional[Scale]:
        if node is None or depth > MAX_DEPTH:
            return None
        if not env:
            if id(node) in self._cache:
                return self._cache[id(node)]
            found = guarded(self._in_progress, (id(node), 0), lambda: self._evaluate(node, depth, env), None)
            self._cache[id(node)] = found
            return found
        # Each followed call builds a new environment, so two calls with the
        # same arguments are two environments: keyed by their objects, helpers
        # returning one another's results on two branches were evaluated
        # 2^helpers times. Keyed by what the arguments mean, once per depth.
        key = (id(node), depth, environment_meaning(env, depth))
        if key in self._cache_in_calls:
            return self._cache_in_calls[key][0]
        found = guarded(self._in_progress, key, lambda: self._evaluate(node, depth, env), None)
        self._cache_in_calls[key] = (found, env)
        return found

    def _evaluate(self, node: ast.AST, depth: int, env: Env) -> Optional[Scale]:
        if isinstance(node, ast.Name):
            return self._name(node, depth, env)
        if isinstance(node, ast.Attribute):
            return self._attribute(node, depth, env)
        if isinstance(node, ast.Call):
            return self.scales.calls._call(node, depth, env)
        if isinstance(node, ast.BinOp):
            return self.scales.arithmetic._binop(node, depth, env)
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

    def _name(self, node: ast.Name, depth: int, env: Env) -> Optional[Scale]:
        scopes = self.semantic.scopes
        scope, binding = scopes.lookup(node.id, scopes.scope_at(node), node.lineno)
        if binding is None:
            return None
        if binding.kind == "import":
            imported = self._imported(node)
            return imported[0].flow._scale(imported[1], depth + 1, {}) if imported is not None else None
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
            return self.scales.arithmetic._arithmetic(previous, statement.op, statement.value, statement, depth, env)
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
                    found = caller.scale.flow._scale(argument, depth + 1, {})
                    if found is not None:
                        return found
        return None

    def _element(self, node: ast.AST, path: Tuple[int, ...], depth: int, env: Env) -> Optional[Scale]:
        """The scale at `path` inside what `node` evaluates to (tuple unpacking)."""
        if not path:
            return self._scale(node, depth, env)
        if depth > MAX_DEPTH:
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
                return Scale(level, node, self.here, f"`{short(qualname)}()` (line {node.lineno})")
            if qualname == "sklearn.model_selection.train_test_split":
                arrays = [a for a in node.args if not isinstance(a, ast.Starred)]
                if index >= 0 and index // 2 < len(arrays):
                    return self._element(arrays[index // 2], rest, depth + 1, env)
                return None
            if qualname.startswith("sklearn.datasets.") and index == 0:
                return self.scales.calls._sklearn_loader(node, qualname)
            if qualname == "torch.utils.data.random_split" and node.args:
                return self._element(node.args[0], rest, depth + 1, env)
            resolved = self.semantic.resolve_function(node)
            if resolved is not None:
                model, function = resolved
                inner = model.scale.flow._bind(function, node, self.scales, env)
                for returned in return_expressions(function):
                    found = model.scale.flow._element(returned, path, depth + 1, inner)
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
                inner[(id(function), names[position])] = Arg(caller, argument, env)
        for item in call.keywords:
            if item.arg is not None:
                inner[(id(function), item.arg)] = Arg(caller, item.value, env)
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
        value = unpacked(bindings[-1].value, bindings[-1].path)
        return (other.scale, value) if value is not None else None

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
                    return Scale(RAW, node, self.here, f"`{short(qualname)}(...).data` (line {node.lineno}), which skips the dataset's transforms")
                if qualname.startswith("sklearn.datasets."):
                    return self.scales.calls._sklearn_loader(made, qualname, bunch=True)
        if node.attr in ("values", "T", "mT", "data") or node.attr in _FRAME_INDEXERS:
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
            if isinstance(node.value, ast.Attribute) and node.value.attr in _FRAME_INDEXERS \
                    and isinstance(key, ast.Tuple) and len(key.elts) == 2:
                key = key.elts[1]  # `frame.loc[rows, columns]`: the columns decide
                if isinstance(key, ast.Constant) and isinstance(key.value, int):
                    return replace(base, level=ONE_COLUMN)  # `frame.iloc[:, 3]`
            key = self._column_names(key)
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                return replace(base, level=ONE_COLUMN)  # one column: nothing to be heterogeneous with
            if isinstance(key, ast.List) and len(key.elts) == 1:
                return replace(base, level=ONE_COLUMN)
        return base

    def _column_names(self, key: ast.AST) -> ast.AST:
        """The column selection a name stands for, when it is bound once to a
        string or a list display and never changed in place (`feature_cols =
        ['al']; glass[feature_cols]`); otherwise `key` itself."""
        if not isinstance(key, ast.Name):
            return key
        scopes = self.semantic.scopes
        scope = scopes.scope_at(key)
        _, binding = scopes.lookup(key.id, scope, key.lineno)
        if binding is None or binding.kind != "assign" or binding.path:
            return key
        value = binding.value
        if not (isinstance(value, ast.Constant) and isinstance(value.value, str)) and not isinstance(value, ast.List):
            return key
        for read in self.semantic.reads_of(key.id):
            parent = self.semantic.parent(read)
            if isinstance(parent, ast.Attribute) and parent.attr in _LIST_MUTATORS and scopes.scope_at(read) is scope:
                return key  # `feature_cols.append("bmi")`: the list grows after it is bound
        return value

    def _returned(self, function: FunctionNode, depth: int, env: Env) -> Optional[Scale]:
        for returned in return_expressions(function) or yield_expressions(function):
            found = self._scale(returned, depth + 1, env)
            if found is not None:
                return found
        return None
